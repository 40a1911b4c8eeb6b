/*
 * cdop/cases: notify, update and status through the library, as the
 * manager sees them: the reference handed out, each refusal naming the
 * field path, duplicates refused, statuses moving in SPEC §3's order, and
 * every refused call leaving the register as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "cdop/panel/panel.h"
#include "support.h"

static const char *status_of(struct reg *r, const char *ref)
{
	static char status[24];
	int64_t id;

	assert_int_equal(cases_find(r, ref, &id, status), CDOP_OK);
	return status;
}

/* The newest audit entry's action, object and detail. */
struct last_entry {
	char action[32], object[64], detail[256];
};

static int keep_last(const struct audit_entry *e, void *ctx)
{
	struct last_entry *l = ctx;

	snprintf(l->action, sizeof l->action, "%s", e->action);
	snprintf(l->object, sizeof l->object, "%s", e->object);
	snprintf(l->detail, sizeof l->detail, "%s", e->detail);
	return 0;
}

static struct last_entry last_audit(struct reg *r)
{
	struct last_entry l;

	memset(&l, 0, sizeof l);
	assert_int_equal(audit_foreach(r, keep_last, &l), CDOP_OK);
	return l;
}

/* ---- notify ---------------------------------------------------------------- */

static void test_notify_refs(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX];
	json_t *n;
	int64_t audit = t_count(r, "SELECT count(*) FROM audit");

	t_notify(r, t_notification("Example", "9434765919"), ref);
	assert_string_equal(ref, "CDOP-2025-0001");
	assert_string_equal(status_of(r, ref), "notified");
	assert_string_equal(last_audit(r).action, "notify");
	assert_string_equal(last_audit(r).object, "CDOP-2025-0001");
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit"), audit + 1);
	/* an unexpected death gets the seven joint agency response actions */
	assert_int_equal(t_count(r, "SELECT count(*) FROM rr_actions"), 7);

	n = t_notification("Second", NULL);
	t_set(n, "death.expected", json_string("expected"));
	t_notify(r, n, ref);
	assert_string_equal(ref, "CDOP-2025-0002");
	assert_int_equal(t_count(r, "SELECT count(*) FROM rr_actions"), 7);

	/* the year is the notification's, numbered from 1 within it */
	n = t_notification("Earlier", NULL);
	t_set(n, "death.date", json_string("2024-12-30"));
	t_set(n, "notified.date", json_string("2024-12-31"));
	t_notify(r, n, ref);
	assert_string_equal(ref, "CDOP-2024-0001");
	n = t_notification("Third", NULL);
	t_notify(r, n, ref);
	assert_string_equal(ref, "CDOP-2025-0003");
}

static void test_notify_due_times(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX];

	t_notify(r, t_notification("Example", NULL), ref);
	/* death 2025-05-03 14:20: home visit 24h, review meeting 12 weeks */
	assert_int_equal(t_count(r, "SELECT count(*) FROM rr_actions WHERE "
			       "action = 'home_visit' AND due_at = '2025-05-04T14:20'"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM rr_actions WHERE "
			       "action = 'child_death_review_meeting' AND "
			       "due_at = '2025-07-26T14:20'"), 1);
}

static void test_notify_nhs_spaces(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX];

	char hash[33], sql[128];

	t_notify(r, t_notification("Example", "943 476 5919"), ref);
	/* Keys by role: the column holds a keyed hash of the normalised number. */
	assert_int_equal(store_dup_hash(r, "9434765919", hash), CDOP_OK);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM cases WHERE nhs_number = '%s'", hash);
	assert_int_equal(t_count(r, sql), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM cases WHERE "
			       "nhs_number = '9434765919'"), 0);
}

