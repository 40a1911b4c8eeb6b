#ifndef CDOP_REGISTER_H
#define CDOP_REGISTER_H
#include <stddef.h>
#include <stdint.h>
#include <sqlcipher/sqlite3.h>

#include "cdop/role.h"
#include "crypto/keyring.h"

/*
 * A register: PATH (SQLCipher database) + PATH.keys (keyring). The library
 * never prints; every failure returns a cdop_error and leaves a message
 * in reg.err naming the file or field and what would be valid.
 */
#define REG_ERR_MAX 1024
#define REG_NAME_MAX 64
#define REG_STMT_CACHE 48

struct reg {
	char *path;
	char *keys_path;
	sqlite3 *db;
	struct keyring kr;
	uint8_t *master;          /* secure memory, MASTER_KEY_BYTES */
	char user[REG_NAME_MAX + 1];
	enum role role;
	int lock_fd;              /* flock on PATH for the whole command */
	int allow_pragma;         /* authorizer: only during set-up */
	int in_txn;
	int creating;             /* reg_create: no keyring on disk yet */
	int marked_dirty;         /* keyring says a write is under way */
	int file_mismatch;        /* file MAC differs (only with REG_OPEN_CHECK) */
	int recovered;            /* opened after an unclean close; checked */
	const char *today;        /* YYYY-MM-DD override for tests, or NULL */
	/* Prepared statements kept for reuse by db_prepare (db.c): a bulk
	 * import runs the same few statements per line. */
	struct reg_stmt_cache {
		const char *sql;
		sqlite3_stmt *s;
		int busy;
	} stmts[REG_STMT_CACHE];
	char err[REG_ERR_MAX];
};

void reg_init(struct reg *r);
/* After writes: closes the database and records the file's MAC in the
 * keyring (a clean close). Call before reg_release to see errors. */
int reg_close(struct reg *r);
/* reg_close if still open, then wipes keys and releases the lock. */
void reg_release(struct reg *r);
/* Called before the first write transaction: marks the keyring dirty so a
 * crash mid-write is told apart from tampering. */
int reg_mark_dirty(struct reg *r);

/* Sets reg->err from a format and returns code. */
int reg_fail(struct reg *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Open options. */
struct reg_open_opts {
	const char *path;
	const char *user;
	const char *pass;       /* NULL with recovery_code */
	size_t passlen;
	const char *recovery_code; /* open with the recovery slot instead */
	unsigned lock_timeout_ms;
	unsigned flags;            /* REG_OPEN_* */
};

enum reg_open_flags {
	/* Open even when the file MAC differs, so reg_check can explain. */
	REG_OPEN_CHECK = 1,
};

/* Unlocks, opens, migrates and checks the register. Records a failed
 * attempt in the keyring (imported into the audit trail at the next
 * successful unlock). */
int reg_open(struct reg *r, const struct reg_open_opts *o);

struct reg_create_opts {
	const char *path;
	const char *admin;
	const char *pass;
	size_t passlen;
	const char *kdf_profile; /* NULL = moderate */
	char recovery_code[RECOVERY_CODE_TEXT]; /* out */
};
/* Creates PATH and PATH.keys (both 0600, never overwriting). On failure
 * nothing is left behind. */
int reg_create(struct reg *r, struct reg_create_opts *o);

/* The register's default KDF parameters (set at init). */
int reg_kdf_params(struct reg *r, struct kdf_params *out);

/* Writes the keyring (MAC resealed) atomically. */
int reg_keyring_save(struct reg *r);

/* Full check: SQLCipher pages, schema, keyring, audit chain. */
int reg_check(struct reg *r);

/* Current UTC time as YYYY-MM-DDTHH:MM:SSZ. */
void reg_now(char out[21]);
/* Today's date (local), or the test override. */
void reg_today(const struct reg *r, char out[11]);

/* Schema version this build writes. */
int reg_schema_latest(void);

#endif
