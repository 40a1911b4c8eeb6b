/*
 * cdop/report — `report annual`; see report.h.
 */
#include "cdop/report/report_int.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "crypto/file.h"
#include "crypto/secure.h"
#include "forms/date.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *disclosure_note(enum dc_method method)
{
	switch (method) {
	case DC_METHOD_DFE:
		return "Public edition. Counts of 1 to 5 are shown as x, and further counts "
		       "are withheld (also x) so that no withheld count can be worked out "
		       "from the totals of its row or column or from another table. "
		       "Zero is shown as 0. A percentage is withheld when a count it is "
		       "worked out from is withheld.";
	case DC_METHOD_NHS:
		return "Public edition. Counts of 1 to 7 are shown as *, and every other "
		       "count is rounded to the nearest 5; each total is rounded from its "
		       "exact value, so rounded figures need not add up. A count withheld so "
		       "that another cannot be worked out, small or not, is shown as x. Zero "
		       "is shown as 0. "
		       "A percentage is withheld when a count it is worked out from is "
		       "withheld, and otherwise worked out from the rounded counts.";
	default:
		return "Board edition: exact counts. Small numbers can identify children: "
		       "do not publish this edition; publish the public edition instead.";
	}
}

/* ---- learning ---------------------------------------------------------------- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

static size_t digits(const char *p, size_t max)
{
	size_t n = 0;

	while (n < max && is_digit(p[n]))
		n++;
	return n;
}

/* YYYY-MM-DD, or D/M/YY[YY] and D.M.YYYY: length matched, else 0. */
static size_t date_at(const char *p)
{
	size_t a = digits(p, 4), b = 0, c = 0, len = 0;

	if (a == 4 && p[4] == '-' && digits(p + 5, 2) == 2 && p[7] == '-' &&
	    digits(p + 8, 2) == 2 && !is_digit(p[10])) {
		len = 10;
	} else if (a >= 1 && a <= 2 && (p[a] == '/' || p[a] == '.')) {
		b = digits(p + a + 1, 2);
		if (b >= 1 && p[a + 1 + b] == p[a])
			c = digits(p + a + 2 + b, 4);
		if ((c == 4 || (c == 2 && p[a] == '/')) && !is_digit(p[a + 2 + b + c]))
			len = a + 2 + b + c;
	}
	return len;
}

/* A run of digit groups (single spaces or hyphens between them) with at
 * least 10 digits: an NHS number, a phone number. */
static size_t number_at(const char *p)
{
	size_t i = 0, total = 0, g;

	while ((g = digits(p + i, 64)) > 0) {
		total += g;
		i += g;
		if ((p[i] == ' ' || p[i] == '-') && is_digit(p[i + 1]))
			i++;
		else
			break;
	}
	return total >= 10 ? i : 0;
}

static int letter(char c)
{
	return isalpha((unsigned char)c) != 0;
}

/* A UK postcode: A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA
 * (either case), not followed by a letter or digit. */
static size_t postcode_at(const char *p)
{
	size_t i = 0, len = 0;

	if (letter(p[i])) {
		i++;
		if (letter(p[i]))
			i++;
		if (is_digit(p[i])) {
			i++;
			if (is_digit(p[i]) || letter(p[i]))
				i++;
			if (p[i] == ' ')
				i++;
			if (is_digit(p[i]) && letter(p[i + 1]) && letter(p[i + 2]) &&
			    !is_alnum(p[i + 3]))
				len = i + 3;
		}
	}
	return len;
}

/*
 * Beyond the child's own identifiers (anonymise_text): any date, long
 * number or postcode in published learning is someone's, so it goes too.
 * Matches start at a word boundary.
 */
