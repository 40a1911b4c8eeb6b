/* The notification form (SPEC §3): child, death, notified. */
#include "forms/form_internal.h"

static const struct field child_fields[] = {
	{ .name = "forename", .path = "child.forename", .type = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_IDENTIFIABLE, .label = "Forename",
	  .help = "The child's first name; \"Unknown\" if not known",
	  .max_len = 100 },
	{ .name = "surname", .path = "child.surname", .type = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_IDENTIFIABLE, .label = "Surname",
	  .help = "The child's family name; \"Unknown\" if not known",
	  .max_len = 100 },
	{ .name = "nhs_number", .path = "child.nhs_number",
	  .type = FIELD_NHS_NUMBER, .flags = FIELD_IDENTIFIABLE,
	  .label = "NHS number",
	  .help = "10 digits, spaces allowed; leave out if not known" },
	{ .name = "date_of_birth", .path = "child.date_of_birth",
	  .type = FIELD_DATE, .flags = FIELD_REQUIRED | FIELD_IDENTIFIABLE,
	  .label = "Date of birth", .help = "YYYY-MM-DD" },
	{ .name = "sex", .path = "child.sex", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_sex, .label = "Sex",
	  .help = "As recorded at birth or by the notifying clinician" },
	{ .name = "ethnicity", .path = "child.ethnicity", .type = FIELD_CODE,
	  .codes = &codes_ethnicity, .label = "Ethnicity",
	  .help = "NHS ethnic category; Z if not stated" },
	{ .name = "address", .path = "child.address", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE, .label = "Address",
	  .help = "The child's usual address", .max_len = 300 },
	{ .name = "postcode", .path = "child.postcode", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE, .label = "Postcode",
	  .help = "Postcode of the usual address", .max_len = 10 },
	{ .name = "resident", .path = "child.resident", .type = FIELD_BOOL,
	  .label = "Resident in this CDOP's area",
	  .help = "Whether the child normally lived in the area this panel covers" },
	{ .name = "local_authority", .path = "child.local_authority",
	  .type = FIELD_TEXT, .label = "Local authority",
	  .help = "Local authority where the child normally lived",
	  .max_len = 100 },
	{ .name = "looked_after", .path = "child.looked_after",
	  .type = FIELD_CODE, .codes = &codes_yes_no_unknown,
	  .label = "Looked after",
	  .help = "Looked after by a local authority at the time of death" },
	{ .name = "child_protection_plan", .path = "child.child_protection_plan",
	  .type = FIELD_CODE, .codes = &codes_yes_no_unknown,
	  .label = "Child protection plan",
	  .help = "Subject of a child protection plan at the time of death" },
	{ .name = "education_setting", .path = "child.education_setting",
	  .type = FIELD_TEXT, .label = "Education setting",
	  .help = "The kind of setting (e.g. nursery, primary school, college, "
		  "not in education), not its name", .max_len = 200 },
};

/* NCMD's birth data, read first by the panel for an infant's death. */
static const struct field birth_fields[] = {
	{ .name = "gestation_weeks", .path = "birth.gestation_weeks",
	  .type = FIELD_INT, .label = "Gestation at birth (weeks)",
	  .help = "Completed weeks of pregnancy at birth, 22 to 44",
	  .min = 22, .max = 44 },
	{ .name = "weight_grams", .path = "birth.weight_grams",
	  .type = FIELD_INT, .label = "Birth weight (grams)",
	  .help = "Weight at birth in grams, 200 to 6000",
	  .min = 200, .max = 6000 },
};

static const struct field death_fields[] = {
	{ .name = "date", .path = "death.date", .type = FIELD_DATE,
	  .flags = FIELD_REQUIRED, .label = "Date of death",
	  .help = "YYYY-MM-DD" },
	{ .name = "time", .path = "death.time", .type = FIELD_TIME,
	  .label = "Time of death",
	  .help = "HH:MM on the 24-hour clock, local time, if known" },
	{ .name = "place", .path = "death.place", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_place,
	  .label = "Place of death", .help = "Where the child died" },
	{ .name = "expected", .path = "death.expected", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_expected,
	  .label = "Expected or unexpected",
	  .help = "Unexpected deaths start a joint agency response" },
	{ .name = "circumstances", .path = "death.circumstances",
	  .type = FIELD_TEXT, .flags = FIELD_FREE_TEXT | FIELD_IDENTIFIABLE,
	  .label = "Circumstances",
	  .help = "What is known of how the child died, as told (manager only; never shown to the panel)",
	  .max_len = 4000 },
	{ .name = "cause", .path = "death.cause", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE, .label = "Cause of death",
	  .help = "As on the medical certificate of cause of death (MCCD)",
	  .max_len = 500 },
	{ .name = "post_mortem", .path = "death.post_mortem", .type = FIELD_CODE,
	  .codes = &codes_yes_no_unknown, .label = "Post-mortem",
	  .help = "Whether a post-mortem examination was carried out" },
	{ .name = "coroner", .path = "death.coroner", .type = FIELD_CODE,
	  .codes = &codes_coroner, .label = "Coroner",
	  .help = "Referral to the coroner and the inquest, as far as it has gone" },
};

