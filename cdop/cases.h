#ifndef CDOP_CASES_H
#define CDOP_CASES_H
#include <jansson.h>
#include <stdint.h>

#include "cdop/db.h"
#include "forms/form.h"

struct reg;

#define CASE_REF_MAX 32

/*
 * Writing cases. The writer holds prepared statements so that notify and
 * a 100k-line import share one code path at the same speed. The caller
 * owns the transaction.
 */
struct case_writer {
	struct reg *r;
	struct db_stmt ref_get, ref_set, dup, ins_case, targets, ins_rr, done_rr,
		ins_agency, upd_agency;
	char now[21];
	int validated; /* the caller validated each notification (import) */
};

int case_writer_init(struct case_writer *w, struct reg *r);
void case_writer_release(struct case_writer *w);

/*
 * Validates (form_notification), normalises, refuses duplicates, stores,
 * and for an unexpected death creates the joint agency response actions
 * with their due times. `status` NULL means "notified".
 */
int case_writer_add(struct case_writer *w, const json_t *notification,
		    const char *status, char ref[CASE_REF_MAX], int64_t *case_id);
/* Records an action as done (creating it if the death was expected). */
int case_writer_rr_done(struct case_writer *w, int64_t case_id, const char *action,
			const char *on, const char *by, const char *notes);
/* Inserts or replaces an agency report row. */
int case_writer_agency(struct case_writer *w, int64_t case_id, const char *agency,
		       const char *requested, const char *due, const char *received,
		       const char *form);

/* notify: one case in its own transaction, audited. */
int cases_notify(struct reg *r, const json_t *notification, char ref[CASE_REF_MAX]);
/* A partial notification merged into the stored one and re-validated. */
int cases_update(struct reg *r, const char *ref, const json_t *patch);
/* Moves a case along SPEC §3's order. */
int cases_set_status(struct reg *r, const char *ref, const char *status);

/* Looks up a case id and status by reference; CDOP_ERR_NOTFOUND names it. */
int cases_find(struct reg *r, const char *ref, int64_t *id, char status[24]);

/* Validation errors as one message: "path: message; path: message". */
int cases_invalid(struct reg *r, const char *prefix, const struct form_errors *errs);

#endif
