/*
 * cdop/store/keys — keys by role (SPEC §6; docs/security.md "Key
 * hierarchy"). A v2 keyring slot holds only its user's own key pairs; the
 * role keys come as grants sealed to the user's X25519 key and signed by
 * whoever granted them (crypto/keyring.c). This file turns an unlocked
 * slot into the session's keys, hands pending grants on at unlock, makes
 * the slots of user add, passwd and recover, rotates the register's keys at
 * user disable, and seals the identifiable fields under K_id.
 *
 * A v1 keyring (one master key in every slot) still opens: every key is
 * then derived from the master key, as before. Each user's unlock of it
 * stages their v2 slot (keys_stage_v1); the admin's `key convert` then
 * switches to v2 (keys_convert; docs/security.md §17).
 */
#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/bytes.h"
#include "crypto/error.h"
#include "crypto/secure.h"
#include "crypto/subkey.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "crypto/file.h"

#define ID_NONCE 24
#define ID_HEAD (4 + ID_NONCE)

static int v2(const struct reg *r)
{
	return r->st.kr.version == KEYRING_VERSION2 && r->st.ks;
}

static int keys_oom(struct reg *r)
{
	return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
}

/* ---- unlock --------------------------------------------------------------- */

int keys_unlock(struct reg *r, const struct reg_open_opts *o,
		const struct keyring_slot **slot)
{
	struct keyset *ks;
	int ret;

	if (r->st.kr.version != KEYRING_VERSION2) {
		if (o->recovery_code)
			return keyring_recovery_open(&r->st.kr, o->recovery_code, r->st.master);
		r->st.stage_kek = secure_alloc(KDF_KEY_BYTES);
		if (!r->st.stage_kek)
			return CRYPTO_ERR_NOMEM;
		return keyring_slot_open_kek(&r->st.kr, o->user, o->pass, o->passlen,
					     r->st.master, slot, r->st.stage_kek);
	}
	ks = r->st.ks = keyset_new();
	if (!ks)
		return CRYPTO_ERR_NOMEM;
	ret = o->recovery_code ?
		keyring2_unlock(&r->st.kr, NULL, o->recovery_code,
				strlen(o->recovery_code), ks, slot) :
		keyring2_unlock(&r->st.kr, o->user, o->pass, o->passlen, ks, slot);
	if (ret)
		return ret;
	/* A slot without the current K_reg was left out of a rotation. */
	if (!(ks->have & KEYSET_REG))
		return CRYPTO_ERR_DISABLED;
	memcpy(r->st.master, ks->k_reg, MASTER_KEY_BYTES);
	if (ks->have & KEYSET_REG_PREV) {
		r->st.k_reg_prev = secure_alloc(MASTER_KEY_BYTES);
		if (!r->st.k_reg_prev)
			return CRYPTO_ERR_NOMEM;
		memcpy(r->st.k_reg_prev, ks->k_reg_prev, MASTER_KEY_BYTES);
	}
	return CRYPTO_OK;
}

void keys_release(struct reg *r)
{
	keyset_free(r->st.ks);
	r->st.ks = NULL;
	secure_free(r->st.k_reg_prev);
	r->st.k_reg_prev = NULL;
	secure_free(r->st.stage_kek);
	r->st.stage_kek = NULL;
	secure_free(r->st.stage_sec);
	r->st.stage_sec = NULL;
}

/* ---- v1 -> v2: staged slots (docs/security.md §17) ------------------------ */

#define STAGE_ADMIN_KEY "keyring_v2_admin"
/* Set by the switch: epoch-0 (legacy) sealed rows await a manager's re-seal. */
#define ID_LEGACY_KEY "id_legacy_reseal"
#define STAGE_SLOT_PREFIX "keyring_v2_slot:"
#define STAGE_ADMIN_BYTES (KEYRING_USERID_BYTES + 32 + crypto_box_SEALBYTES + 32)

/* Reads meta key into out (exactly n bytes of hex); *found 0 if absent or
 * not that shape (then it is replaced). */
static int stage_get(struct reg *r, const char *key, uint8_t *out, size_t n, int *found)
{
	struct db_stmt q = DB_STMT_INIT;
	size_t got = 0;

	*found = 0;
	db_prepare(r, &q, "SELECT value FROM meta WHERE key = :k");
	db_bind_text(&q, ":k", key);
	if (db_step(&q) == DB_ROW) {
		const char *v = db_column_text(&q, 0);

		*found = v && strlen(v) == 2 * n &&
			 !sodium_hex2bin(out, n, v, 2 * n, NULL, &got, NULL) && got == n;
	}
	return db_finalize(&q);
}

static int stage_put(struct reg *r, const char *key, const uint8_t *in, size_t n)
{
	struct db_stmt q = DB_STMT_INIT;
	char hex[2 * STAGE_ADMIN_BYTES + 2 * KEYRING_SLOT2_BYTES + 1];

	sodium_bin2hex(hex, sizeof hex, in, n);
	db_prepare(r, &q, "INSERT OR REPLACE INTO meta(key, value) VALUES (:k, :v)");
	db_bind_text(&q, ":k", key);
	db_bind_text(&q, ":v", hex);
	db_run(&q);
	return db_finalize(&q);
}

static void stage_slot_key(const uint8_t id[KEYRING_USERID_BYTES], char out[64])
{
	char hex[2 * KEYRING_USERID_BYTES + 1];

	sodium_bin2hex(hex, sizeof hex, id, KEYRING_USERID_BYTES);
	snprintf(out, 64, "%s%s", STAGE_SLOT_PREFIX, hex);
}

/* The staged admin record: creator's user id, the future keyring-admin
 * Ed25519 public key, its seed sealed to the creator's staged X25519 key.
 * 1 if the creator (s1, kek) opens it and it holds admin_pk's seed. */
static int stage_admin_ok(const struct keyring *kr, const struct keyring_slot *s1,
			  const uint8_t *kek, const uint8_t rec[STAGE_ADMIN_BYTES],
			  const uint8_t slot[KEYRING_SLOT2_BYTES])
{
	uint8_t sec[KEYRING_SECRET_BYTES], x_pk[32], seed[32], pk[32], sk[64];
	int ok = 0;

	if (memcmp(rec, s1->user_id, KEYRING_USERID_BYTES) ||
	    keyring2_stage_open(kr, s1, rec + 16, kek, slot, sec, NULL))
		return 0;
	crypto_scalarmult_base(x_pk, sec);
	if (!crypto_box_seal_open(seed, rec + 48, crypto_box_SEALBYTES + 32, x_pk, sec)) {
		crypto_sign_seed_keypair(pk, sk, seed);
		ok = !memcmp(pk, rec + 16, 32);
	}
	sodium_memzero(sec, sizeof sec);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	return ok;
}

