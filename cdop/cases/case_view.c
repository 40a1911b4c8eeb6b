#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "forms/codes.h"
#include "forms/date.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *text_or_null(struct db_stmt *q, int col)
{
	return db_column_is_null(q, col) ? json_null() : json_string(db_column_text(q, col));
}

static void set_if(json_t *obj, const char *key, struct db_stmt *q, int col)
{
	if (!db_column_is_null(q, col))
		json_object_set_new(obj, key, json_string(db_column_text(q, col)));
}

/* Whole hours from the death to when an action was done (date_done_minutes). */
static long hours_after(const char *death_date, const char *death_time, const char *on)
{
	struct cdatetime d;
	long long o;
	char buf[32];

	snprintf(buf, sizeof buf, "%sT%s", death_date, death_time ? death_time : "00:00");
	if (date_datetime_parse(buf, &d) || date_done_minutes(on, &o))
		return -1;
	return (long)((o - date_datetime_minutes(&d)) / 60);
}

int cases_rows(struct reg *r, struct db_stmt *q, cases_row_fn *fn, void *ctx,
	       json_t **out)
{
	json_t *list = json_array(), *row;
	int ret = CDOP_OK, fret;

	while (!ret && db_step(q) == DB_ROW) {
		row = NULL;
		ret = fn(r, q, ctx, &row);
		if (!ret && (!row || json_array_append_new(list, row)))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	fret = db_finalize(q);
	if (!ret)
		ret = fret;
	if (!ret && !list)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (ret) {
		json_decref(list);
		list = NULL;
	}
	*out = list;
	return ret;
}

/* What a view is of and for, for the row functions. */
struct view {
	enum case_view_mode mode;
	const json_t *n; /* the stored notification; NULL without K_id */
	int64_t id;      /* the case */
	char death_date[11], death_time[6];
};

/* The rows of q as the array out[key]. */
static int add_rows(struct reg *r, struct db_stmt *q, cases_row_fn *fn,
		    const struct view *v, json_t *out, const char *key)
{
	json_t *list;
	int ret = cases_rows(r, q, fn, (void *)v, &list);

	if (!ret && json_object_set_new(out, key, list))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	return ret;
}

/* Free text with the child's identifiers taken out (anonymise_text). */
static void set_clean(json_t *obj, const char *key, const char *text, const json_t *n)
{
	char *clean = anonymise_text(text, n);

	json_object_set_new(obj, key, json_string(clean ? clean : ""));
	free(clean);
}

static int rr_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	const struct view *v = ctx;
	int done = !db_column_is_null(q, 2);
	json_t *a = json_pack("{s:s}", "action", db_column_text(q, 0));
	long h;

	(void)r;
	*row = a;
	if (!a)
		return CDOP_OK;
	if (v->mode != CASE_VIEW_ANON) {
		char *by = NULL, *notes = NULL;
		int ret;

		if (v->mode == CASE_VIEW_FULL)
			json_object_set_new(a, "due", text_or_null(q, 1));
		json_object_set_new(a, "on", text_or_null(q, 2));
		ret = cases_open_sealed(r, q, 3, "rr_actions.done_by", db_column_text(q, 0),
					v->id, &by);
		if (!ret)
			ret = cases_open_sealed(r, q, 4, "rr_actions.notes",
						db_column_text(q, 0), v->id, &notes);
		if (by)
			json_object_set_new(a, "by", json_string(by));
		if (notes)
			json_object_set_new(a, "notes", json_string(notes));
		free(by);
		free(notes);
		return ret;
	}
	h = done ? hours_after(v->death_date, v->death_time[0] ? v->death_time : NULL,
			       db_column_text(q, 2)) : -1;
	json_object_set_new(a, "done", json_boolean(done));
	if (done && h >= 0)
		json_object_set_new(a, "hours_after_death", json_integer(h));
	/* The stored due time is the target (SPEC's, or the one configured
	 * when the case was notified); a date alone counts as 23:59, as in
	 * rr list and the annual report. */
	if (done && !db_column_is_null(q, 1))
		json_object_set_new(a, "within_target", json_boolean(
			date_done_by(db_column_text(q, 2), db_column_text(q, 1))));
	/* Notes are the manager's, unchecked: the panel reads panel_summary. */
	return CDOP_OK;
}

