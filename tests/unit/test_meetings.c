/*
 * cdop/meetings: new, find, add (all or nothing), attend and list, through
 * the library; every refusal names what is at fault and writes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "cdop/panel/panel.h"
#include "support.h"

static const char *status_of(struct reg *r, const char *ref)
{
	static char status[24];
	int64_t id;

	t_ok(cases_find(r, ref, &id, status), r);
	return status;
}

struct warnings {
	int n;
	char last[512];
};

static void collect(const char *warning, void *ctx)
{
	struct warnings *w = ctx;

	w->n++;
	snprintf(w->last, sizeof w->last, "%s", warning);
}

static void test_new_and_find(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	int64_t id = 0, id2 = 0, found = 0;
	char date[11], arg[24];

	t_ok(meetings_new(r, "2025-06-10", "Dr Chair", &id), r);
	assert_true(id > 0);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'meeting_new' "
			       "AND detail = '2025-06-10'"), 1);
	t_ok(meetings_new(r, "2025-06-10", NULL, &id2), r); /* no chair: fine */
	assert_true(id2 > id);
	snprintf(arg, sizeof arg, "%lld", (long long)id);
	t_ok(meetings_find(r, arg, &found, date), r);
	assert_int_equal(found, id);
	assert_string_equal(date, "2025-06-10");
}

static void test_new_and_find_refused(void **state)
{
	static const char *const bad_ids[] = { "", "0", "-1", "1x", "one", "1.0" };
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct t_counts before = t_counts_of(r);
	char chair[202];
	int64_t id = 0;
	size_t i;

	t_expect(meetings_new(r, "2025-02-30", NULL, &id), CDOP_ERR_INPUT, r,
		 "date: '2025-02-30' is not a real date");
	t_expect(meetings_new(r, "next week", NULL, &id), CDOP_ERR_INPUT, r, "date: ");
	memset(chair, 'x', sizeof chair - 1);
	chair[sizeof chair - 1] = 0;
	t_expect(meetings_new(r, "2025-06-10", chair, &id), CDOP_ERR_INPUT, r, "chair: ");
	t_assert_unchanged(r, before);
	for (i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++)
		t_expect(meetings_find(r, bad_ids[i], &id, NULL), CDOP_ERR_INPUT, r, "meeting: ");
	t_expect(meetings_find(r, "7", &id, NULL), CDOP_ERR_NOTFOUND, r, "no meeting 7");
}

static void test_add_cases(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char a[CASE_REF_MAX], b[CASE_REF_MAX];
	char *refs[2] = { a, b };
	struct agency_request_result req;
	struct warnings w = { 0, "" };
	int64_t m;

	t_notify(r, t_notification("Example", NULL), a);
	t_notify(r, t_notification("Other", NULL), b);
	t_ok(cases_set_status(r, a, "ready"), r);
	t_ok(cases_set_status(r, b, "gathering"), r);
	t_ok(agency_request(r, b, "police", NULL, &req), r);
	t_ok(meetings_new(r, "2025-06-10", NULL, &m), r);
	t_ok(meetings_add_cases(r, m, refs, 2, collect, &w), r);
	assert_string_equal(status_of(r, a), "scheduled");
	assert_string_equal(status_of(r, b), "scheduled");
	/* the gathering case comes with a warning naming what is awaited */
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.last, b));
	assert_non_null(strstr(w.last, "still gathering information"));
	assert_non_null(strstr(w.last, "awaiting reports from: police"));
	assert_int_equal(meetings_has_case(r, m, 1), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM meeting_cases"), 2);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'meeting_add'"), 2);
}

static void test_add_all_or_nothing(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ready[CASE_REF_MAX], fresh[CASE_REF_MAX], closed[CASE_REF_MAX];
	char mid[24];
	char *refs[3];
	struct t_counts before;
	int64_t m, m2;

	t_notify(r, t_notification("Example", NULL), ready);
	t_notify(r, t_notification("Fresh", NULL), fresh);
	t_notify(r, t_notification("Done", NULL), closed);
	t_ok(cases_set_status(r, ready, "ready"), r);
	t_to_meeting(r, closed, "2025-05-20", &m2, mid, t_review("none", "2025-12-31"));
	t_ok(cases_set_status(r, closed, "closed"), r);
	t_ok(meetings_new(r, "2025-06-10", NULL, &m), r);
	before = t_counts_of(r);

	/* one case refused refuses them all: the ready one stays ready */
	refs[0] = ready;
	refs[1] = fresh;
	t_expect(meetings_add_cases(r, m, refs, 2, NULL, NULL), CDOP_ERR_CONFLICT, r,
		 "'notified'");
	{
		char how[80];

		snprintf(how, sizeof how, "cdop case status %s ready", fresh);
		assert_non_null(strstr(r->e.msg, how));
	}
	refs[1] = closed;
	t_expect(meetings_add_cases(r, m, refs, 2, NULL, NULL), CDOP_ERR_CONFLICT, r,
		 "'closed'");
	refs[1] = "CDOP-2025-0099";
	t_expect(meetings_add_cases(r, m, refs, 2, NULL, NULL), CDOP_ERR_NOTFOUND, r,
		 "CDOP-2025-0099");
	/* the same case twice in one call */
	refs[1] = ready;
	t_expect(meetings_add_cases(r, m, refs, 2, NULL, NULL), CDOP_ERR_CONFLICT, r,
		 "already on meeting");
	t_assert_unchanged(r, before);
	assert_string_equal(status_of(r, ready), "ready");

	/* once on, again is a conflict */
	t_ok(meetings_add_cases(r, m, refs, 1, NULL, NULL), r);
	before = t_counts_of(r);
	t_expect(meetings_add_cases(r, m, refs, 1, NULL, NULL), CDOP_ERR_CONFLICT, r,
		 "already on meeting");
	t_assert_unchanged(r, before);
}

