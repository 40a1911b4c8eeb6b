/* /cases, /cases/new, /cases/REF, /cases/REF/edit, /cases/REF/history. */
#include "cdop/web/web_int.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "forms/codes.h"
#include "forms/date.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *js(const json_t *o, const char *k)
{
	const json_t *v = form_json_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A REF as it may appear in a path: letters, digits and '-'. */
static int ref_ok(const char *ref)
{
	size_t i;

	for (i = 0; ref[i]; i++)
		if (!isalnum((unsigned char)ref[i]) && ref[i] != '-')
			return 0;
	return i > 0 && i < CASE_REF_MAX;
}

/* ---- /cases ---- */

#define CASES_PAGE 50

static void pager(struct web_req *q, long page, int on, const char *label,
		  const char *needle, const char *status)
{
	if (!on)
		return;
	fprintf(q->f, " <a href=\"/cases?page=%ld", page);
	if (needle) {
		size_t i;

		/* a query value: letters, digits and a few signs as they are */
		fputs("&amp;q=", q->f);
		for (i = 0; needle[i]; i++) {
			unsigned char c = (unsigned char)needle[i];

			if (isalnum(c) || c == '-' || c == '.' || c == '_')
				fputc(c, q->f);
			else
				fprintf(q->f, "%%%02X", c);
		}
	}
	if (status) {
		fputs("&amp;status=", q->f);
		web_h(q->f, status);
	}
	fprintf(q->f, "\">%s</a>", label);
}

int page_cases(struct web_req *q, const char *rest)
{
	const char *status = web_arg(q, "status"), *needle = web_arg(q, "q");
	int anon = q->r->ss.role != ROLE_MANAGER;
	struct case_filter cf = { NULL, NULL };
	const char *pg = web_arg(q, "page");
	long page = pg ? strtol(pg, NULL, 10) : 1;
	json_t *list = NULL, *row;
	size_t i, n = 0, first, last, total = 0;
	int ret;

	(void)rest;
	snprintf(q->title, sizeof q->title, "Cases");
	if (page < 1 || page > 100000)
		page = 1;
	first = (size_t)(page - 1) * CASES_PAGE;
	last = first + CASES_PAGE;
	if (status && !*status)
		status = NULL;
	if (needle && !*needle)
		needle = NULL;
	if (needle && anon)
		return web_deny(q); /* search reads identifiers: managers only */
	cf.status = status;
	/* A search is the library's (name, NHS number, date of birth,
	 * postcode, reference; audited), narrowed by status here, from the
	 * session's index (made at its first search, made again when stale).
	 * A list is read a page at a time. */
	if (needle) {
		ret = cases_search_in(q->r, q->search, needle, &list);
	} else {
		ret = cases_count(q->r, &cf, &total);
		if (!ret)
			ret = cases_list_page(q->r, &cf, anon ? CASE_VIEW_ANON : CASE_VIEW_FULL,
					      first, CASES_PAGE, &list);
	}
	fputs("<h1>Cases</h1>\n<form class=\"search\" method=\"get\" action=\"/cases\">", q->f);
	if (!anon) {
		fputs("<div><label for=\"q\">Search</label><input id=\"q\" name=\"q\" value=\"", q->f);
		web_h(q->f, needle);
		fputs("\" placeholder=\"name, NHS number, date of birth, postcode or reference\"></div>", q->f);
	}
	fputs("<div><label for=\"status\">Status</label><select id=\"status\" name=\"status\">"
	      "<option value=\"\">any</option>", q->f);
	for (i = 0; i < codes_case_status.n; i++) {
		const char *c = codes_case_status.codes[i].code;

		fputs("<option value=\"", q->f);
		web_h(q->f, c);
		fprintf(q->f, "\"%s>", status && !strcmp(status, c) ? " selected" : "");
		web_h(q->f, codes_case_status.codes[i].label);
		fputs("</option>", q->f);
	}
	fputs("</select></div><div><button>Show</button></div></form>\n", q->f);
	if (ret) {
		web_error_box(q, q->r->e.msg);
		q->status = web_status_of(ret);
		json_decref(list);
		return ret;
	}
	if (!needle)
		n = first; /* the list is the page */
	json_array_foreach(list, i, row) {
		if (needle && status && (!js(row, "status") || strcmp(js(row, "status"), status)))
			continue;
		if (n++ < first || n > last)
			continue;
		if (n == first + 1) {
			if (anon)
				fputs("<table><thead><tr><th>Case</th><th>Status</th><th>Age</th>"
				      "<th>Sex</th><th>Died</th><th>Expected</th></tr></thead><tbody>\n",
				      q->f);
			else
				fputs("<table><thead><tr><th>Case</th><th>Name</th><th>Born</th>"
				      "<th>Died</th><th>Status</th><th>Expected</th></tr></thead>"
				      "<tbody>\n", q->f);
		}
		fputs("<tr><td>", q->f);
		web_case_link(q->f, js(row, "ref"));
		fputs("</td><td>", q->f);
		if (anon) {
			web_h(q->f, web_code_label(&codes_case_status, js(row, "status")));
			fputs("</td><td>", q->f);
			web_h(q->f, js(row, "age_band"));
			fputs("</td><td>", q->f);
			web_h(q->f, web_code_label(&codes_sex, js(row, "sex")));
			fputs("</td><td>", q->f);
			web_h(q->f, js(row, "death_month"));
		} else {
			web_h(q->f, js(row, "forename"));
			fputs(" ", q->f);
			web_h(q->f, js(row, "surname"));
			fputs("</td><td>", q->f);
			web_date(q->f, js(row, "date_of_birth"));
			fputs("</td><td>", q->f);
			web_date(q->f, js(row, "death_date"));
			fputs("</td><td><span class=\"badge\">", q->f);
			web_h(q->f, web_code_label(&codes_case_status, js(row, "status")));
			fputs("</span>", q->f);
		}
		fputs("</td><td>", q->f);
		web_h(q->f, web_code_label(&codes_expected, js(row, "expected")));
		fputs("</td></tr>\n", q->f);
	}
	if (!needle)
		n = total;
	if (n > first) {
		fprintf(q->f, "</tbody></table>\n<p class=\"hint\">Cases %zu to %zu of %zu.",
			first + 1, n < last ? n : last, n);
		if (page > 1 || n > last) {
			fputs(" Page:", q->f);
			pager(q, page - 1, page > 1, "previous", needle, status);
			pager(q, page + 1, n > last, "next", needle, status);
		}
		fputs("</p>\n", q->f);
	} else {
		fputs("<p class=\"empty\">No case matches.</p>\n", q->f);
	}
	json_decref(list);
	return 0;
}

/* ---- the notification form (new and edit) ---- */

static void notification_form(struct web_req *q, const char *action, const json_t *values,
			      const struct form_errors *errs, const char *other,
			      const char *button, int with_reason)
{
	const struct form_error *re = form_errors_find(errs, "reason");

	web_error_summary(q, &form_notification, errs, other);
	fprintf(q->f, "<form method=\"post\" action=\"%s\" novalidate>", action);
	web_csrf_input(q);
	web_form_fields(q, &form_notification, values, errs, NULL);
	if (with_reason) {
		/* A reviewed or closed case changes only with a reason (audited). */
		fprintf(q->f, "<fieldset class=\"group\"><legend>Why</legend><div class=\"field%s\">"
			"<label for=\"f-reason\">Reason for the change</label><p class=\"hint\">"
			"Needed once the case has been reviewed; kept in the case's history.</p>",
			re ? " invalid" : "");
		if (re) {
			fputs("<p class=\"field-error\">", q->f);
			web_h(q->f, re->message);
			fputs("</p>", q->f);
		}
		fputs("<input id=\"f-reason\" name=\"reason\" value=\"", q->f);
		web_h(q->f, web_form_get(q->form, "reason"));
		fputs("\"></div></fieldset>", q->f);
	}
	fprintf(q->f, "<div class=\"actions\"><button>%s</button></div></form>\n", button);
}

int page_case_new(struct web_req *q, const char *rest)
{
	struct form_errors errs = FORM_ERRORS_INIT;
	char ref[CASE_REF_MAX], other[REG_ERR_MAX];
	json_t *n = NULL;
	int ret = 0;

	(void)rest;
	snprintf(q->title, sizeof q->title, "Notify a death");
	other[0] = 0;
	if (!strcmp(q->method, "POST")) {
		n = web_form_json(q, &form_notification, &errs);
		ret = n ? cases_notify(q->r, n, ref) : CDOP_ERR_NOMEM;
		if (!ret) {
			snprintf(q->location, sizeof q->location, "/cases/%s", ref);
			snprintf(q->flash, sizeof q->flash, "Case %s notified.", ref);
			json_decref(n);
			return 0;
		}
		web_errors_from_msg(q->r->e.msg, &errs, other, sizeof other);
		q->status = web_status_of(ret);
	}
	fputs("<h1>Notify a death</h1>\n<p class=\"hint\">Fields marked <span class=\"req\">*"
	      "</span> are required. Dates as DD/MM/YYYY or YYYY-MM-DD. Nothing is saved "
	      "until the whole notification is valid.</p>\n", q->f);
	notification_form(q, "/cases/new", n, &errs, other, "Save the notification", 0);
	form_errors_release(&errs);
	json_decref(n);
	return ret;
}

/* Every field path the stored notification has and the posted one lacks
 * becomes null in the patch: an emptied input removes the value. */
static void null_missing(const struct form *fm, const json_t *stored, json_t *patch)
{
	size_t i;

	for (i = 0; i < fm->n; i++) {
		const struct field *fld = &fm->fields[i];
		const json_t *sv = json_object_get(stored, fld->name);
		json_t *pv = json_object_get(patch, fld->name);

		if (!sv || (fld->flags & FIELD_IMPORT_ONLY))
			continue;
		if (fld->type == FIELD_OBJECT && fld->sub && json_is_object(sv)) {
			if (!pv) {
				pv = json_object();
				json_object_set_new(patch, fld->name, pv);
			}
			null_missing(fld->sub, sv, pv);
		} else if (!pv) {
			json_object_set_new(patch, fld->name, json_null());
		}
	}
}

int page_case_edit(struct web_req *q, const char *rest)
{
	struct form_errors errs = FORM_ERRORS_INIT;
	char action[128], other[REG_ERR_MAX];
	json_t *view = NULL, *n = NULL;
	int ret;

	snprintf(q->title, sizeof q->title, "Edit %s", rest);
	other[0] = 0;
	if (!ref_ok(rest))
		return web_fail(q, 404, "Not found", "No such case.");
	ret = cases_show(q->r, rest, CASE_VIEW_FULL, &view);
	if (ret)
		return web_fail(q, web_status_of(ret), "Case", q->r->e.msg);
	if (!strcmp(q->method, "POST")) {
		n = web_form_json(q, &form_notification, &errs);
		if (n)
			null_missing(&form_notification, json_object_get(view, "notification"), n);
		{
			const char *why = web_form_get(q->form, "reason");

			ret = !n ? CDOP_ERR_NOMEM : why && *why ?
				cases_update_reason(q->r, rest, n, why) : cases_update(q->r, rest, n);
		}
		if (!ret) {
			snprintf(q->location, sizeof q->location, "/cases/%s", rest);
			snprintf(q->flash, sizeof q->flash, "Case %s updated.", rest);
			goto out;
		}
		web_errors_from_msg(q->r->e.msg, &errs, other, sizeof other);
		q->status = web_status_of(ret);
		json_decref(n);
		n = web_form_json(q, &form_notification, &errs); /* as typed */
	}
	fputs("<h1>Edit ", q->f);
	web_h(q->f, rest);
	fputs("</h1>\n<p class=\"hint\">Empty a field to remove its value. The whole record "
	      "is checked again before anything is saved.</p>\n", q->f);
	snprintf(action, sizeof action, "/cases/%s/edit", rest);
	notification_form(q, action, n ? n : json_object_get(view, "notification"), &errs,
			  other, "Save changes", 1);
	fputs("<p><a href=\"/cases/", q->f);
	web_h(q->f, rest);
	fputs("\">Back to the case</a></p>\n", q->f);
out:
	form_errors_release(&errs);
	json_decref(n);
	json_decref(view);
	return ret;
}

int page_case_history(struct web_req *q, const char *rest)
{
	json_t *h = NULL, *e;
	size_t i;
	int ret;

	snprintf(q->title, sizeof q->title, "History of %s", rest);
	if (!ref_ok(rest))
		return web_fail(q, 404, "Not found", "No such case.");
	ret = cases_history(q->r, rest, 1, &h);
	if (ret)
		return web_fail(q, web_status_of(ret), "History", q->r->e.msg);
	fputs("<h1>History of <a href=\"/cases/", q->f);
	web_h(q->f, rest);
	fputs("\">", q->f);
	web_h(q->f, rest);
	fputs("</a></h1>\n<p class=\"hint\">Every change, oldest first, with the old and new "
	      "values (identifiable ones are kept sealed in the audit trail and opened "
	      "here for you); who made it and when (UTC). Views are in the audit "
	      "trail.</p>\n", q->f);
	if (!json_array_size(h))
		fputs("<p class=\"empty\">No change has been recorded.</p>\n", q->f);
	else
		fputs("<table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Changes</th>"
		      "</tr></thead><tbody>\n", q->f);
	json_array_foreach(h, i, e) {
		const json_t *ch = json_object_get(e, "changes");

		fputs("<tr><td>", q->f);
		web_h(q->f, js(e, "at"));
		fputs("</td><td>", q->f);
		web_h(q->f, js(e, "user"));
		fputs("</td><td>", q->f);
		web_h(q->f, js(e, "action"));
		if (js(e, "object")) {
			fputs(" <span class=\"hint\">", q->f);
			web_h(q->f, js(e, "object"));
			fputs("</span>", q->f);
		}
		if (js(e, "reason")) {
			fputs("<br><span class=\"hint\">reason: ", q->f);
			web_h(q->f, js(e, "reason"));
			fputs("</span>", q->f);
		}
		fputs("</td><td>", q->f);
		web_changes(q->f, ch);
		if (!json_array_size(ch) && js(e, "detail"))
			web_h(q->f, js(e, "detail"));
		fputs("</td></tr>\n", q->f);
	}
	if (json_array_size(h))
		fputs("</tbody></table>\n", q->f);
	json_decref(h);
	return 0;
}

/* ---- /cases/REF ---- */

/* Completed years, or months/days under one year: "3 years", "5 months". */
static void age_words(FILE *f, const char *dob, const char *on)
{
	struct cdate b, d;
	int y, m;

	if (!dob || !on || date_parse(dob, &b) || date_parse(on, &d))
		return;
	y = d.y - b.y - (d.m < b.m || (d.m == b.m && d.d < b.d));
	if (y >= 1) {
		fprintf(f, "%d year%s", y, y == 1 ? "" : "s");
		return;
	}
	m = (d.y - b.y) * 12 + d.m - b.m - (d.d < b.d);
	if (m >= 1)
		fprintf(f, "%d month%s", m, m == 1 ? "" : "s");
	else {
		long days = date_days_between(&b, &d);

		fprintf(f, "%ld day%s", days, days == 1 ? "" : "s");
	}
}

static void value_words(FILE *f, const struct field *fld, const json_t *v)
{
	size_t i;
	const json_t *e;

	if (json_is_string(v) && fld->type == FIELD_DATE)
		web_date(f, json_string_value(v));
	else if (json_is_string(v))
		web_h(f, fld->codes ? web_code_label(fld->codes, json_string_value(v)) :
		      json_string_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "yes" : "no", f);
	else if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_array(v))
		json_array_foreach(v, i, e) {
			if (i)
				fputs(", ", f);
			if (json_is_string(e))
				web_h(f, fld->codes ? web_code_label(fld->codes, json_string_value(e)) :
				      json_string_value(e));
		}
}

