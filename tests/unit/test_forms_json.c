/* forms/json: the fast reader and writer give exactly jansson's results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/json.h"

/* The same tree (members in the same order) or the same error. */
static void same_as_jansson(const char *s, size_t len)
{
	json_error_t e1, e2;
	json_t *a = form_json_loadb(s, len, &e1);
	json_t *b = json_loadb(s, len, JSON_REJECT_DUPLICATES, &e2);

	if (!b) {
		assert_null(a);
		assert_string_equal(e1.text, e2.text);
		assert_int_equal(e1.line, e2.line);
		assert_int_equal(e1.column, e2.column);
		assert_int_equal(e1.position, e2.position);
		return;
	}
	assert_non_null(a);
	assert_true(json_equal(a, b));
	{
		char *da = json_dumps(a, JSON_COMPACT), *db = json_dumps(b, JSON_COMPACT);
		char *fa = form_json_dumps(b), *ja = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);

		assert_non_null(da);
		assert_string_equal(da, db);
		assert_non_null(fa);
		assert_string_equal(fa, ja);
		free(da);
		free(db);
		free(fa);
		free(ja);
	}
	json_decref(a);
	json_decref(b);
}

static void same_str(const char *s)
{
	same_as_jansson(s, strlen(s));
}

static void test_shapes(void **state)
{
	static const char *const cases[] = {
		"{}", "[]", " { } ", "\t[\r\n]\n", "{\"a\":1}", "[1,2,3]", "[-0]", "[0]",
		"[9223372036854775807]", "[-9223372036854775808]",
		"[9223372036854775808]", "[-9223372036854775809]", "[99999999999999999999]",
		"[01]", "[-01]", "[-]", "[1.5]", "[1e3]", "[1E-3]", "[-0.0]", "[1.]", "[.5]",
		"[true,false,null]", "[truex]", "[tru]", "[nul]", "[true1]", "[TRUE]",
		"{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":2}}", "{\"\":1}", "{\"\":1,\"\":2}",
		"{\"a\" : [ 1 , { \"x\" : \"y\" } ] , \"b\" : null }",
		"{\"a\":1,}", "[1,]", "[,]", "{,}", "{\"a\"}", "{\"a\":}", "{a:1}", "{1:1}",
		"[1 2]", "{\"a\":1 \"b\":2}", "", " ", "1", "\"s\"", "true", "null",
		"{} x", "{}{}", "[] ,", "[\"\\u00e9\\u20ac\\u0041\\u00\"]",
		"[\"\\u00e9\"]", "[\"\\u20AC\"]", "[\"\\u0000\"]", "[\"\\ud83d\\ude00\"]",
		"[\"\\ud83d\"]", "[\"\\ude00\"]", "[\"\\x\"]", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
		"[\"caf\xc3\xa9\"]", "[\"\xe2\x82\xac\"]", "[\"\xf0\x9f\x98\x80\"]",
		"[\"\xc3\"]", "[\"\xc0\x80\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]",
		"[\"\xe0\x80\xaf\"]", "[\"\xff\"]", "[\"\x7f\"]", "[\"a\x01\"]", "[\"a\tb\"]",
		"{\"k\xc3\xa9y\":\"v\",\"k\\n\":1}", "[\"unterminated]", "[\"esc\\",
		("{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		 "[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"),
		"[1e400]", "[-1e400]", "[1e-400]", "\xef\xbb\xbf{}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		same_str(cases[i]);
	/* Embedded NULs. */
	same_as_jansson("[\"a\0b\"]", 7);
	same_as_jansson("{}\0", 3);
	same_as_jansson("[1,\0]", 5);
}

/* Every line of the report's fixture, and each one mutated many ways. */
static void test_fixture_and_mutations(void **state)
{
	static const char repl[] = "\"\\{}[],:0-e.uft \x01\xc3\xa9\xed\xff";
	FILE *f = fopen(CDOP_FIXTURES "/report/golden.jsonl", "r");
	char *line = NULL, *m;
	size_t cap = 0, lines = 0;
	ssize_t n;
	uint32_t seed = 12345;

	(void)state;
	assert_non_null(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		size_t len = (size_t)n;

		lines++;
		same_as_jansson(line, len);
		m = malloc(len + 8);
		assert_non_null(m);
		for (int k = 0; k < 400; k++) {
			size_t at, mlen = len;

			memcpy(m, line, len);
			seed = seed * 1103515245u + 12345u;
			at = (seed >> 8) % len;
			switch (k % 3) {
			case 0:
				m[at] = repl[(seed >> 3) % (sizeof repl - 1)];
				break;
			case 1:
				memmove(m + at, m + at + 1, len - at - 1);
				mlen--;
				break;
			default:
				mlen = at; /* cut short */
			}
			same_as_jansson(m, mlen);
		}
		free(m);
	}
	free(line);
	fclose(f);
	assert_true(lines > 10);
}

static void test_dump_escapes_and_order(void **state)
{
	json_t *o = json_object(), *a = json_array();
	char all[33], *mine, *theirs;

	(void)state;
	for (int c = 1; c < 32; c++)
		all[c - 1] = (char)c;
	all[31] = '"';
	all[32] = 0;
	json_object_set_new(o, "ctl", json_string(all));
	json_object_set_new(o, "nul", json_stringn("a\0b", 3));
	json_object_set_new(o, "b", json_integer(-42));
	json_object_set_new(o, "ab", json_real(0.1));
	json_object_set_new(o, "a", json_real(1e300));
	json_object_set_new(o, "", json_real(2.0));
	json_object_set_new(o, "\xc3\xa9", json_string("\\ / \xe2\x82\xac"));
	json_object_setn_new(o, "k\0z", 3, json_true());
	json_object_setn_new(o, "k", 1, json_false());
	for (int i = 0; i < 40; i++) {
		char k[8];

		snprintf(k, sizeof k, "m%02d", 39 - i);
		json_object_set_new(o, k, json_null());
	}
	json_array_append_new(a, json_object());
	json_array_append_new(a, json_array());
	json_object_set_new(o, "arr", a);
	mine = form_json_dumps(o);
	theirs = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(mine);
	assert_string_equal(mine, theirs);
	free(mine);
	free(theirs);
	/* What jansson will not write, neither does this. */
	a = json_integer(1);
	assert_null(form_json_dumps(a));
	json_decref(a);
	json_object_set_new_nocheck(o, "bad", json_stringn_nocheck("\xff", 1));
	assert_null(json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS));
	assert_null(form_json_dumps(o));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_fixture_and_mutations),
		cmocka_unit_test(test_dump_escapes_and_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
