#include "crypto/keyring.h"
#include "crypto/bytes.h"
#include "crypto/error.h"
#include "crypto/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int v2_open_reg(const struct keyring *kr, const char *user, const char *pass,
		       size_t passlen, uint8_t master[MASTER_KEY_BYTES],
		       const struct keyring_slot **slot_out);
static int slot_select_open(const struct keyring *kr, const char *user, const char *pass,
			    size_t passlen, uint8_t *out, const struct keyring_slot **slot);

/* ---- lifecycle -------------------------------------------------------- */

void keyring_init(struct keyring *kr)
{
	struct keyring blank = KEYRING_INIT;

	*kr = blank;
}

void keyring_failures_clear(struct keyring *kr)
{
	size_t i;

	for (i = 0; i < kr->nfailures; i++)
		free(kr->failures[i].sealed);
	free(kr->failures);
	kr->failures = NULL;
	kr->nfailures = 0;
}

static void grants_clear(struct keyring *kr)
{
	size_t i;

	for (i = 0; i < kr->ngrants; i++)
		free(kr->grants[i].sealed);
	free(kr->grants);
	kr->grants = NULL;
	kr->ngrants = 0;
}

void keyring_release(struct keyring *kr)
{
	grants_clear(kr);
	free(kr->signers);
	free(kr->retired);
	if (kr->slots)
		sodium_memzero(kr->slots, kr->nslots * sizeof *kr->slots);
	free(kr->slots);
	keyring_failures_clear(kr);
	keyring_init(kr);
}

int keyring_create(struct keyring *kr, uint8_t master[MASTER_KEY_BYTES])
{
	uint8_t seed[SUBKEY_BYTES], sk[crypto_box_SECRETKEYBYTES];
	int ret;

	keyring_init(kr);
	randombytes_buf(kr->register_id, sizeof kr->register_id);
	crypto_kdf_keygen(master);
	ret = subkey_derive(seed, SUBKEY_FAILBOX, master);
	if (!ret && crypto_box_seed_keypair(kr->box_pk, sk, seed))
		ret = CRYPTO_ERR_INIT;
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	return ret;
}

void keyring_user_id(const struct keyring *kr, const char *name,
		     uint8_t out[KEYRING_USERID_BYTES])
{
	crypto_generichash_state st;
	static const char tag[] = "cdop user id";

	/* Keyed by the (public) register id: hides names from a casual look
	 * and keeps ids from matching across registers; not a secret. */
	crypto_generichash_init(&st, kr->register_id, sizeof kr->register_id,
				KEYRING_USERID_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag);
	crypto_generichash_update(&st, (const uint8_t *)name, strlen(name));
	crypto_generichash_final(&st, out, KEYRING_USERID_BYTES);
}

/* ---- slots -------------------------------------------------------------- */

/* Slot bytes 0..47 (v2: 0..111, with the public keys): everything but
 * nonce and wrapped key. */
#define SLOT_HEAD1 48
#define SLOT_HEAD2 112

/* The two layouts as data (docs/security.md §4): the one parser, the
 * writer and the slot's authenticated data take every size from here,
 * so version 1 and 2 differ only in this table. */
struct layout {
	size_t public_len;  /* public block after the header (v2) */
	size_t slot_len;    /* one slot */
	size_t head_len;    /* its authenticated header */
	size_t wrapped_len; /* its wrapped secret and tag */
	int ad_admin;       /* the admin key is in each slot's AD (v2) */
	int lists;          /* signers and grants after the slots (v2) */
	int counts_zero;    /* header bytes 12-15 must be zero (v1) */
};

static const struct layout layouts[2] = {
	{ 0, KEYRING_SLOT_BYTES, SLOT_HEAD1, KEYRING_WRAPPED_BYTES, 0, 0, 1 },
	{ KEYRING_PUBLIC_BYTES, KEYRING_SLOT2_BYTES, SLOT_HEAD2, KEYRING_WRAPPED2_BYTES, 1, 1, 0 },
};

static const struct layout *layout_of(const struct keyring *kr)
{
	return &layouts[kr->version == KEYRING_VERSION2];
}

static size_t slot_head_len(const struct keyring *kr)
{
	return layout_of(kr)->head_len;
}

static size_t wrapped_len(const struct keyring *kr)
{
	return layout_of(kr)->wrapped_len;
}

static void slot_header_bytes(const struct keyring *kr, const struct keyring_slot *s,
			      uint8_t out[SLOT_HEAD2])
{
	memset(out, 0, slot_head_len(kr));
	if (slot_head_len(kr) == SLOT_HEAD2) {
		memcpy(out + 48, s->x_pk, 32);
		memcpy(out + 80, s->s_pk, 32);
	}
	out[0] = s->kind;
	out[1] = s->role;
	out[2] = s->state;
	le32_put(out + 4, s->kdf.opslimit);
	le64_put(out + 8, s->kdf.memlimit);
	memcpy(out + 16, s->user_id, KEYRING_USERID_BYTES);
	memcpy(out + 32, s->salt, KDF_SALT_BYTES);
}

/* AD = magic || version || register id || (v2: admin key ||) slot header. */
#define SLOT_AD_MAX (8 + 2 + KEYRING_ID_BYTES + 32 + SLOT_HEAD2)
static size_t slot_ad(const struct keyring *kr, const struct keyring_slot *s,
		      uint8_t ad[SLOT_AD_MAX])
{
	size_t o = 10 + KEYRING_ID_BYTES;

	memcpy(ad, KEYRING_MAGIC, 8);
	le16_put(ad + 8, kr->version);
	memcpy(ad + 10, kr->register_id, KEYRING_ID_BYTES);
	if (layout_of(kr)->ad_admin) {
		memcpy(ad + o, kr->admin_pk, 32);
		o += 32;
	}
	slot_header_bytes(kr, s, ad + o);
	return o + slot_head_len(kr);
}

static int slot_wrap(const struct keyring *kr, struct keyring_slot *s,
		     const uint8_t *master, const char *pass,
		     size_t passlen)
{
	uint8_t *kek = sodium_malloc(KDF_KEY_BYTES);
	uint8_t ad[SLOT_AD_MAX];
	size_t adlen;
	int ret;

	if (!kek)
		return CRYPTO_ERR_NOMEM;
	randombytes_buf(s->salt, sizeof s->salt);
	randombytes_buf(s->nonce, sizeof s->nonce);
	ret = kdf_derive(kek, pass, passlen, s->salt, &s->kdf);
	if (ret)
		goto out;
	adlen = slot_ad(kr, s, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(s->wrapped, NULL, master,
						   wrapped_len(kr) - 16, ad, adlen,
						   NULL, s->nonce, kek);
out:
	sodium_free(kek);
	return ret;
}

/* As slot_unwrap; kek_out (when not NULL) receives the passphrase key,
 * so a v1 unlock can stage the user's v2 slot without a second Argon2id. */
static int slot_unwrap_kek(const struct keyring *kr, const struct keyring_slot *s,
			   const char *pass, size_t passlen, uint8_t *master,
			   uint8_t *kek_out);

static int slot_unwrap(const struct keyring *kr, const struct keyring_slot *s,
		       const char *pass, size_t passlen,
		       uint8_t *master)
{
	return slot_unwrap_kek(kr, s, pass, passlen, master, NULL);
}

static int slot_unwrap_kek(const struct keyring *kr, const struct keyring_slot *s,
			   const char *pass, size_t passlen, uint8_t *master,
			   uint8_t *kek_out)
{
	uint8_t *kek;
	uint8_t ad[SLOT_AD_MAX];
	size_t adlen;
	int ret = kdf_params_check(&s->kdf);

	if (ret)
		return ret; /* before Argon2 commits any memory */
	if (s->state != KEYRING_SLOT_ACTIVE)
		return CRYPTO_ERR_DISABLED;
	kek = sodium_malloc(KDF_KEY_BYTES);
	if (!kek)
		return CRYPTO_ERR_NOMEM;
	ret = kdf_derive(kek, pass, passlen, s->salt, &s->kdf);
	if (ret)
		goto out;
	adlen = slot_ad(kr, s, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(master, NULL, NULL,
			s->wrapped, wrapped_len(kr), ad, adlen, s->nonce, kek)) {
		sodium_memzero(master, wrapped_len(kr) - 16);
		ret = CRYPTO_ERR_AUTH;
	}
	if (!ret && kek_out)
		memcpy(kek_out, kek, KDF_KEY_BYTES);
out:
	sodium_free(kek);
	return ret;
}

static struct keyring_slot *slot_find_by_id(const struct keyring *kr, uint8_t kind,
					    const uint8_t id[KEYRING_USERID_BYTES])
{
	size_t i;

	for (i = 0; i < kr->nslots; i++)
		if (kr->slots[i].kind == kind &&
		    !memcmp(kr->slots[i].user_id, id, KEYRING_USERID_BYTES))
			return &kr->slots[i];
	return NULL;
}

struct keyring_slot *keyring_slot_find(const struct keyring *kr, const char *user)
{
	uint8_t id[KEYRING_USERID_BYTES];

	keyring_user_id(kr, user, id);
	return slot_find_by_id(kr, KEYRING_SLOT_USER, id);
}

static struct keyring_slot *slot_append(struct keyring *kr)
{
	struct keyring_slot *v;

	if (kr->nslots >= KEYRING_MAX_SLOTS)
		return NULL;
	v = realloc(kr->slots, (kr->nslots + 1) * sizeof *v);
	if (!v)
		return NULL;
	kr->slots = v;
	memset(&v[kr->nslots], 0, sizeof *v);
	return &v[kr->nslots++];
}

static int slot_put(struct keyring *kr, uint8_t kind, const uint8_t id[KEYRING_USERID_BYTES],
		    uint8_t role, const uint8_t master[MASTER_KEY_BYTES],
		    const char *pass, size_t passlen, const struct kdf_params *kdf)
{
	struct keyring_slot fresh, *s;
	int ret;

	memset(&fresh, 0, sizeof fresh);
	fresh.kind = kind;
	fresh.role = role;
	fresh.state = KEYRING_SLOT_ACTIVE;
	fresh.kdf = *kdf;
	memcpy(fresh.user_id, id, KEYRING_USERID_BYTES);
	ret = slot_wrap(kr, &fresh, master, pass, passlen);
	if (ret)
		goto out;
	s = slot_find_by_id(kr, kind, id);
	if (!s)
		s = slot_append(kr);
	if (!s) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	*s = fresh;
out:
	sodium_memzero(&fresh, sizeof fresh);
	return ret;
}

int keyring_slot_set(struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES],
		     const char *user, uint8_t role, const char *pass,
		     size_t passlen, const struct kdf_params *kdf)
{
	uint8_t id[KEYRING_USERID_BYTES];

	if (!user || !*user || strlen(user) > KEYRING_MAX_NAME)
		return CRYPTO_ERR_ARG;
	keyring_user_id(kr, user, id);
	return slot_put(kr, KEYRING_SLOT_USER, id, role, master, pass, passlen, kdf);
}

