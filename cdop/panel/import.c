#include "cdop/panel/panel.h"
#include "cdop/panel/panel_int.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "crypto/secure.h"
#include "forms/date.h"
#include "forms/form.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
	int sealed;         /* buf holds a whole opened age file (no fd reads) */
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
	if (lr->sealed) {
		lr->consumed = 0;
		lr->start = 0;
		return 0;
	}
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

/*
 * A file sealed to this register (SPEC §8) is told by its first bytes:
 * then it is read whole, opened and verified through the store (every
 * chunk, before any line is parsed), and the reader hands out lines from
 * the plaintext. A plain file's first bytes stay in the buffer.
 */
static int reader_unseal(struct reg *r, struct line_reader *lr, const char *path,
			 uint64_t *size)
{
	uint8_t *plain = NULL;
	size_t plen = 0;
	char what[512];
	ssize_t n;
	int ret;

	while (!lr->eof && lr->end < 64) {
		if ((ret = reader_room(lr)))
			return reg_fail(r, ret, "out of memory");
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path,
					strerror(errno));
		lr->eof = n == 0;
		lr->end += (size_t)n;
	}
	if (!store_age_is_sealed((const uint8_t *)lr->buf, lr->end))
		return CDOP_OK;
	/* Whole, past the line limit: the sealed file's own cap applies. */
	for (;;) {
		if (lr->end == lr->cap) {
			char *nb;
			if (lr->cap > ((size_t)300 << 20))
				return reg_fail(r, CDOP_ERR_INPUT, "'%s' is too large for a "
						"sealed file", path);
			nb = realloc(lr->buf, lr->cap * 2);
			if (!nb)
				return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			lr->buf = nb;
			lr->cap *= 2;
		}
		if (lr->eof)
			break;
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path,
					strerror(errno));
		lr->eof = n == 0;
		lr->end += (size_t)n;
	}
	snprintf(what, sizeof what, "'%s'", path);
	ret = store_age_open(r, what, (const uint8_t *)lr->buf, lr->end, &plain, &plen);
	if (ret)
		return ret;
	free(lr->buf); /* ciphertext: nothing to wipe */
	lr->buf = (char *)plain;
	lr->cap = plen + 1;
	lr->start = 0;
	lr->end = plen;
	lr->eof = 1;
	lr->sealed = 1;
	*size = plen;
	return CDOP_OK;
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
	size_t allowed;          /* identifier words let through (--allow-word) */
	int scrub;               /* the writer holds K_id: review text scrubbed */
	/* Meeting lines' agendas, placed once the case lines are in. */
	struct agenda_item {
		int64_t meeting, place;
		size_t line, k;
	} *agenda;
	size_t nagenda, agenda_cap;
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

/* agency_reports[k].attachments: base64 content, stored sealed again. */
static int store_attachments(struct importer *im, int64_t case_id, size_t k,
			     const json_t *report)
{
	const json_t *list = json_object_get(report, "attachments"), *a;
	size_t i;
	int ret = CDOP_OK;

	json_array_foreach(list, i, a) {
		const char *b64 = member(a, "content");
		size_t cap = strlen(b64) / 4 * 3 + 3, len = 0;
		uint8_t *data = malloc(cap ? cap : 1);

		if (!data)
			return reg_fail(im->r, CDOP_ERR_NOMEM, "out of memory");
		if (sodium_base642bin(data, cap, b64, strlen(b64), NULL, &len, NULL,
				      sodium_base64_VARIANT_ORIGINAL))
			ret = reg_fail(im->r, CDOP_ERR_INPUT, "agency_reports[%zu]."
					     "attachments[%zu].content: not standard base64",
					     k, i);
		else
			ret = agency_attachment_add(im->r, case_id, member(report, "agency"),
						    member(a, "name"), data, len,
						    member(a, "added_on"));
		secure_wipe(data, cap);
		free(data);
		if (ret)
			break;
	}
	return ret;
}

/* Each report's form as stored (NULL: none), made by the reader. */
struct agency_forms {
	char **text;
	size_t n;
};

static void agency_forms_release(struct agency_forms *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->text[i]) {
			secure_wipe(f->text[i], strlen(f->text[i]));
			free(f->text[i]);
		}
	free(f->text);
	f->text = NULL;
	f->n = 0;
}

