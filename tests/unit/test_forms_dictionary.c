/*
 * docs/data-dictionary.md must be exactly form_dictionary_markdown().
 * To regenerate it after changing a form: CDOP_REGEN=1 ./test_forms_dictionary
 * (from build/tests). Also: the descriptors are consistent with themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/form.h"

#define DOCS_PATH CDOP_FIXTURES "/../../docs/data-dictionary.md"
#define NEW_PATH "data-dictionary.md.new"

static const char *argv0 = "test_forms_dictionary";

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static int spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(text, 1, strlen(text), f) == strlen(text);

	if (f && fclose(f) != 0)
		ok = 0;
	return ok;
}

static void first_difference(const char *a, const char *b)
{
	size_t line = 1, i;

	for (i = 0; a[i] && a[i] == b[i]; i++)
		line += a[i] == '\n';
	print_message("first difference at line %zu\n", line);
}

static void test_matches_docs(void **state)
{
	char *fresh = NULL, *docs;

	(void)state;
	assert_int_equal(form_dictionary_markdown(&fresh), FORM_OK);
	assert_non_null(fresh);
	if (getenv("CDOP_REGEN") && strcmp(getenv("CDOP_REGEN"), "1") == 0) {
		assert_true(spit(DOCS_PATH, fresh));
		print_message("wrote %s\n", DOCS_PATH);
	}
	docs = slurp(DOCS_PATH);
	if (!docs || strcmp(docs, fresh) != 0) {
		if (docs)
			first_difference(docs, fresh);
		spit(NEW_PATH, fresh);
		free(docs);
		free(fresh);
		fail_msg("docs/data-dictionary.md is out of date with forms/; regenerate it: "
			 "CDOP_REGEN=1 %s  (or: cp " NEW_PATH " %s)", argv0, DOCS_PATH);
	}
	free(docs);
	free(fresh);
}

/* The dictionary names every field and, below it, every form. */
static void test_mentions_everything(void **state)
{
	char *md = NULL, want[256];
	size_t i, j;

	(void)state;
	assert_int_equal(form_dictionary_markdown(&md), FORM_OK);
	for (i = 0; i < forms_all_n; i++) {
		snprintf(want, sizeof(want), "(`%s`)", forms_all[i]->name);
		assert_non_null(strstr(md, want));
		for (j = 0; j < forms_all[i]->n; j++) {
			snprintf(want, sizeof(want), "| `%s` |", forms_all[i]->fields[j].path);
			assert_non_null(strstr(md, want));
		}
	}
	for (i = 0; i < codes_all_n; i++) {
		for (j = 0; j < codes_all[i]->n; j++) {
			snprintf(want, sizeof(want), "| `%s` | %s |",
				 codes_all[i]->codes[j].code, codes_all[i]->codes[j].label);
			assert_non_null(strstr(md, want));
		}
	}
	assert_non_null(strstr(md, "| `child.nhs_number` | NHS number |  | yes |"));
	assert_non_null(strstr(md, "| `information_sharing_meeting` | Information-sharing meeting | 72 hours |"));
	assert_non_null(strstr(md, "| `child_death_review_meeting` | Child death review meeting | 12 weeks |"));
	assert_non_null(strstr(md, "| `bereavement_support_offered` | Bereavement support offered | 7 days |"));
	assert_non_null(strstr(md, "| `white` | `A`, `B`, `C` |"));
	assert_non_null(strstr(md, "| `not_stated` | `Z`, absent |"));
	assert_non_null(strstr(md, "| `home` | `home`, `other_residence` |"));
	assert_int_equal(md[strlen(md) - 1], '\n');
	assert_int_not_equal(md[strlen(md) - 2], '\n');
	free(md);
}

/* Each field's path leads back to it from the form it is documented in. */
static void check_paths(const struct form *top, const struct form *f)
{
	size_t i, j;
	int documented;

	for (i = 0; i < f->n; i++) {
		const struct field *fld = &f->fields[i];

		if (form_field_find(top, fld->path) != fld)
			fail_msg("%s: path %s does not find its field", top->name, fld->path);
		for (j = 0; j < i; j++)
			assert_string_not_equal(fld->name, f->fields[j].name);
		documented = 0;
		for (j = 0; fld->sub && j < forms_all_n; j++)
			documented |= forms_all[j]->fields == fld->sub->fields;
		if (fld->sub && !documented)
			check_paths(top, fld->sub);
	}
}

static int check_field(const struct field *fld, int depth, void *ctx)
{
	(void)depth;
	(void)ctx;
	assert_non_null(fld->name);
	assert_non_null(fld->label);
	assert_non_null(fld->help);
	switch (fld->type) {
	case FIELD_CODE:
	case FIELD_CODE_ARRAY:
		assert_non_null(fld->codes);
		break;
	case FIELD_INT:
		/* coded, or a range (birth.gestation_weeks, birth.weight_grams) */
		assert_true(fld->codes || fld->max > fld->min);
		break;
	case FIELD_OBJECT:
		break;	/* sub NULL: any object (agency_reports[].form) */
	case FIELD_OBJECT_ARRAY:
		assert_non_null(fld->sub);
		break;
	case FIELD_TEXT:
		assert_true(fld->max_len > 0);
		break;
	default:
		assert_null(fld->sub);
		break;
	}
	return 0;
}

static void test_descriptors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < forms_all_n; i++) {
		check_paths(forms_all[i], forms_all[i]);
		assert_int_equal(form_walk(forms_all[i], check_field, NULL), 0);
		assert_ptr_equal(form_by_name(forms_all[i]->name), forms_all[i]);
		assert_non_null(forms_all[i]->rules);
	}
	assert_null(form_by_name("nope"));
	assert_string_equal(field_type_name(FIELD_NHS_NUMBER), "NHS number");
	assert_string_equal(form_strerror(FORM_EINVALID), "invalid input");
}

static int collect_identifiable(const struct field *fld, int depth, void *ctx)
{
	char *out = ctx;

	(void)depth;
	if (fld->flags & FIELD_IDENTIFIABLE) {
		strcat(out, fld->path);
		strcat(out, " ");
	}
	return 0;
}

static void test_identifiable_set(void **state)
{
	char got[512] = "";

	(void)state;
	form_walk(&form_notification, collect_identifiable, got);
	assert_string_equal(got, "child.forename child.surname child.nhs_number child.date_of_birth child.address child.postcode death.cause notified.by_name ");
	got[0] = '\0';
	form_walk(&form_review, collect_identifiable, got);
	assert_string_equal(got, "");
	got[0] = '\0';
	form_walk(&form_rr_action, collect_identifiable, got);
	assert_string_equal(got, "by ");
}

static int count(const struct field *fld, int depth, void *ctx)
{
	int *n = ctx;

	(void)fld;
	(void)depth;
	return ++*n == 5 ? 42 : 0;
}

static void test_walk(void **state)
{
	int n = 0;

	(void)state;
	/* child, child.forename, ... : stops at the fifth with its value */
	assert_int_equal(form_walk(&form_notification, count, &n), 42);
	assert_int_equal(n, 5);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_docs),
		cmocka_unit_test(test_mentions_everything),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_identifiable_set),
		cmocka_unit_test(test_walk),
	};

	if (argc > 0)
		argv0 = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