/* Label and value rows for the scalar fields of form fm found in obj. */
static size_t kv_rows(FILE *f, const struct form *fm, const json_t *obj)
{
	size_t i, shown = 0;

	for (i = 0; i < fm->n; i++) {
		const struct field *fld = &fm->fields[i];
		const json_t *v = json_object_get(obj, fld->name);

		if (!v || json_is_null(v) || fld->type == FIELD_OBJECT ||
		    fld->type == FIELD_OBJECT_ARRAY)
			continue;
		shown++;
		fputs("<tr><th>", f);
		web_h(f, fld->label);
		fputs("</th><td>", f);
		value_words(f, fld, v);
		fputs("</td></tr>", f);
	}
	return shown;
}

static void card_open(FILE *f, const char *title)
{
	fputs("<div class=\"card\"><h3>", f);
	web_h(f, title);
	fputs("</h3><table class=\"kv\">", f);
}

static void card_close(FILE *f, size_t shown)
{
	if (!shown)
		fputs("<tr><td class=\"empty\">Nothing recorded.</td></tr>", f);
	fputs("</table></div>\n", f);
}

/* One section of the notification as a table of label and value. */
static void section(FILE *f, const struct form *fm, const char *name, const json_t *obj)
{
	const struct field *grp = NULL;
	size_t i, shown;

	for (i = 0; i < fm->n; i++)
		if (!strcmp(fm->fields[i].name, name))
			grp = &fm->fields[i];
	if (!grp || !grp->sub || !json_is_object(obj))
		return;
	card_open(f, grp->label ? grp->label : name);
	shown = kv_rows(f, grp->sub, obj);
	if (!strcmp(name, "death") && js(obj, "month")) {
		fputs("<tr><th>Month of death</th><td>", f);
		web_h(f, js(obj, "month"));
		fputs("</td></tr>", f);
		shown++;
	}
	card_close(f, shown);
}

