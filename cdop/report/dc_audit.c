/*
 * cdop/report/dc_audit.c — the exact audit of a public edition; see
 * report.h ("audit") and docs/disclosure.md for the model.
 *
 * Variables: one integer per count cell of the 14 tables, per distinct set
 * of data behind the editions audited (a "version": editions whose exact
 * counts are the same describe the same children and share variables).
 * Bounds: what every edition of that version publishes about the cell,
 * intersected. Relations (each added only when it holds on the version's
 * true counts, so the truth is always one solution):
 *  - every total of a row or column is the sum of its cells;
 *  - the reviews_by_* tables share their total row; their grand total is
 *    review_duration's and referrals' total; notifications' unexpected
 *    total is every joint_agency_response row's unexpected_deaths;
 *  - joint_agency_response: done <= unexpected_deaths, within <= done;
 *  - themes: each theme <= the number of reviews;
 *  - meetings: every agency's meetings = meetings held; attended <=
 *    meetings; an agency's attended <= meetings with any attendance <=
 *    the sum of the agencies' attended;
 *  - between two versions of the same year, per table: when every cell of
 *    the later one is >= the earlier one's (cases were only added), a
 *    reader may know it, so later >= earlier cell by cell (or <= when
 *    every cell went down).
 *
 * Pool of witnesses: the true counts, then every solution the solver
 * returns, each checked exactly in integer arithmetic; for each variable
 * the smallest and largest value seen. Withholding a cell only widens what
 * a reader knows, so every witness stays a solution and a cell once proven
 * safe stays safe: each round solves only for the cells not yet proven.
 */
#include "cdop/report/report.h"
#include "cdop/store/store.h"

#include <glpk.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Larger than any count: the bound of a cell nothing else bounds. */
#define CAP 10000000L
#define DFE_SMALL 5
#define NHS_SMALL 7
#define NHS_SHOWN_MIN 8 /* an NHS number shown rounded is >= 8 */

enum rel_kind { REL_EQ, REL_LE, REL_GE }; /* sum coef * x  (=, <=, >=) 0 */

struct term {
	size_t var;
	int coef;
};

struct rel {
	enum rel_kind kind;
	size_t start, len; /* terms */
};

struct model {
	const struct stats *s;
	size_t n;        /* cells per version */
	size_t nv;       /* versions */
	size_t nvar;     /* n * nv */
	size_t cur;      /* the current edition's version */
	long *truth;     /* per variable */
	long *lo, *hi;   /* bounds */
	unsigned char *need;  /* 0 not protected; else the width max - min must reach */
	unsigned char *safe;  /* proven */
	long *wmin, *wmax;    /* witnesses */
	struct rel *rel;
	size_t nrel, relcap;
	struct term *term;
	size_t nterm, termcap;
	long *elo, *ehi;      /* per cell of the current version: earlier editions' bounds */
	unsigned char *public_exact; /* per cell: shown exactly by an earlier edition */
	size_t cur_rel_first, cur_rel_end; /* the current version's own relations */
	size_t *group;   /* per cell: representative of cells that publish one number */
	unsigned char *is_total;
	size_t *off;     /* per table: its first cell */
	glp_prob *lp;
	size_t solves;
	long *sol;       /* scratch: one solution */
	int *ind;        /* scratch for GLPK, 1-based */
	double *val;
};

/* ---- cells ------------------------------------------------------------------ */

size_t stats_ncells(const struct stats *s)
{
	size_t n = 0;

	for (size_t t = 0; t < STATS_NTABLES; t++)
		n += s->tab[t].t.rows * s->tab[t].t.cols;
	return n;
}

int stats_cell_at(const struct stats *s, size_t i, size_t *tab, size_t *row, size_t *col)
{
	for (size_t t = 0; t < STATS_NTABLES; t++) {
		size_t k = s->tab[t].t.rows * s->tab[t].t.cols;

		if (i < k) {
			*tab = t;
			*row = i / s->tab[t].t.cols;
			*col = i % s->tab[t].t.cols;
			return DC_OK;
		}
		i -= k;
	}
	return DC_ERANGE;
}

int stats_edition_alloc(struct stats_edition *e, size_t n)
{
	*e = (struct stats_edition)STATS_EDITION_INIT;
	e->count = calloc(n ? n : 1, sizeof *e->count);
	e->shown = calloc(n ? n : 1, sizeof *e->shown);
	e->state = calloc(n ? n : 1, sizeof *e->state);
	e->n = n;
	if (!e->count || !e->shown || !e->state) {
		stats_edition_release(e);
		return DC_ENOMEM;
	}
	return DC_OK;
}

void stats_edition_release(struct stats_edition *e)
{
	free(e->count);
	free(e->shown);
	free(e->state);
	*e = (struct stats_edition)STATS_EDITION_INIT;
}

