/*
 * case history: every change to one case, from the audit trail, with its
 * old and new values where the trail keeps them. The one reader of the
 * change details that case update, case status and the corrections
 * write, so a change to how they are kept (sealed identifiable values,
 * SPEC §6) is a change here only.
 */
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Audit actions that only read: not changes. */
static const char *const reads[] = { "view", "rr_list", "list", "search", "today",
				     "history", "print", "denied", NULL };

struct hist {
	struct reg *r;
	const char *ref;
	int identifiable; /* may show identifiable values */
	json_t *list;
	int oom;
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

/* What the detail says changed: [{path, old?, new?, identifiable?}]. */
static json_t *changes_of(const char *action, json_t *d, int identifiable)
{
	json_t *ch, *c, *out;
	size_t i;

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
		if (copy && json_is_true(json_object_get(copy, "identifiable")) && !identifiable) {
			json_object_del(copy, "old");
			json_object_del(copy, "new");
		}
		if (!copy || json_array_append_new(out, copy)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static int visit(const struct audit_entry *e, void *ctx)
{
	struct hist *h = ctx;
	json_t *row, *d = NULL, *ch;
	size_t i;

	for (i = 0; reads[i]; i++)
		if (!strcmp(e->action, reads[i]))
			return 0;
	if (strcasecmp(e->object, h->ref) && !mentions(e->detail, h->ref))
		return 0;
	row = json_pack("{s:I, s:s, s:s, s:s}", "seq", (json_int_t)e->seq, "at", e->at,
			"user", e->user, "action", e->action);
	if (!row) {
		h->oom = 1;
		return 1;
	}
	if (e->detail[0] == '{')
		d = json_loads(e->detail, 0, NULL);
	if (json_is_object(d)) {
		ch = changes_of(e->action, d, h->identifiable);
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

int cases_history(struct reg *r, const char *ref, int identifiable, json_t **out)
{
	struct hist h;
	char canon[CASE_REF_MAX] = "";
	int64_t id;
	int ret;

	*out = NULL;
	ret = cases_find(r, ref, &id, NULL);
	if (ret)
		return ret;
	/* the stored spelling of the reference */
	{
		struct db_stmt q = DB_STMT_INIT;

		db_prepare(r, &q, "SELECT ref FROM cases WHERE id = :id");
		db_bind_int(&q, ":id", id);
		if (db_step(&q) == DB_ROW)
			snprintf(canon, sizeof canon, "%s", db_column_text(&q, 0));
		ret = db_finalize(&q);
		if (ret)
			return ret;
	}
	memset(&h, 0, sizeof h);
	h.r = r;
	h.ref = canon;
	h.identifiable = identifiable;
	h.list = json_array();
	if (!h.list)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	ret = audit_foreach(r, visit, &h);
	if (ret > 0)
		ret = CDOP_OK;
	if (!ret && h.oom)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret && identifiable)
		ret = audit_record(r, "history", canon, "");
	if (ret)
		json_decref(h.list);
	else
		*out = h.list;
	return ret;
}
