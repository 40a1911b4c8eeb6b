#include "cdop/panel/panel.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "crypto/secure.h"
#include "forms/date.h"
#include "forms/form.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- reading lines ---------------------------------------------------------
 *
 * A buffered reader over a file descriptor that hands out one line at a
 * time, in place. Unlike getline() it refuses a line longer than
 * IMPORT_LINE_MAX before reading it all, so a file without newlines cannot
 * make us hold it whole. Lines are not NUL-terminated (json_loadb takes a
 * length, and embedded NULs are then a JSON error, not a short line).
 * The buffer holds identifiable text: it is wiped when released.
 */
#define READ_CHUNK (64 * 1024)

struct line_reader {
	int fd;
	char *buf;
	size_t cap, start, end;
	int eof;
	uint64_t consumed;  /* bytes handed out, newlines included */
};

static void reader_init(struct line_reader *lr, int fd)
{
	memset(lr, 0, sizeof *lr);
	lr->fd = fd;
}

static void reader_release(struct line_reader *lr)
{
	if (lr->buf) {
		secure_wipe(lr->buf, lr->cap);
		free(lr->buf);
	}
	lr->buf = NULL;
	lr->cap = lr->start = lr->end = 0;
}

static int reader_rewind(struct line_reader *lr)
{
	lr->start = lr->end = 0;
	lr->eof = 0;
	lr->consumed = 0;
	return lseek(lr->fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

/* Makes room for more bytes: compacts, then grows up to the line limit. */
static int reader_room(struct line_reader *lr)
{
	char *p;
	size_t cap;
	int ret = CDOP_OK;

	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	if (lr->end == lr->cap && lr->cap > IMPORT_LINE_MAX) {
		ret = CDOP_ERR_INPUT;
	} else if (lr->end == lr->cap) {
		cap = lr->cap ? 2 * lr->cap : READ_CHUNK;
		if (cap > IMPORT_LINE_MAX + 1)
			cap = IMPORT_LINE_MAX + 1;
		p = malloc(cap);
		if (!p) {
			ret = CDOP_ERR_NOMEM;
		} else {
			if (lr->buf) {
				memcpy(p, lr->buf, lr->end);
				secure_wipe(lr->buf, lr->cap);
				free(lr->buf);
			}
			lr->buf = p;
			lr->cap = cap;
		}
	}
	return ret;
}

/*
 * 1 and (*line, *len) for the next line without its newline; 0 at the end;
 * CDOP_ERR_INPUT for an over-long line, CDOP_ERR_IO with errno set.
 */
static int reader_next(struct line_reader *lr, const char **line, size_t *len)
{
	int ret = 0;

	for (;;) {
		char *nl = lr->end > lr->start ?
			memchr(lr->buf + lr->start, '\n', lr->end - lr->start) : NULL;
		ssize_t n;

		if (nl || (lr->eof && lr->end > lr->start)) {
			size_t stop = nl ? (size_t)(nl - lr->buf) : lr->end;

			*line = lr->buf + lr->start;
			*len = stop - lr->start;
			lr->consumed += *len + (nl ? 1 : 0);
			lr->start = nl ? stop + 1 : stop;
			ret = *len > IMPORT_LINE_MAX ? CDOP_ERR_INPUT : 1;
			break;
		}
		if (lr->eof)
			break;
		ret = reader_room(lr);
		if (ret)
			break;
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = CDOP_ERR_IO;
			break;
		}
		lr->eof = n == 0;
		lr->end += (size_t)n;
	}
	return ret;
}

static int blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* A UTF-8 byte order mark before the first line, as some editors write. */
static void strip_bom(size_t line, const char **s, size_t *len)
{
	if (line == 1 && *len >= 3 && !memcmp(*s, "\xEF\xBB\xBF", 3)) {
		*s += 3;
		*len -= 3;
	}
}

/* ---- references given, for the audit trail and the report ---------------- */

struct year_last {
	int year;
	int64_t last;
};

struct ref_snapshot {
	struct year_last *v;
	size_t n;
};

static int refs_snapshot(struct reg *r, struct ref_snapshot *s)
{
	static const char sql[] = "SELECT year, last FROM case_refs ORDER BY year";
	struct db_stmt q = DB_STMT_INIT;
	size_t alloc = 0;
	int ret = CDOP_OK, rc;

	s->v = NULL;
	s->n = 0;
	db_prepare(r, &q, sql);
	while (!ret && db_step(&q) == DB_ROW) {
		if (s->n == alloc) {
			struct year_last *p;

			alloc = alloc ? 2 * alloc : 16;
			p = realloc(s->v, alloc * sizeof *p);
			if (!p) {
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
				break;
			}
			s->v = p;
		}
		s->v[s->n].year = (int)db_column_int(&q, 0);
		s->v[s->n].last = db_column_int(&q, 1);
		s->n++;
	}
	rc = db_finalize(&q);
	return ret ? ret : rc;
}

static int64_t refs_last(const struct ref_snapshot *s, int year)
{
	size_t i;

	for (i = 0; i < s->n && s->v[i].year != year; i++)
		;
	return i < s->n ? s->v[i].last : 0;
}

/* "CDOP-2024-0001..CDOP-2024-0120, CDOP-2025-0001..CDOP-2025-0007" */
static void refs_ranges(const struct ref_snapshot *before,
			const struct ref_snapshot *after, char *out, size_t len)
{
	size_t i, used = 0;

	out[0] = 0;
	for (i = 0; i < after->n; i++) {
		int64_t first = refs_last(before, after->v[i].year) + 1;
		int n;

		if (first > after->v[i].last)
			continue;
		n = snprintf(out + used, len - used, "%sCDOP-%04d-%04" PRId64
			     "..CDOP-%04d-%04" PRId64, used ? ", " : "",
			     after->v[i].year, first, after->v[i].year, after->v[i].last);
		if (n < 0 || (size_t)n >= len - used) {
			/* Cut at the last whole range. */
			out[used] = 0;
			if (used + 5 < len)
				strcat(out, ", ...");
			break;
		}
		used += (size_t)n;
	}
}

/* ---- one line --------------------------------------------------------------- */

#define MEETING_CACHE 32

struct importer {
	struct reg *r;
	struct case_writer w;
	struct cdate today;
	int64_t base_id;         /* largest case id before the import */
	struct {
		char date[DATE_BUFLEN];
		int64_t id;
	} meetings[MEETING_CACHE];
	size_t next_meeting;
	struct import_result *res;
};

static const char *member(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Meetings recur across many lines: a small cache saves a lookup each. */
static int meeting_id(struct importer *im, const char *date, int64_t *id)
{
	size_t i;
	int ret = CDOP_OK;

	for (i = 0; i < MEETING_CACHE; i++)
		if (!strcmp(im->meetings[i].date, date))
			break;
	if (i < MEETING_CACHE) {
		*id = im->meetings[i].id;
	} else if (!(ret = meetings_find_or_create(im->r, date, id))) {
		i = im->next_meeting++ % MEETING_CACHE;
		snprintf(im->meetings[i].date, sizeof im->meetings[i].date, "%s", date);
		im->meetings[i].id = *id;
	}
	return ret;
}

/* An agency named earlier in the list (the case is new, so only then can
 * it have a row already). */
static int agency_before(const json_t *list, size_t i)
{
	const char *name = member(json_array_get(list, i), "agency"), *other;

	for (size_t k = 0; name && k < i; k++)
		if ((other = member(json_array_get(list, k), "agency")) && !strcmp(name, other))
			return 1;
	return 0;
}

static int store_agency(struct importer *im, int64_t case_id, const json_t *list)
{
	size_t i;
	json_t *a;
	int ret = CDOP_OK;

	json_array_foreach(list, i, a) {
		const json_t *form = json_object_get(a, "form");
		char *text = NULL;
		int (*row)(struct case_writer *, int64_t, const char *, const char *,
			   const char *, const char *, const char *) =
			agency_before(list, i) ? case_writer_agency : case_writer_agency_new;

		if (json_is_object(form)) {
			text = json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS);
			if (!text) {
				ret = reg_fail(im->r, CDOP_ERR_NOMEM, "out of memory");
				break;
			}
		}
		ret = row(&im->w, case_id, member(a, "agency"), member(a, "requested"),
			  member(a, "due"), member(a, "received"), text);
		if (text) {
			secure_wipe(text, strlen(text));
			free(text);
		}
		if (ret)
			break;
	}
	return ret;
}

static int store_review(struct importer *im, int64_t case_id, const json_t *review)
{
	const char *date = member(review, "meeting_date");
	int64_t mid = 0;
	int amended = 0;
	int ret = meeting_id(im, date, &mid);

	if (!ret)
		ret = reviews_store(im->r, case_id, mid, date, review, &amended);
	if (!ret)
		im->res->reviews++;
	return ret;
}

/*
 * The line without its notification, normalised (strings trimmed):
 * case_writer_add validates and normalises the notification itself, so
 * copying it here too would only cost time.
 */
static json_t *normalise_parts(const json_t *in)
{
	json_t *shallow = json_copy((json_t *)in), *out = NULL;

	if (shallow && !json_object_del(shallow, "notification"))
		out = form_normalise(&form_import_line, shallow);
	json_decref(shallow);
	return out;
}

/* Validated, normalised, then stored through the same writer as notify. */
static int import_line(struct importer *im, json_t *in)
{
	struct form_errors errs = FORM_ERRORS_INIT;
	json_t *parts = NULL;
	const json_t *review;
	const char *status;
	char ref[CASE_REF_MAX];
	int64_t case_id = 0;
	int ret;

	form_dates_iso(&form_import_line, in, &im->today);
	ret = form_validate(&form_import_line, in, &im->today, &errs);
	if (ret == FORM_EINVALID)
		ret = cases_invalid(im->r, "", &errs);
	else if (ret)
		ret = reg_fail(im->r, CDOP_ERR_NOMEM, "out of memory");
	form_errors_release(&errs);
	if (ret)
		goto out;
	parts = normalise_parts(in);
	if (!parts) {
		ret = reg_fail(im->r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	review = json_object_get(parts, "review");
	status = member(parts, "status");
	if (!status)
		status = json_is_object(review) ? "reviewed" : "notified";
	/* The actions done go in with the case: one insert each, complete. */
	ret = case_writer_add(&im->w, json_object_get(in, "notification"), status,
			      json_object_get(parts, "rapid_response"), ref, &case_id);
	if (!ret)
		ret = store_agency(im, case_id, json_object_get(parts, "agency_reports"));
	if (!ret && json_is_object(review))
		ret = store_review(im, case_id, review);
out:
	json_decref(parts);
	return ret;
}

/* ---- errors ------------------------------------------------------------------ */

/* The line holding the k-th case of this import (1-based): only needed to
 * explain a duplicate within the file, so the file is read again rather
 * than keeping a line number per case. */
static size_t line_of_case(struct line_reader *lr, int64_t k)
{
	const char *s;
	size_t len, line = 0;
	int64_t seen = 0;
	int rewound = !reader_rewind(lr); /* a pipe cannot be: line unknown (0) */

	while (rewound && seen < k && reader_next(lr, &s, &len) == 1) {
		strip_bom(++line, &s, &len);
		if (!blank(s, len))
			seen++;
	}
	return seen == k ? line : 0;
}

/*
 * Every error gets "line N: " in front. A duplicate of a case made earlier
 * in this import names that line, not its (never committed) reference.
 */
static int line_error(struct importer *im, struct line_reader *lr, size_t line, int ret)
{
	struct reg *r = im->r;
	char msg[REG_ERR_MAX], ref[CASE_REF_MAX], who[64];
	const char *what = NULL, *field = NULL;
	size_t first = 0;
	int64_t id = 0;

	snprintf(msg, sizeof msg, "%s", r->e.msg[0] ? r->e.msg : cdop_strerror(ret));
	if (ret == CDOP_ERR_CONFLICT && sscanf(msg, "duplicate: case %31[^ ]", ref) == 1)
		what = strstr(msg, " already has ");
	if (what) {
		field = strstr(what, "nhs_number") ? "notification.child.nhs_number" :
			"notification.child.surname";
		what += strlen(" already has ");
		if (!cases_find(r, ref, &id, NULL) && id > im->base_id)
			first = line_of_case(lr, id - im->base_id);
		if (first)
			snprintf(who, sizeof who, "line %zu of this file", first);
		else if (id > im->base_id) /* read from a pipe: no going back */
			snprintf(who, sizeof who, "an earlier line of this file");
		else
			snprintf(who, sizeof who, "case %s in the register", ref);
		ret = reg_fail(r, ret, "line %zu: %s: duplicate: %s already has %s",
			       line, field, who, what);
	} else {
		/* Every line of a several-field message names the input line. */
		char out[REG_ERR_MAX], *s = msg, *nl;
		size_t o = 0;
		int n;

		do {
			nl = strchr(s, '\n');
			if (nl)
				*nl = 0;
			n = snprintf(out + o, sizeof out - o, "%sline %zu: %.*s",
				     o ? "\n" : "", line, (int)(sizeof out - o), s);
			o += n > 0 ? (size_t)n : 0;
			s = nl ? nl + 1 : NULL;
		} while (s && o < sizeof out);
		ret = reg_fail(r, ret, "%s", out);
	}
	return ret;
}

static int json_error_at(struct reg *r, size_t line, const json_error_t *e)
{
	return reg_fail(r, CDOP_ERR_INPUT, "line %zu: not valid JSON: %s at column %d",
			line, e->text, e->column);
}

/* ---- the whole file ------------------------------------------------------------ */

static int scalar(struct reg *r, const char *sql, int64_t *out)
{
	struct db_stmt q = DB_STMT_INIT;
	int found, ret;

	db_prepare(r, &q, sql);
	found = db_step(&q) == DB_ROW;
	if (found)
		*out = db_column_int(&q, 0);
	ret = db_finalize(&q);
	if (!ret && !found)
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "no row from '%s'", sql);
	return ret;
}

static int open_input(struct reg *r, const char *path, int *fd, uint64_t *size)
{
	struct stat st;
	int ret = CDOP_OK;

	*size = 0;
	if (!strcmp(path, "-")) {
		/* A pipe, e.g. from a decryption tool: no size, no rereading. */
		*fd = dup(STDIN_FILENO);
		if (*fd < 0)
			ret = reg_fail(r, CDOP_ERR_IO, "cannot read standard input: %s",
				       strerror(errno));
		goto out;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		ret = reg_fail(r, errno == ENOENT ? CDOP_ERR_NOTFOUND : CDOP_ERR_INPUT,
			       "cannot read '%s': %s", path, strerror(errno));
	else if (fstat(*fd, &st))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		ret = reg_fail(r, CDOP_ERR_INPUT, "cannot read '%s': it is a directory; "
			       "give a JSON Lines file", path);
	else if (S_ISREG(st.st_mode))
		*size = (uint64_t)st.st_size;
	if (ret && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
out:
	return ret;
}

static int read_lines(struct importer *im, struct line_reader *lr, const char *path,
		      const struct import_opts *o, uint64_t size)
{
	struct reg *r = im->r;
	const char *s;
	size_t len;
	int ret = CDOP_OK, more;

	while (!ret && (more = reader_next(lr, &s, &len)) == 1) {
		json_error_t jerr;
		json_t *obj;

		im->res->lines++;
		if (o->progress)
			o->progress(o->progress_ctx, lr->consumed, size);
		strip_bom(im->res->lines, &s, &len);
		if (blank(s, len))
			continue;
		obj = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!obj) {
			ret = json_error_at(r, im->res->lines, &jerr);
			break;
		}
		r->e.msg[0] = 0;
		ret = import_line(im, obj);
		json_decref(obj);
		if (ret)
			ret = line_error(im, lr, im->res->lines, ret);
		else
			im->res->cases++;
	}
	if (!ret && more == CDOP_ERR_INPUT)
		ret = reg_fail(r, more, "line %zu: longer than %d bytes; is '%s' a "
			       "JSON Lines file (one case per line)?",
			       im->res->lines + 1, IMPORT_LINE_MAX, path);
	else if (!ret && more < 0)
		ret = reg_fail(r, more, "cannot read '%s' after line %zu: %s", path,
			       im->res->lines, strerror(errno));
	return ret;
}

static int audit_import(struct importer *im, const struct ref_snapshot *before)
{
	struct ref_snapshot after = { NULL, 0 };
	char object[48], detail[IMPORT_RANGES_MAX + 32];
	int ret = refs_snapshot(im->r, &after);

	if (!ret) {
		refs_ranges(before, &after, im->res->ranges, sizeof im->res->ranges);
		snprintf(object, sizeof object, "%zu cases", im->res->cases);
		snprintf(detail, sizeof detail, "%s", im->res->ranges);
		ret = audit_append(im->r, "import", object, detail);
	}
	free(after.v);
	return ret;
}

int import_file(struct reg *r, const char *path, const struct import_opts *o,
		struct import_result *res)
{
	struct importer *im = NULL;
	struct line_reader lr;
	struct ref_snapshot before = { NULL, 0 };
	int64_t meetings_before = 0, meetings_after = 0;
	char today[DATE_BUFLEN];
	uint64_t size = 0;
	int fd = -1, ret, have_writer = 0;

	memset(res, 0, sizeof *res);
	reader_init(&lr, -1);
	ret = open_input(r, path, &fd, &size);
	if (ret)
		goto out;
	reader_init(&lr, fd);
	im = calloc(1, sizeof *im);
	if (!im) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	im->r = r;
	im->res = res;
	ret = reg_today_date(r, &im->today, today);
	if (ret)
		goto out;
	ret = db_begin(r);
	if (ret)
		goto out;
	ret = scalar(r, "SELECT coalesce(max(id), 0) FROM cases", &im->base_id);
	if (!ret) ret = scalar(r, "SELECT count(*) FROM meetings", &meetings_before);
	if (!ret) ret = refs_snapshot(r, &before);
	if (!ret) {
		ret = case_writer_init(&im->w, r);
		im->w.validated = 1;
		have_writer = 1;
	}
	if (!ret) ret = read_lines(im, &lr, path, o, size);
	if (have_writer)
		case_writer_release(&im->w);
	if (!ret) ret = scalar(r, "SELECT count(*) FROM meetings", &meetings_after);
	if (!ret) {
		res->meetings_created = (size_t)(meetings_after - meetings_before);
		ret = audit_import(im, &before);
	}
	if (!ret && !o->dry_run)
		ret = db_commit(r);
	if (ret || o->dry_run)
		db_rollback(r);
out:
	reader_release(&lr);
	if (fd >= 0)
		close(fd);
	free(before.v);
	free(im);
	return ret;
}
