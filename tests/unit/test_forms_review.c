/* The review form: category, domains, the modifiable rule, themes,
 * recommendations. */
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
	"{\"category\": 10,"
	" \"domains\": {\"child\": 1, \"social_environment\": 2, \"physical_environment\": 1, \"service_provision\": 0},"
	" \"modifiable\": \"yes\","
	" \"themes\": [\"safe_sleeping\", \"smoking\"],"
	" \"learning\": \"free text\", \"learning_publishable\": true,"
	" \"recommendations\": [{\"text\": \"\xe2\x80\xa6\", \"owner\": \"public_health\", \"due\": \"2026-01-31\"}],"
	" \"referred_for_review\": false}";

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (!j)
		fail_msg("test JSON: %s", jerr.text);
	return j;
}

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
	json_t *n = load(example);
	struct form_errors e;

	set_path(n, path, v);
	validate(&form_review, n, &e);
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
	validate(&form_review, n, &e);
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
	/* only category, domains and modifiable are required */
	expect_ok("themes", NULL);
	expect_ok("learning", NULL);
	expect_ok("learning_publishable", NULL);
	expect_ok("recommendations", NULL);
	expect_ok("referred_for_review", NULL);
	expect_ok("themes", json_array());
	expect_ok("recommendations", json_array());
}

static void test_category(void **state)
{
	(void)state;
	expect_ok("category", json_integer(1));
	expect_one("category", json_integer(0), "category",
		   "0 is not a valid code; valid: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10");
	expect_one("category", json_integer(11), "category", "11 is not a valid code");
	expect_one("category", json_integer(-3), "category", "-3 is not a valid code");
	expect_one("category", json_string("10"), "category",
		   "must be a whole number, not a string; valid: 1, 2");
	expect_one("category", json_real(10.0), "category",
		   "must be a whole number, not a number with a fraction");
	expect_one("category", NULL, "category", "is required");
}

static void test_domains(void **state)
{
	static const char *const names[] = {
		"domains.child", "domains.social_environment",
		"domains.physical_environment", "domains.service_provision",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		json_t *n = load(example);
		struct form_errors e;

		set_path(n, names[i], NULL);
		validate(&form_review, n, &e);
		assert_has(&e, names[i], "is required");
		assert_int_equal(e.n, 1);	/* the modifiable rule waits */
		form_errors_release(&e);
	}
	expect_one("domains.child", json_integer(3), "domains.child",
		   "3 is not a valid code; valid: 0, 1, 2");
	expect_one("domains.child", json_string("1"), "domains.child",
		   "must be a whole number, not a string");
	expect_one("domains", json_array(), "domains", "must be an object, not an array");
	expect_one("domains.family", json_integer(1), "domains.family",
		   "unknown field; valid: child, social_environment, physical_environment, service_provision");
}

/* SPEC §3: yes exactly when some domain scores 2; otherwise no, or
 * insufficient_information only when some domain scores 0. */
static void test_modifiable_truth_table(void **state)
{
	static const char *const mods[] = { "yes", "no", "insufficient_information" };
	static const char *const names[] = {
		"child", "social_environment", "physical_environment",
		"service_provision",
	};
	int combo, k, m, s[4], has0, has2, want_ok;

	(void)state;
	for (combo = 0; combo < 81; combo++) {
		for (k = 0, m = combo; k < 4; k++, m /= 3)
			s[k] = m % 3;
		has0 = s[0] == 0 || s[1] == 0 || s[2] == 0 || s[3] == 0;
		has2 = s[0] == 2 || s[1] == 2 || s[2] == 2 || s[3] == 2;
		for (m = 0; m < 3; m++) {
			json_t *n = load(example), *d = json_object();
			struct form_errors e;

			for (k = 0; k < 4; k++)
				json_object_set_new(d, names[k], json_integer(s[k]));
			set_path(n, "domains", d);
			set_path(n, "modifiable", json_string(mods[m]));
			validate(&form_review, n, &e);
			want_ok = has2 ? m == 0 : (m == 1 || (m == 2 && has0));
			if (want_ok && e.n) {
				dump(&e);
				fail_msg("scores %d%d%d%d with %s refused", s[0], s[1], s[2], s[3], mods[m]);
			}
			if (!want_ok) {
				assert_int_equal(e.n, 1);
				assert_has(&e, "modifiable", "contradicts the domain scores");
			}
			form_errors_release(&e);
		}
	}
}

