#include "cdop/cases/cases.h"
#include "cdop/cases/cases_int.h"
#include "cdop/store/store.h"
#include "crypto/secure.h"
#include "forms/codes.h"
#include "forms/date.h"
#include "forms/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MINUTES_PER_WEEK (7 * DATE_MINUTES_PER_DAY)
#define TARGET_MAX_MINUTES (52 * MINUTES_PER_WEEK)

/* ---- shared helpers --------------------------------------------------------- */

int rr_form_invalid(struct reg *r, const struct form_errors *errs)
{
	struct form_errors out = FORM_ERRORS_INIT;
	size_t i, j;
	int ret, dup;

	for (i = 0; i < errs->n; i++) {
		const char *path = errs->v[i].path;

		/* Two checks of one member can give the same error twice. */
		for (j = 0, dup = 0; j < out.n && !dup; j++)
			dup = !strcmp(out.v[j].path, path) &&
			      !strcmp(out.v[j].message, errs->v[i].message);
		if (!dup)
			form_errors_add(&out, path, "%s", errs->v[i].message);
	}
	ret = out.oom || errs->oom ? reg_fail(r, CDOP_ERR_NOMEM, "out of memory")
				   : cases_invalid(r, "", &out);
	form_errors_release(&out);
	return ret;
}

int cases_commit(struct reg *r, int ret, const char *action, const char *object,
		 const char *detail)
{
	if (!ret)
		ret = audit_append(r, action, object, detail);
	if (!ret)
		ret = db_commit(r);
	if (ret)
		db_rollback(r);
	return ret;
}

int rr_now_minutes(struct reg *r, long long *now)
{
	struct cdatetime dt;
	int ret;

	memset(&dt, 0, sizeof dt);
	dt.has_time = 1;
	*now = 0;
	ret = reg_today_date(r, &dt.date, NULL);
	if (ret)
		return ret;
	if (r->ss.today) {
		dt.time.h = 23;
		dt.time.m = 59;
	} else {
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		dt.time.h = tm.tm_hour;
		dt.time.m = tm.tm_min;
	}
	*now = date_datetime_minutes(&dt);
	return CDOP_OK;
}

/* A stored DATE or DATETHH:MM in minutes; a date alone is its 23:59. */
static int minutes_of(const char *s, int date_end, long long *out)
{
	struct cdatetime dt;

	if (date_end)
		return date_done_minutes(s, out) ? -1 : 0;
	if (!s || date_datetime_parse(s, &dt))
		return -1;
	*out = date_datetime_minutes(&dt);
	return 0;
}

static const char *status_of(const char *due, const char *done, long long now)
{
	long long d, o;

	if (done)
		return (due && !minutes_of(due, 0, &d) && !minutes_of(done, 1, &o) &&
			o > d) ? "done_late" : "done";
	return (due && !minutes_of(due, 0, &d) && now > d) ? "overdue" : "outstanding";
}

/* ---- targets --------------------------------------------------------------------- */

int rr_duration_parse(const char *s, long *minutes)
{
	long n = 0, unit = 0;
	size_t i;

	for (i = 0; s && s[i] >= '0' && s[i] <= '9' && i < 6; i++)
		n = n * 10 + (s[i] - '0');
	if (!s || i == 0 || !s[i] || s[i + 1])
		return -1;
	switch (s[i]) {
	case 'h': unit = 60; break;
	case 'd': unit = DATE_MINUTES_PER_DAY; break;
	case 'w': unit = MINUTES_PER_WEEK; break;
	default: return -1;
	}
	if (n < 1 || n * unit > TARGET_MAX_MINUTES)
		return -1;
	*minutes = n * unit;
	return 0;
}

