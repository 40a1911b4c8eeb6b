/*
 * The identifier check (SPEC §3, panel_summary): text written for the panel
 * or for publication (a panel summary, learning, a recommendation, a
 * report's narrative) is refused when it holds any identifier the register
 * holds, of any case: a name or a part of one, an NHS number however it is
 * spaced, a date of birth or of death however it is written, an address or
 * its street, a postcode with or without its space.
 *
 * It matches whole words and their normalised forms, not substrings:
 * "Quenby's" holds the name Quenby, "Jayden" does not hold "Jay". The
 * identifiers are kept sorted, so a check is a few binary searches a word
 * whatever the size of the register.
 */
#include "cdop/cases/cases.h"
#include "cdop/cases/cases_int.h"
#include "cdop/store/store.h"
#include "crypto/secure.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum id_kind { ID_NAME, ID_PLACE, ID_POSTCODE, ID_NHS, ID_DATE, ID_NKINDS };

/* What an identifier is, for the message. */
struct id_entry {
	char *key;          /* normalised: lower-case words joined by one space,
			     * an upper-case postcode without space, 10 digits,
			     * or YYYYMMDD */
	const char *what;   /* "a name", "a street", ... */
};

/* Keys as 64-bit hashes, sorted and without repeats once `done`. */
struct key_hashes {
	uint64_t *v;
	size_t n, alloc;
	int oom;            /* a key that could not be recorded */
};

struct id_list {
	struct id_entry *v;
	size_t n, alloc;
	/* idset_load_for: while probing, every key looked up is recorded in
	 * `probe` (and none is found); while loading, only keys whose hash is
	 * in `want` (the probe) are kept. A hash that two keys share only
	 * keeps a key no text can name. */
	struct key_hashes *probe;
	const struct key_hashes *want;
};

/* The longest run of words a probe records as a place: a place of more
 * words is kept whatever the texts hold. */
#define PROBE_PLACE_WORDS 8

struct idset {
	struct id_list k[ID_NKINDS];
	size_t longest_place; /* most words in an ID_PLACE key */
	int probing;
	struct key_hashes probe[ID_NKINDS];
};

/* Titles are not names: "Dr A" must not make "Dr" an identifier. */
static const char *const not_names[] = {
	"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "rev",
	"nurse", "sister", "unknown", "baby", "the", "of", "and", NULL,
};

static int key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct id_entry *)a)->key, ((const struct id_entry *)b)->key);
}

static size_t key_words(const char *key)
{
	size_t n = 1;

	for (; *key; key++)
		n += *key == ' ';
	return n;
}

/* FNV-1a, 64 bits. */
static uint64_t key_hash(const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h;
}

static int hash_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorted, repeats dropped: a year's texts repeat their words. */
static void hashes_settle(struct key_hashes *h)
{
	size_t o = 0;

	if (h->n)
		qsort(h->v, h->n, sizeof *h->v, hash_cmp);
	for (size_t i = 0; i < h->n; i++)
		if (!o || h->v[i] != h->v[o - 1])
			h->v[o++] = h->v[i];
	h->n = o;
}

static void hashes_add(struct key_hashes *h, const char *key)
{
	/* Full: settled, and grown only when that did not free a quarter. */
	if (h->n == h->alloc) {
		hashes_settle(h);
		if (h->n >= h->alloc / 2 + h->alloc / 4) {
			size_t n = h->alloc ? 2 * h->alloc : 1024;
			uint64_t *p = realloc(h->v, n * sizeof *p);

			if (!p) {
				h->oom = 1;
				return;
			}
			h->v = p;
			h->alloc = n;
		}
	}
	h->v[h->n++] = key_hash(key);
}

static int hashes_has(const struct key_hashes *h, const char *key)
{
	uint64_t k = key_hash(key);

	return h->n && bsearch(&k, h->v, h->n, sizeof *h->v, hash_cmp);
}

static int list_add(struct id_list *l, const char *key, const char *what)
{
	char *k;

	/* Only places have keys of several words. */
	if (l->want && !hashes_has(l->want, key) && key_words(key) <= PROBE_PLACE_WORDS)
		return 0;
	if (l->n == l->alloc) {
		size_t n = l->alloc ? 2 * l->alloc : 64;
		struct id_entry *p = realloc(l->v, n * sizeof *p);

		if (!p)
			return -1;
		l->v = p;
		l->alloc = n;
	}
	k = strdup(key);
	if (!k)
		return -1;
	l->v[l->n].key = k;
	l->v[l->n].what = what;
	l->n++;
	return 0;
}

/* By key, then by what: a key held as two kinds of identifier (a date of
 * birth that is another child's date of death) is named by the first, so
 * the answer does not depend on what else the set holds. */
static int entry_cmp(const void *a, const void *b)
{
	const struct id_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->what ? x->what : "", y->what ? y->what : "");
}

static const struct id_entry *list_find(const struct id_list *l, const char *key)
{
	struct id_entry probe = { (char *)key, NULL };
	const struct id_entry *e;

	if (l->probe) {
		hashes_add(l->probe, key);
		return NULL;
	}
	e = l->n ? bsearch(&probe, l->v, l->n, sizeof *l->v, key_cmp) : NULL;
	while (e && e > l->v && !strcmp(e[-1].key, key))
		e--;
	return e;
}

/* ---- words ---------------------------------------------------------------- */

static int word_char(unsigned char ch)
{
	return isalnum(ch) || ch >= 0x80;
}

/* A word of text: a maximal run of letters and digits (UTF-8 bytes count
 * as letters), with where it is. */
struct word {
	size_t at, len;
};

struct words {
	struct word *v;
	size_t n;
};

static int words_split(const char *text, struct words *w)
{
	size_t i = 0, cap = 16;

	w->n = 0;
	w->v = malloc(cap * sizeof *w->v);
	if (!w->v)
		return -1;
	while (text[i]) {
		size_t start;

		if (!word_char((unsigned char)text[i])) {
			i++;
			continue;
		}
		start = i;
		while (word_char((unsigned char)text[i]))
			i++;
		if (w->n == cap) {
			struct word *p = realloc(w->v, (cap *= 2) * sizeof *p);

			if (!p)
				return -1;
			w->v = p;
		}
		w->v[w->n].at = start;
		w->v[w->n].len = i - start;
		w->n++;
	}
	return 0;
}

