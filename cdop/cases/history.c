/*
 * case history: every change to one case, from the audit trail, with its
 * old and new values where the trail keeps them. The one reader of the
 * change details that case update, case status and the corrections
 * write, so a change to how they are kept (sealed identifiable values,
 * SPEC §6) is a change here only.
 */
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"

#include "crypto/secure.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What the trail's detail says for an identifiable value (the value itself
 * is in the entry's sealed part). */
#define SEALED_TEXT "(sealed)"

/* ---- writing: the change log ---------------------------------------------- */

void change_log_init(struct change_log *c)
{
	c->detail = json_pack("{s:[]}", "changes");
	c->sealed = json_array();
	c->oom = !c->detail || !c->sealed;
}

void change_add(struct change_log *c, const char *path, const json_t *old,
		const json_t *new_, int identifiable)
{
	json_t *clear, *hidden = NULL;

	if (c->oom)
		return;
	if (!old)
		old = json_null();
	if (!new_)
		new_ = json_null();
	if (identifiable) {
		clear = json_pack("{s:s, s:b, s:s, s:s}", "path", path, "identifiable", 1,
				  "old", SEALED_TEXT, "new", SEALED_TEXT);
		hidden = json_pack("{s:s, s:O, s:O}", "path", path, "old", old, "new", new_);
		if (!hidden || json_array_append_new(c->sealed, hidden))
			c->oom = 1;
	} else {
		clear = json_pack("{s:s, s:O, s:O}", "path", path, "old", old, "new", new_);
	}
	if (!clear || json_array_append_new(json_object_get(c->detail, "changes"), clear))
		c->oom = 1;
}

struct form_diff {
	const json_t *old, *new_;
	struct change_log *log;
};

static int diff_visit(const struct field *fld, int depth, void *ctx)
{
	struct form_diff *c = ctx;
	const json_t *a, *b;

	(void)depth;
	if (fld->type == FIELD_OBJECT || fld->type == FIELD_OBJECT_ARRAY)
		return 0;
	a = form_json_get(c->old, fld->path);
	b = form_json_get(c->new_, fld->path);
	if ((!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b)))
		return 0;
	/* Free text (a panel summary with an allowed word, circumstances,
	 * learning) may name people: sealed like an identifiable field. */
	change_add(c->log, fld->path, a, b,
		   (fld->flags & (FIELD_IDENTIFIABLE | FIELD_FREE_TEXT)) != 0);
	return 0;
}

void change_form(struct change_log *c, const struct form *f, const json_t *old,
		 const json_t *new_)
{
	struct form_diff d;

	d.old = old;
	d.new_ = new_;
	d.log = c;
	form_walk(f, diff_visit, &d);
}

void change_note(struct change_log *c, const char *key, const char *text)
{
	if (!c->oom && text && json_object_set_new(c->detail, key, json_string(text)))
		c->oom = 1;
}

void change_log_release(struct change_log *c)
{
	json_decref(c->detail);
	json_decref(c->sealed);
	c->detail = c->sealed = NULL;
}

static void text_wipe_free(char *t)
{
	if (t)
		secure_wipe(t, strlen(t));
	free(t);
}

int change_log_text(struct reg *r, struct change_log *c, char **detail, char **values)
{
	*detail = *values = NULL;
	if (!c->oom)
		*detail = json_dumps(c->detail, JSON_COMPACT | JSON_SORT_KEYS);
	if (!c->oom && *detail && json_array_size(c->sealed) &&
	    !(*values = json_dumps(c->sealed, JSON_COMPACT | JSON_SORT_KEYS))) {
		free(*detail);
		*detail = NULL;
	}
	return *detail ? CDOP_OK : reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
}

int cases_commit_changes(struct reg *r, int ret, const char *action, const char *object,
			 struct change_log *c)
{
	char *detail = NULL, *values = NULL;

	if (!ret)
		ret = change_log_text(r, c, &detail, &values);
	if (!ret)
		ret = audit_append_values(r, action, object, detail, values);
	if (!ret)
		ret = db_commit(r);
	if (ret)
		db_rollback(r);
	free(detail);
	text_wipe_free(values);
	change_log_release(c);
	return ret;
}

/* ---- reading: case history ------------------------------------------------ */

/* Audit actions that only read: not changes. */
static const char *const reads[] = { "view", "rr_list", "list", "search", "today",
				     "history", "print", "denied", "audit_list", NULL };

