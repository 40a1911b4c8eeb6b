/*
 * cdop/signing — the register's report-signing key; see signing.h.
 */
#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/secure.h"
#include "crypto/subkey.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A .minisig is four short lines; anything much bigger is not one. */
#define SIG_FILE_MAX 8192

static int sign_fail(struct reg *r, int err, const char *what)
{
	return reg_fail(r, err == SIGN_ENOMEM ? CDOP_ERR_NOMEM : CDOP_ERR_INTERNAL,
			"%s: %s", what, sign_strerror(err));
}

/* The register's report key was retired (the admin disabled a user who
 * held it, or converted the keyring) and no manager has unlocked since to
 * make the new one (keys.c): nothing signs or is shown with it. */
static int report_key_retiring(struct reg *r, int code, const char *then)
{
	const struct keyring_retired *t =
		keyring2_retired_find(&r->st.kr, RETIRED_REPORT, r->st.kr.report_pk);
	char when[21];

	if (!t)
		return CDOP_OK;
	keys_retired_when(t, when);
	return reg_fail(r, code, "the report-signing key was retired at %s (a user who "
			"held it was disabled, or the keyring was converted): the new "
			"key is made at the next unlock by a manager; %s", when, then);
}

static void pub_from_pk(struct sign_pubkey *pub, const uint8_t pk[SIGN_PUBKEY_BYTES])
{
	uint8_t h[32];

	memcpy(pub->pk, pk, SIGN_PUBKEY_BYTES);
	crypto_generichash(h, sizeof h, pub->pk, SIGN_PUBKEY_BYTES, NULL, 0);
	memcpy(pub->key_id, h, SIGN_KEYID_BYTES);
}

int signing_key(struct reg *r, struct sign_key *k)
{
	uint8_t seed[SUBKEY_BYTES];
	int ret;

	*k = (struct sign_key)SIGN_KEY_INIT;
	if (r->st.kr.version == KEYRING_VERSION2 && r->st.ks) {
		/* Keys by role: the report key is granted to managers and
		 * analysts only (keys.c). */
		if (!(r->st.ks->have & KEYSET_REPORT))
			return reg_fail(r, CDOP_ERR_ACCESS, "the report-signing key is "
					"held by the manager and analyst roles only%s",
					!sodium_is_zero(r->st.kr.report_pk, 32) ? "" : " (and is made when a "
					"manager first unlocks the register)");
		if ((ret = report_key_retiring(r, CDOP_ERR_CONFLICT, "sign after that")))
			return ret;
		crypto_sign_ed25519_sk_to_seed(seed, r->st.ks->report_sk);
		ret = sign_keypair_from_seed(k, seed);
		secure_wipe(seed, sizeof seed);
		return ret ? sign_fail(r, ret, "report signing key") : CDOP_OK;
	}
	if (!r->st.master)
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "report signing: register is not open");
	else if ((ret = subkey_derive(seed, SUBKEY_SIGN, r->st.master)) != 0)
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "cannot derive the report signing key");
	else if ((ret = sign_keypair_from_seed(k, seed)) != SIGN_OK)
		ret = sign_fail(r, ret, "report signing key");
	secure_wipe(seed, sizeof seed);
	return ret;
}

/* The public half, for any role: v2 keeps it in the keyring's manager
 * record; v1 derives it. */
static int signing_pub(struct reg *r, struct sign_key *k)
{
	if (r->st.kr.version != KEYRING_VERSION2 || !r->st.ks)
		return signing_key(r, k);
	*k = (struct sign_key)SIGN_KEY_INIT;
	if (sodium_is_zero(r->st.kr.report_pk, SIGN_PUBKEY_BYTES))
		return reg_fail(r, CDOP_ERR_NOTFOUND, "this register has no report-signing "
				"key yet: it is made when a manager first unlocks the "
				"register");
	pub_from_pk(&k->pub, r->st.kr.report_pk);
	return CDOP_OK;
}

int signing_pubkey_text(struct reg *r, char *out, size_t outlen,
			char keyid[SIGN_KEYID_HEX_SIZE])
{
	struct sign_key k = SIGN_KEY_INIT;
	int ret = signing_pub(r, &k);

	if (!ret && r->st.kr.version == KEYRING_VERSION2)
		ret = report_key_retiring(r, CDOP_ERR_NOTFOUND, "'cdop key show' prints it then");
	if (ret)
		goto out;
	ret = sign_pubkey_format(&k.pub, out, outlen);
	if (ret) {
		ret = sign_fail(r, ret, "report signing key");
		goto out;
	}
	if (keyid)
		sign_keyid_hex(k.pub.key_id, keyid);
out:
	sign_key_wipe(&k);
	return ret;
}

