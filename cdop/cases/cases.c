#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "forms/codes.h"
#include "forms/date.h"
#include "crypto/secure.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cases_invalid(struct reg *r, const char *prefix, const struct form_errors *errs)
{
	char buf[REG_ERR_MAX - 64];

	/* One error a line, each naming its field: the front end words each. */
	form_errors_format(errs, 8, buf, sizeof buf);
	return reg_fail(r, CDOP_ERR_INPUT, "%s%s", prefix ? prefix : "", buf);
}

static int today_of(struct reg *r, struct cdate *d)
{
	char t[11];

	reg_today(r, t);
	if (date_parse(t, d))
		return reg_fail(r, CDOP_ERR_INPUT, "CDOP_TODAY: '%s' is not a date "
				"(YYYY-MM-DD)", t);
	return CDOP_OK;
}

static const char *jstr(const json_t *obj, const char *path)
{
	const json_t *v = form_json_get(obj, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- the writer ---------------------------------------------------------- */

int case_writer_init(struct case_writer *w, struct reg *r)
{
	static const char ref_get[] = "SELECT last FROM case_refs WHERE year = :year";
	static const char ref_set[] =
		"INSERT OR REPLACE INTO case_refs(year, last) VALUES (:year, :last)";
	/* Same NHS number; or same surname, birth and death unless both carry
	 * NHS numbers that differ (twins are two children). */
	static const char dup[] =
		"SELECT ref, nhs_number = :nhs FROM cases WHERE (nhs_number = :nhs "
		"OR (surname_key = :surname AND date_of_birth = :dob AND "
		"death_date = :dod AND (nhs_number IS NULL OR :nhs IS NULL))) "
		"AND id != :self LIMIT 1";
	static const char ins_case[] =
		"INSERT INTO cases(ref, status, notification, nhs_number, surname_key, "
		"date_of_birth, death_date, death_time, notified_date, expected, "
		"resident, sex, ethnicity, place, created_at, updated_at) VALUES "
		"(:ref, :status, :json, :nhs, :surname, :dob, :dod, :tod, :notified, "
		":expected, :resident, :sex, :ethnicity, :place, :now, :now)";
	static const char targets[] = "SELECT action, minutes FROM rr_targets ORDER BY minutes, action";
	static const char ins_rr[] =
		"INSERT OR IGNORE INTO rr_actions(case_id, action, due_at) "
		"VALUES (:case, :action, :due)";
	/* SQLite 3.15 has no UPSERT: update, and insert when nothing changed. */
	static const char done_rr[] =
		"UPDATE rr_actions SET done_on = :on, done_by = :by, notes = :notes "
		"WHERE case_id = :case AND action = :action";
	/* No OR REPLACE: with foreign keys on, it makes every insert keep a
	 * statement journal, i.e. encrypt each page it touches once more. */
	static const char ins_agency[] =
		"INSERT INTO agency_reports(case_id, agency, requested, due, "
		"received, form) VALUES (:case, :agency, :requested, :due, :received, :form)";
	static const char upd_agency[] =
		"UPDATE agency_reports SET requested = :requested, due = :due, "
		"received = :received, form = :form WHERE case_id = :case AND agency = :agency";
	int ret;

	memset(w, 0, sizeof *w);
	w->r = r;
	reg_now(w->now);
	ret = db_prepare(r, &w->ref_get, ref_get);
	if (!ret)
		ret = db_prepare(r, &w->ref_set, ref_set);
	if (!ret)
		ret = db_prepare(r, &w->dup, dup);
	if (!ret)
		ret = db_prepare(r, &w->ins_case, ins_case);
	if (!ret)
		ret = db_prepare(r, &w->targets, targets);
	if (!ret)
		ret = db_prepare(r, &w->ins_rr, ins_rr);
	if (!ret)
		ret = db_prepare(r, &w->ins_agency, ins_agency);
	if (!ret)
		ret = db_prepare(r, &w->upd_agency, upd_agency);
	if (!ret)
		ret = db_prepare(r, &w->done_rr, done_rr);
	return ret;
}

void case_writer_release(struct case_writer *w)
{
	db_finalize(&w->ref_get);
	db_finalize(&w->ref_set);
	db_finalize(&w->dup);
	db_finalize(&w->ins_case);
	db_finalize(&w->targets);
	db_finalize(&w->ins_rr);
	db_finalize(&w->done_rr);
	db_finalize(&w->ins_agency);
	db_finalize(&w->upd_agency);
}

static int step_done(struct db_stmt *q)
{
	int ret = db_step(q);

	db_reset(q);
	return ret == DB_DONE ? CDOP_OK : ret < 0 ? ret : CDOP_ERR_INTERNAL;
}

/* CDOP-YYYY-NNNN: year of notification, running number within it. */
static int next_ref(struct case_writer *w, int year, char ref[CASE_REF_MAX])
{
	int64_t last = 0;
	int ret = db_bind_int(&w->ref_get, ":year", year);

	if (!ret && (ret = db_step(&w->ref_get)) == DB_ROW)
		last = db_column_int(&w->ref_get, 0);
	db_reset(&w->ref_get);
	if (ret < 0)
		return ret;
	last++;
	ret = db_bind_int(&w->ref_set, ":year", year);
	if (!ret)
		ret = db_bind_int(&w->ref_set, ":last", last);
	if (!ret)
		ret = step_done(&w->ref_set);
	snprintf(ref, CASE_REF_MAX, "CDOP-%04d-%04" PRId64, year, last);
	return ret;
}

static void lower_copy(char *out, size_t outlen, const char *in)
{
	size_t i;

	for (i = 0; in && in[i] && i + 1 < outlen; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
	out[i] = 0;
}

static int check_duplicate(struct case_writer *w, const json_t *n, int64_t self)
{
	char surname[256];
	struct db_stmt *q = &w->dup;
	int ret;

	lower_copy(surname, sizeof surname, jstr(n, "child.surname"));
	ret = db_bind_text(q, ":nhs", jstr(n, "child.nhs_number"));
	if (!ret)
		ret = db_bind_text(q, ":surname", surname);
	if (!ret)
		ret = db_bind_text(q, ":dob", jstr(n, "child.date_of_birth"));
	if (!ret)
		ret = db_bind_text(q, ":dod", jstr(n, "death.date"));
	if (!ret)
		ret = db_bind_int(q, ":self", self);
	if (!ret && (ret = db_step(q)) == DB_ROW) {
		int same_nhs = (int)db_column_int(q, 1);

		ret = reg_fail(w->r, CDOP_ERR_CONFLICT, "duplicate: case %s already "
			       "has %s", db_column_text(q, 0), same_nhs ?
			       "this child.nhs_number" :
			       "this child.surname, child.date_of_birth and death.date");
	} else if (ret == DB_DONE) {
		ret = CDOP_OK;
	}
	db_reset(q);
	return ret;
}

/* The death as minutes since the epoch; no time given counts as 00:00,
 * the earliest it can have been, so targets are never later than due. */
static long long death_minutes(const json_t *n)
{
	struct cdatetime dt;
	char buf[20];
	const char *t = jstr(n, "death.time");

	snprintf(buf, sizeof buf, "%sT%s", jstr(n, "death.date"), t ? t : "00:00");
	if (date_datetime_parse(buf, &dt))
		return 0;
	return date_datetime_minutes(&dt);
}

static int create_rr_actions(struct case_writer *w, int64_t case_id, const json_t *n)
{
	long long death = death_minutes(n);
	int ret = CDOP_OK, step;

	while ((step = db_step(&w->targets)) == DB_ROW) {
		struct cdatetime due = date_datetime_from_minutes(death +
			db_column_int(&w->targets, 1));
		char buf[DATE_DATETIME_BUFLEN];

		date_datetime_format(&due, buf);
		ret = db_bind_int(&w->ins_rr, ":case", case_id);
		if (!ret)
			ret = db_bind_text(&w->ins_rr, ":action",
					   db_column_text(&w->targets, 0));
		if (!ret)
			ret = db_bind_text(&w->ins_rr, ":due", buf);
		if (!ret)
			ret = step_done(&w->ins_rr);
		if (ret)
			break;
	}
	db_reset(&w->targets);
	return ret ? ret : step < 0 ? step : CDOP_OK;
}

static int bind_case_columns(struct db_stmt *q, const json_t *n)
{
	char surname[256];
	const json_t *res = form_json_get(n, "child.resident");
	int ret;

	lower_copy(surname, sizeof surname, jstr(n, "child.surname"));
	ret = db_bind_text(q, ":nhs", jstr(n, "child.nhs_number"));
	if (!ret) ret = db_bind_text(q, ":surname", surname);
	if (!ret) ret = db_bind_text(q, ":dob", jstr(n, "child.date_of_birth"));
	if (!ret) ret = db_bind_text(q, ":dod", jstr(n, "death.date"));
	if (!ret) ret = db_bind_text(q, ":tod", jstr(n, "death.time"));
	if (!ret) ret = db_bind_text(q, ":notified", jstr(n, "notified.date"));
	if (!ret) ret = db_bind_text(q, ":expected", jstr(n, "death.expected"));
	if (!ret)
		ret = json_is_boolean(res) ? db_bind_int(q, ":resident", json_is_true(res))
					   : db_bind_null(q, ":resident");
	if (!ret) ret = db_bind_text(q, ":sex", jstr(n, "child.sex"));
	if (!ret) ret = db_bind_text(q, ":ethnicity", jstr(n, "child.ethnicity"));
	if (!ret) ret = db_bind_text(q, ":place", jstr(n, "death.place"));
	return ret;
}

/* Validates and normalises; *out is the form to store. */
static int notification_accept(struct reg *r, const json_t *in, const char *prefix,
			       json_t **out)
{
	struct form_errors errs = FORM_ERRORS_INIT;
	struct cdate today;
	int ret = today_of(r, &today);

	*out = NULL;
	if (ret)
		return ret;
	ret = form_validate(&form_notification, in, &today, &errs);
	if (ret == FORM_EINVALID)
		ret = cases_invalid(r, prefix, &errs);
	else if (ret)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	form_errors_release(&errs);
	if (ret)
		return ret;
	*out = form_normalise(&form_notification, in);
	return *out ? CDOP_OK : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
}

int case_writer_add(struct case_writer *w, const json_t *notification,
		    const char *status, char ref[CASE_REF_MAX], int64_t *case_id)
{
	struct db_stmt *q = &w->ins_case;
	json_t *n = NULL;
	char *text = NULL;
	int ret, year;

	if (w->validated) {
		n = form_normalise(&form_notification, notification);
		ret = n ? CDOP_OK : reg_fail(w->r, CDOP_ERR_NOMEM, "out of memory");
	} else {
		ret = notification_accept(w->r, notification, "", &n);
	}
	if (!ret)
		ret = check_duplicate(w, n, -1);
	if (ret)
		goto out;
	year = atoi(jstr(n, "notified.date"));
	ret = next_ref(w, year, ref);
	text = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
	if (!ret && !text)
		ret = reg_fail(w->r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret) ret = db_bind_text(q, ":ref", ref);
	if (!ret) ret = db_bind_text(q, ":status", status ? status : "notified");
	if (!ret) ret = db_bind_text(q, ":json", text);
	if (!ret) ret = db_bind_text(q, ":now", w->now);
	if (!ret) ret = bind_case_columns(q, n);
	if (!ret) ret = step_done(q);
	if (ret)
		goto out;
	*case_id = sqlite3_last_insert_rowid(w->r->st.db);
	if (!strcmp(jstr(n, "death.expected"), "unexpected"))
		ret = create_rr_actions(w, *case_id, n);
out:
	if (text) {
		secure_wipe(text, strlen(text));
		free(text);
	}
	json_decref(n);
	return ret;
}

int case_writer_rr_done(struct case_writer *w, int64_t case_id, const char *action,
			const char *on, const char *by, const char *notes)
{
	static const char ins[] =
		"INSERT INTO rr_actions(case_id, action, due_at, done_on, done_by, notes) "
		"VALUES (:case, :action, NULL, :on, :by, :notes)";
	struct db_stmt q = DB_STMT_INIT, *u = &w->done_rr;
	int ret = db_bind_int(u, ":case", case_id);

	if (!ret) ret = db_bind_text(u, ":action", action);
	if (!ret) ret = db_bind_text(u, ":on", on);
	if (!ret) ret = db_bind_text(u, ":by", by);
	if (!ret) ret = db_bind_text(u, ":notes", notes);
	if (!ret) ret = step_done(u);
	if (ret || sqlite3_changes(w->r->st.db) > 0)
		return ret;
	ret = db_prepare(w->r, &q, ins);
	if (!ret) ret = db_bind_int(&q, ":case", case_id);
	if (!ret) ret = db_bind_text(&q, ":action", action);
	if (!ret) ret = db_bind_text(&q, ":on", on);
	if (!ret) ret = db_bind_text(&q, ":by", by);
	if (!ret) ret = db_bind_text(&q, ":notes", notes);
	if (!ret) ret = step_done(&q);
	db_finalize(&q);
	return ret;
}

int case_writer_agency(struct case_writer *w, int64_t case_id, const char *agency,
		       const char *requested, const char *due, const char *received,
		       const char *form)
{
	struct db_stmt *q = &w->upd_agency;
	int ret = CDOP_OK, pass;

	/* SQLite 3.15 has no UPSERT: update, and insert when nothing changed. */
	for (pass = 0; pass < 2 && !ret; pass++) {
		ret = db_bind_int(q, ":case", case_id);
		if (!ret) ret = db_bind_text(q, ":agency", agency);
		if (!ret) ret = db_bind_text(q, ":requested", requested);
		if (!ret) ret = db_bind_text(q, ":due", due);
		if (!ret) ret = db_bind_text(q, ":received", received);
		if (!ret) ret = db_bind_text(q, ":form", form);
		if (!ret) ret = step_done(q);
		if (ret || sqlite3_changes(w->r->st.db) > 0)
			break;
		q = &w->ins_agency;
	}
	return ret;
}

/* ---- single-case operations ----------------------------------------------- */

int cases_find(struct reg *r, const char *ref, int64_t *id, char status[24])
{
	static const char sql[] = "SELECT id, status FROM cases WHERE ref = :ref";
	struct db_stmt q = DB_STMT_INIT;
	int ret = db_prepare(r, &q, sql);

	if (!ret) ret = db_bind_text(&q, ":ref", ref);
	if (!ret) ret = db_step(&q);
	if (ret == DB_ROW) {
		*id = db_column_int(&q, 0);
		if (status)
			snprintf(status, 24, "%s", db_column_text(&q, 1));
		ret = CDOP_OK;
	} else if (ret == DB_DONE) {
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "no case '%s' (references look "
			       "like CDOP-2025-0001; see 'cdop case list')", ref);
	}
	db_finalize(&q);
	return ret;
}

int cases_notify(struct reg *r, const json_t *notification, char ref[CASE_REF_MAX])
{
	struct case_writer w;
	int64_t id;
	int ret = db_begin(r);

	if (ret)
		return ret;
	ret = case_writer_init(&w, r);
	if (!ret)
		ret = case_writer_add(&w, notification, NULL, ref, &id);
	case_writer_release(&w);
	if (!ret)
		ret = audit_append(r, "notify", ref, "");
	if (!ret)
		ret = db_commit(r);
	if (ret)
		db_rollback(r);
	return ret;
}

static int load_notification(struct reg *r, int64_t id, json_t **out)
{
	static const char sql[] = "SELECT notification FROM cases WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	int ret = db_prepare(r, &q, sql);

	*out = NULL;
	if (!ret) ret = db_bind_int(&q, ":id", id);
	if (!ret && (ret = db_step(&q)) == DB_ROW) {
		*out = json_loads(db_column_text(&q, 0), 0, NULL);
		ret = *out ? CDOP_OK : reg_fail(r, CDOP_ERR_DAMAGED, "stored "
						"notification of case %" PRId64 " is not JSON", id);
	} else if (ret == DB_DONE) {
		/* DB_DONE is 0: tell "no row" apart from success explicitly. */
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "no case with id %" PRId64, id);
	}
	db_finalize(&q);
	return ret;
}

/* RFC 7386-style merge: objects merge member by member, null removes. */
static int merge_patch(json_t *target, const json_t *patch)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)patch, key, v) {
		json_t *t = json_object_get(target, key);

		if (json_is_null(v))
			json_object_del(target, key);
		else if (json_is_object(v) && json_is_object(t))
			merge_patch(t, v);
		else if (json_object_set(target, key, v))
			return -1;
	}
	return 0;
}

