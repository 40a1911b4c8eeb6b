#include "cdop/cases/cases.h"
#include "cdop/cases/cases_int.h"
#include "cdop/store/store.h"
#include "forms/codes.h"
#include "forms/date.h"
#include "crypto/secure.h"

#include <inttypes.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cases_invalid(struct reg *r, const char *prefix, const struct form_errors *errs)
{
	char buf[REG_ERR_MAX - 64];

	/* One error a line, each naming its field: the front end words each. */
	form_errors_format(errs, errs->n, buf, sizeof buf);
	return reg_fail(r, CDOP_ERR_INPUT, "%s%s", prefix ? prefix : "", buf);
}


static const char *jstr(const json_t *obj, const char *path)
{
	const json_t *v = form_json_get(obj, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- the columns copied from the notification ----------------------------- */

const struct case_column case_columns[CASE_NCOLUMNS] = {
	[CASE_NHS_NUMBER] = { "nhs_number", "child.nhs_number", CASE_COL_HASH },
	[CASE_SURNAME_KEY] = { "surname_key", "child.surname", CASE_COL_KEY_HASH },
	[CASE_DATE_OF_BIRTH] = { "date_of_birth", "child.date_of_birth", CASE_COL_HASH },
	[CASE_DEATH_DATE] = { "death_date", "death.date", CASE_COL_TEXT },
	[CASE_DEATH_TIME] = { "death_time", "death.time", CASE_COL_TEXT },
	[CASE_NOTIFIED_DATE] = { "notified_date", "notified.date", CASE_COL_TEXT },
	[CASE_EXPECTED] = { "expected", "death.expected", CASE_COL_TEXT },
	[CASE_RESIDENT] = { "resident", "child.resident", CASE_COL_BOOL },
	[CASE_SEX] = { "sex", "child.sex", CASE_COL_TEXT },
	[CASE_ETHNICITY] = { "ethnicity", "child.ethnicity", CASE_COL_TEXT },
	[CASE_PLACE] = { "place", "death.place", CASE_COL_TEXT },
	[CASE_AGE_BAND] = { "age_band", "child.date_of_birth", CASE_COL_AGE_BAND },
};

/* The statements that write every column, made from case_columns once;
 * each column's parameter is its name after a colon. */
static struct {
	char param[CASE_NCOLUMNS][32];
	char insert[1024];
	char update[1024];
} column_sql;

static void cat(char *buf, size_t len, const char *a, const char *b, const char *c)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s%s", a, b, c);
}

static void column_sql_make(void)
{
	char *ins = column_sql.insert, *upd = column_sql.update;
	char values[512] = "";
	size_t i;

	if (ins[0])
		return;
	for (i = 0; i < CASE_NCOLUMNS; i++)
		snprintf(column_sql.param[i], sizeof column_sql.param[i], ":%s",
			 case_columns[i].name);
	cat(ins, sizeof column_sql.insert, "INSERT INTO cases(ref, status, created_at, "
	    "updated_at", "", "");
	cat(upd, sizeof column_sql.update, "UPDATE cases SET updated_at = :now", "", "");
	for (i = 0; i < CASE_NCOLUMNS; i++) {
		cat(ins, sizeof column_sql.insert, ", ", case_columns[i].name, "");
		cat(values, sizeof values, ", ", column_sql.param[i], "");
		cat(upd, sizeof column_sql.update, ", ", case_columns[i].name, " = ");
		cat(upd, sizeof column_sql.update, column_sql.param[i], "", "");
	}
	cat(ins, sizeof column_sql.insert, ") VALUES (:ref, :status, :now, :now", values, ")");
	cat(upd, sizeof column_sql.update, " WHERE id = :id", "", "");
}

static void lower_copy(char *out, size_t outlen, const char *in)
{
	size_t i;

	for (i = 0; in && in[i] && i + 1 < outlen; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
	out[i] = 0;
}

/* The keyed hash of hash column i of n into out ("" for none). */
static int column_hash(struct reg *r, const json_t *n, size_t i, char out[33])
{
	const struct case_column *c = &case_columns[i];
	const char *text = jstr(n, c->path);
	char key[256];
	int ret = CDOP_OK;

	out[0] = 0;
	if (text && c->type == CASE_COL_KEY_HASH) {
		lower_copy(key, sizeof key, text);
		text = key;
	}
	if (text && store_dup_hash(r, text, out))
		ret = CDOP_ERR_ACCESS;
	secure_wipe(key, sizeof key);
	return ret;
}

int case_texts_hash(struct reg *r, const json_t *n, struct case_texts *t)
{
	int ret = CDOP_OK;

	for (size_t i = 0; !ret && i < CASE_NCOLUMNS; i++)
		if (case_columns[i].type == CASE_COL_HASH ||
		    case_columns[i].type == CASE_COL_KEY_HASH)
			ret = column_hash(r, n, i, t->hash[i]);
	t->hashed = !ret;
	return ret;
}

/* Binds column i of notification n to its parameter in q; a hash column
 * from t when it holds the hashes. */
static void bind_column(struct db_stmt *q, const json_t *n, size_t i,
			const struct case_texts *t)
{
	const struct case_column *c = &case_columns[i];
	const char *param = column_sql.param[i];
	const json_t *v;
	char key[256], hash[33];

	switch (c->type) {
	case CASE_COL_HASH:
	case CASE_COL_KEY_HASH:
		if (t && t->hashed)
			memcpy(hash, t->hash[i], sizeof hash);
		else if (column_hash(q->r, n, i, hash) && !q->rc)
			q->rc = CDOP_ERR_ACCESS;
		if (!q->rc)
			db_bind_text(q, param, hash[0] ? hash : NULL);
		secure_wipe(hash, sizeof hash);
		break;
	case CASE_COL_AGE_BAND:
		db_bind_text(q, param, anonymise_age_band(n));
		break;
	case CASE_COL_BOOL:
		v = form_json_get(n, c->path);
		if (json_is_boolean(v))
			db_bind_int(q, param, json_is_true(v));
		else
			db_bind_null(q, param);
		break;
	case CASE_COL_KEY:
		lower_copy(key, sizeof key, jstr(n, c->path));
		db_bind_text(q, param, key);
		break;
	default:
		db_bind_text(q, param, jstr(n, c->path));
	}
}

static void bind_case_columns(struct db_stmt *q, const json_t *n,
			      const struct case_texts *t)
{
	for (size_t i = 0; i < CASE_NCOLUMNS; i++)
		bind_column(q, n, i, t);
}

/* The short values beside each notification (migration 017), inserted by
 * the writer of a new case ([0]) or replacing those of one re-written
 * ([1]; no OR REPLACE for a new case: with foreign keys on, it makes every
 * insert keep a statement journal). */
static const char *const doc_short_sql[2][2] = {
	{ "INSERT INTO case_ids(case_id, ncmd, ids) VALUES (:case, :ncmd, :ids)",
	  "INSERT INTO case_anon(case_id, anon) VALUES (:case, :anon)" },
	{ "INSERT OR REPLACE INTO case_ids(case_id, ncmd, ids) VALUES (:case, :ncmd, :ids)",
	  "INSERT OR REPLACE INTO case_anon(case_id, anon) VALUES (:case, :anon)" },
};

/* ---- the writer ---------------------------------------------------------- */

/* The writer's statements, to check and free them together. */
#define WRITER_STMTS 11
static void writer_stmts(struct case_writer *w, struct db_stmt *s[WRITER_STMTS])
{
	s[0] = &w->ref_get;
	s[1] = &w->ref_set;
	s[2] = &w->dup;
	s[3] = &w->ins_case;
	s[4] = &w->ins_doc;
	s[5] = &w->ins_rr;
	s[6] = &w->ins_agency;
	s[7] = &w->upd_agency;
	s[8] = &w->done_rr;
	s[9] = &w->ins_ids;
	s[10] = &w->ins_anon;
}

int case_writer_init(struct case_writer *w, struct reg *r)
{
	static const char ref_get[] = "SELECT last FROM case_refs WHERE year = :year";
	static const char ref_set[] =
		"INSERT OR REPLACE INTO case_refs(year, last) VALUES (:year, :last)";
	/* Same NHS number; or same surname, birth and death unless both carry
	 * NHS numbers that differ (twins are two children). */
	static const char dup[] =
		"SELECT ref, nhs_number = :nhs_number FROM cases WHERE (nhs_number = :nhs_number "
		"OR (surname_key = :surname_key AND date_of_birth = :date_of_birth AND "
		"death_date = :death_date AND (nhs_number IS NULL OR :nhs_number IS NULL))) "
		"AND id != :self LIMIT 1";
	static const char ins_doc[] =
		"INSERT INTO case_documents(case_id, json, sealed) VALUES (:case, '', :sealed)";
	/* Only the targets changed from their defaults have a row. */
	static const char targets[] = "SELECT action, minutes FROM rr_targets";
	struct db_stmt q = DB_STMT_INIT, *s[WRITER_STMTS];
	size_t i;
	int ret;
	static const char ins_rr[] =
		"INSERT OR IGNORE INTO rr_actions(case_id, action, due_at, done_on, "
		"done_by, notes) VALUES (:case, :action, :due, :on, :by, :notes)";
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

	memset(w, 0, sizeof *w);
	w->r = r;
	reg_now(w->now);
	column_sql_make();
	/* Each statement keeps its first error; the last returns any. */
	db_prepare(r, &w->ref_get, ref_get);
	db_prepare(r, &w->ref_set, ref_set);
	db_prepare(r, &w->dup, dup);
	db_prepare(r, &w->ins_case, column_sql.insert);
	db_prepare(r, &w->ins_doc, ins_doc);
	db_prepare(r, &w->ins_ids, doc_short_sql[0][0]);
	db_prepare(r, &w->ins_anon, doc_short_sql[0][1]);
	for (i = 0; i < codes_rr_action.n && i < CASE_RR_ACTIONS_MAX; i++)
		w->target_minutes[i] = codes_rr_action.codes[i].value;
	db_prepare(r, &q, targets);
	while (db_step(&q) == DB_ROW) {
		int k = code_list_index(&codes_rr_action, db_column_text(&q, 0));

		if (k >= 0 && k < CASE_RR_ACTIONS_MAX)
			w->target_minutes[k] = (long)db_column_int(&q, 1);
	}
	ret = db_finalize(&q);
	if (ret)
		return ret;
	for (i = 0; i < codes_rr_action.n && i < CASE_RR_ACTIONS_MAX; i++) {
		size_t len = strlen(w->targets_text);

		if (w->target_minutes[i] != codes_rr_action.codes[i].value)
			snprintf(w->targets_text + len, sizeof w->targets_text - len,
				 "%s%s=%ld", len ? " " : "", codes_rr_action.codes[i].code,
				 w->target_minutes[i]);
	}
	db_prepare(r, &w->ins_rr, ins_rr);
	db_prepare(r, &w->ins_agency, ins_agency);
	db_prepare(r, &w->upd_agency, upd_agency);
	db_prepare(r, &w->done_rr, done_rr);
	/* Each statement kept its first error: the first of them, if any. */
	writer_stmts(w, s);
	for (i = 0; i < WRITER_STMTS; i++)
		if (s[i]->rc)
			return s[i]->rc;
	return CDOP_OK;
}

/* Runs a row-less statement and makes it ready for the next row. */
static int run_reset(struct db_stmt *q)
{
	int ret = db_run(q);

	db_reset(q);
	return ret;
}

/* run_reset for a writer's statement, each of whose parameters is bound
 * again for every row: the values stay bound (db_rewind). */
static int run_rewind(struct db_stmt *q)
{
	int ret = db_run(q);

	db_rewind(q);
	return ret;
}

/* case_ids rows kept by a batching writer; one statement inserts
 * IDS_BATCH of them (3 parameters a row, under SQLite's 999). */
#define IDS_BATCH 128
struct case_ids_batch {
	struct db_stmt many;
	size_t n;
	struct {
		int64_t id;
		int ncmd;
		uint8_t *blob;
		size_t len;
	} row[IDS_BATCH];
};

static char ids_many_sql[64 + IDS_BATCH * 24];

static void ids_many_sql_make(void)
{
	size_t i;

	if (ids_many_sql[0])
		return;
	cat(ids_many_sql, sizeof ids_many_sql, "INSERT INTO case_ids(case_id, ncmd, ids) "
	    "VALUES ", "", "");
	for (i = 0; i < IDS_BATCH; i++) {
		char row[32];

		snprintf(row, sizeof row, "%s(?%zu, ?%zu, ?%zu)", i ? ", " : "",
			 3 * i + 1, 3 * i + 2, 3 * i + 3);
		cat(ids_many_sql, sizeof ids_many_sql, row, "", "");
	}
}

static void ids_batch_drop(struct case_ids_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->row[i].blob);
	b->n = 0;
}

int case_writer_batch(struct case_writer *w)
{
	struct case_ids_batch *b = calloc(1, sizeof *b);

	if (!b)
		return reg_fail(w->r, CDOP_ERR_NOMEM, "out of memory");
	ids_many_sql_make();
	w->batch = b;
	return db_prepare(w->r, &b->many, ids_many_sql);
}

/* The kept rows: a full batch in one statement, fewer one by one. */
int case_writer_flush(struct case_writer *w)
{
	struct case_ids_batch *b = w->batch;
	struct db_stmt *q;
	int ret = CDOP_OK;
	size_t i;

	if (!b || !b->n)
		return CDOP_OK;
	if (b->n == IDS_BATCH) {
		q = &b->many;
		for (i = 0; i < b->n; i++) {
			int at = (int)(3 * i);

			db_bind_int_at(q, at + 1, b->row[i].id);
			db_bind_int_at(q, at + 2, b->row[i].ncmd);
			db_bind_blob_at(q, at + 3, b->row[i].blob, b->row[i].len);
		}
		ret = run_rewind(q);
	}
	for (i = 0, q = &w->ins_ids; !ret && b->n < IDS_BATCH && i < b->n; i++) {
		db_bind_int(q, ":case", b->row[i].id);
		db_bind_int(q, ":ncmd", b->row[i].ncmd);
		db_bind_blob(q, ":ids", b->row[i].blob, b->row[i].len);
		ret = run_rewind(q);
	}
	ids_batch_drop(b);
	return ret;
}

/* Keeps case id's row (its sealed ids: taken), inserting when full. */
static int ids_keep(struct case_writer *w, int64_t id, int ncmd, uint8_t *blob,
		    size_t len)
{
	struct case_ids_batch *b = w->batch;

	b->row[b->n].id = id;
	b->row[b->n].ncmd = ncmd;
	b->row[b->n].blob = blob;
	b->row[b->n].len = len;
	return ++b->n == IDS_BATCH ? case_writer_flush(w) : CDOP_OK;
}

void case_writer_release(struct case_writer *w)
{
	struct db_stmt *s[WRITER_STMTS];
	size_t i;

	writer_stmts(w, s);
	for (i = 0; i < WRITER_STMTS; i++)
		db_finalize(s[i]);
	if (w->batch) {
		ids_batch_drop(w->batch);
		db_finalize(&w->batch->many);
		free(w->batch);
		w->batch = NULL;
	}
}


/* CDOP-YYYY-NNNN: year of notification, running number within it. */
static int next_ref(struct case_writer *w, int year, char ref[CASE_REF_MAX])
{
	int64_t last = 0;
	int ret;

	db_bind_int(&w->ref_get, ":year", year);
	if (db_step(&w->ref_get) == DB_ROW)
		last = db_column_int(&w->ref_get, 0);
	ret = db_reset(&w->ref_get);
	if (ret)
		return ret;
	last++;
	db_bind_int(&w->ref_set, ":year", year);
	db_bind_int(&w->ref_set, ":last", last);
	snprintf(ref, CASE_REF_MAX, "CDOP-%04d-%04" PRId64, year, last);
	return run_rewind(&w->ref_set);
}

static int check_duplicate(struct case_writer *w, const json_t *n, int64_t self,
			   const struct case_texts *t)
{
	static const int used[] = { CASE_NHS_NUMBER, CASE_SURNAME_KEY, CASE_DATE_OF_BIRTH,
				    CASE_DEATH_DATE };
	struct db_stmt *q = &w->dup;
	int ret = CDOP_OK;

	for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
		bind_column(q, n, (size_t)used[i], t);
	db_bind_int(q, ":self", self);
	if (db_step(q) == DB_ROW)
		ret = reg_fail(w->r, CDOP_ERR_CONFLICT, "duplicate: case %s already "
			       "has %s", db_column_text(q, 0), db_column_int(q, 1) ?
			       "this child.nhs_number" :
			       "this child.surname, child.date_of_birth and death.date");
	db_reset(q);
	return q->rc ? q->rc : ret;
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

static const char *member(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The last entry of `done` for ACTION at or after index from, or NULL. */
static const json_t *done_entry(const json_t *done, const char *action, size_t *at)
{
	const json_t *found = NULL;
	size_t i;
	json_t *a;

	json_array_foreach(done, i, a) {
		const char *name = member(a, "action");

		if (name && !strcmp(name, action)) {
			found = a;
			*at = i;
		}
	}
	return found;
}

/* Inserts one action row; `done` (or NULL) supplies on, by and notes. */
static int insert_rr(struct case_writer *w, int64_t case_id, const char *action,
		     const char *due, const json_t *done)
{
	struct db_stmt *q = &w->ins_rr;

	db_bind_int(q, ":case", case_id);
	db_bind_text(q, ":action", action);
	db_bind_text(q, ":due", due);
	db_bind_text(q, ":on", done ? member(done, "on") : NULL);
	cases_bind_sealed(w->r, q, ":by", "rr_actions.done_by", action, case_id,
			  done ? member(done, "by") : NULL);
	cases_bind_sealed(w->r, q, ":notes", "rr_actions.notes", action, case_id,
			  done ? member(done, "notes") : NULL);
	return run_rewind(q);
}

/* Every target action with its due time, done ones complete at once;
 * *used gets a bit for each entry of `done` so stored (up to 64). */
static int create_rr_actions(struct case_writer *w, int64_t case_id, const json_t *n,
			     const json_t *done, uint64_t *used)
{
	long long death = death_minutes(n);
	int ret = CDOP_OK;

	size_t i;

	for (i = 0; !ret && i < codes_rr_action.n && i < CASE_RR_ACTIONS_MAX; i++) {
		const char *action = codes_rr_action.codes[i].code;
		struct cdatetime due = date_datetime_from_minutes(death +
			w->target_minutes[i]);
		char buf[DATE_DATETIME_BUFLEN];
		size_t at = 0;
		const json_t *d = done ? done_entry(done, action, &at) : NULL;

		if (d && at < 64)
			*used |= UINT64_C(1) << at;
		date_datetime_format(&due, buf);
		ret = insert_rr(w, case_id, action, buf, d);
	}
	return ret;
}

/* The entries of `done` that create_rr_actions did not store: actions of
 * an expected death, or beyond the targets. */
static int store_done_rest(struct case_writer *w, int64_t case_id, const json_t *done,
			   uint64_t used)
{
	size_t i;
	json_t *a;
	int ret = CDOP_OK;

	json_array_foreach(done, i, a) {
		const char *action = member(a, "action");
		size_t last = i;

		if (ret || (i < 64 && (used & (UINT64_C(1) << i))))
			continue;
		/* An action named again later: the later entry is what stays. */
		if (done_entry(done, action ? action : "", &last) && last != i)
			continue;
		ret = insert_rr(w, case_id, action, NULL, a);
	}
	return ret;
}

/* Validates and normalises; *out is the form to store. */
static int notification_accept(struct reg *r, const json_t *in, const char *prefix,
			       json_t **out)
{
	struct form_errors errs = FORM_ERRORS_INIT;
	struct cdate today;
	json_t *iso = NULL;
	int ret = reg_today_date(r, &today, NULL);

	*out = NULL;
	if (ret)
		return ret;
	/* Dates as typed (14/03/2025, today) become ISO first. */
	iso = json_deep_copy(in);
	if (!iso)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	form_dates_iso(&form_notification, iso, &today);
	ret = form_validate(&form_notification, iso, &today, &errs);
	if (ret == FORM_EINVALID)
		ret = cases_invalid(r, prefix, &errs);
	else if (ret)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	form_errors_release(&errs);
	if (!ret && !(*out = form_normalise(&form_notification, iso)))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	json_decref(iso);
	return ret;
}

/* The targets in force at notification, when some differed from the
 * defaults (migration 011). */
static int targets_store(struct reg *r, int64_t case_id, const char *text)
{
	static const char sql[] =
		"INSERT INTO case_rr_targets(case_id, targets) VALUES (:case, :t)";
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":case", case_id);
	db_bind_text(&q, ":t", text);
	db_run(&q);
	return db_finalize(&q);
}

/* minutes[] gets the targets in force when case ID was notified: the
 * defaults, changed by the case's stored overrides. */
static int targets_of(struct reg *r, int64_t id, long minutes[CASE_RR_ACTIONS_MAX])
{
	static const char sql[] = "SELECT targets FROM case_rr_targets WHERE case_id = :id";
	struct db_stmt q = DB_STMT_INIT;
	size_t i;

	for (i = 0; i < codes_rr_action.n && i < CASE_RR_ACTIONS_MAX; i++)
		minutes[i] = codes_rr_action.codes[i].value;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW) {
		const char *p = db_column_text(&q, 0);

		while (p && *p) {
			char name[64];
			long v;
			int used = 0, k;

			if (sscanf(p, " %63[a-z_]=%ld%n", name, &v, &used) != 2 || !used)
				break;
			k = code_list_index(&codes_rr_action, name);
			if (k >= 0 && k < CASE_RR_ACTIONS_MAX)
				minutes[k] = v;
			p += used;
		}
	}
	return db_finalize(&q);
}

/* Did the death's date, time or expectedness change? */
static int death_changed(const json_t *old, const json_t *n)
{
	static const char *const paths[] = { "death.date", "death.time", "death.expected" };

	for (size_t i = 0; i < 3; i++) {
		const char *a = jstr(old, paths[i]), *b = jstr(n, paths[i]);

		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
			return 1;
	}
	return 0;
}

/*
 * Every action's due time again, done ones included, from the death as it
 * now stands and the targets in force at notification. An expected death
 * has no joint agency response: due times go, and actions not done with
 * them; actions recorded done stay as a record.
 */
static int rr_retime(struct reg *r, int64_t id, const json_t *n)
{
	static const char upd[] =
		"UPDATE rr_actions SET due_at = :due WHERE case_id = :id AND action = :action";
	static const char ins[] =
		"INSERT INTO rr_actions(case_id, action, due_at) VALUES (:id, :action, :due)";
	static const char untime[] = "UPDATE rr_actions SET due_at = NULL WHERE case_id = :id";
	static const char undue[] =
		"DELETE FROM rr_actions WHERE case_id = :id AND done_on IS NULL";
	struct db_stmt q = DB_STMT_INIT;
	long minutes[CASE_RR_ACTIONS_MAX];
	long long death = death_minutes(n);
	int ret;
	size_t i;

	if (strcmp(jstr(n, "death.expected"), "unexpected")) {
		db_prepare(r, &q, untime);
		db_bind_int(&q, ":id", id);
		db_run(&q);
		ret = db_finalize(&q);
		if (ret)
			return ret;
		db_prepare(r, &q, undue);
		db_bind_int(&q, ":id", id);
		db_run(&q);
		return db_finalize(&q);
	}
	ret = targets_of(r, id, minutes);
	for (i = 0; !ret && i < codes_rr_action.n && i < CASE_RR_ACTIONS_MAX; i++) {
		struct cdatetime due = date_datetime_from_minutes(death + minutes[i]);
		char buf[DATE_DATETIME_BUFLEN];

		date_datetime_format(&due, buf);
		db_prepare(r, &q, upd);
		db_bind_text(&q, ":due", buf);
		db_bind_int(&q, ":id", id);
		db_bind_text(&q, ":action", codes_rr_action.codes[i].code);
		db_run(&q);
		ret = db_finalize(&q);
		if (ret || db_changes(r) > 0)
			continue;
		db_prepare(r, &q, ins);
		db_bind_text(&q, ":due", buf);
		db_bind_int(&q, ":id", id);
		db_bind_text(&q, ":action", codes_rr_action.codes[i].code);
		db_run(&q);
		ret = db_finalize(&q);
	}
	return ret;
}

/* A review's meeting is when the case was reviewed: the death cannot be
 * after it (D3). */
static int review_contradicted(struct reg *r, int64_t id, const json_t *n)
{
	static const char sql[] = "SELECT meeting_date FROM reviews WHERE case_id = :id";
	struct db_stmt q = DB_STMT_INIT;
	const char *died = jstr(n, "death.date");
	char met[DATE_BUFLEN] = "";
	int ret;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW)
		snprintf(met, sizeof met, "%s", db_column_text(&q, 0));
	ret = db_finalize(&q);
	if (!ret && met[0] && died && strcmp(died, met) > 0)
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "death.date", "%s is after the "
				     "panel meeting of %s that reviewed this case; the "
				     "death must be on or before it", died, met);
	return ret;
}

