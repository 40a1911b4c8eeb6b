/*
 * Search from the sealed identifier fields (case_ids.ids since 017; migration
 * 016; issue 12, page speed): cases_search opens each case's short ids
 * text and the whole notification only of the cases that match. Its
 * answer is the answer of reading every notification (the old search,
 * which is still what it does for a case without usable ids): the same
 * cases, in the same order, with the same fields and the same "matched",
 * for names, references, NHS numbers, dates of birth and postcodes in any
 * case and spacing, on a few hundred cases.
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
#include "cdop/cases/cases.h"
#include "cdop/cases/cases_int.h"
#include "crypto/error.h"
#include "forms/form.h"
#include "support.h"

#define NCASES 300

static const char *const surnames[] = {
	"Quenby", "Kelstow", "Oakes", "Smith-Jones", "Hartley", "O'Neill",
	"Marwell", "Ashby", "Tarby", "Lin", "Okafor", "Byrne",
};
static const char *const forenames[] = {
	"Amy", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace",
};
static const char *const postcodes[] = {
	"SN1 1AA", "SN2 4BD", "BA1 2QT", "GL50 3PR", "SN1 9ZZ",
};

static void notify_many(struct reg *r)
{
	char ref[CASE_REF_MAX], nhs[11], date[16];

	for (unsigned i = 0; i < NCASES; i++) {
		json_t *n = t_notification(surnames[i % 12], NULL);

		t_set(n, "child.forename", json_string(forenames[i % 7]));
		snprintf(date, sizeof date, "20%02u-%02u-%02u", 10 + i % 13, 1 + i % 12,
			 1 + i % 28);
		t_set(n, "child.date_of_birth", json_string(date));
		/* distinct deaths: no two cases are duplicates */
		snprintf(date, sizeof date, "2025-%02u-%02u", 1 + i / 60, 1 + i % 28);
		t_set(n, "death.date", json_string(date));
		t_set(n, "notified.date", json_string("2025-05-31"));
		t_set(n, "child.postcode", i % 6 == 5 ? NULL : json_string(postcodes[i % 5]));
		if (i % 4 != 3 && t_nhs_of(400000000u + i * 7919u, nhs) == 0)
			json_object_set_new(json_object_get(n, "child"), "nhs_number",
					    json_string(nhs));
		t_notify(r, n, ref);
	}
}

/* A template with the NCASES cases of notify_many, made once by the
 * group's setup: the tests that search among them each open their own
 * clone of it (notifying 300 cases twice was most of this program's
 * time). */
static char *g_cases;

static int group_setup(void **state)
{
	struct t_clone c;
	int ret;

	if (t_group_setup(state) || t_clone_open(&c, t_g_template, T_MANAGER))
		return -1;
	notify_many(&c.r);
	ret = reg_close(&c.r);
	reg_release(&c.r);
	free(c.path);
	g_cases = c.dir;
	return ret ? -1 : 0;
}

static int group_teardown(void **state)
{
	t_rmtree(g_cases);
	free(g_cases);
	return t_group_teardown(state);
}

/* A clone of the template with the cases, opened by the manager. */
static int setup_cases(void **state)
{
	struct t_clone *c = calloc(1, sizeof *c);

	if (!c || t_clone_open(c, g_cases, T_MANAGER)) {
		free(c);
		return -1;
	}
	*state = c;
	return 0;
}

/* The search's answer as text (keys sorted), and its length. */
static char *answer(struct reg *r, const char *q, size_t *count)
{
	json_t *res = NULL;
	char *s;

	t_ok(cases_search(r, q, &res), r);
	*count = json_array_size(res);
	s = json_dumps(res, JSON_SORT_KEYS | JSON_COMPACT);
	assert_non_null(s);
	json_decref(res);
	return s;
}