/* The dotted paths a patch touches, for the audit trail (no values). */
static void patch_paths(const json_t *patch, const char *prefix, char *out, size_t len)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)patch, key, v) {
		char path[128];

		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
		if (json_is_object(v))
			patch_paths(v, path, out, len);
		else if (strlen(out) + strlen(path) + 2 < len)
			snprintf(out + strlen(out), len - strlen(out), "%s%s",
				 *out ? " " : "", path);
	}
}

static int update_row(struct reg *r, int64_t id, const json_t *n)
{
	static const char sql[] =
		"UPDATE cases SET notification = :json, nhs_number = :nhs, "
		"surname_key = :surname, date_of_birth = :dob, death_date = :dod, "
		"death_time = :tod, notified_date = :notified, expected = :expected, "
		"resident = :resident, sex = :sex, ethnicity = :ethnicity, "
		"place = :place, updated_at = :now WHERE id = :id";
	static const char redue[] =
		"DELETE FROM rr_actions WHERE case_id = :id AND done_on IS NULL";
	struct db_stmt q = DB_STMT_INIT;
	char now[21], *text = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
	int ret = text ? db_prepare(r, &q, sql) : CDOP_ERR_NOMEM;

	reg_now(now);
	if (!ret) ret = db_bind_text(&q, ":json", text);
	if (!ret) ret = db_bind_text(&q, ":now", now);
	if (!ret) ret = db_bind_int(&q, ":id", id);
	if (!ret) ret = bind_case_columns(&q, n);
	if (!ret) ret = step_done(&q);
	db_finalize(&q);
	/* Outstanding actions are re-made from the (possibly new) death time. */
	if (!ret) ret = db_prepare(r, &q, redue);
	if (!ret) ret = db_bind_int(&q, ":id", id);
	if (!ret) ret = step_done(&q);
	db_finalize(&q);
	if (text) {
		secure_wipe(text, strlen(text));
		free(text);
	}
	return ret;
}

