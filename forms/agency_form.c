/*
 * The agency reporting form (the core of NCMD's reporting form): what an
 * agency sends back about its involvement with the child and family. An
 * agency sends it as one JSON object, sealed with the stock `age` tool to
 * the register's recipient (`agency receive --age`; docs/guide.md, "For
 * agencies"). Everything that can name a person is identifiable.
 */
#include "forms/form_internal.h"

static const struct field contact_fields[] = {
	{ .name = "name", .path = "contact.name", .type = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_IDENTIFIABLE, .label = "Contact name",
	  .help = "Who completed the form, for questions about it", .max_len = 100 },
	{ .name = "role", .path = "contact.role", .type = FIELD_TEXT,
	  .label = "Contact role", .help = "Their role, e.g. Designated Nurse",
	  .max_len = 100 },
	{ .name = "phone", .path = "contact.phone", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE, .label = "Contact telephone",
	  .help = "A telephone number", .max_len = 40 },
	{ .name = "email", .path = "contact.email", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE, .label = "Contact email",
	  .help = "A secure email address", .max_len = 200 },
};

static const struct form form_agency_contact = {
	.name = "agency_contact",
	.title = "Agency contact",
	.help = "Who at the agency completed the reporting form.",
	FORM_FIELDS(contact_fields),
};

static const struct field involvement_fields[] = {
	{ .name = "child", .path = "involvement.child", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_yes_no_unknown,
	  .label = "Involved with the child",
	  .help = "Whether the agency was involved with the child: yes, no or unknown" },
	{ .name = "family", .path = "involvement.family", .type = FIELD_CODE,
	  .codes = &codes_yes_no_unknown, .label = "Involved with the family",
	  .help = "Whether the agency was involved with the family: yes, no or unknown" },
	{ .name = "from", .path = "involvement.from", .type = FIELD_DATE,
	  .label = "Involved from", .help = "First contact, YYYY-MM-DD" },
	{ .name = "to", .path = "involvement.to", .type = FIELD_DATE,
	  .label = "Involved to", .help = "Last contact, YYYY-MM-DD" },
	{ .name = "details", .path = "involvement.details", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE | FIELD_FREE_TEXT, .label = "Involvement",
	  .help = "What the agency's involvement was", .max_len = 8000 },
};

static void involvement_rule(const json_t *obj, const char *prefix,
			     const struct cdate *today, struct form_errors *e)
{
	struct cdate from, to;
	int has_from = rule_date(obj, "from", &from);

	if (has_from)
		rule_not_future(e, prefix, "from", &from, today);
	if (rule_date(obj, "to", &to)) {
		rule_not_future(e, prefix, "to", &to, today);
		if (has_from)
			rule_not_before(e, prefix, "to", &to, "from", &from);
	}
}

static const char *const involvement_rules[] = {
	"`from` and `to` are not in the future; `to` is not before `from`.",
	NULL,
};

static const struct form form_agency_involvement = {
	.name = "agency_involvement",
	.title = "Agency involvement",
	.help = "The agency's involvement with the child and family.",
	FORM_FIELDS(involvement_fields),
	.rule = involvement_rule,
	.rules = involvement_rules,
};

static const struct field reporting_fields[] = {
	{ .name = "agency", .path = "agency", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_agency, .label = "Agency",
	  .help = "The agency sending the form; must be the one named by `--agency`" },
	{ .name = "organisation", .path = "organisation", .type = FIELD_TEXT,
	  .label = "Organisation", .help = "The organisation's name, e.g. Swindon GP Practice",
	  .max_len = 200 },
	{ .name = "contact", .path = "contact", .type = FIELD_OBJECT,
	  .flags = FIELD_REQUIRED, .label = "Contact",
	  .help = "Who completed the form", .sub = &form_agency_contact },
	{ .name = "completed", .path = "completed", .type = FIELD_DATE,
	  .label = "Completed", .help = "When the form was completed, YYYY-MM-DD" },
	{ .name = "involvement", .path = "involvement", .type = FIELD_OBJECT,
	  .flags = FIELD_REQUIRED, .label = "Involvement",
	  .help = "The agency's involvement with the child and family",
	  .sub = &form_agency_involvement },
	{ .name = "concerns", .path = "concerns", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE | FIELD_FREE_TEXT, .label = "Concerns",
	  .help = "Any concerns the agency had about the child or family",
	  .max_len = 8000 },
	{ .name = "risk_factors", .path = "risk_factors", .type = FIELD_CODE_ARRAY,
	  .codes = &codes_risk_factor, .label = "Known risk factors",
	  .help = "Risk factors known to the agency, from the list" },
	{ .name = "services", .path = "services", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE | FIELD_FREE_TEXT, .label = "Services provided",
	  .help = "Services the agency provided to the child and family",
	  .max_len = 8000 },
};

static void reporting_rule(const json_t *obj, const char *prefix,
			   const struct cdate *today, struct form_errors *e)
{
	struct cdate done;

	if (rule_date(obj, "completed", &done))
		rule_not_future(e, prefix, "completed", &done, today);
}

static const char *const reporting_rules[] = {
	"`completed` is not in the future.",
	"`agency` is the agency the form is received from (`agency receive --agency`).",
	NULL,
};

const struct form form_agency_reporting = {
	.name = "agency_reporting",
	.title = "Agency reporting form",
	.help = "What an agency sends back about a death (the core of NCMD's reporting form), "
		"as one JSON object, usually sealed with `age -r` to the register's recipient "
		"(`agency receive --age FILE`). Stored encrypted; managers only.",
	FORM_FIELDS(reporting_fields),
	.rule = reporting_rule,
	.rules = reporting_rules,
};