int keyring_slot_open(const struct keyring *kr, const char *user,
		      const char *pass, size_t passlen,
		      uint8_t master[MASTER_KEY_BYTES],
		      const struct keyring_slot **slot_out)
{
	if (kr->version == KEYRING_VERSION2)
		return v2_open_reg(kr, user, pass, passlen, master, slot_out);
	return slot_select_open(kr, user, pass, passlen, master, slot_out);
}

int keyring_slot_disable(struct keyring *kr, const char *user)
{
	struct keyring_slot *s = keyring_slot_find(kr, user);

	if (!s)
		return CRYPTO_ERR_NOUSER;
	s->state = KEYRING_SLOT_DISABLED;
	sodium_memzero(s->nonce, sizeof s->nonce);
	sodium_memzero(s->wrapped, sizeof s->wrapped);
	return CRYPTO_OK;
}

/* ---- recovery --------------------------------------------------------- */

static const uint8_t recovery_id[KEYRING_USERID_BYTES] = { 0 };

/* Canonical recovery text: lower-case hex with the dashes and spaces gone. */
static int recovery_normalise(const char *in, char out[2 * RECOVERY_CODE_BYTES + 1])
{
	size_t n = 0;

	for (; *in; in++) {
		char c = *in;

		if (c == '-' || c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return CRYPTO_ERR_FORMAT;
		if (n >= 2 * RECOVERY_CODE_BYTES)
			return CRYPTO_ERR_FORMAT;
		out[n++] = c;
	}
	out[n] = 0;
	return n == 2 * RECOVERY_CODE_BYTES ? CRYPTO_OK : CRYPTO_ERR_FORMAT;
}

int keyring_recovery_set(struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES],
			 const struct kdf_params *kdf,
			 char code_text[RECOVERY_CODE_TEXT])
{
	uint8_t code[RECOVERY_CODE_BYTES];
	char hex[2 * RECOVERY_CODE_BYTES + 1];
	size_t i, o = 0;
	int ret;

	randombytes_buf(code, sizeof code);
	sodium_bin2hex(hex, sizeof hex, code, sizeof code);
	for (i = 0; i < 2 * RECOVERY_CODE_BYTES; i++) {
		if (i && i % 4 == 0)
			code_text[o++] = '-';
		code_text[o++] = hex[i];
	}
	code_text[o] = 0;
	ret = slot_put(kr, KEYRING_SLOT_RECOVERY, recovery_id, 0, master, hex,
		       strlen(hex), kdf);
	sodium_memzero(code, sizeof code);
	sodium_memzero(hex, sizeof hex);
	if (ret)
		sodium_memzero(code_text, RECOVERY_CODE_TEXT);
	return ret;
}

int keyring_recovery_open(const struct keyring *kr, const char *code_text,
			  uint8_t master[MASTER_KEY_BYTES])
{
	if (kr->version == KEYRING_VERSION2)
		return v2_open_reg(kr, NULL, code_text, strlen(code_text), master, NULL);
	return slot_select_open(kr, NULL, code_text, strlen(code_text), master, NULL);
}

/* The one unlock path of both versions: finds the slot USER names (NULL:
 * the recovery slot, PASS its code as typed) and unwraps it into out (v1:
 * the master key; v2: the slot's own secrets). */
static int slot_select_open(const struct keyring *kr, const char *user, const char *pass,
			    size_t passlen, uint8_t *out, const struct keyring_slot **slot)
{
	char hex[2 * RECOVERY_CODE_BYTES + 1];
	const struct keyring_slot *s = NULL;
	int ret;

	if (user) {
		s = keyring_slot_find(kr, user);
		ret = s ? slot_unwrap(kr, s, pass, passlen, out) : CRYPTO_ERR_NOUSER;
	} else {
		(void)passlen; /* the code is NUL-terminated text */
		ret = recovery_normalise(pass, hex);
		if (!ret && !(s = slot_find_by_id(kr, KEYRING_SLOT_RECOVERY, recovery_id)))
			ret = CRYPTO_ERR_NOUSER;
		if (!ret)
			ret = slot_unwrap(kr, s, hex, strlen(hex), out);
		sodium_memzero(hex, sizeof hex);
	}
	if (!ret && slot)
		*slot = s;
	return ret;
}

/* ---- serialisation ------------------------------------------------------ */

static void header_bytes(const struct keyring *kr, uint8_t out[KEYRING_HEADER_BYTES])
{
	memset(out, 0, KEYRING_HEADER_BYTES);
	memcpy(out, KEYRING_MAGIC, 8);
	le16_put(out + 8, kr->version);
	le16_put(out + 10, (uint16_t)kr->nslots);
	if (layout_of(kr)->lists) {
		le16_put(out + 12, (uint16_t)kr->ngrants);
		le16_put(out + 14, (uint16_t)kr->nsigners);
	}
	memcpy(out + 16, kr->register_id, KEYRING_ID_BYTES);
	memcpy(out + 32, kr->box_pk, KEYRING_BOXPK_BYTES);
}

static void slot_bytes(const struct keyring *kr, const struct keyring_slot *s, uint8_t *out)
{
	size_t h = slot_head_len(kr);

	slot_header_bytes(kr, s, out);
	memcpy(out + h, s->nonce, KEYRING_NONCE_BYTES);
	memcpy(out + h + KEYRING_NONCE_BYTES, s->wrapped, wrapped_len(kr));
}

/* v2 public block: generation, epochs, admin key, signed-from, the manager
 * record (report key, age recipient, latest K_id epoch, signer, signature)
 * and the admin signature. */
static void public_bytes(const struct keyring *kr, uint8_t out[KEYRING_PUBLIC_BYTES])
{
	memset(out, 0, KEYRING_PUBLIC_BYTES);
	le64_put(out, kr->generation);
	le32_put(out + 8, kr->id_epoch_wanted);
	le32_put(out + 12, kr->reg_epoch);
	memcpy(out + 16, kr->admin_pk, 32);
	le64_put(out + 48, kr->signed_from);
	le16_put(out + 56, (uint16_t)kr->nretired);
	memcpy(out + 64, kr->report_pk, 32);
	memcpy(out + 96, kr->age_pk, 32);
	le32_put(out + 128, kr->id_epoch);
	memcpy(out + 136, kr->mgr_signer, KEYRING_USERID_BYTES);
	memcpy(out + 152, kr->mgr_sig, 64);
	memcpy(out + 216, kr->admin_sig, 64);
}

static int public_parse(struct keyring *kr, const uint8_t *p)
{
	kr->generation = le64_get(p);
	kr->id_epoch_wanted = le32_get(p + 8);
	kr->reg_epoch = le32_get(p + 12);
	memcpy(kr->admin_pk, p + 16, 32);
	kr->signed_from = le64_get(p + 48);
	memcpy(kr->report_pk, p + 64, 32);
	memcpy(kr->age_pk, p + 96, 32);
	kr->id_epoch = le32_get(p + 128);
	memcpy(kr->mgr_signer, p + 136, KEYRING_USERID_BYTES);
	memcpy(kr->mgr_sig, p + 152, 64);
	memcpy(kr->admin_sig, p + 216, 64);
	/* The count only; keyring_parse reads the list after the grants. */
	kr->nretired = le16_get(p + 56);
	if (le16_get(p + 58) || le32_get(p + 60) || le32_get(p + 132) ||
	    kr->nretired > KEYRING_MAX_RETIRED ||
	    kr->id_epoch > KEYSET_MAX_EPOCHS || kr->id_epoch_wanted > KEYSET_MAX_EPOCHS)
		return CRYPTO_ERR_FORMAT;
	return CRYPTO_OK;
}

