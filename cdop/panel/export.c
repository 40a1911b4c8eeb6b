#define _GNU_SOURCE /* O_TMPFILE, linkat */
#include "cdop/panel/panel.h"
#include "cdop/panel/panel_int.h"
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
int export_write_cases(struct reg *r, FILE *out, size_t *n)
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
		ret = export_write_cases(r, out, &res->cases);
	return ret;
}

static int path_fail(struct reg *r, const char *what, const char *path)
{
	int e = errno;

	return reg_fail_field(r, e == ENOENT || e == ENOTDIR || e == EACCES ||
			e == EROFS || e == EISDIR ? CDOP_ERR_INPUT : CDOP_ERR_IO, "out",
			"cannot %s '%s': %s", what, path, strerror(e));
}

/* The directory part of PATH ("." when none), for the temporary file. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 1;
	char *d = malloc(n + 1);

	if (d && !slash)
		memcpy(d, ".", 2);
	else if (d && n == 0)
		memcpy(d, "/", 2);
	else if (d) {
		memcpy(d, path, n);
		d[n] = 0;
	}
	return d;
}

static int exists_fail(struct reg *r, const char *path)
{
	return reg_fail_field(r, CDOP_ERR_CONFLICT, "out", "'%s' already exists; export "
			"never overwrites a file: choose another name or remove it "
			"first", path);
}

/*
 * Where the lines go before they get PATH's name: an unnamed file in
 * PATH's directory (O_TMPFILE: nothing is left behind if we are killed),
 * else a named one created O_EXCL. Both 0600.
 */
struct out_file {
	char *dir, *tmp;  /* tmp: the named file's path, or NULL */
	FILE *f;
	int anon;
};

static int out_open(struct reg *r, const char *path, struct out_file *o)
{
	int fd = -1, ret = CDOP_OK;

	memset(o, 0, sizeof *o);
	o->dir = dir_of(path);
	if (!o->dir) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
#ifdef O_TMPFILE
	/* Naming it later goes through /proc/self/fd. */
	if (!access("/proc/self/fd", X_OK)) {
		fd = open(o->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
			ret = path_fail(r, "create a file beside", path);
			goto out;
		}
		o->anon = fd >= 0;
	}
#endif
	if (fd < 0) {
		o->tmp = malloc(strlen(o->dir) + 32);
		if (!o->tmp) {
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			goto out;
		}
		sprintf(o->tmp, "%s/.cdop-export-XXXXXX", o->dir);
		fd = mkstemp(o->tmp); /* O_EXCL, 0600 */
		if (fd < 0) {
			ret = path_fail(r, "create a file beside", path);
			free(o->tmp);
			o->tmp = NULL;
			goto out;
		}
	}
	if (fchmod(fd, 0600) || !(o->f = fdopen(fd, "w"))) {
		ret = path_fail(r, "write", path);
		close(fd);
	}
out:
	return ret;
}

/* Gives the written file PATH's name; never replaces an existing PATH
 * (link and linkat refuse to). Without hard links (some file systems) a
 * check and rename is the best there is. */
static int out_place(struct reg *r, struct out_file *o, const char *path)
{
	struct stat st;
	char proc[64];
	int ret = CDOP_OK;

	if (o->anon) {
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(o->f));
		if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW))
			ret = errno == EEXIST ? exists_fail(r, path) :
				path_fail(r, "create", path);
	} else if (link(o->tmp, path)) {
		if (errno == EEXIST)
			ret = exists_fail(r, path);
		else if (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK)
			ret = path_fail(r, "create", path);
		else if (!lstat(path, &st))
			ret = exists_fail(r, path);
		else if (rename(o->tmp, path))
			ret = path_fail(r, "create", path);
	}
	return ret;
}

static void out_close(struct out_file *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->dir);
	memset(o, 0, sizeof *o);
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int export_file(struct reg *r, const char *path, struct export_result *res)
{
	struct out_file o;
	struct stat st;
	size_t n = 0;
	int ret, placed = 0;

	res->cases = 0;
	memset(&o, 0, sizeof o);
	/* Checked first so a refusal costs nothing; out_place checks again. */
	ret = lstat(path, &st) ? out_open(r, path, &o) : exists_fail(r, path);
	if (!ret) ret = db_begin(r);
	if (!ret) ret = export_write_cases(r, o.f, &n);
	if (!ret && fsync(fileno(o.f)))
		ret = path_fail(r, "write", path);
	if (!ret) ret = audit_export(r, n, "to a file");
	if (!ret) {
		ret = out_place(r, &o, path);
		placed = !ret;
	}
	if (!ret) ret = db_commit(r);
	if (ret) {
		db_rollback(r);
		if (placed)
			unlink(path);
	} else {
		res->cases = n;
	}
	if (o.dir && (placed || o.tmp))
		sync_dir(o.dir);
	out_close(&o);
	return ret;
}
