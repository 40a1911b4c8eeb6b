#include "crypto/kdf.h"
#include "crypto/error.h"

#include <sodium.h>
#include <string.h>

static const struct {
	const char *name;
	uint32_t ops;
	uint64_t mem;
} profiles[] = {
	{ "interactive", 2, 64ull * 1024 * 1024 },
	{ "moderate", 3, 256ull * 1024 * 1024 },
	{ "sensitive", 4, 1024ull * 1024 * 1024 },
};

/* Below the bounds on purpose: see kdf_allow_test_profile(). */
static const struct kdf_params test_profile = {
	crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN
};
static int test_profile_allowed;

void kdf_allow_test_profile(void)
{
	test_profile_allowed = 1;
}

static int is_test_profile(const struct kdf_params *p)
{
	return test_profile_allowed && p->opslimit == test_profile.opslimit &&
	       p->memlimit == test_profile.memlimit;
}

int kdf_profile(const char *name, struct kdf_params *out)
{
	size_t i;

	for (i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
		if (name && !strcmp(name, profiles[i].name)) {
			out->opslimit = profiles[i].ops;
			out->memlimit = profiles[i].mem;
			return CRYPTO_OK;
		}
	}
	if (test_profile_allowed && name && !strcmp(name, "test")) {
		*out = test_profile;
		return CRYPTO_OK;
	}
	return CRYPTO_ERR_ARG;
}

const char *kdf_profile_name(const struct kdf_params *p)
{
	size_t i;

	for (i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
		if (p->opslimit == profiles[i].ops && p->memlimit == profiles[i].mem)
			return profiles[i].name;
	return is_test_profile(p) ? "test" : NULL;
}

int kdf_params_check(const struct kdf_params *p)
{
	if (is_test_profile(p))
		return CRYPTO_OK;
	if (p->opslimit < KDF_OPS_MIN || p->opslimit > KDF_OPS_MAX)
		return CRYPTO_ERR_PARAMS;
	if (p->memlimit < KDF_MEM_MIN || p->memlimit > KDF_MEM_MAX)
		return CRYPTO_ERR_PARAMS;
	if (p->memlimit % 1024)
		return CRYPTO_ERR_PARAMS;
	return CRYPTO_OK;
}

int kdf_derive(uint8_t out[KDF_KEY_BYTES], const char *pass, size_t passlen,
	       const uint8_t salt[KDF_SALT_BYTES], const struct kdf_params *p)
{
	int ret = kdf_params_check(p);

	if (ret)
		return ret;
	if (crypto_pwhash(out, KDF_KEY_BYTES, pass, passlen, salt, p->opslimit,
			  (size_t)p->memlimit, crypto_pwhash_ALG_ARGON2ID13)) {
		sodium_memzero(out, KDF_KEY_BYTES);
		return CRYPTO_ERR_NOMEM;
	}
	return CRYPTO_OK;
}
