/*
 * cdop/disclosure: hand-worked tables for both methods, then properties
 * over a few thousand random tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdop/report/report.h"

#define BOTH (DC_TOTAL_ROW | DC_TOTAL_COL)

/* Build a table from row-major counts (totals included as given). */
static void table_from(struct dc_table *t, size_t rows, size_t cols, unsigned flags,
		       const long *counts)
{
	assert_int_equal(dc_table_init(t, rows, cols, flags), DC_OK);
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < cols; c++)
			assert_int_equal(dc_table_set(t, r, c, counts[r * cols + c]), DC_OK);
}

/* The published table as one string, cells separated by spaces and rows by
 * " / ", e.g. "x 0 x / x 9 x / 11 9 20". */
static void render(const struct dc_table *t, char *out, size_t len)
{
	size_t used = 0;
	char cell[32];

	out[0] = '\0';
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++) {
			assert_int_equal(dc_cell_text(t, r, c, cell, sizeof cell), DC_OK);
			used += (size_t)snprintf(out + used, len - used, "%s%s",
						 c ? " " : (r ? " / " : ""), cell);
			assert_true(used < len);
		}
	}
}

static void assert_published(const struct dc_table *t, const char *expected)
{
	char got[512];

	render(t, got, sizeof got);
	assert_string_equal(got, expected);
}

/* The example worked in disclosure.c:
 *          a   b | tot
 *     r0   3   0 |   3     primary: r0/a and r0/tot (both 3)
 *     r1   8   9 |  17     col a has one x -> smallest non-zero shown: 8
 *    tot  11   9 |  20     tot col has one x -> 17; then all lines 0 or 2
 */
static void test_dfe_worked_example(void **state)
{
	static const long counts[] = { 3, 0, 3, 8, 9, 17, 11, 9, 20 };
	struct dc_table t = DC_TABLE_INIT;

	(void)state;
	table_from(&t, 3, 3, BOTH, counts);
	assert_int_equal(dc_apply_dfe(&t), DC_OK);
	assert_published(&t, "x 0 x / x 9 x / 11 9 20");
	assert_int_equal(t.state[0], DC_CELL_PRIMARY);
	assert_int_equal(t.state[2], DC_CELL_PRIMARY);
	assert_int_equal(t.state[3], DC_CELL_SECONDARY);
	assert_int_equal(t.state[5], DC_CELL_SECONDARY);
	/* Exact counts are kept for the caller. */
	assert_int_equal(dc_table_get(&t, 1, 0), 8);
	dc_table_release(&t);
}

/* notifications:      resident  non_resident | total
 *   expected              4         10       |  14    4 primary -> row has one x:
 *   unexpected            7          1       |   8      smallest other is 10
 *   total                11         11       |  22    1 primary -> 7
 * Columns then hold two x each; totals all shown. */
static void test_dfe_notifications(void **state)
{
	static const long counts[] = { 4, 10, 14, 7, 1, 8, 11, 11, 22 };
	struct dc_table t = DC_TABLE_INIT;

	(void)state;
	table_from(&t, 3, 3, BOTH, counts);
	assert_int_equal(dc_apply_dfe(&t), DC_OK);
	assert_published(&t, "x x 14 / x x 8 / 11 11 22");
	dc_table_release(&t);
}

/* review_duration, one count column and a total row:
 *   under_6 4 (x), 6_to_12 10 (the column's only other non-zero: x),
 *   over_12 0 (never a complement), total 14 shown. */
static void test_dfe_single_column(void **state)
{
	static const long counts[] = { 4, 10, 0, 14 };
	struct dc_table t = DC_TABLE_INIT;

	(void)state;
	table_from(&t, 4, 1, DC_TOTAL_ROW, counts);
	assert_int_equal(dc_apply_dfe(&t), DC_OK);
	assert_published(&t, "x / x / 0 / 14");
	dc_table_release(&t);
}

/* A small total is itself withheld, and then needs company:
 *   3 | 2 | 0 | total 5: every non-zero is 1..5, all withheld. */
