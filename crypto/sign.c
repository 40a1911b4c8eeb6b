/*
 * crypto/sign — minisign-format detached signatures; see sign.h for the
 * formats. Written from minisign's documented format, on libsodium alone.
 */
#include "crypto/sign.h"
#include "crypto/bytes.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIG_ALG_PREHASHED "ED"
#define PK_ALG "Ed"
#define ALG_BYTES 2
/* "ED" || key_id || signature, and "Ed" || key_id || public key. */
#define SIG_BLOB_BYTES (ALG_BYTES + SIGN_KEYID_BYTES + crypto_sign_BYTES)
#define PK_BLOB_BYTES (ALG_BYTES + SIGN_KEYID_BYTES + SIGN_PUBKEY_BYTES)
#define B64 sodium_base64_VARIANT_ORIGINAL

static const char untrusted_prefix[] = "untrusted comment: ";
static const char trusted_prefix[] = "trusted comment: ";
static const char pubkey_comment[] = "cdop report signing key ";
static const char sig_comment[] = "signature from cdop report signing key ";

const char *sign_strerror(int err)
{
	switch (err) {
	case SIGN_OK: return "success";
	case SIGN_EINVAL: return "invalid argument";
	case SIGN_ENOMEM: return "out of memory";
	case SIGN_EIO: return "cannot read the signed data";
	case SIGN_ECRYPTO: return "cryptographic library failure";
	case SIGN_ECOMMENT: return "trusted comment must be one line of at most 1024 bytes";
	case SIGN_ETOOSMALL: return "output buffer too small";
	case SIGN_EPUBKEY: return "malformed public key (expected minisign public key text)";
	case SIGN_EFORMAT: return "malformed signature (expected minisign signature text)";
	case SIGN_EALGORITHM: return "unsupported signature algorithm (expected prehashed Ed25519, \"ED\")";
	case SIGN_EKEYID: return "signature was made with a different key";
	case SIGN_EBADSIG: return "signature does not match the data";
	case SIGN_EBADCOMMENT: return "trusted comment signature does not match";
	default: return "unknown signing error";
	}
}

static int sodium_ready(void)
{
	return sodium_init() < 0 ? SIGN_ECRYPTO : SIGN_OK;
}

int sign_keypair_from_seed(struct sign_key *k, const uint8_t seed[SIGN_SEED_BYTES])
{
	unsigned char id_hash[crypto_generichash_BYTES];
	int ret;

	if (!k || !seed)
		return SIGN_EINVAL;
	k->sk = NULL;
	sodium_memzero(&k->pub, sizeof k->pub);

	ret = sodium_ready();
	if (ret < 0)
		goto out;
	k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!k->sk) {
		ret = SIGN_ENOMEM;
		goto out;
	}
	if (crypto_sign_seed_keypair(k->pub.pk, k->sk, seed) != 0) {
		ret = SIGN_ECRYPTO;
		goto out;
	}
	/* Derived rather than random (as minisign does) so the id follows
	 * from the key alone and needs no storage. */
	if (crypto_generichash(id_hash, sizeof id_hash, k->pub.pk, sizeof k->pub.pk,
			       NULL, 0) != 0) {
		ret = SIGN_ECRYPTO;
		goto out;
	}
	memcpy(k->pub.key_id, id_hash, SIGN_KEYID_BYTES);
	/* Nothing writes the secret key again; fault on a stray write. */
	(void)sodium_mprotect_readonly(k->sk);
	ret = SIGN_OK;
out:
	if (ret < 0)
		sign_key_wipe(k);
	return ret;
}

void sign_key_wipe(struct sign_key *k)
{
	if (!k)
		return;
	/* sodium_free() zeroes the region before releasing it. */
	sodium_free(k->sk);
	k->sk = NULL;
	sodium_memzero(&k->pub, sizeof k->pub);
}

void sign_keyid_hex(const uint8_t key_id[SIGN_KEYID_BYTES], char out[SIGN_KEYID_HEX_SIZE])
{
	/* minisign prints the id as a little-endian number: last byte first. */
	snprintf(out, SIGN_KEYID_HEX_SIZE, "%016" PRIX64, le64_get(key_id));
}

int sign_pubkey_base64(const struct sign_pubkey *pub, char *out, size_t outlen)
{
	uint8_t blob[PK_BLOB_BYTES];

	if (!pub || !out)
		return SIGN_EINVAL;
	if (outlen < sodium_base64_ENCODED_LEN(PK_BLOB_BYTES, B64))
		return SIGN_ETOOSMALL;
	memcpy(blob, PK_ALG, ALG_BYTES);
	memcpy(blob + ALG_BYTES, pub->key_id, SIGN_KEYID_BYTES);
	memcpy(blob + ALG_BYTES + SIGN_KEYID_BYTES, pub->pk, SIGN_PUBKEY_BYTES);
	sodium_bin2base64(out, outlen, blob, sizeof blob, B64);
	return SIGN_OK;
}

