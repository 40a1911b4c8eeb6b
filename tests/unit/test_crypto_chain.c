/*
 * crypto/chain: the audit trail's keyed BLAKE2b hash chain. The hash of an
 * entry must depend on the key, the previous hash and every field, and
 * the length prefixes must keep field boundaries apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "crypto/chain.h"
#include "crypto/error.h"
#include "crypto/secure.h"
#include "support.h"

static uint8_t key[SUBKEY_BYTES], prev[CHAIN_HASH_BYTES];

static int setup(void **state)
{
	size_t i;

	(void)state;
	if (crypto_init() != CRYPTO_OK)
		return -1;
	for (i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(0x40 + i);
	for (i = 0; i < sizeof prev; i++)
		prev[i] = (uint8_t)(0x90 ^ i);
	return 0;
}

static void fields3(struct chain_field f[3], const char *a, const char *b, const char *c)
{
	f[0].data = a;
	f[0].len = strlen(a);
	f[1].data = b;
	f[1].len = strlen(b);
	f[2].data = c;
	f[2].len = strlen(c);
}

static void hash3(uint8_t out[CHAIN_HASH_BYTES], const char *a, const char *b,
		  const char *c)
{
	struct chain_field f[3];

	fields3(f, a, b, c);
	assert_int_equal(chain_hash(out, key, prev, f, 3), CRYPTO_OK);
}

static void test_deterministic(void **state)
{
	uint8_t h1[CHAIN_HASH_BYTES], h2[CHAIN_HASH_BYTES];

	(void)state;
	hash3(h1, "2025-06-01T10:00:00Z", "alice", "case_show");
	hash3(h2, "2025-06-01T10:00:00Z", "alice", "case_show");
	assert_memory_equal(h1, h2, CHAIN_HASH_BYTES);
	assert_false(t_all_zero(h1, sizeof h1));
}

/* The exact construction is a file format: keyed BLAKE2b-256 over
 * prev || for each field (le64 length || bytes). */
static void test_known_construction(void **state)
{
	uint8_t h[CHAIN_HASH_BYTES], ref[CHAIN_HASH_BYTES], buf[128];
	struct chain_field f[3];
	size_t o = 0, i;
	int b;

	(void)state;
	fields3(f, "seq1", "", "detail");
	assert_int_equal(chain_hash(h, key, prev, f, 3), CRYPTO_OK);
	memcpy(buf, prev, CHAIN_HASH_BYTES);
	o = CHAIN_HASH_BYTES;
	for (i = 0; i < 3; i++) {
		for (b = 0; b < 8; b++)
			buf[o++] = (uint8_t)((uint64_t)f[i].len >> (8 * b));
		memcpy(buf + o, f[i].data, f[i].len);
		o += f[i].len;
	}
	assert_int_equal(crypto_generichash(ref, sizeof ref, buf, o, key, sizeof key), 0);
	assert_memory_equal(h, ref, CHAIN_HASH_BYTES);
}

static void test_changes_with_key_and_prev(void **state)
{
	uint8_t base[CHAIN_HASH_BYTES], h[CHAIN_HASH_BYTES];
	struct chain_field f[3];

	(void)state;
	fields3(f, "a", "b", "c");
	assert_int_equal(chain_hash(base, key, prev, f, 3), CRYPTO_OK);

	key[SUBKEY_BYTES - 1] ^= 1;
	assert_int_equal(chain_hash(h, key, prev, f, 3), CRYPTO_OK);
	assert_memory_not_equal(base, h, CHAIN_HASH_BYTES);
	key[SUBKEY_BYTES - 1] ^= 1;

	prev[0] ^= 0x80;
	assert_int_equal(chain_hash(h, key, prev, f, 3), CRYPTO_OK);
	assert_memory_not_equal(base, h, CHAIN_HASH_BYTES);
	prev[0] ^= 0x80;

	/* prev is the zero hash for the first entry: still keyed */
	memset(prev, 0, sizeof prev);
	assert_int_equal(chain_hash(h, key, prev, f, 3), CRYPTO_OK);
	assert_memory_not_equal(base, h, CHAIN_HASH_BYTES);
}

