#include "forms/codes.h"

#include <stdio.h>
#include <string.h>

#define CODE_LIST(name_, title_, arr) \
	{ name_, title_, arr, sizeof(arr) / sizeof((arr)[0]) }

static const struct code sex[] = {
	{ "male", "Male", 0 },
	{ "female", "Female", 0 },
	{ "indeterminate", "Indeterminate (unable to be classified as male or female)", 0 },
	{ "not_known", "Not known", 0 },
};

/* NHS Data Dictionary ETHNIC CATEGORY (2001 census) codes and labels. */
static const struct code ethnicity[] = {
	{ "A", "White - British", 0 },
	{ "B", "White - Irish", 0 },
	{ "C", "Any other White background", 0 },
	{ "D", "Mixed - White and Black Caribbean", 0 },
	{ "E", "Mixed - White and Black African", 0 },
	{ "F", "Mixed - White and Asian", 0 },
	{ "G", "Any other mixed background", 0 },
	{ "H", "Asian or Asian British - Indian", 0 },
	{ "J", "Asian or Asian British - Pakistani", 0 },
	{ "K", "Asian or Asian British - Bangladeshi", 0 },
	{ "L", "Any other Asian background", 0 },
	{ "M", "Black or Black British - Caribbean", 0 },
	{ "N", "Black or Black British - African", 0 },
	{ "P", "Any other Black background", 0 },
	{ "R", "Other Ethnic Groups - Chinese", 0 },
	{ "S", "Any other ethnic group", 0 },
	{ "Z", "Not stated", 0 },
};

static const struct code place[] = {
	{ "hospital_ed", "Hospital emergency department", 0 },
	{ "hospital_ward", "Hospital ward", 0 },
	{ "neonatal_unit", "Neonatal unit", 0 },
	{ "intensive_care", "Intensive care unit", 0 },
	{ "hospice", "Hospice", 0 },
	{ "home", "Child's usual home", 0 },
	{ "other_residence", "Other residence", 0 },
	{ "public_place", "Public place", 0 },
	{ "school", "School or nursery", 0 },
	{ "abroad", "Abroad", 0 },
	{ "other", "Other", 0 },
	{ "not_known", "Not known", 0 },
};

static const struct code expected[] = {
	{ "expected", "Expected death", 0 },
	{ "unexpected", "Unexpected death", 0 },
};

static const struct code yes_no_unknown[] = {
	{ "yes", "Yes", 0 },
	{ "no", "No", 0 },
	{ "unknown", "Unknown", 0 },
};

static const struct code agency[] = {
	{ "gp", "General practice", 0 },
	{ "health_visiting", "Health visiting", 0 },
	{ "midwifery", "Midwifery", 0 },
	{ "hospital", "Hospital", 0 },
	{ "ambulance", "Ambulance service", 0 },
	{ "police", "Police", 0 },
	{ "childrens_social_care", "Children's social care", 0 },
	{ "education", "Education", 0 },
	{ "mental_health", "Mental health services", 0 },
	{ "coroner", "Coroner", 0 },
	{ "public_health", "Public health", 0 },
	{ "other", "Other agency", 0 },
};

#define HOURS(h) ((h) * 60L)
#define DAYS(d) ((d) * 24L * 60L)

static const struct code rr_action[] = {
	{ "information_sharing_meeting", "Information-sharing meeting", HOURS(72) },
	{ "home_visit", "Joint home visit", HOURS(24) },
	{ "police_informed", "Police informed", HOURS(24) },
	{ "coroner_informed", "Coroner informed", HOURS(24) },
	{ "key_worker_assigned", "Key worker assigned", HOURS(48) },
	{ "bereavement_support_offered", "Bereavement support offered", DAYS(7) },
	{ "child_death_review_meeting", "Child death review meeting", DAYS(7 * 12) },
};

static const struct code coroner[] = {
	{ "not_referred", "Not referred to the coroner", 0 },
	{ "referred", "Referred to the coroner", 0 },
	{ "inquest_opened", "Inquest opened", 0 },
	{ "inquest_concluded", "Inquest concluded", 0 },
};

/* In process order: codes_status_move_check relies on it. */
static const struct code case_status[] = {
	{ "notified", "Notified", 0 },
	{ "gathering", "Gathering information", 0 },
	{ "ready", "Ready for panel", 0 },
	{ "scheduled", "Scheduled for a panel meeting", 0 },
	{ "reviewed", "Reviewed by the panel", 0 },
	{ "closed", "Closed", 0 },
	{ "transferred", "Transferred to the child's home CDOP", 0 },
};

static const struct code review_category[] = {
	{ "1", "Deliberately inflicted injury, abuse or neglect", 0 },
	{ "2", "Suicide or deliberate self-inflicted harm", 0 },
	{ "3", "Trauma and other external factors", 0 },
	{ "4", "Malignancy", 0 },
	{ "5", "Acute medical or surgical condition", 0 },
	{ "6", "Chronic medical condition", 0 },
	{ "7", "Chromosomal, genetic and congenital anomalies", 0 },
	{ "8", "Perinatal/neonatal event", 0 },
	{ "9", "Infection", 0 },
	{ "10", "Sudden unexpected, unexplained death", 0 },
};

