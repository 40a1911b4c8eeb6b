/*
 * Checks of one value, shared by form_validate (JSON input) and
 * field_check_value (a typed answer), so both say the same thing.
 */
#include "forms/form_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "forms/nhs.h"

#define QUOTE_MAX 48	/* bytes of user text echoed in a message */

struct span span_of(const char *s, size_t n)
{
	struct span sp = { s, n };

	return sp;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

struct span span_trim(struct span s)
{
	while (s.n && is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

int span_eq(struct span s, const char *z)
{
	return strlen(z) == s.n && memcmp(s.p, z, s.n) == 0;
}

int span_caseeq(struct span s, const char *z)
{
	return strlen(z) == s.n && strncasecmp(s.p, z, s.n) == 0;
}

int span_copy(struct span s, char *out, size_t len)
{
	int ret = -1;

	if (s.n < len && !memchr(s.p, '\0', s.n)) {
		memcpy(out, s.p, s.n);
		out[s.n] = '\0';
		ret = 0;
	}
	return ret;
}

struct span span_json(const json_t *str)
{
	return span_trim(span_of(json_string_value(str),
				 json_string_length(str)));
}

/* Length of the UTF-8 sequence led by c, 0 if c cannot lead one. */
static size_t utf8_seq_len(unsigned char c)
{
	size_t n = 0;

	if (c < 0x80)
		n = 1;
	else if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	return n;
}

int value_utf8_valid(struct span s)
{
	size_t i = 0, k, n;
	int ok = 1;

	while (ok && i < s.n) {
		n = utf8_seq_len((unsigned char)s.p[i]);
		ok = n && i + n <= s.n;
		for (k = 1; ok && k < n; k++)
			ok = ((unsigned char)s.p[i + k] & 0xc0) == 0x80;
		i += n;
	}
	return ok;
}

size_t value_utf8_chars(struct span s)
{
	size_t i, n = 0;

	for (i = 0; i < s.n; i++)
		n += ((unsigned char)s.p[i] & 0xc0) != 0x80;
	return n;
}

/* C0, DEL and the UTF-8 form of C1 could drive a terminal: escape them. */
static size_t quote_one(const unsigned char *p, size_t left, char *out,
			size_t room, size_t *used)
{
	size_t n = utf8_seq_len(p[0]);
	int c1 = p[0] == 0xc2 && left > 1 && p[1] >= 0x80 && p[1] <= 0x9f;

	if (p[0] < 0x20 || p[0] == 0x7f || c1 || n == 0 || n > left) {
		n = c1 ? 2 : 1;
		*used = (size_t)snprintf(out, room, "\\x%02x", p[0]);
		if (c1 && *used < room)
			*used += (size_t)snprintf(out + *used, room - *used,
						  "\\x%02x", p[1]);
	} else if (p[0] == '"' || p[0] == '\\') {
		*used = (size_t)snprintf(out, room, "\\%c", p[0]);
	} else {
		*used = n < room ? n : room;
		memcpy(out, p, *used);
	}
	return n;
}

void value_quote(struct span s, char *out, size_t len)
{
	char piece[16];
	size_t i = 0, o = 0, used = 0, step;

	if (len < 8)
		goto out;
	out[o++] = '"';
	while (i < s.n) {
		step = quote_one((const unsigned char *)s.p + i, s.n - i, piece,
				 sizeof(piece), &used);
		if (o + used > QUOTE_MAX || o + used + 5 > len) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, used);
		o += used;
		i += step;
	}
	out[o++] = '"';
	out[o] = '\0';
out:
	if (len && len < 8)
		out[0] = '\0';
}

void value_codes_valid(const struct code_list *l, char *out, size_t len)
{
	int n = snprintf(out, len, "valid: ");

	if (n > 0 && (size_t)n < len)
		code_list_join(l, out + n, len - (size_t)n);
}

/*
 * U+0080-U+009F (C1 controls) and the bidirectional embeddings, overrides
 * and isolates U+202A-U+202E, U+2066-U+2069: invisible, and able to drive a
 * terminal or reorder what a reader sees (issue 10, finding 13). Never
 * valid in register text. The code point, or 0. S is valid UTF-8.
 */
static unsigned invisible_control(struct span s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i;

	for (i = 0; i + 1 < s.n; i++) {
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return p[i + 1];
		if (i + 2 < s.n && p[i] == 0xe2 &&
		    ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae) ||
		     (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
			return 0x2000u | (p[i + 1] & 0x3fu) << 6 | (p[i + 2] & 0x3fu);
	}
	return 0;
}

static int text_chars_check(struct span s, int multi, char *msg, size_t len)
{
	unsigned cp;
	size_t i;

	if (!value_utf8_valid(s)) {
		snprintf(msg, len, "is not valid UTF-8 text");
		return FORM_EINVALID;
	}
	for (i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '\0') {
			snprintf(msg, len, "contains a NUL character");
			return FORM_EINVALID;
		}
		if ((c < 0x20 || c == 0x7f) &&
		    !(multi && (c == '\n' || c == '\t' || c == '\r'))) {
			snprintf(msg, len, multi ?
				 "contains a control character; only line breaks and tabs are allowed" :
				 "contains a line break or control character; this field is one line");
			return FORM_EINVALID;
		}
	}
	cp = invisible_control(s);
	if (cp) {
		snprintf(msg, len, "contains the invisible %s U+%04X; remove it "
			 "(plain text only)", cp < 0x100 ? "control character" :
			 "bidirectional formatting character", cp);
		return FORM_EINVALID;
	}
	return FORM_OK;
}

int form_text_check(const char *text, int multiline, size_t max_chars, char *msg,
		    size_t len)
{
	struct span s = { text, text ? strlen(text) : 0 };
	size_t chars;
	int ret = text_chars_check(s, multiline, msg, len);

	if (ret)
		return ret;
	chars = value_utf8_chars(s);
	if (max_chars && chars > max_chars) {
		snprintf(msg, len, "is %zu characters long; at most %zu allowed",
			 chars, max_chars);
		return FORM_EINVALID;
	}
	return FORM_OK;
}

int value_check_text(const struct field *f, struct span s, char *msg,
		     size_t len)
{
	int ret = FORM_EINVALID;
	int multi = (f->flags & FIELD_FREE_TEXT) != 0;
	size_t chars;

	if (text_chars_check(s, multi, msg, len))
		goto out;
	chars = value_utf8_chars(s);
	if (f->max_len && chars > f->max_len) {
		snprintf(msg, len, "is %zu characters long; at most %zu allowed",
			 chars, f->max_len);
		goto out;
	}
	ret = FORM_OK;
out:
	return ret;
}

int value_check_date(struct span s, struct cdate *out, char *msg, size_t len)
{
	char buf[FORM_SHORT_MAX], q[QUOTE_MAX + 16];
	struct cdate d = { 0, 0, 0 };
	int rc = DATE_ESYNTAX, ret = FORM_EINVALID;

	if (span_copy(s, buf, sizeof(buf)) == 0)
		rc = date_input_parse(buf, NULL, &d);
	/* Quoted only for a message: a valid value (most) is not. */
	if (rc != DATE_OK)
		value_quote(s, q, sizeof(q));
	if (rc == DATE_ESYNTAX) {
		snprintf(msg, len, "%s is not a date; use DD/MM/YYYY or YYYY-MM-DD, "
			 "e.g. 01/06/2025", q);
	} else if (rc == DATE_ERANGE) {
		date_range_explain(buf, q, msg, len);
	} else {
		*out = d;
		ret = FORM_OK;
	}
	return ret;
}

int value_check_time(struct span s, struct ctod *out, char *msg, size_t len)
{
	char buf[FORM_SHORT_MAX], q[QUOTE_MAX + 16];
	int rc = DATE_ESYNTAX, ret = FORM_EINVALID;
	struct ctod t = { 0, 0 };

	if (span_copy(s, buf, sizeof(buf)) == 0)
		rc = date_time_parse(buf, &t);
	/* Quoted only for a message: a valid value (most) is not. */
	if (rc != DATE_OK)
		value_quote(s, q, sizeof(q));
	if (rc == DATE_ESYNTAX)
		snprintf(msg, len, "%s is not a time; use HH:MM on the 24-hour clock, e.g. 14:20", q);
	else if (rc == DATE_ERANGE)
		snprintf(msg, len, "%s is not a real time; hours run 00 to 23, minutes 00 to 59", q);
	else {
		*out = t;
		ret = FORM_OK;
	}
	return ret;
}

int value_check_datetime(struct span s, struct cdatetime *out, char *msg,
			 size_t len)
{
	char buf[FORM_SHORT_MAX], q[QUOTE_MAX + 16];
	int rc = DATE_ESYNTAX, ret = FORM_EINVALID;
	struct cdatetime dt;
	struct cdate d;
	struct ctod t;

	if (span_copy(s, buf, sizeof(buf)) == 0)
		rc = date_input_datetime_parse(buf, NULL, &dt);
	/* Quoted only for a message: a valid value (most) is not. */
	if (rc != DATE_OK)
		value_quote(s, q, sizeof(q));
	if (rc == DATE_ESYNTAX) {
		snprintf(msg, len, "%s is not a date or a date and time; use DD/MM/YYYY or YYYY-MM-DD, with HH:MM after a T or a space if the time matters, e.g. 03/05/2025 14:20", q);
	} else if (rc == DATE_ERANGE) {
		/* say which half is wrong, in the words of its own check */
		size_t k = strcspn(buf, "T ");

		if (value_check_date(span_of(buf, k), &d, msg, len) == FORM_OK && buf[k])
			value_check_time(span_of(buf + k + 1, strlen(buf + k + 1)), &t, msg, len);
	} else {
		*out = dt;
		ret = FORM_OK;
	}
	return ret;
}

int value_check_code(const struct code_list *l, struct span s, char *msg,
		     size_t len)
{
	char q[QUOTE_MAX + 16], valid[FORM_MSG_MAX / 2];
	int ret = FORM_EINVALID;
	size_t i;

	for (i = 0; i < l->n && ret < 0; i++)
		if (span_eq(s, l->codes[i].code))
			ret = (int)i;
	if (ret < 0) {
		value_quote(s, q, sizeof(q));
		value_codes_valid(l, valid, sizeof(valid));
		snprintf(msg, len, "%s is not a valid code; %s", q, valid);
	}
	return ret;
}

/* v in decimal into out (room for 21 bytes); its length. Every member
 * of every array of every line names its path: no printf for that. */
static size_t decimal(char out[21], unsigned long long v)
{
	char rev[20];
	size_t n = 0, k = 0;

	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[k++] = rev[--n];
	out[k] = 0;
	return k;
}

int value_check_int_code(const struct code_list *l, json_int_t v, char *msg,
			 size_t len)
{
	char num[32], valid[FORM_MSG_MAX / 2];
	int ret;

	num[0] = '-';
	decimal(num + (v < 0), v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
	ret = code_list_index(l, num);
	if (ret < 0) {
		value_codes_valid(l, valid, sizeof(valid));
		snprintf(msg, len, "%s is not a valid code; %s", num, valid);
		ret = FORM_EINVALID;
	}
	return ret;
}

int value_check_nhs(struct span s, char out[], char *msg, size_t len)
{
	char buf[FORM_SHORT_MAX], q[QUOTE_MAX + 16];
	size_t ndigits = 0;
	int rc = NHS_ELENGTH, ret = FORM_EINVALID;

	value_quote(s, q, sizeof(q));
	if (span_copy(s, buf, sizeof(buf)) == 0)
		rc = nhs_number_check(buf, out, &ndigits);
	else if (memchr(s.p, '\0', s.n))
		rc = NHS_ECHAR;
	if (rc == NHS_ECHAR)
		snprintf(msg, len, "%s is not an NHS number; use its 10 digits (spaces allowed)", q);
	else if (rc == NHS_ELENGTH && ndigits)
		snprintf(msg, len, "%s has %zu digits; an NHS number has 10", q, ndigits);
	else if (rc == NHS_ELENGTH)
		snprintf(msg, len, "%s is too long for an NHS number; use its 10 digits", q);
	else if (rc == NHS_ECHECK)
		snprintf(msg, len, "%s fails the NHS number check digit; check it was copied correctly", q);
	else
		ret = FORM_OK;
	return ret;
}

const char *value_json_kind(const json_t *v)
{
	const char *k = "null";

	switch (json_typeof(v)) {
	case JSON_OBJECT: k = "an object"; break;
	case JSON_ARRAY: k = "an array"; break;
	case JSON_STRING: k = "a string"; break;
	case JSON_INTEGER: k = "a whole number"; break;
	case JSON_REAL: k = "a number with a fraction"; break;
	case JSON_TRUE: case JSON_FALSE: k = "true/false"; break;
	case JSON_NULL: k = "null"; break;
	}
	return k;
}

int value_is_given(const json_t *v)
{
	return v && !json_is_null(v) &&
	       !(json_is_string(v) && span_json(v).n == 0);
}

/* Validation joins a path for every field it visits, error or not: copies,
 * not snprintf. Cut short to fit, as snprintf would. */
void path_join(char *out, size_t len, const char *prefix, const char *name)
{
	size_t p = prefix ? strlen(prefix) : 0, n = strlen(name), o = 0;

	if (!len)
		return;
	if (p) {
		p = p < len - 1 ? p : len - 1;
		memcpy(out, prefix, p);
		o = p;
		if (o < len - 1)
			out[o++] = '.';
	}
	n = n < len - 1 - o ? n : len - 1 - o;
	memcpy(out + o, name, n);
	out[o + n] = 0;
}

/* "prefix[i]", cut to len as snprintf would. */
void path_index(char *out, size_t len, const char *prefix, size_t i)
{
	char idx[24];
	size_t p = strlen(prefix), n;

	if (!len)
		return;
	idx[0] = '[';
	n = 1 + decimal(idx + 1, i);
	idx[n++] = ']';
	if (p > len - 1)
		p = len - 1;
	memcpy(out, prefix, p);
	if (n > len - 1 - p)
		n = len - 1 - p;
	memcpy(out + p, idx, n);
	out[p + n] = 0;
}
