/*
 * cdop/report_html — the annual report as one self-contained HTML file:
 * tables with proper headers, bar charts as inline SVG (with title and
 * description), print-friendly CSS, and a Content-Security-Policy that
 * forbids every fetch. No URL appears in the file.
 */
#include "cdop/report/report_int.h"
#include "cdop/store/store.h"

#include <stdio.h>
#include <string.h>

static const char style[] =
	":root{--ink:#1b1b1b;--muted:#5a5f66;--brand:#1d4f91;--line:#c9d1dc;--soft:#eef2f8}"
	"*{box-sizing:border-box}"
	"body{font:11pt/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);"
	"max-width:62em;margin:0 auto;padding:1.5em 1.2em 3em}"
	"header{border-bottom:4px solid var(--brand);padding-bottom:.8em;margin-bottom:1.2em}"
	".kicker{text-transform:uppercase;letter-spacing:.08em;color:var(--brand);font-weight:600;"
	"margin:0;font-size:.85em}"
	"h1{font-size:2em;margin:.1em 0 .2em}h2{color:var(--brand);font-size:1.3em;"
	"margin:2em 0 .3em;padding-bottom:.15em;border-bottom:1px solid var(--line)}"
	".meta{color:var(--muted);margin:0}"
	".banner{padding:.6em .9em;margin:1em 0 0;border-left:5px solid;border-radius:2px}"
	".banner.board{background:#fff3cd;border-color:#c9a227}"
	".banner.public{background:#e8f3ec;border-color:#2e7d4f}"
	".cards{display:grid;grid-template-columns:repeat(4,1fr);gap:.8em;margin:1.2em 0}"
	".card{border:1px solid var(--line);border-radius:6px;padding:.7em .9em;background:#fbfcfe}"
	".card b{display:block;font-size:1.9em;line-height:1.1;color:var(--brand);"
	"font-variant-numeric:tabular-nums}.card span{color:var(--muted);font-size:.9em}"
	"nav ol{columns:2;padding-left:1.4em;margin:.3em 0}nav a{color:var(--brand)}"
	".note{color:var(--muted);margin:.2em 0 .6em;font-size:.95em}"
	"table{border-collapse:collapse;width:100%;margin:.4em 0 .2em;font-variant-numeric:tabular-nums}"
	".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
	"white-space:nowrap}"
	"h2 .id{font-weight:400;color:var(--muted);font-size:.6em;margin-left:.4em}"
	"th,td{border:1px solid var(--line);padding:.28em .55em;vertical-align:top}"
	"thead th{background:var(--soft);text-align:right}thead th:first-child{text-align:left}"
	"tbody th{text-align:left;font-weight:400}td{text-align:right}"
	"tbody tr:nth-child(even){background:#f8fafc}table.trend tbody th{white-space:nowrap}"
	"tr.total th,tr.total td{font-weight:700;border-top:2px solid #8a96a8;background:var(--soft)}"
	"td.w{color:#7a4b00}abbr{text-decoration:none;cursor:help}"
	"figure{margin:.6em 0 .4em}svg{max-width:100%;height:auto;display:block}"
	"figcaption{color:var(--muted);font-size:.9em}"
	"#learning li{white-space:pre-line;margin:.3em 0}"
	"footer{margin-top:3em;padding-top:.8em;border-top:1px solid var(--line);color:var(--muted);"
	"font-size:.9em}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}"
	"@media (max-width:40em){.cards{grid-template-columns:repeat(2,1fr)}nav ol{columns:1}}"
	"@page{margin:14mm}"
	"@media print{body{max-width:none;padding:0;font-size:9.5pt}nav{display:none}"
	"section{break-inside:avoid}h2{break-after:avoid}tr{break-inside:avoid}"
	".banner,.card,thead th,tr.total td,tr.total th{-webkit-print-color-adjust:exact;"
	"print-color-adjust:exact}a{color:inherit;text-decoration:none}}";

static void esc(FILE *f, const char *s)
{
	html_escape(f, s);
}

static const char *month_year_end(const struct report_model *rp, char *buf, size_t len)
{
	snprintf(buf, len, "31 March %d", rp->s->year + 1);
	return buf;
}

static void put_cell(FILE *f, const struct stats_cell *c)
{
	switch (c->kind) {
	case STATS_CELL_SUPPRESSED:
		fprintf(f, "<td class=\"w\"><abbr title=\"withheld (disclosure control)\">%s"
			"</abbr></td>", c->text);
		break;
	case STATS_CELL_NONE:
		fputs("<td><abbr title=\"no meetings\">&ndash;</abbr></td>", f);
		break;
	default:
		fprintf(f, "<td>%s</td>", c->text);
	}
}