static int agency_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	const struct view *v = ctx;
	json_t *a = json_pack("{s:s}", "agency", db_column_text(q, 0));

	(void)r;
	*row = a;
	if (!a)
		return CDOP_OK;
	/* Attachments are counted for everyone, shown to nobody here. */
	if (db_column_int(q, 5) > 0 && v->mode != CASE_VIEW_EXPORT)
		json_object_set_new(a, "attachments", json_integer(db_column_int(q, 5)));
	if (v->mode == CASE_VIEW_ANON) {
		json_object_set_new(a, "received", json_boolean(!db_column_is_null(q, 3)));
		return CDOP_OK;
	}
	set_if(a, "requested", q, 1);
	set_if(a, "due", q, 2);
	set_if(a, "received", q, 3);
	if (!db_column_is_null(q, 4)) {
		char *form = NULL;
		int ret = cases_open_sealed(r, q, 4, "agency_reports.form",
					    db_column_text(q, 0), v->id, &form);

		if (form)
			json_object_set_new(a, "form", json_loads(form, 0, NULL));
		free(form);
		return ret;
	}
	return CDOP_OK;
}

static int recommendation_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	const struct view *v = ctx;
	/* made_on: the meeting that made it, whose record it belongs to. */
	json_t *a = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s}", "id",
			      (json_int_t)db_column_int(q, 0), "text", db_column_text(q, 1),
			      "owner", db_column_text(q, 2), "due", db_column_text(q, 3),
			      "done_on", text_or_null(q, 4), "made_on", db_column_text(q, 5));

	(void)r;
	/* People write names into recommendations as into learning. */
	if (a && v->mode == CASE_VIEW_ANON)
		set_clean(a, "text", db_column_text(q, 1), v->n);
	*row = a;
	return CDOP_OK;
}

static int add_rr(struct reg *r, int64_t id, const struct view *v, json_t *out)
{
	/* An export leaves out actions not done: import makes them again. */
	static const char sql[] =
		"SELECT a.action, a.due_at, a.done_on, a.done_by, a.notes "
		"FROM rr_actions a "
		"WHERE a.case_id = :id AND (:all OR a.done_on IS NOT NULL) "
		"ORDER BY a.due_at IS NULL, a.due_at, a.action";
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	db_bind_int(&q, ":all", v->mode != CASE_VIEW_EXPORT);
	return add_rows(r, &q, rr_row, v, out, "rapid_response");
}

static int add_agency(struct reg *r, int64_t id, const struct view *v, json_t *out)
{
	static const char sql[] =
		"SELECT agency, requested, due, received, form, "
		"(SELECT count(*) FROM agency_attachments t WHERE t.report_id = agency_reports.id) "
		"FROM agency_reports WHERE case_id = :id ORDER BY agency";
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	return add_rows(r, &q, agency_row, v, out, "agency_reports");
}

/* Where the case came from or went to, with the other register's
 * reference; an export line also carries the peer register and the
 * sender's audit summary, as import takes them (SPEC §4). */
static int transfer_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	const struct view *v = ctx;
	json_t *t = json_pack("{s:s, s:s}", "direction", db_column_text(q, 0),
			      "on", db_column_text(q, 3));

	(void)r;
	if (t && !db_column_is_null(q, 1))
		json_object_set_new(t, "their_ref", json_string(db_column_text(q, 1)));
	if (t && v->mode == CASE_VIEW_EXPORT && !db_column_is_null(q, 2))
		json_object_set_new(t, "peer", json_string(db_column_text(q, 2)));
	if (t && v->mode == CASE_VIEW_EXPORT && !db_column_is_null(q, 4))
		json_object_set_new(t, "audit", json_loads(db_column_text(q, 4), 0, NULL));
	*row = t;
	return CDOP_OK;
}

