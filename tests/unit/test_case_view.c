/*
 * cdop/case_view: what `case show` and `case list` give. The panel's view,
 * read by the panel user, holds no forename, surname, NHS number, date of
 * birth, address or postcode anywhere in its bytes and is not audited; the
 * manager's identifiable view is audited before it is returned.
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
#include "cdop/panel/panel.h"
#include "support.h"

/* Everything that identifies the child of t_notification("Example", NHS),
 * in the spellings people write. */
static const char *const identifiers[] = {
	"Amy", "amy", "AMY", "Example", "example", "9434765919", "943 476 5919",
	"2024-03-01", "01/03/2024", "1 Any Street", "SN1 1AA", "SN11AA", "sn1 1aa",
	"Dr A\"",
};

static void assert_no_identifiers(const char *what, const char *text)
{
	size_t i;

	for (i = 0; i < sizeof identifiers / sizeof identifiers[0]; i++) {
		const char *at = strstr(text, identifiers[i]);

		if (at)
			fail_msg("%s shows '%s': ...%.80s", what, identifiers[i],
				 at - text > 40 ? at - 40 : text);
	}
}

/* A case the manager filled with identifiers in every free-text field. */
static void full_case(struct reg *r, char ref[CASE_REF_MAX])
{
	static const char text[] = "Amy Example (NHS 943 476 5919, born 01/03/2024) "
		"of 1 Any Street, Town, SN1 1AA";
	struct agency_request_result req;
	struct agency_receive_result rec;
	/* The review below is written with identifiers on purpose: allowed,
	 * as `review --allow-word` does, to test what the views scrub. */
	static const char *const allow[] = { "Amy", "Example", "943 476 5919",
		"01/03/2024", "1 Any Street", "Any Street", "SN1 1AA" };
	json_t *n = t_notification("Example", "9434765919"), *v, *form;
	char mid[24];
	int64_t m;
	int corrected;

	t_set(n, "death.circumstances", json_string(text));
	t_notify(r, n, ref);
	t_ok(rr_add(r, ref, "home_visit", "2025-05-04T10:00", "DS Amy Example",
		    text, &corrected), r);
	t_ok(agency_request(r, ref, "police", NULL, &req), r);
	form = json_pack("{s:s}", "summary", text);
	t_ok(agency_receive(r, ref, "police", "2025-06-01", form, &rec), r);
	json_decref(form);
	v = t_review(text, "2025-12-31");
	t_set(v, "recommendations", json_pack("[{s:s, s:s, s:s}]", "text",
					      "Write to Amy Example's GP", "owner", "gp",
					      "due", "2025-12-31"));
	r->ss.allow_words = allow;
	r->ss.n_allow_words = sizeof allow / sizeof allow[0];
	t_to_meeting(r, ref, "2025-05-20", &m, mid, v);
	r->ss.allow_words = NULL;
	r->ss.n_allow_words = 0;
}

static void test_panel_view_anonymised(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], *text;
	json_t *v = NULL, *list = NULL;
	int64_t audit;

	full_case(r, ref);
	t_clone_reopen(c, T_PANEL);
	audit = t_count(r, "SELECT count(*) FROM audit");
	t_ok(cases_show(r, ref, CASE_VIEW_ANON, &v), r);
	text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	assert_non_null(text);
	assert_no_identifiers("anonymised case view", text);
	/* what the panel needs is there */
	assert_non_null(strstr(text, ref));
	assert_string_equal(json_string_value(form_json_get(v, "notification.age_band")), "1-4");
	assert_string_equal(json_string_value(form_json_get(v, "notification.death.month")),
			    "2025-05");
	assert_non_null(strstr(text, "[child] [surname]"));
	assert_true(json_is_true(json_object_get(json_array_get(
		json_object_get(v, "agency_reports"), 0), "received")));
	assert_non_null(json_object_get(v, "review"));
	free(text);
	json_decref(v);

	t_ok(cases_list(r, &(struct case_filter){ NULL, NULL }, CASE_VIEW_ANON, &list), r);
	text = json_dumps(list, JSON_COMPACT);
	assert_no_identifiers("anonymised case list", text);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0),
							      "age_band")), "1-4");
	free(text);
	json_decref(list);
	/* nothing identifiable was read, so nothing was audited */
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit"), audit);
}

