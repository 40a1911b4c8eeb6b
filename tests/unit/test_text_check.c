/*
 * Issue 11, migration 012: the check state of learning and recommendation
 * texts. Written without K_id (the panel) a text is 'unchecked'; a
 * manager's idcheck_pending makes it 'checked' or 'flagged' (with the kind,
 * never the word), once; a manager's write is 'checked' at once; a panel
 * amendment makes it 'unchecked' again; a manager's case view checks that
 * case only. And the migration itself, on a register at schema 11.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "cdop/panel/panel.h"
#include "cdop/report/report.h"
#include "support.h"

extern const struct embedded_file cdop_schema[];

/* Upgrade: rows written at schema 11 become 'unchecked', the state is
 * constrained, and the pending texts are found through the partial index. */
static void test_migration(void **state)
{
	const struct embedded_file *f;
	sqlite3 *db = NULL;
	int saw12 = 0;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (f = cdop_schema; f->name; f++)
		if (atoi(f->name) < 12)
			t_sql_exec(db, (const char *)f->data);
	t_sql_exec(db, "INSERT INTO meetings(id, date) VALUES (1, '2025-05-20');"
		"INSERT INTO reviews(case_id, meeting_id, meeting_date, form, category, "
		"modifiable, referred, updated_at) VALUES (7, 1, '2025-05-20', "
		"'{\"learning\":\"x\",\"learning_publishable\":true}', 10, 'yes', 0, "
		"'2025-05-20T10:00:00Z');"
		"INSERT INTO recommendations(case_id, made_on, text, owner, due) VALUES "
		"(7, '2025-05-20', 'y', 'public_health', '2025-12-31')");
	for (f = cdop_schema; f->name; f++)
		if (atoi(f->name) == 12) {
			t_sql_exec(db, (const char *)f->data);
			saw12 = 1;
		}
	assert_true(saw12);
	assert_int_equal(t_sql_count(db, "SELECT count(*) FROM reviews WHERE "
				  "text_check = 'unchecked' AND check_what IS NULL"), 1);
	assert_int_equal(t_sql_count(db, "SELECT count(*) FROM recommendations WHERE "
				  "text_check = 'unchecked' AND check_what IS NULL"), 1);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE reviews SET text_check = 'maybe'",
					  NULL, NULL, NULL), SQLITE_OK);
	t_sql_exec(db, "UPDATE reviews SET text_check = 'flagged', check_what = 'a name'");
	/* a new row, written as at schema 12 by a writer without K_id */
	t_sql_exec(db, "INSERT INTO recommendations(case_id, made_on, text, owner, due) "
		"VALUES (8, '2025-05-20', 'z', 'public_health', '2025-12-31')");
	assert_int_equal(t_sql_count(db, "SELECT count(*) FROM recommendations WHERE "
				  "text_check = 'unchecked'"), 2);
	{
		sqlite3_stmt *q = NULL;
		int uses = 0;

		assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT case_id "
						    "FROM reviews WHERE text_check <> 'checked' "
						    "AND text_check = 'unchecked'", -1, &q, NULL),
				 SQLITE_OK);
		while (sqlite3_step(q) == SQLITE_ROW)
			uses |= strstr((const char *)sqlite3_column_text(q, 3),
				       "reviews_text_check") != NULL;
		sqlite3_finalize(q);
		assert_true(uses);
	}
	sqlite3_close(db);
}

static const char *state_of(struct reg *r, const char *sql, char *buf, size_t len)
{
	struct db_stmt q = DB_STMT_INIT;

	buf[0] = 0;
	assert_int_equal(db_prepare(r, &q, sql), 0);
	if (db_step(&q) == DB_ROW)
		snprintf(buf, len, "%s|%s", db_column_text(&q, 0),
			 db_column_is_null(&q, 1) ? "" : db_column_text(&q, 1));
	assert_int_equal(db_finalize(&q), 0);
	return buf;
}