int sign_pubkey_format(const struct sign_pubkey *pub, char *out, size_t outlen)
{
	char b64[sodium_base64_ENCODED_LEN(PK_BLOB_BYTES, B64)];
	char id[SIGN_KEYID_HEX_SIZE];
	int n, ret;

	if (!pub || !out)
		return SIGN_EINVAL;
	ret = sign_pubkey_base64(pub, b64, sizeof b64);
	if (ret < 0)
		return ret;
	sign_keyid_hex(pub->key_id, id);
	n = snprintf(out, outlen, "%s%s%s\n%s\n", untrusted_prefix, pubkey_comment, id, b64);
	if (n < 0 || (size_t)n >= outlen)
		return SIGN_ETOOSMALL;
	return SIGN_OK;
}

/*
 * Take the next line of *p (without its '\n' and any trailing '\r', as
 * minisign trims them). Returns 0 at the end of the text.
 */
static int next_line(const char **p, const char **line, size_t *len)
{
	const char *s = *p, *nl;

	if (*s == '\0')
		return 0;
	nl = strchr(s, '\n');
	*line = s;
	*len = nl ? (size_t)(nl - s) : strlen(s);
	*p = nl ? nl + 1 : s + *len;
	while (*len > 0 && s[*len - 1] == '\r')
		(*len)--;
	return 1;
}

/* Whatever follows the last line may only be blank line ends. */
static int only_line_ends(const char *s)
{
	return s[strspn(s, "\r\n")] == '\0';
}

static int starts_with(const char *line, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);

	return len >= plen && memcmp(line, prefix, plen) == 0;
}

/* Decode exactly want bytes from a whole base64 line. */
static int b64_exact(uint8_t *bin, size_t want, const char *b64, size_t b64len)
{
	const char *end = NULL;
	size_t got = 0;

	if (sodium_base642bin(bin, want, b64, b64len, NULL, &got, &end, B64) != 0)
		return -1;
	if (got != want || end != b64 + b64len)
		return -1;
	return 0;
}

int sign_pubkey_parse(struct sign_pubkey *pub, const char *text)
{
	uint8_t blob[PK_BLOB_BYTES];
	const char *p = text, *line = NULL;
	size_t len = 0;
	int ret = SIGN_EPUBKEY;

	if (!pub || !text)
		return SIGN_EINVAL;
	if (!next_line(&p, &line, &len))
		goto out;
	if (starts_with(line, len, untrusted_prefix) && !next_line(&p, &line, &len))
		goto out;
	/* A key pasted on its own may carry stray blanks around it. */
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (!only_line_ends(p))
		goto out;
	if (b64_exact(blob, sizeof blob, line, len) != 0)
		goto out;
	if (memcmp(blob, PK_ALG, ALG_BYTES) != 0)
		goto out;
	memcpy(pub->key_id, blob + ALG_BYTES, SIGN_KEYID_BYTES);
	memcpy(pub->pk, blob + ALG_BYTES + SIGN_KEYID_BYTES, SIGN_PUBKEY_BYTES);
	ret = SIGN_OK;
out:
	return ret;
}

int sign_stream_init(struct sign_stream *s)
{
	int ret;

	if (!s)
		return SIGN_EINVAL;
	ret = sodium_ready();
	if (ret < 0)
		return ret;
	/* Unkeyed BLAKE2b-512: minisign's prehash. */
	if (crypto_generichash_init(&s->state, NULL, 0, SIGN_HASH_BYTES) != 0)
		return SIGN_ECRYPTO;
	return SIGN_OK;
}

int sign_stream_update(struct sign_stream *s, const uint8_t *data, size_t len)
{
	if (!s || (!data && len > 0))
		return SIGN_EINVAL;
	if (len == 0)
		return SIGN_OK;
	if (crypto_generichash_update(&s->state, data, len) != 0)
		return SIGN_ECRYPTO;
	return SIGN_OK;
}

int sign_stream_update_fp(struct sign_stream *s, FILE *fp)
{
	uint8_t buf[16384];
	size_t n;
	int ret = SIGN_OK;

	if (!s || !fp)
		return SIGN_EINVAL;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		ret = sign_stream_update(s, buf, n);
		if (ret < 0)
			goto out;
	}
	if (ferror(fp))
		ret = SIGN_EIO;