/* The panel_summary of notification n, checked for every identifier the
 * register holds and n's own (n may not be stored yet). */
static int summary_check(struct reg *r, const json_t *n, size_t *allowed)
{
	const char *summary = jstr(n, "panel_summary");
	struct idset *s = NULL;
	int ret;

	if (!summary)
		return CDOP_OK;
	ret = idset_load(r, &s);
	if (!ret && idset_add_notification(s, n))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret)
		ret = idcheck_text(r, s, "panel_summary", summary, allowed);
	idset_free(s);
	return ret;
}

/* The audit detail of a text that passed with allowed words. */
static int change_detail(struct reg *r, const json_t *old, const json_t *new_,
			 const char *reason, size_t allowed, char **detail, char **values);

static void wipe_free(char *text)
{
	if (text) {
		secure_wipe(text, strlen(text));
		free(text);
	}
}

static void sealed_ctx(char *out, size_t n, const char *column, const char *key)
{
	snprintf(out, n, "%s/%.40s", column, key ? key : "");
}

int cases_bind_sealed(struct reg *r, struct db_stmt *q, const char *param,
		      const char *column, const char *key, int64_t case_id,
		      const char *text)
{
	uint8_t *b = NULL;
	size_t len = 0;
	char ctx[64];
	int ret;

	if (!text)
		return db_bind_null(q, param);
	sealed_ctx(ctx, sizeof ctx, column, key);
	ret = store_id_seal(r, ctx, case_id, text, &b, &len);
	if (ret) {
		if (!q->rc)
			q->rc = ret;
		return ret;
	}
	ret = db_bind_blob(q, param, b, len);
	free(b);
	return ret;
}

