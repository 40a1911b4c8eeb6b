/* forms/nhs: the modulus-11 NHS number check, directly and via a form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "forms/form.h"
#include "forms/nhs.h"

static void test_valid(void **state)
{
	char out[NHS_NUMBER_BUFLEN];
	size_t n = 0;

	(void)state;
	assert_int_equal(nhs_number_check("9434765919", out, &n), NHS_OK);
	assert_string_equal(out, "9434765919");
	assert_int_equal(n, 10);
	assert_int_equal(nhs_number_check("943 476 5919", out, NULL), NHS_OK);
	assert_string_equal(out, "9434765919");
	assert_int_equal(nhs_number_check(" 943 476 5919 ", out, NULL), NHS_OK);
	assert_int_equal(nhs_number_check("9434765919", NULL, NULL), NHS_OK);
	/* check digit 11 becomes 0 */
	assert_int_equal(nhs_number_check_digit("0000000000"), 0);
	assert_int_equal(nhs_number_check("4010232137", out, NULL), NHS_OK);
	assert_int_equal(nhs_number_check("1234567830", out, NULL), NHS_OK);
}

static void test_invalid(void **state)
{
	char out[NHS_NUMBER_BUFLEN] = "untouched";
	size_t n = 0;

	(void)state;
	assert_int_equal(nhs_number_check("943476591", out, &n), NHS_ELENGTH);
	assert_int_equal(n, 9);
	assert_int_equal(nhs_number_check("94347659190", out, &n), NHS_ELENGTH);
	assert_int_equal(n, 11);
	assert_int_equal(nhs_number_check("", out, &n), NHS_ELENGTH);
	assert_int_equal(n, 0);
	assert_int_equal(nhs_number_check("94347A5919", out, NULL), NHS_ECHAR);
	assert_int_equal(nhs_number_check("943-476-5919", out, NULL), NHS_ECHAR);
	assert_int_equal(nhs_number_check("943\t476 5919", out, NULL), NHS_ECHAR);
	assert_int_equal(nhs_number_check("9434765918", out, NULL), NHS_ECHECK);
	assert_int_equal(nhs_number_check("9434765910", out, NULL), NHS_ECHECK);
	assert_string_equal(out, "untouched");
}

/* A prefix whose weighted sum leaves remainder 1 has no check digit. */
static void test_check_digit_ten(void **state)
{
	char num[11];
	unsigned long k;
	int found = 0, d;

	(void)state;
	for (k = 100000000; k < 100001000 && !found; k++) {
		snprintf(num, sizeof(num), "%09lu0", k);
		if (nhs_number_check_digit(num) == -1)
			found = 1;
	}
	assert_true(found);
	for (d = 0; d <= 9; d++) {
		num[9] = (char)('0' + d);
		assert_int_equal(nhs_number_check(num, NULL, NULL), NHS_ECHECK);
	}
}

static void test_format(void **state)
{
	char out[NHS_NUMBER_DISPLAY_BUFLEN];

	(void)state;
	nhs_number_format("9434765919", out);
	assert_string_equal(out, "943 476 5919");
	assert_string_equal(nhs_strerror(NHS_ECHECK), "the check digit does not match");
}

/* The messages a user sees through the notification form. */
static const char *field_msg(const char *value, char *msg, size_t len)
{
	const struct field *f = form_field_find(&form_notification,
						"child.nhs_number");
	json_t *out = NULL;
	int rc;

	assert_non_null(f);
	rc = field_check_value(f, value, &out, msg, len);
	if (rc == FORM_OK) {
		snprintf(msg, len, "ok %s", out ? json_string_value(out) : "(null)");
		json_decref(out);
	}
	return msg;
}

static void test_messages(void **state)
{
	char msg[512];

	(void)state;
	assert_string_equal(field_msg("943 476 5919", msg, sizeof(msg)),
			    "ok 9434765919");
	assert_string_equal(field_msg("943476591", msg, sizeof(msg)),
			    "\"943476591\" has 9 digits; an NHS number has 10");
	assert_string_equal(field_msg("94347A5919", msg, sizeof(msg)),
			    "\"94347A5919\" is not an NHS number; use its 10 digits (spaces allowed)");
	assert_string_equal(field_msg("9434765918", msg, sizeof(msg)),
			    "\"9434765918\" fails the NHS number check digit; check it was copied correctly");
	assert_string_equal(field_msg("", msg, sizeof(msg)), "ok (null)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_check_digit_ten),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