int stats_edition_take(const struct stats *s, struct stats_edition *e)
{
	size_t n = stats_ncells(s), i = 0;
	int ret = stats_edition_alloc(e, n);

	if (ret)
		return ret;
	e->method = s->method;
	for (size_t t = 0; t < STATS_NTABLES; t++) {
		const struct dc_table *d = &s->tab[t].t;

		for (size_t k = 0; k < d->rows * d->cols; k++, i++) {
			e->count[i] = d->count[k];
			e->shown[i] = d->shown[k];
			e->state[i] = (unsigned char)d->state[k];
		}
	}
	return DC_OK;
}

/* ---- what one edition tells ------------------------------------------------ */

/* The bounds a reader puts on a cell from one edition. */
static void edition_bounds(enum dc_method m, unsigned char state, long shown, long *lo,
			   long *hi)
{
	if (m == DC_METHOD_DFE) {
		*lo = state == DC_CELL_SHOWN ? shown : 1;
		*hi = state == DC_CELL_SHOWN ? shown : CAP;
	} else if (state == DC_CELL_PRIMARY) {
		*lo = 1;
		*hi = NHS_SMALL;
	} else if (state == DC_CELL_SECONDARY) {
		/* "x": withheld by the audit, a small count or not. */
		*lo = 1;
		*hi = CAP;
	} else if (shown == 0) {
		*lo = *hi = 0;
	} else {
		*lo = shown - 2 < NHS_SHOWN_MIN ? NHS_SHOWN_MIN : shown - 2;
		*hi = shown + 2;
	}
}

/* Hidden and a small count: the reader must keep at least three values. */
static int hidden_small(enum dc_method m, unsigned char state, long count)
{
	return state != DC_CELL_SHOWN && count >= 1 &&
	       count <= (m == DC_METHOD_DFE ? DFE_SMALL : NHS_SMALL);
}

/* ---- relations ------------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	void *q;
	size_t n;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap * 2 : 256;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* Terms are collected, then kept only if the relation holds on the truth. */
struct terms {
	size_t n;
	size_t var[64];
	int coef[64];
};

static void term(struct terms *t, size_t var, int coef)
{
	if (t->n < 64) {
		t->var[t->n] = var;
		t->coef[t->n] = coef;
		t->n++;
	}
}

static int rel_add(struct model *m, enum rel_kind kind, const struct terms *t)
{
	long long sum = 0;
	struct rel *r;

	for (size_t i = 0; i < t->n; i++)
		sum += (long long)t->coef[i] * m->truth[t->var[i]];
	if ((kind == REL_EQ && sum != 0) || (kind == REL_LE && sum > 0) ||
	    (kind == REL_GE && sum < 0))
		return 0; /* not a fact about these data */
	if (grow((void **)&m->rel, &m->relcap, m->nrel + 1, sizeof *m->rel) ||
	    grow((void **)&m->term, &m->termcap, m->nterm + t->n, sizeof *m->term))
		return DC_ENOMEM;
	r = &m->rel[m->nrel++];
	r->kind = kind;
	r->start = m->nterm;
	r->len = t->n;
	for (size_t i = 0; i < t->n; i++) {
		m->term[m->nterm].var = t->var[i];
		m->term[m->nterm].coef = t->coef[i];
		m->nterm++;
	}
	return 0;
}

static size_t cell(const struct model *m, size_t tab, size_t r, size_t c)
{
	return m->off[tab] + r * m->s->tab[tab].t.cols + c;
}

/* a - b (=, <=, >=) 0 */
static int rel2(struct model *m, enum rel_kind k, size_t base, size_t a, size_t b)
{
	struct terms t = { 0, { 0 }, { 0 } };

	term(&t, base + a, 1);
	term(&t, base + b, -1);
	return rel_add(m, k, &t);
}

