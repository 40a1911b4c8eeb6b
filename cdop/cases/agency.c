#include "cdop/cases/cases.h"
#include "cdop/cases/cases_int.h"
#include "cdop/store/store.h"
#include "crypto/secure.h"
#include "forms/codes.h"
#include "forms/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What is stored for one agency and case. */
struct stored {
	int found;
	char requested[DATE_BUFLEN], due[DATE_BUFLEN], received[DATE_BUFLEN];
	char *form; /* JSON text or NULL; wiped when released */
};

static void stored_release(struct stored *s)
{
	if (s->form) {
		secure_wipe(s->form, strlen(s->form));
		free(s->form);
	}
	memset(s, 0, sizeof *s);
}

static void copy_col(struct db_stmt *q, int col, char out[DATE_BUFLEN])
{
	snprintf(out, DATE_BUFLEN, "%s", db_column_is_null(q, col) ? "" :
		 db_column_text(q, col));
}

static int load_report(struct reg *r, int64_t case_id, const char *agency,
		       struct stored *s)
{
	static const char sql[] =
		"SELECT requested, due, received, form FROM agency_reports "
		"WHERE case_id = :case AND agency = :agency";
	struct db_stmt q = DB_STMT_INIT;
	int ret, nomem = 0;

	memset(s, 0, sizeof *s);
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":case", case_id);
	db_bind_text(&q, ":agency", agency);
	if (db_step(&q) == DB_ROW) {
		s->found = 1;
		copy_col(&q, 0, s->requested);
		copy_col(&q, 1, s->due);
		copy_col(&q, 2, s->received);
		/* Sealed under K_id (keys by role). */
		nomem = cases_open_sealed(r, &q, 3, "agency_reports.form", agency,
					  case_id, &s->form);
	}
	ret = db_finalize(&q);
	if (!ret && nomem)
		ret = nomem;
	return ret;
}

/* One of the report's values, old and new, for the audit trail and case
 * history (history.c); "" or NULL is none. The form (free text, names)
 * is identifiable: sealed. */
static void change_report(struct change_log *c, const char *agency, const char *what,
			  const char *old, const char *new_, int form)
{
	char path[64];
	json_t *a, *b;

	old = old && *old ? old : NULL;
	new_ = new_ && *new_ ? new_ : NULL;
	if ((!old && !new_) || (old && new_ && !strcmp(old, new_)))
		return;
	snprintf(path, sizeof path, "agency_reports.%s.%s", agency, what);
	a = !old ? NULL : form ? json_loads(old, 0, NULL) : json_string(old);
	b = !new_ ? NULL : form ? json_loads(new_, 0, NULL) : json_string(new_);
	if ((old && !a) || (new_ && !b))
		c->oom = 1;
	else
		change_add(c, path, a, b, form);
	json_decref(a);
	json_decref(b);
}

static int death_date_of(struct reg *r, int64_t case_id, struct cdate *out)
{
	static const char sql[] = "SELECT death_date FROM cases WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	char death[32] = "";
	int ret;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", case_id);
	if (db_step(&q) == DB_ROW)
		snprintf(death, sizeof death, "%s", db_column_text(&q, 0));
	ret = db_finalize(&q);
	if (ret)
		return ret;
	if (!death[0])
		return CDOP_ERR_INTERNAL; /* the caller found the case */
	if (date_parse(death, out))
		return reg_fail(r, CDOP_ERR_DAMAGED, "stored death date '%s' is not a date",
				death);
	return CDOP_OK;
}

static int agency_check(struct reg *r, const char *agency)
{
	char valid[320];

	if (agency && code_list_find(&codes_agency, agency))
		return CDOP_OK;
	code_list_join(&codes_agency, valid, sizeof valid);
	return reg_fail_field(r, CDOP_ERR_INPUT, "agency", "'%s' is not an agency code; "
			"valid: %s", agency ? agency : "", valid);
}

/* Members are added only when given; a NULL or "" value is left out. */
static int put(json_t *obj, const char *key, const char *v)
{
	return v && *v ? json_object_set_new(obj, key, json_string(v)) : 0;
}

