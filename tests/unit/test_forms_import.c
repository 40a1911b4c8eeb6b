/* An import line (SPEC §4) and the forms inside it: rapid-response
 * actions, agency reports, the review with meeting_date, status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/form.h"
#include "forms/form_internal.h"

static const struct cdate today = { 2025, 6, 1 };

#define NOTIFICATION \
	"{\"child\": {\"forename\": \"Amy\", \"surname\": \"Example\", \"nhs_number\": \"943 476 5919\"," \
	"  \"date_of_birth\": \"2024-03-01\", \"sex\": \"female\", \"resident\": true}," \
	" \"death\": {\"date\": \"2025-05-03\", \"time\": \"14:20\", \"place\": \"home\", \"expected\": \"unexpected\"}," \
	" \"notified\": {\"date\": \"2025-05-04\", \"by_agency\": \"hospital\"}}"

static const char line[] =
	"{\"notification\": " NOTIFICATION ","
	" \"rapid_response\": [{\"action\": \"information_sharing_meeting\", \"on\": \"2025-05-05T10:00\", \"by\": \"Dr B\"},"
	"                      {\"action\": \"home_visit\", \"on\": \"2025-05-03\", \"notes\": \"with police\"}],"
	" \"agency_reports\": [{\"agency\": \"gp\", \"requested\": \"2025-05-05\", \"due\": \"2025-05-19\", \"received\": \"2025-05-15\"},"
	"                      {\"agency\": \"police\", \"requested\": \"2025-05-05\"}],"
	" \"review\": {\"category\": 10,"
	"   \"domains\": {\"child\": 1, \"social_environment\": 2, \"physical_environment\": 1, \"service_provision\": 0},"
	"   \"modifiable\": \"yes\", \"themes\": [\"safe_sleeping\"],"
	"   \"recommendations\": [{\"text\": \"t\", \"owner\": \"public_health\", \"due\": \"2026-01-31\", \"completed\": \"2025-05-30\"}],"
	"   \"meeting_date\": \"2025-05-20\"},"
	" \"status\": \"reviewed\"}";

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (!j)
		fail_msg("test JSON: %s", jerr.text);
	return j;
}

/* Dotted path; a numeric segment indexes an array. */
static void set_path(json_t *root, const char *path, json_t *v)
{
	char buf[128], *dot, *p = buf, *end;
	json_t *obj = root;
	long i;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((dot = strchr(p, '.')) != NULL) {
		*dot = '\0';
		i = strtol(p, &end, 10);
		obj = *end ? json_object_get(obj, p) : json_array_get(obj, (size_t)i);
		assert_non_null(obj);
		p = dot + 1;
	}
	if (v)
		json_object_set_new(obj, p, v);
	else
		json_object_del(obj, p);
}

static void dump(const struct form_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		print_message("  %s: %s\n", e->v[i].path, e->v[i].message);
}

static void assert_has(const struct form_errors *e, const char *path,
		       const char *needle)
{
	const struct form_error *err = form_errors_find(e, path);

	if (!err || !strstr(err->message, needle)) {
		dump(e);
		fail_msg("no error at %s containing '%s'", path, needle);
	}
}

static void validate(const struct form *f, json_t *obj, struct form_errors *e)
{
	int rc;

	form_errors_init(e);
	rc = form_validate(f, obj, &today, e);
	json_decref(obj);
	assert_int_equal(rc, e->n ? FORM_EINVALID : FORM_OK);
}

static void expect_one(const char *path, json_t *v, const char *err_path,
		       const char *needle)
{
	json_t *n = load(line);
	struct form_errors e;

	set_path(n, path, v);
	validate(&form_import_line, n, &e);
	assert_has(&e, err_path, needle);
	if (e.n != 1) {
		dump(&e);
		fail_msg("%zu errors for %s, wanted 1", e.n, path);
	}
	form_errors_release(&e);
}

