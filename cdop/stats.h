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
#ifndef CDOP_STATS_H
#define CDOP_STATS_H

#include <stddef.h>

#include "cdop/disclosure.h"

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
	char last[11];       /* "2026-03-31" */
	enum dc_method method;
	struct stats_table tab[STATS_NTABLES];
};

/* Empty, safe to release. */
void stats_init(struct stats *s);
void stats_release(struct stats *s);

/* Exact counts for the reporting year starting 1 April `year`. Errors name
 * the case and the field when stored data cannot be counted. */
int stats_compute(struct reg *r, int year, struct stats *s);

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

#endif