static char *scrub_generic(const char *in)
{
	size_t n = strlen(in), o = 0, i = 0;
	char *out = malloc(n * 4 + 16); /* "[postcode]" (10) for a 5+ char match */

	while (out && in[i]) {
		const char *ph = NULL;
		size_t len = 0;

		if (i == 0 || !is_alnum(in[i - 1])) {
			if ((len = date_at(in + i)) > 0)
				ph = "[date]";
			else if ((len = number_at(in + i)) > 0)
				ph = "[number]";
			else if ((len = postcode_at(in + i)) > 0)
				ph = "[postcode]";
		}
		if (ph) {
			memcpy(out + o, ph, strlen(ph));
			o += strlen(ph);
			i += len;
		} else {
			out[o++] = in[i++];
		}
	}
	if (out)
		out[o] = 0;
	return out;
}

static void wipe_free(char *s)
{
	if (s) {
		secure_wipe(s, strlen(s));
		free(s);
	}
}

/* The model's list of learning texts, grown as they come. */
static int learning_keep(struct reg *r, struct report_model *m, char *text, size_t *alloc)
{
	if (m->nlearning == *alloc) {
		size_t n = *alloc ? 2 * *alloc : 16;
		char **p = realloc(m->learning, n * sizeof *p);

		if (!p) {
			wipe_free(text);
			return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		}
		m->learning = p;
		*alloc = n;
	}
	m->learning[m->nlearning++] = text;
	return CDOP_OK;
}

/* One review's learning, if publishable: scrubbed of the child's
 * identifiers (its notification read only then) and of any date, long
 * number or postcode. *out NULL when there is nothing to publish. */
/* Publishable learning that names an identifier the register holds is
 * left out and named to the user (issue 11): counted in the model, the
 * reference and kind of identifier in the result, never the word. */
static void learning_withhold(struct report_model *m, const char *ref,
			      const struct idcheck_match *hit)
{
	struct report_result *res = m->result;

	m->nwithheld++;
	if (res && res->nwithheld < REPORT_WITHHELD_MAX)
		snprintf(res->withheld[res->nwithheld], sizeof res->withheld[0],
			 "%s: %s", ref, hit->what);
	if (res)
		res->nwithheld++;
}

/*
 * Keys by role: a review written by a K_id holder is stored with the
 * child's identifiers replaced (cdop/panel/reviews.c review_scrub), so the
 * identifier check below cannot see them any more. A text that had one
 * still named the child: it is left out and counted like one the check
 * finds, whoever writes the report (an analyst holds no K_id). The
 * placeholders are anonymise_text's for identifiers, not scrub_generic's.
 */
static const char *learning_scrubbed(const char *text)
{
	static const struct {
		const char *mark, *what;
	} marks[] = {
		{ "[child]", "a name" },
		{ "[surname]", "a name" },
		{ "[NHS number]", "an NHS number" },
		{ "[postcode]", "a postcode" },
		{ "[address]", "an address" },
		{ "[date of birth]", "a date of birth" },
	};

	for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
		if (strstr(text, marks[i].mark))
			return marks[i].what;
	return NULL;
}

/* A publishable review of the year, read before any is checked. */
struct learning_row {
	int64_t case_id;
	char *ref, *state, *what;
	char *learning;     /* NULL when the form has none */
};

static const char *row_learning(const struct learning_row *l)
{
	return l->learning;
}

/* Whether the identifier check reads this row's learning. */
static int row_checked(const struct learning_row *l)
{
	const char *learning = row_learning(l);

	return learning && *learning && !strcmp(l->state, "checked") &&
	       !learning_scrubbed(learning);
}