static int agency_forms_make(const json_t *list, struct agency_forms *f)
{
	size_t i, n = json_array_size(list);
	const json_t *a, *form;

	f->n = 0;
	f->text = n ? calloc(n, sizeof *f->text) : NULL;
	if (n && !f->text)
		return -1;
	f->n = n;
	json_array_foreach(list, i, a)
		if (json_is_object(form = json_object_get(a, "form")) &&
		    !(f->text[i] = json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS)))
			return -1;
	return 0;
}

static int store_agency(struct importer *im, int64_t case_id, const json_t *list,
			const struct agency_forms *forms)
{
	size_t i;
	json_t *a;
	int ret = CDOP_OK;

	json_array_foreach(list, i, a) {
		int (*row)(struct case_writer *, int64_t, const char *, const char *,
			   const char *, const char *, const char *) =
			agency_before(list, i) ? case_writer_agency : case_writer_agency_new;

		ret = row(&im->w, case_id, member(a, "agency"), member(a, "requested"),
			  member(a, "due"), member(a, "received"),
			  i < forms->n ? forms->text[i] : NULL);
		if (!ret)
			ret = store_attachments(im, case_id, i, a);
		if (ret)
			break;
	}
	return ret;
}

static int store_review(struct importer *im, int64_t case_id, const json_t *review,
			const struct review_made *made)
{
	const char *date = member(review, "meeting_date");
	int64_t mid = 0;
	int amended = 0;
	int ret = meeting_id(im, date, &mid);

	const json_t *am;
	size_t i;

	if (!ret)
		ret = reviews_store_made(im->r, case_id, mid, date, review, made, &amended);
	/* Later meetings that amended it, oldest first. */
	json_array_foreach(json_object_get(review, "amendments"), i, am) {
		const char *d = member(am, "meeting_date");

		if (!ret)
			ret = meeting_id(im, d, &mid);
		if (!ret)
			ret = reviews_store_amendment(im->r, case_id, mid, d,
						      json_object_get(am, "recommendations"));
	}
	/* Issue 11: text naming its own case's identifiers is kept but
	 * flagged, never published (docs/guide.md). */
	im->allowed += made->allowed;
	if (!ret)
		ret = reviews_flag_made(im->r, case_id, made, &im->res->flagged);
	if (!ret)
		im->res->reviews++;
	return ret;
}

/* One row of case_transfers; TEXT members may be absent. */
static int transfer_insert(struct importer *im, int64_t case_id, const char *dir,
			   const char *their, const char *peer, const char *on,
			   const json_t *audit)
{
	static const char sql[] =
		"INSERT INTO case_transfers(case_id, direction, their_ref, peer, on_date, "
		"summary) VALUES (:id, :dir, :their, :peer, :on, :summary)";
	struct db_stmt q = DB_STMT_INIT;
	char *summary = audit ? json_dumps(audit, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int ret;

	if (audit && !summary)
		return reg_fail(im->r, CDOP_ERR_NOMEM, "out of memory");
	db_prepare(im->r, &q, sql);
	db_bind_int(&q, ":id", case_id);
	db_bind_text(&q, ":dir", dir);
	db_bind_text(&q, ":their", their);
	db_bind_text(&q, ":peer", peer);
	db_bind_text(&q, ":on", on);
	db_bind_text(&q, ":summary", summary);
	db_run(&q);
	ret = db_finalize(&q);
	free(summary);
	return ret;
}

/* A short text member, or NULL when absent; *bad when not a short string. */
static const char *short_text(const json_t *o, const char *k, int *bad)
{
	const json_t *v = json_object_get(o, k);
	const char *s = json_string_value(v);
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; s && s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || i >= 200)
			s = NULL;
	if (!s)
		*bad = 1;
	return s;
}

/*
 * What a line says about transfers: `transfer` (a transfer file from
 * another register: this case arrives now; its reference there is kept)
 * and `transfers` (the history an export carries).
 */
