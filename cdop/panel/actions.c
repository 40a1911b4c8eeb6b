#include "cdop/panel/panel.h"
#include "cdop/store/store.h"
#include "forms/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int actions_list(struct reg *r, int overdue_only, json_t **out)
{
	static const char sql[] =
		"SELECT a.id, c.ref, a.owner, a.due, a.done_on, a.text, a.made_on "
		"FROM recommendations a JOIN cases c ON c.id = a.case_id "
		"WHERE (:overdue = 0 OR (a.done_on IS NULL AND a.due < :today)) "
		"ORDER BY a.done_on IS NOT NULL, a.due, a.id";
	struct db_stmt q = DB_STMT_INIT;
	json_t *list = json_array();
	char today[11];
	int ret = db_prepare(r, &q, sql), step;

	reg_today(r, today);
	if (!ret) ret = db_bind_int(&q, ":overdue", overdue_only);
	if (!ret) ret = db_bind_text(&q, ":today", today);
	while (!ret && (step = db_step(&q)) == DB_ROW) {
		int done = !db_column_is_null(&q, 4);
		const char *due = db_column_text(&q, 3);
		json_t *a = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
			"id", (json_int_t)db_column_int(&q, 0), "ref", db_column_text(&q, 1),
			"owner", db_column_text(&q, 2), "due", due, "made_on",
			db_column_text(&q, 6), "status", done ? "done" :
			strcmp(due, today) < 0 ? "overdue" : "open",
			"text", db_column_text(&q, 5));

		json_object_set_new(a, "done_on", done ? json_string(db_column_text(&q, 4)) :
				    json_null());
		json_array_append_new(list, a);
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

int actions_done(struct reg *r, const char *id_arg, const char *on)
{
	static const char get[] =
		"SELECT a.made_on, a.done_on, c.ref FROM recommendations a "
		"JOIN cases c ON c.id = a.case_id WHERE a.id = :id";
	static const char set[] = "UPDATE recommendations SET done_on = :on WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	char today[11], ref[32] = "", object[48];
	struct cdate d;
	char *end;
	long long id = strtoll(id_arg, &end, 10);
	int ret;

	reg_today(r, today);
	if (!*id_arg || *end || id <= 0)
		return reg_fail_field(r, CDOP_ERR_INPUT, "id", "'%s' is not an action id (a "
				"number from 'cdop action list')", id_arg);
	if (date_parse(on, &d))
		return reg_fail_field(r, CDOP_ERR_INPUT, "on", "'%s' is not a date; write "
				"YYYY-MM-DD", on);
	if (strcmp(on, today) > 0)
		return reg_fail_field(r, CDOP_ERR_INPUT, "on", "%s is in the future (today is %s)",
				on, today);
	ret = db_begin(r);
	if (!ret) ret = db_prepare(r, &q, get);
	if (!ret) ret = db_bind_int(&q, ":id", id);
	if (!ret) ret = db_step(&q);
	if (ret == DB_DONE) {
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "no action %lld (see 'cdop action "
			       "list')", id);
	} else if (ret == DB_ROW) {
		ret = CDOP_OK;
		snprintf(ref, sizeof ref, "%s", db_column_text(&q, 2));
		if (!db_column_is_null(&q, 1))
			ret = reg_fail(r, CDOP_ERR_CONFLICT, "action %lld was already done "
				       "on %s", id, db_column_text(&q, 1));
		else if (strcmp(on, db_column_text(&q, 0)) < 0)
			ret = reg_fail_field(r, CDOP_ERR_INPUT, "on", "%s is before the "
				       "recommendation was made (%s)", on,
				       db_column_text(&q, 0));
	}
	db_finalize(&q);
	if (!ret) ret = db_prepare(r, &q, set);
	if (!ret) ret = db_bind_text(&q, ":on", on);
	if (!ret) ret = db_bind_int(&q, ":id", id);
	if (!ret && (ret = db_step(&q)) == DB_DONE)
		ret = CDOP_OK;
	db_finalize(&q);
	snprintf(object, sizeof object, "action %lld", id);
	if (!ret) ret = audit_append(r, "action_done", object, ref);
	if (!ret) ret = db_commit(r);
	if (ret)
		db_rollback(r);
	return ret;
}