/* The HTML of a table from <thead> on: th for the heads and each row's
 * title, a total row marked. */
static const struct report_markup html_grid = {
	.text = esc, .cell = put_cell,
	.head = "<thead><tr><th scope=\"col\">", .head_sep = "</th>",
	.col = "<th scope=\"col\">", .col_end = "</th>",
	.head_end = "</tr></thead>\n<tbody>\n", .rule = "", .rule_end = "",
	.row = "<tr><th scope=\"row\">", .total_row = "<tr class=\"total\"><th scope=\"row\">",
	.title_end = "</th>", .total_title_end = "</th>", .row_end = "</tr>\n",
	.end = "</tbody></table>\n",
};

static void put_table(const struct report_model *rp, FILE *f, size_t tab)
{
	const struct stats_table *t = &rp->s->tab[tab];
	struct report_grid g;

	/* The visible heading is the section's h2; the caption names the
	 * table for screen readers, with its id as in the CSV and JSON. */
	fputs("<table>\n<caption class=\"sr\">", f);
	esc(f, t->title);
	fputs(" (table ", f);
	esc(f, t->id);
	fputs(")</caption>\n", f);
	report_grid_table(rp, tab, &g);
	report_grid_write(f, &html_grid, &g);
}

#define CHART_W 720
#define CHART_LABEL_W 330
#define CHART_BAR_MAX 320
#define CHART_ROW_H 24

/*
 * A horizontal bar chart of one column over the table's rows (not the
 * total row). Withheld values get no bar, only their mark: a bar would
 * show roughly what was withheld.
 */
static void put_chart(const struct report_model *rp, FILE *f, size_t tab, size_t col,
		      const char *what)
{
	const struct stats_table *t = &rp->s->tab[tab];
	size_t rows = t->nrows - ((t->flags & DC_TOTAL_ROW) ? 1 : 0);
	long max = 0;
	int h = (int)rows * CHART_ROW_H + 10;

	for (size_t r = 0; r < rows; r++) {
		struct stats_cell c = rp->cell[tab][r][col];

		if (c.kind == STATS_CELL_COUNT && c.value > max)
			max = c.value;
	}
	fprintf(f, "<figure>\n<svg role=\"img\" aria-labelledby=\"chart-%s-t chart-%s-d\" "
		"viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		"font-family=\"system-ui,-apple-system,'Segoe UI',Roboto,sans-serif\" "
		"font-size=\"12\">\n<title id=\"chart-%s-t\">", t->id, t->id, CHART_W, h,
		CHART_W, h, t->id);
	esc(f, t->title);
	fprintf(f, "</title>\n<desc id=\"chart-%s-d\">Bar chart of %s: ", t->id, what);
	for (size_t r = 0; r < rows; r++) {
		struct stats_cell c = rp->cell[tab][r][col];

		esc(f, t->row_title[r]);
		fprintf(f, " %s%s", c.kind == STATS_CELL_SUPPRESSED ? "withheld" : c.text,
			r + 1 < rows ? "; " : ".");
	}
	fputs("</desc>\n", f);
	fprintf(f, "<line x1=\"%d\" y1=\"2\" x2=\"%d\" y2=\"%d\" stroke=\"#8a96a8\"/>\n",
		CHART_LABEL_W + 8, CHART_LABEL_W + 8, h - 4);
	for (size_t r = 0; r < rows; r++) {
		struct stats_cell c = rp->cell[tab][r][col];
		int y = 5 + (int)r * CHART_ROW_H;
		long w = c.kind == STATS_CELL_COUNT && max > 0 ? c.value * CHART_BAR_MAX / max : 0;

		if (c.kind == STATS_CELL_COUNT && c.value > 0 && w < 2)
			w = 2;
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1b1b1b\">",
			CHART_LABEL_W, y + 16);
		esc(f, t->row_title[r]);
		fputs("</text>", f);
		if (w > 0)
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%ld\" height=\"17\" rx=\"2\" "
				"fill=\"#1d4f91\"/>", CHART_LABEL_W + 9, y + 3, w);
		fprintf(f, "<text x=\"%ld\" y=\"%d\" fill=\"%s\">%s</text>\n",
			CHART_LABEL_W + 9 + w + 6, y + 16,
			c.kind == STATS_CELL_SUPPRESSED ? "#7a4b00" : "#1b1b1b", c.text);
	}
	fputs("</svg>\n<figcaption>", f);
	fprintf(f, "Bar chart of %s. ", what);
	if (rp->s->method != DC_METHOD_NONE)
		fputs("Withheld values have no bar.", f);
	fputs("</figcaption>\n</figure>\n", f);
}