static int add_transfers(struct reg *r, int64_t id, const struct view *v, json_t *out)
{
	static const char sql[] =
		"SELECT direction, their_ref, peer, on_date, summary FROM case_transfers "
		"WHERE case_id = :id ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	json_t *list = NULL;
	int ret;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	ret = cases_rows(r, &q, transfer_row, (void *)v, &list);
	/* Shown only when there is one: most cases never move. */
	if (!ret && json_array_size(list) && json_object_set(out, "transfers", list))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	json_decref(list);
	return ret;
}

/* Issue 11: learning not yet checked for identifiers says so, and texts
 * found to name one are listed to fix ("to_fix": [{field, what}]). */
static int add_text_checks(struct reg *r, int64_t id, json_t *review, json_t *out)
{
	static const char sql[] = "SELECT text_check FROM reviews WHERE case_id = :id";
	struct db_stmt q = DB_STMT_INIT;
	json_t *flags = NULL, *f;
	size_t i;
	int ret;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW && strcmp(db_column_text(&q, 0), "checked"))
		json_object_set_new(review, "text_check", json_string(db_column_text(&q, 0)));
	ret = db_finalize(&q);
	if (!ret)
		ret = idcheck_flagged(r, id, &flags);
	json_array_foreach(flags, i, f)
		json_object_del(f, "ref");
	if (!ret && json_array_size(flags) && json_object_set(out, "to_fix", flags))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	json_decref(flags);
	return ret;
}

static int add_review(struct reg *r, int64_t id, const struct view *v, json_t *out)
{
	static const char sql[] =
		"SELECT form, meeting_date, meeting_id FROM reviews WHERE case_id = :id";
	static const char recs[] =
		"SELECT id, text, owner, due, done_on, made_on FROM recommendations "
		"WHERE case_id = :id ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	json_t *review = NULL, *learning;
	int ret, found = 0;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW) {
		found = 1;
		review = json_loads(db_column_text(&q, 0), 0, NULL);
		json_object_set_new(review, "meeting_date", json_string(db_column_text(&q, 1)));
		if (v->mode != CASE_VIEW_EXPORT)
			json_object_set_new(review, "meeting", json_integer(db_column_int(&q, 2)));
	}
	ret = db_finalize(&q);
	if (!ret && found && !review)
		ret = reg_fail(r, CDOP_ERR_DAMAGED, "stored review is not JSON");
	if (ret || !review)
		return ret;
	learning = json_object_get(review, "learning");
	if (v->mode == CASE_VIEW_ANON && json_is_string(learning))
		set_clean(review, "learning", json_string_value(learning), v->n);
	json_object_set_new(out, "review", review);
	if (v->mode == CASE_VIEW_EXPORT)
		return CDOP_OK;
	ret = add_text_checks(r, id, review, out);
	if (ret)
		return ret;
	db_prepare(r, &q, recs);
	db_bind_int(&q, ":id", id);
	return add_rows(r, &q, recommendation_row, v, out, "recommendations");
}

int case_view(struct reg *r, int64_t id, enum case_view_mode mode, json_t **out)
{
	static const char sql[] =
		"SELECT ref, status, death_date, death_time FROM cases WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	char ref[CASE_REF_MAX] = "", status[24] = "";
	json_t *n = NULL, *obj = NULL, *shown = NULL;
	struct view v;
	int ret;

	*out = NULL;
	memset(&v, 0, sizeof v);
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW) {
		snprintf(ref, sizeof ref, "%s", db_column_text(&q, 0));
		snprintf(status, sizeof status, "%s", db_column_text(&q, 1));
		snprintf(v.death_date, sizeof v.death_date, "%s", db_column_text(&q, 2));
		if (!db_column_is_null(&q, 3))
			snprintf(v.death_time, sizeof v.death_time, "%s", db_column_text(&q, 3));
	}
	ret = db_finalize(&q);
	if (ret)
		goto out;
	if (!ref[0]) {
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "no case with id %" PRId64, id);
		goto out;
	}
	/* Keys by role: the anonymised notification was stored at write time;
	 * the full one is opened only with K_id (and then also scrubs notes). */
	if (mode == CASE_VIEW_ANON) {
		ret = cases_notification_anon(r, id, &shown);
		if (!ret && store_has_id(r))
			ret = cases_notification(r, id, &n);
	} else {
		ret = cases_notification(r, id, &n);
		shown = json_incref(n);
	}
	if (ret)
		goto out;
	obj = json_object();
	if (!obj) {
		json_decref(shown);
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (mode != CASE_VIEW_EXPORT)
		json_object_set_new(obj, "ref", json_string(ref));
	json_object_set_new(obj, "status", json_string(status));
	if (!shown || json_object_set_new(obj, "notification", shown)) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	v.mode = mode;
	v.n = n;
	v.id = id;
	ret = add_rr(r, id, &v, obj);
	if (!ret)
		ret = add_agency(r, id, &v, obj);
	if (!ret)
		ret = add_review(r, id, &v, obj);
	if (!ret && mode != CASE_VIEW_ANON)
		ret = add_transfers(r, id, &v, obj);
out:
	json_decref(n);
	if (ret)
		json_decref(obj);
	else
		*out = obj;
	return ret;
}

