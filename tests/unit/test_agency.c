#define _GNU_SOURCE
/*
 * cdop/agency: reporting forms requested from and returned by agencies
 * (SPEC §1 step 3): request, receive and the due list, their refusals
 * naming the flag at fault, and nothing written by a refused call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "support.h"

/* requested, due, received (or "-" for NULL) and the form as stored */
static void stored(struct reg *r, const char *ref, const char *agency, char *out,
		   size_t len)
{
	/* The form is sealed under K_id (keys by role): opened as cdop does. */
	static const char sql[] =
		"SELECT coalesce(a.requested, '-') || ' ' || coalesce(a.due, '-') || ' ' || "
		"coalesce(a.received, '-') || ' ', a.form, a.case_id FROM agency_reports a "
		"JOIN cases c ON c.id = a.case_id WHERE c.ref = :ref AND a.agency = :agency";
	struct db_stmt q = DB_STMT_INIT;
	char *form = NULL;

	assert_int_equal(db_prepare(r, &q, sql), 0);
	assert_int_equal(db_bind_text(&q, ":ref", ref), 0);
	assert_int_equal(db_bind_text(&q, ":agency", agency), 0);
	if (db_step(&q) == DB_ROW) {
		assert_int_equal(cases_open_sealed(r, &q, 1, "agency_reports.form", agency,
						   db_column_int(&q, 2), &form), 0);
		if (!db_column_is_null(&q, 1)) {
			size_t n = 0;
			const void *b = db_column_blob(&q, 1, &n);

			assert_null(memmem(b, n, "summary", 7)); /* not in clear */
		}
		snprintf(out, len, "%s%s", db_column_text(&q, 0), form ? form : "-");
	} else {
		snprintf(out, len, "(none)");
	}
	free(form);
	db_finalize(&q);
}

static const char *last_detail(struct reg *r, const char *action)
{
	static char buf[256];
	struct db_stmt q = DB_STMT_INIT;

	buf[0] = 0;
	assert_int_equal(db_prepare(r, &q, "SELECT detail FROM audit WHERE action = :a "
				    "ORDER BY seq DESC LIMIT 1"), 0);
	assert_int_equal(db_bind_text(&q, ":a", action), 0);
	if (db_step(&q) == DB_ROW)
		snprintf(buf, sizeof buf, "%s", db_column_text(&q, 0));
	db_finalize(&q);
	return buf;
}

static void test_request_default_due(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct agency_request_result res;
	char ref[CASE_REF_MAX], row[256];
	int64_t audit;

	t_notify(r, t_notification("Example", NULL), ref);
	audit = t_count(r, "SELECT count(*) FROM audit");
	t_ok(agency_request(r, ref, "police", NULL, &res), r);
	assert_string_equal(res.requested, "2025-06-01");
	assert_string_equal(res.due, "2025-06-29"); /* four weeks */
	assert_string_equal(res.old_due, "");
	assert_int_equal(res.again, 0);
	stored(r, ref, "police", row, sizeof row);
	assert_string_equal(row, "2025-06-01 2025-06-29 - -");
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit"), audit + 1);
	/* Old and new values (history.c): none -> the request and its due date. */
	assert_string_equal(last_detail(r, "agency_request"),
			    "{\"changes\":[{\"new\":\"2025-06-01\",\"old\":null,"
			    "\"path\":\"agency_reports.police.requested\"},"
			    "{\"new\":\"2025-06-29\",\"old\":null,"
			    "\"path\":\"agency_reports.police.due\"}]}");
}

