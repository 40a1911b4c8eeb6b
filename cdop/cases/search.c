/*
 * search: the manager's "find that child" (SPEC §2). One query text is
 * tried as every kind of identifier at once; a case matches when any of
 * them does. Names live only in the sealed notification; the identifier
 * fields are also kept apart as a short sealed text (case_ids.ids,
 * migrations 016 and 017), so a search opens those and reads the whole
 * notification (cases_notification, the one reader) only of the cases
 * that match, or of a case whose ids are not there (written before 016)
 * or cannot be opened. The identifiers are prepared once into an index
 * (below); the browser UI's manager keeps it between searches while the
 * register's identifiers are unchanged (cases_search_in; migration 019).
 */
#include "cdop/cases/cases.h"
#include "cdop/cases/cases_int.h"
#include "cdop/store/store.h"
#include "forms/date.h"
#include "forms/form.h"
#include "crypto/secure.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the query text can be, worked out once. */
struct query {
	char text[SEARCH_TEXT_MAX];    /* lower case, spaces squeezed */
	char compact[SEARCH_TEXT_MAX]; /* lower case, no spaces (NHS number, postcode) */
	char dob[DATE_BUFLEN];         /* as a date, or "" */
	int digits;                    /* compact is all digits */
};

/* Lower case with runs of white space as one space, trimmed. */
static void squeeze(const char *in, char *out, size_t len, int drop_spaces)
{
	size_t n = 0;
	int space = 0;

	for (; *in && n + 1 < len; in++) {
		unsigned char ch = (unsigned char)*in;

		if (isspace(ch)) {
			space = n > 0;
			continue;
		}
		if (space && !drop_spaces && n + 2 < len)
			out[n++] = ' ';
		space = 0;
		out[n++] = (char)tolower(ch);
	}
	out[n] = '\0';
}

static int query_make(struct reg *r, const char *text, struct query *q)
{
	struct cdate d;
	size_t i;

	memset(q, 0, sizeof *q);
	if (!text || strlen(text) >= SEARCH_TEXT_MAX)
		return reg_fail_field(r, CDOP_ERR_INPUT, "text", "give a name, NHS "
				      "number, date of birth, postcode or reference "
				      "(at most %d characters)", SEARCH_TEXT_MAX - 1);
	squeeze(text, q->text, sizeof q->text, 0);
	squeeze(text, q->compact, sizeof q->compact, 1);
	if (strlen(q->compact) < 2)
		return reg_fail_field(r, CDOP_ERR_INPUT, "text", "'%s' is too short to "
				      "search for: give at least two characters", text);
	q->digits = 1;
	for (i = 0; q->compact[i]; i++)
		if (!isdigit((unsigned char)q->compact[i]))
			q->digits = 0;
	/* "today" is no one's date of birth here. */
	if (date_input_parse(q->text, NULL, &d) == DATE_OK)
		date_format(&d, q->dob);
	return CDOP_OK;
}

/* The identifiers a search compares, "" when absent. */
struct ident {
	const char *forename, *surname, *nhs, *dob, *postcode;
};

static const char *str_at(const json_t *n, const char *path)
{
	const char *s = json_string_value(form_json_get(n, path));

	return s ? s : "";
}

static void ident_of_notification(const json_t *n, struct ident *id)
{
	id->forename = str_at(n, "child.forename");
	id->surname = str_at(n, "child.surname");
	id->nhs = str_at(n, "child.nhs_number");
	id->dob = str_at(n, "child.date_of_birth");
	id->postcode = str_at(n, "child.postcode");
}

static void ident_of_fields(const char *const f[IDSET_FIELDS], struct ident *id)
{
	id->forename = f[IDF_FORENAME] ? f[IDF_FORENAME] : "";
	id->surname = f[IDF_SURNAME] ? f[IDF_SURNAME] : "";
	id->nhs = f[IDF_NHS] ? f[IDF_NHS] : "";
	id->dob = f[IDF_DOB] ? f[IDF_DOB] : "";
	id->postcode = f[IDF_POSTCODE] ? f[IDF_POSTCODE] : "";
}

/*
 * A case as a search compares it, worked out once: the reference as given
 * and without spaces, the NHS number and date of birth as stored, the
 * postcode without spaces and its outward code ("" unless it has a space),
 * and "forename surname" in lower case with spaces squeezed. Seven
 * strings (index_add keeps them one after another, each NUL-terminated).
 * An outward code is at most OUTWARD_MAX - 1 characters (longer: cut).
 */
