#ifndef CDOP_DB_H
#define CDOP_DB_H
#include <stddef.h>
#include <stdint.h>
#include <sqlcipher/sqlite3.h>

struct reg;

/*
 * Statement wrappers in Fossil's style: named binds, an empty initialiser
 * so db_finalize() is always safe, and errors turned into cdop_error codes
 * with the SQLite message in reg->err.
 */
struct db_stmt {
	sqlite3_stmt *s;
	struct reg *r;
};
#define DB_STMT_INIT { NULL, NULL }

enum { DB_DONE = 0, DB_ROW = 1 };

int db_prepare(struct reg *r, struct db_stmt *q, const char *sql);
/* v == NULL binds NULL. A name the statement lacks is a bug: CDOP_ERR_INTERNAL. */
int db_bind_text(struct db_stmt *q, const char *name, const char *v);
int db_bind_int(struct db_stmt *q, const char *name, int64_t v);
int db_bind_blob(struct db_stmt *q, const char *name, const void *v, size_t n);
int db_bind_null(struct db_stmt *q, const char *name);
/* DB_ROW, DB_DONE, or a negative cdop_error. */
int db_step(struct db_stmt *q);
int db_reset(struct db_stmt *q);
const char *db_column_text(struct db_stmt *q, int col);
int64_t db_column_int(struct db_stmt *q, int col);
const void *db_column_blob(struct db_stmt *q, int col, size_t *n);
int db_column_is_null(struct db_stmt *q, int col);
void db_finalize(struct db_stmt *q);
/* Finalizes the statements db_prepare keeps; before closing the connection. */
void db_cache_clear(struct reg *r);

/* One statement, no rows wanted. */
int db_exec(struct reg *r, const char *sql);
/* Several statements (migrations only). */
int db_exec_script(struct reg *r, const char *sql);

int db_begin(struct reg *r);
int db_commit(struct reg *r);
/* Safe to call when no transaction is open. */
void db_rollback(struct reg *r);

/* Maps an SQLite result code to a cdop_error and fills reg->err. */
int db_error(struct reg *r, int rc, const char *what);

/* Installs the authorizer; see db.c. */
void db_authorizer_install(struct reg *r);

#endif