static void test_modifiable_messages(void **state)
{
	json_t *n;
	struct form_errors e;

	(void)state;
	expect_one("modifiable", json_string("no"), "modifiable",
		   "\"no\" contradicts the domain scores (child 1, social_environment 2, physical_environment 1, service_provision 0): a domain scoring 2 means \"yes\"");
	n = load(example);
	set_path(n, "domains.social_environment", json_integer(1));
	validate(&form_review, n, &e);
	assert_has(&e, "modifiable",
		   "\"yes\" needs a domain scoring 2; these scores mean \"no\" or \"insufficient_information\"");
	form_errors_release(&e);
	n = load(example);
	set_path(n, "domains.social_environment", json_integer(1));
	set_path(n, "domains.service_provision", json_integer(1));
	set_path(n, "modifiable", json_string("insufficient_information"));
	validate(&form_review, n, &e);
	assert_has(&e, "modifiable", "it needs a domain scoring 0; these scores mean \"no\"");
	form_errors_release(&e);
	expect_one("modifiable", json_string("maybe"), "modifiable",
		   "valid: yes, no, insufficient_information");
}

static void test_themes(void **state)
{
	(void)state;
	expect_one("themes", load("[\"safe_sleeping\", \"smokin\"]"), "themes[1]",
		   "\"smokin\" is not a valid code; valid: safe_sleeping, smoking, alcohol_drugs, road_safety, water_safety, fire_burns, suicide_self_harm, domestic_abuse, neglect, mental_health, transitions_of_care, access_to_services, prematurity, consanguinity, other");
	expect_one("themes", load("[\"smoking\", \"neglect\", \"smoking\"]"), "themes[2]",
		   "\"smoking\" is repeated (first at [0]); give each code once");
	expect_one("themes", load("[\"smoking\", 3]"), "themes[1]",
		   "must be a code in a string, not a whole number");
	expect_one("themes", json_string("smoking"), "themes",
		   "must be an array of codes, not a string");
	expect_ok("themes", load("[\"other\"]"));
	{
		/* a long hostile array is checked in linear time */
		json_t *n = load(example), *arr = json_array();
		struct form_errors e;
		size_t i;

		for (i = 0; i < 20000; i++)
			json_array_append_new(arr, json_string("smoking"));
		set_path(n, "themes", arr);
		validate(&form_review, n, &e);
		assert_int_equal(e.n, 19999);
		assert_has(&e, "themes[19999]", "repeated (first at [0])");
		form_errors_release(&e);
	}
}

static void test_recommendations(void **state)
{
	(void)state;
	expect_one("recommendations",
		   load("[{\"text\": \"a\", \"owner\": \"gp\", \"due\": \"2026-01-31\"},"
			" {\"text\": \"b\", \"owner\": \"council\", \"due\": \"2026-01-31\"}]"),
		   "recommendations[1].owner", "\"council\" is not a valid code; valid: gp");
	expect_one("recommendations",
		   load("[{\"text\": \"a\", \"owner\": \"gp\", \"due\": \"2026-02-30\"}]"),
		   "recommendations[0].due", "is not a real date; 2026-02 has 28 days");
	expect_one("recommendations",
		   load("[{\"owner\": \"gp\", \"due\": \"2026-01-31\"}]"),
		   "recommendations[0].text", "is required");
	expect_one("recommendations",
		   load("[{\"text\": \"a\", \"owner\": \"gp\"}]"),
		   "recommendations[0].due", "is required");
	expect_one("recommendations", load("[\"do better\"]"), "recommendations[0]",
		   "must be an object, not a string");
	expect_one("recommendations",
		   load("[{\"text\": \"a\", \"owner\": \"gp\", \"due\": \"2026-01-31\", \"done\": true}]"),
		   "recommendations[0].done", "unknown field");
	/* completed is import-only */
	expect_one("recommendations",
		   load("[{\"text\": \"a\", \"owner\": \"gp\", \"due\": \"2026-01-31\", \"completed\": \"2025-05-01\"}]"),
		   "recommendations[0].completed", "only allowed in an import file");
}

