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

void keyring_release(struct keyring *kr)
{
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

/* Slot bytes 0..47 (everything but nonce and wrapped key). */
static void slot_header_bytes(const struct keyring_slot *s, uint8_t out[48])
{
	memset(out, 0, 48);
	out[0] = s->kind;
	out[1] = s->role;
	out[2] = s->state;
	le32_put(out + 4, s->kdf.opslimit);
	le64_put(out + 8, s->kdf.memlimit);
	memcpy(out + 16, s->user_id, KEYRING_USERID_BYTES);
	memcpy(out + 32, s->salt, KDF_SALT_BYTES);
}

/* AD = magic || version || register id || slot header. */
static size_t slot_ad(const struct keyring *kr, const struct keyring_slot *s,
		      uint8_t ad[8 + 2 + KEYRING_ID_BYTES + 48])
{
	memcpy(ad, KEYRING_MAGIC, 8);
	le16_put(ad + 8, KEYRING_VERSION);
	memcpy(ad + 10, kr->register_id, KEYRING_ID_BYTES);
	slot_header_bytes(s, ad + 10 + KEYRING_ID_BYTES);
	return 8 + 2 + KEYRING_ID_BYTES + 48;
}

static int slot_wrap(const struct keyring *kr, struct keyring_slot *s,
		     const uint8_t master[MASTER_KEY_BYTES], const char *pass,
		     size_t passlen)
{
	uint8_t *kek = sodium_malloc(KDF_KEY_BYTES);
	uint8_t ad[8 + 2 + KEYRING_ID_BYTES + 48];
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
						   MASTER_KEY_BYTES, ad, adlen,
						   NULL, s->nonce, kek);
out:
	sodium_free(kek);
	return ret;
}

static int slot_unwrap(const struct keyring *kr, const struct keyring_slot *s,
		       const char *pass, size_t passlen,
		       uint8_t master[MASTER_KEY_BYTES])
{
	uint8_t *kek;
	uint8_t ad[8 + 2 + KEYRING_ID_BYTES + 48];
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
			s->wrapped, sizeof s->wrapped, ad, adlen, s->nonce, kek)) {
		sodium_memzero(master, MASTER_KEY_BYTES);
		ret = CRYPTO_ERR_AUTH;
	}
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
	const struct keyring_slot *s = keyring_slot_find(kr, user);
	int ret;

	if (!s)
		return CRYPTO_ERR_NOUSER;
	ret = slot_unwrap(kr, s, pass, passlen, master);
	if (!ret && slot_out)
		*slot_out = s;
	return ret;
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
	char hex[2 * RECOVERY_CODE_BYTES + 1];
	const struct keyring_slot *s;
	int ret = recovery_normalise(code_text, hex);

	if (ret)
		goto out;
	s = slot_find_by_id(kr, KEYRING_SLOT_RECOVERY, recovery_id);
	if (!s) {
		ret = CRYPTO_ERR_NOUSER;
		goto out;
	}
	ret = slot_unwrap(kr, s, hex, strlen(hex), master);
out:
	sodium_memzero(hex, sizeof hex);
	return ret;
}

/* ---- serialisation ------------------------------------------------------ */

static void header_bytes(const struct keyring *kr, uint8_t out[KEYRING_HEADER_BYTES])
{
	memset(out, 0, KEYRING_HEADER_BYTES);
	memcpy(out, KEYRING_MAGIC, 8);
	le16_put(out + 8, KEYRING_VERSION);
	le16_put(out + 10, (uint16_t)kr->nslots);
	memcpy(out + 16, kr->register_id, KEYRING_ID_BYTES);
	memcpy(out + 32, kr->box_pk, KEYRING_BOXPK_BYTES);
}

static void slot_bytes(const struct keyring_slot *s, uint8_t out[KEYRING_SLOT_BYTES])
{
	slot_header_bytes(s, out);
	memcpy(out + 48, s->nonce, KEYRING_NONCE_BYTES);
	memcpy(out + 72, s->wrapped, KEYRING_WRAPPED_BYTES);
}

static void state_bytes(const struct keyring *kr, uint8_t out[KEYRING_STATE_BYTES])
{
	memset(out, 0, KEYRING_STATE_BYTES);
	memcpy(out, kr->file_mac, KEYRING_MAC_BYTES);
	le64_put(out + 32, kr->file_size);
	out[40] = kr->dirty;
}

static int state_parse(struct keyring *kr, const uint8_t *p)
{
	size_t i;

	memcpy(kr->file_mac, p, KEYRING_MAC_BYTES);
	kr->file_size = le64_get(p + 32);
	kr->dirty = p[40];
	if (kr->dirty > 1)
		return CRYPTO_ERR_FORMAT;
	for (i = 41; i < KEYRING_STATE_BYTES; i++)
		if (p[i])
			return CRYPTO_ERR_FORMAT;
	return CRYPTO_OK;
}

static void mac_compute(const struct keyring *kr, const uint8_t key[SUBKEY_BYTES],
			uint8_t out[KEYRING_MAC_BYTES])
{
	crypto_generichash_state st;
	uint8_t buf[KEYRING_HEADER_BYTES > KEYRING_SLOT_BYTES ?
		    KEYRING_HEADER_BYTES : KEYRING_SLOT_BYTES];
	size_t i;

	crypto_generichash_init(&st, key, SUBKEY_BYTES, KEYRING_MAC_BYTES);
	header_bytes(kr, buf);
	crypto_generichash_update(&st, buf, KEYRING_HEADER_BYTES);
	for (i = 0; i < kr->nslots; i++) {
		slot_bytes(&kr->slots[i], buf);
		crypto_generichash_update(&st, buf, KEYRING_SLOT_BYTES);
	}
	state_bytes(kr, buf);
	crypto_generichash_update(&st, buf, KEYRING_STATE_BYTES);
	crypto_generichash_final(&st, out, KEYRING_MAC_BYTES);
	sodium_memzero(&st, sizeof st);
}

