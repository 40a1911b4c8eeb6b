/* A joint agency response (rapid response) action: SPEC §2 `rr add`. */
#include "forms/form_internal.h"

static const struct field rr_fields[] = {
	{ .name = "action", .path = "action", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_rr_action,
	  .label = "Action", .help = "Which part of the joint agency response" },
	{ .name = "on", .path = "on", .type = FIELD_DATETIME,
	  .flags = FIELD_REQUIRED, .label = "Done on",
	  .help = "YYYY-MM-DD, or YYYY-MM-DDTHH:MM when the time matters for the target" },
	{ .name = "by", .path = "by", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE, .label = "Done by",
	  .help = "Who did it (name or role)", .max_len = 100 },
	{ .name = "notes", .path = "notes", .type = FIELD_TEXT,
	  .flags = FIELD_FREE_TEXT, .label = "Notes", .max_len = 2000,
	  .help = "Anything the panel should know" },
};

static void rr_rule(const json_t *obj, const char *prefix,
		    const struct cdate *today, struct form_errors *e)
{
	struct cdatetime on;

	if (rule_datetime(obj, "on", &on))
		rule_not_future(e, prefix, "on", &on.date, today);
}

static const char *const rr_rules[] = {
	"`on` is not in the future: an action is recorded once done.",
	"In an import line, `on` is not before the date of death.",
	"Targets run from the death (its time if known, else the start of its day): the default target of each action type is in the `rr_action` code list.",
	NULL,
};

const struct form form_rr_action = {
	.name = "rr_action",
	.title = "Rapid-response action",
	.help = "One action of the joint agency response to an unexpected death (`rr add`, and each element of `rapid_response` in an import line).",
	FORM_FIELDS(rr_fields),
	.rule = rr_rule,
	.rules = rr_rules,
};
