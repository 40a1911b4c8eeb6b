/*
 * cdop/panel today: today_list_top keeps the first items of each kind in
 * the order today_list gives, names only those, and its summary still
 * counts every item.
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

static size_t of_kind(const json_t *items, const char *kind)
{
	const json_t *it;
	size_t i, n = 0;

	json_array_foreach(items, i, it)
		n += !strcmp(json_string_value(json_object_get(it, "kind")), kind);
	return n;
}

static void test_top(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char a[CASE_REF_MAX], b[CASE_REF_MAX], d[CASE_REF_MAX];
	json_t *all = NULL, *top = NULL, *it;
	const json_t *items, *kept;
	size_t i, k, rr;

	t_notify(r, t_notification("Example", NULL), a);
	t_notify(r, t_notification("Other", NULL), b);
	t_notify(r, t_notification("Third", NULL), d);
	t_ok(today_list(r, 0, &all), r);
	t_ok(today_list_top(r, 0, 2, &top), r);
	items = json_object_get(all, "items");
	kept = json_object_get(top, "items");
	rr = of_kind(items, "joint_agency_response");
	assert_true(rr > 2);
	assert_int_equal(of_kind(kept, "joint_agency_response"), 2);
	assert_int_equal(of_kind(kept, "statutory_clock"), 2);
	/* the summary is the whole list's */
	assert_true(json_equal(json_object_get(all, "summary"), json_object_get(top, "summary")));
	/* the kept items are the first of each kind, in order, named */
	k = 0;
	json_array_foreach(json_object_get(top, "items"), i, it) {
		const json_t *want;
		size_t j, seen = 0;

		if (strcmp(json_string_value(json_object_get(it, "kind")), "joint_agency_response"))
			continue;
		json_array_foreach(items, j, want)
			if (!strcmp(json_string_value(json_object_get(want, "kind")),
				    "joint_agency_response") && seen++ == k)
				break;
		assert_true(json_equal(it, json_array_get(items, j)));
		assert_memory_equal(json_string_value(json_object_get(it, "name")), "Amy ", 4);
		k++;
	}
	assert_int_equal(k, 2);
	/* the audit entry counts what was named */
	{
		char sql[160];

		snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = 'today' "
			 "AND detail = '%zu items'", json_array_size(json_object_get(top, "items")));
		assert_int_equal(t_count(r, sql), 1);
	}
	/* 0: all of them, as today_list */
	json_decref(top);
	t_ok(today_list_top(r, 0, 0, &top), r);
	assert_true(json_equal(all, top));
	json_decref(all);
	json_decref(top);
}

static size_t clocks_of(const json_t *list, const char *ref)
{
	const json_t *it;
	size_t i, n = 0;

	json_array_foreach(json_object_get(list, "items"), i, it)
		n += !strcmp(json_string_value(json_object_get(it, "kind")), "statutory_clock") &&
		     !strcmp(json_string_value(json_object_get(it, "ref")), ref);
	return n;
}

/* Issue 12 (page speed): the NCMD clocks come from the clear anonymised
 * copy (case_documents.anon), without opening the sealed notifications;
 * the list is the one reading each notification makes (a document without
 * an anonymised copy is still read whole). */
static void test_clocks_from_anon(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char a[CASE_REF_MAX], b[CASE_REF_MAX], d[CASE_REF_MAX];
	json_t *with = NULL, *without = NULL, *n;

	t_notify(r, t_notification("Example", NULL), a);
	n = t_notification("Other", NULL);
	/* a free text naming the key is not the key */
	t_set(n, "panel_summary", json_string("ncmd_date not yet known"));
	t_notify(r, n, b);
	t_notify(r, t_notification("Third", NULL), d);
	t_ok(cases_ncmd_notified(r, a, "2025-05-05"), r);
	t_ok(today_list(r, 0, &with), r);
	assert_int_equal(clocks_of(with, a), 0);
	assert_int_equal(clocks_of(with, b), 1);
	assert_int_equal(clocks_of(with, d), 1);
	t_ok(db_exec(r, "UPDATE case_documents SET anon = NULL"), r);
	t_ok(today_list(r, 0, &without), r);
	assert_true(json_equal(with, without));
	json_decref(with);
	json_decref(without);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_top),
		T_TEST(test_clocks_from_anon),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