static void rr_section(struct web_req *q, const json_t *view, const char *today, int anon)
{
	const json_t *rr = json_object_get(view, "rapid_response"), *a;
	long long now = 0;
	size_t i;

	fputs("<h2>Joint agency response</h2>\n", q->f);
	if (!json_array_size(rr)) {
		fputs("<p class=\"empty\">No response actions (an expected death has none "
		      "unless recorded).</p>\n", q->f);
		return;
	}
	if (rr_now_minutes(q->r, &now))
		now = 0;
	fputs("<ul class=\"timeline\">", q->f);
	json_array_foreach(rr, i, a) {
		const char *on = js(a, "on"), *due = js(a, "due");
		int done = on || json_is_true(json_object_get(a, "done"));
		long left = 0;
		long long at;
		/* Late: its due time has passed, as rr due and Today count it
		 * (a due date alone is its last minute). */
		int late = !done && due && now && !date_done_minutes(due, &at) && at < now;
		int over = !done && due && !web_days_between(today, due, &left) &&
			   (left < 0 || late);

		fprintf(q->f, "<li class=\"%s\"><strong>", done ? "is-done" :
			over ? "is-overdue" : "");
		web_h(q->f, web_code_label(&codes_rr_action, js(a, "action")));
		fputs("</strong> — ", q->f);
		if (done && on) {
			fputs("<span class=\"done\">done ", q->f);
			web_date(q->f, on);
			fputs("</span>", q->f);
			if (js(a, "by")) {
				fputs(" by ", q->f);
				web_h(q->f, js(a, "by"));
			}
		} else if (done) {
			fputs("<span class=\"done\">done</span>", q->f);
		} else if (due) {
			fputs("due ", q->f);
			web_date(q->f, due);
			fputs(" · ", q->f);
			web_due_words(q->f, left, late);
		} else {
			fputs("not done", q->f);
		}
		if (!anon && js(a, "notes")) {
			fputs("<br><span class=\"hint\">", q->f);
			web_h(q->f, js(a, "notes"));
			fputs("</span>", q->f);
		}
		fputs("</li>", q->f);
	}
	fputs("</ul>\n", q->f);
}

