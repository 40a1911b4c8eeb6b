/* "/": Today — everything due or overdue, in days, grouped (today_list:
 * the same list as `cdop today`; anonymised for the panel). */
#include "cdop/web/web_int.h"
#include "cdop/cases/cases.h"
#include "cdop/panel/panel.h"

#include <string.h>

/* Each group shows the most urgent rows; the rest are counted. */
#define TODAY_ROWS 50

static const struct group {
	const char *kind, *title, *empty, *more_href, *more_label;
} groups[] = {
	{ "joint_agency_response", "Joint agency response",
	  "No response action is outstanding.", NULL, NULL },
	{ "statutory_clock", "Statutory clocks", "No statutory clock is running.",
	  NULL, NULL },
	{ "agency_form", "Agency reporting forms", "No agency form is awaited.", NULL, NULL },
	{ "recommendation", "Recommendations", "No recommendation is open.", "/actions",
	  "All recommendations" },
	{ "ready_for_panel", "Cases ready for panel", "No case is waiting for a panel meeting.",
	  "/meetings", "Put them on a meeting's agenda" },
	{ "text_to_fix", "Text to fix", "No learning or recommendation names an identifier.",
	  NULL, NULL },
};

static const char *js(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long ji(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void when(FILE *f, const json_t *it)
{
	const char *status = js(it, "status");

	if (json_object_get(it, "days_overdue"))
		web_due_words(f, -(long)ji(it, "days_overdue"),
			      status && !strcmp(status, "overdue"));
	else if (json_object_get(it, "days_left"))
		web_due_words(f, (long)ji(it, "days_left"), 0);
	else if (json_object_get(it, "days_since_death"))
		fprintf(f, "<span class=\"upcoming\">%lld days since death</span>",
			ji(it, "days_since_death"));
}

static void group_rows(struct web_req *q, const struct group *g, const json_t *items,
		       const json_t *by_kind, int anon)
{
	const json_t *it;
	size_t i, n = 0;
	/* The list holds the first TODAY_ROWS of each kind; the summary
	 * counts them all. */
	size_t total = (size_t)ji(json_object_get(by_kind, g->kind), "total");

	fprintf(q->f, "<h2 id=\"%s\">%s</h2>\n", g->kind, g->title);
	json_array_foreach(items, i, it) {
		const char *kind = js(it, "kind");

		if (!kind || strcmp(kind, g->kind))
			continue;
		if (n >= TODAY_ROWS)
			continue;
		if (!n++)
			fprintf(q->f, "<table><thead><tr><th>Case</th>%s<th>What</th><th>Due</th>"
				"<th>When</th></tr></thead><tbody>\n",
				anon ? "" : "<th>Child</th>");
		fputs("<tr><td>", q->f);
		web_case_link(q->f, js(it, "ref"));
		fputs("</td>", q->f);
		if (!anon) {
			fputs("<td>", q->f);
			web_h(q->f, js(it, "name"));
			fputs("</td>", q->f);
		}
		fputs("<td>", q->f);
		if (js(it, "text")) {
			web_h(q->f, js(it, "text"));
			fputs(" <span class=\"hint\">(", q->f);
			web_h(q->f, js(it, "label"));
			fputs(")</span>", q->f);
		} else {
			web_h(q->f, js(it, "label"));
		}
		fputs("</td><td>", q->f);
		web_date(q->f, js(it, "due"));
		fputs("</td><td>", q->f);
		when(q->f, it);
		fputs("</td></tr>\n", q->f);
	}
	if (n)
		fputs("</tbody></table>\n", q->f);
	else
		fprintf(q->f, "<p class=\"empty\">%s</p>\n", g->empty);
	if (total > TODAY_ROWS)
		fprintf(q->f, "<p class=\"hint\">and %zu more, less urgent.</p>\n",
			total - TODAY_ROWS);
	if (n && g->more_href && !anon)
		fprintf(q->f, "<p><a href=\"%s\">%s</a></p>\n", g->more_href, g->more_label);
}

static void stat(FILE *f, const json_t *by_kind, const char *kind, const char *what)
{
	const json_t *k = json_object_get(by_kind, kind);
	long long over = ji(k, "overdue"), total = ji(k, "total");

	if (strcmp(kind, "ready_for_panel"))
		fprintf(f, "<div class=\"stat\"><span class=\"n%s\">%lld</span>%s overdue"
			"<br><span class=\"hint\">%lld in all</span></div>",
			over ? " bad" : "", over, what, total);
	else
		fprintf(f, "<div class=\"stat\"><span class=\"n\">%lld</span>%s</div>", total,
			what);
}

int page_today(struct web_req *q, const char *rest)
{
	int anon = q->r->ss.role != ROLE_MANAGER;
	json_t *t = NULL, *sum;
	size_t g;
	int ret;

	(void)rest;
	snprintf(q->title, sizeof q->title, "Today");
	if (q->r->ss.role == ROLE_ANALYST) {
		fputs("<h1>Today</h1>\n<p>As an analyst you write the annual report: "
		      "<a href=\"/reports\">Reports</a>.</p>\n", q->f);
		return 0;
	}
	if (q->r->ss.role == ROLE_ADMIN) {
		fputs("<h1>Today</h1>\n<p>As an administrator you look after accounts and "
		      "the audit trail: <a href=\"/users\">Users</a> · "
		      "<a href=\"/audit\">Audit trail</a>. Case details are not shown to "
		      "this role.</p>\n", q->f);
		return 0;
	}
	ret = today_list_top(q->r, anon, TODAY_ROWS, &t);
	if (ret)
		return web_fail(q, web_status_of(ret), "Today", q->r->e.msg);
	sum = json_object_get(json_object_get(t, "summary"), "by_kind");
	fputs("<h1>Today</h1>\n<p class=\"hint\">", q->f);
	web_date(q->f, js(t, "date"));
	fputs(". Everything due or overdue, most urgent first.</p>\n<div class=\"summary\">",
	      q->f);
	if (!anon) {
		stat(q->f, sum, "joint_agency_response", "response actions");
		stat(q->f, sum, "statutory_clock", "statutory clocks");
	}
	stat(q->f, sum, "agency_form", "agency forms");
	stat(q->f, sum, "recommendation", "recommendations");
	stat(q->f, sum, "ready_for_panel", "cases ready for panel");
	fputs("</div>\n", q->f);
	for (g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		if (anon && (!strcmp(groups[g].kind, "joint_agency_response") ||
			     !strcmp(groups[g].kind, "statutory_clock")))
			continue; /* not in the panel's list */
		group_rows(q, &groups[g], json_object_get(t, "items"), sum, anon);
	}
	json_decref(t);
	return 0;
}
