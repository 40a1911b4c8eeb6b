#ifndef FORMS_JSON_H
#define FORMS_JSON_H

/*
 * JSON read and written faster than jansson's own, with exactly its
 * results (the import's hot path: bench/README.md, issue 9).
 *
 * form_json_loadb is json_loadb(s, len, JSON_REJECT_DUPLICATES, err): a
 * line in the common shape (objects, arrays, strings, integers, true,
 * false, null) is built by a direct scanner into the same tree jansson
 * would build (members in the same order); anything else (an error, a
 * real number, a \u escape of a surrogate or NUL, very deep nesting) is
 * handed to jansson whole, so errors and their messages are jansson's.
 *
 * form_json_dumps is json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) byte
 * for byte (NULL where jansson gives NULL); free the result with free().
 * Its growing buffer is wiped as it moves: it may hold identifiable text.
 */
#include <jansson.h>
#include <stddef.h>

json_t *form_json_loadb(const char *s, size_t len, json_error_t *err);
char *form_json_dumps(const json_t *j);

#endif
