/*
 * A board's report (issue 14): the panel's name and area from the
 * register's settings, and the five-year trend: deaths notified and
 * reviewed, the share of reviews with modifiable factors, reviews by
 * category, and deaths notified per 10,000 children where the population
 * under 18 is set.
 *
 * Each earlier year is counted and protected as that year's own edition
 * of the same kind and policy would be (stats_compute, stats_disclose),
 * and the trend shows exactly the cells that edition publishes: a public
 * trend never shows a total that its year's public tables withhold. A
 * year that cannot be counted (a stored value the report does not know)
 * is shown as "-", and the report goes on.
 */
#include "cdop/report/report_int.h"
#include "cdop/store/store.h"

#include <stdio.h>
#include <string.h>

static void cell_none(struct stats_cell *c)
{
	memset(c, 0, sizeof *c);
	c->kind = STATS_CELL_NONE;
	strcpy(c->text, "-");
}

/* A ratio of two published counts in tenths (of a percent, or per 10,000). */
static void ratio(struct stats_cell *out, const struct stats_cell *num, long den_value,
		  int den_ok, long scale)
{
	long long tenths;

	if (num->kind != STATS_CELL_COUNT || !den_ok || den_value <= 0) {
		cell_none(out);
		if (num->kind == STATS_CELL_SUPPRESSED) {
			out->kind = STATS_CELL_SUPPRESSED;
			snprintf(out->text, sizeof out->text, "%s", num->text);
		}
		return;
	}
	tenths = ((long long)num->value * scale * 10 * 2 + den_value) / (2LL * den_value);
	memset(out, 0, sizeof *out);
	out->kind = STATS_CELL_PERCENT;
	out->value = (long)tenths;
	snprintf(out->text, sizeof out->text, "%lld.%lld", tenths / 10, tenths % 10);
}

/* The year's figures from a computed and protected stats. */
static void year_from(struct report_trend_year *y, const struct stats *s, long population)
{
	size_t cat_total = s->tab[STATS_BY_CATEGORY].nrows - 1;
	size_t tcol = s->tab[STATS_BY_CATEGORY].ncols - 1;

	y->ok = 1;
	if (stats_cell_get(s, STATS_NOTIFICATIONS, s->tab[STATS_NOTIFICATIONS].nrows - 1,
			   s->tab[STATS_NOTIFICATIONS].ncols - 1, &y->notified))
		cell_none(&y->notified);
	if (stats_cell_get(s, STATS_BY_CATEGORY, cat_total, tcol, &y->reviewed))
		cell_none(&y->reviewed);
	if (stats_cell_get(s, STATS_BY_CATEGORY, cat_total, 0, &y->modifiable))
		cell_none(&y->modifiable);
	for (size_t i = 0; i < REPORT_CATEGORIES && i < cat_total; i++)
		if (stats_cell_get(s, STATS_BY_CATEGORY, i, tcol, &y->category[i]))
			cell_none(&y->category[i]);
	ratio(&y->share, &y->modifiable, y->reviewed.value,
	      y->reviewed.kind == STATS_CELL_COUNT, 100);
	if (population > 0)
		ratio(&y->rate, &y->notified, population, 1, 10000);
	else
		cell_none(&y->rate);
}

static void year_unknown(struct report_trend_year *y)
{
	y->ok = 0;
	cell_none(&y->notified);
	cell_none(&y->reviewed);
	cell_none(&y->modifiable);
	cell_none(&y->share);
	cell_none(&y->rate);
	for (size_t i = 0; i < REPORT_CATEGORIES; i++)
		cell_none(&y->category[i]);
}

static int panel_names(struct reg *r, struct report_model *m)
{
	int ret = config_panel_name(r, m->panel_name, sizeof m->panel_name);

	return ret ? ret : config_get(r, "panel.area", m->panel_area, sizeof m->panel_area);
}

int report_trend_make(struct reg *r, struct report_model *m)
{
	struct report_trend *t = &m->trend;
	int ret = panel_names(r, m);

	if (ret)
		return ret;
	t->population = config_population(r);
	t->n = REPORT_TREND_YEARS;
	for (size_t i = 0; i < REPORT_TREND_YEARS; i++) {
		struct report_trend_year *y = &t->y[i];
		int year = m->s->year - (REPORT_TREND_YEARS - 1) + (int)i;
		struct stats s;

		snprintf(y->year, sizeof y->year, "%04d-%02d", year,
			 (year + 1) % 100);
		if (year == m->s->year) {
			year_from(y, m->s, t->population);
			continue;
		}
		stats_init(&s);
		if (stats_compute_trend(r, year, m->s->method, &s) ||
		    stats_disclose(r, &s, m->s->method))
			year_unknown(y);
		else
			year_from(y, &s, t->population);
		stats_release(&s);
	}
	/* A year that could not be counted leaves its message: clear it. */
	r->e.msg[0] = 0;
	r->e.field[0] = 0;
	return CDOP_OK;
}
