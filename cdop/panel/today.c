/*
 * today: one list, in days, of everything due or overdue (SPEC §2). It is
 * made from the very lists the single-purpose commands print (rr due,
 * agency due, the recommendation tracker), so its figures are theirs,
 * plus the cases ready for panel and the statutory clocks.
 *
 * Days, never hours: an item's due date is the date part of its due time,
 * and days_overdue / days_left count calendar days from today. An action
 * due at 10:00 today and not done at noon is overdue by 0 days.
 */
#include "cdop/panel/panel.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "forms/codes.h"
#include "forms/date.h"
#include "forms/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCMD_DAYS 2 /* NCMD is told within 48 hours of the notification */

struct today {
	struct reg *r;
	int anon;
	struct cdate date;
	json_t *items;
	json_t *names; /* ref -> "Forename Surname", read once per case */
};

/* The date part of "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM". */
static int date_part(const char *s, struct cdate *d)
{
	char buf[DATE_BUFLEN];

	snprintf(buf, sizeof buf, "%s", s);
	return date_parse(buf, d);
}

/* Status and days of an item due on DUE (YYYY-MM-DD...); late says the
 * list it came from already counts it overdue (a due time passed today). */
static int mark(struct today *t, json_t *item, const char *due, int late)
{
	struct cdate d;
	long days;
	int ret = 0;

	if (!due) {
		json_object_set_new(item, "due", json_null());
		return json_object_set_new(item, "status", json_string("upcoming"));
	}
	if (date_part(due, &d))
		return -1;
	days = date_days_between(&d, &t->date);
	if (days > 0 || late) {
		ret |= json_object_set_new(item, "status", json_string("overdue"));
		ret |= json_object_set_new(item, "days_overdue", json_integer(days > 0 ? days : 0));
	} else {
		ret |= json_object_set_new(item, "status", json_string(days == 0 ? "due_today"
									      : "upcoming"));
		ret |= json_object_set_new(item, "days_left", json_integer(-days));
	}
	if (!t->anon || !strcmp(json_string_value(json_object_get(item, "kind")),
				"recommendation")) {
		char buf[DATE_BUFLEN];

		date_format(&d, buf);
		ret |= json_object_set_new(item, "due", json_string(buf));
	}
	return ret;
}