static void test_dfe_small_total(void **state)
{
	static const long counts[] = { 3, 2, 0, 5 };
	struct dc_table t = DC_TABLE_INIT;

	(void)state;
	table_from(&t, 4, 1, DC_TOTAL_ROW, counts);
	assert_int_equal(dc_apply_dfe(&t), DC_OK);
	assert_published(&t, "x / x / 0 / x");
	dc_table_release(&t);
}

/* Rows with a total column only (no column lines):
 *   r0: 1 1 9 | 11: two x adding to 2 must both be 1 -> withhold 9 as well.
 *   r1: 2 1 9 | 12: two x adding to 3 could be 1+2 or 2+1 -> left alone.
 *   r2: 6 7 8 | 21: nothing small. */
static void test_dfe_all_ones(void **state)
{
	static const long counts[] = { 1, 1, 9, 11, 2, 1, 9, 12, 6, 7, 8, 21 };
	struct dc_table t = DC_TABLE_INIT;

	(void)state;
	table_from(&t, 3, 4, DC_TOTAL_COL, counts);
	assert_int_equal(dc_apply_dfe(&t), DC_OK);
	assert_published(&t, "x x x 11 / x x 9 12 / 6 7 8 21");
	dc_table_release(&t);
}

/* Without totals nothing constrains the cells: primary only. */
static void test_dfe_no_totals(void **state)
{
	static const long counts[] = { 3, 40, 0, 12 };
	struct dc_table t = DC_TABLE_INIT;

	(void)state;
	table_from(&t, 2, 2, 0, counts);
	assert_int_equal(dc_apply_dfe(&t), DC_OK);
	assert_published(&t, "x 40 / 0 12");
	dc_table_release(&t);
}

/*
 * Rank of the equations the published table gives over its withheld cells,
 * and whether a withheld cell is fixed by them. Worked in GF(p): entries are
 * -1, 0, 1 and at most 15 equations, so every minor is below 15^7.5 < p and
 * ranks agree with ranks over the rationals.
 */
#define P 2147483647LL

static long long inv_mod(long long a)
{
	long long r = 1, e = P - 2;

	a %= P;
	if (a < 0)
		a += P;
	while (e) {
		if (e & 1)
			r = r * a % P;
		a = a * a % P;
		e >>= 1;
	}
	return r;
}

static size_t rank_mod(long long *m, size_t rows, size_t cols)
{
	size_t rank = 0;

	for (size_t c = 0; c < cols && rank < rows; c++) {
		size_t p = rank;
		while (p < rows && m[p * cols + c] % P == 0)
			p++;
		if (p == rows)
			continue;
		for (size_t k = 0; k < cols; k++) {
			long long tmp = m[rank * cols + k];
			m[rank * cols + k] = m[p * cols + k];
			m[p * cols + k] = tmp;
		}
		long long iv = inv_mod(m[rank * cols + c]);
		for (size_t i = 0; i < rows; i++) {
			if (i == rank || m[i * cols + c] % P == 0)
				continue;
			long long f = (m[i * cols + c] % P + P) % P * iv % P;
			for (size_t k = 0; k < cols; k++) {
				m[i * cols + k] = (m[i * cols + k] - f * m[rank * cols + k]) % P;
				if (m[i * cols + k] < 0)
					m[i * cols + k] += P;
			}
		}
		rank++;
	}
	return rank;
}

/* Number of withheld cells whose exact value follows from the published
 * numbers by the table's line equations. */
