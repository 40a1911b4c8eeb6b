/*
 * crypto/keyring: the v2 slot a v1 unlock stages (docs/security.md §17).
 * The unlock hands back the passphrase key; a staged slot opens only with
 * it, only for the future admin key it was made for, only while the v1
 * slot keeps its salt and role, and not once any byte is changed; and it
 * is a real v2 slot: placed in a v2 keyring it unlocks with the user's
 * passphrase. The switch's pieces (test_switch): a staged slot checked
 * by header alone and adopted into a v2 keyring with a tombstone beside
 * it; the legacy K_id granted as epoch 0 and the legacy manager record at
 * epoch 0 accepted; the epoch-0 K_reg grants dropped alone. Test KDF
 * profile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "crypto/error.h"
#include "crypto/keyring.h"
#include "crypto/secure.h"

static struct kdf_params g_kdf;

static void test_stage(void **state)
{
	struct keyring v1, v2;
	uint8_t master[MASTER_KEY_BYTES], m2[MASTER_KEY_BYTES], kek[KDF_KEY_BYTES];
	uint8_t kek_p[KDF_KEY_BYTES], want[KDF_KEY_BYTES];
	uint8_t out[KEYRING_SLOT2_BYTES], bad[KEYRING_SLOT2_BYTES];
	uint8_t sec[KEYRING_SECRET_BYTES], sec2[KEYRING_SECRET_BYTES];
	const struct keyring_slot *s1 = NULL, *sp = NULL;
	struct keyring_slot staged;
	struct keyset *ks = keyset_new(), *adm = keyset_new();
	uint8_t other_pk[32], other_sk[64];
	size_t i;
	int added = 0;

	(void)state;
	assert_non_null(ks);
	assert_non_null(adm);
	keyring_init(&v1);
	assert_int_equal(keyring_create(&v1, master), CRYPTO_OK);
	assert_int_equal(keyring_slot_set(&v1, master, "ada", KEYRING_ROLE_ADMIN, "a", 1, &g_kdf), 0);
	assert_int_equal(keyring_slot_set(&v1, master, "pat", KEYRING_ROLE_PANEL, "p", 1, &g_kdf), 0);
	assert_int_equal(keyring_slot_open_kek(&v1, "ada", "a", 1, m2, &s1, kek), CRYPTO_OK);
	assert_memory_equal(m2, master, sizeof master);
	assert_int_equal(kdf_derive(want, "a", 1, s1->salt, &s1->kdf), CRYPTO_OK);
	assert_memory_equal(kek, want, sizeof kek);
	assert_int_equal(keyring_slot_open_kek(&v1, "ada", "x", 1, m2, NULL, kek_p), CRYPTO_ERR_AUTH);
	assert_int_equal(keyring_slot_open_kek(&v1, "pat", "p", 1, m2, &sp, kek_p), CRYPTO_OK);

	/* The future v2 keyring: same register id, its admin key. */
	keyring_init(&v2);
	assert_int_equal(keyring2_from_v1(&v2, &v1, adm), CRYPTO_OK);
	assert_int_equal(keyring2_stage_make(&v1, s1, v2.admin_pk, kek, out, sec), CRYPTO_OK);
	assert_int_equal(keyring2_stage_open(&v1, s1, v2.admin_pk, kek, out, sec2, &staged), CRYPTO_OK);
	assert_memory_equal(sec, sec2, sizeof sec);
	/* Another passphrase key, another admin key, any changed byte: no. */
	assert_int_equal(keyring2_stage_open(&v1, s1, v2.admin_pk, kek_p, out, sec2, NULL), CRYPTO_ERR_AUTH);
	assert_int_equal(keyring2_stage_open(&v1, sp, v2.admin_pk, kek_p, out, sec2, NULL), CRYPTO_ERR_AUTH);
	crypto_sign_keypair(other_pk, other_sk);
	assert_int_equal(keyring2_stage_open(&v1, s1, other_pk, kek, out, sec2, NULL), CRYPTO_ERR_AUTH);
	for (i = 0; i < sizeof out; i++) {
		memcpy(bad, out, sizeof out);
		bad[i] ^= 0x01;
		assert_int_not_equal(keyring2_stage_open(&v1, s1, v2.admin_pk, kek, bad, sec2, NULL),
				     CRYPTO_OK);
	}

	/* It is a v2 slot: in the v2 keyring, ada's passphrase unlocks it. */
	assert_int_equal(keyring2_slot_new(&v2, "ada", KEYRING_ROLE_ADMIN, "zz", 2, &g_kdf, NULL), 0);
	v2.slots[0] = staged;
	memcpy(v2.signers[0].s_pk, staged.s_pk, 32);
	/* The converter (ada) grants and signs with her staged keys. */
	memcpy(adm->self_id, staged.user_id, KEYRING_USERID_BYTES);
	adm->kind = KEYRING_SLOT_USER;
	adm->role = KEYRING_ROLE_ADMIN;
	memcpy(adm->x_sk, sec, 32);
	crypto_scalarmult_base(adm->x_pk, adm->x_sk);
	crypto_sign_seed_keypair(adm->s_pk, adm->s_sk, sec + 32);
	assert_int_equal(keyring2_grant_role(&v2, adm, &v2.slots[0], &added), CRYPTO_OK);
	assert_true(added > 0);
	assert_int_equal(keyring2_admin_sign(&v2, adm), CRYPTO_OK);
	assert_int_equal(keyring2_unlock(&v2, "ada", "a", 1, ks, NULL), CRYPTO_OK);
	assert_memory_equal(ks->x_pk, staged.x_pk, 32);
	assert_true(ks->have & KEYSET_REG);
	assert_true(ks->have & KEYSET_ADMIN);
	assert_int_equal(keyring2_unlock(&v2, "ada", "zz", 2, ks, NULL), CRYPTO_ERR_AUTH);

	/* A passwd (new salt) or a role change makes it stale. */
	assert_int_equal(keyring_slot_set(&v1, master, "ada", KEYRING_ROLE_ADMIN, "b", 1, &g_kdf), 0);
	s1 = keyring_slot_find(&v1, "ada");
	assert_int_equal(keyring2_stage_open(&v1, s1, v2.admin_pk, kek, out, sec2, NULL), CRYPTO_ERR_AUTH);
	assert_int_equal(keyring_slot_set(&v1, master, "pat", KEYRING_ROLE_MANAGER, "p", 1, &g_kdf), 0);
	assert_int_equal(keyring_slot_open_kek(&v1, "pat", "p", 1, m2, &sp, kek_p), CRYPTO_OK);
	assert_int_equal(keyring2_stage_make(&v1, sp, v2.admin_pk, kek_p, out, sec), CRYPTO_OK);
	assert_int_equal(keyring_slot_set(&v1, master, "pat", KEYRING_ROLE_PANEL, "p", 1, &g_kdf), 0);
	assert_int_equal(keyring_slot_open_kek(&v1, "pat", "p", 1, m2, &sp, kek_p), CRYPTO_OK);
	assert_int_equal(keyring2_stage_open(&v1, sp, v2.admin_pk, kek_p, out, sec2, NULL), CRYPTO_ERR_AUTH);
	keyset_free(ks);
	keyset_free(adm);
	keyring_release(&v1);
	keyring_release(&v2);
}