static void agency_section(struct web_req *q, const json_t *view, const char *ref, int anon)
{
	const json_t *ag = json_object_get(view, "agency_reports"), *a;
	size_t i;

	fputs("<h2>Agency reports</h2>\n", q->f);
	if (!json_array_size(ag)) {
		fputs("<p class=\"empty\">No reporting form has been requested.</p>\n", q->f);
		return;
	}
	fputs("<table><thead><tr><th>Agency</th><th>Requested</th><th>Due</th>"
	      "<th>Received</th><th>Form and attachments</th></tr></thead><tbody>", q->f);
	json_array_foreach(ag, i, a) {
		const json_t *rcv = json_object_get(a, "received");
		long long att = (long long)json_integer_value(json_object_get(a, "attachments"));
		int form = json_is_object(json_object_get(a, "form"));

		fputs("<tr><td>", q->f);
		web_h(q->f, web_code_label(&codes_agency, js(a, "agency")));
		fputs("</td><td>", q->f);
		web_date(q->f, js(a, "requested"));
		fputs("</td><td>", q->f);
		web_date(q->f, js(a, "due"));
		fputs("</td><td>", q->f);
		if (json_is_string(rcv))
			web_date(q->f, json_string_value(rcv));
		else
			fputs(json_is_true(rcv) ? "received" : "<span class=\"upcoming\">awaited</span>",
			      q->f);
		fputs("</td><td>", q->f);
		/* The panel sees how many; opening them is the manager's
		 * (agency show, audited). */
		if (!anon && (form || att)) {
			fputs("<a href=\"/cases/", q->f);
			web_h(q->f, ref);
			fputs("/agency?agency=", q->f);
			web_h(q->f, js(a, "agency"));
			fputs("\">", q->f);
		}
		if (form)
			fputs("the form", q->f);
		if (att)
			fprintf(q->f, "%s%lld attachment%s", form ? " and " : "", att,
				att == 1 ? "" : "s");
		if (!form && !att)
			fputs("<span class=\"empty\">none</span>", q->f);
		if (!anon && (form || att))
			fputs("</a>", q->f);
		fputs("</td></tr>", q->f);
	}
	fputs("</tbody></table>\n", q->f);
}