static void test_add_reviewed_stays_reviewed(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24];
	char *refs[1] = { ref };
	int64_t m, later;

	t_notify(r, t_notification("Example", NULL), ref);
	t_to_meeting(r, ref, "2025-05-20", &m, mid, t_review("none", "2025-12-31"));
	t_ok(meetings_new(r, "2025-06-01", NULL, &later), r);
	/* back on an agenda to be amended: still reviewed */
	t_ok(meetings_add_cases(r, later, refs, 1, NULL, NULL), r);
	assert_string_equal(status_of(r, ref), "reviewed");
}

static void test_attend(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct t_counts before;
	char name[202];
	int64_t m;

	t_ok(meetings_new(r, "2025-06-10", NULL, &m), r);
	t_ok(meetings_attend(r, m, "Dr Who", "hospital", "Paediatrician"), r);
	t_ok(meetings_attend(r, m, "PC Plod", "police", NULL), r);
	assert_int_equal(t_count(r, "SELECT count(*) FROM attendance"), 2);
	/* the audit records the agency, not the person */
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = "
			       "'meeting_attend' AND detail = 'police'"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE detail LIKE '%Plod%' "
			       "OR object LIKE '%Plod%'"), 0);
	before = t_counts_of(r);
	t_expect(meetings_attend(r, m, "", "police", NULL), CDOP_ERR_INPUT, r, "name: ");
	t_expect(meetings_attend(r, m, NULL, "police", NULL), CDOP_ERR_INPUT, r, "name: ");
	memset(name, 'x', sizeof name - 1);
	name[sizeof name - 1] = 0;
	t_expect(meetings_attend(r, m, name, "police", NULL), CDOP_ERR_INPUT, r, "name: ");
	t_expect(meetings_attend(r, m, "Dr Who", "nhs", NULL), CDOP_ERR_INPUT, r,
		 "agency: 'nhs' is not an agency code; valid:");
	t_expect(meetings_attend(r, m, "Dr Who", "police", name), CDOP_ERR_INPUT, r, "role: ");
	/* a meeting that does not exist (the CLI finds it first) */
	t_expect(meetings_attend(r, m + 100, "Dr Who", "police", NULL), CDOP_ERR_CONFLICT, r,
		 NULL);
	t_assert_unchanged(r, before);
}

static void test_list(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24];
	json_t *list = NULL, *m;
	int64_t first, second;

	t_ok(meetings_list(r, &list), r);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	t_ok(meetings_new(r, "2025-07-01", NULL, &second), r);
	t_notify(r, t_notification("Example", NULL), ref);
	t_to_meeting(r, ref, "2025-05-20", &first, mid, t_review("none", "2025-12-31"));
	t_ok(meetings_attend(r, first, "Dr Who", "hospital", NULL), r);
	t_ok(meetings_list(r, &list), r);
	/* in date order */
	assert_int_equal(json_array_size(list), 2);
	m = json_array_get(list, 0);
	assert_int_equal(json_integer_value(json_object_get(m, "id")), first);
	assert_string_equal(json_string_value(json_object_get(m, "date")), "2025-05-20");
	assert_string_equal(json_string_value(json_object_get(m, "chair")), "Chair");
	assert_int_equal(json_integer_value(json_object_get(m, "cases")), 1);
	assert_int_equal(json_integer_value(json_object_get(m, "attended")), 1);
	assert_int_equal(json_integer_value(json_object_get(m, "reviews")), 1);
	m = json_array_get(list, 1);
	assert_int_equal(json_integer_value(json_object_get(m, "id")), second);
	assert_true(json_is_null(json_object_get(m, "chair")));
	assert_int_equal(json_integer_value(json_object_get(m, "cases")), 0);
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_new_and_find),
		T_TEST(test_new_and_find_refused),
		T_TEST(test_add_cases),
		T_TEST(test_add_all_or_nothing),
		T_TEST(test_add_reviewed_stays_reviewed),
		T_TEST(test_attend),
		T_TEST(test_list),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
