/* Import and export (cdop/import.c, cdop/export.c) through the library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cdop/store/store.h"
#include "cdop/panel/panel.h"
#include "crypto/secure.h"
#include "support.h"

struct fx {
	char *dir, *reg_path;
	struct reg r;
};

/* Case i as one import line (no newline), unexpected deaths with a done
 * action, every third with a review. */
static void case_line(unsigned i, char *buf, size_t len)
{
	char nhs[11];
	unsigned stem = 400000000u + i * 7u;

	while (t_nhs_of(stem, nhs))
		stem++;
	snprintf(buf, len,
		 "{\"notification\": {\"child\": {\"forename\": \"Amy\", \"surname\": "
		 "\"Testcase%u\", \"nhs_number\": \"%s\", \"date_of_birth\": \"2024-03-01\", "
		 "\"sex\": \"female\"}, \"death\": {\"date\": \"2025-0%u-03\", \"place\": "
		 "\"home\", \"expected\": \"%s\"}, \"notified\": {\"date\": \"2025-0%u-04\", "
		 "\"by_agency\": \"hospital\"}}, \"rapid_response\": [{\"action\": "
		 "\"home_visit\", \"on\": \"2025-0%u-03T18:00\", \"by\": \"DS on call\"}]%s}",
		 i, nhs, 1 + i % 4, "unexpected", 1 + i % 4, 1 + i % 4,
		 i % 3 ? "" : ", \"review\": {\"category\": 10, \"domains\": {\"child\": 1, "
		 "\"social_environment\": 2, \"physical_environment\": 1, "
		 "\"service_provision\": 0}, \"modifiable\": \"yes\", \"themes\": "
		 "[\"safe_sleeping\"], \"recommendations\": [{\"text\": \"Leaflet\", "
		 "\"owner\": \"public_health\", \"due\": \"2025-12-31\", \"completed\": "
		 "\"2025-05-30\"}], \"meeting_date\": \"2025-05-15\"}");
}

static char *write_lines(struct fx *f, const char *name, unsigned n, const char *sep)
{
	char *path = t_path(f->dir, name), line[2048];
	FILE *fp = fopen(path, "w");
	unsigned i;

	assert_non_null(fp);
	for (i = 0; i < n; i++) {
		case_line(i, line, sizeof line);
		fprintf(fp, "%s%s", line, sep);
	}
	fclose(fp);
	return path;
}

static int64_t count(struct reg *r, const char *sql)
{
	struct db_stmt q = DB_STMT_INIT;
	int64_t n = -1;

	assert_int_equal(db_prepare(r, &q, sql), 0);
	if (db_step(&q) == DB_ROW)
		n = db_column_int(&q, 0);
	db_finalize(&q);
	return n;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char err[REG_ERR_MAX];

	assert_non_null(f);
	f->dir = t_mkdtemp();
	f->reg_path = t_path(f->dir, T_REG_NAME);
	assert_int_equal(t_reg_create(f->reg_path, T_ADMIN, T_PASS, NULL, err, sizeof err), 0);
	assert_int_equal(t_reg_open_manager(&f->r, f->reg_path), 0);
	f->r.ss.today = "2025-06-01";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	reg_release(&f->r);
	t_rmtree(f->dir);
	free(f->reg_path);
	free(f->dir);
	free(f);
	return 0;
}

static void test_import_counts_and_refs(void **state)
{
	struct fx *f = *state;
	struct import_opts o = { 0, NULL, NULL };
	struct import_result res;
	char *path = write_lines(f, "a.jsonl", 12, "\r\n\n");

	assert_int_equal(import_file(&f->r, path, &o, &res), 0);
	assert_int_equal(res.cases, 12);
	assert_int_equal(res.lines, 24);
	assert_int_equal(res.reviews, 4);
	assert_int_equal(res.meetings_created, 1);
	assert_string_equal(res.ranges, "CDOP-2025-0001..CDOP-2025-0012");
	assert_int_equal(count(&f->r, "SELECT count(*) FROM cases"), 12);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM recommendations "
			       "WHERE done_on = '2025-05-30'"), 4);
	/* 7 actions per unexpected death, one of them done */
	assert_int_equal(count(&f->r, "SELECT count(*) FROM rr_actions"), 84);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM rr_actions "
			       "WHERE done_on IS NOT NULL"), 12);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM audit WHERE action = 'import' "
			       "AND object = '12 cases'"), 1);
	free(path);
}