void rr_duration_format(long minutes, char out[RR_DURATION_BUFLEN])
{
	if (minutes % MINUTES_PER_WEEK == 0 && minutes >= 2 * MINUTES_PER_WEEK)
		snprintf(out, RR_DURATION_BUFLEN, "%ldw", minutes / MINUTES_PER_WEEK);
	else if (minutes % DATE_MINUTES_PER_DAY == 0 && minutes >= MINUTES_PER_WEEK)
		snprintf(out, RR_DURATION_BUFLEN, "%ldd", minutes / DATE_MINUTES_PER_DAY);
	else if (minutes % 60 == 0)
		snprintf(out, RR_DURATION_BUFLEN, "%ldh", minutes / 60);
	else
		snprintf(out, RR_DURATION_BUFLEN, "%ldm", minutes);
}

static int action_check(struct reg *r, const char *field, const char *action)
{
	char valid[320];

	if (code_list_find(&codes_rr_action, action))
		return CDOP_OK;
	code_list_join(&codes_rr_action, valid, sizeof valid);
	return reg_fail_field(r, CDOP_ERR_INPUT, field, "'%s' is not a rapid-response "
			      "action; valid: %s", action, valid);
}

int rr_targets(struct reg *r, json_t **out)
{
	static const char sql[] = "SELECT minutes FROM rr_targets WHERE action = :action";
	struct db_stmt q = DB_STMT_INIT;
	json_t *list = json_array();
	size_t i;
	int ret, nomem = !list;

	db_prepare(r, &q, sql);
	for (i = 0; !nomem && i < codes_rr_action.n; i++) {
		const struct code *c = &codes_rr_action.codes[i];
		char target[RR_DURATION_BUFLEN], def[RR_DURATION_BUFLEN];
		long minutes = c->value;

		db_bind_text(&q, ":action", c->code);
		if (db_step(&q) == DB_ROW)
			minutes = (long)db_column_int(&q, 0);
		db_reset(&q);
		rr_duration_format(minutes, target);
		rr_duration_format(c->value, def);
		nomem = json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:s}",
			"action", c->code, "target", target, "minutes", (json_int_t)minutes,
			"default", def));
	}
	ret = db_finalize(&q);
	if (!ret && nomem)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (ret) {
		json_decref(list);
		list = NULL;
	}
	*out = list;
	return ret;
}

int rr_target_set(struct reg *r, const char *action, const char *duration,
		  char old_text[RR_DURATION_BUFLEN], char new_text[RR_DURATION_BUFLEN])
{
	static const char get[] = "SELECT minutes FROM rr_targets WHERE action = :action";
	static const char upd[] = "UPDATE rr_targets SET minutes = :minutes WHERE action = :action";
	static const char ins[] = "INSERT INTO rr_targets(action, minutes) VALUES (:action, :minutes)";
	struct db_stmt q = DB_STMT_INIT;
	char was[RR_DURATION_BUFLEN], now[RR_DURATION_BUFLEN], detail[2 * RR_DURATION_BUFLEN + 8];
	long minutes = 0, old = codes_rr_target_minutes(action);
	int ret = action_check(r, "type", action);

	if (!ret && rr_duration_parse(duration, &minutes))
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "duration", "'%s' is not a target; write "
			       "a whole number of hours, days or weeks after the death, "
			       "e.g. 72h, 7d or 12w (at most 52w)", duration);
	if (!ret)
		ret = db_begin(r);
	if (ret)
		return ret;
	db_prepare(r, &q, get);
	db_bind_text(&q, ":action", action);
	if (db_step(&q) == DB_ROW)
		old = (long)db_column_int(&q, 0);
	ret = db_finalize(&q);
	if (ret)
		goto out;
	db_prepare(r, &q, upd);
	db_bind_int(&q, ":minutes", minutes);
	db_bind_text(&q, ":action", action);
	db_run(&q);
	ret = db_finalize(&q);
	/* The rows are seeded by the schema; should one be missing, add it. */
	if (!ret && db_changes(r) == 0) {
		db_prepare(r, &q, ins);
		db_bind_int(&q, ":minutes", minutes);
		db_bind_text(&q, ":action", action);
		db_run(&q);
		ret = db_finalize(&q);
	}