/* The relations of one version (variables base .. base + n - 1). */
static int version_relations(struct model *m, size_t base)
{
	const struct stats *s = m->s;
	size_t cat = STATS_BY_CATEGORY, g, tot;
	int ret = 0;

	for (size_t tab = 0; !ret && tab < STATS_NTABLES; tab++) {
		const struct dc_table *d = &s->tab[tab].t;

		for (size_t r = 0; !ret && (d->flags & DC_TOTAL_COL) && r < d->rows; r++) {
			struct terms t = { 0, { 0 }, { 0 } };
			for (size_t c = 0; c < d->cols; c++)
				term(&t, base + cell(m, tab, r, c), c + 1 < d->cols ? 1 : -1);
			ret = rel_add(m, REL_EQ, &t);
		}
		for (size_t c = 0; !ret && (d->flags & DC_TOTAL_ROW) && c < d->cols; c++) {
			struct terms t = { 0, { 0 }, { 0 } };
			for (size_t r = 0; r < d->rows; r++)
				term(&t, base + cell(m, tab, r, c), r + 1 < d->rows ? 1 : -1);
			ret = rel_add(m, REL_EQ, &t);
		}
	}
	/* Shared totals. */
	tot = s->tab[cat].t.rows - 1;
	for (size_t tab = STATS_BY_AGE; !ret && tab <= STATS_BY_PLACE; tab++)
		for (size_t c = 0; !ret && c < s->tab[cat].t.cols; c++)
			ret = rel2(m, REL_EQ, base, cell(m, tab, s->tab[tab].t.rows - 1, c),
				   cell(m, cat, tot, c));
	g = cell(m, cat, tot, s->tab[cat].t.cols - 1);
	if (!ret)
		ret = rel2(m, REL_EQ, base,
			   cell(m, STATS_DURATION, s->tab[STATS_DURATION].t.rows - 1, 0), g);
	if (!ret)
		ret = rel2(m, REL_EQ, base,
			   cell(m, STATS_REFERRALS, s->tab[STATS_REFERRALS].t.rows - 1, 0), g);
	for (size_t r = 0; !ret && r < s->tab[STATS_JAR].t.rows; r++) {
		ret = rel2(m, REL_EQ, base, cell(m, STATS_JAR, r, 0),
			   cell(m, STATS_NOTIFICATIONS, 1, 2));
		if (!ret)
			ret = rel2(m, REL_LE, base, cell(m, STATS_JAR, r, 1),
				   cell(m, STATS_JAR, r, 0));
		if (!ret)
			ret = rel2(m, REL_LE, base, cell(m, STATS_JAR, r, 2),
				   cell(m, STATS_JAR, r, 1));
	}
	for (size_t r = 0; !ret && r < s->tab[STATS_THEMES].t.rows; r++)
		ret = rel2(m, REL_LE, base, cell(m, STATS_THEMES, r, 0), g);
	if (!ret) {
		const struct dc_table *d = &s->tab[STATS_MEETINGS].t;
		struct terms any = { 0, { 0 }, { 0 } };

		for (size_t r = 0; !ret && r < d->rows; r++) {
			ret = rel2(m, REL_LE, base, cell(m, STATS_MEETINGS, r, 1),
				   cell(m, STATS_MEETINGS, r, 0));
			if (!ret && r > 0)
				ret = rel2(m, REL_EQ, base, cell(m, STATS_MEETINGS, r, 0),
					   cell(m, STATS_MEETINGS, 0, 0));
			if (!ret && r > 0)
				ret = rel2(m, REL_LE, base, cell(m, STATS_MEETINGS, r, 1),
					   cell(m, STATS_MEETINGS, 0, 1));
		}
		term(&any, base + cell(m, STATS_MEETINGS, 0, 1), 1);
		for (size_t r = 1; r < d->rows; r++)
			term(&any, base + cell(m, STATS_MEETINGS, r, 1), -1);
		if (!ret)
			ret = rel_add(m, REL_LE, &any);
	}
	return ret;
}

/* Later version b against earlier a, table by table. */
static int version_links(struct model *m, size_t a, size_t b)
{
	int ret = 0;

	for (size_t tab = 0; !ret && tab < STATS_NTABLES; tab++) {
		size_t k = m->s->tab[tab].t.rows * m->s->tab[tab].t.cols;
		int up = 1, down = 1;

		for (size_t i = m->off[tab]; i < m->off[tab] + k; i++) {
			up &= m->truth[b * m->n + i] >= m->truth[a * m->n + i];
			down &= m->truth[b * m->n + i] <= m->truth[a * m->n + i];
		}
		for (size_t i = m->off[tab]; !ret && (up || down) && i < m->off[tab] + k; i++) {
			struct terms t = { 0, { 0 }, { 0 } };
			term(&t, b * m->n + i, 1);
			term(&t, a * m->n + i, -1);
			ret = rel_add(m, up ? REL_GE : REL_LE, &t);
		}
	}
	return ret;
}

/* ---- cells that publish one number, and totals ----------------------------- */

static size_t find(size_t *g, size_t i)
{
	while (g[i] != i)
		i = g[i] = g[g[i]];
	return i;
}

/* Cells joined by a two-term equality are one number shown twice. */
static void groups_make(struct model *m)
{
	for (size_t i = 0; i < m->n; i++)
		m->group[i] = i;
	for (size_t k = m->cur_rel_first; k < m->cur_rel_end; k++) {
		const struct rel *r = &m->rel[k];
		size_t a, b;

		if (r->kind != REL_EQ || r->len != 2 || m->term[r->start].coef != -m->term[r->start + 1].coef)
			continue;
		a = find(m->group, m->term[r->start].var % m->n);
		b = find(m->group, m->term[r->start + 1].var % m->n);
		if (a != b)
			m->group[a < b ? b : a] = a < b ? a : b;
	}
	for (size_t tab = 0; tab < STATS_NTABLES; tab++) {
		const struct dc_table *d = &m->s->tab[tab].t;

		for (size_t r = 0; r < d->rows; r++)
			for (size_t c = 0; c < d->cols; c++)
				m->is_total[cell(m, tab, r, c)] =
					((d->flags & DC_TOTAL_ROW) && r + 1 == d->rows) ||
					((d->flags & DC_TOTAL_COL) && c + 1 == d->cols);
	}
	for (size_t i = 0; i < m->n; i++)
		if (find(m->group, i) != i)
			m->is_total[i] = m->is_total[find(m->group, i)] = 1;
}

/* ---- GLPK -------------------------------------------------------------------- */