static void test_search_ids_same_as_notifications(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	/* each query and the least number of cases it finds */
	static const struct {
		const char *q;
		size_t least;
	} qs[] = {
		{ "quenby", 25 }, { "QUENBY", 25 }, { "amy qu", 1 }, { "smith-JONES", 25 },
		{ "o'neill", 25 }, { "ella", 40 }, { "  Grace   Tarby ", 1 },
		{ "CDOP-2025-0042", 1 }, { "cdop-2025-01", 100 }, { "2025-0099", 1 },
		{ "SN1 1AA", 40 }, { "sn11aa", 40 }, { "sn1", 80 }, { "gl50 3pr", 40 },
		{ "2012-03-03", 1 }, { "03/03/2012", 1 }, { "zzzz", 0 }, { "99", 3 },
		{ "no such child", 0 },
	};
	enum { NQ = sizeof qs / sizeof qs[0] + 2 };
	char nhs_q[2][16], nhs[11], *with[NQ];
	size_t n_with[NQ], n_without, hits = 0;

	assert_int_equal(t_count(r, "SELECT count(*) FROM case_ids WHERE ids IS NULL"), 0);
	/* NHS numbers of case 1 (i = 0): bare and spaced */
	assert_int_equal(t_nhs_of(400000000u, nhs), 0);
	snprintf(nhs_q[0], sizeof nhs_q[0], "%s", nhs);
	snprintf(nhs_q[1], sizeof nhs_q[1], "%.3s %.3s %.4s", nhs, nhs + 3, nhs + 6);
#define QUERY(i) ((i) < NQ - 2 ? qs[i].q : nhs_q[(i) - (NQ - 2)])
	for (size_t i = 0; i < NQ; i++) {
		size_t least = i < NQ - 2 ? qs[i].least : 1;

		with[i] = answer(r, QUERY(i), &n_with[i]);
		if (n_with[i] < least)
			fail_msg("'%s' found %zu cases, expected at least %zu", QUERY(i),
				 n_with[i], least);
		if (least == 0 && n_with[i])
			fail_msg("'%s' found %zu cases, expected none", QUERY(i), n_with[i]);
		hits += n_with[i];
	}
	assert_true(hits > 400);
	/* As a register from before 016: every notification is read and
	 * matched, as search did before the ids were used. */
	t_ok(db_exec(r, "UPDATE case_ids SET ids = NULL"), r);
	for (size_t i = 0; i < NQ; i++) {
		char *without = answer(r, QUERY(i), &n_without);

		if (strcmp(with[i], without))
			fail_msg("'%s': from ids %s\nfrom notifications %s", QUERY(i),
				 with[i], without);
		free(with[i]);
		free(without);
	}
#undef QUERY
}

/* A case whose ids cannot be opened (moved from another case) is read
 * whole, and found by what its notification says. */
static void test_search_ids_unusable(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], *before, *after;
	size_t n1, n2;

	t_notify(r, t_notification("Quenby", "9434765919"), ref);
	t_notify(r, t_notification("Kelstow", NULL), ref);
	before = answer(r, "quenby", &n1);
	assert_int_equal(n1, 1);
	t_ok(db_exec(r, "UPDATE case_ids SET ids = (SELECT ids FROM case_ids "
		     "WHERE case_id = 2) WHERE case_id = 1"), r);
	after = answer(r, "quenby", &n2);
	assert_string_equal(before, after);
	free(before);
	free(after);
	after = answer(r, "kelstow", &n2);
	assert_int_equal(n2, 1);
	free(after);
}

/* Today's names (cases_child_name): from the ids, the same as from the
 * notification (ids gone, or another case's); an unknown reference. */
static void test_child_name(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char a[CASE_REF_MAX], b[CASE_REF_MAX], name[256];

	t_notify(r, t_notification("Quenby", NULL), a);
	t_notify(r, t_notification("Kelstow", NULL), b);
	t_ok(cases_child_name(r, a, name, sizeof name), r);
	assert_string_equal(name, "Amy Quenby");
	t_ok(cases_child_name(r, b, name, sizeof name), r);
	assert_string_equal(name, "Amy Kelstow");
	t_ok(db_exec(r, "UPDATE case_ids SET ids = (SELECT ids FROM case_ids "
		     "WHERE case_id = 2) WHERE case_id = 1"), r);
	t_ok(cases_child_name(r, a, name, sizeof name), r);
	assert_string_equal(name, "Amy Quenby");
	t_ok(db_exec(r, "UPDATE case_ids SET ids = NULL"), r);
	t_ok(cases_child_name(r, b, name, sizeof name), r);
	assert_string_equal(name, "Amy Kelstow");
	assert_int_equal(cases_child_name(r, "CDOP-1999-0001", name, sizeof name),
			 CDOP_ERR_NOTFOUND);
}