int cases_open_sealed(struct reg *r, struct db_stmt *q, int col, const char *column,
		      const char *key, int64_t case_id, char **out)
{
	const uint8_t *b;
	size_t n = 0;
	char ctx[64];

	*out = NULL;
	if (db_column_is_null(q, col))
		return CDOP_OK;
	b = db_column_blob(q, col, &n);
	/* Sealed: epoch (u32 LE, at most 64) first, so bytes 1-3 are zero,
	 * which no stored text has. Otherwise a row from before 007. */
	if (n < 44 || b[1] || b[2] || b[3]) {
		*out = strdup(db_column_text(q, col));
		return *out ? CDOP_OK : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	sealed_ctx(ctx, sizeof ctx, column, key);
	return store_id_open(r, ctx, case_id, b, n, out);
}

int case_texts_make(const json_t *n, struct case_texts *t)
{
	json_t *a = anonymise_notification(n);

	t->text = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
	t->anon = a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	t->ids = idset_fields_text(n);
	t->ncmd = form_json_get(n, "notified.ncmd_date") != NULL;
	json_decref(a);
	if (t->text && t->anon && t->ids)
		return 0;
	case_texts_release(t);
	return -1;
}

void case_texts_release(struct case_texts *t)
{
	wipe_free(t->text);
	wipe_free(t->ids);
	free(t->anon);
	t->text = t->anon = t->ids = NULL;
	if (t->hashed)
		secure_wipe(t->hash, sizeof t->hash);
	t->hashed = 0;
}

/* Writes the notification of case id from its texts t: sealed under K_id
 * by statement doc (:sealed, :case), then its short values by ids (:ncmd:
 * whether it has notified.ncmd_date, for Today's clock; :ids its
 * identifier fields sealed too, for idset_load and search) and anon
 * (:anon, what the panel sees, made now: the panel cannot make it); the
 * ids row kept instead when writer w (or NULL) batches them. */
static int doc_write_kept(struct reg *r, struct db_stmt *doc, struct db_stmt *ids_q,
			  struct db_stmt *anon_q, struct case_writer *w, int64_t id,
			  const struct case_texts *t)
{
	uint8_t *blob = NULL, *iblob = NULL;
	size_t len = 0, ilen = 0;
	int ret = store_id_seal(r, "notification", id, t->text, &blob, &len);

	if (!ret)
		ret = store_id_seal(r, "notification.ids", id, t->ids, &iblob, &ilen);
	if (!ret) {
		db_bind_int(doc, ":case", id);
		db_bind_blob(doc, ":sealed", blob, len);
		ret = run_rewind(doc);
	}
	if (!ret && w && w->batch) {
		ret = ids_keep(w, id, t->ncmd, iblob, ilen);
		iblob = NULL;
	} else if (!ret) {
		db_bind_int(ids_q, ":case", id);
		db_bind_int(ids_q, ":ncmd", t->ncmd);
		db_bind_blob(ids_q, ":ids", iblob, ilen);
		ret = run_rewind(ids_q);
	}
	if (!ret) {
		db_bind_int(anon_q, ":case", id);
		db_bind_text(anon_q, ":anon", t->anon);
		ret = run_rewind(anon_q);
	}
	free(blob);
	free(iblob);
	return ret;
}

static int doc_write(struct reg *r, struct db_stmt *doc, struct db_stmt *ids_q,
		     struct db_stmt *anon_q, int64_t id, const struct case_texts *t)
{
	return doc_write_kept(r, doc, ids_q, anon_q, NULL, id, t);
}

/* doc_write of n, whose text as stored is `text` (a legacy row's). */
static int doc_write_json(struct reg *r, struct db_stmt *doc, struct db_stmt *ids_q,
			  struct db_stmt *anon_q, int64_t id, const json_t *n,
			  const char *text)
{
	struct case_texts t = CASE_TEXTS_INIT;
	char *own;
	int ret;

	if (case_texts_make(n, &t))
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	own = t.text;
	t.text = (char *)text;
	ret = doc_write(r, doc, ids_q, anon_q, id, &t);
	t.text = own;
	case_texts_release(&t);
	return ret;
}

/* The statements re-writing notifications one at a time (doc_write). */
struct doc_rewrite {
	struct db_stmt doc, ids, anon;
};

static void doc_rewrite_prepare(struct reg *r, struct doc_rewrite *w)
{
	static const char doc[] =
		"UPDATE case_documents SET json = '', sealed = :sealed WHERE case_id = :case";

	memset(w, 0, sizeof *w); /* each DB_STMT_INIT */
	db_prepare(r, &w->doc, doc);
	db_prepare(r, &w->ids, doc_short_sql[1][0]);
	db_prepare(r, &w->anon, doc_short_sql[1][1]);
}

static int doc_rewrite_finalize(struct doc_rewrite *w)
{
	int ret = db_finalize(&w->doc), fin = db_finalize(&w->ids);

	if (!ret)
		ret = fin;
	fin = db_finalize(&w->anon);
	return ret ? ret : fin;
}

int case_writer_add(struct case_writer *w, const json_t *notification,
		    const char *status, const json_t *done, char ref[CASE_REF_MAX],
		    int64_t *case_id)
{
	return case_writer_add_made(w, notification, NULL, status, done, ref, case_id);
}

int case_writer_add_made(struct case_writer *w, const json_t *notification,
			 const struct case_texts *made, const char *status,
			 const json_t *done, char ref[CASE_REF_MAX], int64_t *case_id)
{
	struct db_stmt *q = &w->ins_case, *d = &w->ins_doc;
	struct case_texts own = CASE_TEXTS_INIT;
	json_t *n = NULL;
	uint64_t used = 0;
	int ret, year;

	if (w->validated && w->normalised) {
		n = json_incref((json_t *)notification);
		ret = n ? CDOP_OK : reg_fail(w->r, CDOP_ERR_INTERNAL, "no notification");
	} else if (w->validated) {
		n = form_normalise(&form_notification, notification);
		ret = n ? CDOP_OK : reg_fail(w->r, CDOP_ERR_NOMEM, "out of memory");
	} else {
		ret = notification_accept(w->r, notification, "", &n);
	}
	/* Each hash made once, for the check and the row (made without
	 * them: each bind makes its own). */
	if (!ret && !made) {
		if (case_texts_make(n, &own))
			ret = reg_fail(w->r, CDOP_ERR_NOMEM, "out of memory");
		else
			ret = case_texts_hash(w->r, n, &own);
		made = &own;
	}
	if (!ret)
		ret = check_duplicate(w, n, -1, made);
	if (ret)
		goto out;
	year = atoi(jstr(n, "notified.date"));
	ret = next_ref(w, year, ref);
	if (ret)
		goto out;
	db_bind_text(q, ":ref", ref);
	db_bind_text(q, ":status", status ? status : "notified");
	db_bind_text(q, ":now", w->now);
	bind_case_columns(q, n, made);
	ret = run_rewind(q);
	if (ret)
		goto out;
	*case_id = db_last_id(w->r);
	ret = doc_write_kept(w->r, d, &w->ins_ids, &w->ins_anon, w, *case_id, made);
	if (!ret && w->targets_text[0])
		ret = targets_store(w->r, *case_id, w->targets_text);
	if (!ret && !strcmp(jstr(n, "death.expected"), "unexpected"))
		ret = create_rr_actions(w, *case_id, n, done, &used);
	if (!ret && done)
		ret = store_done_rest(w, *case_id, done, used);
out:
	case_texts_release(&own);
	json_decref(n);
	return ret;
}

int case_writer_rr_done(struct case_writer *w, int64_t case_id, const char *action,
			const char *on, const char *by, const char *notes)
{
	struct db_stmt *u = &w->done_rr;
	int ret;

	db_bind_int(u, ":case", case_id);
	db_bind_text(u, ":action", action);
	db_bind_text(u, ":on", on);
	cases_bind_sealed(w->r, u, ":by", "rr_actions.done_by", action, case_id, by);
	cases_bind_sealed(w->r, u, ":notes", "rr_actions.notes", action, case_id, notes);
	ret = run_rewind(u);
	if (ret || db_changes(w->r) > 0)
		return ret;
	db_bind_int(&w->ins_rr, ":case", case_id);
	db_bind_text(&w->ins_rr, ":action", action);
	db_bind_null(&w->ins_rr, ":due");
	db_bind_text(&w->ins_rr, ":on", on);
	cases_bind_sealed(w->r, &w->ins_rr, ":by", "rr_actions.done_by", action, case_id, by);
	cases_bind_sealed(w->r, &w->ins_rr, ":notes", "rr_actions.notes", action, case_id,
			  notes);
	return run_rewind(&w->ins_rr);
}

static int agency_row(struct case_writer *w, int first, int64_t case_id,
		      const char *agency, const char *requested, const char *due,
		      const char *received, const char *form)
{
	struct db_stmt *q = first ? &w->ins_agency : &w->upd_agency;
	int ret = CDOP_OK, pass;

	/* SQLite 3.15 has no UPSERT: update, and insert when nothing changed. */
	for (pass = first; pass < 2 && !ret; pass++) {
		db_bind_int(q, ":case", case_id);
		db_bind_text(q, ":agency", agency);
		db_bind_text(q, ":requested", requested);
		db_bind_text(q, ":due", due);
		db_bind_text(q, ":received", received);
		cases_bind_sealed(w->r, q, ":form", "agency_reports.form", agency, case_id,
				  form);
		ret = run_rewind(q);
		if (ret || db_changes(w->r) > 0)
			break;
		q = &w->ins_agency;
	}
	return ret;
}

int case_writer_agency(struct case_writer *w, int64_t case_id, const char *agency,
		       const char *requested, const char *due, const char *received,
		       const char *form)
{
	return agency_row(w, 0, case_id, agency, requested, due, received, form);
}

int case_writer_agency_new(struct case_writer *w, int64_t case_id, const char *agency,
			   const char *requested, const char *due, const char *received,
			   const char *form)
{
	return agency_row(w, 1, case_id, agency, requested, due, received, form);
}

/* ---- single-case operations ----------------------------------------------- */

int cases_find(struct reg *r, const char *ref, int64_t *id, char status[24])
{
	static const char sql[] = "SELECT id, status FROM cases WHERE ref = :ref";
	struct db_stmt q = DB_STMT_INIT;
	char upper[CASE_REF_MAX];
	size_t i;
	int found, ret;

	/* References are stored in capitals; "cdop-2025-0001" is the same. */
	for (i = 0; ref[i] && i + 1 < sizeof upper; i++)
		upper[i] = (char)toupper((unsigned char)ref[i]);
	upper[i] = '\0';
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":ref", ref[i] ? ref : upper);
	found = db_step(&q) == DB_ROW;
	if (found) {
		*id = db_column_int(&q, 0);
		if (status)
			snprintf(status, 24, "%s", db_column_text(&q, 1));
	}
	ret = db_finalize(&q);
	if (!ret && !found)
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "no case '%s' (references look "
			       "like CDOP-2025-0001; see 'cdop case list')", ref);
	return ret;
}

