/*
 * crypto/sign — detached signatures in minisign's format (libsodium only).
 *
 * Reports are signed so that the safeguarding board can check them with the
 * stock `minisign -V` tool; nothing here needs minisign itself.
 *
 * Public key text (what `cdop key show` prints and `minisign -p` reads):
 *
 *     untrusted comment: cdop report signing key <KEYID>\n
 *     base64("Ed" || key_id[8] || ed25519_pk[32])\n
 *
 * Signature text (`FILE.minisig`), always the prehashed "ED" algorithm that
 * minisign 0.11 verifies by default:
 *
 *     untrusted comment: signature from cdop report signing key <KEYID>\n
 *     base64("ED" || key_id[8] || ed25519_sig(BLAKE2b-512(file)))\n
 *     trusted comment: <one line>\n
 *     base64(ed25519_sig(sig[64] || trusted comment bytes))\n
 *
 * key_id is the first 8 bytes of BLAKE2b-256(public key), so a given seed
 * always yields the same id and the id needs no storage of its own. <KEYID>
 * is shown as minisign shows it: the 8 bytes read as a little-endian 64-bit
 * number, in upper-case hex.
 *
 * All functions return 0 or a negative enum sign_error.
 */
#ifndef CDOP_CRYPTO_SIGN_H
#define CDOP_CRYPTO_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sodium.h>

#define SIGN_SEED_BYTES 32
#define SIGN_KEYID_BYTES 8
#define SIGN_PUBKEY_BYTES 32
#define SIGN_HASH_BYTES 64
/* 16 hex digits and a NUL. */
#define SIGN_KEYID_HEX_SIZE 17
/* Longest trusted comment we write or hand back, in bytes, without NUL.
 * minisign reads far longer ones; a report needs far less. */
#define SIGN_TRUSTED_COMMENT_MAX 1024
/* Room for sign_pubkey_base64() (56 chars) and sign_pubkey_format(). */
#define SIGN_PUBKEY_BASE64_SIZE 57
#define SIGN_PUBKEY_TEXT_SIZE 128

/* Numbered apart from enum crypto_error (crypto/error.h) so that a code
 * passed to the wrong *_strerror() reads as unknown rather than as a
 * different, wrong failure. */
enum sign_error {
	SIGN_OK = 0,
	SIGN_EINVAL = -101,      /* bad argument (NULL pointer and the like) */
	SIGN_ENOMEM = -102,      /* out of memory */
	SIGN_EIO = -103,         /* reading the data to sign or verify failed */
	SIGN_ECRYPTO = -104,     /* libsodium could not start or derive the key */
	SIGN_ECOMMENT = -105,    /* trusted comment has a line break or is too long */
	SIGN_ETOOSMALL = -106,   /* output buffer too small */
	SIGN_EPUBKEY = -107,     /* public key text malformed */
	SIGN_EFORMAT = -108,     /* signature text malformed */
	SIGN_EALGORITHM = -109,  /* signature is not the prehashed "ED" kind */
	SIGN_EKEYID = -110,      /* signed by a different key */
	SIGN_EBADSIG = -111,     /* signature does not match the data */
	SIGN_EBADCOMMENT = -112  /* trusted comment was altered */
};

const char *sign_strerror(int err);

/* A public key: enough to verify and to print. */
struct sign_pubkey {
	uint8_t key_id[SIGN_KEYID_BYTES];
	uint8_t pk[SIGN_PUBKEY_BYTES];
};

/* A key pair. sk points at crypto_sign_SECRETKEYBYTES of sodium_malloc
 * memory (guarded, read-only once made); free it with sign_key_wipe(). */
struct sign_key {
	struct sign_pubkey pub;
	unsigned char *sk;
};

#define SIGN_KEY_INIT { { { 0 }, { 0 } }, NULL }

/* Running BLAKE2b-512 of the data, for files too large to hold in memory. */
struct sign_stream {
	crypto_generichash_state state;
};

/* Derive the key pair from a 32-byte seed (subkey_derive(SUBKEY_SIGN, …)).
 * The seed is not kept: wipe it after. On failure *k is left empty (sk
 * NULL), safe to wipe. */
int sign_keypair_from_seed(struct sign_key *k, const uint8_t seed[SIGN_SEED_BYTES]);

/* Free and wipe the secret key; safe on an empty or already-wiped key. */
void sign_key_wipe(struct sign_key *k);

/* The key id as minisign prints it, e.g. "1F2E3D4C5B6A7988". */
void sign_keyid_hex(const uint8_t key_id[SIGN_KEYID_BYTES],
		    char out[SIGN_KEYID_HEX_SIZE]);

/* The bare base64 line, for `minisign -P`. */
int sign_pubkey_base64(const struct sign_pubkey *pub, char *out, size_t outlen);

/* The whole public key file text, two lines, each ending in '\n'. */
int sign_pubkey_format(const struct sign_pubkey *pub, char *out, size_t outlen);

/* Read a public key from minisign public key file text (comment line then
 * base64 line) or from the bare base64 line alone. */
int sign_pubkey_parse(struct sign_pubkey *pub, const char *text);

/* Streaming hash of the data to sign or verify. */
int sign_stream_init(struct sign_stream *s);
int sign_stream_update(struct sign_stream *s, const uint8_t *data, size_t len);
/* Feed everything left in fp, in chunks; SIGN_EIO on a read error. */
int sign_stream_update_fp(struct sign_stream *s, FILE *fp);
int sign_stream_final(struct sign_stream *s, uint8_t digest[SIGN_HASH_BYTES]);

/* Signature text over a digest from sign_stream_final(). *sig_text_out is
 * malloc()ed, NUL-terminated; the caller free()s it. trusted_comment is one
 * line of at most SIGN_TRUSTED_COMMENT_MAX bytes ("" is allowed). */
int sign_digest_sign(const struct sign_key *k, const uint8_t digest[SIGN_HASH_BYTES],
		     const char *trusted_comment, char **sig_text_out);

/* The same over bytes in memory, and over the rest of an open file. */
int sign_file_detached(const struct sign_key *k, const uint8_t *data, size_t len,
		       const char *trusted_comment, char **sig_text_out);
int sign_fp_detached(const struct sign_key *k, FILE *fp,
		     const char *trusted_comment, char **sig_text_out);

/*
 * Check sig_text against a digest: well-formed text, "ED" algorithm, the key
 * id of pub, the signature over the digest, then the signature over the
 * trusted comment. Only when all hold, and if tc_out is not NULL, the
 * trusted comment is copied to tc_out, NUL-terminated (SIGN_ETOOSMALL if it
 * does not fit; SIGN_TRUSTED_COMMENT_MAX + 1 holds any we write, minisign
 * may write longer).
 */
int sign_digest_verify(const struct sign_pubkey *pub, const uint8_t digest[SIGN_HASH_BYTES],
		       const char *sig_text, char *tc_out, size_t tc_outlen);

int sign_verify(const struct sign_pubkey *pub, const uint8_t *data, size_t len,
		const char *sig_text, char *tc_out, size_t tc_outlen);
int sign_verify_fp(const struct sign_pubkey *pub, FILE *fp,
		   const char *sig_text, char *tc_out, size_t tc_outlen);

#endif