static size_t derivable_cells(const struct dc_table *t)
{
	size_t n = t->rows * t->cols, m = 0, neq = 0, found = 0, base;
	size_t *var = calloc(n, sizeof *var);
	long long *eq, *work;
	int row_tot = (t->flags & DC_TOTAL_ROW) != 0, col_tot = (t->flags & DC_TOTAL_COL) != 0;

	assert_non_null(var);
	for (size_t i = 0; i < n; i++)
		var[i] = t->state[i] != DC_CELL_SHOWN ? ++m : 0; /* 1-based */
	if (m == 0) {
		free(var);
		return 0;
	}
	eq = calloc((t->rows + t->cols + 1) * m, sizeof *eq);
	work = calloc((t->rows + t->cols + 1) * m, sizeof *work);
	assert_non_null(eq);
	assert_non_null(work);
	for (size_t r = 0; col_tot && r < t->rows; r++, neq++)
		for (size_t c = 0; c < t->cols; c++)
			if (var[r * t->cols + c])
				eq[neq * m + var[r * t->cols + c] - 1] = c + 1 == t->cols ? P - 1 : 1;
	for (size_t c = 0; row_tot && c < t->cols; c++, neq++)
		for (size_t r = 0; r < t->rows; r++)
			if (var[r * t->cols + c])
				eq[neq * m + var[r * t->cols + c] - 1] = r + 1 == t->rows ? P - 1 : 1;
	memcpy(work, eq, neq * m * sizeof *eq);
	base = rank_mod(work, neq, m);
	for (size_t j = 0; j < m; j++) {
		memcpy(work, eq, neq * m * sizeof *eq);
		memset(work + neq * m, 0, m * sizeof *work);
		work[neq * m + j] = 1;
		if (rank_mod(work, neq + 1, m) == base)
			found++;
	}
	free(work);
	free(eq);
	free(var);
	return found;
}

/*
 * Two blocks of small counts joined by one small cell (r1/c = 1):
 *
 *          a   b   c   d | tot
 *     r0   2   3  12   9 |  26      primary: the nine cells 1..5. Every row
 *     r1   4   5   1  10 |  20      and column then has 0, 2 or 3 x, so the
 *     r2   8  11   3   2 |  24      line rule is satisfied, yet
 *     r3  10   7   4   5 |  26      (r0+r1 row equations) - (a+b column
 *    tot  24  26  20  26 |  96      equations) = r1/c = 26+20-12-9-10 - (24+26-8-10-11-7) = 1.
 *
 * r1/c is a bridge between {r0, r1, a, b} and {r2, r3, c, d}. The cells
 * joining the two sides are 12, 9, 10 (r0/c, r0/d, r1/d) and 8, 11, 10, 7
 * (r2/a, r2/b, r3/a, r3/b): the smallest, r3/b = 7, is withheld, which puts
 * r1/c on the cycle r1-c-r3-b-r1.
 */
static void test_dfe_bridge_across_blocks(void **state)
{
	static const long counts[] = { 2, 3, 12, 9, 26, 4, 5, 1, 10, 20, 8, 11, 3, 2, 24,
				       10, 7, 4, 5, 26, 24, 26, 20, 26, 96 };
	struct dc_table t = DC_TABLE_INIT;

	(void)state;
	table_from(&t, 5, 5, BOTH, counts);
	assert_int_equal(dc_table_totals_check(&t), DC_OK);
	/* The line rule alone (primary here) leaves r1/c derivable. */
	for (size_t i = 0; i < 25; i++)
		t.state[i] = counts[i] >= 1 && counts[i] <= 5 ? DC_CELL_PRIMARY : DC_CELL_SHOWN;
	assert_int_equal(derivable_cells(&t), 1);

	assert_int_equal(dc_apply_dfe(&t), DC_OK);
	assert_published(&t, "x x 12 9 26 / x x x 10 20 / 8 11 x x 24 / 10 x x x 26 / "
			     "24 26 20 26 96");
	assert_int_equal(t.state[3 * 5 + 1], DC_CELL_SECONDARY);
	assert_int_equal(derivable_cells(&t), 0);
	dc_table_release(&t);
}

/* A forced cell is withheld as secondary and the line rule follows it:
 * notifications with its column-a total (11) forced: row "tot" then has
 * one x and takes the other column total 11 as well. */
