/*
 * Issue 9, migration 024: the statistics passes of the annual report
 * (cdop/report/stats.c) read indexes, not tables. The migration widens
 * three indexes on a register at schema 23 that holds rows; the passes'
 * statements are then planned on indexes that hold every column they
 * name, and read table rows only where the migration says why not: the
 * reviews pass's case columns and the unexpected cases' rr actions.
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
#include "cdop/store/store_int.h"
#include "cdop/report/report.h"
#include "cdop/report/report_int.h"
#include "support.h"

extern const struct embedded_file cdop_schema[];

/* An in-memory database at the schema of the migrations before FROM
 * (0: all), with a case reviewed in 2023 and one still open. */
static sqlite3 *db_at(int from)
{
	const struct embedded_file *f;
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (f = cdop_schema; f->name; f++)
		if (!from || atoi(f->name) < from)
			t_sql_exec(db, (const char *)f->data);
	return db;
}

static void rows_add(sqlite3 *db)
{
	t_sql_exec(db, "INSERT INTO cases(id, ref, status, surname_key, date_of_birth, "
		"death_date, notified_date, expected, resident, sex, place, created_at, "
		"updated_at, age_band) VALUES "
		"(1, 'CDOP-2022-0001', 'reviewed', 'a', '2020-01-01', '2022-05-01', "
		"'2022-05-02', 'unexpected', 1, 'female', 'home', 'x', 'x', '1-4'), "
		"(2, 'CDOP-2022-0002', 'gathering', 'b', '2021-01-01', '2022-06-01', "
		"'2022-06-02', 'expected', NULL, 'male', 'hospital', 'x', 'x', '1-4');"
		"INSERT INTO rr_actions(case_id, action, due_at, done_on) VALUES "
		"(1, 'home_visit', '2022-05-02T10:00', '2022-05-02');"
		"INSERT INTO meetings(id, date) VALUES (1, '2023-02-01');"
		"INSERT INTO reviews(case_id, meeting_id, meeting_date, form, category, "
		"modifiable, referred, updated_at) VALUES (1, 1, '2023-02-01', '{}', 3, "
		"'no', 0, 'x')");
}

/* Rows of a pragma (SQLite 3.15 has no pragma_* table functions). */
static int64_t pragma_rows(sqlite3 *db, const char *sql, const char *first)
{
	sqlite3_stmt *q = NULL;
	int64_t n = 0;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		if (n++ == 0 && first)
			assert_string_equal((const char *)sqlite3_column_text(q, 0), first);
	sqlite3_finalize(q);
	return n;
}

static int64_t index_columns(sqlite3 *db, const char *index)
{
	char sql[128];

	snprintf(sql, sizeof sql, "PRAGMA index_info(%s)", index);
	return pragma_rows(db, sql, NULL);
}

/* The upgrade of a register at schema 23 with rows: the widened indexes
 * hold them, and the database is whole. */
static void test_upgrade(void **state)
{
	const struct embedded_file *f;
	sqlite3 *db = db_at(24);
	int saw = 0;

	(void)state;
	rows_add(db);
	assert_int_equal(index_columns(db, "cases_notified_ref"), 2);
	for (f = cdop_schema; f->name; f++)
		if (atoi(f->name) == 24) {
			t_sql_exec(db, (const char *)f->data);
			saw = 1;
		}
	assert_true(saw);
	assert_int_equal(index_columns(db, "cases_notified_ref"), 4);
	assert_int_equal(index_columns(db, "cases_status"), 4);
	assert_int_equal(index_columns(db, "reviews_meeting_date"), 4);
	assert_int_equal(t_sql_count(db, "SELECT count(*) FROM cases INDEXED BY "
				  "cases_notified_ref WHERE notified_date >= '2022' "
				  "AND expected = 'unexpected'"), 1);
	assert_int_equal(t_sql_count(db, "SELECT count(*) FROM reviews INDEXED BY "
				  "reviews_meeting_date WHERE meeting_date >= '2023' "
				  "AND category = 3"), 1);
	assert_int_equal(pragma_rows(db, "PRAGMA integrity_check", "ok"), 1);
	sqlite3_close(db);
}

/* Each pass's plan: no table scanned, and table rows read (by id, or
 * through an index that does not hold the columns) by as many of its
 * loops as WANT_ROWS says. */
static void plan_check(sqlite3 *db, const char *sql, int want_rows)
{
	sqlite3_stmt *q = NULL;
	char text[1024];
	int rows = 0;

	snprintf(text, sizeof text, "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(db, text, -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(q, 3);

		if (strstr(d, "SCAN TABLE") || strstr(d, "AUTOMATIC"))
			fail_msg("%s: %s", sql, d);
		rows += strstr(d, "INTEGER PRIMARY KEY") || strstr(d, "USING INDEX");
	}
	sqlite3_finalize(q);
	assert_int_equal(rows, want_rows);
}

static void test_plans(void **state)
{
	/* the rr actions; none; the reviewed cases; none */
	static const int rows[] = { 1, 0, 1, 0 };
	sqlite3 *db = db_at(0);
	size_t i;

	(void)state;
	rows_add(db);
	for (i = 0; stats_case_sql(i); i++)
		plan_check(db, stats_case_sql(i), rows[i]);
	assert_int_equal(i, 4);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_plans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
