/*
 * cdop/report/dc_audit.c: the exact audit on hand-made counts (the report
 * model built directly, as stats_compute would count). The property test
 * over random registers, with an attacker independent of this code, is
 * tests/disclosure/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cdop/report/report.h"
#include "cdop/store/store.h"

/* One review in every reviews_by_* table and the others that count it. */
static void review(struct stats *s, size_t cat, size_t mod)
{
	s->tab[STATS_BY_CATEGORY].acc[cat - 1][mod]++;
	s->tab[STATS_BY_AGE].acc[mod][mod]++;
	s->tab[STATS_BY_SEX].acc[mod][mod]++;
	s->tab[STATS_BY_ETHNICITY].acc[mod][mod]++;
	s->tab[STATS_BY_EXPECTED].acc[0][mod]++;
	s->tab[STATS_BY_PLACE].acc[0][mod]++;
	s->tab[STATS_DURATION].acc[0][0]++;
	s->tab[STATS_REFERRALS].acc[1][0]++;
}

static void start(struct stats *s)
{
	stats_init(s);
	s->year = 2025;
	snprintf(s->year_text, sizeof s->year_text, "2025-26");
}

static int hidden(const struct stats *s, size_t tab, size_t row, size_t col)
{
	return dc_cell_is_suppressed(&s->tab[tab].t, row, col) == 1;
}

static void rules(struct reg *r, struct stats *s, enum dc_method m)
{
	if (stats_tables_make(r, s) || stats_disclose(r, s, m))
		fail_msg("%s", r->e.msg);
}

/*
 * NHS alone: seven reviews in seven categories. Every count is 1-7, so
 * every cell reads "*" and the rules withhold nothing more; but seven
 * categories of at least 1 under a grand total of at most 7 pins each
 * category to 1 and the total to 7. The audit must re-mark cells "x" (any
 * count).
 */
static void test_nhs_alone_pinned(void **state)
{
	struct reg r;
	struct stats s;
	struct stats_audit a;
	char text[8];

	(void)state;
	reg_init(&r);
	start(&s);
	for (size_t c = 1; c <= 7; c++)
		review(&s, c, 1);
	rules(&r, &s, DC_METHOD_NHS);
	assert_int_equal(dc_cell_text(&s.tab[STATS_BY_CATEGORY].t, 10, 3, text, sizeof text),
			 DC_OK);
	assert_string_equal(text, "*");
	assert_int_equal(stats_audit(&r, &s, NULL, 0, &a), CDOP_OK);
	assert_true(a.withheld > 0);
	assert_true(a.solves > 0);
	/* Something now reads "x": a count that may be larger than 7. */
	{
		int xs = 0;

		for (size_t t = 0; t < STATS_NTABLES; t++)
			for (size_t i = 0; i < s.tab[t].t.rows; i++)
				for (size_t c = 0; c < s.tab[t].t.cols; c++)
					if (!dc_cell_text(&s.tab[t].t, i, c, text, sizeof text))
						xs += !strcmp(text, "x");
		assert_true(xs > 0);
	}
	stats_release(&s);
}

/* A count of 6 starred by an NHS edition must not be printed by a later
 * DfE edition of the same data: the rules alone would print it. */
static void test_nhs_then_dfe(void **state)
{
	struct reg r;
	struct stats s;
	struct stats_edition nhs = STATS_EDITION_INIT;
	struct stats_audit a;

	(void)state;
	reg_init(&r);
	start(&s);
	for (int i = 0; i < 6; i++)
		review(&s, 7, 1);
	for (int i = 0; i < 20; i++)
		review(&s, 8, 1);
	for (int i = 0; i < 12; i++)
		review(&s, 8, 0);
	rules(&r, &s, DC_METHOD_NHS);
	assert_int_equal(stats_audit(&r, &s, NULL, 0, &a), CDOP_OK);
	assert_true(hidden(&s, STATS_BY_CATEGORY, 6, 1)); /* "*" */
	assert_int_equal(stats_edition_take(&s, &nhs), DC_OK);
	rules(&r, &s, DC_METHOD_DFE);
	assert_false(hidden(&s, STATS_BY_CATEGORY, 6, 1)); /* 6 shown by the rules */
	assert_int_equal(stats_audit(&r, &s, &nhs, 1, &a), CDOP_OK);
	assert_true(hidden(&s, STATS_BY_CATEGORY, 6, 1));
	assert_int_equal(a.versions, 1);
	assert_true(a.withheld > 0);
	stats_edition_release(&nhs);
	stats_release(&s);
}

/* A re-issue after one more case: a 0 that becomes x. With both grand
 * totals printed (40, then 41) and every count only growing, the new x is
 * 1: the audit must withhold more in the re-issue. */
static void test_reissue_zero_to_x(void **state)
{
	struct reg r;
	struct stats s;
	struct stats_edition first = STATS_EDITION_INIT;
	struct stats_audit a;

	(void)state;
	reg_init(&r);
	start(&s);
	for (int i = 0; i < 20; i++)
		review(&s, 8, 1);
	for (int i = 0; i < 20; i++)
		review(&s, 7, 0);
	rules(&r, &s, DC_METHOD_DFE);
	assert_int_equal(stats_audit(&r, &s, NULL, 0, &a), CDOP_OK);
	assert_int_equal(a.withheld, 0);
	assert_false(hidden(&s, STATS_BY_CATEGORY, 0, 1)); /* 0 */
	assert_int_equal(stats_edition_take(&s, &first), DC_OK);
	review(&s, 1, 1);
	rules(&r, &s, DC_METHOD_DFE);
	assert_true(hidden(&s, STATS_BY_CATEGORY, 0, 1));
	assert_int_equal(stats_audit(&r, &s, NULL, 0, &a), CDOP_OK);
	assert_int_equal(a.withheld, 0); /* alone it is safe... */
	rules(&r, &s, DC_METHOD_DFE);
	assert_int_equal(stats_audit(&r, &s, &first, 1, &a), CDOP_OK);
	assert_int_equal(a.versions, 2);
	assert_true(a.withheld > 0); /* ...not beside the first issue */
	stats_edition_release(&first);
	stats_release(&s);
}

/* The board edition hides nothing and is not audited. */
static void test_board_untouched(void **state)
{
	struct reg r;
	struct stats s;
	struct stats_audit a;

	(void)state;
	reg_init(&r);
	start(&s);
	review(&s, 1, 0);
	rules(&r, &s, DC_METHOD_NONE);
	assert_int_equal(stats_audit(&r, &s, NULL, 0, &a), CDOP_OK);
	assert_int_equal(a.withheld, 0);
	assert_int_equal(a.solves, 0);
	stats_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nhs_alone_pinned),
		cmocka_unit_test(test_nhs_then_dfe),
		cmocka_unit_test(test_reissue_zero_to_x),
		cmocka_unit_test(test_board_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