out:
	return ret;
}

int sign_stream_final(struct sign_stream *s, uint8_t digest[SIGN_HASH_BYTES])
{
	if (!s || !digest)
		return SIGN_EINVAL;
	if (crypto_generichash_final(&s->state, digest, SIGN_HASH_BYTES) != 0)
		return SIGN_ECRYPTO;
	return SIGN_OK;
}

/* minisign reads the comment back as one line, so a line break in it would
 * end the comment early and break the signature. */
static int comment_ok(const char *tc)
{
	size_t len = strlen(tc);

	return len <= SIGN_TRUSTED_COMMENT_MAX && strpbrk(tc, "\r\n") == NULL;
}

int sign_digest_sign(const struct sign_key *k, const uint8_t digest[SIGN_HASH_BYTES],
		     const char *trusted_comment, char **sig_text_out)
{
	uint8_t blob[SIG_BLOB_BYTES];
	uint8_t global_sig[crypto_sign_BYTES];
	char sig_b64[sodium_base64_ENCODED_LEN(SIG_BLOB_BYTES, B64)];
	char global_b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, B64)];
	char id[SIGN_KEYID_HEX_SIZE];
	uint8_t *signed_comment = NULL;
	char *text = NULL;
	size_t tclen, textlen;
	int n, ret;

	if (!k || !k->sk || !digest || !trusted_comment || !sig_text_out)
		return SIGN_EINVAL;
	*sig_text_out = NULL;
	if (!comment_ok(trusted_comment))
		return SIGN_ECOMMENT;
	ret = sodium_ready();
	if (ret < 0)
		goto out;

	memcpy(blob, SIG_ALG_PREHASHED, ALG_BYTES);
	memcpy(blob + ALG_BYTES, k->pub.key_id, SIGN_KEYID_BYTES);
	if (crypto_sign_detached(blob + ALG_BYTES + SIGN_KEYID_BYTES, NULL, digest,
				 SIGN_HASH_BYTES, k->sk) != 0) {
		ret = SIGN_ECRYPTO;
		goto out;
	}

	/* The global signature binds the trusted comment to this signature. */
	tclen = strlen(trusted_comment);
	signed_comment = malloc(crypto_sign_BYTES + tclen);
	if (!signed_comment) {
		ret = SIGN_ENOMEM;
		goto out;
	}
	memcpy(signed_comment, blob + ALG_BYTES + SIGN_KEYID_BYTES, crypto_sign_BYTES);
	memcpy(signed_comment + crypto_sign_BYTES, trusted_comment, tclen);
	if (crypto_sign_detached(global_sig, NULL, signed_comment, crypto_sign_BYTES + tclen,
				 k->sk) != 0) {
		ret = SIGN_ECRYPTO;
		goto out;
	}

	sodium_bin2base64(sig_b64, sizeof sig_b64, blob, sizeof blob, B64);
	sodium_bin2base64(global_b64, sizeof global_b64, global_sig, sizeof global_sig, B64);
	sign_keyid_hex(k->pub.key_id, id);

	textlen = strlen(untrusted_prefix) + strlen(sig_comment) + strlen(id) + 1 +
		  strlen(sig_b64) + 1 + strlen(trusted_prefix) + tclen + 1 +
		  strlen(global_b64) + 1 + 1;
	text = malloc(textlen);
	if (!text) {
		ret = SIGN_ENOMEM;
		goto out;
	}
	n = snprintf(text, textlen, "%s%s%s\n%s\n%s%s\n%s\n", untrusted_prefix, sig_comment,
		     id, sig_b64, trusted_prefix, trusted_comment, global_b64);
	if (n < 0 || (size_t)n >= textlen) {
		ret = SIGN_ECRYPTO; /* cannot happen: textlen counts every byte */
		goto out;
	}
	*sig_text_out = text;
	text = NULL;
	ret = SIGN_OK;
out:
	free(text);
	free(signed_comment);
	return ret;
}

/* BLAKE2b-512 of a buffer or a whole stream: what minisign's "ED" signs. */
static int digest_buffer(const uint8_t *data, size_t len, uint8_t digest[SIGN_HASH_BYTES])
{
	struct sign_stream st;
	int ret = sign_stream_init(&st);

	if (ret >= 0)
		ret = sign_stream_update(&st, data, len);
	if (ret >= 0)
		ret = sign_stream_final(&st, digest);
	return ret;
}

static int digest_fp(FILE *fp, uint8_t digest[SIGN_HASH_BYTES])
{
	struct sign_stream st;
	int ret = sign_stream_init(&st);

	if (ret >= 0)
		ret = sign_stream_update_fp(&st, fp);
	if (ret >= 0)
		ret = sign_stream_final(&st, digest);
	return ret;
}

