#ifndef CDOP_REPORT_INT_H
#define CDOP_REPORT_INT_H

#include <stdio.h>

#include "cdop/report/report.h"

/* ---- for the format writers (report_*.c) ---------------------------------- */

enum report_edition { REPORT_BOARD, REPORT_PUBLIC };

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
};

/* The writers; a write error shows in ferror(f). */
void report_write_html(const struct report_model *m, FILE *f);
void report_write_csv(const struct report_model *m, FILE *f);
void report_write_json(const struct report_model *m, FILE *f);
void report_write_md(const struct report_model *m, FILE *f);

#endif
