/*
 * cdop/store/agekey: the register's age identity. Only a manager gets the
 * identity; every role gets the recipient, the same one; files sealed to
 * it open only for a manager; identifiable documents round-trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "crypto/age.h"
#include "support.h"

static void test_identity_by_role(void **state)
{
	struct t_clone *c = *state;
	uint8_t sk[32], pk[32], pk2[32], derived[32];
	static const char *const others[] = { T_ADMIN, T_PANEL };
	char text[80];
	size_t i;

	t_ok(store_age_identity(&c->r, sk), &c->r);
	t_ok(store_age_recipient(&c->r, pk), &c->r);
	assert_int_equal(age_public_key(derived, sk), 0);
	assert_memory_equal(derived, pk, 32);
	t_ok(store_age_recipient_text(&c->r, text, sizeof text), &c->r);
	assert_int_equal(strncmp(text, "age1", 4), 0);
	assert_int_equal(age_recipient_parse(pk2, text), 0);
	assert_memory_equal(pk2, pk, 32);
	for (i = 0; i < 2; i++) {
		t_clone_reopen(c, others[i]);
		memset(sk, 0, sizeof sk);
		t_expect(store_age_identity(&c->r, sk), CDOP_ERR_ACCESS, &c->r, "manager");
		t_ok(store_age_recipient(&c->r, pk2), &c->r);
		assert_memory_equal(pk2, pk, 32);
	}
}

static void test_sealed_open(void **state)
{
	struct t_clone *c = *state;
	static const char msg[] = "{\"notification\": {}}\n";
	uint8_t pk[1][32], *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 0;

	t_ok(store_age_recipient(&c->r, pk[0]), &c->r);
	t_ok(store_age_seal(&c->r, (const uint8_t (*)[32])pk, 1, (const uint8_t *)msg,
			    sizeof msg - 1, &sealed, &slen), &c->r);
	assert_true(store_age_is_sealed(sealed, slen));
	t_ok(store_age_open(&c->r, "x", sealed, slen, &plain, &plen), &c->r);
	assert_int_equal(plen, sizeof msg - 1);
	assert_memory_equal(plain, msg, plen);
	store_age_free(plain, plen);
	/* changed, truncated: damaged, nothing handed back */
	sealed[slen - 1] ^= 1;
	t_expect(store_age_open(&c->r, "x", sealed, slen, &plain, &plen), CDOP_ERR_DAMAGED,
		 &c->r, "changed or is truncated");
	assert_null(plain);
	sealed[slen - 1] ^= 1;
	t_expect(store_age_open(&c->r, "x", sealed, slen - 5, &plain, &plen), CDOP_ERR_DAMAGED,
		 &c->r, "truncated");
	/* a panel member cannot open it */
	t_clone_reopen(c, T_PANEL);
	t_expect(store_age_open(&c->r, "x", sealed, slen, &plain, &plen), CDOP_ERR_ACCESS,
		 &c->r, "manager");
	assert_null(plain);
	free(sealed);
}

static void test_other_recipient(void **state)
{
	struct t_clone *c = *state;
	uint8_t sk[32], pk[1][32], *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 0;
	char mine[80];

	for (size_t i = 0; i < 32; i++)
		sk[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(age_public_key(pk[0], sk), 0);
	t_ok(store_age_seal(&c->r, (const uint8_t (*)[32])pk, 1, (const uint8_t *)"x", 1,
			    &sealed, &slen), &c->r);
	t_ok(store_age_recipient_text(&c->r, mine, sizeof mine), &c->r);
	t_expect(store_age_open(&c->r, "'f'", sealed, slen, &plain, &plen), CDOP_ERR_DAMAGED,
		 &c->r, mine);
	free(sealed);
	t_expect(store_age_recipients_parse(&c->r, (const char *const[]){ "age1xyz" }, 1,
					    (uint8_t (**)[32])&plain), CDOP_ERR_INPUT, &c->r, "age1xyz");
	assert_string_equal(c->r.e.field, "recipient");
}

static void test_identifiable_documents(void **state)
{
	struct t_clone *c = *state;
	uint8_t doc[3000], *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 0;

	memset(doc, 'Q', sizeof doc);
	t_ok(store_seal_identifiable(&c->r, doc, sizeof doc, &sealed, &slen), &c->r);
	assert_false(t_contains(sealed, slen, "QQQQQQQQ", 8));
	t_ok(store_open_identifiable(&c->r, sealed, slen, &plain, &plen), &c->r);
	assert_int_equal(plen, sizeof doc);
	assert_memory_equal(plain, doc, plen);
	store_age_free(plain, plen);
	t_clone_reopen(c, T_ADMIN);
	t_expect(store_open_identifiable(&c->r, sealed, slen, &plain, &plen), CDOP_ERR_ACCESS,
		 &c->r, NULL);
	free(sealed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_identity_by_role),
		T_TEST(test_sealed_open),
		T_TEST(test_other_recipient),
		T_TEST(test_identifiable_documents),
	};
	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