static void review_section(struct web_req *q, const json_t *view)
{
	const json_t *rv = json_object_get(view, "review"), *recs, *t, *x;
	const struct field *fld;
	char cat[8];
	size_t i;

	fputs("<h2>Review</h2>\n", q->f);
	if (!json_is_object(rv)) {
		fputs("<p class=\"empty\">Not reviewed by the panel yet.</p>\n", q->f);
		return;
	}
	snprintf(cat, sizeof cat, "%lld", (long long)json_integer_value(json_object_get(rv,
										     "category")));
	fputs("<div class=\"card\"><table class=\"kv\"><tr><th>Meeting</th><td>", q->f);
	web_date(q->f, js(rv, "meeting_date"));
	fputs("</td></tr><tr><th>Category</th><td>", q->f);
	web_h(q->f, cat);
	fputs(" — ", q->f);
	web_h(q->f, web_code_label(&codes_review_category, cat));
	fputs("</td></tr>", q->f);
	for (i = 0; i < 4; i++) {
		static const char *const d[] = { "domains.child", "domains.social_environment",
			"domains.physical_environment", "domains.service_provision" };
		char score[8];

		fld = form_field_find(&form_review, d[i]);
		snprintf(score, sizeof score, "%lld",
			 (long long)json_integer_value(form_json_get(rv, d[i])));
		fputs("<tr><th>", q->f);
		web_h(q->f, fld ? fld->label : d[i]);
		fputs("</th><td>", q->f);
		web_h(q->f, score);
		fputs(" — ", q->f);
		web_h(q->f, web_code_label(&codes_domain_score, score));
		fputs("</td></tr>", q->f);
	}
	fputs("<tr><th>Modifiable factors</th><td>", q->f);
	web_h(q->f, web_code_label(&codes_modifiable, js(rv, "modifiable")));
	fputs("</td></tr><tr><th>Themes</th><td>", q->f);
	t = json_object_get(rv, "themes");
	json_array_foreach(t, i, x) {
		fputs("<span class=\"badge\">", q->f);
		web_h(q->f, web_code_label(&codes_theme, json_string_value(x)));
		fputs("</span> ", q->f);
	}
	fputs("</td></tr><tr><th>Learning</th><td>", q->f);
	web_h(q->f, js(rv, "learning"));
	fputs("</td></tr>", q->f);
	/* Issue 11: learning not yet checked for identifiers, texts to fix. */
	if (js(rv, "text_check") && !strcmp(js(rv, "text_check"), "unchecked"))
		fputs("<tr><th>Learning checked</th><td>Not yet: a manager's next sign-in "
		      "checks it for identifiers; until then it is not published.</td></tr>",
		      q->f);
	json_array_foreach(json_object_get(view, "to_fix"), i, x) {
		fputs("<tr><th>To fix</th><td class=\"overdue\">", q->f);
		web_h(q->f, js(x, "field"));
		fputs(" holds ", q->f);
		web_h(q->f, js(x, "what"));
		fputs(" held in the register: never published; rewrite it</td></tr>", q->f);
	}
	fputs("<tr><th>Referred for review</th><td>", q->f);
	fputs(json_is_true(json_object_get(rv, "referred_for_review")) ? "yes" : "no", q->f);
	fputs("</td></tr></table></div>\n", q->f);
	recs = json_object_get(view, "recommendations");
	if (json_array_size(recs)) {
		fputs("<h3>Recommendations</h3><table><thead><tr><th>Recommendation</th>"
		      "<th>Owner</th><th>Due</th><th>Done</th></tr></thead><tbody>", q->f);
		json_array_foreach(recs, i, x) {
			fputs("<tr><td>", q->f);
			web_h(q->f, js(x, "text"));
			fputs("</td><td>", q->f);
			web_h(q->f, web_code_label(&codes_agency, js(x, "owner")));
			fputs("</td><td>", q->f);
			web_date(q->f, js(x, "due"));
			fputs("</td><td>", q->f);
			web_date(q->f, js(x, "done_on"));
			fputs("</td></tr>", q->f);
		}
		fputs("</tbody></table>\n", q->f);
	}
}

