/*
 * crypto/keyring, version 2 (keys by role): what each role's slot yields,
 * and that the signatures hold against someone who edits the keyring with
 * their own keys — a slot given another role, a forged grant, a changed
 * manager record, a grant moved to another slot. Test KDF profile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/error.h"
#include "crypto/keyring.h"
#include "crypto/secure.h"

static struct kdf_params g_kdf;
static char g_code[RECOVERY_CODE_TEXT]; /* the recovery code make() set */

/* admin "ada", manager "mo" (keys made by mo's unlock), panel "pat". */
static void make(struct keyring *kr)
{
	struct keyset *ada = keyset_new(), *mo = keyset_new();
	char code[RECOVERY_CODE_TEXT];
	int added = 0;
	size_t i;

	assert_non_null(ada);
	assert_non_null(mo);
	assert_int_equal(keyring2_create(kr, ada), CRYPTO_OK);
	assert_int_equal(keyring2_slot_new(kr, "ada", KEYRING_ROLE_ADMIN, "a", 1, &g_kdf, ada), 0);
	assert_int_equal(keyring2_recovery_new(kr, &g_kdf, code), CRYPTO_OK);
	memcpy(g_code, code, sizeof code);
	assert_int_equal(keyring2_slot_new(kr, "mo", KEYRING_ROLE_MANAGER, "m", 1, &g_kdf, NULL), 0);
	assert_int_equal(keyring2_slot_new(kr, "pat", KEYRING_ROLE_PANEL, "p", 1, &g_kdf, NULL), 0);
	for (i = 0; i < kr->nslots; i++)
		assert_int_equal(keyring2_grant_role(kr, ada, &kr->slots[i], &added), 0);
	assert_int_equal(keyring2_admin_sign(kr, ada), CRYPTO_OK);
	/* mo's first unlock makes the manager keys (as cdop/store/keys.c) */
	assert_int_equal(keyring2_unlock(kr, "mo", "m", 1, mo, NULL), CRYPTO_OK);
	randombytes_buf(mo->k_dup, 32);
	randombytes_buf(mo->age_sk, 32);
	crypto_scalarmult_base(kr->age_pk, mo->age_sk);
	{
		uint8_t seed[32];

		randombytes_buf(seed, sizeof seed);
		crypto_sign_seed_keypair(kr->report_pk, mo->report_sk, seed);
	}
	randombytes_buf(mo->k_id[1], 32);
	mo->id_have[1] = 1;
	mo->id_latest = 1;
	mo->have |= KEYSET_MGR | KEYSET_REPORT;
	kr->id_epoch = 1;
	assert_int_equal(keyring2_mgr_sign(kr, mo), CRYPTO_OK);
	for (i = 0; i < kr->nslots; i++)
		assert_int_equal(keyring2_grant_role(kr, mo, &kr->slots[i], &added), 0);
	keyset_free(ada);
	keyset_free(mo);
}

static void test_roles_hold_their_keys(void **state)
{
	struct keyring kr;
	struct keyset *ks = keyset_new();
	uint8_t *buf;
	size_t len;

	(void)state;
	make(&kr);
	/* through the file format */
	assert_int_equal(keyring_serialize(&kr, &buf, &len), CRYPTO_OK);
	keyring_release(&kr);
	assert_int_equal(keyring_parse(&kr, buf, len), CRYPTO_OK);
	free(buf);
	assert_int_equal(keyring2_unlock(&kr, "pat", "p", 1, ks, NULL), CRYPTO_OK);
	assert_int_equal(ks->have, KEYSET_REG);
	assert_int_equal(ks->id_latest, 0);
	assert_int_equal(keyring2_unlock(&kr, "ada", "a", 1, ks, NULL), CRYPTO_OK);
	assert_int_equal(ks->have, KEYSET_REG | KEYSET_ADMIN);
	assert_int_equal(ks->id_latest, 0);
	assert_int_equal(keyring2_unlock(&kr, "mo", "m", 1, ks, NULL), CRYPTO_OK);
	assert_int_equal(ks->have, KEYSET_REG | KEYSET_MGR | KEYSET_REPORT);
	assert_int_equal(ks->id_latest, 1);
	assert_int_equal(keyring2_unlock(&kr, "pat", "m", 1, ks, NULL), CRYPTO_ERR_AUTH);
	keyset_free(ks);
	keyring_release(&kr);
}

