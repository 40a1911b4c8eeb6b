/*
 * cdop/report_grid — the report's tables as grids (report_int.h), and the
 * one walker that lays a grid out in a format's markup: the HTML and
 * Markdown writers had each their own copy of the same three loops.
 */
#include "cdop/report/report_int.h"

#include <stdio.h>
#include <string.h>

_Static_assert(STATS_COLS_MAX <= REPORT_GRID_COLS && 5 <= REPORT_GRID_COLS &&
	       REPORT_TREND_YEARS <= REPORT_GRID_COLS &&
	       REPORT_TREND_YEARS <= STATS_ROWS_MAX && REPORT_CATEGORIES <= STATS_ROWS_MAX,
	       "a report grid holds every table, the trend and the trend by category");

void report_grid_table(const struct report_model *m, size_t tab, struct report_grid *g)
{
	const struct stats_table *t = &m->s->tab[tab];

	memset(g, 0, sizeof *g);
	g->row_head = t->row_head;
	g->nrows = t->nrows;
	g->ncols = t->ncols;
	g->total = (t->flags & DC_TOTAL_ROW) != 0;
	for (size_t c = 0; c < t->ncols; c++)
		g->col[c] = t->col_title[c];
	for (size_t r = 0; r < t->nrows; r++) {
		g->row[r] = t->row_title[r];
		for (size_t c = 0; c < t->ncols; c++)
			g->cell[r][c] = &m->cell[tab][r][c];
	}
}

/* A row a year: notified, the rate (with a population), reviewed,
 * modifiable and their share. */
void report_grid_trend(const struct report_model *m, struct report_grid *g)
{
	const struct report_trend *t = &m->trend;
	int rates = t->population > 0;

	memset(g, 0, sizeof *g);
	g->row_head = "Year";
	g->col[g->ncols++] = "Deaths notified";
	if (rates)
		g->col[g->ncols++] = "Deaths notified per 10,000 children";
	g->col[g->ncols++] = "Reviews completed";
	g->col[g->ncols++] = "Reviews with modifiable factors";
	g->col[g->ncols++] = "Modifiable (%)";
	for (size_t i = 0; i < t->n; i++) {
		const struct report_trend_year *y = &t->y[i];
		size_t c = 0;

		g->row[i] = y->year;
		g->cell[i][c++] = &y->notified;
		if (rates)
			g->cell[i][c++] = &y->rate;
		g->cell[i][c++] = &y->reviewed;
		g->cell[i][c++] = &y->modifiable;
		g->cell[i][c] = &y->share;
	}
	g->nrows = t->n;
}

/* A row a category of death (not the total), a column a year. */
void report_grid_by_category(const struct report_model *m, struct report_grid *g)
{
	const struct report_trend *t = &m->trend;
	const struct stats_table *cat = &m->s->tab[STATS_BY_CATEGORY];

	memset(g, 0, sizeof *g);
	g->row_head = "Category";
	g->ncols = t->n;
	for (size_t i = 0; i < t->n; i++)
		g->col[i] = t->y[i].year;
	for (size_t c = 0; c < REPORT_CATEGORIES && c + 1 < cat->nrows; c++) {
		g->row[c] = cat->row_title[c];
		for (size_t i = 0; i < t->n; i++)
			g->cell[c][i] = &t->y[i].category[c];
		g->nrows = c + 1;
	}
}

void report_grid_write(FILE *f, const struct report_markup *mk, const struct report_grid *g)
{
	fputs(mk->head, f);
	mk->text(f, g->row_head);
	fputs(mk->head_sep, f);
	for (size_t c = 0; c < g->ncols; c++) {
		fputs(mk->col, f);
		mk->text(f, g->col[c]);
		fputs(mk->col_end, f);
	}
	fputs(mk->head_end, f);
	for (size_t c = 0; c < g->ncols; c++)
		fputs(mk->rule, f);
	fputs(mk->rule_end, f);
	for (size_t r = 0; r < g->nrows; r++) {
		int total = g->total && r + 1 == g->nrows;

		fputs(total ? mk->total_row : mk->row, f);
		mk->text(f, g->row[r]);
		fputs(total ? mk->total_title_end : mk->title_end, f);
		for (size_t c = 0; c < g->ncols; c++)
			mk->cell(f, g->cell[r][c]);
		fputs(mk->row_end, f);
	}
	fputs(mk->end, f);
}