static int import_transfers(struct importer *im, int64_t case_id, const char *ref,
			    const json_t *transfer, const json_t *history)
{
	const json_t *t;
	char today[DATE_BUFLEN], detail[120];
	struct cdate d;
	size_t i;
	int ret = CDOP_OK, bad = 0;

	json_array_foreach(history, i, t) {
		const char *dir = short_text(t, "direction", &bad);
		const char *on = short_text(t, "on", &bad);
		const char *their = short_text(t, "their_ref", &bad);
		const char *peer = short_text(t, "peer", &bad);
		const json_t *audit = json_object_get(t, "audit");

		if (bad || !dir || !on || (strcmp(dir, "in") && strcmp(dir, "out")) ||
		    date_parse(on, &d) || (audit && !json_is_array(audit)))
			return reg_fail(im->r, CDOP_ERR_INPUT, "transfers[%zu]: give direction "
					"(in or out), on (YYYY-MM-DD), and their_ref, peer and "
					"audit as export writes them", i);
		ret = transfer_insert(im, case_id, dir, their, peer, on, audit);
		if (ret)
			return ret;
	}
	if (!transfer)
		return CDOP_OK;
	{
		const char *from = short_text(transfer, "from_ref", &bad);
		const char *peer = short_text(transfer, "from_register", &bad);
		const json_t *audit = json_object_get(transfer, "audit");

		if (bad || !from || !*from || (audit && !json_is_array(audit)))
			return reg_fail(im->r, CDOP_ERR_INPUT, "transfer: give from_ref (the "
					"sender's reference), from_register and audit as "
					"'cdop transfer' writes them");
		ret = reg_today_date(im->r, &d, today);
		if (!ret)
			ret = transfer_insert(im, case_id, "in", from, peer, today, audit);
		snprintf(detail, sizeof detail, "from %s", from);
		if (!ret)
			ret = audit_append(im->r, "transfer_in", ref, detail);
	}
	return ret;
}

/* ---- the reader thread ----------------------------------------------------------
 *
 * What needs no database (reading the line, parsing it, checking it
 * against its form, normalising) is done by a second thread a few lines
 * ahead, while this one stores line after line in order in the one
 * transaction. The reader thread touches neither the register nor its
 * error: it hands each line over as a `struct prepared`, errors included,
 * and stops at the first. The JSON trees it made are freed by it too, when
 * it fills the slot again.
 */
enum prep_kind {
	PREP_CASE,      /* obj, parts, n */
	PREP_MEETING,   /* obj, parts: the meeting line normalised */
	PREP_END,       /* more: reader_next's last answer; err: its errno */
	PREP_JSON,      /* jerr */
	PREP_INVALID,   /* errs */
	PREP_SHAPE,     /* transfer or transfers of the wrong type */
	PREP_NOMEM,
};

struct prepared {
	enum prep_kind kind;
	size_t line;            /* physical line, blank ones counted */
	uint64_t consumed;      /* bytes read up to its end */
	int more, err;
	json_t *obj, *parts, *n;
	struct case_texts texts; /* PREP_CASE: n's, as the writer stores them */
	json_error_t jerr;
	struct form_errors errs;
};

#define PIPE_SLOTS 64

/*
 * The reader's trees in arenas. Each slot's trees (the line parsed, its
 * copy, what normalising adds) are all freed when the slot is reused, so
 * the reader thread takes their memory from that slot's arena instead of
 * malloc, one bump each, through jansson's allocation hooks
 * (json_set_alloc_funcs: process-wide, set while the import runs). Only
 * the reader thread has an arena (thread-local), and only while it builds
 * a slot's trees: the texts it dumps, and everything the main thread
 * allocates, come from malloc as before. The free hook tells an arena
 * block (nothing to do: the arena is wiped and emptied with its slot) from
 * a heap one by its address: the arenas are one mapping. A tree larger
 * than its arena takes the rest from malloc.
 */
#define ARENA_BYTES ((size_t)256 * 1024)

struct arena {
	char *base;
	size_t used;
};

static _Thread_local struct arena *arena_now;
static uintptr_t arena_lo, arena_hi; /* set before the reader starts */

static void *arena_malloc(size_t n)
{
	struct arena *a = arena_now;
	size_t at;

	if (a && n <= ARENA_BYTES) {
		at = (a->used + 15) & ~(size_t)15;
		if (at <= ARENA_BYTES - n) {
			a->used = at + n;
			return a->base + at;
		}
	}
	return malloc(n);
}

static void arena_free(void *p)
{
	if ((uintptr_t)p < arena_lo || (uintptr_t)p >= arena_hi)
		free(p);
}

static void arena_empty(struct arena *a)
{
	secure_wipe(a->base, a->used);
	a->used = 0;
}

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t filled, freed;
	size_t made, taken;     /* slots filled by the reader, given back */
	int stop;
	struct line_reader *lr;
	const struct cdate *today;
	struct reg *keyed;      /* to read the hash key (case_texts_hash) */
	struct prepared slot[PIPE_SLOTS];
	struct arena arena[PIPE_SLOTS]; /* each slot's; none when not mapped */
	char *map;
};