/* The creator admin's staged secrets, kept for this session's `key
 * convert` (the switch signs with them). */
static void stage_keep(struct reg *r, const uint8_t sec[KEYRING_SECRET_BYTES])
{
	if (!r->st.stage_sec)
		r->st.stage_sec = secure_alloc(KEYRING_SECRET_BYTES);
	if (r->st.stage_sec)
		memcpy(r->st.stage_sec, sec, KEYRING_SECRET_BYTES);
}

/* An admin starts (or restarts) the staging: a new keyring-admin key, its
 * seed sealed to the admin's own new staged slot; every slot staged under
 * an older admin key is dropped (its AD names that key). */

static int stage_admin_new(struct reg *r, const struct keyring_slot *s1, int *n)
{
	uint8_t rec[STAGE_ADMIN_BYTES], slot[KEYRING_SLOT2_BYTES];
	uint8_t sec[KEYRING_SECRET_BYTES], seed[32], sk[64], x_pk[32];
	struct db_stmt q = DB_STMT_INIT;
	char key[64];
	int ret;

	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(rec + 16, sk, seed);
	memcpy(rec, s1->user_id, KEYRING_USERID_BYTES);
	ret = keyring2_stage_make(&r->st.kr, s1, rec + 16, r->st.stage_kek, slot, sec);
	if (!ret) {
		crypto_scalarmult_base(x_pk, sec);
		crypto_box_seal(rec + 48, seed, sizeof seed, x_pk);
		stage_keep(r, sec);
	}
	sodium_memzero(sec, sizeof sec);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	if (ret)
		return reg_fail(r, CDOP_ERR_INTERNAL, "cannot stage a v2 key slot: %s",
				crypto_strerror(ret));
	db_prepare(r, &q, "DELETE FROM meta WHERE substr(key, 1, 16) = '" STAGE_SLOT_PREFIX "'");
	db_run(&q);
	ret = db_finalize(&q);
	stage_slot_key(s1->user_id, key);
	if (!ret)
		ret = stage_put(r, STAGE_ADMIN_KEY, rec, sizeof rec);
	if (!ret)
		ret = stage_put(r, key, slot, sizeof slot);
	if (!ret)
		*n = 2;
	return ret;
}

/*
 * While the keyring is v1, each user's unlock stages their v2 slot in the
 * database (meta): a fresh key pair wrapped under the passphrase key of
 * this very unlock (same salt and parameters), bound by its AD to the
 * register id and the future keyring-admin key, which the first admin to
 * unlock makes. A staged slot is re-checked at every unlock of its user
 * and made again if it no longer opens (a passwd, a role change, a
 * replacement by someone holding the master key). Nothing reads a staged
 * slot while the keyring is v1 but the switch (keys_convert).
 */
static int stage_v1(struct reg *r, unsigned flags)
{
	const struct keyring *kr = &r->st.kr;
	const struct keyring_slot *s1, *creator = NULL;
	uint8_t rec[STAGE_ADMIN_BYTES], slot[KEYRING_SLOT2_BYTES], cslot[KEYRING_SLOT2_BYTES];
	uint8_t sec[KEYRING_SECRET_BYTES];
	char key[64];
	int have_rec, have_slot, have_cslot = 0, n = 0, ret;

	if (kr->version != KEYRING_VERSION || !r->st.stage_kek || r->st.read_only ||
	    (flags & REG_OPEN_CHECK))
		return CDOP_OK;
	s1 = keyring_slot_find(kr, r->ss.user);
	if (!s1 || s1->state != KEYRING_SLOT_ACTIVE)
		return CDOP_OK;
	stage_slot_key(s1->user_id, key);
	ret = stage_get(r, STAGE_ADMIN_KEY, rec, sizeof rec, &have_rec);
	if (!ret)
		ret = stage_get(r, key, slot, sizeof slot, &have_slot);
	if (ret)
		return ret;
	if (have_rec) {
		char ckey[64];

		for (size_t i = 0; i < kr->nslots; i++)
			if (kr->slots[i].kind == KEYRING_SLOT_USER &&
			    !memcmp(kr->slots[i].user_id, rec, KEYRING_USERID_BYTES))
				creator = &kr->slots[i];
		stage_slot_key(rec, ckey);
		ret = stage_get(r, ckey, cslot, sizeof cslot, &have_cslot);
		if (ret)
			return ret;
		/* The record counts while its creator is an active admin whose
		 * staged slot is there; the creator re-checks it in full. */
		if (!creator || creator->state != KEYRING_SLOT_ACTIVE ||
		    creator->role != KEYRING_ROLE_ADMIN || !have_cslot ||
		    (creator == s1 && !stage_admin_ok(kr, s1, r->st.stage_kek, rec, cslot)))
			have_rec = 0;
	}
	if (!have_rec) {
		if (s1->role != KEYRING_ROLE_ADMIN)
			return CDOP_OK; /* an admin's unlock starts the staging */
		ret = db_begin(r);
		if (!ret)
			ret = stage_admin_new(r, s1, &n);
	} else {
		if (have_slot && !keyring2_stage_open(kr, s1, rec + 16, r->st.stage_kek,
						      slot, sec, NULL)) {
			if (creator == s1)
				stage_keep(r, sec);
			sodium_memzero(sec, sizeof sec);
			return CDOP_OK; /* staged, and still this user's */
		}
		ret = db_begin(r);
		if (!ret && (ret = keyring2_stage_make(kr, s1, rec + 16, r->st.stage_kek,
						       slot, sec)))
			ret = reg_fail(r, CDOP_ERR_INTERNAL, "cannot stage a v2 key slot: %s",
				       crypto_strerror(ret));
		if (!ret && creator == s1)
			stage_keep(r, sec);
		if (!ret)
			ret = stage_put(r, key, slot, sizeof slot);
		n = 1;
	}
	sodium_memzero(sec, sizeof sec);
	if (!ret)
		ret = audit_append(r, "key_stage", r->ss.user, n == 2 ?
				   "v2 key slot and keyring-admin key staged (keyring "
				   "conversion, docs/security.md 17)" :
				   "v2 key slot staged (keyring conversion, "
				   "docs/security.md 17)");
	return db_end(r, ret);
}

int keys_stage_v1(struct reg *r, unsigned flags)
{
	int ret = stage_v1(r, flags);

	/* The passphrase key is not kept past the unlock. */
	secure_free(r->st.stage_kek);
	r->st.stage_kek = NULL;
	return ret;
}

static int is_manager(const struct keyset *ks)
{
	return ks->kind == KEYRING_SLOT_RECOVERY || ks->role == KEYRING_ROLE_MANAGER;
}

/* The first manager's unlock makes the manager keys: K_dup, the age
 * identity, the report key and K_id epoch 1. No one else ever held them. */
