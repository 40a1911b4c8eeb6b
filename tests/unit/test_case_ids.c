/*
 * Migration 016 (issue 9, speed): case_documents.ids, each notification's
 * identifier fields sealed under K_id, from which idset_load makes the
 * identifier check's set without parsing every notification; and the
 * partial index of documents not yet sealed. The set made from ids is the
 * set made from the notifications; a document without usable ids (from
 * before 016, written without them, or tampered with) is read whole.
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
#include "cdop/panel/panel.h"
#include "crypto/error.h"
#include "support.h"

/* Texts each naming one identifier of the cases notify_three makes, and
 * one naming none. */
static const char *const probes[] = {
	"We spoke to the Quenby family.",
	"Amy was seen at home.",
	"Born on 1 March 2024.",
	"NHS 943 476 5919 was checked.",
	"Visited 17 Larkspur Close.",
	"Postcode SN11AA given.",
	"Dr Ellton attended.",
	"Died 3rd May 2025.",
	"Nothing identifying here at all.",
};
#define NPROBES (sizeof probes / sizeof probes[0])

static void notify_three(struct reg *r)
{
	char ref[CASE_REF_MAX];
	json_t *n = t_notification("Quenby-Marwell", "9434765919");

	t_set(n, "child.address", json_string("17 Larkspur Close, Ashbury"));
	t_set(n, "notified.by_name", json_string("Dr Ellton"));
	t_notify(r, n, ref);
	t_notify(r, t_notification("Kelstow", NULL), ref);
	n = t_notification("Oakes", "4010232137");
	t_set(n, "child.postcode", NULL);
	t_set(n, "child.address", NULL);
	t_notify(r, n, ref);
}

/* What idset_find says of each probe, as one string to compare. */
static void findings(struct reg *r, char *out, size_t len)
{
	struct idset *s = NULL;
	size_t o = 0;

	t_ok(idset_load(r, &s), r);
	for (size_t i = 0; i < NPROBES; i++) {
		struct idcheck_match m;
		int found = idset_find(s, probes[i], NULL, 0, &m, NULL);
		int k = snprintf(out + o, len - o, "%d:%s:%s;", found,
				 found == 1 ? m.text : "", found == 1 ? m.what : "");

		assert_true(k > 0 && (size_t)k < len - o);
		o += (size_t)k;
	}
	idset_free(s);
}

static void test_ids_written_and_same_set(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char with[2048], without[2048];

	notify_three(r);
	assert_int_equal(t_count(r, "SELECT count(*) FROM case_ids WHERE ids IS NULL"), 0);
	assert_int_equal(t_count(r, "SELECT count(*) FROM case_ids"), 3);
	findings(r, with, sizeof with);
	/* The last probe names nothing (test_ids_each_probe_found: the
	 * others each name something). */
	assert_non_null(strstr(with, ";0::;"));
	/* As a register from before 016: the notifications decide. */
	t_ok(db_exec(r, "UPDATE case_ids SET ids = NULL"), r);
	findings(r, without, sizeof without);
	assert_string_equal(with, without);
}

static void test_ids_each_probe_found(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct idset *s = NULL;
	struct idcheck_match m;

	notify_three(r);
	t_ok(idset_load(r, &s), r);
	for (size_t i = 0; i + 1 < NPROBES; i++)
		if (idset_find(s, probes[i], NULL, 0, &m, NULL) != 1)
			fail_msg("probe '%s' found nothing", probes[i]);
	assert_int_equal(idset_find(s, probes[NPROBES - 1], NULL, 0, &m, NULL), 0);
	idset_free(s);
}

