/*
 * cdop/cases/idcheck: the identifier check on text for the panel and the
 * public (issue 11). Pure: an idset built from notifications, no register.
 * Every written form of each identifier is found and named as written;
 * words that only look alike are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cdop/cases/cases.h"

static struct idset *set(void)
{
	json_t *n = json_pack(
		"{s:{s:s, s:s, s:s, s:s, s:s, s:s},"
		" s:{s:s, s:s, s:s},"
		" s:{s:s, s:s, s:s}}",
		"child", "forename", "Millie", "surname", "Quenby-Ashe", "nhs_number",
		"9434765919", "date_of_birth", "2024-03-01", "address",
		"Flat 2, 17 Larkspur Close, Greenfield", "postcode", "GF1 2AB",
		"death", "date", "2025-05-03", "place", "home", "expected", "unexpected",
		"notified", "date", "2025-05-04", "by_name", "Dr Vic Okonkwo", "by_agency",
		"hospital");
	struct idset *s = idset_new();

	assert_non_null(n);
	assert_non_null(s);
	assert_int_equal(idset_add_notification(s, n), 0);
	json_decref(n);
	return s;
}

static void hit(const struct idset *s, const char *text, const char *word, const char *what)
{
	struct idcheck_match m;

	if (idset_find(s, text, NULL, 0, &m, NULL) != 1)
		fail_msg("'%s': no identifier found, want '%s'", text, word);
	if (strcmp(m.text, word) || strcmp(m.what, what))
		fail_msg("'%s': found '%s' (%s), want '%s' (%s)", text, m.text, m.what, word, what);
}

static void miss(const struct idset *s, const char *text)
{
	struct idcheck_match m;

	if (idset_find(s, text, NULL, 0, &m, NULL) != 0)
		fail_msg("'%s': found '%s' (%s), want nothing", text, m.text, m.what);
}

static void test_every_form(void **state)
{
	struct idset *s = set();

	(void)state;
	hit(s, "millie's cot", "millie", "a name");
	hit(s, "the QUENBY family", "QUENBY", "a name");
	hit(s, "Mrs Ashe said", "Ashe", "a name");
	hit(s, "seen by Okonkwo", "Okonkwo", "a name");
	hit(s, "NHS 943-476-5919.", "943-476-5919", "an NHS number");
	hit(s, "NHS 943 476 5919", "943 476 5919", "an NHS number");
	hit(s, "ref9434765919", "9434765919", "an NHS number"); /* words end at letters */
	hit(s, "born 1/3/2024", "1/3/2024", "a date of birth");
	hit(s, "born 01-03-2024", "01-03-2024", "a date of birth");
	hit(s, "born 1.3.24", "1.3.24", "a date of birth");
	hit(s, "born 2024-03-01", "2024-03-01", "a date of birth");
	hit(s, "born 3/1/2024 (US)", "3/1/2024", "a date of birth");
	hit(s, "born 1 March 2024", "1 March 2024", "a date of birth");
	hit(s, "born 1st of March 2024", "1st of March 2024", "a date of birth");
	hit(s, "born Mar 1, 2024", "Mar 1, 2024", "a date of birth");
	hit(s, "died on 3 May 2025", "3 May 2025", "a date of death");
	hit(s, "at 17 Larkspur Close", "17 Larkspur Close", "an address");
	hit(s, "lived on larkspur  close", "larkspur  close", "a street");
	hit(s, "postcode GF12AB", "GF12AB", "a postcode");
	hit(s, "postcode gf1 2ab", "gf1 2ab", "a postcode");
	idset_free(s);
}

static void test_not_identifiers(void **state)
{
	struct idset *s = set();

	(void)state;
	miss(s, "Millington and Quenbys are other words; service was good.");
	miss(s, "Dr and Mrs Smith; the nurse; Flat 3.");          /* titles are not names */
	miss(s, "Greenfield Academy");                            /* a town is not an address */
	miss(s, "Larkspur grows in the close by the road.");
	miss(s, "born in March 2024; 2 March 2024; 1/3/2023; 01/03");
	miss(s, "NHS 943 476 591; 19434765");
	miss(s, "");
	idset_free(s);
}

static void test_allowed(void **state)
{
	static const char *const allow[] = { "millie", "Larkspur Close" };
	struct idset *s = set();
	struct idcheck_match m;
	size_t allowed = 0;

	(void)state;
	assert_int_equal(idset_find(s, "Millie lived in Larkspur Close.", allow, 2, &m,
				    &allowed), 0);
	assert_int_equal(allowed, 2);
	assert_int_equal(idset_find(s, "Millie Quenby", allow, 2, &m, &allowed), 1);
	assert_string_equal(m.text, "Quenby");
	idset_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_form),
		cmocka_unit_test(test_not_identifiers),
		cmocka_unit_test(test_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