static int mgr_keys_create(struct reg *r, struct keyset *ks)
{
	struct keyring *kr = &r->st.kr;
	uint8_t seed[32];

	randombytes_buf(ks->k_dup, sizeof ks->k_dup);
	randombytes_buf(ks->age_sk, sizeof ks->age_sk);
	crypto_scalarmult_base(kr->age_pk, ks->age_sk);
	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(kr->report_pk, ks->report_sk, seed);
	sodium_memzero(seed, sizeof seed);
	randombytes_buf(ks->k_id[1], 32);
	ks->id_have[1] = 1;
	ks->id_latest = 1;
	ks->have |= KEYSET_MGR | KEYSET_REPORT;
	kr->id_epoch = 1;
	return keyring2_mgr_sign(kr, ks);
}

/* After a rotation: a new K_id epoch, made by the next manager to unlock. */
static int id_epoch_new(struct reg *r, struct keyset *ks)
{
	struct keyring *kr = &r->st.kr;
	uint32_t e = kr->id_epoch + 1;

	if (e > KEYSET_MAX_EPOCHS)
		return CRYPTO_OK; /* documented limit: epochs stop at 64 */
	randombytes_buf(ks->k_id[e], 32);
	ks->id_have[e] = 1;
	ks->id_latest = e;
	kr->id_epoch = e;
	return keyring2_mgr_sign(kr, ks);
}

/* The report key or age recipient the admin retired (at the disable of a
 * user who held it, or at the switch from v1) is replaced by the next
 * manager (or recovery) unlock: new key pairs, signed into the manager
 * record. K_dup stays. The retired age identity stays with the managers
 * (GRANT_AGE_OLD), so files sealed to it still open; the old grants of the
 * pair are dropped and keys_after_open grants the new pair to every
 * manager, analyst (report key) and the recovery slot. docs/security.md §15. */
void keys_retired_when(const struct keyring_retired *t, char out[21])
{
	time_t w = (time_t)t->when;
	struct tm tm;

	if (!gmtime_r(&w, &tm) || !strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 21, "(unknown time)");
}

static int mgr_keys_due(const struct keyring *kr)
{
	return keyring2_retired_find(kr, RETIRED_REPORT, kr->report_pk) ||
	       keyring2_retired_find(kr, RETIRED_AGE, kr->age_pk);
}

static int mgr_keys_rotate(struct reg *r, struct keyset *ks)
{
	struct keyring *kr = &r->st.kr;
	const struct keyring_retired *t = keyring2_retired_find(kr, RETIRED_AGE, kr->age_pk);
	uint8_t seed[32];

	if (t) {
		size_t i = (size_t)(t - kr->retired);

		memcpy(ks->age_old[i], ks->age_sk, 32);
		ks->age_old_have[i] = 1;
		randombytes_buf(ks->age_sk, sizeof ks->age_sk);
		crypto_scalarmult_base(kr->age_pk, ks->age_sk);
	}
	if (keyring2_retired_find(kr, RETIRED_REPORT, kr->report_pk)) {
		randombytes_buf(seed, sizeof seed);
		crypto_sign_seed_keypair(kr->report_pk, ks->report_sk, seed);
		sodium_memzero(seed, sizeof seed);
	}
	keyring2_grants_drop(kr, NULL, GRANT_MGR);
	keyring2_grants_drop(kr, NULL, GRANT_REPORT);
	return keyring2_mgr_sign(kr, ks);
}

/* After a switch from v1 (§17): the old master key, granted as the K_reg of
 * epoch 0 so that an open interrupted before the rekey still reads the
 * database, is dropped once the database is under K_reg. 1 if dropped. */
static int legacy_reg_drop(struct reg *r)
{
	if (!v2(r) || r->st.rekey_due || r->st.kr.reg_epoch != 1)
		return 0;
	return keyring2_grants_drop_epoch(&r->st.kr, GRANT_REG, 0) > 0;
}

/*
 * At every unlock but check's: a manager (or the recovery code) makes the
 * manager keys or a K_id epoch that is due, and every user hands on the
 * keys they may grant to slots that lack them (a user added since, a new
 * epoch). Changes only the keyring.
 */
int keys_after_open(struct reg *r, unsigned flags)
{
	struct keyring *kr = &r->st.kr;
	struct keyset *ks = r->st.ks;
	int added = 0, changed = 0, ret = CRYPTO_OK;
	size_t i;

	if (!v2(r) || (flags & REG_OPEN_CHECK))
		return CDOP_OK;
	if (is_manager(ks) && (ks->have & KEYSET_MGR) && mgr_keys_due(kr)) {
		ret = mgr_keys_rotate(r, ks);
		changed = 1;
	}
	if (ret) {
		/* reported below */
	} else if (is_manager(ks) && kr->id_epoch == 0 && (ks->have & KEYSET_MGR)) {
		/* A converted v1 register: the legacy manager keys were granted
		 * at the switch; the first K_id epoch is made now (§17). */
		ret = id_epoch_new(r, ks);
		changed = 1;
	} else if (is_manager(ks) && kr->id_epoch == 0) {
		ret = mgr_keys_create(r, ks);
		changed = 1;
	} else if (is_manager(ks) && (ks->have & KEYSET_MGR) &&
		   ks->id_latest == kr->id_epoch && kr->id_epoch_wanted > kr->id_epoch) {
		ret = id_epoch_new(r, ks);
		changed = 1;
	}
	for (i = 0; !ret && i < kr->nslots; i++)
		ret = keyring2_grant_role(kr, ks, &kr->slots[i], &added);
	if (ret)
		return reg_fail(r, ret == CRYPTO_ERR_NOMEM ? CDOP_ERR_NOMEM : CDOP_ERR_INTERNAL,
				"cannot grant role keys: %s", crypto_strerror(ret));
	changed |= legacy_reg_drop(r);
	return changed || added ? reg_keyring_save(r) : CDOP_OK;
}

/* ---- create, slots, disable ---------------------------------------------- */

int keys_create(struct reg *r, struct reg_create_opts *o, const struct kdf_params *kdf)
{
	struct keyring *kr = &r->st.kr;
	struct keyset *ks = r->st.ks = keyset_new();
	int added = 0, ret;
	size_t i;

	if (!ks)
		return CRYPTO_ERR_NOMEM;
	ret = keyring2_create(kr, ks);
	kr->signed_from = 1; /* every audit entry of a v2 register is signed */
	if (!ret)
		ret = keyring2_slot_new(kr, o->admin, ROLE_ADMIN, o->pass, o->passlen, kdf, ks);
	if (!ret)
		ret = keyring2_recovery_new(kr, kdf, o->recovery_code);
	for (i = 0; !ret && i < kr->nslots; i++)
		ret = keyring2_grant_role(kr, ks, &kr->slots[i], &added);
	if (!ret)
		ret = keyring2_admin_sign(kr, ks);
	if (!ret)
		memcpy(r->st.master, ks->k_reg, MASTER_KEY_BYTES);
	return ret;
}