static void test_notify_required(void **state)
{
	static const char *const required[] = {
		"child.forename", "child.surname", "child.date_of_birth", "child.sex",
		"death.date", "death.place", "death.expected", "notified.date",
		"notified.by_agency",
	};
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct t_counts before = t_counts_of(r);
	char ref[CASE_REF_MAX], want[64];
	size_t i;

	for (i = 0; i < sizeof required / sizeof required[0]; i++) {
		json_t *n = t_notification("Example", "9434765919");

		snprintf(want, sizeof want, "%s: ", required[i]);
		t_set(n, required[i], NULL);
		r->e.msg[0] = 0;
		t_expect(cases_notify(r, n, ref), CDOP_ERR_INPUT, r, want);
		assert_non_null(strstr(r->e.msg, "required"));
		/* blank counts as missing */
		t_set(n, required[i], json_string(""));
		t_expect(cases_notify(r, n, ref), CDOP_ERR_INPUT, r, want);
		json_decref(n);
		t_assert_unchanged(r, before);
	}
	/* a whole group missing */
	{
		json_t *n = t_notification("Example", NULL);

		t_set(n, "death", NULL);
		t_expect(cases_notify(r, n, ref), CDOP_ERR_INPUT, r, "death");
		json_decref(n);
	}
	t_assert_unchanged(r, before);
	/* nothing consumed a reference: the first accepted case is 0001 */
	t_notify(r, t_notification("Example", NULL), ref);
	assert_string_equal(ref, "CDOP-2025-0001");
}

static void test_notify_invalid_values(void **state)
{
	static const struct { const char *path, *value, *needle; } bad[] = {
		{ "child.nhs_number", "9434765918", "child.nhs_number: " },
		{ "child.nhs_number", "943476591", "child.nhs_number: " },
		{ "child.sex", "girl", "child.sex: " },
		{ "child.ethnicity", "Q", "child.ethnicity: " },
		{ "death.place", "car", "death.place: " },
		{ "death.expected", "maybe", "death.expected: " },
		{ "notified.by_agency", "fbi", "notified.by_agency: " },
		{ "child.date_of_birth", "2025-05-04", "child.date_of_birth" },
		{ "child.date_of_birth", "2007-05-02", "" }, /* 18 at death */
		{ "death.date", "2025-02-30", "death.date: " },
		{ "death.time", "25:00", "death.time: " },
		{ "notified.date", "2025-06-02", "notified.date" }, /* after today */
		{ "notified.date", "2025-05-02", "notified.date" }, /* before death */
		{ "child.date_of_birth", "01/03/2024x", "child.date_of_birth: " },
	};
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct t_counts before = t_counts_of(r);
	char ref[CASE_REF_MAX];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *n = t_notification("Example", "9434765919");

		t_set(n, bad[i].path, json_string(bad[i].value));
		r->e.msg[0] = 0;
		t_expect(cases_notify(r, n, ref), CDOP_ERR_INPUT, r, bad[i].needle);
		assert_true(strlen(r->e.msg) > 0);
		json_decref(n);
	}
	/* not an object at all */
	{
		json_t *a = json_array();

		t_expect(cases_notify(r, a, ref), CDOP_ERR_INPUT, r, NULL);
		json_decref(a);
	}
	t_assert_unchanged(r, before);
}

static void test_notify_duplicates(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct t_counts before;
	char ref[CASE_REF_MAX], first[CASE_REF_MAX];
	json_t *n;

	t_notify(r, t_notification("Example", "9434765919"), first);
	before = t_counts_of(r);

	/* same NHS number, another name */
	n = t_notification("Other", "9434765919");
	t_set(n, "child.forename", json_string("Zoe"));
	t_expect(cases_notify(r, n, ref), CDOP_ERR_CONFLICT, r, "duplicate: case CDOP-2025-0001");
	assert_non_null(strstr(r->e.msg, "child.nhs_number"));
	json_decref(n);

	/* same surname (any case) + date of birth + date of death, one without
	 * an NHS number */
	n = t_notification("EXAMPLE", NULL);
	t_expect(cases_notify(r, n, ref), CDOP_ERR_CONFLICT, r, "CDOP-2025-0001");
	assert_non_null(strstr(r->e.msg, "child.surname, child.date_of_birth and death.date"));
	json_decref(n);
	t_assert_unchanged(r, before);

	/* twins: both NHS numbers known and different are two children */
	{
		char nhs[11];
		unsigned stem = 400000000u;

		while (t_nhs_of(stem, nhs))
			stem++;
		t_notify(r, t_notification("Example", nhs), ref);
		assert_string_equal(ref, "CDOP-2025-0002");
	}
	/* another date of death is another child */
	n = t_notification("Example", NULL);
	t_set(n, "death.date", json_string("2025-05-02"));
	t_notify(r, n, ref);
	assert_string_equal(ref, "CDOP-2025-0003");
}