int cases_notify(struct reg *r, const json_t *notification, char ref[CASE_REF_MAX])
{
	struct case_writer w;
	int64_t id = 0;
	size_t allowed = 0;
	char *detail = NULL, *values = NULL;
	json_t *none = json_object();
	int ret = none ? db_begin(r) : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");

	if (ret) {
		json_decref(none);
		return ret;
	}
	ret = summary_check(r, notification, &allowed);
	if (!ret)
		ret = case_writer_init(&w, r);
	else
		memset(&w, 0, sizeof w);
	if (!ret)
		ret = case_writer_add(&w, notification, NULL, NULL, ref, &id);
	case_writer_release(&w);
	/* Every value given, as new values (the identifiable ones sealed). */
	if (!ret)
		ret = change_detail(r, none, notification, NULL, allowed, &detail, &values);
	if (!ret)
		ret = audit_append_values(r, "notify", ref, detail, values);
	if (!ret)
		ret = db_commit(r);
	if (ret)
		db_rollback(r);
	json_decref(none);
	free(detail);
	wipe_free(values);
	return ret;
}

int cases_notification_parse(struct reg *r, int64_t id, const char *json,
			     const void *blob, size_t len, json_t **out)
{
	char *text = NULL;
	int ret = CDOP_OK;

	*out = NULL;
	if (blob) {
		ret = store_id_open(r, "notification", id, blob, len, &text);
		json = text;
	}
	if (!ret && !(*out = json_loads(json ? json : "", 0, NULL)))
		ret = reg_fail(r, CDOP_ERR_DAMAGED, "stored notification of case %"
			       PRId64 " is not JSON", id);
	wipe_free(text);
	return ret;
}