#define LEARNING_STATE(r, b) state_of(r, "SELECT text_check, check_what FROM reviews " \
				      "ORDER BY case_id LIMIT 1", b, sizeof b)
#define REC_STATE(r, b) state_of(r, "SELECT text_check, check_what FROM " \
				 "recommendations ORDER BY id DESC LIMIT 1", b, sizeof b)

static void record(struct reg *r, const char *ref, const char *mid, const char *learning)
{
	json_t *v = t_review(learning, "2025-12-31");
	int amended = 0;

	t_ok(reviews_record(r, ref, mid, v, &amended), r);
	json_decref(v);
}

static void test_transitions(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], ref2[CASE_REF_MAX], mid[24], mid2[24], b[96];
	json_t *flags = NULL, *view = NULL;
	int64_t m, m2;

	t_notify(r, t_notification("Quenby", NULL), ref);
	t_notify(r, t_notification("Arbuthnot", "4010232137"), ref2);
	t_to_meeting(r, ref, "2025-05-20", &m, mid, NULL);
	t_to_meeting(r, ref2, "2025-05-21", &m2, mid2, NULL);

	/* the panel: stored unchecked; its own idcheck_pending can do nothing */
	t_clone_reopen(c, T_PANEL);
	r = &c->r;
	record(r, ref, mid, "Amy Quenby slept at 1 Any Street after alcohol.");
	assert_string_equal(LEARNING_STATE(r, b), "unchecked|");
	assert_string_equal(REC_STATE(r, b), "unchecked|");
	t_ok(idcheck_pending(r, 0), r);
	assert_string_equal(LEARNING_STATE(r, b), "unchecked|");

	/* a manager: flagged (the kind only), the recommendation checked; once */
	t_clone_reopen(c, T_MANAGER);
	r = &c->r;
	t_ok(idcheck_pending(r, 0), r);
	assert_string_equal(LEARNING_STATE(r, b), "flagged|a name");
	assert_string_equal(REC_STATE(r, b), "checked|");
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'text_check' "
			       "AND detail = '2 texts checked, 1 flagged'"), 1);
	t_ok(idcheck_pending(r, 0), r);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'text_check'"), 1);
	t_ok(idcheck_flagged(r, 0, &flags), r);
	assert_int_equal(json_array_size(flags), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(flags, 0), "ref")),
			    ref);
	assert_string_equal(json_string_value(json_object_get(json_array_get(flags, 0),
							      "field")), "learning");
	assert_string_equal(json_string_value(json_object_get(json_array_get(flags, 0),
							      "what")), "a name");
	json_decref(flags);

	/* the manager's rewrite: checked when written, nothing left to fix */
	record(r, ref, mid, "Co-sleeping after alcohol is a risk.");
	assert_string_equal(LEARNING_STATE(r, b), "checked|");
	assert_string_equal(REC_STATE(r, b), "checked|");
	t_ok(idcheck_flagged(r, 0, &flags), r);
	assert_int_equal(json_array_size(flags), 0);
	json_decref(flags);

	/* the panel amends both: unchecked again */
	t_clone_reopen(c, T_PANEL);
	r = &c->r;
	record(r, ref, mid, "Co-sleeping after alcohol is a risk to infants.");
	record(r, ref2, mid2, "Smoke alarms save lives.");
	assert_string_equal(LEARNING_STATE(r, b), "unchecked|");
	/* the panel's view changes nothing */
	t_ok(cases_show(r, ref, CASE_VIEW_ANON, &view), r);
	assert_string_equal(json_string_value(json_object_get(json_object_get(view, "review"),
							      "text_check")), "unchecked");
	json_decref(view);

	/* a manager's view of one case checks that case only */
	t_clone_reopen(c, T_MANAGER);
	r = &c->r;
	t_ok(cases_show(r, ref, CASE_VIEW_FULL, &view), r);
	assert_null(json_object_get(json_object_get(view, "review"), "text_check"));
	assert_null(json_object_get(view, "to_fix"));
	json_decref(view);
	assert_string_equal(LEARNING_STATE(r, b), "checked|");
	assert_int_equal(t_count(r, "SELECT count(*) FROM reviews WHERE "
			       "text_check = 'unchecked'"), 1);
	{
		char sql[200];

		snprintf(sql, sizeof sql, "SELECT count(*) FROM recommendations m JOIN cases c "
			 "ON c.id = m.case_id WHERE m.text_check = 'unchecked' AND c.ref = '%s'",
			 ref);
		assert_int_equal(t_count(r, sql), 0);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM recommendations m JOIN cases c "
			 "ON c.id = m.case_id WHERE m.text_check = 'unchecked' AND c.ref = '%s'",
			 ref2);
		assert_int_equal(t_count(r, sql), 1);
	}
}

