/* rr add / list / due / targets / target: the joint agency response. */
#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define S(row, k) (json_string_value(json_object_get(row, k)) ? \
		   json_string_value(json_object_get(row, k)) : "")

int cmd_rr_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "on", required_argument, NULL, 'o' },
		{ "by", required_argument, NULL, 'b' },
		{ "notes", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *action = NULL, *on = NULL, *by = NULL, *notes = NULL;
	char on_iso[DATE_DATETIME_BUFLEN];
	int ch, ret, corrected = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': action = optarg; break;
		case 'o': on = optarg; break;
		case 'b': by = optarg; break;
		case 'n': notes = optarg; break;
		default: return cli_usage(c);
		}
	}
	if (optind != argc - 1)
		return cli_usage(c);
	if (!action || !on)
		return cli_fail(c, CLI_ERR_USAGE, "rr add: give --action TYPE and --on "
				"DATE (usage: cdop %s)", c->cmd->usage);
	/* shown as stored: ISO, whatever form it was typed in */
	{
		struct cdatetime dt;
		struct cdate today;

		if (on && reg_today_date(&c->reg, &today, NULL) == CDOP_OK &&
		    date_input_datetime_parse(on, &today, &dt) == DATE_OK) {
			date_datetime_format(&dt, on_iso);
			on = on_iso;
		}
	}
	ret = rr_add(&c->reg, argv[optind], action, on, by, notes, &corrected);
	if (!ret)
		printf("%s %s: %s done on %s\n", corrected ? "corrected" : "recorded",
		       argv[optind], action, on);
	return ret;
}

int cmd_rr_list(struct cli *c, int argc, char **argv)
{
	json_t *list = NULL, *row;
	const char *ref = NULL;
	size_t i;
	int json = 0, ret;

	if (cli_ref_json(argc, argv, &ref, &json))
		return cli_usage(c);
	ret = rr_list(&c->reg, ref, &list);
	if (ret)
		goto out;
	if (json)
		ret = cli_json_print(list);
	else if (!json_array_size(list))
		printf("%s has no joint agency response actions (an expected death has "
		       "them only once recorded with 'cdop rr add')\n", ref);
	else {
		printf("%-28s %-16s %-16s %-11s %s\n", "ACTION", "DUE", "DONE", "STATUS", "BY");
		json_array_foreach(list, i, row) {
			printf("%-28s %-16s %-16s %-11s %s\n", S(row, "action"),
			       json_is_string(json_object_get(row, "due")) ? S(row, "due") : "-",
			       json_is_string(json_object_get(row, "on")) ? S(row, "on") : "-",
			       S(row, "status"), S(row, "by"));
			if (json_is_string(json_object_get(row, "notes")))
				printf("    notes: %s\n", S(row, "notes"));
		}
	}
out:
	json_decref(list);
	return ret;
}

static void rr_due_row(const json_t *row)
{
	int late;
	json_int_t h;

	if (!row) {
		printf("%-15s %-28s %-16s %-11s %s\n", "REF", "ACTION", "DUE", "STATUS", "HOURS");
		return;
	}
	late = json_object_get(row, "overdue_hours") != NULL;
	h = json_integer_value(json_object_get(row, late ? "overdue_hours" : "hours_left"));
	printf("%-15s %-28s %-16s %-11s %" JSON_INTEGER_FORMAT "h %s\n",
	       S(row, "ref"), S(row, "action"), S(row, "due"),
	       S(row, "status"), h, late ? "overdue" : "left");
}

int cmd_rr_due(struct cli *c, int argc, char **argv)
{
	return cli_list(c, argc, argv, rr_due, "no joint agency response actions outstanding", rr_due_row);
}

static void rr_target_row(const json_t *row)
{
	if (!row) {
		printf("%-28s %-8s %s\n", "ACTION", "TARGET", "DEFAULT");
		return;
	}
	printf("%-28s %-8s %s\n", S(row, "action"), S(row, "target"), S(row, "default"));
}

int cmd_rr_targets(struct cli *c, int argc, char **argv)
{
	return cli_list(c, argc, argv, rr_targets, NULL, rr_target_row);
}

int cmd_rr_target(struct cli *c, int argc, char **argv)
{
	char was[RR_DURATION_BUFLEN], now[RR_DURATION_BUFLEN];
	int ret;

	if (argc != 3)
		return cli_usage(c);
	ret = rr_target_set(&c->reg, argv[1], argv[2], was, now);
	if (!ret)
		printf("%s: target %s after the death (was %s); applies to cases "
		       "notified from now on\n", argv[1], now, was);
	return ret;
}
