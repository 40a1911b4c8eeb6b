#ifndef CDOP_REPORT_INT_H
#define CDOP_REPORT_INT_H

#include <stdio.h>

#include "cdop/report/report.h"

/* ---- for the format writers (report_*.c) ---------------------------------- */

enum report_edition { REPORT_BOARD, REPORT_PUBLIC };

/* ---- a board's report (issue 14): trend, panel, narrative ------------------ */

#define REPORT_TREND_YEARS 5
#define REPORT_CATEGORIES 10

/* One reporting year of the trend, each figure as that year's own edition
 * (of the same kind and policy) publishes it. */
struct report_trend_year {
	char year[16];                    /* "2021-22" */
	int ok;                           /* 0: the year could not be counted */
	struct stats_cell notified;       /* notifications total */
	struct stats_cell reviewed;       /* reviews total */
	struct stats_cell modifiable;     /* reviews with modifiable factors */
	struct stats_cell share;          /* modifiable / reviewed, tenths of % */
	struct stats_cell rate;           /* notified per 10,000 children, tenths */
	struct stats_cell category[REPORT_CATEGORIES]; /* reviews by category */
};

struct report_trend {
	size_t n;                         /* years, oldest first */
	struct report_trend_year y[REPORT_TREND_YEARS];
	long population;                  /* under 18; 0 when not set */
};

/* A block of the narrative (a small Markdown subset, narrative.c). */
enum narrative_kind { NARR_HEADING, NARR_PARAGRAPH, NARR_BULLET, NARR_NUMBERED };

struct narrative_block {
	enum narrative_kind kind;
	int level;                        /* heading: 1-3 */
	char *text;                       /* inline text, with ** and * marks */
};

struct narrative {
	struct narrative_block *v;
	size_t n;
};

/* Parses Markdown text: "#", "##", "###" headings, paragraphs (lines
 * joined), "- " / "* " and "1. " list items; inline **strong** and
 * *emphasis* / _emphasis_. Anything else is text. -1 on ENOMEM. */
int narrative_parse(const char *md, struct narrative *out);
void narrative_release(struct narrative *n);
/* Inline text as HTML (escaped; <strong>, <em>), or as Markdown
 * (escaped, with the emphasis marks kept), or as plain text. */
void narrative_inline_html(FILE *f, const char *text);
void narrative_inline_md(FILE *f, const char *text);
void narrative_inline_plain(FILE *f, const char *text);

/* The trend for the year of m, and the panel's name, area and population. */
struct report_model;
int report_trend_make(struct reg *r, struct report_model *m);

/*
 * The report as the writers see it: everything computed before a byte is
 * written (cells after disclosure control, the note, the scrubbed
 * learning), so a writer only formats and runs no SQL.
 */
struct report_model {
	const struct stats *s;        /* table shapes, year, method */
	enum report_edition edition;
	const char *edition_name;     /* "board" | "public" */
	const char *disclosure_name;  /* "none" | "dfe" | "nhs" */
	const char *disclosure_note;  /* how the edition was protected, and its audit */
	char note[4096];              /* disclosure_note's storage */
	char produced[11];            /* today, YYYY-MM-DD */
	char keyid[SIGN_KEYID_HEX_SIZE];
	const char *file_name;        /* the output's base name, for the footer */
	/* The published cells; a STATS_CELL_NONE "-" outside a table. */
	struct stats_cell cell[STATS_NTABLES][STATS_ROWS_MAX][STATS_COLS_MAX];
	/* Each publishable learning text of the year, scrubbed, in meeting
	 * order. */
	char **learning;
	size_t nlearning;
	/* issue 14: who publishes it, the years before, the board's words */
	char panel_name[160];          /* "... Child Death Overview Panel" */
	char panel_area[160];          /* "" when not set */
	struct report_trend trend;
	const char *narrative_md;      /* as given, or NULL */
	struct narrative narrative;
	/* issue 11: publishable learning left out for naming an identifier
	 * (counted here, named in result) */
	size_t nwithheld;
	/* migration 012: publishable learning left out as not yet checked */
	size_t nunchecked;
	struct report_result *result;
};

/*
 * A table as the writers for people (HTML, Markdown) lay it out: a head
 * row of column titles after the label column's, then rows of a title and
 * cells. The stats tables, the trend and the trend by category are each
 * one (report_grid.c), and one walker writes any of them in a format's
 * markup, so the two writers share the table logic and differ only in
 * their strings.
 */
#define REPORT_GRID_COLS 8
struct report_grid {
	const char *row_head;                 /* title of the label column */
	size_t nrows, ncols;
	const char *col[REPORT_GRID_COLS];
	const char *row[STATS_ROWS_MAX];
	const struct stats_cell *cell[STATS_ROWS_MAX][REPORT_GRID_COLS];
	int total;                            /* the last row is a total */
};
void report_grid_table(const struct report_model *m, size_t tab, struct report_grid *g);
void report_grid_trend(const struct report_model *m, struct report_grid *g);
void report_grid_by_category(const struct report_model *m, struct report_grid *g);

/* A format's markup around a grid's parts; text() escapes a title and
 * cell() writes a cell. The head: head, text(row_head), head_sep, then
 * col, text, col_end a column, head_end, rule a column, rule_end. A row:
 * row (total_row), text(title), title_end (total_title_end), cells,
 * row_end. Then end. */
struct report_markup {
	void (*text)(FILE *f, const char *s);
	void (*cell)(FILE *f, const struct stats_cell *c);
	const char *head, *head_sep, *col, *col_end, *head_end, *rule, *rule_end;
	const char *row, *total_row, *title_end, *total_title_end, *row_end, *end;
};
void report_grid_write(FILE *f, const struct report_markup *mk, const struct report_grid *g);

/* The writers; a write error shows in ferror(f). */
void report_write_html(const struct report_model *m, FILE *f);
void report_write_csv(const struct report_model *m, FILE *f);
void report_write_json(const struct report_model *m, FILE *f);
void report_write_md(const struct report_model *m, FILE *f);

/* The statements of the statistics passes on cases (stats.c): 0 the
 * year's notifications with their actions, 1 without, 2 the reviews, 3
 * the outstanding cases; NULL past the last. Their query plans are
 * tested (migration 024's indexes). */
const char *stats_case_sql(size_t i);

#endif