/* One of the forms under a case: a card POSTing back to the case page
 * with its own "op" and the session's CSRF token. */
static void case_form_open(struct web_req *q, const char *ref, const char *title,
			   const char *op)
{
	fputs("<form class=\"card\" method=\"post\" action=\"/cases/", q->f);
	web_h(q->f, ref);
	fprintf(q->f, "\"><h3>%s</h3><input type=\"hidden\" name=\"op\" value=\"%s\">",
		title, op);
	web_csrf_input(q);
}

/* The manager's forms under the case: each a POST with its own "op". */
static void case_forms(struct web_req *q, const char *ref)
{
	fputs("<h2>Record</h2>\n<div class=\"cols\">", q->f);
	case_form_open(q, ref, "A response action done", "rr");
	fputs("<label for=\"action\">Action</label>", q->f);
	web_code_select(q->f, "action", &codes_rr_action);
	fputs("<label for=\"on\">Done on</label><input id=\"on\" name=\"on\" class=\"short\" "
	      "placeholder=\"DD/MM/YYYY\"><label for=\"by\">By</label><input id=\"by\" name=\"by\">"
	      "<p><button>Record</button></p></form>", q->f);

	case_form_open(q, ref, "Request an agency form", "agency_request");
	fputs("<label for=\"agency\">Agency</label>", q->f);
	web_code_select(q->f, "agency", &codes_agency);
	fputs("<label for=\"due\">Due back</label><input id=\"due\" name=\"due\" class=\"short\" "
	      "placeholder=\"DD/MM/YYYY\"><p class=\"hint\">Empty: four weeks from today.</p>"
	      "<p><button>Request</button></p></form>", q->f);

	case_form_open(q, ref, "An agency form received", "agency_receive");
	fputs("<label for=\"ragency\">Agency</label>", q->f);
	web_code_select(q->f, "ragency", &codes_agency);
	fputs("<label for=\"received\">Received on</label><input id=\"received\" "
	      "name=\"received\" class=\"short\" placeholder=\"DD/MM/YYYY\" value=\"today\">"
	      "<p><button>Record</button></p></form>", q->f);

	case_form_open(q, ref, "Move the case on", "status");
	fputs("<label for=\"status\">New status</label>", q->f);
	web_code_select(q->f, "status", &codes_case_status);
	fputs("<p><button>Change status</button></p></form></div>\n", q->f);
}

static int case_post(struct web_req *q, const char *ref)
{
	const char *op = web_form_get(q->form, "op");
	char on[64], due[64];
	int ret, corrected = 0;

	if (q->r->ss.role != ROLE_MANAGER)
		return web_deny(q);
	if (!op)
		return CDOP_ERR_INPUT;
	if (!strcmp(op, "rr")) {
		web_date_input(q, web_form_get(q->form, "on"), on, sizeof on);
		ret = rr_add(q->r, ref, web_form_get(q->form, "action"), on,
			     web_form_get(q->form, "by"), NULL, &corrected);
		if (!ret)
			snprintf(q->flash, sizeof q->flash, "Response action recorded.");
	} else if (!strcmp(op, "agency_request")) {
		struct agency_request_result res;
		const char *d = web_form_get(q->form, "due");

		web_date_input(q, d, due, sizeof due);
		ret = agency_request(q->r, ref, web_form_get(q->form, "agency"),
				     d && *d ? due : NULL, &res);
		if (!ret)
			snprintf(q->flash, sizeof q->flash, "Form requested, due back %s.", res.due);
	} else if (!strcmp(op, "agency_receive")) {
		struct agency_receive_result res;

		web_date_input(q, web_form_get(q->form, "received"), on, sizeof on);
		ret = agency_receive(q->r, ref, web_form_get(q->form, "ragency"), on, NULL, &res);
		if (!ret)
			snprintf(q->flash, sizeof q->flash, "Form received.");
	} else if (!strcmp(op, "status")) {
		ret = cases_set_status(q->r, ref, web_form_get(q->form, "status"));
		if (!ret)
			snprintf(q->flash, sizeof q->flash, "Status changed.");
	} else {
		ret = reg_fail(q->r, CDOP_ERR_INPUT, "unknown form");
	}
	if (!ret)
		snprintf(q->location, sizeof q->location, "/cases/%s", ref);
	return ret;
}

