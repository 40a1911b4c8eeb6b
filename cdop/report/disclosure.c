/*
 * cdop/disclosure — small-number disclosure control (see disclosure.h).
 */
#include "cdop/report/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Counts above this are refused, so that rounding, totals and percentages
 * (in long long) cannot overflow even where long is 32 bits. */
#define DC_COUNT_MAX 1000000000L

#define DFE_MAX 5 /* DfE: 1..5 withheld */
#define NHS_MAX 7 /* NHS: 1..7 withheld */
#define NHS_BASE 5

const char *dc_strerror(int err)
{
	switch (err) {
	case DC_OK: return "success";
	case DC_EINVAL: return "invalid table or argument";
	case DC_ENOMEM: return "out of memory";
	case DC_ERANGE: return "cell outside the table, or count negative or too large";
	case DC_ETOTALS: return "a total is not the sum of its row or column";
	case DC_EOVERFLOW: return "a total is too large";
	case DC_ETOOSMALL: return "output buffer too small";
	default: return "unknown disclosure control error";
	}
}

static size_t idx(const struct dc_table *t, size_t r, size_t c)
{
	return r * t->cols + c;
}

static int in_table(const struct dc_table *t, size_t r, size_t c)
{
	return t && t->count && r < t->rows && c < t->cols;
}

static int has_row_total(const struct dc_table *t)
{
	return (t->flags & DC_TOTAL_ROW) != 0;
}

static int has_col_total(const struct dc_table *t)
{
	return (t->flags & DC_TOTAL_COL) != 0;
}

/* Rows that are not the total row. */
static size_t interior_rows(const struct dc_table *t)
{
	return t->rows - (has_row_total(t) ? 1 : 0);
}

/* Everything shown as it is: the board edition. */
static void reset(struct dc_table *t)
{
	for (size_t i = 0; i < t->rows * t->cols; i++) {
		t->shown[i] = t->count[i];
		t->state[i] = DC_CELL_SHOWN;
	}
	t->method = DC_METHOD_NONE;
}

int dc_table_init(struct dc_table *t, size_t rows, size_t cols, unsigned flags)
{
	size_t min_rows, min_cols, n;
	int ret;

	if (!t)
		return DC_EINVAL;
	*t = (struct dc_table)DC_TABLE_INIT;
	min_rows = (flags & DC_TOTAL_ROW) ? 2 : 1;
	min_cols = (flags & DC_TOTAL_COL) ? 2 : 1;
	if ((flags & ~(DC_TOTAL_ROW | DC_TOTAL_COL)) != 0 || rows < min_rows ||
	    cols < min_cols || rows > SIZE_MAX / cols / sizeof(long)) {
		ret = DC_EINVAL;
		goto out;
	}
	n = rows * cols;
	t->rows = rows;
	t->cols = cols;
	t->flags = flags;
	t->count = calloc(n, sizeof *t->count);
	t->shown = calloc(n, sizeof *t->shown);
	t->state = calloc(n, sizeof *t->state);
	t->forced = calloc(n, sizeof *t->forced);
	if (!t->count || !t->shown || !t->state || !t->forced) {
		ret = DC_ENOMEM;
		goto out;
	}
	reset(t);
	ret = DC_OK;
out:
	if (ret < 0)
		dc_table_release(t);
	return ret;
}

void dc_table_release(struct dc_table *t)
{
	if (!t)
		return;
	free(t->forced);
	free(t->state);
	free(t->shown);
	free(t->count);
	*t = (struct dc_table)DC_TABLE_INIT;
}

int dc_table_set(struct dc_table *t, size_t r, size_t c, long count)
{
	if (!in_table(t, r, c) || count < 0 || count > DC_COUNT_MAX)
		return DC_ERANGE;
	t->count[idx(t, r, c)] = count;
	/* Any earlier decision was about other numbers. */
	reset(t);
	return DC_OK;
}

int dc_cell_force(struct dc_table *t, size_t r, size_t c)
{
	if (!in_table(t, r, c))
		return DC_ERANGE;
	t->forced[idx(t, r, c)] = 1;
	/* Any earlier decision did not know about it. */
	reset(t);
	return DC_OK;
}

long dc_table_get(const struct dc_table *t, size_t r, size_t c)
{
	if (!in_table(t, r, c))
		return -1;
	return t->count[idx(t, r, c)];
}