/* Words first..first+count-1 of text, lower-cased, joined by one space. */
static int words_key(const char *text, const struct words *w, size_t first, size_t count,
		     char *out, size_t outlen)
{
	size_t o = 0, i, j;

	for (i = first; i < first + count; i++) {
		if (i > first) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = ' ';
		}
		for (j = 0; j < w->v[i].len; j++) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)tolower((unsigned char)text[w->v[i].at + j]);
		}
	}
	out[o] = 0;
	return 0;
}

static int all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return len > 0;
}

static int is_not_name(const char *w)
{
	for (size_t i = 0; not_names[i]; i++)
		if (!strcmp(w, not_names[i]))
			return 1;
	return 0;
}

/* ---- building the set ------------------------------------------------------ */

static const char *jstr(const json_t *n, const char *path)
{
	const json_t *v = form_json_get(n, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Every part of a name (two letters or more, not a title) as ID_NAME. */
static int add_name(struct idset *s, const char *name, const char *what)
{
	struct words w = { NULL, 0 };
	char key[128];
	int ret = 0;

	if (!name)
		return 0;
	if (words_split(name, &w))
		ret = -1;
	for (size_t i = 0; !ret && i < w.n; i++) {
		if (w.v[i].len < 2 || words_key(name, &w, i, 1, key, sizeof key))
			continue;
		if (all_digits(key, strlen(key)) || is_not_name(key))
			continue;
		ret = list_add(&s->k[ID_NAME], key, what);
	}
	free(w.v);
	return ret;
}

/* Words that end a street's name: "17 Larkspur Close" is at "Larkspur
 * Close" even when written without the number. */
static const char *const street_types[] = {
	"street", "st", "road", "rd", "close", "avenue", "ave", "lane", "ln", "drive",
	"dr", "way", "crescent", "court", "ct", "gardens", "place", "pl", "terrace",
	"grove", "walk", "row", "hill", "park", "square", "mews", "view", "rise",
	"green", "parade", "end", "vale", "meadow", "meadows", "wharf", "yard", NULL,
};

static int is_street_type(const char *w)
{
	for (size_t i = 0; street_types[i]; i++)
		if (!strcmp(w, street_types[i]))
			return 1;
	return 0;
}

static int add_place(struct idset *s, const char *text, const struct words *w,
		     size_t first, size_t count, const char *what)
{
	char key[512];

	if (!count || words_key(text, w, first, count, key, sizeof key))
		return 0;
	if (count > s->longest_place)
		s->longest_place = count;
	return list_add(&s->k[ID_PLACE], key, what);
}

/*
 * An address: each line (split at commas and line ends) as written, and
 * the street of a line that starts with a house number or ends in a street
 * word, without its number. A town on a line of its own is not taken: it
 * names a place many people live in.
 */
static int add_address(struct idset *s, const char *address)
{
	const char *p = address;
	int ret = 0;

	while (!ret && p && *p) {
		size_t len = strcspn(p, ",\n;");
		char line[320];
		struct words w = { NULL, 0 };

		snprintf(line, sizeof line, "%.*s", (int)(len < 319 ? len : 319), p);
		p += len;
		if (*p)
			p++;
		if (words_split(line, &w)) {
			free(w.v);
			return -1;
		}
		if (w.n) {
			char last[64], firstw[64];
			int numbered, typed;

			words_key(line, &w, 0, 1, firstw, sizeof firstw);
			words_key(line, &w, w.n - 1, 1, last, sizeof last);
			numbered = isdigit((unsigned char)firstw[0]);
			typed = w.n > 1 && is_street_type(last);
			if (numbered || typed)
				ret = add_place(s, line, &w, 0, w.n, "an address");
			if (!ret && numbered && w.n > 1)
				ret = add_place(s, line, &w, 1, w.n - 1, "a street");
		}
		free(w.v);
	}
	return ret;
}

static int add_postcode(struct idset *s, const char *pc)
{
	char key[16];
	size_t o = 0;

	if (!pc)
		return 0;
	for (; *pc && o + 1 < sizeof key; pc++)
		if (isalnum((unsigned char)*pc))
			key[o++] = (char)toupper((unsigned char)*pc);
	key[o] = 0;
	return o >= 5 ? list_add(&s->k[ID_POSTCODE], key, "a postcode") : 0;
}

static int add_nhs(struct idset *s, const char *nhs)
{
	char key[16];
	size_t o = 0;

	if (!nhs)
		return 0;
	for (; *nhs && o + 1 < sizeof key; nhs++)
		if (isdigit((unsigned char)*nhs))
			key[o++] = *nhs;
	key[o] = 0;
	return o == 10 ? list_add(&s->k[ID_NHS], key, "an NHS number") : 0;
}

static int add_date(struct idset *s, const char *iso, const char *what)
{
	char key[12];

	if (!iso || strlen(iso) != 10)
		return 0;
	/* YYYY-MM-DD as YYYYMMDD (copies: a set is made of many). */
	memcpy(key, iso, 4);
	memcpy(key + 4, iso + 5, 2);
	memcpy(key + 6, iso + 8, 2);
	key[8] = 0;
	return list_add(&s->k[ID_DATE], key, what);
}

/* The notification's fields the identifiers come from, in this order. */
#define ID_FIELDS IDSET_FIELDS
static const char *const id_paths[ID_FIELDS] = {
	"child.forename", "child.surname", "notified.by_name", "child.nhs_number",
	"child.date_of_birth", "death.date", "child.postcode", "child.address",
};

/* Every identifier of one notification's fields (id_paths), unsorted. */
static int add_fields(struct idset *s, const char *const f[ID_FIELDS])
{
	int ret = 0;

	ret |= add_name(s, f[0], "a name");
	ret |= add_name(s, f[1], "a name");
	ret |= add_name(s, f[2], "a name");
	ret |= add_nhs(s, f[3]);
	ret |= add_date(s, f[4], "a date of birth");
	ret |= add_date(s, f[5], "a date of death");
	ret |= add_postcode(s, f[6]);
	if (f[7])
		ret |= add_address(s, f[7]);
	return ret ? -1 : 0;
}

/* Every identifier of one notification, unsorted. */
static int add_all(struct idset *s, const json_t *n)
{
	const char *f[ID_FIELDS];

	for (size_t i = 0; i < ID_FIELDS; i++)
		f[i] = jstr(n, id_paths[i]);
	return add_fields(s, f);
}

/*
 * The fields as case_ids.ids holds them (sealed, migrations 016 and 017), so
 * that loading the set opens a short text instead of parsing every
 * notification: for each of id_paths, "-" when absent, else its length in
 * bytes, ":" and the text.
 */
char *idset_fields_text(const json_t *n)
{
	size_t len = 1, o = 0;
	char *out;

	for (size_t i = 0; i < ID_FIELDS; i++)
		len += jstr(n, id_paths[i]) ? strlen(jstr(n, id_paths[i])) + 24 : 1;
	out = malloc(len);
	for (size_t i = 0; out && i < ID_FIELDS; i++) {
		const char *v = jstr(n, id_paths[i]);
		int k = v ? snprintf(out + o, len - o, "%zu:%s", strlen(v), v) :
			snprintf(out + o, len - o, "-");

		o += k > 0 ? (size_t)k : 0;
	}
	return out;
}

int idset_fields_parse(const char *text, char **out, const char *f[IDSET_FIELDS])
{
	size_t n = strlen(text);
	char *buf = malloc(n + IDSET_FIELDS + 1), *o = buf;
	const char *p = text;
	int ret = buf ? 0 : -1;

	for (size_t i = 0; !ret && i < IDSET_FIELDS; i++) {
		char *end;
		unsigned long k;

		if (*p == '-') {
			f[i] = NULL;
			p++;
			continue;
		}
		k = strtoul(p, &end, 10);
		if (end == p || *end != ':' || k > strlen(end + 1)) {
			ret = -2;
			break;
		}
		memcpy(o, end + 1, k);
		o[k] = 0;
		f[i] = o;
		o += k + 1;
		p = end + 1 + k;
	}
	if (!ret && *p)
		ret = -2;
	if (ret && buf) {
		secure_wipe(buf, n + IDSET_FIELDS + 1);
		free(buf);
		buf = NULL;
	}
	*out = buf;
	return ret;
}

void idset_fields_release(const char *text, char *buf)
{
	if (!buf)
		return;
	secure_wipe(buf, strlen(text) + IDSET_FIELDS + 1);
	free(buf);
}

/* Sets the string at a dotted path of at most two names, made as needed:
 * 0, or -1 (out of memory, or not UTF-8). */
static int json_path_set(json_t *obj, const char *path, const char *v)
{
	const char *dot = strchr(path, '.');
	char head[32];
	json_t *sub;

	if (!dot || (size_t)(dot - path) >= sizeof head)
		return -1;
	memcpy(head, path, (size_t)(dot - path));
	head[dot - path] = 0;
	sub = json_object_get(obj, head);
	if (!sub && json_object_set_new(obj, head, sub = json_object()))
		return -1;
	return json_object_set_new(sub, dot + 1, json_string(v));
}

int ids_open(struct reg *r, int64_t id, const void *blob, size_t len, struct opened_ids *o)
{
	o->text = o->buf = NULL;
	if (!blob || store_id_open(r, "notification.ids", id, blob, len, &o->text))
		return -2;
	return idset_fields_parse(o->text, &o->buf, o->f);
}

void ids_release(struct opened_ids *o)
{
	if (!o->text)
		return;
	idset_fields_release(o->text, o->buf);
	secure_wipe(o->text, strlen(o->text));
	free(o->text);
	o->text = o->buf = NULL;
}

/* The object of one case's sealed ids (case_id, ids): 0, -1 on ENOMEM, -2
 * when they cannot decide. */
static int fields_object(struct reg *r, struct db_stmt *q, json_t **out)
{
	struct opened_ids o;
	size_t len = 0;
	const void *blob = db_column_is_null(q, 1) ? NULL : db_column_blob(q, 1, &len);
	json_t *n = NULL;
	int ret = ids_open(r, db_column_int(q, 0), blob, len, &o);

	*out = NULL;
	if (!ret && !(n = json_object()))
		ret = -1;
	for (size_t i = 0; !ret && i < IDSET_FIELDS; i++)
		if (o.f[i] && json_path_set(n, id_paths[i], o.f[i]))
			ret = -1;
	ids_release(&o);
	if (ret)
		json_decref(n);
	else
		*out = n;
	return ret;
}

int cases_id_fields(struct reg *r, int64_t id, json_t **out)
{
	static const char sql[] = "SELECT case_id, ids FROM case_ids WHERE case_id = :id";
	struct db_stmt q = DB_STMT_INIT;
	int rc = -2, fin;

	*out = NULL;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", id);
	if (db_step(&q) == DB_ROW)
		rc = fields_object(r, &q, out);
	fin = db_finalize(&q);
	if (fin || rc == -1) {
		json_decref(*out);
		*out = NULL;
		return fin ? fin : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	/* Not sealed apart, or not usable: the notification decides. */
	return rc ? cases_notification(r, id, out) : CDOP_OK;
}

static void sort_all(struct idset *s)
{
	for (size_t k = 0; k < ID_NKINDS; k++)
		if (s->k[k].n)
			qsort(s->k[k].v, s->k[k].n, sizeof *s->k[k].v, entry_cmp);
}

int idset_add_notification(struct idset *s, const json_t *n)
{
	int ret = add_all(s, n);

	sort_all(s);
	return ret;
}

struct idset *idset_new(void)
{
	return calloc(1, sizeof(struct idset));
}

static void list_free(struct id_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		secure_wipe(l->v[i].key, strlen(l->v[i].key));
		free(l->v[i].key);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

void idset_free(struct idset *s)
{
	if (!s)
		return;
	for (size_t k = 0; k < ID_NKINDS; k++) {
		list_free(&s->k[k]);
		free(s->probe[k].v);
	}
	free(s);
}

/* The identifiers of one document's notification (case_id, json, sealed):
 * 0, or -1 on ENOMEM. */
static int add_notification(struct reg *r, struct idset *s, struct db_stmt *q)
{
	int64_t id = db_column_int(q, 0);
	size_t len = 0;
	const void *blob = db_column_blob(q, 2, &len);
	json_t *n = NULL;
	int ret;

	/* A record that cannot be opened: its own view reports it. */
	if (cases_notification_parse(r, id, db_column_text(q, 1), blob, len, &n))
		n = NULL;
	ret = n ? add_all(s, n) : 0;
	json_decref(n);
	return ret;
}

/* A document to read whole: its ids could not be used. */
static int bad_add(int64_t **bad, size_t *n, size_t *alloc, int64_t id)
{
	if (*n == *alloc) {
		size_t k = *alloc ? 2 * *alloc : 16;
		int64_t *p = realloc(*bad, k * sizeof *p);

		if (!p)
			return -1;
		*bad = p;
		*alloc = k;
	}
	(*bad)[(*n)++] = id;
	return 0;
}

/*
 * The sealed ids of every case opened and split on two threads: the
 * caller steps the statement and copies each row's blob into a batch; a
 * full batch goes to a second thread while the queue has room, else the
 * caller does it itself, so both stay busy. The second thread keeps its
 * own lists (merged after: the lists are sorted at the end, so the set is
 * the same) and its own error value: its handle is a copy of the caller's
 * used only by store_id_open, which reads the keys.
 */
#define IDS_BATCH 128
#define IDS_QUEUE 4
#define IDS_POOL (IDS_QUEUE + 2)

struct ids_batch {
	size_t n, used, cap;
	int64_t id[IDS_BATCH];
	size_t off[IDS_BATCH], len[IDS_BATCH];
	uint8_t *buf;
};

/* What one thread made of its batches. */
struct ids_sink {
	struct reg *r;
	struct idset *s;
	int64_t *bad;
	size_t nbad, alloc;
	int oom;
};

struct ids_loader {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ids_batch pool[IDS_POOL];
	struct ids_batch *queue[IDS_QUEUE], *spare[IDS_POOL];
	size_t head, count, nspare;
	int done;
	struct reg wr;        /* the second thread's handle */
	struct idset ws;      /* and its lists */
	struct ids_sink sink;
};

/* One row's blob into b: 0, or -1 on ENOMEM. */
static int batch_put(struct ids_batch *b, int64_t id, const void *blob, size_t len)
{
	if (b->used + len > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		uint8_t *p;

		while (cap < b->used + len)
			cap *= 2;
		if (!(p = realloc(b->buf, cap)))
			return -1;
		b->buf = p;
		b->cap = cap;
	}
	b->id[b->n] = id;
	b->off[b->n] = b->used;
	b->len[b->n] = blob ? len : SIZE_MAX;
	if (blob && len)
		memcpy(b->buf + b->used, blob, len);
	b->used += blob ? len : 0;
	b->n++;
	return 0;
}

/* The batch's ids into k's set; those that cannot decide on its bad list. */
static void batch_run(struct ids_sink *k, struct ids_batch *b)
{
	for (size_t i = 0; i < b->n && !k->oom; i++) {
		struct opened_ids o;
		const void *blob = b->len[i] == SIZE_MAX ? NULL : b->buf + b->off[i];
		size_t len = b->len[i] == SIZE_MAX ? 0 : b->len[i];
		int rc = ids_open(k->r, b->id[i], blob, len, &o);

		if (!rc)
			rc = add_fields(k->s, o.f);
		ids_release(&o);
		if (rc == -2 && bad_add(&k->bad, &k->nbad, &k->alloc, b->id[i]))
			rc = -1;
		k->oom |= rc == -1;
	}
	secure_wipe(b->buf, b->used);
	b->n = b->used = 0;
}

static void *ids_worker(void *arg)
{
	struct ids_loader *l = arg;
	struct ids_batch *b;

	for (;;) {
		pthread_mutex_lock(&l->mu);
		while (!l->count && !l->done)
			pthread_cond_wait(&l->cv, &l->mu);
		if (!l->count) {
			pthread_mutex_unlock(&l->mu);
			return NULL;
		}
		b = l->queue[l->head];
		l->head = (l->head + 1) % IDS_QUEUE;
		l->count--;
		pthread_mutex_unlock(&l->mu);
		batch_run(&l->sink, b);
		pthread_mutex_lock(&l->mu);
		l->spare[l->nspare++] = b;
		pthread_mutex_unlock(&l->mu);
	}
}

/* A full batch to the second thread, or run here when the queue is full;
 * the batch to fill next. */
static struct ids_batch *batch_hand(struct ids_loader *l, struct ids_sink *own,
				    struct ids_batch *b)
{
	pthread_mutex_lock(&l->mu);
	if (l->count < IDS_QUEUE) {
		l->queue[(l->head + l->count) % IDS_QUEUE] = b;
		l->count++;
		b = l->spare[--l->nspare];
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		return b;
	}
	pthread_mutex_unlock(&l->mu);
	batch_run(own, b);
	return b;
}

/* The second thread's lists and bad ids into s and the caller's. */
static int ids_merge(struct idset *s, struct idset *w, struct ids_sink *own,
		     const struct ids_sink *k)
{
	int ret = 0;

	for (size_t t = 0; t < ID_NKINDS && !ret; t++) {
		struct id_list *a = &s->k[t], *b = &w->k[t];

		if (a->n + b->n > a->alloc) {
			struct id_entry *p = realloc(a->v, (a->n + b->n) * sizeof *p);

			if (!p) {
				ret = -1;
				break;
			}
			a->v = p;
			a->alloc = a->n + b->n;
		}
		if (b->n)
			memcpy(a->v + a->n, b->v, b->n * sizeof *b->v);
		a->n += b->n;
		b->n = 0;
	}
	if (w->longest_place > s->longest_place)
		s->longest_place = w->longest_place;
	for (size_t i = 0; i < k->nbad && !ret; i++)
		ret = bad_add(&own->bad, &own->nbad, &own->alloc, k->bad[i]);
	return ret;
}

int64_t idset_thread_rows = 1024;

/*
 * Every row of q (case_id, ids): its identifiers into s, the ids of those
 * whose sealed ids cannot decide onto *bad; *rows counted.
 */
static int ids_pass(struct reg *r, struct idset *s, struct db_stmt *q, int64_t *rows,
		    int64_t **bad, size_t *nbad, size_t *alloc)
{
	struct ids_loader *l = NULL;
	struct ids_sink own = { r, s, *bad, *nbad, *alloc, 0 };
	struct ids_batch one, *b = &one;
	pthread_t th;
	int threaded = 0, ret = CDOP_OK;

	memset(&one, 0, sizeof one);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1 && (l = calloc(1, sizeof *l)) != NULL) {
		l->wr = *r;
		l->sink = (struct ids_sink){ &l->wr, &l->ws, NULL, 0, 0, 0 };
		for (size_t t = 0; t < ID_NKINDS; t++)
			l->ws.k[t].want = s->k[t].want;
		for (size_t i = 0; i < IDS_POOL; i++)
			l->spare[l->nspare++] = &l->pool[i];
		b = l->spare[--l->nspare];
		pthread_mutex_init(&l->mu, NULL);
		pthread_cond_init(&l->cv, NULL);
	}
	while (!own.oom && db_step(q) == DB_ROW) {
		size_t len = 0;
		const void *blob = db_column_is_null(q, 1) ? NULL : db_column_blob(q, 1, &len);

		(*rows)++;
		own.oom = batch_put(b, db_column_int(q, 0), blob, len) != 0;
		if (b->n < IDS_BATCH)
			continue;
		/* A second thread only for a long table. */
		if (l && !threaded && *rows >= idset_thread_rows)
			threaded = !pthread_create(&th, NULL, ids_worker, l);
		b = threaded ? batch_hand(l, &own, b) : (batch_run(&own, b), b);
	}
	batch_run(&own, b);
	if (l) {
		if (threaded) {
			pthread_mutex_lock(&l->mu);
			l->done = 1;
			pthread_cond_broadcast(&l->cv);
			pthread_mutex_unlock(&l->mu);
			pthread_join(th, NULL);
		}
		own.oom |= l->sink.oom || ids_merge(s, &l->ws, &own, &l->sink);
		for (size_t t = 0; t < ID_NKINDS; t++) {
			l->ws.k[t].want = NULL;
			list_free(&l->ws.k[t]);
		}
		free(l->sink.bad);
		for (size_t i = 0; i < IDS_POOL; i++)
			free(l->pool[i].buf);
		pthread_mutex_destroy(&l->mu);
		pthread_cond_destroy(&l->cv);
		secure_wipe(&l->wr, sizeof l->wr);
		free(l);
	}
	free(one.buf);
	*bad = own.bad;
	*nbad = own.nbad;
	*alloc = own.alloc;
	if (own.oom)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	return ret;
}

/*
 * Every stored document's identifiers into s (kept as s's lists say): from
 * its sealed ids when it has them, read from case_ids (017) so the
 * notifications' pages are not read; else, and when they cannot be
 * used, from the notification, read by its case id.
 */
static int load_documents(struct reg *r, struct idset *s)
{
	static const char ids_sql[] = "SELECT case_id, ids FROM case_ids";
	/* Every case_documents row has its case_ids row (migration 017 and
	 * the writers), and every case_ids row a case (a foreign key): as
	 * many rows as cases proves it without reading the documents. */
	static const char cases_sql[] = "SELECT count(*) FROM cases";
	static const char missing[] =
		"SELECT d.case_id FROM case_documents d "
		"WHERE NOT EXISTS (SELECT 1 FROM case_ids i WHERE i.case_id = d.case_id)";
	static const char one[] =
		"SELECT case_id, json, sealed FROM case_documents WHERE case_id = :id";
	struct db_stmt q = DB_STMT_INIT;
	int64_t *bad = NULL, rows = 0;
	size_t nbad = 0, alloc = 0;
	int ret = CDOP_OK, rc = 0, fin;

	/* Keys by role: the identifiers are sealed under the manager's K_id.
	 * Without it (panel, analyst) the set stays empty and text is stored
	 * or published as written (docs/security.md, residual risks). */
	if (!store_has_id(r))
		return CDOP_OK;
	db_prepare(r, &q, ids_sql);
	ret = ids_pass(r, s, &q, &rows, &bad, &nbad, &alloc);
	fin = db_finalize(&q);
	ret = ret ? ret : fin;
	if (!ret) {
		db_prepare(r, &q, cases_sql);
		rc = db_step(&q) == DB_ROW && db_column_int(&q, 0) == rows;
		fin = db_finalize(&q);
		ret = fin;
	}
	if (!ret && !rc) {
		db_prepare(r, &q, missing);
		while (!ret && db_step(&q) == DB_ROW)
			if (bad_add(&bad, &nbad, &alloc, db_column_int(&q, 0)))
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		fin = db_finalize(&q);
		ret = ret ? ret : fin;
	}
	if (!ret && nbad) {
		db_prepare(r, &q, one);
		for (size_t i = 0; !ret && i < nbad; i++) {
			db_bind_int(&q, ":id", bad[i]);
			if (db_step(&q) == DB_ROW && add_notification(r, s, &q))
				ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			db_reset(&q);
		}
		fin = db_finalize(&q);
		ret = ret ? ret : fin;
	}
	free(bad);
	sort_all(s);
	return ret;
}

int idset_load(struct reg *r, struct idset **out)
{
	struct idset *s = idset_new();
	int ret = s ? load_documents(r, s) : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");

	if (ret)
		idset_free(s);
	*out = ret ? NULL : s;
	return ret;
}

/*
 * Only the identifiers that some lookup of these texts could find: the
 * texts are first checked against an empty set that records every key it
 * looks up (the probe), then each document's identifiers are kept only
 * when the probe asked for them. Checking the same texts against the
 * result answers as against the whole set (list_find names a key's kinds
 * in a fixed order), and the set's size follows the texts, not the
 * register.
 */
int idset_load_for(struct reg *r, const char *const *texts, size_t n, struct idset **out)
{
	struct idset *s = idset_new();
	struct idcheck_match m;
	int ret = s ? CDOP_OK : reg_fail(r, CDOP_ERR_NOMEM, "out of memory"), any = 0;

	*out = NULL;
	if (ret)
		return ret;
	s->probing = 1;
	s->longest_place = PROBE_PLACE_WORDS;
	for (size_t k = 0; k < ID_NKINDS; k++)
		s->k[k].probe = &s->probe[k];
	for (size_t i = 0; !ret && i < n; i++)
		if (idset_find(s, texts[i], NULL, 0, &m, NULL) < 0)
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	s->probing = 0;
	s->longest_place = 0;
	for (size_t k = 0; k < ID_NKINDS; k++) {
		struct key_hashes *p = &s->probe[k];

		if (p->oom && !ret)
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		hashes_settle(p);
		any |= p->n > 0;
		s->k[k].probe = NULL;
		s->k[k].want = p;
	}
	/* Nothing looked up: nothing any document holds can be found. */
	if (!ret && any)
		ret = load_documents(r, s);
	for (size_t k = 0; k < ID_NKINDS; k++) {
		s->k[k].want = NULL;
		free(s->probe[k].v);
		memset(&s->probe[k], 0, sizeof s->probe[k]);
	}
	if (ret)
		idset_free(s);
	else
		*out = s;
	return ret;
}

/* ---- finding ------------------------------------------------------------------ */

static const char *const months[] = {
	"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december",
};

/* 1-12 for a month's name or its first three letters (and "sept"), else 0. */
static int month_of(const char *w)
{
	size_t len = strlen(w);

	if (!strcmp(w, "sept"))
		return 9;
	for (int m = 0; m < 12; m++)
		if (!strcmp(w, months[m]) || (len == 3 && !strncmp(w, months[m], 3)))
			return m + 1;
	return 0;
}

/* A day of the month, as "1", "01", "1st", "22nd", "3rd", "4th"; else 0. */
static int day_of(const char *w)
{
	size_t i = 0;
	int d = 0;

	while (isdigit((unsigned char)w[i]) && i < 2)
		d = d * 10 + (w[i++] - '0');
	if (!i || isdigit((unsigned char)w[i]))
		return 0;
	if (w[i] && strcmp(w + i, "st") && strcmp(w + i, "nd") && strcmp(w + i, "rd") &&
	    strcmp(w + i, "th"))
		return 0;
	return d >= 1 && d <= 31 ? d : 0;
}

/* A year of two or four digits; two digits are read as 20YY. */
static int year_of(const char *w)
{
	size_t len = strlen(w);

	if (!all_digits(w, len) || (len != 2 && len != 4))
		return 0;
	return len == 2 ? 2000 + atoi(w) : atoi(w);
}

struct finder {
	const struct idset *s;
	const char *text;
	struct words w;
	const char *const *allow;
	size_t nallow;
	size_t allowed;        /* matches passed because they were allowed */
	struct idcheck_match *m;
};

/* Letters and digits of s, lower-cased, for comparing with an allowed word. */
static void squash(const char *s, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len && s[i] && o + 1 < outlen; i++)
		if (word_char((unsigned char)s[i]))
			out[o++] = (char)tolower((unsigned char)s[i]);
	out[o] = 0;
}

/* A match at text[at, at+len): 1 when it stops the check (not allowed). */
static int found(struct finder *f, size_t at, size_t len, const char *what)
{
	char a[160], b[160];

	squash(f->text + at, len, a, sizeof a);
	for (size_t i = 0; i < f->nallow; i++) {
		squash(f->allow[i], strlen(f->allow[i]), b, sizeof b);
		if (!strcmp(a, b)) {
			f->allowed++;
			return 0;
		}
	}
	snprintf(f->m->text, sizeof f->m->text, "%.*s", (int)len, f->text + at);
	f->m->what = what;
	return 1;
}

static const char *date_what(const struct idset *s, int y, int mo, int d)
{
	char key[32];
	const struct id_entry *e;

	if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return NULL;
	snprintf(key, sizeof key, "%04d%02d%02d", y, mo, d);
	e = list_find(&s->k[ID_DATE], key);
	return e ? e->what : NULL;
}

/* Dates written in figures: 1/3/2024, 01-03-2024, 1.3.24, 2024-03-01. The
 * day-first reading is the one used here; the month-first one is checked
 * too, as a date written either way gives a child away. */
static int find_numeric_dates(struct finder *f)
{
	const char *t = f->text;

	for (size_t i = 0; t[i]; i++) {
		int v[3], nd[3], k = 0;
		size_t p = i;
		char sep = 0;
		const char *what = NULL;

		if (!isdigit((unsigned char)t[i]) || (i && (isalnum((unsigned char)t[i - 1]))))
			continue;
		for (k = 0; k < 3; k++) {
			v[k] = 0;
			nd[k] = 0;
			while (isdigit((unsigned char)t[p]) && nd[k] < 4) {
				v[k] = v[k] * 10 + (t[p++] - '0');
				nd[k]++;
			}
			if (!nd[k] || isdigit((unsigned char)t[p]))
				break;
			if (k < 2) {
				if (!strchr("/-.", t[p]) || !t[p] || (sep && t[p] != sep))
					break;
				sep = t[p++];
			}
		}
		if (k != 3 || isalnum((unsigned char)t[p]))
			continue;
		if (nd[0] == 4 && nd[1] <= 2 && nd[2] <= 2)
			what = date_what(f->s, v[0], v[1], v[2]);
		else if (nd[0] <= 2 && nd[1] <= 2 && (nd[2] == 2 || nd[2] == 4)) {
			int y = nd[2] == 2 ? 2000 + v[2] : v[2];

			what = date_what(f->s, y, v[1], v[0]);
			if (!what)
				what = date_what(f->s, y, v[0], v[1]);
		}
		if (what && found(f, i, p - i, what))
			return 1;
	}
	return 0;
}

/* The lower-cased word i, or "" past the end. */
static void word_at(const struct finder *f, size_t i, char *out, size_t outlen)
{
	out[0] = 0;
	if (i < f->w.n)
		words_key(f->text, &f->w, i, 1, out, outlen);
}

/* Dates in words: "1 March 2024", "1st of March, 2024", "March 1 2024",
 * "Mar 1st, 2024". */
static int find_word_dates(struct finder *f)
{
	for (size_t i = 0; i < f->w.n; i++) {
		char a[32], b[32], c[32], d[32];
		int day, mo, y;
		const char *what = NULL;
		size_t last = i;

		word_at(f, i, a, sizeof a);
		word_at(f, i + 1, b, sizeof b);
		word_at(f, i + 2, c, sizeof c);
		word_at(f, i + 3, d, sizeof d);
		if ((day = day_of(a)) != 0) {
			/* 1 March 2024 | 1st of March 2024 */
			size_t mi = !strcmp(b, "of") ? i + 2 : i + 1;

			word_at(f, mi, b, sizeof b);
			word_at(f, mi + 1, c, sizeof c);
			if ((mo = month_of(b)) != 0 && (y = year_of(c)) != 0) {
				what = date_what(f->s, y, mo, day);
				last = mi + 1;
			}
		} else if ((mo = month_of(a)) != 0 && (day = day_of(b)) != 0 &&
			   (y = year_of(c)) != 0) {
			what = date_what(f->s, y, mo, day);
			last = i + 2;
		}
		(void)d;
		if (what && found(f, f->w.v[i].at, f->w.v[last].at + f->w.v[last].len -
				  f->w.v[i].at, what))
			return 1;
	}
	return 0;
}

/* NHS numbers: a run of digits with single spaces, dashes or dots between
 * them ("943 476 5919", "943-476-5919"); any ten digits of it in a row. */
static int find_nhs(struct finder *f)
{
	const char *t = f->text;

	if (!f->s->k[ID_NHS].n && !f->s->probing)
		return 0;
	for (size_t i = 0; t[i];) {
		char digits[64];
		size_t nd = 0, p = i, end = i;

		/* A run starts at a digit not after a digit: "NHS9434765919" counts. */
		if (!isdigit((unsigned char)t[i]) || (i && isdigit((unsigned char)t[i - 1]))) {
			i++;
			continue;
		}
		while (nd + 1 < sizeof digits) {
			if (isdigit((unsigned char)t[p])) {
				digits[nd++] = t[p++];
				end = p;
			} else if (strchr(" -.", t[p]) && t[p] && isdigit((unsigned char)t[p + 1])) {
				p++;
			} else {
				break;
			}
		}
		digits[nd] = 0;
		for (size_t k = 0; k + 10 <= nd; k++) {
			char key[11];
			const struct id_entry *e;

			memcpy(key, digits + k, 10);
			key[10] = 0;
			e = list_find(&f->s->k[ID_NHS], key);
			if (e && found(f, i, end - i, e->what))
				return 1;
		}
		i = end > i ? end : i + 1;
	}
	return 0;
}

/* Names (a word), postcodes (a word, or two with a space), addresses and
 * streets (a run of words). */
static int find_words(struct finder *f)
{
	const struct idset *s = f->s;

	for (size_t i = 0; i < f->w.n; i++) {
		char key[512], pc[32];
		const struct id_entry *e;
		size_t len = f->w.v[i].len;

		if (!words_key(f->text, &f->w, i, 1, key, sizeof key) &&
		    (e = list_find(&s->k[ID_NAME], key)) != NULL &&
		    found(f, f->w.v[i].at, len, e->what))
			return 1;
		for (size_t c = s->longest_place; c >= 1; c--) {
			size_t last = i + c - 1;

			if (last >= f->w.n || words_key(f->text, &f->w, i, c, key, sizeof key))
				continue;
			e = list_find(&s->k[ID_PLACE], key);
			if (e && found(f, f->w.v[i].at, f->w.v[last].at + f->w.v[last].len -
				       f->w.v[i].at, e->what))
				return 1;
		}
		for (size_t c = 1; c <= 2 && i + c - 1 < f->w.n; c++) {
			size_t last = i + c - 1, span = f->w.v[last].at + f->w.v[last].len -
				f->w.v[i].at;

			if (span >= sizeof pc)
				break;
			squash(f->text + f->w.v[i].at, span, pc, sizeof pc);
			for (char *p = pc; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			e = list_find(&s->k[ID_POSTCODE], pc);
			if (e && found(f, f->w.v[i].at, span, e->what))
				return 1;
		}
	}
	return 0;
}

int idset_find(const struct idset *s, const char *text, const char *const *allow,
	       size_t nallow, struct idcheck_match *m, size_t *allowed)
{
	struct finder f;
	int hit = 0;

	memset(m, 0, sizeof *m);
	if (!text || !*text)
		return 0;
	memset(&f, 0, sizeof f);
	f.s = s;
	f.text = text;
	f.allow = allow;
	f.nallow = nallow;
	f.m = m;
	if (words_split(text, &f.w)) {
		free(f.w.v);
		return -1;
	}
	hit = find_nhs(&f) || find_numeric_dates(&f) || find_word_dates(&f) ||
		find_words(&f);
	free(f.w.v);
	if (allowed)
		*allowed += f.allowed;
	return hit;
}

int idcheck_text(struct reg *r, const struct idset *s, const char *field,
		 const char *text, size_t *allowed)
{
	struct idcheck_match m;
	int hit = idset_find(s, text, r->ss.allow_words, r->ss.n_allow_words, &m, allowed);

	if (hit < 0)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!hit)
		return CDOP_OK;
	return reg_fail_field(r, CDOP_ERR_INPUT, field, "'%s' is %s held in the register; "
			      "write the text without it (a deliberate use must be "
			      "allowed word by word)", m.text, m.what);
}

/* ---- texts written without K_id (migration 012) ------------------------------ */

/* One text still to check: a review's learning (rec 0, id = case id) or a
 * recommendation's text (rec 1, id = its id). */
struct pending {
	int64_t id;
	int rec;
	char *text;
};

struct pendings {
	struct pending *v;
	size_t n, alloc;
};

static void pendings_free(struct pendings *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].text) {
			secure_wipe(p->v[i].text, strlen(p->v[i].text));
			free(p->v[i].text);
		}
	free(p->v);
	memset(p, 0, sizeof *p);
}