static int lp_build(struct model *m)
{
	m->lp = glp_create_prob();
	if (!m->lp)
		return DC_ENOMEM;
	glp_add_cols(m->lp, (int)m->nvar);
	for (size_t j = 0; j < m->nvar; j++) {
		glp_set_col_kind(m->lp, (int)j + 1, GLP_IV);
		glp_set_col_bnds(m->lp, (int)j + 1, m->lo[j] == m->hi[j] ? GLP_FX : GLP_DB,
				 (double)m->lo[j], (double)m->hi[j]);
	}
	if (m->nrel)
		glp_add_rows(m->lp, (int)m->nrel);
	for (size_t k = 0; k < m->nrel; k++) {
		const struct rel *r = &m->rel[k];
		int type = r->kind == REL_EQ ? GLP_FX : r->kind == REL_LE ? GLP_UP : GLP_LO;

		for (size_t i = 0; i < r->len; i++) {
			m->ind[i + 1] = (int)m->term[r->start + i].var + 1;
			m->val[i + 1] = m->term[r->start + i].coef;
		}
		glp_set_row_bnds(m->lp, (int)k + 1, type, 0.0, 0.0);
		glp_set_mat_row(m->lp, (int)k + 1, (int)r->len, m->ind, m->val);
	}
	return DC_OK;
}

static void lp_bounds(struct model *m, size_t j)
{
	glp_set_col_bnds(m->lp, (int)j + 1, m->lo[j] == m->hi[j] ? GLP_FX : GLP_DB,
			 (double)m->lo[j], (double)m->hi[j]);
}

/* Every bound and relation, in integer arithmetic. */
static int solution_ok(const struct model *m, const long *x)
{
	for (size_t j = 0; j < m->nvar; j++)
		if (x[j] < m->lo[j] || x[j] > m->hi[j])
			return 0;
	for (size_t k = 0; k < m->nrel; k++) {
		const struct rel *r = &m->rel[k];
		long long sum = 0;

		for (size_t i = 0; i < r->len; i++)
			sum += (long long)m->term[r->start + i].coef * x[m->term[r->start + i].var];
		if ((r->kind == REL_EQ && sum != 0) || (r->kind == REL_LE && sum > 0) ||
		    (r->kind == REL_GE && sum < 0))
			return 0;
	}
	return 1;
}

static void witness(struct model *m, const long *x)
{
	for (size_t j = 0; j < m->nvar; j++) {
		if (x[j] < m->wmin[j])
			m->wmin[j] = x[j];
		if (x[j] > m->wmax[j])
			m->wmax[j] = x[j];
	}
}

/* Optimise the objective set on m->lp in direction dir (GLP_MIN, GLP_MAX);
 * the solution, checked exactly, joins the witnesses. */
static int run(struct reg *r, struct model *m, int dir)
{
	glp_iocp parm;
	int rc, st;

	glp_smcp sm;

	/* The relaxation first, from the last basis (warm: each problem
	 * differs from the last by an objective or a bound), then branch and
	 * bound on it; GLPK's presolver only if that fails. */
	glp_init_smcp(&sm);
	sm.msg_lev = GLP_MSG_OFF;
	glp_init_iocp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	glp_set_obj_dir(m->lp, dir);
	rc = glp_simplex(m->lp, &sm);
	if (rc == 0 && glp_get_status(m->lp) == GLP_OPT) {
		parm.presolve = GLP_OFF;
		rc = glp_intopt(m->lp, &parm);
	} else {
		glp_adv_basis(m->lp, 0);
		parm.presolve = GLP_ON;
		rc = glp_intopt(m->lp, &parm);
	}
	st = rc == 0 ? glp_mip_status(m->lp) : 0;
	m->solves++;
	if (rc != 0 || st != GLP_OPT)
		return reg_fail(r, CDOP_ERR_INTERNAL, "disclosure audit: the solver did not "
				"finish (glp_intopt %d, status %d); nothing was published", rc, st);
	for (size_t k = 0; k < m->nvar; k++) {
		double v = glp_mip_col_val(m->lp, (int)k + 1);
		long l = (long)(v < 0 ? v - 0.5 : v + 0.5);

		if (v - (double)l > 1e-6 || (double)l - v > 1e-6)
			return reg_fail(r, CDOP_ERR_INTERNAL, "disclosure audit: the solver "
					"returned a fractional value; nothing was published");
		m->sol[k] = l;
	}
	if (!solution_ok(m, m->sol))
		return reg_fail(r, CDOP_ERR_INTERNAL, "disclosure audit: the solver returned "
				"a table that breaks a relation; nothing was published");
	witness(m, m->sol);
	return CDOP_OK;
}

/* Minimise or maximise variable j alone. */
static int solve(struct reg *r, struct model *m, size_t j, int dir, long *value)
{
	int ret;

	glp_set_obj_coef(m->lp, (int)j + 1, 1.0);
	ret = run(r, m, dir);
	glp_set_obj_coef(m->lp, (int)j + 1, 0.0);
	*value = m->sol[j];
	return ret;
}

static int proven(const struct model *m, size_t j)
{
	return m->wmax[j] - m->wmin[j] >= m->need[j];
}

/*
 * Witnesses in bulk: push every cell not yet proven down together, then
 * up together. Two solves usually prove most cells, leaving few for
 * one-by-one solves.
 */