static void grant_head_bytes(const struct keyring_grant *g, uint8_t out[KEYRING_GRANT_HEAD_BYTES])
{
	memset(out, 0, KEYRING_GRANT_HEAD_BYTES);
	memcpy(out, g->recipient, KEYRING_USERID_BYTES);
	memcpy(out + 16, g->granter, KEYRING_USERID_BYTES);
	out[32] = g->kind;
	le32_put(out + 36, g->epoch);
	le16_put(out + 40, (uint16_t)g->len);
}

static void state_bytes(const struct keyring *kr, uint8_t out[KEYRING_STATE_BYTES])
{
	memset(out, 0, KEYRING_STATE_BYTES);
	memcpy(out, kr->file_mac, KEYRING_MAC_BYTES);
	le64_put(out + 32, kr->file_size);
	out[40] = kr->dirty;
	out[41] = kr->file_mac_kind;
}

static int state_parse(struct keyring *kr, const uint8_t *p)
{
	size_t i;

	memcpy(kr->file_mac, p, KEYRING_MAC_BYTES);
	kr->file_size = le64_get(p + 32);
	kr->dirty = p[40];
	kr->file_mac_kind = p[41]; /* 0 flat, 1 and 2 trees (crypto/filemac.h) */
	if (kr->dirty > 1 || kr->file_mac_kind > 2)
		return CRYPTO_ERR_FORMAT;
	for (i = 42; i < KEYRING_STATE_BYTES; i++)
		if (p[i])
			return CRYPTO_ERR_FORMAT;
	return CRYPTO_OK;
}

/* A retired entry: kind (1) ‖ 7 zero ‖ when (i64) ‖ public key (32). */
static void retired_bytes(const struct keyring_retired *t, uint8_t out[KEYRING_RETIRED_BYTES])
{
	memset(out, 0, KEYRING_RETIRED_BYTES);
	out[0] = t->kind;
	le64_put(out + 8, (uint64_t)t->when);
	memcpy(out + 16, t->pk, 32);
}

/* Everything before the state block, serialised (the MAC covers it). */
static size_t body_len(const struct keyring *kr)
{
	const struct layout *L = layout_of(kr);
	size_t len = KEYRING_HEADER_BYTES + L->public_len + kr->nslots * L->slot_len, i;

	if (!L->lists)
		return len;
	len += kr->nsigners * 48 + kr->nretired * KEYRING_RETIRED_BYTES;
	for (i = 0; i < kr->ngrants; i++)
		len += KEYRING_GRANT_HEAD_BYTES + kr->grants[i].len + 64;
	return len;
}

static void body_bytes(const struct keyring *kr, uint8_t *buf)
{
	const struct layout *L = layout_of(kr);
	size_t o = KEYRING_HEADER_BYTES, i;

	header_bytes(kr, buf);
	if (L->public_len) {
		public_bytes(kr, buf + o);
		o += L->public_len;
	}
	for (i = 0; i < kr->nslots; i++, o += L->slot_len)
		slot_bytes(kr, &kr->slots[i], buf + o);
	if (!L->lists)
		return;
	for (i = 0; i < kr->nsigners; i++, o += 48) {
		memcpy(buf + o, kr->signers[i].user_id, KEYRING_USERID_BYTES);
		memcpy(buf + o + 16, kr->signers[i].s_pk, 32);
	}
	for (i = 0; i < kr->ngrants; i++) {
		const struct keyring_grant *g = &kr->grants[i];

		grant_head_bytes(g, buf + o);
		o += KEYRING_GRANT_HEAD_BYTES;
		memcpy(buf + o, g->sealed, g->len);
		o += g->len;
		memcpy(buf + o, g->sig, 64);
		o += 64;
	}
	for (i = 0; i < kr->nretired; i++, o += KEYRING_RETIRED_BYTES)
		retired_bytes(&kr->retired[i], buf + o);
}

static int mac_compute(const struct keyring *kr, const uint8_t key[SUBKEY_BYTES],
		       uint8_t out[KEYRING_MAC_BYTES])
{
	crypto_generichash_state st;
	uint8_t state[KEYRING_STATE_BYTES], *buf;
	size_t len = body_len(kr);

	buf = malloc(len);
	if (!buf)
		return CRYPTO_ERR_NOMEM;
	body_bytes(kr, buf);
	crypto_generichash_init(&st, key, SUBKEY_BYTES, KEYRING_MAC_BYTES);
	crypto_generichash_update(&st, buf, len);
	state_bytes(kr, state);
	crypto_generichash_update(&st, state, KEYRING_STATE_BYTES);
	crypto_generichash_final(&st, out, KEYRING_MAC_BYTES);
	sodium_memzero(&st, sizeof st);
	free(buf);
	return CRYPTO_OK;
}

int keyring_mac_seal(struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES])
{
	uint8_t key[SUBKEY_BYTES];
	int ret = subkey_derive(key, SUBKEY_KEYRING_MAC, master);

	if (!ret)
		ret = mac_compute(kr, key, kr->mac);
	sodium_memzero(key, sizeof key);
	return ret;
}

int keyring_mac_check(const struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES])
{
	uint8_t key[SUBKEY_BYTES], mac[KEYRING_MAC_BYTES];
	int ret = subkey_derive(key, SUBKEY_KEYRING_MAC, master);

	if (!ret)
		ret = mac_compute(kr, key, mac);
	if (!ret && sodium_memcmp(mac, kr->mac, sizeof mac))
		ret = CRYPTO_ERR_TAMPER;
	sodium_memzero(key, sizeof key);
	return ret;
}

int keyring_serialize(const struct keyring *kr, uint8_t **out, size_t *outlen)
{
	size_t body, len, i, o;
	uint8_t *buf;

	if (kr->nslots > KEYRING_MAX_SLOTS || kr->nfailures > KEYRING_MAX_FAILURES ||
	    kr->ngrants > KEYRING_MAX_GRANTS || kr->nsigners > KEYRING_MAX_SIGNERS)
		return CRYPTO_ERR_ARG;
	body = body_len(kr);
	len = body + KEYRING_STATE_BYTES + KEYRING_MAC_BYTES + 2;
	for (i = 0; i < kr->nfailures; i++)
		len += 2 + kr->failures[i].len;
	buf = malloc(len);
	if (!buf)
		return CRYPTO_ERR_NOMEM;
	body_bytes(kr, buf);
	o = body;
	state_bytes(kr, buf + o);
	o += KEYRING_STATE_BYTES;
	memcpy(buf + o, kr->mac, KEYRING_MAC_BYTES);
	o += KEYRING_MAC_BYTES;
	le16_put(buf + o, (uint16_t)kr->nfailures);
	o += 2;
	for (i = 0; i < kr->nfailures; i++) {
		le16_put(buf + o, (uint16_t)kr->failures[i].len);
		memcpy(buf + o + 2, kr->failures[i].sealed, kr->failures[i].len);
		o += 2 + kr->failures[i].len;
	}
	*out = buf;
	*outlen = len;
	return CRYPTO_OK;
}

static int slot_parse(const struct keyring *kr, struct keyring_slot *s, const uint8_t *p)
{
	size_t h = slot_head_len(kr);

	s->kind = p[0];
	s->role = p[1];
	s->state = p[2];
	if (p[3])
		return CRYPTO_ERR_FORMAT;
	if (s->kind != KEYRING_SLOT_USER && s->kind != KEYRING_SLOT_RECOVERY)
		return CRYPTO_ERR_FORMAT;
	if (s->state != KEYRING_SLOT_ACTIVE && s->state != KEYRING_SLOT_DISABLED)
		return CRYPTO_ERR_FORMAT;
	s->kdf.opslimit = le32_get(p + 4);
	s->kdf.memlimit = le64_get(p + 8);
	memcpy(s->user_id, p + 16, KEYRING_USERID_BYTES);
	memcpy(s->salt, p + 32, KDF_SALT_BYTES);
	if (h == SLOT_HEAD2) {
		memcpy(s->x_pk, p + 48, 32);
		memcpy(s->s_pk, p + 80, 32);
	}
	memcpy(s->nonce, p + h, KEYRING_NONCE_BYTES);
	memcpy(s->wrapped, p + h + KEYRING_NONCE_BYTES, wrapped_len(kr));
	/* Bounds are checked here, at parse, and again before deriving. */
	return kdf_params_check(&s->kdf);
}

static int failures_parse(struct keyring *kr, const uint8_t *p, size_t left)
{
	size_t n, i;

	if (left < 2)
		return CRYPTO_ERR_FORMAT;
	n = le16_get(p);
	p += 2;
	left -= 2;
	if (n > KEYRING_MAX_FAILURES)
		return CRYPTO_ERR_FORMAT;
	if (n) {
		kr->failures = calloc(n, sizeof *kr->failures);
		if (!kr->failures)
			return CRYPTO_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		size_t len;

		if (left < 2)
			return CRYPTO_ERR_FORMAT;
		len = le16_get(p);
		if (len <= crypto_box_SEALBYTES || len > KEYRING_MAX_FAILURE_BYTES ||
		    left - 2 < len)
			return CRYPTO_ERR_FORMAT;
		kr->failures[i].sealed = malloc(len);
		if (!kr->failures[i].sealed)
			return CRYPTO_ERR_NOMEM;
		memcpy(kr->failures[i].sealed, p + 2, len);
		kr->failures[i].len = len;
		kr->nfailures = i + 1;
		p += 2 + len;
		left -= 2 + len;
	}
	return left ? CRYPTO_ERR_FORMAT : CRYPTO_OK;
}