int keyring_mac_seal(struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES])
{
	uint8_t key[SUBKEY_BYTES];
	int ret = subkey_derive(key, SUBKEY_KEYRING_MAC, master);

	if (!ret)
		mac_compute(kr, key, kr->mac);
	sodium_memzero(key, sizeof key);
	return ret;
}

int keyring_mac_check(const struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES])
{
	uint8_t key[SUBKEY_BYTES], mac[KEYRING_MAC_BYTES];
	int ret = subkey_derive(key, SUBKEY_KEYRING_MAC, master);

	if (!ret) {
		mac_compute(kr, key, mac);
		if (sodium_memcmp(mac, kr->mac, sizeof mac))
			ret = CRYPTO_ERR_TAMPER;
	}
	sodium_memzero(key, sizeof key);
	return ret;
}

int keyring_serialize(const struct keyring *kr, uint8_t **out, size_t *outlen)
{
	size_t len = KEYRING_HEADER_BYTES + kr->nslots * KEYRING_SLOT_BYTES +
		     KEYRING_STATE_BYTES + KEYRING_MAC_BYTES + 2, i, o;
	uint8_t *buf;

	if (kr->nslots > KEYRING_MAX_SLOTS || kr->nfailures > KEYRING_MAX_FAILURES)
		return CRYPTO_ERR_ARG;
	for (i = 0; i < kr->nfailures; i++)
		len += 2 + kr->failures[i].len;
	buf = malloc(len);
	if (!buf)
		return CRYPTO_ERR_NOMEM;
	header_bytes(kr, buf);
	o = KEYRING_HEADER_BYTES;
	for (i = 0; i < kr->nslots; i++, o += KEYRING_SLOT_BYTES)
		slot_bytes(&kr->slots[i], buf + o);
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

static int slot_parse(struct keyring_slot *s, const uint8_t *p)
{
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
	memcpy(s->nonce, p + 48, KEYRING_NONCE_BYTES);
	memcpy(s->wrapped, p + 72, KEYRING_WRAPPED_BYTES);
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

int keyring_parse(struct keyring *kr, const uint8_t *buf, size_t len)
{
	size_t nslots, i, need;
	int ret;

	keyring_init(kr);
	if (len < KEYRING_HEADER_BYTES || memcmp(buf, KEYRING_MAGIC, 8))
		return CRYPTO_ERR_FORMAT;
	if (le16_get(buf + 8) != KEYRING_VERSION)
		return CRYPTO_ERR_VERSION;
	nslots = le16_get(buf + 10);
	if (le32_get(buf + 12) || nslots == 0 || nslots > KEYRING_MAX_SLOTS)
		return CRYPTO_ERR_FORMAT;
	need = KEYRING_HEADER_BYTES + nslots * KEYRING_SLOT_BYTES +
	       KEYRING_STATE_BYTES + KEYRING_MAC_BYTES;
	if (len < need)
		return CRYPTO_ERR_FORMAT;
	memcpy(kr->register_id, buf + 16, KEYRING_ID_BYTES);
	memcpy(kr->box_pk, buf + 32, KEYRING_BOXPK_BYTES);
	kr->slots = calloc(nslots, sizeof *kr->slots);
	if (!kr->slots)
		return CRYPTO_ERR_NOMEM;
	kr->nslots = nslots;
	for (i = 0; i < nslots; i++) {
		ret = slot_parse(&kr->slots[i], buf + KEYRING_HEADER_BYTES +
				 i * KEYRING_SLOT_BYTES);
		if (ret)
			goto fail;
	}
	ret = state_parse(kr, buf + need - KEYRING_MAC_BYTES - KEYRING_STATE_BYTES);
	if (ret)
		goto fail;
	memcpy(kr->mac, buf + need - KEYRING_MAC_BYTES, KEYRING_MAC_BYTES);
	ret = failures_parse(kr, buf + need, len - need);
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
	size_t max = KEYRING_HEADER_BYTES + KEYRING_MAX_SLOTS * KEYRING_SLOT_BYTES +
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

int keyring_file_mac(int fd, const uint8_t master[MASTER_KEY_BYTES],
		     uint8_t out[KEYRING_MAC_BYTES], uint64_t *size)
{
	crypto_generichash_state st;
	uint8_t key[SUBKEY_BYTES], *buf;
	uint64_t total = 0;
	ssize_t got;
	int ret = subkey_derive(key, SUBKEY_FILE_MAC, master);

	if (ret)
		return ret;
	buf = malloc(1 << 16);
	if (!buf) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	crypto_generichash_init(&st, key, SUBKEY_BYTES, KEYRING_MAC_BYTES);
	while ((got = pread(fd, buf, 1 << 16, (off_t)total)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ret = CRYPTO_ERR_IO;
			goto out;
		}
		crypto_generichash_update(&st, buf, (size_t)got);
		total += (uint64_t)got;
	}
	crypto_generichash_final(&st, out, KEYRING_MAC_BYTES);
	*size = total;
out:
	sodium_memzero(key, sizeof key);
	free(buf);
	return ret;
}