static void test_ids_moved_or_stale(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char before[2048], after[2048];

	notify_three(r);
	findings(r, before, sizeof before);
	/* Sealed to its case: another case's ids do not open, and that case's
	 * notification is read instead. */
	t_ok(db_exec(r, "UPDATE case_ids SET ids = (SELECT ids FROM case_ids "
		     "WHERE case_id = 2) WHERE case_id = 1"), r);
	findings(r, after, sizeof after);
	assert_string_equal(before, after);
	/* A writer that reseals the notification without its ids leaves them
	 * NULL (trigger), never out of date. */
	t_ok(db_exec(r, "UPDATE case_documents SET sealed = sealed WHERE case_id = 3"), r);
	assert_int_equal(t_count(r, "SELECT count(*) FROM case_ids WHERE ids IS NULL"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM case_ids "
				 "WHERE case_id = 3 AND ids IS NULL AND ncmd IS NULL"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM case_anon WHERE case_id = 3"), 0);
	findings(r, after, sizeof after);
	assert_string_equal(before, after);
	/* A case update writes them again. */
	{
		json_t *patch = json_pack("{s:{s:s}}", "child", "forename", "Zed");

		t_ok(cases_update(r, "CDOP-2025-0003", patch), r);
		json_decref(patch);
	}
	assert_int_equal(t_count(r, "SELECT count(*) FROM case_ids "
				 "WHERE case_id = 3 AND ids IS NULL"), 0);
	assert_int_equal(t_count(r, "SELECT count(*) FROM case_anon WHERE case_id = 3"), 1);
}

/* idset_load_for: the set made for some texts answers for them as the
 * whole set does, and holds nothing they could not name. */
static void test_load_for_same_answers(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct idset *all = NULL, *some = NULL;
	struct idcheck_match m1, m2;
	char ref[CASE_REF_MAX];
	json_t *n = t_notification("Vantreece", NULL);
	/* An address line longer than the probe records as a place. */
	static const char long_line[] = "4 Upper Little Saint Aldwyn Market Cross Yard";
	static const char long_text[] = "Seen at 4 Upper Little Saint Aldwyn Market Cross Yard.";
	const char *texts[NPROBES + 1];

	notify_three(r);
	t_set(n, "child.address", json_string(long_line));
	t_notify(r, n, ref);
	for (size_t i = 0; i < NPROBES; i++)
		texts[i] = probes[i];
	texts[NPROBES] = long_text;
	t_ok(idset_load(r, &all), r);
	/* All the texts together, and each on its own. */
	t_ok(idset_load_for(r, texts, NPROBES + 1, &some), r);
	for (size_t i = 0; i <= NPROBES; i++) {
		struct idset *one = NULL;
		struct idcheck_match m3;
		int a = idset_find(all, texts[i], NULL, 0, &m1, NULL);

		t_ok(idset_load_for(r, &texts[i], 1, &one), r);
		assert_int_equal(idset_find(some, texts[i], NULL, 0, &m2, NULL), a);
		assert_int_equal(idset_find(one, texts[i], NULL, 0, &m3, NULL), a);
		if (a == 1) {
			assert_string_equal(m1.text, m2.text);
			assert_string_equal(m1.what, m2.what);
			assert_string_equal(m1.text, m3.text);
			assert_string_equal(m1.what, m3.what);
		}
		idset_free(one);
	}
	assert_int_equal(idset_find(some, long_text, NULL, 0, &m2, NULL), 1);
	assert_string_equal(m2.what, "an address");
	idset_free(some);
	/* Made for a text naming nothing, it holds nothing another text names. */
	t_ok(idset_load_for(r, &probes[NPROBES - 1], 1, &some), r);
	assert_int_equal(idset_find(some, "We spoke to the Quenby family.", NULL, 0, &m2, NULL), 0);
	idset_free(some);
	t_ok(idset_load_for(r, NULL, 0, &some), r);
	assert_int_equal(idset_find(some, "Amy Quenby", NULL, 0, &m2, NULL), 0);
	idset_free(some);
	idset_free(all);
}

/* A date held as two kinds (one child's date of birth, another's date of
 * death) is named by the first kind in order, whatever else is held. */
static void test_two_kinds_one_answer(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct idset *s = NULL;
	struct idcheck_match m;
	char ref[CASE_REF_MAX];
	json_t *n = t_notification("Born-Then", NULL);
	const char *text = "Died 3rd May 2025.";

	notify_three(r);
	t_set(n, "child.date_of_birth", json_string("2025-05-03"));
	t_notify(r, n, ref);
	t_ok(idset_load(r, &s), r);
	assert_int_equal(idset_find(s, text, NULL, 0, &m, NULL), 1);
	assert_string_equal(m.what, "a date of birth");
	idset_free(s);
	t_ok(idset_load_for(r, &text, 1, &s), r);
	assert_int_equal(idset_find(s, text, NULL, 0, &m, NULL), 1);
	assert_string_equal(m.what, "a date of birth");
	idset_free(s);
}

/* The query plan's detail rows of sql, joined. */
static void plan_of(struct reg *r, const char *sql, char *out, size_t len)
{
	struct db_stmt q = DB_STMT_INIT;
	char text[512];

	out[0] = 0;
	snprintf(text, sizeof text, "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(db_prepare(r, &q, text), 0);
	while (db_step(&q) == DB_ROW) {
		size_t o = strlen(out);

		snprintf(out + o, len - o, "%s;", db_column_text(&q, 3));
	}
	assert_int_equal(db_finalize(&q), 0);
}

/* A copy of fixture NAME (tests/fixtures/NAME) in a new directory
 * (returned, to remove), opened by the manager mo, today fixed. */
static char *fixture_open(const char *name, struct reg *r)
{
	char *dir = t_mkdtemp(), *path = t_path(dir, T_REG_NAME);
	char *keys = t_path(dir, T_KEYS_NAME), from[512];

	snprintf(from, sizeof from, "%s/%s/register.cdop", CDOP_FIXTURES, name);
	t_copy(from, path);
	snprintf(from, sizeof from, "%s/%s/register.cdop.keys", CDOP_FIXTURES, name);
	t_copy(from, keys);
	t_ok(t_reg_open(r, path, "mo", "mo-long-passphrase"), r);
	r->ss.today = T_TODAY;
	free(path);
	free(keys);
	return dir;
}

static void fixture_close(struct reg *r, char *dir)
{
	reg_release(r);
	t_rmtree(dir);
	free(dir);
}

/* The v1 register (tests/fixtures/v1) upgraded through 016: the column,
 * the trigger and the index are there, and the question every manager's
 * command asks uses the index instead of reading every document. */
static void test_upgrade_from_v1(void **state)
{
	char plan[512], ref[CASE_REF_MAX], *dir;
	struct reg r;

	(void)state;
	dir = fixture_open("v1", &r);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE "
				 "name = 'case_documents_unsealed' AND type = 'index'"), 1);
	/* 017 moved 016's column to case_ids, with its trigger. */
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE "
				 "name = 'case_documents_short_stale' AND type = 'trigger'"), 1);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE "
				 "name = 'case_documents' AND sql LIKE '%ids BLOB%'"), 0);
	plan_of(&r, "SELECT 1 FROM case_documents WHERE sealed IS NULL LIMIT 1",
		plan, sizeof plan);
	if (!strstr(plan, "case_documents_unsealed"))
		fail_msg("plan does not use the index: %s", plan);
	t_notify(&r, t_notification("Upgraded", NULL), ref);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM case_ids i JOIN case_documents d "
				 "ON d.case_id = i.case_id WHERE i.ids IS NOT NULL AND "
				 "d.sealed IS NOT NULL"), 1);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM case_documents "
				 "WHERE sealed IS NULL"), 0);
	fixture_close(&r, dir);
}

