#include "cdop/cli/cli.h"
#include "cdop/store/store.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int audit_row(const struct audit_entry *e, void *ctx)
{
	json_t *list = ctx;

	if (list)
		return json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}",
			"seq", (json_int_t)e->seq, "at", e->at, "user", e->user,
			"action", e->action, "object", e->object, "detail", e->detail)) ?
			CDOP_ERR_NOMEM : 0;
	printf("%6" PRId64 "  %s  %-12s %-16s %-20s %s\n", e->seq, e->at, e->user,
	       e->action, e->object, e->detail);
	return 0;
}

int cmd_audit_list(struct cli *c, int argc, char **argv)
{
	json_t *list = NULL;
	int ret;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json")))
		return cli_usage(c);
	if (argc == 2)
		list = json_array();
	ret = audit_foreach(&c->reg, audit_row, list);
	if (!ret && list) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(list);
	return ret;
}

int cmd_audit_verify(struct cli *c, int argc, char **argv)
{
	int64_t bad = 0;
	int ret;

	(void)argv;
	if (argc != 1)
		return cli_usage(c);
	ret = audit_verify(&c->reg, &bad);
	if (!ret)
		printf("audit chain verified\n");
	return ret;
}

int cmd_check(struct cli *c, int argc, char **argv)
{
	int ret;

	(void)argv;
	if (argc != 1)
		return cli_usage(c);
	ret = reg_check(&c->reg);
	if (!ret)
		printf("register %s: every page authenticated, keyring consistent, "
		       "audit chain verified\n", c->reg.st.path);
	return ret;
}
