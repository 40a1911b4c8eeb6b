/*
 * `return ncmd --year Y --recipient R --out FILE` (SPEC §2, §8): the
 * national return to the National Child Mortality Database. Every case
 * notified in the year (notified.date) or reviewed in it (the review's
 * meeting date), one JSON object per line in reference order, sealed to
 * NCMD's recipient. The format, field by field, and what cdop does not
 * collect, is docs/ncmd-return.md; the objects are built from the export
 * line of each case, so the two cannot drift apart.
 */
#include "cdop/panel/panel.h"
#include "cdop/panel/panel_int.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "crypto/secure.h"
#include "forms/codes.h"
#include "forms/date.h"
#include "forms/groups.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCMD_FORMAT "cdop-ncmd-return/1"

static const char *s_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* All recommendations of a review, the amendments' included, each with
 * the date of the meeting that made it. */
static json_t *recommendations(const json_t *review)
{
	json_t *all = json_array(), *rec, *am;
	size_t i, j;

	json_array_foreach(json_object_get(review, "recommendations"), i, rec) {
		json_t *c = json_copy(rec);
		json_object_set_new(c, "made_on", json_string(s_of(review, "meeting_date")));
		json_array_append_new(all, c);
	}
	json_array_foreach(json_object_get(review, "amendments"), i, am)
		json_array_foreach(json_object_get(am, "recommendations"), j, rec) {
			json_t *c = json_copy(rec);
			json_object_set_new(c, "made_on", json_string(s_of(am, "meeting_date")));
			json_array_append_new(all, c);
		}
	return all;
}

/* The return object of one case, from its export line. */
static json_t *ncmd_object(const json_t *line, const char *ref, const char *year,
			   int notified_in, int reviewed_in)
{
	const json_t *n = json_object_get(line, "notification");
	const json_t *review = json_object_get(line, "review"), *a;
	json_t *o, *reporting = json_array(), *analysis = NULL, *derived;
	struct cdate dob, death;
	size_t i;

	derived = json_pack("{s:b, s:b}", "notified_in_year", notified_in,
			    "reviewed_in_year", reviewed_in);
	if (!date_parse(s_of(json_object_get(n, "child"), "date_of_birth"), &dob) &&
	    !date_parse(s_of(json_object_get(n, "death"), "date"), &death)) {
		long days = date_days_between(&dob, &death);
		json_object_set_new(derived, "age_at_death_days", json_integer(days));
		json_object_set_new(derived, "age_band", json_string(group_age_band_of(&dob, &death)));
	}
	json_array_foreach(json_object_get(line, "agency_reports"), i, a) {
		json_t *r = json_copy((json_t *)a), *att = json_array(), *x;
		size_t k;

		/* Documents stay with the CDOP: their names and sizes only. */
		json_array_foreach(json_object_get(a, "attachments"), k, x)
			json_array_append_new(att, json_pack("{s:s, s:s}", "name", s_of(x, "name"),
							     "added_on", s_of(x, "added_on")));
		json_object_del(r, "attachments");
		if (json_array_size(att))
			json_object_set(r, "attachments", att);
		json_decref(att);
		json_array_append_new(reporting, r);
	}
	if (json_is_object(review)) {
		char cat[8];

		snprintf(cat, sizeof cat, "%lld",
			 (long long)json_integer_value(json_object_get(review, "category")));
		analysis = json_copy((json_t *)review);
		json_object_del(analysis, "recommendations");
		json_object_del(analysis, "amendments");
		json_object_del(analysis, "meeting_date");
		json_object_set_new(analysis, "review_date",
				    json_string(s_of(review, "meeting_date")));
		if (code_list_label(&codes_review_category, cat))
			json_object_set_new(analysis, "category_label", json_string(
				code_list_label(&codes_review_category, cat)));
		json_object_set_new(analysis, "recommendations", recommendations(review));
		if (json_array_size(json_object_get(review, "amendments"))) {
			json_t *dates = json_array(), *am;
			json_array_foreach(json_object_get(review, "amendments"), i, am)
				json_array_append_new(dates, json_string(s_of(am, "meeting_date")));
			json_object_set_new(analysis, "amended_on", dates);
		}
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:o, s:o, s:o}",
		      "format", NCMD_FORMAT, "year", year, "cdop_ref", ref,
		      "status", s_of(line, "status"),
		      "notification", json_object_get(line, "notification"),
		      "joint_agency_response", json_object_get(line, "rapid_response") ?
			      json_object_get(line, "rapid_response") : json_array(),
		      "reporting", reporting,
		      "analysis", analysis ? analysis : json_null(),
		      "derived", derived);
	return o;
}

