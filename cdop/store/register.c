#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/error.h"
#include "crypto/file.h"
#include "crypto/filemac.h"
#include "crypto/secure.h"
#include "forms/date.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern const struct embedded_file cdop_schema[];

/* SQLCipher page size; fixed for the life of a register. */
#define REG_PAGE_SIZE "4096"

void reg_init(struct reg *r)
{
	memset(r, 0, sizeof *r);
	keyring_init(&r->st.kr);
	r->st.lock_fd = -1;
	/* A crash mid-write is told apart from tampering: the keyring says a
	 * write was under way. */
	r->st.before_write = reg_mark_dirty;
}

/*
 * A long-running cdop (the browser UI) opens the register once per request.
 * It remembers the file it last hashed or sealed, by identity and times
 * (st_ctim cannot be set back without changing the clock), so an unchanged
 * file is not hashed again at every open; with it the chunk hashes of the
 * file as this process last read or wrote it (crypto/filemac.h), which
 * the VFS shim (macvfs.c) marks as SQLite writes, so a reseal hashes only
 * what was written. Only used under the register lock; a one-shot command
 * starts with it empty. The chunk hashes (kind 2: unkeyed BLAKE2b of
 * ciphertext) are not secrets.
 */
static struct file_seen {
	int valid;
	struct stat st;
	uint8_t mac[KEYRING_MAC_BYTES];
	uint64_t size;
	uint8_t kind;
	struct filemac tree;
	dev_t tree_dev;     /* the file the chunk hashes are of */
	ino_t tree_ino;
} file_seen;

/* Test builds (cdop/cli/testing.c): run before a reseal. */
void (*reg_test_before_seal)(const char *path, const char *dirty_chunks);

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void file_seen_set(struct reg *r, const uint8_t mac[KEYRING_MAC_BYTES], uint64_t size,
			  uint8_t kind)
{
	file_seen.valid = !fstat(r->st.lock_fd, &file_seen.st);
	file_seen.tree_dev = file_seen.st.st_dev;
	file_seen.tree_ino = file_seen.st.st_ino;
	file_seen.tree.valid &= file_seen.valid;
	r->st.mac_tree = file_seen.tree.valid;
	memcpy(file_seen.mac, mac, sizeof file_seen.mac);
	file_seen.size = size;
	file_seen.kind = kind;
}

/* Nothing known of the file: the next open hashes it whole, and so does
 * the next seal unless that open did. */
static void file_seen_forget(void)
{
	file_seen.valid = 0;
	file_seen.tree.valid = 0;
}

/* Is the file the one last hashed, with the MAC the keyring records? */
static int file_seen_matches(struct reg *r)
{
	struct stat st;

	return file_seen.valid && !fstat(r->st.lock_fd, &st) &&
	       same_file(&st, &file_seen.st) && file_seen.size == r->st.kr.file_size &&
	       file_seen.kind == r->st.kr.file_mac_kind &&
	       !secure_memcmp(file_seen.mac, r->st.kr.file_mac, sizeof file_seen.mac);
}

/* The chunks written since the open's check hashed again, the others as
 * cdop read them then (a register opened after a crash, or made by init,
 * is hashed whole); the top goes to the keyring as a tree MAC. */
static int file_state_seal(struct reg *r)
{
	char dirty[512];
	struct stat st;

	/* A journal still there (its unlink failed) means the file may yet be
	 * rolled back: the keyring stays dirty. */
	if (!reg_journal_gone(r->st.path))
		return reg_fail(r, CDOP_ERR_IO, "register '%s' still has its journal "
				"after closing", r->st.path);
	/* Chunk hashes from this open's check (or the seal before it) of this
	 * very file, or none: another register's, or one an init wrote
	 * without a check, would seal the wrong file. */
	if (!r->st.mac_tree || fstat(r->st.lock_fd, &st) ||
	    st.st_dev != file_seen.tree_dev || st.st_ino != file_seen.tree_ino)
		file_seen_forget();
	if (reg_test_before_seal) {
		filemac_dirty_list(&file_seen.tree, dirty, sizeof dirty);
		reg_test_before_seal(r->st.path, file_seen.tree.valid ? dirty : "all");
	}
	if (filemac_reseal(r->st.lock_fd, r->st.master, &file_seen.tree, r->st.kr.file_mac)) {
		file_seen_forget();
		return reg_fail(r, CDOP_ERR_IO, "cannot read register '%s' to seal it: %s",
				r->st.path, strerror(errno));
	}
	r->st.kr.file_size = file_seen.tree.size;
	r->st.kr.file_mac_kind = FILEMAC_TREE2;
	file_seen_set(r, r->st.kr.file_mac, r->st.kr.file_size, FILEMAC_TREE2);
	r->st.kr.dirty = 0;
	return CDOP_OK;
}

int reg_mark_dirty(struct reg *r)
{
	if (r->st.read_only)
		return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' failed an "
				"integrity check: nothing is written to it; restore "
				"it from a backup", r->st.path);
	if (r->st.marked_dirty || r->st.creating)
		return CDOP_OK;
	r->st.kr.dirty = 1;
	r->st.marked_dirty = 1;
	return reg_keyring_save(r);
}

int reg_close(struct reg *r)
{
	int ret = CDOP_OK;

	if (r->st.db) {
		db_rollback(r);
		db_cache_clear(r);
		if (sqlite3_close(r->st.db) != SQLITE_OK) {
			sqlite3_close_v2(r->st.db);
			ret = reg_fail(r, CDOP_ERR_INTERNAL, "cannot close register '%s'",
				       r->st.path);
		}
	}
	r->st.db = NULL;
	if (ret || !r->st.marked_dirty || r->st.read_only)
		return ret;
	/* The data is committed whatever happens here. A failed reseal leaves
	 * the keyring dirty, so the next command checks every page and the
	 * audit chain and seals: a warning, not a failure (a retry would be
	 * refused as a duplicate). */
	r->st.marked_dirty = 0;
	if (file_state_seal(r) || reg_keyring_save(r))
		r->st.reseal_failed = 1;
	return CDOP_OK;
}