/* The child's name for a manager's list: one read per case. */
static int add_name(struct today *t, json_t *item, const char *ref)
{
	json_t *name = json_object_get(t->names, ref), *n = NULL;
	int64_t id;
	int ret;

	if (t->anon)
		return CDOP_OK;
	if (!name) {
		char buf[256];

		ret = cases_find(t->r, ref, &id, NULL);
		if (!ret)
			ret = cases_notification(t->r, id, &n);
		if (ret)
			return ret;
		snprintf(buf, sizeof buf, "%s %s",
			 json_string_value(form_json_get(n, "child.forename")) ?
			 json_string_value(form_json_get(n, "child.forename")) : "",
			 json_string_value(form_json_get(n, "child.surname")) ?
			 json_string_value(form_json_get(n, "child.surname")) : "");
		json_decref(n);
		name = json_string(buf);
		if (!name || json_object_set_new(t->names, ref, name))
			return reg_fail(t->r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (json_object_set(item, "name", name))
		return reg_fail(t->r, CDOP_ERR_NOMEM, "out of memory");
	return CDOP_OK;
}

static int push(struct today *t, json_t *item, const char *ref, const char *due,
		int late)
{
	int ret = CDOP_OK;

	(void)ref; /* named after sorting, only the items returned */
	if (!item || mark(t, item, due, late))
		ret = reg_fail(t->r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret && json_array_append(t->items, item))
		ret = reg_fail(t->r, CDOP_ERR_NOMEM, "out of memory");
	json_decref(item);
	return ret;
}

static const char *str_of(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

/*
 * One item per row of a due list (rr due, agency due): its code (the row's
 * WHAT) labelled from CODES. by_status: the list's own "overdue" counts (a
 * due time earlier today has passed).
 */
static int add_due(struct today *t, int (*due_list)(struct reg *, json_t **),
		   const char *kind, const char *what, const struct code_list *codes,
		   int by_status)
{
	json_t *list = NULL, *row;
	size_t i;
	int ret = due_list(t->r, &list);

	json_array_foreach(list, i, row) {
		const char *code = str_of(row, what), *ref = str_of(row, "ref");

		if (ret)
			break;
		ret = push(t, json_pack("{s:s, s:s, s:s, s:s}", "kind", kind, "ref", ref,
					"what", code, "label", code_list_label(codes, code)),
			   ref, json_string_value(json_object_get(row, "due")),
			   by_status && !strcmp(str_of(row, "status"), "overdue"));
	}
	json_decref(list);
	return ret;
}

static int add_rr(struct today *t)
{
	if (t->anon)
		return CDOP_OK; /* due times are the time of death plus a target */
	return add_due(t, rr_due, "joint_agency_response", "action", &codes_rr_action, 1);
}

static int add_agency(struct today *t)
{
	return add_due(t, agency_due, "agency_form", "agency", &codes_agency, 0);
}

static int add_recommendations(struct today *t)
{
	json_t *list = NULL, *row, *item;
	size_t i;
	int ret = actions_list(t->r, 0, &list);

	json_array_foreach(list, i, row) {
		const char *ref = json_string_value(json_object_get(row, "ref"));
		const char *owner = json_string_value(json_object_get(row, "owner"));

		if (ret)
			break;
		if (!strcmp(json_string_value(json_object_get(row, "status")), "done"))
			continue;
		item = json_pack("{s:s, s:s, s:s, s:s, s:O}", "kind", "recommendation",
				 "ref", ref, "what", owner, "label",
				 code_list_label(&codes_agency, owner), "id",
				 json_object_get(row, "id"));
		if (item && !t->anon)
			json_object_set(item, "text", json_object_get(row, "text"));
		ret = push(t, item, ref, json_string_value(json_object_get(row, "due")), 0);
	}
	json_decref(list);
	return ret;
}

/* Issue 11: learning or a recommendation found to name an identifier
 * (checked at a manager's unlock): to rewrite, due today. */
static int add_text_to_fix(struct today *t)
{
	json_t *list = NULL, *row;
	char today[DATE_BUFLEN], label[160];
	size_t i;
	int ret = idcheck_flagged(t->r, 0, &list);

	date_format(&t->date, today);
	json_array_foreach(list, i, row) {
		const char *ref = json_string_value(json_object_get(row, "ref"));
		const char *field = json_string_value(json_object_get(row, "field"));

		if (ret)
			break;
		snprintf(label, sizeof label, "%s holds %s held in the register: never "
			 "published; rewrite it", field, json_string_value(json_object_get(row,
										    "what")));
		ret = push(t, json_pack("{s:s, s:s, s:s, s:s}", "kind", "text_to_fix", "ref",
					ref, "what", field, "label", label), ref, today, 0);
	}
	json_decref(list);
	return ret;
}

/* Cases ready for panel and not on an agenda: waiting since the death. */
static int add_ready(struct today *t)
{
	static const char sql[] =
		"SELECT ref, death_date FROM cases WHERE status = 'ready' "
		"ORDER BY death_date, ref";
	struct db_stmt q = DB_STMT_INIT;
	struct cdate d;
	int ret = CDOP_OK, fret;

	db_prepare(t->r, &q, sql);
	while (!ret && db_step(&q) == DB_ROW) {
		json_t *item = json_pack("{s:s, s:s, s:s, s:s}", "kind",
					 "ready_for_panel", "ref", db_column_text(&q, 0),
					 "what", "ready", "label",
					 "Ready for panel: put it on a meeting's agenda");

		if (item && !t->anon && !date_parse(db_column_text(&q, 1), &d))
			json_object_set_new(item, "days_since_death",
					    json_integer(date_days_between(&d, &t->date)));
		ret = push(t, item, db_column_text(&q, 0), NULL, 0);
	}
	fret = db_finalize(&q);
	return ret ? ret : fret;
}

/*
 * Statutory clocks. notified_ncmd: NCMD is told within 48 hours of the
 * notification (Child Death Review Statutory and Operational Guidance);
 * done when the notification has notified.ncmd_date (rr add REF --action
 * notified_ncmd). Only cases still in progress are asked about.
 *
 * Whether the date is there is read from the anonymised notification kept
 * in clear beside the sealed one (case_documents.anon: ncmd_date is not
 * identifiable, so it is there as in the notification), never by opening
 * the sealed documents (issue 12, page speed: a register of 26,000 cases
 * has about 9,000 in progress). A document whose text does not name
 * ncmd_date at all (the key is written as is: no escape changes letters)
 * has none and is not parsed; one without an anonymised copy (a register
 * from before it was kept) is read whole, as before.
 */
static int has_ncmd(struct today *t, struct db_stmt *q, int *has)
{
	json_t *n = NULL;
	int ret = CDOP_OK;

	if (!db_column_is_null(q, 3)) {
		if (!db_column_int(q, 4)) {
			*has = 0;
			return CDOP_OK;
		}
		n = json_loads(db_column_text(q, 3), 0, NULL);
	}
	if (!n)
		ret = cases_notification(t->r, db_column_int(q, 0), &n);
	if (!ret)
		*has = form_json_get(n, "notified.ncmd_date") != NULL;
	json_decref(n);
	return ret;
}

static int add_clocks(struct today *t)
{
	static const char sql[] =
		"SELECT c.id, c.ref, c.notified_date, d.anon, instr(d.anon, 'ncmd_date') "
		"FROM cases c LEFT JOIN case_documents d ON d.case_id = c.id "
		"WHERE c.status IN ('notified', 'gathering', 'ready', 'scheduled') "
		"ORDER BY c.notified_date, c.ref";
	struct db_stmt q = DB_STMT_INIT;
	struct cdate d;
	int ret = CDOP_OK, fret;

	if (t->anon)
		return CDOP_OK; /* due dates are the notification's date */
	db_prepare(t->r, &q, sql);
	while (!ret && db_step(&q) == DB_ROW) {
		char due[DATE_BUFLEN];
		const char *ref = db_column_text(&q, 1);
		int has = 0;

		ret = has_ncmd(t, &q, &has);
		if (ret)
			break;
		if (!has && !date_parse(db_column_text(&q, 2), &d)) {
			d = date_add_days(&d, NCMD_DAYS);
			date_format(&d, due);
			ret = push(t, json_pack("{s:s, s:s, s:s, s:s}", "kind",
						"statutory_clock", "ref", ref, "what",
						"notified_ncmd", "label",
						"Notify NCMD (48 hours after notification)"),
				   ref, due, 0);
		}
	}
	fret = db_finalize(&q);
	return ret ? ret : fret;
}

/* Overdue first (most overdue first), then by due date, then the rest. */
static long order_key(const json_t *item)
{
	const char *st = json_string_value(json_object_get(item, "status"));
	json_t *over = json_object_get(item, "days_overdue");
	json_t *left = json_object_get(item, "days_left");

	if (!strcmp(st, "overdue"))
		return -1000000L - (long)json_integer_value(over);
	if (left)
		return (long)json_integer_value(left);
	return 1000000L;
}

struct sort_entry {
	long key;
	size_t index;
	json_t *item;
};

/* By key, then by position: qsort made stable (a register of 26k cases has
 * ~100k items; an insertion sort took minutes). */
static int compare_entries(const void *a, const void *b)
{
	const struct sort_entry *x = a, *y = b;

	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return (x->index > y->index) - (x->index < y->index);
}

/* A stable sort: equal keys keep the order of the lists they came from. */
static int sort_items(json_t *items, json_t **sorted)
{
	size_t n = json_array_size(items), i;
	struct sort_entry *v = calloc(n ? n : 1, sizeof *v);

	*sorted = json_array();
	if (!v || !*sorted) {
		free(v);
		return -1;
	}
	for (i = 0; i < n; i++) {
		v[i].item = json_array_get(items, i);
		v[i].key = order_key(v[i].item);
		v[i].index = i;
	}
	qsort(v, n, sizeof *v, compare_entries);
	for (i = 0; i < n; i++)
		if (json_array_append(*sorted, v[i].item)) {
			free(v);
			return -1;
		}
	free(v);
	return 0;
}

static const char *const kinds[] = { "joint_agency_response", "agency_form",
	"recommendation", "ready_for_panel", "statutory_clock", "text_to_fix" };
#define NKINDS (sizeof kinds / sizeof kinds[0])

static json_t *summary_of(const json_t *items)
{
	json_t *s = json_pack("{s:i, s:i, s:i, s:I}", "overdue", 0, "due_today", 0,
			      "upcoming", 0, "total", (json_int_t)json_array_size(items));
	json_t *by = json_object(), *item;
	size_t i, k;

	if (!s || !by || json_object_set_new(s, "by_kind", by)) {
		json_decref(s);
		return NULL;
	}
	for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		json_object_set_new(by, kinds[k], json_pack("{s:i, s:i}", "total", 0,
							    "overdue", 0));
	json_array_foreach((json_t *)items, i, item) {
		const char *st = json_string_value(json_object_get(item, "status"));
		json_t *kind = json_object_get(by, json_string_value(json_object_get(item, "kind")));
		json_t *c = json_object_get(s, st);

		json_integer_set(c, json_integer_value(c) + 1);
		c = json_object_get(kind, "total");
		json_integer_set(c, json_integer_value(c) + 1);
		if (!strcmp(st, "overdue")) {
			c = json_object_get(kind, "overdue");
			json_integer_set(c, json_integer_value(c) + 1);
		}
	}
	return s;
}

/* The first per_kind items of each kind, in order (0: all), each named
 * for the manager. */
static int keep_and_name(struct today *t, const json_t *sorted, size_t per_kind,
			 json_t **kept)
{
	size_t counts[NKINDS] = { 0 }, i, k;
	json_t *item;
	int ret = CDOP_OK;

	*kept = json_array();
	if (!*kept)
		return reg_fail(t->r, CDOP_ERR_NOMEM, "out of memory");
	json_array_foreach(sorted, i, item) {
		const char *kind = json_string_value(json_object_get(item, "kind"));

		for (k = 0; k < NKINDS && strcmp(kinds[k], kind); k++)
			;
		if (per_kind && k < NKINDS && counts[k]++ >= per_kind)
			continue;
		ret = add_name(t, item, json_string_value(json_object_get(item, "ref")));
		if (!ret && json_array_append(*kept, item))
			ret = reg_fail(t->r, CDOP_ERR_NOMEM, "out of memory");
		if (ret)
			break;
	}
	return ret;
}

int today_list(struct reg *r, int anonymised, json_t **out)
{
	return today_list_top(r, anonymised, 0, out);
}

int today_list_top(struct reg *r, int anonymised, size_t per_kind, json_t **out)
{
	struct today t;
	json_t *sorted = NULL, *kept = NULL, *res = NULL;
	char date[DATE_BUFLEN], detail[48];
	int ret;

	*out = NULL;
	memset(&t, 0, sizeof t);
	t.r = r;
	t.anon = anonymised;
	ret = reg_today_date(r, &t.date, date);
	if (ret)
		return ret;
	t.items = json_array();
	t.names = json_object();
	if (!t.items || !t.names)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret) ret = add_rr(&t);
	if (!ret) ret = add_agency(&t);
	if (!ret) ret = add_recommendations(&t);
	if (!ret) ret = add_ready(&t);
	if (!ret) ret = add_text_to_fix(&t);
	if (!ret) ret = add_clocks(&t);
	if (!ret && sort_items(t.items, &sorted))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret)
		ret = keep_and_name(&t, sorted, per_kind, &kept);
	if (!ret) {
		/* The summary counts every item, kept or not. */
		res = json_pack("{s:s, s:o, s:O}", "date", date, "summary",
				summary_of(sorted), "items", kept);
		if (!res)
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	/* Names are shown to the manager: recorded before they are. */
	if (!ret && !anonymised) {
		snprintf(detail, sizeof detail, "%zu items", json_array_size(kept));
		ret = audit_record(r, "today", "", detail);
	}
	json_decref(sorted);
	json_decref(kept);
	json_decref(t.items);
	json_decref(t.names);
	if (ret)
		json_decref(res);
	else
		*out = res;
	return ret;
}
