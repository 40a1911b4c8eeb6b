/*
 * Pure date helpers. Day numbers use Howard Hinnant's days_from_civil /
 * civil_from_days, exact over the whole proleptic Gregorian calendar.
 */
#include "forms/date.h"

#include <stdio.h>
#include <string.h>

const char *date_strerror(int code)
{
	const char *s = "unknown date error";

	switch (code) {
	case DATE_OK: s = "ok"; break;
	case DATE_ESYNTAX: s = "not in the expected layout"; break;
	case DATE_ERANGE: s = "no such date or time"; break;
	default: break;
	}
	return s;
}

/* Exactly n ASCII digits at s; locale-free on purpose. */
static int digits_read(const char *s, int n, int *out)
{
	int v = 0, i, ok = 1;

	for (i = 0; i < n && ok; i++) {
		if (s[i] < '0' || s[i] > '9')
			ok = 0;
		else
			v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return ok;
}

int date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_month_days(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };
	int n = 0;

	if (m >= 1 && m <= 12)
		n = days[m - 1] + (m == 2 && date_is_leap(y));
	return n;
}

int date_is_valid(const struct cdate *d)
{
	return d->y >= 1 && d->y <= 9999 && d->m >= 1 && d->m <= 12 &&
	       d->d >= 1 && d->d <= date_month_days(d->y, d->m);
}

/* Parse the 10 characters at s as a date; trailing text is the caller's. */
static int date_parse_prefix(const char *s, struct cdate *out)
{
	int ret = DATE_ESYNTAX;
	struct cdate d = { 0, 0, 0 };

	if (strnlen(s, 10) < 10 || s[4] != '-' || s[7] != '-' ||
	    !digits_read(s, 4, &d.y) || !digits_read(s + 5, 2, &d.m) ||
	    !digits_read(s + 8, 2, &d.d))
		goto out;
	ret = date_is_valid(&d) ? DATE_OK : DATE_ERANGE;
	if (ret == DATE_OK)
		*out = d;
out:
	return ret;
}

static int time_parse_prefix(const char *s, struct ctod *out)
{
	int ret = DATE_ESYNTAX;
	struct ctod t = { 0, 0 };

	if (strnlen(s, 5) < 5 || s[2] != ':' || !digits_read(s, 2, &t.h) ||
	    !digits_read(s + 3, 2, &t.m))
		goto out;
	ret = (t.h <= 23 && t.m <= 59) ? DATE_OK : DATE_ERANGE;
	if (ret == DATE_OK)
		*out = t;
out:
	return ret;
}

int date_parse(const char *s, struct cdate *out)
{
	int ret = DATE_ESYNTAX;

	if (s && strlen(s) == 10)
		ret = date_parse_prefix(s, out);
	return ret;
}

int date_time_parse(const char *s, struct ctod *out)
{
	int ret = DATE_ESYNTAX;

	if (s && strlen(s) == 5)
		ret = time_parse_prefix(s, out);
	return ret;
}

int date_datetime_parse(const char *s, struct cdatetime *out)
{
	int ret = DATE_ESYNTAX;
	struct cdatetime dt = { { 0, 0, 0 }, { 0, 0 }, 0 };
	size_t n = s ? strlen(s) : 0;

	if (n != 10 && !(n == 16 && s[10] == 'T'))
		goto out;
	ret = date_parse_prefix(s, &dt.date);
	if (ret == DATE_OK && n == 16) {
		ret = time_parse_prefix(s + 11, &dt.time);
		dt.has_time = 1;
	}
	if (ret == DATE_OK)
		*out = dt;
out:
	return ret;
}

/* Keeps a field in its printed width even for a nonsense value. */
static unsigned clamp(int v, unsigned max)
{
	return v < 0 ? 0u : (unsigned)v > max ? max : (unsigned)v;
}

/* Digits by hand, not snprintf: an import formats every date it reads
 * (forms/normalise.c), and snprintf was a tenth of its time. */
