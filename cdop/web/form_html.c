/*
 * Forms in the browser from the forms/ definitions: each input named by
 * its JSON field path (child.forename, domains.child,
 * recommendations[0].owner), labels and hints from the form, code lists
 * as radio buttons or selects, and each error beside its field in the
 * library's own words. Adding a field to a form adds it here too.
 */
#include "cdop/web/web_int.h"
#include "forms/form.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_ROWS_BLANK 2 /* empty rows offered for a list (recommendations) */
#define RADIO_MAX 4        /* longer code lists are a select */

static int skipped(const char *path, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (!strcmp(*skip, path))
			return 1;
	return 0;
}

static const json_t *member(const json_t *obj, const char *name)
{
	return json_is_object(obj) ? json_object_get(obj, name) : NULL;
}

/* The text a value shows in an input. */
static void value_text(const json_t *v, char *out, size_t outlen)
{
	if (json_is_string(v))
		snprintf(out, outlen, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
	else if (json_is_true(v))
		snprintf(out, outlen, "true");
	else if (json_is_false(v))
		snprintf(out, outlen, "false");
	else
		out[0] = 0;
}

static void error_beside(struct web_req *q, const struct form_errors *errs,
			 const char *name, const char *id)
{
	size_t i;

	for (i = 0; errs && i < errs->n; i++)
		if (!strcmp(errs->v[i].path, name)) {
			fprintf(q->f, "<p class=\"field-error\" id=\"%s-error\">", id);
			web_h(q->f, errs->v[i].message);
			fputs("</p>", q->f);
		}
}

static int has_error(const struct form_errors *errs, const char *name)
{
	return errs && form_errors_find(errs, name) != NULL;
}

/* An id for an input: the name with [].-characters as '-'. */
static void make_id(const char *name, char *id, size_t idlen)
{
	size_t i;

	snprintf(id, idlen, "f-%s", name);
	for (i = 0; id[i]; i++)
		if (id[i] == '.' || id[i] == '[' || id[i] == ']')
			id[i] = '-';
}

static void choice(struct web_req *q, const char *type, const char *name, const char *id,
		   const char *value, const char *label, int checked, int n)
{
	fprintf(q->f, "<label class=\"choice\"><input type=\"%s\" name=\"", type);
	web_h(q->f, name);
	fprintf(q->f, "\" id=\"%s-%d\" value=\"", id, n);
	web_h(q->f, value);
	fprintf(q->f, "\"%s> ", checked ? " checked" : "");
	web_h(q->f, label);
	fputs("</label>", q->f);
}

static void scalar_field(struct web_req *q, const struct field *fld, const char *name,
			 const json_t *v, const struct form_errors *errs)
{
	char id[300], text[4096];
	int err = has_error(errs, name);
	size_t i;

	make_id(name, id, sizeof id);
	value_text(v, text, sizeof text);
	fprintf(q->f, "<div class=\"field%s\">", err ? " invalid" : "");
	if (fld->type == FIELD_CODE_ARRAY || fld->type == FIELD_BOOL ||
	    (fld->codes && fld->codes->n <= RADIO_MAX)) {
		fputs("<fieldset class=\"choices\"><legend>", q->f);
		web_h(q->f, fld->label);
		if (fld->flags & FIELD_REQUIRED)
			fputs(" <span class=\"req\" title=\"required\">*</span>", q->f);
		fputs("</legend>", q->f);
	} else {
		fprintf(q->f, "<label for=\"%s\">", id);
		web_h(q->f, fld->label);
		if (fld->flags & FIELD_REQUIRED)
			fputs(" <span class=\"req\" title=\"required\">*</span>", q->f);
		fputs("</label>", q->f);
	}
	if (fld->help) {
		fputs("<p class=\"hint\">", q->f);
		web_h(q->f, fld->help);
		if (fld->type == FIELD_DATE || fld->type == FIELD_DATETIME)
			fputs(" (DD/MM/YYYY also accepted)", q->f);
		fputs("</p>", q->f);
	}
	error_beside(q, errs, name, id);
	if (fld->type == FIELD_BOOL) {
		choice(q, "radio", name, id, "true", "Yes", json_is_true(v), 0);
		choice(q, "radio", name, id, "false", "No", json_is_false(v), 1);
		if (!(fld->flags & FIELD_REQUIRED))
			choice(q, "radio", name, id, "", "Not recorded", !json_is_boolean(v), 2);
		fputs("</fieldset>", q->f);
	} else if (fld->type == FIELD_CODE_ARRAY) {
		for (i = 0; i < fld->codes->n; i++) {
			const char *code = fld->codes->codes[i].code;
			int on = 0;
			size_t k;
			json_t *e;

			json_array_foreach(v, k, e)
				if (json_is_string(e) && !strcmp(json_string_value(e), code))
					on = 1;
			choice(q, "checkbox", name, id, code, fld->codes->codes[i].label, on,
			       (int)i);
		}
		fputs("</fieldset>", q->f);
	} else if (fld->codes && fld->codes->n <= RADIO_MAX) {
		for (i = 0; i < fld->codes->n; i++)
			choice(q, "radio", name, id, fld->codes->codes[i].code,
			       fld->codes->codes[i].label,
			       !strcmp(text, fld->codes->codes[i].code), (int)i);
		fputs("</fieldset>", q->f);
	} else if (fld->codes) {
		int known = !*text;

		fprintf(q->f, "<select id=\"%s\" name=\"", id);
		web_h(q->f, name);
		fprintf(q->f, "\"%s><option value=\"\">— choose —</option>",
			err ? " aria-invalid=\"true\"" : "");
		for (i = 0; i < fld->codes->n; i++) {
			int sel = !strcmp(text, fld->codes->codes[i].code);

			known |= sel;
			fputs("<option value=\"", q->f);
			web_h(q->f, fld->codes->codes[i].code);
			fprintf(q->f, "\"%s>", sel ? " selected" : "");
			if (fld->codes == &codes_ethnicity) {
				web_h(q->f, fld->codes->codes[i].code);
				fputs(" — ", q->f);
			}
			web_h(q->f, fld->codes->codes[i].label);
			fputs("</option>", q->f);
		}
		if (!known) { /* keep a rejected answer visible */
			fputs("<option selected value=\"", q->f);
			web_h(q->f, text);
			fputs("\">", q->f);
			web_h(q->f, text);
			fputs("</option>", q->f);
		}
		fputs("</select>", q->f);
	} else if (fld->flags & FIELD_FREE_TEXT) {
		fprintf(q->f, "<textarea id=\"%s\" name=\"", id);
		web_h(q->f, name);
		fprintf(q->f, "\" rows=\"4\"%s>", err ? " aria-invalid=\"true\"" : "");
		web_h(q->f, text);
		fputs("</textarea>", q->f);
	} else {
		const char *cls = fld->type == FIELD_DATE || fld->type == FIELD_TIME ||
				  fld->type == FIELD_INT || fld->type == FIELD_NHS_NUMBER ?
				  "short" : "";

		fprintf(q->f, "<input id=\"%s\" class=\"%s\" name=\"", id, cls);
		web_h(q->f, name);
		fputs("\" value=\"", q->f);
		web_h(q->f, text);
		fputs("\"", q->f);
		if (fld->type == FIELD_DATE)
			fputs(" placeholder=\"DD/MM/YYYY\"", q->f);
		else if (fld->type == FIELD_TIME)
			fputs(" placeholder=\"HH:MM\"", q->f);
		if (err)
			fputs(" aria-invalid=\"true\"", q->f);
		fputs(">", q->f);
	}
	fputs("</div>\n", q->f);
}

static void fields(struct web_req *q, const struct form *fm, const char *prefix,
		   const json_t *values, const struct form_errors *errs,
		   const char *const *skip)
{
	size_t i, k, rows;
	char name[192];

	for (i = 0; i < fm->n; i++) {
		const struct field *fld = &fm->fields[i];

		if (fld->flags & FIELD_IMPORT_ONLY)
			continue;
		snprintf(name, sizeof name, "%s%s", prefix, fld->name);
		if (skipped(name, skip))
			continue;
		if (fld->type == FIELD_OBJECT) {
			char sub[256];

			if (!fld->sub)
				continue;
			snprintf(sub, sizeof sub, "%s.", name);
			fputs("<fieldset class=\"group\"><legend>", q->f);
			web_h(q->f, fld->label ? fld->label : fld->name);
			fputs("</legend>", q->f);
			if (fld->help) {
				fputs("<p class=\"hint\">", q->f);
				web_h(q->f, fld->help);
				fputs("</p>", q->f);
			}
			error_beside(q, errs, name, "group");
			fields(q, fld->sub, sub, member(values, fld->name), errs, skip);
			fputs("</fieldset>\n", q->f);
		} else if (fld->type == FIELD_OBJECT_ARRAY) {
			const json_t *arr = member(values, fld->name);

			rows = json_array_size(arr) + ARRAY_ROWS_BLANK;
			fputs("<fieldset class=\"group\"><legend>", q->f);
			web_h(q->f, fld->label ? fld->label : fld->name);
			fputs("</legend>", q->f);
			if (fld->help) {
				fputs("<p class=\"hint\">", q->f);
				web_h(q->f, fld->help);
				fputs(" Leave a row empty to add none.</p>", q->f);
			}
			error_beside(q, errs, name, "group");
			for (k = 0; k < rows; k++) {
				char sub[256];

				snprintf(sub, sizeof sub, "%s[%zu].", name, k);
				fprintf(q->f, "<div class=\"row-item\"><p class=\"row-n\">%zu</p>",
					k + 1);
				fields(q, fld->sub, sub, json_array_get(arr, k), errs, skip);
				fputs("</div>", q->f);
			}
			fputs("</fieldset>\n", q->f);
		} else {
			scalar_field(q, fld, name, member(values, fld->name), errs);
		}
	}
}

void web_form_fields(struct web_req *q, const struct form *fm, const json_t *values,
		     const struct form_errors *errs, const char *const *skip)
{
	fields(q, fm, "", values, errs, skip);
}

/* ---- posted form to JSON ---- */

static json_t *scalar_json(struct web_req *q, const struct field *fld, const char *text)
{
	char buf[64], *end;
	long long n;

	switch (fld->type) {
	case FIELD_DATE:
	case FIELD_DATETIME: {
		char *out = malloc(strlen(text) + 32);
		json_t *v;

		if (!out)
			return NULL;
		web_date_input(q, text, out, strlen(text) + 32);
		v = json_string(out);
		free(out);
		return v;
	}
	case FIELD_BOOL:
		if (!strcmp(text, "true"))
			return json_true();
		if (!strcmp(text, "false"))
			return json_false();
		return json_string(text); /* the form says what is valid */
	case FIELD_INT:
		errno = 0;
		n = strtoll(text, &end, 10);
		if (!errno && end != text && !*end)
			return json_integer(n);
		snprintf(buf, sizeof buf, "%s", text);
		return json_string(buf);
	default:
		return json_string(text);
	}
}

static int blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* Sets obj's members from the inputs under prefix; 1 if any was given. */
static int collect(struct web_req *q, const struct form *fm, const char *prefix,
		   json_t *obj)
{
	size_t i, k, j;
	char name[192];
	int any = 0;

	for (i = 0; i < fm->n; i++) {
		const struct field *fld = &fm->fields[i];

		if (fld->flags & FIELD_IMPORT_ONLY)
			continue;
		snprintf(name, sizeof name, "%s%s", prefix, fld->name);
		if (fld->type == FIELD_OBJECT) {
			json_t *sub = json_object();
			char sp[256];

			if (!fld->sub || !sub) {
				json_decref(sub);
				continue;
			}
			snprintf(sp, sizeof sp, "%s.", name);
			if (collect(q, fld->sub, sp, sub)) {
				json_object_set(obj, fld->name, sub);
				any = 1;
			}
			json_decref(sub);
		} else if (fld->type == FIELD_OBJECT_ARRAY) {
			json_t *arr = json_array();

			for (k = 0; arr && k < 64; k++) {
				json_t *sub = json_object();
				char sp[256];

				snprintf(sp, sizeof sp, "%s[%zu].", name, k);
				if (sub && collect(q, fld->sub, sp, sub))
					json_array_append(arr, sub);
				json_decref(sub);
			}
			if (json_array_size(arr)) {
				json_object_set(obj, fld->name, arr);
				any = 1;
			}
			json_decref(arr);
		} else if (fld->type == FIELD_CODE_ARRAY) {
			json_t *arr = json_array();
			int seen = 0;

			for (j = 0; arr && q->form && j < q->form->n; j++)
				if (!strcmp(q->form->v[j].key, name) && !blank(q->form->v[j].val))
					json_array_append_new(arr, json_string(q->form->v[j].val));
			/* An empty list given on purpose (a checkbox group) is
			 * left out like any blank answer. */
			seen = json_array_size(arr) > 0;
			if (seen) {
				json_object_set(obj, fld->name, arr);
				any = 1;
			}
			json_decref(arr);
		} else {
			const char *v = web_form_get(q->form, name);

			if (blank(v))
				continue;
			json_object_set_new(obj, fld->name, scalar_json(q, fld, v));
			any = 1;
		}
	}
	return any;
}

json_t *web_form_json(struct web_req *q, const struct form *fm, struct form_errors *errs)
{
	json_t *obj = json_object();

	(void)errs;
	if (obj)
		collect(q, fm, "", obj);
	return obj;
}

void web_errors_from_msg(const char *msg, struct form_errors *errs, char *other,
			 size_t otherlen)
{
	const char *p = msg;
	size_t used = 0;

	other[0] = 0;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *colon = memchr(p, ':', n);
		size_t k;
		int path = colon && colon > p && colon[1] == ' ';

		/* "path: message", where a path has no spaces. */
		for (k = 0; path && p + k < colon; k++)
			if (p[k] == ' ')
				path = 0;
		if (path) {
			char *pth = strndup(p, (size_t)(colon - p));

			if (pth)
				form_errors_add(errs, pth, "%.*s", (int)(n - (size_t)(colon - p) - 2),
						colon + 2);
			free(pth);
		} else if (used + n + 2 < otherlen) {
			memcpy(other + used, p, n);
			used += n;
			other[used++] = '\n';
			other[used] = 0;
		}
		p = nl ? nl + 1 : NULL;
	}
}

void web_error_summary(struct web_req *q, const struct form *fm,
		       const struct form_errors *errs, const char *other)
{
	size_t i;

	if (!errs->n && !(other && *other))
		return;
	fputs("<div class=\"error\" role=\"alert\"><p><strong>Nothing has been saved."
	      "</strong> Please correct:</p><ul>", q->f);
	for (i = 0; i < errs->n; i++) {
		const struct field *fld = form_field_find(fm, errs->v[i].path);

		fputs("<li>", q->f);
		web_h(q->f, fld && fld->label ? fld->label : errs->v[i].path);
		fputs(": ", q->f);
		web_h(q->f, errs->v[i].message);
		fputs("</li>", q->f);
	}
	fputs("</ul>", q->f);
	if (other && *other) {
		fputs("<p>", q->f);
		web_h(q->f, other);
		fputs("</p>", q->f);
	}
	fputs("</div>\n", q->f);
}