/* pat makes himself a manager in the public list: the admin signature
 * no longer matches, for everyone. */
static void test_role_change_refused(void **state)
{
	struct keyring kr;
	struct keyset *ks = keyset_new();

	(void)state;
	make(&kr);
	keyring_slot_find(&kr, "pat")->role = KEYRING_ROLE_MANAGER;
	/* pat's own slot no longer opens (its header is authenticated) ... */
	assert_int_not_equal(keyring2_unlock(&kr, "pat", "p", 1, ks, NULL), CRYPTO_OK);
	/* ... and every other user sees the admin signature broken */
	assert_int_equal(keyring2_unlock(&kr, "ada", "a", 1, ks, NULL), CRYPTO_ERR_TAMPER);
	keyset_free(ks);
	keyring_release(&kr);
}

/* pat, holding his own keys, seals a "K_id" of his choosing to mo and signs
 * it: mo ignores it (a panel slot may not grant K_id), so mo never seals
 * under a key pat knows. */
static void test_forged_grant_ignored(void **state)
{
	struct keyring kr;
	struct keyset *pat = keyset_new(), *mo = keyset_new();
	uint8_t fake[32] = { 7 };

	(void)state;
	make(&kr);
	assert_int_equal(keyring2_unlock(&kr, "pat", "p", 1, pat, NULL), CRYPTO_OK);
	keyring2_grants_drop(&kr, keyring_slot_find(&kr, "mo")->user_id, GRANT_ID);
	assert_int_equal(keyring2_grant(&kr, pat, keyring_slot_find(&kr, "mo")->user_id,
					GRANT_ID, 2, fake, 32), CRYPTO_OK);
	assert_int_equal(keyring2_unlock(&kr, "mo", "m", 1, mo, NULL), CRYPTO_OK);
	assert_int_equal(mo->id_latest, 0);
	assert_int_equal(mo->id_have[2], 0);
	keyset_free(pat);
	keyset_free(mo);
	keyring_release(&kr);
}

/* The manager record (report key, age recipient) replaced by someone
 * without a manager's signing key. */
static void test_manager_record_signed(void **state)
{
	struct keyring kr;
	struct keyset *ks = keyset_new();

	(void)state;
	make(&kr);
	kr.report_pk[0] ^= 1;
	assert_int_equal(keyring2_unlock(&kr, "pat", "p", 1, ks, NULL), CRYPTO_ERR_TAMPER);
	kr.report_pk[0] ^= 1;
	kr.mgr_signer[0] ^= 1;
	assert_int_equal(keyring2_unlock(&kr, "ada", "a", 1, ks, NULL), CRYPTO_ERR_TAMPER);
	keyset_free(ks);
	keyring_release(&kr);
}

/* A grant re-addressed to another slot: its signature covers the
 * recipient, and its box opens only for the slot it was sealed to. */
static void test_grant_moved(void **state)
{
	struct keyring kr;
	struct keyset *ks = keyset_new();
	size_t i;

	(void)state;
	make(&kr);
	for (i = 0; i < kr.ngrants; i++)
		if (kr.grants[i].kind == GRANT_ID)
			memcpy(kr.grants[i].recipient, keyring_slot_find(&kr, "pat")->user_id,
			       KEYRING_USERID_BYTES);
	assert_int_equal(keyring2_unlock(&kr, "pat", "p", 1, ks, NULL), CRYPTO_OK);
	assert_int_equal(ks->id_latest, 0);
	keyset_free(ks);
	keyring_release(&kr);
}

/* Serialised, parsed and serialised again gives the same bytes; every
 * truncation is refused. */
/*
 * Retired keys (docs/security.md §15): the admin retires the report key
 * and the age recipient, a manager's unlock replaces them and keeps the
 * retired identity for the managers (GRANT_AGE_OLD), through the file
 * format; the list is covered by the admin signature.
 */
