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

/* Issue 12 (page speed): the NCMD clocks come from case_ids.ncmd (written
 * with the notification, migration 017), without opening the sealed
 * notifications; the list is the one reading each notification makes (a
 * case whose flag is not known is still read whole). */
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
	t_ok(db_exec(r, "UPDATE case_ids SET ncmd = NULL"), r);
	t_ok(today_list(r, 0, &without), r);
	assert_true(json_equal(with, without));
	json_decref(with);
	json_decref(without);
}

/* The items of kind in list, the first n of them (0: all), as one array. */
static json_t *first_of_kind(const json_t *items, const char *kind, size_t n)
{
	json_t *out = json_array(), *it;
	size_t i;

	json_array_foreach((json_t *)items, i, it)
		if (!strcmp(json_string_value(json_object_get(it, "kind")), kind) &&
		    (!n || json_array_size(out) < n))
			json_array_append(out, it);
	return out;
}

/* Issue 12 (page speed): the top read from the database (LIMIT and
 * counts) is the full list trimmed: for each kind, the same first items
 * in the same order, and the same summary, for the manager and the
 * panel, with every kind present, due dates past, today and to come. */
static void test_top_same_as_full(void **state)
{
	static const char *const kinds[] = { "joint_agency_response", "agency_form",
		"recommendation", "ready_for_panel", "statutory_clock", "text_to_fix" };
	static const char *const agencies[] = { "police", "hospital", "education" };
	static const char *const dues[] = { "2025-05-20", "2025-06-01", "2025-06-20" };
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24], date[16];
	struct agency_request_result res;
	int64_t meeting;

	for (int i = 0; i < 12; i++) {
		json_t *n = t_notification(i % 2 ? "Even" : "Odd", NULL);

		snprintf(date, sizeof date, "2025-05-%02d", 10 + i);
		t_set(n, "notified.date", json_string(date));
		t_set(n, "death.date", json_string(date));
		if (i % 3 == 0)
			t_set(n, "death.expected", json_string("expected"));
		if (i % 4 == 1)
			t_set(n, "notified.ncmd_date", json_string(date));
		t_notify(r, n, ref);
		if (i % 2)
			t_ok(agency_request_on(r, ref, agencies[i % 3], date, i == 11 ? NULL :
					       dues[i % 3], &res), r);
		if (i >= 8) {
			snprintf(date, sizeof date, "2025-05-%02d", 25 + i - 8);
			t_to_meeting(r, ref, date, &meeting, mid, t_review("Learning.",
								       dues[i % 3]));
		} else if (i >= 6) {
			t_ok(cases_set_status(r, ref, "ready"), r);
		}
	}
	t_ok(actions_done(r, "2", "2025-06-01"), r);
	/* The tracker page's first rows are actions_list's, open ones first. */
	{
		json_t *all = NULL, *top = NULL, *open = json_array(), *row;
		size_t i, total = 0;

		t_ok(actions_list(r, 0, &all), r);
		json_array_foreach(all, i, row)
			if (json_is_null(json_object_get(row, "done_on")))
				json_array_append(open, row);
		assert_true(json_array_size(open) >= 3 && json_array_size(open) < json_array_size(all));
		t_ok(actions_list_top(r, 0, 2, &top, &total), r);
		assert_int_equal(total, json_array_size(all));
		while (json_array_size(open) > 2)
			json_array_remove(open, 2);
		assert_true(json_equal(open, top));
		json_decref(top);
		t_ok(actions_list_top(r, 1, 100, &top, &total), r);
		assert_true(json_equal(all, top));
		json_decref(top);
		json_decref(all);
		json_decref(open);
	}
	for (int anon = 0; anon < 2; anon++)
		for (size_t per = 1; per <= 7; per++) {
			json_t *all = NULL, *top = NULL;

			t_ok(today_list(r, anon, &all), r);
			t_ok(today_list_top(r, anon, per, &top), r);
			assert_true(json_equal(json_object_get(all, "summary"),
					       json_object_get(top, "summary")));
			for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
				json_t *want = first_of_kind(json_object_get(all, "items"),
							     kinds[k], per);
				json_t *got = first_of_kind(json_object_get(top, "items"),
							    kinds[k], 0);

				if (!json_equal(want, got)) {
					char *w = json_dumps(want, 0), *g = json_dumps(got, 0);

					fail_msg("anon %d, %zu of %s: want %s got %s", anon, per,
						 kinds[k], w, g);
				}
				json_decref(want);
				json_decref(got);
			}
			json_decref(all);
			json_decref(top);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_top),
		T_TEST(test_clocks_from_anon),
		T_TEST(test_top_same_as_full),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
