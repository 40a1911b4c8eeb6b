/*
 * cdop/reviews: the analysis form recorded at a meeting. A contradiction
 * of `modifiable` is refused, so is a case not on the agenda or a meeting
 * still to come; a second review amends the first; refusals write nothing.
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

static json_t *scored(int child, int social, int physical, int service, const char *mod)
{
	json_t *v = t_review("none", "2025-12-31");

	t_set(v, "domains.child", json_integer(child));
	t_set(v, "domains.social_environment", json_integer(social));
	t_set(v, "domains.physical_environment", json_integer(physical));
	t_set(v, "domains.service_provision", json_integer(service));
	t_set(v, "modifiable", json_string(mod));
	return v;
}

static void test_record(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24], detail[64];
	int64_t m, id;
	char status[24];
	int amended = -1;

	t_notify(r, t_notification("Example", NULL), ref);
	t_to_meeting(r, ref, "2025-05-20", &m, mid, NULL);
	{
		json_t *v = t_review("learned", "2025-12-31");

		t_ok(reviews_record(r, ref, mid, v, &amended), r);
		json_decref(v);
	}
	assert_int_equal(amended, 0);
	t_ok(cases_find(r, ref, &id, status), r);
	assert_string_equal(status, "reviewed");
	assert_int_equal(t_count(r, "SELECT count(*) FROM reviews WHERE meeting_date = "
			       "'2025-05-20' AND category = 10 AND modifiable = 'yes' "
			       "AND referred = 0"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM review_themes"), 2);
	assert_int_equal(t_count(r, "SELECT count(*) FROM recommendations WHERE made_on = "
			       "'2025-05-20' AND owner = 'public_health' AND due = "
			       "'2025-12-31' AND done_on IS NULL"), 1);
	snprintf(detail, sizeof detail, "\"meeting\":\"meeting %s\"", mid);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'review'"), 1);
	{
		struct db_stmt q = DB_STMT_INIT;

		assert_int_equal(db_prepare(r, &q, "SELECT object, detail FROM audit "
					    "WHERE action = 'review'"), 0);
		assert_int_equal(db_step(&q), DB_ROW);
		assert_string_equal(db_column_text(&q, 0), ref);
		/* old and new values (history.c): learning is free text, sealed */
		assert_non_null(strstr(db_column_text(&q, 1), detail));
		assert_non_null(strstr(db_column_text(&q, 1), "{\"new\":10,\"old\":null,"
				       "\"path\":\"category\"}"));
		assert_non_null(strstr(db_column_text(&q, 1), "\"new\":\"(sealed)\","
				       "\"old\":\"(sealed)\",\"path\":\"learning\""));
		db_finalize(&q);
	}
}

static void test_modifiable(void **state)
{
	static const struct { int s[4]; const char *mod; int ok; const char *implied; } cases[] = {
		{ { 1, 2, 1, 0 }, "yes", 1, "yes" },
		{ { 1, 2, 1, 0 }, "no", 0, "yes" },
		{ { 1, 2, 1, 0 }, "insufficient_information", 0, "yes" },
		{ { 1, 1, 1, 1 }, "no", 1, "no" },
		{ { 1, 1, 1, 1 }, "yes", 0, "no" },
		{ { 1, 1, 1, 1 }, "insufficient_information", 0, "no" },
		{ { 0, 1, 1, 1 }, "insufficient_information", 1, "insufficient_information" },
		{ { 0, 1, 1, 1 }, "no", 1, "insufficient_information" },
		{ { 0, 0, 0, 0 }, "yes", 0, "insufficient_information" },
	};
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24];
	struct t_counts before;
	int64_t m;
	size_t i;

	t_notify(r, t_notification("Example", NULL), ref);
	t_to_meeting(r, ref, "2025-05-20", &m, mid, NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *v = scored(cases[i].s[0], cases[i].s[1], cases[i].s[2], cases[i].s[3],
				   cases[i].mod);
		int amended;

		before = t_counts_of(r);
		if (cases[i].ok) {
			t_ok(reviews_record(r, ref, mid, v, &amended), r);
		} else {
			t_expect(reviews_record(r, ref, mid, v, &amended), CDOP_ERR_INPUT, r,
				 "modifiable: ");
			assert_non_null(strstr(r->e.msg, "contradicts the domain scores"));
			t_assert_unchanged(r, before);
		}
		assert_string_equal(reviews_implied_modifiable(v), cases[i].implied);
		json_decref(v);
	}
	/* a missing score implies nothing */
	{
		json_t *v = t_review("x", "2025-12-31");

		t_set(v, "domains.child", NULL);
		assert_null(reviews_implied_modifiable(v));
		json_decref(v);
	}
}