static void test_dfe_forced_cell(void **state)
{
	static const long counts[] = { 4, 10, 14, 7, 1, 8, 11, 11, 22 };
	struct dc_table t = DC_TABLE_INIT;

	(void)state;
	table_from(&t, 3, 3, BOTH, counts);
	assert_int_equal(dc_cell_force(&t, 2, 0), DC_OK);
	assert_int_equal(dc_apply_dfe(&t), DC_OK);
	assert_published(&t, "x x 14 / x x 8 / x x 22");
	assert_int_equal(t.state[6], DC_CELL_SECONDARY);
	assert_int_equal(dc_cell_force(&t, 3, 0), DC_ERANGE);
	dc_table_release(&t);
}

/*
 * Two tables with the same total row (as the reviews_by_* tables share
 * theirs). Alone, A shows its total row 15 12 27 while B withholds 15 and
 * 12 (B: 5 -> x; row r1 takes 15; column a then only has its total left;
 * ...), so A would give B's r1/a = 15 away. Forcing the union of withheld
 * shared cells into both and re-applying settles on one pattern.
 *
 *     A:  10  3 | 13          B:   0  7 |  7
 *          5  9 | 14              15  5 | 20
 *         15 12 | 27              15 12 | 27
 */
static void test_dfe_shared_totals_force(void **state)
{
	static const long a_counts[] = { 10, 3, 13, 5, 9, 14, 15, 12, 27 };
	static const long b_counts[] = { 0, 7, 7, 15, 5, 20, 15, 12, 27 };
	struct dc_table a = DC_TABLE_INIT, b = DC_TABLE_INIT;
	int changed, rounds = 0;

	(void)state;
	table_from(&a, 3, 3, BOTH, a_counts);
	table_from(&b, 3, 3, BOTH, b_counts);
	assert_int_equal(dc_apply_dfe(&a), DC_OK);
	assert_int_equal(dc_apply_dfe(&b), DC_OK);
	assert_published(&a, "x x 13 / x x 14 / 15 12 27");
	assert_published(&b, "0 x x / x x x / x x 27");
	do {
		changed = 0;
		for (size_t c = 0; c < 3; c++) {
			int wa = dc_cell_is_suppressed(&a, 2, c), wb = dc_cell_is_suppressed(&b, 2, c);
			if (wa == wb)
				continue;
			assert_int_equal(dc_cell_force(wa ? &b : &a, 2, c), DC_OK);
			changed = 1;
		}
		assert_int_equal(dc_apply_dfe(&a), DC_OK);
		assert_int_equal(dc_apply_dfe(&b), DC_OK);
		rounds++;
	} while (changed);
	assert_int_equal(rounds, 2);
	assert_published(&a, "x x 13 / x x 14 / x x 27");
	assert_published(&b, "0 x x / x x x / x x 27");
	dc_table_release(&a);
	dc_table_release(&b);
}

/* NHS: 1..7 -> "*", others to the nearest 5, totals from their own values.
 *          a   b | tot            a   b | tot
 *     r0   3   8 |  11      r0    *  10 |  10     8 -> 10, 11 -> 10
 *     r1  12  13 |  25  ->  r1   10  15 |  25     12 -> 10, 13 -> 15
 *    tot  15  21 |  36      tot  15  20 |  35     21 -> 20, 36 -> 35
 * (the published r0 does not add up: rounded independently, by design). */
static void test_nhs_worked_example(void **state)
{
	static const long counts[] = { 3, 8, 11, 12, 13, 25, 15, 21, 36 };
	struct dc_table t = DC_TABLE_INIT;

	(void)state;
	table_from(&t, 3, 3, BOTH, counts);
	assert_int_equal(dc_apply_nhs(&t), DC_OK);
	assert_published(&t, "* 10 10 / 10 15 25 / 15 20 35");
	dc_table_release(&t);
}

