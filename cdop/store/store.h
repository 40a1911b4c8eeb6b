#ifndef CDOP_STORE_STORE_H
#define CDOP_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlcipher/sqlite3.h>
#include <stdio.h>

#include "crypto/keyring.h"
#include "crypto/sign.h"

/* ==== error ==== */
/*
 * Register-library error codes. The CLI maps each to the SPEC's exit code
 * (cli/exitcode.c); the message that goes with it is in reg->err.
 */
enum cdop_error {
	CDOP_OK = 0,
	CDOP_ERR_INPUT = -1,    /* rejected input (exit 1) */
	CDOP_ERR_NOTFOUND = -2, /* no such record or file (exit 1) */
	CDOP_ERR_CONFLICT = -3, /* duplicate or not allowed now (exit 1) */
	CDOP_ERR_ACCESS = -4,   /* wrong passphrase, unknown/disabled user, role (exit 3) */
	CDOP_ERR_DAMAGED = -5,  /* integrity, keyring or audit chain (exit 4) */
	CDOP_ERR_IO = -6,       /* I/O (exit 5) */
	CDOP_ERR_INTERNAL = -7, /* a bug or an unexpected library failure (exit 5) */
	CDOP_ERR_NOMEM = -8,    /* (exit 5) */
	CDOP_ERR_BUSY = -9,     /* another cdop holds the register (exit 5) */
	CDOP_ERR_VERSION = -10, /* written by a newer cdop (exit 5) */
};

const char *cdop_strerror(int err);

/* ==== role ==== */
/* Roles, SPEC §2. The numbers are stored in keyring slot headers. */
enum role {
	ROLE_NONE = 0,
	ROLE_ADMIN = 1,   /* accounts, keys, audit, backup; no case identifiers */
	ROLE_MANAGER = 2, /* everything about cases, identifiable */
	ROLE_PANEL = 3,   /* anonymised case views, packs, reviews */
	ROLE_ANALYST = 4, /* reports only */
};

#define ROLE_BIT(r) (1u << (r))
#define ROLES_ANY (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_MANAGER) | \
		   ROLE_BIT(ROLE_PANEL) | ROLE_BIT(ROLE_ANALYST))

const char *role_name(enum role r);
/* ROLE_NONE when the name is not a role. */
enum role role_parse(const char *name);

/* ==== register ==== */
/*
 * A register: PATH (SQLCipher database) + PATH.keys (keyring). The library
 * never prints; every failure returns a cdop_error and leaves a message
 * in reg.err naming the file or field and what would be valid.
 */
#define REG_ERR_MAX 16384 /* every error of a form, one a line */
#define REG_NAME_MAX 64
#define REG_FIELD_MAX 64
#define REG_STMT_CACHE 48

struct reg;

/* The error value: the message of the last failure, and the field it was
 * about (a path such as "on" or "child.surname", or "") so that each front
 * end can name the field its own way (a flag, a form input). */
struct cdop_err {
	char field[REG_FIELD_MAX];
	char msg[REG_ERR_MAX];
};

