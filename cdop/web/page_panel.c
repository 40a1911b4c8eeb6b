/* /meetings, /meetings/ID, /meetings/ID/pack, /reviews/REF, /actions. */
#include "cdop/web/web_int.h"
#include "cdop/cases/cases.h"
#include "cdop/panel/panel.h"
#include "cdop/store/store.h"
#include "forms/codes.h"

#include <ctype.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *js(const json_t *o, const char *k)
{
	const json_t *v = form_json_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int id_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return i > 0 && i < 12;
}

/* ---- /meetings ---- */

int page_meetings(struct web_req *q, const char *rest)
{
	json_t *list = NULL, *row;
	char err[REG_ERR_MAX] = "";
	size_t i;
	int ret;

	(void)rest;
	snprintf(q->title, sizeof q->title, "Meetings");
	if (!strcmp(q->method, "POST")) {
		char date[64];
		int64_t id;

		if (q->r->ss.role != ROLE_MANAGER)
			return web_deny(q);
		web_date_input(q, web_form_get(q->form, "date"), date, sizeof date);
		ret = meetings_new(q->r, date, web_form_get(q->form, "chair"), &id);
		if (!ret) {
			snprintf(q->location, sizeof q->location, "/meetings/%lld", (long long)id);
			snprintf(q->flash, sizeof q->flash, "Meeting %lld arranged.", (long long)id);
			return 0;
		}
		snprintf(err, sizeof err, "%s", q->r->e.msg);
		q->status = web_status_of(ret);
	}
	ret = meetings_list(q->r, &list);
	if (ret)
		return web_fail(q, web_status_of(ret), "Meetings", q->r->e.msg);
	fputs("<h1>Panel meetings</h1>\n", q->f);
	if (*err)
		web_error_box(q, err);
	if (!json_array_size(list))
		fputs("<p class=\"empty\">No meeting yet.</p>\n", q->f);
	else
		fputs("<table><thead><tr><th>Meeting</th><th>Date</th><th>Chair</th>"
		      "<th>Cases</th><th>Reviews</th><th>Attended</th></tr></thead><tbody>\n", q->f);
	json_array_foreach(list, i, row) {
		long long id = (long long)json_integer_value(json_object_get(row, "id"));

		fprintf(q->f, "<tr><td><a href=\"/meetings/%lld\">Meeting %lld</a></td><td>", id, id);
		web_date(q->f, js(row, "date"));
		fputs("</td><td>", q->f);
		web_h(q->f, js(row, "chair"));
		fprintf(q->f, "</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
			(long long)json_integer_value(json_object_get(row, "cases")),
			(long long)json_integer_value(json_object_get(row, "reviews")),
			(long long)json_integer_value(json_object_get(row, "attended")));
	}
	if (json_array_size(list))
		fputs("</tbody></table>\n", q->f);
	if (q->r->ss.role == ROLE_MANAGER) {
		fputs("<form class=\"card inline-form\" method=\"post\" action=\"/meetings\">"
		      "<h2>Arrange a meeting</h2>", q->f);
		web_csrf_input(q);
		fputs("<div><label for=\"date\">Date</label><input id=\"date\" name=\"date\" "
		      "class=\"short\" placeholder=\"DD/MM/YYYY\"></div><div><label for=\"chair\">"
		      "Chair</label><input id=\"chair\" name=\"chair\"></div>"
		      "<div><button>Arrange</button></div></form>\n", q->f);
	}
	json_decref(list);
	return 0;
}

/* ---- /meetings/ID ---- */

