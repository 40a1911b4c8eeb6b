/* The one "done by the target?" rule: a date alone counts as 23:59. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forms/date.h"

static void test_done_minutes(void **state)
{
	long long a, b;

	(void)state;
	assert_int_equal(date_done_minutes("2025-05-04", &a), 0);
	assert_int_equal(date_done_minutes("2025-05-04T23:59", &b), 0);
	assert_true(a == b);
	assert_int_equal(date_done_minutes("2025-05-04T09:30", &b), 0);
	assert_true(a - b == 14 * 60 + 29);
	assert_int_not_equal(date_done_minutes("2025-02-30", &a), 0);
	assert_int_not_equal(date_done_minutes(NULL, &a), 0);
}

static void test_done_by(void **state)
{
	(void)state;
	assert_true(date_done_by("2025-05-04T14:20", "2025-05-04T14:20"));
	assert_false(date_done_by("2025-05-04T14:21", "2025-05-04T14:20"));
	/* a date alone on the due day is late for any due time before 23:59 */
	assert_false(date_done_by("2025-05-04", "2025-05-04T14:20"));
	assert_true(date_done_by("2025-05-04", "2025-05-04T23:59"));
	assert_true(date_done_by("2025-05-03", "2025-05-04T00:00"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_done_minutes),
		cmocka_unit_test(test_done_by),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