int cases_update(struct reg *r, const char *ref, const json_t *patch)
{
	struct case_writer w;
	json_t *stored = NULL, *n = NULL;
	char paths[256] = "";
	int64_t id;
	int ret, have_writer = 0;

	if (!json_is_object(patch))
		return reg_fail(r, CDOP_ERR_INPUT, "case update: the JSON must be an "
				"object with some of: child, death, notified");
	ret = db_begin(r);
	if (!ret) ret = cases_find(r, ref, &id, NULL);
	if (!ret) ret = load_notification(r, id, &stored);
	if (!ret && merge_patch(stored, patch))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret) ret = notification_accept(r, stored, "", &n);
	if (!ret) {
		ret = case_writer_init(&w, r);
		have_writer = 1;
	}
	if (!ret) ret = check_duplicate(&w, n, id);
	if (!ret) ret = update_row(r, id, n);
	if (!ret && !strcmp(jstr(n, "death.expected"), "unexpected"))
		ret = create_rr_actions(&w, id, n);
	patch_paths(patch, "", paths, sizeof paths);
	if (!ret) ret = audit_append(r, "update", ref, paths);
	if (have_writer)
		case_writer_release(&w);
	if (!ret) ret = db_commit(r);
	if (ret)
		db_rollback(r);
	json_decref(stored);
	json_decref(n);
	return ret;
}