static void test_request_due_and_again(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct agency_request_result res;
	char ref[CASE_REF_MAX], row[256];

	t_notify(r, t_notification("Example", NULL), ref);
	t_ok(agency_request(r, ref, "gp", "2025-07-15", &res), r);
	assert_string_equal(res.due, "2025-07-15");
	/* a blank --due is the default */
	t_ok(agency_request(r, ref, "hospital", "", &res), r);
	assert_string_equal(res.due, "2025-06-29");
	/* SPEC §2: DD/MM/YYYY on input, stored ISO; never the US order */
	t_ok(agency_request(r, ref, "education", "20/07/2025", &res), r);
	assert_string_equal(res.due, "2025-07-20");
	t_expect(agency_request(r, ref, "police", "07/20/2025", &res), CDOP_ERR_INPUT, r,
		 "due: ");
	stored(r, ref, "police", row, sizeof row);
	assert_string_equal(row, "(none)");

	/* again, a week later: the first request date stays, the due moves */
	r->ss.today = "2025-06-08";
	t_ok(agency_request(r, ref, "gp", NULL, &res), r);
	assert_int_equal(res.again, 1);
	assert_string_equal(res.requested, "2025-06-01");
	assert_string_equal(res.old_due, "2025-07-15");
	assert_string_equal(res.due, "2025-07-06");
	stored(r, ref, "gp", row, sizeof row);
	assert_string_equal(row, "2025-06-01 2025-07-06 - -");
	assert_string_equal(last_detail(r, "agency_request"),
			    "{\"changes\":[{\"new\":\"2025-07-06\",\"old\":\"2025-07-15\","
			    "\"path\":\"agency_reports.gp.due\"}]}");
	assert_int_equal(t_count(r, "SELECT count(*) FROM agency_reports"), 3);
}

static void test_request_refused(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct agency_request_result res;
	struct agency_receive_result rec;
	struct t_counts before;
	char ref[CASE_REF_MAX], row[256];

	t_notify(r, t_notification("Example", NULL), ref);
	t_ok(agency_request(r, ref, "police", "2025-07-01", &res), r);
	t_ok(agency_receive(r, ref, "gp", "2025-05-20", NULL, &rec), r);
	before = t_counts_of(r);

	t_expect(agency_request(r, ref, "fbi", NULL, &res), CDOP_ERR_INPUT, r,
		 "agency: 'fbi' is not an agency code; valid: gp");
	t_expect(agency_request(r, ref, NULL, NULL, &res), CDOP_ERR_INPUT, r, "agency: ");
	t_expect(agency_request(r, ref, "police", "2025-13-01", &res), CDOP_ERR_INPUT, r,
		 "due: ");
	t_expect(agency_request(r, ref, "police", "soon", &res), CDOP_ERR_INPUT, r, "due: ");
	t_expect(agency_request(r, "CDOP-2025-0099", "police", NULL, &res),
		 CDOP_ERR_NOTFOUND, r, "CDOP-2025-0099");
	/* received already: nothing to request */
	t_expect(agency_request(r, ref, "gp", NULL, &res), CDOP_ERR_CONFLICT, r,
		 "received on 2025-05-20");
	t_assert_unchanged(r, before);
	stored(r, ref, "police", row, sizeof row);
	assert_string_equal(row, "2025-06-01 2025-07-01 - -");
}

