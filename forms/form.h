/*
 * The forms as data: field descriptors, the forms of SPEC §3-4, pure
 * validation, normalisation, single-answer checking for prompts, and the
 * data dictionary. Nothing here prints, touches files or a database.
 *
 * Paths. Each field carries `path`, its dotted path from the top of the
 * form it is documented in (`child.forename`, `recommendations[].owner`).
 * Error paths are built while validating: they start from the object
 * handed to form_validate, and array elements carry their 0-based index,
 * e.g. `recommendations[1].owner`, or `review.modifiable` in an import line.
 *
 * Absent values. A member that is missing, JSON null, or a string that is
 * blank after trimming counts as not given: an error for a required field,
 * nothing otherwise. form_normalise drops such members.
 *
 * Strings are validated as if trimmed of leading and trailing whitespace,
 * which is what form_normalise stores.
 */
#ifndef FORMS_FORM_H
#define FORMS_FORM_H

#include <stddef.h>

#include <jansson.h>

#include "forms/codes.h"
#include "forms/date.h"

enum form_error_code {
	FORM_OK = 0,
	FORM_EINVALID = -1,	/* the input breaks the form; see the messages */
	FORM_ENOMEM = -2,
	FORM_EARG = -3,		/* misuse, e.g. a single answer for an object */
};

const char *form_strerror(int code);

enum field_type {
	FIELD_TEXT,		/* JSON string */
	FIELD_DATE,		/* "YYYY-MM-DD" */
	FIELD_TIME,		/* "HH:MM" */
	FIELD_DATETIME,		/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" */
	FIELD_CODE,		/* string from `codes` */
	FIELD_BOOL,		/* true / false */
	FIELD_INT,		/* JSON integer; if `codes`, its decimal form is a code */
	FIELD_NHS_NUMBER,	/* string, 10 digits, modulus 11; spaces allowed */
	FIELD_OBJECT,		/* object described by `sub`; `sub` NULL: any
				 * object, kept as given, dropped by redaction */
	FIELD_CODE_ARRAY,	/* array of distinct strings from `codes` */
	FIELD_OBJECT_ARRAY,	/* array of objects described by `sub` */
};

/* field flags */
#define FIELD_REQUIRED		0x01u	/* must be given */
#define FIELD_IDENTIFIABLE	0x02u	/* identifies a person: drop to anonymise */
#define FIELD_FREE_TEXT		0x04u	/* several lines; may mention people */
#define FIELD_IMPORT_ONLY	0x08u	/* only in import lines (forms flagged FORM_IMPORT) */

/* form flags */
#define FORM_IMPORT		0x01u	/* accept FIELD_IMPORT_ONLY fields, here and below */

struct form;
struct form_errors;

struct field {
	const char *name;	/* JSON member name */
	const char *path;	/* dotted path in its documented form */
	enum field_type type;
	unsigned flags;
	const struct code_list *codes;	/* CODE, CODE_ARRAY, INT (optional) */
	const char *label;	/* short prompt, e.g. "Date of birth" */
	const char *help;	/* one line: what to enter */
	size_t max_len;		/* TEXT: most characters allowed */
	const struct form *sub;	/* OBJECT, OBJECT_ARRAY */
	long min, max;		/* INT without codes: the range, when max > min */
};

/*
 * A cross-field rule. `obj` is the object the form describes (already
 * known to be a JSON object); `prefix` is its error path ("" at the top).
 * Rules read only values that are individually valid, so they never repeat
 * a field's own error. `today` may be NULL to skip "not in the future".
 */
typedef void form_rule_fn(const json_t *obj, const char *prefix,
			  const struct cdate *today, struct form_errors *errs);

struct form {
	const char *name;	/* e.g. "notification" */
	const char *title;	/* heading in the data dictionary */
	const char *help;	/* a sentence on what the form records */
	const struct field *fields;
	size_t n;
	form_rule_fn *rule;	/* NULL if none */
	const char *const *rules;	/* the rules in words, NULL-terminated */
	unsigned flags;
};

/* The forms. Sub-forms (child, death, ...) are reached through `sub`. */
extern const struct form form_notification;	/* notify --json, case update */
extern const struct form form_review;		/* review --json */
extern const struct form form_review_import;	/* review in an import line (+meeting_date) */
extern const struct form form_recommendation;	/* an element of review.recommendations */
extern const struct form form_rr_action;	/* rr add; rapid_response[] */
extern const struct form form_agency_report;	/* agency request/receive; agency_reports[] */
extern const struct form form_import_line;	/* one line of import / export */
extern const struct form form_agency_reporting;	/* agency receive --age: an agency's form */
extern const struct form form_review_amendment;	/* review.amendments[] in an import line */
extern const struct form form_meeting_line;	/* a meeting line of import / export */

/* The top-level forms, in data-dictionary order. */
extern const struct form *const forms_all[];
extern const size_t forms_all_n;