/* v2: signers and grants after the slots; *used gets their bytes. */
static int v2_lists_parse(struct keyring *kr, const uint8_t *p, size_t left,
			  size_t nsigners, size_t ngrants, size_t nretired, size_t *used)
{
	size_t o = 0, i;

	if (nsigners > KEYRING_MAX_SIGNERS || ngrants > KEYRING_MAX_GRANTS ||
	    left / 48 < nsigners)
		return CRYPTO_ERR_FORMAT;
	if (nsigners && !(kr->signers = calloc(nsigners, sizeof *kr->signers)))
		return CRYPTO_ERR_NOMEM;
	kr->nsigners = nsigners;
	for (i = 0; i < nsigners; i++, o += 48) {
		memcpy(kr->signers[i].user_id, p + o, KEYRING_USERID_BYTES);
		memcpy(kr->signers[i].s_pk, p + o + 16, 32);
	}
	if (ngrants && !(kr->grants = calloc(ngrants, sizeof *kr->grants)))
		return CRYPTO_ERR_NOMEM;
	for (i = 0; i < ngrants; i++) {
		struct keyring_grant *g = &kr->grants[i];
		size_t len;

		if (left - o < KEYRING_GRANT_HEAD_BYTES)
			return CRYPTO_ERR_FORMAT;
		memcpy(g->recipient, p + o, KEYRING_USERID_BYTES);
		memcpy(g->granter, p + o + 16, KEYRING_USERID_BYTES);
		g->kind = p[o + 32];
		g->epoch = le32_get(p + o + 36);
		len = le16_get(p + o + 40);
		if (p[o + 33] || p[o + 34] || p[o + 35] || p[o + 42] || p[o + 43] ||
		    g->kind < GRANT_REG || g->kind > GRANT_AGE_OLD ||
		    len <= crypto_box_SEALBYTES || len > 512)
			return CRYPTO_ERR_FORMAT;
		o += KEYRING_GRANT_HEAD_BYTES;
		if (left - o < len + 64)
			return CRYPTO_ERR_FORMAT;
		g->sealed = malloc(len);
		if (!g->sealed)
			return CRYPTO_ERR_NOMEM;
		memcpy(g->sealed, p + o, len);
		g->len = len;
		kr->ngrants = i + 1;
		o += len;
		memcpy(g->sig, p + o, 64);
		o += 64;
	}
	if (nretired && !(kr->retired = calloc(nretired, sizeof *kr->retired)))
		return CRYPTO_ERR_NOMEM;
	for (i = 0; i < nretired; i++, o += KEYRING_RETIRED_BYTES) {
		struct keyring_retired *t = &kr->retired[i];

		if (left - o < KEYRING_RETIRED_BYTES || (p[o] != RETIRED_REPORT &&
							 p[o] != RETIRED_AGE) ||
		    !sodium_is_zero(p + o + 1, 7))
			return CRYPTO_ERR_FORMAT;
		t->kind = p[o];
		t->when = (int64_t)le64_get(p + o + 8);
		memcpy(t->pk, p + o + 16, 32);
		kr->nretired = i + 1;
	}
	*used = o;
	return CRYPTO_OK;
}

/* The one parser of both versions: header, (public block,) slots, (signer
 * and grant lists,) state block, MAC, failure records, each bounded before
 * it is read; the layout table says what version 1 lacks. */
int keyring_parse(struct keyring *kr, const uint8_t *buf, size_t len)
{
	const struct layout *L;
	size_t nslots, i, o, ngrants, nsigners, nretired = 0, used = 0;
	int ret = CRYPTO_ERR_FORMAT;

	keyring_init(kr);
	if (len < KEYRING_HEADER_BYTES || memcmp(buf, KEYRING_MAGIC, 8))
		return CRYPTO_ERR_FORMAT;
	kr->version = le16_get(buf + 8);
	if (kr->version != KEYRING_VERSION && kr->version != KEYRING_VERSION2) {
		kr->version = KEYRING_VERSION;
		return CRYPTO_ERR_VERSION;
	}
	L = layout_of(kr);
	nslots = le16_get(buf + 10);
	ngrants = le16_get(buf + 12);
	nsigners = le16_get(buf + 14);
	if ((L->counts_zero && le32_get(buf + 12)) || nslots == 0 || nslots > KEYRING_MAX_SLOTS)
		return CRYPTO_ERR_FORMAT;
	o = KEYRING_HEADER_BYTES + L->public_len;
	if (len - KEYRING_HEADER_BYTES < L->public_len + nslots * L->slot_len +
	    KEYRING_STATE_BYTES + KEYRING_MAC_BYTES)
		return CRYPTO_ERR_FORMAT;
	memcpy(kr->register_id, buf + 16, KEYRING_ID_BYTES);
	memcpy(kr->box_pk, buf + 32, KEYRING_BOXPK_BYTES);
	if (L->public_len && (ret = public_parse(kr, buf + KEYRING_HEADER_BYTES)))
		goto fail;
	nretired = kr->nretired;
	kr->nretired = 0;
	kr->slots = calloc(nslots, sizeof *kr->slots);
	if (!kr->slots)
		return CRYPTO_ERR_NOMEM;
	kr->nslots = nslots;
	for (i = 0; i < nslots; i++, o += L->slot_len) {
		ret = slot_parse(kr, &kr->slots[i], buf + o);
		if (ret)
			goto fail;
	}
	if (L->lists) {
		ret = v2_lists_parse(kr, buf + o, len - o, nsigners, ngrants, nretired, &used);
		if (ret)
			goto fail;
		o += used;
	}
	ret = CRYPTO_ERR_FORMAT;
	if (len - o < KEYRING_STATE_BYTES + KEYRING_MAC_BYTES || (ret = state_parse(kr, buf + o)))
		goto fail;
	o += KEYRING_STATE_BYTES;
	memcpy(kr->mac, buf + o, KEYRING_MAC_BYTES);
	o += KEYRING_MAC_BYTES;
	ret = failures_parse(kr, buf + o, len - o);
	if (ret)
		goto fail;
	return CRYPTO_OK;
fail:
	keyring_release(kr);
	return ret;
}

/* ---- failed attempts --------------------------------------------------- */

int keyring_failure_add(struct keyring *kr, const char *text)
{
	size_t tlen = strlen(text), len = tlen + crypto_box_SEALBYTES;
	struct keyring_failure *v;
	uint8_t *sealed;

	/* An empty record would be too short for failures_parse to accept. */
	if (tlen == 0 || len > KEYRING_MAX_FAILURE_BYTES)
		return CRYPTO_ERR_ARG;
	if (kr->nfailures >= KEYRING_MAX_FAILURES) {
		/* Keep the newest: drop the oldest record. */
		free(kr->failures[0].sealed);
		memmove(kr->failures, kr->failures + 1,
			(kr->nfailures - 1) * sizeof *kr->failures);
		kr->nfailures--;
	}
	sealed = malloc(len);
	if (!sealed)
		return CRYPTO_ERR_NOMEM;
	v = realloc(kr->failures, (kr->nfailures + 1) * sizeof *v);
	if (!v) {
		free(sealed);
		return CRYPTO_ERR_NOMEM;
	}
	kr->failures = v;
	crypto_box_seal(sealed, (const uint8_t *)text, tlen, kr->box_pk);
	v[kr->nfailures].sealed = sealed;
	v[kr->nfailures].len = len;
	kr->nfailures++;
	return CRYPTO_OK;
}

int keyring_failure_open(const struct keyring *kr, size_t i,
			 const uint8_t master[MASTER_KEY_BYTES],
			 char *out, size_t outlen)
{
	uint8_t seed[SUBKEY_BYTES], pk[crypto_box_PUBLICKEYBYTES],
		sk[crypto_box_SECRETKEYBYTES];
	size_t mlen;
	int ret;

	if (i >= kr->nfailures)
		return CRYPTO_ERR_ARG;
	mlen = kr->failures[i].len - crypto_box_SEALBYTES;
	if (mlen + 1 > outlen)
		return CRYPTO_ERR_ARG;
	ret = subkey_derive(seed, SUBKEY_FAILBOX, master);
	if (ret)
		goto out;
	crypto_box_seed_keypair(pk, sk, seed);
	if (crypto_box_seal_open((uint8_t *)out, kr->failures[i].sealed,
				 kr->failures[i].len, pk, sk)) {
		ret = CRYPTO_ERR_TAMPER;
		goto out;
	}
	out[mlen] = 0;
	if (memchr(out, 0, mlen))
		ret = CRYPTO_ERR_FORMAT;
out:
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	return ret;
}

/* ---- files ------------------------------------------------------------- */

int keyring_save(const struct keyring *kr, const char *path, int flags)
{
	enum file_place_mode mode = flags & KEYRING_SAVE_EXCL ? FILE_EXCL : FILE_REPLACE;
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = keyring_serialize(kr, &buf, &len);

	if (ret)
		return ret;
	if (file_write_atomic(path, buf, len, mode))
		ret = errno == ENAMETOOLONG ? CRYPTO_ERR_ARG :
		      errno == EEXIST && mode == FILE_EXCL ? CRYPTO_ERR_EXISTS :
		      CRYPTO_ERR_IO;
	free(buf);
	return ret;
}

