/*
 * cdop/report — `report annual`: the anonymised annual statistics (SPEC §5)
 * written as HTML, CSV, JSON or Markdown, signed into PATH.minisig.
 *
 * Editions: `board`, exact counts; `public`, the same after disclosure
 * control (DfE by default, or NHS). Neither carries an identifier: no name,
 * NHS number, date of birth, address, postcode or exact date; the report
 * states its year and the date it was produced. Learning text appears in
 * both editions, but only from reviews of the year whose
 * learning_publishable is true (the panel's decision to publish it), with
 * the child's identifiers replaced (anonymise_text) and any date, long
 * number or postcode in it replaced too, and with nothing about the case
 * beside it.
 *
 * Writing is one transaction: the counts are read, the file is written and
 * signed, and the audit entry (report, year, "edition/format") committed
 * before the file and its signature are renamed into place. On any failure
 * neither file is left behind.
 */
#ifndef CDOP_REPORT_H
#define CDOP_REPORT_H

#include <stdio.h>

#include "cdop/stats.h"
#include "crypto/sign.h"

struct reg;

struct report_opts {
	const char *year;        /* "2025-26" */
	const char *edition;     /* "board" | "public" */
	const char *disclosure;  /* "dfe" | "nhs" | NULL: dfe for public */
	const char *format;      /* "html" | "csv" | "json" | "md" */
	const char *out;         /* PATH; the signature goes to PATH.minisig */
};

struct report_result {
	char trusted_comment[SIGN_TRUSTED_COMMENT_MAX + 1];
	char keyid[SIGN_KEYID_HEX_SIZE];
};

/* Checks the options (errors name the flag and what is valid), then
 * writes and signs the report. */
int report_annual(struct reg *r, const struct report_opts *o, struct report_result *res);

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
