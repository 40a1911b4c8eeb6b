/*
 * cdop/actions: the recommendation tracker. list (all, or overdue only:
 * past due, not done), and done with its refusals, each writing nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cdop/panel/panel.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "support.h"

/* Two reviewed cases: A's recommendation due 2025-05-25 (overdue on
 * T_TODAY), B's due 2025-12-31 (open). */
static void two_reviews(struct reg *r, char a[CASE_REF_MAX], char b[CASE_REF_MAX])
{
	char mid[24];
	int64_t m;

	t_notify(r, t_notification("Example", NULL), a);
	t_notify(r, t_notification("Other", NULL), b);
	t_to_meeting(r, a, "2025-05-20", &m, mid, t_review("x", "2025-05-25"));
	t_to_meeting(r, b, "2025-05-21", &m, mid, t_review("x", "2025-12-31"));
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_list(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char a[CASE_REF_MAX], b[CASE_REF_MAX];
	json_t *list = NULL, *x;

	t_ok(actions_list(r, 0, &list), r);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	two_reviews(r, a, b);
	t_ok(actions_list(r, 0, &list), r);
	assert_int_equal(json_array_size(list), 2);
	x = json_array_get(list, 0); /* by due date */
	assert_string_equal(str(x, "ref"), a);
	assert_string_equal(str(x, "status"), "overdue");
	assert_string_equal(str(x, "owner"), "public_health");
	assert_string_equal(str(x, "due"), "2025-05-25");
	assert_string_equal(str(x, "made_on"), "2025-05-20");
	assert_string_equal(str(x, "text"), "Safe sleep leaflet at discharge");
	assert_true(json_is_null(json_object_get(x, "done_on")));
	assert_true(json_integer_value(json_object_get(x, "id")) > 0);
	x = json_array_get(list, 1);
	assert_string_equal(str(x, "ref"), b);
	assert_string_equal(str(x, "status"), "open");
	json_decref(list);

	t_ok(actions_list(r, 1, &list), r);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(str(json_array_get(list, 0), "ref"), a);
	json_decref(list);

	/* due today is not overdue */
	r->ss.today = "2025-05-25";
	t_ok(actions_list(r, 1, &list), r);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

static void test_done(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char a[CASE_REF_MAX], b[CASE_REF_MAX], id[24];
	json_t *list = NULL, *x;

	two_reviews(r, a, b);
	t_ok(actions_list(r, 1, &list), r);
	snprintf(id, sizeof id, "%lld",
		 (long long)json_integer_value(json_object_get(json_array_get(list, 0), "id")));
	json_decref(list);
	t_ok(actions_done(r, id, "2025-05-30"), r);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'action_done'"), 1);
	/* done is no longer overdue, and is listed last */
	t_ok(actions_list(r, 1, &list), r);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	t_ok(actions_list(r, 0, &list), r);
	x = json_array_get(list, 1);
	assert_string_equal(str(x, "ref"), a);
	assert_string_equal(str(x, "status"), "done");
	assert_string_equal(str(x, "done_on"), "2025-05-30");
	json_decref(list);
}

static void test_done_refused(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char a[CASE_REF_MAX], b[CASE_REF_MAX], id[24], id2[24];
	struct t_counts before;
	json_t *list = NULL;

	two_reviews(r, a, b);
	t_ok(actions_list(r, 0, &list), r);
	snprintf(id, sizeof id, "%lld",
		 (long long)json_integer_value(json_object_get(json_array_get(list, 0), "id")));
	snprintf(id2, sizeof id2, "%lld",
		 (long long)json_integer_value(json_object_get(json_array_get(list, 1), "id")));
	json_decref(list);
	t_ok(actions_done(r, id2, "2025-06-01"), r);
	before = t_counts_of(r);

	t_expect(actions_done(r, "", "2025-05-30"), CDOP_ERR_INPUT, r, "id: '' is not an action id");
	t_expect(actions_done(r, "0", "2025-05-30"), CDOP_ERR_INPUT, r, "id: ");
	t_expect(actions_done(r, "1a", "2025-05-30"), CDOP_ERR_INPUT, r, "id: ");
	t_expect(actions_done(r, "999", "2025-05-30"), CDOP_ERR_NOTFOUND, r, "no action 999");
	t_expect(actions_done(r, id, "2025-05-32"), CDOP_ERR_INPUT, r, "on: '2025-05-32'");
	t_expect(actions_done(r, id, "2025-06-02"), CDOP_ERR_INPUT, r, "in the future");
	t_expect(actions_done(r, id, "2025-05-19"), CDOP_ERR_INPUT, r,
		 "before the recommendation was made (2025-05-20)");
	t_expect(actions_done(r, id2, "2025-06-01"), CDOP_ERR_CONFLICT, r,
		 "already done on 2025-06-01");
	t_assert_unchanged(r, before);
	assert_int_equal(t_count(r, "SELECT count(*) FROM recommendations WHERE done_on IS NULL"), 1);
	/* on the day it was made is fine */
	t_ok(actions_done(r, id, "2025-05-20"), r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_list),
		T_TEST(test_done),
		T_TEST(test_done_refused),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