/* The identifier fields from the ids (cases_id_fields, what the annual
 * report's learning is anonymised with) are those of the notification,
 * and so is what anonymise_text makes of a text with them; with the ids
 * gone, or another case's, the notification is read instead. */
static void same_id_fields(struct reg *r, int64_t id, const char *text)
{
	static const char *const paths[] = {
		"child.forename", "child.surname", "notified.by_name", "child.nhs_number",
		"child.date_of_birth", "death.date", "child.postcode", "child.address",
	};
	json_t *full = NULL, *f = NULL;
	char *a, *b;

	t_ok(cases_notification(r, id, &full), r);
	t_ok(cases_id_fields(r, id, &f), r);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		const json_t *x = form_json_get(full, paths[i]), *y = form_json_get(f, paths[i]);

		if (json_is_string(x) != json_is_string(y) ||
		    (json_is_string(x) && strcmp(json_string_value(x), json_string_value(y))))
			fail_msg("case %lld: %s differs", (long long)id, paths[i]);
	}
	a = anonymise_text(text, full);
	b = anonymise_text(text, f);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	assert_true(strstr(a, "[child]") != NULL);
	free(a);
	free(b);
	json_decref(full);
	json_decref(f);
}

static void test_id_fields(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	static const char text[] = "Amy was seen at 1 Any Street, Town, SN1 1AA, "
		"born 01/03/2024 (2024-03-01), NHS 943 476 5919; Dr A called.";
	char ref[CASE_REF_MAX];
	json_t *n = t_notification("Quenby", "9434765919");

	t_set(n, "child.postcode", NULL);
	t_notify(r, n, ref);
	t_notify(r, t_notification("Kelstow", NULL), ref);
	assert_int_equal(t_count(r, "SELECT count(*) FROM case_ids WHERE ids IS NULL"), 0);
	same_id_fields(r, 1, text);
	same_id_fields(r, 2, text);
	t_ok(db_exec(r, "UPDATE case_ids SET ids = (SELECT ids FROM case_ids "
		     "WHERE case_id = 2) WHERE case_id = 1"), r);
	same_id_fields(r, 1, text);
	t_ok(db_exec(r, "UPDATE case_ids SET ids = NULL"), r);
	same_id_fields(r, 2, text);
	assert_int_equal(cases_id_fields(r, 99, &n), CDOP_ERR_NOTFOUND);
	assert_null(n);
}

/* The identifier set made on two threads (a long case_ids: here the
 * threshold lowered, so 300 rows make batches for both threads) answers
 * as the set made on one, whole or kept for some texts; and with some
 * ids unusable, which are read from the notifications. */
static void same_answers(const struct idset *a, const struct idset *b,
			 const char *const *texts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct idcheck_match x, y;
		int fx = idset_find(a, texts[i], NULL, 0, &x, NULL);
		int fy = idset_find(b, texts[i], NULL, 0, &y, NULL);

		assert_int_equal(fx, fy);
		if (fx == 1 && (strcmp(x.text, y.text) || strcmp(x.what, y.what)))
			fail_msg("'%s': '%s' (%s) against '%s' (%s)", texts[i], x.text,
				 x.what, y.text, y.what);
	}
}

