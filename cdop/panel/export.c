#define _GNU_SOURCE /* O_TMPFILE, linkat */
#include "cdop/panel/panel.h"
#include "cdop/panel/panel_int.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "crypto/secure.h"

#include <errno.h>
#include <sodium.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A review's recommendations live in their own table (with ids and done
 * dates); the import format carries them inside the review, with a done
 * date as `completed`. Those made at the review's own meeting go in
 * `recommendations`; those added when a later meeting amended it go in
 * `amendments`, one per meeting, oldest first, and the last amendment's
 * meeting is the one the review now stands at (SPEC §4: lossless).
 */
static int recommendation_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "text", db_column_text(q, 0),
				"owner", db_column_text(q, 1), "due", db_column_text(q, 2),
				"made_on", db_column_text(q, 4));

	(void)r;
	(void)ctx;
	if (rec && !db_column_is_null(q, 3) &&
	    json_object_set_new(rec, "completed", json_string(db_column_text(q, 3)))) {
		json_decref(rec);
		rec = NULL;
	}
	*row = rec;
	return CDOP_OK;
}

/* The amendment for DATE in list, appended when new (dates ascend). */
static json_t *amendment_for(json_t *list, const char *date)
{
	json_t *last = json_array_get(list, json_array_size(list) - 1), *a;

	if (last && !strcmp(json_string_value(json_object_get(last, "meeting_date")), date))
		return last;
	a = json_pack("{s:s, s:[]}", "meeting_date", date, "recommendations");
	if (a && json_array_append_new(list, a))
		a = NULL;
	return a;
}

static int add_recommendations(struct reg *r, int64_t id, json_t *view)
{
	static const char sql[] =
		"SELECT text, owner, due, done_on, made_on FROM recommendations "
		"WHERE case_id = :id ORDER BY made_on, id";
	static const char at[] =
		"SELECT m.date FROM reviews v JOIN meetings m ON m.id = v.meeting_id "
		"WHERE v.case_id = :id";
	json_t *review = json_object_get(view, "review"), *list = NULL, *mine, *amends, *rec;
	const char *date = json_string_value(json_object_get(review, "meeting_date"));
	struct db_stmt q = DB_STMT_INIT;
	char last[16] = "";
	size_t i;
	int ret;

	if (!json_is_object(review) || !date || json_object_get(review, "recommendations"))
		return CDOP_OK;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	ret = cases_rows(r, &q, recommendation_row, NULL, &list);
	if (!ret) {
		db_prepare(r, &q, at);
		db_bind_int(&q, ":id", id);
		if (db_step(&q) == DB_ROW)
			snprintf(last, sizeof last, "%s", db_column_text(&q, 0));
		ret = db_finalize(&q);
	}
	mine = json_array();
	amends = json_array();
	if (!ret && (!mine || !amends))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	json_array_foreach(list, i, rec) {
		const char *made = json_string_value(json_object_get(rec, "made_on"));
		json_t *a = NULL;

		if (ret)
			break;
		if (strcmp(made, date) > 0 && !(a = amendment_for(amends, made))) {
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			break;
		}
		json_object_del(rec, "made_on");
		if (json_array_append(a ? json_object_get(a, "recommendations") : mine, rec))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	/* The meeting the review last stood at, if later than any above. */
	if (!ret && last[0] && strcmp(last, date) > 0 && !amendment_for(amends, last))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret && json_array_size(mine) && json_object_set(review, "recommendations", mine))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	json_array_foreach(amends, i, rec)
		if (!json_array_size(json_object_get(rec, "recommendations")))
			json_object_del(rec, "recommendations");
	if (!ret && json_array_size(amends) && json_object_set(review, "amendments", amends))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	json_decref(list);
	json_decref(mine);
	json_decref(amends);
	return ret;
}

/* An agency report's attachments, opened, as {name, added_on, content}
 * with the content in padded base64. */