int keyring_load(struct keyring *kr, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t max = KEYRING_HEADER_BYTES + KEYRING_PUBLIC_BYTES +
		     KEYRING_MAX_SLOTS * KEYRING_SLOT2_BYTES + KEYRING_MAX_SIGNERS * 48 +
		     KEYRING_MAX_GRANTS * (KEYRING_GRANT_HEAD_BYTES + 512 + 64) +
		     KEYRING_STATE_BYTES + KEYRING_MAC_BYTES + 2 +
		     KEYRING_MAX_FAILURES * (2 + KEYRING_MAX_FAILURE_BYTES);
	uint8_t *buf = NULL;
	struct stat st;
	int ret;

	keyring_init(kr);
	if (fd < 0)
		return CRYPTO_ERR_IO;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = CRYPTO_ERR_IO;
		goto out;
	}
	if ((size_t)st.st_size > max || st.st_size < KEYRING_HEADER_BYTES) {
		ret = CRYPTO_ERR_FORMAT;
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	if (file_read_full(fd, buf, (size_t)st.st_size)) {
		ret = errno ? CRYPTO_ERR_IO : CRYPTO_ERR_FORMAT;
		goto out;
	}
	ret = keyring_parse(kr, buf, (size_t)st.st_size);
out:
	free(buf);
	close(fd);
	return ret;
}

/* ==== v2: keys by role ================================================== */

struct keyset *keyset_new(void)
{
	struct keyset *ks = sodium_malloc(sizeof *ks);

	if (ks)
		sodium_memzero(ks, sizeof *ks);
	return ks;
}

void keyset_free(struct keyset *ks)
{
	if (ks)
		sodium_free(ks); /* wipes */
}

static int is_zero_id(const uint8_t id[KEYRING_USERID_BYTES])
{
	return sodium_is_zero(id, KEYRING_USERID_BYTES);
}

struct keyring_slot *keyring2_slot_by_id(const struct keyring *kr,
					 const uint8_t id[KEYRING_USERID_BYTES])
{
	return slot_find_by_id(kr, is_zero_id(id) ? KEYRING_SLOT_RECOVERY : KEYRING_SLOT_USER,
			       id);
}

int keyring2_signer_known(const struct keyring *kr, const uint8_t id[KEYRING_USERID_BYTES],
			  const uint8_t pk[32])
{
	size_t i;

	for (i = 0; i < kr->nsigners; i++)
		if (!memcmp(kr->signers[i].user_id, id, KEYRING_USERID_BYTES) &&
		    !memcmp(kr->signers[i].s_pk, pk, 32))
			return 1;
	return 0;
}

/* Detached signature over BLAKE2b-512 of the message parts, checked
 * against every key the signer has had. */
static int verify_by(const struct keyring *kr, const uint8_t id[KEYRING_USERID_BYTES],
		     const uint8_t sig[64], const uint8_t h[64])
{
	size_t i;

	for (i = 0; i < kr->nsigners; i++)
		if (!memcmp(kr->signers[i].user_id, id, KEYRING_USERID_BYTES) &&
		    !crypto_sign_verify_detached(sig, h, 64, kr->signers[i].s_pk))
			return CRYPTO_OK;
	return CRYPTO_ERR_TAMPER;
}

int keyring2_create(struct keyring *kr, struct keyset *ks)
{
	uint8_t seed[32], sk[crypto_box_SECRETKEYBYTES];
	int ret;

	keyring_init(kr);
	kr->version = KEYRING_VERSION2;
	randombytes_buf(kr->register_id, sizeof kr->register_id);
	randombytes_buf(ks->k_reg, sizeof ks->k_reg);
	randombytes_buf(ks->k_audit, sizeof ks->k_audit);
	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(kr->admin_pk, ks->admin_sk, seed);
	kr->reg_epoch = ks->reg_epoch = 1;
	ks->have = KEYSET_REG | KEYSET_ADMIN;
	ret = subkey_derive(seed, SUBKEY_FAILBOX, ks->k_reg);
	if (!ret && crypto_box_seed_keypair(kr->box_pk, sk, seed))
		ret = CRYPTO_ERR_INIT;
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	return ret;
}

int keyring2_from_v1(struct keyring *kr2, const struct keyring *kr1, struct keyset *ks)
{
	int ret = keyring2_create(kr2, ks);

	if (!ret)
		memcpy(kr2->register_id, kr1->register_id, KEYRING_ID_BYTES);
	return ret;
}

static int signer_add(struct keyring *kr, const uint8_t id[KEYRING_USERID_BYTES],
		      const uint8_t pk[32])
{
	struct keyring_signer *v;

	if (keyring2_signer_known(kr, id, pk))
		return CRYPTO_OK;
	if (kr->nsigners >= KEYRING_MAX_SIGNERS)
		return CRYPTO_ERR_ARG;
	v = realloc(kr->signers, (kr->nsigners + 1) * sizeof *v);
	if (!v)
		return CRYPTO_ERR_NOMEM;
	kr->signers = v;
	memcpy(v[kr->nsigners].user_id, id, KEYRING_USERID_BYTES);
	memcpy(v[kr->nsigners].s_pk, pk, 32);
	kr->nsigners++;
	return CRYPTO_OK;
}

/* secrets = X25519 secret key || Ed25519 seed */
static int slot2_put(struct keyring *kr, uint8_t kind, const uint8_t id[KEYRING_USERID_BYTES],
		     uint8_t role, const uint8_t secrets[KEYRING_SECRET_BYTES],
		     const char *pass, size_t passlen, const struct kdf_params *kdf)
{
	struct keyring_slot fresh, *s;
	uint8_t ssk[64];
	int ret;

	memset(&fresh, 0, sizeof fresh);
	fresh.kind = kind;
	fresh.role = role;
	fresh.state = KEYRING_SLOT_ACTIVE;
	fresh.kdf = *kdf;
	memcpy(fresh.user_id, id, KEYRING_USERID_BYTES);
	crypto_scalarmult_base(fresh.x_pk, secrets);
	crypto_sign_seed_keypair(fresh.s_pk, ssk, secrets + 32);
	sodium_memzero(ssk, sizeof ssk);
	ret = slot_wrap(kr, &fresh, secrets, pass, passlen);
	if (!ret)
		ret = signer_add(kr, id, fresh.s_pk);
	if (ret)
		goto out;
	s = slot_find_by_id(kr, kind, id);
	if (!s)
		s = slot_append(kr);
	if (!s) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	*s = fresh;
out:
	sodium_memzero(&fresh, sizeof fresh);
	return ret;
}

void keyring2_self_keys(struct keyset *self, const uint8_t id[KEYRING_USERID_BYTES], uint8_t kind,
	       uint8_t role, const uint8_t secrets[KEYRING_SECRET_BYTES])
{
	memcpy(self->self_id, id, KEYRING_USERID_BYTES);
	self->kind = kind;
	self->role = role;
	memcpy(self->x_sk, secrets, 32);
	crypto_scalarmult_base(self->x_pk, self->x_sk);
	crypto_sign_seed_keypair(self->s_pk, self->s_sk, secrets + 32);
}

int keyring2_slot_new(struct keyring *kr, const char *user, uint8_t role,
		      const char *pass, size_t passlen, const struct kdf_params *kdf,
		      struct keyset *self)
{
	uint8_t id[KEYRING_USERID_BYTES], secrets[KEYRING_SECRET_BYTES];
	int ret;

	if (!user || !*user || strlen(user) > KEYRING_MAX_NAME)
		return CRYPTO_ERR_ARG;
	keyring_user_id(kr, user, id);
	randombytes_buf(secrets, sizeof secrets);
	ret = slot2_put(kr, KEYRING_SLOT_USER, id, role, secrets, pass, passlen, kdf);
	if (!ret && self)
		keyring2_self_keys(self, id, KEYRING_SLOT_USER, role, secrets);
	sodium_memzero(secrets, sizeof secrets);
	return ret;
}

int keyring2_recovery_new(struct keyring *kr, const struct kdf_params *kdf,
			  char code_text[RECOVERY_CODE_TEXT])
{
	return keyring2_recovery_new_self(kr, kdf, code_text, NULL);
}

int keyring2_recovery_new_self(struct keyring *kr, const struct kdf_params *kdf,
			       char code_text[RECOVERY_CODE_TEXT], struct keyset *self)
{
	uint8_t code[RECOVERY_CODE_BYTES], secrets[KEYRING_SECRET_BYTES];
	char hex[2 * RECOVERY_CODE_BYTES + 1];
	size_t i, o = 0;
	int ret;

	randombytes_buf(code, sizeof code);
	sodium_bin2hex(hex, sizeof hex, code, sizeof code);
	for (i = 0; i < 2 * RECOVERY_CODE_BYTES; i++) {
		if (i && i % 4 == 0)
			code_text[o++] = '-';
		code_text[o++] = hex[i];
	}
	code_text[o] = 0;
	randombytes_buf(secrets, sizeof secrets);
	ret = slot2_put(kr, KEYRING_SLOT_RECOVERY, recovery_id, 0, secrets, hex,
			strlen(hex), kdf);
	if (!ret && self)
		keyring2_self_keys(self, recovery_id, KEYRING_SLOT_RECOVERY, 0, secrets);
	sodium_memzero(secrets, sizeof secrets);
	sodium_memzero(code, sizeof code);
	sodium_memzero(hex, sizeof hex);
	if (ret)
		sodium_memzero(code_text, RECOVERY_CODE_TEXT);
	return ret;
}

