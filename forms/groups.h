/*
 * The report groupings of SPEC §3 and §5 as pure functions, so the annual
 * report and the data dictionary share one definition.
 */
#ifndef FORMS_GROUPS_H
#define FORMS_GROUPS_H

#include <stddef.h>

#include "forms/date.h"

/* Row labels in report order (the `total` row is the report's own). */
extern const char *const groups_ethnicity[];	/* white ... not_stated */
extern const size_t groups_ethnicity_n;
extern const char *const groups_place[];	/* hospital ... not_known */
extern const size_t groups_place_n;
extern const char *const groups_age_band[];	/* 0-27d ... 15-17 */
extern const size_t groups_age_band_n;
extern const char *const groups_duration_band[]; /* under_6_months ... */
extern const size_t groups_duration_band_n;

/* Ethnicity group of an NHS code; NULL or an unknown code is not_stated. */
const char *group_ethnicity_of(const char *code);
/* Place group of a place code; an unknown code is not_known. */
const char *group_place_of(const char *code);
/*
 * Age band at death, by completed days under one year and completed years
 * after: 0-27d, 28-364d, 1-4, 5-9, 10-14, 15-17. NULL when death is before
 * birth or the child was 18 or over.
 */
const char *group_age_band_of(const struct cdate *birth,
			      const struct cdate *death);
/*
 * Duration band from `from` (death) to `to` (review, or 31 March):
 * under_6_months when fewer than 6 whole calendar months; 6_to_12_months
 * up to and including the 12-month anniversary; over_12_months after it.
 * NULL when to < from.
 */
const char *group_duration_band_of(const struct cdate *from,
				   const struct cdate *to);

#endif
