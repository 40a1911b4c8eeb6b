/* agency_reports[].form: an OBJECT field without a sub-form accepts any
 * JSON object, keeps it as given, and redaction drops all of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/form.h"

static const struct cdate today = { 2025, 6, 1 };

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (!j)
		fail_msg("test JSON: %s", jerr.text);
	return j;
}

static int validate_text(const struct form *f, const char *text,
			 struct form_errors *e)
{
	json_t *j = load(text);
	int rc;

	form_errors_init(e);
	rc = form_validate(f, j, &today, e);
	json_decref(j);
	return rc;
}

static void test_any_object_accepted(void **state)
{
	struct form_errors e;

	(void)state;
	assert_int_equal(validate_text(&form_agency_report,
		"{\"agency\": \"gp\", \"requested\": \"2025-05-05\", \"received\": \"2025-05-20\","
		" \"form\": {\"anything\": [1, {\"deep\": \"  Dr Who  \"}], \"x\": null, \"y\": \"\"}}",
		&e), FORM_OK);
	form_errors_release(&e);
	assert_int_equal(validate_text(&form_agency_report,
		"{\"agency\": \"gp\", \"requested\": \"2025-05-05\", \"received\": \"2025-05-20\","
		" \"form\": {}}", &e), FORM_OK);
	form_errors_release(&e);
}

static void test_not_an_object(void **state)
{
	struct form_errors e;
	const struct form_error *err;

	(void)state;
	assert_int_equal(validate_text(&form_agency_report,
		"{\"agency\": \"gp\", \"requested\": \"2025-05-05\", \"received\": \"2025-05-20\","
		" \"form\": [1, 2]}", &e), FORM_EINVALID);
	err = form_errors_find(&e, "form");
	assert_non_null(err);
	assert_non_null(strstr(err->message, "must be an object"));
	form_errors_release(&e);
}

static void test_form_needs_received(void **state)
{
	struct form_errors e;
	const struct form_error *err;

	(void)state;
	assert_int_equal(validate_text(&form_agency_report,
		"{\"agency\": \"gp\", \"requested\": \"2025-05-05\", \"form\": {\"a\": 1}}",
		&e), FORM_EINVALID);
	assert_int_equal(e.n, 1);
	err = form_errors_find(&e, "form");
	assert_non_null(err);
	assert_non_null(strstr(err->message, "needs `received`"));
	form_errors_release(&e);
	/* a bad received date is its own error, not also "needs received" */
	assert_int_equal(validate_text(&form_agency_report,
		"{\"agency\": \"gp\", \"requested\": \"2025-05-05\", \"received\": \"2025-02-30\","
		" \"form\": {\"a\": 1}}", &e), FORM_EINVALID);
	assert_int_equal(e.n, 1);
	assert_non_null(form_errors_find(&e, "received"));
	form_errors_release(&e);
}

/* In an import line the path names the element. */
static void test_import_line_path(void **state)
{
	struct form_errors e;

	(void)state;
	assert_int_equal(validate_text(&form_import_line,
		"{\"notification\": {\"child\": {\"forename\": \"A\", \"surname\": \"B\","
		"  \"date_of_birth\": \"2024-03-01\", \"sex\": \"female\"},"
		" \"death\": {\"date\": \"2025-05-03\", \"place\": \"home\", \"expected\": \"unexpected\"},"
		" \"notified\": {\"date\": \"2025-05-04\", \"by_agency\": \"hospital\"}},"
		" \"agency_reports\": [{\"agency\": \"gp\", \"requested\": \"2025-05-05\","
		"  \"received\": \"2025-05-06\", \"form\": {\"k\": \"v\"}},"
		"  {\"agency\": \"police\", \"requested\": \"2025-05-05\","
		"  \"received\": \"2025-05-06\", \"form\": \"text\"}]}", &e), FORM_EINVALID);
	assert_int_equal(e.n, 1);
	assert_non_null(form_errors_find(&e, "agency_reports[1].form"));
	form_errors_release(&e);
	assert_ptr_equal(form_field_find(&form_import_line, "agency_reports[0].form"),
			 form_field_find(&form_agency_report, "form"));
}

static void test_normalise_keeps_it_verbatim(void **state)
{
	json_t *in = load("{\"agency\": \" gp \", \"requested\": \"2025-05-05\","
			  " \"received\": \"2025-05-20\","
			  " \"form\": {\"who\": \"  Dr Who  \", \"n\": null, \"e\": \"\", \"a\": [1]}}");
	json_t *want = load("{\"who\": \"  Dr Who  \", \"n\": null, \"e\": \"\", \"a\": [1]}");
	json_t *out;

	(void)state;
	out = form_normalise(&form_agency_report, in);
	assert_non_null(out);
	assert_string_equal(json_string_value(json_object_get(out, "agency")), "gp");
	assert_true(json_equal(json_object_get(out, "form"), want));
	/* a copy, not the caller's object */
	assert_ptr_not_equal(json_object_get(out, "form"), json_object_get(in, "form"));
	json_decref(out);
	json_decref(want);
	json_decref(in);
}

static void test_redact_drops_it(void **state)
{
	json_t *in = load("{\"agency\": \"gp\", \"requested\": \"2025-05-05\","
			  " \"received\": \"2025-05-20\", \"form\": {\"who\": \"Dr Who\"}}");
	json_t *line = load("{\"agency_reports\": [{\"agency\": \"gp\", \"requested\": \"2025-05-05\","
			    " \"received\": \"2025-05-20\", \"form\": {\"who\": \"Dr Who\"}}]}");
	json_t *out;
	char *text;

	(void)state;
	assert_true(form_field_find(&form_agency_report, "form")->flags & FIELD_IDENTIFIABLE);
	out = form_redact(&form_agency_report, in, FIELD_IDENTIFIABLE);
	assert_non_null(out);
	assert_null(json_object_get(out, "form"));
	assert_string_equal(json_string_value(json_object_get(out, "received")), "2025-05-20");
	json_decref(out);
	/* even a mask that does not name identifiable fields drops it */
	out = form_redact(&form_agency_report, in, FIELD_FREE_TEXT);
	assert_non_null(out);
	assert_null(json_object_get(out, "form"));
	json_decref(out);
	out = form_redact(&form_import_line, line, FIELD_FREE_TEXT);
	text = json_dumps(out, JSON_COMPACT);
	assert_non_null(text);
	assert_null(strstr(text, "Dr Who"));
	assert_non_null(strstr(text, "2025-05-20"));
	free(text);
	json_decref(out);
	json_decref(line);
	json_decref(in);
}

static void test_dictionary_says_any_object(void **state)
{
	char *md = NULL;

	(void)state;
	assert_int_equal(form_dictionary_markdown(&md), FORM_OK);
	assert_non_null(strstr(md, "| `form` | any JSON object |"));
	free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any_object_accepted),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_form_needs_received),
		cmocka_unit_test(test_import_line_path),
		cmocka_unit_test(test_normalise_keeps_it_verbatim),
		cmocka_unit_test(test_redact_drops_it),
		cmocka_unit_test(test_dictionary_says_any_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