static void prepared_clear(struct prepared *p)
{
	json_decref(p->n);
	json_decref(p->parts);
	json_decref(p->obj);
	form_errors_release(&p->errs);
	case_texts_release(&p->texts);
	p->obj = p->parts = p->n = NULL;
}

/* A case line checked and normalised in place: parts (the line without
 * the register's transfer members) and n (its notification). */
static enum prep_kind prepare_case(const struct pipe *pp, struct prepared *p)
{
	const struct cdate *today = pp->today;
	const json_t *transfer = json_object_get(p->obj, "transfer");
	const json_t *history = json_object_get(p->obj, "transfers");
	json_t *in = json_copy(p->obj);
	int rc;

	/* The transfer members are the register's, not the form's. */
	if (!in)
		return PREP_NOMEM;
	p->parts = in;
	json_object_del(in, "transfer");
	json_object_del(in, "transfers");
	if ((transfer && !json_is_object(transfer)) || (history && !json_is_array(history)))
		return PREP_SHAPE;
	form_dates_iso(&form_import_line, in, today);
	rc = form_validate(&form_import_line, in, today, &p->errs);
	if (rc)
		return rc == FORM_EINVALID ? PREP_INVALID : PREP_NOMEM;
	/* Normalised once, where it is (strings trimmed, blanks dropped): the
	 * notification is stored by the writer and is what the review's text
	 * is scrubbed against. */
	if (form_normalise_here(&form_import_line, in))
		return PREP_NOMEM;
	p->n = json_incref(json_object_get(in, "notification"));
	/* What is dumped is freed with free(): from malloc. */
	arena_now = NULL;
	if (!p->n || case_texts_make(p->n, &p->texts))
		return PREP_NOMEM;
	if (pp->keyed)
		case_texts_hash(pp->keyed, p->n, &p->texts);
	return PREP_CASE;
}

static enum prep_kind prepare_meeting(struct prepared *p, const struct cdate *today)
{
	int rc = form_validate(&form_meeting_line, p->obj, today, &p->errs);

	if (rc)
		return rc == FORM_EINVALID ? PREP_INVALID : PREP_NOMEM;
	p->parts = json_incref(p->obj);
	return form_normalise_here(&form_meeting_line, p->parts) ? PREP_NOMEM : PREP_MEETING;
}

/* The next line that is not blank, made ready; 1 when it ends the work. */
static int prepare_next(struct pipe *pp, struct prepared *p, size_t *line)
{
	const char *s;
	size_t len;
	int more;

	while ((more = reader_next(pp->lr, &s, &len)) == 1) {
		++*line;
		strip_bom(*line, &s, &len);
		if (!blank(s, len))
			break;
	}
	p->err = errno;
	p->line = *line;
	p->consumed = pp->lr->consumed;
	if (more != 1) {
		p->kind = PREP_END;
		p->more = more;
		return 1;
	}
	p->obj = json_loadb(s, len, JSON_REJECT_DUPLICATES, &p->jerr);
	if (!p->obj)
		p->kind = PREP_JSON;
	else if (json_object_get(p->obj, "meeting") && !json_object_get(p->obj, "notification"))
		p->kind = prepare_meeting(p, pp->today);
	else
		p->kind = prepare_case(pp, p);
	return p->kind != PREP_CASE && p->kind != PREP_MEETING;
}

static void *pipe_reader(void *arg)
{
	struct pipe *pp = arg;
	size_t line = 0;
	int done = 0;

	while (!done) {
		struct prepared *p;

		pthread_mutex_lock(&pp->mu);
		while (!pp->stop && pp->made - pp->taken == PIPE_SLOTS)
			pthread_cond_wait(&pp->freed, &pp->mu);
		done = pp->stop;
		pthread_mutex_unlock(&pp->mu);
		if (done)
			break;
		/* Fresh, or cleared and its arena wiped by pipe_give_back. */
		p = &pp->slot[pp->made % PIPE_SLOTS];
		if (pp->map)
			arena_now = &pp->arena[pp->made % PIPE_SLOTS];
		done = prepare_next(pp, p, &line);
		arena_now = NULL;
		pthread_mutex_lock(&pp->mu);
		pp->made++;
		pthread_cond_signal(&pp->filled);
		pthread_mutex_unlock(&pp->mu);
	}
	return NULL;
}