static int pendings_add(struct pendings *p, int64_t id, int rec, const char *text)
{
	if (p->n == p->alloc) {
		size_t n = p->alloc ? 2 * p->alloc : 16;
		struct pending *v = realloc(p->v, n * sizeof *v);

		if (!v)
			return -1;
		p->v = v;
		p->alloc = n;
	}
	p->v[p->n].id = id;
	p->v[p->n].rec = rec;
	p->v[p->n].text = text ? strdup(text) : NULL;
	if (text && !p->v[p->n].text)
		return -1;
	p->n++;
	return 0;
}

/* The unchecked texts (of case_id, or of every case when 0), read into
 * memory first: marking them while stepping the index that finds them
 * would move rows under the cursor. */
static int pending_read(struct reg *r, int64_t case_id, struct pendings *p)
{
	static const char reviews[] =
		"SELECT case_id, form FROM reviews WHERE text_check <> 'checked' AND "
		"text_check = 'unchecked' AND (:case = 0 OR case_id = :case)";
	static const char recs[] =
		"SELECT id, text FROM recommendations WHERE text_check <> 'checked' AND "
		"text_check = 'unchecked' AND (:case = 0 OR case_id = :case)";
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK, fin;

	db_prepare(r, &q, reviews);
	db_bind_int(&q, ":case", case_id);
	while (!ret && db_step(&q) == DB_ROW) {
		json_t *form = json_loads(db_column_text(&q, 1), 0, NULL);
		const json_t *l = json_object_get(form, "learning");

		if (!form)
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "the stored review of case id %lld "
				       "cannot be read (JSON)", (long long)db_column_int(&q, 0));
		else if (pendings_add(p, db_column_int(&q, 0), 0, json_string_value(l)))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		json_decref(form);
	}
	fin = db_finalize(&q);
	if (ret || fin)
		return ret ? ret : fin;
	db_prepare(r, &q, recs);
	db_bind_int(&q, ":case", case_id);
	while (!ret && db_step(&q) == DB_ROW)
		if (pendings_add(p, db_column_int(&q, 0), 1, db_column_text(&q, 1)))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	fin = db_finalize(&q);
	return ret ? ret : fin;
}