/*
 * A line is a row (when the table has a total column) or a column (when it
 * has a total row): its cells, the last of which is its total. Only such
 * lines constrain the cells; a table without totals has none.
 */
struct line {
	size_t start, stride, n; /* cell i is start + i * stride; total is n - 1 */
};

static struct line row_line(const struct dc_table *t, size_t r)
{
	struct line l = { r * t->cols, 1, t->cols };
	return l;
}

static struct line col_line(const struct dc_table *t, size_t c)
{
	struct line l = { c, t->cols, t->rows };
	return l;
}

static size_t at(const struct line *l, size_t i)
{
	return l->start + i * l->stride;
}

/* 0 if the line's interior adds up to its total. Sums stop growing past
 * DC_COUNT_MAX, where no total can be, so they cannot overflow. */
static int line_check(const struct dc_table *t, const struct line *l)
{
	long sum = 0;

	for (size_t i = 0; i + 1 < l->n && sum <= DC_COUNT_MAX; i++)
		sum += t->count[at(l, i)];
	return sum == t->count[at(l, l->n - 1)] ? DC_OK : DC_ETOTALS;
}

static int line_fill(struct dc_table *t, const struct line *l)
{
	long sum = 0;

	for (size_t i = 0; i + 1 < l->n; i++) {
		sum += t->count[at(l, i)];
		if (sum > DC_COUNT_MAX)
			return DC_EOVERFLOW;
	}
	t->count[at(l, l->n - 1)] = sum;
	return DC_OK;
}

int dc_table_totals_fill(struct dc_table *t)
{
	int ret = DC_OK;

	if (!t || !t->count)
		return DC_EINVAL;
	/* Row totals of the interior rows first, so that the column sums
	 * below also fill the grand total. */
	if (has_col_total(t)) {
		for (size_t r = 0; r < interior_rows(t); r++) {
			struct line l = row_line(t, r);
			ret = line_fill(t, &l);
			if (ret < 0)
				goto out;
		}
	}
	if (has_row_total(t)) {
		for (size_t c = 0; c < t->cols; c++) {
			struct line l = col_line(t, c);
			ret = line_fill(t, &l);
			if (ret < 0)
				goto out;
		}
	}
out:
	reset(t);
	return ret;
}

int dc_table_totals_check(const struct dc_table *t)
{
	if (!t || !t->count)
		return DC_EINVAL;
	if (has_col_total(t)) {
		for (size_t r = 0; r < t->rows; r++) {
			struct line l = row_line(t, r);
			if (line_check(t, &l) < 0)
				return DC_ETOTALS;
		}
	}
	if (has_row_total(t)) {
		for (size_t c = 0; c < t->cols; c++) {
			struct line l = col_line(t, c);
			if (line_check(t, &l) < 0)
				return DC_ETOTALS;
		}
	}
	return DC_OK;
}

/* Whether cell i is a total of some line. */
static int is_total(const struct dc_table *t, size_t i)
{
	return (has_row_total(t) && i / t->cols == t->rows - 1) ||
	       (has_col_total(t) && i % t->cols == t->cols - 1);
}

/*
 * Order of preference for a complementary cell: an interior cell before a
 * total (totals are what readers use most), then the smaller count (less
 * information lost), then the earlier cell (so the result is repeatable).
 * SIZE_MAX means no candidate yet.
 */
static int better(const struct dc_table *t, size_t cand, size_t best)
{
	int ct, bt;

	if (best == SIZE_MAX)
		return 1;
	ct = is_total(t, cand);
	bt = is_total(t, best);
	if (ct != bt)
		return !ct;
	if (t->count[cand] != t->count[best])
		return t->count[cand] < t->count[best];
	return cand < best;
}

/* Zeros are never chosen: a 0 is published as 0, so withholding it would
 * hide nothing (and "x" would wrongly suggest a count). */
static int candidate(const struct dc_table *t, size_t i)
{
	return t->state[i] == DC_CELL_SHOWN && t->count[i] != 0;
}

