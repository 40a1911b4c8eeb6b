/* forms/date: strict parsing, day arithmetic, ages, months, report years. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "forms/date.h"

static struct cdate D(int y, int m, int d)
{
	struct cdate c = { y, m, d };

	return c;
}

static struct cdate parse_ok(const char *s)
{
	struct cdate d = { 0, 0, 0 };

	assert_int_equal(date_parse(s, &d), DATE_OK);
	return d;
}

static void test_parse_valid(void **state)
{
	struct cdate d;

	(void)state;
	d = parse_ok("2025-06-01");
	assert_int_equal(d.y, 2025);
	assert_int_equal(d.m, 6);
	assert_int_equal(d.d, 1);
	parse_ok("2024-02-29");	/* leap year */
	parse_ok("2000-02-29");	/* divisible by 400 */
	parse_ok("0001-01-01");
	parse_ok("9999-12-31");
	parse_ok("2025-12-31");
}

static void test_parse_range(void **state)
{
	struct cdate d = { 7, 7, 7 };

	(void)state;
	assert_int_equal(date_parse("2025-02-29", &d), DATE_ERANGE);
	assert_int_equal(date_parse("1900-02-29", &d), DATE_ERANGE);
	assert_int_equal(date_parse("2025-13-01", &d), DATE_ERANGE);
	assert_int_equal(date_parse("2025-00-10", &d), DATE_ERANGE);
	assert_int_equal(date_parse("2025-04-31", &d), DATE_ERANGE);
	assert_int_equal(date_parse("2025-01-00", &d), DATE_ERANGE);
	assert_int_equal(date_parse("0000-01-01", &d), DATE_ERANGE);
	/* out is untouched on failure */
	assert_int_equal(d.y, 7);
}

static void test_parse_syntax(void **state)
{
	static const char *const bad[] = {
		"2025-6-1", "2025-06-1", "25-06-01", "2025-06-01x",
		" 2025-06-01", "2025-06-01 ", "2025/06/01", "2025-06-01T",
		"", "2025-0a-01", "+025-06-01", "2025-06--1", "20250601",
		"2025-06-01T14:20",
	};
	struct cdate d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(date_parse(bad[i], &d), DATE_ESYNTAX);
	assert_int_equal(date_parse(NULL, &d), DATE_ESYNTAX);
}

static void test_time(void **state)
{
	struct ctod t;

	(void)state;
	assert_int_equal(date_time_parse("00:00", &t), DATE_OK);
	assert_int_equal(date_time_parse("23:59", &t), DATE_OK);
	assert_int_equal(t.h, 23);
	assert_int_equal(t.m, 59);
	assert_int_equal(date_time_parse("24:00", &t), DATE_ERANGE);
	assert_int_equal(date_time_parse("12:60", &t), DATE_ERANGE);
	assert_int_equal(date_time_parse("9:30", &t), DATE_ESYNTAX);
	assert_int_equal(date_time_parse("09:30:00", &t), DATE_ESYNTAX);
	assert_int_equal(date_time_parse("0930", &t), DATE_ESYNTAX);
	assert_int_equal(date_time_parse("09.30", &t), DATE_ESYNTAX);
}

static void test_datetime(void **state)
{
	struct cdatetime dt;
	char buf[DATE_DATETIME_BUFLEN];

	(void)state;
	assert_int_equal(date_datetime_parse("2025-05-03T14:20", &dt), DATE_OK);
	assert_true(dt.has_time);
	assert_int_equal(dt.date.d, 3);
	assert_int_equal(dt.time.h, 14);
	assert_int_equal(dt.time.m, 20);
	date_datetime_format(&dt, buf);
	assert_string_equal(buf, "2025-05-03T14:20");
	assert_int_equal(date_datetime_parse("2025-05-03", &dt), DATE_OK);
	assert_false(dt.has_time);
	date_datetime_format(&dt, buf);
	assert_string_equal(buf, "2025-05-03");
	assert_int_equal(date_datetime_parse("2025-05-03 14:20", &dt), DATE_ESYNTAX);
	assert_int_equal(date_datetime_parse("2025-05-03T14:2", &dt), DATE_ESYNTAX);
	assert_int_equal(date_datetime_parse("2025-05-03T25:00", &dt), DATE_ERANGE);
	assert_int_equal(date_datetime_parse("2025-02-29T10:00", &dt), DATE_ERANGE);
	assert_int_equal(date_datetime_parse("2025-05-03T14:20Z", &dt), DATE_ESYNTAX);
}

