#ifndef CDOP_PANEL_PANEL_INT_H
#define CDOP_PANEL_PANEL_INT_H
/* What only the panel layer's own files share. */
#include <stddef.h>
#include <stdio.h>

struct reg;

/* export.c: every record of the register as the export's JSON Lines. */
int export_write_cases(struct reg *r, FILE *out, size_t *n);
/* One case as its export line (an object; the caller frees it). */
#include <stdint.h>
#include <jansson.h>
int export_case_line(struct reg *r, int64_t id, json_t **line);

/*
 * sealed.c: lines written into memory (open_memstream) and sealed. The
 * text is identifiable: mem_release wipes it.
 */
struct mem_out {
	FILE *f;
	char *buf;
	size_t len;
};
int mem_open(struct reg *r, struct mem_out *m);
/* Closes the stream; *buf and len then hold everything written. */
int mem_finish(struct reg *r, struct mem_out *m);
void mem_release(struct mem_out *m);

/* reviews.c, for import: a later meeting amended the stored review of the
 * case, adding recs (made on meeting_date); the review now stands at it. */
#include <stdint.h>
#include <jansson.h>
int reviews_store_amendment(struct reg *r, int64_t case_id, int64_t meeting_id,
			    const char *meeting_date, const json_t *recs);
/* reviews.c, for import (issue 11), after the line's review is stored: its
 * learning and every recommendation's text (its amendments' too) checked
 * against the identifiers of its own notification; a text that names one
 * is marked 'flagged' (never published; shown to the manager to fix) and
 * counted in *flagged. */
int reviews_flag_own(struct reg *r, int64_t case_id, const json_t *notification,
		     const json_t *review, size_t *allowed, size_t *flagged);
/* reviews_store, for import: `notification` is the case's stored
 * (normalised) notification, so it is not read back and opened again. */
int reviews_store_known(struct reg *r, int64_t case_id, int64_t meeting_id,
			const char *meeting_date, const json_t *review,
			const json_t *notification, int *amended);

/* Seals m's text to the recipients into PATH's temp file (o). */
struct outfile;
int sealed_write(struct reg *r, struct outfile *o, const char *path,
		 const char *const *recipients, size_t n, const struct mem_out *m);

#endif