/* ---- update ---------------------------------------------------------------- */

static void test_update(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX];
	json_t *patch;
	struct last_entry l;

	t_notify(r, t_notification("Example", "9434765919"), ref);
	patch = json_pack("{s:{s:s}, s:{s:s}}", "death", "time", "08:00",
			  "child", "postcode", "SN2 2BB");
	assert_int_equal(cases_update(r, ref, patch), CDOP_OK);
	json_decref(patch);
	assert_int_equal(t_count(r, "SELECT count(*) FROM cases WHERE death_time = '08:00'"), 1);
	/* outstanding actions follow the new death time */
	assert_int_equal(t_count(r, "SELECT count(*) FROM rr_actions WHERE "
			       "action = 'home_visit' AND due_at = '2025-05-04T08:00'"), 1);
	assert_int_equal(t_count(r, "SELECT count(*) FROM rr_actions"), 7);
	/* the audit names the paths changed, never their values */
	l = last_audit(r);
	assert_string_equal(l.action, "update");
	assert_string_equal(l.object, ref);
	assert_non_null(strstr(l.detail, "death.time"));
	assert_non_null(strstr(l.detail, "child.postcode"));
	assert_null(strstr(l.detail, "SN2"));
}

static void test_update_refused(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], other[CASE_REF_MAX];
	struct t_counts before;
	json_t *patch;

	t_notify(r, t_notification("Example", "9434765919"), ref);
	t_notify(r, t_notification("Other", NULL), other);
	before = t_counts_of(r);

	patch = json_pack("{s:{s:s}}", "child", "sex", "girl");
	t_expect(cases_update(r, ref, patch), CDOP_ERR_INPUT, r, "child.sex: ");
	json_decref(patch);
	/* null removes: a required field cannot be removed */
	patch = json_pack("{s:{s:n}}", "child", "forename");
	t_expect(cases_update(r, ref, patch), CDOP_ERR_INPUT, r, "child.forename: ");
	json_decref(patch);
	/* made into a duplicate of another case */
	patch = json_pack("{s:{s:s}}", "child", "nhs_number", "9434765919");
	t_expect(cases_update(r, other, patch), CDOP_ERR_CONFLICT, r, ref);
	json_decref(patch);
	patch = json_pack("{s:{s:s}}", "child", "surname", "example");
	t_expect(cases_update(r, other, patch), CDOP_ERR_CONFLICT, r, ref);
	json_decref(patch);
	patch = json_pack("{s:{s:s}}", "death", "time", "08:00");
	t_expect(cases_update(r, "CDOP-2025-0099", patch), CDOP_ERR_NOTFOUND, r,
		   "CDOP-2025-0099");
	json_decref(patch);
	patch = json_string("x");
	t_expect(cases_update(r, ref, patch), CDOP_ERR_INPUT, r, "object");
	json_decref(patch);
	t_assert_unchanged(r, before);
	assert_int_equal(t_count(r, "SELECT count(*) FROM cases WHERE "
			       "death_time = '14:20' AND sex = 'female'"), 2);

	/* its own NHS number is not a duplicate of itself */
	patch = json_pack("{s:{s:s}}", "child", "nhs_number", "943 476 5919");
	assert_int_equal(cases_update(r, ref, patch), CDOP_OK);
	json_decref(patch);
}

/* ---- status ---------------------------------------------------------------- */