static int batch(struct reg *r, struct model *m)
{
	int ret = CDOP_OK;

	for (int dir = 0; !ret && dir < 2; dir++) {
		size_t k = 0;

		for (size_t j = 0; j < m->nvar; j++) {
			if (m->need[j] && !m->safe[j] && !proven(m, j)) {
				glp_set_obj_coef(m->lp, (int)j + 1, 1.0);
				k++;
			}
		}
		if (k > 1)
			ret = run(r, m, dir ? GLP_MAX : GLP_MIN);
		for (size_t j = 0; j < m->nvar; j++)
			glp_set_obj_coef(m->lp, (int)j + 1, 0.0);
		if (k <= 1)
			break;
	}
	return ret;
}

/* Proven safe, or 0 with its exact range narrower than it needs. */
static int check_cell(struct reg *r, struct model *m, size_t j, int *safe)
{
	long v;
	int ret;

	*safe = m->wmax[j] - m->wmin[j] >= m->need[j];
	if (*safe)
		return CDOP_OK;
	ret = solve(r, m, j, GLP_MIN, &v);
	if (!ret && !(*safe = m->wmax[j] - m->wmin[j] >= m->need[j]))
		ret = solve(r, m, j, GLP_MAX, &v);
	if (!ret)
		*safe = m->wmax[j] - m->wmin[j] >= m->need[j];
	return ret;
}

/* ---- withholding ------------------------------------------------------------- */

static struct dc_table *cell_table(struct stats *s, const struct model *m, size_t i,
				   size_t *k)
{
	size_t tab = 0;

	while (tab + 1 < STATS_NTABLES && m->off[tab + 1] <= i)
		tab++;
	*k = i - m->off[tab];
	return &s->tab[tab].t;
}

/* A cell of the current edition the audit may still withhold: one shown
 * (not 0: a hidden cell is at least 1), or under NHS one starred, which
 * then reads "x" and loses its "at most 7". */
static int candidate(struct stats *s, const struct model *m, size_t i)
{
	size_t k;
	struct dc_table *d = cell_table(s, m, i, &k);

	if (m->public_exact[i] || d->count[k] == 0)
		return 0;
	return d->state[k] == DC_CELL_SHOWN ||
	       (s->method == DC_METHOD_NHS && d->state[k] == DC_CELL_PRIMARY);
}

/* Cheaper is better: a starred cell re-marked (it hides nothing more),
 * then an interior cell before a total or a shared number, then the
 * smaller count. */
static long long cost(struct stats *s, const struct model *m, size_t i)
{
	size_t k;
	struct dc_table *d = cell_table(s, m, i, &k);

	if (d->state[k] == DC_CELL_PRIMARY)
		return 0;
	return (m->is_total[i] ? (long long)CAP * 4 : 0) + d->count[k];
}

/*
 * Candidates for unsafe cell position p, nearest first: p itself if the
 * current edition shows it, then the cells sharing a relation with p, then
 * those sharing one with them, and so on; at most max, each with its
 * distance and cost.
 */
struct cand {
	size_t cell;
	size_t level;
	long long cost;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	if (x->cost != y->cost)
		return x->cost < y->cost ? -1 : 1;
	return x->cell < y->cell ? -1 : x->cell > y->cell;
}

static size_t candidates(struct stats *s, struct model *m, size_t p, unsigned char *seen,
			 size_t *frontier, size_t *next, struct cand *out, size_t max)
{
	size_t nf = 1, nc = 0, level = 0;

	memset(seen, 0, m->n);
	seen[p] = 1;
	frontier[0] = p;
	if (candidate(s, m, p))
		out[nc++] = (struct cand){ p, 0, 0 };
	while (nf && nc < max) {
		size_t nn = 0;

		level++;
		for (size_t k = m->cur_rel_first; k < m->cur_rel_end; k++) {
			const struct rel *r = &m->rel[k];
			int touches = 0;

			for (size_t i = 0; i < r->len && !touches; i++)
				for (size_t f = 0; f < nf && !touches; f++)
					touches = m->term[r->start + i].var % m->n == frontier[f];
			for (size_t i = 0; touches && i < r->len; i++) {
				size_t c = m->term[r->start + i].var % m->n;

				if (seen[c])
					continue;
				seen[c] = 1;
				next[nn++] = c;
				if (candidate(s, m, c) && nc < max)
					out[nc++] = (struct cand){ c, level, cost(s, m, c) };
			}
		}
		memcpy(frontier, next, nn * sizeof *next);
		nf = nn;
	}
	qsort(out, nc, sizeof *out, cand_cmp);
	return nc;
}

/* What withholding changed, to undo a trial. */
struct undo {
	size_t n;
	struct {
		size_t cell, k;
		struct dc_table *d;
		enum dc_cell_state state;
		long lo, hi;
		unsigned char need, safe;
	} e[STATS_NTABLES * 2 + 8];
};

/* Withhold cell i of the current edition, and every cell publishing the
 * same number; they become protected. */
