#include "cdop/store/store.h"

#include <string.h>
#include <strings.h>

int db_error(struct reg *r, int rc, const char *what)
{
	const char *msg = r->st.db ? sqlite3_errmsg(r->st.db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return reg_fail(r, CDOP_ERR_DAMAGED,
				"register '%s' is damaged or has been altered (%s: %s)",
				r->st.path, what, msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return reg_fail(r, CDOP_ERR_BUSY,
				"register '%s' is busy: another cdop is writing; try again",
				r->st.path);
	case SQLITE_CONSTRAINT:
		return reg_fail(r, CDOP_ERR_CONFLICT, "%s: %s", what, msg);
	case SQLITE_NOMEM:
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory (%s)", what);
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return reg_fail(r, CDOP_ERR_IO, "cannot %s register '%s': %s",
				what, r->st.path, msg);
	}
	return reg_fail(r, CDOP_ERR_INTERNAL, "%s: %s", what, msg);
}

/* Records the statement's first error; returns the sticky one. */
static int stmt_fail(struct db_stmt *q, int err)
{
	if (!q->rc)
		q->rc = err;
	return q->rc;
}

/*
 * Statements are kept after db_finalize and handed out again for the same
 * SQL text: compiling costs more than running most of them, and a bulk
 * import runs the same few per line. Only while PRAGMAs are denied, so a
 * kept statement was authorised as it would be now (SQLite re-prepares it,
 * authorizer included, after a schema change). The text is compared, not
 * only the pointer: a caller may build SQL in a reused buffer.
 */
static struct store_stmt *cache_find(struct reg *r, const char *sql)
{
	size_t i;

	for (i = 0; i < REG_STMT_CACHE && r->st.stmts[i].sql; i++)
		if (!r->st.stmts[i].busy && r->st.stmts[i].sql == sql &&
		    !strcmp(sqlite3_sql(r->st.stmts[i].s), sql))
			return &r->st.stmts[i];
	return NULL;
}

static void cache_keep(struct reg *r, const char *sql, sqlite3_stmt *s)
{
	size_t i;

	for (i = 0; i < REG_STMT_CACHE && r->st.stmts[i].sql; i++)
		;
	if (i < REG_STMT_CACHE) {
		r->st.stmts[i].sql = sql;
		r->st.stmts[i].s = s;
		r->st.stmts[i].busy = 1;
	}
}

int db_changes(struct reg *r)
{
	return sqlite3_changes(r->st.db);
}

int64_t db_last_id(struct reg *r)
{
	return sqlite3_last_insert_rowid(r->st.db);
}

void db_cache_clear(struct reg *r)
{
	size_t i;

	for (i = 0; i < REG_STMT_CACHE; i++) {
		if (r->st.stmts[i].s)
			sqlite3_finalize(r->st.stmts[i].s);
		r->st.stmts[i].sql = NULL;
		r->st.stmts[i].s = NULL;
		r->st.stmts[i].busy = 0;
	}
}

int db_prepare(struct reg *r, struct db_stmt *q, const char *sql)
{
	struct store_stmt *c = r->st.allow_pragma ? NULL : cache_find(r, sql);
	int rc;

	q->r = r;
	q->s = NULL;
	q->rc = CDOP_OK;
	q->name[0] = NULL;
	if (c) {
		c->busy = 1;
		q->s = c->s;
		return CDOP_OK;
	}
	rc = sqlite3_prepare_v2(r->st.db, sql, -1, &q->s, NULL);
	if (rc != SQLITE_OK)
		return stmt_fail(q, db_error(r, rc, "prepare"));
	if (!r->st.allow_pragma && q->s)
		cache_keep(r, sql, q->s);
	return CDOP_OK;
}

/* The parameter's index, or 0 after recording the error. A name met
 * before at the same address is checked against the index's own name
 * (the caller may have reused a buffer). */
static int bind_index(struct db_stmt *q, const char *name)
{
	const char *had;
	size_t k;
	int i;

	if (q->rc || !q->s)
		return 0;
	for (k = 0; k < DB_STMT_NAMES && q->name[k]; k++)
		if (q->name[k] == name) {
			had = sqlite3_bind_parameter_name(q->s, q->index[k]);
			if (had && !strcmp(had, name))
				return q->index[k];
			break;
		}
	i = sqlite3_bind_parameter_index(q->s, name);
	if (i == 0)
		stmt_fail(q, reg_fail(q->r, CDOP_ERR_INTERNAL,
				      "no parameter %s in statement", name));
	else if (k < DB_STMT_NAMES && !q->name[k]) {
		q->name[k] = name;
		q->index[k] = i;
		if (k + 1 < DB_STMT_NAMES)
			q->name[k + 1] = NULL;
	}
	return i;
}

static int bind_result(struct db_stmt *q, int rc)
{
	return rc == SQLITE_OK ? CDOP_OK : stmt_fail(q, db_error(q->r, rc, "bind"));
}

int db_bind_text(struct db_stmt *q, const char *name, const char *v)
{
	int i = bind_index(q, name);

	if (!i)
		return q->rc;
	if (!v)
		return bind_result(q, sqlite3_bind_null(q->s, i));
	return bind_result(q, sqlite3_bind_text(q->s, i, v, -1, SQLITE_TRANSIENT));
}

int db_bind_int(struct db_stmt *q, const char *name, int64_t v)
{
	int i = bind_index(q, name);

	return i ? db_bind_int_at(q, i, v) : q->rc;
}

int db_bind_blob(struct db_stmt *q, const char *name, const void *v, size_t n)
{
	int i = bind_index(q, name);

	return i ? db_bind_blob_at(q, i, v, n) : q->rc;
}

int db_bind_int_at(struct db_stmt *q, int i, int64_t v)
{
	if (q->rc || !q->s)
		return q->rc;
	return bind_result(q, sqlite3_bind_int64(q->s, i, v));
}

int db_bind_blob_at(struct db_stmt *q, int i, const void *v, size_t n)
{
	if (q->rc || !q->s)
		return q->rc;
	if (!v)
		return bind_result(q, sqlite3_bind_null(q->s, i));
	return bind_result(q, sqlite3_bind_blob(q->s, i, v, (int)n, SQLITE_TRANSIENT));
}

int db_bind_null(struct db_stmt *q, const char *name)
{
	int i = bind_index(q, name);

	return i ? bind_result(q, sqlite3_bind_null(q->s, i)) : q->rc;
}

int db_step(struct db_stmt *q)
{
	int rc;

	if (q->rc)
		return q->rc;
	if (!q->s)
		return stmt_fail(q, CDOP_ERR_INTERNAL);
	rc = sqlite3_step(q->s);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return stmt_fail(q, db_error(q->r, rc, "query"));
}

int db_run(struct db_stmt *q)
{
	int rc = db_step(q);

	return rc == DB_ROW || rc == DB_DONE ? CDOP_OK : rc;
}

int db_reset(struct db_stmt *q)
{
	if (q->s) {
		sqlite3_reset(q->s);
		sqlite3_clear_bindings(q->s);
	}
	return q->rc;
}

int db_rewind(struct db_stmt *q)
{
	if (q->s)
		sqlite3_reset(q->s);
	return q->rc;
}

const char *db_column_text(struct db_stmt *q, int col)
{
	const unsigned char *t = q->s ? sqlite3_column_text(q->s, col) : NULL;

	return t ? (const char *)t : "";
}

int64_t db_column_int(struct db_stmt *q, int col)
{
	return q->s ? sqlite3_column_int64(q->s, col) : 0;
}

const void *db_column_blob(struct db_stmt *q, int col, size_t *n)
{
	const void *p = q->s ? sqlite3_column_blob(q->s, col) : NULL;

	*n = p ? (size_t)sqlite3_column_bytes(q->s, col) : 0;
	return p;
}

int db_column_is_null(struct db_stmt *q, int col)
{
	return !q->s || sqlite3_column_type(q->s, col) == SQLITE_NULL;
}

int db_finalize(struct db_stmt *q)
{
	int rc = q->rc;
	size_t i;

	if (q->s) {
		for (i = 0; i < REG_STMT_CACHE && q->r->st.stmts[i].s != q->s; i++)
			;
		if (i < REG_STMT_CACHE) {
			sqlite3_reset(q->s);
			sqlite3_clear_bindings(q->s);
			q->r->st.stmts[i].busy = 0;
		} else {
			sqlite3_finalize(q->s);
		}
	}
	q->s = NULL;
	q->rc = CDOP_OK;
	q->name[0] = NULL;
	return rc;
}

int db_exec(struct reg *r, const char *sql)
{
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, sql);
	db_run(&q);
	return db_finalize(&q);
}

