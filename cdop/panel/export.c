#define _GNU_SOURCE /* O_TMPFILE, linkat */
#include "cdop/panel/panel.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "crypto/secure.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A review's recommendations live in their own table (with ids and done
 * dates); the import format carries them inside the review, with a done
 * date as `completed`. Added here when the view does not already have
 * them.
 */
static int recommendation_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	json_t *rec = json_pack("{s:s, s:s, s:s}", "text", db_column_text(q, 0),
				"owner", db_column_text(q, 1), "due", db_column_text(q, 2));

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

static int add_recommendations(struct reg *r, int64_t id, json_t *view)
{
	static const char sql[] =
		"SELECT text, owner, due, done_on FROM recommendations "
		"WHERE case_id = :id ORDER BY id";
	json_t *review = json_object_get(view, "review"), *list = NULL;
	struct db_stmt q = DB_STMT_INIT;
	int ret;

	if (!json_is_object(review) || json_object_get(review, "recommendations"))
		return CDOP_OK;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	ret = cases_rows(r, &q, recommendation_row, NULL, &list);
	if (!ret && json_array_size(list) &&
	    json_object_set(review, "recommendations", list))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	json_decref(list);
	return ret;
}

static int write_line(struct reg *r, int64_t id, FILE *out)
{
	json_t *view = NULL;
	char *text = NULL;
	int ret = case_view(r, id, CASE_VIEW_EXPORT, &view);

	if (!ret)
		ret = add_recommendations(r, id, view);
	if (!ret) {
		text = json_dumps(view, JSON_COMPACT | JSON_SORT_KEYS);
		if (!text)
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (!ret && (fputs(text, out) == EOF || putc('\n', out) == EOF))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write the export: %s",
			       strerror(errno));
	if (text) {
		secure_wipe(text, strlen(text));
		free(text);
	}
	json_decref(view);
	return ret;
}

/* Every case, in id order: the order references were given in. */
static int write_cases(struct reg *r, FILE *out, size_t *n)
{
	static const char sql[] = "SELECT id FROM cases ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK, fret;

	*n = 0;
	db_prepare(r, &q, sql);
	while (!ret && db_step(&q) == DB_ROW) {
		ret = write_line(r, db_column_int(&q, 0), out);
		if (!ret)
			(*n)++;
	}
	fret = db_finalize(&q);
	if (!ret)
		ret = fret;
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
		ret = write_cases(r, out, &res->cases);
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
int export_file(struct reg *r, const char *path, struct export_result *res)
{
	struct outfile o = OUTFILE_INIT;
	size_t n = 0;
	int ret;

	res->cases = 0;
	ret = outfile_open(r, &o, path, OUTFILE_EXCL);
	if (!ret) ret = db_begin(r);
	if (!ret) ret = write_cases(r, o.f, &n);
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
