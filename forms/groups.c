#include "forms/groups.h"

#include <string.h>

const char *const groups_ethnicity[] = {
	"white", "mixed", "asian", "black", "other", "not_stated",
};
const size_t groups_ethnicity_n =
	sizeof(groups_ethnicity) / sizeof(groups_ethnicity[0]);

const char *const groups_place[] = {
	"hospital", "hospice", "home", "other", "not_known",
};
const size_t groups_place_n = sizeof(groups_place) / sizeof(groups_place[0]);

const char *const groups_age_band[] = {
	"0-27d", "28-364d", "1-4", "5-9", "10-14", "15-17",
};
const size_t groups_age_band_n =
	sizeof(groups_age_band) / sizeof(groups_age_band[0]);

const char *const groups_duration_band[] = {
	"under_6_months", "6_to_12_months", "over_12_months",
};
const size_t groups_duration_band_n =
	sizeof(groups_duration_band) / sizeof(groups_duration_band[0]);

struct group_map {
	const char *codes;	/* space-separated members */
	const char *group;
};

static int word_in(const char *words, const char *w)
{
	size_t n = strlen(w);
	const char *p = words;
	int found = 0;

	while (!found && n && (p = strstr(p, w)) != NULL) {
		found = (p == words || p[-1] == ' ') &&
			(p[n] == '\0' || p[n] == ' ');
		p += n;
	}
	return found;
}

static const char *group_lookup(const struct group_map *map, size_t n,
				const char *code, const char *fallback)
{
	const char *g = fallback;
	size_t i;

	for (i = 0; code && i < n; i++)
		if (word_in(map[i].codes, code)) {
			g = map[i].group;
			break;
		}
	return g;
}

const char *group_ethnicity_of(const char *code)
{
	static const struct group_map map[] = {
		{ "A B C", "white" },
		{ "D E F G", "mixed" },
		{ "H J K L", "asian" },
		{ "M N P", "black" },
		{ "R S", "other" },
	};

	return group_lookup(map, sizeof(map) / sizeof(map[0]), code,
			    "not_stated");
}

const char *group_place_of(const char *code)
{
	static const struct group_map map[] = {
		{ "hospital_ed hospital_ward neonatal_unit intensive_care",
		  "hospital" },
		{ "hospice", "hospice" },
		{ "home other_residence", "home" },
		{ "public_place school abroad other", "other" },
	};

	return group_lookup(map, sizeof(map) / sizeof(map[0]), code,
			    "not_known");
}

const char *group_age_band_of(const struct cdate *birth,
			      const struct cdate *death)
{
	const char *band = NULL;
	long days = date_age_days(birth, death);
	int years = date_age_years(birth, death);

	if (days < 0 || years >= 18)
		goto out;
	if (years < 1)
		band = days < 28 ? "0-27d" : "28-364d";
	else if (years < 5)
		band = "1-4";
	else if (years < 10)
		band = "5-9";
	else if (years < 15)
		band = "10-14";
	else
		band = "15-17";
out:
	return band;
}

/* `to` is exactly a month anniversary of `from` when a day earlier has
 * one month fewer; this respects the short-month rule of date.h. */
static int on_anniversary(const struct cdate *from, const struct cdate *to)
{
	struct cdate before = date_add_days(to, -1);

	return date_months_between(from, &before) <
	       date_months_between(from, to);
}

const char *group_duration_band_of(const struct cdate *from,
				   const struct cdate *to)
{
	const char *band = NULL;
	int months = date_months_between(from, to);

	if (date_compare(to, from) < 0)
		goto out;
	if (months < 6)
		band = "under_6_months";
	else if (months < 12)
		band = "6_to_12_months";
	else if (months == 12 && on_anniversary(from, to))
		band = "6_to_12_months";
	else
		band = "over_12_months";
out:
	return band;
}
