/* JSON read and written as jansson does, faster (forms/json.h). */
#include "forms/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ---------------------------------------------------------------
 *
 * A scanner for the shape the register's files have. It gives up (NULL)
 * on anything it does not build exactly as jansson's parser would, and
 * form_json_loadb then asks jansson, so an error is always jansson's.
 */
#define FAST_DEPTH 64

struct scan {
	const unsigned char *p, *end;
	char *buf;          /* a string with escapes or multi-byte characters */
	size_t cap;
	int depth;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' ||
				 *s->p == '\r'))
		s->p++;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The length of the valid UTF-8 character at p (first byte >= 0x80), or
 * 0: no overlong forms, surrogates or values past U+10FFFF. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	uint32_t v;

	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2, v = p[0] & 0x1Fu;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3, v = p[0] & 0x0Fu;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4, v = p[0] & 0x07u;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3Fu);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	return n;
}

static int buf_room(struct scan *s, size_t need)
{
	char *nb;
	size_t cap = s->cap ? s->cap : 256;

	if (need <= s->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	nb = malloc(cap);
	if (!nb)
		return -1;
	if (s->buf) {
		memcpy(nb, s->buf, s->cap);
		explicit_bzero(s->buf, s->cap);
		free(s->buf);
	}
	s->buf = nb;
	s->cap = cap;
	return 0;
}

/*
 * The string after the opening quote: *out and *len point into the input
 * when it has no escapes, else into s->buf. -1 to give up.
 */
static int scan_string(struct scan *s, const char **out, size_t *len)
{
	const unsigned char *start = s->p, *p = s->p;
	size_t n = 0;

	while (p < s->end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
		p++;
	if (p < s->end && *p == '"') {
		*out = (const char *)start;
		*len = (size_t)(p - start);
		s->p = p + 1;
		return 0;
	}
	/* The slow way: escapes and multi-byte characters, into buf. */
	if (buf_room(s, (size_t)(s->end - start) + 1))
		return -1;
	for (p = start; p < s->end && *p != '"';) {
		if (*p < 0x20) {
			return -1;
		} else if (*p >= 0x80) {
			size_t k = utf8_len(p, s->end);

			if (!k)
				return -1;
			memcpy(s->buf + n, p, k);
			n += k;
			p += k;
		} else if (*p != '\\') {
			s->buf[n++] = (char)*p++;
		} else {
			unsigned v = 0;
			int i, h;

			if (p + 1 >= s->end)
				return -1;
			switch (p[1]) {
			case '"': case '\\': case '/':
				s->buf[n++] = (char)p[1];
				break;
			case 'b': s->buf[n++] = '\b'; break;
			case 'f': s->buf[n++] = '\f'; break;
			case 'n': s->buf[n++] = '\n'; break;
			case 'r': s->buf[n++] = '\r'; break;
			case 't': s->buf[n++] = '\t'; break;
			case 'u':
				if (s->end - p < 6)
					return -1;
				for (i = 2; i < 6; i++) {
					if ((h = hexval(p[i])) < 0)
						return -1;
					v = v << 4 | (unsigned)h;
				}
				/* NUL and surrogate pairs: jansson's business. */
				if (!v || (v >= 0xD800 && v <= 0xDFFF))
					return -1;
				if (v < 0x80) {
					s->buf[n++] = (char)v;
				} else if (v < 0x800) {
					s->buf[n++] = (char)(0xC0 | v >> 6);
					s->buf[n++] = (char)(0x80 | (v & 0x3F));
				} else {
					s->buf[n++] = (char)(0xE0 | v >> 12);
					s->buf[n++] = (char)(0x80 | ((v >> 6) & 0x3F));
					s->buf[n++] = (char)(0x80 | (v & 0x3F));
				}
				p += 4;
				break;
			default:
				return -1;
			}
			p += 2;
		}
	}
	if (p >= s->end)
		return -1;
	*out = s->buf;
	*len = n;
	s->p = p + 1;
	return 0;
}

/* -?(0|[1-9][0-9]*) as a json_integer; reals and overflow give up. */
static json_t *scan_integer(struct scan *s)
{
	const unsigned char *p = s->p;
	int neg = 0;
	uint64_t v = 0, limit;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= s->end || *p < '0' || *p > '9')
		return NULL;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (*p == '0') {
		p++;
	} else {
		while (p < s->end && *p >= '0' && *p <= '9') {
			unsigned d = (unsigned)(*p++ - '0');

			if (v > (limit - d) / 10)
				return NULL;
			v = v * 10 + d;
		}
	}
	if (p < s->end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' ||
			   *p == 'E'))
		return NULL;
	s->p = p;
	if (neg)
		return json_integer(v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)v);
	return json_integer((json_int_t)v);
}