static void test_status_in_order(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX];
	struct t_counts before;

	t_notify(r, t_notification("Example", NULL), ref);
	assert_int_equal(cases_set_status(r, ref, "gathering"), CDOP_OK);
	assert_string_equal(status_of(r, ref), "gathering");
	assert_string_equal(last_audit(r).action, "status");
	assert_string_equal(last_audit(r).detail, "{\"new\":\"gathering\",\"old\":\"notified\"}");
	assert_int_equal(cases_set_status(r, ref, "ready"), CDOP_OK);
	before = t_counts_of(r);

	/* backwards without a reason or more than one step, to itself,
	 * unknown, or a status only other commands set */
	t_expect(cases_set_status(r, ref, "gathering"), CDOP_ERR_INPUT, r,
		   "reason: moving case ");
	t_expect(cases_set_status(r, ref, "notified"), CDOP_ERR_CONFLICT, r, "'ready'");
	t_expect(cases_set_status_reason(r, ref, "notified", "why"), CDOP_ERR_CONFLICT, r,
		   "one step at a time");
	t_expect(cases_set_status(r, ref, "ready"), CDOP_ERR_CONFLICT, r, NULL);
	t_expect(cases_set_status(r, ref, "done"), CDOP_ERR_INPUT, r, "valid: notified");
	t_expect(cases_set_status(r, ref, "scheduled"), CDOP_ERR_INPUT, r, "meeting add");
	t_expect(cases_set_status(r, ref, "reviewed"), CDOP_ERR_INPUT, r, "review");
	t_expect(cases_set_status(r, "CDOP-2025-0042", "ready"), CDOP_ERR_NOTFOUND, r,
		   "CDOP-2025-0042");
	/* closed only once reviewed */
	t_expect(cases_set_status(r, ref, "closed"), CDOP_ERR_CONFLICT, r,
		   "once it has been reviewed");
	t_assert_unchanged(r, before);
	assert_string_equal(status_of(r, ref), "ready");

	/* a step may be skipped forwards */
	t_notify(r, t_notification("Skipper", NULL), ref);
	assert_int_equal(cases_set_status(r, ref, "ready"), CDOP_OK);
}

static void test_status_closed_from_reviewed(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], mid[24];
	int64_t meeting;
	struct t_counts before;

	t_notify(r, t_notification("Example", NULL), ref);
	t_to_meeting(r, ref, "2025-05-20", &meeting, mid, NULL);
	assert_string_equal(status_of(r, ref), "scheduled");
	t_expect(cases_set_status(r, ref, "closed"), CDOP_ERR_CONFLICT, r, "'scheduled'");
	{
		json_t *v = t_review("none", "2025-12-31");

		t_ok(reviews_record(r, ref, mid, v, &(int){ 0 }), r);
		json_decref(v);
	}
	assert_string_equal(status_of(r, ref), "reviewed");
	/* a reviewed case is not transferred */
	t_expect(cases_set_status(r, ref, "transferred"), CDOP_ERR_CONFLICT, r, NULL);
	assert_int_equal(cases_set_status(r, ref, "closed"), CDOP_OK);
	assert_string_equal(last_audit(r).detail, "{\"new\":\"closed\",\"old\":\"reviewed\"}");
	before = t_counts_of(r);
	/* closed is the end */
	t_expect(cases_set_status(r, ref, "transferred"), CDOP_ERR_CONFLICT, r, NULL);
	t_expect(cases_set_status(r, ref, "closed"), CDOP_ERR_CONFLICT, r, NULL);
	t_assert_unchanged(r, before);
	assert_string_equal(status_of(r, ref), "closed");
}

static void test_status_transferred(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char resident[CASE_REF_MAX], away[CASE_REF_MAX], unknown[CASE_REF_MAX];
	struct t_counts before;
	json_t *n;

	t_notify(r, t_notification("Example", NULL), resident);
	n = t_notification("Visitor", NULL);
	t_set(n, "child.resident", json_false());
	t_notify(r, n, away);
	n = t_notification("Unsure", NULL);
	t_set(n, "child.resident", NULL);
	t_notify(r, n, unknown);
	before = t_counts_of(r);

	t_expect(cases_set_status(r, resident, "transferred"), CDOP_ERR_CONFLICT, r,
		   "non-resident");
	t_assert_unchanged(r, before);
	assert_string_equal(status_of(r, resident), "notified");

	assert_int_equal(cases_set_status(r, away, "gathering"), CDOP_OK);
	assert_int_equal(cases_set_status(r, away, "transferred"), CDOP_OK);
	assert_string_equal(status_of(r, away), "transferred");
	before = t_counts_of(r);
	/* transferred is the end too */
	t_expect(cases_set_status(r, away, "ready"), CDOP_ERR_CONFLICT, r, NULL);
	t_assert_unchanged(r, before);

	/* Current behaviour: residence not recorded is not refused (only a
	 * recorded child.resident true is). */
	assert_int_equal(cases_set_status(r, unknown, "transferred"), CDOP_OK);
}