static int learning_one(struct reg *r, struct report_model *m, const struct idset *ids,
			const struct learning_row *l, char **out)
{
	struct idcheck_match hit;
	int found;
	json_t *n = NULL;
	const char *learning = row_learning(l), *ref = l->ref, *state = l->state;
	const char *what = l->what;
	int64_t case_id = l->case_id;
	char *clean = NULL;
	int ret = CDOP_OK;

	*out = NULL;
	if (!learning || !*learning)
		goto out;
	memset(&hit, 0, sizeof hit);
	/* Migration 012: only text checked for identifiers is published. A
	 * flagged one is left out like a text the check finds; an unchecked
	 * one (written without K_id, not yet seen by a manager) is counted
	 * apart, without its case. */
	if (!strcmp(state, "flagged")) {
		hit.what = what ? what : "an identifier";
		learning_withhold(m, ref, &hit);
		goto out;
	}
	if (strcmp(state, "checked")) {
		m->nunchecked++;
		if (m->result)
			m->result->nunchecked++;
		goto out;
	}
	hit.what = learning_scrubbed(learning);
	if (hit.what) {
		learning_withhold(m, ref, &hit);
		goto out;
	}
	found = idset_find(ids, learning, r->ss.allow_words, r->ss.n_allow_words, &hit, NULL);
	if (found < 0) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (found) {
		learning_withhold(m, ref, &hit);
		goto out;
	}
	/* Keys by role: the child's identifiers are at hand only to a role
	 * holding K_id; an analyst's report is scrubbed by the generic rules
	 * alone (docs/security.md, residual risks). */
	if (store_has_id(r))
		ret = cases_id_fields(r, case_id, &n);
	if (ret)
		goto out;
	clean = anonymise_text(learning, n);
	*out = clean ? scrub_generic(clean) : NULL;
	if (!*out)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
out:
	wipe_free(clean);
	json_decref(n);
	return ret;
}

static void rows_free(struct learning_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].ref);
		free(v[i].state);
		free(v[i].what);
		wipe_free(v[i].learning);
	}
	free(v);
}

/* The year's reviews whose learning is publishable, in meeting order. */
static int learning_rows(struct reg *r, const struct stats *s, struct learning_row **out,
			 size_t *n)
{
	/* The meeting-date index gives this order without a sort. */
	static const char sql[] =
		"SELECT case_id, form, (SELECT ref FROM cases WHERE id = case_id), "
		"text_check, check_what "
		"FROM reviews WHERE meeting_date BETWEEN :first AND :last "
		"ORDER BY meeting_date, case_id";
	struct db_stmt q = DB_STMT_INIT;
	struct learning_row *v = NULL;
	size_t alloc = 0;
	int ret = CDOP_OK, rc;

	*n = 0;
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":first", s->first);
	db_bind_text(&q, ":last", s->last);
	while (!ret && db_step(&q) == DB_ROW) {
		const char *form = db_column_text(&q, 1), *ref = db_column_text(&q, 2);
		const char *what = db_column_text(&q, 4);
		const char *learning;
		json_t *review;
		struct learning_row *l;

		/* Stored forms are compact JSON: skip the rest unparsed. */
		if (!strstr(form, "\"learning_publishable\":true"))
			continue;
		review = json_loads(form, 0, NULL);
		if (!review) {
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "a stored review cannot be read "
				       "(JSON)");
			break;
		}
		if (!json_is_true(json_object_get(review, "learning_publishable"))) {
			json_decref(review);
			continue;
		}
		if (*n == alloc) {
			size_t k = alloc ? 2 * alloc : 64;
			struct learning_row *p = realloc(v, k * sizeof *p);

			if (!p) {
				json_decref(review);
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
				break;
			}
			v = p;
			alloc = k;
		}
		/* Only the text is kept: the year's forms are not held. */
		learning = json_string_value(json_object_get(review, "learning"));
		l = &v[(*n)++];
		l->case_id = db_column_int(&q, 0);
		l->learning = learning ? strdup(learning) : NULL;
		l->ref = strdup(ref ? ref : "");
		l->state = strdup(db_column_text(&q, 3));
		l->what = what ? strdup(what) : NULL;
		json_decref(review);
		if (!l->ref || !l->state || (what && !l->what) || (learning && !l->learning))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	rc = db_finalize(&q);
	*out = v;
	return ret ? ret : rc;
}

/*
 * Every publishable learning text of the year, scrubbed, in meeting order.
 * The identifier set holds only what these texts could name
 * (idset_load_for): its size follows the year's learning, not the
 * register.
 */