int reg_seal(struct reg *r)
{
	int ret;

	if (!r->st.marked_dirty || r->st.read_only)
		return CDOP_OK;
	if (r->st.in_txn)
		return reg_fail(r, CDOP_ERR_INTERNAL, "cannot seal inside a transaction");
	ret = file_state_seal(r);
	if (!ret)
		ret = reg_keyring_save(r);
	if (!ret)
		r->st.marked_dirty = 0;
	return ret;
}

void reg_release(struct reg *r)
{
	(void)reg_close(r);
	secure_free(r->st.master);
	r->st.master = NULL;
	keys_release(r);
	keyring_release(&r->st.kr);
	if (r->st.lock_fd >= 0)
		close(r->st.lock_fd); /* drops the flock */
	r->st.lock_fd = -1;
	free(r->st.path);
	free(r->st.keys_path);
	r->st.path = r->st.keys_path = NULL;
}

int reg_fail(struct reg *r, int code, const char *fmt, ...)
{
	va_list ap;

	r->e.field[0] = 0;
	va_start(ap, fmt);
	vsnprintf(r->e.msg, sizeof r->e.msg, fmt, ap);
	va_end(ap);
	return code;
}

int reg_fail_field(struct reg *r, int code, const char *field, const char *fmt, ...)
{
	va_list ap;
	int n;

	snprintf(r->e.field, sizeof r->e.field, "%s", field);
	n = snprintf(r->e.msg, sizeof r->e.msg, "%s: ", field);
	if (n < 0 || (size_t)n >= sizeof r->e.msg)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->e.msg + n, sizeof r->e.msg - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

void reg_now(char out[21])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void reg_today(const struct reg *r, char out[11])
{
	time_t t = time(NULL);
	struct tm tm;

	if (r && r->ss.today) {
		snprintf(out, 11, "%s", r->ss.today);
		return;
	}
	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int reg_today_date(struct reg *r, struct cdate *d, char out[11])
{
	char t[11];

	if (!out)
		out = t;
	reg_today(r, out);
	if (date_parse(out, d))
		return reg_fail(r, CDOP_ERR_INPUT, "CDOP_TODAY: '%s' is not a date "
				"(YYYY-MM-DD)", out);
	return CDOP_OK;
}

int reg_date_input(struct reg *r, const char *field, const char *in,
		   char out[11])
{
	struct cdate today, d;
	char why[160];
	int ret = reg_today_date(r, &today, NULL);

	if (ret)
		return ret;
	if (date_input_parse(in, &today, &d) == DATE_OK) {
		date_format(&d, out);
		return CDOP_OK;
	}
	date_input_explain(in ? in : "", why, sizeof why);
	return reg_fail_field(r, CDOP_ERR_INPUT, field, "%s", why);
}

int reg_schema_latest(void)
{
	const struct embedded_file *f;
	int v = 0;

	for (f = cdop_schema; f->name; f++)
		v = atoi(f->name);
	return v;
}

/* keys: ".keys", or ".keys.new" for a check of an interrupted keyring
 * change that landed (reg_open). */
static int set_paths(struct reg *r, const char *path, const char *keys)
{
	size_t n = strlen(path), k = strlen(keys) + 1;

	r->st.path = strdup(path);
	r->st.keys_path = malloc(n + k);
	if (!r->st.path || !r->st.keys_path)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	memcpy(r->st.keys_path, path, n);
	memcpy(r->st.keys_path + n, keys, k);
	return CDOP_OK;
}

/* One cdop at a time per register: readers and writers alike, since even
 * a read may record a failed attempt or import failures. */
static int lock_register(struct reg *r, int fd, unsigned timeout_ms)
{
	unsigned waited = 0;

	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK)
			return reg_fail(r, CDOP_ERR_IO, "cannot lock register '%s': %s",
					r->st.path, strerror(errno));
		if (waited >= timeout_ms)
			return reg_fail(r, CDOP_ERR_BUSY,
					"register '%s' is in use by another cdop; "
					"waited %u ms, try again", r->st.path, waited);
		usleep(50 * 1000);
		waited += 50;
	}
	r->st.lock_fd = fd;
	return CDOP_OK;
}

/* ---- the database connection ------------------------------------------- */

static int db_key_and_configure(struct reg *r, int creating)
{
	static const char *const setup[] = {
		("PRAGMA cipher_page_size = " REG_PAGE_SIZE),
		/* Temp tables, sorts and statement journals never touch disk. */
		"PRAGMA temp_store = MEMORY",
		/* 64 MiB, a bound (memory stays flat however large the register):
		 * a bulk import's index pages stay decrypted in memory longer.
		 * Peak memory is about the Argon2id unlock's anyway. */
		"PRAGMA cache_size = -65536",
		"PRAGMA secure_delete = ON",
		"PRAGMA foreign_keys = ON",
		"PRAGMA journal_mode = DELETE",
	};
	char *keytext = NULL;
	size_t i;
	int ret;

	/* x'…' makes SQLCipher use the bytes as the key, with no PBKDF2: K_db,
	 * from K_reg (keys.c), or the K_reg before a rotation not yet rekeyed. */
	ret = keys_db_key_text(r, r->st.rekey_due, &keytext);
	if (ret)
		return ret;
	if (sqlite3_key(r->st.db, keytext, (int)(3 + 2 * SUBKEY_BYTES)) != SQLITE_OK) {
		ret = db_error(r, SQLITE_ERROR, "key");
		goto out;
	}
	r->st.allow_pragma = 1;
	for (i = 0; i < sizeof setup / sizeof setup[0] && !ret; i++)
		ret = db_exec(r, setup[i]);
	if (creating && !ret)
		ret = db_exec(r, "PRAGMA auto_vacuum = FULL"); /* no free pages: see check */
	if (ret)
		goto out;
	if (sqlite3_busy_timeout(r->st.db, 10000) != SQLITE_OK)
		ret = db_error(r, SQLITE_ERROR, "configure");
out:
	secure_free(keytext);
	return ret;
}