/* The next line in order, once the reader has made it. */
static struct prepared *pipe_take(struct pipe *pp)
{
	struct prepared *p;

	pthread_mutex_lock(&pp->mu);
	while (pp->taken == pp->made)
		pthread_cond_wait(&pp->filled, &pp->mu);
	p = &pp->slot[pp->taken % PIPE_SLOTS];
	pthread_mutex_unlock(&pp->mu);
	return p;
}

/* The slot just stored given back to the reader, its trees and texts
 * freed and its arena wiped here: the storing thread has the smaller
 * share of a line's work. */
static void pipe_give_back(struct pipe *pp)
{
	prepared_clear(&pp->slot[pp->taken % PIPE_SLOTS]);
	if (pp->map)
		arena_empty(&pp->arena[pp->taken % PIPE_SLOTS]);
	pthread_mutex_lock(&pp->mu);
	pp->taken++;
	pthread_cond_signal(&pp->freed);
	pthread_mutex_unlock(&pp->mu);
}

/* Stored through the same writer as notify. */
static int import_line(struct importer *im, const struct prepared *p)
{
	const json_t *parts = p->parts, *review, *transfer, *history;
	struct agency_forms forms = { NULL, 0 };
	const char *status;
	char ref[CASE_REF_MAX];
	int64_t case_id = 0;
	int ret;

	transfer = json_object_get(p->obj, "transfer");
	history = json_object_get(p->obj, "transfers");
	review = json_object_get(parts, "review");
	status = member(parts, "status");
	if (!status)
		status = json_is_object(review) ? "reviewed" : "notified";
	/* The actions done go in with the case: one insert each, complete.
	 * The notification, normalised once, is stored by the writer and is
	 * what the review's text is scrubbed against. */
	ret = case_writer_add_made(&im->w, p->n, &p->texts, status,
				   json_object_get(parts, "rapid_response"), ref, &case_id);
	/* The agency forms as stored: made here, as the reader thread has the
	 * larger share of a line's work without them. */
	if (!ret && agency_forms_make(json_object_get(parts, "agency_reports"), &forms))
		ret = reg_fail(im->r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret)
		ret = store_agency(im, case_id, json_object_get(parts, "agency_reports"),
				   &forms);
	agency_forms_release(&forms);
	/* The review as stored, and which of its texts are flagged: made
	 * here, as the reader thread has the larger share without it. */
	if (!ret && json_is_object(review)) {
		struct review_made rev = REVIEW_MADE_INIT;

		if (review_made_make(review, p->n, im->scrub, &rev) ||
		    review_made_flags(&rev, review, p->n, im->r->ss.allow_words,
				      im->r->ss.n_allow_words))
			ret = reg_fail(im->r, CDOP_ERR_NOMEM, "out of memory");
		rev.fresh = 1; /* the line's own case: no review before it */
		if (!ret)
			ret = store_review(im, case_id, review, &rev);
		review_made_release(&rev);
	}
	if (!ret && (transfer || history))
		ret = import_transfers(im, case_id, ref, transfer, history);
	return ret;
}

/* A meeting line's agenda names cases by their place among the file's
 * case lines, which come after it: kept here, placed by agenda_place. */
static int agenda_keep(struct importer *im, int64_t meeting, const json_t *agenda)
{
	const json_t *a;
	size_t i;

	json_array_foreach(agenda, i, a) {
		if (im->nagenda == im->agenda_cap) {
			size_t cap = im->agenda_cap ? 2 * im->agenda_cap : 64;
			struct agenda_item *more = realloc(im->agenda, cap * sizeof *more);

			if (!more)
				return reg_fail(im->r, CDOP_ERR_NOMEM, "out of memory");
			im->agenda = more;
			im->agenda_cap = cap;
		}
		im->agenda[im->nagenda++] = (struct agenda_item){ meeting,
			json_integer_value(json_object_get(a, "case")), im->res->lines, i };
	}
	return CDOP_OK;
}

/* Each kept agenda item on its meeting: the case of that place is the
 * place-th this import made (ids after base_id, as line_error reads them). */
