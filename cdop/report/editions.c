/*
 * cdop/report/editions.c — the public editions the register has written
 * (schema 010, table `editions`); see report.h ("editions").
 *
 * Each edition is kept as what it printed for every count cell and the
 * exact counts it was made from, table by table with the row and column
 * labels, so a later edition of the same year can be audited together with
 * it (stats_audit). An edition whose tables no longer have the shape this
 * cdop counts (a code list changed) cannot be modelled: the report then
 * fails rather than publish without the audit.
 */
#include "cdop/report/report.h"
#include "cdop/store/store.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const policy_names[] = { "none", "dfe", "nhs" };

/* The published text of a cell of e: a number, "x" or "*". */
static void published_text(const struct stats_edition *e, size_t i, char *buf, size_t len)
{
	if (e->state[i] == DC_CELL_SHOWN)
		snprintf(buf, len, "%ld", e->shown[i]);
	else if (e->method == DC_METHOD_NHS && e->state[i] == DC_CELL_PRIMARY)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "x");
}

static json_t *labels(const char *const *l, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(l[i]));
	return a;
}

/* The edition as the JSON of the `cells` column. */
static char *edition_json(const struct stats *s, const struct stats_edition *e)
{
	json_t *root = json_object();
	size_t i = 0;
	char *out = NULL;

	for (size_t tab = 0; root && tab < STATS_NTABLES; tab++) {
		const struct stats_table *t = &s->tab[tab];
		json_t *o = json_object(), *pub = json_array(), *cnt = json_array();

		json_object_set_new(o, "rows", labels(t->row_label, t->t.rows));
		json_object_set_new(o, "columns", labels(t->col_label, t->t.cols));
		for (size_t r = 0; r < t->t.rows; r++) {
			json_t *pr = json_array(), *cr = json_array();

			for (size_t c = 0; c < t->t.cols; c++, i++) {
				char buf[24];

				published_text(e, i, buf, sizeof buf);
				json_array_append_new(pr, json_string(buf));
				json_array_append_new(cr, json_integer(e->count[i]));
			}
			json_array_append_new(pub, pr);
			json_array_append_new(cnt, cr);
		}
		json_object_set_new(o, "published", pub);
		json_object_set_new(o, "count", cnt);
		json_object_set_new(root, t->id, o);
	}
	if (root)
		out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return out;
}

int editions_save(struct reg *r, const struct stats *s, long extra)
{
	static const char sql[] =
		"INSERT INTO editions(year, policy, written_at, counted_to, extra, cells) "
		"VALUES (:year, :policy, :at, :to, :extra, :cells)";
	struct stats_edition e = STATS_EDITION_INIT;
	struct db_stmt q = DB_STMT_INIT;
	char now[21], *cells = NULL;
	int ret;

	if (s->method != DC_METHOD_DFE && s->method != DC_METHOD_NHS)
		return CDOP_OK;
	if (stats_edition_take(s, &e) || !(cells = edition_json(s, &e))) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	reg_now(now);
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":year", s->year_text);
	db_bind_text(&q, ":policy", policy_names[s->method]);
	db_bind_text(&q, ":at", now);
	db_bind_text(&q, ":to", s->last);
	db_bind_int(&q, ":extra", extra);
	db_bind_text(&q, ":cells", cells);
	db_step(&q);
	ret = db_finalize(&q);
out:
	free(cells);
	stats_edition_release(&e);
	return ret;
}

static int label_is(json_t *a, size_t i, const char *want)
{
	const char *v = json_string_value(json_array_get(a, i));

	return v && !strcmp(v, want);
}

/* One stored edition into e; 0, or -1 when it does not fit s's tables. */
static int edition_parse(const struct stats *s, const char *policy, const char *cells,
			 struct stats_edition *e)
{
	json_t *root = json_loads(cells, 0, NULL);
	size_t i = 0;
	int bad = !root;

