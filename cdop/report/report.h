#ifndef CDOP_REPORT_REPORT_H
#define CDOP_REPORT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "crypto/sign.h"

/* ==== disclosure ==== */
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

/* ==== stats ==== */
/*
 * cdop/stats — the tables of the annual report (SPEC §5), computed from the
 * register, and their disclosure control for the public edition.
 *
 * How the counts are made (docs/guide.md, "Annual report"):
 *  - A review counts in the year when its meeting date is in the year; a
 *    notification when its notified date is. The year 2025-26 runs from
 *    1 April 2025 to 31 March 2026.
 *  - Each population is read in one streaming pass (reviews of the year;
 *    notifications of the year with their rapid-response actions; cases
 *    outstanding at the year end; the year's meetings with attendance) and
 *    counted in C into fixed arrays indexed by code. No SQL sort: with
 *    temp_store=MEMORY a GROUP BY would hold every sorted row in RAM, so
 *    memory would grow with the register; this way it stays flat. Age at
 *    death and the duration bands need calendar arithmetic (forms/groups.h)
 *    that is done in C on each row as it streams past. Where no grouping is
 *    needed (recommendations) a single SQL aggregate does the work.
 *  - Every reviews_by_* table, review_duration and referrals count each
 *    review of the year exactly once, so their grand totals agree.
 *
 * Shapes: the total row, when a table has one, is the last row and the
 * total column the last count column, as cdop/disclosure.h expects. The
 * meetings table has a derived attendance_percent column that is not a
 * count: it is worked out from the published counts when printed.
 */



struct reg;

enum stats_table_id {
	STATS_NOTIFICATIONS,
	STATS_BY_CATEGORY,
	STATS_BY_AGE,
	STATS_BY_SEX,
	STATS_BY_ETHNICITY,
	STATS_BY_EXPECTED,
	STATS_BY_PLACE,
	STATS_DURATION,
	STATS_OUTSTANDING,
	STATS_JAR,
	STATS_REFERRALS,
	STATS_THEMES,
	STATS_RECOMMENDATIONS,
	STATS_MEETINGS,
	STATS_NTABLES
};

#define STATS_ROWS_MAX 16
#define STATS_COLS_MAX 4

struct stats_table {
	const char *id;                          /* SPEC §5 id */
	const char *title;                       /* for people */
	const char *note;                        /* what is counted, for people */
	const char *row_head;                    /* heading of the label column */
	size_t nrows, ncols;                     /* ncols includes a percent column */
	const char *row_label[STATS_ROWS_MAX];   /* SPEC labels (codes) */
	const char *row_title[STATS_ROWS_MAX];   /* for people */
	const char *col_label[STATS_COLS_MAX];
	const char *col_title[STATS_COLS_MAX];
	int percent_col;                         /* derived column, or -1 */
	unsigned flags;                          /* DC_TOTAL_ROW, DC_TOTAL_COL */
	struct dc_table t;                       /* the counts */
	long acc[STATS_ROWS_MAX][STATS_COLS_MAX]; /* scratch while counting */
};

struct stats {
	int year;            /* first calendar year: 2025 for 2025-26 */
	char year_text[8];   /* "2025-26" */
	char first[11];      /* "2025-04-01" */
	char last[11];       /* last date counted: the year end, or today when
				the year has not ended (an interim report) */
	char year_end[11];   /* "2026-03-31" */
	int interim;         /* the year had not ended when counted (SPEC §5) */
	enum dc_method method;
	int trend;           /* counted for a trend only (stats_compute_trend) */
	struct stats_table tab[STATS_NTABLES];
};

/* Empty, safe to release. */
void stats_init(struct stats *s);
void stats_release(struct stats *s);

/* Exact counts for the reporting year starting 1 April `year`. Errors name
 * the case and the field when stored data cannot be counted. While the
 * year has not ended (today, reg_today_date, is on or before 31 March)
 * the report is interim: everything is counted up to today, so a meeting
 * dated after today is not held, and "outstanding" and "overdue" are as at
 * today (the tables' titles say so). */