int keyring2_slot_rewrap(struct keyring *kr, const struct keyset *ks,
			 const char *pass, size_t passlen, const struct kdf_params *kdf)
{
	uint8_t secrets[KEYRING_SECRET_BYTES];
	struct keyring_slot *s = slot_find_by_id(kr, ks->kind, ks->self_id);
	int ret;

	if (!s)
		return CRYPTO_ERR_NOUSER;
	memcpy(secrets, ks->x_sk, 32);
	crypto_sign_ed25519_sk_to_seed(secrets + 32, ks->s_sk);
	ret = slot2_put(kr, ks->kind, ks->self_id, s->role, secrets, pass, passlen, kdf);
	sodium_memzero(secrets, sizeof secrets);
	return ret;
}

static void admin_digest(const struct keyring *kr, uint8_t h[64])
{
	static const char tag[] = "cdop-keyring-admin-v2";
	crypto_generichash_state st;
	uint8_t b[8];
	size_t i;

	crypto_generichash_init(&st, NULL, 0, 64);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag);
	crypto_generichash_update(&st, kr->register_id, KEYRING_ID_BYTES);
	crypto_generichash_update(&st, kr->admin_pk, 32);
	le32_put(b, kr->id_epoch_wanted);
	crypto_generichash_update(&st, b, 4);
	le64_put(b, kr->signed_from);
	crypto_generichash_update(&st, b, 8);
	le32_put(b, (uint32_t)kr->nslots);
	crypto_generichash_update(&st, b, 4);
	for (i = 0; i < kr->nslots; i++) {
		const struct keyring_slot *s = &kr->slots[i];

		b[0] = s->kind;
		b[1] = s->role;
		b[2] = s->state;
		crypto_generichash_update(&st, b, 3);
		crypto_generichash_update(&st, s->user_id, KEYRING_USERID_BYTES);
		crypto_generichash_update(&st, s->x_pk, 32);
		crypto_generichash_update(&st, s->s_pk, 32);
	}
	le32_put(b, (uint32_t)kr->nsigners);
	crypto_generichash_update(&st, b, 4);
	for (i = 0; i < kr->nsigners; i++) {
		crypto_generichash_update(&st, kr->signers[i].user_id, KEYRING_USERID_BYTES);
		crypto_generichash_update(&st, kr->signers[i].s_pk, 32);
	}
	/* Retired keys (none in keyrings written before them: the digest is
	 * then what it was). */
	if (kr->nretired) {
		uint8_t t[KEYRING_RETIRED_BYTES];

		le32_put(b, (uint32_t)kr->nretired);
		crypto_generichash_update(&st, b, 4);
		for (i = 0; i < kr->nretired; i++) {
			retired_bytes(&kr->retired[i], t);
			crypto_generichash_update(&st, t, sizeof t);
		}
	}
	crypto_generichash_final(&st, h, 64);
}

int keyring2_admin_sign(struct keyring *kr, const struct keyset *ks)
{
	uint8_t h[64];

	if (!(ks->have & KEYSET_ADMIN))
		return CRYPTO_ERR_ARG;
	admin_digest(kr, h);
	crypto_sign_detached(kr->admin_sig, NULL, h, sizeof h, ks->admin_sk);
	return CRYPTO_OK;
}

int keyring2_admin_verify(const struct keyring *kr)
{
	uint8_t h[64];

	admin_digest(kr, h);
	return crypto_sign_verify_detached(kr->admin_sig, h, sizeof h, kr->admin_pk) ?
		CRYPTO_ERR_TAMPER : CRYPTO_OK;
}

static void mgr_digest(const struct keyring *kr, uint8_t h[64])
{
	static const char tag[] = "cdop-keyring-mgr-v2";
	crypto_generichash_state st;
	uint8_t b[4];

	crypto_generichash_init(&st, NULL, 0, 64);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag);
	crypto_generichash_update(&st, kr->register_id, KEYRING_ID_BYTES);
	crypto_generichash_update(&st, kr->report_pk, 32);
	crypto_generichash_update(&st, kr->age_pk, 32);
	le32_put(b, kr->id_epoch);
	crypto_generichash_update(&st, b, 4);
	crypto_generichash_update(&st, kr->mgr_signer, KEYRING_USERID_BYTES);
	crypto_generichash_final(&st, h, 64);
}

/* The recovery slot (role 0) may do what a manager and an admin may. */
static int role_may(uint8_t role, int is_recovery, uint8_t kind)
{
	if (is_recovery)
		return 1;
	switch (kind) {
	case GRANT_REG:
		return 1;
	case GRANT_ADMIN:
		return role == KEYRING_ROLE_ADMIN;
	case GRANT_ID:
	case GRANT_MGR:
	case GRANT_AGE_OLD:
		return role == KEYRING_ROLE_MANAGER;
	case GRANT_REPORT:
		return role == KEYRING_ROLE_MANAGER || role == KEYRING_ROLE_ANALYST;
	}
	return 0;
}

int keyring2_mgr_sign(struct keyring *kr, const struct keyset *ks)
{
	uint8_t h[64];

	if (!role_may(ks->role, ks->kind == KEYRING_SLOT_RECOVERY, GRANT_MGR))
		return CRYPTO_ERR_ARG;
	memcpy(kr->mgr_signer, ks->self_id, KEYRING_USERID_BYTES);
	mgr_digest(kr, h);
	crypto_sign_detached(kr->mgr_sig, NULL, h, sizeof h, ks->s_sk);
	return CRYPTO_OK;
}

int keyring2_mgr_verify(const struct keyring *kr)
{
	const struct keyring_slot *s;
	uint8_t h[64];

	/* No manager keys yet: nothing to sign. A converted register's record
	 * has the legacy keys and epoch 0 until its first manager unlock. */
	if (kr->id_epoch == 0 && sodium_is_zero(kr->report_pk, 32) &&
	    sodium_is_zero(kr->age_pk, 32))
		return CRYPTO_OK;
	s = keyring2_slot_by_id(kr, kr->mgr_signer);
	if (!s || !role_may(s->role, s->kind == KEYRING_SLOT_RECOVERY, GRANT_MGR))
		return CRYPTO_ERR_TAMPER;
	mgr_digest(kr, h);
	return verify_by(kr, kr->mgr_signer, kr->mgr_sig, h);
}

static void grant_digest(const struct keyring *kr, const struct keyring_grant *g, uint8_t h[64])
{
	static const char tag[] = "cdop-grant-v2";
	uint8_t head[KEYRING_GRANT_HEAD_BYTES];
	crypto_generichash_state st;

	grant_head_bytes(g, head);
	crypto_generichash_init(&st, NULL, 0, 64);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag);
	crypto_generichash_update(&st, kr->register_id, KEYRING_ID_BYTES);
	crypto_generichash_update(&st, head, sizeof head);
	crypto_generichash_update(&st, g->sealed, g->len);
	crypto_generichash_final(&st, h, 64);
}

int keyring2_has_grant(const struct keyring *kr, const uint8_t recipient[KEYRING_USERID_BYTES],
		       uint8_t kind, uint32_t epoch)
{
	size_t i;

	for (i = 0; i < kr->ngrants; i++)
		if (kr->grants[i].kind == kind && (!epoch || kr->grants[i].epoch == epoch) &&
		    !memcmp(kr->grants[i].recipient, recipient, KEYRING_USERID_BYTES))
			return 1;
	return 0;
}

void keyring2_grants_drop(struct keyring *kr, const uint8_t recipient[KEYRING_USERID_BYTES],
			  uint8_t kind)
{
	size_t i, o = 0;

	for (i = 0; i < kr->ngrants; i++) {
		struct keyring_grant *g = &kr->grants[i];

		if ((!kind || g->kind == kind) &&
		    (!recipient || !memcmp(g->recipient, recipient, KEYRING_USERID_BYTES))) {
			free(g->sealed);
			continue;
		}
		kr->grants[o++] = *g;
	}
	kr->ngrants = o;
}

size_t keyring2_grants_drop_epoch(struct keyring *kr, uint8_t kind, uint32_t epoch)
{
	size_t i, o = 0, n = kr->ngrants;

	for (i = 0; i < n; i++) {
		struct keyring_grant *g = &kr->grants[i];

		if (g->kind == kind && g->epoch == epoch) {
			free(g->sealed);
			continue;
		}
		kr->grants[o++] = *g;
	}
	kr->ngrants = o;
	return n - o;
}

