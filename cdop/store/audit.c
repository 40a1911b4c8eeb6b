#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/chain.h"
#include "crypto/secure.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keyring v2: each entry signed by the acting user's own Ed25519 key.
 * sig = signer slot id (16) || public key (32) || Ed25519 signature (64)
 * over BLAKE2b-512("cdop-audit-v2" || register id || seq (u64 LE) || hash). */
#define AUDIT_SIG_BYTES (KEYRING_USERID_BYTES + 32 + 64)

static void sig_digest(const struct reg *r, int64_t seq, const uint8_t hash[CHAIN_HASH_BYTES],
		       uint8_t h[64])
{
	static const char tag[] = "cdop-audit-v2";
	crypto_generichash_state st;
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)seq >> (8 * i));
	crypto_generichash_init(&st, NULL, 0, 64);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag);
	crypto_generichash_update(&st, r->st.kr.register_id, KEYRING_ID_BYTES);
	crypto_generichash_update(&st, b, 8);
	crypto_generichash_update(&st, hash, CHAIN_HASH_BYTES);
	crypto_generichash_final(&st, h, 64);
}

static int signed_register(const struct reg *r)
{
	return r->st.kr.version == KEYRING_VERSION2 && r->st.ks;
}

static void entry_sign(struct reg *r, int64_t seq, const uint8_t hash[CHAIN_HASH_BYTES],
		       uint8_t sig[AUDIT_SIG_BYTES])
{
	uint8_t h[64];

	sig_digest(r, seq, hash, h);
	memcpy(sig, r->st.ks->self_id, KEYRING_USERID_BYTES);
	memcpy(sig + KEYRING_USERID_BYTES, r->st.ks->s_pk, 32);
	crypto_sign_detached(sig + KEYRING_USERID_BYTES + 32, NULL, h, sizeof h,
			     r->st.ks->s_sk);
}

/*
 * The signature of entry e: by a key the keyring lists for the slot that
 * signed (admin-signed), and that slot is the entry's user, the recovery
 * slot (break-glass), or any user importing an unverified failed-unlock
 * claim. CDOP_OK or CDOP_ERR_DAMAGED with the reason in r->e.
 */
static int entry_sig_check(struct reg *r, const struct audit_entry *e,
			   const uint8_t hash[CHAIN_HASH_BYTES], const void *sig, size_t n)
{
	const uint8_t *s = sig;
	uint8_t h[64], uid[KEYRING_USERID_BYTES];

	if (!s || n != AUDIT_SIG_BYTES)
		return reg_fail(r, CDOP_ERR_DAMAGED, "audit entry %" PRId64 " (%s %s by %s) "
				"is not signed", e->seq, e->at, e->action, e->user);
	keyring_user_id(&r->st.kr, e->user, uid);
	if (memcmp(s, uid, sizeof uid) && !sodium_is_zero(s, KEYRING_USERID_BYTES) &&
	    strcmp(e->action, "unlock_failed"))
		return reg_fail(r, CDOP_ERR_DAMAGED, "audit entry %" PRId64 " (%s %s by %s) "
				"is signed by another user's key", e->seq, e->at,
				e->action, e->user);
	sig_digest(r, e->seq, hash, h);
	if (!keyring2_signer_known(&r->st.kr, s, s + KEYRING_USERID_BYTES) ||
	    crypto_sign_verify_detached(s + KEYRING_USERID_BYTES + 32, h, sizeof h,
					s + KEYRING_USERID_BYTES))
		return reg_fail(r, CDOP_ERR_DAMAGED, "audit entry %" PRId64 " (%s %s by %s) "
				"has been altered: its signature does not match",
				e->seq, e->at, e->action, e->user);
	return CDOP_OK;
}

/* "SEQ:" and the hash in hex. */
#define HEAD_TEXT_SIZE (24 + 2 * CHAIN_HASH_BYTES + 2)

/* The chain covers seq, time, user, action, object and detail, and the
 * sealed old and new values where the entry has them (schema 013): a
 * seventh field, so an entry without them hashes as it always did, and
 * the sealed bytes cannot be moved to another entry or dropped unnoticed
 * by anyone without the signer's key, K_id or not. */