int stats_compute(struct reg *r, int year, struct stats *s);
/* The counts an earlier year of the five-year trend shows (its
 * notifications and its reviews by category), to be protected by method m
 * as that year's own edition would be: with m DfE, whose rules link cells
 * across every table, all of stats_compute; else only the tables the
 * trend reads (the notifications without their actions, the reviews).
 * The other tables are left empty. */
int stats_compute_trend(struct reg *r, int year, enum dc_method m, struct stats *s);

/* Makes the tables from the scratch counts (acc): interior cells as
 * counted, totals summed. stats_compute() ends with it; tests that build
 * counts by hand call it themselves. */
int stats_tables_make(struct reg *r, struct stats *s);

/*
 * Disclosure control for the public edition: DC_METHOD_DFE or
 * DC_METHOD_NHS (DC_METHOD_NONE leaves the exact counts, the board
 * edition). Under DfE, numbers published in more than one table are
 * withheld in all of them as soon as one table withholds them: the grand
 * total and the modifiable totals shared by the reviews_by_* tables (and
 * review_duration and referrals), and the number of unexpected deaths
 * shared by notifications and joint_agency_response. The tables are
 * protected again until nothing changes.
 */
int stats_disclose(struct reg *r, struct stats *s, enum dc_method m);

enum stats_cell_kind {
	STATS_CELL_COUNT,      /* value is a count */
	STATS_CELL_PERCENT,    /* value is tenths of a percent */
	STATS_CELL_SUPPRESSED, /* withheld: print the mark */
	STATS_CELL_NONE        /* a percentage of nothing */
};

struct stats_cell {
	enum stats_cell_kind kind;
	long value;
	char text[24];         /* what to print: "12", "42.9", "x", "*", "-" */
};

/* The published cell (after stats_disclose, if any). */
int stats_cell_get(const struct stats *s, size_t tab, size_t row, size_t col,
		   struct stats_cell *out);

/* Index of a table by SPEC id, or -1. */
int stats_table_index(const char *id);

/* ==== audit ==== */
/*
 * cdop/report/dc_audit.c — the exact check of a public edition (SPEC §5,
 * docs/disclosure.md). After the policy's rules (stats_disclose), an
 * attacker is modelled who knows every published cell of this edition and
 * of every earlier public edition of the same year, every total relation
 * within and between the tables, and what each mark means (DfE "x": at
 * least 1; NHS "*": 1 to 7; NHS "x", withheld by the audit: at least 1; an
 * NHS rounded v: v-2 to v+2 and at least 8). For every hidden cell the
 * smallest and largest value over all integer tables consistent with that
 * knowledge is found with GLPK; while some hidden cell has fewer than two
 * possible values (three for a cell hidden as a small count), one more
 * cell of this edition is withheld and the check repeats.
 *
 * A cell is declared safe only on two integer tables, each checked
 * exactly in integer arithmetic against every relation, whose values for it
 * differ enough: the proof does not rest on the solver's tolerances.
 */

/* One public edition as a reader has it: every count cell of the 14 tables
 * in stats_cell_at() order. */
struct stats_edition {
	enum dc_method method;  /* DC_METHOD_DFE or DC_METHOD_NHS */
	size_t n;               /* stats_ncells() */
	long *count;            /* exact counts of the data it was made from */
	long *shown;            /* the published number where state is SHOWN */
	unsigned char *state;   /* enum dc_cell_state */
};

#define STATS_EDITION_INIT { DC_METHOD_NONE, 0, NULL, NULL, NULL }

/* The count cells of all tables (the percent column is not one). */
size_t stats_ncells(const struct stats *s);
/* Cell i as (table, row, column); DC_ERANGE past the end. */
int stats_cell_at(const struct stats *s, size_t i, size_t *tab, size_t *row, size_t *col);
/* A copy of the edition s now publishes. */
int stats_edition_take(const struct stats *s, struct stats_edition *e);
int stats_edition_alloc(struct stats_edition *e, size_t n);
void stats_edition_release(struct stats_edition *e);