static void test_set_two_threads(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	static const char *const texts[] = {
		"Amy met Grace", "the Tarby family", "seen at SN2 4BD by the team",
		"born 2012-03-03", "born 03/03/2012", "Kelstow and O'Neill",
		"Dr A said", "nothing here at all", "Finn Smith-Jones", "death on 2025-02-14",
		/* case 13's date of birth, and no other case's */
		"born 2022-01-13",
	};
	int64_t keep = idset_thread_rows;
	struct idset *one = NULL, *two = NULL;

	for (int round = 0; round < 2; round++) {
		idset_thread_rows = INT64_MAX;
		t_ok(idset_load(r, &one), r);
		idset_thread_rows = 0;
		t_ok(idset_load(r, &two), r);
		same_answers(one, two, texts, sizeof texts / sizeof texts[0]);
		idset_free(one);
		idset_free(two);
		idset_thread_rows = INT64_MAX;
		t_ok(idset_load_for(r, texts, sizeof texts / sizeof texts[0], &one), r);
		idset_thread_rows = 0;
		t_ok(idset_load_for(r, texts, sizeof texts / sizeof texts[0], &two), r);
		same_answers(one, two, texts, sizeof texts / sizeof texts[0]);
		idset_free(one);
		idset_free(two);
		/* the second round: some ids gone, some another case's */
		t_ok(db_exec(r, "UPDATE case_ids SET ids = NULL WHERE case_id % 7 = 0"), r);
		t_ok(db_exec(r, "UPDATE case_ids SET ids = (SELECT ids FROM case_ids "
			     "WHERE case_id = 2) WHERE case_id % 11 = 0"), r);
	}
	/* Some cases without a case_ids row at all: read from their
	 * notifications, as the set made from every notification answers. */
	t_ok(db_exec(r, "DELETE FROM case_ids WHERE case_id % 13 = 0"), r);
	one = idset_new();
	assert_non_null(one);
	for (int64_t id = 1; id <= NCASES; id++) {
		json_t *n = NULL;

		t_ok(cases_notification(r, id, &n), r);
		assert_int_equal(idset_add_notification(one, n), 0);
		json_decref(n);
	}
	{
		struct idcheck_match m;

		assert_int_equal(idset_find(one, "born 2022-01-13", NULL, 0, &m, NULL), 1);
	}
	for (int k = 0; k < 2; k++) {
		idset_thread_rows = k ? 0 : INT64_MAX;
		t_ok(idset_load(r, &two), r);
		same_answers(one, two, texts, sizeof texts / sizeof texts[0]);
		idset_free(two);
	}
	idset_free(one);
	idset_thread_rows = keep;
}

/* The value of meta's ids_version (migration 019). */
static void version_of(struct reg *r, char v[IDS_VERSION_MAX])
{
	struct db_stmt q = DB_STMT_INIT;

	v[0] = 0;
	db_prepare(r, &q, "SELECT value FROM meta WHERE key = 'ids_version'");
	if (db_step(&q) == DB_ROW)
		snprintf(v, IDS_VERSION_MAX, "%s", db_column_text(&q, 0));
	t_ok(db_finalize(&q), r);
	assert_int_equal(strlen(v), 32);
}

/* A search as a browser session makes it, keeping its index. */
static char *answer_in(struct reg *r, struct search_index **keep, const char *q,
		       size_t *count)
{
	json_t *res = NULL;
	char *s;

	t_ok(cases_search_in(r, keep, q, &res), r);
	*count = json_array_size(res);
	s = json_dumps(res, JSON_SORT_KEYS | JSON_COMPACT);
	assert_non_null(s);
	json_decref(res);
	return s;
}

/* A kept index (the browser UI's) gives the answers and the audit entry
 * of a search without one; it is used again while ids_version is the same
 * (shown by putting the value back after a change: the old name is still
 * found), and made again when it changes: a new name is found, the old
 * one is not. */