static void test_find(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX], status[24];
	int64_t id = 0;

	t_expect(cases_find(r, "CDOP-2025-0001", &id, status), CDOP_ERR_NOTFOUND, r,
		   "no case 'CDOP-2025-0001'");
	t_notify(r, t_notification("Example", NULL), ref);
	assert_int_equal(cases_find(r, ref, &id, status), CDOP_OK);
	assert_true(id > 0);
	assert_string_equal(status, "notified");
	/* a reference typed in lower case is the same reference */
	id = 0;
	assert_int_equal(cases_find(r, "cdop-2025-0001", &id, NULL), CDOP_OK);
	assert_true(id > 0);
}

/* ---- the column table -------------------------------------------------------- */

/* The columns of `cases` that are the register's own, not copies. */
static const char *const own_columns[] = { "id", "ref", "status", "created_at", "updated_at" };

static int column_listed(const char *name)
{
	for (size_t i = 0; i < CASE_NCOLUMNS; i++)
		if (!strcmp(case_columns[i].name, name))
			return 1;
	return 0;
}

/* case_columns and `cases` of a new register agree, both ways; each path
 * is a field of the notification form; and what is stored is what the
 * document holds. */
/* Store a fact once: the default targets are codes_rr_action's; the
 * register keeps only overrides, and a new case's due times follow both. */
static void test_rr_targets_defaults_once(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct db_stmt q = DB_STMT_INIT;
	char ref[CASE_REF_MAX], was[RR_DURATION_BUFLEN], now[RR_DURATION_BUFLEN];
	json_t *list = NULL;
	int n = -1;

	db_prepare(r, &q, "SELECT count(*) FROM rr_targets");
	if (db_step(&q) == DB_ROW)
		n = (int)db_column_int(&q, 0);
	assert_int_equal(db_finalize(&q), CDOP_OK);
	assert_int_equal(n, 0);
	t_ok(rr_target_set(r, "home_visit", "12h", was, now), r);
	assert_string_equal(was, "24h");
	t_notify(r, t_notification("Example", "9434765919"), ref);
	t_ok(rr_list(r, ref, &list), r);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *a = json_array_get(list, i);
		const char *action = json_string_value(json_object_get(a, "action"));
		const char *due = json_string_value(json_object_get(a, "due"));

		/* The example death is 2025-05-03 14:20. */
		if (!strcmp(action, "home_visit"))
			assert_string_equal(due, "2025-05-04T02:20");
		if (!strcmp(action, "police_informed"))
			assert_string_equal(due, "2025-05-04T14:20");
	}
	assert_int_equal(json_array_size(list), codes_rr_action.n);
	json_decref(list);
}