/* The board edition's JSON as ROLE writes it: learning published, and
 * the counts left out. */
static void board(struct t_clone *c, size_t *published, size_t *unchecked, size_t *withheld)
{
	struct report_opts o;
	struct report_result res;
	json_t *j;
	char *out = t_path(c->dir, "board.json");

	memset(&o, 0, sizeof o);
	o.year = "2025-26";
	o.edition = "board";
	o.format = "json";
	o.out = out;
	o.force = 1;
	t_ok(report_annual(&c->r, &o, &res), &c->r);
	j = json_load_file(out, 0, NULL);
	assert_non_null(j);
	*published = json_array_size(json_object_get(j, "learning"));
	*unchecked = (size_t)json_integer_value(json_object_get(j, "learning_unchecked"));
	*withheld = (size_t)json_integer_value(json_object_get(j, "learning_withheld"));
	assert_int_equal(res.nunchecked, *unchecked);
	json_decref(j);
	free(out);
}

/* A report written without K_id leaves unchecked learning out and counts
 * it; a manager's report checks it first and publishes it. */
static void test_report(void **state)
{
	struct t_clone *c = *state;
	char ref[CASE_REF_MAX], ref2[CASE_REF_MAX], mid[24], b[96];
	size_t published, unchecked, withheld;
	const char *refs[1];
	int64_t m;

	/* an analyst, whose signing key a manager's unlock grants */
	t_clone_reopen(c, T_ADMIN);
	t_ok(users_add(&c->r, "analyst", ROLE_ANALYST, T_PASS, strlen(T_PASS)), &c->r);
	t_clone_reopen(c, T_MANAGER);
	t_notify(&c->r, t_notification("Quenby", NULL), ref);
	t_notify(&c->r, t_notification("Arbuthnot", "4010232137"), ref2);
	t_to_meeting(&c->r, ref, "2025-05-20", &m, mid, NULL);
	refs[0] = ref2;
	t_ok(cases_set_status(&c->r, ref2, "ready"), &c->r);
	t_ok(meetings_add_cases(&c->r, m, (char *const *)refs, 1, NULL, NULL), &c->r);
	t_clone_reopen(c, T_PANEL);
	record(&c->r, ref, mid, "Co-sleeping after alcohol is a risk.");
	record(&c->r, ref2, mid, "Arbuthnot family: smoke alarms save lives.");
	t_clone_reopen(c, "analyst");
	board(c, &published, &unchecked, &withheld);
	assert_int_equal(published, 0);
	assert_int_equal(unchecked, 2);
	assert_int_equal(withheld, 0);
	assert_string_equal(LEARNING_STATE(&c->r, b), "unchecked|");
	t_clone_reopen(c, T_MANAGER);
	board(c, &published, &unchecked, &withheld);
	assert_int_equal(published, 1);
	assert_int_equal(unchecked, 0);
	assert_int_equal(withheld, 1);
	assert_string_equal(LEARNING_STATE(&c->r, b), "checked|");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migration),
		T_TEST(test_transitions),
		T_TEST(test_report),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
