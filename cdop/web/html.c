/* The pieces every page uses: escaping, dates in words, errors, assets. */
#include "cdop/web/web_int.h"
#include "cdop/store/store.h"
#include "forms/date.h"

#include <ctype.h>
#include <dirent.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct embedded_file *web_asset(const char *name)
{
	const struct embedded_file *a;

	for (a = cdop_web_assets; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

/* Every text from the register or a form goes through here: the one
 * escaping function of the tree (store's html_escape, also the pack's). */
void web_h(FILE *f, const char *s)
{
	html_escape(f, s ? s : "");
}

void web_json_text(FILE *f, const json_t *v)
{
	char *t;

	if (json_is_string(v)) {
		web_h(f, json_string_value(v));
		return;
	}
	if (!v || json_is_null(v)) {
		fputs("<span class=\"empty\">none</span>", f);
		return;
	}
	t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	web_h(f, t);
	free(t);
}

void web_changes(FILE *f, const json_t *changes)
{
	const json_t *c;
	size_t k;

	json_array_foreach(changes, k, c) {
		fputs("<div><strong>", f);
		web_h(f, json_string_value(json_object_get(c, "path")));
		fputs("</strong>: ", f);
		if (json_is_false(json_object_get(c, "recorded"))) {
			fputs("changed <span class=\"hint\">(identifiable: the values were "
			      "not recorded before schema 13)</span>", f);
		} else {
			web_json_text(f, json_object_get(c, "old"));
			fputs(" → ", f);
			web_json_text(f, json_object_get(c, "new"));
		}
		fputs("</div>", f);
	}
}

void web_date(FILE *f, const char *iso)
{
	static const char *const months[] = { "January", "February", "March", "April",
		"May", "June", "July", "August", "September", "October", "November",
		"December" };
	struct cdate d;
	char day[DATE_BUFLEN];

	if (!iso || !*iso) {
		fputs("—", f);
		return;
	}
	snprintf(day, sizeof day, "%.10s", iso);
	if (date_parse(day, &d)) {
		web_h(f, iso);
		return;
	}
	fprintf(f, "%d %s %d", d.d, months[d.m - 1], d.y);
	if (strlen(iso) > 11 && iso[10] == 'T') {
		fputs(" ", f);
		web_h(f, iso + 11);
	}
}

int web_days_between(const char *a, const char *b, long *days)
{
	struct cdate x, y;
	char s[DATE_BUFLEN];

	if (!a || !b)
		return -1;
	snprintf(s, sizeof s, "%.10s", a);
	if (date_parse(s, &x))
		return -1;
	snprintf(s, sizeof s, "%.10s", b);
	if (date_parse(s, &y))
		return -1;
	*days = date_days_between(&x, &y);
	return 0;
}

void web_due_words(FILE *f, long left, int late)
{
	if (left < 0)
		fprintf(f, "<span class=\"overdue\">%ld day%s overdue</span>", -left,
			left == -1 ? "" : "s");
	else if (left == 0 && late)
		fputs("<span class=\"overdue\">overdue today</span>", f);
	else if (left == 0)
		fputs("<span class=\"due\">due today</span>", f);
	else
		fprintf(f, "<span class=\"upcoming\">due in %ld day%s</span>", left,
			left == 1 ? "" : "s");
}

void web_case_link(FILE *f, const char *ref)
{
	fputs("<a href=\"/cases/", f);
	web_h(f, ref);
	fputs("\">", f);
	web_h(f, ref);
	fputs("</a>", f);
}

int web_post(struct web_req *q, web_page_fn *post, const char *rest, char *err,
	     size_t errlen, int *ret)
{
	if (strcmp(q->method, "POST"))
		return 0;
	*ret = post(q, rest);
	if (!*ret || q->status == 403)
		return 1;
	snprintf(err, errlen, "%s", q->r->e.msg);
	q->status = web_status_of(*ret);
	return 0;
}

void web_csrf_input(struct web_req *q)
{
	fprintf(q->f, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", q->csrf);
}

void web_error_box(struct web_req *q, const char *msg)
{
	const char *p = msg;

	fputs("<div class=\"error\" role=\"alert\">", q->f);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, n);

		fputs("<p>", q->f);
		web_h(q->f, line);
		fputs("</p>", q->f);
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	fputs("</div>\n", q->f);
}

const char *web_code_label(const struct code_list *l, const char *code)
{
	const char *label = code ? code_list_label(l, code) : NULL;

	return label ? label : code ? code : "";
}

int web_status_of(int err)
{
	switch (err) {
	case CDOP_OK: return 200;
	case CDOP_ERR_INPUT: return 422;
	case CDOP_ERR_NOTFOUND: return 404;
	case CDOP_ERR_CONFLICT: return 409;
	case CDOP_ERR_ACCESS: return 403;
	case CDOP_ERR_BUSY: return 503;
	default: return 500;
	}
}

int web_fail(struct web_req *q, int status, const char *title, const char *msg)
{
	q->status = status;
	snprintf(q->title, sizeof q->title, "%s", title);
	fputs("<h1>", q->f);
	web_h(q->f, title);
	fputs("</h1>\n", q->f);
	web_error_box(q, msg);
	return status;
}

void web_date_input(struct web_req *q, const char *in, char *out, size_t outlen)
{
	char t[DATE_BUFLEN], iso[DATE_DATETIME_BUFLEN];
	struct cdatetime dt;
	struct cdate td;
	int have_today;

	while (in && isspace((unsigned char)*in))
		in++;
	/* The one parser of typed dates (forms/date.c): DD/MM/YYYY, never the
	 * US order, or today, with an optional time; anything it refuses is
	 * passed on as typed, so the form's message quotes what was typed. */
	have_today = q->r && reg_today_date(q->r, &td, t) == CDOP_OK;
	if (in && date_input_datetime_parse(in, have_today ? &td : NULL, &dt) == DATE_OK) {
		date_datetime_format(&dt, iso);
		snprintf(out, outlen, "%s", iso);
		return;
	}
	snprintf(out, outlen, "%s", in ? in : "");
}

void web_code_select(FILE *f, const char *name, const struct code_list *l)
{
	size_t i;

	fprintf(f, "<select id=\"%s\" name=\"%s\">", name, name);
	for (i = 0; i < l->n; i++) {
		fputs("<option value=\"", f);
		web_h(f, l->codes[i].code);
		fputs("\">", f);
		web_h(f, l->codes[i].label);
		fputs("</option>", f);
	}
	fputs("</select>", f);
}

int web_deny(struct web_req *q)
{
	char what[600];

	snprintf(what, sizeof what, "web %s %s", q->method, q->path);
	(void)audit_record(q->r, "denied", what, role_name(q->r->ss.role));
	return web_fail(q, 403, "Not for your role", "Only a manager may do this. The "
			"attempt has been recorded.");
}

int web_file_read(struct web_req *q, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	/* Reports and packs the library has just written: 1 GiB is no limit. */
	if (store_file_read(q->r, "file", path, (size_t)1 << 30, &buf, &len))
		return -1;
	q->raw = (char *)buf;
	q->rawlen = len;
	return 0;
}

void web_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4400];

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}