static void test_import_all_or_nothing(void **state)
{
	struct fx *f = *state;
	struct import_opts o = { 0, NULL, NULL };
	struct import_result res;
	char *path = t_path(f->dir, "b.jsonl"), line[2048];
	FILE *fp = fopen(path, "w");
	int64_t audit = count(&f->r, "SELECT count(*) FROM audit");

	assert_non_null(fp);
	case_line(1, line, sizeof line);
	fprintf(fp, "%s\n", line);
	case_line(2, line, sizeof line);
	fprintf(fp, "%s\n%s\n", line, line); /* line 3 repeats line 2 */
	fclose(fp);
	assert_int_equal(import_file(&f->r, path, &o, &res), CDOP_ERR_CONFLICT);
	assert_non_null(strstr(f->r.e.msg, "line 3: notification.child.nhs_number: "
			       "duplicate: line 2 of this file"));
	assert_int_equal(count(&f->r, "SELECT count(*) FROM cases"), 0);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM case_refs"), 0);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM audit"), audit);
	free(path);
}

static void test_import_dry_run(void **state)
{
	struct fx *f = *state;
	struct import_opts o = { 1, NULL, NULL };
	struct import_result res;
	char *path = write_lines(f, "c.jsonl", 5, "\n");

	assert_int_equal(import_file(&f->r, path, &o, &res), 0);
	assert_int_equal(res.cases, 5);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM cases"), 0);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM audit WHERE action = 'import'"), 0);
	free(path);
}

static void test_import_long_line_and_json(void **state)
{
	struct fx *f = *state;
	struct import_opts o = { 0, NULL, NULL };
	struct import_result res;
	char *path = t_path(f->dir, "d.jsonl");
	size_t n = IMPORT_LINE_MAX + 10;
	char *big = malloc(n);

	assert_non_null(big);
	memset(big, ' ', n); /* no newline at all */
	t_spew(path, big, n);
	assert_int_equal(import_file(&f->r, path, &o, &res), CDOP_ERR_INPUT);
	assert_non_null(strstr(f->r.e.msg, "line 1: longer than"));
	t_spew(path, "\n{\"notification\": [}\n", 22);
	assert_int_equal(import_file(&f->r, path, &o, &res), CDOP_ERR_INPUT);
	assert_non_null(strstr(f->r.e.msg, "line 2: not valid JSON: "));
	t_spew(path, "{\"notification\": 1}", 19); /* no final newline */
	assert_int_equal(import_file(&f->r, path, &o, &res), CDOP_ERR_INPUT);
	assert_non_null(strstr(f->r.e.msg, "line 1: notification: "));
	assert_int_equal(count(&f->r, "SELECT count(*) FROM cases"), 0);
	free(big);
	free(path);
}