static int learning_collect(struct reg *r, struct report_model *m)
{
	struct learning_row *rows = NULL;
	struct idset *ids = NULL;
	const char **texts = NULL;
	size_t n = 0, nt = 0, alloc = 0;
	int ret = learning_rows(r, m->s, &rows, &n);

	if (!ret && n && !(texts = calloc(n, sizeof *texts)))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; !ret && i < n; i++)
		if (row_checked(&rows[i]))
			texts[nt++] = row_learning(&rows[i]);
	if (!ret)
		ret = idset_load_for(r, texts, nt, &ids);
	for (size_t i = 0; !ret && i < n; i++) {
		char *text = NULL;

		ret = learning_one(r, m, ids, &rows[i], &text);
		if (!ret && text)
			ret = learning_keep(r, m, text, &alloc);
	}
	free(texts);
	idset_free(ids);
	rows_free(rows, n);
	return ret;
}

static void model_release(struct report_model *m)
{
	for (size_t i = 0; i < m->nlearning; i++)
		wipe_free(m->learning[i]);
	free(m->learning);
	m->learning = NULL;
	m->nlearning = 0;
	narrative_release(&m->narrative);
}

/* ---- the audit (SPEC §5, docs/disclosure.md) ------------------------------ */

static void note_add(struct report_model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_add(struct report_model *m, const char *fmt, ...)
{
	size_t used = strlen(m->note);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->note + used, sizeof m->note - used, fmt, ap);
	va_end(ap);
}

/*
 * A public edition: audited together with every public edition of the
 * year written before it, cells withheld where needed, and remembered. The
 * note says what was proved.
 */
static int audit_public(struct reg *r, struct stats *s, struct report_model *m)
{
	struct edition_row *rows = NULL;
	struct stats_edition *ed = NULL;
	struct stats_audit a;
	size_t n = 0;
	int ret = editions_load(r, s, &rows, &n);

	if (!ret && n && !(ed = calloc(n, sizeof *ed)))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; !ret && i < n; i++)
		ed[i] = rows[i].e;
	if (!ret)
		ret = stats_audit(r, s, ed, n, &a);
	if (!ret)
		ret = editions_save(r, s, (long)a.withheld);
	if (!ret) {
		note_add(m, " Audited: with an exact integer-programming check, no withheld "
			 "count can be worked out to a single value from this edition");
		if (n)
			note_add(m, " together with the %zu earlier public edition%s of this "
				 "year", n, n == 1 ? "" : "s");
		note_add(m, ", using every published cell, the totals the tables share and "
			 "what each mark means (x: at least 1%s); on its own, this edition leaves "
			 "every small count withheld at least three possible values. The audit "
			 "withheld %zu cell%s beyond the rules.", s->method == DC_METHOD_NHS ?
			 "; *: 1 to 7; a rounded v: v-2 to v+2 and at least 8" : "",
			 a.withheld, a.withheld == 1 ? "" : "s");
	}
	free(ed);
	editions_free(rows, n);
	return ret;
}

/* The board edition names the public editions of its year and their audits. */
static int audit_board(struct reg *r, const struct stats *s, struct report_model *m)
{
	struct edition_row *rows = NULL;
	size_t n = 0;
	int ret = editions_load(r, s, &rows, &n);

	if (ret)
		return ret;
	if (!n)
		note_add(m, " No public edition of %s has been written yet. Each public "
			 "edition (DfE rules by default, or NHS) is audited before it is "
			 "written: an exact integer-programming check that no withheld count "
			 "can be worked out from it and every earlier public edition of the "
			 "year.", s->year_text);
	for (size_t i = 0; i < n; i++)
		note_add(m, "%s Public edition %zu of %s: %s rules, written %.10s%s; audit "
			 "passed (no withheld count can be worked out from it and the earlier "
			 "editions), %ld cell%s withheld beyond the rules.",
			 i ? "" : " Public editions so far:", i + 1, s->year_text,
			 rows[i].e.method == DC_METHOD_NHS ? "NHS" : "DfE",
			 rows[i].written_at, strcmp(rows[i].counted_to, s->year_end) < 0 ?
			 " (interim)" : "", rows[i].extra, rows[i].extra == 1 ? "" : "s");
	editions_free(rows, n);
	return ret;
}