static const struct field notified_fields[] = {
	{ .name = "date", .path = "notified.date", .type = FIELD_DATE,
	  .flags = FIELD_REQUIRED, .label = "Date notified",
	  .help = "When the CDOP heard of the death, YYYY-MM-DD" },
	{ .name = "by_name", .path = "notified.by_name", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE, .label = "Notified by",
	  .help = "Name of the person who notified the death",
	  .max_len = 100 },
	{ .name = "by_role", .path = "notified.by_role", .type = FIELD_TEXT,
	  .label = "Notifier's role", .help = "e.g. Paediatrician",
	  .max_len = 100 },
	{ .name = "by_agency", .path = "notified.by_agency", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_agency,
	  .label = "Notifier's agency", .help = "The agency the notifier works for" },
	{ .name = "ncmd_date", .path = "notified.ncmd_date", .type = FIELD_DATE,
	  .label = "NCMD notified on",
	  .help = "When the death was notified to the National Child Mortality "
		  "Database (due within 48 hours of the notification)" },
};

const struct form form_notification_child = {
	.name = "child", .title = "Child", .help = "Who the child was",
	FORM_FIELDS(child_fields),
};

const struct form form_notification_death = {
	.name = "death", .title = "Death", .help = "When, where and how",
	FORM_FIELDS(death_fields),
};

const struct form form_notification_birth = {
	.name = "birth", .title = "Birth", .help = "Gestation and weight at birth (NCMD)",
	FORM_FIELDS(birth_fields),
};

const struct form form_notification_notified = {
	.name = "notified", .title = "Notified",
	.help = "Who told the CDOP, and when", FORM_FIELDS(notified_fields),
};

static const struct field notification_fields[] = {
	{ .name = "child", .path = "child", .type = FIELD_OBJECT,
	  .flags = FIELD_REQUIRED, .label = "Child",
	  .help = "Who the child was", .sub = &form_notification_child },
	{ .name = "death", .path = "death", .type = FIELD_OBJECT,
	  .flags = FIELD_REQUIRED, .label = "Death",
	  .help = "When, where and how", .sub = &form_notification_death },
	{ .name = "notified", .path = "notified", .type = FIELD_OBJECT,
	  .flags = FIELD_REQUIRED, .label = "Notified",
	  .help = "Who told the CDOP, and when",
	  .sub = &form_notification_notified },
	{ .name = "birth", .path = "birth", .type = FIELD_OBJECT,
	  .label = "Birth", .help = "Gestation and weight at birth (NCMD)",
	  .sub = &form_notification_birth },
	{ .name = "panel_summary", .path = "panel_summary", .type = FIELD_TEXT,
	  .flags = FIELD_FREE_TEXT, .label = "Summary for the panel",
	  .help = "What the panel reads of the case, written without names, addresses, NHS numbers or dates of birth (checked)",
	  .max_len = 4000 },
};

struct dated {
	const char *rel;
	struct cdate d;
	int ok;
};

/* Each present date must not precede the one before it; the last present
 * one must not be after today. Missing or invalid dates are skipped. */
static void date_chain(struct dated *c, size_t n, const char *prefix,
		       const struct cdate *today, struct form_errors *e)
{
	const struct dated *prev = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!c[i].ok)
			continue;
		if (prev)
			rule_not_before(e, prefix, c[i].rel, &c[i].d, prev->rel,
					&prev->d);
		prev = &c[i];
	}
	if (prev)
		rule_not_future(e, prefix, prev->rel, &prev->d, today);
}

static void notification_rule(const json_t *obj, const char *prefix,
			      const struct cdate *today, struct form_errors *e)
{
	struct dated c[3] = { { "child.date_of_birth", { 0, 0, 0 }, 0 },
			      { "death.date", { 0, 0, 0 }, 0 },
			      { "notified.date", { 0, 0, 0 }, 0 } };
	char born[DATE_BUFLEN], died[DATE_BUFLEN];
	size_t i;
	int age;

	for (i = 0; i < 3; i++)
		c[i].ok = rule_date(obj, c[i].rel, &c[i].d);
	date_chain(c, 3, prefix, today, e);
	{
		struct dated n[2] = { { "notified.date", c[2].d, c[2].ok },
				      { "notified.ncmd_date", { 0, 0, 0 }, 0 } };

		n[1].ok = rule_date(obj, n[1].rel, &n[1].d);
		if (n[1].ok)
			date_chain(n, 2, prefix, today, e);
	}
	if (!c[0].ok || !c[1].ok || date_compare(&c[0].d, &c[1].d) > 0)
		goto out;	/* no age to judge */
	age = date_age_years(&c[0].d, &c[1].d);
	if (age >= 18) {
		date_format(&c[0].d, born);
		date_format(&c[1].d, died);
		rule_error(e, prefix, "child.date_of_birth",
			   "the child was %d at death (born %s, died %s); a CDOP reviews deaths of children under 18",
			   age, born, died);
	}
out:
	return;
}

static const char *const notification_rules[] = {
	"`child.date_of_birth` <= `death.date` <= `notified.date` <= today.",
	"`notified.date` <= `notified.ncmd_date` <= today.",
	"Age at death, in completed years, is under 18 (a 29 February birthday falls on 1 March in other years).",
	"`child.nhs_number` is 10 digits passing the NHS modulus-11 check; spaces are allowed on input and removed when stored.",
	"Checked by the register, not the form: a second case with the same NHS number, or the same surname, date of birth and date of death, is refused as a duplicate.",
	NULL,
};

const struct form form_notification = {
	.name = "notification",
	.title = "Notification",
	.help = "The CDOP manager's record of a child's death (`notify --json`, `case update`, and `notification` in an import line).",
	FORM_FIELDS(notification_fields),
	.rule = notification_rule,
	.rules = notification_rules,
};
