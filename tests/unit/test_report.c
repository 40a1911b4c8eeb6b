/*
 * cdop/report: the four formats of `report annual` over the golden data set
 * (tests/fixtures/report/golden.jsonl, see test_stats.c): JSON shape,
 * CSV blocks, quoting and formula neutralisation, Markdown tables, the
 * HTML's self-containment; no identifier of the register in any output;
 * learning only where publishable, scrubbed; signatures beside every file
 * and checked; the audit entry; and options refused with the flag named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "cdop/store/store.h"
#include "cdop/panel/panel.h"
#include "cdop/report/report.h"
#include "crypto/error.h"
#include "crypto/secure.h"
#include "support.h"

#define TODAY "2026-05-20"
#define GOLDEN CDOP_FIXTURES "/report/golden.jsonl"

static char *g_dir, *g_path;
static json_t *g_secrets; /* every identifying string of the data set */

static void secret_add(const char *s)
{
	if (s && strlen(s) >= 4)
		json_array_append_new(g_secrets, json_string(s));
}

/* Every ISO date anywhere in a line of the fixture. */
static void dates_add(const char *line)
{
	for (const char *p = line; *p; p++) {
		char d[11];
		int ok = 1;

		for (int i = 0; i < 10 && ok; i++)
			ok = p[i] && (i == 4 || i == 7 ? p[i] == '-' : isdigit((unsigned char)p[i]));
		if (!ok)
			continue;
		memcpy(d, p, 10);
		d[10] = 0;
		secret_add(d);
	}
}

/* Names, NHS numbers (plain and spaced), dates of birth, postcodes,
 * addresses and who did what, from the fixture itself. */
static void secrets_load(void)
{
	static const char *const fields[] = {
		"child.forename", "child.surname", "child.nhs_number", "child.date_of_birth",
		"child.postcode", "child.address", "notified.by_name",
	};
	FILE *f = fopen(GOLDEN, "r");
	char line[8192];

	assert_non_null(f);
	g_secrets = json_array();
	while (fgets(line, sizeof line, f)) {
		json_t *l = json_loads(line, 0, NULL), *n = json_object_get(l, "notification");
		const char *nhs;

		assert_non_null(l);
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			char obj[32], key[32];
			const char *dot = strchr(fields[i], '.');

			snprintf(obj, sizeof obj, "%.*s", (int)(dot - fields[i]), fields[i]);
			snprintf(key, sizeof key, "%s", dot + 1);
			secret_add(json_string_value(json_object_get(json_object_get(n, obj), key)));
		}
		nhs = json_string_value(json_object_get(json_object_get(n, "child"), "nhs_number"));
		if (nhs) {
			char spaced[16];

			snprintf(spaced, sizeof spaced, "%.3s %.3s %.4s", nhs, nhs + 3, nhs + 6);
			secret_add(spaced);
		}
		dates_add(line);
		json_decref(l);
	}
	fclose(f);
	secret_add("Ravenscroft");  /* rapid response: by */
	secret_add("Lanchester");   /* attendance: name */
	secret_add("found by a parent"); /* circumstances */
}

#define REPORTER "reporter"

