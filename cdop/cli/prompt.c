#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "crypto/secure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The interactive form. Everything is driven by the form definitions in
 * forms/: the labels, help lines, code lists, required flags and the
 * single-answer checks, so a new field or code needs no change here.
 * Prompts go to stderr; stdout stays for the result (notify prints REF).
 */

struct prompter {
	struct cli *c;
	prompt_suggest_fn *suggest;
	json_t *root;
	char *line;
	size_t cap;
	int eof;
};

static const char *ask(struct prompter *p, const char *prompt)
{
	ssize_t n;

	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	n = getline(&p->line, &p->cap, stdin);
	if (n < 0) {
		p->eof = 1;
		return NULL;
	}
	while (n > 0 && (p->line[n - 1] == '\n' || p->line[n - 1] == '\r'))
		p->line[--n] = 0;
	return p->line;
}

static void show_codes(const struct code_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		fprintf(stderr, "    %2zu  %-28s %s\n", i + 1, l->codes[i].code,
			l->codes[i].label);
}

static int yes(struct prompter *p, const char *question, int dflt)
{
	char q[256];
	const char *a;

	for (;;) {
		snprintf(q, sizeof q, "%s [%s] ", question, dflt ? "Y/n" : "y/N");
		a = ask(p, q);
		if (!a)
			return -1;
		if (!*a)
			return dflt;
		if (!strcasecmp(a, "y") || !strcasecmp(a, "yes"))
			return 1;
		if (!strcasecmp(a, "n") || !strcasecmp(a, "no"))
			return 0;
		fprintf(stderr, "  please answer y or n\n");
	}
}

static int ask_form(struct prompter *p, const struct form *f, const char *prefix,
		    json_t *obj);

/* One leaf field: ask until field_check_value accepts the answer. */
static int ask_field(struct prompter *p, const struct field *fld, const char *path,
		     json_t *obj)
{
	char prompt[256], msg[512], iso[DATE_BUFLEN] = "";
	const char *a, *hint = p->suggest ? p->suggest(path, p->root) : NULL;

	fprintf(stderr, "\n%s%s\n", fld->label ? fld->label : fld->name,
		fld->flags & FIELD_REQUIRED ? "" : "  (optional: Enter to skip)");
	if (fld->help)
		fprintf(stderr, "  %s\n", fld->help);
	if (fld->codes && (fld->type == FIELD_CODE || fld->type == FIELD_CODE_ARRAY ||
			   fld->type == FIELD_INT))
		show_codes(fld->codes);
	if (hint)
		fprintf(stderr, "  Enter accepts %s, which the answers so far imply\n", hint);
	snprintf(prompt, sizeof prompt, "%s> ", path);
	for (;;) {
		json_t *v = NULL;
		int ret;

		a = ask(p, prompt);
		if (!a)
			return cli_fail(p->c, CDOP_ERR_INPUT, "form abandoned at %s: "
					"nothing was saved", path);
		if (!*a && hint)
			a = hint;
		/* "today" is a date too (SPEC §2): the one parser turns it into one */
		if ((fld->type == FIELD_DATE || fld->type == FIELD_DATETIME) &&
		    !strcmp(a, "today")) {
			struct cdate t;

			if (reg_today_date(&p->c->reg, &t, NULL) == CDOP_OK)
				date_format(&t, iso);
			a = iso;
		}
		ret = field_check_value(fld, a, &v, msg, sizeof msg);
		if (ret == FORM_OK && !v && (fld->flags & FIELD_REQUIRED)) {
			fprintf(stderr, "  %s is required\n", path);
			continue;
		}
		if (ret == FORM_OK) {
			if (v)
				json_object_set_new(obj, fld->name, v);
			else
				json_object_del(obj, fld->name);
			return CDOP_OK;
		}
		fprintf(stderr, "  %s: %s\n", path, msg);
	}
}

static int ask_array(struct prompter *p, const struct field *fld, const char *path,
		     json_t *obj)
{
	const char *what = fld->sub && fld->sub->title ? fld->sub->title :
		fld->label ? fld->label : fld->name;
	json_t *arr = json_array();
	char q[160];
	int more, ret = CDOP_OK;

	snprintf(q, sizeof q, "\nAdd a %s?", what);
	while (!ret && (more = yes(p, q, 0)) == 1) {
		json_t *item = json_object();
		char sub[160];

		snprintf(sub, sizeof sub, "%s[%zu]", path, json_array_size(arr));
		ret = ask_form(p, fld->sub, sub, item);
		json_array_append_new(arr, item);
		snprintf(q, sizeof q, "\nAdd another %s?", what);
	}
	if (!ret && more < 0)
		ret = cli_fail(p->c, CDOP_ERR_INPUT, "form abandoned: nothing was saved");
	if (!ret)
		json_object_set_new(obj, fld->name, arr);
	else
		json_decref(arr);
	return ret;
}

