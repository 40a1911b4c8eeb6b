#ifndef CDOP_CASE_VIEW_H
#define CDOP_CASE_VIEW_H
#include <jansson.h>
#include <stdint.h>

struct reg;

enum case_view_mode {
	CASE_VIEW_FULL,   /* manager: everything, with due times */
	CASE_VIEW_ANON,   /* panel: SPEC §2 anonymised */
	CASE_VIEW_EXPORT, /* one line of the import/export format (SPEC §4) */
};

/* Builds the JSON of one case; *out is a new reference. */
int case_view(struct reg *r, int64_t id, enum case_view_mode mode, json_t **out);

/* case show: finds REF, builds the view, audits an identifiable view. */
int cases_show(struct reg *r, const char *ref, enum case_view_mode mode, json_t **out);

struct case_filter {
	const char *status;  /* or NULL */
	const char *year;    /* reporting year of notification "2025-26", or NULL */
};
/* case list: an array of summaries; identifiable ones are audited. */
int cases_list(struct reg *r, const struct case_filter *f, enum case_view_mode mode,
	       json_t **out);

#endif
