/*
 * crypto/kdf (Argon2id profiles, bounds, derivation), crypto/subkey and
 * crypto/secure. Derivations use the "interactive" profile, the cheapest
 * the bounds allow; there are five of them in this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "crypto/error.h"
#include "crypto/kdf.h"
#include "crypto/secure.h"
#include "crypto/subkey.h"
#include "support.h"

#define MIB (1024ull * 1024)

static int setup(void **state)
{
	(void)state;
	return crypto_init() == CRYPTO_OK ? 0 : -1;
}

/* ---- profiles -------------------------------------------------------------- */

static void test_profiles(void **state)
{
	struct kdf_params p;

	(void)state;
	assert_int_equal(kdf_profile("interactive", &p), CRYPTO_OK);
	assert_int_equal(p.opslimit, 2);
	assert_int_equal(p.memlimit, 64 * MIB);
	assert_string_equal(kdf_profile_name(&p), "interactive");
	assert_int_equal(kdf_params_check(&p), CRYPTO_OK);

	assert_int_equal(kdf_profile("moderate", &p), CRYPTO_OK);
	assert_int_equal(p.opslimit, 3);
	assert_int_equal(p.memlimit, 256 * MIB);
	assert_string_equal(kdf_profile_name(&p), "moderate");
	assert_int_equal(kdf_params_check(&p), CRYPTO_OK);

	assert_int_equal(kdf_profile("sensitive", &p), CRYPTO_OK);
	assert_int_equal(p.opslimit, 4);
	assert_int_equal(p.memlimit, 1024 * MIB);
	assert_string_equal(kdf_profile_name(&p), "sensitive");
	assert_int_equal(kdf_params_check(&p), CRYPTO_OK);
}

static void test_profile_unknown(void **state)
{
	static const char *const bad[] = { "fast", "", "Interactive", "MODERATE",
					   "interactive ", "sensitive2", "min" };
	struct kdf_params p = { 77, 77 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(kdf_profile(bad[i], &p), CRYPTO_ERR_ARG);
		/* out is left alone on failure */
		assert_int_equal(p.opslimit, 77);
		assert_int_equal(p.memlimit, 77);
	}
	assert_int_equal(kdf_profile(NULL, &p), CRYPTO_ERR_ARG);
}

static void test_profile_name_no_match(void **state)
{
	struct kdf_params p = { 2, 128 * MIB };

	(void)state;
	assert_null(kdf_profile_name(&p));
	p.opslimit = 5;
	p.memlimit = 64 * MIB;
	assert_null(kdf_profile_name(&p));
}