/* Each text checked against s (no allowed words: a word is allowed only by
 * the writer, when writing) and marked checked or flagged. */
static int pending_mark(struct reg *r, const struct idset *s, const struct pendings *p,
			size_t *flagged)
{
	static const char review[] = "UPDATE reviews SET text_check = :state, "
		"check_what = :what WHERE case_id = :id AND text_check = 'unchecked'";
	static const char rec[] = "UPDATE recommendations SET text_check = :state, "
		"check_what = :what WHERE id = :id AND text_check = 'unchecked'";
	struct db_stmt u[2] = { DB_STMT_INIT, DB_STMT_INIT };
	int ret = CDOP_OK, fin;

	db_prepare(r, &u[0], review);
	db_prepare(r, &u[1], rec);
	for (size_t i = 0; !ret && i < p->n; i++) {
		struct db_stmt *q = &u[p->v[i].rec];
		struct idcheck_match m;
		int hit = idset_find(s, p->v[i].text, NULL, 0, &m, NULL);

		if (hit < 0) {
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
			break;
		}
		*flagged += hit == 1;
		db_bind_int(q, ":id", p->v[i].id);
		db_bind_text(q, ":state", hit ? "flagged" : "checked");
		db_bind_text(q, ":what", hit ? m.what : NULL);
		db_run(q);
		ret = db_reset(q);
		secure_wipe(&m, sizeof m);
	}
	fin = db_finalize(&u[0]);
	if (!ret)
		ret = fin;
	fin = db_finalize(&u[1]);
	return ret ? ret : fin;
}