static int meeting_post(struct web_req *q, const char *id)
{
	const char *op = web_form_get(q->form, "op");
	int64_t mid;
	char date[11];
	int ret;

	if (q->r->ss.role != ROLE_MANAGER)
		return web_deny(q);
	ret = meetings_find(q->r, id, &mid, date);
	if (ret)
		return ret;
	if (op && !strcmp(op, "add")) {
		const char *ref = web_form_get(q->form, "ref");
		char *refs[1];

		refs[0] = (char *)(ref ? ref : "");
		ret = meetings_add_cases(q->r, mid, refs, 1, NULL, NULL);
		if (!ret)
			snprintf(q->flash, sizeof q->flash, "Case added to the agenda.");
	} else if (op && !strcmp(op, "attend")) {
		const char *role = web_form_get(q->form, "role");

		ret = meetings_attend(q->r, mid, web_form_get(q->form, "name"),
				      web_form_get(q->form, "agency"), role && *role ? role : NULL);
		if (!ret)
			snprintf(q->flash, sizeof q->flash, "Attendance recorded.");
	} else {
		ret = reg_fail(q->r, CDOP_ERR_INPUT, "unknown form");
	}
	if (!ret)
		snprintf(q->location, sizeof q->location, "/meetings/%s", id);
	return ret;
}

int page_meeting(struct web_req *q, const char *rest)
{
	json_t *m = NULL, *row, *list;
	char err[REG_ERR_MAX] = "";
	size_t i;
	int ret;

	snprintf(q->title, sizeof q->title, "Meeting %s", rest);
	if (!id_ok(rest))
		return web_fail(q, 404, "Not found", "No such meeting.");
	if (web_post(q, meeting_post, rest, err, sizeof err, &ret))
		return ret;
	ret = meetings_agenda(q->r, rest, &m);
	if (ret)
		return web_fail(q, web_status_of(ret), "Meeting", q->r->e.msg);
	fprintf(q->f, "<h1>Meeting %s <span class=\"hint\">", rest);
	web_date(q->f, js(m, "date"));
	fputs("</span></h1>\n", q->f);
	if (*err)
		web_error_box(q, err);
	if (js(m, "chair")) {
		fputs("<p>Chair: ", q->f);
		web_h(q->f, js(m, "chair"));
		fputs("</p>\n", q->f);
	}
	fprintf(q->f, "<div class=\"actions\"><a class=\"button secondary\" "
		"href=\"/meetings/%s/pack\">Download the case pack</a></div>\n", rest);
	fputs("<h2>Agenda</h2>\n", q->f);
	list = json_object_get(m, "cases");
	if (!json_array_size(list))
		fputs("<p class=\"empty\">No case is on the agenda yet.</p>\n", q->f);
	else
		fputs("<table><thead><tr><th>Case</th><th>Status</th><th>Analysis</th></tr>"
		      "</thead><tbody>\n", q->f);
	json_array_foreach(list, i, row) {
		fputs("<tr><td>", q->f);
		web_case_link(q->f, js(row, "ref"));
		fputs("</td><td>", q->f);
		web_h(q->f, web_code_label(&codes_case_status, js(row, "status")));
		fputs("</td><td><a href=\"/reviews/", q->f);
		web_h(q->f, js(row, "ref"));
		fprintf(q->f, "?meeting=%s\">%s</a></td></tr>\n", rest,
			json_is_true(json_object_get(row, "reviewed")) ?
			"Reviewed — amend" : "Complete the analysis form");
	}
	if (json_array_size(list))
		fputs("</tbody></table>\n", q->f);
	fputs("<h2>Attendance</h2>\n", q->f);
	list = json_object_get(m, "attendance");
	if (!json_array_size(list))
		fputs("<p class=\"empty\">No attendance recorded.</p>\n", q->f);
	else
		fputs("<table><thead><tr><th>Name</th><th>Agency</th><th>Role</th></tr></thead>"
		      "<tbody>\n", q->f);
	json_array_foreach(list, i, row) {
		fputs("<tr><td>", q->f);
		web_h(q->f, js(row, "name"));
		fputs("</td><td>", q->f);
		web_h(q->f, web_code_label(&codes_agency, js(row, "agency")));
		fputs("</td><td>", q->f);
		web_h(q->f, js(row, "role"));
		fputs("</td></tr>\n", q->f);
	}
	if (json_array_size(list))
		fputs("</tbody></table>\n", q->f);
	if (q->r->ss.role == ROLE_MANAGER) {
		fprintf(q->f, "<div class=\"cols\"><form class=\"card\" method=\"post\" "
			"action=\"/meetings/%s\"><h3>Put a case on the agenda</h3>"
			"<input type=\"hidden\" name=\"op\" value=\"add\">", rest);
		web_csrf_input(q);
		fprintf(q->f, "<label for=\"ref\">Case reference</label><input id=\"ref\" "
			"name=\"ref\" class=\"short\" placeholder=\"CDOP-2025-0001\">"
			"<p><button>Add</button></p></form>"
			"<form class=\"card\" method=\"post\" action=\"/meetings/%s\">"
			"<h3>Record attendance</h3><input type=\"hidden\" name=\"op\" "
			"value=\"attend\">", rest);
		web_csrf_input(q);
		fputs("<label for=\"name\">Name</label><input id=\"name\" name=\"name\">"
		      "<label for=\"agency\">Agency</label>", q->f);
		web_code_select(q->f, "agency", &codes_agency);
		fputs("<label for=\"role\">Role</label><input id=\"role\" name=\"role\">"
		      "<p><button>Record</button></p></form></div>\n", q->f);
	}
	json_decref(m);
	return 0;
}

