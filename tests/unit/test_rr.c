/* Rapid-response targets as durations, and "now" for due lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "forms/codes.h"
#include "forms/date.h"

static void test_duration_parse(void **state)
{
	static const struct { const char *s; long minutes; } good[] = {
		{ "1h", 60 }, { "24h", 1440 }, { "72h", 4320 }, { "7d", 10080 },
		{ "12w", 120960 }, { "52w", 524160 }, { "8736h", 524160 }, { "364d", 524160 },
	};
	static const char *const bad[] = {
		"", "h", "0h", "0d", "12", "72H", "1.5d", "-3d", "+3d", " 3d", "3d ",
		"3 d", "3dd", "53w", "8737h", "365d", "9999999999h", "3m", "3y",
	};
	size_t i;
	long m;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		m = -1;
		assert_int_equal(rr_duration_parse(good[i].s, &m), 0);
		assert_int_equal(m, good[i].minutes);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m = -1;
		if (rr_duration_parse(bad[i], &m) != -1)
			fail_msg("'%s' parsed as %ld minutes", bad[i], m);
		assert_int_equal(m, -1);
	}
	assert_int_equal(rr_duration_parse(NULL, &m), -1);
}

/* The SPEC's own spelling of every default target comes back out. */
static void test_duration_format(void **state)
{
	static const struct { long minutes; const char *s; } cases[] = {
		{ 60, "1h" }, { 1440, "24h" }, { 4320, "72h" }, { 2880, "48h" },
		{ 10080, "7d" }, { 14400, "10d" }, { 20160, "2w" }, { 120960, "12w" },
		{ 8 * 1440, "8d" }, { 30, "30m" },
	};
	static const char *const spec[] = { "72h", "24h", "24h", "24h", "48h", "7d", "12w" };
	char out[RR_DURATION_BUFLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rr_duration_format(cases[i].minutes, out);
		assert_string_equal(out, cases[i].s);
	}
	assert_int_equal(codes_rr_action.n, sizeof spec / sizeof spec[0]);
	for (i = 0; i < codes_rr_action.n; i++) {
		long m;

		rr_duration_format(codes_rr_action.codes[i].value, out);
		assert_string_equal(out, spec[i]);
		assert_int_equal(rr_duration_parse(out, &m), 0);
		assert_int_equal(m, codes_rr_action.codes[i].value);
	}
}

static void test_now_with_override(void **state)
{
	struct reg r;
	struct cdatetime want = { { 2025, 5, 5 }, { 23, 59 }, 1 };
	long long now = 0;

	(void)state;
	reg_init(&r);
	r.ss.today = "2025-05-05";
	assert_int_equal(rr_now_minutes(&r, &now), CDOP_OK);
	assert_true(now == date_datetime_minutes(&want));
	r.ss.today = "2025-02-30";
	assert_int_equal(rr_now_minutes(&r, &now), CDOP_ERR_INPUT);
	assert_non_null(strstr(r.e.msg, "CDOP_TODAY"));
	r.ss.today = NULL;
	assert_int_equal(rr_now_minutes(&r, &now), CDOP_OK);
	assert_true(now > date_datetime_minutes(&want));
	reg_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_now_with_override),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