/* The register as storage: its files, the database connection, the keys. */
struct store {
	char *path;
	char *keys_path;
	sqlite3 *db;
	struct keyring kr;
	uint8_t *master;          /* secure memory, MASTER_KEY_BYTES */
	int lock_fd;              /* flock on PATH for the whole command */
	int allow_pragma;         /* authorizer: only during set-up */
	int in_txn;
	int creating;             /* reg_create: no keyring on disk yet */
	int marked_dirty;         /* keyring says a write is under way */
	int file_mismatch;        /* file MAC differs (only with REG_OPEN_CHECK) */
	int recovered;            /* opened after an unclean close; checked */
	int mac_tree;             /* this open checked the file's chunk hashes */
	/* An integrity check failed (file MAC, keyring, audit chain): nothing
	 * is written, migrated, imported or resealed from then on. */
	int read_only;
	/* The data was committed but the file MAC could not be resealed: the
	 * keyring stays dirty (the next command checks everything); reg_close
	 * succeeds and the message in r->e is a warning. */
	int reseal_failed;
	/* Run by db_begin before the first write transaction; set at open. */
	int (*before_write)(struct reg *r);
	/* Prepared statements kept for reuse by db_prepare (db.c): a bulk
	 * import runs the same few statements per line. */
	struct store_stmt {
		const char *sql;
		sqlite3_stmt *s;
		int busy;
	} stmts[REG_STMT_CACHE];
	/* Keyring v2: the unlocked slot's own keys and its role keys (guarded
	 * memory; cdop/store/keys.c). NULL for a v1 keyring. */
	struct keyset *ks;
	uint8_t *k_reg_prev;      /* the K_reg before a rotation, until rekeyed */
	int rekey_due;            /* the database is still under k_reg_prev */
	int rekey_pending;        /* a rotation committed, its rekey failed: the
				   next open does it (keys_rekey) */
	/* v1 keyring: the user's passphrase key from the unlock, until the
	 * v2 slot is staged (keys_stage_v1; docs/security.md §17). */
	uint8_t *stage_kek;
	/* The creator admin's staged secrets, for `key convert` (§17). */
	uint8_t *stage_sec;
	/* Set when store_age_open opened a file with a retired age identity
	 * (kind 0: none), for the front end's note (docs/security.md §15). */
	struct keyring_retired age_retired;
};

/* Who is acting, and when: the user, their role and the clock. */
struct session {
	char user[REG_NAME_MAX + 1];
	enum role role;
	const char *today;        /* YYYY-MM-DD override for tests, or NULL */
	/* Words the user allows in text the identifier check reads
	 * (`--allow-word`), for this command only; audited where used. */
	const char *const *allow_words;
	size_t n_allow_words;
};

/* An open register as one user sees it: storage, session, last error. */
struct reg {
	struct store st;
	struct session ss;
	struct cdop_err e;
};

void reg_init(struct reg *r);
/* After writes: closes the database and records the file's MAC in the
 * keyring (a clean close). Call before reg_release to see errors. */
int reg_close(struct reg *r);
/* Seals the file MAC now if this command wrote (no transaction open); the
 * connection stays open. */
int reg_seal(struct reg *r);
/* Test builds only (cdop/cli/testing.c sets it): called before the file MAC
 * is resealed, with the chunks written since it was checked ("3,17", or
 * "all" when it is hashed whole). */
extern void (*reg_test_before_seal)(const char *path, const char *dirty_chunks);
/* reg_close if still open, then wipes keys and releases the lock. */
void reg_release(struct reg *r);
/* Called before the first write transaction: marks the keyring dirty so a
 * crash mid-write is told apart from tampering. */
int reg_mark_dirty(struct reg *r);

