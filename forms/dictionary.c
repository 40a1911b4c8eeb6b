/*
 * form_dictionary_markdown: docs/data-dictionary.md from the definitions,
 * so the documentation cannot drift from what is validated.
 */
#include "forms/form_internal.h"

#include <string.h>

#include "forms/groups.h"

/* Table cells must not contain a bare '|' or a line break. */
static void add_cell(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			sbuf_adds(b, "\\|");
		else if (*s == '\n')
			sbuf_adds(b, " ");
		else
			sbuf_addf(b, "%c", *s);
	}
}

/* The top-level form documenting these fields, if another section does. */
static const struct form *documented(const struct form *sub)
{
	const struct form *found = NULL;
	size_t i;

	for (i = 0; sub && i < forms_all_n && !found; i++)
		if (forms_all[i]->fields == sub->fields)
			found = forms_all[i];
	return found;
}

static void add_type(struct sbuf *b, const struct field *fld)
{
	const struct form *doc = documented(fld->sub);

	switch (fld->type) {
	case FIELD_TEXT:
		sbuf_addf(b, "text, at most %zu characters%s", fld->max_len,
			  (fld->flags & FIELD_FREE_TEXT) ? ", several lines" : "");
		break;
	case FIELD_CODE:
		sbuf_addf(b, "code from `%s`", fld->codes->name);
		break;
	case FIELD_INT:
		if (fld->codes)
			sbuf_addf(b, "whole number from `%s`", fld->codes->name);
		else if (fld->max > fld->min)
			sbuf_addf(b, "whole number, %ld to %ld", fld->min, fld->max);
		else
			sbuf_adds(b, "whole number");
		break;
	case FIELD_CODE_ARRAY:
		sbuf_addf(b, "list of codes from `%s`", fld->codes->name);
		break;
	case FIELD_OBJECT:
		if (doc)
			sbuf_addf(b, "object: %s form", doc->title);
		else if (!fld->sub)
			sbuf_adds(b, "any JSON object");
		else
			sbuf_adds(b, "object");
		break;
	case FIELD_OBJECT_ARRAY:
		sbuf_addf(b, "list of objects: %s form", doc ? doc->title : fld->sub->title);
		break;
	default:
		sbuf_adds(b, field_type_name(fld->type));
		break;
	}
}

static void add_field_row(struct sbuf *b, const struct field *fld)
{
	sbuf_addf(b, "| `%s` | ", fld->path);
	add_type(b, fld);
	sbuf_addf(b, " | %s | %s | **%s.** ",
		  !(fld->flags & FIELD_REQUIRED) ? "" :
		  (fld->flags & FIELD_IMPORT_ONLY) ? "yes, in imports" : "yes",
		  (fld->flags & FIELD_IDENTIFIABLE) ? "yes" :
		  (fld->flags & FIELD_FREE_TEXT) ? "free text" : "",
		  fld->label);
	add_cell(b, fld->help ? fld->help : "");
	if (fld->flags & FIELD_IMPORT_ONLY)
		sbuf_adds(b, " (import lines only)");
	sbuf_adds(b, " |\n");
}

/* Flatten sub-forms that no other section documents. */
static void add_fields(struct sbuf *b, const struct form *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		const struct field *fld = &f->fields[i];

		add_field_row(b, fld);
		if (fld->sub && !documented(fld->sub))
			add_fields(b, fld->sub);
	}
}

static void add_form(struct sbuf *b, const struct form *f)
{
	size_t i;

	sbuf_addf(b, "## %s (`%s`)\n\n%s\n\n", f->title, f->name, f->help);
	sbuf_adds(b, "| Field | Type | Required | Identifiable | Description |\n"
		     "|---|---|---|---|---|\n");
	add_fields(b, f);
	if (f->rules && f->rules[0]) {
		sbuf_adds(b, "\nRules:\n\n");
		for (i = 0; f->rules[i]; i++)
			sbuf_addf(b, "- %s\n", f->rules[i]);
	}
	sbuf_adds(b, "\n");
}

static void add_duration(struct sbuf *b, long minutes)
{
	const long day = 24 * 60, week = 7 * day;

	if (minutes % week == 0 && minutes >= 2 * week)
		sbuf_addf(b, "%ld weeks", minutes / week);
	else if (minutes % day == 0 && minutes >= week)
		sbuf_addf(b, "%ld days", minutes / day);
	else
		sbuf_addf(b, "%ld hours", minutes / 60);
}

static void add_code_list(struct sbuf *b, const struct code_list *l)
{
	int targets = l == &codes_rr_action;
	size_t i;

	sbuf_addf(b, "### `%s`: %s\n\n", l->name, l->title);
	sbuf_adds(b, targets ? "| Code | Label | Default target |\n|---|---|---|\n"
			     : "| Code | Label |\n|---|---|\n");
	for (i = 0; i < l->n; i++) {
		sbuf_addf(b, "| `%s` | ", l->codes[i].code);
		add_cell(b, l->codes[i].label);
		if (targets) {
			sbuf_adds(b, " | ");
			add_duration(b, l->codes[i].value);
		}
		sbuf_adds(b, " |\n");
	}
	sbuf_adds(b, "\n");
}