int cases_show(struct reg *r, const char *ref, enum case_view_mode mode, json_t **out)
{
	int64_t id;
	int ret = cases_find(r, ref, &id, NULL);

	/* Issue 11: a manager viewing the case checks its texts written
	 * without K_id since (idcheck.c; nothing to do without K_id). */
	if (!ret)
		ret = idcheck_pending(r, id);
	if (!ret)
		ret = case_view(r, id, mode, out);
	if (ret || mode == CASE_VIEW_ANON)
		return ret;
	/* An identifiable view is recorded before it is shown. */
	ret = audit_record(r, "view", ref, "");
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
	return ret;
}

/* A row written before migration 007 and not yet re-sealed: its band from
 * the plaintext notification. */
static const char *legacy_band(struct reg *r, struct db_stmt *q)
{
	static char band[16];
	json_t *n = NULL;

	snprintf(band, sizeof band, "unknown");
	if (db_column_is_null(q, 9) &&
	    !cases_notification_parse(r, db_column_int(q, 10), db_column_text(q, 8), NULL, 0, &n))
		snprintf(band, sizeof band, "%s", anonymise_age_band(n));
	json_decref(n);
	return band;
}

static int list_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **out)
{
	const enum case_view_mode *mode = ctx;
	json_t *n = NULL, *row;
	char month[8];
	int ret;

	*out = NULL;
	if (*mode == CASE_VIEW_ANON) {
		snprintf(month, sizeof month, "%.7s", db_column_text(q, 3));
		row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ref", db_column_text(q, 0),
				"status", db_column_text(q, 1), "age_band",
				db_column_is_null(q, 7) ? legacy_band(r, q) : db_column_text(q, 7),
				"sex", db_column_text(q, 5),
				"death_month", month, "expected", db_column_text(q, 4));
		*out = row;
		return CDOP_OK;
	} else {
		size_t len = 0;
		const void *b = db_column_is_null(q, 9) ? NULL : db_column_blob(q, 9, &len);

		ret = cases_notification_parse(r, db_column_int(q, 10), db_column_text(q, 8),
					       b, len, &n);
		if (ret)
			return ret;
	}
	{
		const json_t *child = json_object_get(n, "child");

		row = json_pack("{s:s, s:s, s:O, s:O, s:O, s:s, s:s, s:s, s:s}",
				"ref", db_column_text(q, 0), "status", db_column_text(q, 1),
				"forename", json_object_get(child, "forename"),
				"surname", json_object_get(child, "surname"),
				"date_of_birth", json_object_get(child, "date_of_birth"),
				"death_date", db_column_text(q, 3),
				"expected", db_column_text(q, 4), "sex", db_column_text(q, 5),
				"notified_date", db_column_text(q, 6));
	}
	json_decref(n);
	*out = row;
	return CDOP_OK;
}

/* The filters as their own WHERE clauses (none, status, year, both), so
 * each can read its index: cases_notified_ref, cases_status. */
