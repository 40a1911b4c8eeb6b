#include "cdop/cases/cases.h"
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
	int ret = db_prepare(r, &q, sql);

	memset(s, 0, sizeof *s);
	if (!ret) ret = db_bind_int(&q, ":case", case_id);
	if (!ret) ret = db_bind_text(&q, ":agency", agency);
	if (!ret && (ret = db_step(&q)) == DB_ROW) {
		s->found = 1;
		copy_col(&q, 0, s->requested);
		copy_col(&q, 1, s->due);
		copy_col(&q, 2, s->received);
		ret = CDOP_OK;
		if (!db_column_is_null(&q, 3) && !(s->form = strdup(db_column_text(&q, 3))))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	} else if (ret == DB_DONE) {
		ret = CDOP_OK;
	}
	db_finalize(&q);
	return ret;
}

static int death_date_of(struct reg *r, int64_t case_id, struct cdate *out)
{
	static const char sql[] = "SELECT death_date FROM cases WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	int ret = db_prepare(r, &q, sql);

	if (!ret) ret = db_bind_int(&q, ":id", case_id);
	if (!ret && (ret = db_step(&q)) == DB_ROW)
		ret = date_parse(db_column_text(&q, 0), out) ?
			reg_fail(r, CDOP_ERR_DAMAGED, "stored death date '%s' is not a "
				 "date", db_column_text(&q, 0)) : CDOP_OK;
	else if (ret == DB_DONE)
		ret = CDOP_ERR_INTERNAL;
	db_finalize(&q);
	return ret;
}

static int today_date(struct reg *r, struct cdate *d, char out[DATE_BUFLEN])
{
	reg_today(r, out);
	return date_parse(out, d) ? reg_fail(r, CDOP_ERR_INPUT, "CDOP_TODAY: '%s' is "
					      "not a date (YYYY-MM-DD)", out) : CDOP_OK;
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
	char t[DATE_BUFLEN];
	int ret = today_date(r, &today, t);

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
	struct stored s = { 0, "", "", "", NULL };
	struct case_writer w;
	struct cdate today, d;
	char t[DATE_BUFLEN], detail[80];
	json_t *obj = NULL;
	int64_t id;
	int ret, began = 0, writer = 0;

	memset(res, 0, sizeof *res);
	ret = agency_check(r, agency);
	if (!ret) ret = today_date(r, &today, t);
	if (!ret) {
		ret = db_begin(r);
		began = !ret;
	}
	if (!ret) ret = cases_find(r, ref, &id, NULL);
	if (!ret) ret = load_report(r, id, agency, &s);
	if (!ret && s.received[0])
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s: the %s report was received "
			       "on %s, so there is nothing to request; to correct the "
			       "date use 'cdop agency receive'", ref, agency, s.received);
	if (!ret) {
		res->again = s.found && s.requested[0];
		snprintf(res->requested, sizeof res->requested, "%s",
			 res->again ? s.requested : t);
		snprintf(res->old_due, sizeof res->old_due, "%s", s.due);
		d = date_add_days(&today, AGENCY_DEFAULT_DAYS);
		date_format(&d, res->due);
		obj = json_object();
		if (!obj || json_object_set_new(obj, "agency", json_string(agency)) ||
		    put(obj, "requested", res->requested) ||
		    put(obj, "due", due ? due : res->due))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (!ret) ret = report_check(r, obj);
	if (!ret) ret = trimmed(r, obj, "due", res->due);
	if (!ret && !res->due[0]) { /* a blank --due: the default */
		d = date_add_days(&today, AGENCY_DEFAULT_DAYS);
		date_format(&d, res->due);
	}
	if (!ret) {
		ret = case_writer_init(&w, r);
		writer = 1;
	}
	if (!ret)
		ret = case_writer_agency(&w, id, agency, res->requested, res->due,
					 NULL, s.form);
	if (writer)
		case_writer_release(&w);
	if (res->again && res->old_due[0])
		snprintf(detail, sizeof detail, "%s due %s (was %s)", agency, res->due,
			 res->old_due);
	else
		snprintf(detail, sizeof detail, "%s due %s", agency, res->due);
	if (!ret) ret = audit_append(r, "agency_request", ref, detail);
	if (!ret) ret = db_commit(r);
	if (ret && began)
		db_rollback(r);
	json_decref(obj);
	stored_release(&s);
	return ret;
}

/* ---- agency receive ------------------------------------------------------------- */

