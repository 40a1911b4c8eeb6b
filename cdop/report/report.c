/*
 * cdop/report — `report annual`; see report.h.
 */
#include "cdop/report/report_int.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "crypto/secure.h"
#include "forms/date.h"

#include <ctype.h>
#include <errno.h>
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
		       "exact value, so rounded figures need not add up. Zero is shown as 0. "
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
static int learning_one(struct reg *r, int64_t case_id,
			const char *form, char **out)
{
	json_t *review = json_loads(form, 0, NULL), *n = NULL;
	const char *learning = json_string_value(json_object_get(review, "learning"));
	char *clean = NULL;
	int ret = CDOP_OK;

	*out = NULL;
	if (!review)
		return reg_fail(r, CDOP_ERR_DAMAGED, "a stored review cannot be read (JSON)");
	if (!json_is_true(json_object_get(review, "learning_publishable")) || !learning ||
	    !*learning)
		goto out;
	/* Keys by role: the child's identifiers are at hand only to a role
	 * holding K_id; an analyst's report is scrubbed by the generic rules
	 * alone (docs/security.md, residual risks). */
	if (store_has_id(r))
		ret = cases_notification(r, case_id, &n);
	if (ret)
		goto out;
	clean = anonymise_text(learning, n);
	*out = clean ? scrub_generic(clean) : NULL;
	if (!*out)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
out:
	wipe_free(clean);
	json_decref(n);
	json_decref(review);
	return ret;
}

/* Every publishable learning text of the year, scrubbed, in meeting order. */
static int learning_collect(struct reg *r, struct report_model *m)
{
	/* The meeting-date index gives this order without a sort. */
	static const char sql[] =
		"SELECT case_id, form FROM reviews WHERE meeting_date BETWEEN :first AND :last "
		"ORDER BY meeting_date, case_id";
	struct db_stmt q = DB_STMT_INIT;
	size_t alloc = 0;
	int ret = CDOP_OK, rc;

	db_prepare(r, &q, sql);
	db_bind_text(&q, ":first", m->s->first);
	db_bind_text(&q, ":last", m->s->last);
	while (!ret && db_step(&q) == DB_ROW) {
		const char *form = db_column_text(&q, 1);
		char *text = NULL;

		/* Stored forms are compact JSON: skip the rest unparsed. */
		if (!strstr(form, "\"learning_publishable\":true"))
			continue;
		ret = learning_one(r, db_column_int(&q, 0), form, &text);
		if (!ret && text)
			ret = learning_keep(r, m, text, &alloc);
	}
	rc = db_finalize(&q);
	return ret ? ret : rc;
}

static void model_release(struct report_model *m)
{
	for (size_t i = 0; i < m->nlearning; i++)
		wipe_free(m->learning[i]);
	free(m->learning);
	m->learning = NULL;
	m->nlearning = 0;
}

/* Everything the writers print, from the counts after disclosure control. */
static int model_make(struct reg *r, struct report_model *m)
{
	const struct stats *s = m->s;

	m->disclosure_note = disclosure_note(s->method);
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
	return learning_collect(r, m);
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

/* The report must not replace the register, its keyring or itself. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return a && b && !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
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
	if (same_file(o->out, r->st.path) || same_file(o->out, r->st.keys_path) ||
	    same_file(p->sig_path, r->st.path) || same_file(p->sig_path, r->st.keys_path))
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "out", "'%s' is the register or its "
			       "keyring; choose another file", o->out);
out:
	return ret;
}

/* ---- writing ---------------------------------------------------------------- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

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
	else if (!(in = fopen(o->tmp, "rb")))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot read back '%s': %s", o->tmp,
			       strerror(errno));
	if (!ret)
		ret = signing_sign_fp(r, k, in, tc, sig);
	if (in)
		fclose(in);
	return ret;
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
	int ret, cret;

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
	rp.file_name = base_name(o->out);
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
		ret = outfile_open(r, &rep, o->out, 0);
	}
	if (ret)
		goto out;
	ret = outfile_open(r, &sigf, p.sig_path, 0);
	/* One transaction: the counts, the file and its audit entry agree. */
	if (!ret) ret = db_begin(r);
	if (!ret) ret = stats_compute(r, p.year, &s);
	if (!ret) ret = stats_disclose(r, &s, (enum dc_method)p.method);
	if (!ret) ret = model_make(r, &rp);
	/* From here on no SQL: the writer formats the model. */
	if (!ret) write_body(&rp, p.format, rep.f);
	if (!ret) ret = sign_written(r, &k, &rep, res->trusted_comment, &sig);
	if (!ret && fputs(sig, sigf.f) < 0)
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", p.sig_path,
			       strerror(errno));
	if (!ret) ret = audit_append(r, "report", o->year, detail);
	if (!ret) ret = db_commit(r);
	if (ret)
		db_rollback(r);
	cret = outfile_close(r, &rep, !ret);
	if (!ret)
		ret = cret;
	cret = outfile_close(r, &sigf, !ret);
	if (!ret && cret) {
		/* Never a report without its signature beside it. */
		unlink(o->out);
		ret = cret;
	}
out:
	model_release(&rp);
	free(sig);
	free(p.sig_path);
	sign_key_wipe(&k);
	stats_release(&s);
	return ret;
}