static void test_receive(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct agency_request_result req;
	struct agency_receive_result res;
	char ref[CASE_REF_MAX], row[256];
	json_t *form = json_pack("{s:s}", "summary", "Known to services");

	t_notify(r, t_notification("Example", NULL), ref);
	t_ok(agency_request(r, ref, "police", NULL, &req), r);
	r->ss.today = "2025-06-20";
	t_ok(agency_receive(r, ref, "police", "2025-06-15", form, &res), r);
	assert_string_equal(res.requested, "2025-06-01");
	assert_int_equal(res.unrequested, 0);
	assert_int_equal(res.again, 0);
	stored(r, ref, "police", row, sizeof row);
	assert_string_equal(row, "2025-06-01 2025-06-29 2025-06-15 {\"summary\":\"Known to services\"}");
	/* old and new values; the form sealed, "(sealed)" in the detail */
	assert_string_equal(last_detail(r, "agency_receive"),
			    "{\"changes\":[{\"new\":\"2025-06-15\",\"old\":null,"
			    "\"path\":\"agency_reports.police.received\"},"
			    "{\"identifiable\":true,\"new\":\"(sealed)\",\"old\":\"(sealed)\","
			    "\"path\":\"agency_reports.police.form\"}]}");
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE action = "
			       "'agency_receive' AND sealed IS NOT NULL"), 1);

	/* a correction without a form keeps the stored form */
	t_ok(agency_receive(r, ref, "police", "2025-06-16", NULL, &res), r);
	assert_int_equal(res.again, 1);
	stored(r, ref, "police", row, sizeof row);
	assert_string_equal(row, "2025-06-01 2025-06-29 2025-06-16 {\"summary\":\"Known to services\"}");
	assert_string_equal(last_detail(r, "agency_receive"),
			    "{\"changes\":[{\"new\":\"2025-06-16\",\"old\":\"2025-06-15\","
			    "\"path\":\"agency_reports.police.received\"}]}");

	/* never requested: the request is taken to be the receipt */
	t_ok(agency_receive(r, ref, "coroner", "2025-06-18", NULL, &res), r);
	assert_int_equal(res.unrequested, 1);
	assert_string_equal(res.requested, "2025-06-18");
	stored(r, ref, "coroner", row, sizeof row);
	assert_string_equal(row, "2025-06-18 - 2025-06-18 -");
	assert_string_equal(last_detail(r, "agency_receive"),
			    "{\"changes\":[{\"new\":\"2025-06-18\",\"old\":null,"
			    "\"path\":\"agency_reports.coroner.requested\"},"
			    "{\"new\":\"2025-06-18\",\"old\":null,"
			    "\"path\":\"agency_reports.coroner.received\"}]}");
	/* the audit names agencies and dates, never the form's contents */
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit WHERE detail LIKE '%Known%'"), 0);
	json_decref(form);
}

static void test_receive_refused(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct agency_request_result req;
	struct agency_receive_result res;
	struct t_counts before;
	char ref[CASE_REF_MAX];
	json_t *form = json_string("not an object");

	t_notify(r, t_notification("Example", NULL), ref);
	r->ss.today = "2025-05-20";
	t_ok(agency_request(r, ref, "police", NULL, &req), r);
	r->ss.today = T_TODAY;
	before = t_counts_of(r);

	t_expect(agency_receive(r, ref, "police", "2025-06-02", NULL, &res), CDOP_ERR_INPUT,
		 r, "received: ");
	/* death 2025-05-03 */
	t_expect(agency_receive(r, ref, "gp", "2025-05-02", NULL, &res), CDOP_ERR_INPUT, r,
		 "on: 2025-05-02 is before the death (2025-05-03)");
	/* before its request */
	t_expect(agency_receive(r, ref, "police", "2025-05-19", NULL, &res), CDOP_ERR_INPUT,
		 r, "received: ");
	t_expect(agency_receive(r, ref, "police", "yesterday", NULL, &res), CDOP_ERR_INPUT,
		 r, "received: ");
	t_expect(agency_receive(r, ref, "police", NULL, NULL, &res), CDOP_ERR_INPUT, r, "requested: is required");
	t_expect(agency_receive(r, ref, "polis", "2025-05-25", NULL, &res), CDOP_ERR_INPUT, r,
		 "agency: 'polis'");
	t_expect(agency_receive(r, ref, "police", "2025-05-25", form, &res), CDOP_ERR_INPUT,
		 r, "form: must be an object");
	t_expect(agency_receive(r, "CDOP-2025-0002", "police", "2025-05-25", NULL, &res),
		 CDOP_ERR_NOTFOUND, r, "CDOP-2025-0002");
	t_assert_unchanged(r, before);
	json_decref(form);
}

