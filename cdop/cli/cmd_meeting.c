#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "cdop/panel/panel.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int cmd_meeting_new(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "chair", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *date = NULL, *chair = NULL;
	int64_t id;
	int ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': date = optarg; break;
		case 'c': chair = optarg; break;
		default: return cli_usage(c);
		}
	}
	if (!date || optind != argc)
		return cli_usage(c);
	ret = meetings_new(&c->reg, date, chair, &id);
	if (!ret)
		printf("%" PRId64 "\n", id);
	return ret;
}

static void print_warning(const char *warning, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "cdop: warning: %s\n", warning);
}

int cmd_meeting_add(struct cli *c, int argc, char **argv)
{
	int64_t id;
	int i, ret;

	if (argc < 3)
		return cli_usage(c);
	ret = meetings_find(&c->reg, argv[1], &id, NULL);
	if (ret)
		return ret;
	/* All or none: one bad REF leaves the agenda as it was. */
	ret = meetings_add_cases(&c->reg, id, argv + 2, (size_t)(argc - 2),
				 print_warning, NULL);
	for (i = 2; !ret && i < argc; i++)
		printf("%s added to meeting %" PRId64 "\n", argv[i], id);
	return ret;
}

int cmd_meeting_attend(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "agency", required_argument, NULL, 'a' },
		{ "role", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *agency = NULL, *role = NULL;
	int64_t id;
	int ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'a': agency = optarg; break;
		case 'r': role = optarg; break;
		default: return cli_usage(c);
		}
	}
	if (!name || !agency || optind != argc - 1)
		return cli_usage(c);
	ret = meetings_find(&c->reg, argv[optind], &id, NULL);
	if (ret)
		return ret;
	ret = meetings_attend(&c->reg, id, name, agency, role);
	if (ret)
		return ret;
	printf("attendance recorded for meeting %" PRId64 "\n", id);
	return CDOP_OK;
}

int cmd_meeting_pack(struct cli *c, int argc, char **argv)
{
	const char *out = NULL;
	int ret, force;

	ret = cli_out_force(c, argc, argv, &out, &force);
	if (ret)
		return ret;
	if (!out || optind != argc - 1)
		return cli_usage(c);
	ret = pack_write(&c->reg, argv[optind], out, CLI_OUT_MODE(force));
	if (!ret)
		printf("meeting pack written to %s\n", out);
	return cli_out_refused(c, ret, force);
}

static void meeting_row(const json_t *row)
{
	const char *chair;

	if (!row) {
		printf("%-6s %-10s %-6s %-8s %-8s %s\n", "ID", "DATE", "CASES", "REVIEWS",
		       "ATTENDED", "CHAIR");
		return;
	}
	chair = json_string_value(json_object_get(row, "chair"));
	printf("%-6" JSON_INTEGER_FORMAT " %-10s %-6" JSON_INTEGER_FORMAT
	       " %-8" JSON_INTEGER_FORMAT " %-8" JSON_INTEGER_FORMAT " %s\n",
	       json_integer_value(json_object_get(row, "id")),
	       json_string_value(json_object_get(row, "date")),
	       json_integer_value(json_object_get(row, "cases")),
	       json_integer_value(json_object_get(row, "reviews")),
	       json_integer_value(json_object_get(row, "attended")),
	       chair ? chair : "");
}

int cmd_meeting_list(struct cli *c, int argc, char **argv)
{
	return cli_list(c, argc, argv, meetings_list, NULL, meeting_row);
}