enum { P_REF, P_REFC, P_NHS, P_DOB, P_PC, P_OUTWARD, P_NAME, P_FIELDS };
#define OUTWARD_MAX 16

/* The prepared fields of ident as seven strings in out[]. */
static void prepare(const char *ref, const struct ident *id,
		    char out[P_FIELDS][SEARCH_TEXT_MAX * 2])
{
	char name[256];
	const char *pc = id->postcode;
	size_t k;

	snprintf(out[P_REF], sizeof out[P_REF], "%s", ref);
	squeeze(ref, out[P_REFC], sizeof out[P_REFC], 1);
	snprintf(out[P_NHS], sizeof out[P_NHS], "%s", id->nhs);
	snprintf(out[P_DOB], sizeof out[P_DOB], "%s", id->dob);
	squeeze(pc, out[P_PC], sizeof out[P_PC], 1);
	/* the outward code alone ("SN1") */
	for (k = 0; pc[k] && !isspace((unsigned char)pc[k]) && k + 1 < OUTWARD_MAX; k++)
		out[P_OUTWARD][k] = (char)tolower((unsigned char)pc[k]);
	out[P_OUTWARD][strchr(pc, ' ') ? k : 0] = '\0';
	snprintf(name, sizeof name, "%s %s", id->forename, id->surname);
	squeeze(name, out[P_NAME], sizeof out[P_NAME], 0);
}

/* Which identifier of the prepared case f[] the query matches, or NULL.
 * An empty prepared field never matches: the query has two characters. */
static const char *match(const struct query *q, const char *const f[P_FIELDS])
{
	if (strstr(f[P_REFC], q->compact))
		return "reference";
	if (q->digits && strlen(q->compact) == 10 && !strcmp(f[P_NHS], q->compact))
		return "nhs_number";
	if (q->dob[0] && !strcmp(f[P_DOB], q->dob))
		return "date_of_birth";
	if (!strcmp(f[P_PC], q->compact) || !strcmp(f[P_OUTWARD], q->text))
		return "postcode";
	if (q->digits)
		return NULL;
	if (strstr(f[P_NAME], q->text))
		return "name";
	return NULL;
}

/* "Forename Surname" of the child of case REF, from its short sealed ids
 * (case_ids) when they open, else from the notification; a part not given
 * is "". Identifiable: the caller audits what it shows. */
int cases_child_name(struct reg *r, const char *ref, char *out, size_t len)
{
	static const char sql[] = "SELECT c.id, i.ids FROM cases c "
		"LEFT JOIN case_ids i ON i.case_id = c.id WHERE c.ref = :ref";
	struct db_stmt q = DB_STMT_INIT;
	struct opened_ids o;
	json_t *n = NULL;
	int64_t id = 0;
	int ret, found, done = 0;

	db_prepare(r, &q, sql);
	db_bind_text(&q, ":ref", ref);
	found = db_step(&q) == DB_ROW;
	if (found) {
		size_t blen = 0;
		const void *blob = db_column_is_null(&q, 1) ? NULL : db_column_blob(&q, 1, &blen);

		id = db_column_int(&q, 0);
		if (ids_open(r, id, blob, blen, &o) == 0) {
			snprintf(out, len, "%s %s", o.f[IDF_FORENAME] ? o.f[IDF_FORENAME] : "",
				 o.f[IDF_SURNAME] ? o.f[IDF_SURNAME] : "");
			done = 1;
		}
		ids_release(&o);
	}
	ret = db_finalize(&q);
	if (ret || done)
		return ret;
	if (!found)
		return reg_fail(r, CDOP_ERR_NOTFOUND, "no case %s", ref);
	ret = cases_notification(r, id, &n);
	if (!ret)
		snprintf(out, len, "%s %s", str_at(n, "child.forename"), str_at(n, "child.surname"));
	json_decref(n);
	return ret;
}

/* A match and where it sorts: notified latest first, then by reference. */
struct hit {
	char notified[DATE_BUFLEN];
	json_t *row;
};

static int hit_order(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int c = strcmp(y->notified, x->notified);

	return c ? c : strcmp(json_string_value(json_object_get(x->row, "ref")),
			      json_string_value(json_object_get(y->row, "ref")));
}