static void test_days(void **state)
{
	struct cdate d = D(1970, 1, 1), e;
	long n, prev;

	(void)state;
	assert_int_equal(date_to_days(&d), 0);
	d = D(2000, 3, 1);
	assert_int_equal(date_to_days(&d), 11017);
	d = D(1969, 12, 31);
	assert_int_equal(date_to_days(&d), -1);
	/* every day from 1600 to 2400 round-trips and is one after the last */
	d = D(1600, 1, 1);
	prev = date_to_days(&d) - 1;
	for (n = date_to_days(&d); n < date_to_days(&d) + 292200; n++) {
		e = date_from_days(n);
		assert_true(date_is_valid(&e));
		assert_int_equal(date_to_days(&e), prev + 1);
		prev = n;
	}
}

static void test_add_compare(void **state)
{
	struct cdate d = D(2024, 2, 28), e;
	char buf[DATE_BUFLEN];

	(void)state;
	e = date_add_days(&d, 1);
	date_format(&e, buf);
	assert_string_equal(buf, "2024-02-29");
	e = date_add_days(&d, 2);
	date_format(&e, buf);
	assert_string_equal(buf, "2024-03-01");
	d = D(2025, 12, 31);
	e = date_add_days(&d, 1);
	date_format(&e, buf);
	assert_string_equal(buf, "2026-01-01");
	e = date_add_days(&e, -366);
	date_format(&e, buf);
	assert_string_equal(buf, "2024-12-31");
	assert_true(date_compare(&d, &e) > 0);
	assert_true(date_compare(&e, &d) < 0);
	assert_int_equal(date_compare(&d, &d), 0);
	assert_int_equal(date_days_between(&e, &d), 365);
}

static void test_age_years(void **state)
{
	struct cdate b = D(2007, 5, 3), on = D(2025, 5, 2);

	(void)state;
	assert_int_equal(date_age_years(&b, &on), 17);
	on = D(2025, 5, 3);
	assert_int_equal(date_age_years(&b, &on), 18);
	on = D(2007, 5, 3);
	assert_int_equal(date_age_years(&b, &on), 0);
	on = D(2007, 5, 2);
	assert_int_equal(date_age_years(&b, &on), -1);
	/* 29 February birthdays fall on 1 March in non-leap years */
	b = D(2024, 2, 29);
	on = D(2025, 2, 28);
	assert_int_equal(date_age_years(&b, &on), 0);
	on = D(2025, 3, 1);
	assert_int_equal(date_age_years(&b, &on), 1);
	on = D(2028, 2, 28);
	assert_int_equal(date_age_years(&b, &on), 3);
	on = D(2028, 2, 29);
	assert_int_equal(date_age_years(&b, &on), 4);
	/* month-end birthdays */
	b = D(2023, 3, 31);
	on = D(2024, 3, 30);
	assert_int_equal(date_age_years(&b, &on), 0);
	on = D(2024, 3, 31);
	assert_int_equal(date_age_years(&b, &on), 1);
}

static void test_age_days(void **state)
{
	struct cdate b = D(2025, 1, 1), on = D(2025, 1, 28);

	(void)state;
	assert_int_equal(date_age_days(&b, &on), 27);
	on = D(2024, 12, 31);
	assert_int_equal(date_age_days(&b, &on), -1);
	on = D(2026, 1, 1);
	assert_int_equal(date_age_days(&b, &on), 365);
}

