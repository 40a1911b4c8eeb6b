#include "cdop/cli/cli.h"
#include "cdop/store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_json_read(struct cli *c, const char *what, const char *path, json_t **out)
{
	json_error_t err;
	int stdin_ = !strcmp(path, "-");

	if (!stdin_ && access(path, R_OK))
		return cli_fail(c, CDOP_ERR_INPUT, "%s: cannot read '%s': %s", what, path,
				strerror(errno));
	*out = stdin_ ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &err)
		      : json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!*out)
		return cli_fail(c, CDOP_ERR_INPUT, "%s: '%s' is not valid JSON: line %d, "
				"column %d: %s", what, stdin_ ? "standard input" : path,
				err.line, err.column, err.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return cli_fail(c, CDOP_ERR_INPUT, "%s: '%s' must hold one JSON object "
				"{...}", what, stdin_ ? "standard input" : path);
	}
	return CDOP_OK;
}

int cli_json_print(json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER))
		return cli_escape_stdout_errno() == EPIPE ? CLI_ERR_PIPE : CDOP_ERR_IO;
	putchar('\n');
	return CDOP_OK;
}

/* Text view: one "path: value" line per leaf, arrays numbered. */
static void print_leaves(const json_t *v, const char *path)
{
	char sub[256];

	if (json_is_object(v)) {
		const char *key;
		json_t *m;

		json_object_foreach((json_t *)v, key, m) {
			snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
			print_leaves(m, sub);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *m;

		if (!json_array_size(v))
			printf("%s: (none)\n", path);
		json_array_foreach(v, i, m) {
			snprintf(sub, sizeof sub, "%s[%zu]", path, i + 1);
			print_leaves(m, sub);
		}
	} else if (json_is_string(v)) {
		printf("%s: %s\n", path, json_string_value(v));
	} else {
		char *t = json_dumps(v, JSON_ENCODE_ANY);

		printf("%s: %s\n", path, t ? t : "?");
		free(t);
	}
}

void cli_json_print_text(const json_t *v)
{
	print_leaves(v, "");
}

int cli_json_flag(int argc, char **argv, int *json)
{
	int i;

	*json = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json"))
			return -1;
		*json = 1;
	}
	return 0;
}

int cli_ref_json(int argc, char **argv, const char **ref, int *json)
{
	int i;

	*ref = NULL;
	*json = 0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			*json = 1;
		else if (!*ref && argv[i][0] != '-')
			*ref = argv[i];
		else
			return -1;
	}
	return *ref ? 0 : -1;
}

int cli_interactive(void)
{
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

int cli_list(struct cli *c, int argc, char **argv, cli_lister_fn *list,
	     const char *empty, cli_row_fn *row)
{
	json_t *rows = NULL, *one;
	size_t i;
	int json, ret;

	if (cli_json_flag(argc, argv, &json))
		return cli_usage(c);
	ret = list(&c->reg, &rows);
	if (ret)
		goto out;
	if (json)
		ret = cli_json_print(rows);
	else if (empty && !json_array_size(rows))
		printf("%s\n", empty);
	else {
		row(NULL);
		json_array_foreach(rows, i, one)
			row(one);
	}
out:
	json_decref(rows);
	return ret;
}