typedef const char *group_fn(const char *code);

static void add_grouping(struct sbuf *b, const char *title,
			 const struct code_list *l, group_fn *fn,
			 const char *const *groups, size_t n,
			 const char *extra)
{
	size_t g, i;
	int first;

	sbuf_addf(b, "### %s\n\n| Group | Codes |\n|---|---|\n", title);
	for (g = 0; g < n; g++) {
		sbuf_addf(b, "| `%s` | ", groups[g]);
		first = 1;
		for (i = 0; i < l->n; i++) {
			if (strcmp(fn(l->codes[i].code), groups[g]) != 0)
				continue;
			sbuf_addf(b, "%s`%s`", first ? "" : ", ", l->codes[i].code);
			first = 0;
		}
		if (strcmp(fn(NULL), groups[g]) == 0)
			sbuf_addf(b, "%s%s", first ? "" : ", ", extra);
		sbuf_adds(b, " |\n");
	}
	sbuf_adds(b, "\n");
}

static void add_bands(struct sbuf *b)
{
	static const char *const age_doc[] = {
		"0 to 27 completed days", "28 days to under 1 year",
		"1 to 4 completed years", "5 to 9 completed years",
		"10 to 14 completed years", "15 to 17 completed years",
	};
	static const char *const duration_doc[] = {
		"fewer than 6 whole calendar months",
		"6 months up to and including the 12-month anniversary",
		"after the 12-month anniversary",
	};
	size_t i;

	sbuf_adds(b, "### Age at death\n\n| Band | Meaning |\n|---|---|\n");
	for (i = 0; i < groups_age_band_n; i++)
		sbuf_addf(b, "| `%s` | %s |\n", groups_age_band[i], age_doc[i]);
	sbuf_adds(b, "\nA birthday on 29 February falls on 1 March in other years.\n\n");
	sbuf_adds(b, "### Time from death to review (or to 31 March)\n\n"
		     "| Band | Meaning |\n|---|---|\n");
	for (i = 0; i < groups_duration_band_n; i++)
		sbuf_addf(b, "| `%s` | %s |\n", groups_duration_band[i],
			  duration_doc[i]);
	sbuf_adds(b, "\nA month anniversary the month lacks (the 31st, 29 February) "
		     "falls on the 1st of the next month.\n\n");
}

static const char intro[] =
	"# cdop data dictionary\n\n"
	"Generated from the form definitions in `forms/` by "
	"`form_dictionary_markdown()`; do not edit by hand. The unit test "
	"`test_forms_dictionary` fails when this file is out of date; "
	"regenerate it with `CDOP_REGEN=1 tests/test_forms_dictionary` in the "
	"build directory.\n\n"
	"Conventions:\n\n"
	"- Field paths are dotted from the top of the form. In error messages an "
	"array element carries its index from 0: `recommendations[1].owner`; "
	"in an import line paths start at the line: `review.modifiable`.\n"
	"- A member that is missing, `null`, or a blank string is not given: an "
	"error for a required field, nothing otherwise. Stored records leave it out.\n"
	"- Strings are trimmed of surrounding spaces before they are checked and "
	"stored. Lengths count characters, not bytes. One-line text may not contain "
	"line breaks or other control characters.\n"
	"- Dates are `YYYY-MM-DD`, times `HH:MM` (24-hour, local time); both must "
	"exist on the calendar and clock. \"Today\" is the date the check runs.\n"
	"- Codes are exact and case-sensitive in JSON; the interactive forms also "
	"take a code's number in the list shown or its label.\n"
	"- Unknown members are refused, naming the valid ones.\n"
	"- **Identifiable** fields name or locate a person and are removed when "
	"records are anonymised. **Free text** fields are kept but may mention "
	"people; they are never published unless a field says so.\n\n";

int form_dictionary_markdown(char **out)
{
	struct sbuf b;
	size_t i;
	int ret = FORM_ENOMEM;

	*out = NULL;
	sbuf_init(&b);
	sbuf_adds(&b, intro);
	for (i = 0; i < forms_all_n; i++)
		add_form(&b, forms_all[i]);
	sbuf_adds(&b, "## Code lists\n\n");
	for (i = 0; i < codes_all_n; i++)
		add_code_list(&b, codes_all[i]);
	sbuf_adds(&b, "## Report groupings\n\n");
	add_grouping(&b, "Ethnicity", &codes_ethnicity, group_ethnicity_of,
		     groups_ethnicity, groups_ethnicity_n, "absent");
	add_grouping(&b, "Place of death", &codes_place, group_place_of,
		     groups_place, groups_place_n, "absent");
	add_bands(&b);
	if (b.oom)
		goto out;
	b.p[b.len - 1] = '\0';	/* one newline at the end, not two */
	*out = b.p;
	sbuf_init(&b);
	ret = FORM_OK;
out:
	sbuf_release(&b);
	return ret;
}