static int db_connect(struct reg *r, int creating)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc;

	/* Never SQLITE_OPEN_CREATE: the file exists (init made it O_EXCL). */
	const char *vfs = macvfs_name();

	if (!vfs)
		return reg_fail(r, CDOP_ERR_INTERNAL, "cannot register the file MAC's VFS");
	rc = sqlite3_open_v2(r->st.path, &r->st.db, flags, vfs);
	if (rc != SQLITE_OK)
		return db_error(r, rc, "open");
	sqlite3_extended_result_codes(r->st.db, 0);
	db_authorizer_install(r);
	return db_key_and_configure(r, creating);
}

/* Connects; the first read after keying proves the key and the first page. */
static int db_connect_probe(struct reg *r)
{
	struct db_stmt q = DB_STMT_INIT;
	int ret = db_connect(r, 0);

	if (ret == CDOP_OK) {
		db_prepare(r, &q, "SELECT count(*) FROM sqlite_master");
		db_step(&q);
		ret = db_finalize(&q);
	}
	/* A rotation whose rekey did not happen: the previous K_reg opens it,
	 * and the rekey is finished before anything else (keys.c). */
	if ((ret == CDOP_ERR_DAMAGED || ret == CDOP_ERR_INTERNAL) && r->st.k_reg_prev &&
	    !r->st.rekey_due) {
		db_cache_clear(r);
		sqlite3_close_v2(r->st.db);
		r->st.db = NULL;
		r->st.rekey_due = 1;
		return db_connect_probe(r);
	}
	if (ret == CDOP_ERR_DAMAGED || ret == CDOP_ERR_INTERNAL)
		return reg_fail(r, CDOP_ERR_DAMAGED,
				"register '%s' cannot be decrypted with the key from "
				"'%s': it is damaged, altered, or belongs to another keyring",
				r->st.path, r->st.keys_path);
	return ret;
}

/*
 * After a rekey (keys_rekey): the connection is closed (rolling back what
 * a failed rekey left open) and a new one probes the file, first under
 * the current K_reg, then the previous one (rekey_due). The file MAC's
 * chunk hashes are keyed by K_reg: those of chunks the rekey did not
 * write (all of them, when it failed) were made under the previous K_reg,
 * so the seal hashes the file whole.
 */
int reg_rekeyed(struct reg *r)
{
	int ret;

	file_seen_forget();
	r->st.mac_tree = 0;
	db_cache_clear(r);
	if (sqlite3_close(r->st.db) != SQLITE_OK) {
		sqlite3_close_v2(r->st.db);
		r->st.db = NULL;
		return reg_fail(r, CDOP_ERR_INTERNAL, "cannot close register '%s'",
				r->st.path);
	}
	r->st.db = NULL;
	r->st.rekey_due = 0;
	ret = db_connect_probe(r);
	r->st.allow_pragma = 0;
	return ret;
}

static int user_version(struct reg *r, int *v)
{
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, "PRAGMA user_version");
	if (db_step(&q) == DB_ROW)
		*v = (int)db_column_int(&q, 0);
	return db_finalize(&q);
}

/* Migration 008 (keys by role) was merged numbered below 010 and 011, so
 * a register made in between (schema 10 or 11 without it) would never get
 * it; such a register is found by 008's missing column. */
#define LATE_MIGRATION 8
static int late_migration_missing(struct reg *r, int have)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (have < LATE_MIGRATION)
		return 0;
	rc = sqlite3_prepare_v2(r->st.db, "SELECT sig FROM audit LIMIT 0", -1, &st, NULL);
	sqlite3_finalize(st);
	return rc != SQLITE_OK;
}

/* The migrations newer than HAVE (and a late one) and the new
 * user_version; in a transaction. */
static int migrate_apply(struct reg *r, int have, int latest, int late)
{
	const struct embedded_file *f;
	char sql[64];
	int ret = CDOP_OK;

	for (f = cdop_schema; !ret && f->name; f++)
		if (atoi(f->name) > have || (late && atoi(f->name) == LATE_MIGRATION))
			ret = db_exec_script(r, (const char *)f->data);
	if (ret)
		return ret;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", latest);
	ret = db_exec(r, sql);
	if (ret || have == 0)
		return ret;
	snprintf(sql, sizeof sql, "schema %d to %d%s", have, latest,
		 late ? " (008 applied late)" : "");
	return audit_append(r, "migrate", "register", sql);
}

/* Applies every embedded migration newer than the register, in one
 * transaction with the new user_version. */
static int migrate(struct reg *r)
{
	int have = 0, latest = reg_schema_latest(), late, ret;

	ret = user_version(r, &have);
	if (ret)
		return ret;
	if (have > latest)
		return reg_fail(r, CDOP_ERR_VERSION,
				"register '%s' has schema version %d; this cdop "
				"understands up to %d: use a newer cdop", r->st.path,
				have, latest);
	late = late_migration_missing(r, have);
	if (have == latest && !late)
		return CDOP_OK;
	ret = db_begin(r);
	if (ret)
		return ret;
	return db_end(r, migrate_apply(r, have, latest, late));
}

static int meta_get(struct reg *r, const char *key, char *out, size_t outlen)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = :key";
	struct db_stmt q = DB_STMT_INIT;
	int found = 0, ret;

	db_prepare(r, &q, sql);
	db_bind_text(&q, ":key", key);
	if (db_step(&q) == DB_ROW) {
		snprintf(out, outlen, "%s", db_column_text(&q, 0));
		found = 1;
	}
	ret = db_finalize(&q);
	if (ret || found)
		return ret;
	return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' lacks its '%s' record",
			r->st.path, key);
}

int reg_kdf_params(struct reg *r, struct kdf_params *out)
{
	char ops[32], mem[32];
	int ret = meta_get(r, "kdf_ops", ops, sizeof ops);

	if (ret || (ret = meta_get(r, "kdf_mem", mem, sizeof mem)))
		return ret;
	out->opslimit = (uint32_t)strtoul(ops, NULL, 10);
	out->memlimit = strtoull(mem, NULL, 10);
	if (kdf_params_check(out))
		return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' has invalid "
				"key derivation defaults", r->st.path);
	return CDOP_OK;
}