/*
 * Whether a reader could work out a withheld cell from this line alone. A
 * withheld cell is never 0 (zeros are always shown), so it is at least 1.
 *  - exactly one withheld cell: it is the total minus the shown cells (or,
 *    if it is the total, their sum);
 *  - the total shown and k >= 2 withheld interior cells that add up to k:
 *    each must be 1 (e.g. "x x | 2" with the other cells shown).
 */
static int line_exposed(const struct dc_table *t, const struct line *l)
{
	size_t k = 0;
	long long withheld_sum = 0;
	int total_withheld = t->state[at(l, l->n - 1)] != DC_CELL_SHOWN;

	for (size_t i = 0; i < l->n; i++) {
		if (t->state[at(l, i)] != DC_CELL_SHOWN) {
			k++;
			withheld_sum += t->count[at(l, i)];
		}
	}
	if (k == 1)
		return 1;
	return k >= 2 && !total_withheld && withheld_sum == (long long)k;
}

/* Withhold one more cell of an exposed line, the best candidate in it. */
static int line_protect(struct dc_table *t, const struct line *l)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < l->n; i++)
		if (candidate(t, at(l, i)) && better(t, at(l, i), best))
			best = at(l, i);
	/* With consistent totals an exposed line always has a candidate;
	 * without one the cell would be left open, so refuse. */
	if (best == SIZE_MAX)
		return DC_ETOTALS;
	t->state[best] = DC_CELL_SECONDARY;
	return DC_OK;
}

/*
 * The cross-line check, for tables with both a total row and a total column.
 *
 * Every cell lies on one row line and one column line. Take the graph whose
 * nodes are the lines and whose edges are the withheld cells. Adding and
 * subtracting the equations of the lines on one side of an edge cancels
 * every withheld cell on that side, so a withheld cell is exactly derivable
 * from the published numbers precisely when it is a bridge of that graph
 * (no cycle of withheld cells runs through it). The line rule alone leaves
 * such bridges, e.g. two blocks of "x" joined by one cell:
 *
 *      x x . . | .      Adding the equations of rows 1-2 and subtracting
 *      x x x . | .      those of columns 1-2 cancels the first block and
 *      . . x x | .      leaves the joining cell (row 2, column 3) equal to
 *      . . x x | .      published numbers: worked out.
 *
 * Scratch: mark and queue hold rows + cols entries each.
 */
struct dfe_scratch {
	unsigned char *mark; /* per node: 0 unseen, 1 or 2 which side */
	size_t *queue;
};

/* Node numbering: row r is r, column c is rows + c. */
static void reach(const struct dc_table *t, struct dfe_scratch *w, size_t from, size_t skip,
		  unsigned char side)
{
	size_t head = 0, tail = 0;

	w->mark[from] = side;
	w->queue[tail++] = from;
	while (head < tail) {
		size_t node = w->queue[head++];
		int is_row = node < t->rows;
		size_t n = is_row ? t->cols : t->rows;

		for (size_t k = 0; k < n; k++) {
			size_t cell = is_row ? idx(t, node, k) : idx(t, k, node - t->rows);
			size_t other = is_row ? t->rows + k : k;

			if (cell == skip || t->state[cell] == DC_CELL_SHOWN || w->mark[other])
				continue;
			w->mark[other] = side;
			w->queue[tail++] = other;
		}
	}
}

/*
 * Find the first withheld cell that is a bridge and withhold a cell that
 * puts it on a cycle: best a shown cell joining its two sides; failing
 * that, one leaving either side (the line rule then carries on from it).
 * Returns 1 if a cell was withheld, 0 if there is no bridge.
 */
static int bridge_protect(struct dc_table *t, struct dfe_scratch *w)
{
	size_t n = t->rows * t->cols, best = SIZE_MAX, near = SIZE_MAX;

	for (size_t b = 0; b < n; b++) {
		size_t row_node = b / t->cols, col_node = t->rows + b % t->cols;

		if (t->state[b] == DC_CELL_SHOWN)
			continue;
		memset(w->mark, 0, t->rows + t->cols);
		reach(t, w, row_node, b, 1);
		if (w->mark[col_node])
			continue; /* on a cycle: safe */
		reach(t, w, col_node, b, 2);
		for (size_t i = 0; i < n; i++) {
			unsigned char mr = w->mark[i / t->cols], mc = w->mark[t->rows + i % t->cols];

			if (!candidate(t, i) || (!mr && !mc))
				continue;
			if (mr && mc && mr != mc) {
				if (better(t, i, best))
					best = i;
			} else if (!mr || !mc) {
				if (better(t, i, near))
					near = i;
			}
		}
		if (best == SIZE_MAX)
			best = near;
		/* The bridge equals a signed sum of the shown cells leaving
		 * one side; it is not 0, so one of them is not 0 either. */
		if (best == SIZE_MAX)
			return DC_ETOTALS;
		t->state[best] = DC_CELL_SECONDARY;
		return 1;
	}
	return 0;
}

