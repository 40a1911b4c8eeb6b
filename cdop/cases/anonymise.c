#include "cdop/cases/cases.h"
#include "forms/form.h"
#include "forms/groups.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *jstr(const json_t *obj, const char *path)
{
	const json_t *v = form_json_get(obj, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *anonymise_age_band(const json_t *n)
{
	struct cdate birth, death;
	const char *b = jstr(n, "child.date_of_birth"), *d = jstr(n, "death.date"), *band;

	if (!b || !d || date_parse(b, &birth) || date_parse(d, &death))
		return "unknown";
	band = group_age_band_of(&birth, &death);
	return band ? band : "unknown";
}

/* Case-insensitive match of needle at s, ignoring spaces in both when
 * loose (postcodes and NHS numbers are written with or without them). */
static size_t match_at(const char *s, const char *needle, int loose)
{
	size_t i = 0, j = 0;

	while (needle[j]) {
		if (loose && needle[j] == ' ') {
			j++;
			continue;
		}
		if (loose && s[i] == ' ' && i > 0) {
			i++;
			continue;
		}
		if (!s[i] || tolower((unsigned char)s[i]) != tolower((unsigned char)needle[j]))
			return 0;
		i++;
		j++;
	}
	return i;
}

struct needle {
	const char *text;
	const char *placeholder;
	int loose;  /* spaces optional (NHS numbers, postcodes) */
	int word;   /* whole words only (names: "Vic" is not in "service") */
};

static int is_word_char(char ch)
{
	return isalnum((unsigned char)ch) || (unsigned char)ch >= 0x80;
}

static int needle_usable(const char *t)
{
	/* "Unknown" is a value, not a name; one letter would blank the text. */
	return t && strlen(t) >= 2 && strcasecmp(t, "unknown");
}

char *anonymise_text(const char *text, const json_t *n)
{
	struct needle nd[8];
	size_t nn = 0, i, o = 0, cap, k_usable;
	char *out, dob_uk[11] = "";
	const char *dob = jstr(n, "child.date_of_birth");

	if (!text)
		return NULL;
	/* Keys by role: without the notification (no K_id) there is nothing
	 * child-specific to take out; the caller decides what to show. */
	if (!n)
		return strdup(text);
	if (dob && strlen(dob) == 10) /* also 01/03/2024 */
		snprintf(dob_uk, sizeof dob_uk, "%.2s/%.2s/%.4s", dob + 8, dob + 5, dob);
	nd[nn++] = (struct needle){ jstr(n, "child.forename"), "[child]", 0, 1 };
	nd[nn++] = (struct needle){ jstr(n, "child.surname"), "[surname]", 0, 1 };
	nd[nn++] = (struct needle){ jstr(n, "child.nhs_number"), "[NHS number]", 1, 0 };
	nd[nn++] = (struct needle){ jstr(n, "child.postcode"), "[postcode]", 1, 0 };
	nd[nn++] = (struct needle){ jstr(n, "child.address"), "[address]", 0, 0 };
	nd[nn++] = (struct needle){ dob, "[date of birth]", 0, 0 };
	nd[nn++] = (struct needle){ dob_uk[0] ? dob_uk : NULL, "[date of birth]", 0, 0 };
	/* Only the usable needles, checked once rather than at every place. */
	for (i = k_usable = 0; i < nn; i++)
		if (needle_usable(nd[i].text))
			nd[k_usable++] = nd[i];
	nn = k_usable;
	cap = strlen(text) * 2 + 64;
	out = malloc(cap);
	if (!out)
		return NULL;
	for (i = 0; text[i];) {
		size_t k, len = 0;
		const char *ph = NULL;

		for (k = 0; k < nn && !len; k++) {
			if (nd[k].word && i > 0 && is_word_char(text[i - 1]))
				continue;
			len = match_at(text + i, nd[k].text, nd[k].loose);
			if (len && nd[k].word && is_word_char(text[i + len]))
				len = 0;
			ph = nd[k].placeholder;
		}
		if (len) {
			size_t pl = strlen(ph);

			if (o + pl + 1 >= cap) {
				char *bigger = realloc(out, cap = cap * 2 + pl);

				if (!bigger) {
					free(out);
					return NULL;
				}
				out = bigger;
			}
			memcpy(out + o, ph, pl);
			o += pl;
			i += len;
			continue;
		}
		if (o + 2 >= cap) {
			char *bigger = realloc(out, cap *= 2);

			if (!bigger) {
				free(out);
				return NULL;
			}
			out = bigger;
		}
		out[o++] = text[i++];
	}
	out[o] = 0;
	return out;
}

json_t *anonymise_notification(const json_t *n)
{
	json_t *a = form_redact(&form_notification, n, FIELD_IDENTIFIABLE);
	json_t *death, *notified;
	const char *dod = jstr(n, "death.date"), *summary = jstr(n, "panel_summary");
	char month[8];

	if (!a)
		return NULL;
	death = json_object_get(a, "death");
	notified = json_object_get(a, "notified");
	/* death.circumstances is identifiable and went with the redaction:
	 * the panel reads the manager's panel_summary instead. */
	if (json_is_object(death)) {
		json_object_del(death, "date");
		json_object_del(death, "time");
		if (dod && strlen(dod) >= 7) {
			snprintf(month, sizeof month, "%.7s", dod);
			json_object_set_new(death, "month", json_string(month));
		}
	}
	if (summary) {
		/* Checked when it was written (idcheck); this catches a summary
		 * that came in by import, or that a later edit of the child's
		 * names made identifying. */
		char *clean = anonymise_text(summary, n);

		if (!clean) {
			json_decref(a);
			return NULL;
		}
		json_object_set_new(a, "panel_summary", json_string(clean));
		free(clean);
	}
	if (json_is_object(notified))
		json_object_del(notified, "date");
	json_object_set_new(a, "age_band", json_string(anonymise_age_band(n)));
	return a;
}