int page_case(struct web_req *q, const char *rest)
{
	int anon = q->r->ss.role != ROLE_MANAGER;
	json_t *view = NULL, *n;
	char today[11], err[REG_ERR_MAX] = "";
	const char *died, *dob;
	long since = 0;
	int ret;

	snprintf(q->title, sizeof q->title, "%s", rest);
	if (!ref_ok(rest))
		return web_fail(q, 404, "Not found", "No such case.");
	if (web_post(q, case_post, rest, err, sizeof err, &ret))
		return ret;
	reg_today(q->r, today);
	ret = cases_show(q->r, rest, anon ? CASE_VIEW_ANON : CASE_VIEW_FULL, &view);
	if (ret)
		return web_fail(q, web_status_of(ret), "Case", q->r->e.msg);
	n = json_object_get(view, "notification");
	died = js(n, "death.date");
	dob = js(n, "child.date_of_birth");
	fputs("<h1>", q->f);
	if (!anon) {
		web_h(q->f, js(n, "child.forename"));
		fputs(" ", q->f);
		web_h(q->f, js(n, "child.surname"));
		fputs(" <span class=\"hint\">", q->f);
		web_h(q->f, rest);
		fputs("</span>", q->f);
	} else {
		web_h(q->f, rest);
	}
	fputs(" <span class=\"badge\">", q->f);
	web_h(q->f, web_code_label(&codes_case_status, js(view, "status")));
	fputs("</span></h1>\n", q->f);
	if (*err)
		web_error_box(q, err);
	fputs("<div class=\"summary\">", q->f);
	if (!anon && dob && died) {
		fputs("<div class=\"stat\"><span class=\"n\">", q->f);
		age_words(q->f, dob, died);
		fputs("</span>age at death</div>", q->f);
	} else if (js(n, "age_band")) {
		fputs("<div class=\"stat\"><span class=\"n\">", q->f);
		web_h(q->f, js(n, "age_band"));
		fputs("</span>age band</div>", q->f);
	}
	if (died && !web_days_between(died, today, &since))
		fprintf(q->f, "<div class=\"stat\"><span class=\"n\">%ld</span>days since "
			"death</div>", since);
	fputs("<div class=\"stat\"><span class=\"n\">", q->f);
	web_h(q->f, web_code_label(&codes_expected, js(n, "death.expected")));
	fputs("</span>death</div></div>\n", q->f);
	if (!anon) {
		fputs("<div class=\"actions\"><a class=\"button secondary\" href=\"/cases/", q->f);
		web_h(q->f, rest);
		fputs("/edit\">Edit the notification</a><a class=\"button secondary\" "
		      "href=\"/cases/", q->f);
		web_h(q->f, rest);
		fputs("/history\">History</a></div>\n", q->f);
	} else {
		fputs("<p class=\"hint\">Anonymised for the panel: no names, NHS number, "
		      "date of birth, address, postcode or exact dates.</p>\n", q->f);
	}
	fputs("<div class=\"cols\">", q->f);
	section(q->f, &form_notification, "child", json_object_get(n, "child"));
	section(q->f, &form_notification, "death", json_object_get(n, "death"));
	section(q->f, &form_notification, "notified", json_object_get(n, "notified"));
	fputs("</div>\n", q->f);
	rr_section(q, view, today, anon);
	agency_section(q, view, rest, anon);
	review_section(q, view);
	if (!anon)
		case_forms(q, rest);
	json_decref(view);
	return 0;
}

/* ---- /cases/REF/agency?agency=A[&n=N]: one agency's report ---- */

/* Attachment n as a download: agency_show writes the report's attachments
 * to a private directory (audited as the command's --save-attachments),
 * the one asked for is read back and the directory removed at once. */