/* The row shown for a match of case id (why it matched), from its
 * notification and its columns (read by c, bound here). */
static int hit_make(struct reg *r, struct db_stmt *c, int64_t id, const char *ref,
		    const json_t *n, const char *why, struct hit *h)
{
	const json_t *child = json_object_get(n, "child");
	int ret;

	h->row = NULL;
	db_bind_int(c, ":id", id);
	if (db_step(c) != DB_ROW) {
		ret = db_reset(c);
		return ret ? ret : reg_fail(r, CDOP_ERR_NOTFOUND, "no case with id %" PRId64, id);
	}
	snprintf(h->notified, sizeof h->notified, "%s", db_column_text(c, 2));
	h->row = json_pack("{s:s, s:s, s:O, s:O, s:O, s:s, s:s}",
			   "ref", ref, "status", db_column_text(c, 0),
			   "forename", json_object_get(child, "forename"),
			   "surname", json_object_get(child, "surname"),
			   "date_of_birth", json_object_get(child, "date_of_birth"),
			   "death_date", db_column_text(c, 1), "matched", why);
	ret = db_reset(c);
	if (h->row && json_object_get(child, "nhs_number"))
		json_object_set(h->row, "nhs_number", json_object_get(child, "nhs_number"));
	if (h->row && json_object_get(child, "postcode"))
		json_object_set(h->row, "postcode", json_object_get(child, "postcode"));
	if (!ret && !h->row)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	return ret;
}

/*
 * The search index: every case prepared (above), in guarded memory
 * (secure_alloc: locked, wiped when freed). A case whose sealed ids cannot
 * decide (none, or not opened) is kept by its reference alone and its
 * notification decides at each search, as before. version is meta's
 * ids_version and the greatest case id when the index was made: migration
 * 019 gives ids_version a new random value at every change of case_ids'
 * ids or of a case's reference, and a new case has a greater id, so an
 * index is used only for the state of the register it was made from (a
 * restored copy included), whatever the clock says.
 */
struct search_entry {
	int64_t id;
	uint32_t off;       /* its prepared strings in text */
	uint32_t undecided; /* only P_REF is there */
};

struct search_index {
	char version[IDS_VERSION_MAX];
	struct search_entry *e;
	size_t n, ecap;
	char *text;
	size_t len, tcap;
};

/* Room for need more units in the secure buffer *p (used of *cap taken). */
static int secure_grow(void **p, size_t used, size_t *cap, size_t need, size_t unit)
{
	size_t ncap = *cap ? *cap : 65536 / unit;
	void *np;

	if (used + need <= *cap)
		return 0;
	while (used + need > ncap)
		ncap *= 2;
	np = secure_alloc(ncap * unit);
	if (!np)
		return -1;
	if (*p)
		memcpy(np, *p, used * unit);
	secure_free(*p);
	*p = np;
	*cap = ncap;
	return 0;
}

/* The secure buffer *p cut to the used units (its room was doubled). */
static int secure_fit(void **p, size_t used, size_t *cap, size_t unit)
{
	void *np;

	if (!*p || used == *cap)
		return 0;
	np = secure_alloc(used ? used * unit : 1);
	if (!np)
		return -1;
	memcpy(np, *p, used * unit);
	secure_free(*p);
	*p = np;
	*cap = used;
	return 0;
}

void cases_search_index_free(struct search_index *ix)
{
	if (!ix)
		return;
	secure_free(ix->e);
	secure_free(ix->text);
	free(ix);
}

size_t cases_search_index_bytes(const struct search_index *ix)
{
	return ix ? ix->ecap * sizeof *ix->e + ix->tcap : 0;
}

/* Adds case id, prepared from ident (NULL: its notification decides). */
static int index_add(struct reg *r, struct search_index *ix, int64_t id, const char *ref,
		     const struct ident *ident)
{
	char f[P_FIELDS][SEARCH_TEXT_MAX * 2];
	size_t len[P_FIELDS], total = 0, i, nf = ident ? P_FIELDS : 1;
	int ret = CDOP_OK;

	if (ident)
		prepare(ref, ident, f);
	else
		snprintf(f[P_REF], sizeof f[P_REF], "%s", ref);
	for (i = 0; i < nf; i++)
		total += (len[i] = strlen(f[i]) + 1);
	if (ix->len + total > UINT32_MAX ||
	    secure_grow((void **)&ix->text, ix->len, &ix->tcap, total, 1) ||
	    secure_grow((void **)&ix->e, ix->n, &ix->ecap, 1, sizeof *ix->e))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret) {
		ix->e[ix->n].id = id;
		ix->e[ix->n].off = (uint32_t)ix->len;
		ix->e[ix->n].undecided = !ident;
		ix->n++;
		for (i = 0; i < nf; i++) {
			memcpy(ix->text + ix->len, f[i], len[i]);
			ix->len += len[i];
		}
	}
	secure_wipe(f, sizeof f);
	return ret;
}