/* Errors: a growable list. Each error is a path and a message. */
struct form_error {
	char *path;	/* e.g. "child.sex"; "" for the object itself */
	char *message;	/* e.g. "\"femal\" is not a valid code; valid: ..." */
};

struct form_errors {
	struct form_error *v;
	size_t n, alloc;
	int oom;	/* an error could not be recorded */
};

#define FORM_ERRORS_INIT { NULL, 0, 0, 0 }

void form_errors_init(struct form_errors *e);
/* Free everything; `e` is left initialised and may be reused. */
void form_errors_release(struct form_errors *e);
int form_errors_add(struct form_errors *e, const char *path,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The first error whose path is `path`, or NULL. */
const struct form_error *form_errors_find(const struct form_errors *e,
					  const char *path);
/*
 * The first `max` errors as "path: message" lines joined by '\n' (no final
 * newline), then "(and N more)" if some were left out. Always terminated;
 * returns FORM_OK, or FORM_EARG if `buf` was too small (text truncated).
 */
int form_errors_format(const struct form_errors *e, size_t max, char *buf,
		       size_t len);

/*
 * Validate `obj` against `f`: unknown members, JSON types, required
 * fields, code lists, lengths, dates, NHS numbers and the form's cross-field
 * rules. Appends every error found to `errs` (it is not cleared first).
 * Returns FORM_OK, FORM_EINVALID if any error was added, FORM_ENOMEM.
 */
int form_validate(const struct form *f, const json_t *obj,
		  const struct cdate *today, struct form_errors *errs);

/*
 * Dates as typed (DD/MM/YYYY, `today`, date_input_parse) rewritten in place
 * as ISO 8601 in every date and date-time field of obj, before it is
 * validated: then the rules compare real dates and the errors name the
 * field. A value that is not a date is left for form_validate to refuse.
 */
void form_dates_iso(const struct form *f, json_t *obj, const struct cdate *today);

/*
 * What gets stored: a new object with strings trimmed, spaces removed from
 * NHS numbers, and absent-valued members (null, blank strings) dropped.
 * Unknown members are copied unchanged. NULL only when out of memory.
 */
json_t *form_normalise(const struct form *f, const json_t *obj);
/* The same change made to obj itself, leaving alone what would be copied
 * unchanged (no new tree to make and free): 0, or -1 when out of memory
 * (obj then partly normalised). Objects obj shares are changed too. */
int form_normalise_here(const struct form *f, json_t *obj);

/*
 * A copy of `obj` without the fields whose flags share a bit with `mask`,
 * e.g. FIELD_IDENTIFIABLE, at any depth. Members the form does not know are
 * dropped too, so nothing unexpected leaks. NULL only when out of memory.
 */
json_t *form_redact(const struct form *f, const json_t *obj, unsigned mask);

/*
 * Turn one typed answer into its JSON value, for an interactive prompt.
 * Accepts: bool y/yes/true/1, n/no/false/0; a code, its number in the
 * shown list (1-based) or its label, case-insensitively; for a code array,
 * several of those separated by commas or spaces; an NHS number with spaces;
 * dates and times as in the JSON. A blank answer to an optional field
 * gives FORM_OK with *out == NULL (leave the member out).
 * On FORM_EINVALID, `msg` says what is wrong and what would be valid.
 * OBJECT and OBJECT_ARRAY fields give FORM_EARG: prompt their sub-fields.
 */
int field_check_value(const struct field *f, const char *text, json_t **out,
		      char *msg, size_t msglen);

/* Lookup and iteration. */
/* Text outside a form (a meeting's chair, an attendee): valid UTF-8, no
 * C0 but (when multiline) line breaks and tabs, no DEL, no C1 controls, no
 * bidirectional overrides, at most max_chars characters (0: no limit).
 * FORM_OK, or FORM_EINVALID with msg saying what is wrong. */
int form_text_check(const char *text, int multiline, size_t max_chars, char *msg,
		    size_t len);
const struct form *form_by_name(const char *name);
/*
 * The field at a dotted path below `f`. Array indices ("[1]" or "[]") are
 * ignored, so an error path finds its field: "recommendations[1].owner".
 */
const struct field *form_field_find(const struct form *f, const char *path);
const char *field_type_name(enum field_type t);

/*
 * Call fn for every field of f depth-first (a parent before its sub-form's
 * fields; depth 0 at the top). Stops early and returns fn's value when it
 * is non-zero; otherwise returns 0.
 */
typedef int form_visit_fn(const struct field *fld, int depth, void *ctx);
int form_walk(const struct form *f, form_visit_fn *fn, void *ctx);

/* The member at a dotted path ("death.date"), or NULL. No array indices. */
const json_t *form_json_get(const json_t *obj, const char *path);

/*
 * The data dictionary (docs/data-dictionary.md): every form, field, code
 * list, rule and report grouping, in Markdown. *out is malloc'd; the
 * caller frees it. Returns FORM_OK or FORM_ENOMEM.
 */
int form_dictionary_markdown(char **out);

#endif
