#ifndef CDOP_RR_H
#define CDOP_RR_H
#include <jansson.h>

struct reg;

/*
 * The joint agency response (rapid response): for an unexpected death every
 * action of the `rr_action` code list is created with a due time (time of
 * death + its target) when the case is notified (cases.c); here they are
 * marked done, listed, and the targets are kept.
 *
 * Status of an action, relative to "now" (rr_now_minutes):
 *   done         done, on or before its due time (or it has none)
 *   done_late    done after its due time
 *   outstanding  not done, due time not yet passed
 *   overdue      not done, due time passed
 * A done date without a time counts as 23:59 that day, as in case_view.c:
 * an action is never called on time on a guess.
 */
#define RR_DURATION_BUFLEN 24

/*
 * rr add: records action TYPE of case REF as done on ON (YYYY-MM-DD or
 * YYYY-MM-DDTHH:MM), by and notes optional. Validates with form_rr_action
 * (errors name the flag: --action, --on, --by, --notes), and ON is not
 * before the death. Recording a done action again replaces on, by and notes
 * (*corrected = 1; audited as rr_correct, else rr_add). An expected death
 * gets the row then, without a due time.
 */
int rr_add(struct reg *r, const char *ref, const char *action, const char *on,
	   const char *by, const char *notes, int *corrected);

/*
 * rr list: an array of {action, due, on, by, notes, status} (absent values
 * null), due-time order, actions without a due time last. It shows names,
 * so the listing is audited (rr_list).
 */
int rr_list(struct reg *r, const char *ref, json_t **out);

/*
 * rr due: every action not done of cases not closed or transferred, as an
 * array of {ref, action, due, status, overdue_hours | hours_left} in due
 * order, which puts overdue actions first, most overdue first. Whole hours,
 * rounded down. No names, so not audited.
 */
int rr_due(struct reg *r, json_t **out);

/* rr targets: [{action, target, minutes, default}] in code-list order;
 * target and default as durations ("72h", "7d", "12w"). */
int rr_targets(struct reg *r, json_t **out);

/*
 * rr target: sets the target of TYPE from DURATION. Used for the actions
 * of cases notified afterwards; due times already set are left alone.
 * Audited (rr_target, TYPE, "old -> new"). old/new_text may be NULL.
 */
int rr_target_set(struct reg *r, const char *action, const char *duration,
		  char old_text[RR_DURATION_BUFLEN], char new_text[RR_DURATION_BUFLEN]);

/* "72h", "7d", "12w": whole hours, days or weeks, 1 hour to 52 weeks.
 * 0, or -1 if not a duration. */
int rr_duration_parse(const char *s, long *minutes);
/* The shortest exact form in the style of SPEC §3: weeks from 2 weeks,
 * days from 7 days, else hours. */
void rr_duration_format(long minutes, char out[RR_DURATION_BUFLEN]);

/*
 * "Now" for due lists, in minutes as date_datetime_minutes counts them:
 * today's local date and time; with the CDOP_TODAY override (reg->today),
 * that day at 23:59, so a test sees everything due that day as passed.
 */
int rr_now_minutes(struct reg *r, long long *now);

/*
 * Form errors as one message (cases_invalid), each path renamed after the
 * command-line flag that gave it: map holds {path, flag} pairs and ends
 * with {NULL, NULL}. A message repeated for one flag is given once. Used
 * by agency.c too.
 */
struct form_errors;
int rr_form_invalid(struct reg *r, const struct form_errors *errs,
		    const char *const map[][2]);

#endif