/* json, sealed and anon of case id's document. */
static int doc_read(struct reg *r, int64_t id, int anon, json_t **out)
{
	static const char sql[] =
		"SELECT json, sealed, a.anon FROM case_documents d "
		"LEFT JOIN case_anon a ON a.case_id = d.case_id WHERE d.case_id = :id";
	struct db_stmt q = DB_STMT_INIT;
	int found, ret = CDOP_OK, fin;

	*out = NULL;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	found = db_step(&q) == DB_ROW;
	if (found && anon && !db_column_is_null(&q, 2)) {
		if (!(*out = json_loads(db_column_text(&q, 2), 0, NULL)))
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "stored anonymised "
				       "notification of case %" PRId64 " is not JSON", id);
	} else if (found) {
		size_t n = 0;
		const void *b = db_column_is_null(&q, 1) ? NULL : db_column_blob(&q, 1, &n);
		json_t *full = NULL;

		/* Unsealed (a register not yet re-sealed): made from the text. */
		ret = cases_notification_parse(r, id, db_column_text(&q, 0), b, n, &full);
		if (!ret && anon) {
			*out = anonymise_notification(full);
			if (!*out)
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			json_decref(full);
		} else {
			*out = full;
		}
	}
	fin = db_finalize(&q);
	if (!ret && fin)
		ret = fin;
	if (!ret && !found)
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "no case with id %" PRId64, id);
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
	return ret;
}

