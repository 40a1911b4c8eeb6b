/*
 * cdop/agekey — the register's age identity and sealed files; see store.h.
 */
#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/age.h"
#include "crypto/error.h"
#include "crypto/secure.h"
#include "crypto/subkey.h"

#include <sodium.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the identity comes from: the manager role's keys (keys.c), or for
 * a v1 keyring a subkey of the master key. */
int store_age_identity(struct reg *r, uint8_t sk[STORE_AGE_KEY])
{
	struct keyset *ks = r->st.ks;

	if (r->st.kr.version != KEYRING_VERSION2 || !ks) {
		if (r->ss.role != ROLE_MANAGER && r->ss.role != ROLE_NONE)
			return reg_fail(r, CDOP_ERR_ACCESS, "only a manager may open files "
					"sealed to this register");
		return subkey_derive(sk, SUBKEY_LEGACY_AGE, r->st.master) ?
			reg_fail(r, CDOP_ERR_INTERNAL, "cannot derive the age identity") :
			CDOP_OK;
	}
	if (!(ks->have & KEYSET_MGR))
		return reg_fail(r, CDOP_ERR_ACCESS, "only a manager may open files sealed "
				"to this register");
	memcpy(sk, ks->age_sk, STORE_AGE_KEY);
	return CDOP_OK;
}

int store_age_recipient(struct reg *r, uint8_t pk[STORE_AGE_KEY])
{
	uint8_t sk[STORE_AGE_KEY];

	if (r->st.kr.version != KEYRING_VERSION2 || !r->st.ks) {
		if (subkey_derive(sk, SUBKEY_LEGACY_AGE, r->st.master))
			return reg_fail(r, CDOP_ERR_INTERNAL, "cannot derive the age identity");
		crypto_scalarmult_base(pk, sk);
		secure_wipe(sk, sizeof sk);
		return CDOP_OK;
	}
	if (sodium_is_zero(r->st.kr.age_pk, STORE_AGE_KEY))
		return reg_fail(r, CDOP_ERR_NOTFOUND, "this register has no age recipient "
				"yet: it is made when a manager first unlocks the register");
	memcpy(pk, r->st.kr.age_pk, STORE_AGE_KEY);
	return CDOP_OK;
}

int store_age_recipient_text(struct reg *r, char *out, size_t outlen)
{
	uint8_t pk[STORE_AGE_KEY];
	char text[AGE_RECIPIENT_LEN + 1];
	int ret = store_age_recipient(r, pk);

	/* Retired at a manager's disable and not yet replaced: not to be
	 * handed to anyone as this register's recipient. */
	if (!ret && r->st.kr.version == KEYRING_VERSION2 &&
	    keyring2_retired_find(&r->st.kr, RETIRED_AGE, pk))
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "this register's age recipient was "
			       "retired (a manager was disabled, or the keyring was "
			       "converted): the new one is made at the next unlock by a "
			       "manager; 'cdop key show --age' prints it then");

	if (!ret && outlen < sizeof text)
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "age recipient: buffer too small");
	if (!ret) {
		age_recipient_encode(text, pk);
		memcpy(out, text, sizeof text);
	}
	return ret;
}

int store_age_retired_note(const struct reg *r, char *out, size_t outlen)
{
	const struct keyring_retired *t = &r->st.age_retired;
	char text[AGE_RECIPIENT_LEN + 1], when[21];

	if (t->kind != RETIRED_AGE)
		return 0;
	age_recipient_encode(text, t->pk);
	keys_retired_when(t, when);
	snprintf(out, outlen, "a file was sealed to this register's retired age recipient "
		 "%s (retired at %s) and opened with the retired identity the "
		 "managers keep: tell the sender the current recipient ('cdop key "
		 "show --age')", text, when);
	return 1;
}

int store_age_recipients_parse(struct reg *r, const char *const *texts, size_t n,
			       uint8_t (**pks)[STORE_AGE_KEY])
{
	size_t i;

	*pks = NULL;
	if (n == 0)
		return reg_fail_field(r, CDOP_ERR_INPUT, "recipient", "give at least one "
				      "age recipient (age1...)");
	if (n > AGE_MAX_RECIPIENTS)
		return reg_fail_field(r, CDOP_ERR_INPUT, "recipient", "at most %d recipients",
				      AGE_MAX_RECIPIENTS);
	*pks = calloc(n, STORE_AGE_KEY);
	if (!*pks)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (age_recipient_parse((*pks)[i], texts[i]) == CRYPTO_OK)
			continue;
		free(*pks);
		*pks = NULL;
		return reg_fail_field(r, CDOP_ERR_INPUT, "recipient", "'%s' is not an age "
				      "X25519 recipient: write the age1... key that "
				      "'cdop key show --age' or 'age-keygen -y' prints", texts[i]);
	}
	return CDOP_OK;
}

int store_age_is_sealed(const uint8_t *buf, size_t len)
{
	return age_is_age(buf, len);
}

/* A file sealed to a recipient the admin retired (keys.c) still opens
 * with the retired identity the managers keep: whoever held it could open
 * the file anyway. The front end says so (r->st.age_retired). */
static int age_open_retired(struct reg *r, const uint8_t *in, size_t len, uint8_t **out,
			    size_t *outlen)
{
	const struct keyset *ks = r->st.ks;
	size_t i;
	int c = CRYPTO_ERR_AUTH;

	if (r->st.kr.version != KEYRING_VERSION2 || !ks)
		return c;
	for (i = 0; c == CRYPTO_ERR_AUTH && i < r->st.kr.nretired; i++) {
		if (!ks->age_old_have[i])
			continue;
		c = age_decrypt(out, outlen, ks->age_old[i], in, len);
		if (c == CRYPTO_OK)
			r->st.age_retired = r->st.kr.retired[i];
	}
	return c;
}

