#ifndef CDOP_MEETINGS_H
#define CDOP_MEETINGS_H
#include <jansson.h>
#include <stdint.h>

struct reg;

/* Panel meetings: date, chair, the cases on the agenda, who attended. */
int meetings_new(struct reg *r, const char *date, const char *chair, int64_t *id);
/* Parses a meeting id argument and checks it exists; *date gets its date. */
int meetings_find(struct reg *r, const char *arg, int64_t *id, char date[11]);
/*
 * Puts cases on a meeting's agenda, all or none, in one transaction; each
 * becomes `scheduled`. A case must be `ready`, or `gathering` (then warn()
 * is told which agency reports are outstanding), or already scheduled or
 * reviewed (deferred, or to be amended at a later meeting).
 */
typedef void meetings_warn_fn(const char *warning, void *ctx);
int meetings_add_cases(struct reg *r, int64_t meeting, char *const *refs, size_t n,
		       meetings_warn_fn *warn, void *ctx);
int meetings_attend(struct reg *r, int64_t meeting, const char *name,
		    const char *agency, const char *role);
int meetings_list(struct reg *r, json_t **out);
/* Is the case on the meeting's agenda? */
int meetings_has_case(struct reg *r, int64_t meeting, int64_t case_id);

#endif