static int ask_form(struct prompter *p, const struct form *f, const char *prefix,
		    json_t *obj)
{
	size_t i;
	int ret = CDOP_OK;

	for (i = 0; i < f->n && !ret; i++) {
		const struct field *fld = &f->fields[i];
		char path[128];

		/* Import-only fields, and objects with no form of their own
		 * (an agency's returned report), are not asked. */
		if ((fld->flags & FIELD_IMPORT_ONLY) ||
		    (fld->type == FIELD_OBJECT && !fld->sub))
			continue;
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", fld->name);
		if (fld->type == FIELD_OBJECT) {
			json_t *sub = json_object_get(obj, fld->name);

			if (!sub) {
				sub = json_object();
				json_object_set_new(obj, fld->name, sub);
			}
			fprintf(stderr, "\n== %s\n", fld->label ? fld->label : fld->name);
			ret = ask_form(p, fld->sub, path, sub);
		} else if (fld->type == FIELD_OBJECT_ARRAY) {
			ret = ask_array(p, fld, path, obj);
		} else {
			ret = ask_field(p, fld, path, obj);
		}
	}
	return ret;
}

/* After a rule fails (e.g. dates out of order), ask those fields again. */
static int reask_errors(struct prompter *p, const struct form *f, json_t *obj,
			const struct form_errors *errs)
{
	size_t i;
	int ret = CDOP_OK;

	for (i = 0; i < errs->n && !ret; i++) {
		const struct field *fld = form_field_find(f, errs->v[i].path);
		char parent[128], *dot;
		json_t *holder = obj;

		fprintf(stderr, "\n  %s: %s\n", errs->v[i].path, errs->v[i].message);
		if (!fld || fld->type == FIELD_OBJECT || fld->type == FIELD_OBJECT_ARRAY ||
		    strchr(errs->v[i].path, '['))
			continue;
		snprintf(parent, sizeof parent, "%s", errs->v[i].path);
		dot = strrchr(parent, '.');
		if (dot) {
			*dot = 0;
			holder = (json_t *)form_json_get(obj, parent);
		}
		if (json_is_object(holder))
			ret = ask_field(p, fld, errs->v[i].path, holder);
	}
	return ret;
}

int prompt_form(struct cli *c, const struct form *f, prompt_suggest_fn *suggest,
		json_t **out)
{
	struct form_errors errs = FORM_ERRORS_INIT;
	json_t *obj = json_object();
	struct prompter p = { c, suggest, obj, NULL, 0, 0 };
	char today_s[11];
	struct cdate today;
	int ret, round, save;

	reg_today(&c->reg, today_s);
	date_parse(today_s, &today);
	/* The title alone: the form's help is its documentation (which JSON
	 * and import paths it is), for docs/data-dictionary.md. */
	fprintf(stderr, "%s\nAnswer each question; Ctrl-D abandons the form.\n",
		f->title ? f->title : f->name);
	ret = ask_form(&p, f, "", obj);
	for (round = 0; !ret && round < 5; round++) {
		form_errors_release(&errs);
		if (form_validate(f, obj, &today, &errs) == FORM_OK)
			break;
		fprintf(stderr, "\nSome answers do not fit together:\n");
		ret = reask_errors(&p, f, obj, &errs);
	}
	if (!ret && errs.n) {
		ret = cli_fail(c, CDOP_ERR_INPUT, "the form still has errors; nothing "
			       "was saved");
	}
	if (!ret) {
		fprintf(stderr, "\nSummary:\n");
		fflush(stdout);
		{
			/* The summary goes to the terminal, not to stdout. */
			char *t = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

			fprintf(stderr, "%s\n", t ? t : "");
			if (t) {
				secure_wipe(t, strlen(t));
				free(t);
			}
		}
		save = yes(&p, "\nSave this?", 1);
		if (save != 1)
			ret = cli_fail(c, CDOP_ERR_INPUT, "not saved");
	}
	form_errors_release(&errs);
	if (p.line) {
		secure_wipe(p.line, p.cap);
		free(p.line);
	}
	if (ret)
		json_decref(obj);
	else
		*out = obj;
	return ret;
}
