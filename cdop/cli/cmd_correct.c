/* meeting show, meeting remove, action reopen. */
#include "cdop/cli/cli.h"
#include "cdop/panel/panel.h"
#include "cdop/store/store.h"
#include "forms/codes.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define S(obj, k) (json_string_value(json_object_get(obj, k)) ? \
		   json_string_value(json_object_get(obj, k)) : "")

int cmd_meeting_show(struct cli *c, int argc, char **argv)
{
	json_t *m = NULL, *x;
	const char *id = NULL;
	int i, json = 0, ret;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!id && argv[i][0] != '-')
			id = argv[i];
		else
			return cli_usage(c);
	}
	if (!id)
		return cli_usage(c);
	ret = meetings_show(&c->reg, id, &m);
	if (ret)
		return ret;
	if (json) {
		ret = cli_json_print(m);
		goto out;
	}
	printf("Meeting %" JSON_INTEGER_FORMAT ", %s\nChair: ",
	       json_integer_value(json_object_get(m, "id")), S(m, "date"));
	cli_put_text(stdout, json_object_get(m, "chair") && !json_is_null(json_object_get(m, "chair")) ?
		     S(m, "chair") : "not recorded", 0);
	printf("\n\nAgenda (%zu)\n", json_array_size(json_object_get(m, "cases")));
	json_array_foreach(json_object_get(m, "cases"), k, x)
		printf("  %-15s %-10s%s\n", S(x, "ref"), S(x, "status"),
		       json_is_true(json_object_get(x, "reviewed_here")) ? "  reviewed at this meeting" : "");
	printf("\nAttendance (%zu)\n", json_array_size(json_object_get(m, "attendance")));
	json_array_foreach(json_object_get(m, "attendance"), k, x) {
		const char *lab = code_list_label(&codes_agency, S(x, "agency"));

		printf("  ");
		cli_put_text(stdout, S(x, "name"), 28);
		printf(" %-26s ", lab ? lab : S(x, "agency"));
		cli_put_text(stdout, S(x, "role"), 0);
		printf("\n");
	}
out:
	json_decref(m);
	return ret;
}

int cmd_meeting_remove(struct cli *c, int argc, char **argv)
{
	int ret;

	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return cli_usage(c);
	ret = meetings_remove_case(&c->reg, argv[1], argv[2]);
	if (!ret)
		printf("%s taken off meeting %s\n", argv[2], argv[1]);
	return ret;
}

int cmd_action_reopen(struct cli *c, int argc, char **argv)
{
	const char *reason = NULL;
	int ret;

	ret = cli_opt_value(c, argc, argv, "reason", &reason);
	if (ret)
		return ret;
	if (optind != argc - 1)
		return cli_usage(c);
	if (!reason)
		return cli_usage(c);
	ret = actions_reopen(&c->reg, argv[optind], reason);
	if (!ret)
		printf("action %s reopened\n", argv[optind]);
	return ret;
}
