/* A meeting as the browser UI shows it: its agenda and who attended. */
#include "cdop/panel/panel.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"

static int agenda_case_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	(void)r, (void)ctx;
	*row = json_pack("{s:s, s:s, s:b}", "ref", db_column_text(q, 0),
			 "status", db_column_text(q, 1), "reviewed",
			 (int)db_column_int(q, 2));
	return CDOP_OK;
}

static int attendance_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	(void)r, (void)ctx;
	*row = json_pack("{s:s, s:s, s:s?}", "name", db_column_text(q, 0),
			 "agency", db_column_text(q, 1), "role",
			 db_column_is_null(q, 2) ? NULL : db_column_text(q, 2));
	return CDOP_OK;
}

int meetings_agenda(struct reg *r, const char *meeting_arg, json_t **out)
{
	static const char chair_sql[] = "SELECT chair FROM meetings WHERE id = :m";
	static const char cases_sql[] =
		"SELECT c.ref, c.status, EXISTS (SELECT 1 FROM reviews v WHERE "
		"v.case_id = c.id AND v.meeting_id = m.meeting_id) "
		"FROM meeting_cases m JOIN cases c ON c.id = m.case_id "
		"WHERE m.meeting_id = :m ORDER BY c.ref";
	static const char att_sql[] =
		"SELECT name, agency, role FROM attendance WHERE meeting_id = :m ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	json_t *agenda = NULL, *att = NULL, *chair = json_null();
	char date[11];
	int64_t id;
	int ret;

	*out = NULL;
	ret = meetings_find(r, meeting_arg, &id, date);
	if (ret)
		return ret;
	db_prepare(r, &q, chair_sql);
	db_bind_int(&q, ":m", id);
	if (db_step(&q) == DB_ROW && !db_column_is_null(&q, 0))
		chair = json_string(db_column_text(&q, 0));
	ret = db_finalize(&q);
	if (!ret) {
		db_prepare(r, &q, cases_sql);
		db_bind_int(&q, ":m", id);
		ret = cases_rows(r, &q, agenda_case_row, NULL, &agenda);
	}
	if (!ret) {
		db_prepare(r, &q, att_sql);
		db_bind_int(&q, ":m", id);
		ret = cases_rows(r, &q, attendance_row, NULL, &att);
	}
	if (!ret) {
		*out = json_pack("{s:I, s:s, s:O, s:O, s:O}", "id", (json_int_t)id,
				 "date", date, "chair", chair, "cases", agenda,
				 "attendance", att);
		if (!*out)
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	json_decref(chair);
	json_decref(agenda);
	json_decref(att);
	return ret;
}
