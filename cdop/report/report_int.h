#ifndef CDOP_REPORT_INT_H
#define CDOP_REPORT_INT_H

#include <stdio.h>

#include "cdop/report/report.h"

/* ---- for the format writers (report_*.c) ---------------------------------- */

enum report_edition { REPORT_BOARD, REPORT_PUBLIC };

struct report {
	struct reg *r;
	const struct stats *s;
	enum report_edition edition;
	const char *edition_name;     /* "board" | "public" */
	const char *disclosure_name;  /* "none" | "dfe" | "nhs" */
	char produced[11];            /* today, YYYY-MM-DD */
	char keyid[SIGN_KEYID_HEX_SIZE];
	const char *file_name;        /* the output's base name, for the footer */
};

/* Calls fn with each publishable learning text of the year, scrubbed, in
 * meeting order; stops at fn's first non-zero return and returns it. */
typedef int report_learning_fn(void *ctx, const char *text);
int report_learning_foreach(const struct report *rp, report_learning_fn *fn, void *ctx);

/* The published cell, or a STATS_CELL_NONE "-" on a range error. */
struct stats_cell report_cell(const struct report *rp, size_t tab, size_t row, size_t col);

/* One line saying how the public edition was protected (or that the board
 * edition is exact). */
const char *report_disclosure_note(const struct report *rp);

int report_write_html(const struct report *rp, FILE *f);
int report_write_csv(const struct report *rp, FILE *f);
int report_write_json(const struct report *rp, FILE *f);
int report_write_md(const struct report *rp, FILE *f);

#endif