static void test_retired_keys(void **state)
{
	struct keyring kr;
	struct keyset *ada = keyset_new(), *mo = keyset_new();
	uint8_t old_age[32], old_report[32], seed[32], *buf;
	size_t len, i;
	int added = 0;

	(void)state;
	make(&kr);
	memcpy(old_age, kr.age_pk, 32);
	memcpy(old_report, kr.report_pk, 32);
	assert_int_equal(keyring2_unlock(&kr, "ada", "a", 1, ada, NULL), CRYPTO_OK);
	assert_int_equal(keyring2_retire(&kr, RETIRED_REPORT, kr.report_pk, 1700000000), 0);
	assert_int_equal(keyring2_retire(&kr, RETIRED_AGE, kr.age_pk, 1700000000), 0);
	assert_int_equal(keyring2_retire(&kr, RETIRED_AGE, kr.age_pk, 1800000000), 0);
	assert_int_equal(kr.nretired, 2); /* once each */
	assert_int_equal(keyring2_admin_sign(&kr, ada), CRYPTO_OK);
	/* mo's unlock: new pair, the old identity kept (as cdop/store/keys.c) */
	assert_int_equal(keyring2_unlock(&kr, "mo", "m", 1, mo, NULL), CRYPTO_OK);
	assert_int_equal(mo->have & KEYSET_MGR, KEYSET_MGR);
	memcpy(mo->age_old[1], mo->age_sk, 32);
	mo->age_old_have[1] = 1;
	randombytes_buf(mo->age_sk, 32);
	crypto_scalarmult_base(kr.age_pk, mo->age_sk);
	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(kr.report_pk, mo->report_sk, seed);
	keyring2_grants_drop(&kr, NULL, GRANT_MGR);
	keyring2_grants_drop(&kr, NULL, GRANT_REPORT);
	assert_int_equal(keyring2_mgr_sign(&kr, mo), CRYPTO_OK);
	for (i = 0; i < kr.nslots; i++)
		assert_int_equal(keyring2_grant_role(&kr, mo, &kr.slots[i], &added), 0);
	assert_int_equal(keyring_serialize(&kr, &buf, &len), CRYPTO_OK);
	keyring_release(&kr);
	assert_int_equal(keyring_parse(&kr, buf, len), CRYPTO_OK);
	free(buf);
	assert_int_equal(kr.nretired, 2);
	assert_non_null(keyring2_retired_find(&kr, RETIRED_REPORT, old_report));
	assert_int_equal(keyring2_retired_find(&kr, RETIRED_AGE, old_age)->when, 1700000000);
	assert_null(keyring2_retired_find(&kr, RETIRED_AGE, kr.age_pk));
	assert_int_equal(keyring2_unlock(&kr, "mo", "m", 1, mo, NULL), CRYPTO_OK);
	assert_int_equal(mo->have & KEYSET_MGR, KEYSET_MGR);
	crypto_scalarmult_base(seed, mo->age_old[1]);
	assert_int_equal(mo->age_old_have[1], 1);
	assert_memory_equal(seed, old_age, 32);
	assert_int_equal(mo->age_old_have[0], 0);
	assert_int_equal(keyring2_unlock(&kr, "pat", "p", 1, mo, NULL), CRYPTO_OK);
	assert_int_equal(mo->age_old_have[1], 0);
	/* a retired entry edited (or removed) without the admin key */
	kr.retired[0].when++;
	assert_int_equal(keyring2_unlock(&kr, "pat", "p", 1, mo, NULL), CRYPTO_ERR_TAMPER);
	kr.retired[0].when--;
	kr.nretired = 1;
	assert_int_equal(keyring2_unlock(&kr, "pat", "p", 1, mo, NULL), CRYPTO_ERR_TAMPER);
	kr.nretired = 2;
	keyset_free(ada);
	keyset_free(mo);
	keyring_release(&kr);
}