static void test_case_columns_schema(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct db_stmt q = DB_STMT_INIT;
	char ref[CASE_REF_MAX], sql[128];
	int seen[CASE_NCOLUMNS] = { 0 };
	json_t *doc = NULL, *n;
	int64_t id;

	assert_int_equal(db_prepare(r, &q, "SELECT * FROM cases LIMIT 0"), CDOP_OK);
	for (int i = 0; i < sqlite3_column_count(q.s); i++) {
		const char *name = sqlite3_column_name(q.s, i);
		size_t k, own = 0;

		for (k = 0; k < sizeof own_columns / sizeof own_columns[0]; k++)
			own |= !strcmp(own_columns[k], name);
		if (!own && !column_listed(name))
			fail_msg("cases.%s is not in case_columns", name);
		for (k = 0; k < CASE_NCOLUMNS; k++)
			if (!strcmp(case_columns[k].name, name))
				seen[k]++;
	}
	assert_int_equal(db_finalize(&q), CDOP_OK);
	for (size_t k = 0; k < CASE_NCOLUMNS; k++) {
		if (seen[k] != 1)
			fail_msg("case_columns[%zu] '%s' is not a column of cases", k,
				 case_columns[k].name);
		if (!form_field_find(&form_notification, case_columns[k].path))
			fail_msg("case_columns[%zu] path '%s' is not a notification field", k,
				 case_columns[k].path);
	}

	n = t_notification("MacExample", "9434765919");
	t_set(n, "child.resident", json_false());
	t_notify(r, n, ref);
	assert_int_equal(cases_find(r, ref, &id, NULL), CDOP_OK);
	t_ok(cases_notification(r, id, &doc), r);
	for (size_t k = 0; k < CASE_NCOLUMNS; k++) {
		const struct case_column *cc = &case_columns[k];
		const json_t *v = form_json_get(doc, cc->path);

		snprintf(sql, sizeof sql, "SELECT %s FROM cases WHERE id = %lld", cc->name,
			 (long long)id);
		assert_int_equal(db_prepare(r, &q, sql), CDOP_OK);
		assert_int_equal(db_step(&q), DB_ROW);
		if (!v || json_is_null(v))
			assert_true(db_column_is_null(&q, 0));
		else if (cc->type == CASE_COL_BOOL)
			assert_int_equal(db_column_int(&q, 0), json_is_true(v));
		else if (cc->type == CASE_COL_KEY)
			assert_string_equal(db_column_text(&q, 0), "macexample");
		else if (cc->type == CASE_COL_HASH || cc->type == CASE_COL_KEY_HASH) {
			char hash[33];

			assert_int_equal(store_dup_hash(r, cc->type == CASE_COL_KEY_HASH ?
				"macexample" : json_string_value(v), hash), CDOP_OK);
			assert_string_equal(db_column_text(&q, 0), hash);
		} else if (cc->type == CASE_COL_AGE_BAND)
			assert_string_equal(db_column_text(&q, 0), anonymise_age_band(doc));
		else
			assert_string_equal(db_column_text(&q, 0), json_string_value(v));
		assert_int_equal(db_finalize(&q), CDOP_OK);
	}
	json_decref(doc);
	/* the document is stored once, beside the row */
	assert_int_equal(t_count(r, "SELECT count(*) FROM case_documents"),
			 t_count(r, "SELECT count(*) FROM cases"));
}

/* The newest audit entry, its sealed values copied (audit_values_open). */
struct newest {
	int64_t seq;
	uint8_t sealed[4096];
	size_t len;
	int has;
};

static int newest_visit(const struct audit_entry *e, void *ctx)
{
	struct newest *n = ctx;

	n->seq = e->seq;
	n->has = e->sealed != NULL && e->sealed_len <= sizeof n->sealed;
	n->len = n->has ? e->sealed_len : 0;
	if (n->has)
		memcpy(n->sealed, e->sealed, e->sealed_len);
	return 0;
}

/* Schema 013: values sealed into their entry, bound to its seq, opened only
 * with the manager's key, and covered by the chain (audit verify). */
static void test_audit_values(void **state)
{
	static const char values[] = "[{\"new\":\"Jonesworth\",\"old\":\"Smitherton\","
				     "\"path\":\"child.surname\"}]";
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct audit_entry e;
	struct newest n;
	char *text = NULL;
	int64_t bad = 0;

	assert_int_equal(db_begin(r), CDOP_OK);
	t_ok(audit_append_values(r, "update", "CDOP-2025-0001", "{\"changes\":[]}", values), r);
	assert_int_equal(db_commit(r), CDOP_OK);
	memset(&n, 0, sizeof n);
	t_ok(audit_foreach(r, newest_visit, &n), r);
	assert_true(n.has);
	assert_int_equal(n.sealed[0], 'k'); /* a manager seals under K_id */
	memset(&e, 0, sizeof e);
	e.seq = n.seq;
	e.sealed = n.sealed;
	e.sealed_len = n.len;
	t_ok(audit_values_open(r, &e, &text), r);
	assert_string_equal(text, values);
	audit_values_free(text);
	/* nothing readable in the table */
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE detail LIKE '%Smitherton%' "
				 "OR CAST(sealed AS TEXT) LIKE '%Smitherton%'"), 0);
	/* moved to another entry: refused */
	e.seq = n.seq - 1;
	assert_int_equal(audit_values_open(r, &e, &text), CDOP_ERR_DAMAGED);
	assert_null(text);
	t_ok(audit_verify(r, &bad), r);
	/* the panel has no K_id: refused (exit 3), never shown */
	t_clone_reopen(c, T_PANEL);
	e.seq = n.seq;
	assert_int_equal(audit_values_open(r, &e, &text), CDOP_ERR_ACCESS);
	assert_null(text);
	/* a panel writer seals to the register's age recipient; a manager opens it */
	assert_int_equal(db_begin(r), CDOP_OK);
	t_ok(audit_append_values(r, "review", "CDOP-2025-0001", "{\"changes\":[]}", values), r);
	assert_int_equal(db_commit(r), CDOP_OK);
	memset(&n, 0, sizeof n);
	t_ok(audit_foreach(r, newest_visit, &n), r);
	assert_true(n.has);
	assert_int_equal(n.sealed[0], 'a');
	t_clone_reopen(c, T_MANAGER);
	e.seq = n.seq;
	e.sealed = n.sealed;
	e.sealed_len = n.len;
	t_ok(audit_values_open(r, &e, &text), r);
	assert_string_equal(text, values);
	audit_values_free(text);
	e.seq = n.seq + 1;
	assert_int_equal(audit_values_open(r, &e, &text), CDOP_ERR_DAMAGED);
	t_ok(audit_verify(r, &bad), r);
}