/* The database and keyring must be one register. */
static int check_register_id(struct reg *r)
{
	char want[2 * KEYRING_ID_BYTES + 1], have[2 * KEYRING_ID_BYTES + 8];
	int ret = meta_get(r, "register_id", have, sizeof have);

	if (ret)
		return ret;
	signing_register_id(r, want, sizeof want);
	if (strcmp(want, have))
		return reg_fail(r, CDOP_ERR_DAMAGED,
				"register '%s' does not belong to keyring '%s' "
				"(register id %s, keyring id %s)", r->st.path,
				r->st.keys_path, have, want);
	return CDOP_OK;
}

/* The users table is the authority; the keyring slot must agree. */
static int check_user(struct reg *r, const struct keyring_slot *slot)
{
	static const char sql[] = "SELECT role, state FROM users WHERE name = :name";
	struct db_stmt q = DB_STMT_INIT;
	int found = 0, active = 0, ret;

	db_prepare(r, &q, sql);
	db_bind_text(&q, ":name", r->ss.user);
	if (db_step(&q) == DB_ROW) {
		r->ss.role = role_parse(db_column_text(&q, 0));
		active = !strcmp(db_column_text(&q, 1), "active");
		found = 1;
	}
	ret = db_finalize(&q);
	if (ret)
		return ret;
	if (!found)
		return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' has a slot for "
				"user '%s' whom the register does not know",
				r->st.keys_path, r->ss.user);
	if (!active)
		return reg_fail(r, CDOP_ERR_ACCESS, "user '%s' is disabled", r->ss.user);
	if (slot && slot->role != (uint8_t)r->ss.role)
		return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' gives user "
				"'%s' a role the register does not",
				r->st.keys_path, r->ss.user);
	return CDOP_OK;
}

/* ---- failed attempts ------------------------------------------------------ */

static int lock_register(struct reg *r, int fd, unsigned timeout_ms);

/* Seals a record of the failure into the keyring; best effort. Without
 * the register lock (reg_unlock) it takes the lock and re-reads the
 * keyring first, so a keyring written meanwhile is not replaced by the
 * older copy read for the unlock. */
static void record_failure(struct reg *r, const char *user, const char *why)
{
	char text[KEYRING_MAX_FAILURE_BYTES - 64], now[21];
	int fd = -1;

	reg_now(now);
	snprintf(text, sizeof text, "%s\t%.64s\t%s", now, user ? user : "", why);
	if (r->st.lock_fd < 0) {
		fd = open(r->st.path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || lock_register(r, fd, 5000))
			goto out;
		keyring_release(&r->st.kr);
		keyring_init(&r->st.kr);
		if (keyring_load(&r->st.kr, r->st.keys_path) != CRYPTO_OK)
			goto out;
	}
	if (keyring_failure_add(&r->st.kr, text) == CRYPTO_OK)
		(void)keyring_save(&r->st.kr, r->st.keys_path, KEYRING_SAVE_REPLACE);
out:
	if (fd >= 0) {
		close(fd); /* drops the flock */
		if (r->st.lock_fd == fd)
			r->st.lock_fd = -1;
	}
}

/* A claimed field as stored: printable ASCII kept, every other byte \xNN,
 * at most max bytes of the claim ("..." when cut). */
static void claim_text(const char *in, size_t max, char *out, size_t outlen)
{
	size_t o = 0, i;

	for (i = 0; in[i] && o + 8 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (i == max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o] = 0;
}

/*
 * Moves sealed failure records into the audit trail, then clears them.
 * A record is sealed to a public key kept in clear, so anyone can write
 * one: it is imported as an unverified claim (issue 10, finding 3). The
 * entry is cdop's own, by the user whose unlock imports it, at cdop's time;
 * the claimed time, user and reason go, escaped and bounded, into the
 * detail, labelled "unverified claim". Nothing in it is taken as a fact.
 */
static int import_failures(struct reg *r)
{
	char text[KEYRING_MAX_FAILURE_BYTES];
	size_t i;
	int ret;

	if (!r->st.kr.nfailures || r->st.read_only)
		return CDOP_OK;
	ret = db_begin(r);
	if (ret)
		return ret;
	for (i = 0; !ret && i < r->st.kr.nfailures; i++) {
		char *at = text, *user, *why;
		char cat[32 * 4 + 8], cuser[64 * 4 + 8], cwhy[64 * 4 + 8];
		char detail[sizeof cat + sizeof cwhy + 64];

		if (keyring_failure_open(&r->st.kr, i, r->st.master, text, sizeof text)) {
			ret = audit_append(r, "unlock_failed", "", "unverified claim: "
					   "unreadable record");
			continue;
		}
		user = strchr(at, '\t');
		why = user ? strchr(user + 1, '\t') : NULL;
		if (!user || !why) {
			ret = audit_append(r, "unlock_failed", "", "unverified claim: "
					   "malformed record");
			continue;
		}
		*user++ = 0;
		*why++ = 0;
		claim_text(at, 24, cat, sizeof cat);
		claim_text(user, 64, cuser, sizeof cuser);
		claim_text(why, 64, cwhy, sizeof cwhy);
		snprintf(detail, sizeof detail, "unverified claim: %s (claimed time %s)",
			 cwhy, cat);
		ret = audit_append(r, "unlock_failed", cuser, detail);
	}
	ret = db_end(r, ret);
	if (ret)
		return ret;
	/* A crash here only means the records are imported twice. */
	keyring_failures_clear(&r->st.kr);
	return keyring_save(&r->st.kr, r->st.keys_path, KEYRING_SAVE_REPLACE) ?
		reg_fail(r, CDOP_ERR_IO, "cannot write keyring '%s'", r->st.keys_path) :
		CDOP_OK;
}

/* ---- the whole-file MAC -------------------------------------------------- */

/*
 * Before SQLite reads a byte: after a clean close the file must be exactly
 * the one cdop sealed. A hot journal then can only be a replay, so it is
 * refused too. After an unclean close (dirty) SQLite rolls back first and
 * recover_unclean() checks every page and the audit chain instead.
 */
static int check_file_state(struct reg *r, unsigned flags)
{
	uint8_t mac[KEYRING_MAC_BYTES];
	uint64_t size;

	macvfs_arm(&file_seen.tree);
	if (r->st.kr.dirty) {
		/* SQLite rolls back after this: the seal hashes it whole. */
		file_seen_forget();
		r->st.recovered = 1;
		return CDOP_OK;
	}
	if (file_seen_matches(r) && file_seen.tree.valid) {
		r->st.mac_tree = 1;
		return CDOP_OK;
	}
	/* The MAC of the kind the keyring records (an older register's too,
	 * checked in the same pass; its next seal writes kind 2), finishing
	 * the chunk hashes begun during the unlock (file_check_begin). */
	if (filemac_scan(r->st.lock_fd, r->st.master, &file_seen.tree,
			 (enum filemac_kind)r->st.kr.file_mac_kind, mac)) {
		file_seen_forget();
		return reg_fail(r, CDOP_ERR_IO, "cannot read register '%s': %s",
				r->st.path, strerror(errno));
	}
	size = file_seen.tree.size;
	if (size == r->st.kr.file_size &&
	    !secure_memcmp(mac, r->st.kr.file_mac, KEYRING_MAC_BYTES)) {
		file_seen_set(r, mac, size, r->st.kr.file_mac_kind);
		return CDOP_OK;
	}
	file_seen_forget();
	if (flags & REG_OPEN_CHECK) {
		r->st.file_mismatch = 1;
		r->st.read_only = 1; /* check explains; nothing launders it */
		return CDOP_OK;
	}
	return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' is not the file cdop "
			"last closed (%llu bytes now, %llu recorded): it has been "
			"altered or replaced in part; run 'cdop check' for details, "
			"or restore from a backup", r->st.path,
			(unsigned long long)size, (unsigned long long)r->st.kr.file_size);
}

