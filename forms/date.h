/*
 * ISO 8601 dates and times as pure helpers: strict parsing, day arithmetic,
 * ages, calendar months and the reporting year (1 April - 31 March).
 *
 * Day numbers count from 1970-01-01 (day 0) in the proleptic Gregorian
 * calendar. Years run 0001-9999. No time zones: times are local wall-clock
 * times as the user typed them.
 */
#ifndef FORMS_DATE_H
#define FORMS_DATE_H

#include <stddef.h>

enum date_error {
	DATE_OK = 0,
	DATE_ESYNTAX = -1,	/* not in the expected layout */
	DATE_ERANGE = -2,	/* right layout, but no such date or time */
};

struct cdate {
	int y, m, d;
};

/* A time of day, to the minute. */
struct ctod {
	int h, m;
};

/* A date with an optional time ("2025-05-03" or "2025-05-03T14:20"). */
struct cdatetime {
	struct cdate date;
	struct ctod time;	/* 00:00 when !has_time */
	int has_time;
};

#define DATE_BUFLEN 11		/* "YYYY-MM-DD" */
#define DATE_TIME_BUFLEN 6	/* "HH:MM" */
#define DATE_DATETIME_BUFLEN 17	/* "YYYY-MM-DDTHH:MM" */
#define DATE_YEAR_BUFLEN 8	/* "2025-26" */
#define DATE_MINUTES_PER_DAY 1440L

const char *date_strerror(int code);

/* Parsing: exact layouts only, no surrounding spaces, no trailing junk. */
int date_parse(const char *s, struct cdate *out);		/* YYYY-MM-DD */
int date_time_parse(const char *s, struct ctod *out);		/* HH:MM */
int date_datetime_parse(const char *s, struct cdatetime *out);	/* either */

void date_format(const struct cdate *d, char out[DATE_BUFLEN]);
void date_time_format(const struct ctod *t, char out[DATE_TIME_BUFLEN]);
void date_datetime_format(const struct cdatetime *dt,
			  char out[DATE_DATETIME_BUFLEN]);

int date_is_leap(int y);
int date_month_days(int y, int m);		/* 0 for a bad month */
int date_is_valid(const struct cdate *d);

long date_to_days(const struct cdate *d);
struct cdate date_from_days(long days);
struct cdate date_add_days(const struct cdate *d, long n);
int date_compare(const struct cdate *a, const struct cdate *b);	/* <0, 0, >0 */
long date_days_between(const struct cdate *from, const struct cdate *to);

/*
 * Whole calendar months from `from` to `to`. The n-month anniversary of a
 * day that the target month lacks (31st, or 29 February) falls on the 1st
 * of the following month, so 2025-01-31 to 2025-02-28 is 0 months and
 * 2025-01-31 to 2025-03-01 is 1. When to < from: minus the months from
 * `to` to `from` (so 0 within a month).
 */
int date_months_between(const struct cdate *from, const struct cdate *to);

/*
 * Age in completed years on `on`. A 29 February birthday falls on 1 March
 * in non-leap years (same rule as date_months_between). -1 if on < birth.
 */
int date_age_years(const struct cdate *birth, const struct cdate *on);
/* Age in completed days: on - birth, -1 if on < birth. */
long date_age_days(const struct cdate *birth, const struct cdate *on);

/* Minutes since 1970-01-01T00:00, for target times such as death + 72h. */
long long date_datetime_minutes(const struct cdatetime *dt);

/*
 * When something recorded as done happened: "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MM", and a date alone counts as its last minute (23:59),
 * so a target is never taken as met on a guess. The one rule used by rr
 * list, the panel's views and the annual report.
 */
int date_done_minutes(const char *done, long long *minutes);
/* Is DONE (as above) no later than DUE ("YYYY-MM-DDTHH:MM")? Both are
 * stored canonical, so this compares text: cheap in the report's scan. */
int date_done_by(const char *done, const char *due);
struct cdatetime date_datetime_from_minutes(long long minutes);

/*
 * Reporting years are named by their first year, e.g. 2025 for "2025-26",
 * which runs 2025-04-01 to 2026-03-31 inclusive.
 */
int date_report_year_parse(const char *s, int *start_year);
int date_report_year_of(const struct cdate *d);
void date_report_year_bounds(int start_year, struct cdate *first,
			     struct cdate *last);
void date_report_year_format(int start_year, char out[DATE_YEAR_BUFLEN]);

/*
 * Dates as people type them (SPEC §2): YYYY-MM-DD, DD/MM/YYYY (day and
 * month may be one digit) or `today` (any case; only when today is not
 * NULL). Never the US order: 03/14/2025 is DATE_ERANGE (no month 14).
 * The one parser for dates typed anywhere: flags, forms, prompts, import.
 */
int date_input_parse(const char *s, const struct cdate *today, struct cdate *out);
/* A date as above, optionally followed by `T` or a space and HH:MM. */
int date_input_datetime_parse(const char *s, const struct cdate *today,
			      struct cdatetime *out);
/* Why s is not a date, in words ("'31/02/2025' is not a real date;
 * 2025-02 has 28 days"); empty when it is one. */
void date_input_explain(const char *s, char *msg, size_t len);
/* Why s, which date_input_parse found DATE_ERANGE, is not a real date,
 * in msg; q is s as the message shows it ("'03/14/2025'", or quoted as a
 * form value): the one wording for a flag, a form field and an import. */
void date_range_explain(const char *s, const char *q, char *msg, size_t len);

#endif
