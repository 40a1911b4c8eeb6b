#include "cdop/cli/cli.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_notify(struct cli *c, int argc, char **argv)
{
	const char *file = NULL;
	char ref[CASE_REF_MAX];
	json_t *n = NULL;
	int ret = cli_allow_words(c, &argc, argv);

	if (!ret)
		ret = cli_opt_value(c, argc, argv, "json", &file);
	if (ret)
		return ret;
	if (optind != argc)
		return cli_usage(c);
	if (file)
		ret = cli_json_read(c, "--json", file, &n);
	else if (cli_interactive())
		ret = prompt_form(c, &form_notification, NULL, &n);
	else
		return cli_fail(c, CLI_ERR_USAGE, "notify: give --json FILE (or - for "
				"standard input), or run it on a terminal for the form");
	if (ret)
		goto out;
	ret = cases_notify(&c->reg, n, ref);
	if (ret)
		goto out;
	printf("%s\n", ref);
out:
	json_decref(n);
	return ret;
}

static enum case_view_mode mode_for(struct cli *c)
{
	return c->reg.ss.role == ROLE_MANAGER ? CASE_VIEW_FULL : CASE_VIEW_ANON;
}

static void print_case_rows(const json_t *list, int anon)
{
	size_t i;
	json_t *row;

	if (anon)
		printf("%-15s %-12s %-9s %-13s %-8s %s\n", "REF", "STATUS", "AGE", "SEX",
		       "DIED", "EXPECTED");
	else
		printf("%-15s %-12s %-28s %-10s %-10s %s\n", "REF", "STATUS", "NAME",
		       "BORN", "DIED", "EXPECTED");
	json_array_foreach(list, i, row) {
#define S(k) (json_string_value(json_object_get(row, k)) ? \
	      json_string_value(json_object_get(row, k)) : "")
		if (anon) {
			printf("%-15s %-12s %-9s %-13s %-8s %s\n", S("ref"), S("status"),
			       S("age_band"), S("sex"), S("death_month"), S("expected"));
		} else {
			char name[64];

			snprintf(name, sizeof name, "%s %s", S("forename"), S("surname"));
			printf("%-15s %-12s %-28s %-10s %-10s %s\n", S("ref"), S("status"),
			       name, S("date_of_birth"), S("death_date"), S("expected"));
		}
#undef S
	}
}

int cmd_case_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "year", required_argument, NULL, 'y' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct case_filter f = { NULL, NULL };
	json_t *list = NULL;
	int ch, json = 0, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': f.status = optarg; break;
		case 'y': f.year = optarg; break;
		case 'j': json = 1; break;
		default: return cli_usage(c);
		}
	}
	if (optind != argc)
		return cli_usage(c);
	ret = cases_list(&c->reg, &f, mode_for(c), &list);
	if (ret)
		goto out;
	if (json)
		ret = cli_json_print(list);
	else
		print_case_rows(list, mode_for(c) == CASE_VIEW_ANON);
out:
	json_decref(list);
	return ret;
}

int cmd_case_show(struct cli *c, int argc, char **argv)
{
	json_t *obj = NULL;
	const char *ref = NULL;
	int json = 0, ret;

	if (cli_ref_json(argc, argv, &ref, &json))
		return cli_usage(c);
	ret = cases_show(&c->reg, ref, mode_for(c), &obj);
	if (ret)
		goto out;
	if (json) {
		ret = cli_json_print(obj);
	} else {
		struct cdate today;
		json_t *facts;

		ret = reg_today_date(&c->reg, &today, NULL);
		facts = ret ? NULL : case_summary_facts(obj, mode_for(c) == CASE_VIEW_ANON ?
							NULL : &today);
		if (!ret && !facts)
			ret = CDOP_ERR_NOMEM;
		if (!ret)
			cli_case_text(obj, facts);
		json_decref(facts);
	}
out:
	json_decref(obj);
	return ret;
}

/* REF and the options --NAME (value) of a command such as case status. */
static int ref_opts(struct cli *c, int argc, char **argv, const struct option *opts,
		    const char **vals, const char **pos, int npos)
{
	int ch, k = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch < 0 || ch == '?' || ch == ':')
			return cli_usage(c);
		vals[ch - 1] = optarg;
	}
	for (; optind < argc && k < npos; optind++)
		pos[k++] = argv[optind];
	if (k != npos || optind != argc)
		return cli_usage(c);
	return 0;
}

int cmd_case_update(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 1 },
		{ "reason", required_argument, NULL, 2 },
		{ NULL, 0, NULL, 0 },
	};
	const char *vals[2] = { NULL, NULL }, *ref = NULL;
	json_t *patch = NULL;
	int ret = cli_allow_words(c, &argc, argv);

	if (!ret)
		ret = ref_opts(c, argc, argv, opts, vals, &ref, 1);
	if (ret)
		return ret;
	if (!vals[0])
		return cli_usage(c);
	ret = cli_json_read(c, "--json", vals[0], &patch);
	if (ret)
		goto out;
	ret = cases_update_reason(&c->reg, ref, patch, vals[1]);
	if (ret)
		goto out;
	printf("updated %s\n", ref);
out:
	json_decref(patch);
	return ret;
}

int cmd_case_status(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 1 },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL, *pos[2] = { NULL, NULL };
	int ret;

	ret = ref_opts(c, argc, argv, opts, &reason, pos, 2);
	if (ret)
		return ret;
	ret = cases_set_status_reason(&c->reg, pos[0], pos[1], reason);
	if (!ret)
		printf("%s is now %s\n", pos[0], pos[1]);
	return ret;
}