static void test_switch(void **state)
{
	struct keyring v1, v2;
	uint8_t master[MASTER_KEY_BYTES], m2[MASTER_KEY_BYTES], kek[KDF_KEY_BYTES];
	uint8_t slot[KEYRING_SLOT2_BYTES], sec[KEYRING_SECRET_BYTES], legacy[32], buf[64];
	char code[RECOVERY_CODE_TEXT];
	const struct keyring_slot *s1 = NULL, *sp = NULL;
	struct keyring_slot staged, dead;
	struct keyset *adm = keyset_new(), *rk = keyset_new(), *ks = keyset_new();
	uint8_t seed[32];
	size_t i;
	int added = 0;

	(void)state;
	assert_non_null(adm);
	assert_non_null(rk);
	assert_non_null(ks);
	keyring_init(&v1);
	assert_int_equal(keyring_create(&v1, master), CRYPTO_OK);
	assert_int_equal(keyring_slot_set(&v1, master, "ada", KEYRING_ROLE_ADMIN, "a", 1, &g_kdf), 0);
	assert_int_equal(keyring_slot_set(&v1, master, "mo", KEYRING_ROLE_MANAGER, "m", 1, &g_kdf), 0);
	assert_int_equal(keyring_slot_set(&v1, master, "old", KEYRING_ROLE_PANEL, "o", 1, &g_kdf), 0);
	assert_int_equal(keyring_slot_disable(&v1, "old"), CRYPTO_OK);
	keyring_init(&v2);
	assert_int_equal(keyring2_from_v1(&v2, &v1, adm), CRYPTO_OK);

	/* mo's staged slot, checked by the switch without mo's passphrase. */
	assert_int_equal(keyring_slot_open_kek(&v1, "mo", "m", 1, m2, &s1, kek), CRYPTO_OK);
	assert_int_equal(keyring2_stage_make(&v1, s1, v2.admin_pk, kek, slot, sec), CRYPTO_OK);
	assert_int_equal(keyring2_stage_parse(&v1, s1, slot, &staged), CRYPTO_OK);
	assert_int_equal(keyring_slot_open_kek(&v1, "ada", "a", 1, m2, &sp, kek), CRYPTO_OK);
	assert_int_equal(keyring2_stage_parse(&v1, sp, slot, &dead), CRYPTO_ERR_AUTH);
	assert_int_equal(keyring2_slot_adopt(&v2, &staged), CRYPTO_OK);
	assert_int_equal(keyring2_slot_adopt(&v2, &staged), CRYPTO_ERR_ARG); /* once */
	dead = *keyring_slot_find(&v1, "old");
	assert_int_equal(keyring2_slot_adopt(&v2, &dead), CRYPTO_OK);
	assert_true(sodium_is_zero(keyring_slot_find(&v2, "old")->wrapped, KEYRING_WRAPPED2_BYTES));

	/* ada converts: her own slot (fresh here), the recovery slot's keys. */
	assert_int_equal(keyring2_slot_new(&v2, "ada", KEYRING_ROLE_ADMIN, "a", 1, &g_kdf, adm), 0);
	assert_int_equal(keyring2_recovery_new_self(&v2, &g_kdf, code, rk), CRYPTO_OK);
	assert_int_equal(rk->kind, KEYRING_SLOT_RECOVERY);
	memcpy(rk->k_reg, adm->k_reg, 32);
	memcpy(rk->k_audit, adm->k_audit, 32);
	memcpy(rk->admin_sk, adm->admin_sk, 64);
	rk->reg_epoch = adm->reg_epoch;
	randombytes_buf(legacy, sizeof legacy);
	memcpy(rk->k_id[0], legacy, 32);
	rk->id_have[0] = 1;
	randombytes_buf(rk->k_dup, 32);
	randombytes_buf(rk->age_sk, 32);
	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(v2.report_pk, rk->report_sk, seed);
	crypto_scalarmult_base(v2.age_pk, rk->age_sk);
	rk->have = KEYSET_REG | KEYSET_ADMIN | KEYSET_MGR | KEYSET_REPORT;
	/* A record at epoch 0 with keys: valid only once signed. */
	assert_int_equal(keyring2_mgr_verify(&v2), CRYPTO_ERR_TAMPER);
	assert_int_equal(keyring2_mgr_sign(&v2, rk), CRYPTO_OK);
	assert_int_equal(keyring2_mgr_verify(&v2), CRYPTO_OK);
	memcpy(buf, master, 32);
	memcpy(buf + 32, adm->k_audit, 32);
	for (i = 0; i < v2.nslots; i++) {
		if (v2.slots[i].state != KEYRING_SLOT_ACTIVE)
			continue;
		assert_int_equal(keyring2_grant_role(&v2, rk, &v2.slots[i], &added), CRYPTO_OK);
		assert_int_equal(keyring2_grant(&v2, rk, v2.slots[i].user_id, GRANT_REG, 0, buf, 64),
				 CRYPTO_OK);
	}
	assert_int_equal(keyring2_admin_sign(&v2, adm), CRYPTO_OK);

	/* mo unlocks with the passphrase of the v1 slot: the legacy K_id as
	 * epoch 0, the manager keys, K_reg and the old master key before it. */
	assert_int_equal(keyring2_unlock(&v2, "mo", "m", 1, ks, NULL), CRYPTO_OK);
	assert_true(ks->id_have[0]);
	assert_memory_equal(ks->k_id[0], legacy, 32);
	assert_int_equal(ks->id_latest, 0);
	assert_true(ks->have & KEYSET_MGR);
	assert_true(ks->have & KEYSET_REG_PREV);
	assert_memory_equal(ks->k_reg_prev, master, 32);
	assert_int_equal(keyring2_unlock(&v2, "old", "o", 1, ks, NULL), CRYPTO_ERR_DISABLED);
	/* The epoch-0 K_reg grants go, and nothing else. */
	i = v2.ngrants;
	assert_int_equal(keyring2_grants_drop_epoch(&v2, GRANT_REG, 0), 3); /* ada, mo, recovery */
	assert_int_equal(v2.ngrants, i - 3);
	assert_int_equal(keyring2_unlock(&v2, "mo", "m", 1, ks, NULL), CRYPTO_OK);
	assert_false(ks->have & KEYSET_REG_PREV);
	assert_true(ks->have & KEYSET_REG);
	assert_true(ks->id_have[0]);
	keyset_free(ks);
	keyset_free(adm);
	keyset_free(rk);
	keyring_release(&v1);
	keyring_release(&v2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage),
		cmocka_unit_test(test_switch),
	};

	if (crypto_init() != CRYPTO_OK)
		return 1;
	kdf_allow_test_profile();
	if (kdf_profile("test", &g_kdf))
		return 1;
	return cmocka_run_group_tests_name("keyring v1 -> v2 staging", tests, NULL, NULL);
}
