/*
 * cdop/report_md — the annual report as Markdown: a heading and one pipe
 * table per table id (labels and columns as in SPEC §5), then the
 * publishable learning as a list. Text that Markdown would read as markup
 * (or as HTML) is backslash-escaped; line breaks in learning become spaces.
 */
#include "cdop/report/report_int.h"

#include <stdio.h>
#include <string.h>

static void md_text(FILE *f, const char *s)
{
	size_t lead = strspn(s, "0123456789");

	/* At the start, "+ x", "- x" and "1. x" would begin a list. */
	if (*s == '+' || *s == '-') {
		fputc('\\', f);
	} else if (lead && (s[lead] == '.' || s[lead] == ')')) {
		fwrite(s, 1, lead, f);
		fputc('\\', f);
		s += lead;
	}
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t') {
			fputc(' ', f);
			continue;
		}
		if (strchr("\\`*_[]<>|&~#", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void put_table(const struct report_model *rp, FILE *f, size_t tab)
{
	const struct stats_table *t = &rp->s->tab[tab];

	fprintf(f, "## %s\n\n", t->id);
	md_text(f, t->title);
	fputs(". ", f);
	md_text(f, t->note);
	fputs("\n\n| label |", f);
	for (size_t c = 0; c < t->ncols; c++)
		fprintf(f, " %s |", t->col_label[c]);
	fputs("\n|---|", f);
	for (size_t c = 0; c < t->ncols; c++)
		fputs("---:|", f);
	fputc('\n', f);
	for (size_t r = 0; r < t->nrows; r++) {
		fprintf(f, "| %s |", t->row_label[r]);
		for (size_t c = 0; c < t->ncols; c++) {
			struct stats_cell cell = rp->cell[tab][r][c];

			fprintf(f, " %s |", cell.kind == STATS_CELL_SUPPRESSED && cell.text[0] == '*' ?
				"\\*" : cell.text);
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

void report_write_md(const struct report_model *rp, FILE *f)
{
	fprintf(f, "# Child Death Overview Panel annual report %s%s\n\n"
		"Year ending 31 March %d. %s edition, produced %s.\n\n",
		rp->s->year_text, rp->s->interim ? " (interim)" : "", rp->s->year + 1,
		rp->edition == REPORT_PUBLIC ? "Public" : "Board", rp->produced);
	md_text(f, rp->disclosure_note);
	fputs("\n\n", f);
	for (size_t i = 0; i < STATS_NTABLES; i++)
		put_table(rp, f, i);
	fputs("## learning\n\nLearning from reviews completed in the year that the panel "
	      "agreed may be published, with identifiers removed.\n\n", f);
	for (size_t i = 0; i < rp->nlearning; i++) {
		fputs("- ", f);
		md_text(f, rp->learning[i]);
		fputc('\n', f);
	}
	fprintf(f, "\nSigned: check with `cdop verify %s` or `minisign -Vm %s -p "
		"cdop-report.pub` (key id %s).\n", rp->file_name, rp->file_name, rp->keyid);
}
