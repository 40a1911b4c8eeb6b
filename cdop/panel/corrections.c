/*
 * Corrections and the meeting page: meeting show, meeting remove, action
 * reopen. Each change is one transaction with its audit entry.
 */
#include "cdop/panel/panel.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "forms/codes.h"
#include "forms/date.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int agenda_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	(void)r;
	(void)ctx;
	*row = json_pack("{s:s, s:s, s:b}", "ref", db_column_text(q, 0),
			 "status", db_column_text(q, 1), "reviewed_here", db_column_int(q, 2));
	return CDOP_OK;
}

static int attendance_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	(void)r;
	(void)ctx;
	*row = json_pack("{s:s, s:s, s:o}", "name", db_column_text(q, 0),
			 "agency", db_column_text(q, 1), "role", db_column_is_null(q, 2) ?
			 json_null() : json_string(db_column_text(q, 2)));
	return CDOP_OK;
}

int meetings_show(struct reg *r, const char *meeting_arg, json_t **out)
{
	static const char head[] = "SELECT date, chair FROM meetings WHERE id = :m";
	static const char agenda[] =
		"SELECT c.ref, c.status, EXISTS (SELECT 1 FROM reviews v WHERE "
		"v.case_id = c.id AND v.meeting_id = :m) FROM meeting_cases mc "
		"JOIN cases c ON c.id = mc.case_id WHERE mc.meeting_id = :m ORDER BY c.ref";
	static const char attended[] =
		"SELECT name, agency, role FROM attendance WHERE meeting_id = :m ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	json_t *m = NULL, *list = NULL;
	int64_t id;
	int ret;

	*out = NULL;
	ret = meetings_find(r, meeting_arg, &id, NULL);
	if (ret)
		return ret;
	db_prepare(r, &q, head);
	db_bind_int(&q, ":m", id);
	if (db_step(&q) == DB_ROW)
		m = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "date",
			      db_column_text(&q, 0), "chair", db_column_is_null(&q, 1) ?
			      json_null() : json_string(db_column_text(&q, 1)));
	ret = db_finalize(&q);
	if (!ret && !m)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret) {
		db_prepare(r, &q, agenda);
		db_bind_int(&q, ":m", id);
		ret = cases_rows(r, &q, agenda_row, NULL, &list);
		if (!ret && json_object_set_new(m, "cases", list))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (!ret) {
		db_prepare(r, &q, attended);
		db_bind_int(&q, ":m", id);
		ret = cases_rows(r, &q, attendance_row, NULL, &list);
		if (!ret && json_object_set_new(m, "attendance", list))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (ret)
		json_decref(m);
	else
		*out = m;
	return ret;
}

int meetings_remove_case(struct reg *r, const char *meeting_arg, const char *ref)
{
	static const char reviewed_here[] =
		"SELECT 1 FROM reviews WHERE case_id = :c AND meeting_id = :m";
	static const char del[] =
		"DELETE FROM meeting_cases WHERE meeting_id = :m AND case_id = :c";
	static const char elsewhere[] =
		"SELECT (SELECT count(*) FROM meeting_cases WHERE case_id = :c), "
		"(SELECT count(*) FROM reviews WHERE case_id = :c)";
	static const char set[] =
		"UPDATE cases SET status = :s, updated_at = :now WHERE id = :c";
	struct db_stmt q = DB_STMT_INIT;
	struct change_log log;
	char status[24] = "", object[32], now[21];
	const char *back = NULL;
	int64_t meeting, case_id;
	int ret, on, here = 0, others = 0, reviews = 0;

	ret = meetings_find(r, meeting_arg, &meeting, NULL);
	if (!ret)
		ret = db_begin(r);
	if (ret)
		return ret;
	ret = cases_find(r, ref, &case_id, status);
	if (ret)
		goto out;
	on = meetings_has_case(r, meeting, case_id);
	if (on < 0) {
		ret = on;
		goto out;
	}
	if (!on) {
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "case %s is not on meeting %s's agenda",
			       ref, meeting_arg);
		goto out;
	}
	db_prepare(r, &q, reviewed_here);
	db_bind_int(&q, ":c", case_id);
	db_bind_int(&q, ":m", meeting);
	here = db_step(&q) == DB_ROW;
	ret = db_finalize(&q);
	if (!ret && here)
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s was reviewed at meeting %s: "
			       "the review stays with its meeting (amend it at a later one)",
			       ref, meeting_arg);
	if (ret)
		goto out;
	db_prepare(r, &q, del);
	db_bind_int(&q, ":m", meeting);
	db_bind_int(&q, ":c", case_id);
	db_run(&q);
	ret = db_finalize(&q);
	if (!ret) {
		db_prepare(r, &q, elsewhere);
		db_bind_int(&q, ":c", case_id);
		if (db_step(&q) == DB_ROW) {
			others = (int)db_column_int(&q, 0);
			reviews = (int)db_column_int(&q, 1);
		}
		ret = db_finalize(&q);
	}
	/* Off its only agenda, a scheduled case is ready again (or reviewed,
	 * when it had come back to be amended). */
	if (!ret && !strcmp(status, "scheduled") && !others)
		back = reviews ? "reviewed" : "ready";
	if (!ret && back) {
		reg_now(now);
		db_prepare(r, &q, set);
		db_bind_text(&q, ":s", back);
		db_bind_text(&q, ":now", now);
		db_bind_int(&q, ":c", case_id);
		db_run(&q);
		ret = db_finalize(&q);
	}
	/* The trail's change format (history.c): off this meeting's agenda,
	 * and the status it went back to. */
	snprintf(object, sizeof object, "meeting %" PRId64, meeting);
	change_log_init(&log);
	change_note(&log, "meeting", object);
	{
		json_t *m = json_string(object), *o = json_string(status),
			*n = back ? json_string(back) : NULL;

		if (!m || !o || (back && !n))
			log.oom = 1;
		change_add(&log, "agenda", m, NULL, 0);
		if (back)
			change_add(&log, "status", o, n, 0);
		json_decref(m);
		json_decref(o);
		json_decref(n);
	}
	return cases_commit_changes(r, ret, "meeting_remove", ref, &log);