static char *put_digits(char *p, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

void date_format(const struct cdate *d, char out[DATE_BUFLEN])
{
	char *p = put_digits(out, clamp(d->y, 9999), 4);

	*p++ = '-';
	p = put_digits(p, clamp(d->m, 99), 2);
	*p++ = '-';
	p = put_digits(p, clamp(d->d, 99), 2);
	*p = '\0';
}

void date_time_format(const struct ctod *t, char out[DATE_TIME_BUFLEN])
{
	char *p = put_digits(out, clamp(t->h, 99), 2);

	*p++ = ':';
	p = put_digits(p, clamp(t->m, 99), 2);
	*p = '\0';
}

void date_datetime_format(const struct cdatetime *dt,
			  char out[DATE_DATETIME_BUFLEN])
{
	date_format(&dt->date, out);
	if (dt->has_time) {
		out[10] = 'T';
		date_time_format(&dt->time, out + 11);
	}
}

long date_to_days(const struct cdate *d)
{
	long y = (long)d->y - (d->m <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long mp = ((long)d->m + 9) % 12;	/* March = 0 */
	long doy = (153 * mp + 2) / 5 + d->d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

struct cdate date_from_days(long days)
{
	long z = days + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long m = mp < 10 ? mp + 3 : mp - 9;
	struct cdate d;

	d.y = (int)(yoe + era * 400 + (m <= 2));
	d.m = (int)m;
	d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	return d;
}

struct cdate date_add_days(const struct cdate *d, long n)
{
	return date_from_days(date_to_days(d) + n);
}

int date_compare(const struct cdate *a, const struct cdate *b)
{
	long da = date_to_days(a), db = date_to_days(b);

	return (da > db) - (da < db);
}

long date_days_between(const struct cdate *from, const struct cdate *to)
{
	return date_to_days(to) - date_to_days(from);
}

/* The n-month anniversary of `from`, rolled to the 1st of the next month
 * when that month is too short (see date.h). */
static struct cdate month_anniversary(const struct cdate *from, int n)
{
	int months = from->y * 12 + (from->m - 1) + n;
	struct cdate a = { months / 12, months % 12 + 1, from->d };

	if (a.d > date_month_days(a.y, a.m)) {
		a.d = 1;
		a.m++;
		if (a.m > 12) {
			a.m = 1;
			a.y++;
		}
	}
	return a;
}

int date_months_between(const struct cdate *from, const struct cdate *to)
{
	int n;

	if (date_compare(to, from) < 0) {
		n = -date_months_between(to, from);
		goto out;
	}
	n = (to->y - from->y) * 12 + (to->m - from->m);
	if (n > 0) {
		struct cdate a = month_anniversary(from, n);

		if (date_compare(&a, to) > 0)
			n--;
	}
out:
	return n;
}

/* Completed years are completed months / 12: the yearly anniversaries are
 * a subset of the monthly ones, with the same 29 February rule. */
int date_age_years(const struct cdate *birth, const struct cdate *on)
{
	int years = -1;

	if (date_compare(on, birth) >= 0)
		years = date_months_between(birth, on) / 12;
	return years;
}

long date_age_days(const struct cdate *birth, const struct cdate *on)
{
	long days = date_days_between(birth, on);

	return days < 0 ? -1 : days;
}

long long date_datetime_minutes(const struct cdatetime *dt)
{
	return (long long)date_to_days(&dt->date) * DATE_MINUTES_PER_DAY +
	       dt->time.h * 60 + dt->time.m;
}

struct cdatetime date_datetime_from_minutes(long long minutes)
{
	struct cdatetime dt;
	long long days = minutes / DATE_MINUTES_PER_DAY;
	long long rem = minutes % DATE_MINUTES_PER_DAY;

	if (rem < 0) {
		rem += DATE_MINUTES_PER_DAY;
		days--;
	}
	dt.date = date_from_days((long)days);
	dt.time.h = (int)(rem / 60);
	dt.time.m = (int)(rem % 60);
	dt.has_time = 1;
	return dt;
}

int date_report_year_parse(const char *s, int *start_year)
{
	int ret = DATE_ESYNTAX, y = 0, yy = 0;

	if (!s || strlen(s) != 7 || s[4] != '-' || !digits_read(s, 4, &y) ||
	    !digits_read(s + 5, 2, &yy))
		goto out;
	/* "2025-27" or "2025-24" name no reporting year */
	ret = (y >= 1 && y < 9999 && yy == (y + 1) % 100) ? DATE_OK
							  : DATE_ERANGE;
	if (ret == DATE_OK)
		*start_year = y;
out:
	return ret;
}

int date_report_year_of(const struct cdate *d)
{
	return d->m >= 4 ? d->y : d->y - 1;
}

void date_report_year_bounds(int start_year, struct cdate *first,
			     struct cdate *last)
{
	first->y = start_year;
	first->m = 4;
	first->d = 1;
	last->y = start_year + 1;
	last->m = 3;
	last->d = 31;
}

void date_report_year_format(int start_year, char out[DATE_YEAR_BUFLEN])
{
	unsigned y = clamp(start_year, 9999), next = (y + 1) % 100;

	snprintf(out, DATE_YEAR_BUFLEN, "%04u-%02u", y, next);
}

int date_done_minutes(const char *done, long long *minutes)
{
	struct cdatetime dt;
	int ret = done ? date_datetime_parse(done, &dt) : DATE_ESYNTAX;

	if (ret)
		return ret;
	if (!dt.has_time) {
		dt.time.h = 23;
		dt.time.m = 59;
	}
	*minutes = date_datetime_minutes(&dt);
	return 0;
}

int date_done_by(const char *done, const char *due)
{
	char key[DATE_DATETIME_BUFLEN];

	if (strlen(done) == 10) {
		snprintf(key, sizeof key, "%.10sT23:59", done);
		done = key;
	}
	return strcmp(done, due) <= 0;
}

/* D/M/YYYY or DD/MM/YYYY into d, unchecked; 0 if the layout is wrong. */
static int dmy_read(const char *s, struct cdate *d)
{
	int part[3] = { 0, 0, 0 }, k = 0, n = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (*p == '/') {
			if (n == 0 || k == 2)
				return 0;
			k++;
			n = 0;
		} else if (*p >= '0' && *p <= '9' && n < 4) {
			part[k] = part[k] * 10 + (*p - '0');
			n++;
		} else {
			return 0;
		}
	}
	if (k != 2 || n != 4 || p - s > 10 || p - s < 8)
		return 0;
	/* day and month one or two digits each */
	if (strchr(s, '/') - s > 2 || strchr(strchr(s, '/') + 1, '/') - strchr(s, '/') > 3)
		return 0;
	d->d = part[0];
	d->m = part[1];
	d->y = part[2];
	return 1;
}

static int is_today_word(const char *s)
{
	static const char w[] = "today";
	size_t i;

	for (i = 0; i < 5; i++)
		if (!s[i] || (s[i] | 0x20) != w[i])
			return 0;
	return s[5] == '\0';
}

int date_input_parse(const char *s, const struct cdate *today, struct cdate *out)
{
	struct cdate d;

	if (!s)
		return DATE_ESYNTAX;
	if (is_today_word(s)) {
		if (!today)
			return DATE_ESYNTAX;
		*out = *today;
		return DATE_OK;
	}
	if (strchr(s, '/')) {
		if (!dmy_read(s, &d))
			return DATE_ESYNTAX;
		if (!date_is_valid(&d))
			return DATE_ERANGE;
		*out = d;
		return DATE_OK;
	}
	return date_parse(s, out);
}

int date_input_datetime_parse(const char *s, const struct cdate *today,
			      struct cdatetime *out)
{
	char buf[24];
	const char *sep;
	struct cdatetime dt = { { 0, 0, 0 }, { 0, 0 }, 0 };
	size_t n;
	int ret;

	if (!s || strlen(s) >= sizeof buf)
		return DATE_ESYNTAX;
	sep = strpbrk(s, "T ");
	n = sep ? (size_t)(sep - s) : strlen(s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	ret = date_input_parse(buf, today, &dt.date);
	if (ret == DATE_OK && sep) {
		ret = date_time_parse(sep + 1, &dt.time);
		dt.has_time = 1;
	}
	if (ret == DATE_OK)
		*out = dt;
	return ret;
}

void date_range_explain(const char *s, const char *q, char *msg, size_t len)
{
	struct cdate d = { 0, 0, 0 };

	/* The layout is right (DATE_ERANGE), so the numbers read back as typed. */
	if (strchr(s, '/'))
		dmy_read(s, &d);
	else {
		d.y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		d.m = (s[5] - '0') * 10 + (s[6] - '0');
	}
	if (d.y < 1)
		snprintf(msg, len, "%s is not a real date; years run 0001 to 9999", q);
	else if ((d.m < 1 || d.m > 12) && strchr(s, '/'))
		/* day first, always: 03/14/2025 has no month 14 */
		snprintf(msg, len, "%s is not a real date: there is no month %d "
			 "(dates are day first, DD/MM/YYYY)", q, d.m);
	else if (d.m < 1 || d.m > 12)
		snprintf(msg, len, "%s is not a real date; months run 01 to 12", q);
	else
		snprintf(msg, len, "%s is not a real date; %04d-%02d has %d days",
			 q, d.y, d.m, date_month_days(d.y, d.m));
}

void date_input_explain(const char *s, char *msg, size_t len)
{
	struct cdate d = { 0, 0, 0 };
	int ret = date_input_parse(s, NULL, &d);
	char q[16]; /* DATE_ERANGE: the layout is right, at most 10 characters */

	if (len)
		msg[0] = '\0';
	if (ret == DATE_OK)
		return;
	if (ret == DATE_ESYNTAX) {
		snprintf(msg, len, "'%s' is not a date; write DD/MM/YYYY, YYYY-MM-DD "
			 "or today", s ? s : "");
		return;
	}
	snprintf(q, sizeof q, "'%s'", s);
	date_range_explain(s, q, msg, len);
}
