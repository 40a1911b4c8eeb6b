#include "cdop/panel/panel.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "forms/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int action_row(struct reg *r, struct db_stmt *q, void *today, json_t **row)
{
	int done = !db_column_is_null(q, 4);
	const char *due = db_column_text(q, 3);

	(void)r;
	*row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
		"id", (json_int_t)db_column_int(q, 0), "ref", db_column_text(q, 1),
		"owner", db_column_text(q, 2), "due", due, "made_on",
		db_column_text(q, 6), "status", done ? "done" :
		strcmp(due, today) < 0 ? "overdue" : "open",
		"text", db_column_text(q, 5),
		"done_on", done ? json_string(db_column_text(q, 4)) : json_null());
	return CDOP_OK;
}

int actions_list(struct reg *r, int overdue_only, json_t **out)
{
	static const char sql[] =
		"SELECT a.id, c.ref, a.owner, a.due, a.done_on, a.text, a.made_on "
		"FROM recommendations a JOIN cases c ON c.id = a.case_id "
		"WHERE (:overdue = 0 OR (a.done_on IS NULL AND a.due < :today)) "
		"ORDER BY a.done_on IS NOT NULL, a.due, a.id";
	struct db_stmt q = DB_STMT_INIT;
	struct cdate t;
	char today[DATE_BUFLEN];
	int ret = reg_today_date(r, &t, today);

	*out = NULL;
	if (ret)
		return ret;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":overdue", overdue_only);
	db_bind_text(&q, ":today", today);
	return cases_rows(r, &q, action_row, today, out);
}

int actions_list_top(struct reg *r, int with_done, size_t limit, json_t **out,
		     size_t *total)
{
	/* The page of recommendations is chosen from the index first
	 * (recommendations_open when only open ones are asked for), then
	 * only its rows are joined to their cases (CROSS JOIN: in that order). */
	static const char sql[] =
		"SELECT a.id, c.ref, a.owner, a.due, a.done_on, a.text, a.made_on "
		"FROM (SELECT id FROM recommendations WHERE done_on IS NULL "
		"ORDER BY due, id LIMIT :limit) p "
		"CROSS JOIN recommendations a ON a.id = p.id CROSS JOIN cases c ON c.id = a.case_id "
		"ORDER BY a.due, a.id";
	static const char with[] =
		"SELECT a.id, c.ref, a.owner, a.due, a.done_on, a.text, a.made_on "
		"FROM (SELECT id FROM recommendations "
		"ORDER BY done_on IS NOT NULL, due, id LIMIT :limit) p "
		"CROSS JOIN recommendations a ON a.id = p.id CROSS JOIN cases c ON c.id = a.case_id "
		"ORDER BY a.done_on IS NOT NULL, a.due, a.id";
	static const char count[] = "SELECT count(*) FROM recommendations";
	struct db_stmt q = DB_STMT_INIT;
	char today[DATE_BUFLEN];
	struct cdate t;
	int ret = reg_today_date(r, &t, today);

	*out = NULL;
	*total = 0;
	if (ret)
		return ret;
	db_prepare(r, &q, count);
	if (db_step(&q) == DB_ROW)
		*total = (size_t)db_column_int(&q, 0);
	ret = db_finalize(&q);
	if (ret)
		return ret;
	db_prepare(r, &q, with_done ? with : sql);
	db_bind_int(&q, ":limit", (int64_t)limit);
	return cases_rows(r, &q, action_row, today, out);
}

int actions_done(struct reg *r, const char *id_arg, const char *on)
{
	static const char get[] =
		"SELECT a.made_on, a.done_on, c.ref FROM recommendations a "
		"JOIN cases c ON c.id = a.case_id WHERE a.id = :id";
	static const char set[] = "UPDATE recommendations SET done_on = :on WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	char today[DATE_BUFLEN], ref[32] = "", made[DATE_BUFLEN] = "", done[DATE_BUFLEN] = "";
	char object[48], iso[DATE_BUFLEN];
	struct cdate d, t;
	char *end;
	long long id = strtoll(id_arg, &end, 10);
	int ret;

	if (!*id_arg || *end || id <= 0)
		return reg_fail_field(r, CDOP_ERR_INPUT, "id", "'%s' is not an action id (a "
				"number from 'cdop action list')", id_arg);
	ret = reg_today_date(r, &t, today);
	if (!ret && on)
		ret = reg_date_input(r, "on", on, iso);
	if (ret)
		return ret;
	/* without a date: done today */
	on = on ? iso : today;
	date_parse(on, &d);
	if (date_compare(&d, &t) > 0)
		return reg_fail_field(r, CDOP_ERR_INPUT, "on", "%s is in the future (today is %s)",
				on, today);
	ret = db_begin(r);
	if (ret)
		return ret;
	db_prepare(r, &q, get);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW) {
		snprintf(made, sizeof made, "%s", db_column_text(&q, 0));
		snprintf(done, sizeof done, "%s", db_column_text(&q, 1));
		snprintf(ref, sizeof ref, "%s", db_column_text(&q, 2));
	}
	ret = db_finalize(&q);
	if (!ret && !ref[0])
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "no action %lld (see 'cdop action "
			       "list')", id);
	else if (!ret && done[0])
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "action %lld was already done on %s",
			       id, done);
	else if (!ret && strcmp(on, made) < 0)
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "on", "%s is before the "
				     "recommendation was made (%s)", on, made);
	if (!ret) {
		db_prepare(r, &q, set);
		db_bind_text(&q, ":on", on);
		db_bind_int(&q, ":id", id);
		db_run(&q);
		ret = db_finalize(&q);
	}
	snprintf(object, sizeof object, "action %lld", id);
	/* Old and new values (history.c); the case named for its history. */
	{
		struct change_log log;
		json_t *v = json_string(on);

		change_log_init(&log);
		change_add(&log, "done_on", NULL, v, 0);
		change_note(&log, "ref", ref);
		json_decref(v);
		return cases_commit_changes(r, ret, "action_done", object, &log);
	}
}
