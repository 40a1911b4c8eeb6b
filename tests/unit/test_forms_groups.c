/* forms/groups: the report groupings and bands of SPEC §3 and §5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "forms/codes.h"
#include "forms/groups.h"

static struct cdate D(int y, int m, int d)
{
	struct cdate c = { y, m, d };

	return c;
}

static void test_ethnicity(void **state)
{
	static const char *const want[][2] = {
		{ "A", "white" }, { "B", "white" }, { "C", "white" },
		{ "D", "mixed" }, { "E", "mixed" }, { "F", "mixed" }, { "G", "mixed" },
		{ "H", "asian" }, { "J", "asian" }, { "K", "asian" }, { "L", "asian" },
		{ "M", "black" }, { "N", "black" }, { "P", "black" },
		{ "R", "other" }, { "S", "other" }, { "Z", "not_stated" },
	};
	size_t i;

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), codes_ethnicity.n);
	for (i = 0; i < codes_ethnicity.n; i++) {
		assert_string_equal(codes_ethnicity.codes[i].code, want[i][0]);
		assert_string_equal(group_ethnicity_of(want[i][0]), want[i][1]);
	}
	assert_string_equal(group_ethnicity_of(NULL), "not_stated");
	assert_string_equal(group_ethnicity_of("AB"), "not_stated");
	assert_string_equal(group_ethnicity_of(""), "not_stated");
}

static void test_place(void **state)
{
	(void)state;
	assert_string_equal(group_place_of("hospital_ed"), "hospital");
	assert_string_equal(group_place_of("hospital_ward"), "hospital");
	assert_string_equal(group_place_of("neonatal_unit"), "hospital");
	assert_string_equal(group_place_of("intensive_care"), "hospital");
	assert_string_equal(group_place_of("hospice"), "hospice");
	assert_string_equal(group_place_of("home"), "home");
	assert_string_equal(group_place_of("other_residence"), "home");
	assert_string_equal(group_place_of("public_place"), "other");
	assert_string_equal(group_place_of("school"), "other");
	assert_string_equal(group_place_of("abroad"), "other");
	assert_string_equal(group_place_of("other"), "other");
	assert_string_equal(group_place_of("not_known"), "not_known");
	assert_string_equal(group_place_of(NULL), "not_known");
	assert_string_equal(group_place_of("hospital"), "not_known");
}

static const char *band(struct cdate b, struct cdate d)
{
	return group_age_band_of(&b, &d);
}

static void test_age_bands(void **state)
{
	struct cdate b = D(2024, 1, 1);

	(void)state;
	assert_string_equal(band(b, D(2024, 1, 1)), "0-27d");
	assert_string_equal(band(b, D(2024, 1, 28)), "0-27d");	/* 27 days */
	assert_string_equal(band(b, D(2024, 1, 29)), "28-364d");
	assert_string_equal(band(b, D(2024, 12, 31)), "28-364d");
	assert_string_equal(band(b, D(2025, 1, 1)), "1-4");
	assert_string_equal(band(b, D(2028, 12, 31)), "1-4");
	assert_string_equal(band(b, D(2029, 1, 1)), "5-9");
	assert_string_equal(band(b, D(2034, 1, 1)), "10-14");
	assert_string_equal(band(b, D(2039, 1, 1)), "15-17");
	assert_string_equal(band(b, D(2041, 12, 31)), "15-17");
	assert_null(band(b, D(2042, 1, 1)));
	assert_null(band(b, D(2023, 12, 31)));
	assert_int_equal(groups_age_band_n, 6);
}

static const char *dur(struct cdate a, struct cdate b)
{
	return group_duration_band_of(&a, &b);
}

static void test_duration_bands(void **state)
{
	struct cdate death = D(2024, 5, 3);

	(void)state;
	assert_string_equal(dur(death, D(2024, 5, 3)), "under_6_months");
	assert_string_equal(dur(death, D(2024, 11, 2)), "under_6_months");
	assert_string_equal(dur(death, D(2024, 11, 3)), "6_to_12_months");
	assert_string_equal(dur(death, D(2025, 5, 2)), "6_to_12_months");
	assert_string_equal(dur(death, D(2025, 5, 3)), "6_to_12_months");
	assert_string_equal(dur(death, D(2025, 5, 4)), "over_12_months");
	assert_null(dur(death, D(2024, 5, 2)));
	/* 12-month anniversary of 29 February 2024 is 1 March 2025 */
	death = D(2024, 2, 29);
	assert_string_equal(dur(death, D(2025, 3, 1)), "6_to_12_months");
	assert_string_equal(dur(death, D(2025, 3, 2)), "over_12_months");
}

static void test_rows(void **state)
{
	(void)state;
	assert_int_equal(groups_ethnicity_n, 6);
	assert_string_equal(groups_ethnicity[5], "not_stated");
	assert_int_equal(groups_place_n, 5);
	assert_string_equal(groups_place[0], "hospital");
	assert_int_equal(groups_duration_band_n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethnicity),
		cmocka_unit_test(test_place),
		cmocka_unit_test(test_age_bands),
		cmocka_unit_test(test_duration_bands),
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