/* Adds a user's slot, rewraps one's own under a new passphrase, or (the
 * recovery code, or an admin re-adding) makes new key pairs and grants. */
int keys_slot_set(struct reg *r, const char *name, int role, const char *pass,
		  size_t passlen, const struct kdf_params *kdf)
{
	struct keyring *kr = &r->st.kr;
	struct keyset *ks = r->st.ks;
	struct keyring_slot *s;
	int added = 0, ret;

	if (!v2(r))
		return keyring_slot_set(kr, r->st.master, name, (uint8_t)role, pass,
					passlen, kdf);
	s = keyring_slot_find(kr, name);
	if (s && ks->kind == KEYRING_SLOT_USER &&
	    !memcmp(s->user_id, ks->self_id, KEYRING_USERID_BYTES))
		return keyring2_slot_rewrap(kr, ks, pass, passlen, kdf);
	if (!(ks->have & KEYSET_ADMIN))
		return CRYPTO_ERR_ARG;
	ret = keyring2_slot_new(kr, name, (uint8_t)role, pass, passlen, kdf, NULL);
	s = ret ? NULL : keyring_slot_find(kr, name);
	if (!ret && !s)
		ret = CRYPTO_ERR_NOUSER;
	if (!ret) {
		keyring2_grants_drop(kr, s->user_id, 0); /* sealed to the old keys */
		ret = keyring2_grant_role(kr, ks, s, &added);
	}
	return ret ? ret : keyring2_admin_sign(kr, ks);
}

/*
 * Disables NAME's slot and rotates: a new K_reg (epoch + 1) granted to every
 * active slot (the database is rekeyed after the commit, keys_rekey), and a
 * new K_id epoch due at the next manager unlock. The previous K_reg stays
 * granted to the remaining users only, so a crash before the rekey still
 * opens; nothing is granted to NAME any more.
 */
int keys_disable(struct reg *r, const char *name)
{
	struct keyring *kr = &r->st.kr;
	struct keyset *ks = r->st.ks;
	uint8_t seed[32], sk[crypto_box_SECRETKEYBYTES];
	struct keyring_slot *s;
	int added = 0, ret;
	size_t i;

	ret = keyring_slot_disable(kr, name);
	if (ret || !v2(r))
		return ret;
	if (!(ks->have & KEYSET_ADMIN))
		return CRYPTO_ERR_ARG;
	s = keyring_slot_find(kr, name);
	keyring2_grants_drop(kr, s->user_id, 0);
	/* A departing holder of the report key (manager, analyst) or the age
	 * identity (manager): the admin retires the public keys now, the next
	 * manager unlock makes new ones (keys_after_open). A full list is the
	 * documented limit, as for the K_id epochs. */
	if (s->role == KEYRING_ROLE_MANAGER || s->role == KEYRING_ROLE_ANALYST)
		ret = keyring2_retire(kr, RETIRED_REPORT, kr->report_pk, (int64_t)time(NULL));
	if (!ret && s->role == KEYRING_ROLE_MANAGER)
		ret = keyring2_retire(kr, RETIRED_AGE, kr->age_pk, (int64_t)time(NULL));
	if (ret == CRYPTO_ERR_ARG)
		ret = CRYPTO_OK;
	if (ret)
		return ret;
	/* Older than the previous epoch: nobody needs them. */
	for (i = 0; i < kr->ngrants;) {
		if (kr->grants[i].kind == GRANT_REG && kr->grants[i].epoch + 1 < kr->reg_epoch) {
			uint8_t id[KEYRING_USERID_BYTES];

			memcpy(id, kr->grants[i].recipient, sizeof id);
			keyring2_grants_drop(kr, id, GRANT_REG);
			i = 0;
			continue;
		}
		i++;
	}
	if (!r->st.k_reg_prev && !(r->st.k_reg_prev = secure_alloc(MASTER_KEY_BYTES)))
		return CRYPTO_ERR_NOMEM;
	memcpy(r->st.k_reg_prev, ks->k_reg, MASTER_KEY_BYTES);
	randombytes_buf(ks->k_reg, sizeof ks->k_reg);
	kr->reg_epoch = ++ks->reg_epoch;
	memcpy(r->st.master, ks->k_reg, MASTER_KEY_BYTES);
	ret = subkey_derive(seed, SUBKEY_FAILBOX, ks->k_reg);
	if (!ret && crypto_box_seed_keypair(kr->box_pk, sk, seed))
		ret = CRYPTO_ERR_INIT;
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	if (kr->id_epoch && kr->id_epoch_wanted <= kr->id_epoch)
		kr->id_epoch_wanted = kr->id_epoch + 1;
	for (i = 0; !ret && i < kr->nslots; i++)
		ret = keyring2_grant_role(kr, ks, &kr->slots[i], &added);
	r->st.rekey_due = 1;
	return ret ? ret : keyring2_admin_sign(kr, ks);
}

/* A disable that did not commit: the keyring was put back (users.c), and
 * so are the keys. */
void keys_disable_undo(struct reg *r)
{
	if (!r->st.rekey_due || !v2(r) || !r->st.k_reg_prev)
		return;
	memcpy(r->st.master, r->st.k_reg_prev, MASTER_KEY_BYTES);
	memcpy(r->st.ks->k_reg, r->st.k_reg_prev, MASTER_KEY_BYTES);
	r->st.ks->reg_epoch = r->st.kr.reg_epoch;
	secure_free(r->st.k_reg_prev);
	r->st.k_reg_prev = NULL;
	r->st.rekey_due = 0;
}

/* The SQLCipher key text x'…' of a register key. */
static int key_text(struct reg *r, const uint8_t *k_reg, char **out)
{
	uint8_t key[SUBKEY_BYTES];
	char *t = secure_alloc(3 + 2 * SUBKEY_BYTES + 1);

	*out = NULL;
	if (!t)
		return keys_oom(r);
	if (subkey_derive(key, SUBKEY_DATABASE, k_reg)) {
		secure_free(t);
		return reg_fail(r, CDOP_ERR_INTERNAL, "cannot derive database key");
	}
	t[0] = 'x';
	t[1] = '\'';
	sodium_bin2hex(t + 2, 2 * SUBKEY_BYTES + 1, key, SUBKEY_BYTES);
	t[2 + 2 * SUBKEY_BYTES] = '\'';
	t[3 + 2 * SUBKEY_BYTES] = 0;
	secure_wipe(key, sizeof key);
	*out = t;
	return CDOP_OK;
}

int keys_db_key_text(struct reg *r, int prev, char **out)
{
	return key_text(r, prev ? r->st.k_reg_prev : r->st.master, out);
}

