/* agency request / receive / due: agency reporting forms. */
#include "cdop/cli/cli.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(row, k) (json_string_value(json_object_get(row, k)) ? \
		   json_string_value(json_object_get(row, k)) : "")

int cmd_agency_request(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agency", required_argument, NULL, 'a' },
		{ "due", required_argument, NULL, 'd' },
		{ "on", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct agency_request_result res;
	const char *agency = NULL, *due = NULL, *on = NULL;
	int ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': agency = optarg; break;
		case 'd': due = optarg; break;
		case 'o': on = optarg; break;
		default: return cli_usage(c);
		}
	}
	if (optind != argc - 1)
		return cli_usage(c);
	if (!agency)
		return cli_fail(c, CLI_ERR_USAGE, "agency request: give --agency CODE "
				"(usage: cdop %s)", c->cmd->usage);
	ret = agency_request_on(&c->reg, argv[optind], agency, on, due, &res);
	if (!ret && res.again)
		printf("%s: %s report requested on %s, now due %s%s%s%s\n", argv[optind],
		       agency, res.requested, res.due, res.old_due[0] ? " (was " : "",
		       res.old_due, res.old_due[0] ? ")" : "");
	else if (!ret)
		printf("%s: %s report requested on %s, due %s\n", argv[optind], agency,
		       res.requested, res.due);
	return ret;
}

void cli_note_age_retired(struct cli *c)
{
	char note[512];

	if (store_age_retired_note(&c->reg, note, sizeof note))
		fprintf(stderr, "cdop: note: %s\n", note);
}

int cmd_agency_receive(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agency", required_argument, NULL, 'a' },
		{ "on", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "age", required_argument, NULL, 'g' },
		{ "attach", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct agency_receive_result res;
	struct agency_receive_opts o = { NULL, NULL, NULL, 0 };
	const char *agency = NULL, *on = NULL, *file = NULL, **attach;
	json_t *form = NULL;
	int ch, ret = CDOP_OK;

	attach = calloc((size_t)argc, sizeof *attach);
	if (!attach)
		return cli_fail(c, CDOP_ERR_NOMEM, "out of memory");
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': agency = optarg; break;
		case 'o': on = optarg; break;
		case 'j': file = optarg; break;
		case 'g': o.sealed_form = optarg; break;
		case 't': attach[o.nattach++] = optarg; break;
		default: ret = cli_usage(c); goto out;
		}
	}
	if (optind != argc - 1 || (file && o.sealed_form)) {
		ret = cli_usage(c);
		goto out;
	}
	if (!agency || !on) {
		ret = cli_fail(c, CLI_ERR_USAGE, "agency receive: give --agency CODE and "
			       "--on DATE (usage: cdop %s)", c->cmd->usage);
		goto out;
	}
	if (file)
		ret = cli_json_read(c, "--json", file, &form);
	if (ret)
		goto out;
	o.form = form;
	o.attach = attach;
	ret = agency_receive_with(&c->reg, argv[optind], agency, on, &o, &res);
	if (ret)
		goto out;
	if (res.unrequested)
		fprintf(stderr, "cdop: note: no request to %s was recorded for %s; it is "
			"recorded as requested on %s\n", agency, argv[optind], res.requested);
	printf("%s: %s report %sreceived on %s%s", argv[optind], agency,
	       res.again ? "corrected: " : "", on,
	       form || o.sealed_form ? ", with its form" : "");
	if (res.attached)
		printf(", %zu attachment%s", res.attached, res.attached == 1 ? "" : "s");
	putchar('\n');
	cli_note_age_retired(c);
out:
	free(attach);
	json_decref(form);
	return ret;
}

int cmd_agency_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agency", required_argument, NULL, 'a' },
		{ "save-attachments", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agency = NULL, *dir = NULL;
	json_t *out = NULL;
	size_t saved = 0;
	int ch, ret, json = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': agency = optarg; break;
		case 's': dir = optarg; break;
		case 'j': json = 1; break;
		default: return cli_usage(c);
		}
	}
	if (optind != argc - 1 || !agency)
		return cli_usage(c);
	ret = agency_show(&c->reg, argv[optind], agency, dir, &out, &saved);
	if (ret)
		return ret;
	if (json) {
		ret = cli_json_print(out);
	} else {
		if (!json_array_size(json_object_get(out, "attachments")))
			json_object_del(out, "attachments");
		cli_json_print_text(out);
		if (!json_object_get(out, "attachments"))
			printf("attachments: none\n");
	}
	if (dir)
		fprintf(stderr, "cdop: %zu attachment%s saved in %s\n", saved,
			saved == 1 ? "" : "s", dir);
	json_decref(out);
	return ret;
}

static void agency_due_row(const json_t *row)
{
	json_t *over, *left;

	if (!row) {
		printf("%-15s %-22s %-10s %-10s %s\n", "REF", "AGENCY", "REQUESTED", "DUE",
		       "DAYS");
		return;
	}
	over = json_object_get(row, "days_overdue");
	left = json_object_get(row, "days_left");
	printf("%-15s %-22s %-10s %-10s ", S(row, "ref"), S(row, "agency"),
	       S(row, "requested"),
	       json_is_string(json_object_get(row, "due")) ? S(row, "due") : "-");
	if (over)
		printf("%" JSON_INTEGER_FORMAT " overdue\n", json_integer_value(over));
	else if (left && json_integer_value(left) == 0)
		printf("due today\n");
	else if (left)
		printf("%" JSON_INTEGER_FORMAT " left\n", json_integer_value(left));
	else
		printf("-\n");
}

int cmd_agency_due(struct cli *c, int argc, char **argv)
{
	return cli_list(c, argc, argv, agency_due, "no agency reports outstanding", agency_due_row);
}