static int attachment_download(struct web_req *q, const char *ref, const char *agency,
			       unsigned long n)
{
	char dir[300], file[300], path[700];
	json_t *rep = NULL;
	const json_t *list;
	size_t saved = 0, i;
	int ret;

	snprintf(dir, sizeof dir, "%s/att-XXXXXX", web_tmpdir);
	if (!mkdtemp(dir))
		return web_fail(q, 500, "Attachment", "cannot make a directory for the download");
	ret = agency_show(q->r, ref, agency, dir, &rep, &saved);
	if (ret) {
		web_remove_dir(dir);
		return web_fail(q, web_status_of(ret), "Attachment", q->r->e.msg);
	}
	list = json_object_get(rep, "attachments");
	if (n > json_array_size(list)) {
		ret = web_fail(q, 404, "Attachment", "No such attachment.");
	} else {
		agency_attachment_file(list, n, file, sizeof file);
		snprintf(path, sizeof path, "%s/%s", dir, file);
		if (web_file_read(q, path))
			ret = web_fail(q, 500, "Attachment", q->r->e.msg);
		/* The download's name: letters, digits and . _ - of its own. */
		snprintf(q->raw_name, sizeof q->raw_name, "%.100s", file);
		for (i = 0; q->raw_name[i]; i++)
			if (!isalnum((unsigned char)q->raw_name[i]) &&
			    !strchr("._-", q->raw_name[i]))
				q->raw_name[i] = '_';
		q->raw_type = "application/octet-stream";
	}
	web_remove_dir(dir);
	json_decref(rep);
	return ret;
}

int page_case_agency(struct web_req *q, const char *rest)
{
	const char *agency = web_arg(q, "agency"), *nstr = web_arg(q, "n");
	const json_t *list, *a, *form;
	json_t *rep = NULL;
	size_t saved = 0, i, k;
	int ret;

	snprintf(q->title, sizeof q->title, "%s agency report", rest);
	if (!ref_ok(rest) || !agency || !*agency)
		return web_fail(q, 404, "Not found", "No such agency report.");
	if (nstr) {
		char *end;
		unsigned long n = strtoul(nstr, &end, 10);

		if (*end || !n || n > 100000)
			return web_fail(q, 404, "Not found", "No such attachment.");
		return attachment_download(q, rest, agency, n);
	}
	ret = agency_show(q->r, rest, agency, NULL, &rep, &saved);
	if (ret)
		return web_fail(q, web_status_of(ret), "Agency report", q->r->e.msg);
	fputs("<h1>", q->f);
	web_h(q->f, web_code_label(&codes_agency, agency));
	fputs(" <span class=\"hint\">", q->f);
	web_case_link(q->f, rest);
	fputs("</span></h1>\n<div class=\"cols\">", q->f);
	card_open(q->f, "The request");
	k = 0;
	if (js(rep, "requested")) {
		fputs("<tr><th>Requested</th><td>", q->f);
		web_date(q->f, js(rep, "requested"));
		fputs("</td></tr>", q->f);
		k++;
	}
	if (js(rep, "due")) {
		fputs("<tr><th>Due</th><td>", q->f);
		web_date(q->f, js(rep, "due"));
		fputs("</td></tr>", q->f);
		k++;
	}
	fputs("<tr><th>Received</th><td>", q->f);
	if (js(rep, "received"))
		web_date(q->f, js(rep, "received"));
	else
		fputs("<span class=\"upcoming\">awaited</span>", q->f);
	fputs("</td></tr>", q->f);
	card_close(q->f, k + 1);
	form = json_object_get(rep, "form");
	if (json_is_object(form)) {
		card_open(q->f, form_agency_reporting.title);
		card_close(q->f, kv_rows(q->f, &form_agency_reporting, form));
		for (i = 0; i < form_agency_reporting.n; i++) {
			const struct field *fld = &form_agency_reporting.fields[i];

			if (fld->type != FIELD_OBJECT || !fld->sub ||
			    !json_is_object(json_object_get(form, fld->name)))
				continue;
			card_open(q->f, fld->label);
			card_close(q->f, kv_rows(q->f, fld->sub, json_object_get(form, fld->name)));
		}
	}
	fputs("</div>\n<h2>Attachments</h2>\n", q->f);
	list = json_object_get(rep, "attachments");
	if (!json_array_size(list))
		fputs("<p class=\"empty\">No attachment came with this report.</p>\n", q->f);
	else
		fputs("<table><thead><tr><th>File</th><th>Size</th><th>Added</th></tr></thead>"
		      "<tbody>\n", q->f);
	json_array_foreach(list, i, a) {
		fputs("<tr><td><a href=\"/cases/", q->f);
		web_h(q->f, rest);
		fputs("/agency?agency=", q->f);
		web_h(q->f, agency);
		fprintf(q->f, "&amp;n=%zu\">", i + 1);
		web_h(q->f, js(a, "name"));
		fprintf(q->f, "</a></td><td>%lld bytes</td><td>",
			(long long)json_integer_value(json_object_get(a, "bytes")));
		web_date(q->f, js(a, "added_on"));
		fputs("</td></tr>\n", q->f);
	}
	if (json_array_size(list))
		fputs("</tbody></table>\n<p class=\"hint\">Opening this report and each "
		      "download is recorded in the audit trail.</p>\n", q->f);
	json_decref(rep);
	return 0;
}
