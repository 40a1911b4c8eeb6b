/* The manager's day: today and search. */
#include "cdop/cli/cli.h"
#include "cdop/cases/cases.h"
#include "cdop/panel/panel.h"
#include "cdop/store/store.h"

#include <stdio.h>
#include <string.h>

#define S(obj, k) (json_string_value(json_object_get(obj, k)) ? \
		   json_string_value(json_object_get(obj, k)) : "")

/* "3 days overdue", "due today", "in 5 days", "waiting 40 days". */
static void when_of(const json_t *item, char *out, size_t len)
{
	const char *st = S(item, "status");
	json_int_t over = json_integer_value(json_object_get(item, "days_overdue"));
	json_int_t left = json_integer_value(json_object_get(item, "days_left"));
	json_t *since = json_object_get(item, "days_since_death");

	if (!strcmp(st, "overdue"))
		snprintf(out, len, over ? "%lld day%s overdue" : "overdue today",
			 (long long)over, over == 1 ? "" : "s");
	else if (!strcmp(st, "due_today"))
		snprintf(out, len, "due today");
	else if (json_object_get(item, "days_left"))
		snprintf(out, len, "in %lld day%s", (long long)left, left == 1 ? "" : "s");
	else if (since)
		snprintf(out, len, "%lld days since death",
			 (long long)json_integer_value(since));
	else
		snprintf(out, len, "no due date");
}

static const char *kind_label(const char *kind)
{
	if (!strcmp(kind, "joint_agency_response")) return "response";
	if (!strcmp(kind, "agency_form")) return "agency form";
	if (!strcmp(kind, "recommendation")) return "recommendation";
	if (!strcmp(kind, "ready_for_panel")) return "panel";
	if (!strcmp(kind, "statutory_clock")) return "clock";
	if (!strcmp(kind, "text_to_fix")) return "text to fix";
	return kind;
}

int cmd_today(struct cli *c, int argc, char **argv)
{
	json_t *res = NULL, *items, *item, *sum;
	int json, ret, anon = c->reg.ss.role != ROLE_MANAGER;
	size_t i;

	if (cli_json_flag(argc, argv, &json))
		return cli_usage(c);
	ret = today_list(&c->reg, anon, &res);
	if (ret)
		return ret;
	if (json) {
		ret = cli_json_print(res);
		goto out;
	}
	sum = json_object_get(res, "summary");
	items = json_object_get(res, "items");
	printf("Today, %s: %lld overdue, %lld due today, %lld more to do\n",
	       S(res, "date"), (long long)json_integer_value(json_object_get(sum, "overdue")),
	       (long long)json_integer_value(json_object_get(sum, "due_today")),
	       (long long)json_integer_value(json_object_get(sum, "upcoming")));
	if (!json_array_size(items)) {
		printf("nothing is due\n");
		goto out;
	}
	printf("\n%-20s %-15s %-15s %s%s\n", "WHEN", "REF", "KIND",
	       anon ? "" : "CHILD                     ", "WHAT");
	json_array_foreach(items, i, item) {
		char when[48], what[160];

		when_of(item, when, sizeof when);
		if (!strcmp(S(item, "kind"), "recommendation"))
			snprintf(what, sizeof what, "#%lld %s", (long long)json_integer_value(
					 json_object_get(item, "id")), S(item, "label"));
		else
			snprintf(what, sizeof what, "%s", S(item, "label"));
		printf("%-20s %-15s %-15s ", when, S(item, "ref"), kind_label(S(item, "kind")));
		if (!anon) {
			cli_put_text(stdout, S(item, "name"), 25);
			printf(" ");
		}
		cli_put_text(stdout, what, 0);
		printf("\n");
	}
out:
	json_decref(res);
	return ret;
}

int cmd_search(struct cli *c, int argc, char **argv)
{
	json_t *list = NULL, *row;
	const char *text = NULL;
	int i, json = 0, ret;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!text && (argv[i][0] != '-' || !argv[i][1]))
			text = argv[i];
		else if (text && argv[i][0] != '-')
			return cli_fail(c, CLI_ERR_USAGE, "search takes one TEXT: quote a "
					"name with spaces, e.g. cdop search \"Amy Example\"");
		else
			return cli_usage(c);
	}
	if (!text)
		return cli_fail(c, CLI_ERR_USAGE, "search: give TEXT (a name, NHS "
				"number, date of birth, postcode or reference)");
	ret = cases_search(&c->reg, text, &list);
	if (ret)
		return ret;
	if (json) {
		ret = cli_json_print(list);
		goto out;
	}
	if (!json_array_size(list)) {
		printf("no case matches\n");
		goto out;
	}
	printf("%-15s %-12s %-28s %-10s %-10s %s\n", "REF", "STATUS", "NAME", "BORN",
	       "DIED", "MATCHED");
	json_array_foreach(list, k, row) {
		char name[128];

		snprintf(name, sizeof name, "%s %s", S(row, "forename"), S(row, "surname"));
		printf("%-15s %-12s ", S(row, "ref"), S(row, "status"));
		cli_put_text(stdout, name, 28);
		printf(" %-10s %-10s %s\n", S(row, "date_of_birth"), S(row, "death_date"),
		       S(row, "matched"));
	}
out:
	json_decref(list);
	return ret;
}