static int group_setup(void **state)
{
	struct import_opts io;
	struct import_result res;
	struct reg r;
	char err[REG_ERR_MAX];
	int64_t m;
	int ret;

	(void)state;
	if (crypto_init() != CRYPTO_OK)
		return -1;
	secrets_load();
	g_dir = t_mkdtemp();
	g_path = t_path(g_dir, T_REG_NAME);
	ret = t_reg_create(g_path, T_ADMIN, T_PASS, NULL, err, sizeof err);
	/* Keys by role: a manager imports and signs (the admin holds neither
	 * the identifiable-data key nor the report key). */
	if (!ret)
		ret = t_reg_open(&r, g_path, T_ADMIN, T_PASS);
	if (!ret)
		ret = users_add(&r, REPORTER, ROLE_MANAGER, T_PASS, strlen(T_PASS));
	if (!ret)
		ret = reg_close(&r);
	reg_release(&r);
	if (!ret)
		ret = t_reg_open(&r, g_path, REPORTER, T_PASS);
	if (ret)
		return -1;
	r.ss.today = TODAY;
	memset(&io, 0, sizeof io);
	ret = import_file(&r, GOLDEN, &io, &res);
	if (!ret)
		ret = meetings_new(&r, "2026-03-04", NULL, &m);
	if (!ret)
		ret = meetings_attend(&r, 2, "Officer Lanchester", "police", NULL);
	if (ret)
		fprintf(stderr, "set-up: %s\n", r.e.msg);
	if (!ret)
		ret = reg_close(&r);
	reg_release(&r);
	return ret ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	t_rmtree(g_dir);
	free(g_dir);
	free(g_path);
	json_decref(g_secrets);
	return 0;
}

/* A report into a fresh directory: *out is the file path (free it). */
static int report_year(const char *year, const char *edition, const char *disclosure,
		       const char *format, char **dir, char **out, char *err)
{
	struct report_opts o = { year, edition, disclosure, format, NULL, NULL, 0 };
	struct report_result res;
	struct reg r;
	char name[32];
	int ret;

	*dir = t_mkdtemp();
	snprintf(name, sizeof name, "report.%s", format);
	*out = t_path(*dir, name);
	o.out = *out;
	assert_int_equal(t_reg_open(&r, g_path, REPORTER, T_PASS), 0);
	r.ss.today = TODAY;
	ret = report_annual(&r, &o, &res);
	if (err)
		snprintf(err, REG_ERR_MAX, "%s", r.e.msg);
	if (!ret)
		assert_non_null(strstr(res.trusted_comment, " edition:"));
	reg_release(&r);
	return ret;
}

static int report(const char *edition, const char *disclosure, const char *format,
		  char **dir, char **out, char *err)
{
	return report_year("2025-26", edition, disclosure, format, dir, out, err);
}

static char *slurp_text(const char *path)
{
	size_t n;
	uint8_t *b = t_slurp(path, &n);

	b[n] = 0;
	return (char *)b;
}

static void assert_no_secrets(const char *path)
{
	char *text = slurp_text(path);
	size_t i;
	json_t *s;

	json_array_foreach(g_secrets, i, s) {
		if (strstr(text, json_string_value(s)))
			fail_msg("%s contains '%s'", path, json_string_value(s));
	}
	free(text);
}

static void cleanup(char *dir, char *out)
{
	t_rmtree(dir);
	free(dir);
	free(out);
}

/* ---- no identifiers, every format and edition -------------------------------- */

static void test_no_identifiers(void **state)
{
	static const char *const formats[] = { "html", "csv", "json", "md" };
	static const char *const editions[][2] = {
		{ "board", NULL }, { "public", "dfe" }, { "public", "nhs" },
	};
	char err[REG_ERR_MAX];

	(void)state;
	assert_true(json_array_size(g_secrets) > 100);
	for (size_t f = 0; f < 4; f++) {
		for (size_t e = 0; e < 3; e++) {
			char *dir, *out;

			if (report(editions[e][0], editions[e][1], formats[f], &dir, &out, err))
				fail_msg("%s %s: %s", editions[e][0], formats[f], err);
			assert_no_secrets(out);
			assert_int_equal(t_mode(out), 0600);
			assert_int_equal(t_count_entries(dir), 2); /* the file and .minisig */
			cleanup(dir, out);
		}
	}
}

/* ---- JSON --------------------------------------------------------------------- */

