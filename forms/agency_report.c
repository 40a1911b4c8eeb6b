/* An agency reporting form: requested, due, received (SPEC §2 `agency`). */
#include "forms/form_internal.h"

extern const struct form form_agency_attachment;

static const struct field agency_fields[] = {
	{ .name = "agency", .path = "agency", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_agency, .label = "Agency",
	  .help = "The agency asked for a reporting form" },
	{ .name = "requested", .path = "requested", .type = FIELD_DATE,
	  .flags = FIELD_REQUIRED, .label = "Requested",
	  .help = "When the form was requested, YYYY-MM-DD" },
	{ .name = "due", .path = "due", .type = FIELD_DATE, .label = "Due",
	  .help = "When it should come back, YYYY-MM-DD" },
	{ .name = "received", .path = "received", .type = FIELD_DATE,
	  .label = "Received", .help = "When it came back, YYYY-MM-DD" },
	/* No sub-form: the agency's own reporting form, any JSON object. It
	 * may name anyone, so it is identifiable: redaction drops all of it. */
	{ .name = "form", .path = "form", .type = FIELD_OBJECT,
	  .flags = FIELD_IDENTIFIABLE, .label = "Returned form",
	  .help = "The reporting form the agency sent back, as any JSON object "
		  "(`agency receive --json FILE`); stored encrypted, shown to managers only" },
	{ .name = "attachments", .path = "attachments", .type = FIELD_OBJECT_ARRAY,
	  .flags = FIELD_IMPORT_ONLY | FIELD_IDENTIFIABLE, .label = "Attachments",
	  .help = "Documents received with the report (`agency receive --attach`), in the order received; export writes them, import stores them sealed again",
	  .sub = &form_agency_attachment },
};

static const struct field attachment_fields[] = {
	{ .name = "name", .path = "attachments[].name", .type = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_IDENTIFIABLE, .label = "File name",
	  .help = "The document's file name", .max_len = 255 },
	{ .name = "added_on", .path = "attachments[].added_on", .type = FIELD_DATE,
	  .flags = FIELD_REQUIRED, .label = "Added on",
	  .help = "When it was received, YYYY-MM-DD" },
	{ .name = "content", .path = "attachments[].content", .type = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_IDENTIFIABLE, .label = "Content",
	  .help = "The document's bytes in standard base64 (RFC 4648, with padding)",
	  .max_len = 32 * 1024 * 1024 },
};

const struct form form_agency_attachment = {
	.name = "agency_attachment",
	.title = "Agency report attachment (import line)",
	.help = "A document kept with an agency report, as export writes it.",
	FORM_FIELDS(attachment_fields),
	.flags = FORM_IMPORT,
};

static void agency_rule(const json_t *obj, const char *prefix,
			const struct cdate *today, struct form_errors *e)
{
	struct cdate req, due, got;
	int has_req = rule_date(obj, "requested", &req);

	if (has_req)
		rule_not_future(e, prefix, "requested", &req, today);
	if (has_req && rule_date(obj, "due", &due))
		rule_not_before(e, prefix, "due", &due, "requested", &req);
	if (rule_date(obj, "received", &got)) {
		if (has_req)
			rule_not_before(e, prefix, "received", &got,
					"requested", &req);
		rule_not_future(e, prefix, "received", &got, today);
	} else if (!value_is_given(json_object_get(obj, "received")) &&
		   value_is_given(json_object_get(obj, "form"))) {
		rule_error(e, prefix, "form", "a returned form needs `received`, "
			   "the date it came back");
	}
}

static const char *const agency_rules[] = {
	"`requested` and `received` are not in the future; `due` and `received` are not before `requested`.",
	"In an import line, `requested` is not before the date of death, and each agency appears once per case.",
	"`form` (any JSON object) comes with `received`; it is kept as given and never shown outside the identifiable views.",
	NULL,
};

const struct form form_agency_report = {
	.name = "agency_report",
	.title = "Agency report",
	.help = "A reporting form requested from an agency (`agency request`, `agency receive`, and each element of `agency_reports` in an import line).",
	FORM_FIELDS(agency_fields),
	.rule = agency_rule,
	.rules = agency_rules,
};