/* Validates a report with form_agency_report against today. */
static int report_check(struct reg *r, const json_t *obj)
{
	struct form_errors errs = FORM_ERRORS_INIT;
	struct cdate today;
	int ret = reg_today_date(r, &today, NULL);

	if (!ret) {
		ret = form_validate(&form_agency_report, obj, &today, &errs);
		if (ret == FORM_EINVALID)
			ret = rr_form_invalid(r, &errs);
		else if (ret)
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	form_errors_release(&errs);
	return ret;
}

/* A date member as stored: validated, then trimmed as form_normalise does. */
static int trimmed(struct reg *r, const json_t *obj, const char *key, char out[DATE_BUFLEN])
{
	json_t *n = form_normalise(&form_agency_report, obj);
	const char *v = json_string_value(json_object_get(n, key));

	snprintf(out, DATE_BUFLEN, "%s", v ? v : "");
	json_decref(n);
	return n ? CDOP_OK : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
}

/* ---- agency request ------------------------------------------------------------- */

int agency_request(struct reg *r, const char *ref, const char *agency, const char *due,
		   struct agency_request_result *res)
{
	return agency_request_on(r, ref, agency, NULL, due, res);
}

int agency_request_on(struct reg *r, const char *ref, const char *agency,
		      const char *on, const char *due_in, struct agency_request_result *res)
{
	struct stored s = { 0, "", "", "", NULL };
	struct change_log log;
	struct case_writer w;
	struct cdate today, d, death;
	char t[DATE_BUFLEN], due_iso[DATE_BUFLEN];
	const char *due = due_in;
	json_t *obj = NULL;
	int64_t id;
	int ret;

	memset(res, 0, sizeof *res);
	ret = agency_check(r, agency);
	if (!ret)
		ret = reg_today_date(r, &today, t);
	/* Late data entry: the request was made on ON, and its clock runs from then. */
	if (!ret && on)
		ret = reg_date_input(r, "on", on, t);
	if (!ret && on && date_parse(t, &today) == DATE_OK) {
		struct cdate real;

		ret = reg_today_date(r, &real, NULL);
		if (!ret && date_compare(&today, &real) > 0)
			ret = reg_fail_field(r, CDOP_ERR_INPUT, "on", "%s is in the future: "
					     "record a request once it is made", t);
	}
	if (!ret && due && *due && date_parse(due, &d) != DATE_OK) {
		ret = reg_date_input(r, "due", due, due_iso);
		due = due_iso;
	}
	if (!ret)
		ret = db_begin(r);
	if (ret)
		return ret;
	change_log_init(&log);
	ret = cases_find(r, ref, &id, NULL);
	if (!ret && on)
		ret = death_date_of(r, id, &death);
	if (!ret && on && date_compare(&today, &death) < 0)
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "on", "%s is before the death: "
				     "a report is requested after it", t);
	if (!ret)
		ret = load_report(r, id, agency, &s);
	if (ret)
		goto out;
	if (s.received[0]) {
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s: the %s report was received "
			       "on %s, so there is nothing to request; to correct the "
			       "date use 'cdop agency receive'", ref, agency, s.received);
		goto out;
	}
	res->again = s.found && s.requested[0];
	snprintf(res->requested, sizeof res->requested, "%s", res->again ? s.requested : t);
	snprintf(res->old_due, sizeof res->old_due, "%s", s.due);
	d = date_add_days(&today, AGENCY_DEFAULT_DAYS);
	date_format(&d, res->due);
	obj = json_object();
	if (!obj || json_object_set_new(obj, "agency", json_string(agency)) ||
	    put(obj, "requested", res->requested) || put(obj, "due", due ? due : res->due)) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = report_check(r, obj);
	if (!ret)
		ret = trimmed(r, obj, "due", res->due);
	if (ret)
		goto out;
	if (!res->due[0]) { /* a blank due date: the default */
		d = date_add_days(&today, AGENCY_DEFAULT_DAYS);
		date_format(&d, res->due);
	}
	ret = case_writer_init(&w, r);
	if (!ret)
		ret = case_writer_agency(&w, id, agency, res->requested, res->due,
					 NULL, s.form);
	case_writer_release(&w);
	change_report(&log, agency, "requested", s.requested, res->requested, 0);
	change_report(&log, agency, "due", s.due, res->due, 0);
out:
	ret = cases_commit_changes(r, ret, "agency_request", ref, &log);
	json_decref(obj);
	stored_release(&s);
	return ret;
}

/* ---- agency receive ------------------------------------------------------------- */

int agency_receive(struct reg *r, const char *ref, const char *agency, const char *on,
		   const json_t *form, struct agency_receive_result *res)
{
	struct agency_receive_opts o = { form, NULL, NULL, 0 };

	return agency_receive_with(r, ref, agency, on, &o, res);
}

int agency_receive_with(struct reg *r, const char *ref, const char *agency, const char *on,
			const struct agency_receive_opts *opts,
			struct agency_receive_result *res)
{
	struct agency_files files = AGENCY_FILES_INIT;
	json_t *opened = NULL;
	const json_t *form = opts->form;
	struct stored s = { 0, "", "", "", NULL };
	struct change_log log = { NULL, NULL, 0 };
	struct case_writer w;
	struct cdate death, got;
	char detail[96] = "", day[DATE_BUFLEN] = "";
	json_t *obj = json_object();
	char *text = NULL;
	int64_t id;
	int ret, began = 0;

