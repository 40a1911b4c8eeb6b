#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/chain.h"
#include "crypto/secure.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* "SEQ:" and the hash in hex. */
#define HEAD_TEXT_SIZE (24 + 2 * CHAIN_HASH_BYTES + 2)

/* The chain covers seq, time, user, action, object and detail. */
static int entry_hash(struct reg *r, const uint8_t prev[CHAIN_HASH_BYTES],
		      const struct audit_entry *e, uint8_t out[CHAIN_HASH_BYTES])
{
	uint8_t key[SUBKEY_BYTES];
	char seq[24];
	struct chain_field f[6];
	int ret;

	snprintf(seq, sizeof seq, "%" PRId64, e->seq);
	f[0].data = seq;       f[0].len = strlen(seq);
	f[1].data = e->at;     f[1].len = strlen(e->at);
	f[2].data = e->user;   f[2].len = strlen(e->user);
	f[3].data = e->action; f[3].len = strlen(e->action);
	f[4].data = e->object; f[4].len = strlen(e->object);
	f[5].data = e->detail; f[5].len = strlen(e->detail);
	ret = store_audit_key(r, key) || chain_hash(out, key, prev, f, 6);
	secure_wipe(key, sizeof key);
	return ret ? reg_fail(r, CDOP_ERR_INTERNAL, "cannot hash audit entry") : CDOP_OK;
}

/* The newest entry: its seq and hash (zero hash before the first). */
static int chain_head(struct reg *r, int64_t *seq, uint8_t hash[CHAIN_HASH_BYTES])
{
	static const char sql[] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
	struct db_stmt q = DB_STMT_INIT;

	*seq = 0;
	memset(hash, 0, CHAIN_HASH_BYTES);
	db_prepare(r, &q, sql);
	if (db_step(&q) == DB_ROW) {
		size_t n;
		const void *h = db_column_blob(&q, 1, &n);

		*seq = db_column_int(&q, 0);
		if (n == CHAIN_HASH_BYTES)
			memcpy(hash, h, n);
	}
	return db_finalize(&q);
}

/* The head as meta.audit_head keeps it: "SEQ:HASH-IN-HEX". */
static void head_text(char out[HEAD_TEXT_SIZE], int64_t seq,
		      const uint8_t hash[CHAIN_HASH_BYTES])
{
	int i = snprintf(out, HEAD_TEXT_SIZE, "%" PRId64 ":", seq);

	sodium_bin2hex(out + i, HEAD_TEXT_SIZE - (size_t)i, hash, CHAIN_HASH_BYTES);
}

static int head_record(struct reg *r, int64_t seq, const uint8_t hash[CHAIN_HASH_BYTES])
{
	static const char sql[] =
		"INSERT OR REPLACE INTO meta(key, value) VALUES ('audit_head', :v)";
	struct db_stmt q = DB_STMT_INIT;
	char v[HEAD_TEXT_SIZE];

	head_text(v, seq, hash);
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":v", v);
	db_run(&q);
	return db_finalize(&q);
}

int audit_append_as(struct reg *r, const char *at, const char *user,
		    const char *action, const char *object, const char *detail)
{
	static const char sql[] =
		"INSERT INTO audit(seq, at, user, action, object, detail, hash) "
		"VALUES (:seq, :at, :user, :action, :object, :detail, :hash)";
	uint8_t prev[CHAIN_HASH_BYTES], hash[CHAIN_HASH_BYTES];
	struct db_stmt q = DB_STMT_INIT;
	struct audit_entry e;
	int ret;

	if (!r->st.in_txn)
		return reg_fail(r, CDOP_ERR_INTERNAL,
				"audit entry '%s' outside a transaction", action);
	ret = chain_head(r, &e.seq, prev);
	if (ret)
		return ret;
	e.seq++;
	e.at = at;
	e.user = user ? user : "";
	e.action = action;
	e.object = object ? object : "";
	e.detail = detail ? detail : "";
	ret = entry_hash(r, prev, &e, hash);
	if (ret)
		return ret;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":seq", e.seq);
	db_bind_text(&q, ":at", e.at);
	db_bind_text(&q, ":user", e.user);
	db_bind_text(&q, ":action", e.action);
	db_bind_text(&q, ":object", e.object);
	db_bind_text(&q, ":detail", e.detail);
	db_bind_blob(&q, ":hash", hash, sizeof hash);
	db_run(&q);
	ret = db_finalize(&q);
	return ret ? ret : head_record(r, e.seq, hash);
}