static json_t *scan_value(struct scan *s);

static json_t *scan_word(struct scan *s, const char *w, json_t *v)
{
	size_t n = strlen(w);
	const unsigned char *after = s->p + n;

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) ||
	    (after < s->end && ((*after >= 'a' && *after <= 'z') ||
				(*after >= 'A' && *after <= 'Z'))))
		return NULL;
	s->p = after;
	return v;
}

static json_t *scan_array(struct scan *s)
{
	json_t *a = json_array(), *v;

	skip_ws(s);
	if (a && s->p < s->end && *s->p == ']') {
		s->p++;
		return a;
	}
	while (a) {
		v = scan_value(s);
		if (!v || json_array_append_new(a, v))
			break;
		skip_ws(s);
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			return a;
		}
		if (s->p >= s->end || *s->p != ',')
			break;
		s->p++;
	}
	json_decref(a);
	return NULL;
}

static json_t *scan_object(struct scan *s)
{
	json_t *o = json_object(), *v;
	const char *key;
	size_t klen, size;
	char small[64], *copy;

	skip_ws(s);
	if (o && s->p < s->end && *s->p == '}') {
		s->p++;
		return o;
	}
	while (o) {
		if (s->p >= s->end || *s->p != '"')
			break;
		s->p++;
		if (scan_string(s, &key, &klen))
			break;
		/* The value may reuse buf: a key from it is copied first. */
		copy = (char *)key;
		if (key == s->buf) {
			copy = klen < sizeof small ? small : malloc(klen + 1);
			if (!copy)
				break;
			memcpy(copy, key, klen);
		}
		skip_ws(s);
		v = NULL;
		if (s->p < s->end && *s->p == ':') {
			s->p++;
			v = scan_value(s);
		}
		size = json_object_size(o);
		/* A repeated key would replace: jansson rejects it. */
		if (v && (json_object_setn_new_nocheck(o, copy, klen, v) ||
			  json_object_size(o) == size))
			v = NULL; /* set took it either way; the object frees it */
		if (copy != key && copy != small)
			free(copy);
		if (!v)
			break;
		skip_ws(s);
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			return o;
		}
		if (s->p >= s->end || *s->p != ',')
			break;
		s->p++;
		skip_ws(s);
	}
	json_decref(o);
	return NULL;
}

static json_t *scan_value(struct scan *s)
{
	const char *str;
	size_t len;
	json_t *v = NULL;

	skip_ws(s);
	if (s->p >= s->end)
		return NULL;
	switch (*s->p) {
	case '{':
	case '[':
		if (++s->depth > FAST_DEPTH)
			return NULL;
		s->p++;
		v = s->p[-1] == '{' ? scan_object(s) : scan_array(s);
		s->depth--;
		break;
	case '"':
		s->p++;
		if (!scan_string(s, &str, &len))
			v = json_stringn_nocheck(str, len);
		break;
	case 't':
		v = scan_word(s, "true", json_true());
		break;
	case 'f':
		v = scan_word(s, "false", json_false());
		break;
	case 'n':
		v = scan_word(s, "null", json_null());
		break;
	default:
		v = scan_integer(s);
	}
	return v;
}

json_t *form_json_loadb(const char *text, size_t len, json_error_t *err)
{
	struct scan s = { (const unsigned char *)text, (const unsigned char *)text + len,
			  NULL, 0, 0 };
	json_t *v = NULL;

	skip_ws(&s);
	if (s.p < s.end && (*s.p == '{' || *s.p == '['))
		v = scan_value(&s);
	skip_ws(&s);
	if (v && s.p != s.end) {
		json_decref(v);
		v = NULL;
	}
	if (s.buf) {
		explicit_bzero(s.buf, s.cap);
		free(s.buf);
	}
	return v ? v : json_loadb(text, len, JSON_REJECT_DUPLICATES, err);
}

