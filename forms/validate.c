/*
 * form_validate: walks a JSON object alongside its form and records every
 * error with its path. Cross-field rules run after the fields, per object.
 */
#include "forms/form_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "forms/nhs.h"

#define KEY_SHOWN 40	/* an unknown key is cut to this in a path */

struct vctx {
	const struct cdate *today;
	struct form_errors *errs;
	int import;	/* inside a FORM_IMPORT form */
};

static void validate_object(const struct form *f, const json_t *obj,
			    const char *prefix, struct vctx *c);

static int field_allowed(const struct field *fld, const struct vctx *c)
{
	return !(fld->flags & FIELD_IMPORT_ONLY) || c->import;
}

/* Edit distance, for "did you mean"; long keys are not worth it. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t row[KEY_SHOWN + 1], i, j, diag, up, la = strlen(a),
	       lb = strlen(b);

	if (la > KEY_SHOWN || lb > KEY_SHOWN)
		goto out;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
out:
	return (la > KEY_SHOWN || lb > KEY_SHOWN) ? KEY_SHOWN : row[lb];
}

/* Keys come from the user: keep paths printable and short. */
static void key_sanitise(const char *key, char *out, size_t len)
{
	size_t i, o = 0;

	for (i = 0; key[i] && o + 4 < len && i < KEY_SHOWN; i++) {
		unsigned char ch = (unsigned char)key[i];

		out[o++] = (ch > 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (key[i] && o + 4 < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void unknown_key(const struct form *f, const char *key,
			const char *prefix, struct vctx *c)
{
	char shown[KEY_SHOWN + 8], path[FORM_PATH_MAX], hint[KEY_SHOWN + 32] = "";
	struct sbuf valid;
	size_t i, best = 3;

	sbuf_init(&valid);
	for (i = 0; i < f->n; i++) {
		const struct field *fld = &f->fields[i];
		size_t d;

		if (!field_allowed(fld, c))
			continue;
		sbuf_addf(&valid, "%s%s", valid.len ? ", " : "", fld->name);
		d = edit_distance(key, fld->name);
		if (d < best && d < strlen(fld->name)) {
			best = d;
			snprintf(hint, sizeof(hint), "did you mean \"%s\"? ",
				 fld->name);
		}
	}
	key_sanitise(key, shown, sizeof(shown));
	path_join(path, sizeof(path), prefix, shown);
	if (valid.oom)
		c->errs->oom = 1;
	else
		form_errors_add(c->errs, path, "unknown field; %svalid: %s",
				hint, valid.p ? valid.p : "(none)");
	sbuf_release(&valid);
}

static void check_keys(const struct form *f, const json_t *obj,
		       const char *prefix, struct vctx *c)
{
	const char *key;
	const json_t *v;
	const struct field *fld;
	char path[FORM_PATH_MAX];

	json_object_foreach((json_t *)obj, key, v) {
		fld = form_field_named(f, key);
		if (!fld) {
			unknown_key(f, key, prefix, c);
		} else if (!field_allowed(fld, c) && value_is_given(v)) {
			path_join(path, sizeof(path), prefix, key);
			form_errors_add(c->errs, path,
					"only allowed in an import file");
		}
	}
}

/* What the JSON type should have been, for "must be X, not Y". */
static const char *kind_wanted(const struct field *fld)
{
	const char *w = "a string";

	switch (fld->type) {
	case FIELD_TEXT: w = "a string"; break;
	case FIELD_DATE: w = "a date string (YYYY-MM-DD)"; break;
	case FIELD_TIME: w = "a time string (HH:MM)"; break;
	case FIELD_DATETIME: w = "a date string (YYYY-MM-DD or YYYY-MM-DDTHH:MM)"; break;
	case FIELD_CODE: w = "a code in a string"; break;
	case FIELD_BOOL: w = "true or false"; break;
	case FIELD_INT: w = "a whole number"; break;
	case FIELD_NHS_NUMBER: w = "a string of 10 digits"; break;
	case FIELD_OBJECT: w = "an object"; break;
	case FIELD_CODE_ARRAY: w = "an array of codes"; break;
	case FIELD_OBJECT_ARRAY: w = "an array of objects"; break;
	}
	return w;
}

static int kind_ok(const struct field *fld, const json_t *v)
{
	int ok = json_is_string(v);

	switch (fld->type) {
	case FIELD_BOOL: ok = json_is_boolean(v); break;
	case FIELD_INT: ok = json_is_integer(v); break;
	case FIELD_OBJECT: ok = json_is_object(v); break;
	case FIELD_CODE_ARRAY:
	case FIELD_OBJECT_ARRAY: ok = json_is_array(v); break;
	default: break;
	}
	return ok;
}

static void type_error(const struct field *fld, const json_t *v,
		       const char *path, struct vctx *c)
{
	char valid[FORM_MSG_MAX / 2] = "";

	if (fld->codes && (fld->type == FIELD_CODE || fld->type == FIELD_INT)) {
		valid[0] = ';';
		valid[1] = ' ';
		value_codes_valid(fld->codes, valid + 2, sizeof(valid) - 2);
	}
	form_errors_add(c->errs, path, "must be %s, not %s%s", kind_wanted(fld),
			value_json_kind(v), valid);
}

static int check_string(const struct field *fld, struct span s, char *msg,
			size_t len)
{
	char nhs[NHS_NUMBER_BUFLEN];
	struct cdate d;
	struct ctod t;
	struct cdatetime dt;
	int rc = FORM_OK;

	switch (fld->type) {
	case FIELD_TEXT: rc = value_check_text(fld, s, msg, len); break;
	case FIELD_DATE: rc = value_check_date(s, &d, msg, len); break;
	case FIELD_TIME: rc = value_check_time(s, &t, msg, len); break;
	case FIELD_DATETIME: rc = value_check_datetime(s, &dt, msg, len); break;
	case FIELD_NHS_NUMBER: rc = value_check_nhs(s, nhs, msg, len); break;
	case FIELD_CODE:
		rc = value_check_code(fld->codes, s, msg, len) < 0 ?
			     FORM_EINVALID : FORM_OK;
		break;
	default: break;
	}
	return rc;
}

/* Duplicates are found through the code's index, so a long hostile array
 * costs linear time. */
static void check_code_array(const struct field *fld, const json_t *arr,
			     const char *path, struct vctx *c)
{
	char p[FORM_PATH_MAX], msg[FORM_MSG_MAX], q[64];
	size_t i, first[FORM_CODES_MAX];
	const json_t *el;
	int k;

	for (i = 0; i < FORM_CODES_MAX; i++)
		first[i] = SIZE_MAX;
	json_array_foreach((json_t *)arr, i, el) {
		path_index(p, sizeof(p), path, i);
		if (!json_is_string(el)) {
			form_errors_add(c->errs, p, "must be a code in a string, not %s",
					value_json_kind(el));
			continue;
		}
		k = value_check_code(fld->codes, span_json(el), msg, sizeof(msg));
		if (k < 0) {
			form_errors_add(c->errs, p, "%s", msg);
		} else if (k >= FORM_CODES_MAX) {
			/* cannot happen while the lists stay small */
		} else if (first[k] != SIZE_MAX) {
			value_quote(span_json(el), q, sizeof(q));
			form_errors_add(c->errs, p,
					"%s is repeated (first at [%zu]); give each code once",
					q, first[k]);
		} else {
			first[k] = i;
		}
	}
}

static void check_object_array(const struct field *fld, const json_t *arr,
			       const char *path, struct vctx *c)
{
	char p[FORM_PATH_MAX];
	size_t i;
	const json_t *el;

	json_array_foreach((json_t *)arr, i, el) {
		path_index(p, sizeof(p), path, i);
		validate_object(fld->sub, el, p, c);
	}
}

static void check_value(const struct field *fld, const json_t *v,
			const char *path, struct vctx *c)
{
	char msg[FORM_MSG_MAX];

	switch (fld->type) {
	case FIELD_BOOL:
		break;
	case FIELD_INT:
		if (fld->codes &&
		    value_check_int_code(fld->codes, json_integer_value(v), msg,
					 sizeof(msg)) < 0)
			form_errors_add(c->errs, path, "%s", msg);
		else if (!fld->codes && fld->max > fld->min &&
			 (json_integer_value(v) < fld->min || json_integer_value(v) > fld->max))
			form_errors_add(c->errs, path, "%lld is out of range; give a whole "
					"number from %ld to %ld",
					(long long)json_integer_value(v), fld->min, fld->max);
		break;
	case FIELD_OBJECT:
		/* No sub-form: any object, kept as given (agency_reports[].form). */
		if (fld->sub)
			validate_object(fld->sub, v, path, c);
		break;
	case FIELD_CODE_ARRAY:
		check_code_array(fld, v, path, c);
		break;
	case FIELD_OBJECT_ARRAY:
		check_object_array(fld, v, path, c);
		break;
	default:
		if (check_string(fld, span_json(v), msg, sizeof(msg)) != FORM_OK)
			form_errors_add(c->errs, path, "%s", msg);
		break;
	}
}

static void validate_member(const struct field *fld, const json_t *v,
			    const char *path, struct vctx *c)
{
	if (!field_allowed(fld, c)) {
		/* check_keys has reported it if given */
	} else if (!value_is_given(v)) {
		if (fld->flags & FIELD_REQUIRED)
			form_errors_add(c->errs, path, "%s",
					v && json_is_string(v) ?
						"is required; it is blank" :
						"is required");
	} else if (!kind_ok(fld, v))
		type_error(fld, v, path, c);
	else
		check_value(fld, v, path, c);
}

static void validate_object(const struct form *f, const json_t *obj,
			    const char *prefix, struct vctx *c)
{
	char path[FORM_PATH_MAX];
	int outer = c->import;
	size_t i;

	c->import = outer || (f->flags & FORM_IMPORT);
	if (!json_is_object(obj)) {
		if (prefix[0])
			form_errors_add(c->errs, prefix, "must be an object, not %s",
					value_json_kind(obj));
		else
			form_errors_add(c->errs, "", "the %s must be a JSON object, not %s",
					f->name, value_json_kind(obj));
		goto out;
	}
	check_keys(f, obj, prefix, c);
	for (i = 0; i < f->n; i++) {
		path_join(path, sizeof(path), prefix, f->fields[i].name);
		validate_member(&f->fields[i],
				json_object_get(obj, f->fields[i].name), path, c);
	}
	if (f->rule)
		f->rule(obj, prefix, c->today, c->errs);
out:
	c->import = outer;
}

int form_validate(const struct form *f, const json_t *obj,
		  const struct cdate *today, struct form_errors *errs)
{
	struct vctx c = { today, errs, 0 };
	size_t before;
	int ret = FORM_EARG;

	if (!f || !obj || !errs)
		goto out;
	before = errs->n;
	validate_object(f, obj, "", &c);
	if (errs->oom)
		ret = FORM_ENOMEM;
	else
		ret = errs->n > before ? FORM_EINVALID : FORM_OK;
out:
	return ret;
}