static void test_months(void **state)
{
	struct cdate a = D(2025, 1, 15), b = D(2025, 7, 14);

	(void)state;
	assert_int_equal(date_months_between(&a, &b), 5);
	b = D(2025, 7, 15);
	assert_int_equal(date_months_between(&a, &b), 6);
	assert_int_equal(date_months_between(&b, &a), -6);
	assert_int_equal(date_months_between(&a, &a), 0);
	a = D(2025, 1, 31);
	b = D(2025, 2, 28);
	assert_int_equal(date_months_between(&a, &b), 0);
	b = D(2025, 3, 1);
	assert_int_equal(date_months_between(&a, &b), 1);
	b = D(2025, 4, 30);
	assert_int_equal(date_months_between(&a, &b), 2);
	b = D(2025, 5, 1);
	assert_int_equal(date_months_between(&a, &b), 3);
	a = D(2024, 2, 29);
	b = D(2025, 2, 28);
	assert_int_equal(date_months_between(&a, &b), 11);
	a = D(2024, 12, 10);
	b = D(2026, 1, 10);
	assert_int_equal(date_months_between(&a, &b), 13);
}

static void test_minutes(void **state)
{
	struct cdatetime dt, back;
	char buf[DATE_DATETIME_BUFLEN];

	(void)state;
	assert_int_equal(date_datetime_parse("2025-05-03T14:20", &dt), DATE_OK);
	back = date_datetime_from_minutes(date_datetime_minutes(&dt) + 72 * 60);
	date_datetime_format(&back, buf);
	assert_string_equal(buf, "2025-05-06T14:20");
	assert_int_equal(date_datetime_parse("1969-12-31T23:59", &dt), DATE_OK);
	assert_int_equal(date_datetime_minutes(&dt), -1);
	back = date_datetime_from_minutes(-1);
	date_datetime_format(&back, buf);
	assert_string_equal(buf, "1969-12-31T23:59");
}

static void test_report_year(void **state)
{
	struct cdate first, last, d;
	char buf[DATE_YEAR_BUFLEN];
	int y = 0;

	(void)state;
	assert_int_equal(date_report_year_parse("2025-26", &y), DATE_OK);
	assert_int_equal(y, 2025);
	date_report_year_bounds(y, &first, &last);
	assert_int_equal(date_compare(&first, &(struct cdate){ 2025, 4, 1 }), 0);
	assert_int_equal(date_compare(&last, &(struct cdate){ 2026, 3, 31 }), 0);
	assert_int_equal(date_report_year_parse("1999-00", &y), DATE_OK);
	assert_int_equal(y, 1999);
	assert_int_equal(date_report_year_parse("2025-27", &y), DATE_ERANGE);
	assert_int_equal(date_report_year_parse("2025-25", &y), DATE_ERANGE);
	assert_int_equal(date_report_year_parse("2025-2026", &y), DATE_ESYNTAX);
	assert_int_equal(date_report_year_parse("2025", &y), DATE_ESYNTAX);
	assert_int_equal(date_report_year_parse("2025/26", &y), DATE_ESYNTAX);
	assert_int_equal(date_report_year_parse("2025-26 ", &y), DATE_ESYNTAX);
	d = D(2025, 3, 31);
	assert_int_equal(date_report_year_of(&d), 2024);
	d = D(2025, 4, 1);
	assert_int_equal(date_report_year_of(&d), 2025);
	d = D(2026, 3, 31);
	assert_int_equal(date_report_year_of(&d), 2025);
	date_report_year_format(2025, buf);
	assert_string_equal(buf, "2025-26");
	date_report_year_format(1999, buf);
	assert_string_equal(buf, "1999-00");
}

static void test_format(void **state)
{
	struct cdate d = D(5, 1, 9);
	struct ctod t = { 7, 5 };
	char buf[DATE_BUFLEN], tb[DATE_TIME_BUFLEN];

	(void)state;
	date_format(&d, buf);
	assert_string_equal(buf, "0005-01-09");
	date_time_format(&t, tb);
	assert_string_equal(tb, "07:05");
	assert_int_equal(date_month_days(2024, 2), 29);
	assert_int_equal(date_month_days(2025, 2), 28);
	assert_int_equal(date_month_days(2025, 13), 0);
	assert_string_equal(date_strerror(DATE_ERANGE), "no such date or time");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_range),
		cmocka_unit_test(test_parse_syntax),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_datetime),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_add_compare),
		cmocka_unit_test(test_age_years),
		cmocka_unit_test(test_age_days),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_minutes),
		cmocka_unit_test(test_report_year),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