out:
	rr_duration_format(old, was);
	rr_duration_format(minutes, now);
	snprintf(detail, sizeof detail, "%s -> %s", was, now);
	ret = cases_commit(r, ret, "rr_target", action, detail);
	if (!ret && old_text)
		memcpy(old_text, was, sizeof was);
	if (!ret && new_text)
		memcpy(new_text, now, sizeof now);
	return ret;
}

/* ---- rr add ------------------------------------------------------------------------ */

/* The action as form_rr_action sees it, validated and normalised. */
static int action_accept(struct reg *r, const char *action, const char *on,
			 const char *by, const char *notes, json_t **out)
{
	struct form_errors errs = FORM_ERRORS_INIT;
	struct cdate today;
	json_t *obj = json_object();
	int ret = obj ? reg_today_date(r, &today, NULL) : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");

	*out = NULL;
	if (!ret && (json_object_set_new(obj, "action", json_string(action)) ||
		     json_object_set_new(obj, "on", json_string(on)) ||
		     (by && json_object_set_new(obj, "by", json_string(by))) ||
		     (notes && json_object_set_new(obj, "notes", json_string(notes)))))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory (or text that is "
			       "not UTF-8 in by or notes)");
	if (!ret) {
		form_dates_iso(&form_rr_action, obj, &today);
		ret = form_validate(&form_rr_action, obj, &today, &errs);
		if (ret == FORM_EINVALID)
			ret = rr_form_invalid(r, &errs);
		else if (ret)
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (!ret && !(*out = form_normalise(&form_rr_action, obj)))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	form_errors_release(&errs);
	json_decref(obj);
	return ret;
}

/* ON (already valid) is not before the death: its date, and its time too
 * when both times are known. */
static int not_before_death(struct reg *r, int64_t case_id, const char *on)
{
	static const char sql[] =
		"SELECT death_date, death_time FROM cases WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	struct cdatetime o, d;
	char death[DATE_DATETIME_BUFLEN] = "";
	int ret;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", case_id);
	if (db_step(&q) == DB_ROW) {
		const char *tod = db_column_is_null(&q, 1) ? NULL : db_column_text(&q, 1);

		snprintf(death, sizeof death, "%s%s%s", db_column_text(&q, 0),
			 tod ? "T" : "", tod ? tod : "");
	}
	ret = db_finalize(&q);
	if (ret)
		return ret;
	if (!death[0])
		return CDOP_ERR_INTERNAL; /* the caller found the case */
	if (date_datetime_parse(death, &d) || date_datetime_parse(on, &o))
		return reg_fail(r, CDOP_ERR_DAMAGED, "stored death date '%s' is not a date",
				death);
	if (date_compare(&o.date, &d.date) < 0 ||
	    (o.has_time && d.has_time && !date_compare(&o.date, &d.date) &&
	     date_datetime_minutes(&o) < date_datetime_minutes(&d)))
		return reg_fail_field(r, CDOP_ERR_INPUT, "on", "%s is before the death (%s); "
				      "an action is done after it", on, death);
	return CDOP_OK;
}

/* 1 if the action is already recorded as done, 0 if not, or an error. */
static int already_done(struct reg *r, int64_t case_id, const char *action)
{
	static const char sql[] =
		"SELECT done_on IS NOT NULL FROM rr_actions "
		"WHERE case_id = :case AND action = :action";
	struct db_stmt q = DB_STMT_INIT;
	int done = 0, ret;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":case", case_id);
	db_bind_text(&q, ":action", action);
	if (db_step(&q) == DB_ROW)
		done = db_column_int(&q, 0) != 0;
	ret = db_finalize(&q);
	return ret ? ret : done;
}

