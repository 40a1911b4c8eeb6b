#ifndef CDOP_ANONYMISE_H
#define CDOP_ANONYMISE_H
#include <jansson.h>

/*
 * What the panel sees (SPEC §2): no names, NHS number, date of birth,
 * address or postcode, and no exact dates: the age band and the month and
 * year of death instead. Free text is scrubbed of the child's identifiers
 * because people write names into circumstances.
 */

/* A new anonymised copy of a stored notification; NULL when out of memory. */
json_t *anonymise_notification(const json_t *notification);

/* A malloc'd copy of text with every identifier of the notification's
 * child (names, NHS number, postcode, date of birth, address) replaced by
 * a placeholder, case-insensitively. NULL when out of memory. */
char *anonymise_text(const char *text, const json_t *notification);

/* "0-27d" ... "15-17", or "unknown". */
const char *anonymise_age_band(const json_t *notification);

#endif
