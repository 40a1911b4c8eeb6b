/*
 * cdop/disclosure — small-number disclosure control for the public edition
 * of the annual report (SPEC §5). Pure C, libc only: no I/O.
 *
 * A table holds exact counts. dc_apply_dfe() or dc_apply_nhs() decides,
 * cell by cell, what may be published; the exact counts are never changed,
 * so the caller can still compute from them. Rows and columns are counted
 * including the total row and column when the table has them: the total
 * row is the LAST row (column totals) and the total column the LAST column
 * (row totals), as in the report tables.
 *
 * Usage:
 *     struct dc_table t = DC_TABLE_INIT;
 *     dc_table_init(&t, 3, 3, DC_TOTAL_ROW | DC_TOTAL_COL);
 *     dc_table_set(&t, 0, 0, 4); ...            interior cells
 *     dc_table_totals_fill(&t);                 or set the totals yourself
 *     dc_apply_dfe(&t);                         or dc_apply_nhs(), or neither
 *     dc_cell_text(&t, r, c, buf, sizeof buf);  "12", "0", "x" or "*"
 *     dc_percent_text(&t, nr, nc, dr, dc, buf, sizeof buf);
 *     dc_table_release(&t);
 *
 * A derived column such as attendance_percent is not a cell of the table:
 * build the table from the counts and compute the column with
 * dc_percent_text().
 *
 * Functions return 0 or a negative enum dc_error.
 */
#ifndef CDOP_DISCLOSURE_H
#define CDOP_DISCLOSURE_H

#include <stddef.h>

enum dc_error {
	DC_OK = 0,
	DC_EINVAL = -1,    /* bad argument, or table shape unusable */
	DC_ENOMEM = -2,    /* out of memory */
	DC_ERANGE = -3,    /* cell outside the table, or a negative count */
	DC_ETOTALS = -4,   /* a total is not the sum of its line */
	DC_EOVERFLOW = -5, /* a total would not fit in a long */
	DC_ETOOSMALL = -6  /* output buffer too small */
};

const char *dc_strerror(int err);

/* Table flags. */
#define DC_TOTAL_ROW 0x1u /* last row holds the column totals */
#define DC_TOTAL_COL 0x2u /* last column holds the row totals */

enum dc_method {
	DC_METHOD_NONE = 0, /* board edition: every count as it is */
	DC_METHOD_DFE,      /* suppressed cells read "x" */
	DC_METHOD_NHS       /* suppressed cells read "*"; others rounded */
};

enum dc_cell_state {
	DC_CELL_SHOWN = 0,     /* publish shown[i] */
	DC_CELL_PRIMARY,       /* small count, withheld */
	DC_CELL_SECONDARY      /* withheld so a primary cannot be worked out */
};

struct dc_table {
	size_t rows, cols;          /* including any total row/column */
	unsigned flags;             /* DC_TOTAL_ROW, DC_TOTAL_COL */
	enum dc_method method;      /* what the last dc_apply_*() did */
	long *count;                /* exact counts, row-major, rows * cols */
	long *shown;                /* value to publish when state is SHOWN */
	enum dc_cell_state *state;  /* per cell */
	unsigned char *forced;      /* per cell: withhold under DfE (dc_cell_force) */
};

#define DC_TABLE_INIT { 0, 0, 0, DC_METHOD_NONE, NULL, NULL, NULL, NULL }

/* Make an all-zero table; rows and cols include the total row/column, so
 * each must be at least 2 when it has one, else at least 1. */
int dc_table_init(struct dc_table *t, size_t rows, size_t cols, unsigned flags);
/* Free the cells; *t becomes DC_TABLE_INIT. Safe to call twice. */
void dc_table_release(struct dc_table *t);

/* Set one exact count (>= 0). Resets the table to DC_METHOD_NONE. */
int dc_table_set(struct dc_table *t, size_t r, size_t c, long count);
/* The exact count, or -1 when (r, c) is outside the table. */
long dc_table_get(const struct dc_table *t, size_t r, size_t c);
/* Write every total from the interior cells. */
int dc_table_totals_fill(struct dc_table *t);
/* DC_ETOTALS unless every total equals the sum of its line. */
int dc_table_totals_check(const struct dc_table *t);

/*
 * DfE-style suppression: counts 1-5 read "x", and further cells are
 * withheld until no withheld value can be worked out from the totals of its
 * row or column. Totals must be consistent (DC_ETOTALS otherwise: a sum that
 * does not add up could give a cell away). See disclosure.c for the method.
 */
int dc_apply_dfe(struct dc_table *t);

/*
 * Have dc_apply_dfe() withhold (r, c) whatever its count (a 0 stays shown).
 * For numbers published in more than one table: the reviews_by_* tables
 * share their total row, so a total withheld in one must be withheld in all,
 * or the other tables give it away. Apply DfE to each, force the union of
 * withheld shared cells into every table, and apply again until nothing
 * changes. Kept until dc_table_release().
 */
int dc_cell_force(struct dc_table *t, size_t r, size_t c);

/*
 * NHS-style: counts 1-7 read "*"; every other count, totals included, is
 * rounded to the nearest 5 on its own (a total is rounded from its exact
 * value, not summed from rounded cells, so the rounded cells need not add up
 * to the rounded total). Zero stays 0.
 */
int dc_apply_nhs(struct dc_table *t);

/* 1 if (r, c) is withheld, 0 if shown, or DC_ERANGE. */
int dc_cell_is_suppressed(const struct dc_table *t, size_t r, size_t c);

/* What to print for (r, c): the published number, "x" or "*". */
int dc_cell_text(const struct dc_table *t, size_t r, size_t c, char *buf, size_t len);

/* 1 if a percentage of numerator (nr, nc) over denominator (dr, dcol) must be
 * withheld (either cell is), 0 if not, or DC_ERANGE. */
int dc_percent_suppressed(const struct dc_table *t, size_t nr, size_t nc, size_t dr,
			  size_t dcol);

/*
 * The percentage as text with one decimal ("42.9"), "x"/"*" when withheld,
 * or "-" when the denominator is 0. It is computed from the published
 * values, so under NHS rounding it cannot reveal the exact counts.
 */
int dc_percent_text(const struct dc_table *t, size_t nr, size_t nc, size_t dr, size_t dcol,
		    char *buf, size_t len);

#endif