static void withhold(struct stats *s, struct model *m, size_t i, struct undo *u)
{
	size_t gi = find(m->group, i);

	u->n = 0;
	for (size_t c = 0; c < m->n; c++) {
		size_t k, j = m->cur * m->n + c;
		struct dc_table *d;
		long lo, hi;

		if (find(m->group, c) != gi || !candidate(s, m, c))
			continue;
		d = cell_table(s, m, c, &k);
		if (u->n < sizeof u->e / sizeof u->e[0]) {
			u->e[u->n].cell = c;
			u->e[u->n].k = k;
			u->e[u->n].d = d;
			u->e[u->n].state = d->state[k];
			u->e[u->n].lo = m->lo[j];
			u->e[u->n].hi = m->hi[j];
			u->e[u->n].need = m->need[j];
			u->e[u->n].safe = m->safe[j];
			u->n++;
		}
		d->state[k] = DC_CELL_SECONDARY;
		edition_bounds(s->method, DC_CELL_SECONDARY, 0, &lo, &hi);
		m->lo[j] = lo > m->elo[c] ? lo : m->elo[c];
		m->hi[j] = hi < m->ehi[c] ? hi : m->ehi[c];
		lp_bounds(m, j);
		if (!m->need[j])
			m->need[j] = 1;
		m->safe[j] = 0;
	}
}

static void withhold_undo(struct model *m, const struct undo *u)
{
	for (size_t i = 0; i < u->n; i++) {
		size_t j = m->cur * m->n + u->e[i].cell;

		u->e[i].d->state[u->e[i].k] = u->e[i].state;
		m->lo[j] = u->e[i].lo;
		m->hi[j] = u->e[i].hi;
		m->need[j] = u->e[i].need;
		m->safe[j] = u->e[i].safe;
		lp_bounds(m, j);
	}
}

#define TRIALS 24      /* candidates tried for one unsafe cell */
#define GATHER 96      /* candidates gathered before sorting */

/*
 * Withhold for unsafe variable bad. Heuristic (docs/disclosure.md): try
 * the candidates nearest first, cheapest first (a starred NHS cell, then
 * an interior cell before a total or a shared number, then the smaller
 * count), and keep the first one after which bad is proven safe; if none
 * of the first TRIALS does it alone, keep the first candidate and let the
 * next round go on. A trial's witnesses belong to a wider problem, so a
 * trial that is undone also forgets them. *count gets the cells withheld;
 * 0 when no candidate is left.
 */
static int protect(struct reg *r, struct stats *s, struct model *m, size_t bad,
		   struct cand *cands, unsigned char *seen, size_t *frontier, size_t *next,
		   long *save, size_t *count)
{
	struct undo u;
	size_t nc = candidates(s, m, bad % m->n, seen, frontier, next, cands, GATHER);
	int ret = CDOP_OK, safe = 0;

	*count = 0;
	if (!nc)
		return CDOP_OK;
	for (size_t t = 0; !ret && !safe && t < nc && t < TRIALS; t++) {
		memcpy(save, m->wmin, m->nvar * sizeof *save);
		memcpy(save + m->nvar, m->wmax, m->nvar * sizeof *save);
		withhold(s, m, cands[t].cell, &u);
		ret = check_cell(r, m, bad, &safe);
		if (!ret && safe) {
			*count = u.n;
			break;
		}
		withhold_undo(m, &u);
		memcpy(m->wmin, save, m->nvar * sizeof *save);
		memcpy(m->wmax, save + m->nvar, m->nvar * sizeof *save);
	}
	if (!ret && !safe) {
		withhold(s, m, cands[0].cell, &u);
		*count = u.n;
	}
	return ret;
}

/* ---- the model ---------------------------------------------------------------- */

static void model_free(struct model *m)
{
	if (m->lp)
		glp_delete_prob(m->lp);
	free(m->truth);
	free(m->lo);
	free(m->hi);
	free(m->need);
	free(m->safe);
	free(m->wmin);
	free(m->wmax);
	free(m->rel);
	free(m->term);
	free(m->elo);
	free(m->ehi);
	free(m->public_exact);
	free(m->group);
	free(m->is_total);
	free(m->off);
	free(m->sol);
	free(m->ind);
	free(m->val);
}

static int same_counts(const long *a, const long *b, size_t n)
{
	return !memcmp(a, b, n * sizeof *a);
}

/*
 * Versions, bounds and what must be protected. ver[e] is edition e's
 * version (the current edition is e = nearlier). Editions are oldest first.
 */