static void test_manager_view_audited(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], *text;
	json_t *v = NULL, *list = NULL;
	int64_t audit;

	full_case(r, ref);
	audit = t_count(r, "SELECT count(*) FROM audit");
	t_ok(cases_show(r, ref, CASE_VIEW_FULL, &v), r);
	assert_string_equal(json_string_value(form_json_get(v, "notification.child.forename")),
			    "Amy");
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit"), audit + 1);
	{
		struct db_stmt q = DB_STMT_INIT;

		assert_int_equal(db_prepare(r, &q, "SELECT user, action, object FROM audit "
					    "ORDER BY seq DESC LIMIT 1"), 0);
		assert_int_equal(db_step(&q), DB_ROW);
		assert_string_equal(db_column_text(&q, 0), T_MANAGER);
		assert_string_equal(db_column_text(&q, 1), "view");
		assert_string_equal(db_column_text(&q, 2), ref);
		db_finalize(&q);
	}
	text = json_dumps(v, JSON_COMPACT);
	assert_non_null(strstr(text, "SN1 1AA"));
	free(text);
	json_decref(v);

	t_ok(cases_list(r, &(struct case_filter){ NULL, NULL }, CASE_VIEW_FULL, &list), r);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0),
							      "surname")), "Example");
	json_decref(list);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'list' "
			       "AND detail = '1 cases'"), 1);
}

static void test_show_refused(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct t_counts before = t_counts_of(r);
	json_t *v = NULL;

	t_expect(cases_show(r, "CDOP-2025-0001", CASE_VIEW_FULL, &v), CDOP_ERR_NOTFOUND, r,
		 "no case 'CDOP-2025-0001'");
	assert_null(v);
	t_expect(case_view(r, 42, CASE_VIEW_ANON, &v), CDOP_ERR_NOTFOUND, r, NULL);
	assert_null(v);
	t_assert_unchanged(r, before);
}

static void test_list_filters(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char a[CASE_REF_MAX], b[CASE_REF_MAX], old[CASE_REF_MAX];
	struct t_counts before;
	json_t *list = NULL, *n;

	t_notify(r, t_notification("Example", NULL), a);
	t_notify(r, t_notification("Other", NULL), b);
	n = t_notification("Earlier", NULL);
	t_set(n, "death.date", json_string("2025-03-30"));
	t_set(n, "notified.date", json_string("2025-03-31")); /* year 2024-25 */
	t_notify(r, n, old);
	t_ok(cases_set_status(r, b, "gathering"), r);

	t_ok(cases_list(r, &(struct case_filter){ "gathering", NULL }, CASE_VIEW_ANON, &list), r);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "ref")), b);
	json_decref(list);
	t_ok(cases_list(r, &(struct case_filter){ NULL, "2024-25" }, CASE_VIEW_ANON, &list), r);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "ref")), old);
	json_decref(list);
	t_ok(cases_list(r, &(struct case_filter){ "notified", "2025-26" }, CASE_VIEW_ANON, &list), r);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "ref")), a);
	json_decref(list);

	before = t_counts_of(r);
	list = NULL;
	t_expect(cases_list(r, &(struct case_filter){ NULL, "2025" }, CASE_VIEW_FULL, &list),
		 CDOP_ERR_INPUT, r, "year: '2025'");
	t_expect(cases_list(r, &(struct case_filter){ "open", NULL }, CASE_VIEW_FULL, &list),
		 CDOP_ERR_INPUT, r, "status: 'open' is not a case status");
	assert_null(list);
	t_assert_unchanged(r, before);
}

/* A page of the list: the same order, only the rows asked for read and
 * audited; cases_count gives the whole. */
static void test_list_page(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char a[CASE_REF_MAX], b[CASE_REF_MAX], d[CASE_REF_MAX];
	const struct case_filter all = { NULL, NULL }, bad = { "open", NULL };
	json_t *list = NULL;
	size_t n = 99;

	t_notify(r, t_notification("Example", NULL), a);
	t_notify(r, t_notification("Other", NULL), b);
	t_notify(r, t_notification("Third", NULL), d);
	t_ok(cases_count(r, &all, &n), r);
	assert_int_equal(n, 3);
	t_ok(cases_count(r, &(struct case_filter){ "gathering", NULL }, &n), r);
	assert_int_equal(n, 0);
	t_ok(cases_list_page(r, &all, CASE_VIEW_FULL, 1, 1, &list), r);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "ref")), b);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0),
							      "surname")), "Other");
	json_decref(list);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'list' "
			       "AND detail = '1 cases'"), 1);
	t_ok(cases_list_page(r, &all, CASE_VIEW_ANON, 2, 50, &list), r);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "ref")), d);
	json_decref(list);
	t_ok(cases_list_page(r, &all, CASE_VIEW_ANON, 3, 50, &list), r);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	list = NULL;
	t_expect(cases_count(r, &bad, &n), CDOP_ERR_INPUT, r, "status: 'open' is not a case status");
	t_expect(cases_list_page(r, &bad, CASE_VIEW_ANON, 0, 10, &list), CDOP_ERR_INPUT, r,
		 "status: 'open'");
	assert_null(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_panel_view_anonymised),
		T_TEST(test_manager_view_audited),
		T_TEST(test_show_refused),
		T_TEST(test_list_filters),
		T_TEST(test_list_page),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