#define LIST_W0 ""
#define LIST_W1 "WHERE status = :status "
#define LIST_W2 "WHERE notified_date BETWEEN :first AND :last "
#define LIST_W3 "WHERE status = :status AND notified_date BETWEEN :first AND :last "
#define LIST_EACH(M) { M(LIST_W0), M(LIST_W1), M(LIST_W2), M(LIST_W3) }

/* Checks the filter and prepares in q the one of sql[4] for it, with its
 * status and year bound. */
static int list_filter(struct reg *r, const struct case_filter *f, struct db_stmt *q,
		       const char *const sql[4])
{
	char first[DATE_BUFLEN], last[DATE_BUFLEN];
	int start;

	if (f->year) {
		struct cdate a, b;

		if (date_report_year_parse(f->year, &start))
			return reg_fail_field(r, CDOP_ERR_INPUT, "year", "'%s' is not a reporting "
					"year; write it like 2025-26 (1 April 2025 to 31 "
					"March 2026)", f->year);
		date_report_year_bounds(start, &a, &b);
		date_format(&a, first);
		date_format(&b, last);
	}
	if (f->status && !code_list_find(&codes_case_status, f->status)) {
		char valid[160];

		code_list_join(&codes_case_status, valid, sizeof valid);
		return reg_fail_field(r, CDOP_ERR_INPUT, "status", "'%s' is not a case status; "
				"valid: %s", f->status, valid);
	}
	db_prepare(r, q, sql[(f->status ? 1 : 0) + (f->year ? 2 : 0)]);
	if (f->status)
		db_bind_text(q, ":status", f->status);
	if (f->year) {
		db_bind_text(q, ":first", first);
		db_bind_text(q, ":last", last);
	}
	return CDOP_OK;
}

int cases_list(struct reg *r, const struct case_filter *f, enum case_view_mode mode,
	       json_t **out)
{
	return cases_list_page(r, f, mode, 0, 0, out);
}

int cases_list_page(struct reg *r, const struct case_filter *f, enum case_view_mode mode,
		    size_t offset, size_t limit, json_t **out)
{
	/* The page of cases is chosen first (in the order of the index
	 * cases_notified_ref), then only its notifications are read: CROSS
	 * JOIN keeps that order of the loops (with LIMIT a parameter, the
	 * planner would otherwise read every case and look each up in the
	 * page). */
#define LIST_SQL(w) "SELECT ref, status, NULL, death_date, expected, sex, notified_date, " \
	"age_band, d.json, d.sealed, cases.id FROM (SELECT id FROM cases " w \
	"ORDER BY notified_date, ref LIMIT :limit OFFSET :offset) p " \
	"CROSS JOIN cases ON cases.id = p.id " \
	"CROSS JOIN case_documents d ON d.case_id = cases.id " \
	"ORDER BY notified_date, ref"
	static const char *const sql[4] = LIST_EACH(LIST_SQL);
	struct db_stmt q = DB_STMT_INIT;
	char count[32];
	int ret;

	*out = NULL;
	ret = list_filter(r, f, &q, sql);
	if (ret)
		return ret;
	db_bind_int(&q, ":limit", limit ? (int64_t)limit : -1);
	db_bind_int(&q, ":offset", (int64_t)offset);
	ret = cases_rows(r, &q, list_row, &mode, out);
	if (!ret && mode != CASE_VIEW_ANON) {
		snprintf(count, sizeof count, "%zu cases", json_array_size(*out));
		ret = audit_record(r, "list", f->status ? f->status : "", count);
	}
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
	return ret;
}

int cases_count(struct reg *r, const struct case_filter *f, size_t *n)
{
#define COUNT_SQL(w) "SELECT count(*) FROM cases " w
	static const char *const sql[4] = LIST_EACH(COUNT_SQL);
	struct db_stmt q = DB_STMT_INIT;
	int ret = list_filter(r, f, &q, sql);

	*n = 0;
	if (ret)
		return ret;
	if (db_step(&q) == DB_ROW)
		*n = (size_t)db_column_int(&q, 0);
	return db_finalize(&q);
}
