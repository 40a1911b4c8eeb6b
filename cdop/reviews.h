#ifndef CDOP_REVIEWS_H
#define CDOP_REVIEWS_H
#include <jansson.h>
#include <stdint.h>

struct reg;

/*
 * Reviews (the analysis form) and the meetings they are recorded at. The
 * store functions run inside the caller's transaction so that `review`
 * and `import` share them.
 */

/* The meeting held on DATE, created if there is none (import). */
int meetings_find_or_create(struct reg *r, const char *date, int64_t *id);

/*
 * Stores a validated, normalised review form for a case at a meeting,
 * replacing any earlier review of the case (an amendment). Themes and
 * recommendations are stored for the report and the action tracker; a
 * recommendation's import-only `completed` becomes its done date.
 * *amended is set when an earlier review was replaced.
 */
int reviews_store(struct reg *r, int64_t case_id, int64_t meeting_id,
		  const char *meeting_date, const json_t *review, int *amended);


/*
 * `review REF --meeting M`: validates the analysis form (form_review),
 * checks the case is on that meeting's agenda and the meeting is not in
 * the future, stores it with the meeting date as completion date, and
 * moves the case to `reviewed`. A later review amends the earlier one.
 */
int reviews_record(struct reg *r, const char *ref, const char *meeting_arg,
		   const json_t *review, int *amended);

/* What the domain scores imply for `modifiable` (SPEC §3), or NULL when a
 * score is missing. */
const char *reviews_implied_modifiable(const json_t *review);

#endif