static void expect_ok(const char *path, json_t *v)
{
	json_t *n = load(line);
	struct form_errors e;

	if (path)
		set_path(n, path, v);
	validate(&form_import_line, n, &e);
	if (e.n) {
		dump(&e);
		fail_msg("%zu errors after changing %s", e.n, path ? path : "nothing");
	}
	form_errors_release(&e);
}

static void test_full_line_passes(void **state)
{
	struct form_errors e;

	(void)state;
	expect_ok(NULL, NULL);
	validate(&form_import_line, load("{\"notification\": " NOTIFICATION "}"), &e);
	assert_int_equal(e.n, 0);
	validate(&form_import_line, load("{}"), &e);
	assert_int_equal(e.n, 1);
	assert_has(&e, "notification", "is required");
	form_errors_release(&e);
}

static void test_nested_paths(void **state)
{
	(void)state;
	expect_one("notification.child.sex", json_string("femal"),
		   "notification.child.sex", "\"femal\" is not a valid code");
	expect_one("rapid_response.1.action", json_string("visit"),
		   "rapid_response[1].action",
		   "valid: information_sharing_meeting, home_visit, police_informed, coroner_informed, key_worker_assigned, bereavement_support_offered, child_death_review_meeting");
	expect_one("agency_reports.0.received", json_string("2025-05-32"),
		   "agency_reports[0].received", "is not a real date");
	expect_one("review.recommendations.0.owner", json_string("nobody"),
		   "review.recommendations[0].owner", "not a valid code");
	expect_one("review.modifiable", json_string("no"), "review.modifiable",
		   "contradicts the domain scores");
	expect_one("reviews", json_object(), "reviews",
		   "unknown field; did you mean \"review\"? valid: notification, rapid_response, agency_reports, review, status");
	expect_one("rapid_response", json_object(), "rapid_response",
		   "must be an array of objects, not an object");
}

static void test_meeting_date(void **state)
{
	(void)state;
	expect_one("review.meeting_date", NULL, "review.meeting_date", "is required");
	expect_ok("review.meeting_date", json_string("2025-05-30"));
	{
		json_t *n = load(line);
		struct form_errors e;

		set_path(n, "review.meeting_date", json_string("2025-06-02"));
		validate(&form_import_line, n, &e);
		assert_int_equal(e.n, 2);
		assert_has(&e, "review.meeting_date", "is after today (2025-06-01)");
		assert_has(&e, "review.recommendations[0].completed",
			   "2025-05-30 is before review.meeting_date (2025-06-02)");
		form_errors_release(&e);
	}
	expect_one("review.meeting_date", json_string("2025-05-02"), "review.meeting_date",
		   "2025-05-02 is before notification.death.date (2025-05-03)");
	/* completed may not precede the meeting that recommended it */
	expect_one("review.recommendations.0.completed", json_string("2025-05-19"),
		   "review.recommendations[0].completed",
		   "2025-05-19 is before review.meeting_date (2025-05-20)");
	expect_one("review.recommendations.0.completed", json_string("2025-07-01"),
		   "review.recommendations[0].completed", "is after today");
	expect_ok("review.recommendations.0.completed", NULL);
}

static void test_rapid_response(void **state)
{
	(void)state;
	expect_one("rapid_response.0.on", json_string("2025-05-02T23:59"),
		   "rapid_response[0].on",
		   "2025-05-02 is before notification.death.date (2025-05-03)");
	expect_one("rapid_response.0.on", json_string("2025-06-02"),
		   "rapid_response[0].on", "is after today");
	expect_one("rapid_response.0.on", json_string("2025-05-05 10h00"),
		   "rapid_response[0].on", "use DD/MM/YYYY or YYYY-MM-DD");
	expect_one("rapid_response.0.on", json_string("2025-05-05T24:00"),
		   "rapid_response[0].on", "is not a real time");
	expect_one("rapid_response.0.on", json_string("2025-02-29T10:00"),
		   "rapid_response[0].on", "is not a real date");
	expect_one("rapid_response.0.action", NULL, "rapid_response[0].action",
		   "is required");
	expect_ok("rapid_response.0.on", json_string("2025-05-03"));
}