/* Everything the writers print, from the counts after disclosure control. */
static int model_make(struct reg *r, struct report_model *m)
{
	const struct stats *s = m->s;

	m->disclosure_note = m->note;
	for (size_t t = 0; t < STATS_NTABLES; t++) {
		for (size_t i = 0; i < STATS_ROWS_MAX; i++) {
			for (size_t j = 0; j < STATS_COLS_MAX; j++) {
				struct stats_cell *c = &m->cell[t][i][j];

				if (stats_cell_get(s, t, i, j, c)) {
					memset(c, 0, sizeof *c);
					c->kind = STATS_CELL_NONE;
					strcpy(c->text, "-");
				}
			}
		}
	}
	{
		int ret = learning_collect(r, m);

		if (!ret)
			ret = report_trend_make(r, m);
		return ret;
	}
}

/* The narrative: plain text (line ends and tabs apart), free of every
 * identifier the register holds (as learning), then parsed. */
static int narrative_accept(struct reg *r, struct report_model *m, const char *md)
{
	struct idset *ids = NULL;
	int ret;

	if (!md)
		return CDOP_OK;
	for (const char *p = md; *p; p++)
		if (((unsigned char)*p < 0x20 && !strchr("\n\r\t", *p)) || *p == 0x7f)
			return reg_fail_field(r, CDOP_ERR_INPUT, "narrative", "control "
					      "characters are not allowed; give Markdown text");
	if (strlen(md) > 65536)
		return reg_fail_field(r, CDOP_ERR_INPUT, "narrative", "longer than 64 KiB; "
				      "a foreword and priorities fit in a few pages");
	ret = idset_load_for(r, &md, 1, &ids);
	if (!ret)
		ret = idcheck_text(r, ids, "narrative", md, NULL);
	idset_free(ids);
	if (!ret && narrative_parse(md, &m->narrative))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret)
		m->narrative_md = md;
	return ret;
}

/* ---- options ------------------------------------------------------------------ */

enum report_format { FMT_HTML, FMT_CSV, FMT_JSON, FMT_MD };

struct choice {
	const char *name;
	int value;
};

static int choose(struct reg *r, const char *field, const char *v, const struct choice *c,
		  size_t n, const char *valid, int *out)
{
	int ret = CDOP_ERR_INPUT;

	for (size_t i = 0; v && i < n && ret; i++) {
		if (!strcmp(v, c[i].name)) {
			*out = c[i].value;
			ret = CDOP_OK;
		}
	}
	if (ret)
		ret = reg_fail_field(r, CDOP_ERR_INPUT, field, "'%s' is not valid; give %s",
				     v ? v : "", valid);
	return ret;
}

struct parsed {
	int year;
	int edition;
	int method;
	int format;
	char *sig_path;
};

static int parse_opts(struct reg *r, const struct report_opts *o, struct parsed *p)
{
	static const struct choice editions[] = {
		{ "board", REPORT_BOARD }, { "public", REPORT_PUBLIC },
	};
	static const struct choice methods[] = {
		{ "dfe", DC_METHOD_DFE }, { "nhs", DC_METHOD_NHS },
	};
	static const struct choice formats[] = {
		{ "html", FMT_HTML }, { "csv", FMT_CSV }, { "json", FMT_JSON }, { "md", FMT_MD },
	};
	char today[11];
	struct cdate t;
	size_t n;
	int ret = CDOP_OK;

	memset(p, 0, sizeof *p);
	reg_today(r, today);
	if (!o->year || date_report_year_parse(o->year, &p->year))
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "year", "'%s' is not a reporting year; give "
			       "YYYY-YY, the year from 1 April to 31 March (e.g. 2025-26)",
			       o->year ? o->year : "");
	else if (!date_parse(today, &t) && p->year > date_report_year_of(&t))
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "year", "%s has not started yet (today is "
			       "%s)", o->year, today);
	if (!ret)
		ret = choose(r, "edition", o->edition, editions, 2, "board or public",
			     &p->edition);
	if (!ret && o->disclosure && p->edition == REPORT_BOARD)
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "disclosure", "only the public edition has "
			       "disclosure control; choose the public edition, or "
			       "give no disclosure for the board edition");
	p->method = p->edition == REPORT_PUBLIC ? DC_METHOD_DFE : DC_METHOD_NONE;
	if (!ret && o->disclosure)
		ret = choose(r, "disclosure", o->disclosure, methods, 2, "dfe or nhs",
			     &p->method);
	if (!ret)
		ret = choose(r, "format", o->format, formats, 4, "html, csv, json or md",
			     &p->format);
	if (!ret && (!o->out || !*o->out || !strcmp(o->out, "-")))
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "out", "give a file path (the report is "
			       "signed into PATH.minisig beside it, so it cannot go to "
			       "standard output)");
	if (ret)
		goto out;
	n = strlen(o->out);
	p->sig_path = malloc(n + sizeof ".minisig");
	if (!p->sig_path) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(p->sig_path, o->out, n);
	memcpy(p->sig_path + n, ".minisig", sizeof ".minisig");
	/* (Neither may be the register's own files: outfile_open refuses.) */