static void test_json_shape(void **state)
{
	static const char *const ids[] = {
		"notifications", "reviews_by_category", "reviews_by_age", "reviews_by_sex",
		"reviews_by_ethnicity", "reviews_by_expected", "reviews_by_place",
		"review_duration", "outstanding", "joint_agency_response", "referrals",
		"themes", "recommendations", "meetings",
	};
	char *dir, *out, err[REG_ERR_MAX];
	json_error_t je;
	json_t *j, *tables, *t, *learning;
	size_t i;
	const char *key;

	(void)state;
	assert_int_equal(report("public", NULL, "json", &dir, &out, err), 0);
	j = json_load_file(out, 0, &je);
	if (!j)
		fail_msg("JSON: %s line %d", je.text, je.line);
	assert_string_equal(json_string_value(json_object_get(j, "year")), "2025-26");
	assert_string_equal(json_string_value(json_object_get(j, "edition")), "public");
	assert_string_equal(json_string_value(json_object_get(j, "disclosure")), "dfe");
	tables = json_object_get(j, "tables");
	assert_int_equal(json_object_size(tables), 14);
	i = 0;
	json_object_foreach(tables, key, t) {
		json_t *rows = json_object_get(t, "rows"), *row;
		size_t k, ncols = json_array_size(json_object_get(t, "columns"));

		assert_string_equal(key, ids[i++]); /* SPEC order */
		assert_true(ncols >= 1);
		assert_true(json_array_size(rows) >= 3);
		json_array_foreach(rows, k, row) {
			json_t *cells = json_object_get(row, "cells"), *c;
			size_t m;

			assert_true(json_is_string(json_object_get(row, "label")));
			assert_int_equal(json_array_size(cells), ncols);
			json_array_foreach(cells, m, c) {
				if (json_is_string(c))
					assert_string_equal(json_string_value(c), "x");
				else
					assert_true(json_is_number(c));
			}
		}
	}
	/* the cells of test_stats.c's DfE working */
	t = json_object_get(tables, "notifications");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(json_array_get(
		json_object_get(t, "rows"), 2), "cells"), 2)), 12);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_array_get(
		json_object_get(t, "rows"), 2), "cells"), 0)), "x");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_object_get(tables, "meetings"), "columns"), 2)), "attendance_percent");
	/* learning: publishable reviews of the year only, in order; those that
	 * name an identifier the register holds (the child's names; an NHS
	 * number and postcode) are left out and counted (issue 11). Keys by role
	 * (decision after merging keys): the manager who imported them stored
	 * them scrubbed, so the report cannot find the words any more; a text
	 * the scrub changed still named the child and is left out and counted
	 * the same (cdop/report/report.c learning_scrubbed), whatever role
	 * writes the report. */
	learning = json_object_get(j, "learning");
	assert_int_equal(json_array_size(learning), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "learning_withheld")), 2);
	assert_string_equal(json_string_value(json_array_get(learning, 0)),
			    "=SUM(1,2) Transitions from CAMHS to adult services need a named "
			    "lead.");
	/* the panel's name, and the five-year trend */
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "panel"),
							      "name")),
			    "Child Death Overview Panel");
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "trend"), "rows")), 5);
	json_decref(j);
	cleanup(dir, out);
}

static void test_json_board_and_nhs(void **state)
{
	char *dir, *out, err[REG_ERR_MAX];
	json_t *j, *rows;

	(void)state;
	assert_int_equal(report("board", NULL, "json", &dir, &out, err), 0);
	j = json_load_file(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "disclosure")), "none");
	rows = json_object_get(json_object_get(json_object_get(j, "tables"), "meetings"), "rows");
	/* held: 3 meetings, 1 with attendance, 33.3% (a number) */
	assert_int_equal(json_integer_value(json_array_get(json_object_get(
		json_array_get(rows, 0), "cells"), 0)), 3);
	assert_true(json_is_real(json_array_get(json_object_get(json_array_get(rows, 0),
								"cells"), 2)));
	assert_true(json_real_value(json_array_get(json_object_get(json_array_get(rows, 0),
								   "cells"), 2)) == 33.3);
	json_decref(j);
	cleanup(dir, out);

	assert_int_equal(report("public", "nhs", "json", &dir, &out, err), 0);
	j = json_load_file(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "disclosure")), "nhs");
	rows = json_object_get(json_object_get(json_object_get(j, "tables"), "notifications"),
			       "rows");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_array_get(rows, 0), "cells"), 0)), "*");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(
		json_array_get(rows, 2), "cells"), 2)), 10);
	json_decref(j);
	cleanup(dir, out);
}