static void test_agency_reports(void **state)
{
	(void)state;
	expect_one("agency_reports.0.received", json_string("2025-05-04"),
		   "agency_reports[0].received",
		   "2025-05-04 is before agency_reports[0].requested (2025-05-05)");
	expect_one("agency_reports.0.due", json_string("2025-05-04"),
		   "agency_reports[0].due", "is before agency_reports[0].requested");
	expect_one("agency_reports.0.received", json_string("2025-06-05"),
		   "agency_reports[0].received", "is after today");
	expect_one("agency_reports.1.requested", json_string("2025-05-01"),
		   "agency_reports[1].requested",
		   "is before notification.death.date (2025-05-03)");
	expect_one("agency_reports.1.agency", json_string("gp"),
		   "agency_reports[1].agency",
		   "\"gp\" already has a report (agency_reports[0]); one report per agency");
	expect_ok("agency_reports.0.due", json_string("2025-07-01"));
}

static void test_status(void **state)
{
	(void)state;
	expect_one("status", json_string("open"), "status",
		   "valid: notified, gathering, ready, scheduled, reviewed, closed, transferred");
	expect_one("status", json_string("gathering"), "status",
		   "\"gathering\" but the line has a review");
	expect_ok("status", json_string("closed"));
	expect_ok("status", NULL);
	{
		json_t *n = load(line);
		struct form_errors e;

		set_path(n, "review", NULL);
		set_path(n, "status", json_string("reviewed"));
		validate(&form_import_line, n, &e);
		assert_int_equal(e.n, 1);
		assert_has(&e, "status", "\"reviewed\" needs a review");
		form_errors_release(&e);
		n = load(line);
		set_path(n, "review", NULL);
		set_path(n, "status", json_string("transferred"));
		validate(&form_import_line, n, &e);
		assert_int_equal(e.n, 1);
		assert_has(&e, "status", "\"transferred\" is for a non-resident child");
		form_errors_release(&e);
		n = load(line);
		set_path(n, "review", NULL);
		set_path(n, "status", json_string("transferred"));
		set_path(n, "notification.child.resident", json_false());
		validate(&form_import_line, n, &e);
		assert_int_equal(e.n, 0);
	}
}

static void test_standalone_forms(void **state)
{
	struct form_errors e;

	(void)state;
	validate(&form_rr_action,
		 load("{\"action\": \"home_visit\", \"on\": \"2025-05-03T09:15\", \"by\": \"PC C\"}"), &e);
	assert_int_equal(e.n, 0);
	validate(&form_rr_action, load("{\"action\": \"tea\", \"on\": \"tomorrow\", \"when\": 1}"), &e);
	assert_int_equal(e.n, 3);
	assert_has(&e, "action", "not a valid code");
	assert_has(&e, "on", "is not a date or a date and time");
	assert_has(&e, "when", "unknown field; valid: action, on, by, notes");
	form_errors_release(&e);
	validate(&form_agency_report,
		 load("{\"agency\": \"education\", \"requested\": \"2025-05-10\", \"due\": \"2025-05-09\", \"received\": \"2025-05-01\"}"), &e);
	assert_int_equal(e.n, 2);
	assert_has(&e, "due", "2025-05-09 is before requested (2025-05-10)");
	assert_has(&e, "received", "2025-05-01 is before requested (2025-05-10)");
	form_errors_release(&e);
	validate(&form_agency_report, load("{\"agency\": \"gp\", \"requested\": \"2025-06-02\"}"), &e);
	assert_has(&e, "requested", "is after today");
	form_errors_release(&e);
	/* meeting_date is refused in the plain review form but not here */
	validate(&form_review_import,
		 load("{\"category\": 4, \"domains\": {\"child\": 1, \"social_environment\": 1,"
		      " \"physical_environment\": 1, \"service_provision\": 1},"
		      " \"modifiable\": \"no\", \"meeting_date\": \"2025-05-01\"}"), &e);
	assert_int_equal(e.n, 0);
}

/* form_normalise_here makes of the line what form_normalise copies, in
 * the same member order. */