/*
 * Re-encrypts every page under the current K_reg (after a rotation's
 * commit, or at the open that finds a rotation not yet done). SQLCipher
 * 3.4.1's rekey returns SQLITE_OK even when its own transaction failed (an
 * EIO or ENOSPC on the journal or the file): it then rolls back, or leaves
 * a hot journal, with the connection reading under the old key and
 * writing under the new one, so a page written after it would be under
 * the other key than the rest. Whatever it returns, the connection is
 * therefore dropped and a new one finds which key the file is really
 * under (reg_rekeyed): the rekey is all or nothing, and when nothing,
 * rekey_due stays set (the next open does it) and this fails.
 */
int keys_rekey(struct reg *r)
{
	char *t = NULL;
	int again, ret = key_text(r, r->st.master, &t);

	if (ret)
		return ret;
	if (sqlite3_rekey(r->st.db, t, (int)strlen(t)) != SQLITE_OK)
		ret = db_error(r, SQLITE_ERROR, "rekey");
	secure_free(t);
	r->st.rekey_due = 0;
	if ((again = reg_rekeyed(r)) != CDOP_OK)
		return again;
	r->st.rekey_pending = !ret && r->st.rekey_due;
	if (r->st.rekey_pending)
		ret = reg_fail(r, CDOP_ERR_IO, "register '%s' could not be re-encrypted "
			       "under its new key (a write failed; the file is still "
			       "wholly under the previous key)", r->st.path);
	return ret;
}

/* ---- keyring and database together (findings 6, 7) ----------------------- */

static int new_path(struct reg *r, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s.new", r->st.keys_path) >= len)
		return reg_fail(r, CDOP_ERR_INPUT, "path too long: '%s'", r->st.keys_path);
	return CDOP_OK;
}

static int meta_generation(struct reg *r, uint64_t *g, int *found)
{
	struct db_stmt q = DB_STMT_INIT;

	*g = 0;
	*found = 0;
	db_prepare(r, &q, "SELECT value FROM meta WHERE key = 'keyring_generation'");
	if (db_step(&q) == DB_ROW) {
		*g = strtoull(db_column_text(&q, 0), NULL, 10);
		*found = 1;
	}
	return db_finalize(&q);
}

/*
 * Commits the open transaction together with the changed keyring: the
 * keyring gets the next generation, which the transaction records too;
 * it is written (and fsync'd) as PATH.keys.new, the database commits,
 * then PATH.keys.new is renamed over PATH.keys. A crash leaves either no
 * .new (nothing changed) or a .new whose generation says whether the
 * commit landed (keys_pending). v1 keyrings: the old order.
 */
int keys_commit(struct reg *r)
{
	struct db_stmt q = DB_STMT_INIT;
	char path[4200], gen[24];
	int ret;

	if (r->st.kr.version != KEYRING_VERSION2) {
		ret = reg_keyring_save(r);
		return ret ? ret : db_commit(r);
	}
	ret = new_path(r, path, sizeof path);
	if (ret)
		return ret;
	r->st.kr.generation++;
	snprintf(gen, sizeof gen, "%llu", (unsigned long long)r->st.kr.generation);
	db_prepare(r, &q, "INSERT OR REPLACE INTO meta(key, value) "
		   "VALUES ('keyring_generation', :g)");
	db_bind_text(&q, ":g", gen);
	db_run(&q);
	ret = db_finalize(&q);
	if (!ret && keyring_mac_seal(&r->st.kr, r->st.master))
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "cannot seal keyring");
	if (!ret && keyring_save(&r->st.kr, path, KEYRING_SAVE_REPLACE))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write keyring '%s': %s", path,
			       strerror(errno));
	if (!ret)
		ret = db_commit(r);
	if (ret) {
		(void)unlink(path);
		r->st.kr.generation--;
		return ret;
	}
	if (rename(path, r->st.keys_path) || file_fsync_dir(r->st.keys_path))
		/* Committed: the next open renames it (keys_pending). */
		return reg_fail(r, CDOP_ERR_IO, "the change is committed but keyring "
				"'%s' could not be moved into place (%s); the next "
				"open completes it", path, strerror(errno));
	return CDOP_OK;
}

/*
 * At open, once the database is readable: a PATH.keys.new left by a crash
 * is renamed into place if the database recorded its generation (the
 * change landed; the caller opens again with it) or removed if not.
 * Returns 1 when the register must be opened again.
 */
/* Temp files of keyring writes a crash interrupted (PATH.keys.tmp-*,
 * PATH.keys.new.tmp-*): this cdop holds the register's lock, so no write
 * of another is under way. Each may hold slots of users disabled since. */
static void stale_temps_remove(struct reg *r)
{
	const char *slash = strrchr(r->st.keys_path, '/');
	const char *base = slash ? slash + 1 : r->st.keys_path;
	size_t dlen = slash ? (size_t)(slash - r->st.keys_path) : 0, blen = strlen(base);
	char dir[4200], path[4200];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof dir, "%.*s", (int)(dlen ? dlen : 1), slash ? r->st.keys_path : ".");
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *rest = de->d_name + blen;

		if (strncmp(de->d_name, base, blen) ||
		    (strncmp(rest, ".tmp-", 5) && strncmp(rest, ".new.tmp-", 9)))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < sizeof path)
			(void)unlink(path);
	}
	closedir(d);
}

int keys_pending(struct reg *r, unsigned flags)
{
	struct keyring kn;
	char path[4200];
	uint64_t g;
	int found, ret;

	/* A v1 keyring too: the switch to v2 (§17) is such a change. */
	if (!(flags & REG_OPEN_CHECK))
		stale_temps_remove(r);
	ret = new_path(r, path, sizeof path);
	if (!ret)
		ret = meta_generation(r, &g, &found);
	if (ret)
		return ret;
	if (keyring_load(&kn, path) == CRYPTO_OK) {
		int landed = found && kn.generation == g &&
			     !memcmp(kn.register_id, r->st.kr.register_id, KEYRING_ID_BYTES);

		keyring_release(&kn);
		/* check renames and removes nothing: it takes the keyring that
		 * agrees with the database, as an open would (docs/security.md
		 * §14): PATH.keys.new if the change landed (reg_open checks
		 * again with it), PATH.keys if not. */
		if ((flags & REG_OPEN_CHECK) && landed)
			return 2;
		if (flags & REG_OPEN_CHECK)
			goto generation;
		if (!landed)
			return unlink(path) ? reg_fail(r, CDOP_ERR_IO, "cannot remove "
				"stale keyring '%s': %s", path, strerror(errno)) : CDOP_OK;
		if (rename(path, r->st.keys_path) || file_fsync_dir(r->st.keys_path))
			return reg_fail(r, CDOP_ERR_IO, "cannot move keyring '%s' into "
					"place: %s", path, strerror(errno));
		return 1;
	}
	if (errno != ENOENT && access(path, F_OK) == 0 && !(flags & REG_OPEN_CHECK) && unlink(path))
		return reg_fail(r, CDOP_ERR_IO, "cannot remove malformed keyring '%s'", path);
generation:
	if (found && g != r->st.kr.generation)
		return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' (generation %llu) does "
				"not agree with register '%s' (generation %llu): it is an "
				"older or newer copy; restore the matching pair",
				r->st.keys_path, (unsigned long long)r->st.kr.generation,
				r->st.path, (unsigned long long)g);
	return CDOP_OK;
}