out:
	return ret;
}

/* ---- writing ---------------------------------------------------------------- */

static void write_body(const struct report_model *m, int format, FILE *f)
{
	switch (format) {
	case FMT_HTML: report_write_html(m, f); break;
	case FMT_CSV: report_write_csv(m, f); break;
	case FMT_JSON: report_write_json(m, f); break;
	default: report_write_md(m, f);
	}
}

/* Flush the written report and sign what is on disk. */
static int sign_written(struct reg *r, const struct sign_key *k, struct outfile *o,
			const char *tc, char **sig)
{
	FILE *in = NULL;
	int ret = CDOP_OK;

	if (fflush(o->f) || ferror(o->f))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", o->path,
			       strerror(errno));
	else {
		int fd = outfile_read_fd(o);

		if (fd < 0 || !(in = fdopen(fd, "rb"))) {
			if (fd >= 0)
				close(fd);
			ret = reg_fail(r, CDOP_ERR_IO, "cannot read back '%s': %s",
				       o->path, strerror(errno));
		}
	}
	if (!ret)
		ret = signing_sign_fp(r, k, in, tc, sig);
	if (in)
		fclose(in);
	return ret;
}

/*
 * A report killed between naming its signature and naming the report
 * leaves PATH.minisig alone. Without --force, such a signature (a regular
 * file, this register's, with no PATH beside it) may be replaced, so the
 * same command can simply be run again.
 */
static int leftover_signature(struct reg *r, const struct report_opts *o,
			      const char *sig_path, const char *idhex)
{
	char buf[2048], want[128];
	struct stat st;
	size_t n;
	FILE *f;

	(void)r;
	if (o->force || !lstat(o->out, &st) || lstat(sig_path, &st) ||
	    !S_ISREG(st.st_mode) || st.st_size > (off_t)sizeof buf - 1)
		return 0;
	f = fopen(sig_path, "rb");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	snprintf(want, sizeof want, "\ntrusted comment: cdop register:%s ", idhex);
	return strstr(buf, want) != NULL;
}

static const char *const format_names[] = { "html", "csv", "json", "md" };

