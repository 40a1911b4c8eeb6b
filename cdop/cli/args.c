#include "cdop/cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cli_out_force(struct cli *c, int argc, char **argv, const char **out, int *force)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*out = NULL;
	*force = 0;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'o')
			*out = optarg;
		else if (ch == 'f')
			*force = 1;
		else
			return cli_usage(c);
	}
	return 0;
}

int cli_out_refused(struct cli *c, int ret, int force)
{
	size_t n = strlen(c->reg.e.msg);

	/* Without --force the only conflict on "out" is an existing file. */
	if (ret == CDOP_ERR_CONFLICT && !force && !strcmp(c->reg.e.field, "out"))
		snprintf(c->reg.e.msg + n, sizeof c->reg.e.msg - n,
			 " (--force replaces a regular file)");
	return ret;
}

int cli_opt_value(struct cli *c, int argc, char **argv, const char *name,
		  const char **value)
{
	struct option opts[2];
	int ch;

	memset(opts, 0, sizeof opts);
	opts[0].name = name;
	opts[0].has_arg = required_argument;
	opts[0].val = 'v';
	*value = NULL;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'v')
			return cli_usage(c);
		*value = optarg;
	}
	return 0;
}