/* ---- CSV ----------------------------------------------------------------------- */

static void test_csv(void **state)
{
	char *dir, *out, *text, err[REG_ERR_MAX];
	const char *p;
	size_t blocks = 0;

	(void)state;
	assert_int_equal(report("board", NULL, "csv", &dir, &out, err), 0);
	text = slurp_text(out);
	/* RFC 4180 line ends */
	for (p = text; *p; p++)
		if (*p == '\n')
			assert_true(p > text && p[-1] == '\r');
	for (p = text; (p = strstr(p, "# table: ")) != NULL; p++)
		blocks++;
	assert_int_equal(blocks, 14);
	assert_non_null(strstr(text, "\r\n# trend\r\nlabel,notified,notified_per_10000,"));
	assert_non_null(strstr(text, "\r\n# table: notifications\r\n"
				     "label,resident,non_resident,total\r\n"
				     "expected,6,1,7\r\nunexpected,3,2,5\r\ntotal,9,3,12\r\n\r\n"));
	assert_non_null(strstr(text, "# table: meetings\r\nlabel,meetings,attended,"
				     "attendance_percent\r\nheld,3,1,33.3\r\n"));
	/* The learning that starts with "=" is text, quoted (it has a comma). */
	assert_non_null(strstr(text, "\r\n\"'=SUM(1,2) Transitions from CAMHS"));
	/* No field anywhere starts a formula. */
	for (p = text; *p; p++) {
		int field_start = p == text || p[-1] == ',' || p[-1] == '\n' ||
				  (p[-1] == '"' && (p - 1 == text || p[-2] == ',' || p[-2] == '\n'));

		if (field_start && strchr("=+-@", *p) && *p)
			fail_msg("CSV field starts with '%c' at offset %zu", *p, (size_t)(p - text));
	}
	free(text);
	cleanup(dir, out);
}

/* ---- Markdown ------------------------------------------------------------------- */

static void test_md(void **state)
{
	char *dir, *out, *text, err[REG_ERR_MAX];

	(void)state;
	assert_int_equal(report("public", "dfe", "md", &dir, &out, err), 0);
	text = slurp_text(out);
	/* titles and labels for people, never table ids or codes (issue 14) */
	assert_non_null(strstr(text, "# Child Death Overview Panel: annual report"));
	assert_non_null(strstr(text, "## Deaths notified\n"));
	assert_null(strstr(text, "## notifications\n"));
	assert_non_null(strstr(text, "| Death | Resident | Not resident | Total |\n|---|---:|"));
	assert_non_null(strstr(text, "| **Total** | x | x | 12 |\n"));
	assert_non_null(strstr(text, "## Panel meetings and attendance\n"));
	assert_non_null(strstr(text, "## Five-year trend\n"));
	assert_null(strstr(text, "was born"));
	assert_non_null(strstr(text, "2 learning texts were left out"));
	free(text);
	cleanup(dir, out);
}

