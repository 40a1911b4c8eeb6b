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

void report_write_csv(const struct report_model *rp, FILE *f)
{
	fprintf(f, "# cdop annual report year:%s edition:%s disclosure:%s produced:%s%s%s\r\n",
		rp->s->year_text, rp->edition_name, rp->disclosure_name, rp->produced,
		rp->s->interim ? " interim counted_to:" : "", rp->s->interim ? rp->s->last : "");
	fputs("# note: ", f);
	fputs(rp->disclosure_note, f);
	fputs("\r\n\r\n", f);
	for (size_t i = 0; i < STATS_NTABLES; i++)
		put_table(rp, f, i);
	fputs("# learning\r\ntext\r\n", f);
	for (size_t i = 0; i < rp->nlearning; i++) {
		field(f, rp->learning[i]);
		fputs("\r\n", f);
	}
}