static void test_export_round_trip(void **state)
{
	struct fx *f = *state;
	struct import_opts o = { 0, NULL, NULL };
	struct import_result res;
	struct export_result out;
	struct reg r2;
	char *in = write_lines(f, "e.jsonl", 9, "\n");
	char *e1 = t_path(f->dir, "e1.jsonl"), *e2 = t_path(f->dir, "e2.jsonl");
	char *dir2 = t_mkdtemp(), *reg2 = t_path(dir2, T_REG_NAME), err[REG_ERR_MAX];
	uint8_t *a, *b;
	size_t alen, blen, entries;

	assert_int_equal(import_file(&f->r, in, &o, &res), 0);
	entries = t_count_entries(f->dir);
	assert_int_equal(export_file(&f->r, e1, OUTFILE_EXCL, &out), 0);
	assert_int_equal(out.cases, 9);
	assert_int_equal(t_mode(e1), 0600);
	assert_int_equal(t_count_entries(f->dir), entries + 1); /* no temp file left */
	assert_int_equal(export_file(&f->r, e1, OUTFILE_EXCL, &out), CDOP_ERR_CONFLICT);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM audit WHERE action = 'export'"), 1);

	assert_int_equal(t_reg_create(reg2, T_ADMIN, T_PASS, NULL, err, sizeof err), 0);
	assert_int_equal(t_reg_open_manager(&r2, reg2), 0);
	r2.ss.today = "2025-06-01";
	assert_int_equal(import_file(&r2, e1, &o, &res), 0);
	assert_int_equal(export_file(&r2, e2, OUTFILE_EXCL, &out), 0);
	reg_release(&r2);
	a = t_slurp(e1, &alen);
	b = t_slurp(e2, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_true(t_contains(a, alen, "\"completed\":\"2025-05-30\"", 24));
	free(a);
	free(b);
	t_rmtree(dir2);
	free(dir2);
	free(reg2);
	free(in);
	free(e1);
	free(e2);
}

/* More cases than one batch of case_ids rows (128, cdop/cases/cases.c):
 * every case has its row, sealed to its own id (store_id_open checks
 * the id), its NCMD flag known, and the import leaves ids_version as it
 * was (new cases need no new value, migration 019). */
static void test_import_case_ids_batched(void **state)
{
	struct fx *f = *state;
	struct import_opts o = { 0, NULL, NULL };
	struct import_result res;
	struct db_stmt q = DB_STMT_INIT;
	char *path = write_lines(f, "i.jsonl", 300, "\n"), v0[80], v1[80];
	const char *ver = "SELECT value FROM meta WHERE key = 'ids_version'";
	size_t opened = 0;

	assert_int_equal(db_prepare(&f->r, &q, ver), 0);
	assert_int_equal(db_step(&q), DB_ROW);
	snprintf(v0, sizeof v0, "%s", db_column_text(&q, 0));
	db_finalize(&q);
	assert_int_equal(import_file(&f->r, path, &o, &res), 0);
	assert_int_equal(res.cases, 300);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM case_ids"), 300);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM cases c JOIN case_ids i "
			       "ON i.case_id = c.id WHERE i.ids IS NOT NULL "
			       "AND i.ncmd = 0"), 300);
	db_prepare(&f->r, &q, "SELECT case_id, ids FROM case_ids ORDER BY case_id");
	while (db_step(&q) == DB_ROW) {
		int64_t id = db_column_int(&q, 0);
		size_t n = 0;
		const void *b = db_column_blob(&q, 1, &n);
		char *text = NULL, want[32];

		assert_int_equal(store_id_open(&f->r, "notification.ids", id, b, n, &text), 0);
		snprintf(want, sizeof want, "Testcase%u", (unsigned)(id - 1));
		assert_non_null(strstr(text, want));
		secure_wipe(text, strlen(text));
		free(text);
		opened++;
	}
	assert_int_equal(db_finalize(&q), 0);
	assert_int_equal(opened, 300);
	db_prepare(&f->r, &q, ver);
	assert_int_equal(db_step(&q), DB_ROW);
	snprintf(v1, sizeof v1, "%s", db_column_text(&q, 0));
	db_finalize(&q);
	assert_string_equal(v0, v1);
	free(path);
}

/* A line whose trees are larger than the reader's arena for it (256 KiB,
 * cdop/panel/import.c): the rest comes from malloc, and the line is
 * stored whole. */
static void test_import_line_past_arena(void **state)
{
	struct fx *f = *state;
	struct import_opts o = { 0, NULL, NULL };
	struct import_result res;
	static const char recs[] = "\"recommendations\": [";
	char *path = t_path(f->dir, "big.jsonl"), line[2048], text[1901], *at;
	FILE *fp = fopen(path, "w");
	unsigned i;

	assert_non_null(fp);
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = 0;
	case_line(0, line, sizeof line); /* with a review: i % 3 == 0 */
	/* Its recommendations: 150 more, each 1,900 bytes of text. */
	at = strstr(line, recs);
	assert_non_null(at);
	at += strlen(recs);
	fwrite(line, 1, (size_t)(at - line), fp);
	for (i = 0; i < 150; i++)
		fprintf(fp, "{\"text\": \"%u %s\", \"owner\": \"public_health\", "
			"\"due\": \"2025-12-31\"}, ", i, text);
	fprintf(fp, "%s\n", at);
	fclose(fp);
	assert_int_equal(import_file(&f->r, path, &o, &res), 0);
	assert_int_equal(res.cases, 1);
	assert_int_equal(count(&f->r, "SELECT count(*) FROM recommendations"), 151);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_counts_and_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_long_line_and_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_case_ids_batched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_line_past_arena, setup, teardown),
	};

	if (crypto_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