static void test_form_refused(void **state)
{
	static const struct { const char *path; const char *json; const char *needle; } bad[] = {
		{ "category", "11", "category: " },
		{ "category", "0", "category: " },
		{ "category", "\"10\"", "category: " },
		{ "domains.child", "3", "domains.child: " },
		{ "domains.child", NULL, "domains.child: " },
		{ "modifiable", NULL, "modifiable: " },
		{ "themes", "[\"sleeping\"]", "themes" },
		{ "themes", "[\"smoking\", \"smoking\"]", "themes" },
		{ "recommendations", "[{\"text\": \"x\", \"owner\": \"nhs\", \"due\": \"2025-12-31\"}]",
		  "recommendations[0].owner" },
		{ "recommendations", "[{\"text\": \"x\", \"owner\": \"gp\"}]",
		  "recommendations[0].due" },
		{ "recommendations", "[{\"owner\": \"gp\", \"due\": \"2025-12-31\"}]",
		  "recommendations[0].text" },
	};
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24];
	struct t_counts before;
	int64_t m;
	size_t i;

	t_notify(r, t_notification("Example", NULL), ref);
	t_to_meeting(r, ref, "2025-05-20", &m, mid, NULL);
	before = t_counts_of(r);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *v = t_review("none", "2025-12-31");
		int amended;

		t_set(v, bad[i].path, bad[i].json ? json_loads(bad[i].json, 0, NULL) : NULL);
		t_expect(reviews_record(r, ref, mid, v, &amended), CDOP_ERR_INPUT, r,
			 bad[i].needle);
		json_decref(v);
	}
	t_assert_unchanged(r, before);
	assert_int_equal(t_count(r, "SELECT count(*) FROM cases WHERE status = 'scheduled'"), 1);
}

static void test_where_refused(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], other[CASE_REF_MAX], mid[24], later[24], empty[24];
	struct t_counts before;
	int64_t m, future, none;
	int amended;
	json_t *v = t_review("none", "2025-12-31");

	t_notify(r, t_notification("Example", NULL), ref);
	t_notify(r, t_notification("Other", NULL), other);
	t_to_meeting(r, ref, "2025-05-20", &m, mid, NULL);
	t_ok(meetings_new(r, "2025-06-02", NULL, &future), r);
	snprintf(later, sizeof later, "%lld", (long long)future);
	{
		char *refs[1] = { ref };

		t_ok(meetings_add_cases(r, future, refs, 1, NULL, NULL), r);
	}
	t_ok(meetings_new(r, "2025-05-30", NULL, &none), r);
	snprintf(empty, sizeof empty, "%lld", (long long)none);
	before = t_counts_of(r);

	t_expect(reviews_record(r, ref, later, v, &amended), CDOP_ERR_INPUT, r,
		 "is on 2025-06-02, which is in the future");
	t_expect(reviews_record(r, ref, empty, v, &amended), CDOP_ERR_INPUT, r,
		 "is not on meeting");
	t_expect(reviews_record(r, other, mid, v, &amended), CDOP_ERR_INPUT, r,
		 "is not on meeting");
	t_expect(reviews_record(r, ref, "99", v, &amended), CDOP_ERR_NOTFOUND, r,
		 "no meeting 99");
	t_expect(reviews_record(r, ref, "x", v, &amended), CDOP_ERR_INPUT, r, "meeting: ");
	t_expect(reviews_record(r, "CDOP-2025-0077", mid, v, &amended), CDOP_ERR_NOTFOUND, r,
		 "CDOP-2025-0077");
	t_assert_unchanged(r, before);
	json_decref(v);
}

static void test_amend(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24], mid2[24];
	char *refs[1] = { ref };
	int64_t m, m2;
	int amended = -1;
	json_t *v;

	t_notify(r, t_notification("Example", NULL), ref);
	t_to_meeting(r, ref, "2025-05-20", &m, mid, t_review("first", "2025-12-31"));
	t_ok(meetings_new(r, "2025-06-01", NULL, &m2), r);
	snprintf(mid2, sizeof mid2, "%lld", (long long)m2);
	t_ok(meetings_add_cases(r, m2, refs, 1, NULL, NULL), r);
	v = scored(1, 1, 1, 1, "no");
	t_set(v, "category", json_integer(5));
	t_set(v, "themes", json_pack("[s]", "access_to_services"));
	t_set(v, "recommendations", json_pack("[{s:s, s:s, s:s}]", "text", "Audit",
					      "owner", "hospital", "due", "2026-03-31"));
	t_ok(reviews_record(r, ref, mid2, v, &amended), r);
	json_decref(v);
	assert_int_equal(amended, 1);
	/* one review, new answers, the first meeting's date kept (SPEC §5) */
	assert_int_equal(t_count(r, "SELECT count(*) FROM reviews"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM reviews WHERE category = 5 AND "
			       "modifiable = 'no' AND meeting_date = '2025-05-20'"), 1);
	/* themes replaced; recommendations already tracked stay, new ones added */
	assert_int_equal(t_count(r, "SELECT count(*) FROM review_themes"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM recommendations"), 2);
	assert_int_equal(t_count(r, "SELECT count(*) FROM recommendations WHERE "
			       "made_on = '2025-06-01' AND owner = 'hospital'"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'review_amend'"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM cases WHERE status = 'reviewed'"), 1);
}

static void test_find_or_create(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	int64_t a = 0, b = 0;

	t_ok(db_begin(r), r);
	t_ok(meetings_find_or_create(r, "2025-04-01", &a), r);
	t_ok(meetings_find_or_create(r, "2025-04-01", &b), r);
	assert_true(a > 0);
	assert_int_equal(a, b);
	t_ok(meetings_find_or_create(r, "2025-04-02", &b), r);
	assert_true(b != a);
	t_ok(db_commit(r), r);
	assert_int_equal(t_count(r, "SELECT count(*) FROM meetings"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_record),
		T_TEST(test_modifiable),
		T_TEST(test_form_refused),
		T_TEST(test_where_refused),
		T_TEST(test_amend),
		T_TEST(test_find_or_create),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