static void round_trip(const struct keyring *kr)
{
	struct keyring back;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0, n;

	assert_int_equal(keyring_serialize(kr, &a, &alen), CRYPTO_OK);
	assert_int_equal(keyring_parse(&back, a, alen), CRYPTO_OK);
	assert_int_equal(keyring_serialize(&back, &b, &blen), CRYPTO_OK);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	keyring_release(&back);
	for (n = 0; n < alen; n++) {
		if (keyring_parse(&back, a, n) == CRYPTO_OK)
			fail_msg("a keyring of version %u cut to %zu of %zu bytes parsed",
				 (unsigned)kr->version, n, alen);
	}
	free(a);
	free(b);
}

/* One parser and one unlock path for both versions (issue 10, gap 4):
 * each layout round-trips; a version byte swapped between them, or a v1
 * header with the v2 list counts set, is refused; user and recovery slots
 * of both open through the same path. */
static void test_one_parser(void **state)
{
	uint8_t master[MASTER_KEY_BYTES], got[MASTER_KEY_BYTES], *buf = NULL;
	char code[RECOVERY_CODE_TEXT];
	struct keyring v1, v2, back;
	struct keyset *ks = keyset_new();
	size_t len = 0;

	(void)state;
	/* version 1 */
	assert_int_equal(keyring_create(&v1, master), CRYPTO_OK);
	assert_int_equal(keyring_slot_set(&v1, master, "ada", KEYRING_ROLE_ADMIN, "a", 1,
					  &g_kdf), CRYPTO_OK);
	assert_int_equal(keyring_recovery_set(&v1, master, &g_kdf, code), CRYPTO_OK);
	assert_int_equal(keyring_mac_seal(&v1, master), CRYPTO_OK);
	round_trip(&v1);
	assert_int_equal(keyring_slot_open(&v1, "ada", "a", 1, got, NULL), CRYPTO_OK);
	assert_memory_equal(got, master, sizeof got);
	assert_int_equal(keyring_recovery_open(&v1, code, got), CRYPTO_OK);
	assert_memory_equal(got, master, sizeof got);
	assert_int_equal(keyring_slot_open(&v1, "nobody", "a", 1, got, NULL), CRYPTO_ERR_NOUSER);
	assert_int_equal(keyring_recovery_open(&v1, "not-a-code", got), CRYPTO_ERR_FORMAT);
	assert_int_equal(keyring_serialize(&v1, &buf, &len), CRYPTO_OK);
	buf[12] = 1; /* a v2 grant count in a v1 header */
	assert_int_equal(keyring_parse(&back, buf, len), CRYPTO_ERR_FORMAT);
	buf[12] = 0;
	buf[8] = KEYRING_VERSION2; /* read with the other layout */
	assert_int_not_equal(keyring_parse(&back, buf, len), CRYPTO_OK);
	free(buf);
	keyring_release(&v1);
	/* version 2 */
	make(&v2);
	assert_int_equal(keyring_mac_seal(&v2, master), CRYPTO_OK);
	round_trip(&v2);
	assert_int_equal(keyring2_unlock(&v2, NULL, g_code, strlen(g_code), ks, NULL), CRYPTO_OK);
	assert_int_equal(ks->kind, KEYRING_SLOT_RECOVERY);
	assert_int_equal(keyring2_unlock(&v2, "nobody", "p", 1, ks, NULL), CRYPTO_ERR_NOUSER);
	assert_int_equal(keyring2_unlock(&v2, NULL, "xyz", 3, ks, NULL), CRYPTO_ERR_FORMAT);
	assert_int_equal(keyring_serialize(&v2, &buf, &len), CRYPTO_OK);
	buf[8] = KEYRING_VERSION;
	assert_int_not_equal(keyring_parse(&back, buf, len), CRYPTO_OK);
	free(buf);
	keyset_free(ks);
	keyring_release(&v2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_hold_their_keys),
		cmocka_unit_test(test_role_change_refused),
		cmocka_unit_test(test_forged_grant_ignored),
		cmocka_unit_test(test_manager_record_signed),
		cmocka_unit_test(test_grant_moved),
		cmocka_unit_test(test_one_parser),
		cmocka_unit_test(test_retired_keys),
	};

	if (crypto_init() != CRYPTO_OK)
		return 1;
	kdf_allow_test_profile();
	if (kdf_profile("test", &g_kdf))
		return 1;
	return cmocka_run_group_tests_name("keyring v2", tests, NULL, NULL);
}