/* Every case into ix, from its sealed ids where this session opens them. */
static int index_build(struct reg *r, int has_id, struct search_index *ix)
{
	static const char sql[] =
		"SELECT c.id, c.ref, i.ids FROM cases c "
		"LEFT JOIN case_ids i ON i.case_id = c.id";
	struct db_stmt s = DB_STMT_INIT;
	int ret = CDOP_OK, fret;

	db_prepare(r, &s, sql);
	while (!ret && db_step(&s) == DB_ROW) {
		const char *ref = db_column_text(&s, 1);
		int64_t id = db_column_int(&s, 0);
		size_t len = 0;
		const void *blob = db_column_is_null(&s, 2) ? NULL : db_column_blob(&s, 2, &len);
		struct opened_ids o = { NULL, NULL, { NULL } };
		struct ident ident;

		switch (has_id ? ids_open(r, id, blob, len, &o) : -2) {
		case 0:
			ident_of_fields(o.f, &ident);
			ret = index_add(r, ix, id, ref, &ident);
			break;
		case -1:
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			break;
		default:
			ret = index_add(r, ix, id, ref, NULL);
			break;
		}
		ids_release(&o);
	}
	fret = db_finalize(&s);
	if (!ret && (secure_fit((void **)&ix->text, ix->len, &ix->tcap, 1) ||
		     secure_fit((void **)&ix->e, ix->n, &ix->ecap, sizeof *ix->e)))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	return ret ? ret : fret;
}

/* The prepared strings of entry e. */
static void entry_fields(const struct search_index *ix, const struct search_entry *e,
			 const char *f[P_FIELDS])
{
	const char *p = ix->text + e->off;
	size_t i;

	for (i = 0; i < P_FIELDS; i++) {
		f[i] = e->undecided && i ? "" : p;
		if (!e->undecided)
			p += strlen(p) + 1;
	}
}

/* Why case e matches (NULL: it does not) from the index, or else from its
 * notification *n (read here, and kept for the row). */
static int entry_match(struct reg *r, const struct query *q, const struct search_index *ix,
		       const struct search_entry *e, json_t **n, const char **why)
{
	const char *f[P_FIELDS];
	char pf[P_FIELDS][SEARCH_TEXT_MAX * 2];
	struct ident ident;
	size_t i;
	int ret;

	entry_fields(ix, e, f);
	*n = NULL;
	*why = e->undecided ? NULL : match(q, f);
	if (!e->undecided && !*why)
		return CDOP_OK;
	ret = cases_notification(r, e->id, n);
	if (ret || !e->undecided)
		return ret;
	ident_of_notification(*n, &ident);
	prepare(f[P_REF], &ident, pf);
	for (i = 0; i < P_FIELDS; i++)
		f[i] = pf[i];
	*why = match(q, f);
	secure_wipe(pf, sizeof pf);
	return CDOP_OK;
}

/* The cases of ix that match q, as the rows cases_search gives, ordered. */
static int index_search(struct reg *r, const struct search_index *ix, const struct query *q,
			json_t **list)
{
	static const char cols[] =
		"SELECT status, death_date, notified_date FROM cases WHERE id = :id";
	struct db_stmt c = DB_STMT_INIT;
	struct hit *hits = NULL;
	size_t nhits = 0, cap = 0, i;
	json_t *n = NULL;
	int ret = CDOP_OK, fret;

	*list = NULL;
	db_prepare(r, &c, cols);
	for (i = 0; !ret && i < ix->n; i++) {
		const struct search_entry *e = &ix->e[i];
		const char *why = NULL;

		ret = entry_match(r, q, ix, e, &n, &why);
		if (!ret && why && nhits == cap) {
			struct hit *more = realloc(hits, (cap = cap ? 2 * cap : 16) * sizeof *hits);

			if (!more)
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			else
				hits = more;
		}
		if (!ret && why) {
			ret = hit_make(r, &c, e->id, ix->text + e->off, n, why, &hits[nhits]);
			if (hits[nhits].row)
				nhits++;
		}
		json_decref(n);
		n = NULL;
	}
	fret = db_finalize(&c);
	if (!ret)
		ret = fret;
	if (nhits)
		qsort(hits, nhits, sizeof *hits, hit_order);
	*list = ret ? NULL : json_array();
	if (!ret && !*list)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	for (i = 0; i < nhits; i++)
		if (!ret && json_array_append(*list, hits[i].row))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	for (i = 0; i < nhits; i++)
		json_decref(hits[i].row);
	free(hits);
	if (ret) {
		json_decref(*list);
		*list = NULL;
	}
	return ret;
}