int idcheck_pending(struct reg *r, int64_t case_id)
{
	static const char any[] =
		"SELECT EXISTS (SELECT 1 FROM reviews WHERE text_check <> 'checked' AND "
		"text_check = 'unchecked' AND (:case = 0 OR case_id = :case)) OR EXISTS "
		"(SELECT 1 FROM recommendations WHERE text_check <> 'checked' AND "
		"text_check = 'unchecked' AND (:case = 0 OR case_id = :case))";
	struct db_stmt q = DB_STMT_INIT;
	struct pendings p = { NULL, 0, 0 };
	struct idset *s = NULL;
	char detail[96];
	size_t flagged = 0;
	int ret, todo = 0;

	/* Only a K_id holder can check; inside a caller's transaction the
	 * caller's own writes come first (the next unlock checks). */
	if (!store_has_id(r) || r->st.in_txn)
		return CDOP_OK;
	db_prepare(r, &q, any);
	db_bind_int(&q, ":case", case_id);
	if (db_step(&q) == DB_ROW)
		todo = (int)db_column_int(&q, 0);
	ret = db_finalize(&q);
	if (ret || !todo)
		return ret;
	ret = idset_load(r, &s);
	if (!ret)
		ret = db_begin(r);
	if (ret) {
		idset_free(s);
		return ret;
	}
	ret = pending_read(r, case_id, &p);
	if (!ret)
		ret = pending_mark(r, s, &p, &flagged);
	/* Counts only: the audit trail never holds the words. */
	snprintf(detail, sizeof detail, "%zu texts checked, %zu flagged", p.n, flagged);
	if (!ret && p.n)
		ret = audit_append(r, "text_check", "register", detail);
	ret = db_end(r, ret);
	pendings_free(&p);
	idset_free(s);
	return ret;
}

