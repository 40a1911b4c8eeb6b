/*
 * search: the manager's "find that child" (SPEC §2). One query text is
 * tried as every kind of identifier at once; a case matches when any of
 * them does. Names live only in the sealed notification; the identifier
 * fields are also kept apart as a short sealed text (case_documents.ids,
 * migration 016), so a search opens those and reads the whole
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

/*
 * Whether case ID matches, from its sealed ids (column 4 of s) when they
 * can be opened: *why the identifier matched (NULL when none), or
 * CDOP_ERR_NOTFOUND when the ids cannot decide (the notification does).
 */
static int match_ids(struct reg *r, const struct query *q, int64_t id, const char *ref,
		     struct db_stmt *s, const char **why)
{
	const char *f[IDSET_FIELDS];
	const void *blob;
	size_t len = 0;
	char *text = NULL, *buf = NULL;
	struct ident ident;
	int ret = CDOP_ERR_NOTFOUND;

	if (db_column_is_null(s, 4))
		return ret;
	blob = db_column_blob(s, 4, &len);
	if (store_id_open(r, "notification.ids", id, blob, len, &text))
		return ret; /* the notification decides, and reports */
	switch (idset_fields_parse(text, &buf, f)) {
	case 0:
		ident_of_fields(f, &ident);
		*why = match(q, ref, &ident);
		ret = CDOP_OK;
		break;
	case -1:
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		break;
	default:
		break;
	}
	if (buf) {
		secure_wipe(buf, strlen(text) + IDSET_FIELDS + 1);
		free(buf);
	}
	secure_wipe(text, strlen(text));
	free(text);
	return ret;
}

int cases_search(struct reg *r, const char *text, json_t **out)
{
	static const char sql[] =
		"SELECT c.id, c.ref, c.status, c.death_date, d.ids FROM cases c "
		"LEFT JOIN case_documents d ON d.case_id = c.id "
		"ORDER BY c.notified_date DESC, c.ref";
	struct db_stmt s = DB_STMT_INIT;
	struct query q;
	json_t *list = NULL, *n = NULL;
	char detail[48];
	int ret, has_id;

	*out = NULL;
	ret = query_make(r, text, &q);
	if (ret)
		return ret;
	list = json_array();
	if (!list)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	has_id = store_has_id(r);
	db_prepare(r, &s, sql);
	while (!ret && db_step(&s) == DB_ROW) {
		const char *ref = db_column_text(&s, 1), *why = NULL;
		int64_t id = db_column_int(&s, 0);
		struct ident ident;
		json_t *row, *child;

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
		child = json_object_get(n, "child");
		if (why) {
			row = json_pack("{s:s, s:s, s:O, s:O, s:O, s:s, s:s}",
					"ref", ref, "status", db_column_text(&s, 2),
					"forename", json_object_get(child, "forename"),
					"surname", json_object_get(child, "surname"),
					"date_of_birth", json_object_get(child, "date_of_birth"),
					"death_date", db_column_text(&s, 3),
					"matched", why);
			if (row && json_object_get(child, "nhs_number"))
				json_object_set(row, "nhs_number", json_object_get(child, "nhs_number"));
			if (row && json_object_get(child, "postcode"))
				json_object_set(row, "postcode", json_object_get(child, "postcode"));
			if (!row || json_array_append_new(list, row))
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		}
		json_decref(n);
		n = NULL;
	}
	{
		int fret = db_finalize(&s);

		if (!ret)
			ret = fret;
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