int page_meeting_pack(struct web_req *q, const char *rest)
{
	char path[512], hex[17];
	unsigned char rnd[8];
	int ret;

	snprintf(q->title, sizeof q->title, "Pack");
	if (!id_ok(rest))
		return web_fail(q, 404, "Not found", "No such meeting.");
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	snprintf(path, sizeof path, "%s/pack-%s.html", web_tmpdir, hex);
	/* The library writes and audits the pack as for `meeting pack`; it is
	 * sent as a file (its own styles need its own CSP, file://). */
	ret = pack_write(q->r, rest, path, OUTFILE_EXCL);
	if (ret)
		return web_fail(q, web_status_of(ret), "Case pack", q->r->e.msg);
	if (web_file_read(q, path))
		ret = web_fail(q, 500, "Case pack", "cannot read the pack back");
	unlink(path);
	if (ret)
		return ret;
	q->raw_type = "text/html; charset=utf-8";
	snprintf(q->raw_name, sizeof q->raw_name, "cdop-meeting-%s-pack.html", rest);
	return 0;
}

/* ---- /reviews/REF?meeting=ID ---- */

/* Does the posted modifiable value fit what the scores imply? With no
 * domain scoring 2 and one scoring 0, "no" fits as well. */
static int modifiable_fits(const char *implied, const json_t *posted)
{
	const char *mod = json_string_value(json_object_get(posted, "modifiable"));

	if (!mod)
		return 0;
	if (!strcmp(implied, "insufficient_information"))
		return !strcmp(mod, "no") || !strcmp(mod, implied);
	return !strcmp(mod, implied);
}

/*
 * The form to amend a review at MEETING: the review as stored, with the
 * recommendations that meeting made. Recorded again at the same meeting a
 * review replaces that meeting's recommendations (reviews.c), so they are
 * offered to keep or change; a later meeting's form starts with none.
 */
static json_t *review_at(struct web_req *q, const json_t *view, const char *meeting)
{
	json_t *v = json_deep_copy(json_object_get(view, "review")), *recs = json_array();
	const json_t *rec;
	char date[11];
	int64_t id;
	size_t i;

	if (v && recs && !meetings_find(q->r, meeting, &id, date))
		json_array_foreach(json_object_get(view, "recommendations"), i, rec)
			if (js(rec, "made_on") && !strcmp(js(rec, "made_on"), date))
				json_array_append_new(recs, json_pack("{s:s?, s:s?, s:s?}",
					"text", js(rec, "text"), "owner", js(rec, "owner"),
					"due", js(rec, "due")));
	if (v && json_array_size(recs))
		json_object_set(v, "recommendations", recs);
	json_decref(recs);
	return v;
}