int idcheck_flagged(struct reg *r, int64_t case_id, json_t **out)
{
	static const char sql[] =
		"SELECT c.ref, 'learning', v.check_what FROM reviews v "
		"JOIN cases c ON c.id = v.case_id WHERE v.text_check <> 'checked' AND "
		"v.text_check = 'flagged' AND (:case = 0 OR v.case_id = :case) "
		"UNION ALL "
		"SELECT c.ref, 'recommendation ' || m.id, m.check_what FROM "
		"recommendations m JOIN cases c ON c.id = m.case_id WHERE "
		"m.text_check <> 'checked' AND m.text_check = 'flagged' AND "
		"m.done_on IS NULL AND (:case = 0 OR m.case_id = :case) "
		"ORDER BY 1, 2";
	struct db_stmt q = DB_STMT_INIT;
	json_t *list = json_array();
	int ret = list ? CDOP_OK : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");

	*out = NULL;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":case", case_id);
	while (!ret && db_step(&q) == DB_ROW) {
		const char *what = db_column_text(&q, 2);
		json_t *row = json_pack("{s:s, s:s, s:s}", "ref", db_column_text(&q, 0),
					"field", db_column_text(&q, 1), "what",
					what ? what : "an identifier");

		if (!row || json_array_append_new(list, row))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (!ret)
		ret = db_finalize(&q);
	else
		db_finalize(&q);
	if (ret)
		json_decref(list);
	else
		*out = list;
	return ret;
}
