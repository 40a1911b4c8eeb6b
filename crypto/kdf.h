#ifndef CRYPTO_KDF_H
#define CRYPTO_KDF_H
#include <stddef.h>
#include <stdint.h>

/*
 * Argon2id (libsodium crypto_pwhash, ALG_ARGON2ID13) turns a passphrase
 * into a 256-bit key-encryption key. Parameters live in each key slot and
 * are checked against fixed bounds before any memory is committed, so a
 * forged slot cannot make us allocate gigabytes or skip the work.
 */
#define KDF_SALT_BYTES 16
#define KDF_KEY_BYTES 32

/* Bounds: never cheaper than libsodium's interactive profile, never more
 * than sensitive's memory with a generous time factor. */
#define KDF_OPS_MIN 2u
#define KDF_OPS_MAX 16u
#define KDF_MEM_MIN (64ull * 1024 * 1024)
#define KDF_MEM_MAX (1024ull * 1024 * 1024)

struct kdf_params {
	uint32_t opslimit;
	uint64_t memlimit; /* bytes, a multiple of 1 KiB */
};

/* "interactive", "moderate" (the default) or "sensitive"; "test" too once
 * kdf_allow_test_profile() has been called. */
int kdf_profile(const char *name, struct kdf_params *out);
/* The name of a profile matching p exactly, or NULL. */
const char *kdf_profile_name(const struct kdf_params *p);
/* Within the bounds above, or exactly the test profile when allowed. */
int kdf_params_check(const struct kdf_params *p);
/*
 * The "test" profile (libsodium's minimum: 1 op, 8 KiB) lets a test suite
 * unlock a register in microseconds. Only the test builds call this (the
 * cdop-test binary's hooks, the unit tests); the production binary never
 * does, so it refuses to create or open a keyring with those parameters.
 */
void kdf_allow_test_profile(void);
int kdf_derive(uint8_t out[KDF_KEY_BYTES], const char *pass, size_t passlen,
	       const uint8_t salt[KDF_SALT_BYTES], const struct kdf_params *p);

#endif
