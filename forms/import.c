/* One line of the JSON Lines import/export format (SPEC §4). */
#include "forms/form_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct field import_fields[] = {
	{ .name = "notification", .path = "notification", .type = FIELD_OBJECT,
	  .flags = FIELD_REQUIRED, .label = "Notification",
	  .help = "The notification form", .sub = &form_notification },
	{ .name = "rapid_response", .path = "rapid_response",
	  .type = FIELD_OBJECT_ARRAY, .label = "Rapid response",
	  .help = "Joint agency response actions done", .sub = &form_rr_action },
	{ .name = "agency_reports", .path = "agency_reports",
	  .type = FIELD_OBJECT_ARRAY, .label = "Agency reports",
	  .help = "Reporting forms requested and received",
	  .sub = &form_agency_report },
	{ .name = "review", .path = "review", .type = FIELD_OBJECT,
	  .label = "Review", .help = "The review form with `meeting_date`",
	  .sub = &form_review_import },
	{ .name = "status", .path = "status", .type = FIELD_CODE,
	  .codes = &codes_case_status, .label = "Status",
	  .help = "The case status; the register derives one when absent" },
};

/* Everything after the death: actions, requests, the meeting. */
static void after_death(const json_t *obj, const char *prefix,
			const struct cdate *death, struct form_errors *e)
{
	const json_t *arr = json_object_get(obj, "rapid_response");
	struct cdatetime on;
	struct cdate d;
	size_t i;

	for (i = 0; json_is_array(arr) && i < json_array_size(arr); i++)
		if (rule_datetime(json_array_get(arr, i), "on", &on))
			rule_item_not_before(e, prefix, "rapid_response", i, "on", &on.date,
					     "notification.death.date", death);
	arr = json_object_get(obj, "agency_reports");
	for (i = 0; json_is_array(arr) && i < json_array_size(arr); i++)
		if (rule_date(json_array_get(arr, i), "requested", &d))
			rule_item_not_before(e, prefix, "agency_reports", i, "requested", &d,
					     "notification.death.date", death);
	if (rule_date(obj, "review.meeting_date", &d))
		rule_not_before(e, prefix, "review.meeting_date", &d,
				"notification.death.date", death);
}

/* `agency request/receive REF --agency CODE` name a report by its agency,
 * so each agency appears once. Indexed by code: linear in the array. */
static void agencies_once(const json_t *obj, const char *prefix,
			  struct form_errors *e)
{
	const json_t *arr = json_object_get(obj, "agency_reports");
	char a[FORM_SHORT_MAX], rel[64];
	size_t i, first[FORM_CODES_MAX];
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
	int k;

	for (i = 0; i < FORM_CODES_MAX; i++)
		first[i] = SIZE_MAX;
	for (i = 0; i < n; i++) {
		if (!rule_code(json_array_get(arr, i), "agency", &codes_agency, a))
			continue;
		k = code_list_index(&codes_agency, a);
		if (k < 0 || k >= FORM_CODES_MAX)
			continue;
		if (first[k] == SIZE_MAX) {
			first[k] = i;
			continue;
		}
		snprintf(rel, sizeof(rel), "agency_reports[%zu].agency", i);
		rule_error(e, prefix, rel,
			   "\"%s\" already has a report (agency_reports[%zu]); one report per agency",
			   a, first[k]);
	}
}

static void status_rule(const json_t *obj, const char *prefix,
			struct form_errors *e)
{
	const json_t *review = json_object_get(obj, "review");
	const json_t *resident =
		form_json_get(obj, "notification.child.resident");
	int has_review = json_is_object(review);
	char st[FORM_SHORT_MAX];

	if (!rule_code(obj, "status", &codes_case_status, st))
		goto out;
	if (has_review && strcmp(st, "reviewed") != 0 && strcmp(st, "closed") != 0)
		rule_error(e, prefix, "status",
			   "\"%s\" but the line has a review; a reviewed case is \"reviewed\" or \"closed\"",
			   st);
	else if (!has_review && strcmp(st, "reviewed") == 0)
		rule_error(e, prefix, "status",
			   "\"reviewed\" needs a review; add \"review\" or give an earlier status");
	if (strcmp(st, "transferred") == 0 && !json_is_false(resident))
		rule_error(e, prefix, "status",
			   "\"transferred\" is for a non-resident child; set notification.child.resident to false");
out:
	return;
}

static void import_rule(const json_t *obj, const char *prefix,
			const struct cdate *today, struct form_errors *e)
{
	struct cdate death;

	(void)today;	/* each sub-form checks its own dates against today */
	if (rule_date(obj, "notification.death.date", &death))
		after_death(obj, prefix, &death, e);
	agencies_once(obj, prefix, e);
	status_rule(obj, prefix, e);
}

static const char *const import_rules[] = {
	"Only `notification` is required; every part follows its own form's rules.",
	"`rapid_response[].on`, `agency_reports[].requested` and `review.meeting_date` are not before `notification.death.date`.",
	"Each agency has at most one report per case.",
	"`status`, when given: a line with a review is `reviewed` or `closed`; `reviewed` needs a review; `transferred` needs `notification.child.resident` false.",
	NULL,
};

const struct form form_import_line = {
	.name = "import_line",
	.title = "Import line",
	.help = "One case per line of an import or export file (JSON Lines); `export` then `import` gives back the same records.",
	FORM_FIELDS(import_fields),
	.rule = import_rule,
	.rules = import_rules,
	.flags = FORM_IMPORT,
};