/* ---- identifiable fields ---------------------------------------------------- */

static const uint8_t *id_key(struct reg *r, uint32_t epoch, uint8_t legacy[32])
{
	if (!v2(r)) {
		if (epoch != 0 || subkey_derive(legacy, SUBKEY_LEGACY_ID, r->st.master))
			return NULL;
		return legacy;
	}
	if (epoch > KEYSET_MAX_EPOCHS || !r->st.ks->id_have[epoch] ||
	    !is_manager(r->st.ks))
		return NULL;
	return r->st.ks->k_id[epoch];
}

int store_has_id(struct reg *r)
{
	if (!v2(r))
		return r->ss.role == ROLE_MANAGER || r->ss.role == ROLE_NONE;
	return is_manager(r->st.ks) && r->st.ks->id_latest > 0;
}

static size_t id_ad(uint8_t *ad, const char *ctx, int64_t id, uint32_t epoch)
{
	static const char tag[] = "cdop-id";
	size_t n = strlen(ctx), o = 0;

	memcpy(ad, tag, sizeof tag);
	o += sizeof tag;
	memcpy(ad + o, ctx, n + 1);
	o += n + 1;
	le64_put(ad + o, (uint64_t)id);
	le32_put(ad + o + 8, epoch);
	return o + 12;
}

static int no_id(struct reg *r)
{
	if (v2(r) && is_manager(r->st.ks))
		return reg_fail(r, CDOP_ERR_ACCESS, "user '%s' has not been granted the "
				"identifiable-data keys yet: they are handed on when "
				"another manager (or the recovery code) next unlocks the "
				"register", r->ss.user);
	return reg_fail(r, CDOP_ERR_ACCESS, "identifiable data is sealed under the "
			"manager's key: role '%s' cannot read it", role_name(r->ss.role));
}

int store_id_seal(struct reg *r, const char *ctx, int64_t id, const char *text,
		  uint8_t **blob, size_t *len)
{
	uint8_t legacy[32], ad[128], *b;
	uint32_t epoch = v2(r) ? r->st.ks->id_latest : 0;
	const uint8_t *k = id_key(r, epoch, legacy);
	size_t n = strlen(text);

	*blob = NULL;
	if (!k || strlen(ctx) > 64)
		return no_id(r);
	b = malloc(ID_HEAD + n + crypto_aead_xchacha20poly1305_ietf_ABYTES);
	if (!b)
		return keys_oom(r);
	le32_put(b, epoch);
	randombytes_buf(b + 4, ID_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(b + ID_HEAD, NULL, (const uint8_t *)text, n,
						   ad, id_ad(ad, ctx, id, epoch), NULL,
						   b + 4, k);
	secure_wipe(legacy, sizeof legacy);
	*blob = b;
	*len = ID_HEAD + n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	return CDOP_OK;
}

int store_id_open(struct reg *r, const char *ctx, int64_t id, const void *blob,
		  size_t len, char **text)
{
	const uint8_t *b = blob, *k;
	uint8_t legacy[32], ad[128];
	unsigned long long n;
	uint32_t epoch;
	char *t;

	*text = NULL;
	if (!b || len < ID_HEAD + crypto_aead_xchacha20poly1305_ietf_ABYTES || strlen(ctx) > 64)
		return reg_fail(r, CDOP_ERR_DAMAGED, "a sealed %s field of record %lld "
				"is truncated", ctx, (long long)id);
	epoch = le32_get(b);
	k = id_key(r, epoch, legacy);
	if (!k)
		return no_id(r);
	t = malloc(len - ID_HEAD - crypto_aead_xchacha20poly1305_ietf_ABYTES + 1);
	if (!t)
		return keys_oom(r);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((uint8_t *)t, &n, NULL, b + ID_HEAD,
			len - ID_HEAD, ad, id_ad(ad, ctx, id, epoch), b + 4, k)) {
		free(t);
		secure_wipe(legacy, sizeof legacy);
		return reg_fail(r, CDOP_ERR_DAMAGED, "the sealed %s field of record %lld "
				"has been altered or moved", ctx, (long long)id);
	}
	secure_wipe(legacy, sizeof legacy);
	t[n] = 0;
	*text = t;
	return CDOP_OK;
}

int store_dup_hash(struct reg *r, const char *text, char out[33])
{
	uint8_t legacy[32], h[16];
	const uint8_t *k;

	if (!v2(r)) {
		if (subkey_derive(legacy, SUBKEY_LEGACY_DUP, r->st.master))
			return reg_fail(r, CDOP_ERR_INTERNAL, "cannot derive a key");
		k = legacy;
	} else if (r->st.ks->have & KEYSET_MGR) {
		k = r->st.ks->k_dup;
	} else {
		return no_id(r);
	}
	crypto_generichash(h, sizeof h, (const uint8_t *)text, strlen(text), k, 32);
	sodium_bin2hex(out, 33, h, sizeof h);
	secure_wipe(legacy, sizeof legacy);
	return CDOP_OK;
}

int store_audit_key(struct reg *r, uint8_t out[32])
{
	if (v2(r)) {
		memcpy(out, r->st.ks->k_audit, 32);
		return CDOP_OK;
	}
	return subkey_derive(out, SUBKEY_AUDIT, r->st.master) ?
		reg_fail(r, CDOP_ERR_INTERNAL, "cannot derive the audit key") : CDOP_OK;
}

/* ---- v1 -> v2: the switch (docs/security.md §17) ----------------------------- */

/* The names of active users whose staged slot is missing or stale, as
 * "'a', 'b'" (empty: every active user is staged). */
static int convert_unstaged(struct reg *r, char *out, size_t n)
{
	struct db_stmt q = DB_STMT_INIT;
	uint8_t slot[KEYRING_SLOT2_BYTES];
	struct keyring_slot s2;
	size_t o = 0;
	int ret = CDOP_OK;

	*out = 0;
	db_prepare(r, &q, "SELECT name FROM users WHERE state = 'active' ORDER BY name");
	while (!ret && db_step(&q) == DB_ROW) {
		const char *name = db_column_text(&q, 0);
		const struct keyring_slot *s1 = keyring_slot_find(&r->st.kr, name);
		char key[64];
		int have = 0;

		if (s1) {
			stage_slot_key(s1->user_id, key);
			ret = stage_get(r, key, slot, sizeof slot, &have);
			have = have && !keyring2_stage_parse(&r->st.kr, s1, slot, &s2);
		}
		if (!ret && !have && o + strlen(name) + 5 < n)
			o += (size_t)snprintf(out + o, n - o, "%s'%s'", o ? ", " : "", name);
	}
	sodium_memzero(&s2, sizeof s2);
	return ret ? (db_finalize(&q), ret) : db_finalize(&q);
}