/* Migration 017 (issue 12, page speed) from the schema-11 register
 * (tests/fixtures/v11: one case, sealed, before 016's ids): the short
 * values moved to case_ids and case_anon, none left in case_documents, the
 * NCMD flag read from the anonymised copy, and search, the panel's view and
 * Today answer as before; an update writes the ids. */
static void test_upgrade_017_from_v11(void **state)
{
	struct reg r;
	json_t *found = NULL, *anon = NULL, *today = NULL, *patch;
	char *dir;

	(void)state;
	dir = fixture_open("v11", &r);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM case_ids WHERE ids IS NULL "
				 "AND ncmd = 0"), 1);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM case_anon WHERE "
				 "anon LIKE '{%' AND anon NOT LIKE '%Vexworth%'"), 1);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE "
				 "name = 'case_documents' AND (sql LIKE '%anon%' OR "
				 "sql LIKE '%ids%')"), 0);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE name IN "
				 "('case_ids_no_ncmd', 'case_ids_ncmd_unknown', "
				 "'cases_notified_ref', 'cases_status')"), 4);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE "
				 "name = 'cases_notified'"), 0);
	t_ok(cases_search(&r, "vexworth", &found), &r);
	assert_int_equal(json_array_size(found), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(found, 0),
							      "ref")), "CDOP-2025-0001");
	t_ok(cases_notification_anon(&r, 1, &anon), &r);
	assert_null(json_object_get(json_object_get(anon, "child"), "surname"));
	assert_non_null(json_object_get(anon, "death"));
	t_ok(today_list(&r, 0, &today), &r);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(
		json_object_get(today, "summary"), "by_kind"), "statutory_clock"), "total")), 1);
	patch = json_pack("{s:{s:s}}", "notified", "ncmd_date", "2025-05-05");
	t_ok(cases_update(&r, "CDOP-2025-0001", patch), &r);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM case_ids WHERE ids IS NOT NULL "
				 "AND ncmd = 1"), 1);
	json_decref(patch);
	json_decref(found);
	json_decref(anon);
	json_decref(today);
	fixture_close(&r, dir);
}

/* The v1 register upgraded through 018: the question every manager's
 * command asks about plain-text columns uses its partial indexes instead
 * of reading every row, and the identifier set made for a text from
 * case_ids (017) finds it. */