struct hist {
	struct reg *r;
	const char *ref;
	int identifiable; /* may show identifiable values */
	json_t *list;
	int oom;
	int ret; /* a sealed value that would not open */
	json_t *created; /* the import or transfer_in row that made the case */
	int notified;    /* a notify row: the case's first values are there */
};

/* ref as a whole reference inside text ("CDOP-2025-0001" not in "...00012"). */
static int mentions(const char *text, const char *ref)
{
	size_t n = strlen(ref);
	const char *p;

	for (p = text; *p; p++)
		if (!strncasecmp(p, ref, n) &&
		    (p == text || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]))
			return 1;
	return 0;
}

/* The sealed value of PATH in the opened values, or NULL. */
static json_t *sealed_value(json_t *values, const char *path)
{
	json_t *v;
	size_t i;

	json_array_foreach(values, i, v)
		if (json_is_string(json_object_get(v, "path")) &&
		    !strcmp(json_string_value(json_object_get(v, "path")), path))
			return v;
	return NULL;
}

/* What the detail says changed: [{path, old?, new?, identifiable?,
 * recorded?}]. VALUES: the entry's opened sealed values (a manager's
 * history), or NULL. An identifiable change shows its values from them;
 * one written before the trail kept them (schema 013) is marked
 * "recorded": false. */
