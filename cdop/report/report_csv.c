/*
 * cdop/report_csv — the annual report as CSV (RFC 4180: CRLF line ends,
 * fields with a comma, quote or line break in double quotes, quotes
 * doubled). One block per table: a line "# table: ID", a header line
 * "label,COLUMN...", one line per row, and a blank line. Publishable
 * learning follows as a block "# learning" with a header "text".
 *
 * A text field that a spreadsheet could take for a formula (starting with
 * =, +, -, @, a tab or a carriage return) gets a leading apostrophe, so it
 * stays text. Counts are bare numbers, withheld counts "x" or "*", a
 * percentage of no meetings an empty field.
 */
#include "cdop/report/report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void field(FILE *f, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;

	if (s[0] && strchr("=+-@\t\r", s[0])) {
		quote = 1;
		fputs("\"'", f);
	} else if (quote) {
		fputc('"', f);
	}
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

static void put_table(const struct report_model *rp, FILE *f, size_t tab)
{
	const struct stats_table *t = &rp->s->tab[tab];

	fputs("# table: ", f);
	fputs(t->id, f);
	fputs("\r\nlabel", f);
	for (size_t c = 0; c < t->ncols; c++) {
		fputc(',', f);
		field(f, t->col_label[c]);
	}
	fputs("\r\n", f);
	for (size_t r = 0; r < t->nrows; r++) {
		field(f, t->row_label[r]);
		for (size_t c = 0; c < t->ncols; c++) {
			struct stats_cell cell = rp->cell[tab][r][c];

			fputc(',', f);
			if (cell.kind != STATS_CELL_NONE)
				field(f, cell.text);
		}
		fputs("\r\n", f);
	}
	fputs("\r\n", f);
}

static void put_value(FILE *f, const struct stats_cell *c)
{
	fputc(',', f);
	if (c->kind != STATS_CELL_NONE)
		field(f, c->text);
}

/* "# narrative": one line per block, its kind and its text (plain). */
static void put_narrative(const struct report_model *rp, FILE *f)
{
	static const char *const kinds[] = { "heading", "paragraph", "bullet", "numbered" };

	if (!rp->narrative.n)
		return;
	fputs("# narrative\r\nkind,text\r\n", f);
	for (size_t i = 0; i < rp->narrative.n; i++) {
		const struct narrative_block *b = &rp->narrative.v[i];
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);

		if (!m)
			continue;
		narrative_inline_plain(m, b->text);
		fclose(m);
		fputs(kinds[b->kind], f);
		fputc(',', f);
		field(f, text ? text : "");
		fputs("\r\n", f);
		free(text);
	}
	fputs("\r\n", f);
}

/* "# trend" (a row a year) and "# trend_by_category": not "# table:"
 * blocks, which are SPEC §5's tables. */
static void put_trend(const struct report_model *rp, FILE *f)
{
	const struct report_trend *t = &rp->trend;
	const struct stats_table *cat = &rp->s->tab[STATS_BY_CATEGORY];

	fputs("# trend\r\nlabel,notified,notified_per_10000,reviewed,"
	      "modifiable_yes,modifiable_percent\r\n", f);
	for (size_t i = 0; i < t->n; i++) {
		const struct report_trend_year *y = &t->y[i];

		fputs(y->year, f);
		put_value(f, &y->notified);
		put_value(f, &y->rate);
		put_value(f, &y->reviewed);
		put_value(f, &y->modifiable);
		put_value(f, &y->share);
		fputs("\r\n", f);
	}
	fputs("\r\n# trend_by_category\r\nlabel", f);
	for (size_t i = 0; i < t->n; i++)
		fprintf(f, ",%s", t->y[i].year);
	fputs("\r\n", f);
	for (size_t c = 0; c < REPORT_CATEGORIES && c + 1 < cat->nrows; c++) {
		field(f, cat->row_label[c]);
		for (size_t i = 0; i < t->n; i++)
			put_value(f, &t->y[i].category[c]);
		fputs("\r\n", f);
	}
	fputs("\r\n", f);
}

void report_write_csv(const struct report_model *rp, FILE *f)
{
	fprintf(f, "# cdop annual report year:%s edition:%s disclosure:%s produced:%s%s%s\r\n",
		rp->s->year_text, rp->edition_name, rp->disclosure_name, rp->produced,
		rp->s->interim ? " interim counted_to:" : "", rp->s->interim ? rp->s->last : "");
	fputs("# panel,", f);
	field(f, rp->panel_name);
	if (rp->panel_area[0]) {
		fputs("\r\n# area,", f);
		field(f, rp->panel_area);
	}
	fputs("\r\n# note: ", f);
	fputs(rp->disclosure_note, f);
	fputs("\r\n\r\n", f);
	put_narrative(rp, f);
	put_trend(rp, f);
	for (size_t i = 0; i < STATS_NTABLES; i++)
		put_table(rp, f, i);
	fputs("# learning\r\ntext\r\n", f);
	for (size_t i = 0; i < rp->nlearning; i++) {
		field(f, rp->learning[i]);
		fputs("\r\n", f);
	}
}