/* ---- the trail's change format: config set, audit list --case (issue 14) -- */

static void test_config_change_format(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char old[256];

	t_ok(config_set(r, "panel.area", "Wiltshire", old, sizeof old), r);
	assert_string_equal(last_audit(r).action, "config_set");
	assert_string_equal(last_audit(r).detail, "{\"changes\":[{\"new\":\"Wiltshire\","
			    "\"old\":null,\"path\":\"panel.area\"}]}");
	t_ok(config_set(r, "panel.area", "", old, sizeof old), r);
	assert_string_equal(old, "Wiltshire");
	assert_string_equal(last_audit(r).detail, "{\"changes\":[{\"new\":null,"
			    "\"old\":\"Wiltshire\",\"path\":\"panel.area\"}]}");
}

static void test_cases_audit_opens(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	char ref[CASE_REF_MAX];
	json_t *patch, *l = NULL, *e;
	const char *d;

	t_notify(r, t_notification("Example", NULL), ref);
	patch = json_pack("{s:{s:s}}", "child", "surname", "Quillfeather");
	t_ok(cases_update(r, ref, patch), r);
	json_decref(patch);
	/* as the admin sees it: (sealed) */
	t_ok(cases_audit(r, ref, 0, &l), r);
	assert_true(json_array_size(l) >= 2);
	e = json_array_get(l, json_array_size(l) - 1);
	assert_string_equal(json_string_value(json_object_get(e, "action")), "update");
	d = json_string_value(json_object_get(e, "detail"));
	assert_non_null(strstr(d, "\"new\":\"(sealed)\""));
	assert_null(strstr(d, "Quillfeather"));
	json_decref(l);
	assert_string_equal(last_audit(r).action, "update"); /* not audited: nothing opened */
	/* the manager's: opened in place, and audited */
	t_ok(cases_audit(r, ref, 1, &l), r);
	e = json_array_get(l, json_array_size(l) - 1);
	d = json_string_value(json_object_get(e, "detail"));
	assert_non_null(strstr(d, "\"new\":\"Quillfeather\",\"old\":\"Example\""));
	assert_null(strstr(d, "(sealed)"));
	json_decref(l);
	assert_string_equal(last_audit(r).action, "audit_list");
	assert_string_equal(last_audit(r).object, ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_notify_refs),
		T_TEST(test_notify_due_times),
		T_TEST(test_notify_nhs_spaces),
		T_TEST(test_notify_required),
		T_TEST(test_notify_invalid_values),
		T_TEST(test_notify_duplicates),
		T_TEST(test_update),
		T_TEST(test_update_refused),
		T_TEST(test_status_in_order),
		T_TEST(test_status_closed_from_reviewed),
		T_TEST(test_status_transferred),
		T_TEST(test_find),
		T_TEST(test_case_columns_schema),
		T_TEST(test_rr_targets_defaults_once),
		T_TEST(test_audit_values),
		T_TEST(test_config_change_format),
		T_TEST(test_cases_audit_opens),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
