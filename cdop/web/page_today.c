/* "/": Today — everything due or overdue, in days, grouped. */
#include "cdop/web/web_int.h"
#include "cdop/cases/cases.h"
#include "cdop/panel/panel.h"
#include "forms/codes.h"

#include <string.h>

static const char *js(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void ref_link(FILE *f, const char *ref)
{
	fputs("<a href=\"/cases/", f);
	web_h(f, ref);
	fputs("\">", f);
	web_h(f, ref);
	fputs("</a>", f);
}

/* Days from today to a due date (negative: overdue). */
static long days_left(const char *today, const char *due)
{
	long d = 0;

	if (web_days_between(today, due, &d))
		return 0;
	return d;
}

/* Each group shows the most urgent rows; the rest are counted. */
#define TODAY_ROWS 50

static void more(FILE *f, size_t total)
{
	if (total > TODAY_ROWS)
		fprintf(f, "<p class=\"hint\">and %zu more, less urgent.</p>\n",
			total - TODAY_ROWS);
}

static void stat(FILE *f, long n, const char *what, int bad)
{
	fprintf(f, "<div class=\"stat\"><span class=\"n%s\">%ld</span>%s</div>",
		bad && n ? " bad" : "", n, what);
}

static int today_manager(struct web_req *q, const char *today)
{
	json_t *rr = NULL, *ag = NULL, *act = NULL, *ready = NULL, *row;
	struct case_filter cf = { "ready", NULL };
	long rr_over = 0, ag_over = 0, act_over = 0;
	size_t i;
	int ret;

	ret = rr_due(q->r, &rr);
	if (!ret)
		ret = agency_due(q->r, &ag);
	if (!ret)
		ret = actions_list(q->r, 0, &act);
	if (!ret)
		ret = cases_list(q->r, &cf, CASE_VIEW_ANON, &ready);
	if (ret) {
		web_fail(q, web_status_of(ret), "Today", q->r->e.msg);
		goto out;
	}
	json_array_foreach(rr, i, row)
		rr_over += days_left(today, js(row, "due")) < 0;
	json_array_foreach(ag, i, row)
		ag_over += days_left(today, js(row, "due")) < 0;
	json_array_foreach(act, i, row)
		act_over += js(row, "done_on") == NULL && days_left(today, js(row, "due")) < 0;
	fputs("<h1>Today</h1>\n<p class=\"hint\">", q->f);
	web_date(q->f, today);
	fputs(". Everything due or overdue, most urgent first.</p>\n<div class=\"summary\">", q->f);
	stat(q->f, rr_over, "response actions overdue", 1);
	stat(q->f, ag_over, "agency forms overdue", 1);
	stat(q->f, act_over, "recommendations overdue", 1);
	stat(q->f, (long)json_array_size(ready), "cases ready for panel", 0);
	fputs("</div>\n", q->f);

	fputs("<h2 id=\"response\">Joint agency response</h2>\n", q->f);
	if (!json_array_size(rr))
		fputs("<p class=\"empty\">No response action is outstanding.</p>\n", q->f);
	else
		fputs("<table><thead><tr><th>Case</th><th>Action</th><th>Due</th>"
		      "<th>When</th></tr></thead><tbody>\n", q->f);
	json_array_foreach(rr, i, row) {
		if (i >= TODAY_ROWS)
			break;
		fputs("<tr><td>", q->f);
		ref_link(q->f, js(row, "ref"));
		fputs("</td><td>", q->f);
		web_h(q->f, web_code_label(&codes_rr_action, js(row, "action")));
		fputs("</td><td>", q->f);
		web_date(q->f, js(row, "due"));
		fputs("</td><td>", q->f);
		web_due_words(q->f, days_left(today, js(row, "due")));
		fputs("</td></tr>\n", q->f);
	}
	if (json_array_size(rr))
		fputs("</tbody></table>\n", q->f);
	more(q->f, json_array_size(rr));

	fputs("<h2 id=\"agency\">Agency reporting forms</h2>\n", q->f);
	if (!json_array_size(ag))
		fputs("<p class=\"empty\">No agency form is awaited.</p>\n", q->f);
	else
		fputs("<table><thead><tr><th>Case</th><th>Agency</th><th>Requested</th>"
		      "<th>Due</th><th>When</th></tr></thead><tbody>\n", q->f);
	json_array_foreach(ag, i, row) {
		if (i >= TODAY_ROWS)
			break;
		fputs("<tr><td>", q->f);
		ref_link(q->f, js(row, "ref"));
		fputs("</td><td>", q->f);
		web_h(q->f, web_code_label(&codes_agency, js(row, "agency")));
		fputs("</td><td>", q->f);
		web_date(q->f, js(row, "requested"));
		fputs("</td><td>", q->f);
		web_date(q->f, js(row, "due"));
		fputs("</td><td>", q->f);
		if (js(row, "due"))
			web_due_words(q->f, days_left(today, js(row, "due")));
		fputs("</td></tr>\n", q->f);
	}
	if (json_array_size(ag))
		fputs("</tbody></table>\n", q->f);
	more(q->f, json_array_size(ag));

	fputs("<h2 id=\"recommendations\">Recommendations</h2>\n", q->f);
	{
		size_t shown = 0;

		json_array_foreach(act, i, row) {
			if (js(row, "done_on") || shown >= TODAY_ROWS)
				continue;
			if (!shown++)
				fputs("<table><thead><tr><th>Case</th><th>Recommendation</th>"
				      "<th>Owner</th><th>Due</th><th>When</th></tr></thead><tbody>\n",
				      q->f);
			fputs("<tr><td>", q->f);
			ref_link(q->f, js(row, "ref"));
			fputs("</td><td>", q->f);
			web_h(q->f, js(row, "text"));
			fputs("</td><td>", q->f);
			web_h(q->f, web_code_label(&codes_agency, js(row, "owner")));
			fputs("</td><td>", q->f);
			web_date(q->f, js(row, "due"));
			fputs("</td><td>", q->f);
			web_due_words(q->f, days_left(today, js(row, "due")));
			fputs("</td></tr>\n", q->f);
		}
		if (shown)
			fputs("</tbody></table>\n<p><a href=\"/actions\">All recommendations</a></p>\n",
			      q->f);
		else
			fputs("<p class=\"empty\">No recommendation is open.</p>\n", q->f);
	}

	fputs("<h2 id=\"ready\">Cases ready for panel</h2>\n", q->f);
	if (!json_array_size(ready))
		fputs("<p class=\"empty\">No case is waiting for a panel meeting.</p>\n", q->f);
	else
		fputs("<table><thead><tr><th>Case</th><th>Age</th><th>Died</th>"
		      "<th>Expected</th></tr></thead><tbody>\n", q->f);
	json_array_foreach(ready, i, row) {
		if (i >= TODAY_ROWS)
			break;
		fputs("<tr><td>", q->f);
		ref_link(q->f, js(row, "ref"));
		fputs("</td><td>", q->f);
		web_h(q->f, js(row, "age_band"));
		fputs("</td><td>", q->f);
		web_h(q->f, js(row, "death_month"));
		fputs("</td><td>", q->f);
		web_h(q->f, web_code_label(&codes_expected, js(row, "expected")));
		fputs("</td></tr>\n", q->f);
	}
	if (json_array_size(ready))
		fputs("</tbody></table>\n", q->f);
	more(q->f, json_array_size(ready));
	if (json_array_size(ready))
		fputs("<p><a href=\"/meetings\">Put them on a meeting's agenda</a></p>\n", q->f);
out:
	json_decref(rr);
	json_decref(ag);
	json_decref(act);
	json_decref(ready);
	return ret;
}

/* The panel: the meetings to come, and what is on their agendas. */
static int today_panel(struct web_req *q, const char *today)
{
	json_t *m = NULL, *row;
	size_t i, n = 0;
	int ret = meetings_list(q->r, &m);

	if (ret)
		return web_fail(q, web_status_of(ret), "Today", q->r->e.msg);
	fputs("<h1>Today</h1>\n<h2>Panel meetings</h2>\n", q->f);
	json_array_foreach(m, i, row) {
		const char *date = js(row, "date");
		long left = days_left(today, date);

		if (left < -30)
			continue;
		if (!n++)
			fputs("<table><thead><tr><th>Meeting</th><th>Date</th><th>When</th>"
			      "<th>Cases</th></tr></thead><tbody>\n", q->f);
		fprintf(q->f, "<tr><td><a href=\"/meetings/%lld\">Meeting %lld</a></td><td>",
			(long long)json_integer_value(json_object_get(row, "id")),
			(long long)json_integer_value(json_object_get(row, "id")));
		web_date(q->f, date);
		fputs("</td><td>", q->f);
		if (left >= 0)
			fprintf(q->f, "in %ld day%s", left, left == 1 ? "" : "s");
		else
			fprintf(q->f, "%ld day%s ago", -left, left == -1 ? "" : "s");
		fprintf(q->f, "</td><td>%lld</td></tr>\n",
			(long long)json_integer_value(json_object_get(row, "cases")));
	}
	if (n)
		fputs("</tbody></table>\n", q->f);
	else
		fputs("<p class=\"empty\">No meeting in the last month or to come.</p>\n", q->f);
	json_decref(m);
	return 0;
}

int page_today(struct web_req *q, const char *rest)
{
	char today[11];

	(void)rest;
	snprintf(q->title, sizeof q->title, "Today");
	reg_today(q->r, today);
	switch (q->r->ss.role) {
	case ROLE_MANAGER:
		return today_manager(q, today);
	case ROLE_PANEL:
		return today_panel(q, today);
	case ROLE_ANALYST:
		fputs("<h1>Today</h1>\n<p>As an analyst you can write the annual report: "
		      "<a href=\"/reports\">Reports</a>.</p>\n", q->f);
		return 0;
	default:
		fputs("<h1>Today</h1>\n<p>As an administrator you look after accounts and "
		      "the audit trail: <a href=\"/users\">Users</a> · "
		      "<a href=\"/audit\">Audit trail</a>. Case details are not shown to "
		      "this role.</p>\n", q->f);
		return 0;
	}
}
