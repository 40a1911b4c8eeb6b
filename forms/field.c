/*
 * field_check_value: one typed answer to one field, for the interactive
 * forms. More forgiving than JSON input (numbers and labels for codes,
 * y/n for booleans) because a person is typing.
 */
#include "forms/form_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/nhs.h"

static int all_digits(struct span s)
{
	size_t i;
	int ok = s.n > 0 && s.n < 10;

	for (i = 0; ok && i < s.n; i++)
		ok = s.p[i] >= '0' && s.p[i] <= '9';
	return ok;
}

/* Value of a short all-digit span (checked by all_digits). */
static long span_long(struct span s)
{
	char buf[16];

	return span_copy(s, buf, sizeof(buf)) == 0 ? strtol(buf, NULL, 10) : -1;
}

/* "1 male, 2 female, ..." or, for numeric codes, "1 Malignancy, ..." */
static void choices(const struct code_list *l, char *msg, size_t len,
		    const char *lead)
{
	int numeric = l->n && l->codes[0].code[0] >= '0' &&
		      l->codes[0].code[0] <= '9';
	size_t i, used;
	int n = snprintf(msg, len, "%s", lead);

	used = n > 0 ? (size_t)n : 0;
	for (i = 0; i < l->n && used < len; i++) {
		if (numeric)
			n = snprintf(msg + used, len - used, "%s%s %s", i ? ", " : "",
				     l->codes[i].code, l->codes[i].label);
		else
			n = snprintf(msg + used, len - used, "%s%zu %s", i ? ", " : "",
				     i + 1, l->codes[i].code);
		used += n > 0 ? (size_t)n : 0;
	}
}

/* Index of the code a person meant, or FORM_EINVALID with msg set. */
static int answer_code(const struct code_list *l, struct span s, char *msg,
		       size_t len)
{
	int numeric = l->n && l->codes[0].code[0] >= '0' &&
		      l->codes[0].code[0] <= '9';
	int found = FORM_EINVALID;
	char q[64], lead[160];
	size_t i;

	for (i = 0; i < l->n && found < 0; i++)
		if (span_eq(s, l->codes[i].code))
			found = (int)i;
	for (i = 0; i < l->n && found < 0; i++)
		if (span_caseeq(s, l->codes[i].code) ||
		    span_caseeq(s, l->codes[i].label))
			found = (int)i;
	if (found < 0 && !numeric && all_digits(s)) {
		long k = span_long(s);

		if (k >= 1 && (size_t)k <= l->n)
			found = (int)(k - 1);
	}
	if (found < 0) {
		value_quote(s, q, sizeof(q));
		snprintf(lead, sizeof(lead), "%s is not one of the choices; type %s: ",
			 q, numeric ? "one of" : "a code or its number");
		choices(l, msg, len, lead);
	}
	return found;
}

static int answer_bool(struct span s, json_t **out, char *msg, size_t len)
{
	static const char *const yes[] = { "y", "yes", "true", "1" };
	static const char *const no[] = { "n", "no", "false", "0" };
	char q[64];
	size_t i;
	int ret = FORM_EINVALID;

	for (i = 0; i < 4 && ret != FORM_OK; i++) {
		if (span_caseeq(s, yes[i]) || span_caseeq(s, no[i])) {
			*out = json_boolean(span_caseeq(s, yes[i]));
			ret = FORM_OK;
		}
	}
	if (ret != FORM_OK) {
		value_quote(s, q, sizeof(q));
		snprintf(msg, len, "%s is not yes or no; type y or n", q);
	}
	return ret;
}

static int answer_int(const struct field *f, struct span s, json_t **out,
		      char *msg, size_t len)
{
	char q[64];
	int ret = FORM_EINVALID, i;

	if (f->codes) {
		i = answer_code(f->codes, s, msg, len);
		if (i >= 0) {
			*out = json_integer(strtol(f->codes->codes[i].code, NULL, 10));
			ret = FORM_OK;
		}
	} else if (all_digits(s) && f->max > f->min &&
		   (span_long(s) < f->min || span_long(s) > f->max)) {
		snprintf(msg, len, "%ld is out of range; give a whole number from %ld to %ld",
			 span_long(s), f->min, f->max);
	} else if (all_digits(s)) {
		*out = json_integer(span_long(s));
		ret = FORM_OK;
	} else {
		value_quote(s, q, sizeof(q));
		snprintf(msg, len, "%s is not a whole number", q);
	}
	return ret;
}