/*
 * A kind-2 file's chunk hashes need no key: they are hashed on a thread of
 * their own while the caller derives the key (Argon2id), and
 * check_file_state finishes them and compares the keyed top before SQLite
 * reads anything. Not for a file the check would not hash (dirty, or
 * unchanged since this process hashed it) nor an older kind (its chunk
 * hashes, or its flat MAC, are keyed).
 */
static void file_check_begin(struct reg *r)
{
	if (r->st.kr.file_mac_kind != FILEMAC_TREE2 || r->st.kr.dirty ||
	    (file_seen_matches(r) && file_seen.tree.valid))
		return;
	filemac_start(r->st.lock_fd, &file_seen.tree);
}

/* After a crash mid-write: SQLite has rolled back; prove what is left. */
static int recover_unclean(struct reg *r)
{
	char journal[4200];
	int ret = reg_check(r);

	if (ret)
		return ret; /* reg_check made the register read-only */
	/* A write killed before its first page reached the database leaves a
	 * journal SQLite ignores (zero header); it would otherwise be refused
	 * as a replay at every later open. The check above proved the file. */
	snprintf(journal, sizeof journal, "%s-journal", r->st.path);
	if (unlink(journal) && errno != ENOENT)
		return reg_fail(r, CDOP_ERR_IO, "cannot remove stale journal '%s': %s",
				journal, strerror(errno));
	/* Seal the state we just verified at this command's clean close. */
	r->st.marked_dirty = 1;
	return CDOP_OK;
}

/* ---- open --------------------------------------------------------------- */

static int open_file_checks(struct reg *r, int *fd_out)
{
	static const char sqlite_magic[16] = "SQLite format 3";
	char head[16];
	struct stat st;
	int fd = open(r->st.path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		if (errno == ENOENT)
			return reg_fail(r, CDOP_ERR_NOTFOUND, "register '%s' does not "
					"exist; create one with 'cdop init', or choose "
					"another register", r->st.path);
		return reg_fail(r, CDOP_ERR_IO, "cannot open register '%s': %s",
				r->st.path, strerror(errno));
	}
	*fd_out = fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return reg_fail(r, CDOP_ERR_IO, "register '%s' is not a regular file",
				r->st.path);
	if (st.st_size == 0)
		return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' is empty (0 bytes): "
				"restore it from a backup", r->st.path);
	if (pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head)
		return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' is truncated "
				"(%lld bytes)", r->st.path, (long long)st.st_size);
	if (!memcmp(head, sqlite_magic, sizeof head))
		return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' is an unencrypted "
				"SQLite database, not a cdop register; refusing to use it",
				r->st.path);
	return CDOP_OK;
}

static int load_keyring(struct reg *r)
{
	int ret = keyring_load(&r->st.kr, r->st.keys_path);

	switch (ret) {
	case CRYPTO_OK:
		return CDOP_OK;
	case CRYPTO_ERR_IO:
		if (errno == ENOENT)
			return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' is missing: "
					"the register cannot be opened without it; "
					"restore it from a backup", r->st.keys_path);
		return reg_fail(r, CDOP_ERR_IO, "cannot read keyring '%s': %s",
				r->st.keys_path, strerror(errno));
	case CRYPTO_ERR_VERSION:
		return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' has a format "
				"version this cdop does not know", r->st.keys_path);
	case CRYPTO_ERR_PARAMS:
		return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' has key "
				"derivation parameters outside the accepted bounds "
				"(ops %u-%u, memory %llu-%llu MiB): it has been altered",
				r->st.keys_path, KDF_OPS_MIN, KDF_OPS_MAX,
				KDF_MEM_MIN >> 20, KDF_MEM_MAX >> 20);
	case CRYPTO_ERR_NOMEM:
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' is malformed or "
			"truncated (%s)", r->st.keys_path, crypto_strerror(ret));
}