static const char *jtext(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* A value as change_add takes it (NULL: none). */
static json_t *jstr(const char *text)
{
	return text ? json_string(text) : NULL;
}

static void change_text(struct change_log *c, const char *path, const char *old,
			const char *new_, int identifiable)
{
	json_t *a, *b;

	if ((!old && !new_) || (old && new_ && !strcmp(old, new_)))
		return;
	a = jstr(old);
	b = jstr(new_);
	if ((old && !a) || (new_ && !b))
		c->oom = 1;
	else
		change_add(c, path, a, b, identifiable);
	json_decref(a);
	json_decref(b);
}

/* The audit entry of rr add: the action's date, by and notes, old (a
 * correction) and new; by and notes may name people, so they are sealed. */
static int rr_changes(struct reg *r, int64_t case_id, const char *action, const json_t *a,
		      struct change_log *log)
{
	static const char sql[] = "SELECT done_on, NULL, done_by, notes FROM rr_actions "
				  "WHERE case_id = :case AND action = :action";
	struct db_stmt q = DB_STMT_INIT;
	char *by = NULL, *notes = NULL, on[40] = "", path[96];
	int ret = CDOP_OK, fin;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":case", case_id);
	db_bind_text(&q, ":action", action);
	if (db_step(&q) == DB_ROW) {
		if (!db_column_is_null(&q, 0))
			snprintf(on, sizeof on, "%s", db_column_text(&q, 0));
		ret = cases_open_sealed(r, &q, 2, "rr_actions.done_by", action, case_id, &by);
		if (!ret)
			ret = cases_open_sealed(r, &q, 3, "rr_actions.notes", action, case_id,
						&notes);
	}
	fin = db_finalize(&q);
	if (!ret)
		ret = fin;
	snprintf(path, sizeof path, "rapid_response.%s.on", action);
	change_text(log, path, on[0] ? on : NULL, jtext(a, "on"), 0);
	snprintf(path, sizeof path, "rapid_response.%s.by", action);
	change_text(log, path, by, jtext(a, "by"), 1);
	snprintf(path, sizeof path, "rapid_response.%s.notes", action);
	change_text(log, path, notes, jtext(a, "notes"), 1);
	if (by)
		secure_wipe(by, strlen(by));
	if (notes)
		secure_wipe(notes, strlen(notes));
	free(by);
	free(notes);
	return ret;
}

int rr_add(struct reg *r, const char *ref, const char *action, const char *on,
	   const char *by, const char *notes, int *corrected)
{
	struct case_writer w;
	struct change_log log = { NULL, NULL, 0 };
	json_t *a = NULL;
	int64_t id;
	int ret, again = 0;

	*corrected = 0;
	/* The statutory clock recorded like an action (SPEC §3 has no such
	 * action type; `today` shows it until this is done). */
	if (action && !strcmp(action, "notified_ncmd"))
		return cases_ncmd_notified(r, ref, on);
	ret = action_check(r, "action", action ? action : "");
	if (!ret)
		ret = action_accept(r, action, on, by, notes, &a);
	if (!ret)
		ret = db_begin(r);
	if (ret)
		goto out;
	ret = cases_find(r, ref, &id, NULL);
	if (!ret)
		ret = not_before_death(r, id, jtext(a, "on"));
	if (!ret) {
		again = already_done(r, id, action);
		ret = again < 0 ? again : CDOP_OK;
	}
	change_log_init(&log);
	if (!ret)
		ret = rr_changes(r, id, action, a, &log);
	if (!ret) {
		ret = case_writer_init(&w, r);
		if (!ret)
			ret = case_writer_rr_done(&w, id, action, jtext(a, "on"),
						  jtext(a, "by"), jtext(a, "notes"));
		case_writer_release(&w);
	}
	/* The detail names the action and its date; by and notes may name
	 * people: sealed (change_add). */
	change_note(&log, "action", action);
	ret = cases_commit_changes(r, ret, again ? "rr_correct" : "rr_add", ref, &log);
	if (!ret)
		*corrected = again;
out:
	json_decref(a);
	return ret;
}

/* ---- rr list, rr due ---------------------------------------------------------------- */