/*
 * DfE method.
 *
 * 1. Primary: every cell, totals included, with a count of 1 to 5 is
 *    withheld. Zeros are shown. Cells forced by dc_cell_force() are
 *    withheld too (as secondary: their count may be large).
 * 2. Line rule, repeated until a whole pass changes nothing: for each row
 *    (if the table has a total column) then each column (if it has a total
 *    row), the totals row and column included as lines, if the line is
 *    exposed (line_exposed: one withheld cell, or withheld cells forced to
 *    be all 1s) withhold one more cell of it (line_protect: the smallest
 *    non-zero shown cell, interior before total).
 * 3. With both totals, when the line rule is stable: if some withheld cell
 *    can still be worked out by combining several lines (bridge_protect),
 *    withhold one more cell and go back to 2.
 * Each round withholds a cell or ends, so the loop ends. Afterwards every
 * line has no withheld cell or at least two (the total counting as a
 * cell), and no withheld cell follows from the published equations.
 *
 * Worked example (rows r0, r1, total; columns a, b, total):
 *
 *          a   b | tot         primary           line rule, pass 1
 *     r0   3   0 |   3         x   0 |  x        x   0 |  x
 *     r1   8   9 |  17   -->   8   9 | 17  -->   x   9 |  x
 *    tot  11   9 |  20        11   9 | 20       11   9 | 20
 *
 *  Primary withholds r0/a (3) and r0/tot (3). Rows: r0 has two withheld
 *  cells, r1 and tot none. Column a has one (3): its smallest non-zero
 *  shown interior cell is 8, withheld. Column b has none. The total column
 *  has one (r0/tot): 17 is its only non-zero shown interior cell, withheld.
 *  Pass 2 finds every line with 0 or 2 withheld cells. Step 3: the four
 *  withheld cells form the cycle r0-a-r1-tot-r0, so none is a bridge; done.
 *  The 0 in r0/b is never used. Check: r0/a = r0/tot, r0/a + r1/a = 11,
 *  r0/tot + r1/tot = 20 and r1/a + 9 = r1/tot leave one unknown free.
 *
 * Limits: a withheld cell can still be narrowed to a range (every "x" is at
 * least 1); only exact values are protected, as in DfE practice.
 */
int dc_apply_dfe(struct dc_table *t)
{
	struct dfe_scratch w = { NULL, NULL };
	int changed, ret;

	if (!t || !t->count)
		return DC_EINVAL;
	ret = dc_table_totals_check(t);
	if (ret < 0)
		goto out;
	w.mark = malloc(t->rows + t->cols);
	w.queue = malloc((t->rows + t->cols) * sizeof *w.queue);
	if (!w.mark || !w.queue) {
		ret = DC_ENOMEM;
		goto out;
	}
	reset(t);
	for (size_t i = 0; i < t->rows * t->cols; i++) {
		if (t->count[i] >= 1 && t->count[i] <= DFE_MAX)
			t->state[i] = DC_CELL_PRIMARY;
		else if (t->forced[i] && t->count[i] != 0)
			t->state[i] = DC_CELL_SECONDARY;
	}

	do {
		changed = 0;
		for (size_t r = 0; has_col_total(t) && r < t->rows; r++) {
			struct line l = row_line(t, r);
			if (!line_exposed(t, &l))
				continue;
			ret = line_protect(t, &l);
			if (ret < 0)
				goto out;
			changed = 1;
		}
		for (size_t c = 0; has_row_total(t) && c < t->cols; c++) {
			struct line l = col_line(t, c);
			if (!line_exposed(t, &l))
				continue;
			ret = line_protect(t, &l);
			if (ret < 0)
				goto out;
			changed = 1;
		}
		/* With one kind of total each cell is in one equation, so the
		 * line rule is already exact. */
		if (!changed && has_row_total(t) && has_col_total(t)) {
			ret = bridge_protect(t, &w);
			if (ret < 0)
				goto out;
			changed = ret;
		}
	} while (changed);
	t->method = DC_METHOD_DFE;
	ret = DC_OK;
out:
	if (ret < 0)
		reset(t);
	free(w.queue);
	free(w.mark);
	return ret;
}