int cases_notification(struct reg *r, int64_t id, json_t **out)
{
	return doc_read(r, id, 0, out);
}

int cases_notification_anon(struct reg *r, int64_t id, json_t **out)
{
	return doc_read(r, id, 1, out);
}

/* One legacy row: sealed, anonymised, its columns re-bound as hashes. */
static int seal_one(struct reg *r, struct doc_rewrite *doc, struct db_stmt *cols,
		    int64_t id, const char *json)
{
	json_t *n = json_loads(json, 0, NULL);
	int ret = n ? CDOP_OK : reg_fail(r, CDOP_ERR_DAMAGED, "stored notification of "
					"case %" PRId64 " is not JSON", id);

	if (!ret)
		ret = doc_write_json(r, &doc->doc, &doc->ids, &doc->anon, id, n, json);
	if (!ret) {
		db_bind_int(cols, ":id", id);
		db_bind_text(cols, ":now", NULL);
		bind_case_columns(cols, n, NULL);
		ret = run_reset(cols);
	}
	json_decref(n);
	return ret;
}

/* Legacy identifiable text columns (stored as TEXT before migration 008;
 * sealed ones are BLOBs): each re-bound sealed, under its column, key and
 * case id, as the writers seal them. After a keyring conversion (§17) the
 * values sealed under the legacy K_id (epoch 0: a blob starting with four
 * zero bytes) are re-sealed the same way, once (epoch0 = 1). */
struct legacy_col {
	const char *table, *key, *col, *column;
};

static const struct legacy_col legacy_cols[] = {
	{ "rr_actions", "action", "done_by", "rr_actions.done_by" },
	{ "rr_actions", "action", "notes", "rr_actions.notes" },
	{ "agency_reports", "agency", "form", "agency_reports.form" },
};

#define EPOCH0(col) "(:epoch0 AND typeof(" col ") = 'blob' AND substr(" col ", 1, 4) = x'00000000')"

static int seal_legacy_col(struct reg *r, const struct legacy_col *lc, int epoch0, int64_t *n)
{
	struct db_stmt q = DB_STMT_INIT, u = DB_STMT_INIT;
	char sel[400], upd[200], *text = NULL;
	int ret, fin;

	snprintf(sel, sizeof sel, "SELECT id, case_id, %s, %s FROM %s WHERE typeof(%s) = "
		 "'text' OR (:epoch0 AND typeof(%s) = 'blob' AND substr(%s, 1, 4) = "
		 "x'00000000')", lc->key, lc->col, lc->table, lc->col, lc->col, lc->col);
	snprintf(upd, sizeof upd, "UPDATE %s SET %s = :v WHERE id = :id", lc->table, lc->col);
	db_prepare(r, &q, sel);
	db_bind_int(&q, ":epoch0", epoch0);
	db_prepare(r, &u, upd);
	while (db_step(&q) == DB_ROW) {
		if ((ret = cases_open_sealed(r, &q, 3, lc->column, db_column_text(&q, 2),
					     db_column_int(&q, 1), &text)) != CDOP_OK) {
			q.rc = ret;
			break;
		}
		db_bind_int(&u, ":id", db_column_int(&q, 0));
		cases_bind_sealed(r, &u, ":v", lc->column, db_column_text(&q, 2),
				  db_column_int(&q, 1), text);
		wipe_free(text);
		text = NULL;
		if (run_reset(&u))
			break;
		(*n)++;
	}
	ret = db_finalize(&q);
	fin = db_finalize(&u);
	return ret ? ret : fin;
}