int page_review(struct web_req *q, const char *rest)
{
	const char *meeting = web_arg(q, "meeting");
	struct form_errors errs = FORM_ERRORS_INIT;
	json_t *view = NULL, *posted = NULL, *stored = NULL;
	char other[REG_ERR_MAX] = "", action[160];
	const json_t *values;
	const char *implied = NULL;
	int ret, amended = 0;

	snprintf(q->title, sizeof q->title, "Review %s", rest);
	if (!meeting || !id_ok(meeting))
		return web_fail(q, 400, "Review", "Open the analysis form from a meeting's "
				"agenda (the address needs ?meeting=ID).");
	ret = cases_show(q->r, rest, CASE_VIEW_ANON, &view);
	if (ret)
		return web_fail(q, web_status_of(ret), "Review", q->r->e.msg);
	if (!strcmp(q->method, "POST")) {
		const char *op = web_form_get(q->form, "op");
		int offer = op && !strcmp(op, "offer");

		posted = web_form_json(q, &form_review, &errs);
		if (!posted) {
			ret = CDOP_ERR_NOMEM;
			goto out;
		}
		ret = offer ? CDOP_OK : reviews_record(q->r, rest, meeting, posted, &amended);
		if (!ret && !offer) {
			snprintf(q->location, sizeof q->location, "/meetings/%s", meeting);
			snprintf(q->flash, sizeof q->flash, "Review of %s %s.", rest,
				 amended ? "amended" : "recorded");
			goto out;
		}
		if (ret) {
			web_errors_from_msg(q->r->e.msg, &errs, other, sizeof other);
			q->status = web_status_of(ret);
		}
		implied = reviews_implied_modifiable(posted);
		/* Offered: preselected when not chosen yet, and on "Offer from
		 * the scores" in place of a choice the scores contradict. A
		 * contradiction posted for saving stays, with its error. */
		if (implied && (!json_is_string(json_object_get(posted, "modifiable")) ||
				(offer && !modifiable_fits(implied, posted))))
			json_object_set_new(posted, "modifiable", json_string(implied));
		ret = CDOP_OK;
	}
	if (!posted && json_object_get(view, "review"))
		stored = review_at(q, view, meeting);
	values = posted ? posted : stored;
	fputs("<h1>Analysis: ", q->f);
	web_h(q->f, rest);
	fprintf(q->f, " <span class=\"hint\">meeting %s</span></h1>\n", meeting);
	{
		const json_t *n = json_object_get(view, "notification");

		fputs("<div class=\"card\"><table class=\"kv\"><tr><th>Age band</th><td>", q->f);
		web_h(q->f, js(n, "age_band"));
		fputs("</td></tr><tr><th>Sex</th><td>", q->f);
		web_h(q->f, web_code_label(&codes_sex, js(n, "child.sex")));
		fputs("</td></tr><tr><th>Month of death</th><td>", q->f);
		web_h(q->f, js(n, "death.month"));
		fputs("</td></tr><tr><th>Place</th><td>", q->f);
		web_h(q->f, web_code_label(&codes_place, js(n, "death.place")));
		fputs("</td></tr><tr><th>Expected</th><td>", q->f);
		web_h(q->f, web_code_label(&codes_expected, js(n, "death.expected")));
		fputs("</td></tr>", q->f);
		if (js(view, "panel_summary") || js(n, "panel_summary")) {
			fputs("<tr><th>Summary for the panel</th><td>", q->f);
			web_h(q->f, js(n, "panel_summary"));
			fputs("</td></tr>", q->f);
		}
		fprintf(q->f, "</table><p><a href=\"/cases/%s\">The whole anonymised case"
			"</a></p></div>\n", rest);
	}
	web_error_summary(q, &form_review, &errs, other);
	if (implied) {
		fputs("<p class=\"flash\">From the domain scores given, modifiable factors: "
		      "<strong>", q->f);
		web_h(q->f, web_code_label(&codes_modifiable, implied));
		fputs("</strong>.</p>\n", q->f);
	}
	snprintf(action, sizeof action, "/reviews/%s?meeting=%s", rest, meeting);
	fputs("<form method=\"post\" action=\"", q->f);
	web_h(q->f, action);
	fputs("\" novalidate>", q->f);
	web_csrf_input(q);
	fputs("<p class=\"hint\">Modifiable factors are <em>yes</em> exactly when some "
	      "domain scores 2; otherwise <em>no</em>, or <em>insufficient information</em> "
	      "only when some domain scores 0.</p>", q->f);
	web_form_fields(q, &form_review, values, &errs, NULL);
	fputs("<div class=\"actions\"><button>Save the review</button>"
	      "<button class=\"secondary\" name=\"op\" value=\"offer\">Offer "
	      "modifiable from the scores</button></div></form>\n"
	      "<script src=\"/review.js\" defer></script>\n", q->f);
out:
	form_errors_release(&errs);
	json_decref(posted);
	json_decref(stored);
	json_decref(view);
	return ret;
}