static int add_attachments(struct reg *r, int64_t id, json_t *view)
{
	static const char sql[] =
		"SELECT t.name, t.content, t.added_on FROM agency_attachments t "
		"JOIN agency_reports a ON a.id = t.report_id "
		"WHERE a.case_id = :id AND a.agency = :agency ORDER BY t.id";
	json_t *reports = json_object_get(view, "agency_reports"), *rep;
	size_t i;
	int ret = CDOP_OK;

	json_array_foreach(reports, i, rep) {
		struct db_stmt q = DB_STMT_INIT;
		json_t *list = json_array();

		if (!list)
			return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		db_prepare(r, &q, sql);
		db_bind_int(&q, ":id", id);
		db_bind_text(&q, ":agency", json_string_value(json_object_get(rep, "agency")));
		while (!ret && db_step(&q) == DB_ROW) {
			uint8_t *name = NULL, *data = NULL;
			size_t nlen = 0, dlen = 0, blen = 0;
			const void *b = db_column_blob(&q, 0, &blen);
			char *b64 = NULL;

			ret = store_open_identifiable(r, b, blen, &name, &nlen);
			if (!ret) {
				b = db_column_blob(&q, 1, &blen);
				ret = store_open_identifiable(r, b, blen, &data, &dlen);
			}
			if (!ret) {
				size_t n = sodium_base64_ENCODED_LEN(dlen, sodium_base64_VARIANT_ORIGINAL);
				b64 = malloc(n);
				if (!b64 || json_array_append_new(list, json_pack("{s:s, s:s, s:s}",
						"name", (const char *)name, "added_on",
						db_column_text(&q, 2), "content",
						sodium_bin2base64(b64, n, data, dlen,
								  sodium_base64_VARIANT_ORIGINAL))))
					ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
				if (b64) {
					secure_wipe(b64, n);
					free(b64);
				}
			}
			store_age_free(name, nlen);
			store_age_free(data, dlen);
		}
		if (ret)
			db_finalize(&q);
		else
			ret = db_finalize(&q);
		if (!ret && json_array_size(list) && json_object_set(rep, "attachments", list))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		json_decref(list);
		if (ret)
			break;
	}
	return ret;
}

/* LINE as one line of the export, its text wiped after (a case's is
 * identifiable). A case's line (CASE_ID; 0 for a meeting's) longer than
 * import reads is refused. */
static int put_line(struct reg *r, const json_t *line, int64_t case_id, FILE *out)
{
	char *text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	int ret = text ? CDOP_OK : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");

	if (!ret && case_id && strlen(text) > IMPORT_LINE_MAX)
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %" PRId64 ": its line would be %zu "
			       "bytes, more than import reads (%d); its attachments are too "
			       "large to export", case_id, strlen(text), IMPORT_LINE_MAX);
	if (!ret && (fputs(text, out) == EOF || putc('\n', out) == EOF))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write the export: %s", strerror(errno));
	if (text) {
		secure_wipe(text, strlen(text));
		free(text);
	}
	return ret;
}

/* The cases' ids in export order: a case's place among the case lines
 * (1 for the first) is how a meeting line names its agenda. */
struct case_ids {
	int64_t *v;
	size_t n;
};

static int case_ids_load(struct reg *r, struct case_ids *ids)
{
	static const char sql[] = "SELECT id FROM cases ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	size_t cap = 0;
	int ret, oom = 0;

	ids->v = NULL;
	ids->n = 0;
	db_prepare(r, &q, sql);
	while (!oom && db_step(&q) == DB_ROW) {
		if (ids->n == cap) {
			int64_t *more = realloc(ids->v, (cap ? 2 * cap : 256) * sizeof *ids->v);

			oom = !more;
			if (oom)
				break;
			ids->v = more;
			cap = cap ? 2 * cap : 256;
		}
		ids->v[ids->n++] = db_column_int(&q, 0);
	}
	ret = db_finalize(&q);
	if (!ret && oom)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	return ret;
}

/* ID's place among the case lines (1-based); 0 if it has none. */
static size_t case_place(const struct case_ids *ids, int64_t id)
{
	size_t lo = 0, hi = ids->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ids->v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ids->n && ids->v[lo] == id ? lo + 1 : 0;
}

/* The meeting's agenda as [{"case": place}], in reference order. */
static int meeting_agenda(struct reg *r, int64_t meeting, const struct case_ids *ids,
			  json_t *mt)
{
	static const char sql[] =
		"SELECT case_id FROM meeting_cases WHERE meeting_id = :m ORDER BY case_id";
	struct db_stmt q = DB_STMT_INIT;
	json_t *agenda = json_array();
	int ret, oom = !agenda;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":m", meeting);
	while (!oom && db_step(&q) == DB_ROW)
		oom = json_array_append_new(agenda, json_pack("{s:I}", "case",
				(json_int_t)case_place(ids, db_column_int(&q, 0)))) != 0;
	ret = db_finalize(&q);
	if (!ret && !oom && json_array_size(agenda))
		oom = json_object_set(mt, "agenda", agenda) != 0;
	if (!ret && oom)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	json_decref(agenda);
	return ret;
}