static int agenda_place(struct importer *im)
{
	static const char sql[] =
		"INSERT INTO meeting_cases(meeting_id, case_id) VALUES (:m, :c)";
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK;

	for (size_t i = 0; !ret && i < im->nagenda; i++) {
		const struct agenda_item *a = &im->agenda[i];

		if ((uint64_t)a->place > im->res->cases)
			return reg_fail(im->r, CDOP_ERR_INPUT, "line %zu: meeting.agenda[%zu]."
					"case: %" PRId64 " is not a case line of this file, "
					"which has %zu", a->line, a->k, a->place,
					im->res->cases);
		db_prepare(im->r, &q, sql);
		db_bind_int(&q, ":m", a->meeting);
		db_bind_int(&q, ":c", im->base_id + a->place);
		db_run(&q);
		ret = db_finalize(&q);
	}
	return ret;
}

/* A meeting line, checked and normalised (n): the meeting (its id kept
 * when free) and attendance. */
static int import_meeting(struct importer *im, const json_t *n)
{
	static const char taken[] = "SELECT count(*) FROM meetings WHERE id = :id";
	static const char ins[] =
		"INSERT INTO meetings(id, date, chair) VALUES (:id, :date, :chair)";
	static const char att[] =
		"INSERT INTO attendance(meeting_id, name, agency, role) "
		"VALUES (:m, :name, :agency, :role)";
	struct db_stmt q = DB_STMT_INIT;
	const json_t *m, *a;
	int64_t id, used = 0;
	size_t i;
	int ret;

	m = json_object_get(n, "meeting");
	id = json_integer_value(json_object_get(m, "id"));
	db_prepare(im->r, &q, taken);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW)
		used = db_column_int(&q, 0);
	ret = db_finalize(&q);
	if (!ret) {
		db_prepare(im->r, &q, ins);
		if (!used && id > 0)
			db_bind_int(&q, ":id", id);
		db_bind_text(&q, ":date", member(m, "date"));
		db_bind_text(&q, ":chair", member(m, "chair"));
		db_run(&q);
		ret = db_finalize(&q);
	}
	if (!ret) {
		id = db_last_id(im->r);
		ret = agenda_keep(im, id, json_object_get(m, "agenda"));
	}
	if (!ret) {
		db_prepare(im->r, &q, att);
		json_array_foreach(json_object_get(m, "attendance"), i, a) {
			db_bind_int(&q, ":m", id);
			db_bind_text(&q, ":name", member(a, "name"));
			db_bind_text(&q, ":agency", member(a, "agency"));
			db_bind_text(&q, ":role", member(a, "role"));
			db_run(&q);
			db_reset(&q);
		}
		ret = db_finalize(&q);
	}
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

/* One line made ready by the reader, stored or turned into its error. */
static int store_prepared(struct importer *im, const struct prepared *p, const char *path)
{
	struct reg *r = im->r;
	int ret = CDOP_OK;

	r->e.msg[0] = 0;
	switch (p->kind) {
	case PREP_CASE:
		ret = import_line(im, p);
		im->res->cases += !ret;
		break;
	case PREP_MEETING:
		ret = import_meeting(im, p->parts);
		break;
	case PREP_JSON:
		ret = json_error_at(r, p->line, &p->jerr);
		break;
	case PREP_INVALID:
		ret = cases_invalid(r, "", &p->errs);
		break;
	case PREP_SHAPE:
		ret = reg_fail(r, CDOP_ERR_INPUT, "transfer: an object, transfers: an "
			       "array, as export and transfer write them");
		break;
	case PREP_NOMEM:
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		break;
	case PREP_END:
		if (p->more == CDOP_ERR_INPUT)
			ret = reg_fail(r, p->more, "line %zu: longer than %d bytes; is '%s' "
				       "a JSON Lines file (one case per line)?",
				       p->line + 1, IMPORT_LINE_MAX, path);
		else if (p->more < 0)
			ret = reg_fail(r, p->more, "cannot read '%s' after line %zu: %s",
				       path, p->line, strerror(p->err));
		break;
	}
	return ret;
}

struct alloc_funcs {
	json_malloc_t m;
	json_free_t f;
};

/* The arenas mapped and jansson's hooks set; without a mapping, none. */
static void arenas_start(struct pipe *pp, struct alloc_funcs *saved)
{
	size_t len = PIPE_SLOTS * ARENA_BYTES;
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	json_get_alloc_funcs(&saved->m, &saved->f);
	if (map == MAP_FAILED)
		return;
	(void)madvise(map, len, MADV_DONTDUMP); /* identifiable text */
	pp->map = map;
	for (size_t i = 0; i < PIPE_SLOTS; i++)
		pp->arena[i] = (struct arena){ pp->map + i * ARENA_BYTES, 0 };
	arena_lo = (uintptr_t)map;
	arena_hi = arena_lo + len;
	json_set_alloc_funcs(arena_malloc, arena_free);
}