int return_ncmd(struct reg *r, const char *year, const char *recipient, const char *path,
		int mode, size_t *cases)
{
	static const char sql[] =
		"SELECT c.id, c.ref, c.notified_date BETWEEN :first AND :last, "
		"coalesce(v.meeting_date BETWEEN :first AND :last, 0) "
		"FROM cases c LEFT JOIN reviews v ON v.case_id = c.id "
		"WHERE c.notified_date BETWEEN :first AND :last "
		"OR v.meeting_date BETWEEN :first AND :last ORDER BY c.id";
	struct db_stmt q = DB_STMT_INIT;
	struct outfile o = OUTFILE_INIT;
	struct mem_out m;
	struct cdate first, last;
	uint8_t (*pks)[STORE_AGE_KEY] = NULL;
	char f[DATE_BUFLEN], l[DATE_BUFLEN], yname[DATE_YEAR_BUFLEN], detail[96];
	int y = 0, ret, began = 0;

	*cases = 0;
	memset(&m, 0, sizeof m);
	if (!year || date_report_year_parse(year, &y))
		return reg_fail_field(r, CDOP_ERR_INPUT, "year", "'%s' is not a reporting year; "
				      "give YYYY-YY, the year from 1 April to 31 March "
				      "(e.g. 2025-26)", year ? year : "");
	date_report_year_bounds(y, &first, &last);
	date_format(&first, f);
	date_format(&last, l);
	date_report_year_format(y, yname);
	ret = store_age_recipients_parse(r, &recipient, 1, &pks);
	free(pks);
	if (!ret) ret = outfile_open(r, &o, path, mode);
	if (!ret) ret = mem_open(r, &m);
	if (!ret) ret = db_begin(r);
	began = !ret;
	if (!ret) {
		db_prepare(r, &q, sql);
		db_bind_text(&q, ":first", f);
		db_bind_text(&q, ":last", l);
		while (!ret && db_step(&q) == DB_ROW) {
			json_t *line = NULL, *obj = NULL;
			char *text = NULL;

			ret = export_case_line(r, db_column_int(&q, 0), &line);
			if (!ret && !(obj = ncmd_object(line, db_column_text(&q, 1), yname,
							(int)db_column_int(&q, 2),
							(int)db_column_int(&q, 3))))
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			if (!ret && !(text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS)))
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			if (!ret && (fputs(text, m.f) == EOF || putc('\n', m.f) == EOF))
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			if (!ret)
				(*cases)++;
			if (text) {
				secure_wipe(text, strlen(text));
				free(text);
			}
			json_decref(obj);
			json_decref(line);
		}
		if (ret)
			db_finalize(&q);
		else
			ret = db_finalize(&q);
	}
	if (!ret) ret = mem_finish(r, &m);
	if (!ret) ret = sealed_write(r, &o, path, &recipient, 1, &m);
	snprintf(detail, sizeof detail, "%zu cases, sealed to %.24s...", *cases, recipient);
	if (!ret) ret = audit_append(r, "return_ncmd", yname, detail);
	if (began)
		ret = db_end(r, ret);
	if (o.f) {
		int cret = outfile_close(r, &o, !ret);
		if (!ret)
			ret = cret;
	}
	mem_release(&m);
	if (ret)
		*cases = 0;
	return ret;
}