/* ---- HTML ------------------------------------------------------------------------ */

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_html(void **state)
{
	char *dir, *out, *text, err[REG_ERR_MAX];

	(void)state;
	assert_int_equal(report("board", NULL, "html", &dir, &out, err), 0);
	text = slurp_text(out);
	assert_non_null(strstr(text, "<meta http-equiv=\"Content-Security-Policy\" "
				     "content=\"default-src 'none'; style-src 'unsafe-inline'; "
				     "img-src data:\">"));
	/* nothing to fetch: no URL at all, no src attribute, links in-page only */
	assert_null(strstr(text, "http:"));
	assert_null(strstr(text, "https:"));
	assert_null(strstr(text, "//"));
	assert_null(strstr(text, " src="));
	assert_int_equal(count(text, "href=\""), count(text, "href=\"#"));
	/* charts with title and description, for reviews_by_category and _age */
	assert_true(count(text, "<svg role=\"img\"") >= 2);
	assert_non_null(strstr(text, "<title id=\"chart-reviews_by_category-t\">"));
	assert_non_null(strstr(text, "<desc id=\"chart-reviews_by_age-d\">"));
	assert_true(count(text, "<th scope=\"col\">") >= 14);
	assert_non_null(strstr(text, "<th scope=\"row\">Total</th>"));
	assert_non_null(strstr(text, "@media print"));
	/* learning naming an identifier is left out, and counted */
	assert_null(strstr(text, "was born at 24 weeks"));
	assert_non_null(strstr(text, "2 learning texts were left out"));
	assert_non_null(strstr(text, "Transitions from CAMHS"));
	assert_null(strstr(text, "not publishable"));
	assert_null(strstr(text, "Prior-year learning"));
	assert_null(strstr(text, "Next-year learning"));
	free(text);
	cleanup(dir, out);
}

/* ---- signatures and audit ------------------------------------------------------- */

struct last_audit {
	char action[32], object[32], detail[64];
};

static int audit_last(const struct audit_entry *e, void *ctx)
{
	struct last_audit *l = ctx;

	snprintf(l->action, sizeof l->action, "%s", e->action);
	snprintf(l->object, sizeof l->object, "%s", e->object);
	snprintf(l->detail, sizeof l->detail, "%s", e->detail);
	return 0;
}

static void test_signed_and_audited(void **state)
{
	char *dir, *out, *sig, err[REG_ERR_MAX], tc[SIGN_TRUSTED_COMMENT_MAX + 1];
	struct last_audit l;
	struct reg r;

	(void)state;
	assert_int_equal(report("public", "nhs", "csv", &dir, &out, err), 0);
	sig = t_path(dir, "report.csv.minisig");
	assert_true(t_exists(sig));
	assert_int_equal(t_mode(sig), 0600);
	assert_int_equal(t_reg_open(&r, g_path, REPORTER, T_PASS), 0);
	assert_int_equal(signing_verify_file(&r, out, tc, sizeof tc), 0);
	assert_non_null(strstr(tc, "cdop register:"));
	assert_non_null(strstr(tc, " year:2025-26 edition:public time:"));
	assert_int_equal(audit_foreach(&r, audit_last, &l), 0);
	assert_string_equal(l.action, "report");
	assert_string_equal(l.object, "2025-26");
	assert_string_equal(l.detail, "public/nhs/csv");
	/* one changed byte */
	t_flip(out, 40, 0x01);
	assert_int_equal(signing_verify_file(&r, out, tc, sizeof tc), CDOP_ERR_INPUT);
	assert_non_null(strstr(r.e.msg, "has been changed since it was signed"));
	t_flip(out, 40, 0x01);
	assert_int_equal(signing_verify_file(&r, out, tc, sizeof tc), 0);
	/* a changed trusted comment */
	{
		size_t n;
		uint8_t *b = t_slurp(sig, &n);
		char *tcl = strstr((char *)b, "edition:public");

		assert_non_null(tcl);
		memcpy(tcl, "edition:boardX", 14);
		t_spew(sig, b, n);
		free(b);
	}
	assert_int_equal(signing_verify_file(&r, out, tc, sizeof tc), CDOP_ERR_INPUT);
	assert_non_null(strstr(r.e.msg, "trusted comment"));
	unlink(sig);
	assert_int_equal(signing_verify_file(&r, out, tc, sizeof tc), CDOP_ERR_NOTFOUND);
	unlink(out);
	assert_int_equal(signing_verify_file(&r, out, tc, sizeof tc), CDOP_ERR_NOTFOUND);
	reg_release(&r);
	free(sig);
	cleanup(dir, out);
}