static void put_card(const struct report_model *rp, FILE *f, size_t tab, size_t row, size_t col,
		     const char *what)
{
	struct stats_cell c = rp->cell[tab][row][col];

	fprintf(f, "<div class=\"card\"><b>%s</b><span>", c.text);
	esc(f, what);
	fputs("</span></div>\n", f);
}

static void put_about(const struct report_model *rp, FILE *f)
{
	char end[32];

	month_year_end(rp, end, sizeof end);
	fprintf(f, "<section id=\"about\">\n<h2>About these figures</h2>\n<ul>\n"
		"<li>The year %s runs from 1 April %d to %s. A review counts in the year "
		"when the panel meeting that completed it was held in the year; a death "
		"counts as notified in the year by the date the panel was told of it.</li>\n"
		"<li>Age at death is in completed days under one year and completed years "
		"after; time from death to review is in whole calendar months.</li>\n"
		"<li>Ethnic groups follow the NHS ethnic category: white (A&ndash;C), mixed "
		"(D&ndash;G), Asian or Asian British (H&ndash;L), Black or Black British "
		"(M&ndash;P), other (R&ndash;S); not stated is code Z or no code "
		"recorded.</li>\n"
		"<li>Each table counts each review (or case) once, so the totals of the "
		"reviews tables, the time-to-review table and the referrals table agree.</li>\n"
		"<li>A case's status is taken as it is now: cases transferred to another "
		"panel, and cases closed without a review, are not counted as awaiting "
		"review. A review amended at a later meeting counts at that meeting.</li>\n"
		"<li>No names, NHS numbers, dates of birth, addresses, postcodes or exact "
		"dates are printed from the register in this report.</li>\n</ul>\n</section>\n",
		rp->s->year_text, rp->s->year, end);
}

/* ---- the board's words and the trend (issue 14) ----------------------------- */

static void put_narrative(const struct report_model *rp, FILE *f)
{
	const struct narrative *n = &rp->narrative;
	enum narrative_kind open = NARR_PARAGRAPH;
	int in_list = 0;

	if (!n->n)
		return;
	fputs("<section id=\"narrative\">\n<h2>Foreword and priorities</h2>\n", f);
	for (size_t i = 0; i < n->n; i++) {
		const struct narrative_block *b = &n->v[i];
		int list = b->kind == NARR_BULLET || b->kind == NARR_NUMBERED;

		if (in_list && (!list || b->kind != open)) {
			fputs(open == NARR_BULLET ? "</ul>\n" : "</ol>\n", f);
			in_list = 0;
		}
		if (list && !in_list) {
			fputs(b->kind == NARR_BULLET ? "<ul>\n" : "<ol>\n", f);
			in_list = 1;
			open = b->kind;
		}
		switch (b->kind) {
		case NARR_HEADING:
			fprintf(f, "<h%d>", b->level + 2);
			narrative_inline_html(f, b->text);
			fprintf(f, "</h%d>\n", b->level + 2);
			break;
		case NARR_PARAGRAPH:
			fputs("<p>", f);
			narrative_inline_html(f, b->text);
			fputs("</p>\n", f);
			break;
		default:
			fputs("<li>", f);
			narrative_inline_html(f, b->text);
			fputs("</li>\n", f);
		}
	}
	if (in_list)
		fputs(open == NARR_BULLET ? "</ul>\n" : "</ol>\n", f);
	fputs("</section>\n", f);
}

#define TREND_W 720
#define TREND_H 240
#define TREND_BASE 200

/* Deaths notified and reviews completed by year, side by side. A withheld
 * figure has no bar, only its mark. */