int db_exec_script(struct reg *r, const char *sql)
{
	int rc = sqlite3_exec(r->st.db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? CDOP_OK : db_error(r, rc, "apply schema");
}

int db_begin(struct reg *r)
{
	int ret = r->st.before_write ? r->st.before_write(r) : CDOP_OK;

	if (ret)
		return ret;
	ret = db_exec(r, "BEGIN IMMEDIATE");
	if (ret)
		return ret;
	r->st.in_txn = 1;
	return CDOP_OK;
}

int db_commit(struct reg *r)
{
	int ret = db_exec(r, "COMMIT");

	if (ret)
		return ret;
	r->st.in_txn = 0;
	return CDOP_OK;
}

int db_end(struct reg *r, int ret)
{
	if (ret || (ret = db_commit(r)))
		db_rollback(r);
	return ret;
}

void db_rollback(struct reg *r)
{
	if (r->st.db && !sqlite3_get_autocommit(r->st.db))
		sqlite3_exec(r->st.db, "ROLLBACK", NULL, NULL, NULL);
	r->st.in_txn = 0;
}

/*
 * The connection runs only the application's own statements, but should a
 * bug ever let text reach SQL, these are the doors that lead out of the
 * encrypted file or into native code: another database (ATTACH, and
 * sqlcipher_export which writes one), run-time PRAGMAs (rekey, cipher
 * settings, writable_schema, journal and temp-store placement), extension
 * loading, and virtual tables (fts3_tokenizer and friends).
 */
static int authorizer(void *ctx, int action, const char *a1, const char *a2,
		      const char *dbname, const char *trigger)
{
	static const char *const denied_functions[] = {
		"sqlcipher_export", "load_extension", "fts3_tokenizer",
		"readfile", "writefile", "edit",
	};
	struct reg *r = ctx;
	size_t i;

	(void)a1;
	(void)dbname;
	(void)trigger;
	switch (action) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
	case SQLITE_CREATE_VTABLE:
	case SQLITE_DROP_VTABLE:
		return SQLITE_DENY;
	case SQLITE_PRAGMA:
		return r->st.allow_pragma ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_FUNCTION:
		for (i = 0; a2 && i < sizeof denied_functions / sizeof denied_functions[0]; i++)
			if (!strcasecmp(a2, denied_functions[i]))
				return SQLITE_DENY;
		return SQLITE_OK;
	}
	return SQLITE_OK;
}

void db_authorizer_install(struct reg *r)
{
	sqlite3_set_authorizer(r->st.db, authorizer, r);
}