int agency_receive(struct reg *r, const char *ref, const char *agency, const char *on,
		   const json_t *form, struct agency_receive_result *res)
{
	struct stored s = { 0, "", "", "", NULL };
	struct case_writer w;
	struct cdate death, got;
	char detail[96], day[DATE_BUFLEN] = "";
	json_t *obj = json_object();
	char *text = NULL;
	int64_t id;
	int ret, began = 0, writer = 0;

	memset(res, 0, sizeof *res);
	ret = agency_check(r, agency);
	if (!ret && (!obj || json_object_set_new(obj, "agency", json_string(agency)) ||
		     put(obj, "requested", on) || put(obj, "received", on) ||
		     (form && json_object_set(obj, "form", (json_t *)form))))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret) ret = report_check(r, obj);
	if (!ret) ret = trimmed(r, obj, "received", day);
	on = day;
	if (!ret) {
		ret = db_begin(r);
		began = !ret;
	}
	if (!ret) ret = cases_find(r, ref, &id, NULL);
	if (!ret) ret = load_report(r, id, agency, &s);
	if (!ret) ret = death_date_of(r, id, &death);
	if (!ret) {
		res->unrequested = !s.requested[0];
		res->again = s.received[0] != 0;
		snprintf(res->requested, sizeof res->requested, "%s",
			 res->unrequested ? on : s.requested);
		/* The stored dates with ON as received: ON against the request. */
		json_object_del(obj, "form");
		if (put(obj, "requested", res->requested) || put(obj, "due", s.due))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (!ret) ret = report_check(r, obj);
	if (!ret && (date_parse(on, &got) || date_compare(&got, &death) < 0)) {
		char dd[DATE_BUFLEN];

		date_format(&death, dd);
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "on", "%s is before the death (%s); "
			       "a report is received after it", on, dd);
	}
	if (!ret && form && !(text = json_dumps(form, JSON_COMPACT)))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret) {
		ret = case_writer_init(&w, r);
		writer = 1;
	}
	if (!ret)
		ret = case_writer_agency(&w, id, agency, res->requested,
					 s.due[0] ? s.due : NULL, on, text ? text : s.form);
	if (writer)
		case_writer_release(&w);
	snprintf(detail, sizeof detail, "%s%s%s%s", agency, form ? ", with form" : "",
		 res->again ? ", correction" : "",
		 res->unrequested ? ", no earlier request" : "");
	if (!ret) ret = audit_append(r, "agency_receive", ref, detail);
	if (!ret) ret = db_commit(r);
	if (ret && began)
		db_rollback(r);
	if (text) {
		secure_wipe(text, strlen(text));
		free(text);
	}
	json_decref(obj);
	stored_release(&s);
	return ret;
}

/* ---- agency due ----------------------------------------------------------------- */

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
	struct cdate today, due;
	char t[DATE_BUFLEN];
	json_t *list = json_array();
	int ret = list ? today_date(r, &today, t) : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	int step = DB_DONE;

	*out = NULL;
	if (!ret) ret = db_prepare(r, &q, sql);
	while (!ret && (step = db_step(&q)) == DB_ROW) {
		json_t *row = json_pack("{s:s, s:s, s:s, s:o}", "ref", db_column_text(&q, 0),
					"agency", db_column_text(&q, 1),
					"requested", db_column_text(&q, 2), "due",
					db_column_is_null(&q, 3) ? json_null() :
					json_string(db_column_text(&q, 3)));

		if (row && !db_column_is_null(&q, 3)) {
			long days;

			if (date_parse(db_column_text(&q, 3), &due)) {
				json_decref(row);
				ret = reg_fail(r, CDOP_ERR_DAMAGED, "case %s: stored due date "
					       "'%s' is not a date", db_column_text(&q, 0),
					       db_column_text(&q, 3));
				break;
			}
			days = date_days_between(&due, &today);
			json_object_set_new(row, "status", json_string(days > 0 ? "overdue" :
								      "outstanding"));
			json_object_set_new(row, days > 0 ? "days_overdue" : "days_left",
					    json_integer(days > 0 ? days : -days));
		} else if (row) {
			json_object_set_new(row, "status", json_string("outstanding"));
		}
		if (!row || json_array_append_new(list, row))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (!ret && step < 0)
		ret = step;
	db_finalize(&q);
	if (ret)
		json_decref(list);
	else
		*out = list;
	return ret;
}
