#ifndef CDOP_AGENCY_H
#define CDOP_AGENCY_H
#include <jansson.h>

#include "forms/date.h"

struct reg;

/*
 * Agency reporting forms (SPEC §1 step 3): one per agency and case, in
 * agency_reports. Each change is one transaction with its audit entry; the
 * details name the agency and dates, never people.
 */

#define AGENCY_DEFAULT_DAYS 28 /* due back four weeks after the request */

struct agency_request_result {
	char requested[DATE_BUFLEN];
	char due[DATE_BUFLEN];
	char old_due[DATE_BUFLEN]; /* "" unless it was requested before */
	int again;                 /* requested before: the due date was changed */
};

/*
 * agency request: requested today, due on DUE or AGENCY_DEFAULT_DAYS later.
 * Requesting again keeps the first request date and sets the new due date
 * (DUE, or AGENCY_DEFAULT_DAYS from today). A report already received is a
 * conflict. Errors name the flag (--agency, --due).
 */
int agency_request(struct reg *r, const char *ref, const char *agency, const char *due,
		   struct agency_request_result *res);

struct agency_receive_result {
	char requested[DATE_BUFLEN];
	int unrequested; /* no request was recorded: requested = ON */
	int again;       /* it had been received: the date (and form) corrected */
};

/*
 * agency receive: received ON (not in the future, not before the request or
 * the death). FORM, when not NULL, is the agency's returned form, any JSON
 * object, stored encrypted; without it a form stored earlier is kept.
 */
int agency_receive(struct reg *r, const char *ref, const char *agency, const char *on,
		   const json_t *form, struct agency_receive_result *res);

/*
 * agency due: every requested, not received report of cases not closed or
 * transferred, as [{ref, agency, requested, due, status, days_overdue |
 * days_left}] (status overdue or outstanding) in due-date order: overdue
 * first, most overdue first; reports without a due date last. No names,
 * so not audited.
 */
int agency_due(struct reg *r, json_t **out);

#endif