static void test_upgrade_018(void **state)
{
	static const char *const uses[][2] = {
		{ "SELECT 1 FROM rr_actions WHERE typeof(done_by) = 'text' OR "
		  "typeof(notes) = 'text'", "rr_actions_unsealed" },
		{ "SELECT 1 FROM agency_reports WHERE typeof(form) = 'text'",
		  "agency_reports_unsealed" },
	};
	char plan[512], *dir;
	struct idset *s = NULL;
	struct idcheck_match m;
	const char *text = "We spoke to the Quenby family.";
	struct reg r;

	(void)state;
	dir = fixture_open("v1", &r);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE "
				 "type = 'index' AND name IN ('rr_actions_unsealed', "
				 "'agency_reports_unsealed')"), 2);
	for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
		plan_of(&r, uses[i][0], plan, sizeof plan);
		if (!strstr(plan, uses[i][1]))
			fail_msg("plan of '%s' does not use %s: %s", uses[i][0], uses[i][1], plan);
	}
	/* Sealed at the manager's open: nothing left for the partial indexes. */
	assert_int_equal(t_count(&r, "SELECT count(*) FROM rr_actions WHERE "
				 "typeof(done_by) = 'text' OR typeof(notes) = 'text'"), 0);
	notify_three(&r);
	t_ok(idset_load_for(&r, &text, 1, &s), &r);
	assert_int_equal(idset_find(s, text, NULL, 0, &m, NULL), 1);
	idset_free(s);
	fixture_close(&r, dir);
}

/* Migrations 022 and 023 from the schema-11 register: recommendations rebuilt with
 * AUTOINCREMENT (a removed recommendation's number is never given again:
 * tests/cli/t_review_again.sh), with its three indexes and rows kept. */
static void test_upgrade_022(void **state)
{
	struct reg r;
	char *dir;

	(void)state;
	dir = fixture_open("v11", &r);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE "
				 "type = 'table' AND name = 'recommendations' AND "
				 "sql LIKE '%AUTOINCREMENT%'"), 1);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE "
				 "type = 'index' AND tbl_name = 'recommendations' AND name IN "
				 "('recommendations_case', 'recommendations_text_check', "
				 "'recommendations_open')"), 3);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE "
				 "name = 'recommendations_022'"), 0);
	/* 023: the meetings page counts reviews from their own index. */
	{
		char plan[512];

		plan_of(&r, "SELECT meeting_id, count(*) FROM reviews GROUP BY meeting_id",
			plan, sizeof plan);
		if (!strstr(plan, "COVERING INDEX reviews_meeting"))
			fail_msg("plan does not use reviews_meeting: %s", plan);
	}
	fixture_close(&r, dir);
}

/* The v1 register upgraded through 019: ids_version is there (32 hex
 * digits), its triggers are, and a change of a case's ids changes it; a
 * search that keeps its index finds a new case (a greater id). */
static void test_upgrade_019(void **state)
{
	struct search_index *ix = NULL;
	json_t *found = NULL;
	char ref[CASE_REF_MAX], *dir;
	struct reg r;

	(void)state;
	dir = fixture_open("v1", &r);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM meta WHERE key = 'ids_version' "
				 "AND length(value) = 32 AND value NOT GLOB '*[^0-9a-f]*'"), 1);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM sqlite_master WHERE type = "
				 "'trigger' AND name GLOB '*_version_*'"), 5);
	t_ok(cases_search_in(&r, &ix, "vexworth", &found), &r);
	json_decref(found);
	t_ok(db_exec(&r, "CREATE TEMP TABLE v AS SELECT value FROM meta "
		     "WHERE key = 'ids_version'"), &r);
	t_notify(&r, t_notification("Upgraded", NULL), ref);
	t_ok(cases_search_in(&r, &ix, "upgraded", &found), &r);
	assert_int_equal(json_array_size(found), 1);
	json_decref(found);
	t_ok(db_exec(&r, "UPDATE case_ids SET ids = ids"), &r);
	assert_int_equal(t_count(&r, "SELECT count(*) FROM meta m, v WHERE "
				 "m.key = 'ids_version' AND m.value = v.value"), 0);
	cases_search_index_free(ix);
	fixture_close(&r, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_ids_written_and_same_set),
		T_TEST(test_ids_each_probe_found),
		T_TEST(test_ids_moved_or_stale),
		cmocka_unit_test(test_upgrade_from_v1),
		cmocka_unit_test(test_upgrade_017_from_v11),
		T_TEST(test_load_for_same_answers),
		T_TEST(test_two_kinds_one_answer),
		cmocka_unit_test(test_upgrade_018),
		cmocka_unit_test(test_upgrade_019),
		cmocka_unit_test(test_upgrade_022),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