	memset(res, 0, sizeof *res);
	ret = agency_check(r, agency);
	/* Sealed form and documents are read, verified and checked before
	 * anything is written. */
	if (!ret && opts->sealed_form) {
		ret = agency_form_open(r, agency, opts->sealed_form, &opened);
		form = opened;
	}
	if (!ret)
		ret = agency_files_read(r, opts->attach, opts->nattach, &files);
	/* typed day first, or today: ISO; anything else is for the form to refuse */
	if (!ret && on && *on && date_parse(on, &got) != DATE_OK &&
	    date_input_parse(on, NULL, &got) == DATE_OK) {
		date_format(&got, day);
		on = day;
	} else if (!ret && on && !strcmp(on, "today")) {
		ret = reg_date_input(r, "on", on, day);
		on = day;
	}
	if (ret)
		goto out;
	if (!obj || json_object_set_new(obj, "agency", json_string(agency)) ||
	    put(obj, "requested", on) || put(obj, "received", on) ||
	    (form && json_object_set(obj, "form", (json_t *)form))) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = report_check(r, obj);
	if (!ret)
		ret = trimmed(r, obj, "received", day);
	on = day;
	if (!ret)
		ret = db_begin(r);
	if (ret)
		goto out;
	began = 1;
	change_log_init(&log);
	ret = cases_find(r, ref, &id, NULL);
	if (!ret)
		ret = load_report(r, id, agency, &s);
	if (!ret)
		ret = death_date_of(r, id, &death);
	if (ret)
		goto out;
	res->unrequested = !s.requested[0];
	res->again = s.received[0] != 0;
	snprintf(res->requested, sizeof res->requested, "%s",
		 res->unrequested ? on : s.requested);
	/* The stored dates with ON as received: ON against the request. */
	json_object_del(obj, "form");
	if (put(obj, "requested", res->requested) || put(obj, "due", s.due)) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = report_check(r, obj);
	if (ret)
		goto out;
	if (date_parse(on, &got) || date_compare(&got, &death) < 0) {
		char dd[DATE_BUFLEN];

		date_format(&death, dd);
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "on", "%s is before the death (%s); "
			       "a report is received after it", on, dd);
		goto out;
	}
	if (form && !(text = json_dumps(form, JSON_COMPACT))) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = case_writer_init(&w, r);
	if (!ret)
		ret = case_writer_agency(&w, id, agency, res->requested,
					 s.due[0] ? s.due : NULL, on, text ? text : s.form);
	case_writer_release(&w);
	if (!ret && files.n)
		ret = agency_files_store(r, id, agency, on, &files);
	res->attached = files.n;
	change_report(&log, agency, "requested", s.requested, res->requested, 0);
	change_report(&log, agency, "received", s.received, on, 0);
	if (text)
		change_report(&log, agency, "form", s.form, text, 1);
	if (files.n) {
		snprintf(detail, sizeof detail, "%zu", files.n);
		change_note(&log, "attachments", detail);
	}
out:
	if (began)
		ret = cases_commit_changes(r, ret, "agency_receive", ref, &log);
	else
		change_log_release(&log);
	agency_files_release(&files);
	json_decref(opened);
	if (text) {
		secure_wipe(text, strlen(text));
		free(text);
	}
	json_decref(obj);
	stored_release(&s);
	return ret;
}

/* ---- agency due ----------------------------------------------------------------- */

static int due_row(struct reg *r, struct db_stmt *q, void *today, json_t **row)
{
	struct cdate due;

	if (db_column_is_null(q, 3)) {
		*row = json_pack("{s:s, s:s, s:s, s:n, s:s}", "ref", db_column_text(q, 0),
				 "agency", db_column_text(q, 1), "requested",
				 db_column_text(q, 2), "due", "status", "outstanding");
		return CDOP_OK;
	}
	if (date_parse(db_column_text(q, 3), &due))
		return reg_fail(r, CDOP_ERR_DAMAGED, "case %s: stored due date '%s' is not "
				"a date", db_column_text(q, 0), db_column_text(q, 3));
	*row = cases_due_mark(json_pack("{s:s, s:s, s:s, s:s}", "ref", db_column_text(q, 0),
					"agency", db_column_text(q, 1), "requested",
					db_column_text(q, 2), "due", db_column_text(q, 3)),
			      date_days_between(&due, today), 1, "days_overdue", "days_left");
	return CDOP_OK;
}

int agency_due(struct reg *r, json_t **out)
{
	/* Dates are YYYY-MM-DD text, so text order is date order. */
	static const char sql[] =
		"SELECT c.ref, a.agency, a.requested, a.due FROM agency_reports a "
		"JOIN cases c ON c.id = a.case_id "
		"WHERE a.received IS NULL AND a.requested IS NOT NULL "
		"AND c.status NOT IN ('closed', 'transferred') "
		"ORDER BY a.due IS NULL, a.due, a.requested, c.ref, a.agency";
	struct db_stmt q = DB_STMT_INIT;
	struct cdate today;
	int ret = reg_today_date(r, &today, NULL);

	*out = NULL;
	if (ret)
		return ret;
	db_prepare(r, &q, sql);
	return cases_rows(r, &q, due_row, &today, out);
}