static void test_nhs_boundaries(void **state)
{
	static const long in[] = { 0, 1, 5, 7, 8, 10, 12, 13, 17, 18, 22, 23, 100, 102, 103 };
	static const char *out[] = { "0",  "*",  "*",  "*",  "10",  "10",  "10", "15",
				     "15", "20", "20", "25", "100", "100", "105" };
	struct dc_table t = DC_TABLE_INIT;
	char buf[16];

	(void)state;
	assert_int_equal(dc_table_init(&t, 15, 1, 0), DC_OK);
	for (size_t i = 0; i < 15; i++)
		assert_int_equal(dc_table_set(&t, i, 0, in[i]), DC_OK);
	assert_int_equal(dc_apply_nhs(&t), DC_OK);
	for (size_t i = 0; i < 15; i++) {
		assert_int_equal(dc_cell_text(&t, i, 0, buf, sizeof buf), DC_OK);
		assert_string_equal(buf, out[i]);
	}
	dc_table_release(&t);
}

/* meetings-like: held, attended; percent = attended / held. */
static void test_percentages(void **state)
{
	/* held 10, attended 7, 4, 0; a row with held 0. No totals. */
	static const long counts[] = { 10, 7, 10, 4, 10, 0, 0, 0, 3, 2 };
	struct dc_table t = DC_TABLE_INIT;
	char buf[16];

	(void)state;
	table_from(&t, 5, 2, 0, counts);
	/* Board edition: exact. */
	assert_int_equal(dc_percent_text(&t, 0, 1, 0, 0, buf, sizeof buf), DC_OK);
	assert_string_equal(buf, "70.0");
	assert_int_equal(dc_percent_text(&t, 4, 1, 4, 0, buf, sizeof buf), DC_OK);
	assert_string_equal(buf, "66.7"); /* 2/3, rounded half up */

	assert_int_equal(dc_apply_dfe(&t), DC_OK);
	assert_int_equal(dc_percent_suppressed(&t, 0, 1, 0, 0), 0);
	assert_int_equal(dc_percent_text(&t, 0, 1, 0, 0, buf, sizeof buf), DC_OK);
	assert_string_equal(buf, "70.0");
	assert_int_equal(dc_percent_suppressed(&t, 1, 1, 1, 0), 1); /* numerator 4 */
	assert_int_equal(dc_percent_text(&t, 1, 1, 1, 0, buf, sizeof buf), DC_OK);
	assert_string_equal(buf, "x");
	assert_int_equal(dc_percent_text(&t, 2, 1, 2, 0, buf, sizeof buf), DC_OK);
	assert_string_equal(buf, "0.0");
	assert_int_equal(dc_percent_text(&t, 3, 1, 3, 0, buf, sizeof buf), DC_OK);
	assert_string_equal(buf, "-"); /* 0 of 0 */
	assert_int_equal(dc_percent_suppressed(&t, 4, 1, 4, 0), 1); /* denominator 3 */

	/* NHS: from the published (rounded) values, 7/10 -> * since 7 is hidden. */
	assert_int_equal(dc_apply_nhs(&t), DC_OK);
	assert_int_equal(dc_percent_text(&t, 0, 1, 0, 0, buf, sizeof buf), DC_OK);
	assert_string_equal(buf, "*");
	assert_int_equal(dc_percent_suppressed(&t, 9, 9, 0, 0), DC_ERANGE);
	dc_table_release(&t);
}