static void test_other_fields(void **state)
{
	(void)state;
	expect_one("meeting_date", json_string("2025-05-20"), "meeting_date",
		   "only allowed in an import file");
	expect_one("learning_publishable", json_string("yes"), "learning_publishable",
		   "must be true or false, not a string");
	expect_one("referred_for_review", json_integer(0), "referred_for_review",
		   "must be true or false");
	expect_one("catgory", json_integer(1), "catgory",
		   "unknown field; did you mean \"category\"? valid: category, domains, modifiable, themes, learning, learning_publishable, recommendations, referred_for_review");
}

static void test_recommendation_form(void **state)
{
	struct form_errors e;

	(void)state;
	validate(&form_recommendation,
		 load("{\"text\": \"x\", \"owner\": \"police\", \"due\": \"2026-01-31\"}"), &e);
	assert_int_equal(e.n, 0);
	validate(&form_recommendation, load("{\"text\": \"x\", \"owner\": \"nhs\"}"), &e);
	assert_has(&e, "owner", "not a valid code");
	assert_has(&e, "due", "is required");
	form_errors_release(&e);
}

static const char *answer(const char *path, const char *text, char *buf,
			  size_t len)
{
	const struct field *f = form_field_find(&form_review, path);
	json_t *out = NULL;
	char *dumped;
	int rc;

	assert_non_null(f);
	rc = field_check_value(f, text, &out, buf, len);
	if (rc == FORM_OK && out) {
		dumped = json_dumps(out, JSON_ENCODE_ANY | JSON_COMPACT);
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
	char b[1024];

	(void)state;
	assert_string_equal(answer("category", "10", b, sizeof(b)), "= 10");
	assert_string_equal(answer("category", "malignancy", b, sizeof(b)), "= 4");
	assert_non_null(strstr(answer("category", "11", b, sizeof(b)),
			       "\"11\" is not one of the choices; type one of: 1 Deliberately inflicted injury"));
	assert_string_equal(answer("domains.child", "0", b, sizeof(b)), "= 0");
	assert_string_equal(answer("modifiable", "3", b, sizeof(b)),
			    "= \"insufficient_information\"");
	assert_string_equal(answer("themes", "safe_sleeping, smoking", b, sizeof(b)),
			    "= [\"safe_sleeping\",\"smoking\"]");
	assert_string_equal(answer("themes", "1 2,15", b, sizeof(b)),
			    "= [\"safe_sleeping\",\"smoking\",\"other\"]");
	assert_string_equal(answer("themes", "smoking 2", b, sizeof(b)),
			    "\"2\" is given twice; give each once");
	assert_non_null(strstr(answer("themes", "smoking, cats", b, sizeof(b)),
			       "\"cats\" is not one of the choices"));
	assert_string_equal(answer("themes", "", b, sizeof(b)), "= absent");
	assert_string_equal(answer("recommendations[0].owner", "gp", b, sizeof(b)), "= \"gp\"");
	assert_string_equal(answer("learning", "a\nb", b, sizeof(b)), "= \"a\\nb\"");
}

static void test_lookup(void **state)
{
	const struct field *f;

	(void)state;
	f = form_field_find(&form_review, "recommendations[1].owner");
	assert_non_null(f);
	assert_string_equal(f->name, "owner");
	assert_ptr_equal(f->codes, &codes_agency);
	f = form_field_find(&form_review, "recommendations[].due");
	assert_non_null(f);
	f = form_field_find(&form_review, "domains.service_provision");
	assert_ptr_equal(f->codes, &codes_domain_score);
	f = form_field_find(&form_review, "meeting_date");
	assert_true(f->flags & FIELD_IMPORT_ONLY);
	assert_null(form_field_find(&form_review, "recommendations[1"));
	assert_null(form_field_find(&form_review, "recommendations[1]x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example_passes),
		cmocka_unit_test(test_category),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_modifiable_truth_table),
		cmocka_unit_test(test_modifiable_messages),
		cmocka_unit_test(test_themes),
		cmocka_unit_test(test_recommendations),
		cmocka_unit_test(test_other_fields),
		cmocka_unit_test(test_recommendation_form),
		cmocka_unit_test(test_field_answers),
		cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
