/* case history and case print. */
#include "cdop/cli/cli.h"
#include "cdop/cases/cases.h"
#include "cdop/panel/panel.h"
#include "cdop/store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(obj, k) (json_string_value(json_object_get(obj, k)) ? \
		   json_string_value(json_object_get(obj, k)) : "")

/* A value of a change as it is printed: text, a number, or "(none)". */
static void put_value(const json_t *v)
{
	char *text;

	if (!v || json_is_null(v)) {
		printf("(none)");
	} else if (json_is_string(v)) {
		cli_put_text(stdout, json_string_value(v), 0);
	} else {
		text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		cli_put_text(stdout, text ? text : "?", 0);
		free(text);
	}
}

int cmd_case_history(struct cli *c, int argc, char **argv)
{
	json_t *list = NULL, *e, *ch, *one;
	const char *ref = NULL;
	int json = 0, ret;
	size_t k, j;

	if (cli_ref_json(argc, argv, &ref, &json))
		return cli_usage(c);
	ret = cases_history(&c->reg, ref, c->reg.ss.role == ROLE_MANAGER, &list);
	if (ret)
		return ret;
	if (json) {
		ret = cli_json_print(list);
		goto out;
	}
	json_array_foreach(list, k, e) {
		printf("%-20s  %-10s  %s", S(e, "at"), S(e, "user"), S(e, "action"));
		if (json_object_get(e, "object")) {
			printf(" (");
			cli_put_text(stdout, S(e, "object"), 0);
			printf(")");
		}
		printf("\n");
		ch = json_object_get(e, "changes");
		json_array_foreach(ch, j, one) {
			printf("%34s", "");
			cli_put_text(stdout, S(one, "path"), 0);
			if (json_is_false(json_object_get(one, "recorded"))) {
				printf(": changed (identifiable: values not recorded; the "
				       "trail kept them only from schema 13)\n");
				continue;
			}
			if (json_is_true(json_object_get(one, "identifiable")) &&
			    !json_object_get(one, "new")) {
				printf(": changed (identifiable: values for managers only)\n");
				continue;
			}
			printf(": ");
			put_value(json_object_get(one, "old"));
			printf(" -> ");
			put_value(json_object_get(one, "new"));
			printf("\n");
		}
		if (json_object_get(e, "detail")) {
			printf("%34s", "");
			cli_put_text(stdout, S(e, "detail"), 0);
			printf("\n");
		}
		if (json_object_get(e, "outstanding"))
			printf("%34sagency reports outstanding: %s\n", "", S(e, "outstanding"));
		if (json_object_get(e, "reason")) {
			printf("%34sreason: ", "");
			cli_put_text(stdout, S(e, "reason"), 0);
			printf("\n");
		}
	}
out:
	json_decref(list);
	return ret;
}

int cmd_case_print(struct cli *c, int argc, char **argv)
{
	const char *out = NULL;
	int ret, force;

	ret = cli_out_force(c, argc, argv, &out, &force);
	if (ret)
		return ret;
	if (!out || optind != argc - 1)
		return cli_usage(c);
	ret = case_print_write(&c->reg, argv[optind], c->reg.ss.role != ROLE_MANAGER, out,
			       CLI_OUT_MODE(force));
	if (!ret)
		printf("wrote %s\n", out);
	return cli_out_refused(c, ret, force);
}