static void test_errors(void **state)
{
	static const long bad_totals[] = { 4, 10, 15, 7, 1, 8, 11, 11, 23 };
	struct dc_table t = DC_TABLE_INIT;
	char buf[4];

	(void)state;
	assert_int_equal(dc_table_init(&t, 1, 3, DC_TOTAL_ROW), DC_EINVAL);
	assert_int_equal(dc_table_init(&t, 3, 1, DC_TOTAL_COL), DC_EINVAL);
	assert_int_equal(dc_table_init(&t, 0, 3, 0), DC_EINVAL);
	assert_int_equal(dc_table_init(&t, 3, 3, 0x8), DC_EINVAL);
	assert_int_equal(dc_table_init(&t, SIZE_MAX / 2, 3, 0), DC_EINVAL);
	assert_null(t.count);

	/* A total that does not add up is refused, and nothing is withheld. */
	table_from(&t, 3, 3, BOTH, bad_totals);
	assert_int_equal(dc_table_totals_check(&t), DC_ETOTALS);
	assert_int_equal(dc_apply_dfe(&t), DC_ETOTALS);
	assert_int_equal(t.method, DC_METHOD_NONE);
	assert_int_equal(dc_cell_is_suppressed(&t, 0, 0), 0);
	assert_int_equal(dc_table_totals_fill(&t), DC_OK);
	assert_int_equal(dc_table_get(&t, 0, 2), 14);
	assert_int_equal(dc_table_get(&t, 2, 2), 22);
	assert_int_equal(dc_apply_dfe(&t), DC_OK);

	/* Setting a count undoes the last decision. */
	assert_int_equal(dc_cell_is_suppressed(&t, 0, 0), 1);
	assert_int_equal(dc_table_set(&t, 0, 0, 40), DC_OK);
	assert_int_equal(dc_cell_is_suppressed(&t, 0, 0), 0);
	assert_int_equal(t.method, DC_METHOD_NONE);

	assert_int_equal(dc_table_set(&t, 0, 0, -1), DC_ERANGE);
	assert_int_equal(dc_table_set(&t, 3, 0, 1), DC_ERANGE);
	assert_int_equal(dc_table_set(&t, 0, 0, 2000000000L), DC_ERANGE);
	assert_int_equal(dc_table_get(&t, 0, 3), -1);
	assert_int_equal(dc_cell_text(&t, 9, 0, buf, sizeof buf), DC_ERANGE);
	assert_int_equal(dc_table_set(&t, 0, 0, 12345), DC_OK);
	assert_int_equal(dc_cell_text(&t, 0, 0, buf, sizeof buf), DC_ETOOSMALL);
	assert_string_equal(dc_strerror(DC_ETOTALS), "a total is not the sum of its row or column");
	assert_string_equal(dc_strerror(-99), "unknown disclosure control error");
	dc_table_release(&t);
	dc_table_release(&t); /* twice is harmless */
	assert_int_equal(dc_apply_dfe(&t), DC_EINVAL);
}

/* xorshift64*: a fixed seed gives the same tables on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Skewed small, so that suppression happens often. */
static long small_count(void)
{
	uint64_t r = rng() % 100;

	if (r < 30)
		return 0;
	if (r < 65)
		return 1 + (long)(rng() % 5);
	if (r < 85)
		return 6 + (long)(rng() % 10);
	return 16 + (long)(rng() % 85);
}

static void check_dfe(const struct dc_table *t, const long *exact)
{
	int row_tot = (t->flags & DC_TOTAL_ROW) != 0, col_tot = (t->flags & DC_TOTAL_COL) != 0;
	char buf[32];

	for (size_t i = 0; i < t->rows * t->cols; i++) {
		assert_int_equal(t->count[i], exact[i]);
		if (t->state[i] == DC_CELL_SHOWN) {
			assert_false(t->count[i] >= 1 && t->count[i] <= 5);
			assert_int_equal(t->shown[i], t->count[i]);
		}
		if (exact[i] == 0) {
			assert_int_equal(t->state[i], DC_CELL_SHOWN);
			assert_int_equal(dc_cell_text(t, i / t->cols, i % t->cols, buf, sizeof buf),
					 DC_OK);
			assert_string_equal(buf, "0");
		}
	}
	/* Every line with a withheld cell has two or more (the total counts),
	 * and withheld interior cells under a shown total are not all 1s. */
	for (size_t r = 0; col_tot && r < t->rows; r++) {
		size_t k = 0;
		long sum = 0;
		for (size_t c = 0; c < t->cols; c++)
			if (t->state[r * t->cols + c] != DC_CELL_SHOWN) {
				k++;
				sum += t->count[r * t->cols + c];
			}
		assert_true(k != 1);
		if (k >= 2 && t->state[r * t->cols + t->cols - 1] == DC_CELL_SHOWN)
			assert_true(sum != (long)k);
	}
	for (size_t c = 0; row_tot && c < t->cols; c++) {
		size_t k = 0;
		long sum = 0;
		for (size_t r = 0; r < t->rows; r++)
			if (t->state[r * t->cols + c] != DC_CELL_SHOWN) {
				k++;
				sum += t->count[r * t->cols + c];
			}
		assert_true(k != 1);
		if (k >= 2 && t->state[(t->rows - 1) * t->cols + c] == DC_CELL_SHOWN)
			assert_true(sum != (long)k);
	}
	/* And no combination of lines gives a withheld cell away. */
	assert_int_equal(derivable_cells(t), 0);
}