/* Nearest multiple of 5; no count ends in .5, so ties cannot occur. */
static long round5(long v)
{
	long q = v / NHS_BASE, rem = v % NHS_BASE;

	return (q + (rem * 2 >= NHS_BASE ? 1 : 0)) * NHS_BASE;
}

/*
 * NHS method: 1..7 withheld as "*", others rounded to the nearest 5
 * (8 -> 10, 12 -> 10, 13 -> 15). Totals are rounded from their own exact
 * values, independently of the cells: summing rounded cells would compound
 * the rounding error, and the published cells then need not add up to the
 * published total (readers are told figures are rounded). No secondary
 * withholding: a rounded total cannot pin down a "*" cell.
 */
int dc_apply_nhs(struct dc_table *t)
{
	if (!t || !t->count)
		return DC_EINVAL;
	reset(t);
	for (size_t i = 0; i < t->rows * t->cols; i++) {
		long v = t->count[i];
		if (v >= 1 && v <= NHS_MAX)
			t->state[i] = DC_CELL_PRIMARY;
		else
			t->shown[i] = round5(v);
	}
	t->method = DC_METHOD_NHS;
	return DC_OK;
}

int dc_cell_is_suppressed(const struct dc_table *t, size_t r, size_t c)
{
	if (!in_table(t, r, c))
		return DC_ERANGE;
	return t->state[idx(t, r, c)] != DC_CELL_SHOWN;
}

static const char *withheld_mark(const struct dc_table *t)
{
	return t->method == DC_METHOD_NHS ? "*" : "x";
}

/* The result of an snprintf() into len bytes. */
static int put(size_t len, int n)
{
	return n < 0 || (size_t)n >= len ? DC_ETOOSMALL : DC_OK;
}

int dc_cell_text(const struct dc_table *t, size_t r, size_t c, char *buf, size_t len)
{
	size_t i;

	if (!buf)
		return DC_EINVAL;
	if (!in_table(t, r, c))
		return DC_ERANGE;
	i = idx(t, r, c);
	/* Under NHS "*" means 1 to 7; a count the audit withholds to protect
	 * another (stats_audit) is larger, so it reads "x". */
	if (t->state[i] == DC_CELL_SECONDARY && t->method == DC_METHOD_NHS)
		return put(len, snprintf(buf, len, "x"));
	if (t->state[i] != DC_CELL_SHOWN)
		return put(len, snprintf(buf, len, "%s", withheld_mark(t)));
	return put(len, snprintf(buf, len, "%ld", t->shown[i]));
}

int dc_percent_suppressed(const struct dc_table *t, size_t nr, size_t nc, size_t dr,
			  size_t dcol)
{
	if (!in_table(t, nr, nc) || !in_table(t, dr, dcol))
		return DC_ERANGE;
	return t->state[idx(t, nr, nc)] != DC_CELL_SHOWN ||
	       t->state[idx(t, dr, dcol)] != DC_CELL_SHOWN;
}

int dc_percent_text(const struct dc_table *t, size_t nr, size_t nc, size_t dr, size_t dcol,
		    char *buf, size_t len)
{
	long long num, den, tenths;
	int ret;

	if (!buf)
		return DC_EINVAL;
	ret = dc_percent_suppressed(t, nr, nc, dr, dcol);
	if (ret < 0)
		return ret;
	if (ret == 1)
		return put(len, snprintf(buf, len, "%s", withheld_mark(t)));
	num = t->shown[idx(t, nr, nc)];
	den = t->shown[idx(t, dr, dcol)];
	if (den == 0)
		return put(len, snprintf(buf, len, "-"));
	/* Integer arithmetic, rounded half up: no locale, no float surprises. */
	tenths = (num * 1000 + den / 2) / den;
	return put(len, snprintf(buf, len, "%lld.%lld", tenths / 10, tenths % 10));
}