static json_t *text_or_null(struct db_stmt *q, int col)
{
	return db_column_is_null(q, col) ? json_null() : json_string(db_column_text(q, col));
}

static json_t *opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int list_row(struct reg *r, struct db_stmt *q, void *now, json_t **row)
{
	const char *due = db_column_is_null(q, 1) ? NULL : db_column_text(q, 1);
	const char *done = db_column_is_null(q, 2) ? NULL : db_column_text(q, 2);
	const char *action = db_column_text(q, 0);
	int64_t id = db_column_int(q, 5);
	char *by = NULL, *notes = NULL;
	int ret = cases_open_sealed(r, q, 3, "rr_actions.done_by", action, id, &by);

	if (!ret)
		ret = cases_open_sealed(r, q, 4, "rr_actions.notes", action, id, &notes);
	if (!ret)
		*row = json_pack("{s:s, s:o, s:o, s:o, s:o, s:s}", "action", action,
				 "due", text_or_null(q, 1), "on", text_or_null(q, 2),
				 "by", opt_string(by), "notes", opt_string(notes),
				 "status", status_of(due, done, *(long long *)now));
	free(by);
	free(notes);
	return ret;
}

int rr_list(struct reg *r, const char *ref, json_t **out)
{
	static const char sql[] =
		"SELECT action, due_at, done_on, done_by, notes, case_id FROM rr_actions "
		"WHERE case_id = :id ORDER BY due_at IS NULL, due_at, action";
	struct db_stmt q = DB_STMT_INIT;
	long long now = 0;
	char detail[32];
	int64_t id;
	int ret;

	*out = NULL;
	ret = rr_now_minutes(r, &now);
	if (!ret)
		ret = cases_find(r, ref, &id, NULL);
	if (ret)
		return ret;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	ret = cases_rows(r, &q, list_row, &now, out);
	/* Names (by, notes) are shown: recorded before they are. */
	if (!ret) {
		snprintf(detail, sizeof detail, "%zu actions", json_array_size(*out));
		ret = audit_record(r, "rr_list", ref, detail);
	}
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
	return ret;
}

json_t *cases_due_mark(json_t *row, long long late_by, long long per,
		       const char *over_key, const char *left_key)
{
	int late = late_by > 0;

	if (row && (json_object_set_new(row, "status", json_string(late ? "overdue" :
								     "outstanding")) ||
		    json_object_set_new(row, late ? over_key : left_key,
					json_integer((late ? late_by : -late_by) / per)))) {
		json_decref(row);
		row = NULL;
	}
	return row;
}

static int due_row(struct reg *r, struct db_stmt *q, void *now, json_t **row)
{
	const char *due = db_column_text(q, 2);
	long long d = 0;

	if (minutes_of(due, 0, &d))
		return reg_fail(r, CDOP_ERR_DAMAGED, "case %s: stored due time '%s' of %s "
				"is not a date and time", db_column_text(q, 0), due,
				db_column_text(q, 1));
	*row = cases_due_mark(json_pack("{s:s, s:s, s:s}", "ref", db_column_text(q, 0),
					"action", db_column_text(q, 1), "due", due),
			      *(long long *)now - d, 60, "overdue_hours", "hours_left");
	return CDOP_OK;
}

int rr_due(struct reg *r, json_t **out)
{
	/* Due times are YYYY-MM-DDTHH:MM text, so text order is time order. */
	static const char sql[] =
		"SELECT c.ref, a.action, a.due_at FROM rr_actions a "
		"JOIN cases c ON c.id = a.case_id "
		"WHERE a.done_on IS NULL AND a.due_at IS NOT NULL "
		"AND c.status NOT IN ('closed', 'transferred') "
		"ORDER BY a.due_at, c.ref, a.action";
	struct db_stmt q = DB_STMT_INIT;
	long long now = 0;
	int ret = rr_now_minutes(r, &now);

	*out = NULL;
	if (ret)
		return ret;
	db_prepare(r, &q, sql);
	return cases_rows(r, &q, due_row, &now, out);
}