int audit_append(struct reg *r, const char *action, const char *object,
		 const char *detail)
{
	char now[21];

	reg_now(now);
	return audit_append_as(r, now, r->ss.user, action, object, detail);
}

int audit_record(struct reg *r, const char *action, const char *object,
		 const char *detail)
{
	int ret = db_begin(r);

	if (ret)
		return ret;
	return db_end(r, audit_append(r, action, object, detail));
}

/* Columns 0-5: seq, at, user, action, object, detail. */
static void entry_read(struct db_stmt *q, struct audit_entry *e)
{
	e->seq = db_column_int(q, 0);
	e->at = db_column_text(q, 1);
	e->user = db_column_text(q, 2);
	e->action = db_column_text(q, 3);
	e->object = db_column_text(q, 4);
	e->detail = db_column_text(q, 5);
}

int audit_head_text(struct reg *r, char *out, size_t outlen)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = 'audit_head'";
	struct db_stmt q = DB_STMT_INIT;

	out[0] = 0;
	db_prepare(r, &q, sql);
	if (db_step(&q) == DB_ROW)
		snprintf(out, outlen, "%s", db_column_text(&q, 0));
	return db_finalize(&q);
}

int audit_verify(struct reg *r, int64_t *bad)
{
	static const char sql[] =
		"SELECT seq, at, user, action, object, detail, hash FROM audit ORDER BY seq";
	uint8_t prev[CHAIN_HASH_BYTES] = { 0 }, want[CHAIN_HASH_BYTES];
	struct db_stmt q = DB_STMT_INIT;
	char head[128], expect[HEAD_TEXT_SIZE];
	int64_t n = 0;
	int ret = CDOP_OK, fin;

	*bad = 0;
	db_prepare(r, &q, sql);
	while (!ret && db_step(&q) == DB_ROW) {
		struct audit_entry e;
		size_t hlen;
		const void *h;

		entry_read(&q, &e);
		h = db_column_blob(&q, 6, &hlen);
		if (e.seq != n + 1) {
			*bad = n + 1;
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "audit chain broken at "
				       "entry %" PRId64 ": the entry is missing", n + 1);
			break;
		}
		ret = entry_hash(r, prev, &e, want);
		if (ret)
			break;
		if (hlen != CHAIN_HASH_BYTES || secure_memcmp(h, want, CHAIN_HASH_BYTES)) {
			*bad = e.seq;
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "audit chain broken at "
				       "entry %" PRId64 " (%s %s %s by %s): it has been "
				       "altered", e.seq, e.at, e.action, e.object, e.user);
			break;
		}
		memcpy(prev, want, sizeof prev);
		n = e.seq;
	}
	fin = db_finalize(&q);
	if (ret || fin)
		return ret ? ret : fin;
	/* Entries removed from the end leave a chain that is whole but short. */
	ret = audit_head_text(r, head, sizeof head);
	if (ret)
		return ret;
	head_text(expect, n, prev);
	if ((n || head[0]) && strcmp(head, expect)) {
		*bad = n + 1;
		return reg_fail(r, CDOP_ERR_DAMAGED, "audit chain broken after entry "
				"%" PRId64 ": the register records a later head (%.24s...); "
				"entries have been removed", n, head);
	}
	return CDOP_OK;
}

int audit_foreach(struct reg *r, audit_visit_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT seq, at, user, action, object, detail FROM audit ORDER BY seq";
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK, fin;

	db_prepare(r, &q, sql);
	while (!ret && db_step(&q) == DB_ROW) {
		struct audit_entry e;

		entry_read(&q, &e);
		ret = fn(&e, ctx);
	}
	fin = db_finalize(&q);
	return ret ? ret : fin;
}