static int legacy_any(struct reg *r, int *any)
{
	static const char sql[] =
		"SELECT 1 FROM case_documents WHERE sealed IS NULL UNION ALL "
		"SELECT 1 FROM rr_actions WHERE typeof(done_by) = 'text' OR "
		"typeof(notes) = 'text' UNION ALL "
		"SELECT 1 FROM agency_reports WHERE typeof(form) = 'text' LIMIT 1";
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, sql);
	*any = db_step(&q) == DB_ROW;
	return db_finalize(&q);
}

/* One row sealed under the legacy K_id: opened, then as seal_one. */
static int reseal_one(struct reg *r, struct doc_rewrite *doc, struct db_stmt *cols,
		      struct db_stmt *q)
{
	int64_t id = db_column_int(q, 0);
	size_t n = 0;
	const void *b = db_column_blob(q, 2, &n);
	char *text = NULL;
	int ret = store_id_open(r, "notification", id, b, n, &text);

	if (!ret)
		ret = seal_one(r, doc, cols, id, text);
	wipe_free(text);
	return ret;
}

int cases_seal_legacy(struct reg *r)
{
	static const char todo[] =
		"SELECT case_id, json, sealed FROM case_documents WHERE sealed IS NULL OR "
		EPOCH0("sealed");
	static const char head[] = "UPDATE cases SET updated_at = :now";
	struct db_stmt q = DB_STMT_INIT, c = DB_STMT_INIT;
	struct doc_rewrite d;
	char detail[256], upd[1100];
	int64_t n = 0, cols = 0;
	int ret, any, epoch0, fin;
	size_t i;

	if (!store_has_id(r))
		return CDOP_OK;
	ret = legacy_any(r, &any);
	if (!ret)
		ret = store_id_legacy_due(r, &epoch0);
	if (ret || (!any && !epoch0))
		return ret;
	column_sql_make();
	/* The writer's update, keeping updated_at (:now is bound NULL). */
	snprintf(upd, sizeof upd, "UPDATE cases SET updated_at = coalesce(:now, updated_at)%s",
		 column_sql.update + strlen(head));
	ret = db_begin(r);
	if (ret)
		return ret;
	db_prepare(r, &q, todo);
	db_bind_int(&q, ":epoch0", epoch0);
	doc_rewrite_prepare(r, &d);
	db_prepare(r, &c, upd);
	while (!ret && db_step(&q) == DB_ROW) {
		ret = db_column_is_null(&q, 2) ?
			seal_one(r, &d, &c, db_column_int(&q, 0), db_column_text(&q, 1)) :
			reseal_one(r, &d, &c, &q);
		n++;
	}
	fin = db_finalize(&q);
	if (!ret)
		ret = fin;
	fin = doc_rewrite_finalize(&d);
	if (!ret)
		ret = fin;
	fin = db_finalize(&c);
	if (!ret)
		ret = fin;
	for (i = 0; !ret && i < sizeof legacy_cols / sizeof legacy_cols[0]; i++)
		ret = seal_legacy_col(r, &legacy_cols[i], epoch0, &cols);
	if (!ret && epoch0)
		ret = store_id_legacy_done(r);
	snprintf(detail, sizeof detail, "%" PRId64 " notifications, %" PRId64
		 " response and agency fields sealed%s", n, cols, epoch0 ?
		 " (those under the legacy key re-sealed: keyring converted, "
		 "docs/security.md 17)" : "");
	if (!ret)
		ret = audit_append(r, "seal", "register", detail);
	return db_end(r, ret);
}

/* A manager's unlock, from either front end: re-seal what was written
 * before keys by role, then check text written without K_id (issue 11). */
int cases_after_unlock(struct reg *r)
{
	int ret = cases_seal_legacy(r);

	return ret ? ret : idcheck_pending(r, 0);
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

/* The audit detail and sealed values of a change to a notification (OLD
 * an empty object for a new one): {"changes": [...], "reason": TEXT?,
 * "allowed_words": N?}. */
static int change_detail(struct reg *r, const json_t *old, const json_t *new_,
			 const char *reason, size_t allowed, char **detail, char **values)
{
	struct change_log log;
	int ret;

	change_log_init(&log);
	change_form(&log, &form_notification, old, new_);
	if (reason && *reason)
		change_note(&log, "reason", reason);
	/* How many words the identifier check was told to allow, never which. */
	if (allowed && !log.oom &&
	    json_object_set_new(log.detail, "allowed_words", json_integer((json_int_t)allowed)))
		log.oom = 1;
	ret = change_log_text(r, &log, detail, values);
	change_log_release(&log);
	return ret;
}

static int update_row(struct reg *r, int64_t id, const json_t *n)
{
	struct db_stmt q = DB_STMT_INIT;
	struct doc_rewrite d;
	struct case_texts t = CASE_TEXTS_INIT;
	char now[21];
	int ret;

	if (case_texts_make(n, &t))
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	reg_now(now);
	column_sql_make();
	db_prepare(r, &q, column_sql.update);
	db_bind_text(&q, ":now", now);
	db_bind_int(&q, ":id", id);
	bind_case_columns(&q, n, NULL);
	db_run(&q);
	ret = db_finalize(&q);
	if (!ret) {
		int fin;

		doc_rewrite_prepare(r, &d);
		ret = doc_write(r, &d.doc, &d.ids, &d.anon, id, &t);
		fin = doc_rewrite_finalize(&d);
		if (!ret)
			ret = fin;
	}
	case_texts_release(&t);
	return ret;
}

/* The one path for a change to a stored notification: merged, validated
 * again, stored, audited with its old and new values as ACTION. A
 * reviewed or closed case changes only with a reason (unless the change is
 * a clock being stopped: reason_free). */
static int update_with(struct reg *r, const char *ref, const json_t *patch,
		       const char *reason, const char *action, int reason_free)
{
	struct case_writer w;
	json_t *stored = NULL, *before = NULL, *n = NULL;
	char status[24] = "", *detail = NULL, *values = NULL;
	size_t allowed = 0;
	int64_t id = 0;
	int ret, have_writer = 0;

	if (!json_is_object(patch))
		return reg_fail(r, CDOP_ERR_INPUT, "case update: the JSON must be an "
				"object with some of: child, death, notified, birth");
	ret = db_begin(r);
	if (!ret) ret = cases_find(r, ref, &id, status);
	if (!ret && !reason_free && (!reason || !*reason) &&
	    (!strcmp(status, "reviewed") || !strcmp(status, "closed")))
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "reason", "case %s is '%s': a "
				     "change to a reviewed or closed case needs a reason "
				     "(it is kept in the case's history)", ref, status);
	if (!ret) ret = cases_notification(r, id, &stored);
	if (!ret && !(before = json_deep_copy(stored)))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret && merge_patch(stored, patch))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret) ret = notification_accept(r, stored, "", &n);
	if (!ret) ret = review_contradicted(r, id, n);
	if (!ret && json_is_string(json_object_get(patch, "panel_summary")))
		ret = summary_check(r, n, &allowed);
	if (!ret) {
		ret = case_writer_init(&w, r);
		have_writer = 1;
	}
	if (!ret) ret = check_duplicate(&w, n, id, NULL);
	if (!ret) ret = update_row(r, id, n);
	if (!ret && death_changed(before, n))
		ret = rr_retime(r, id, n);
	if (!ret) ret = change_detail(r, before, n, reason, allowed, &detail, &values);
	if (!ret) ret = audit_append_values(r, action, ref, detail, values);
	if (have_writer)
		case_writer_release(&w);
	if (!ret) ret = db_commit(r);
	if (ret)
		db_rollback(r);
	free(detail);
	wipe_free(values);
	json_decref(before);
	json_decref(stored);
	json_decref(n);
	return ret;
}

