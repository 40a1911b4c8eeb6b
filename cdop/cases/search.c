/*
 * search: the manager's "find that child" (SPEC §2). One query text is
 * tried as every kind of identifier at once; a case matches when any of
 * them does. Names live only in the notification document, so each
 * case's document is read through cases_notification (the one reader,
 * whatever its storage).
 */
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "forms/date.h"
#include "forms/form.h"

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

static const char *str_at(const json_t *n, const char *path)
{
	const char *s = json_string_value(form_json_get(n, path));

	return s ? s : "";
}

/* Which identifier of the case the query matches, or NULL. */
static const char *match(const struct query *q, const char *ref, const json_t *n)
{
	char name[256], buf[SEARCH_TEXT_MAX * 2];
	const char *pc;

	squeeze(ref, buf, sizeof buf, 1);
	if (strstr(buf, q->compact))
		return "reference";
	if (q->digits && strlen(q->compact) == 10 &&
	    !strcmp(str_at(n, "child.nhs_number"), q->compact))
		return "nhs_number";
	if (q->dob[0] && !strcmp(str_at(n, "child.date_of_birth"), q->dob))
		return "date_of_birth";
	pc = str_at(n, "child.postcode");
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
	snprintf(name, sizeof name, "%s %s", str_at(n, "child.forename"),
		 str_at(n, "child.surname"));
	squeeze(name, buf, sizeof buf, 0);
	if (strstr(buf, q->text))
		return "name";
	return NULL;
}

int cases_search(struct reg *r, const char *text, json_t **out)
{
	static const char sql[] =
		"SELECT id, ref, status, death_date FROM cases ORDER BY notified_date DESC, ref";
	struct db_stmt s = DB_STMT_INIT;
	struct query q;
	json_t *list = NULL, *n = NULL;
	char detail[48];
	int ret;

	*out = NULL;
	ret = query_make(r, text, &q);
	if (ret)
		return ret;
	list = json_array();
	if (!list)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	db_prepare(r, &s, sql);
	while (!ret && db_step(&s) == DB_ROW) {
		const char *ref = db_column_text(&s, 1), *why;
		json_t *row;

		ret = cases_notification(r, db_column_int(&s, 0), &n);
		if (ret)
			break;
		why = match(&q, ref, n);
		if (why) {
			row = json_pack("{s:s, s:s, s:O, s:O, s:O, s:s, s:s}",
					"ref", ref, "status", db_column_text(&s, 2),
					"forename", json_object_get(json_object_get(n, "child"), "forename"),
					"surname", json_object_get(json_object_get(n, "child"), "surname"),
					"date_of_birth", json_object_get(json_object_get(n, "child"), "date_of_birth"),
					"death_date", db_column_text(&s, 3),
					"matched", why);
			if (row && json_object_get(json_object_get(n, "child"), "nhs_number"))
				json_object_set(row, "nhs_number", json_object_get(
					json_object_get(n, "child"), "nhs_number"));
			if (row && json_object_get(json_object_get(n, "child"), "postcode"))
				json_object_set(row, "postcode", json_object_get(
					json_object_get(n, "child"), "postcode"));
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
