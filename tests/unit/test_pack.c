/*
 * cdop/pack: the meeting pack. One self-contained HTML file with a CSP,
 * anonymised (no identifier in any byte), free text escaped, written only
 * with its audit entry, never over an existing file.
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

static const char *const identifiers[] = {
	"Amy", "amy", "AMY", "Example", "example", "9434765919", "943 476 5919",
	"2024-03-01", "01/03/2024", "1 Any Street", "SN1 1AA", "SN11AA", "sn1 1aa",
	"Dr A<", "Dr A\"", "2025-05-03", "2025-05-04", "14:20",
};

static const char text[] = "Amy Example (NHS 943 476 5919, born 01/03/2024) of "
	"1 Any Street, Town, SN1 1AA <script>alert(1)</script>";

/* A case with identifiers in every free-text field, on a meeting held on
 * 2025-05-20 (its id in mid), not yet reviewed. */
static void case_on_meeting(struct reg *r, char ref[CASE_REF_MAX], char mid[24])
{
	struct agency_request_result req;
	struct agency_receive_result rec;
	json_t *n = t_notification("Example", "9434765919"), *form;
	int64_t m;
	int corrected;

	t_set(n, "death.circumstances", json_string(text));
	t_set(n, "panel_summary", json_string("A girl found at home <script>alert(1)</script>."));
	t_notify(r, n, ref);
	t_ok(rr_add(r, ref, "home_visit", "2025-05-04T10:00", "DS Amy Example", text,
		    &corrected), r);
	t_ok(agency_request(r, ref, "police", NULL, &req), r);
	form = json_pack("{s:s}", "summary", text);
	t_ok(agency_receive(r, ref, "police", "2025-06-01", form, &rec), r);
	json_decref(form);
	t_ok(agency_request(r, ref, "gp", NULL, &req), r);
	t_to_meeting(r, ref, "2025-05-20", &m, mid, NULL);
}

static char *slurp_text(const char *path)
{
	size_t n;
	uint8_t *b = t_slurp(path, &n);

	b[n] = 0;
	return (char *)b;
}

static void test_pack(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24], *out = t_path(c->dir, "pack.html"), *html;
	int64_t audit;
	size_t i;

	case_on_meeting(r, ref, mid);
	t_clone_reopen(c, T_PANEL);
	audit = t_count(r, "SELECT count(*) FROM audit");
	t_ok(pack_write(r, mid, out, OUTFILE_EXCL), r);
	assert_int_equal(t_mode(out), 0600);
	html = slurp_text(out);
	for (i = 0; i < sizeof identifiers / sizeof identifiers[0]; i++) {
		const char *at = strstr(html, identifiers[i]);

		if (at)
			fail_msg("pack shows '%s': ...%.80s", identifiers[i],
				 at - html > 40 ? at - 40 : html);
	}
	/* self-contained: a CSP that forbids fetches, no network references */
	assert_non_null(strstr(html, "<meta http-equiv=\"Content-Security-Policy\" "
			       "content=\"default-src 'none'"));
	assert_null(strstr(html, "http://"));
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(html, "&lt;script&gt;"));
	/* what the panel works from */
	assert_non_null(strstr(html, ref));
	/* the manager's summary, never the circumstances (issue 11) */
	assert_non_null(strstr(html, "A girl found at home &lt;script&gt;"));
	assert_null(strstr(html, "[child]"));
	assert_non_null(strstr(html, "May 2025"));
	assert_non_null(strstr(html, "awaited"));
	assert_non_null(strstr(html, "Sudden unexpected, unexplained death"));
	free(html);
	/* audited with the file */
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit"), audit + 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'meeting_pack' "
			       "AND detail = '1 cases' AND user = 'panel'"), 1);
	free(out);
}

static void test_pack_empty_meeting(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char *out = t_path(c->dir, "empty.html"), *html;
	int64_t m;

	t_ok(meetings_new(r, "2025-06-10", NULL, &m), r);
	t_ok(pack_write(r, "1", out, OUTFILE_EXCL), r);
	html = slurp_text(out);
	assert_non_null(strstr(html, "No cases are on this meeting's agenda."));
	assert_non_null(strstr(html, "</html>"));
	free(html);
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = 'meeting_pack' "
			       "AND detail = '0 cases'"), 1);
	free(out);
}

static void test_pack_refused(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24];
	char *out = t_path(c->dir, "pack.html"), *nodir = t_path(c->dir, "no/such/pack.html");
	struct t_counts before;
	size_t entries;

	case_on_meeting(r, ref, mid);
	before = t_counts_of(r);
	entries = t_count_entries(c->dir);
	t_expect(pack_write(r, "99", out, OUTFILE_EXCL), CDOP_ERR_NOTFOUND, r, "no meeting 99");
	t_expect(pack_write(r, "first", out, OUTFILE_EXCL), CDOP_ERR_INPUT, r, "meeting: ");
	t_expect(pack_write(r, mid, nodir, OUTFILE_EXCL), CDOP_ERR_IO, r, "out: ");
	assert_false(t_exists(out));
	assert_int_equal(t_count_entries(c->dir), entries);
	t_assert_unchanged(r, before);

	/* SPEC §2: any --out refuses an existing path (nothing written) */
	t_spew(out, "mine", 4);
	t_expect(pack_write(r, mid, out, OUTFILE_EXCL), CDOP_ERR_CONFLICT, r, "already exists");
	assert_int_equal(t_size(out), 4);
	assert_int_equal(t_count_entries(c->dir), entries + 1);
	t_assert_unchanged(r, before);
	free(nodir);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_pack),
		T_TEST(test_pack_empty_meeting),
		T_TEST(test_pack_refused),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