static void test_search_index_kept(void **state)
{
	static const char *const qs[] = { "quenby", "amy", "cdop-2025", "sn1", "kelstow" };
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct search_index *ix = NULL;
	char a[CASE_REF_MAX], b[CASE_REF_MAX], v0[IDS_VERSION_MAX], v1[IDS_VERSION_MAX];
	char *plain, *kept, sql[128];
	size_t n1, n2, i;
	json_t *patch;

	t_notify(r, t_notification("Quenby", "9434765919"), a);
	t_notify(r, t_notification("Kelstow", NULL), b);
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		int64_t audit0 = t_count(r, "SELECT count(*) FROM audit WHERE action = 'search'");

		plain = answer(r, qs[i], &n1);
		kept = answer_in(r, &ix, qs[i], &n2);
		assert_non_null(ix);
		assert_string_equal(plain, kept);
		assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'search'"),
				 audit0 + 2);
		free(plain);
		free(kept);
	}
	assert_true(cases_search_index_bytes(ix) > 0);
	/* A change the triggers did not see: the kept index answers. */
	version_of(r, v0);
	patch = json_pack("{s:{s:s}}", "child", "surname", "Zorrow");
	t_ok(cases_update(r, a, patch), r);
	json_decref(patch);
	version_of(r, v1);
	assert_string_not_equal(v0, v1);
	snprintf(sql, sizeof sql, "UPDATE meta SET value = '%s' WHERE key = 'ids_version'", v0);
	t_ok(db_exec(r, sql), r);
	free(answer_in(r, &ix, "quenby", &n1));
	assert_int_equal(n1, 1);
	/* The change as written: made again. */
	snprintf(sql, sizeof sql, "UPDATE meta SET value = '%s' WHERE key = 'ids_version'", v1);
	t_ok(db_exec(r, sql), r);
	free(answer_in(r, &ix, "quenby", &n1));
	assert_int_equal(n1, 0);
	free(answer_in(r, &ix, "zorrow", &n1));
	assert_int_equal(n1, 1);
	/* A new case is found by the next search. */
	t_notify(r, t_notification("Ulverd", NULL), b);
	free(answer_in(r, &ix, "ulverd", &n1));
	assert_int_equal(n1, 1);
	cases_search_index_free(ix);
}

/* Every write that changes what a search compares gives ids_version a new
 * value (a case_ids row replaced, changed or deleted, a reference
 * changed); one that does not (the NCMD flag) leaves it, and so does a new
 * case (its greater id tells the index; test_search_index_kept). */
static void test_ids_version_changes(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], v0[IDS_VERSION_MAX], v1[IDS_VERSION_MAX];
	static const char *const writes[] = {
		("INSERT OR REPLACE INTO case_ids(case_id, ncmd, ids) "
		 "SELECT case_id, ncmd, ids FROM case_ids WHERE case_id = 1"),
		"UPDATE case_ids SET ids = NULL WHERE case_id = 1",
		"UPDATE cases SET ref = 'CDOP-2025-9999' WHERE id = 1",
		"DELETE FROM case_ids WHERE case_id = 1",
	};

	t_notify(r, t_notification("Quenby", NULL), ref);
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
		version_of(r, v0);
		t_ok(db_exec(r, writes[i]), r);
		version_of(r, v1);
		if (!strcmp(v0, v1))
			fail_msg("'%s' left ids_version as it was", writes[i]);
	}
	version_of(r, v0);
	t_notify(r, t_notification("Kelstow", NULL), ref);
	version_of(r, v1);
	assert_string_equal(v0, v1);
	t_ok(db_exec(r, "UPDATE case_ids SET ncmd = 1 - ncmd"), r);
	version_of(r, v1);
	assert_string_equal(v0, v1);
}

/* A session without the identifier key gets no index: the search fails
 * as cases_search does, and nothing is kept. */
static void test_search_index_not_for_panel(void **state)
{
	struct t_clone *c = *state;
	struct search_index *ix = NULL;
	json_t *res = NULL;
	char ref[CASE_REF_MAX];
	int plain, kept;

	t_notify(&c->r, t_notification("Quenby", NULL), ref);
	t_clone_reopen(c, T_PANEL);
	plain = cases_search(&c->r, "quenby", &res);
	assert_null(res);
	kept = cases_search_in(&c->r, &ix, "quenby", &res);
	assert_int_not_equal(kept, CDOP_OK);
	assert_int_equal(kept, plain);
	assert_null(res);
	assert_null(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_search_ids_same_as_notifications,
						setup_cases, t_teardown_clone),
		T_TEST(test_search_ids_unusable),
		T_TEST(test_child_name),
		T_TEST(test_id_fields),
		cmocka_unit_test_setup_teardown(test_set_two_threads, setup_cases,
						t_teardown_clone),
		T_TEST(test_search_index_kept),
		T_TEST(test_ids_version_changes),
		T_TEST(test_search_index_not_for_panel),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