int keyring2_grant(struct keyring *kr, const struct keyset *ks,
		   const uint8_t recipient[KEYRING_USERID_BYTES], uint8_t kind,
		   uint32_t epoch, const uint8_t *payload, size_t len)
{
	const struct keyring_slot *s = keyring2_slot_by_id(kr, recipient);
	struct keyring_grant g, *v;
	uint8_t h[64];

	if (!s || len > 256)
		return CRYPTO_ERR_ARG;
	if (kr->ngrants >= KEYRING_MAX_GRANTS)
		return CRYPTO_ERR_ARG;
	memset(&g, 0, sizeof g);
	memcpy(g.recipient, recipient, KEYRING_USERID_BYTES);
	memcpy(g.granter, ks->self_id, KEYRING_USERID_BYTES);
	g.kind = kind;
	g.epoch = epoch;
	g.len = len + crypto_box_SEALBYTES;
	g.sealed = malloc(g.len);
	if (!g.sealed)
		return CRYPTO_ERR_NOMEM;
	v = realloc(kr->grants, (kr->ngrants + 1) * sizeof *v);
	if (!v) {
		free(g.sealed);
		return CRYPTO_ERR_NOMEM;
	}
	kr->grants = v;
	crypto_box_seal(g.sealed, payload, len, s->x_pk);
	grant_digest(kr, &g, h);
	crypto_sign_detached(g.sig, NULL, h, sizeof h, ks->s_sk);
	v[kr->ngrants++] = g;
	return CRYPTO_OK;
}

/* What a role should hold. */
static int role_holds(uint8_t role, int is_recovery, uint8_t kind)
{
	if (is_recovery)
		return 1;
	switch (kind) {
	case GRANT_REG:
		return 1;
	case GRANT_ADMIN:
		return role == KEYRING_ROLE_ADMIN;
	case GRANT_ID:
	case GRANT_MGR:
	case GRANT_AGE_OLD:
		return role == KEYRING_ROLE_MANAGER;
	case GRANT_REPORT:
		return role == KEYRING_ROLE_ANALYST;
	}
	return 0;
}

int keyring2_grant_role(struct keyring *kr, const struct keyset *ks,
			const struct keyring_slot *s, int *added)
{
	int rec = s->kind == KEYRING_SLOT_RECOVERY, me_rec = ks->kind == KEYRING_SLOT_RECOVERY;
	uint8_t buf[96];
	uint32_t e;
	int ret = CRYPTO_OK;

#define WANTS(k) (role_holds(s->role, rec, k) && role_may(ks->role, me_rec, k))
	if (s->state != KEYRING_SLOT_ACTIVE)
		return CRYPTO_OK;
	if ((ks->have & KEYSET_REG) && ks->reg_epoch == kr->reg_epoch && WANTS(GRANT_REG) &&
	    !keyring2_has_grant(kr, s->user_id, GRANT_REG, kr->reg_epoch)) {
		memcpy(buf, ks->k_reg, 32);
		memcpy(buf + 32, ks->k_audit, 32);
		ret = keyring2_grant(kr, ks, s->user_id, GRANT_REG, kr->reg_epoch, buf, 64);
		*added += !ret;
	}
	if (!ret && (ks->have & KEYSET_ADMIN) && WANTS(GRANT_ADMIN) &&
	    !keyring2_has_grant(kr, s->user_id, GRANT_ADMIN, 0)) {
		crypto_sign_ed25519_sk_to_seed(buf, ks->admin_sk);
		ret = keyring2_grant(kr, ks, s->user_id, GRANT_ADMIN, 0, buf, 32);
		*added += !ret;
	}
	if (!ret && (ks->have & KEYSET_MGR) && WANTS(GRANT_MGR) &&
	    !keyring2_has_grant(kr, s->user_id, GRANT_MGR, 0)) {
		memcpy(buf, ks->k_dup, 32);
		memcpy(buf + 32, ks->age_sk, 32);
		crypto_sign_ed25519_sk_to_seed(buf + 64, ks->report_sk);
		ret = keyring2_grant(kr, ks, s->user_id, GRANT_MGR, 0, buf, 96);
		*added += !ret;
	}
	for (e = ks->id_have[0] ? 0 : 1; !ret && e <= ks->id_latest && WANTS(GRANT_ID); e++)
		if (ks->id_have[e] && !keyring2_has_grant(kr, s->user_id, GRANT_ID, e)) {
			ret = keyring2_grant(kr, ks, s->user_id, GRANT_ID, e, ks->k_id[e], 32);
			*added += !ret;
		}
	if (!ret && (ks->have & KEYSET_REPORT) && WANTS(GRANT_REPORT) &&
	    !keyring2_has_grant(kr, s->user_id, GRANT_REPORT, 0)) {
		crypto_sign_ed25519_sk_to_seed(buf, ks->report_sk);
		ret = keyring2_grant(kr, ks, s->user_id, GRANT_REPORT, 0, buf, 32);
		*added += !ret;
	}
	for (e = 0; !ret && e < kr->nretired && WANTS(GRANT_AGE_OLD); e++)
		if (ks->age_old_have[e] && !keyring2_has_grant(kr, s->user_id, GRANT_AGE_OLD, e + 1)) {
			ret = keyring2_grant(kr, ks, s->user_id, GRANT_AGE_OLD, e + 1,
					     ks->age_old[e], 32);
			*added += !ret;
		}
#undef WANTS
	sodium_memzero(buf, sizeof buf);
	return ret;
}

/* Opens one grant into ks; a grant that fails any check is ignored. */
static void grant_open(const struct keyring *kr, const struct keyring_grant *g,
		       struct keyset *ks)
{
	const struct keyring_slot *by = keyring2_slot_by_id(kr, g->granter);
	uint8_t h[64], buf[256], pk[32], sk[64];
	size_t len = g->len - crypto_box_SEALBYTES;

	if (!by || !role_may(by->role, by->kind == KEYRING_SLOT_RECOVERY, g->kind))
		return;
	grant_digest(kr, g, h);
	if (verify_by(kr, g->granter, g->sig, h) || len > sizeof buf ||
	    crypto_box_seal_open(buf, g->sealed, g->len, ks->x_pk, ks->x_sk))
		return;
	switch (g->kind) {
	case GRANT_REG:
		if (len == 64 && g->epoch == kr->reg_epoch) {
			memcpy(ks->k_reg, buf, 32);
			memcpy(ks->k_audit, buf + 32, 32);
			ks->reg_epoch = g->epoch;
			ks->have |= KEYSET_REG;
		} else if (len == 64 && g->epoch + 1 == kr->reg_epoch) {
			memcpy(ks->k_reg_prev, buf, 32);
			ks->have |= KEYSET_REG_PREV;
		}
		break;
	case GRANT_ADMIN:
		if (len == 32) {
			crypto_sign_seed_keypair(pk, sk, buf);
			if (!memcmp(pk, kr->admin_pk, 32)) {
				memcpy(ks->admin_sk, sk, 64);
				ks->have |= KEYSET_ADMIN;
			}
		}
		break;
	case GRANT_ID:
		/* Epoch 0: a converted v1 register's legacy K_id (§17). */
		if (len == 32 && g->epoch <= KEYSET_MAX_EPOCHS) {
			memcpy(ks->k_id[g->epoch], buf, 32);
			ks->id_have[g->epoch] = 1;
			if (g->epoch > ks->id_latest)
				ks->id_latest = g->epoch;
		}
		break;
	case GRANT_MGR:
		if (len == 96 && !sodium_is_zero(kr->report_pk, 32)) {
			crypto_sign_seed_keypair(pk, sk, buf + 64);
			crypto_scalarmult_base(h, buf + 32);
			if (!memcmp(pk, kr->report_pk, 32) && !memcmp(h, kr->age_pk, 32)) {
				memcpy(ks->k_dup, buf, 32);
				memcpy(ks->age_sk, buf + 32, 32);
				memcpy(ks->report_sk, sk, 64);
				ks->have |= KEYSET_MGR | KEYSET_REPORT;
			}
		}
		break;
	case GRANT_REPORT:
		if (len == 32 && !sodium_is_zero(kr->report_pk, 32)) {
			crypto_sign_seed_keypair(pk, sk, buf);
			if (!memcmp(pk, kr->report_pk, 32)) {
				memcpy(ks->report_sk, sk, 64);
				ks->have |= KEYSET_REPORT;
			}
		}
		break;
	case GRANT_AGE_OLD:
		/* Only the identity of the retired recipient it names. */
		if (len == 32 && g->epoch >= 1 && g->epoch <= kr->nretired &&
		    kr->retired[g->epoch - 1].kind == RETIRED_AGE) {
			crypto_scalarmult_base(pk, buf);
			if (!memcmp(pk, kr->retired[g->epoch - 1].pk, 32)) {
				memcpy(ks->age_old[g->epoch - 1], buf, 32);
				ks->age_old_have[g->epoch - 1] = 1;
			}
		}
		break;
	}
	sodium_memzero(buf, sizeof buf);
	sodium_memzero(sk, sizeof sk);
}

int keyring2_unlock(const struct keyring *kr, const char *user, const char *pass,
		    size_t passlen, struct keyset *ks, const struct keyring_slot **slot)
{
	uint8_t secrets[KEYRING_SECRET_BYTES];
	const struct keyring_slot *s = NULL;
	size_t i;
	int ret;

	if (kr->version != KEYRING_VERSION2)
		return CRYPTO_ERR_VERSION;
	ret = slot_select_open(kr, user, pass, passlen, secrets, &s);
	if (ret)
		return ret;
	sodium_memzero(ks, sizeof *ks);
	memcpy(ks->self_id, s->user_id, KEYRING_USERID_BYTES);
	ks->kind = s->kind;
	ks->role = s->role;
	memcpy(ks->x_sk, secrets, 32);
	crypto_scalarmult_base(ks->x_pk, ks->x_sk);
	crypto_sign_seed_keypair(ks->s_pk, ks->s_sk, secrets + 32);
	sodium_memzero(secrets, sizeof secrets);
	/* The slot's authenticated header bound its public keys and the admin
	 * key: the admin signature then vouches for every other slot. */
	if (memcmp(ks->x_pk, s->x_pk, 32) || memcmp(ks->s_pk, s->s_pk, 32) ||
	    keyring2_admin_verify(kr) || keyring2_mgr_verify(kr)) {
		sodium_memzero(ks, sizeof *ks);
		return CRYPTO_ERR_TAMPER;
	}
	for (i = 0; i < kr->ngrants; i++)
		if (!memcmp(kr->grants[i].recipient, ks->self_id, KEYRING_USERID_BYTES))
			grant_open(kr, &kr->grants[i], ks);
	if (slot)
		*slot = s;
	return CRYPTO_OK;
}