/* ---- writing ----------------------------------------------------------------- */

struct out {
	char *p;
	size_t len, cap;
	int bad;
};

static void put(struct out *o, const void *s, size_t n)
{
	if (o->bad)
		return;
	if (o->cap - o->len <= n) {
		size_t cap = o->cap ? o->cap : 1024;
		char *np;

		while (cap - o->len <= n)
			cap *= 2;
		np = malloc(cap);
		if (!np) {
			o->bad = 1;
			return;
		}
		if (o->p) {
			memcpy(np, o->p, o->len);
			explicit_bzero(o->p, o->cap);
			free(o->p);
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_string(struct out *o, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len, *run;
	char esc[8];

	put(o, "\"", 1);
	while (s < end) {
		for (run = s; s < end && *s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\';)
			s++;
		put(o, run, (size_t)(s - run));
		if (s >= end)
			break;
		if (*s >= 0x80) {
			size_t k = utf8_len(s, end);

			if (!k) {
				o->bad = 1; /* jansson will not write invalid UTF-8 */
				return;
			}
			put(o, s, k);
			s += k;
			continue;
		}
		switch (*s) {
		case '"': put(o, "\\\"", 2); break;
		case '\\': put(o, "\\\\", 2); break;
		case '\b': put(o, "\\b", 2); break;
		case '\f': put(o, "\\f", 2); break;
		case '\n': put(o, "\\n", 2); break;
		case '\r': put(o, "\\r", 2); break;
		case '\t': put(o, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04X", (unsigned)*s);
			put(o, esc, 6);
		}
		s++;
	}
	put(o, "\"", 1);
}

struct key {
	const char *k;
	size_t len;
	const json_t *v;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = memcmp(x->k, y->k, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void put_value(struct out *o, const json_t *j, int depth);

static void put_object(struct out *o, const json_t *j, int depth)
{
	struct key small[32], *keys = small;
	size_t n = json_object_size(j), i = 0;
	void *it;

	if (n > sizeof small / sizeof small[0] && !(keys = malloc(n * sizeof *keys))) {
		o->bad = 1;
		return;
	}
	for (it = json_object_iter((json_t *)j); it && i < n;
	     it = json_object_iter_next((json_t *)j, it), i++) {
		keys[i].k = json_object_iter_key(it);
		keys[i].len = json_object_iter_key_len(it);
		keys[i].v = json_object_iter_value(it);
	}
	qsort(keys, i, sizeof *keys, key_cmp);
	put(o, "{", 1);
	for (n = i, i = 0; i < n; i++) {
		if (i)
			put(o, ",", 1);
		put_string(o, keys[i].k, keys[i].len);
		put(o, ":", 1);
		put_value(o, keys[i].v, depth + 1);
	}
	put(o, "}", 1);
	if (keys != small)
		free(keys);
}

static void put_value(struct out *o, const json_t *j, int depth)
{
	char num[32];
	char *real;
	size_t i;
	int n;

	if (depth > JSON_PARSER_MAX_DEPTH) {
		o->bad = 1;
		return;
	}
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		put_object(o, j, depth);
		break;
	case JSON_ARRAY:
		put(o, "[", 1);
		for (i = 0; i < json_array_size(j); i++) {
			if (i)
				put(o, ",", 1);
			put_value(o, json_array_get(j, i), depth + 1);
		}
		put(o, "]", 1);
		break;
	case JSON_STRING:
		put_string(o, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		put(o, num, (size_t)n);
		break;
	case JSON_REAL:
		/* Rare: jansson's own spelling of a double. */
		real = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		if (real)
			put(o, real, strlen(real));
		else
			o->bad = 1;
		free(real);
		break;
	case JSON_TRUE:
		put(o, "true", 4);
		break;
	case JSON_FALSE:
		put(o, "false", 5);
		break;
	case JSON_NULL:
		put(o, "null", 4);
		break;
	}
}

char *form_json_dumps(const json_t *j)
{
	struct out o = { NULL, 0, 0, 0 };

	if (!json_is_object(j) && !json_is_array(j))
		return NULL;
	put_value(&o, j, 0);
	put(&o, "", 1);
	if (o.bad && o.p) {
		explicit_bzero(o.p, o.cap);
		free(o.p);
		o.p = NULL;
	}
	return o.p;
}