static void test_due(void **state)
{
	struct t_clone *c = *state;
	struct reg *r = &c->r;
	struct agency_request_result req;
	struct agency_receive_result rec;
	char a[CASE_REF_MAX], b[CASE_REF_MAX], gone[CASE_REF_MAX];
	json_t *list = NULL, *row;
	json_t *n;
	int64_t audit;

	t_notify(r, t_notification("Example", NULL), a);
	t_notify(r, t_notification("Other", NULL), b);
	n = t_notification("Visitor", NULL);
	t_set(n, "child.resident", json_false());
	t_notify(r, n, gone);
	r->ss.today = "2025-05-10";
	t_ok(agency_request(r, a, "police", "2025-05-20", &req), r);
	t_ok(agency_request(r, b, "gp", "2025-06-10", &req), r);
	t_ok(agency_request(r, b, "education", "2025-05-25", &req), r);
	t_ok(agency_request(r, a, "hospital", NULL, &req), r); /* 06-07 */
	t_ok(agency_receive(r, a, "hospital", "2025-05-10", NULL, &rec), r);
	t_ok(agency_request(r, gone, "police", "2025-05-12", &req), r);
	/* its police report still awaited: transferring it needs a reason */
	t_expect(cases_set_status(r, gone, "transferred"), CDOP_ERR_INPUT, r,
		 "reason: case ");
	t_ok(cases_set_status_reason(r, gone, "transferred", "moved to another area"), r);
	r->ss.today = T_TODAY; /* 2025-06-01 */
	audit = t_count(r, "SELECT count(*) FROM audit");

	t_ok(agency_due(r, &list), r);
	/* received and transferred are left out; most overdue first */
	assert_int_equal(json_array_size(list), 3);
	row = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(row, "ref")), a);
	assert_string_equal(json_string_value(json_object_get(row, "agency")), "police");
	assert_string_equal(json_string_value(json_object_get(row, "requested")), "2025-05-10");
	assert_string_equal(json_string_value(json_object_get(row, "due")), "2025-05-20");
	assert_string_equal(json_string_value(json_object_get(row, "status")), "overdue");
	assert_int_equal(json_integer_value(json_object_get(row, "days_overdue")), 12);
	row = json_array_get(list, 1);
	assert_string_equal(json_string_value(json_object_get(row, "agency")), "education");
	assert_int_equal(json_integer_value(json_object_get(row, "days_overdue")), 7);
	row = json_array_get(list, 2);
	assert_string_equal(json_string_value(json_object_get(row, "ref")), b);
	assert_string_equal(json_string_value(json_object_get(row, "status")), "outstanding");
	assert_int_equal(json_integer_value(json_object_get(row, "days_left")), 9);
	assert_null(json_object_get(row, "days_overdue"));
	json_decref(list);
	/* no names in it, so not audited */
	assert_int_equal(t_count(r, "SELECT count(*) FROM audit"), audit);

	/* due today is outstanding with no days left */
	r->ss.today = "2025-06-10";
	t_ok(agency_due(r, &list), r);
	row = json_array_get(list, 2);
	assert_string_equal(json_string_value(json_object_get(row, "status")), "outstanding");
	assert_int_equal(json_integer_value(json_object_get(row, "days_left")), 0);
	json_decref(list);
}

static void test_due_empty(void **state)
{
	struct t_clone *c = *state;
	json_t *list = NULL;

	assert_int_equal(agency_due(&c->r, &list), CDOP_OK);
	assert_true(json_is_array(list));
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

/* The names agency show gives saved attachments (the UI's downloads use
 * the same rule): plain and new as it is, else numbered. */
static void test_attachment_file(void **state)
{
	json_t *list = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "name", "scan.pdf",
				 "name", "notes.txt", "name", "scan.pdf", "name", "../x",
				 "name", "..");
	char out[64];

	(void)state;
	agency_attachment_file(list, 1, out, sizeof out);
	assert_string_equal(out, "scan.pdf");
	agency_attachment_file(list, 2, out, sizeof out);
	assert_string_equal(out, "notes.txt");
	agency_attachment_file(list, 3, out, sizeof out);
	assert_string_equal(out, "3-scan.pdf");
	agency_attachment_file(list, 4, out, sizeof out);
	assert_string_equal(out, "4-attachment");
	agency_attachment_file(list, 5, out, sizeof out);
	assert_string_equal(out, "5-attachment");
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_request_default_due),
		T_TEST(test_request_due_and_again),
		T_TEST(test_request_refused),
		T_TEST(test_receive),
		T_TEST(test_receive_refused),
		T_TEST(test_due),
		T_TEST(test_due_empty),
		cmocka_unit_test(test_attachment_file),
	};

	return cmocka_run_group_tests(tests, t_group_setup, t_group_teardown);
}
