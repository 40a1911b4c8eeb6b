/*
 * cdop/anonymise: what the panel sees (SPEC §2). The notification loses
 * names, NHS number, date of birth, address, postcode and exact dates;
 * free text loses the child's identifiers, whole words only for names.
 * Pure functions: no register.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cdop/cases/cases.h"
#include "forms/form.h"
#include "support.h"

static json_t *notification(void)
{
	json_t *n = json_pack(
		"{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b},"
		" s:{s:s, s:s, s:s, s:s, s:s},"
		" s:{s:s, s:s, s:s, s:s}}",
		"child", "forename", "Amy", "surname", "Example", "nhs_number",
		"9434765919", "date_of_birth", "2024-03-01", "sex", "female", "ethnicity",
		"A", "address", "1 Any Street, Town", "postcode", "SN1 1AA", "resident", 1,
		"death", "date", "2025-05-03", "time", "14:20", "place", "home",
		"expected", "unexpected", "circumstances",
		"Amy was found by her mother. AMY EXAMPLE, NHS 943 476 5919, born "
		"01/03/2024, of 1 any street, town (sn11aa).",
		"notified", "date", "2025-05-04", "by_name", "Dr Notifier", "by_role",
		"Paediatrician", "by_agency", "hospital");

	assert_non_null(n);
	return n;
}

static void check_text(const json_t *n, const char *in, const char *want)
{
	char *out = anonymise_text(in, n);

	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_text_identifiers(void **state)
{
	json_t *n = notification();

	(void)state;
	check_text(n, "Amy Example died at home", "[child] [surname] died at home");
	check_text(n, "amy's cot; EXAMPLE family", "[child]'s cot; [surname] family");
	check_text(n, "NHS 9434765919 / 943 476 5919", "NHS [NHS number] / [NHS number]");
	check_text(n, "postcode SN1 1AA or sn11aa.", "postcode [postcode] or [postcode].");
	check_text(n, "born 2024-03-01 (01/03/2024)",
		   "born [date of birth] ([date of birth])");
	check_text(n, "lived at 1 Any Street, Town.", "lived at [address].");
	check_text(n, "", "");
	check_text(n, "nothing to hide", "nothing to hide");
	assert_null(anonymise_text(NULL, n));
	json_decref(n);
}

/* Names are replaced as whole words: "Amy" is not in "Amyl", "Example" is
 * not in "Examples" or "counterexample". */
static void test_text_whole_words(void **state)
{
	json_t *n = notification();

	(void)state;
	check_text(n, "Amyl nitrite; Examples; counterexample; Amy.",
		   "Amyl nitrite; Examples; counterexample; [child].");
	check_text(n, "(Amy)", "([child])");
	check_text(n, "Amy", "[child]");
	json_decref(n);

	/* a short name does not blank the text */
	n = notification();
	json_object_set_new(json_object_get(n, "child"), "forename", json_string("Al"));
	check_text(n, "Al's ball, also Alan and total", "[child]'s ball, also Alan and total");
	json_decref(n);
}

/* "Unknown" is a value, not a name; a one-letter name is left alone. */
static void test_text_unusable_names(void **state)
{
	json_t *n = notification();
	json_t *child = json_object_get(n, "child");

	(void)state;
	json_object_set_new(child, "forename", json_string("Unknown"));
	json_object_set_new(child, "surname", json_string("A"));
	check_text(n, "Unknown child A found", "Unknown child A found");
	json_decref(n);
}

/* Hyphenated and multi-part names are matched as written, whole. */
static void test_text_multi_part_names(void **state)
{
	json_t *n = notification();
	json_t *child = json_object_get(n, "child");

	(void)state;
	json_object_set_new(child, "forename", json_string("Mary-Jane"));
	json_object_set_new(child, "surname", json_string("Smith Jones"));
	check_text(n, "Mary-Jane Smith Jones", "[child] [surname]");
	check_text(n, "mary-jane smith jones's", "[child] [surname]'s");
	json_decref(n);
}

static void test_notification(void **state)
{
	static const char *const never[] = {
		"Amy", "AMY", "Example", "EXAMPLE", "9434765919", "943 476 5919",
		"2024-03-01", "01/03/2024", "Any Street", "any street", "SN1 1AA", "sn11aa",
		"Dr Notifier", "2025-05-03", "2025-05-04", "14:20",
	};
	json_t *n = notification(), *a = anonymise_notification(n);
	char *text;
	size_t i;

	(void)state;
	assert_non_null(a);
	text = json_dumps(a, JSON_COMPACT);
	assert_non_null(text);
	for (i = 0; i < sizeof never / sizeof never[0]; i++)
		if (strstr(text, never[i]))
			fail_msg("anonymised notification has '%s': %s", never[i], text);
	/* what the panel does see */
	assert_string_equal(json_string_value(form_json_get(a, "age_band")), "1-4");
	assert_string_equal(json_string_value(form_json_get(a, "death.month")), "2025-05");
	assert_string_equal(json_string_value(form_json_get(a, "child.sex")), "female");
	assert_string_equal(json_string_value(form_json_get(a, "death.place")), "home");
	assert_string_equal(json_string_value(form_json_get(a, "notified.by_agency")), "hospital");
	assert_string_equal(json_string_value(form_json_get(a, "notified.by_role")),
			    "Paediatrician");
	/* circumstances are identifiable: never shown to the panel */
	assert_null(form_json_get(a, "death.circumstances"));
	/* the stored notification is not changed */
	assert_string_equal(json_string_value(form_json_get(n, "child.forename")), "Amy");
	free(text);
	json_decref(a);
	json_decref(n);
}

static void test_age_band(void **state)
{
	static const struct { const char *dob, *dod, *band; } cases[] = {
		{ "2025-05-03", "2025-05-03", "0-27d" },
		{ "2025-04-06", "2025-05-03", "0-27d" },
		{ "2025-04-05", "2025-05-03", "28-364d" },
		{ "2024-05-04", "2025-05-03", "28-364d" },
		{ "2024-05-03", "2025-05-03", "1-4" },
		{ "2020-05-04", "2025-05-03", "1-4" },
		{ "2020-05-03", "2025-05-03", "5-9" },
		{ "2015-05-03", "2025-05-03", "10-14" },
		{ "2010-05-03", "2025-05-03", "15-17" },
		{ "2007-05-04", "2025-05-03", "15-17" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *n = json_pack("{s:{s:s}, s:{s:s}}", "child", "date_of_birth",
				      cases[i].dob, "death", "date", cases[i].dod);

		if (strcmp(anonymise_age_band(n), cases[i].band))
			fail_msg("%s to %s: %s, want %s", cases[i].dob, cases[i].dod,
				 anonymise_age_band(n), cases[i].band);
		json_decref(n);
	}
	{
		json_t *n = json_pack("{s:{s:s}}", "child", "date_of_birth", "2024-03-01");

		assert_string_equal(anonymise_age_band(n), "unknown");
		json_decref(n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_identifiers),
		cmocka_unit_test(test_text_whole_words),
		cmocka_unit_test(test_text_unusable_names),
		cmocka_unit_test(test_text_multi_part_names),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_age_band),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
