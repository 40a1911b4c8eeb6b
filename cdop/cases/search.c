/*
 * search: the manager's "find that child" (SPEC §2). One query text is
 * tried as every kind of identifier at once; a case matches when any of
 * them does. Names live only in the sealed notification; the identifier
 * fields are also kept apart as a short sealed text (case_ids.ids,
 * migrations 016 and 017), so a search opens those and reads the whole
 * notification (cases_notification, the one reader) only of the cases
 * that match, or of a case whose ids are not there (written before 016)
 * or cannot be opened.
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

/* Which identifier of the case the query matches, or NULL. */
static const char *match(const struct query *q, const char *ref, const struct ident *id)
{
	char name[256], buf[SEARCH_TEXT_MAX * 2];
	const char *pc;

	squeeze(ref, buf, sizeof buf, 1);
	if (strstr(buf, q->compact))
		return "reference";
	if (q->digits && strlen(q->compact) == 10 && !strcmp(id->nhs, q->compact))
		return "nhs_number";
	if (q->dob[0] && !strcmp(id->dob, q->dob))
		return "date_of_birth";
	pc = id->postcode;
	if (*pc) {
		char first[16];
		size_t k;

		squeeze(pc, buf, sizeof buf, 1);
		if (!strcmp(buf, q->compact))
			return "postcode";
		/* the outward code alone ("SN1") */
		for (k = 0; pc[k] && !isspace((unsigned char)pc[k]) && k + 1 < sizeof first; k++)
			first[k] = (char)tolower((unsigned char)pc[k]);
		first[k] = '\0';
		if (strchr(pc, ' ') && !strcmp(first, q->text))
			return "postcode";
	}
	if (q->digits)
		return NULL;
	snprintf(name, sizeof name, "%s %s", id->forename, id->surname);
	squeeze(name, buf, sizeof buf, 0);
	if (strstr(buf, q->text))
		return "name";
	return NULL;
}

/* A case's sealed identifier fields (case_ids.ids), opened and split. */
struct opened_ids {
	char *text, *buf;
	const char *f[IDSET_FIELDS];
};

/* Opens case id's sealed ids (blob, len; NULL: none) into o: 0, -1 on
 * ENOMEM, -2 when they cannot decide (none, not opened or not well made:
 * the notification decides, and reports). ids_release after, always. */
static int ids_open(struct reg *r, int64_t id, const void *blob, size_t len,
		    struct opened_ids *o)
{
	o->text = o->buf = NULL;
	if (!blob || store_id_open(r, "notification.ids", id, blob, len, &o->text))
		return -2;
	return idset_fields_parse(o->text, &o->buf, o->f);
}

static void ids_release(struct opened_ids *o)
{
	if (!o->text)
		return;
	idset_fields_release(o->text, o->buf);
	secure_wipe(o->text, strlen(o->text));
	free(o->text);
	o->text = o->buf = NULL;
}

/*
 * Whether case ID matches, from its sealed ids (column 2 of s) when they
 * can be opened: *why the identifier matched (NULL when none), or
 * CDOP_ERR_NOTFOUND when the ids cannot decide (the notification does).
 */
static int match_ids(struct reg *r, const struct query *q, int64_t id, const char *ref,
		     struct db_stmt *s, const char **why)
{
	size_t len = 0;
	const void *blob = db_column_is_null(s, 2) ? NULL : db_column_blob(s, 2, &len);
	struct opened_ids o;
	struct ident ident;
	int ret = CDOP_ERR_NOTFOUND;

	switch (ids_open(r, id, blob, len, &o)) {
	case 0:
		ident_of_fields(o.f, &ident);
		*why = match(q, ref, &ident);
		ret = CDOP_OK;
		break;
	case -1:
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		break;
	default:
		break;
	}
	ids_release(&o);
	return ret;
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
 * Every case is tried from its short sealed ids (case_ids, migration 017:
 * the reference and ids only, not the rows of the sealed notifications);
 * a match is then read whole and ordered here, notified latest first.
 */
int cases_search(struct reg *r, const char *text, json_t **out)
{
	static const char sql[] =
		"SELECT c.id, c.ref, i.ids FROM cases c "
		"LEFT JOIN case_ids i ON i.case_id = c.id";
	static const char cols[] =
		"SELECT status, death_date, notified_date FROM cases WHERE id = :id";
	struct db_stmt s = DB_STMT_INIT, c = DB_STMT_INIT;
	struct query q;
	struct hit *hits = NULL;
	size_t nhits = 0, cap = 0, i;
	json_t *list = NULL, *n = NULL;
	char detail[48];
	int ret, has_id, fret;

	*out = NULL;
	ret = query_make(r, text, &q);
	if (ret)
		return ret;
	has_id = store_has_id(r);
	db_prepare(r, &s, sql);
	db_prepare(r, &c, cols);
	while (!ret && db_step(&s) == DB_ROW) {
		const char *ref = db_column_text(&s, 1), *why = NULL;
		int64_t id = db_column_int(&s, 0);
		struct ident ident;

		ret = has_id ? match_ids(r, &q, id, ref, &s, &why) : CDOP_ERR_NOTFOUND;
		if (ret == CDOP_OK && !why)
			continue;
		if (ret != CDOP_OK && ret != CDOP_ERR_NOTFOUND)
			break;
		ret = cases_notification(r, id, &n);
		if (ret)
			break;
		if (!why) {
			ident_of_notification(n, &ident);
			why = match(&q, ref, &ident);
		}
		if (why && nhits == cap) {
			struct hit *more = realloc(hits, (cap = cap ? 2 * cap : 16) * sizeof *hits);

			if (!more)
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			else
				hits = more;
		}
		if (!ret && why) {
			ret = hit_make(r, &c, id, ref, n, why, &hits[nhits]);
			if (hits[nhits].row)
				nhits++;
		}
		json_decref(n);
		n = NULL;
	}
	fret = db_finalize(&s);
	if (!ret)
		ret = fret;
	fret = db_finalize(&c);
	if (!ret)
		ret = fret;
	if (nhits)
		qsort(hits, nhits, sizeof *hits, hit_order);
	list = ret ? NULL : json_array();
	if (!ret && !list)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	for (i = 0; i < nhits; i++)
		if (!ret && json_array_append(list, hits[i].row))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	for (i = 0; i < nhits; i++)
		json_decref(hits[i].row);
	free(hits);
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