	e->method = !strcmp(policy, "nhs") ? DC_METHOD_NHS : DC_METHOD_DFE;
	for (size_t tab = 0; !bad && tab < STATS_NTABLES; tab++) {
		const struct stats_table *t = &s->tab[tab];
		json_t *o = json_object_get(root, t->id);
		json_t *rows = json_object_get(o, "rows"), *cols = json_object_get(o, "columns");
		json_t *pub = json_object_get(o, "published"), *cnt = json_object_get(o, "count");

		bad = json_array_size(rows) != t->t.rows || json_array_size(cols) != t->t.cols;
		for (size_t r = 0; !bad && r < t->t.rows; r++)
			bad = !label_is(rows, r, t->row_label[r]);
		for (size_t c = 0; !bad && c < t->t.cols; c++)
			bad = !label_is(cols, c, t->col_label[c]);
		for (size_t r = 0; !bad && r < t->t.rows; r++) {
			for (size_t c = 0; !bad && c < t->t.cols; c++, i++) {
				const char *p = json_string_value(
					json_array_get(json_array_get(pub, r), c));
				json_t *n = json_array_get(json_array_get(cnt, r), c);
				char *end;

				bad = !p || !json_is_integer(n) || json_integer_value(n) < 0;
				if (bad)
					break;
				e->count[i] = (long)json_integer_value(n);
				e->state[i] = DC_CELL_SHOWN;
				if (!strcmp(p, "*")) {
					e->state[i] = DC_CELL_PRIMARY;
				} else if (!strcmp(p, "x")) {
					/* Under DfE a small count is the rule's, a larger
					 * one withheld to protect another. */
					e->state[i] = e->method == DC_METHOD_DFE &&
						      e->count[i] <= 5 ? DC_CELL_PRIMARY :
						      DC_CELL_SECONDARY;
				} else {
					e->shown[i] = strtol(p, &end, 10);
					bad = *p == 0 || *end != 0;
				}
			}
		}
	}
	json_decref(root);
	return bad ? -1 : 0;
}

void editions_free(struct edition_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		stats_edition_release(&rows[i].e);
	free(rows);
}

int editions_load(struct reg *r, const struct stats *s, struct edition_row **out, size_t *n)
{
	static const char sql[] =
		"SELECT id, policy, written_at, counted_to, extra, cells FROM editions "
		"WHERE year = :year ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	struct edition_row *rows = NULL;
	size_t alloc = 0, ncells = stats_ncells(s);
	int ret = CDOP_OK, rc;

	*out = NULL;
	*n = 0;
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":year", s->year_text);
	while (!ret && db_step(&q) == DB_ROW) {
		struct edition_row *e;

		if (*n == alloc) {
			size_t na = alloc ? alloc * 2 : 4;
			struct edition_row *p = realloc(rows, na * sizeof *p);

			if (!p) {
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
				break;
			}
			rows = p;
			alloc = na;
		}
		e = &rows[*n];
		memset(e, 0, sizeof *e);
		if (stats_edition_alloc(&e->e, ncells)) {
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			break;
		}
		(*n)++;
		snprintf(e->written_at, sizeof e->written_at, "%s", db_column_text(&q, 2));
		snprintf(e->counted_to, sizeof e->counted_to, "%s", db_column_text(&q, 3));
		e->extra = (long)db_column_int(&q, 4);
		if (edition_parse(s, db_column_text(&q, 1), db_column_text(&q, 5), &e->e))
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "public edition %lld of %s, written "
				       "%s, does not match the tables this cdop counts, so a new "
				       "edition cannot be audited against it",
				       (long long)db_column_int(&q, 0), s->year_text,
				       e->written_at);
	}
	rc = db_finalize(&q);
	if (!ret)
		ret = rc;
	if (ret) {
		editions_free(rows, *n);
		rows = NULL;
		*n = 0;
	}
	*out = rows;
	return ret;
}
