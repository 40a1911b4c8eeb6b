/* The error list, lookup and iteration over the form definitions. */
#include "forms/form_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct form *const forms_all[] = {
	&form_notification, &form_review, &form_recommendation,
	&form_rr_action, &form_agency_report, &form_import_line,
	&form_agency_reporting, &form_meeting_line,
};
const size_t forms_all_n = sizeof(forms_all) / sizeof(forms_all[0]);

const char *form_strerror(int code)
{
	const char *s = "unknown forms error";

	switch (code) {
	case FORM_OK: s = "ok"; break;
	case FORM_EINVALID: s = "invalid input"; break;
	case FORM_ENOMEM: s = "out of memory"; break;
	case FORM_EARG: s = "invalid argument"; break;
	default: break;
	}
	return s;
}

void form_errors_init(struct form_errors *e)
{
	e->v = NULL;
	e->n = 0;
	e->alloc = 0;
	e->oom = 0;
}

void form_errors_release(struct form_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].path);
		free(e->v[i].message);
	}
	free(e->v);
	form_errors_init(e);
}

static char *dup_vprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

static char *dup_vprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	char *s = NULL;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		goto out;
	s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
out:
	return s;
}

int form_errors_add(struct form_errors *e, const char *path,
		    const char *fmt, ...)
{
	struct form_error err = { NULL, NULL };
	va_list ap;
	int ret = FORM_ENOMEM;

	if (e->n == e->alloc) {
		size_t alloc = e->alloc ? e->alloc * 2 : 8;
		struct form_error *v = realloc(e->v, alloc * sizeof(*v));

		if (!v)
			goto out;
		e->v = v;
		e->alloc = alloc;
	}
	err.path = strdup(path ? path : "");
	va_start(ap, fmt);
	err.message = dup_vprintf(fmt, ap);
	va_end(ap);
	if (!err.path || !err.message)
		goto out;
	e->v[e->n++] = err;
	err.path = err.message = NULL;
	ret = FORM_OK;
out:
	if (ret != FORM_OK)
		e->oom = 1;
	free(err.path);
	free(err.message);
	return ret;
}

const struct form_error *form_errors_find(const struct form_errors *e,
					  const char *path)
{
	const struct form_error *found = NULL;
	size_t i;

	for (i = 0; i < e->n && !found; i++)
		if (strcmp(e->v[i].path, path) == 0)
			found = &e->v[i];
	return found;
}

int form_errors_format(const struct form_errors *e, size_t max, char *buf,
		       size_t len)
{
	size_t i, used = 0, shown = e->n < max ? e->n : max;
	int n;

	if (!len)
		goto out;
	buf[0] = '\0';
	for (i = 0; i < shown && used < len; i++) {
		const struct form_error *err = &e->v[i];

		n = snprintf(buf + used, len - used, "%s%s%s%s", i ? "\n" : "",
			     err->path, err->path[0] ? ": " : "", err->message);
		used += n > 0 ? (size_t)n : 0;
	}
	if (shown < e->n && used < len) {
		n = snprintf(buf + used, len - used, "\n(and %zu more)",
			     e->n - shown);
		used += n > 0 ? (size_t)n : 0;
	}
out:
	return used < len ? FORM_OK : FORM_EARG;
}

const struct form *form_by_name(const char *name)
{
	const struct form *found = NULL;
	size_t i;

	for (i = 0; i < forms_all_n && !found; i++)
		if (strcmp(forms_all[i]->name, name) == 0)
			found = forms_all[i];
	return found;
}

static const struct field *field_named(const struct form *f, const char *name,
				       size_t n)
{
	const struct field *found = NULL;
	size_t i;

	/* No strlen of each name: this runs for every member of every line. */
	for (i = 0; f && i < f->n && !found; i++)
		if (f->fields[i].name[0] == (n ? name[0] : 0) &&
		    strncmp(f->fields[i].name, name, n) == 0 && f->fields[i].name[n] == 0)
			found = &f->fields[i];
	return found;
}

const struct field *form_field_named(const struct form *f, const char *name)
{
	return field_named(f, name, strlen(name));
}

const struct field *form_field_find(const struct form *f, const char *path)
{
	const struct field *fld = NULL;
	const char *p = path, *close;
	size_t n;

	for (;;) {
		n = strcspn(p, ".[");
		fld = field_named(f, p, n);
		p += n;
		if (*p == '[') {
			close = strchr(p, ']');
			p = close ? close + 1 : "!";
		}
		if (!fld || !*p)
			break;
		f = fld->sub;
		if (*p != '.' || !f) {
			fld = NULL;
			break;
		}
		p++;
	}
	return fld;
}

const char *field_type_name(enum field_type t)
{
	const char *s = "unknown";

	switch (t) {
	case FIELD_TEXT: s = "text"; break;
	case FIELD_DATE: s = "date"; break;
	case FIELD_TIME: s = "time"; break;
	case FIELD_DATETIME: s = "date or date and time"; break;
	case FIELD_CODE: s = "code"; break;
	case FIELD_BOOL: s = "true/false"; break;
	case FIELD_INT: s = "whole number"; break;
	case FIELD_NHS_NUMBER: s = "NHS number"; break;
	case FIELD_OBJECT: s = "object"; break;
	case FIELD_CODE_ARRAY: s = "list of codes"; break;
	case FIELD_OBJECT_ARRAY: s = "list of objects"; break;
	}
	return s;
}

static int walk(const struct form *f, int depth, form_visit_fn *fn, void *ctx)
{
	size_t i;
	int ret = 0;

	for (i = 0; f && i < f->n && !ret; i++) {
		ret = fn(&f->fields[i], depth, ctx);
		if (!ret && f->fields[i].sub)
			ret = walk(f->fields[i].sub, depth + 1, fn, ctx);
	}
	return ret;
}

int form_walk(const struct form *f, form_visit_fn *fn, void *ctx)
{
	return walk(f, 0, fn, ctx);
}

const json_t *form_json_get(const json_t *obj, const char *path)
{
	char key[FORM_PATH_MAX];
	const char *p = path;
	size_t n;

	while (obj && *p) {
		n = strcspn(p, ".");
		if (n >= sizeof(key)) {
			obj = NULL;
			break;
		}
		memcpy(key, p, n);
		key[n] = '\0';
		obj = json_is_object(obj) ? json_object_get(obj, key) : NULL;
		p += n + (p[n] == '.');
	}
	return obj;
}