static void put_trend_chart(const struct report_model *rp, FILE *f)
{
	const struct report_trend *t = &rp->trend;
	long max = 1;
	int slot = (TREND_W - 60) / (int)(t->n ? t->n : 1);

	for (size_t i = 0; i < t->n; i++) {
		if (t->y[i].notified.kind == STATS_CELL_COUNT && t->y[i].notified.value > max)
			max = t->y[i].notified.value;
		if (t->y[i].reviewed.kind == STATS_CELL_COUNT && t->y[i].reviewed.value > max)
			max = t->y[i].reviewed.value;
	}
	fprintf(f, "<figure>\n<svg role=\"img\" aria-labelledby=\"chart-trend-t chart-trend-d\" "
		"viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		"font-family=\"system-ui,-apple-system,'Segoe UI',Roboto,sans-serif\" "
		"font-size=\"12\">\n<title id=\"chart-trend-t\">Deaths notified and reviews "
		"completed, by year</title>\n<desc id=\"chart-trend-d\">", TREND_W, TREND_H,
		TREND_W, TREND_H);
	for (size_t i = 0; i < t->n; i++)
		fprintf(f, "%s: %s notified, %s reviewed%s", t->y[i].year, t->y[i].notified.text,
			t->y[i].reviewed.text, i + 1 < t->n ? "; " : ".");
	fputs("</desc>\n", f);
	fprintf(f, "<line x1=\"40\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8a96a8\"/>\n",
		TREND_BASE, TREND_W - 10, TREND_BASE);
	for (size_t i = 0; i < t->n; i++) {
		const struct stats_cell *c[2] = { &t->y[i].notified, &t->y[i].reviewed };
		static const char *const fill[2] = { "#1d4f91", "#6aa3d8" };
		int x0 = 50 + (int)i * slot;

		for (int k = 0; k < 2; k++) {
			long h = c[k]->kind == STATS_CELL_COUNT ? c[k]->value * 160 / max : 0;
			int x = x0 + k * (slot / 2 - 8);

			if (h > 0)
				fprintf(f, "<rect x=\"%d\" y=\"%ld\" width=\"%d\" height=\"%ld\" "
					"rx=\"2\" fill=\"%s\"/>", x, TREND_BASE - h, slot / 2 - 12, h,
					fill[k]);
			fprintf(f, "<text x=\"%d\" y=\"%ld\" text-anchor=\"middle\" fill=\"%s\">",
				x + (slot / 2 - 12) / 2, TREND_BASE - h - 4,
				c[k]->kind == STATS_CELL_SUPPRESSED ? "#7a4b00" : "#1b1b1b");
			esc(f, c[k]->text);
			fputs("</text>", f);
		}
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#1b1b1b\">%s"
			"</text>\n", x0 + slot / 2 - 8, TREND_BASE + 18, t->y[i].year);
	}
	fprintf(f, "<rect x=\"50\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#1d4f91\"/>"
		"<text x=\"68\" y=\"%d\">deaths notified</text>"
		"<rect x=\"190\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#6aa3d8\"/>"
		"<text x=\"208\" y=\"%d\">reviews completed</text>\n", TREND_H - 16,
		TREND_H - 6, TREND_H - 16, TREND_H - 6);
	fputs("</svg>\n<figcaption>Deaths notified and reviews completed in each of the "
	      "last five reporting years.", f);
	if (rp->s->method != DC_METHOD_NONE)
		fputs(" Withheld values have no bar.", f);
	fputs("</figcaption>\n</figure>\n", f);
}

static void put_trend(const struct report_model *rp, FILE *f)
{
	const struct report_trend *t = &rp->trend;
	struct report_grid g;

	fputs("<section id=\"trend\">\n<h2>Five-year trend</h2>\n<p class=\"note\">Each "
	      "year as its own report of this edition shows it: deaths notified in the "
	      "year, reviews completed in the year, and the share of those reviews that "
	      "found modifiable factors.", f);
	if (t->population > 0)
		fprintf(f, " Rates are per 10,000 children, from a population under 18 of "
			"%ld (the same figure for every year).", t->population);
	fputs("</p>\n", f);
	put_trend_chart(rp, f);
	fputs("<table class=\"trend\">\n<caption class=\"sr\">Five-year trend</caption>\n", f);
	report_grid_trend(rp, &g);
	report_grid_write(f, &html_grid, &g);
	fputs("<h3>Reviews by category of death, by year</h3>\n<table>\n"
	      "<caption class=\"sr\">Reviews by category of death, by year</caption>\n", f);
	report_grid_by_category(rp, &g);
	report_grid_write(f, &html_grid, &g);
	fputs("</section>\n", f);
}

