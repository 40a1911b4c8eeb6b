/*
 * cdop/report_json — the annual report as JSON (SPEC §5):
 *
 *   {"year": "2025-26", "edition": "board", "disclosure": "none",
 *    "tables": {ID: {"columns": [...], "rows": [{"label": ..., "cells": [...]}]}},
 *    "learning": ["...", ...], "interim": false, "counted_to": null, "note": "..."}
 *
 * Tables in SPEC order. A count is a number; a withheld cell the string
 * "x" (DfE) or "*" (NHS); attendance_percent a number with one decimal, or
 * null when there were no meetings. "disclosure" is "none" (board), "dfe"
 * or "nhs"; "interim" is true while the year has not ended, and then
 * "counted_to" the date counted up to (today; else null); "note" says
 * how the edition was protected and audited; "learning" holds the publishable learning texts, scrubbed;
 * "learning_withheld" counts those left out for naming an identifier and
 * "learning_unchecked" those left out as not yet checked (migration 012).
 * Written as it goes, so memory does not grow with the learning.
 */
#include "cdop/report/report_int.h"

#include <stdio.h>

/* A JSON string: quotes, backslashes and control characters escaped;
 * other bytes (UTF-8, checked when stored) as they are. */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void put_cell(FILE *f, const struct stats_cell *c)
{
	switch (c->kind) {
	case STATS_CELL_SUPPRESSED: jstr(f, c->text); break;
	case STATS_CELL_NONE: fputs("null", f); break;
	default: fputs(c->text, f);
	}
}

static void put_table(const struct report_model *rp, FILE *f, size_t tab)
{
	const struct stats_table *t = &rp->s->tab[tab];

	fputs("    ", f);
	jstr(f, t->id);
	fputs(": {\n      \"columns\": [", f);
	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			fputs(", ", f);
		jstr(f, t->col_label[c]);
	}
	fputs("],\n      \"rows\": [\n", f);
	for (size_t r = 0; r < t->nrows; r++) {
		fputs("        {\"label\": ", f);
		jstr(f, t->row_label[r]);
		fputs(", \"cells\": [", f);
		for (size_t c = 0; c < t->ncols; c++) {
			struct stats_cell cell = rp->cell[tab][r][c];

			if (c)
				fputs(", ", f);
			put_cell(f, &cell);
		}
		fputs(r + 1 < t->nrows ? "]},\n" : "]}\n", f);
	}
	fputs("      ]\n    }", f);
}

static void put_trend(const struct report_model *rp, FILE *f)
{
	const struct report_trend *t = &rp->trend;
	const struct stats_table *cat = &rp->s->tab[STATS_BY_CATEGORY];

	fputs(",\n  \"trend\": {\n      \"columns\": [\"notified\", \"notified_per_10000\", "
	      "\"reviewed\", \"modifiable_yes\", \"modifiable_percent\"],\n      \"rows\": [\n",
	      f);
	for (size_t i = 0; i < t->n; i++) {
		const struct report_trend_year *y = &t->y[i];

		fprintf(f, "        {\"label\": \"%s\", \"cells\": [", y->year);
		put_cell(f, &y->notified);
		fputs(", ", f);
		put_cell(f, &y->rate);
		fputs(", ", f);
		put_cell(f, &y->reviewed);
		fputs(", ", f);
		put_cell(f, &y->modifiable);
		fputs(", ", f);
		put_cell(f, &y->share);
		fputs(i + 1 < t->n ? "]},\n" : "]}\n", f);
	}
	fputs("      ]\n    },\n  \"trend_by_category\": {\n      \"columns\": [", f);
	for (size_t i = 0; i < t->n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", t->y[i].year);
	fputs("],\n      \"rows\": [\n", f);
	for (size_t c = 0; c < REPORT_CATEGORIES && c + 1 < cat->nrows; c++) {
		fputs("        {\"label\": ", f);
		jstr(f, cat->row_label[c]);
		fputs(", \"cells\": [", f);
		for (size_t i = 0; i < t->n; i++) {
			if (i)
				fputs(", ", f);
			put_cell(f, &t->y[i].category[c]);
		}
		fputs(c + 2 < cat->nrows && c + 1 < REPORT_CATEGORIES ? "]},\n" : "]}\n", f);
	}
	fputs("      ]\n    }", f);
}

void report_write_json(const struct report_model *rp, FILE *f)
{
	fputs("{\n  \"year\": ", f);
	jstr(f, rp->s->year_text);
	fputs(",\n  \"panel\": {\"name\": ", f);
	jstr(f, rp->panel_name);
	fputs(", \"area\": ", f);
	if (rp->panel_area[0])
		jstr(f, rp->panel_area);
	else
		fputs("null", f);
	fputs("}", f);
	fputs(",\n  \"edition\": ", f);
	jstr(f, rp->edition_name);
	fputs(",\n  \"disclosure\": ", f);
	jstr(f, rp->disclosure_name);
	fputs(",\n  \"tables\": {\n", f);
	for (size_t i = 0; i < STATS_NTABLES; i++) {
		put_table(rp, f, i);
		fputs(i + 1 < STATS_NTABLES ? ",\n" : "\n", f);
	}
	fputs("  }", f);
	put_trend(rp, f);
	fputs(",\n  \"narrative\": ", f);
	if (rp->narrative_md)
		jstr(f, rp->narrative_md);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"learning_withheld\": %zu", rp->nwithheld);
	fputs(",\n  \"learning\": [", f);
	for (size_t i = 0; i < rp->nlearning; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		jstr(f, rp->learning[i]);
	}
	fputs(rp->nlearning ? "\n  ]" : "]", f);
	fprintf(f, ",\n  \"learning_unchecked\": %zu", rp->nunchecked);
	fprintf(f, ",\n  \"interim\": %s,\n  \"counted_to\": ", rp->s->interim ? "true" : "false");
	if (rp->s->interim)
		jstr(f, rp->s->last);
	else
		fputs("null", f);
	fputs(",\n  \"note\": ", f);
	jstr(f, rp->disclosure_note);
	fputs("\n}\n", f);
}