static int unlock(struct reg *r, const struct reg_open_opts *o,
		  const struct keyring_slot **slot)
{
	int ret = keys_unlock(r, o, slot);

	if (o->recovery_code && ret == CRYPTO_ERR_FORMAT)
		return reg_fail(r, CDOP_ERR_INPUT, "recovery code is not "
				"32 hexadecimal digits (xxxx-xxxx-...)");
	switch (ret) {
	case CRYPTO_OK:
		return CDOP_OK;
	case CRYPTO_ERR_NOUSER:
		record_failure(r, o->user, o->recovery_code ? "no recovery slot" : "unknown user");
		if (o->recovery_code)
			return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' has no "
					"recovery slot", r->st.keys_path);
		return reg_fail(r, CDOP_ERR_ACCESS, "unknown user '%s' for register "
				"'%s'", o->user, r->st.path);
	case CRYPTO_ERR_DISABLED:
		record_failure(r, o->user, "disabled user");
		return reg_fail(r, CDOP_ERR_ACCESS, "user '%s' is disabled", o->user);
	case CRYPTO_ERR_AUTH:
		record_failure(r, o->recovery_code ? "recovery" : o->user,
			       o->recovery_code ? "wrong recovery code" : "wrong passphrase");
		if (o->recovery_code)
			return reg_fail(r, CDOP_ERR_ACCESS, "wrong recovery code for "
					"register '%s'", r->st.path);
		return reg_fail(r, CDOP_ERR_ACCESS, "wrong passphrase for user "
				"'%s' (or the key slot has been altered)", o->user);
	case CRYPTO_ERR_PARAMS:
		return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s': key slot has "
				"key derivation parameters outside the accepted bounds",
				r->st.keys_path);
	case CRYPTO_ERR_NOMEM:
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory deriving the key");
	case CRYPTO_ERR_TAMPER:
		return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' has been altered: "
				"its admin or manager signature does not match",
				r->st.keys_path);
	}
	return reg_fail(r, CDOP_ERR_INTERNAL, "cannot unlock: %s", crypto_strerror(ret));
}

/* Connects, brings the schema up to date and checks that database, keyring
 * and user agree; PRAGMAs stay allowed until the caller is done. */
static int connect_checked(struct reg *r, const struct reg_open_opts *o,
			   const struct keyring_slot *slot)
{
	int ret = db_connect_probe(r);

	/* A register that failed its file check is only examined (check). */
	if (!ret && !r->st.read_only)
		ret = migrate(r);
	if (ret || (ret = check_register_id(r)))
		return ret;
	return o->recovery_code ? CDOP_OK : check_user(r, slot);
}

static int reg_open_once(struct reg *r, const struct reg_open_opts *o, const char *keys);

int reg_open(struct reg *r, const struct reg_open_opts *o)
{
	int ret = reg_open_once(r, o, ".keys");

	/* A keyring change whose commit landed before a crash was completed
	 * (keys_pending): open again with it, once. A check, which renames
	 * nothing, reads PATH.keys.new as the keyring instead (2). */
	if (ret == 1 || ret == 2) {
		const char *keys = ret == 2 ? ".keys.new" : ".keys";

		reg_release(r);
		reg_init(r);
		ret = reg_open_once(r, o, keys);
		if (ret == 1 || ret == 2)
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "keyring change could not be "
				       "completed");
	}
	return ret;
}

static int reg_open_once(struct reg *r, const struct reg_open_opts *o, const char *keys)
{
	const struct keyring_slot *slot = NULL;
	int fd = -1, ret;

	ret = set_paths(r, o->path, keys);
	if (ret)
		return ret;
	if (o->user)
		snprintf(r->ss.user, sizeof r->ss.user, "%s", o->user);
	/* Nothing is opened while a symlink, -wal or -shm is there. */
	ret = reg_side_files_check(r, r->st.path, 1);
	if (ret)
		return ret;
	ret = open_file_checks(r, &fd);
	if (ret)
		goto fail_fd;
	ret = lock_register(r, fd, o->lock_timeout_ms);
	if (ret)
		goto fail_fd;
	ret = load_keyring(r);
	if (ret)
		return ret;
	/* Before anything is written (even a failure record): a journal is
	 * expected only after an interrupted write. */
	ret = reg_side_files_check(r, r->st.path, r->st.kr.dirty);
	if (ret)
		return ret;
	/* Keyrings of killed writes hold the slots of users disabled since;
	 * an init or restore killed after its last link leaves its temps. */
	reg_stale_remove(r->st.keys_path, ".tmp-");
	reg_stale_remove(r->st.path, ".init-");
	reg_stale_remove(r->st.path, ".restore-");
	r->st.master = secure_alloc(MASTER_KEY_BYTES);
	if (!r->st.master)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	file_check_begin(r);
	ret = unlock(r, o, &slot);
	if (!ret && keyring_mac_check(&r->st.kr, r->st.master))
		ret = reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' has been altered: "
			       "its slots do not match their authentication code",
			       r->st.keys_path);
	if (ret) {
		filemac_stop(&file_seen.tree);
		return ret;
	}
	ret = check_file_state(r, o->flags);
	if (ret)
		return ret;
	ret = connect_checked(r, o, slot);
	r->st.allow_pragma = 0;
	if (!ret)
		ret = keys_pending(r, o->flags);
	if (ret)
		return ret;
	if (r->st.recovered) {
		ret = recover_unclean(r);
		if (ret)
			return ret;
	}
	if (r->st.rekey_due && !(o->flags & REG_OPEN_CHECK) &&
	    ((ret = reg_mark_dirty(r)) || (ret = keys_rekey(r))))
		return ret;
	ret = import_failures(r);
	if (!ret)
		ret = keys_stage_v1(r, o->flags);
	return ret ? ret : keys_after_open(r, o->flags);
fail_fd:
	if (fd >= 0 && r->st.lock_fd != fd)
		close(fd);
	return ret;
}

int reg_keyring_save(struct reg *r)
{
	if (keyring_mac_seal(&r->st.kr, r->st.master))
		return reg_fail(r, CDOP_ERR_INTERNAL, "cannot seal keyring");
	if (keyring_save(&r->st.kr, r->st.keys_path, KEYRING_SAVE_REPLACE))
		return reg_fail(r, CDOP_ERR_IO, "cannot write keyring '%s': %s",
				r->st.keys_path, strerror(errno));
	return CDOP_OK;
}

/* ---- create -------------------------------------------------------------- */