void report_write_html(const struct report_model *rp, FILE *f)
{
	static const size_t charted[] = { STATS_BY_CATEGORY, STATS_BY_AGE };
	const struct stats *s = rp->s;
	char end[32];

	month_year_end(rp, end, sizeof end);
	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'; img-src data:\">\n"
		"<meta name=\"referrer\" content=\"no-referrer\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<title>", f);
	esc(f, rp->panel_name);
	fprintf(f, ": annual report %s%s (%s edition)</title>\n"
		"<style>%s</style>\n</head><body>\n<header>\n"
		"<p class=\"kicker\">", s->year_text, s->interim ? " (interim)" : "",
		rp->edition_name, style);
	esc(f, rp->panel_name);
	fprintf(f, "</p>\n<h1>Annual report %s%s</h1>\n<p class=\"meta\">", s->year_text,
		s->interim ? " (interim)" : "");
	if (rp->panel_area[0]) {
		fputs("Covering ", f);
		esc(f, rp->panel_area);
		fputs(" &middot; ", f);
	}
	fprintf(f, "Year ending %s &middot; %s edition &middot; produced %s</p>\n"
		"<p class=\"banner %s\">", end, rp->edition == REPORT_PUBLIC ? "Public" :
		"Board", rp->produced, rp->edition_name);
	esc(f, rp->disclosure_note);
	fputs("</p>\n</header>\n<section class=\"cards\" aria-label=\"Key figures\">\n", f);
	put_card(rp, f, STATS_NOTIFICATIONS, 2, 2, "deaths notified");
	put_card(rp, f, STATS_BY_CATEGORY, s->tab[STATS_BY_CATEGORY].nrows - 1, 3,
		 "reviews completed");
	put_card(rp, f, STATS_BY_CATEGORY, s->tab[STATS_BY_CATEGORY].nrows - 1, 0,
		 "reviews with modifiable factors");
	put_card(rp, f, STATS_OUTSTANDING, s->tab[STATS_OUTSTANDING].nrows - 1, 0,
		 s->interim ? "cases awaiting review so far (interim)" :
		 "cases awaiting review at the year end");
	fputs("</section>\n<nav aria-label=\"Contents\"><h2>Contents</h2><ol>\n", f);
	if (rp->narrative.n)
		fputs("<li><a href=\"#narrative\">Foreword and priorities</a></li>\n", f);
	fputs("<li><a href=\"#trend\">Five-year trend</a></li>\n", f);
	for (size_t i = 0; i < STATS_NTABLES; i++) {
		fprintf(f, "<li><a href=\"#%s\">", s->tab[i].id);
		esc(f, s->tab[i].title);
		fputs("</a></li>\n", f);
	}
	fputs("<li><a href=\"#learning\">Learning</a></li>\n"
	      "<li><a href=\"#about\">About these figures</a></li>\n</ol></nav>\n<main>\n", f);
	put_narrative(rp, f);
	put_trend(rp, f);
	for (size_t i = 0; i < STATS_NTABLES; i++) {
		const struct stats_table *t = &s->tab[i];

		fprintf(f, "<section id=\"%s\">\n<h2>", t->id);
		esc(f, t->title);
		fputs("</h2>\n<p class=\"note\">", f);
		esc(f, t->note);
		fputs("</p>\n", f);
		for (size_t k = 0; k < sizeof charted / sizeof charted[0]; k++)
			if (charted[k] == i)
				put_chart(rp, f, i, t->t.cols - 1, "the total reviews in each row "
					  "of the table below");
		put_table(rp, f, i);
		fputs("</section>\n", f);
	}
	fputs("<section id=\"learning\">\n<h2>Learning</h2>\n<p class=\"note\">Learning from "
	      "reviews completed in the year that the panel agreed may be published, with "
	      "nothing about the child beside it. Each text was checked against every name, "
	      "NHS number, date of birth, address and postcode the register holds, and any "
	      "date, long number or postcode in it is replaced; people the register does not "
	      "know cannot be checked.", f);
	if (rp->nwithheld)
		fprintf(f, " %zu learning text%s left out because %s an identifier.", rp->nwithheld,
			rp->nwithheld == 1 ? " was" : "s were", rp->nwithheld == 1 ? "it named" :
			"they named");
	if (rp->nunchecked)
		fprintf(f, " %zu learning text%s withheld as not yet checked for identifiers.",
			rp->nunchecked, rp->nunchecked == 1 ? " was" : "s were");
	fputs("</p>\n", f);
	for (size_t i = 0; i < rp->nlearning; i++) {
		fputs(i ? "<li>" : "<ul>\n<li>", f);
		esc(f, rp->learning[i]);
		fputs("</li>\n", f);
	}
	fputs(rp->nlearning ? "</ul>\n" : "<p>No learning from this year's reviews was marked "
	      "for publication.</p>\n", f);
	fputs("</section>\n", f);
	put_about(rp, f);
	fputs("</main>\n<footer>\n<p>This file is signed; the signature is in <code>", f);
	esc(f, rp->file_name);
	fputs(".minisig</code> beside it. To check it: <code>cdop verify ", f);
	esc(f, rp->file_name);
	fputs("</code>, or without cdop, <code>minisign -Vm ", f);
	esc(f, rp->file_name);
	fprintf(f, " -p cdop-report.pub</code> with the key printed by <code>cdop key "
		"show</code> (key id %s).</p>\n</footer>\n</body></html>\n", rp->keyid);
}
