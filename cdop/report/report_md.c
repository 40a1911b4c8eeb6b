/*
 * cdop/report_md — the annual report as Markdown for people: the panel's
 * name, the narrative, the five-year trend, then each table under its
 * title with its row and column titles (never table ids or codes; those
 * are in the CSV and JSON), then the publishable learning as a list. Text that Markdown would read as markup
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

static void put_cell_md(FILE *f, const struct stats_cell *c)
{
	fprintf(f, " %s |", c->kind == STATS_CELL_SUPPRESSED && c->text[0] == '*' ?
		"\\*" : c->text);
}

/* The Markdown of a table: "| head | col |", the rule, "| row | cell |";
 * a total row's title in bold. */
static const struct report_markup md_grid = {
	.text = md_text, .cell = put_cell_md,
	.head = "| ", .head_sep = " |", .col = " ", .col_end = " |",
	.head_end = "\n|---|", .rule = "---:|", .rule_end = "\n",
	.row = "| ", .total_row = "| **", .title_end = " |", .total_title_end = "** |",
	.row_end = "\n", .end = "",
};

static void put_table(const struct report_model *rp, FILE *f, size_t tab)
{
	const struct stats_table *t = &rp->s->tab[tab];
	struct report_grid g;

	fputs("## ", f);
	md_text(f, t->title);
	fputs("\n\n", f);
	md_text(f, t->note);
	fputs("\n\n", f);
	report_grid_table(rp, tab, &g);
	report_grid_write(f, &md_grid, &g);
	fputc('\n', f);
}

static void put_narrative(const struct report_model *rp, FILE *f)
{
	const struct narrative *n = &rp->narrative;

	if (!n->n)
		return;
	fputs("## Foreword and priorities\n\n", f);
	for (size_t i = 0; i < n->n; i++) {
		const struct narrative_block *b = &n->v[i];
		int next_same = i + 1 < n->n && n->v[i + 1].kind == b->kind &&
			b->kind != NARR_PARAGRAPH && b->kind != NARR_HEADING;

		switch (b->kind) {
		case NARR_HEADING:
			fprintf(f, "%s ", b->level == 1 ? "###" : b->level == 2 ? "####" : "#####");
			break;
		case NARR_BULLET: fputs("- ", f); break;
		case NARR_NUMBERED: fputs("1. ", f); break;
		default: break;
		}
		narrative_inline_md(f, b->text);
		fputs(next_same ? "\n" : "\n\n", f);
	}
}

static void put_trend(const struct report_model *rp, FILE *f)
{
	const struct report_trend *t = &rp->trend;
	struct report_grid g;

	fputs("## Five-year trend\n\nEach year as its own report of this edition shows it.", f);
	if (t->population > 0)
		fprintf(f, " Rates are per 10,000 children, from a population under 18 of %ld.",
			t->population);
	fputs("\n\n", f);
	report_grid_trend(rp, &g);
	report_grid_write(f, &md_grid, &g);
	fputs("\n### Reviews by category of death, by year\n\n", f);
	report_grid_by_category(rp, &g);
	report_grid_write(f, &md_grid, &g);
	fputc('\n', f);
}

void report_write_md(const struct report_model *rp, FILE *f)
{
	fputs("# ", f);
	md_text(f, rp->panel_name);
	fprintf(f, ": annual report %s%s\n\n", rp->s->year_text, rp->s->interim ? " (interim)" : "");
	if (rp->panel_area[0]) {
		fputs("Covering ", f);
		md_text(f, rp->panel_area);
		fputs(". ", f);
	}
	fprintf(f, "Year ending 31 March %d. %s edition, produced %s.\n\n", rp->s->year + 1,
		rp->edition == REPORT_PUBLIC ? "Public" : "Board", rp->produced);
	md_text(f, rp->disclosure_note);
	fputs("\n\n", f);
	put_narrative(rp, f);
	put_trend(rp, f);
	for (size_t i = 0; i < STATS_NTABLES; i++)
		put_table(rp, f, i);
	fputs("## Learning\n\nLearning from reviews completed in the year that the panel "
	      "agreed may be published, checked against every name, NHS number, date of "
	      "birth, address and postcode the register holds.", f);
	if (rp->nwithheld)
		fprintf(f, " %zu learning text%s left out because %s an identifier.", rp->nwithheld,
			rp->nwithheld == 1 ? " was" : "s were", rp->nwithheld == 1 ? "it named" :
			"they named");
	if (rp->nunchecked)
		fprintf(f, " %zu learning text%s withheld as not yet checked for identifiers.",
			rp->nunchecked, rp->nunchecked == 1 ? " was" : "s were");
	fputs("\n\n", f);
	for (size_t i = 0; i < rp->nlearning; i++) {
		fputs("- ", f);
		md_text(f, rp->learning[i]);
		fputc('\n', f);
	}
	fprintf(f, "\nSigned: check with `cdop verify %s --key cdop-report.pub` or `minisign "
		"-Vm %s -p cdop-report.pub` (key id %s).\n", rp->file_name, rp->file_name,
		rp->keyid);
}
