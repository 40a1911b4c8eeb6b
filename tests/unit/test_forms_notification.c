/* The notification form: every SPEC §3 rule, fed a violating record. */
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

static const char example[] =
	"{\"child\": {\"forename\": \"Amy\", \"surname\": \"Example\", \"nhs_number\": \"9434765919\","
	"  \"date_of_birth\": \"2024-03-01\", \"sex\": \"female\", \"ethnicity\": \"A\","
	"  \"address\": \"1 Any Street, Town\", \"postcode\": \"SN1 1AA\", \"resident\": true,"
	"  \"local_authority\": \"Wiltshire\", \"looked_after\": \"no\", \"child_protection_plan\": \"no\"},"
	" \"death\": {\"date\": \"2025-05-03\", \"time\": \"14:20\", \"place\": \"home\","
	"  \"expected\": \"unexpected\", \"circumstances\": \"free text\"},"
	" \"notified\": {\"date\": \"2025-05-04\", \"by_name\": \"Dr A\", \"by_role\": \"Paediatrician\", \"by_agency\": \"hospital\"}}";

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (!j)
		fail_msg("test JSON: %s", jerr.text);
	return j;
}

/* Set (or with v NULL, delete) the member at a dotted path. */
static void set_path(json_t *root, const char *path, json_t *v)
{
	char buf[128], *dot, *p = buf;
	json_t *obj = root;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((dot = strchr(p, '.')) != NULL) {
		*dot = '\0';
		obj = json_object_get(obj, p);
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

/* Validate obj (consumed) and return the errors in e. */
static int run(json_t *obj, struct form_errors *e)
{
	int rc;

	form_errors_init(e);
	rc = form_validate(&form_notification, obj, &today, e);
	json_decref(obj);
	assert_int_equal(rc, e->n ? FORM_EINVALID : FORM_OK);
	return rc;
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

/* Change one member of the example; expect exactly one error. */
static void expect_one(const char *path, json_t *v, const char *err_path,
		       const char *needle)
{
	json_t *n = load(example);
	struct form_errors e;

	set_path(n, path, v);
	run(n, &e);
	assert_has(&e, err_path, needle);
	if (e.n != 1) {
		dump(&e);
		fail_msg("%zu errors for %s, wanted 1", e.n, path);
	}
	form_errors_release(&e);
}

static void expect_ok(const char *path, json_t *v)
{
	json_t *n = load(example);
	struct form_errors e;

	if (path)
		set_path(n, path, v);
	run(n, &e);
	if (e.n) {
		dump(&e);
		fail_msg("%zu errors after changing %s", e.n, path ? path : "nothing");
	}
	form_errors_release(&e);
}

static void test_spec_example_passes(void **state)
{
	(void)state;
	expect_ok(NULL, NULL);
}

static void test_required(void **state)
{
	static const char *const required[] = {
		"child.forename", "child.surname", "child.date_of_birth",
		"child.sex", "death.date", "death.place", "death.expected",
		"notified.date", "notified.by_agency", "child", "death",
		"notified",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		json_t *n = load(example);
		struct form_errors e;

		set_path(n, required[i], NULL);
		run(n, &e);
		assert_has(&e, required[i], "is required");
		form_errors_release(&e);
	}
	expect_one("child.surname", json_string("   "), "child.surname",
		   "is required; it is blank");
	expect_one("child.forename", json_null(), "child.forename", "is required");
	expect_ok("child.surname", json_string("Unknown"));
}

static void test_optional_absent(void **state)
{
	static const char *const optional[] = {
		"child.nhs_number", "child.ethnicity", "child.address",
		"child.postcode", "child.resident", "child.local_authority",
		"child.looked_after", "child.child_protection_plan",
		"death.time", "death.circumstances", "notified.by_name",
		"notified.by_role",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		expect_ok(optional[i], NULL);
		expect_ok(optional[i], json_null());
	}
	expect_ok("child.nhs_number", json_string(""));
}

static void test_codes(void **state)
{
	(void)state;
	expect_one("child.sex", json_string("femal"), "child.sex",
		   "\"femal\" is not a valid code; valid: male, female, indeterminate, not_known");
	expect_one("child.ethnicity", json_string("a"), "child.ethnicity",
		   "valid: A, B, C, D, E, F, G, H, J, K, L, M, N, P, R, S, Z");
	expect_one("child.ethnicity", json_string("I"), "child.ethnicity", "not a valid code");
	expect_one("death.place", json_string("garden"), "death.place",
		   "valid: hospital_ed, hospital_ward, neonatal_unit, intensive_care, hospice, home, other_residence, public_place, school, abroad, other, not_known");
	expect_one("death.expected", json_string("maybe"), "death.expected",
		   "valid: expected, unexpected");
	expect_one("child.looked_after", json_string("y"), "child.looked_after",
		   "valid: yes, no, unknown");
	expect_one("child.child_protection_plan", json_string("No"),
		   "child.child_protection_plan", "valid: yes, no, unknown");
	expect_one("notified.by_agency", json_string("nhs"), "notified.by_agency",
		   "valid: gp, health_visiting, midwifery, hospital, ambulance, police, childrens_social_care, education, mental_health, coroner, public_health, other");
	/* echoed values cannot drive a terminal, and long ones are cut */
	expect_one("child.sex", json_string("\033[2J\xc2\x9b" "1m\"x"), "child.sex",
		   "\"\\x1b[2J\\xc2\\x9b1m\\\"x\" is not a valid code");
	expect_one("child.sex", json_string("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"),
		   "child.sex", "\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu...\" is not");
	expect_one("child.sex", json_string("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
					    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
		   "child.sex", "\xc3\xa9...\" is not");
	/* surrounding spaces are trimmed before the check */
	expect_ok("child.sex", json_string(" male "));
	expect_ok("child.ethnicity", json_string("Z"));
}

static void test_exact_message(void **state)
{
	json_t *n = load(example);
	struct form_errors e;
	char buf[512];

	(void)state;
	set_path(n, "child.sex", json_string("femal"));
	run(n, &e);
	assert_int_equal(form_errors_format(&e, 5, buf, sizeof(buf)), FORM_OK);
	assert_string_equal(buf, "child.sex: \"femal\" is not a valid code; valid: male, female, indeterminate, not_known");
	form_errors_release(&e);
}

static void test_types(void **state)
{
	(void)state;
	expect_one("child.resident", json_string("yes"), "child.resident",
		   "must be true or false, not a string");
	expect_one("child.forename", json_integer(3), "child.forename",
		   "must be a string, not a whole number");
	expect_one("child.nhs_number", json_integer(9434765919LL), "child.nhs_number",
		   "must be a string of 10 digits, not a whole number");
	expect_one("child.sex", json_integer(1), "child.sex",
		   "must be a code in a string, not a whole number; valid: male, female");
	expect_one("death.date", json_array(), "death.date",
		   "must be a date string (YYYY-MM-DD), not an array");
	expect_one("death", json_string("yesterday"), "death",
		   "must be an object, not a string");
	expect_one("child", json_array(), "child", "must be an object, not an array");
	expect_one("death.time", json_real(14.2), "death.time",
		   "must be a time string (HH:MM), not a number with a fraction");
	expect_one("child.resident", json_integer(1), "child.resident",
		   "must be true or false, not a whole number");
}

static void test_not_an_object(void **state)
{
	struct form_errors e;

	(void)state;
	run(load("[1, 2]"), &e);
	assert_int_equal(e.n, 1);
	assert_has(&e, "", "the notification must be a JSON object, not an array");
	form_errors_release(&e);
	form_errors_init(&e);
	assert_int_equal(form_validate(&form_notification, NULL, &today, &e), FORM_EARG);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_one("child.sexx", json_string("female"), "child.sexx",
		   "unknown field; did you mean \"sex\"? valid: forename, surname, nhs_number, date_of_birth, sex, ethnicity, address, postcode, resident, local_authority, looked_after, child_protection_plan");
	expect_one("dob", json_string("2024-03-01"), "dob",
		   "unknown field; valid: child, death, notified");
	expect_one("death.reason", json_string("x"), "death.reason", "unknown field");
	/* a hostile key is shown printable and short */
	expect_one("death.a\033[31mb", json_string("x"), "death.a?[31mb", "unknown field");
}

static void test_dates(void **state)
{
	(void)state;
	expect_one("death.date", json_string("2025-02-29"), "death.date",
		   "\"2025-02-29\" is not a real date; 2025-02 has 28 days");
	expect_one("death.date", json_string("2025-13-01"), "death.date",
		   "is not a real date; months run 01 to 12");
	/* day first (SPEC §2): a real DD/MM/YYYY is a date, the US order is not */
	expect_one("child.date_of_birth", json_string("31/02/2024"),
		   "child.date_of_birth",
		   "\"31/02/2024\" is not a real date; 2024-02 has 29 days");
	expect_one("child.date_of_birth", json_string("03/14/2024"),
		   "child.date_of_birth",
		   "\"03/14/2024\" is not a real date: there is no month 14 (dates are day first, DD/MM/YYYY)");
	expect_one("child.date_of_birth", json_string("01.03.2024"),
		   "child.date_of_birth",
		   "\"01.03.2024\" is not a date; use DD/MM/YYYY or YYYY-MM-DD, e.g. 01/06/2025");
	expect_one("child.date_of_birth", json_string("2024-3-1"),
		   "child.date_of_birth", "is not a date");
	expect_one("notified.date", json_string("2025-05-04 junk"), "notified.date",
		   "is not a date");
	expect_one("death.time", json_string("25:00"), "death.time",
		   "\"25:00\" is not a real time");
	expect_one("death.time", json_string("2pm"), "death.time",
		   "use HH:MM on the 24-hour clock");
	expect_ok("child.date_of_birth", json_string("2024-02-29"));
}

static void test_date_order(void **state)
{
	(void)state;
	expect_one("death.date", json_string("2024-02-01"), "death.date",
		   "2024-02-01 is before child.date_of_birth (2024-03-01); must be on or after it");
	expect_one("notified.date", json_string("2025-05-02"), "notified.date",
		   "2025-05-02 is before death.date (2025-05-03)");
	expect_one("notified.date", json_string("2025-06-02"), "notified.date",
		   "2025-06-02 is after today (2025-06-01); must not be in the future");
	expect_ok("notified.date", json_string("2025-06-01"));
	expect_ok("notified.date", json_string("2025-05-03"));
	expect_ok("child.date_of_birth", json_string("2025-05-03"));
	/* with notified.date missing, death.date itself must not be future */
	{
		json_t *n = load(example);
		struct form_errors e;

		set_path(n, "notified.date", NULL);
		set_path(n, "death.date", json_string("2025-07-01"));
		run(n, &e);
		assert_has(&e, "notified.date", "is required");
		assert_has(&e, "death.date", "is after today");
		assert_int_equal(e.n, 2);
		form_errors_release(&e);
	}
}

static void test_age_limit(void **state)
{
	json_t *n;
	struct form_errors e;

	(void)state;
	/* 17 years 364 days */
	n = load(example);
	set_path(n, "child.date_of_birth", json_string("2007-05-04"));
	run(n, &e);
	assert_int_equal(e.n, 0);
	form_errors_release(&e);
	/* exactly 18 */
	expect_one("child.date_of_birth", json_string("2007-05-03"),
		   "child.date_of_birth",
		   "the child was 18 at death (born 2007-05-03, died 2025-05-03); a CDOP reviews deaths of children under 18");
	/* born 29 February: 18 on 1 March in a non-leap year */
	n = load(example);
	set_path(n, "child.date_of_birth", json_string("2008-02-29"));
	set_path(n, "death.date", json_string("2026-02-28"));
	set_path(n, "notified.date", json_string("2026-03-01"));
	form_errors_init(&e);
	assert_int_equal(form_validate(&form_notification, n, NULL, &e), FORM_OK);
	set_path(n, "death.date", json_string("2026-03-01"));
	assert_int_equal(form_validate(&form_notification, n, NULL, &e), FORM_EINVALID);
	assert_has(&e, "child.date_of_birth", "the child was 18");
	form_errors_release(&e);
	json_decref(n);
}

static void test_nhs(void **state)
{
	(void)state;
	expect_ok("child.nhs_number", json_string("943 476 5919"));
	expect_one("child.nhs_number", json_string("943476591"), "child.nhs_number",
		   "has 9 digits; an NHS number has 10");
	expect_one("child.nhs_number", json_string("94347659190"), "child.nhs_number",
		   "has 11 digits");
	expect_one("child.nhs_number", json_string("ABC4765919"), "child.nhs_number",
		   "is not an NHS number");
	expect_one("child.nhs_number", json_string("9434765918"), "child.nhs_number",
		   "fails the NHS number check digit");
}

static void test_text(void **state)
{
	char name[260], accents[210];
	size_t i;

	(void)state;
	memset(name, 'a', 100);
	name[100] = '\0';
	expect_ok("child.forename", json_string(name));
	strcat(name, "b");
	expect_one("child.forename", json_string(name), "child.forename",
		   "is 101 characters long; at most 100 allowed");
	/* lengths count characters: 100 two-byte letters fit */
	for (i = 0; i < 100; i++)
		memcpy(accents + 2 * i, "\xc3\xa9", 2);
	accents[200] = '\0';
	expect_ok("child.forename", json_string(accents));
	expect_one("child.forename", json_string("Amy\nJane"), "child.forename",
		   "contains a line break or control character; this field is one line");
	expect_one("child.postcode", json_string("SN1\t1AA"), "child.postcode",
		   "one line");
	expect_one("child.postcode", json_string("SN1 1AA SN1 1AA"), "child.postcode",
		   "at most 10 allowed");
	expect_ok("death.circumstances", json_string("line one\nline two\ttabbed"));
	expect_one("death.circumstances", json_string("bell\a"), "death.circumstances",
		   "only line breaks and tabs are allowed");
	expect_one("child.forename", json_stringn("A\0my", 4), "child.forename",
		   "contains a NUL character");
}

static void test_every_error_returned(void **state)
{
	json_t *n = load(example);
	struct form_errors e;
	char buf[256];

	(void)state;
	set_path(n, "child.sex", json_string("x"));
	set_path(n, "child.nhs_number", json_string("1"));
	set_path(n, "death.place", NULL);
	set_path(n, "notified.by_agency", json_string("?"));
	set_path(n, "extra", json_true());
	run(n, &e);
	assert_int_equal(e.n, 5);
	assert_has(&e, "extra", "unknown field");
	assert_has(&e, "child.sex", "not a valid code");
	assert_has(&e, "child.nhs_number", "has 1 digits");
	assert_has(&e, "death.place", "is required");
	assert_has(&e, "notified.by_agency", "not a valid code");
	/* the first two, then a count */
	assert_int_equal(form_errors_format(&e, 2, buf, sizeof(buf)), FORM_OK);
	assert_non_null(strstr(buf, "\n(and 3 more)"));
	assert_int_equal(form_errors_format(&e, 5, buf, 20), FORM_EARG);
	assert_int_equal(strlen(buf), 19);
	form_errors_release(&e);
	assert_int_equal(e.n, 0);
	assert_null(e.v);
}

static void test_normalise(void **state)
{
	json_t *n = load(example), *out;
	const json_t *v;

	(void)state;
	set_path(n, "child.nhs_number", json_string(" 943 476 5919 "));
	set_path(n, "child.forename", json_string("  Amy "));
	set_path(n, "child.postcode", json_string(""));
	set_path(n, "child.address", json_null());
	set_path(n, "death.circumstances", json_string("\n two lines\nhere \n"));
	out = form_normalise(&form_notification, n);
	assert_non_null(out);
	assert_string_equal(json_string_value(form_json_get(out, "child.nhs_number")), "9434765919");
	assert_string_equal(json_string_value(form_json_get(out, "child.forename")), "Amy");
	assert_string_equal(json_string_value(form_json_get(out, "death.circumstances")), "two lines\nhere");
	assert_null(form_json_get(out, "child.postcode"));
	assert_null(form_json_get(out, "child.address"));
	assert_true(json_is_true(form_json_get(out, "child.resident")));
	/* the input is untouched */
	v = form_json_get(n, "child.forename");
	assert_string_equal(json_string_value(v), "  Amy ");
	json_decref(out);
	json_decref(n);
}

static void test_redact(void **state)
{
	json_t *n = load(example), *out;

	(void)state;
	set_path(n, "stray", json_string("kept out"));
	out = form_redact(&form_notification, n, FIELD_IDENTIFIABLE);
	assert_non_null(out);
	assert_null(form_json_get(out, "child.forename"));
	assert_null(form_json_get(out, "child.surname"));
	assert_null(form_json_get(out, "child.nhs_number"));
	assert_null(form_json_get(out, "child.date_of_birth"));
	assert_null(form_json_get(out, "child.address"));
	assert_null(form_json_get(out, "child.postcode"));
	assert_null(form_json_get(out, "notified.by_name"));
	assert_null(form_json_get(out, "stray"));
	assert_string_equal(json_string_value(form_json_get(out, "child.sex")), "female");
	assert_string_equal(json_string_value(form_json_get(out, "death.date")), "2025-05-03");
	assert_string_equal(json_string_value(form_json_get(out, "death.circumstances")), "free text");
	json_decref(out);
	out = form_redact(&form_notification, n, FIELD_IDENTIFIABLE | FIELD_FREE_TEXT);
	assert_null(form_json_get(out, "death.circumstances"));
	json_decref(out);
	json_decref(n);
}

/* field_check_value: one typed answer at a time. */
static const char *answer(const char *path, const char *text, char *buf,
			  size_t len)
{
	const struct field *f = form_field_find(&form_notification, path);
	json_t *out = NULL;
	char *dumped;
	int rc;

	assert_non_null(f);
	rc = field_check_value(f, text, &out, buf, len);
	if (rc == FORM_OK && out) {
		dumped = json_dumps(out, JSON_ENCODE_ANY);
		snprintf(buf, len, "= %s", dumped);
		free(dumped);
	} else if (rc == FORM_OK) {
		snprintf(buf, len, "= absent");
	}
	json_decref(out);
	return buf;
}

static void test_field_answers(void **state)
{
	char b[512];

	(void)state;
	assert_string_equal(answer("child.sex", "female", b, sizeof(b)), "= \"female\"");
	assert_string_equal(answer("child.sex", "2", b, sizeof(b)), "= \"female\"");
	assert_string_equal(answer("child.sex", " FEMALE ", b, sizeof(b)), "= \"female\"");
	assert_string_equal(answer("child.sex", "Not known", b, sizeof(b)), "= \"not_known\"");
	assert_string_equal(answer("child.sex", "5", b, sizeof(b)),
			    "\"5\" is not one of the choices; type a code or its number: 1 male, 2 female, 3 indeterminate, 4 not_known");
	assert_string_equal(answer("child.sex", "", b, sizeof(b)), "an answer is required");
	assert_string_equal(answer("child.ethnicity", "a", b, sizeof(b)), "= \"A\"");
	assert_string_equal(answer("child.ethnicity", "17", b, sizeof(b)), "= \"Z\"");
	assert_string_equal(answer("child.ethnicity", "", b, sizeof(b)), "= absent");
	assert_string_equal(answer("child.resident", "y", b, sizeof(b)), "= true");
	assert_string_equal(answer("child.resident", "No", b, sizeof(b)), "= false");
	assert_string_equal(answer("child.resident", "TRUE", b, sizeof(b)), "= true");
	assert_string_equal(answer("child.resident", "maybe", b, sizeof(b)),
			    "\"maybe\" is not yes or no; type y or n");
	assert_string_equal(answer("child.nhs_number", "943 476 5919", b, sizeof(b)),
			    "= \"9434765919\"");
	assert_string_equal(answer("child.date_of_birth", "2024-02-30", b, sizeof(b)),
			    "\"2024-02-30\" is not a real date; 2024-02 has 29 days");
	assert_string_equal(answer("child.date_of_birth", " 2024-02-29 ", b, sizeof(b)),
			    "= \"2024-02-29\"");
	assert_string_equal(answer("death.time", "14:20", b, sizeof(b)), "= \"14:20\"");
	assert_string_equal(answer("child.forename", "  Amy  ", b, sizeof(b)), "= \"Amy\"");
	assert_string_equal(answer("child.forename", "\xff\xfe", b, sizeof(b)),
			    "is not valid UTF-8 text");
	assert_string_equal(answer("notified.by_agency", "hospital", b, sizeof(b)),
			    "= \"hospital\"");
	{
		const struct field *f = form_field_find(&form_notification, "child");
		json_t *out = NULL;

		assert_int_equal(field_check_value(f, "x", &out, b, sizeof(b)), FORM_EARG);
		assert_null(out);
	}
}

static void test_lookup(void **state)
{
	const struct field *f;

	(void)state;
	f = form_field_find(&form_notification, "child.nhs_number");
	assert_non_null(f);
	assert_int_equal(f->type, FIELD_NHS_NUMBER);
	assert_true(f->flags & FIELD_IDENTIFIABLE);
	assert_string_equal(f->path, "child.nhs_number");
	f = form_field_find(&form_notification, "notified.by_agency");
	assert_ptr_equal(f->codes, &codes_agency);
	assert_true(f->flags & FIELD_REQUIRED);
	f = form_field_find(&form_notification, "child");
	assert_int_equal(f->type, FIELD_OBJECT);
	assert_null(form_field_find(&form_notification, "child.nope"));
	assert_null(form_field_find(&form_notification, "child.sex.more"));
	assert_null(form_field_find(&form_notification, ""));
	assert_ptr_equal(form_by_name("notification"), &form_notification);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example_passes),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_optional_absent),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_exact_message),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_date_order),
		cmocka_unit_test(test_age_limit),
		cmocka_unit_test(test_nhs),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_every_error_returned),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_field_answers),
		cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