/* What an index is made from (migration 019): meta's ids_version and the
 * greatest case id, as "VERSION:ID" in v; "" when there is no version. */
static int ids_version(struct reg *r, char v[IDS_VERSION_MAX])
{
	static const char sql[] = "SELECT value, (SELECT max(id) FROM cases) "
		"FROM meta WHERE key = 'ids_version'";
	struct db_stmt s = DB_STMT_INIT;

	v[0] = '\0';
	db_prepare(r, &s, sql);
	if (db_step(&s) == DB_ROW)
		snprintf(v, IDS_VERSION_MAX, "%s:%" PRId64, db_column_text(&s, 0),
			 db_column_int(&s, 1));
	return db_finalize(&s);
}

/*
 * Every case is tried from its prepared identifiers (the index: made here
 * from the short sealed ids of case_ids, migration 017, or kept by the
 * caller from an earlier search while the register's ids_version is the
 * same); a match is then read whole and ordered, notified latest first.
 */
/* The index to search: *keep when it was made from this very state, else
 * one made now (kept in *keep when the session keeps one: *kept). Only a
 * session that opens the ids keeps an index; any other is wiped now. */
static int index_get(struct reg *r, struct search_index **keep,
		     struct search_index **out, int *kept)
{
	struct search_index *ix;
	char version[IDS_VERSION_MAX] = "";
	int ret = CDOP_OK, has_id = store_has_id(r);

	*out = NULL;
	if (keep && has_id)
		ret = ids_version(r, version);
	if (ret)
		return ret;
	*kept = keep && has_id && version[0];
	if (*kept && *keep && !strcmp((*keep)->version, version)) {
		*out = *keep;
		return CDOP_OK;
	}
	if (keep) {
		cases_search_index_free(*keep);
		*keep = NULL;
	}
	ix = calloc(1, sizeof *ix);
	ret = ix ? index_build(r, has_id, ix) : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (ret) {
		cases_search_index_free(ix);
		return ret;
	}
	if (*kept) {
		snprintf(ix->version, sizeof ix->version, "%s", version);
		*keep = ix;
	}
	*out = ix;
	return CDOP_OK;
}

int cases_search_prepare(struct reg *r, struct search_index **keep)
{
	struct search_index *ix = NULL;
	int kept = 0, ret = index_get(r, keep, &ix, &kept);

	if (!ret && !kept)
		cases_search_index_free(ix);
	return ret;
}

int cases_search_in(struct reg *r, struct search_index **keep, const char *text,
		    json_t **out)
{
	struct search_index *ix = NULL;
	char detail[48];
	struct query q;
	json_t *list = NULL;
	int ret, kept = 0;

	*out = NULL;
	ret = query_make(r, text, &q);
	if (ret)
		return ret;
	ret = index_get(r, keep, &ix, &kept);
	if (!ret)
		ret = index_search(r, ix, &q, &list);
	if (ix && (!kept || ret)) {
		if (keep && *keep == ix)
			*keep = NULL;
		cases_search_index_free(ix);
	}
	/* Who looked for whom is in the trail; the text itself is an
	 * identifier, so only the count is. */
	if (!ret) {
		snprintf(detail, sizeof detail, "%zu cases", json_array_size(list));
		ret = audit_record(r, "search", "", detail);
	}
	if (ret)
		json_decref(list);
	else
		*out = list;
	return ret;
}

int cases_search(struct reg *r, const char *text, json_t **out)
{
	return cases_search_in(r, NULL, text, out);
}