int cases_update(struct reg *r, const char *ref, const json_t *patch)
{
	return update_with(r, ref, patch, NULL, "update", 0);
}

int cases_update_reason(struct reg *r, const char *ref, const json_t *patch,
			const char *reason)
{
	return update_with(r, ref, patch, reason, "update", 0);
}

int cases_ncmd_notified(struct reg *r, const char *ref, const char *on)
{
	char date[DATE_BUFLEN];
	struct cdatetime dt;
	struct cdate today;
	json_t *patch;
	int ret = reg_today_date(r, &today, NULL);

	if (ret)
		return ret;
	/* A date and time typed for --on: the date is what NCMD records. A
	 * value that is no date goes to the form, which names the field. */
	if (date_input_datetime_parse(on, &today, &dt) == DATE_OK)
		date_format(&dt.date, date);
	else
		snprintf(date, sizeof date, "%s", on ? on : "");
	patch = json_pack("{s:{s:s}}", "notified", "ncmd_date", on && !date[0] ? on : date);
	if (!patch)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	ret = update_with(r, ref, patch, NULL, "notified_ncmd", 1);
	json_decref(patch);
	return ret;
}

/* 1 if case ID is recorded as resident or not stated (only a non-resident
 * child is transferred). */
static int resident_of(struct reg *r, int64_t id, int *resident)
{
	static char sql[96];
	struct db_stmt q = DB_STMT_INIT;

	if (!sql[0])
		snprintf(sql, sizeof sql, "SELECT %s FROM cases WHERE id = :id",
			 case_columns[CASE_RESIDENT].name);
	*resident = 0;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW && db_column_int(&q, 0) != 0)
		*resident = 1;
	return db_finalize(&q);
}

/* Agency reports requested and not received, as "gp, police" in out. */
static int outstanding_reports(struct reg *r, int64_t id, char *out, size_t len, int *n)
{
	static const char sql[] =
		"SELECT agency FROM agency_reports WHERE case_id = :id "
		"AND requested IS NOT NULL AND received IS NULL ORDER BY agency";
	struct db_stmt q = DB_STMT_INIT;

	*n = 0;
	out[0] = '\0';
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	while (db_step(&q) == DB_ROW) {
		if (strlen(out) + strlen(db_column_text(&q, 0)) + 3 < len)
			snprintf(out + strlen(out), len - strlen(out), "%s%s",
				 *n ? ", " : "", db_column_text(&q, 0));
		(*n)++;
	}
	return db_finalize(&q);
}

int cases_set_status(struct reg *r, const char *ref, const char *status)
{
	return cases_set_status_reason(r, ref, status, NULL);
}

int cases_set_status_reason(struct reg *r, const char *ref, const char *status,
			    const char *reason)
{
	static const char sql[] =
		"UPDATE cases SET status = :status, updated_at = :now WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	char have[24] = "", now[21], valid[160], agencies[160] = "";
	struct change_log log;
	int64_t id = 0;
	int ret, resident = 0, f, t, back, open_reports = 0;
	int has_reason = reason && *reason;

	code_list_join(&codes_case_status, valid, sizeof valid);
	if (!code_list_find(&codes_case_status, status))
		return reg_fail_field(r, CDOP_ERR_INPUT, "status", "'%s' is not a case status; "
				"valid: %s", status, valid);
	change_log_init(&log);
	ret = db_begin(r);
	if (!ret) ret = cases_find(r, ref, &id, have);
	if (ret)
		goto out;
	f = code_list_index(&codes_case_status, have);
	t = code_list_index(&codes_case_status, status);
	/* Back along the process: a correction, one step, with a reason. */
	back = t < f && strcmp(have, "transferred") && strcmp(status, "transferred");
	if (back && !strcmp(have, "scheduled"))
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s is on a meeting's agenda: "
			       "take it off with 'cdop meeting remove MEETING %s'", ref, ref);
	else if (back && !strcmp(have, "reviewed"))
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s has been reviewed: a review "
			       "is amended at a later meeting ('cdop meeting add', then "
			       "'cdop review')", ref);
	else if (back && t != f - 1)
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s is '%s': a case moves back "
			       "one step at a time, to '%s'", ref, have,
			       codes_case_status.codes[f - 1].code);
	else if (back && !has_reason)
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "reason", "moving case %s back from "
				     "'%s' to '%s' is a correction: it needs a reason "
				     "(kept in the case's history)", ref, have, status);
	else if (!back && (!strcmp(status, "scheduled") || !strcmp(status, "reviewed")))
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "status", "a case becomes '%s' through "
				"'cdop %s', not 'case status'", status,
				!strcmp(status, "scheduled") ? "meeting add" : "review");
	else if (!back && codes_status_move_check(have, status))
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s is '%s' and cannot move "
			       "to '%s': statuses go notified, gathering, ready, "
			       "scheduled, reviewed, closed (transferred before review; "
			       "one step back with a reason)", ref, have, status);
	else if (!strcmp(status, "closed") && strcmp(have, "reviewed"))
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s is '%s': a case is closed "
			       "once it has been reviewed ('cdop review')", ref, have);
	if (!ret && !strcmp(status, "transferred"))
		ret = resident_of(r, id, &resident);
	if (!ret && resident)
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s: only a non-resident "
			       "child (child.resident false) is transferred to "
			       "the home CDOP", ref);
	/* Closing drops the reports still awaited from 'agency due': say so. */
	if (!ret && (!strcmp(status, "closed") || !strcmp(status, "transferred")))
		ret = outstanding_reports(r, id, agencies, sizeof agencies, &open_reports);
	if (!ret && open_reports && !has_reason)
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "reason", "case %s has %d agency "
				     "report%s outstanding (%s): once %s it is no longer "
				     "chased in 'agency due'; give a reason to go ahead",
				     ref, open_reports, open_reports == 1 ? "" : "s",
				     agencies, status);
	if (!ret) {
		reg_now(now);
		db_prepare(r, &q, sql);
		db_bind_text(&q, ":status", status);
		db_bind_text(&q, ":now", now);
		db_bind_int(&q, ":id", id);
		db_run(&q);
		ret = db_finalize(&q);
	}
	/* The trail's change format (history.c), as every other change:
	 * {"changes": [{"path": "status", old, new}], "reason"?, "outstanding"?}.
	 * Entries written before kept a flat {old, new}; history reads both. */
	if (!ret) {
		json_t *o = json_string(have), *n = json_string(status);

		if (!o || !n)
			log.oom = 1;
		change_add(&log, "status", o, n, 0);
		json_decref(o);
		json_decref(n);
		if (has_reason)
			change_note(&log, "reason", reason);
		if (open_reports)
			change_note(&log, "outstanding", agencies);
	}
out:
	return cases_commit_changes(r, ret, "status", ref, &log);
}