static int entry_hash(struct reg *r, const uint8_t prev[CHAIN_HASH_BYTES],
		      const struct audit_entry *e, uint8_t out[CHAIN_HASH_BYTES])
{
	uint8_t key[SUBKEY_BYTES];
	char seq[24];
	struct chain_field f[7];
	size_t nf = 6;
	int ret;

	snprintf(seq, sizeof seq, "%" PRId64, e->seq);
	f[0].data = seq;       f[0].len = strlen(seq);
	f[1].data = e->at;     f[1].len = strlen(e->at);
	f[2].data = e->user;   f[2].len = strlen(e->user);
	f[3].data = e->action; f[3].len = strlen(e->action);
	f[4].data = e->object; f[4].len = strlen(e->object);
	f[5].data = e->detail; f[5].len = strlen(e->detail);
	if (e->sealed) {
		f[6].data = e->sealed;
		f[6].len = e->sealed_len;
		nf = 7;
	}
	ret = store_audit_key(r, key) || chain_hash(out, key, prev, f, nf);
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

/*
 * Sealed old and new values (schema 013): one format byte, then
 *   'k': store_id_seal(ctx "audit", id = seq) of "SEQ\nVALUES" (K_id: a
 *        manager's change, the sealing of every identifiable field), or
 *   'a': the register's age recipient, of the same text (a writer without
 *        K_id, e.g. a panel member's review: only a manager opens it).
 * The seq inside binds either form to its entry; the chain hash covers the
 * bytes.
 */
#define VALUES_KID 'k'
#define VALUES_AGE 'a'

static int values_seal(struct reg *r, int64_t seq, const char *values, uint8_t **out,
		       size_t *outlen)
{
	size_t n = strlen(values) + 24, len = 0;
	char *text = malloc(n);
	uint8_t *b = NULL, *o;
	int ret;

	*out = NULL;
	if (!text)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	snprintf(text, n, "%" PRId64 "\n%s", seq, values);
	if (store_has_id(r)) {
		ret = store_id_seal(r, "audit", seq, text, &b, &len);
		o = ret ? NULL : malloc(len + 1);
		if (o) {
			o[0] = VALUES_KID;
			memcpy(o + 1, b, len);
		}
	} else {
		ret = store_seal_identifiable(r, (const uint8_t *)text, strlen(text), &b, &len);
		o = ret ? NULL : malloc(len + 1);
		if (o) {
			o[0] = VALUES_AGE;
			memcpy(o + 1, b, len);
		}
	}
	secure_wipe(text, n);
	free(text);
	free(b);
	if (!ret && !o)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	*out = o;
	*outlen = len + 1;
	return ret;
}

void audit_values_free(char *values)
{
	if (values)
		secure_wipe(values, strlen(values));
	free(values);
}

int audit_values_open(struct reg *r, const struct audit_entry *e, char **values)
{
	const uint8_t *b = e->sealed;
	char *text = NULL, *nl, *end;
	uint8_t *plain = NULL;
	size_t plen = 0;
	long long seq;
	int ret;

	*values = NULL;
	if (!b)
		return CDOP_OK;
	if (e->sealed_len < 2 || (b[0] != VALUES_KID && b[0] != VALUES_AGE))
		return reg_fail(r, CDOP_ERR_DAMAGED, "the sealed values of audit entry "
				"%" PRId64 " are malformed", e->seq);
	if (b[0] == VALUES_KID) {
		ret = store_id_open(r, "audit", e->seq, b + 1, e->sealed_len - 1, &text);
	} else {
		ret = store_open_identifiable(r, b + 1, e->sealed_len - 1, &plain, &plen);
		text = ret ? NULL : malloc(plen + 1);
		if (text) {
			memcpy(text, plain, plen);
			text[plen] = 0;
		} else if (!ret) {
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		}
		store_age_free(plain, plen);
	}
	if (ret)
		return ret;
	nl = strchr(text, '\n');
	seq = strtoll(text, &end, 10);
	if (!nl || end != nl || seq != e->seq) {
		audit_values_free(text);
		return reg_fail(r, CDOP_ERR_DAMAGED, "the sealed values of audit entry "
				"%" PRId64 " belong to another entry: they have been moved",
				e->seq);
	}
	{
		size_t skip = (size_t)(nl + 1 - text), total = strlen(text);

		/* the values to the front; the bytes left behind wiped */
		memmove(text, nl + 1, total - skip + 1);
		secure_wipe(text + total - skip + 1, skip);
	}
	*values = text;
	return CDOP_OK;
}

static int append_entry(struct reg *r, const char *at, const char *user,
			const char *action, const char *object, const char *detail,
			const char *values)
{
	static const char sql[] =
		"INSERT INTO audit(seq, at, user, action, object, detail, hash, sig, sealed) "
		"VALUES (:seq, :at, :user, :action, :object, :detail, :hash, :sig, :sealed)";
	static const char sql_old[] =
		"INSERT INTO audit(seq, at, user, action, object, detail, hash, sig) "
		"VALUES (:seq, :at, :user, :action, :object, :detail, :hash, :sig)";
	uint8_t prev[CHAIN_HASH_BYTES], hash[CHAIN_HASH_BYTES], sig[AUDIT_SIG_BYTES];
	struct db_stmt q = DB_STMT_INIT;
	struct audit_entry e;
	uint8_t *sealed = NULL;
	int ret;

	if (!r->st.in_txn)
		return reg_fail(r, CDOP_ERR_INTERNAL,
				"audit entry '%s' outside a transaction", action);
	ret = chain_head(r, &e.seq, prev);
	if (ret)
		return ret;
	e.seq++;
	e.sealed = NULL;
	e.sealed_len = 0;
	if (values && *values) {
		ret = values_seal(r, e.seq, values, &sealed, &e.sealed_len);
		if (ret)
			return ret;
		e.sealed = sealed;
	}
	e.at = at;
	e.user = user ? user : "";
	e.action = action;
	e.object = object ? object : "";
	e.detail = detail ? detail : "";
	ret = entry_hash(r, prev, &e, hash);
	if (ret) {
		free(sealed);
		return ret;
	}
	/* Before migration 013 the column does not exist: only the migration's
	 * own entry is written then, and it has no values. */
	db_prepare(r, &q, sealed ? sql : sql_old);
	if (sealed)
		db_bind_blob(&q, ":sealed", sealed, e.sealed_len);
	db_bind_int(&q, ":seq", e.seq);
	db_bind_text(&q, ":at", e.at);
	db_bind_text(&q, ":user", e.user);
	db_bind_text(&q, ":action", e.action);
	db_bind_text(&q, ":object", e.object);
	db_bind_text(&q, ":detail", e.detail);
	db_bind_blob(&q, ":hash", hash, sizeof hash);
	if (signed_register(r)) {
		entry_sign(r, e.seq, hash, sig);
		db_bind_blob(&q, ":sig", sig, sizeof sig);
	} else {
		db_bind_null(&q, ":sig");
	}
	db_run(&q);
	ret = db_finalize(&q);
	free(sealed);
	return ret ? ret : head_record(r, e.seq, hash);
}

int audit_append_as(struct reg *r, const char *at, const char *user,
		    const char *action, const char *object, const char *detail)
{
	return append_entry(r, at, user, action, object, detail, NULL);
}

int audit_append_values(struct reg *r, const char *action, const char *object,
			const char *detail, const char *values)
{
	char now[21];

	reg_now(now);
	return append_entry(r, now, r->ss.user, action, object, detail, values);
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

/* Whether the audit table has 013's sealed column: a register still at an
 * older schema is read (restore's and check's verification) before, or
 * without, being migrated. */
static int have_sealed(struct reg *r, int *yes)
{
	struct db_stmt q = DB_STMT_INIT;

	*yes = 0;
	db_prepare(r, &q, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
		   "name = 'audit' AND sql LIKE '%sealed BLOB%'");
	if (db_step(&q) == DB_ROW)
		*yes = db_column_int(&q, 0) > 0;
	return db_finalize(&q);
}

/* Columns 0-5: seq, at, user, action, object, detail; 6 the sealed values. */
static void entry_read(struct db_stmt *q, struct audit_entry *e)
{
	e->sealed_len = 0;
	e->sealed = db_column_is_null(q, 6) ? NULL : db_column_blob(q, 6, &e->sealed_len);
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

int audit_head(struct reg *r, int64_t *entries, char hash[2 * CHAIN_HASH_BYTES + 1])
{
	char text[HEAD_TEXT_SIZE + 8], *colon;
	int ret = audit_head_text(r, text, sizeof text);

	*entries = 0;
	hash[0] = 0;
	if (ret || !text[0])
		return ret;
	colon = strchr(text, ':');
	if (!colon || strlen(colon + 1) != 2 * CHAIN_HASH_BYTES)
		return reg_fail(r, CDOP_ERR_DAMAGED, "the register's audit head is malformed");
	*colon = 0;
	*entries = strtoll(text, NULL, 10);
	memcpy(hash, colon + 1, 2 * CHAIN_HASH_BYTES + 1);
	return CDOP_OK;
}

int audit_witness(struct reg *r, const char *tc)
{
	static const char sql[] = "SELECT hash FROM audit WHERE seq = :seq";
	struct db_stmt q = DB_STMT_INIT;
	char want[2 * CHAIN_HASH_BYTES + 1], have[2 * CHAIN_HASH_BYTES + 1] = "";
	const char *at = tc ? strstr(tc, "audit:") : NULL;
	long long seq;
	int n = 0, found = 0, ret;

	if (!at || sscanf(at, "audit:%lld:%64[0-9a-f]%n", &seq, want, &n) != 2 ||
	    strlen(want) != 2 * CHAIN_HASH_BYTES || seq < 0)
		return reg_fail_field(r, CDOP_ERR_INPUT, "witness", "the signed comment "
				      "states no audit head (audit:ENTRIES:HASH)");
	if (seq == 0)
		return CDOP_OK;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":seq", seq);
	if (db_step(&q) == DB_ROW) {
		size_t hl = 0;
		const void *h = db_column_blob(&q, 0, &hl);

		found = 1;
		if (hl == CHAIN_HASH_BYTES)
			sodium_bin2hex(have, sizeof have, h, hl);
	}
	ret = db_finalize(&q);
	if (ret)
		return ret;
	if (!found)
		return reg_fail(r, CDOP_ERR_DAMAGED, "audit trail cut: the witness states "
				"%lld entries, the trail holds fewer; entries have been "
				"removed from its end", seq);
	if (strcmp(have, want))
		return reg_fail(r, CDOP_ERR_DAMAGED, "audit trail rewritten: entry %lld "
				"is not the one the witness states", seq);
	return CDOP_OK;
}

int audit_verify(struct reg *r, int64_t *bad)
{
	static const char sql[] =
		"SELECT seq, at, user, action, object, detail, sealed, hash, sig FROM audit "
		"ORDER BY seq";
	static const char sql_old[] =
		"SELECT seq, at, user, action, object, detail, NULL, hash, sig FROM audit "
		"ORDER BY seq";
	uint8_t prev[CHAIN_HASH_BYTES] = { 0 }, want[CHAIN_HASH_BYTES];
	struct db_stmt q = DB_STMT_INIT;
	char head[128], expect[HEAD_TEXT_SIZE];
	int64_t n = 0;
	int ret = CDOP_OK, fin;

	int sealed_col;

	*bad = 0;
	ret = have_sealed(r, &sealed_col);
	if (ret)
		return ret;
	db_prepare(r, &q, sealed_col ? sql : sql_old);
	while (!ret && db_step(&q) == DB_ROW) {
		struct audit_entry e;
		size_t hlen;
		const void *h;

		entry_read(&q, &e);
		h = db_column_blob(&q, 7, &hlen);
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
		if (signed_register(r) && r->st.kr.signed_from &&
		    e.seq >= (int64_t)r->st.kr.signed_from) {
			size_t slen = 0;
			const void *sg = db_column_is_null(&q, 8) ? NULL :
					 db_column_blob(&q, 8, &slen);

			ret = entry_sig_check(r, &e, want, sg, slen);
			if (ret) {
				*bad = e.seq;
				break;
			}
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
		"SELECT seq, at, user, action, object, detail, sealed FROM audit ORDER BY seq";
	static const char sql_old[] =
		"SELECT seq, at, user, action, object, detail, NULL FROM audit ORDER BY seq";
	struct db_stmt q = DB_STMT_INIT;
	int ret, fin, sealed_col;

	ret = have_sealed(r, &sealed_col);
	if (ret)
		return ret;
	db_prepare(r, &q, sealed_col ? sql : sql_old);
	while (!ret && db_step(&q) == DB_ROW) {
		struct audit_entry e;

		entry_read(&q, &e);
		ret = fn(&e, ctx);
	}
	fin = db_finalize(&q);
	return ret ? ret : fin;
}