int store_age_open(struct reg *r, const char *what, const uint8_t *in, size_t len,
		   uint8_t **out, size_t *outlen)
{
	uint8_t sk[STORE_AGE_KEY];
	char mine[AGE_RECIPIENT_LEN + 1] = "";
	int ret = store_age_identity(r, sk), c;

	*out = NULL;
	*outlen = 0;
	if (ret)
		return ret;
	c = age_decrypt(out, outlen, sk, in, len);
	if (c == CRYPTO_ERR_AUTH)
		c = age_open_retired(r, in, len, out, outlen);
	if (c == CRYPTO_ERR_AUTH) {
		uint8_t pk[STORE_AGE_KEY];
		if (!age_public_key(pk, sk))
			age_recipient_encode(mine, pk);
	}
	secure_wipe(sk, sizeof sk);
	switch (c) {
	case CRYPTO_OK:
		return CDOP_OK;
	case CRYPTO_ERR_AUTH:
		return reg_fail(r, CDOP_ERR_DAMAGED, "%s is not sealed to this register: "
				"none of its recipients is %s", what, mine);
	case CRYPTO_ERR_TAMPER:
		return reg_fail(r, CDOP_ERR_DAMAGED, "%s has been changed or is truncated "
				"(an age file that does not authenticate); nothing was read",
				what);
	case CRYPTO_ERR_VERSION:
	case CRYPTO_ERR_FORMAT:
		return reg_fail(r, CDOP_ERR_DAMAGED, "%s is not a well-formed age v1 file "
				"with X25519 recipients; nothing was read", what);
	case CRYPTO_ERR_PARAMS:
		return reg_fail(r, CDOP_ERR_INPUT, "%s is larger than %zu MiB, the most a "
				"sealed file may hold", what, AGE_MAX_PLAINTEXT >> 20);
	case CRYPTO_ERR_NOMEM:
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	default:
		return reg_fail(r, CDOP_ERR_INTERNAL, "%s: %s", what, crypto_strerror(c));
	}
}

/* Reads a whole regular file or pipe of at most max bytes. */
int store_file_read(struct reg *r, const char *field, const char *path, size_t max,
		    uint8_t **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *b = NULL, *nb;
	ssize_t got;
	struct stat st;
	int fd, ret = CDOP_OK;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return reg_fail_field(r, errno == ENOENT ? CDOP_ERR_NOTFOUND : CDOP_ERR_INPUT,
				      field, "cannot read '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) || S_ISDIR(st.st_mode)) {
		ret = reg_fail_field(r, CDOP_ERR_INPUT, field, "cannot read '%s': %s", path,
				     S_ISDIR(st.st_mode) ? "it is a directory" : strerror(errno));
		goto out;
	}
	for (;;) {
		if (n == cap || !b) {
			if (b)
				cap *= 2;
			nb = realloc(b, cap);
			if (!nb) {
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
				goto out;
			}
			b = nb;
		}
		got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = reg_fail_field(r, CDOP_ERR_IO, field, "cannot read '%s': %s", path,
					     strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			ret = reg_fail_field(r, CDOP_ERR_INPUT, field, "'%s' is larger than "
					     "%zu MiB", path, max >> 20);
			goto out;
		}
	}
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	close(fd);
	return ret;
}

int store_age_open_file(struct reg *r, const char *field, const char *path,
			uint8_t **out, size_t *outlen)
{
	uint8_t *in = NULL;
	size_t len = 0;
	char what[512];
	int ret;

	*out = NULL;
	*outlen = 0;
	/* The header and one tag per chunk on top of the plaintext cap. */
	ret = store_file_read(r, field, path, AGE_MAX_PLAINTEXT + AGE_MAX_PLAINTEXT / 1024 + 65536,
		       &in, &len);
	snprintf(what, sizeof what, "'%s'", path);
	if (!ret)
		ret = store_age_open(r, what, in, len, out, outlen);
	free(in);
	return ret;
}

void store_age_free(uint8_t *p, size_t len)
{
	age_free(p, len);
}

int store_age_seal(struct reg *r, const uint8_t (*pks)[STORE_AGE_KEY], size_t n,
		   const uint8_t *plain, size_t len, uint8_t **out, size_t *outlen)
{
	int c = age_encrypt(out, outlen, pks, n, plain, len);

	if (c == CRYPTO_ERR_NOMEM)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (c == CRYPTO_ERR_ARG && len > AGE_MAX_PLAINTEXT)
		return reg_fail(r, CDOP_ERR_INPUT, "more than %zu MiB to seal",
				AGE_MAX_PLAINTEXT >> 20);
	if (c)
		return reg_fail_field(r, CDOP_ERR_INPUT, "recipient", "cannot seal to "
				      "this recipient: %s", crypto_strerror(c));
	return CDOP_OK;
}

int store_seal_identifiable(struct reg *r, const uint8_t *plain, size_t len,
			    uint8_t **out, size_t *outlen)
{
	uint8_t pk[1][STORE_AGE_KEY];
	int ret = store_age_recipient(r, pk[0]);

	if (!ret)
		ret = store_age_seal(r, (const uint8_t (*)[STORE_AGE_KEY])pk, 1, plain, len,
				     out, outlen);
	return ret;
}

int store_open_identifiable(struct reg *r, const uint8_t *sealed, size_t len,
			    uint8_t **out, size_t *outlen)
{
	/* What the register itself holds under a retired recipient is no
	 * sender's to be told about: the note is for incoming files. */
	struct keyring_retired note = r->st.age_retired;
	int ret = store_age_open(r, "a sealed document in the register", sealed, len, out,
				 outlen);

	r->st.age_retired = note;
	return ret;
}