/* The first rows: meta, the admin, the first audit entries. */
static int create_rows(struct reg *r, const struct reg_create_opts *o,
		       const struct kdf_params *kdf)
{
	static const char meta_sql[] =
		"INSERT OR REPLACE INTO meta(key, value) VALUES (:key, :value)";
	static const char user_sql[] =
		"INSERT INTO users(name, role, state, created_at, created_by) "
		"VALUES (:name, 'admin', 'active', :now, :name)";
	char idhex[2 * KEYRING_ID_BYTES + 1], ops[32], mem[32], now[21];
	const char *const meta[][2] = {
		{ "register_id", idhex }, { "created_at", now },
		{ "kdf_ops", ops }, { "kdf_mem", mem },
	};
	struct db_stmt q = DB_STMT_INIT;
	size_t i;
	int ret;

	reg_now(now);
	signing_register_id(r, idhex, sizeof idhex);
	snprintf(ops, sizeof ops, "%u", kdf->opslimit);
	snprintf(mem, sizeof mem, "%llu", (unsigned long long)kdf->memlimit);
	db_prepare(r, &q, meta_sql);
	for (i = 0; i < sizeof meta / sizeof meta[0]; i++) {
		db_bind_text(&q, ":key", meta[i][0]);
		db_bind_text(&q, ":value", meta[i][1]);
		db_run(&q);
		db_reset(&q);
	}
	ret = db_finalize(&q);
	if (ret)
		return ret;
	db_prepare(r, &q, user_sql);
	db_bind_text(&q, ":name", o->admin);
	db_bind_text(&q, ":now", now);
	db_run(&q);
	ret = db_finalize(&q);
	if (ret)
		return ret;
	ret = audit_append(r, "init", "register", kdf_profile_name(kdf));
	if (ret)
		return ret;
	return audit_append(r, "user_add", o->admin, "admin");
}

static int create_contents(struct reg *r, const struct reg_create_opts *o,
			   const struct kdf_params *kdf)
{
	int ret = db_connect(r, 1);

	if (ret || (ret = migrate(r)))
		return ret;
	r->st.allow_pragma = 0;
	ret = db_begin(r);
	if (ret)
		return ret;
	return db_end(r, create_rows(r, o, kdf));
}

/* Writes the recovery code to TMP (O_EXCL, 0600) and fsyncs it. */
int reg_recovery_write(struct reg *r, const char *tmp, const char *code)
{
	char line[RECOVERY_CODE_TEXT + 1];
	size_t n = (size_t)snprintf(line, sizeof line, "%s\n", code);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int ok = fd >= 0 && file_write_full(fd, line, n) == 0 && fsync(fd) == 0;
	int e = errno;

	secure_wipe(line, sizeof line);
	if (fd >= 0 && close(fd))
		ok = 0;
	if (ok)
		return CDOP_OK;
	return reg_fail_field(r, CDOP_ERR_IO, "recovery_out", "cannot write the recovery "
			      "code beside '%s': %s", tmp, strerror(e));
}

/* link(), an existing target of any kind refused; errors name FIELD. */
static int link_excl(struct reg *r, const char *from, const char *to, const char *field)
{
	if (!link(from, to))
		return CDOP_OK;
	if (errno == EEXIST)
		return reg_fail_field(r, CDOP_ERR_CONFLICT, field, "'%s' already exists; "
				      "refusing to overwrite it", to);
	return reg_fail_field(r, CDOP_ERR_IO, field, "cannot create '%s': %s", to,
			      strerror(errno));
}

/*
 * All or nothing (issue 10, finding 9). The database and keyring are made
 * under temp names "PATH.init-ID" and "PATH.init-ID.keys" (ID: the start
 * of the new register id), the recovery code in "OUT.init-ID"; all are
 * fsync'd. Then PATH.keys, OUT and, last, PATH are linked to them: PATH
 * appearing is the commit. A kill before it leaves no PATH, and the next
 * init recognises PATH.keys and OUT as links of its temps and removes
 * them (reg_interrupted_cleanup); after it, the temps' names go at once,
 * or at the next open.
 */
int reg_create(struct reg *r, struct reg_create_opts *o)
{
	struct kdf_params kdf;
	char idhex[2 * KEYRING_ID_BYTES + 1], tdb[4200], tkeys[4300], trec[4300];
	char *final_path = NULL, *final_keys = NULL;
	int fd = -1, ret, made = 0, linked_keys = 0, linked_rec = 0;
	struct stat st;

	ret = set_paths(r, o->path, ".keys");
	if (ret)
		return ret;
	snprintf(r->ss.user, sizeof r->ss.user, "%s", o->admin);
	r->ss.role = ROLE_ADMIN;
	if (kdf_profile(o->kdf_profile ? o->kdf_profile : "moderate", &kdf))
		return reg_fail_field(r, CDOP_ERR_INPUT, "kdf", "'%s' is not a profile; "
				"valid: interactive, moderate, sensitive", o->kdf_profile);
	reg_interrupted_cleanup(r->st.path, ".init-", o->recovery_out);
	if (!lstat(r->st.path, &st))
		return reg_fail(r, CDOP_ERR_CONFLICT, "register '%s' already "
				"exists; refusing to overwrite it", r->st.path);
	if (!lstat(r->st.keys_path, &st))
		return reg_fail(r, CDOP_ERR_CONFLICT, "keyring '%s' already exists; "
				"refusing to overwrite it", r->st.keys_path);
	if (o->recovery_out && !lstat(o->recovery_out, &st))
		return reg_fail_field(r, CDOP_ERR_CONFLICT, "recovery_out", "'%s' already "
				      "exists; refusing to overwrite it", o->recovery_out);
	/* A side file of an old register would be read into the new one. */
	ret = reg_side_files_check(r, r->st.path, 0);
	if (ret)
		return ret;
	r->st.master = secure_alloc(MASTER_KEY_BYTES);
	if (!r->st.master)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (keys_create(r, o, &kdf))
		return reg_fail(r, CDOP_ERR_NOMEM, "cannot create keyring: out of memory");
	signing_register_id(r, idhex, sizeof idhex);
	idhex[12] = 0;
	if (snprintf(tdb, sizeof tdb, "%s.init-%s", o->path, idhex) >= (int)sizeof tdb ||
	    snprintf(tkeys, sizeof tkeys, "%s.keys", tdb) >= (int)sizeof tkeys ||
	    (o->recovery_out && snprintf(trec, sizeof trec, "%s.init-%s", o->recovery_out,
					 idhex) >= (int)sizeof trec))
		return reg_fail(r, CDOP_ERR_INPUT, "register path '%s' is too long", o->path);
	/* The library works on the temp names until the commit. */
	final_path = r->st.path;
	final_keys = r->st.keys_path;
	r->st.path = tdb;
	r->st.keys_path = tkeys;
	fd = open(tdb, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = reg_fail(r, CDOP_ERR_IO, "cannot create register '%s': %s",
			       final_path, strerror(errno));
		goto out;
	}
	made = 1;
	ret = lock_register(r, fd, 0);
	if (ret)
		goto out;
	r->st.creating = 1;
	ret = create_contents(r, o, &kdf);
	r->st.creating = 0;
	if (ret)
		goto out;
	db_cache_clear(r);
	if (sqlite3_close(r->st.db) != SQLITE_OK) {
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "cannot close new register");
		goto out;
	}
	r->st.db = NULL;
	ret = file_state_seal(r);
	if (!ret && keyring_mac_seal(&r->st.kr, r->st.master))
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "cannot seal keyring");
	if (!ret && keyring_save(&r->st.kr, tkeys, KEYRING_SAVE_EXCL))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write keyring '%s': %s",
			       final_keys, strerror(errno));
	if (!ret && fsync(fd))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write register '%s': %s",
			       final_path, strerror(errno));
	if (!ret && o->recovery_out)
		ret = reg_recovery_write(r, trec, o->recovery_code);
	if (ret)
		goto out;
	/* Keyring, recovery code, then the register: its name is the commit. */
	ret = link_excl(r, tkeys, final_keys, "register");
	linked_keys = !ret;
	if (!ret && o->recovery_out) {
		ret = link_excl(r, trec, o->recovery_out, "recovery_out");
		linked_rec = !ret;
		if (!ret && file_fsync_dir(o->recovery_out))
			ret = reg_fail_field(r, CDOP_ERR_IO, "recovery_out", "cannot sync "
					     "the directory of '%s': %s", o->recovery_out,
					     strerror(errno));
	}
	if (!ret)
		ret = link_excl(r, tdb, final_path, "register");
	if (ret)
		goto out;
	linked_keys = linked_rec = 0; /* committed: they stay */
	if (o->recovery_out)
		unlink(trec);
	unlink(tkeys);
	unlink(tdb);
	if (file_fsync_dir(final_path)) /* the links and the unlinks */
		ret = reg_fail(r, CDOP_ERR_IO, "cannot sync the directory of '%s': %s",
			       final_path, strerror(errno));
