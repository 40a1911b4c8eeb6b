/*
 * form_normalise and form_redact: one copying walk. Normalising trims
 * strings, strips spaces from NHS numbers and drops absent values;
 * redacting also drops masked fields and anything the form does not know.
 */
#include "forms/form_internal.h"

#include <stdlib.h>
#include <string.h>

static json_t *copy_object(const struct form *f, const json_t *obj,
			   unsigned mask, int redact);

static json_t *copy_string(const struct field *fld, const json_t *v)
{
	struct span s = span_json(v);
	json_t *out = NULL;
	char *digits;
	size_t i, n = 0;

	if (fld->type == FIELD_DATE || fld->type == FIELD_DATETIME) {
		char in[FORM_SHORT_MAX], iso[DATE_DATETIME_BUFLEN];
		struct cdatetime dt;

		/* Dates typed day first are stored ISO (SPEC §2). */
		if (s.n < sizeof in) {
			memcpy(in, s.p, s.n);
			in[s.n] = '\0';
			if (date_input_datetime_parse(in, NULL, &dt) == DATE_OK &&
			    (fld->type == FIELD_DATETIME || !dt.has_time)) {
				date_datetime_format(&dt, iso);
				out = json_string(iso);
				goto out;
			}
		}
	}
	if (fld->type != FIELD_NHS_NUMBER) {
		out = json_stringn(s.p, s.n);
		goto out;
	}
	digits = malloc(s.n + 1);
	if (!digits)
		goto out;
	for (i = 0; i < s.n; i++)
		if (s.p[i] != ' ')
			digits[n++] = s.p[i];
	out = json_stringn(digits, n);
	free(digits);
out:
	return out;
}