static void test_normalise_here(void **state)
{
	json_t *n = load(line), *out, *here;
	char *a, *b;

	(void)state;
	set_path(n, "rapid_response.0.by", json_string("  Dr B  "));
	set_path(n, "review.themes", load("[\" smoking \", \"alcohol\"]"));
	set_path(n, "notification.child.forename", json_string(" Ann "));
	set_path(n, "notification.child.surname", json_string(""));
	set_path(n, "notification.death.place", json_null());
	set_path(n, "review.unknown_member", load("{\"kept\": \" as is \", \"gone\": null}"));
	out = form_normalise(&form_import_line, n);
	here = json_deep_copy(n);
	assert_non_null(out);
	assert_int_equal(form_normalise_here(&form_import_line, here), 0);
	a = json_dumps(out, JSON_COMPACT);
	b = json_dumps(here, JSON_COMPACT);
	assert_string_equal(a, b);
	assert_null(form_json_get(here, "notification.child.surname"));
	assert_string_equal(json_string_value(form_json_get(here, "notification.child.nhs_number")),
			    "9434765919");
	free(a);
	free(b);
	json_decref(here);
	json_decref(out);
	json_decref(n);
}

static void test_normalise_line(void **state)
{
	json_t *n = load(line), *out;

	(void)state;
	set_path(n, "rapid_response.0.by", json_string("  Dr B  "));
	set_path(n, "review.themes", load("[\" smoking \"]"));
	out = form_normalise(&form_import_line, n);
	assert_non_null(out);
	assert_string_equal(json_string_value(form_json_get(out, "notification.child.nhs_number")),
			    "9434765919");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(out, "rapid_response"), 0), "by")),
			    "Dr B");
	assert_string_equal(json_string_value(json_array_get(
				    form_json_get(out, "review.themes"), 0)), "smoking");
	assert_int_equal(json_integer_value(form_json_get(out, "review.category")), 10);
	json_decref(out);
	/* the redacted line keeps the analysis and drops the people */
	out = form_redact(&form_import_line, n, FIELD_IDENTIFIABLE);
	assert_null(form_json_get(out, "notification.child.forename"));
	assert_null(json_object_get(json_array_get(json_object_get(out, "rapid_response"), 0), "by"));
	assert_non_null(form_json_get(out, "review.domains.child"));
	json_decref(out);
	json_decref(n);
}

static void test_lookup(void **state)
{
	const struct field *f;

	(void)state;
	f = form_field_find(&form_import_line, "notification.child.nhs_number");
	assert_non_null(f);
	assert_int_equal(f->type, FIELD_NHS_NUMBER);
	f = form_field_find(&form_import_line, "review.recommendations[0].completed");
	assert_non_null(f);
	assert_true(f->flags & FIELD_IMPORT_ONLY);
	f = form_field_find(&form_import_line, "rapid_response[3].on");
	assert_int_equal(f->type, FIELD_DATETIME);
	assert_ptr_equal(form_by_name("import_line"), &form_import_line);
}

/* An array member's path is written without printf (forms/value.c): the
 * same text as "%s[%zu]", cut at every length as snprintf cuts it. */
static void test_path_index_as_snprintf(void **state)
{
	static const size_t idx[] = { 0, 7, 10, 99, 12345, SIZE_MAX };
	char got[40], want[40];

	(void)state;
	for (size_t k = 0; k < sizeof idx / sizeof idx[0]; k++)
		for (size_t len = 1; len <= sizeof got; len++) {
			memset(got, 'x', sizeof got);
			path_index(got, len, "agency_reports", idx[k]);
			snprintf(want, len, "%s[%zu]", "agency_reports", idx[k]);
			assert_string_equal(got, want);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_line_passes),
		cmocka_unit_test(test_path_index_as_snprintf),
		cmocka_unit_test(test_nested_paths),
		cmocka_unit_test(test_meeting_date),
		cmocka_unit_test(test_rapid_response),
		cmocka_unit_test(test_agency_reports),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_standalone_forms),
		cmocka_unit_test(test_normalise_line),
		cmocka_unit_test(test_normalise_here),
		cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