/* keyring_slot_open and keyring_recovery_open on a v2 keyring: K_reg, the
 * key the register's files are under (backups, restore). */
static int v2_open_reg(const struct keyring *kr, const char *user, const char *pass,
		       size_t passlen, uint8_t master[MASTER_KEY_BYTES],
		       const struct keyring_slot **slot_out)
{
	struct keyset *ks = keyset_new();
	int ret;

	if (!ks)
		return CRYPTO_ERR_NOMEM;
	ret = keyring2_unlock(kr, user, pass, passlen, ks, slot_out);
	if (!ret && !(ks->have & KEYSET_REG))
		ret = CRYPTO_ERR_DISABLED;
	if (!ret)
		memcpy(master, ks->k_reg, MASTER_KEY_BYTES);
	keyset_free(ks);
	return ret;
}

/* ---- retired report keys and age recipients ---------------------------- */

const struct keyring_retired *keyring2_retired_find(const struct keyring *kr, uint8_t kind,
						    const uint8_t pk[32])
{
	size_t i;

	for (i = 0; i < kr->nretired; i++)
		if (kr->retired[i].kind == kind && !memcmp(kr->retired[i].pk, pk, 32))
			return &kr->retired[i];
	return NULL;
}

int keyring2_retire(struct keyring *kr, uint8_t kind, const uint8_t pk[32], int64_t when)
{
	struct keyring_retired *v;

	if (sodium_is_zero(pk, 32) || keyring2_retired_find(kr, kind, pk))
		return CRYPTO_OK;
	if (kr->nretired >= KEYRING_MAX_RETIRED)
		return CRYPTO_ERR_ARG;
	v = realloc(kr->retired, (kr->nretired + 1) * sizeof *v);
	if (!v)
		return CRYPTO_ERR_NOMEM;
	kr->retired = v;
	v[kr->nretired].kind = kind;
	v[kr->nretired].when = when;
	memcpy(v[kr->nretired].pk, pk, 32);
	kr->nretired++;
	return CRYPTO_OK;
}

/* ==== v1 -> v2 staging (docs/security.md §17) ============================ */

int keyring_slot_open_kek(const struct keyring *kr, const char *user,
			  const char *pass, size_t passlen,
			  uint8_t master[MASTER_KEY_BYTES],
			  const struct keyring_slot **slot_out,
			  uint8_t kek[KDF_KEY_BYTES])
{
	const struct keyring_slot *s;
	int ret;

	if (kr->version != KEYRING_VERSION || !user)
		return CRYPTO_ERR_VERSION;
	s = keyring_slot_find(kr, user);
	ret = s ? slot_unwrap_kek(kr, s, pass, passlen, master, kek) : CRYPTO_ERR_NOUSER;
	if (!ret && slot_out)
		*slot_out = s;
	return ret;
}

/* The v2 keyring the staged slot will live in, as far as its AD goes. */
static void stage_ring(struct keyring *t, const struct keyring *kr1,
		       const uint8_t admin_pk[32])
{
	keyring_init(t);
	t->version = KEYRING_VERSION2;
	memcpy(t->register_id, kr1->register_id, KEYRING_ID_BYTES);
	memcpy(t->admin_pk, admin_pk, 32);
}

int keyring2_stage_make(const struct keyring *kr1, const struct keyring_slot *s1,
			const uint8_t admin_pk[32], const uint8_t kek[KDF_KEY_BYTES],
			uint8_t out[KEYRING_SLOT2_BYTES],
			uint8_t secrets[KEYRING_SECRET_BYTES])
{
	struct keyring t;
	struct keyring_slot s;
	uint8_t ad[SLOT_AD_MAX], ssk[64];
	size_t adlen;

	if (kr1->version != KEYRING_VERSION || s1->kind != KEYRING_SLOT_USER ||
	    s1->state != KEYRING_SLOT_ACTIVE)
		return CRYPTO_ERR_ARG;
	stage_ring(&t, kr1, admin_pk);
	memset(&s, 0, sizeof s);
	s.kind = s1->kind;
	s.role = s1->role;
	s.state = KEYRING_SLOT_ACTIVE;
	s.kdf = s1->kdf;
	memcpy(s.user_id, s1->user_id, KEYRING_USERID_BYTES);
	memcpy(s.salt, s1->salt, KDF_SALT_BYTES); /* the KEK of the v1 unlock */
	randombytes_buf(secrets, KEYRING_SECRET_BYTES);
	crypto_scalarmult_base(s.x_pk, secrets);
	crypto_sign_seed_keypair(s.s_pk, ssk, secrets + 32);
	sodium_memzero(ssk, sizeof ssk);
	randombytes_buf(s.nonce, sizeof s.nonce);
	adlen = slot_ad(&t, &s, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(s.wrapped, NULL, secrets,
						   KEYRING_SECRET_BYTES, ad, adlen,
						   NULL, s.nonce, kek);
	slot_bytes(&t, &s, out);
	sodium_memzero(&s, sizeof s);
	return CRYPTO_OK;
}

int keyring2_stage_parse(const struct keyring *kr1, const struct keyring_slot *s1,
			 const uint8_t in[KEYRING_SLOT2_BYTES], struct keyring_slot *s)
{
	static const uint8_t no_admin[32];
	struct keyring t;
	int ret;

	stage_ring(&t, kr1, no_admin); /* the layout only */
	memset(s, 0, sizeof *s);
	ret = slot_parse(&t, s, in);
	/* Only a slot that is the v1 slot's user as it is now (role, KDF
	 * parameters, salt: a passwd since makes it stale) counts. */
	if (!ret && (s->kind != s1->kind || s->role != s1->role ||
		     s->state != KEYRING_SLOT_ACTIVE || s->kdf.opslimit != s1->kdf.opslimit ||
		     s->kdf.memlimit != s1->kdf.memlimit ||
		     memcmp(s->user_id, s1->user_id, KEYRING_USERID_BYTES) ||
		     memcmp(s->salt, s1->salt, KDF_SALT_BYTES)))
		ret = CRYPTO_ERR_AUTH;
	return ret;
}

int keyring2_stage_open(const struct keyring *kr1, const struct keyring_slot *s1,
			const uint8_t admin_pk[32], const uint8_t kek[KDF_KEY_BYTES],
			const uint8_t in[KEYRING_SLOT2_BYTES],
			uint8_t secrets[KEYRING_SECRET_BYTES],
			struct keyring_slot *staged)
{
	struct keyring t;
	struct keyring_slot s;
	uint8_t ad[SLOT_AD_MAX], pk[32], ssk[64];
	size_t adlen;
	int ret;

	stage_ring(&t, kr1, admin_pk);
	ret = keyring2_stage_parse(kr1, s1, in, &s);
	if (!ret) {
		adlen = slot_ad(&t, &s, ad);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(secrets, NULL, NULL,
				s.wrapped, KEYRING_WRAPPED2_BYTES, ad, adlen, s.nonce, kek))
			ret = CRYPTO_ERR_AUTH;
	}
	if (!ret) {
		crypto_scalarmult_base(pk, secrets);
		if (memcmp(pk, s.x_pk, 32))
			ret = CRYPTO_ERR_AUTH;
		crypto_sign_seed_keypair(pk, ssk, secrets + 32);
		if (memcmp(pk, s.s_pk, 32))
			ret = CRYPTO_ERR_AUTH;
		sodium_memzero(ssk, sizeof ssk);
	}
	if (ret)
		sodium_memzero(secrets, KEYRING_SECRET_BYTES);
	else if (staged)
		*staged = s;
	sodium_memzero(&s, sizeof s);
	return ret;
}

int keyring2_slot_adopt(struct keyring *kr, const struct keyring_slot *s)
{
	struct keyring_slot *d;
	int ret = CRYPTO_OK;

	if (s->kind != KEYRING_SLOT_USER || slot_find_by_id(kr, s->kind, s->user_id))
		return CRYPTO_ERR_ARG;
	if (s->state == KEYRING_SLOT_ACTIVE)
		ret = signer_add(kr, s->user_id, s->s_pk);
	if (ret)
		return ret;
	d = slot_append(kr);
	if (!d)
		return CRYPTO_ERR_NOMEM;
	*d = *s;
	if (s->state != KEYRING_SLOT_ACTIVE) { /* a tombstone: nothing wrapped */
		sodium_memzero(d->x_pk, sizeof d->x_pk);
		sodium_memzero(d->s_pk, sizeof d->s_pk);
		sodium_memzero(d->nonce, sizeof d->nonce);
		sodium_memzero(d->wrapped, sizeof d->wrapped);
	}
	return CRYPTO_OK;
}