static const struct code domain_score[] = {
	{ "0", "Information not available", 0 },
	{ "1", "No factors identified, or factors identified that are unlikely to have contributed to the death", 0 },
	{ "2", "Factors identified that may have contributed to the death", 0 },
};

static const struct code modifiable[] = {
	{ "yes", "Modifiable factors identified (some domain scores 2)", 0 },
	{ "no", "No modifiable factors identified (no domain scores 2)", 0 },
	{ "insufficient_information", "Insufficient information to judge (no domain scores 2, some scores 0)", 0 },
};

static const struct code theme[] = {
	{ "safe_sleeping", "Safe sleeping", 0 },
	{ "smoking", "Smoking", 0 },
	{ "alcohol_drugs", "Alcohol or drug use", 0 },
	{ "road_safety", "Road safety", 0 },
	{ "water_safety", "Water safety", 0 },
	{ "fire_burns", "Fire and burns", 0 },
	{ "suicide_self_harm", "Suicide and self-harm", 0 },
	{ "domestic_abuse", "Domestic abuse", 0 },
	{ "neglect", "Neglect", 0 },
	{ "mental_health", "Mental health", 0 },
	{ "transitions_of_care", "Transitions of care", 0 },
	{ "access_to_services", "Access to services", 0 },
	{ "prematurity", "Prematurity", 0 },
	{ "consanguinity", "Consanguinity", 0 },
	{ "other", "Other", 0 },
};

const struct code_list codes_sex = CODE_LIST("sex", "Sex of the child", sex);
const struct code_list codes_ethnicity =
	CODE_LIST("ethnicity", "NHS ethnic category", ethnicity);
const struct code_list codes_place =
	CODE_LIST("place", "Place of death", place);
const struct code_list codes_expected =
	CODE_LIST("expected", "Whether the death was expected", expected);
const struct code_list codes_yes_no_unknown =
	CODE_LIST("yes_no_unknown", "Yes, no or unknown", yes_no_unknown);
const struct code_list codes_agency =
	CODE_LIST("agency", "Agency", agency);
const struct code_list codes_rr_action =
	CODE_LIST("rr_action", "Joint agency response action (default target after the death)", rr_action);
const struct code_list codes_coroner =
	CODE_LIST("coroner", "Coroner's involvement", coroner);
const struct code_list codes_case_status =
	CODE_LIST("case_status", "Case status", case_status);
const struct code_list codes_review_category =
	CODE_LIST("review_category", "Category of death", review_category);
const struct code_list codes_domain_score =
	CODE_LIST("domain_score", "Modifiable-factor domain score", domain_score);
const struct code_list codes_modifiable =
	CODE_LIST("modifiable", "Modifiable factors", modifiable);
const struct code_list codes_theme =
	CODE_LIST("theme", "Theme", theme);

const struct code_list *const codes_all[] = {
	&codes_sex, &codes_ethnicity, &codes_place, &codes_expected,
	&codes_yes_no_unknown, &codes_agency, &codes_rr_action,
	&codes_case_status, &codes_review_category, &codes_domain_score,
	&codes_modifiable, &codes_theme, &codes_coroner,
};
const size_t codes_all_n = sizeof(codes_all) / sizeof(codes_all[0]);

const struct code_list *code_list_by_name(const char *name)
{
	const struct code_list *found = NULL;
	size_t i;

	for (i = 0; i < codes_all_n && !found; i++)
		if (strcmp(codes_all[i]->name, name) == 0)
			found = codes_all[i];
	return found;
}

int code_list_index(const struct code_list *l, const char *code)
{
	int found = -1;
	size_t i;

	for (i = 0; i < l->n && found < 0; i++)
		if (strcmp(l->codes[i].code, code) == 0)
			found = (int)i;
	return found;
}

const struct code *code_list_find(const struct code_list *l, const char *code)
{
	int i = code_list_index(l, code);

	return i < 0 ? NULL : &l->codes[i];
}

const char *code_list_label(const struct code_list *l, const char *code)
{
	const struct code *c = code_list_find(l, code);

	return c ? c->label : NULL;
}

size_t code_list_join(const struct code_list *l, char *out, size_t len)
{
	size_t i, need = 0;
	int n;

	if (len)
		out[0] = '\0';
	for (i = 0; i < l->n; i++) {
		n = snprintf(need < len ? out + need : NULL,
			     need < len ? len - need : 0, "%s%s",
			     i ? ", " : "", l->codes[i].code);
		if (n > 0)
			need += (size_t)n;
	}
	return need;
}

long codes_rr_target_minutes(const char *type)
{
	const struct code *c = code_list_find(&codes_rr_action, type);

	return c ? c->value : -1;
}

int codes_status_move_check(const char *from, const char *to)
{
	int f = code_list_index(&codes_case_status, from);
	int t = code_list_index(&codes_case_status, to);
	int reviewed = code_list_index(&codes_case_status, "reviewed");
	int closed = code_list_index(&codes_case_status, "closed");
	int transferred = code_list_index(&codes_case_status, "transferred");
	int ok = 0;

	if (f < 0 || t < 0 || f == closed || f == transferred)
		goto out;
	if (t == transferred)
		ok = f < reviewed;
	else
		ok = t > f;
out:
	return ok ? 0 : -1;
}
