#include "cdop/cli/cli.h"
#include "cdop/panel/panel.h"
#include "cdop/store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* The interactive form offers the modifiable value the scores imply. */
static const char *suggest(const char *path, const json_t *answers)
{
	if (!strcmp(path, "modifiable"))
		return reviews_implied_modifiable(answers);
	return NULL;
}

int cmd_review(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "meeting", required_argument, NULL, 'm' },
		{ "json", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *meeting = NULL, *file = NULL;
	json_t *form = NULL;
	int ch, ret, amended = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': meeting = optarg; break;
		case 'j': file = optarg; break;
		default: return cli_usage(c);
		}
	}
	if (!meeting || optind != argc - 1)
		return cli_usage(c);
	if (file)
		ret = cli_json_read(c, "--json", file, &form);
	else if (cli_interactive())
		ret = prompt_form(c, &form_review, suggest, &form);
	else
		return cli_fail(c, CLI_ERR_USAGE, "review: give --json FILE (or - for "
				"standard input), or run it on a terminal for the form");
	if (ret)
		goto out;
	ret = reviews_record(&c->reg, argv[optind], meeting, form, &amended);
	if (ret)
		goto out;
	printf("%s %s at meeting %s\n", amended ? "review amended for" :
	       "reviewed", argv[optind], meeting);
out:
	json_decref(form);
	return ret;
}

int cmd_action_list(struct cli *c, int argc, char **argv)
{
	json_t *list = NULL, *a;
	int i, json = 0, overdue = 0, ret;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--overdue"))
			overdue = 1;
		else
			return cli_usage(c);
	}
	ret = actions_list(&c->reg, overdue, &list);
	if (ret)
		goto out;
	if (json)
		ret = cli_json_print(list);
	else {
		printf("%-5s %-15s %-22s %-10s %-8s %s\n", "ID", "CASE", "OWNER", "DUE",
		       "STATUS", "RECOMMENDATION");
		json_array_foreach(list, k, a) {
			printf("%-5" JSON_INTEGER_FORMAT " %-15s %-22s %-10s %-8s %.60s\n",
			       json_integer_value(json_object_get(a, "id")),
			       json_string_value(json_object_get(a, "ref")),
			       json_string_value(json_object_get(a, "owner")),
			       json_string_value(json_object_get(a, "due")),
			       json_string_value(json_object_get(a, "status")),
			       json_string_value(json_object_get(a, "text")));
		}
	}
out:
	json_decref(list);
	return ret;
}

int cmd_action_done(struct cli *c, int argc, char **argv)
{
	const char *on = NULL;
	char day[11];
	int ret;

	ret = cli_opt_value(c, argc, argv, "on", &on);
	if (ret)
		return ret;
	if (optind != argc - 1)
		return cli_usage(c);
	/* SPEC §2: --on defaults to today */
	ret = reg_date_input(&c->reg, "on", on ? on : "today", day);
	if (!ret)
		ret = actions_done(&c->reg, argv[optind], day);
	if (!ret)
		printf("action %s done on %s\n", argv[optind], day);
	return ret;
}