out:
	if (fd >= 0 && r->st.lock_fd != fd)
		close(fd);
	if (ret && r->st.db) {
		db_rollback(r);
		db_cache_clear(r);
		sqlite3_close_v2(r->st.db);
		r->st.db = NULL;
	}
	if (ret && made) {
		char journal[4300];

		if (linked_keys)
			unlink(final_keys);
		if (linked_rec)
			unlink(o->recovery_out);
		if (o->recovery_out)
			unlink(trec);
		unlink(tkeys);
		unlink(tdb);
		snprintf(journal, sizeof journal, "%s-journal", tdb);
		unlink(journal);
		secure_wipe(o->recovery_code, sizeof o->recovery_code);
	}
	if (final_path) {
		r->st.path = final_path;
		r->st.keys_path = final_keys;
	}
	return ret;
}

/* ---- keys kept between requests (the browser UI) ----------------------- */

int reg_unlock(struct reg *r, const struct reg_open_opts *o)
{
	const struct keyring_slot *slot = NULL;
	int ret;

	if (!o->user || o->recovery_code)
		return reg_fail(r, CDOP_ERR_INTERNAL, "reg_unlock needs a user");
	ret = set_paths(r, o->path, ".keys");
	if (ret)
		return ret;
	snprintf(r->ss.user, sizeof r->ss.user, "%s", o->user);
	/* The keyring is only ever replaced whole (rename), so a copy read
	 * without the lock is one consistent keyring. */
	ret = load_keyring(r);
	if (ret)
		return ret;
	r->st.master = secure_alloc(MASTER_KEY_BYTES);
	if (!r->st.master)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	return unlock(r, o, &slot);
}

int reg_resume(struct reg *r, unsigned lock_timeout_ms)
{
	const struct reg_open_opts none = { 0 };
	const struct keyring_slot *slot;
	int fd = -1, ret;

	if (!r->st.master || r->st.db || r->st.lock_fd >= 0)
		return reg_fail(r, CDOP_ERR_INTERNAL, "register is not unlocked and "
				"suspended");
	ret = open_file_checks(r, &fd);
	if (ret)
		goto fail_fd;
	ret = lock_register(r, fd, lock_timeout_ms);
	if (ret)
		goto fail_fd;
	/* Another session or command may have written it since. */
	keyring_release(&r->st.kr);
	keyring_init(&r->st.kr);
	ret = load_keyring(r);
	if (ret)
		return ret;
	if (keyring_mac_check(&r->st.kr, r->st.master))
		return reg_fail(r, CDOP_ERR_ACCESS, "keyring '%s' no longer matches "
				"the keys unlocked for user '%s' (the keys were "
				"rotated, or the keyring was altered): unlock again",
				r->st.keys_path, r->ss.user);
	slot = keyring_slot_find(&r->st.kr, r->ss.user);
	if (!slot || slot->state != KEYRING_SLOT_ACTIVE)
		return reg_fail(r, CDOP_ERR_ACCESS, "user '%s' is disabled", r->ss.user);
	r->st.recovered = 0;
	r->st.marked_dirty = 0;
	r->st.mac_tree = 0;
	ret = check_file_state(r, 0);
	if (ret)
		return ret;
	ret = connect_checked(r, &none, slot);
	r->st.allow_pragma = 0;
	if (ret)
		return ret;
	if (r->st.recovered) {
		ret = recover_unclean(r);
		if (ret)
			return ret;
	}
	ret = import_failures(r);
	/* As at every open: a manager's first unlock in the browser makes the
	 * manager keys, and pending grants are handed on (keys_after_open). */
	return ret ? ret : keys_after_open(r, 0);
fail_fd:
	if (fd >= 0 && r->st.lock_fd != fd)
		close(fd);
	return ret;
}

int reg_suspend(struct reg *r)
{
	int ret = reg_close(r);

	if (r->st.lock_fd >= 0)
		close(r->st.lock_fd); /* drops the flock */
	r->st.lock_fd = -1;
	return ret;
}