/* The bounds are never cheaper than libsodium's own interactive profile. */
static void test_bounds_not_below_libsodium(void **state)
{
	(void)state;
	assert_true(KDF_OPS_MIN >= crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
	assert_true(KDF_MEM_MIN >= crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
	assert_true(KDF_OPS_MAX <= crypto_pwhash_argon2id_OPSLIMIT_MAX);
	assert_true(KDF_MEM_MAX % 1024 == 0 && KDF_MEM_MIN % 1024 == 0);
}

/* ---- bounds ------------------------------------------------------------------ */

static void test_params_check_bounds(void **state)
{
	static const struct {
		uint32_t ops;
		uint64_t mem;
		int want;
	} cases[] = {
		/* edges that are inside */
		{ KDF_OPS_MIN, KDF_MEM_MIN, CRYPTO_OK },
		{ KDF_OPS_MAX, KDF_MEM_MIN, CRYPTO_OK },
		{ KDF_OPS_MIN, KDF_MEM_MAX, CRYPTO_OK },
		{ KDF_OPS_MAX, KDF_MEM_MAX, CRYPTO_OK },
		{ 3, KDF_MEM_MIN + 1024, CRYPTO_OK },
		/* ops below the minimum, above the maximum */
		{ 0, KDF_MEM_MIN, CRYPTO_ERR_PARAMS },
		{ KDF_OPS_MIN - 1, KDF_MEM_MIN, CRYPTO_ERR_PARAMS },
		{ KDF_OPS_MAX + 1, KDF_MEM_MIN, CRYPTO_ERR_PARAMS },
		{ UINT32_MAX, KDF_MEM_MIN, CRYPTO_ERR_PARAMS },
		/* memory below the minimum, above the maximum */
		{ KDF_OPS_MIN, 0, CRYPTO_ERR_PARAMS },
		{ KDF_OPS_MIN, KDF_MEM_MIN - 1024, CRYPTO_ERR_PARAMS },
		{ KDF_OPS_MIN, KDF_MEM_MIN - 1, CRYPTO_ERR_PARAMS },
		{ KDF_OPS_MIN, KDF_MEM_MAX + 1024, CRYPTO_ERR_PARAMS },
		{ KDF_OPS_MIN, KDF_MEM_MAX * 2, CRYPTO_ERR_PARAMS },
		{ KDF_OPS_MIN, UINT64_MAX, CRYPTO_ERR_PARAMS },
		/* the 32-bit truncation of 4 GiB + 64 MiB is in bounds; the
		 * value itself is not */
		{ KDF_OPS_MIN, (1ull << 32) + KDF_MEM_MIN, CRYPTO_ERR_PARAMS },
		/* memory not a multiple of 1 KiB */
		{ KDF_OPS_MIN, KDF_MEM_MIN + 1, CRYPTO_ERR_PARAMS },
		{ KDF_OPS_MIN, KDF_MEM_MIN + 512, CRYPTO_ERR_PARAMS },
		{ KDF_OPS_MIN, KDF_MEM_MAX - 1, CRYPTO_ERR_PARAMS },
		/* both wrong */
		{ 1, 1, CRYPTO_ERR_PARAMS },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct kdf_params p;

		p.opslimit = cases[i].ops;
		p.memlimit = cases[i].mem;
		if (kdf_params_check(&p) != cases[i].want)
			fail_msg("case %zu: ops %u mem %llu: got %d, want %d", i,
				 (unsigned)p.opslimit, (unsigned long long)p.memlimit,
				 kdf_params_check(&p), cases[i].want);
	}
}

/* ---- derivation ------------------------------------------------------------- */

static void test_derive_deterministic_and_distinct(void **state)
{
	static const char pass[] = "correct horse battery staple";
	uint8_t salt[KDF_SALT_BYTES], salt2[KDF_SALT_BYTES];
	uint8_t a[KDF_KEY_BYTES], b[KDF_KEY_BYTES], c[KDF_KEY_BYTES],
		d[KDF_KEY_BYTES], ref[KDF_KEY_BYTES];
	struct kdf_params p;

	(void)state;
	memset(salt, 0x5a, sizeof salt);
	memcpy(salt2, salt, sizeof salt);
	salt2[KDF_SALT_BYTES - 1] ^= 1;
	assert_int_equal(kdf_profile("interactive", &p), CRYPTO_OK);

	assert_int_equal(kdf_derive(a, pass, strlen(pass), salt, &p), CRYPTO_OK);
	assert_int_equal(kdf_derive(b, pass, strlen(pass), salt, &p), CRYPTO_OK);
	assert_memory_equal(a, b, KDF_KEY_BYTES);
	assert_false(t_all_zero(a, sizeof a));

	/* One salt bit, one passphrase byte: different keys. */
	assert_int_equal(kdf_derive(c, pass, strlen(pass), salt2, &p), CRYPTO_OK);
	assert_memory_not_equal(a, c, KDF_KEY_BYTES);
	assert_int_equal(kdf_derive(d, pass, strlen(pass) - 1, salt, &p), CRYPTO_OK);
	assert_memory_not_equal(a, d, KDF_KEY_BYTES);

	/* It is Argon2id v1.3 with exactly these parameters (a file format). */
	assert_int_equal(crypto_pwhash(ref, sizeof ref, pass, strlen(pass), salt,
				       p.opslimit, (size_t)p.memlimit,
				       crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_memory_equal(a, ref, KDF_KEY_BYTES);
}

/*
 * Out-of-bounds parameters are refused before Argon2 runs: each of these
 * would either succeed (ops 1 is legal for libsodium) or fail differently
 * (NOMEM for terabytes) if the derivation were attempted, and out would
 * be written.
 */
static void test_derive_refuses_out_of_bounds(void **state)
{
	static const struct kdf_params bad[] = {
		{ 1, 64ull * 1024 * 1024 },
		{ 2, 8ull * 1024 * 1024 },
		{ 2, 1ull << 42 },
		{ 1000000, 64ull * 1024 * 1024 },
		{ 2, 64ull * 1024 * 1024 + 1 },
	};
	uint8_t salt[KDF_SALT_BYTES] = { 0 }, out[KDF_KEY_BYTES], canary[KDF_KEY_BYTES];
	size_t i;

	(void)state;
	memset(canary, 0xa5, sizeof canary);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memcpy(out, canary, sizeof out);
		assert_int_equal(kdf_derive(out, "x", 1, salt, &bad[i]), CRYPTO_ERR_PARAMS);
		assert_memory_equal(out, canary, sizeof out);
	}
}

/* ---- subkeys ------------------------------------------------------------------ */

static void test_subkeys(void **state)
{
	static const enum subkey_id ids[] = {
		SUBKEY_DATABASE, SUBKEY_AUDIT, SUBKEY_SIGN, SUBKEY_BACKUP,
		SUBKEY_KEYRING_MAC, SUBKEY_FAILBOX, SUBKEY_FILE_MAC,
	};
	enum { N = sizeof ids / sizeof ids[0] };
	uint8_t master[MASTER_KEY_BYTES], master2[MASTER_KEY_BYTES];
	uint8_t k[N][SUBKEY_BYTES], again[SUBKEY_BYTES], ref[SUBKEY_BYTES];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof master; i++)
		master[i] = (uint8_t)i;
	memcpy(master2, master, sizeof master);
	master2[0] ^= 1;
	for (i = 0; i < N; i++) {
		assert_int_equal(subkey_derive(k[i], ids[i], master), CRYPTO_OK);
		assert_int_equal(subkey_derive(again, ids[i], master), CRYPTO_OK);
		assert_memory_equal(k[i], again, SUBKEY_BYTES);
		/* libsodium crypto_kdf, context "cdop-reg", id as the subkey id */
		assert_int_equal(crypto_kdf_derive_from_key(ref, sizeof ref, (uint64_t)ids[i],
							    "cdop-reg", master), 0);
		assert_memory_equal(k[i], ref, SUBKEY_BYTES);
		assert_int_equal(subkey_derive(again, ids[i], master2), CRYPTO_OK);
		assert_memory_not_equal(k[i], again, SUBKEY_BYTES);
		assert_memory_not_equal(k[i], master, SUBKEY_BYTES);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(k[i], k[j], SUBKEY_BYTES);
	}
	/* The ids are part of the file formats. */
	assert_int_equal(SUBKEY_DATABASE, 1);
	assert_int_equal(SUBKEY_AUDIT, 2);
	assert_int_equal(SUBKEY_SIGN, 3);
	assert_int_equal(SUBKEY_BACKUP, 4);
	assert_int_equal(SUBKEY_KEYRING_MAC, 5);
	assert_int_equal(SUBKEY_FAILBOX, 6);
	assert_int_equal(SUBKEY_FILE_MAC, 7);
}

/* ---- the test profile --------------------------------------------------------- */

/*
 * "test" (libsodium's minimum) exists only after kdf_allow_test_profile(),
 * which only test builds call; it is exactly one parameter pair, not a
 * lowered floor. Runs last: the switch cannot be turned off again.
 */
static void test_test_profile_gate(void **state)
{
	static const struct kdf_params near[] = {
		{ 1, 16384 },
		{ 2, 8192 },
		{ 1, 64ull * 1024 * 1024 },
		{ 0, 8192 },
		{ 1, 8192 + 1 },
	};
	struct kdf_params p = { 77, 77 }, t = { crypto_pwhash_argon2id_OPSLIMIT_MIN,
						crypto_pwhash_argon2id_MEMLIMIT_MIN };
	uint8_t salt[KDF_SALT_BYTES] = { 0 }, out[KDF_KEY_BYTES];
	size_t i;

	(void)state;
	/* production: no such profile, and its parameters are out of bounds */
	assert_int_equal(kdf_profile("test", &p), CRYPTO_ERR_ARG);
	assert_int_equal(p.opslimit, 77);
	assert_int_equal(kdf_params_check(&t), CRYPTO_ERR_PARAMS);
	assert_null(kdf_profile_name(&t));
	assert_int_equal(kdf_derive(out, "x", 1, salt, &t), CRYPTO_ERR_PARAMS);

	kdf_allow_test_profile();
	assert_int_equal(kdf_profile("test", &p), CRYPTO_OK);
	assert_int_equal(p.opslimit, t.opslimit);
	assert_int_equal(p.memlimit, t.memlimit);
	assert_string_equal(kdf_profile_name(&p), "test");
	assert_int_equal(kdf_params_check(&p), CRYPTO_OK);
	assert_int_equal(kdf_derive(out, "x", 1, salt, &p), CRYPTO_OK);
	/* anything else below the bounds is still refused */
	for (i = 0; i < sizeof near / sizeof near[0]; i++)
		assert_int_equal(kdf_params_check(&near[i]), CRYPTO_ERR_PARAMS);
	/* and the production profiles are unchanged */
	assert_int_equal(kdf_profile("interactive", &p), CRYPTO_OK);
	assert_int_equal(p.opslimit, 2);
	assert_int_equal(p.memlimit, 64 * MIB);
}

/* ---- secure ------------------------------------------------------------------- */

static void test_secure(void **state)
{
	static const int codes[] = {
		CRYPTO_OK, CRYPTO_ERR_NOMEM, CRYPTO_ERR_IO, CRYPTO_ERR_FORMAT,
		CRYPTO_ERR_VERSION, CRYPTO_ERR_PARAMS, CRYPTO_ERR_AUTH,
		CRYPTO_ERR_NOUSER, CRYPTO_ERR_DISABLED, CRYPTO_ERR_EXISTS,
		CRYPTO_ERR_TAMPER, CRYPTO_ERR_ARG, CRYPTO_ERR_INIT,
	};
	uint8_t a[40], b[40];
	uint8_t *p;
	size_t i, j;

	(void)state;
	/* crypto_init is idempotent */
	assert_int_equal(crypto_init(), CRYPTO_OK);

	p = secure_alloc(64);
	assert_non_null(p);
	memset(p, 0x77, 64);
	secure_wipe(p, 64);
	assert_true(t_all_zero(p, 64));
	secure_free(p);
	secure_free(NULL);

	memset(a, 1, sizeof a);
	memcpy(b, a, sizeof b);
	assert_int_equal(secure_memcmp(a, b, sizeof a), 0);
	b[39] ^= 0x80;
	assert_int_not_equal(secure_memcmp(a, b, sizeof a), 0);
	assert_int_equal(secure_memcmp(a, b, 39), 0);

	/* every code has its own message; unknown codes do not crash */
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		const char *m = crypto_strerror(codes[i]);

		assert_non_null(m);
		assert_true(strlen(m) > 0);
		assert_string_not_equal(m, "unknown crypto error");
		for (j = 0; j < i; j++)
			assert_string_not_equal(m, crypto_strerror(codes[j]));
	}
	assert_string_equal(crypto_strerror(-999), "unknown crypto error");
	assert_string_equal(crypto_strerror(1), "unknown crypto error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_profiles, setup),
		cmocka_unit_test_setup(test_profile_unknown, setup),
		cmocka_unit_test_setup(test_profile_name_no_match, setup),
		cmocka_unit_test_setup(test_bounds_not_below_libsodium, setup),
		cmocka_unit_test_setup(test_params_check_bounds, setup),
		cmocka_unit_test_setup(test_derive_deterministic_and_distinct, setup),
		cmocka_unit_test_setup(test_derive_refuses_out_of_bounds, setup),
		cmocka_unit_test_setup(test_subkeys, setup),
		cmocka_unit_test_setup(test_secure, setup),
		cmocka_unit_test_setup(test_test_profile_gate, setup),
	};

	return cmocka_run_group_tests_name("crypto_kdf", tests, NULL, NULL);
}
