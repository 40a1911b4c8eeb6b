/* forms/codes: every code list of SPEC §3, exactly, and the helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "forms/codes.h"

/* The list's codes joined by spaces must equal `want`. */
static void assert_codes(const struct code_list *l, const char *want)
{
	char got[1024] = "";
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, l->codes[i].code);
	}
	assert_string_equal(got, want);
}

static void test_spec_lists(void **state)
{
	(void)state;
	assert_codes(&codes_sex, "male female indeterminate not_known");
	assert_codes(&codes_ethnicity, "A B C D E F G H J K L M N P R S Z");
	assert_codes(&codes_place,
		     "hospital_ed hospital_ward neonatal_unit intensive_care hospice home other_residence public_place school abroad other not_known");
	assert_codes(&codes_expected, "expected unexpected");
	assert_codes(&codes_yes_no_unknown, "yes no unknown");
	assert_codes(&codes_agency,
		     "gp health_visiting midwifery hospital ambulance police childrens_social_care education mental_health coroner public_health other");
	assert_codes(&codes_rr_action,
		     "information_sharing_meeting home_visit police_informed coroner_informed key_worker_assigned bereavement_support_offered child_death_review_meeting");
	assert_codes(&codes_case_status,
		     "notified gathering ready scheduled reviewed closed transferred");
	assert_codes(&codes_review_category, "1 2 3 4 5 6 7 8 9 10");
	assert_codes(&codes_domain_score, "0 1 2");
	assert_codes(&codes_modifiable, "yes no insufficient_information");
	assert_codes(&codes_theme,
		     "safe_sleeping smoking alcohol_drugs road_safety water_safety fire_burns suicide_self_harm domestic_abuse neglect mental_health transitions_of_care access_to_services prematurity consanguinity other");
}

static void test_labels(void **state)
{
	(void)state;
	assert_string_equal(code_list_label(&codes_ethnicity, "A"), "White - British");
	assert_string_equal(code_list_label(&codes_ethnicity, "B"), "White - Irish");
	assert_string_equal(code_list_label(&codes_ethnicity, "C"), "Any other White background");
	assert_string_equal(code_list_label(&codes_ethnicity, "D"), "Mixed - White and Black Caribbean");
	assert_string_equal(code_list_label(&codes_ethnicity, "Z"), "Not stated");
	assert_string_equal(code_list_label(&codes_review_category, "1"),
			    "Deliberately inflicted injury, abuse or neglect");
	assert_string_equal(code_list_label(&codes_review_category, "10"),
			    "Sudden unexpected, unexplained death");
	assert_string_equal(code_list_label(&codes_domain_score, "0"),
			    "Information not available");
	assert_null(code_list_label(&codes_sex, "Male"));	/* case-sensitive */
	assert_null(code_list_label(&codes_sex, ""));
}

static void test_every_list_well_formed(void **state)
{
	size_t i, j, k;

	(void)state;
	assert_int_equal(codes_all_n, 13);
	for (i = 0; i < codes_all_n; i++) {
		const struct code_list *l = codes_all[i];

		assert_ptr_equal(code_list_by_name(l->name), l);
		assert_true(l->n > 0);
		assert_true(l->n <= 64);	/* FORM_CODES_MAX in forms/ */
		for (j = 0; j < l->n; j++) {
			assert_true(strlen(l->codes[j].code) > 0);
			assert_true(strlen(l->codes[j].label) > 0);
			assert_int_equal(code_list_index(l, l->codes[j].code), (int)j);
			for (k = 0; k < j; k++)
				assert_string_not_equal(l->codes[j].code, l->codes[k].code);
		}
	}
	assert_null(code_list_by_name("nope"));
}

static void test_rr_targets(void **state)
{
	(void)state;
	assert_int_equal(codes_rr_target_minutes("information_sharing_meeting"), 72 * 60);
	assert_int_equal(codes_rr_target_minutes("home_visit"), 24 * 60);
	assert_int_equal(codes_rr_target_minutes("police_informed"), 24 * 60);
	assert_int_equal(codes_rr_target_minutes("coroner_informed"), 24 * 60);
	assert_int_equal(codes_rr_target_minutes("key_worker_assigned"), 48 * 60);
	assert_int_equal(codes_rr_target_minutes("bereavement_support_offered"), 7 * 24 * 60);
	assert_int_equal(codes_rr_target_minutes("child_death_review_meeting"), 12 * 7 * 24 * 60);
	assert_int_equal(codes_rr_target_minutes("tea"), -1);
}

static void test_join(void **state)
{
	char buf[64], tiny[8];

	(void)state;
	assert_int_equal(code_list_join(&codes_sex, buf, sizeof(buf)),
			 strlen("male, female, indeterminate, not_known"));
	assert_string_equal(buf, "male, female, indeterminate, not_known");
	code_list_join(&codes_sex, tiny, sizeof(tiny));
	assert_string_equal(tiny, "male, f");	/* like snprintf */
}

static void test_status_moves(void **state)
{
	(void)state;
	assert_int_equal(codes_status_move_check("notified", "gathering"), 0);
	assert_int_equal(codes_status_move_check("gathering", "ready"), 0);
	assert_int_equal(codes_status_move_check("notified", "scheduled"), 0);
	assert_int_equal(codes_status_move_check("reviewed", "closed"), 0);
	assert_int_equal(codes_status_move_check("notified", "transferred"), 0);
	assert_int_equal(codes_status_move_check("scheduled", "transferred"), 0);
	assert_int_equal(codes_status_move_check("reviewed", "transferred"), -1);
	assert_int_equal(codes_status_move_check("ready", "gathering"), -1);
	assert_int_equal(codes_status_move_check("ready", "ready"), -1);
	assert_int_equal(codes_status_move_check("closed", "notified"), -1);
	assert_int_equal(codes_status_move_check("transferred", "closed"), -1);
	assert_int_equal(codes_status_move_check("notified", "open"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_lists),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_every_list_well_formed),
		cmocka_unit_test(test_rr_targets),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_status_moves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