/* The admin record's seed, opened with the converting admin's staged key. */
static int convert_admin_seed(struct reg *r, const uint8_t rec[STAGE_ADMIN_BYTES],
			      uint8_t seed[32])
{
	uint8_t x_pk[32], pk[32], sk[64];
	int ok;

	crypto_scalarmult_base(x_pk, r->st.stage_sec);
	ok = !crypto_box_seal_open(seed, rec + 48, crypto_box_SEALBYTES + 32, x_pk,
				   r->st.stage_sec);
	if (ok) {
		crypto_sign_seed_keypair(pk, sk, seed);
		ok = !memcmp(pk, rec + 16, 32);
		sodium_memzero(sk, sizeof sk);
	}
	return ok ? CDOP_OK : reg_fail(r, CDOP_ERR_DAMAGED, "the staged keyring-admin key "
				       "does not open with your staged key slot");
}

/* The recovery slot's keys for the switch: K_reg and K_audit, the admin
 * key, and the legacy keys derived from the master key (K_id epoch 0,
 * K_dup, the age identity, the report key) that managers keep. */
static int convert_recovery_keys(struct reg *r, struct keyset *rk, const struct keyset *ks,
				 struct keyring *kn)
{
	uint8_t seed[32], pk[32];
	int ret;

	memcpy(rk->k_reg, ks->k_reg, 32);
	memcpy(rk->k_audit, ks->k_audit, 32);
	memcpy(rk->admin_sk, ks->admin_sk, 64);
	rk->reg_epoch = ks->reg_epoch;
	ret = subkey_derive(rk->k_dup, SUBKEY_LEGACY_DUP, r->st.master) ||
	      subkey_derive(rk->age_sk, SUBKEY_LEGACY_AGE, r->st.master) ||
	      subkey_derive(rk->k_id[0], SUBKEY_LEGACY_ID, r->st.master) ||
	      subkey_derive(seed, SUBKEY_SIGN, r->st.master);
	if (!ret) {
		crypto_sign_seed_keypair(pk, rk->report_sk, seed);
		memcpy(kn->report_pk, pk, 32);
		crypto_scalarmult_base(kn->age_pk, rk->age_sk);
		rk->id_have[0] = 1;
		rk->id_latest = 0;
		rk->have = KEYSET_REG | KEYSET_ADMIN | KEYSET_MGR | KEYSET_REPORT;
		kn->id_epoch = 0; /* the first manager's unlock makes epoch 1 */
		ret = keyring2_mgr_sign(kn, rk);
		/* Every holder of M holds these two: retired at once, replaced
		 * by the first manager unlock (keys_after_open). */
		if (!ret)
			ret = keyring2_retire(kn, RETIRED_REPORT, kn->report_pk,
					      (int64_t)time(NULL));
		if (!ret)
			ret = keyring2_retire(kn, RETIRED_AGE, kn->age_pk, (int64_t)time(NULL));
	}
	sodium_memzero(seed, sizeof seed);
	return ret;
}

/* The v2 keyring: the staged slots (disabled users as tombstones), a new
 * recovery slot, K_reg epoch 1, K_audit and the admin key as staged, the
 * legacy keys to managers, and the old master key as K_reg epoch 0 (so an
 * open interrupted before the rekey reads the database). */
static int convert_build(struct reg *r, struct keyring *kn, struct keyset *ks,
			 struct keyset *rk, const uint8_t rec[STAGE_ADMIN_BYTES],
			 const uint8_t seed[32], const struct kdf_params *kdf,
			 int64_t next_seq, char code[RECOVERY_CODE_TEXT])
{
	const struct keyring *kr1 = &r->st.kr;
	uint8_t slot[KEYRING_SLOT2_BYTES], buf[64];
	int ret, added = 0, have;
	size_t i;

	ret = keyring2_from_v1(kn, kr1, ks);
	if (ret)
		goto out;
	crypto_sign_seed_keypair(kn->admin_pk, ks->admin_sk, seed);
	ret = subkey_derive(ks->k_audit, SUBKEY_AUDIT, r->st.master); /* the old chain */
	keyring2_self_keys(ks, rec, KEYRING_SLOT_USER, KEYRING_ROLE_ADMIN, r->st.stage_sec);
	kn->signed_from = (uint64_t)next_seq;
	memcpy(kn->file_mac, kr1->file_mac, sizeof kn->file_mac);
	kn->file_size = kr1->file_size;
	kn->dirty = 1; /* the transaction under way; the close reseals */
	for (i = 0; !ret && i < kr1->nslots; i++) {
		const struct keyring_slot *s1 = &kr1->slots[i];
		struct keyring_slot s2;
		char key[64];

		if (s1->kind != KEYRING_SLOT_USER)
			continue;
		if (s1->state != KEYRING_SLOT_ACTIVE) {
			ret = keyring2_slot_adopt(kn, s1);
			continue;
		}
		stage_slot_key(s1->user_id, key);
		if ((ret = stage_get(r, key, slot, sizeof slot, &have)) != CDOP_OK)
			return ret;
		ret = have ? keyring2_stage_parse(kr1, s1, slot, &s2) : CRYPTO_ERR_AUTH;
		if (!ret)
			ret = keyring2_slot_adopt(kn, &s2);
		sodium_memzero(&s2, sizeof s2);
	}
	if (!ret)
		ret = keyring2_recovery_new_self(kn, kdf, code, rk);
	if (!ret)
		ret = convert_recovery_keys(r, rk, ks, kn);
	memcpy(buf, r->st.master, 32);
	memcpy(buf + 32, ks->k_audit, 32);
	for (i = 0; !ret && i < kn->nslots; i++) {
		if (kn->slots[i].state != KEYRING_SLOT_ACTIVE)
			continue;
		ret = keyring2_grant_role(kn, rk, &kn->slots[i], &added);
		if (!ret)
			ret = keyring2_grant(kn, rk, kn->slots[i].user_id, GRANT_REG, 0, buf, 64);
	}
	sodium_memzero(buf, sizeof buf);
	if (!ret)
		ret = keyring2_admin_sign(kn, ks);
out:
	return ret ? reg_fail(r, ret == CRYPTO_ERR_NOMEM ? CDOP_ERR_NOMEM : CDOP_ERR_INTERNAL,
			      "cannot make the v2 keyring: %s", crypto_strerror(ret)) : CDOP_OK;
}