static json_t *changes_of(const char *action, json_t *d, int identifiable, json_t *values,
			  int *missing)
{
	json_t *ch, *c, *out;
	size_t i;

	/* status: {old, new}; meeting_remove wrote the same before it took
	 * the change format (entries already in trails keep it). */
	if ((!strcmp(action, "status") || !strcmp(action, "meeting_remove")) &&
	    json_is_string(json_object_get(d, "new")))
		return json_pack("[{s:s, s:O, s:O}]", "path", "status",
				 "old", json_object_get(d, "old"), "new", json_object_get(d, "new"));
	ch = json_object_get(d, "changes");
	if (!json_is_array(ch))
		return NULL;
	out = json_array();
	json_array_foreach(ch, i, c) {
		json_t *copy = json_deep_copy(c);

		/* Values of identifiable fields are for managers only. */
		if (copy && json_is_true(json_object_get(copy, "identifiable"))) {
			json_t *v = identifiable && json_is_string(json_object_get(copy, "path")) ?
				sealed_value(values, json_string_value(json_object_get(copy, "path")))
				: NULL;
			const char *was = json_string_value(json_object_get(copy, "new"));

			/* The detail says sealed, the entry holds no such value. */
			if (identifiable && !v && was && !strcmp(was, SEALED_TEXT))
				*missing = 1;

			json_object_del(copy, "old");
			json_object_del(copy, "new");
			if (v) {
				json_object_set(copy, "old", json_object_get(v, "old"));
				json_object_set(copy, "new", json_object_get(v, "new"));
			} else if (identifiable) {
				json_object_set_new(copy, "recorded", json_false());
			}
		}
		if (!copy || json_array_append_new(out, copy)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* REF inside one of an import entry's ranges ("CDOP-2024-0001..CDOP-2024-0120,
 * ..."): the import made that case. */
static int in_ranges(const char *detail, const char *ref)
{
	long long n, a, b;
	int y, ya, yb, used;
	const char *p;

	if (sscanf(ref, "CDOP-%d-%lld", &y, &n) != 2)
		return 0;
	for (p = detail; (p = strstr(p, "CDOP-")) != NULL; p += 5) {
		used = 0;
		if (sscanf(p, "CDOP-%d-%lld..CDOP-%d-%lld%n", &ya, &a, &yb, &b, &used) == 4 &&
		    used && ya == y && yb == y && a <= n && n <= b)
			return 1;
	}
	return 0;
}

static int visit(const struct audit_entry *e, void *ctx)
{
	struct hist *h = ctx;
	json_t *row, *d = NULL, *ch;
	int missing = 0;
	size_t i;

	for (i = 0; reads[i]; i++)
		if (!strcmp(e->action, reads[i]))
			return 0;
	if (strcasecmp(e->object, h->ref) && !mentions(e->detail, h->ref) &&
	    !(!strcmp(e->action, "import") && in_ranges(e->detail, h->ref)))
		return 0;
	row = json_pack("{s:I, s:s, s:s, s:s}", "seq", (json_int_t)e->seq, "at", e->at,
			"user", e->user, "action", e->action);
	if (!row) {
		h->oom = 1;
		return 1;
	}
	if (!strcmp(e->action, "notify") && !strcasecmp(e->object, h->ref))
		h->notified = 1;
	if (!h->created && !h->notified && (!strcmp(e->action, "import") ||
	    (!strcmp(e->action, "transfer_in") && !strcasecmp(e->object, h->ref))))
		h->created = row;
	if (e->detail[0] == '{')
		d = json_loads(e->detail, 0, NULL);
	if (json_is_object(d)) {
		json_t *values = NULL;

		if (h->identifiable && e->sealed) {
			char *text = NULL;

			h->ret = audit_values_open(h->r, e, &text);
			if (h->ret) {
				json_decref(d);
				json_decref(row);
				return 1;
			}
			values = json_loads(text, 0, NULL);
			audit_values_free(text);
		}
		ch = changes_of(e->action, d, h->identifiable, values, &missing);
		json_decref(values);
		if (missing) {
			h->ret = reg_fail(h->r, CDOP_ERR_DAMAGED, "audit entry %lld says its "
					  "values are sealed in it, but it holds none: it has "
					  "been altered; run 'cdop audit verify'",
					  (long long)e->seq);
			json_decref(ch);
			json_decref(d);
			json_decref(row);
			return 1;
		}
		if (ch)
			json_object_set_new(row, "changes", ch);
		if (json_is_string(json_object_get(d, "reason")))
			json_object_set(row, "reason", json_object_get(d, "reason"));
		if (json_is_string(json_object_get(d, "outstanding")))
			json_object_set(row, "outstanding", json_object_get(d, "outstanding"));
		if (json_is_string(json_object_get(d, "meeting")))
			json_object_set(row, "detail", json_object_get(d, "meeting"));
	} else if (e->detail[0]) {
		json_object_set_new(row, "detail", json_string(e->detail));
	}
	json_decref(d);
	if (strcasecmp(e->object, h->ref))
		json_object_set_new(row, "object", json_string(e->object));
	if (json_array_append_new(h->list, row)) {
		h->oom = 1;
		return 1;
	}
	return 0;
}

/* The detail D with each sealed change's values in its place, from the
 * opened VALUES; *missing when the detail says sealed and VALUES lack it. */
static void open_detail(json_t *d, json_t *values, int *missing)
{
	json_t *c, *v;
	size_t i;

	json_array_foreach(json_object_get(d, "changes"), i, c) {
		const char *path = json_string_value(json_object_get(c, "path"));
		const char *was = json_string_value(json_object_get(c, "new"));

		if (!json_is_true(json_object_get(c, "identifiable")) || !path)
			continue;
		v = sealed_value(values, path);
		if (v) {
			json_object_set(c, "old", json_object_get(v, "old"));
			json_object_set(c, "new", json_object_get(v, "new"));
		} else if (was && !strcmp(was, SEALED_TEXT)) {
			*missing = 1;
		}
	}
}

/* An import (or transfer in) writes one entry, not the values (import
 * speed): the history shows the notification as imported on that line,
 * as new values, worked out here — the current record with each later
 * recorded change of it (update, notified_ncmd) undone, the earliest one
 * giving the value after the import. A later identifiable change written
 * before schema 13 (values not kept) leaves that field "recorded": false. */
static int first_state(struct hist *h, int64_t id)
{
	struct change_log log;
	json_t *cur = NULL, *state, *row, *c, *done = json_object();
	size_t i, j, k, from = 0;
	int ret = cases_notification(h->r, id, &cur), missing = 0;

	if (ret) {
		json_decref(done);
		return ret;
	}
	change_log_init(&log);
	{
		json_t *none = json_object();

		change_form(&log, &form_notification, none, cur);
		json_decref(none);
	}
	json_decref(cur);
	state = json_object_get(log.detail, "changes");
	if (!log.oom)
		open_detail(log.detail, log.sealed, &missing);
	json_array_foreach(h->list, i, row)
		if (row == h->created)
			from = i + 1;
	for (i = from; !log.oom && done && i < json_array_size(h->list); i++) {
		const char *act = json_string_value(json_object_get(json_array_get(h->list, i),
								    "action"));

		if (strcmp(act, "update") && strcmp(act, "notified_ncmd"))
			continue;
		json_array_foreach(json_object_get(json_array_get(h->list, i), "changes"), j, c) {
			const char *path = json_string_value(json_object_get(c, "path"));
			json_t *s = NULL;

			if (!path || json_object_get(done, path))
				continue;
			json_object_set_new(done, path, json_true());
			json_array_foreach(state, k, s)
				if (!strcmp(json_string_value(json_object_get(s, "path")), path))
					break;
			if (k == json_array_size(state)) {
				s = json_pack("{s:s, s:n}", "path", path, "old");
				if (!s || json_array_append_new(state, s)) {
					log.oom = 1;
					break;
				}
				if (json_is_true(json_object_get(c, "identifiable")))
					json_object_set_new(s, "identifiable", json_true());
			}
			if (json_is_false(json_object_get(c, "recorded"))) {
				json_object_del(s, "new");
				json_object_set_new(s, "recorded", json_false());
			} else {
				json_object_set(s, "new", json_object_get(c, "old"));
			}
		}
	}
	/* A field empty just after the import is no value given. */
	for (k = json_array_size(state); k-- > 0;)
		if (json_is_null(json_object_get(json_array_get(state, k), "new")))
			json_array_remove(state, k);
	if (!done || log.oom || json_object_set(h->created, "changes", state))
		ret = reg_fail(h->r, CDOP_ERR_NOMEM, "out of memory");
	json_decref(done);
	change_log_release(&log);
	return ret;
}

/* The stored spelling of the reference REF finds. */
static int canon_ref(struct reg *r, const char *ref, char canon[CASE_REF_MAX],
		     int64_t *id)
{
	struct db_stmt q = DB_STMT_INIT;
	int ret = cases_find(r, ref, id, NULL);

	if (ret)
		return ret;
	db_prepare(r, &q, "SELECT ref FROM cases WHERE id = :id");
	db_bind_int(&q, ":id", *id);
	if (db_step(&q) == DB_ROW)
		snprintf(canon, CASE_REF_MAX, "%s", db_column_text(&q, 0));
	return db_finalize(&q);
}

/* ---- reading: audit list --case ------------------------------------------- */

static int audit_visit(const struct audit_entry *e, void *ctx)
{
	struct hist *h = ctx;
	json_t *row, *d = NULL, *values = NULL;
	char *opened = NULL;
	int missing = 0;

	if (strcasecmp(e->object, h->ref) && !mentions(e->detail, h->ref))
		return 0;
	if (h->identifiable && e->detail[0] == '{')
		d = json_loads(e->detail, 0, NULL);
	if (json_is_object(d)) {
		if (e->sealed) {
			char *text = NULL;

			h->ret = audit_values_open(h->r, e, &text);
			if (h->ret) {
				json_decref(d);
				return 1;
			}
			values = json_loads(text, 0, NULL);
			audit_values_free(text);
		}
		open_detail(d, values, &missing);
		json_decref(values);
		if (!missing)
			opened = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	}
	json_decref(d);
	if (missing) {
		h->ret = reg_fail(h->r, CDOP_ERR_DAMAGED, "audit entry %lld says its values "
				  "are sealed in it, but it holds none: it has been altered; "
				  "run 'cdop audit verify'", (long long)e->seq);
		return 1;
	}
	row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)e->seq,
			"at", e->at, "user", e->user, "action", e->action,
			"object", e->object, "detail", opened ? opened : e->detail);
	text_wipe_free(opened);
	if (!row || json_array_append_new(h->list, row)) {
		h->oom = 1;
		return 1;
	}
	return 0;
}

/* ---- both readers: case history and audit list --case ------------------- */

/*
 * The case's audit entries through VISIT, then (for a manager) the read
 * itself recorded as ACTION: `case history` and `audit list --case` differ
 * only in the visitor and that action; history alone adds an imported
 * case's first state.
 */
static int hist_walk(struct reg *r, const char *ref, int identifiable,
		     int (*visit_fn)(const struct audit_entry *, void *),
		     const char *action, int first, json_t **out)
{
	struct hist h;
	char canon[CASE_REF_MAX] = "";
	int64_t id;
	int ret;

	*out = NULL;
	ret = canon_ref(r, ref, canon, &id);
	if (ret)
		return ret;
	memset(&h, 0, sizeof h);
	h.r = r;
	h.ref = canon;
	h.identifiable = identifiable;
	h.list = json_array();
	if (!h.list)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	ret = audit_foreach(r, visit_fn, &h);
	if (ret > 0)
		ret = h.ret;
	if (!ret && h.oom)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret && first && identifiable && h.created)
		ret = first_state(&h, id);
	if (!ret && identifiable)
		ret = audit_record(r, action, canon, "");
	if (ret)
		json_decref(h.list);
	else
		*out = h.list;
	return ret;
}

int cases_history(struct reg *r, const char *ref, int identifiable, json_t **out)
{
	return hist_walk(r, ref, identifiable, visit, "history", 1, out);
}

int cases_audit(struct reg *r, const char *ref, int identifiable, json_t **out)
{
	return hist_walk(r, ref, identifiable, audit_visit, "audit_list", 0, out);
}