static void check_nhs(const struct dc_table *t, const long *exact)
{
	char buf[32];

	for (size_t i = 0; i < t->rows * t->cols; i++) {
		long v = exact[i];
		assert_int_equal(t->count[i], v);
		assert_int_equal(dc_cell_text(t, i / t->cols, i % t->cols, buf, sizeof buf), DC_OK);
		if (v >= 1 && v <= 7) {
			assert_int_not_equal(t->state[i], DC_CELL_SHOWN);
			assert_string_equal(buf, "*");
			continue;
		}
		assert_int_equal(t->state[i], DC_CELL_SHOWN);
		assert_int_equal(t->shown[i] % 5, 0);
		assert_true(t->shown[i] - v <= 2 && v - t->shown[i] <= 2);
		assert_int_equal(strtol(buf, NULL, 10), t->shown[i]);
		if (v == 0)
			assert_string_equal(buf, "0");
	}
}

static void test_property_random_tables(void **state)
{
	static const unsigned flag_choice[] = { BOTH, BOTH, BOTH, DC_TOTAL_ROW, DC_TOTAL_COL, 0 };
	size_t with_secondary = 0;

	(void)state;
	for (int iter = 0; iter < 4000; iter++) {
		unsigned flags = flag_choice[rng() % 6];
		size_t rows = 2 + (size_t)(rng() % 7); /* 2..8 */
		size_t cols = 2 + (size_t)(rng() % 5); /* 2..6 */
		struct dc_table t = DC_TABLE_INIT;
		long exact[8 * 6];
		int primary_only;

		if (flags == DC_TOTAL_ROW && rng() % 3 == 0)
			cols = 1; /* a single count column */
		assert_int_equal(dc_table_init(&t, rows, cols, flags), DC_OK);
		for (size_t r = 0; r < rows; r++)
			for (size_t c = 0; c < cols; c++)
				assert_int_equal(dc_table_set(&t, r, c, small_count()), DC_OK);
		assert_int_equal(dc_table_totals_fill(&t), DC_OK);
		assert_int_equal(dc_table_totals_check(&t), DC_OK);
		memcpy(exact, t.count, rows * cols * sizeof *exact);

		assert_int_equal(dc_apply_dfe(&t), DC_OK);
		check_dfe(&t, exact);
		primary_only = 1;
		for (size_t i = 0; i < rows * cols; i++)
			if (t.state[i] == DC_CELL_SECONDARY)
				primary_only = 0;
		with_secondary += !primary_only;

		assert_int_equal(dc_apply_nhs(&t), DC_OK);
		check_nhs(&t, exact);
		dc_table_release(&t);
	}
	/* The generator really exercises secondary suppression. */
	assert_true(with_secondary > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dfe_worked_example),
		cmocka_unit_test(test_dfe_notifications),
		cmocka_unit_test(test_dfe_single_column),
		cmocka_unit_test(test_dfe_small_total),
		cmocka_unit_test(test_dfe_all_ones),
		cmocka_unit_test(test_dfe_no_totals),
		cmocka_unit_test(test_dfe_bridge_across_blocks),
		cmocka_unit_test(test_dfe_forced_cell),
		cmocka_unit_test(test_dfe_shared_totals_force),
		cmocka_unit_test(test_nhs_worked_example),
		cmocka_unit_test(test_nhs_boundaries),
		cmocka_unit_test(test_percentages),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_property_random_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