/* Sets the error message from a format and returns code. */
int reg_fail(struct reg *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same about one field, named by its path ("on", "child.surname"):
 * the message reads "FIELD: …" and e.field holds FIELD, so a front end can
 * say which flag or form input it was. */
int reg_fail_field(struct reg *r, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

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
	const char *recovery_out; /* the code also written here (0600), or NULL */
	char recovery_code[RECOVERY_CODE_TEXT]; /* out */
};
/* Creates PATH and PATH.keys (both 0600, never overwriting). On failure
 * nothing is left behind. */
int reg_create(struct reg *r, struct reg_create_opts *o);

/* The register's default KDF parameters (set at init). */
int reg_kdf_params(struct reg *r, struct kdf_params *out);

/*
 * Keys kept between requests, for the browser UI, where several users are
 * logged in at once and the register is still one writer at a time:
 * reg_unlock derives the user's key (Argon2id) from a copy of the keyring
 * without taking the register lock, so one login does not hold up the
 * others (a failure is recorded under the lock, as reg_open does);
 * reg_resume then takes the lock, re-reads the keyring (it must still
 * open with the unlocked key, and the user's slot be active), checks the
 * file as reg_open does and connects; reg_suspend closes and seals as
 * reg_close does and drops the lock, keeping the key. reg_release wipes it.
 */
int reg_unlock(struct reg *r, const struct reg_open_opts *o);
int reg_resume(struct reg *r, unsigned lock_timeout_ms);
int reg_suspend(struct reg *r);

/* Writes the keyring (MAC resealed) atomically. */
int reg_keyring_save(struct reg *r);

/* Full check: SQLCipher pages, schema, keyring, audit chain. */
int reg_check(struct reg *r);

/* Current UTC time as YYYY-MM-DDTHH:MM:SSZ. */
void reg_now(char out[21]);
/* Today's date (local), or the test override. */
void reg_today(const struct reg *r, char out[11]);
/* The same as a date, for checks against today: the one "today" parser.
 * CDOP_ERR_INPUT if the test override is not a date. out (or NULL) gets
 * the text. */
struct cdate;
int reg_today_date(struct reg *r, struct cdate *d, char out[11]);
/* A date given as a flag or an argument, as typed (DD/MM/YYYY, YYYY-MM-DD,
 * today: date_input_parse), into out as YYYY-MM-DD; CDOP_ERR_INPUT naming
 * field and saying why otherwise. */
int reg_date_input(struct reg *r, const char *field, const char *in, char out[11]);

/* Schema version this build writes. */
int reg_schema_latest(void);

/* ==== keys (keys.c): keys by role, SPEC §6 ==== */
/*
 * What the unlocked user's role may decrypt. Identifiable fields are sealed
 * (XChaCha20-Poly1305) under K_id of the newest epoch the user holds, with
 * CTX and ID as authenticated data, so a sealed value cannot be moved to
 * another row or column. Blob: epoch (u32 LE) || nonce (24) || ciphertext.
 * Without K_id (panel, analyst, admin): CDOP_ERR_ACCESS.
 */
int store_has_id(struct reg *r);
int store_id_seal(struct reg *r, const char *ctx, int64_t id, const char *text,
		  uint8_t **blob, size_t *len);
/* *text is malloc'd, NUL-terminated; wipe it after use. */
int store_id_open(struct reg *r, const char *ctx, int64_t id, const void *blob,
		  size_t len, char **text);
/* A converted v1 register (docs/security.md §17): *due is 1 while rows
 * sealed under the legacy K_id (epoch 0) await a re-seal under the newest
 * epoch and this session can make it (a manager holding both); the
 * re-seal's transaction then calls store_id_legacy_done. */
int store_id_legacy_due(struct reg *r, int *due);
int store_id_legacy_done(struct reg *r);
/* Keyed BLAKE2b-128 (manager-only key) of text, as 32 hex digits: equal
 * values match for duplicate checks without being readable. */
int store_dup_hash(struct reg *r, const char *text, char out[33]);
/* The audit chain key. */
int store_audit_key(struct reg *r, uint8_t out[32]);
/*
 * Keyring v1 -> v2 (docs/security.md §17), `key convert`: by the admin whose
 * unlock started the staging, once every active user has a staged slot.
 * Writes the v2 keyring (new K_reg, the staged slots, a new recovery slot
 * whose code is returned in code and, if recovery_out is not NULL, written
 * there first, 0600), commits it with its audit entry as a key-slot change
 * does, then re-encrypts the database under the new K_reg.
 */
int keys_convert(struct reg *r, const char *recovery_out, char code[RECOVERY_CODE_TEXT]);
/* The register's age X25519 identity (manager, recovery; else
 * CDOP_ERR_ACCESS) and recipient (any role). */
int store_age_identity(struct reg *r, uint8_t sk[32]);
int store_age_recipient(struct reg *r, uint8_t pk[32]);

/* ==== db ==== */
struct reg;

/*
 * Statement wrappers in Fossil's style: named binds, an empty initialiser
 * so db_finalize() is always safe, and errors turned into cdop_error codes
 * with the SQLite message in reg->err.
 */
#define DB_STMT_NAMES 16
struct db_stmt {
	sqlite3_stmt *s;
	struct reg *r;
	int rc;        /* the first error, sticky: later calls do nothing */
	/* Parameter names bound (by pointer) and their indexes: a statement
	 * bound row after row finds each without SQLite's search by name. */
	const char *name[DB_STMT_NAMES];
	int index[DB_STMT_NAMES];
};
#define DB_STMT_INIT { NULL, NULL, 0, { NULL }, { 0 } }

enum { DB_DONE = 0, DB_ROW = 1 };

/*
 * Straight-line use, as Fossil's: a statement keeps its first error, so
 * prepare, bind, step and read are plain lines and the code checks once,
 * at db_finalize (or db_run):
 *
 *	db_prepare(r, &q, sql);
 *	db_bind_text(&q, ":ref", ref);
 *	while (db_step(&q) == DB_ROW)
 *		...;
 *	ret = db_finalize(&q);
 *
 * Every function below returns the sticky error too, for code that wants
 * to stop early.
 */
int db_prepare(struct reg *r, struct db_stmt *q, const char *sql);
/* v == NULL binds NULL. A name the statement lacks is a bug: CDOP_ERR_INTERNAL. */
int db_bind_text(struct db_stmt *q, const char *name, const char *v);
int db_bind_int(struct db_stmt *q, const char *name, int64_t v);
int db_bind_blob(struct db_stmt *q, const char *name, const void *v, size_t n);
int db_bind_null(struct db_stmt *q, const char *name);
/* By position (1-based): for a statement of many rows alike, whose
 * parameters are numbered (?1, ?2, ...) rather than named. */
int db_bind_int_at(struct db_stmt *q, int i, int64_t v);
int db_bind_blob_at(struct db_stmt *q, int i, const void *v, size_t n);
/* DB_ROW, DB_DONE, or the (sticky) negative cdop_error. */
int db_step(struct db_stmt *q);
/* Steps a statement that returns no rows: CDOP_OK or the sticky error. */
int db_run(struct db_stmt *q);
/* Ready to bind and step again; keeps the sticky error. */
int db_reset(struct db_stmt *q);
/* db_reset keeping the values bound, for a statement whose every
 * parameter is bound again before each step (a writer's, row after row). */
int db_rewind(struct db_stmt *q);
const char *db_column_text(struct db_stmt *q, int col);
int64_t db_column_int(struct db_stmt *q, int col);
const void *db_column_blob(struct db_stmt *q, int col, size_t *n);
int db_column_is_null(struct db_stmt *q, int col);
/* Frees the statement (safe on DB_STMT_INIT) and returns its first error. */
int db_finalize(struct db_stmt *q);
/* Rows the connection's last INSERT, UPDATE or DELETE changed, and the
 * rowid of its last INSERT: the layers above never touch the connection. */
int db_changes(struct reg *r);
int64_t db_last_id(struct reg *r);
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
/*
 * Ends the transaction db_begin opened: commits when ret is CDOP_OK,
 * otherwise (or when the commit fails) rolls back. Returns ret or the
 * commit's error:
 *
 *	ret = db_begin(r);
 *	if (ret)
 *		return ret;
 *	ret = work(r);
 *	return db_end(r, ret);
 */
int db_end(struct reg *r, int ret);

/* Maps an SQLite result code to a cdop_error and fills reg->err. */
int db_error(struct reg *r, int rc, const char *what);

/* Installs the authorizer; see db.c. */
void db_authorizer_install(struct reg *r);

/* ==== audit ==== */
struct reg;
struct audit_entry;

/*
 * The audit trail: an append-only table whose rows form a keyed BLAKE2b
 * hash chain (crypto/chain.h). audit_append() must run inside the same
 * transaction as the change it records.
 */
int audit_append(struct reg *r, const char *action, const char *object,
		 const char *detail);
/* As audit_append, with an explicit user and time (imported failures). */
int audit_append_as(struct reg *r, const char *at, const char *user,
		    const char *action, const char *object, const char *detail);

/* As audit_append, for a change whose old and new values are (partly)
 * identifiable: VALUES (JSON text, never shown to the admin) is sealed
 * under the manager's key (K_id when the writer holds it, else the
 * register's age recipient), bound to this entry's seq, and stored in the
 * entry beside DETAIL, which names the fields only. VALUES NULL or "" is
 * audit_append. */
int audit_append_values(struct reg *r, const char *action, const char *object,
			const char *detail, const char *values);
/* Opens e->sealed: *values is the JSON text audit_append_values sealed
 * (NULL when the entry has none); free with audit_values_free. Exit-3
 * error for a role without the manager's key; CDOP_ERR_DAMAGED when the
 * value was altered or moved from another entry. */
int audit_values_open(struct reg *r, const struct audit_entry *e, char **values);
void audit_values_free(char *values);

/* An entry in a transaction of its own: for a read that changes nothing
 * (an identifiable view, a refused command), recorded before it is shown. */
int audit_record(struct reg *r, const char *action, const char *object,
		 const char *detail);

/* The audit head as every signed report and backup states it (the
 * witness against a cut tail): the number of entries and the newest
 * entry's chain hash as 64 hex digits ("" and 0 before the first). */
int audit_head(struct reg *r, int64_t *entries, char hash[65]);
/* Checks the head a signed trusted comment states ("audit:ENTRIES:HASH")
 * against the trail: CDOP_ERR_DAMAGED when the trail no longer holds that
 * entry with that hash (a cut tail, a rewrite); CDOP_ERR_INPUT when tc
 * states no head. */
int audit_witness(struct reg *r, const char *tc);

/* Walks the chain; with keyring v2 also checks every entry's signature
 * against the signing keys the (admin-signed) keyring lists. On a break:
 * CDOP_ERR_DAMAGED, *bad = first broken seq, message in reg->err. */
int audit_verify(struct reg *r, int64_t *bad);

struct audit_entry {
	int64_t seq;
	const char *at, *user, *action, *object, *detail;
	/* The change's identifiable old and new values, sealed (schema 013;
	 * NULL when the entry has none): covered by the chain hash, so by the
	 * signature too. Opened by audit_values_open (manager only). */
	const void *sealed;
	size_t sealed_len;
};
typedef int (*audit_visit_fn)(const struct audit_entry *e, void *ctx);
int audit_foreach(struct reg *r, audit_visit_fn fn, void *ctx);

/* ==== users ==== */
struct reg;

/* User names: 1-64 of [a-z0-9._-], starting with a letter or digit. */
int users_name_check(struct reg *r, const char *name);

int users_add(struct reg *r, const char *name, enum role role,
	      const char *pass, size_t passlen);
int users_disable(struct reg *r, const char *name);
/* Rewraps the user's slot under a new passphrase. */
int users_passwd(struct reg *r, const char *name, const char *pass, size_t passlen);

struct user_info {
	const char *name;
	enum role role;
	const char *state;
	const char *created_at;
};
typedef int (*users_visit_fn)(const struct user_info *u, void *ctx);
int users_foreach(struct reg *r, users_visit_fn fn, void *ctx);

/* ==== backup ==== */
struct reg;

/*
 * Register backups: the keyring and the database in one encrypted,
 * authenticated file (crypto/backup.h; docs/security.md, "Backups").
 * Restoring needs a key slot that opened the register when the backup was
 * made (an admin's passphrase then current) or the recovery code then
 * current: the keyring travels inside the backup.
 */
struct backup_info {
	char register_id[2 * KEYRING_ID_BYTES + 1]; /* hex */
	int64_t created;                            /* Unix seconds */
	uint64_t audit_seq;                         /* audit-chain head */
	uint32_t schema;
	uint64_t data_len;                          /* database bytes */
	uint64_t file_len;                          /* backup file bytes */
};

/*
 * Writes a backup of the open register to OUT; an existing OUT is replaced
 * only as MODE (an outfile_mode) allows: a regular file with
 * OUTFILE_REPLACE, never with OUTFILE_EXCL (CDOP_ERR_CONFLICT). The register is sealed (the keyring's
 * file MAC describes the file) and read while no transaction is open, so
 * the snapshot is quiescent (the flock is held). The file is written
 * unnamed beside OUT (0600), fsync'd, read back and checked chunk by chunk;
 * only then is the "backup" audit entry committed, and only after that is
 * the file named (link(), or rename() over a regular file). A failure leaves no file
 * and no entry; the backup holds the trail up to the entry before its own.
 */
int backup_write(struct reg *r, const char *out, int mode, struct backup_info *info);
/* A backup FILE as a witness (audit verify --witness): its header's audit
 * head must still be in the trail (audit_witness). CDOP_ERR_INPUT (field
 * "witness") for a file that is not a sound backup of this register. */
int backup_witness(struct reg *r, const char *file);

/* CDOP_ERR_CONFLICT (message in r->err) if PATH or PATH.keys exists. */
int backup_target_check(struct reg *r, const char *path);

struct backup_restore_opts {
	const char *file;          /* the backup */
	const char *path;          /* the register to create */
	const char *user;          /* an admin in the backup, with pass */
	const char *pass;
	size_t passlen;
	const char *recovery_code; /* instead of user and pass */
};

/*
 * Restores a backup to a new register PATH + PATH.keys. Every byte of the
 * backup is authenticated (header, keyring, each chunk, the final tag)
 * before SQLite sees any of it; the decrypted database goes only to a
 * private temp file beside PATH. The result is then opened with the
 * library and checked in full (pages, keyring, audit chain, register id,
 * audit head as recorded in the header, schema not newer), a "restore"
 * audit entry is added and the file sealed, and register and keyring are
 * linked into place (never overwriting; if the second link fails the first
 * is removed). On any failure nothing is left at PATH.
 *
 * Errors: CDOP_ERR_DAMAGED for a damaged, altered, truncated or spliced
 * backup; CDOP_ERR_ACCESS for a wrong passphrase or recovery code, an
 * unknown or disabled user, or a user who is not an admin;
 * CDOP_ERR_CONFLICT if PATH or PATH.keys exists; CDOP_ERR_VERSION if the
 * backup holds a newer schema than this cdop knows.
 */
int backup_restore(struct reg *r, const struct backup_restore_opts *o,
		   struct backup_info *info);

/* ==== signing ==== */
/*
 * cdop/signing — the register's report-signing key and detached signatures
 * beside report files (crypto/sign: minisign's format).
 *
 * The Ed25519 key is derived from the master key (subkey SUBKEY_SIGN): every
 * user of a register has the same key, nothing extra is stored, and it
 * changes only with the master key. The seed is wiped as soon as the key
 * pair is made; the secret key lives in guarded memory (sign_key_wipe).
 *
 * A signature is checked with `cdop verify FILE` or, without cdop, with
 * `minisign -Vm FILE -p KEYFILE` where KEYFILE is what `cdop key show`
 * printed.
 */



struct reg;

/* The key pair of the open register; sign_key_wipe() it after. */
int signing_key(struct reg *r, struct sign_key *k);

/* minisign public key file text (two lines) and the key id. */
int signing_pubkey_text(struct reg *r, char *out, size_t outlen,
			char keyid[SIGN_KEYID_HEX_SIZE]);

/* The register id as lower-case hex (32 digits). */
void signing_register_id(const struct reg *r, char *out, size_t outlen);

/*
 * Signs everything left to read in fp (the written file) with trusted
 * comment tc, giving the text of PATH.minisig in *sig (malloc'ed).
 */
int signing_sign_fp(struct reg *r, const struct sign_key *k, FILE *fp, const char *tc,
		    char **sig);

/*
 * `verify FILE`: checks FILE.minisig against the register's key. On success
 * tc gets the trusted comment. A missing file or signature is
 * CDOP_ERR_NOTFOUND; a signature that does not match the file, a changed
 * trusted comment, another key or a malformed signature is CDOP_ERR_INPUT
 * (exit 1: the register is sound, the file is what is wrong), with the
 * reason in reg->err.
 */
int signing_verify_file(struct reg *r, const char *path, char *tc, size_t tclen);
/* The same, and a signature by one of the register's retired report keys
 * (docs/security.md §15) is accepted too: for `audit verify --witness`,
 * where a forged head can only fail, never pass. */
int signing_verify_file_any(struct reg *r, const char *path, char *tc, size_t tclen);
/* `verify FILE --key PUBKEY`: the same against the minisign public key in
 * the file PUBKEY, with no register open (r only carries the error). */
int signing_verify_file_key(struct reg *r, const char *path, const char *keyfile,
			    char *tc, size_t tclen);

/* ==== outfile ==== */
struct reg;

/*
 * Output files (packs, exports, reports, backups): the one "write a file
 * and move it into place" of the register layers (outfile.c). Written to
 * an unnamed file (O_TMPFILE) or a 0600 temp beside the target, then
 * flushed and fsync'd (outfile_finish); the caller commits the file's
 * audit entry; only then does outfile_place give it its name and fsync the
 * directory. A crash leaves no file without its entry (SPEC §6).
 */
enum outfile_mode {
	/* --force: the target may be a regular file, which is replaced
	 * (rename()); never a symlink, device or directory (CDOP_ERR_CONFLICT). */
	OUTFILE_REPLACE = 0,
	/* The default (SPEC §2): the target must not exist
	 * (CDOP_ERR_CONFLICT); placed by link(), so a file that appears
	 * meanwhile is not replaced either. */
	OUTFILE_EXCL = 1,
};

struct outfile {
	FILE *f;
	char *path;
	char *tmp;       /* the temp name beside path (used unless anon) */
	int mode;        /* OUTFILE_EXCL or OUTFILE_REPLACE */
	int anon;        /* O_TMPFILE: no name until placed */
	int finished;    /* flushed and fsync'd */
	int placed;      /* has its name */
};
#define OUTFILE_INIT { NULL, NULL, NULL, 0, 0, 0, 0 }

/* The target against MODE (errors name the field "out"), without opening. */
int outfile_check(struct reg *r, const char *path, int mode);
/* Checks the target against MODE, then creates the unnamed or temp file. */
int outfile_open(struct reg *r, struct outfile *o, const char *path, int mode);
/* A new descriptor reading what was written so far (flush first). */
int outfile_read_fd(const struct outfile *o);
/* Flushes and fsyncs the content; the file still has no name. */
int outfile_finish(struct reg *r, struct outfile *o);
/* Finishes if needed, gives the file its name, fsyncs the directory. */
int outfile_place(struct reg *r, struct outfile *o);
/* Places the file when ok (unless already placed); otherwise discards it.
 * Frees o either way. */
int outfile_close(struct reg *r, struct outfile *o, int ok);

/* HTML text with <>&"' escaped. */
void html_escape(FILE *f, const char *s);

/* ==== agekey ==== */
/*
 * cdop/agekey — the register's age identity (SPEC §8) and the sealed files
 * that go out to, and come in from, other registers, agencies and NCMD
 * (crypto/age: age v1, X25519).
 *
 * The identity belongs to the manager role. Every caller goes through
 * store_age_identity and store_age_recipient, so where the key comes from
 * (today: derived from the master key, SUBKEY_AGE) can change in one
 * place.
 */
#define STORE_AGE_KEY 32

/* The identity (X25519 secret): CDOP_ERR_ACCESS for any role but manager.
 * Wipe it after use. */
int store_age_identity(struct reg *r, uint8_t sk[STORE_AGE_KEY]);
/* The recipient (X25519 public key), for any role. */
int store_age_recipient(struct reg *r, uint8_t pk[STORE_AGE_KEY]);
/* The recipient as `age1…` text (out: at least 63 bytes). */
int store_age_recipient_text(struct reg *r, char *out, size_t outlen);
/* 1 (and the note in out) when this command opened a file sealed to a
 * retired recipient of this register (docs/security.md §15), else 0. */
int store_age_retired_note(const struct reg *r, char *out, size_t outlen);

/* Parses `age1…` recipients (field "recipient"); *pks is malloc'd. */
int store_age_recipients_parse(struct reg *r, const char *const *texts, size_t n,
			       uint8_t (**pks)[STORE_AGE_KEY]);

/* Whether bytes start like an age file. */
int store_age_is_sealed(const uint8_t *buf, size_t len);

/*
 * Opens a whole age file sealed to this register (manager only): every
 * byte is verified before *out (malloc'd, NUL after *outlen; release with
 * store_age_free) is handed back. `what` names the input in messages.
 * CDOP_ERR_DAMAGED (exit 4) for a file for another recipient, altered,
 * truncated or malformed; CDOP_ERR_INPUT when larger than the cap.
 */
int store_age_open(struct reg *r, const char *what, const uint8_t *in, size_t len,
		   uint8_t **out, size_t *outlen);
/* Reads FILE whole (at most the cap) and opens it as store_age_open.
 * A missing file is CDOP_ERR_NOTFOUND; field names the input. */
int store_age_open_file(struct reg *r, const char *field, const char *path,
			uint8_t **out, size_t *outlen);
void store_age_free(uint8_t *p, size_t len);
/* Reads a whole file of at most max bytes into *buf (malloc'd); errors
 * name `field`. */
int store_file_read(struct reg *r, const char *field, const char *path, size_t max,
		    uint8_t **buf, size_t *len);

/* Seals plain to the recipients into *out (malloc'd). */
int store_age_seal(struct reg *r, const uint8_t (*pks)[STORE_AGE_KEY], size_t n,
		   const uint8_t *plain, size_t len, uint8_t **out, size_t *outlen);

/*
 * Identifiable documents kept in the database (agency attachments): one
 * pair of functions, so the key they are sealed under can change in one
 * place. Today: an age file to the register's own recipient, opened with
 * its identity (manager only).
 */
int store_seal_identifiable(struct reg *r, const uint8_t *plain, size_t len,
			    uint8_t **out, size_t *outlen);
int store_open_identifiable(struct reg *r, const uint8_t *sealed, size_t len,
			    uint8_t **out, size_t *outlen);
/* ==== config ==== */
/*
 * The register's settings (`config show` / `config set`, admin): keys
 * panel.name, panel.area, population.under_18. Errors name the key (or
 * "key" for an unknown one) and what is valid.
 */
/* The value of KEY, "" when not set. */
int config_get(struct reg *r, const char *key, char *out, size_t outlen);
/* Sets KEY (an empty VALUE unsets it), audited as config_set with the old
 * and new values; *old gets the value it had. */
int config_set(struct reg *r, const char *key, const char *value, char *old,
	       size_t oldlen);
/* The I-th key and its description, or NULL past the last. */
const char *config_key_name(size_t i, const char **help);
/* The panel's name as printed: panel.name with " Child Death Overview
 * Panel" added when it does not end so, or that alone when not set. */
int config_panel_name(struct reg *r, char *out, size_t outlen);
/* population.under_18, or 0 when not set. */
long config_population(struct reg *r);

#endif