int sign_file_detached(const struct sign_key *k, const uint8_t *data, size_t len,
		       const char *trusted_comment, char **sig_text_out)
{
	uint8_t digest[SIGN_HASH_BYTES];
	int ret = digest_buffer(data, len, digest);

	return ret < 0 ? ret : sign_digest_sign(k, digest, trusted_comment, sig_text_out);
}

int sign_fp_detached(const struct sign_key *k, FILE *fp, const char *trusted_comment,
		     char **sig_text_out)
{
	uint8_t digest[SIGN_HASH_BYTES];
	int ret = digest_fp(fp, digest);

	return ret < 0 ? ret : sign_digest_sign(k, digest, trusted_comment, sig_text_out);
}

int sign_digest_verify(const struct sign_pubkey *pub, const uint8_t digest[SIGN_HASH_BYTES],
		       const char *sig_text, char *tc_out, size_t tc_outlen)
{
	uint8_t blob[SIG_BLOB_BYTES];
	uint8_t global_sig[crypto_sign_BYTES];
	const uint8_t *sig = blob + ALG_BYTES + SIGN_KEYID_BYTES;
	const char *p = sig_text, *line = NULL, *tc = NULL;
	uint8_t *signed_comment = NULL;
	size_t len = 0, tclen = 0;
	int ret;

	if (!pub || !digest || !sig_text || (!tc_out && tc_outlen > 0))
		return SIGN_EINVAL;
	ret = sodium_ready();
	if (ret < 0)
		goto out;

	ret = SIGN_EFORMAT;
	if (!next_line(&p, &line, &len) || !starts_with(line, len, untrusted_prefix))
		goto out;
	if (!next_line(&p, &line, &len) || b64_exact(blob, sizeof blob, line, len) != 0)
		goto out;
	if (!next_line(&p, &line, &len) || !starts_with(line, len, trusted_prefix))
		goto out;
	tc = line + strlen(trusted_prefix);
	tclen = len - strlen(trusted_prefix);
	if (!next_line(&p, &line, &len) ||
	    b64_exact(global_sig, sizeof global_sig, line, len) != 0)
		goto out;
	if (!only_line_ends(p))
		goto out;

	/* Legacy "Ed" signs the whole file; 0.11 no longer checks those by
	 * default and we never make them. */
	if (memcmp(blob, SIG_ALG_PREHASHED, ALG_BYTES) != 0) {
		ret = SIGN_EALGORITHM;
		goto out;
	}
	if (sodium_memcmp(blob + ALG_BYTES, pub->key_id, SIGN_KEYID_BYTES) != 0) {
		ret = SIGN_EKEYID;
		goto out;
	}
	if (crypto_sign_verify_detached(sig, digest, SIGN_HASH_BYTES, pub->pk) != 0) {
		ret = SIGN_EBADSIG;
		goto out;
	}
	signed_comment = malloc(crypto_sign_BYTES + tclen);
	if (!signed_comment) {
		ret = SIGN_ENOMEM;
		goto out;
	}
	memcpy(signed_comment, sig, crypto_sign_BYTES);
	memcpy(signed_comment + crypto_sign_BYTES, tc, tclen);
	if (crypto_sign_verify_detached(global_sig, signed_comment, crypto_sign_BYTES + tclen,
					pub->pk) != 0) {
		ret = SIGN_EBADCOMMENT;
		goto out;
	}
	if (tc_out) {
		if (tclen >= tc_outlen) {
			ret = SIGN_ETOOSMALL;
			goto out;
		}
		memcpy(tc_out, tc, tclen);
		tc_out[tclen] = '\0';
	}
	ret = SIGN_OK;
out:
	free(signed_comment);
	return ret;
}

int sign_verify(const struct sign_pubkey *pub, const uint8_t *data, size_t len,
		const char *sig_text, char *tc_out, size_t tc_outlen)
{
	uint8_t digest[SIGN_HASH_BYTES];
	int ret = digest_buffer(data, len, digest);

	return ret < 0 ? ret : sign_digest_verify(pub, digest, sig_text, tc_out, tc_outlen);
}

int sign_verify_fp(const struct sign_pubkey *pub, FILE *fp, const char *sig_text,
		   char *tc_out, size_t tc_outlen)
{
	uint8_t digest[SIGN_HASH_BYTES];
	int ret = digest_fp(fp, digest);

	return ret < 0 ? ret : sign_digest_verify(pub, digest, sig_text, tc_out, tc_outlen);
}
