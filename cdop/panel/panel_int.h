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
/* reviews.c, for import: a line's review made ready off the register (by
 * the import's reader thread): the form as stored (the review without its
 * recommendations, meeting date and amendments; its text scrubbed of the
 * child's identifiers when `scrub`, i.e. the writer holds K_id), its
 * recommendations (scrubbed too), and (review_made_flags, issue 11) which
 * of its texts, the amendments' too, name an identifier of its own
 * notification: stored 'flagged' (never published; shown to the manager
 * to fix) by reviews_flag_made, each counted in *flagged. 0 or -1 (out of
 * memory); m is released either way on failure. */
struct review_made {
	char *form;
	json_t *recs;
	size_t allowed;         /* identifier words let through (--allow-word) */
	int fresh;              /* its case is new (import): none to amend */
	size_t nflags;
	struct review_flag {
		long k;         /* the k-th recommendation stored; -1 the learning */
		const char *what;
	} *flags;
};
#define REVIEW_MADE_INIT { NULL, NULL, 0, 0, 0, NULL }
int review_made_make(const json_t *review, const json_t *notification, int scrub,
		     struct review_made *m);
int review_made_flags(struct review_made *m, const json_t *review,
		      const json_t *notification, const char *const *allow, size_t nallow);
void review_made_release(struct review_made *m);
/* reviews_store of a review made ready (m). */
int reviews_store_made(struct reg *r, int64_t case_id, int64_t meeting_id,
		       const char *meeting_date, const json_t *review,
		       const struct review_made *m, int *amended);
/* After the line's review and amendments are stored. */
int reviews_flag_made(struct reg *r, int64_t case_id, const struct review_made *m,
		      size_t *flagged);

/* Seals m's text to the recipients into PATH's temp file (o). */
struct outfile;
int sealed_write(struct reg *r, struct outfile *o, const char *path,
		 const char *const *recipients, size_t n, const struct mem_out *m);

#endif
