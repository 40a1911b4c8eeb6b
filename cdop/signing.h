/*
 * cdop/signing — the register's report-signing key and detached signatures
 * beside report files (crypto/sign: minisign's format).
 *
 * The Ed25519 key is derived from the master key (subkey SUBKEY_SIGN): every
 * user of a register has the same key, nothing extra is stored, and it
 * changes only with the master key. The seed is wiped as soon as the key
 * pair is made; the secret key lives in guarded memory (sign_key_wipe).
 *
 * A signature is checked with `cdop verify FILE` or, without cdop, with
 * `minisign -Vm FILE -p KEYFILE` where KEYFILE is what `cdop key show`
 * printed.
 */
#ifndef CDOP_SIGNING_H
#define CDOP_SIGNING_H

#include <stddef.h>
#include <stdio.h>

#include "crypto/sign.h"

struct reg;

/* The key pair of the open register; sign_key_wipe() it after. */
int signing_key(struct reg *r, struct sign_key *k);

/* minisign public key file text (two lines) and the key id. */
int signing_pubkey_text(struct reg *r, char *out, size_t outlen,
			char keyid[SIGN_KEYID_HEX_SIZE]);

/* The register id as lower-case hex (32 digits). */
void signing_register_id(const struct reg *r, char *out, size_t outlen);

/*
 * Signs everything left to read in fp (the written file) with trusted
 * comment tc, giving the text of PATH.minisig in *sig (malloc'ed).
 */
int signing_sign_fp(struct reg *r, const struct sign_key *k, FILE *fp, const char *tc,
		    char **sig);

/*
 * `verify FILE`: checks FILE.minisig against the register's key. On success
 * tc gets the trusted comment. A missing file or signature is
 * CDOP_ERR_NOTFOUND; a signature that does not match the file, a changed
 * trusted comment, another key or a malformed signature is CDOP_ERR_INPUT
 * (exit 1: the register is sound, the file is what is wrong), with the
 * reason in reg->err.
 */
int signing_verify_file(struct reg *r, const char *path, char *tc, size_t tclen);

#endif