static int model_make(struct model *m, const struct stats_edition *ed, size_t ne)
{
	size_t *ver = calloc(ne, sizeof *ver), *first = calloc(ne, sizeof *first);
	int ret = DC_OK;

	if (!ver || !first) {
		ret = DC_ENOMEM;
		goto out;
	}
	for (size_t e = 0; e < ne; e++) {
		size_t v = 0;

		while (v < m->nv && !same_counts(ed[first[v]].count, ed[e].count, m->n))
			v++;
		if (v == m->nv)
			first[m->nv++] = e;
		ver[e] = v;
	}
	m->cur = ver[ne - 1];
	m->nvar = m->n * m->nv;
	m->truth = calloc(m->nvar, sizeof *m->truth);
	m->lo = calloc(m->nvar, sizeof *m->lo);
	m->hi = calloc(m->nvar, sizeof *m->hi);
	m->need = calloc(m->nvar, 1);
	m->safe = calloc(m->nvar, 1);
	m->wmin = calloc(m->nvar, sizeof *m->wmin);
	m->wmax = calloc(m->nvar, sizeof *m->wmax);
	m->sol = calloc(m->nvar, sizeof *m->sol);
	m->elo = calloc(m->n, sizeof *m->elo);
	m->ehi = calloc(m->n, sizeof *m->ehi);
	m->public_exact = calloc(m->n, 1);
	if (!m->elo || !m->ehi || !m->public_exact || !m->truth || !m->lo || !m->hi || !m->need || !m->safe || !m->wmin || !m->wmax ||
	    !m->sol) {
		ret = DC_ENOMEM;
		goto out;
	}
	for (size_t v = 0; v < m->nv; v++) {
		for (size_t i = 0; i < m->n; i++) {
			size_t j = v * m->n + i;

			m->truth[j] = ed[first[v]].count[i];
			if (m->truth[j] < 0 || m->truth[j] > CAP) {
				ret = DC_ERANGE;
				goto out;
			}
			m->lo[j] = 0;
			m->hi[j] = CAP;
		}
	}
	/* Bounds from every edition; then what to protect: hidden in some
	 * edition of the version and not shown exactly by an earlier one
	 * (that number is public already). */
	for (size_t i = 0; i < m->n; i++) {
		m->elo[i] = 0;
		m->ehi[i] = CAP;
	}
	for (size_t e = 0; e < ne; e++) {
		for (size_t i = 0; i < m->n; i++) {
			size_t j = ver[e] * m->n + i;
			long lo, hi;

			edition_bounds(ed[e].method, ed[e].state[i], ed[e].shown[i], &lo, &hi);
			if (ver[e] == m->cur && e + 1 < ne) {
				m->elo[i] = lo > m->elo[i] ? lo : m->elo[i];
				m->ehi[i] = hi < m->ehi[i] ? hi : m->ehi[i];
			}
			m->lo[j] = lo > m->lo[j] ? lo : m->lo[j];
			m->hi[j] = hi < m->hi[j] ? hi : m->hi[j];
			if (ed[e].state[i] != DC_CELL_SHOWN) {
				unsigned char need = ne == 1 && hidden_small(ed[e].method,
						ed[e].state[i], ed[e].count[i]) ? 2 : 1;
				if (need > m->need[j])
					m->need[j] = need;
			}
		}
	}
	for (size_t e = 0; e + 1 < ne; e++) {
		for (size_t i = 0; ed[e].method == DC_METHOD_DFE && i < m->n; i++) {
			if (ed[e].state[i] != DC_CELL_SHOWN)
				continue;
			m->need[ver[e] * m->n + i] = 0;
			if (ver[e] == m->cur)
				m->public_exact[i] = 1;
		}
	}
	for (size_t j = 0; j < m->nvar; j++) {
		if (m->truth[j] < m->lo[j] || m->truth[j] > m->hi[j]) {
			ret = DC_ETOTALS; /* an edition does not describe its own counts */
			goto out;
		}
		m->wmin[j] = m->wmax[j] = m->truth[j];
	}
	for (size_t v = 0; v < m->nv && ret == DC_OK; v++) {
		if (v == m->cur)
			m->cur_rel_first = m->nrel;
		ret = version_relations(m, v * m->n);
		if (v == m->cur)
			m->cur_rel_end = m->nrel;
	}
	for (size_t b = 0; b < m->nv && ret == DC_OK; b++)
		for (size_t a = 0; a < b && ret == DC_OK; a++)
			ret = version_links(m, a, b);
out:
	free(first);
	free(ver);
	return ret;
}

