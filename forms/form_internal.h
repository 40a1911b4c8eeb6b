/*
 * Shared by the forms/ sources only; not part of the forms API.
 */
#ifndef FORMS_FORM_INTERNAL_H
#define FORMS_FORM_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "forms/form.h"

#define FORM_PATH_MAX 256	/* our paths are short; user keys are cut */
#define FORM_MSG_MAX 1024	/* one message, with the longest code list */
#define FORM_SHORT_MAX 32	/* longest date/time/code/NHS we bother to parse */
#define FORM_CODES_MAX 64	/* most codes in one list (a test checks) */

#define FORM_FIELDS(arr) .fields = (arr), .n = sizeof(arr) / sizeof((arr)[0])

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* A growable string; `oom` is sticky so callers check once at the end. */
struct sbuf {
	char *p;	/* NUL-terminated when not NULL */
	size_t len, cap;
	int oom;
};

void sbuf_init(struct sbuf *b);
void sbuf_release(struct sbuf *b);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* A slice of a string, not terminated. */
struct span {
	const char *p;
	size_t n;
};

struct span span_of(const char *s, size_t n);
struct span span_trim(struct span s);
int span_eq(struct span s, const char *z);
int span_caseeq(struct span s, const char *z);
/* Copy into out (terminated); 0 if it fits, -1 if not. */
int span_copy(struct span s, char *out, size_t len);
/* The trimmed contents of a JSON string (embedded NULs included). */
struct span span_json(const json_t *str);

/* `"text"` with controls escaped and long text cut, for messages. */
void value_quote(struct span s, char *out, size_t len);
int value_utf8_valid(struct span s);
size_t value_utf8_chars(struct span s);
/* "valid: a, b, c" */
void value_codes_valid(const struct code_list *l, char *out, size_t len);

/* Single-value checks: FORM_OK or FORM_EINVALID with msg filled in. */
int value_check_text(const struct field *f, struct span s, char *msg,
		     size_t len);
int value_check_date(struct span s, struct cdate *out, char *msg, size_t len);
int value_check_time(struct span s, struct ctod *out, char *msg, size_t len);
int value_check_datetime(struct span s, struct cdatetime *out, char *msg,
			 size_t len);
/* The code's index in the list, or FORM_EINVALID. */
int value_check_code(const struct code_list *l, struct span s, char *msg,
		     size_t len);
int value_check_int_code(const struct code_list *l, json_int_t v, char *msg,
			 size_t len);
int value_check_nhs(struct span s, char out[], char *msg, size_t len);
/* Describe the JSON type for "must be X, not Y" messages. */
const char *value_json_kind(const json_t *v);

void path_join(char *out, size_t len, const char *prefix, const char *name);
void path_index(char *out, size_t len, const char *prefix, size_t i);

/* Whether a member counts as given (see "Absent values" in form.h). */
int value_is_given(const json_t *v);

/*
 * Rule helpers. The readers return 1 and fill *out when the member at the
 * dotted path is present and valid, else 0 (its own error is elsewhere).
 */
int rule_date(const json_t *obj, const char *path, struct cdate *out);
int rule_datetime(const json_t *obj, const char *path, struct cdatetime *out);
int rule_int(const json_t *obj, const char *path, json_int_t *out);
/* The trimmed code if valid, copied to out (FORM_SHORT_MAX), else 0. */
int rule_code(const json_t *obj, const char *path, const struct code_list *l,
	      char *out);
void rule_error(struct form_errors *e, const char *prefix, const char *rel,
		const char *fmt, ...) PRINTF_LIKE(4, 5);
/* Error at later_rel unless later >= earlier. */
void rule_not_before(struct form_errors *e, const char *prefix,
		     const char *later_rel, const struct cdate *later,
		     const char *earlier_rel, const struct cdate *earlier);
/* rule_not_before at ARRAY[i].NAME (the path made only for an error). */
void rule_item_not_before(struct form_errors *e, const char *prefix,
			  const char *array, size_t i, const char *name,
			  const struct cdate *later, const char *earlier_rel,
			  const struct cdate *earlier);
/* Error at rel if d is after today (skipped when today is NULL). */
void rule_not_future(struct form_errors *e, const char *prefix,
		     const char *rel, const struct cdate *d,
		     const struct cdate *today);

/* The field of f named exactly `name` (no path syntax), or NULL. */
const struct field *form_field_named(const struct form *f, const char *name);

/* Sub-forms documented inside their parents. */
extern const struct form form_notification_child;
extern const struct form form_notification_death;
extern const struct form form_notification_notified;
extern const struct form form_notification_birth;
extern const struct form form_review_domains;

#endif
