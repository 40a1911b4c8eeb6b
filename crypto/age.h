#ifndef CRYPTO_AGE_H
#define CRYPTO_AGE_H
#include <stddef.h>
#include <stdint.h>

/*
 * age v1 files (c2sp.org/age) with X25519 recipients, on libsodium only:
 * the files the stock `age` tool reads and writes.
 *
 * In memory, with a size cap: a whole file is read, every stanza, the
 * header MAC and every payload chunk up to the final one are verified, and
 * only then is the plaintext handed back, so no caller ever sees a byte of
 * a file that turns out to be truncated or altered. AGE_MAX_PLAINTEXT
 * bounds what one file may carry (a whole register's export, a case with
 * its documents); a larger file is refused (CRYPTO_ERR_PARAMS).
 *
 * What the reader refuses, as the spec says: a version line other than
 * "age-encryption.org/v1"; a stanza without arguments, with an empty
 * argument or a character outside VCHAR; a body line longer than 64
 * columns or a body without a final short line; base64 that is not
 * canonical, padded, or wraps at other than 64 columns; a CR anywhere in
 * the header; an X25519 stanza with other than two arguments, an ephemeral
 * share that is not 32 bytes, or a body that is not 32 bytes; a low-order
 * share (all-zero shared secret); an scrypt stanza beside any other; a
 * header MAC that does not match; a payload without its nonce, a chunk
 * that does not authenticate, a final chunk that is empty (unless the
 * whole payload is), data after the final chunk, and a file that ends
 * before its final chunk.
 *
 * Errors: CRYPTO_ERR_FORMAT (not an age file, or malformed / non-canonical
 * header), CRYPTO_ERR_AUTH (no stanza for this identity: a file for another
 * recipient), CRYPTO_ERR_TAMPER (header MAC or a payload chunk failed:
 * altered or truncated), CRYPTO_ERR_PARAMS (over the size cap),
 * CRYPTO_ERR_NOMEM, CRYPTO_ERR_ARG.
 */

#define AGE_KEY_BYTES 32 /* an X25519 public or secret key */
#define AGE_FILE_KEY_BYTES 16
#define AGE_CHUNK 65536
#define AGE_MAX_PLAINTEXT ((size_t)256 << 20)
/* "age1" + 52 data characters + 6 checksum; "AGE-SECRET-KEY-1" + 58. */
#define AGE_RECIPIENT_LEN 62
#define AGE_IDENTITY_LEN 74
#define AGE_MAX_RECIPIENTS 64

/* "age1…" for a public key; out has at least AGE_RECIPIENT_LEN + 1 bytes. */
void age_recipient_encode(char out[AGE_RECIPIENT_LEN + 1],
			  const uint8_t pk[AGE_KEY_BYTES]);
/* Parses an `age1…` recipient (lowercase Bech32, valid checksum, a
 * 32-byte key, zero padding bits); CRYPTO_ERR_FORMAT otherwise. */
int age_recipient_parse(uint8_t pk[AGE_KEY_BYTES], const char *s);

/* "AGE-SECRET-KEY-1…" for a secret key (uppercase, as age-keygen writes). */
void age_identity_encode(char out[AGE_IDENTITY_LEN + 1],
			 const uint8_t sk[AGE_KEY_BYTES]);
int age_identity_parse(uint8_t sk[AGE_KEY_BYTES], const char *s);

/* The recipient of an identity: X25519(sk, basepoint). */
int age_public_key(uint8_t pk[AGE_KEY_BYTES], const uint8_t sk[AGE_KEY_BYTES]);

/* Whether buf starts like an age file ("age-encryption.org/"); a plain
 * file can then be told from a sealed one without decrypting. */
int age_is_age(const uint8_t *buf, size_t len);

/*
 * Encrypts in[0..inlen) to npk recipients (1..AGE_MAX_RECIPIENTS). *out is
 * malloc'd (free it with free(); it holds only ciphertext).
 */
int age_encrypt(uint8_t **out, size_t *outlen,
		const uint8_t (*pks)[AGE_KEY_BYTES], size_t npk,
		const uint8_t *in, size_t inlen);

/*
 * Decrypts a whole age file with one X25519 identity. On success *out
 * (malloc'd, one spare NUL byte after *outlen so text can be parsed in
 * place) holds the verified plaintext: release it with age_free. On any
 * failure *out is NULL and nothing was revealed.
 */
int age_decrypt(uint8_t **out, size_t *outlen, const uint8_t sk[AGE_KEY_BYTES],
		const uint8_t *in, size_t inlen);

/* Wipes and frees a plaintext from age_decrypt; safe on NULL. */
void age_free(uint8_t *p, size_t len);

/* HKDF-SHA-256 (RFC 5869) with a 32-byte output, built on libsodium's
 * HMAC-SHA-256 (1.0.18 has no HKDF). Exposed for the tests. */
void age_hkdf_sha256(uint8_t out[32], const uint8_t *ikm, size_t ikmlen,
		     const uint8_t *salt, size_t saltlen, const char *info);

#endif