struct stats_audit {
	size_t withheld;   /* cells withheld by the audit beyond the rules */
	size_t hidden;     /* hidden cells proven not pinned at the end */
	size_t solves;     /* integer programs solved */
	size_t versions;   /* distinct data behind the editions audited */
};

/*
 * Audit the public edition in s (after stats_disclose) together with the
 * earlier public editions of its year, withholding more cells of s where
 * needed. CDOP_ERR_CONFLICT when no withholding can protect some cell
 * (message names it), CDOP_ERR_INTERNAL when the solver fails: nothing
 * must then be published.
 */
int stats_audit(struct reg *r, struct stats *s, const struct stats_edition *earlier,
		size_t nearlier, struct stats_audit *out);

/* ==== editions ==== */
/*
 * cdop/report/editions.c — the public editions the register has written
 * (table `editions`, schema 010).
 */
struct edition_row {
	struct stats_edition e;
	char written_at[21];
	char counted_to[11];
	long extra;
};

/* Every public edition of s's year, oldest first. */
int editions_load(struct reg *r, const struct stats *s, struct edition_row **out, size_t *n);
void editions_free(struct edition_row *rows, size_t n);
/* Remember the edition s publishes (in the caller's transaction). */
int editions_save(struct reg *r, const struct stats *s, long extra);

/* ==== report ==== */
/*
 * cdop/report — `report annual`: the anonymised annual statistics (SPEC §5)
 * written as HTML, CSV, JSON or Markdown, signed into PATH.minisig.
 *
 * Editions: `board`, exact counts; `public`, the same after disclosure
 * control (DfE by default, or NHS). Neither carries an identifier: no name,
 * NHS number, date of birth, address, postcode or exact date; the report
 * states its year and the date it was produced. Learning text appears in
 * both editions, but only from reviews of the year whose
 * learning_publishable is true (the panel's decision to publish it) and
 * whose learning has been checked for identifiers (migration 012: text a
 * panel member wrote waits for a manager; idcheck_pending), with
 * the child's identifiers replaced (anonymise_text) and any date, long
 * number or postcode in it replaced too, and with nothing about the case
 * beside it.
 *
 * Writing is one transaction: the counts are read, the file is written and
 * signed, and the audit entry (report, year, "edition/format") committed
 * before the file and its signature are renamed into place. On any failure
 * neither file is left behind.
 */



struct reg;

struct report_opts {
	const char *year;        /* "2025-26" */
	const char *edition;     /* "board" | "public" */
	const char *disclosure;  /* "dfe" | "nhs" | NULL: dfe for public */
	const char *format;      /* "html" | "csv" | "json" | "md" */
	const char *out;         /* PATH; the signature goes to PATH.minisig */
	/* The foreword and priorities, a small Markdown subset (--narrative),
	 * or NULL; checked for identifiers like learning, field "narrative". */
	const char *narrative;
	int force;               /* replace PATH and PATH.minisig (regular files) */
};

#define REPORT_WITHHELD_MAX 16

struct report_result {
	char trusted_comment[SIGN_TRUSTED_COMMENT_MAX + 1];
	char keyid[SIGN_KEYID_HEX_SIZE];
	/* Publishable learning left out because it holds an identifier the
	 * register holds: how many, and the first references with what kind
	 * ("CDOP-2025-0003: a name"), never the word itself. */
	size_t nwithheld;
	char withheld[REPORT_WITHHELD_MAX][64];
	/* Publishable learning left out because it was written without K_id
	 * and no manager has checked it yet (migration 012): how many. */
	size_t nunchecked;
};

/* Checks the options (errors name the flag and what is valid), then
 * writes and signs the report. */
int report_annual(struct reg *r, const struct report_opts *o, struct report_result *res);

#endif
