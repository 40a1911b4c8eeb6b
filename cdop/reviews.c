#include "cdop/reviews.h"
#include "cdop/db.h"
#include "cdop/error.h"
#include "cdop/register.h"
#include "crypto/secure.h"

#include <stdlib.h>
#include <string.h>

int meetings_find_or_create(struct reg *r, const char *date, int64_t *id)
{
	static const char find[] = "SELECT id FROM meetings WHERE date = :date ORDER BY id LIMIT 1";
	static const char ins[] = "INSERT INTO meetings(date) VALUES (:date)";
	struct db_stmt q = DB_STMT_INIT;
	int ret = db_prepare(r, &q, find);

	if (!ret) ret = db_bind_text(&q, ":date", date);
	if (!ret) ret = db_step(&q);
	if (ret == DB_ROW)
		*id = db_column_int(&q, 0);
	db_finalize(&q);
	if (ret == DB_ROW)
		return CDOP_OK;
	if (ret < 0)
		return ret;
	ret = db_prepare(r, &q, ins);
	if (!ret) ret = db_bind_text(&q, ":date", date);
	if (!ret && (ret = db_step(&q)) == DB_DONE) {
		*id = sqlite3_last_insert_rowid(r->db);
		ret = CDOP_OK;
	}
	db_finalize(&q);
	return ret;
}

static int exec_case(struct reg *r, const char *sql, int64_t case_id)
{
	struct db_stmt q = DB_STMT_INIT;
	int ret = db_prepare(r, &q, sql);

	if (!ret) ret = db_bind_int(&q, ":case", case_id);
	if (!ret && (ret = db_step(&q)) == DB_DONE)
		ret = CDOP_OK;
	db_finalize(&q);
	return ret;
}

static int store_themes(struct reg *r, int64_t case_id, const json_t *themes)
{
	static const char sql[] = "INSERT INTO review_themes(case_id, theme) VALUES (:case, :theme)";
	struct db_stmt q = DB_STMT_INIT;
	size_t i;
	json_t *t;
	int ret = db_prepare(r, &q, sql);

	json_array_foreach(themes, i, t) {
		if (ret)
			break;
		ret = db_bind_int(&q, ":case", case_id);
		if (!ret) ret = db_bind_text(&q, ":theme", json_string_value(t));
		if (!ret && (ret = db_step(&q)) == DB_DONE)
			ret = CDOP_OK;
		db_reset(&q);
	}
	db_finalize(&q);
	return ret;
}

static const char *member(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int store_recommendations(struct reg *r, int64_t case_id, const char *made_on,
				 const json_t *recs)
{
	static const char sql[] =
		"INSERT INTO recommendations(case_id, made_on, text, owner, due, done_on) "
		"VALUES (:case, :made, :text, :owner, :due, :done)";
	struct db_stmt q = DB_STMT_INIT;
	size_t i;
	json_t *rec;
	int ret = db_prepare(r, &q, sql);

	json_array_foreach(recs, i, rec) {
		if (ret)
			break;
		ret = db_bind_int(&q, ":case", case_id);
		if (!ret) ret = db_bind_text(&q, ":made", made_on);
		if (!ret) ret = db_bind_text(&q, ":text", member(rec, "text"));
		if (!ret) ret = db_bind_text(&q, ":owner", member(rec, "owner"));
		if (!ret) ret = db_bind_text(&q, ":due", member(rec, "due"));
		if (!ret) ret = db_bind_text(&q, ":done", member(rec, "completed"));
		if (!ret && (ret = db_step(&q)) == DB_DONE)
			ret = CDOP_OK;
		db_reset(&q);
	}
	db_finalize(&q);
	return ret;
}

int reviews_store(struct reg *r, int64_t case_id, int64_t meeting_id,
		  const char *meeting_date, const json_t *review, int *amended)
{
	static const char ins[] =
		"INSERT OR REPLACE INTO reviews(case_id, meeting_id, meeting_date, form, "
		"category, modifiable, referred, updated_at) VALUES (:case, :meeting, "
		":date, :form, :category, :modifiable, :referred, :now)";
	static const char had[] = "SELECT count(*) FROM reviews WHERE case_id = :case";
	struct db_stmt q = DB_STMT_INIT;
	json_t *form = json_deep_copy(review), *recs = NULL;
	char now[21], *text = NULL;
	int ret = form ? CDOP_OK : CDOP_ERR_NOMEM;

	*amended = 0;
	reg_now(now);
	/* Recommendations live in their own table (with ids and done dates);
	 * meeting_date is the meeting's. The stored form is the rest. */
	if (!ret) {
		recs = json_object_get(form, "recommendations");
		json_incref(recs);
		json_object_del(form, "recommendations");
		json_object_del(form, "meeting_date");
		text = json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS);
		if (!text)
			ret = CDOP_ERR_NOMEM;
	}
	if (!ret) ret = db_prepare(r, &q, had);
	if (!ret) ret = db_bind_int(&q, ":case", case_id);
	if (!ret && (ret = db_step(&q)) == DB_ROW) {
		*amended = db_column_int(&q, 0) > 0;
		ret = CDOP_OK;
	}
	db_finalize(&q);
	if (!ret && *amended) {
		ret = exec_case(r, "DELETE FROM review_themes WHERE case_id = :case", case_id);
		/* Recommendations already tracked stay: an amendment adds. */
	}
	if (!ret) ret = db_prepare(r, &q, ins);
	if (!ret) ret = db_bind_int(&q, ":case", case_id);
	if (!ret) ret = db_bind_int(&q, ":meeting", meeting_id);
	if (!ret) ret = db_bind_text(&q, ":date", meeting_date);
	if (!ret) ret = db_bind_text(&q, ":form", text);
	if (!ret) ret = db_bind_int(&q, ":category",
				    json_integer_value(json_object_get(review, "category")));
	if (!ret) ret = db_bind_text(&q, ":modifiable", member(review, "modifiable"));
	if (!ret) ret = db_bind_int(&q, ":referred",
				    json_is_true(json_object_get(review, "referred_for_review")));
	if (!ret) ret = db_bind_text(&q, ":now", now);
	if (!ret && (ret = db_step(&q)) == DB_DONE)
		ret = CDOP_OK;
	db_finalize(&q);
	if (!ret)
		ret = store_themes(r, case_id, json_object_get(review, "themes"));
	if (!ret && recs)
		ret = store_recommendations(r, case_id, meeting_date, recs);
	if (ret == CDOP_ERR_NOMEM)
		reg_fail(r, ret, "out of memory");
	if (text) {
		secure_wipe(text, strlen(text));
		free(text);
	}
	json_decref(recs);
	json_decref(form);
	return ret;
}