void signing_register_id(const struct reg *r, char *out, size_t outlen)
{
	size_t n = outlen ? (outlen - 1) / 2 : 0;

	if (outlen)
		sodium_bin2hex(out, outlen, r->st.kr.register_id,
			       n < KEYRING_ID_BYTES ? n : KEYRING_ID_BYTES);
}

int signing_sign_fp(struct reg *r, const struct sign_key *k, FILE *fp, const char *tc,
		    char **sig)
{
	int ret = sign_fp_detached(k, fp, tc, sig);

	if (ret == SIGN_EIO)
		ret = reg_fail(r, CDOP_ERR_IO, "cannot read the report back to sign it: %s",
			       strerror(errno));
	else if (ret)
		ret = sign_fail(r, ret, "signing the report");
	return ret;
}

/* The whole of a small file, NUL-terminated. */
static int read_sig(struct reg *r, const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;
	int ret = CDOP_OK;

	*out = NULL;
	if (!f) {
		ret = errno == ENOENT ?
			reg_fail(r, CDOP_ERR_NOTFOUND, "no signature '%s': reports are signed "
				 "into FILE.minisig beside them; keep the two together", path) :
			reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	buf = malloc(SIG_FILE_MAX + 1);
	if (!buf) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	n = fread(buf, 1, SIG_FILE_MAX + 1, f);
	if (ferror(f))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	else if (n > SIG_FILE_MAX || memchr(buf, 0, n))
		ret = reg_fail(r, CDOP_ERR_INPUT, "'%s' is not a minisign signature file", path);
out:
	if (f)
		fclose(f);
	if (ret) {
		free(buf);
	} else {
		buf[n] = 0;
		*out = buf;
	}
	return ret;
}

static int verify_fail(struct reg *r, int err, const char *path, const char *sigpath)
{
	int ret;

	switch (err) {
	case SIGN_EFORMAT:
	case SIGN_EALGORITHM:
		ret = reg_fail(r, CDOP_ERR_INPUT, "'%s' is not a valid signature: %s",
			       sigpath, sign_strerror(err));
		break;
	case SIGN_EKEYID:
		ret = reg_fail(r, CDOP_ERR_INPUT, "'%s' was signed with another key, not "
			       "this register's (see 'cdop key show')", sigpath);
		break;
	case SIGN_EBADSIG:
		ret = reg_fail(r, CDOP_ERR_INPUT, "'%s' does not match its signature '%s': "
			       "the file has been changed since it was signed", path, sigpath);
		break;
	case SIGN_EBADCOMMENT:
		ret = reg_fail(r, CDOP_ERR_INPUT, "'%s': the trusted comment has been "
			       "changed since it was signed", sigpath);
		break;
	case SIGN_ETOOSMALL:
		ret = reg_fail(r, CDOP_ERR_INPUT, "'%s': the trusted comment is longer than "
			       "cdop writes (%d bytes)", sigpath, SIGN_TRUSTED_COMMENT_MAX);
		break;
	case SIGN_EIO:
		ret = reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
		break;
	default:
		ret = sign_fail(r, err, "verifying the signature");
	}
	return ret;
}

/*
 * FILE was checked against the register's current report key (first: OK or
 * another key id). A key the admin retired (keys.c) is one whoever held it
 * may still sign with, and its signatures carry no time anyone can trust:
 * one made with it is refused, naming the key and when it was retired, and
 * how to check a report signed before then (docs/security.md §15) — unless
 * any_key (a witness: a forged one can only claim a head the trail lacks).
 */
static int verify_retired(struct reg *r, FILE *f, const char *sig, char *tc, size_t tclen,
			  int first, int any_key, const char *path, const char *sigpath)
{
	const struct keyring *kr = &r->st.kr;
	const struct keyring_retired *t = NULL;
	struct sign_pubkey pub;
	char when[21], id[SIGN_KEYID_HEX_SIZE];
	size_t i;
	int ret = first;

	if (kr->version != KEYRING_VERSION2 || !r->st.ks)
		return first ? verify_fail(r, first, path, sigpath) : CDOP_OK;
	if (first == SIGN_OK)
		t = keyring2_retired_find(kr, RETIRED_REPORT, kr->report_pk);
	for (i = 0; first == SIGN_EKEYID && i < kr->nretired; i++) {
		if (kr->retired[i].kind != RETIRED_REPORT ||
		    !memcmp(kr->retired[i].pk, kr->report_pk, SIGN_PUBKEY_BYTES))
			continue;
		pub_from_pk(&pub, kr->retired[i].pk);
		rewind(f);
		ret = sign_verify_fp(&pub, f, sig, tc, tclen);
		if (ret == SIGN_EKEYID)
			continue;
		if (ret)
			return verify_fail(r, ret, path, sigpath);
		t = &kr->retired[i];
		break;
	}
	if (ret)
		return verify_fail(r, ret, path, sigpath);
	if (!t || any_key)
		return CDOP_OK;
	pub_from_pk(&pub, t->pk);
	sign_keyid_hex(pub.key_id, id);
	keys_retired_when(t, when);
	if (tclen)
		*tc = 0;
	return reg_fail(r, CDOP_ERR_INPUT, "'%s' was signed with this register's retired "
			"report key %s, retired at %s when a user who held it was "
			"disabled (or the keyring converted): whoever held it may still "
			"sign with it, so the signature is not taken as this "
			"register's. A report signed before then verifies with the "
			"public key published then: 'cdop verify --key OLD.pub FILE'",
			sigpath, id, when);
}

/* FILE against FILE.minisig with pub (the register's key when NULL; any_key:
 * a retired one too). */
static int verify_with(struct reg *r, const char *path, const struct sign_pubkey *pub,
		       const char *keyfile, char *tc, size_t tclen, int any_key)
{
	struct sign_key k = SIGN_KEY_INIT;
	struct stat st;
	char *sigpath = NULL, *sig = NULL;
	FILE *f = NULL;
	size_t n = strlen(path);
	int ret, mine;

	if (stat(path, &st)) {
		ret = errno == ENOENT ?
			reg_fail(r, CDOP_ERR_NOTFOUND, "no file '%s' to verify", path) :
			reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = reg_fail(r, CDOP_ERR_INPUT, "'%s' is not a file; give the report "
			       "file to verify", path);
		goto out;
	}
	sigpath = malloc(n + sizeof ".minisig");
	if (!sigpath) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(sigpath, path, n);
	memcpy(sigpath + n, ".minisig", sizeof ".minisig");
	ret = read_sig(r, sigpath, &sig);
	if (ret)
		goto out;
	mine = !pub;
	if (!pub) {
		ret = signing_pub(r, &k);
		if (ret)
			goto out;
		pub = &k.pub;
	}
	f = fopen(path, "rb");
	if (!f) {
		ret = reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	ret = sign_verify_fp(pub, f, sig, tc, tclen);
	if (mine && (ret == SIGN_OK || ret == SIGN_EKEYID))
		ret = verify_retired(r, f, sig, tc, tclen, ret, any_key, path, sigpath);
	else if (ret == SIGN_EKEYID && keyfile)
		ret = reg_fail(r, CDOP_ERR_INPUT, "'%s' was signed with another key, not "
			       "the one in '%s'", sigpath, keyfile);
	else if (ret)
		ret = verify_fail(r, ret, path, sigpath);
out:
	if (f)
		fclose(f);
	sign_key_wipe(&k);
	free(sig);
	free(sigpath);
	return ret;
}

int signing_verify_file(struct reg *r, const char *path, char *tc, size_t tclen)
{
	return verify_with(r, path, NULL, NULL, tc, tclen, 0);
}

int signing_verify_file_any(struct reg *r, const char *path, char *tc, size_t tclen)
{
	return verify_with(r, path, NULL, NULL, tc, tclen, 1);
}

int signing_verify_file_key(struct reg *r, const char *path, const char *keyfile,
			    char *tc, size_t tclen)
{
	struct sign_pubkey pub;
	struct stat st;
	char *text = NULL;
	int ret;

	if (stat(keyfile, &st))
		return reg_fail_field(r, errno == ENOENT ? CDOP_ERR_NOTFOUND : CDOP_ERR_IO,
				      "key", "cannot read '%s': %s", keyfile, strerror(errno));
	/* read_sig reads any small text file. */
	ret = read_sig(r, keyfile, &text);
	if (ret)
		return ret == CDOP_ERR_INPUT ? reg_fail_field(r, CDOP_ERR_INPUT, "key",
			"'%s' is not a minisign public key file (as 'cdop key show' "
			"prints)", keyfile) : ret;
	if (sign_pubkey_parse(&pub, text))
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "key", "'%s' is not a minisign "
				     "public key (as 'cdop key show' prints)", keyfile);
	free(text);
	return ret ? ret : verify_with(r, path, &pub, keyfile, tc, tclen, 0);
}
