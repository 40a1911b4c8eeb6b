/*
 * The code lists of SPEC §3 as data. A code is the token stored in JSON;
 * the label is what a person reads. Adding a code is an edit here.
 */
#ifndef FORMS_CODES_H
#define FORMS_CODES_H

#include <stddef.h>

struct code {
	const char *code;
	const char *label;
	long value;	/* rr action: default target in minutes; else 0 */
};

struct code_list {
	const char *name;	/* e.g. "sex"; used in the data dictionary */
	const char *title;	/* what the list is, for people */
	const struct code *codes;
	size_t n;
};

extern const struct code_list codes_sex;
extern const struct code_list codes_ethnicity;
extern const struct code_list codes_place;
extern const struct code_list codes_expected;
extern const struct code_list codes_yes_no_unknown;
extern const struct code_list codes_agency;
extern const struct code_list codes_rr_action;
extern const struct code_list codes_coroner;
extern const struct code_list codes_case_status;
extern const struct code_list codes_review_category;	/* "1".."10" */
extern const struct code_list codes_domain_score;	/* "0".."2" */
extern const struct code_list codes_modifiable;
extern const struct code_list codes_theme;

/* Every list above, in dictionary order. */
extern const struct code_list *const codes_all[];
extern const size_t codes_all_n;

const struct code_list *code_list_by_name(const char *name);
/* Exact, case-sensitive match; NULL if `code` is not in the list. */
const struct code *code_list_find(const struct code_list *l, const char *code);
const char *code_list_label(const struct code_list *l, const char *code);
/* Index of `code` in the list, or -1. */
int code_list_index(const struct code_list *l, const char *code);
/*
 * "male, female, indeterminate, not_known" into out (always terminated).
 * Returns the length the whole list needs, like snprintf.
 */
size_t code_list_join(const struct code_list *l, char *out, size_t len);

/* Default rapid-response target for an action TYPE in minutes, -1 if the
 * type is unknown. */
long codes_rr_target_minutes(const char *type);

/*
 * Case status moves (SPEC §3: "moves follow this order"). A move goes
 * forward along notified -> gathering -> ready -> scheduled -> reviewed ->
 * closed, possibly skipping steps; `transferred` is reachable from any
 * status before `reviewed`; nothing leaves `closed` or `transferred`.
 * Returns 0 if allowed, -1 if not (including unknown codes).
 */
int codes_status_move_check(const char *from, const char *to);

#endif