int cases_set_status(struct reg *r, const char *ref, const char *status)
{
	static const char sql[] =
		"UPDATE cases SET status = :status, updated_at = :now WHERE id = :id";
	static const char resident_sql[] = "SELECT resident FROM cases WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	char have[24], now[21], valid[160];
	int64_t id;
	int ret;

	code_list_join(&codes_case_status, valid, sizeof valid);
	if (!code_list_find(&codes_case_status, status))
		return reg_fail_field(r, CDOP_ERR_INPUT, "status", "'%s' is not a case status; "
				"valid: %s", status, valid);
	if (!strcmp(status, "scheduled") || !strcmp(status, "reviewed"))
		return reg_fail_field(r, CDOP_ERR_INPUT, "status", "a case becomes '%s' through "
				"'cdop %s', not 'case status'", status,
				!strcmp(status, "scheduled") ? "meeting add" : "review");
	ret = db_begin(r);
	if (!ret) ret = cases_find(r, ref, &id, have);
	if (!ret && codes_status_move_check(have, status))
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s is '%s' and cannot move "
			       "to '%s': statuses go notified, gathering, ready, "
			       "scheduled, reviewed, closed (transferred before review)",
			       ref, have, status);
	if (!ret && !strcmp(status, "closed") && strcmp(have, "reviewed"))
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s is '%s': a case is closed "
			       "once it has been reviewed ('cdop review')", ref, have);
	if (!ret && !strcmp(status, "transferred")) {
		ret = db_prepare(r, &q, resident_sql);
		if (!ret) ret = db_bind_int(&q, ":id", id);
		if (!ret && db_step(&q) == DB_ROW && db_column_int(&q, 0) != 0)
			ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s: only a non-resident "
				       "child (child.resident false) is transferred to "
				       "the home CDOP", ref);
		db_finalize(&q);
	}
	reg_now(now);
	if (!ret) ret = db_prepare(r, &q, sql);
	if (!ret) ret = db_bind_text(&q, ":status", status);
	if (!ret) ret = db_bind_text(&q, ":now", now);
	if (!ret) ret = db_bind_int(&q, ":id", id);
	if (!ret) ret = step_done(&q);
	db_finalize(&q);
	if (!ret) {
		char detail[64];

		snprintf(detail, sizeof detail, "%s -> %s", have, status);
		ret = audit_append(r, "status", ref, detail);
	}
	if (!ret) ret = db_commit(r);
	if (ret)
		db_rollback(r);
	return ret;
}