out:
	if (!ret)
		ret = db_commit(r);
	if (ret)
		db_rollback(r);
	return ret;
}

int actions_reopen(struct reg *r, const char *id_arg, const char *reason)
{
	static const char get[] =
		"SELECT a.done_on, c.ref FROM recommendations a "
		"JOIN cases c ON c.id = a.case_id WHERE a.id = :id";
	static const char set[] = "UPDATE recommendations SET done_on = NULL WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	char ref[CASE_REF_MAX] = "", done[DATE_BUFLEN] = "", object[48];
	char *end;
	long long id = strtoll(id_arg, &end, 10);
	struct change_log log;
	json_t *d = NULL;
	int ret, found = 0;

	if (!*id_arg || *end || id <= 0)
		return reg_fail_field(r, CDOP_ERR_INPUT, "id", "'%s' is not an action id (a "
				      "number from 'cdop action list')", id_arg);
	if (!reason || !*reason)
		return reg_fail_field(r, CDOP_ERR_INPUT, "reason", "reopening a recommendation "
				      "is a correction: give the reason");
	ret = db_begin(r);
	if (ret)
		return ret;
	db_prepare(r, &q, get);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW) {
		found = 1;
		snprintf(done, sizeof done, "%s", db_column_is_null(&q, 0) ? "" :
			 db_column_text(&q, 0));
		snprintf(ref, sizeof ref, "%s", db_column_text(&q, 1));
	}
	ret = db_finalize(&q);
	if (!ret && !found)
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "no action %lld (see 'cdop action list')", id);
	else if (!ret && !done[0])
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "action %lld is not done: nothing to reopen",
			       id);
	if (!ret) {
		db_prepare(r, &q, set);
		db_bind_int(&q, ":id", id);
		db_run(&q);
		ret = db_finalize(&q);
	}
	/* Old and new values (history.c): done on DONE, now not done. */
	change_log_init(&log);
	d = json_string(done);
	change_add(&log, "done_on", d, NULL, 0);
	change_note(&log, "ref", ref);
	change_note(&log, "reason", reason);
	snprintf(object, sizeof object, "action %lld", id);
	ret = cases_commit_changes(r, ret, "action_reopen", object, &log);
	json_decref(d);
	return ret;
}
