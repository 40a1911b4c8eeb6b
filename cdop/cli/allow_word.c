#include "cdop/cli/cli.h"

#include <string.h>

/*
 * --allow-word WORD (repeatable): a word the identifier check would refuse
 * in text the user writes (a panel summary, learning, a recommendation, a
 * narrative), allowed for this command. Taken out of argv before the
 * command reads its own options; the library audits each use.
 */
#define ALLOW_WORDS_MAX 32

static const char *allow_words[ALLOW_WORDS_MAX];

int cli_allow_words(struct cli *c, int *argc, char **argv)
{
	size_t n = 0;
	int i, o = 0;

	for (i = 0; i < *argc; i++) {
		const char *w = NULL;

		if (!strcmp(argv[i], "--allow-word")) {
			if (i + 1 >= *argc)
				return cli_fail(c, CLI_ERR_USAGE, "--allow-word needs a WORD");
			w = argv[++i];
		} else if (!strncmp(argv[i], "--allow-word=", 13)) {
			w = argv[i] + 13;
		} else {
			argv[o++] = argv[i];
			continue;
		}
		if (!*w)
			return cli_fail(c, CLI_ERR_USAGE, "--allow-word needs a WORD");
		if (n == ALLOW_WORDS_MAX)
			return cli_fail(c, CLI_ERR_USAGE, "--allow-word: at most %d words",
					ALLOW_WORDS_MAX);
		allow_words[n++] = w;
	}
	argv[o] = NULL;
	*argc = o;
	c->reg.ss.allow_words = allow_words;
	c->reg.ss.n_allow_words = n;
	return 0;
}