/* In the switch's transaction: the staging rows go, the legacy re-seal is
 * flagged for the first manager. */
static int convert_next_seq(struct reg *r, int64_t *next_seq)
{
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, "SELECT coalesce(max(seq), 0) + 1 FROM audit");
	if (db_step(&q) == DB_ROW)
		*next_seq = db_column_int(&q, 0);
	return db_finalize(&q);
}

static int convert_txn(struct reg *r)
{
	static const char *const sql[] = {
		"DELETE FROM meta WHERE substr(key, 1, 11) = 'keyring_v2_'",
		"INSERT OR REPLACE INTO meta(key, value) VALUES ('" ID_LEGACY_KEY "', '1')",
	};
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK;
	size_t i;

	for (i = 0; !ret && i < sizeof sql / sizeof sql[0]; i++) {
		db_prepare(r, &q, sql[i]);
		db_run(&q);
		ret = db_finalize(&q);
	}
	return ret;
}

int keys_convert(struct reg *r, const char *recovery_out, char code[RECOVERY_CODE_TEXT])
{
	struct keyring old = KEYRING_INIT, kn = KEYRING_INIT;
	struct keyset *ks = NULL, *rk = NULL;
	uint8_t rec[STAGE_ADMIN_BYTES], seed[32];
	char who[1024], why[REG_ERR_MAX];
	struct kdf_params kdf;
	int64_t next_seq = 0;
	int have, ret, wrote = 0;

	if (r->st.kr.version != KEYRING_VERSION)
		return reg_fail(r, CDOP_ERR_CONFLICT, "keyring '%s' already holds keys by "
				"role (version 2): there is nothing to convert",
				r->st.keys_path);
	/* The new code is written before the commit: printed after it, a
	 * crash in between would lose it while the old one opens nothing. */
	if (!recovery_out || !*recovery_out)
		return reg_fail_field(r, CDOP_ERR_INPUT, "recovery_out", "give a file for "
				      "the new recovery code (a new file, written mode "
				      "0600 before the conversion commits, so that a "
				      "crash cannot lose the code: the old one opens "
				      "nothing after the conversion)");
	ret = stage_get(r, STAGE_ADMIN_KEY, rec, sizeof rec, &have);
	if (ret)
		return ret;
	if (!have || !r->st.stage_sec)
		return reg_fail(r, CDOP_ERR_CONFLICT, "the conversion is made by the admin "
				"whose unlock started it (the staged keyring-admin key is "
				"sealed to them)%s", have ? "" : ": no admin has unlocked yet");
	ret = convert_unstaged(r, who, sizeof who);
	if (!ret && *who)
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "not every active user has a v2 key "
			       "slot yet: %s must unlock once (any command), or be given a "
			       "new passphrase with 'recover' and unlock with it, or be "
			       "disabled; then run the conversion again", who);
	if (!ret)
		ret = reg_kdf_params(r, &kdf);
	if (ret)
		return ret;
	ks = keyset_new();
	rk = keyset_new();
	if (!ks || !rk) {
		ret = keys_oom(r);
		goto out;
	}
	ret = db_begin(r);
	if (ret)
		goto out;
	ret = convert_next_seq(r, &next_seq);
	if (!ret)
		ret = convert_admin_seed(r, rec, seed);
	if (!ret)
		ret = convert_build(r, &kn, ks, rk, rec, seed, &kdf, next_seq, code);
	if (!ret)
		ret = convert_txn(r);
	sodium_memzero(seed, sizeof seed);
	if (!ret && !(r->st.k_reg_prev = secure_alloc(MASTER_KEY_BYTES)))
		ret = keys_oom(r);
	if (ret) {
		db_rollback(r);
		goto out;
	}
	/* From here the session is the v2 keyring's: the entry is signed with
	 * the admin's new key, the commit is keys_commit's (.new, commit,
	 * rename). */
	old = r->st.kr;
	r->st.kr = kn;
	keyring_init(&kn);
	memcpy(r->st.k_reg_prev, r->st.master, MASTER_KEY_BYTES);
	memcpy(r->st.master, ks->k_reg, MASTER_KEY_BYTES);
	r->st.ks = ks;
	ret = audit_append(r, "key_convert", "register", "keyring converted to keys by "
			   "role (version 2): new register key, slots as staged, new "
			   "recovery code (docs/security.md 17)");
	if (!ret && recovery_out) {
		ret = reg_recovery_write(r, recovery_out, code);
		wrote = !ret;
		if (!ret && file_fsync_dir(recovery_out))
			ret = reg_fail_field(r, CDOP_ERR_IO, "recovery_out", "cannot sync the "
					     "directory of '%s'", recovery_out);
	}
	if (!ret)
		ret = keys_commit(r);
	if (ret && !r->st.in_txn) {
		/* Committed, the rename failed: the next open completes it (and
		 * the rekey); the code file stays, it is the register's now. */
		ks = NULL;
		goto out;
	}
	if (ret) {
		db_rollback(r);
		if (wrote)
			(void)unlink(recovery_out);
		keyring_release(&r->st.kr);
		r->st.kr = old;
		keyring_init(&old);
		memcpy(r->st.master, r->st.k_reg_prev, MASTER_KEY_BYTES);
		secure_free(r->st.k_reg_prev);
		r->st.k_reg_prev = NULL;
		r->st.ks = NULL;
		goto out;
	}
	ks = NULL; /* the session's now */
	r->st.rekey_due = 1;
	ret = keys_rekey(r);
	if (ret) {
		snprintf(why, sizeof why, "%s", r->e.msg);
		ret = reg_fail(r, CDOP_ERR_IO, "the conversion is committed, but the register "
			       "could not be re-encrypted under its new key (%s); the next "
			       "open finishes it", why);
	}
	else if (legacy_reg_drop(r))
		ret = reg_keyring_save(r);
out:
	keyring_release(&old);
	keyring_release(&kn);
	keyset_free(ks);
	keyset_free(rk);
	sodium_memzero(rec, sizeof rec);
	return ret;
}

int store_id_legacy_due(struct reg *r, int *due)
{
	struct db_stmt q = DB_STMT_INIT;

	*due = 0;
	if (!v2(r) || !is_manager(r->st.ks) || !r->st.ks->id_have[0] ||
	    r->st.ks->id_latest < 1)
		return CDOP_OK;
	db_prepare(r, &q, "SELECT 1 FROM meta WHERE key = '" ID_LEGACY_KEY "'");
	*due = db_step(&q) == DB_ROW;
	return db_finalize(&q);
}

int store_id_legacy_done(struct reg *r)
{
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, "DELETE FROM meta WHERE key = '" ID_LEGACY_KEY "'");
	db_run(&q);
	return db_finalize(&q);
}