int report_annual(struct reg *r, const struct report_opts *o, struct report_result *res)
{
	struct stats s;
	struct report_model rp;
	struct parsed p;
	struct sign_key k = SIGN_KEY_INIT;
	struct outfile rep = OUTFILE_INIT, sigf = OUTFILE_INIT;
	char now[21], idhex[2 * KEYRING_ID_BYTES + 1], detail[64], *sig = NULL;
	char head_hex[65];
	int64_t head_n = 0;
	int mode = o->force ? OUTFILE_REPLACE : OUTFILE_EXCL, ret;

	memset(res, 0, sizeof *res);
	stats_init(&s);
	memset(&rp, 0, sizeof rp);
	ret = parse_opts(r, o, &p);
	if (ret)
		goto out;
	rp.s = &s;
	rp.edition = (enum report_edition)p.edition;
	rp.edition_name = p.edition == REPORT_PUBLIC ? "public" : "board";
	rp.disclosure_name = p.method == DC_METHOD_DFE ? "dfe" :
			     p.method == DC_METHOD_NHS ? "nhs" : "none";
	rp.file_name = file_base(o->out);
	/* Issue 11: a manager's report first checks text written without K_id
	 * since the unlock (the browser UI's session outlives it); without
	 * K_id nothing is done and such text is left out, counted. */
	ret = idcheck_pending(r, 0);
	if (ret)
		goto out;
	reg_today(r, rp.produced);
	reg_now(now);
	signing_register_id(r, idhex, sizeof idhex);
	/* The audit head before this report's own entry: a witness against a
	 * cut tail (audit verify --witness). */
	ret = audit_head(r, &head_n, head_hex);
	if (ret)
		goto out;
	snprintf(res->trusted_comment, sizeof res->trusted_comment,
		 "cdop register:%s year:%s edition:%s time:%s audit:%lld:%s", idhex,
		 o->year, rp.edition_name, now, (long long)head_n,
		 head_hex[0] ? head_hex :
		 "0000000000000000000000000000000000000000000000000000000000000000");
	snprintf(detail, sizeof detail, "%s%s%s/%s", rp.edition_name,
		 p.method == DC_METHOD_NONE ? "" : "/",
		 p.method == DC_METHOD_NONE ? "" : rp.disclosure_name, format_names[p.format]);

	ret = signing_key(r, &k);
	if (!ret) {
		sign_keyid_hex(k.pub.key_id, rp.keyid);
		memcpy(res->keyid, rp.keyid, sizeof res->keyid);
		ret = outfile_open(r, &rep, o->out, mode);
	}
	if (ret)
		goto out;
	ret = outfile_open(r, &sigf, p.sig_path,
			   leftover_signature(r, o, p.sig_path, idhex) ? OUTFILE_REPLACE : mode);
	/* One transaction: the counts, the file and its audit entry agree. */
	if (!ret) ret = db_begin(r);
	if (!ret) ret = stats_compute(r, p.year, &s);
	if (!ret) ret = stats_disclose(r, &s, (enum dc_method)p.method);
	rp.result = res;
	if (!ret) ret = narrative_accept(r, &rp, o->narrative);
	if (!ret) {
		if (s.interim)
			snprintf(rp.note, sizeof rp.note, "Interim: the year has not ended; "
				 "figures count what had happened by %s. ", s.last);
		note_add(&rp, "%s", disclosure_note(s.method));
		ret = p.edition == REPORT_PUBLIC ? audit_public(r, &s, &rp) :
						  audit_board(r, &s, &rp);
	}
	if (!ret) ret = model_make(r, &rp);
	/* From here on no SQL: the writer formats the model. */
	if (!ret) write_body(&rp, p.format, rep.f);
	if (!ret) ret = sign_written(r, &k, &rep, res->trusted_comment, &sig);
	if (!ret && fputs(sig, sigf.f) < 0)
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", p.sig_path,
			       strerror(errno));
	/* Both complete on disk, still unnamed, before the entry commits. */
	if (!ret) ret = outfile_finish(r, &rep);
	if (!ret) ret = outfile_finish(r, &sigf);
	if (!ret) ret = audit_append(r, "report", o->year, detail);
	if (!ret) ret = db_commit(r);
	if (ret)
		db_rollback(r);
	/*
	 * Named after the commit, signature first: a kill between the two
	 * leaves a signature with no report (inert; the next report to PATH
	 * replaces it), never a report without its signature. If the report
	 * cannot be named, the new signature is removed again.
	 */
	if (!ret) {
		ret = outfile_place(r, &sigf);
		if (!ret && (ret = outfile_place(r, &rep)))
			unlink(p.sig_path);
	}
	(void)outfile_close(r, &rep, 0);
	(void)outfile_close(r, &sigf, 0);
out:
	model_release(&rp);
	free(sig);
	free(p.sig_path);
	sign_key_wipe(&k);
	stats_release(&s);
	return ret;
}