static void test_changes_with_any_field(void **state)
{
	uint8_t base[CHAIN_HASH_BYTES], h[CHAIN_HASH_BYTES];
	char a[] = "2025-06-01T10:00:00Z", b[] = "alice", c[] = "case_show";

	(void)state;
	hash3(base, a, b, c);

	a[19] = 'Y';
	hash3(h, a, b, c);
	assert_memory_not_equal(base, h, CHAIN_HASH_BYTES);
	a[19] = 'Z';

	b[0] = 'A';
	hash3(h, a, b, c);
	assert_memory_not_equal(base, h, CHAIN_HASH_BYTES);
	b[0] = 'a';

	c[8] = 'W';
	hash3(h, a, b, c);
	assert_memory_not_equal(base, h, CHAIN_HASH_BYTES);
	c[8] = 'w';

	/* the fields are ordered */
	hash3(h, b, a, c);
	assert_memory_not_equal(base, h, CHAIN_HASH_BYTES);

	/* back to the start: equal again (nothing else leaked in) */
	hash3(h, a, b, c);
	assert_memory_equal(base, h, CHAIN_HASH_BYTES);
}

/* Length prefixes: moving bytes across a boundary changes the hash. */
static void test_field_boundaries(void **state)
{
	uint8_t h1[CHAIN_HASH_BYTES], h2[CHAIN_HASH_BYTES], h3[CHAIN_HASH_BYTES];
	struct chain_field f[3], g[2];

	(void)state;
	hash3(h1, "ab", "c", "");
	hash3(h2, "a", "bc", "");
	assert_memory_not_equal(h1, h2, CHAIN_HASH_BYTES);
	hash3(h3, "abc", "", "");
	assert_memory_not_equal(h1, h3, CHAIN_HASH_BYTES);
	assert_memory_not_equal(h2, h3, CHAIN_HASH_BYTES);

	/* the number of fields counts: ("ab","c","") vs ("ab","c") */
	fields3(f, "ab", "c", "");
	g[0] = f[0];
	g[1] = f[1];
	assert_int_equal(chain_hash(h1, key, prev, f, 3), CRYPTO_OK);
	assert_int_equal(chain_hash(h2, key, prev, g, 2), CRYPTO_OK);
	assert_memory_not_equal(h1, h2, CHAIN_HASH_BYTES);

	/* no fields at all is a valid (distinct) input; NULL data with len 0 */
	assert_int_equal(chain_hash(h3, key, prev, NULL, 0), CRYPTO_OK);
	assert_memory_not_equal(h2, h3, CHAIN_HASH_BYTES);
	g[0].data = NULL;
	g[0].len = 0;
	assert_int_equal(chain_hash(h1, key, prev, g, 1), CRYPTO_OK);
	assert_memory_not_equal(h1, h3, CHAIN_HASH_BYTES);

	/* a field holding what looks like a length prefix is still distinct */
	{
		uint8_t fake[8 + 1] = { 1, 0, 0, 0, 0, 0, 0, 0, 'c' };
		struct chain_field one[1] = { { fake, sizeof fake } };

		fields3(f, "c", "", "");
		assert_int_equal(chain_hash(h1, key, prev, f, 1), CRYPTO_OK);
		assert_int_equal(chain_hash(h2, key, prev, one, 1), CRYPTO_OK);
		assert_memory_not_equal(h1, h2, CHAIN_HASH_BYTES);
	}
}

/* Binary fields with NUL bytes are hashed in full, not as C strings. */
static void test_binary_fields(void **state)
{
	uint8_t h1[CHAIN_HASH_BYTES], h2[CHAIN_HASH_BYTES];
	uint8_t d1[4] = { 'x', 0, 'y', 0 }, d2[4] = { 'x', 0, 'z', 0 };
	struct chain_field f1[1] = { { d1, sizeof d1 } }, f2[1] = { { d2, sizeof d2 } };

	(void)state;
	assert_int_equal(chain_hash(h1, key, prev, f1, 1), CRYPTO_OK);
	assert_int_equal(chain_hash(h2, key, prev, f2, 1), CRYPTO_OK);
	assert_memory_not_equal(h1, h2, CHAIN_HASH_BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_deterministic, setup),
		cmocka_unit_test_setup(test_known_construction, setup),
		cmocka_unit_test_setup(test_changes_with_key_and_prev, setup),
		cmocka_unit_test_setup(test_changes_with_any_field, setup),
		cmocka_unit_test_setup(test_field_boundaries, setup),
		cmocka_unit_test_setup(test_binary_fields, setup),
	};

	return cmocka_run_group_tests_name("crypto_chain", tests, NULL, NULL);
}