/* One meeting line: {"meeting": {id, date, chair, attendance, agenda}}. */
static int meeting_line(struct reg *r, struct db_stmt *m, const struct case_ids *ids,
			FILE *out)
{
	static const char sql[] =
		"SELECT name, agency, role FROM attendance WHERE meeting_id = :m ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	json_t *mt = json_pack("{s:I, s:s, s:[]}", "id", (json_int_t)db_column_int(m, 0),
			       "date", db_column_text(m, 1), "attendance");
	json_t *line = NULL, *att = json_object_get(mt, "attendance");
	int ret = CDOP_OK;

	if (!mt)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!db_column_is_null(m, 2))
		json_object_set_new(mt, "chair", json_string(db_column_text(m, 2)));
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":m", db_column_int(m, 0));
	while (db_step(&q) == DB_ROW) {
		json_t *a = json_pack("{s:s, s:s}", "name", db_column_text(&q, 0),
				      "agency", db_column_text(&q, 1));
		if (a && !db_column_is_null(&q, 2))
			json_object_set_new(a, "role", json_string(db_column_text(&q, 2)));
		if (!a || json_array_append_new(att, a))
			ret = CDOP_ERR_NOMEM;
	}
	if (db_finalize(&q) && !ret)
		ret = CDOP_ERR_IO;
	if (ret)
		ret = reg_fail(r, ret, "cannot read meeting %" PRId64 "'s attendance",
			       db_column_int(m, 0));
	if (!json_array_size(att))
		json_object_del(mt, "attendance");
	if (!ret)
		ret = meeting_agenda(r, db_column_int(m, 0), ids, mt);
	line = json_pack("{s:o}", "meeting", mt);
	if (!ret)
		ret = put_line(r, line, 0, out);
	json_decref(line);
	return ret;
}

/* Every meeting, in id order, before the cases whose reviews name them. */
static int write_meetings(struct reg *r, const struct case_ids *ids, FILE *out)
{
	static const char sql[] = "SELECT id, date, chair FROM meetings ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK, fret;

	db_prepare(r, &q, sql);
	while (!ret && db_step(&q) == DB_ROW)
		ret = meeting_line(r, &q, ids, out);
	fret = db_finalize(&q);
	return ret ? ret : fret;
}

int export_case_line(struct reg *r, int64_t id, json_t **line)
{
	json_t *view = NULL;
	int ret = case_view(r, id, CASE_VIEW_EXPORT, &view);

	if (!ret)
		ret = add_recommendations(r, id, view);
	if (!ret)
		ret = add_attachments(r, id, view);
	if (ret) {
		json_decref(view);
		view = NULL;
	}
	*line = view;
	return ret;
}

static int write_line(struct reg *r, int64_t id, FILE *out)
{
	json_t *view = NULL;
	int ret = export_case_line(r, id, &view);

	if (!ret)
		ret = put_line(r, view, id, out);
	json_decref(view);
	return ret;
}

/* Every case, in id order: the order references were given in. */
int export_write_cases(struct reg *r, FILE *out, size_t *n)
{
	struct case_ids ids;
	int ret = case_ids_load(r, &ids);

	*n = 0;
	if (!ret)
		ret = write_meetings(r, &ids, out);
	for (size_t i = 0; !ret && i < ids.n; i++) {
		ret = write_line(r, ids.v[i], out);
		if (!ret)
			(*n)++;
	}
	free(ids.v);
	if (!ret && fflush(out))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write the export: %s",
			       strerror(errno));
	return ret;
}

static int count_cases(struct reg *r, size_t *n)
{
	struct db_stmt q = DB_STMT_INIT;

	*n = 0; /* count(*) always has a row */
	db_prepare(r, &q, "SELECT count(*) FROM cases");
	if (db_step(&q) == DB_ROW)
		*n = (size_t)db_column_int(&q, 0);
	return db_finalize(&q);
}

static int audit_export(struct reg *r, size_t n, const char *where)
{
	char object[48];

	snprintf(object, sizeof object, "%zu cases", n);
	return audit_append(r, "export", object, where);
}

int export_stream(struct reg *r, FILE *out, struct export_result *res)
{
	char object[48];
	size_t n = 0;
	int ret;

	res->cases = 0;
	/* Recorded before it is shown; the flock keeps the count true. */
	ret = db_begin(r);
	if (ret)
		return ret;
	ret = count_cases(r, &n);
	snprintf(object, sizeof object, "%zu cases", n);
	ret = cases_commit(r, ret, "export", object, "to standard output");
	if (!ret)
		ret = export_write_cases(r, out, &res->cases);
	return ret;
}

/*
 * The lines go to an unnamed file beside PATH (outfile.c), fsync'd; the
 * "export" audit entry commits; only then does the file get PATH's name
 * (never replacing anything). A kill at any point leaves no export without
 * its entry (issue 10, finding 8). If naming fails after the commit, the
 * entry stands for an export that was written but not named: exit 5, and
 * the message says so.
 */
int export_file(struct reg *r, const char *path, int mode, struct export_result *res)
{
	struct outfile o = OUTFILE_INIT;
	size_t n = 0;
	int ret;

	res->cases = 0;
	ret = outfile_open(r, &o, path, mode);
	if (!ret) ret = db_begin(r);
	if (!ret) ret = export_write_cases(r, o.f, &n);
	if (!ret) ret = outfile_finish(r, &o);
	if (!ret) ret = audit_export(r, n, "to a file");
	if (!ret) ret = db_commit(r);
	if (ret) {
		db_rollback(r);
		(void)outfile_close(r, &o, 0);
		return ret;
	}
	ret = outfile_close(r, &o, 1);
	if (ret)
		return ret;
	res->cases = n;
	return CDOP_OK;
}