/* ---- options ------------------------------------------------------------------------ */

static void refused(const char *year, const char *edition, const char *disclosure,
		    const char *format, const char *out, int want, const char *flag)
{
	struct report_opts o = { year, edition, disclosure, format, out, NULL, 0 };
	struct report_result res;
	struct reg r;
	char *dir = t_mkdtemp(), *path = t_path(dir, "r.html");

	if (!o.out)
		o.out = path;
	assert_int_equal(t_reg_open(&r, g_path, REPORTER, T_PASS), 0);
	r.ss.today = TODAY;
	assert_int_equal(report_annual(&r, &o, &res), want);
	/* The library names the field; the CLI turns "year" into "--year". */
	if (!strncmp(flag, "--", 2) ? strcmp(r.e.field, flag + 2) : !strstr(r.e.msg, flag))
		fail_msg("message '%s' (field '%s') does not name %s", r.e.msg,
			 r.e.field, flag);
	reg_release(&r);
	assert_int_equal(t_count_entries(dir), 0);
	t_rmtree(dir);
	free(dir);
	free(path);
}

static void test_options(void **state)
{
	(void)state;
	refused("2025-27", "board", NULL, "html", NULL, CDOP_ERR_INPUT, "--year");
	refused("2025", "board", NULL, "html", NULL, CDOP_ERR_INPUT, "--year");
	refused("2027-28", "board", NULL, "html", NULL, CDOP_ERR_INPUT, "has not started");
	refused("2025-26", "x", NULL, "html", NULL, CDOP_ERR_INPUT, "--edition");
	refused("2025-26", "board", "dfe", "html", NULL, CDOP_ERR_INPUT, "--disclosure");
	refused("2025-26", "public", "ons", "html", NULL, CDOP_ERR_INPUT, "--disclosure");
	refused("2025-26", "public", NULL, "pdf", NULL, CDOP_ERR_INPUT, "--format");
	refused("2025-26", "public", NULL, "csv", "-", CDOP_ERR_INPUT, "--out");
	refused("2025-26", "public", NULL, "csv", g_path, CDOP_ERR_INPUT, "--out");
	refused("2025-26", "public", NULL, "csv", "/nonexistent-dir/r.csv", CDOP_ERR_IO,
		"--out");
}

/* The year in progress may be reported (an interim report); the register
 * survived every refusal above, --out naming it included. */
static void test_year_in_progress(void **state)
{
	char *dir, *out, err[REG_ERR_MAX];
	struct reg r;

	(void)state;
	assert_int_equal(t_reg_open(&r, g_path, REPORTER, T_PASS), 0);
	assert_int_equal(reg_check(&r), 0);
	reg_release(&r);
	assert_int_equal(report_year("2026-27", "board", NULL, "md", &dir, &out, err), 0);
	cleanup(dir, out);
}

static void test_key(void **state)
{
	char text[SIGN_PUBKEY_TEXT_SIZE], text2[SIGN_PUBKEY_TEXT_SIZE], id[SIGN_KEYID_HEX_SIZE];
	struct sign_pubkey pub;
	struct reg r;

	(void)state;
	assert_int_equal(t_reg_open(&r, g_path, REPORTER, T_PASS), 0);
	assert_int_equal(signing_pubkey_text(&r, text, sizeof text, id), 0);
	reg_release(&r);
	assert_int_equal(t_reg_open(&r, g_path, REPORTER, T_PASS), 0);
	assert_int_equal(signing_pubkey_text(&r, text2, sizeof text2, NULL), 0);
	reg_release(&r);
	assert_string_equal(text, text2); /* derived, stable */
	assert_int_equal(sign_pubkey_parse(&pub, text), 0);
	assert_non_null(strstr(text, id));
	assert_int_equal(strncmp(text, "untrusted comment: ", 19), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_identifiers),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_json_board_and_nhs),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_md),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_signed_and_audited),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_year_in_progress),
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