/* After the reader has stopped and every slot's trees are freed. */
static void arenas_stop(struct pipe *pp, const struct alloc_funcs *saved)
{
	if (!pp->map)
		return;
	json_set_alloc_funcs(saved->m, saved->f);
	for (size_t i = 0; i < PIPE_SLOTS; i++)
		arena_empty(&pp->arena[i]);
	munmap(pp->map, PIPE_SLOTS * ARENA_BYTES);
	pp->map = NULL;
	arena_lo = arena_hi = 0;
}

static int read_lines(struct importer *im, struct line_reader *lr, const char *path,
		      const struct import_opts *o, uint64_t size)
{
	struct pipe *pp = calloc(1, sizeof *pp);
	struct alloc_funcs saved;
	char probe[33];
	pthread_t reader;
	enum prep_kind kind = PREP_CASE;
	int ret = CDOP_OK, started = 0;

	if (!pp)
		return reg_fail(im->r, CDOP_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&pp->mu, NULL);
	pthread_cond_init(&pp->filled, NULL);
	pthread_cond_init(&pp->freed, NULL);
	pp->lr = lr;
	pp->today = &im->today;
	im->scrub = store_has_id(im->r);
	/* The columns' keyed hashes too, once one made here has shown that
	 * the key is held (the reader only reads it; none can fail then). */
	pp->keyed = im->scrub && !store_dup_hash(im->r, "", probe) ? im->r : NULL;
	for (size_t i = 0; i < PIPE_SLOTS; i++)
		form_errors_init(&pp->slot[i].errs);
	arenas_start(pp, &saved);
	started = !pthread_create(&reader, NULL, pipe_reader, pp);
	if (!started)
		ret = reg_fail(im->r, CDOP_ERR_NOMEM, "cannot start the import's reader "
			       "thread: out of resources");
	while (started && !ret && kind != PREP_END) {
		const struct prepared *p = pipe_take(pp);

		kind = p->kind;
		im->res->lines = p->line;
		if (o->progress)
			o->progress(o->progress_ctx, p->consumed, size);
		ret = store_prepared(im, p, path);
		pipe_give_back(pp);
	}
	if (started) {
		pthread_mutex_lock(&pp->mu);
		pp->stop = 1;
		pthread_cond_signal(&pp->freed);
		pthread_mutex_unlock(&pp->mu);
		pthread_join(reader, NULL);
	}
	/* The reader is stopped: a duplicate may read the file again. The
	 * reader's own messages already name the line. */
	if (ret && kind != PREP_END && kind != PREP_JSON)
		ret = line_error(im, lr, im->res->lines, ret);
	for (size_t i = 0; i < PIPE_SLOTS; i++)
		prepared_clear(&pp->slot[i]);
	arenas_stop(pp, &saved);
	pthread_cond_destroy(&pp->freed);
	pthread_cond_destroy(&pp->filled);
	pthread_mutex_destroy(&pp->mu);
	free(pp);
	return ret;
}

static int audit_import(struct importer *im, const struct ref_snapshot *before)
{
	struct ref_snapshot after = { NULL, 0 };
	char object[48], detail[IMPORT_RANGES_MAX + 96];
	int ret = refs_snapshot(im->r, &after);

	if (!ret) {
		refs_ranges(before, &after, im->res->ranges, sizeof im->res->ranges);
		snprintf(object, sizeof object, "%zu cases", im->res->cases);
		snprintf(detail, sizeof detail, "%s", im->res->ranges);
		if (im->allowed)
			snprintf(detail + strlen(detail), sizeof detail - strlen(detail),
				 " allowed %zu identifier words in review text", im->allowed);
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
	ret = reader_unseal(r, &lr, path, &size);
	if (ret)
		goto out;
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
		im->w.normalised = 1;
		have_writer = 1;
	}
	if (!ret) ret = case_writer_batch(&im->w);
	if (!ret) ret = read_lines(im, &lr, path, o, size);
	if (!ret) ret = case_writer_flush(&im->w);
	if (!ret) ret = agenda_place(im);
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
	if (im)
		free(im->agenda);
	free(im);
	return ret;
}