/* ---- /actions ---- */

#define ACTIONS_ROWS 200

int page_actions(struct web_req *q, const char *rest)
{
	json_t *list = NULL, *row;
	char err[REG_ERR_MAX] = "", today[11];
	const char *all_arg = web_arg(q, "all");
	int all = all_arg && !strcmp(all_arg, "1");
	size_t i, hidden = 0, total = 0;
	int ret;

	(void)rest;
	snprintf(q->title, sizeof q->title, "Recommendations");
	if (!strcmp(q->method, "POST")) {
		char on[64];
		const char *o = web_form_get(q->form, "on");

		/* As `action done`: --on defaults to today. */
		web_date_input(q, o && *o ? o : "today", on, sizeof on);
		ret = actions_done(q->r, web_form_get(q->form, "id"), on);
		if (!ret) {
			snprintf(q->location, sizeof q->location, "/actions");
			snprintf(q->flash, sizeof q->flash, "Recommendation marked done.");
			return 0;
		}
		snprintf(err, sizeof err, "%s", q->r->e.msg);
		q->status = web_status_of(ret);
	}
	reg_today(q->r, today);
	/* Open ones first (the library's order is by due date): the done
	 * ones only with ?all=1, and at most ACTIONS_ROWS rows. */
	ret = actions_list_top(q->r, all, ACTIONS_ROWS, &list, &total);
	if (ret)
		return web_fail(q, web_status_of(ret), "Recommendations", q->r->e.msg);
	hidden = total - json_array_size(list);
	fputs("<h1>Recommendations</h1>\n", q->f);
	if (*err)
		web_error_box(q, err);
	if (!total)
		fputs("<p class=\"empty\">No recommendation has been made.</p>\n", q->f);
	else
		fputs("<table><thead><tr><th>Case</th><th>Recommendation</th><th>Owner</th>"
		      "<th>Due</th><th>State</th><th></th></tr></thead><tbody>\n", q->f);
	json_array_foreach(list, i, row) {
		long long id = (long long)json_integer_value(json_object_get(row, "id"));
		long left = 0;

		fputs("<tr><td>", q->f);
		web_case_link(q->f, js(row, "ref"));
		fputs("</td><td>", q->f);
		web_h(q->f, js(row, "text"));
		fputs("</td><td>", q->f);
		web_h(q->f, web_code_label(&codes_agency, js(row, "owner")));
		fputs("</td><td>", q->f);
		web_date(q->f, js(row, "due"));
		fputs("</td><td>", q->f);
		if (js(row, "done_on")) {
			fputs("<span class=\"done\">done ", q->f);
			web_date(q->f, js(row, "done_on"));
			fputs("</span></td><td>", q->f);
		} else {
			if (!web_days_between(today, js(row, "due"), &left))
				web_due_words(q->f, left, 0);
			fprintf(q->f, "</td><td><form method=\"post\" action=\"/actions\" "
				"class=\"inline\"><input type=\"hidden\" name=\"id\" value=\"%lld\">",
				id);
			web_csrf_input(q);
			fputs("<button class=\"secondary\">Mark done today</button></form>", q->f);
		}
		fputs("</td></tr>\n", q->f);
	}
	if (total)
		fputs("</tbody></table>\n", q->f);
	if (hidden)
		fprintf(q->f, "<p class=\"hint\">%zu more not shown%s.</p>\n", hidden,
			all ? "" : " (done, or beyond the first 200): "
			"<a href=\"/actions?all=1\">include those done</a>");
	json_decref(list);
	return 0;
}