static int answer_code_array(const struct code_list *l, struct span s,
			     json_t **out, char *msg, size_t len)
{
	json_t *arr = json_array();
	struct span item;
	size_t i = 0, k, j;
	int ret = arr ? FORM_OK : FORM_ENOMEM, idx;
	char q[64];

	while (ret == FORM_OK && i < s.n) {
		k = i;
		while (k < s.n && s.p[k] != ',' && s.p[k] != ' ' && s.p[k] != '\t')
			k++;
		item = span_of(s.p + i, k - i);
		i = k + 1;
		if (!item.n)
			continue;
		idx = answer_code(l, item, msg, len);
		if (idx < 0) {
			ret = FORM_EINVALID;
			break;
		}
		for (j = 0; j < json_array_size(arr); j++)
			if (strcmp(json_string_value(json_array_get(arr, j)),
				   l->codes[idx].code) == 0)
				ret = FORM_EINVALID;
		if (ret != FORM_OK) {
			value_quote(item, q, sizeof(q));
			snprintf(msg, len, "%s is given twice; give each once", q);
		} else if (json_array_append_new(arr, json_string(l->codes[idx].code))) {
			ret = FORM_ENOMEM;
		}
	}
	if (ret == FORM_OK)
		*out = arr;
	else
		json_decref(arr);
	return ret;
}

static int answer_string(const struct field *f, struct span s, json_t **out,
			 char *msg, size_t len)
{
	char nhs[NHS_NUMBER_BUFLEN];
	struct cdate d;
	struct ctod t;
	struct cdatetime dt;
	int ret = FORM_EINVALID;

	switch (f->type) {
	case FIELD_TEXT: ret = value_check_text(f, s, msg, len); break;
	case FIELD_DATE: ret = value_check_date(s, &d, msg, len); break;
	case FIELD_TIME: ret = value_check_time(s, &t, msg, len); break;
	case FIELD_DATETIME: ret = value_check_datetime(s, &dt, msg, len); break;
	case FIELD_NHS_NUMBER: ret = value_check_nhs(s, nhs, msg, len); break;
	default: break;
	}
	if (ret == FORM_OK)
		*out = f->type == FIELD_NHS_NUMBER ? json_string(nhs)
						   : json_stringn(s.p, s.n);
	return ret;
}

int field_check_value(const struct field *f, const char *text, json_t **out,
		      char *msg, size_t msglen)
{
	struct span s = span_trim(span_of(text, strlen(text)));
	int ret = FORM_OK, i;

	*out = NULL;
	if (msglen)
		msg[0] = '\0';
	if (f->type == FIELD_OBJECT || f->type == FIELD_OBJECT_ARRAY) {
		snprintf(msg, msglen, "%s has parts; answer each of them", f->name);
		ret = FORM_EARG;
		goto out;
	}
	if (!s.n) {
		if (f->flags & FIELD_REQUIRED) {
			snprintf(msg, msglen, "an answer is required");
			ret = FORM_EINVALID;
		}
		goto out;
	}
	switch (f->type) {
	case FIELD_BOOL: ret = answer_bool(s, out, msg, msglen); break;
	case FIELD_INT: ret = answer_int(f, s, out, msg, msglen); break;
	case FIELD_CODE_ARRAY:
		ret = answer_code_array(f->codes, s, out, msg, msglen);
		break;
	case FIELD_CODE:
		i = answer_code(f->codes, s, msg, msglen);
		ret = i < 0 ? FORM_EINVALID : FORM_OK;
		if (i >= 0)
			*out = json_string(f->codes->codes[i].code);
		break;
	default: ret = answer_string(f, s, out, msg, msglen); break;
	}
	if (ret == FORM_OK && !*out)
		ret = FORM_ENOMEM;
out:
	return ret;
}