/* One audit of s with the editions earlier[0..nearlier-1]. */
static int audit_pass(struct reg *r, struct stats *s, const struct stats_edition *earlier,
		      size_t nearlier, struct stats_audit *out)
{
	struct model m;
	struct stats_edition *ed = NULL;
	unsigned char *seen = NULL;
	size_t *frontier = NULL, *next = NULL, maxlen = 0;
	struct cand *cands = NULL;
	long *save = NULL;
	int ret = CDOP_OK, err;

	memset(&m, 0, sizeof m);
	m.s = s;
	m.n = stats_ncells(s);
	ed = calloc(nearlier + 1, sizeof *ed);
	m.off = calloc(STATS_NTABLES, sizeof *m.off);
	m.group = calloc(m.n, sizeof *m.group);
	m.is_total = calloc(m.n, 1);
	seen = calloc(m.n, 1);
	cands = calloc(GATHER, sizeof *cands);
	frontier = calloc(m.n, sizeof *frontier);
	next = calloc(m.n, sizeof *next);
	if (!ed || !m.off || !m.group || !m.is_total || !seen || !frontier || !next || !cands) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t t = 1; t < STATS_NTABLES; t++)
		m.off[t] = m.off[t - 1] + s->tab[t - 1].t.rows * s->tab[t - 1].t.cols;
	for (size_t e = 0; e < nearlier; e++) {
		if (earlier[e].n != m.n) {
			ret = reg_fail(r, CDOP_ERR_INTERNAL, "disclosure audit: an earlier "
				       "edition has another shape");
			goto out;
		}
		ed[e] = earlier[e];
	}
	err = stats_edition_take(s, &ed[nearlier]);
	if (!err)
		err = model_make(&m, ed, nearlier + 1);
	if (err) {
		ret = reg_fail(r, err == DC_ENOMEM ? CDOP_ERR_NOMEM : CDOP_ERR_INTERNAL,
			       "disclosure audit: %s", dc_strerror(err));
		goto out;
	}
	groups_make(&m);
	for (size_t k = 0; k < m.nrel; k++)
		maxlen = m.rel[k].len > maxlen ? m.rel[k].len : maxlen;
	m.ind = calloc(maxlen + 1, sizeof *m.ind);
	m.val = calloc(maxlen + 1, sizeof *m.val);
	save = calloc(2 * m.nvar, sizeof *save);
	if (!m.ind || !m.val || !save || lp_build(&m)) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	glp_term_out(GLP_OFF);
	/* A protected cell this edition prints exactly (hidden by an earlier
	 * edition of the same data) is pinned by its own bound: withhold it
	 * without asking the solver. */
	for (size_t c = 0; c < m.n; c++) {
		size_t j = m.cur * m.n + c;
		struct undo u;

		if (m.need[j] && m.lo[j] == m.hi[j] && candidate(s, &m, c)) {
			withhold(s, &m, c, &u);
			out->withheld += u.n;
		}
	}
	for (;;) {
		size_t bad = SIZE_MAX, pick;

		/* Stop at the first cell left unsafe: once a cell is withheld,
		 * the others may already be safe. */
		ret = batch(r, &m);
		for (size_t j = 0; !ret && j < m.nvar && bad == SIZE_MAX; j++) {
			int safe;

			if (!m.need[j] || m.safe[j])
				continue;
			ret = check_cell(r, &m, j, &safe);
			m.safe[j] = (unsigned char)safe;
			if (!ret && !safe)
				bad = j;
		}
		if (ret || bad == SIZE_MAX)
			break;
		ret = protect(r, s, &m, bad, cands, seen, frontier, next, save, &pick);
		out->withheld += pick;
		if (ret)
			break;
		if (pick == 0) {
			size_t tab = 0, row = 0, col = 0;

			(void)stats_cell_at(s, bad % m.n, &tab, &row, &col);
			if (nearlier)
				ret = reg_fail(r, CDOP_ERR_CONFLICT, "disclosure audit: %s "
					       "row %s column %s could be worked out from this "
					       "edition together with the %zu public edition%s of "
					       "%s already written, whatever else is withheld; "
					       "nothing was published", s->tab[tab].id,
					       s->tab[tab].row_label[row],
					       s->tab[tab].col_label[col], nearlier,
					       nearlier == 1 ? "" : "s", s->year_text);
			else
				ret = reg_fail(r, CDOP_ERR_CONFLICT, "disclosure audit: %s "
					       "row %s column %s could be narrowed too far "
					       "whatever else is withheld; nothing was published",
					       s->tab[tab].id, s->tab[tab].row_label[row],
					       s->tab[tab].col_label[col]);
			break;
		}
	}
	if (!ret) {
		out->hidden = 0;
		for (size_t j = 0; j < m.nvar; j++)
			out->hidden += m.need[j] != 0;
		out->solves += m.solves;
		out->versions = m.nv;
	}
out:
	if (ed)
		stats_edition_release(&ed[nearlier]);
	free(ed);
	free(save);
	free(cands);
	free(next);
	free(frontier);
	free(seen);
	model_free(&m);
	return ret;
}

/*
 * Two passes. The edition alone: every hidden cell keeps two values at
 * least, and a cell hidden as a small count three. Then with the earlier
 * editions of the year, if any: every hidden cell, of every edition, keeps
 * two values. Three for small counts is not asked of the combination: what
 * the earlier editions publish is fixed, and under NHS every cell not
 * starred is known to be at least 8, so a later edition could not always
 * restore it; where even two values cannot be kept, the edition is refused.
 * Withholding only widens what a reader knows, so the second pass keeps
 * what the first proved.
 */
int stats_audit(struct reg *r, struct stats *s, const struct stats_edition *earlier,
		size_t nearlier, struct stats_audit *out)
{
	int ret;

	memset(out, 0, sizeof *out);
	if (s->method != DC_METHOD_DFE && s->method != DC_METHOD_NHS)
		return CDOP_OK; /* the board edition publishes nothing hidden */
	ret = audit_pass(r, s, NULL, 0, out);
	if (!ret && nearlier)
		ret = audit_pass(r, s, earlier, nearlier, out);
	/* GLPK keeps an environment per thread; the browser UI audits in a
	 * connection thread that then ends, so free it here (every problem
	 * object is already deleted). */
	glp_free_env();
	return ret;
}
