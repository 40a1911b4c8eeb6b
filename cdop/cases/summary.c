/*
 * What a reader of one case wants first (case show, case print, the
 * browser's case page): age at death, days since the death, and what the
 * case is waiting for. Worked out from a case view (case_view), so the
 * panel's anonymised view gives only what it may: the age band, no days.
 */
#include "cdop/cases/cases.h"
#include "forms/codes.h"
#include "forms/date.h"
#include "forms/form.h"

#include <stdio.h>
#include <string.h>

static const char *str(const json_t *obj, const char *path)
{
	const json_t *v = form_json_get(obj, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "2 years 3 months", "5 months", "12 days". */
static void age_text(const struct cdate *born, const struct cdate *died, char *out,
		     size_t len)
{
	long days = date_age_days(born, died);
	int years = date_age_years(born, died);
	int months = date_months_between(born, died);

	if (days < 28)
		snprintf(out, len, "%ld day%s", days, days == 1 ? "" : "s");
	else if (years < 1)
		snprintf(out, len, "%d month%s", months, months == 1 ? "" : "s");
	else if (years < 5 && months % 12)
		snprintf(out, len, "%d year%s %d month%s", years, years == 1 ? "" : "s",
			 months % 12, months % 12 == 1 ? "" : "s");
	else
		snprintf(out, len, "%d year%s", years, years == 1 ? "" : "s");
}

static void waiting_for(const json_t *view, char *out, size_t len)
{
	const char *st = str(view, "status");
	const json_t *ar = json_object_get(view, "agency_reports"), *a;
	size_t i, awaited = 0;

	json_array_foreach((json_t *)ar, i, a) {
		const json_t *got = json_object_get(a, "received");

		if (!got || json_is_false(got) || json_is_null(got))
			awaited++;
	}
	if (!st)
		st = "";
	if ((!strcmp(st, "notified") || !strcmp(st, "gathering")) && awaited)
		snprintf(out, len, "%zu agency report%s still awaited", awaited,
			 awaited == 1 ? "" : "s");
	else if (!strcmp(st, "notified"))
		snprintf(out, len, "information gathering: request the agencies' reports");
	else if (!strcmp(st, "gathering") && awaited)
		snprintf(out, len, "%zu agency report%s still awaited", awaited,
			 awaited == 1 ? "" : "s");
	else if (!strcmp(st, "gathering"))
		snprintf(out, len, "every report requested is in: mark it ready for panel");
	else if (!strcmp(st, "ready"))
		snprintf(out, len, "a panel meeting: put it on an agenda");
	else if (!strcmp(st, "scheduled"))
		snprintf(out, len, "the panel's review at its meeting");
	else if (!strcmp(st, "reviewed"))
		snprintf(out, len, "closing, once the review is complete");
	else if (!strcmp(st, "transferred"))
		snprintf(out, len, "nothing here: the child's home CDOP reviews it");
	else
		snprintf(out, len, "nothing: the case is closed");
}

json_t *case_summary_facts(const json_t *view, const struct cdate *today)
{
	const json_t *n = json_object_get(view, "notification");
	const char *b = str(n, "child.date_of_birth"), *d = str(n, "death.date");
	const char *st = str(view, "status");
	struct cdate born, died;
	char age[48], wait[96];
	json_t *out = json_object();

	if (!out)
		return NULL;
	if (b && d && !date_parse(b, &born) && !date_parse(d, &died) &&
	    date_compare(&born, &died) <= 0) {
		age_text(&born, &died, age, sizeof age);
		json_object_set_new(out, "age_at_death", json_string(age));
	} else if (str(n, "age_band")) {
		json_object_set_new(out, "age_at_death", json_string(str(n, "age_band")));
	}
	if (d && today && !date_parse(d, &died))
		json_object_set_new(out, "days_since_death",
				    json_integer(date_days_between(&died, today)));
	if (st) {
		const char *label = code_list_label(&codes_case_status, st);

		json_object_set_new(out, "status_label", json_string(label ? label : st));
	}
	waiting_for(view, wait, sizeof wait);
	json_object_set_new(out, "waiting_for", json_string(wait));
	return out;
}