static json_t *copy_array(const struct field *fld, const json_t *arr,
			  unsigned mask, int redact)
{
	json_t *out = json_array(), *c;
	const json_t *el;
	size_t i;

	json_array_foreach((json_t *)arr, i, el) {
		if (!out)
			break;
		if (fld->type == FIELD_OBJECT_ARRAY)
			c = copy_object(fld->sub, el, mask, redact);
		else if (json_is_string(el))
			c = json_stringn(span_json(el).p, span_json(el).n);
		else
			c = json_deep_copy(el);
		if (!c || json_array_append_new(out, c) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

static json_t *copy_value(const struct field *fld, const json_t *v,
			  unsigned mask, int redact)
{
	json_t *out;

	if (json_is_string(v))
		out = copy_string(fld, v);
	else if (fld->type == FIELD_OBJECT && fld->sub)
		out = copy_object(fld->sub, v, mask, redact);
	else if (json_is_array(v) && (fld->type == FIELD_OBJECT_ARRAY ||
				      fld->type == FIELD_CODE_ARRAY))
		out = copy_array(fld, v, mask, redact);
	else
		out = json_deep_copy(v);
	return out;
}

static json_t *copy_object(const struct form *f, const json_t *obj,
			   unsigned mask, int redact)
{
	const struct field *fld;
	const char *key;
	const json_t *v;
	json_t *out, *c;

	if (!json_is_object(obj)) {
		out = redact ? json_null() : json_deep_copy(obj);
		goto out;
	}
	out = json_object();
	json_object_foreach((json_t *)obj, key, v) {
		if (!out)
			break;
		fld = form_field_named(f, key);
		/* An object without a sub-form is opaque: redacting keeps none
		 * of it, whatever the mask, as nothing says what it holds. */
		if ((redact && (!fld || (fld->flags & mask) ||
				(fld->type == FIELD_OBJECT && !fld->sub))) ||
		    !value_is_given(v))
			continue;
		c = fld ? copy_value(fld, v, mask, redact) : json_deep_copy(v);
		if (!c || json_object_set_new(out, key, c) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
out:
	return out;
}

json_t *form_normalise(const struct form *f, const json_t *obj)
{
	return obj ? copy_object(f, obj, 0, 0) : NULL;
}

json_t *form_redact(const struct form *f, const json_t *obj, unsigned mask)
{
	return obj ? copy_object(f, obj, mask, 1) : NULL;
}

/* ---- in place: what copy_object would make, changing only what differs ---- */

/* The string copy_string (fld) or a code array (fld NULL) would make of v,
 * or NULL when it would be the same; *nomem when it cannot be made. */
static json_t *string_normal(const struct field *fld, const json_t *v, int *nomem)
{
	struct span s = span_json(v);
	json_t *out;

	if (fld && (fld->type == FIELD_DATE || fld->type == FIELD_DATETIME ||
		    fld->type == FIELD_NHS_NUMBER))
		out = copy_string(fld, v);
	else if (s.n == json_string_length(v))
		return NULL;
	else
		out = json_stringn(s.p, s.n);
	if (!out)
		*nomem = 1;
	else if (json_equal(out, (json_t *)v)) {
		json_decref(out);
		out = NULL;
	}
	return out;
}

static void here_object(const struct form *f, json_t *obj, int *nomem);

static void here_array(const struct field *fld, json_t *arr, int *nomem)
{
	json_t *el, *c;
	size_t i;

	json_array_foreach(arr, i, el) {
		if (fld->type == FIELD_OBJECT_ARRAY)
			here_object(fld->sub, el, nomem);
		else if (json_is_string(el) && (c = string_normal(NULL, el, nomem)) &&
			 json_array_set_new(arr, i, c))
			*nomem = 1;
	}
}

static void here_object(const struct form *f, json_t *obj, int *nomem)
{
	const struct field *fld;
	const char *key;
	json_t *v, *c;
	void *tmp;

	if (!json_is_object(obj))
		return;
	json_object_foreach_safe(obj, tmp, key, v) {
		fld = form_field_named(f, key);
		if (!value_is_given(v))
			json_object_del(obj, key);
		else if (!fld)
			continue;
		else if (json_is_string(v)) {
			if ((c = string_normal(fld, v, nomem)) && json_object_set_new(obj, key, c))
				*nomem = 1;
		} else if (fld->type == FIELD_OBJECT && fld->sub)
			here_object(fld->sub, v, nomem);
		else if (json_is_array(v) && (fld->type == FIELD_OBJECT_ARRAY ||
					      fld->type == FIELD_CODE_ARRAY))
			here_array(fld, v, nomem);
	}
}

int form_normalise_here(const struct form *f, json_t *obj)
{
	int nomem = 0;

	here_object(f, obj, &nomem);
	return nomem ? -1 : 0;
}

/* The field of f at member key of an object, for form_dates_iso. */
static void dates_iso_object(const struct form *f, json_t *obj,
			     const struct cdate *today);

static void date_iso_member(const struct field *fld, json_t *obj, const char *key,
			    json_t *v, const struct cdate *today)
{
	char iso[DATE_DATETIME_BUFLEN];
	struct cdatetime dt;
	const char *s = json_string_value(v);

	if (!s || date_input_datetime_parse(s, today, &dt) != DATE_OK ||
	    (fld->type == FIELD_DATE && dt.has_time))
		return;
	date_datetime_format(&dt, iso);
	if (strcmp(iso, s))
		json_object_set_new(obj, key, json_string(iso));
}

static void dates_iso_object(const struct form *f, json_t *obj,
			     const struct cdate *today)
{
	const struct field *fld;
	const char *key;
	json_t *v, *el;
	void *tmp;
	size_t i;

	if (!json_is_object(obj))
		return;
	json_object_foreach_safe(obj, tmp, key, v) {
		fld = form_field_named(f, key);
		if (!fld)
			continue;
		if (fld->type == FIELD_DATE || fld->type == FIELD_DATETIME)
			date_iso_member(fld, obj, key, v, today);
		else if (fld->type == FIELD_OBJECT && fld->sub)
			dates_iso_object(fld->sub, v, today);
		else if (fld->type == FIELD_OBJECT_ARRAY && fld->sub)
			json_array_foreach(v, i, el)
				dates_iso_object(fld->sub, el, today);
	}
}

void form_dates_iso(const struct form *f, json_t *obj, const struct cdate *today)
{
	if (f && obj)
		dates_iso_object(f, obj, today);
}
