/* The review (analysis) form of SPEC §3 and its recommendations. */
#include "forms/form_internal.h"

#include <stdio.h>
#include <string.h>

static const struct field recommendation_fields[] = {
	{ .name = "text", .path = "text", .type = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_FREE_TEXT, .label = "Recommendation",
	  .help = "What should change, and by whom", .max_len = 2000 },
	{ .name = "owner", .path = "owner", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_agency,
	  .label = "Owner", .help = "The agency that will act on it" },
	{ .name = "due", .path = "due", .type = FIELD_DATE,
	  .flags = FIELD_REQUIRED, .label = "Due",
	  .help = "When it should be done, YYYY-MM-DD" },
	{ .name = "completed", .path = "completed", .type = FIELD_DATE,
	  .flags = FIELD_IMPORT_ONLY, .label = "Completed",
	  .help = "When it was done; set by `action done`, carried by export and import" },
};

static void recommendation_rule(const json_t *obj, const char *prefix,
				const struct cdate *today,
				struct form_errors *e)
{
	struct cdate done;

	if (rule_date(obj, "completed", &done))
		rule_not_future(e, prefix, "completed", &done, today);
}

static const char *const recommendation_rules[] = {
	"`due` is a real date; `completed`, when given, is not in the future and not before the review's `meeting_date`.",
	NULL,
};

const struct form form_recommendation = {
	.name = "recommendation",
	.title = "Recommendation",
	.help = "One element of `review.recommendations`; tracked by `action list` and `action done`.",
	FORM_FIELDS(recommendation_fields),
	.rule = recommendation_rule,
	.rules = recommendation_rules,
};

#define DOMAIN(name_, label_, help_) \
	{ .name = name_, .path = "domains." name_, .type = FIELD_INT, \
	  .flags = FIELD_REQUIRED, .codes = &codes_domain_score, \
	  .label = label_, .help = help_ }

static const struct field domain_fields[] = {
	DOMAIN("child", "Factors intrinsic to the child",
	       "The child's own health, development and behaviour"),
	DOMAIN("social_environment", "Social environment",
	       "Family and environment, parenting capacity"),
	DOMAIN("physical_environment", "Physical environment",
	       "Home, surroundings, products, travel"),
	DOMAIN("service_provision", "Service provision",
	       "Health, social care, education, police and other services"),
};

const struct form form_review_domains = {
	.name = "domains", .title = "Modifiable-factor domains",
	.help = "Each domain scores 0, 1 or 2", FORM_FIELDS(domain_fields),
};

static const struct field amendment_fields[] = {
	{ .name = "meeting_date", .path = "amendments[].meeting_date", .type = FIELD_DATE,
	  .flags = FIELD_REQUIRED, .label = "Meeting date",
	  .help = "The meeting that amended the review (created if needed)" },
	{ .name = "recommendations", .path = "amendments[].recommendations",
	  .type = FIELD_OBJECT_ARRAY, .label = "Recommendations added",
	  .help = "Recommendations made at that meeting", .sub = &form_recommendation },
};

static void amendment_rule(const json_t *obj, const char *prefix,
			   const struct cdate *today, struct form_errors *e)
{
	struct cdate d;

	if (rule_date(obj, "meeting_date", &d))
		rule_not_future(e, prefix, "meeting_date", &d, today);
}

static const char *const amendment_rules[] = {
	"`meeting_date` is not in the future.",
	NULL,
};

const struct form form_review_amendment = {
	.name = "review_amendment",
	.title = "Review amendment (import line)",
	.help = "A later meeting that amended a review: carried by export so that import puts each recommendation back on the meeting that made it.",
	FORM_FIELDS(amendment_fields),
	.rule = amendment_rule,
	.rules = amendment_rules,
	.flags = FORM_IMPORT,
};

static const struct field review_fields[] = {
	{ .name = "category", .path = "category", .type = FIELD_INT,
	  .flags = FIELD_REQUIRED, .codes = &codes_review_category,
	  .label = "Category of death",
	  .help = "The category that best describes why the child died" },
	{ .name = "domains", .path = "domains", .type = FIELD_OBJECT,
	  .flags = FIELD_REQUIRED, .label = "Domains",
	  .help = "Score each of the four domains 0, 1 or 2",
	  .sub = &form_review_domains },
	{ .name = "modifiable", .path = "modifiable", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_modifiable,
	  .label = "Modifiable factors",
	  .help = "Yes if any domain scores 2; otherwise no, or insufficient information if any scores 0" },
	{ .name = "themes", .path = "themes", .type = FIELD_CODE_ARRAY,
	  .codes = &codes_theme, .label = "Themes",
	  .help = "Themes for the annual report, each at most once" },
	{ .name = "learning", .path = "learning", .type = FIELD_TEXT,
	  .flags = FIELD_FREE_TEXT, .label = "Learning",
	  .help = "What the panel learned", .max_len = 8000 },
	{ .name = "learning_publishable", .path = "learning_publishable",
	  .type = FIELD_BOOL, .label = "Learning may be published",
	  .help = "Whether the learning may appear in the annual report (it is checked for identifiers first); not recorded means no" },
	{ .name = "recommendations", .path = "recommendations",
	  .type = FIELD_OBJECT_ARRAY, .label = "Recommendations",
	  .help = "Actions for agencies, each with an owner and a due date",
	  .sub = &form_recommendation },
	{ .name = "referred_for_review", .path = "referred_for_review",
	  .type = FIELD_BOOL, .label = "Referred for a safeguarding practice review",
	  .help = "Whether the case was referred; not recorded means no" },
	{ .name = "meeting_date", .path = "meeting_date", .type = FIELD_DATE,
	  .flags = FIELD_REQUIRED | FIELD_IMPORT_ONLY, .label = "Meeting date",
	  .help = "The panel meeting that completed the review (created if needed); outside imports the meeting is named on the command line" },
	{ .name = "amendments", .path = "amendments", .type = FIELD_OBJECT_ARRAY,
	  .flags = FIELD_IMPORT_ONLY, .label = "Amendments",
	  .help = "Later meetings that amended the review, oldest first, each with the recommendations it added; export writes them, import restores them",
	  .sub = &form_review_amendment },
};

static const char *const domain_names[4] = {
	"child", "social_environment", "physical_environment",
	"service_provision",
};

/* Reads the four scores; 0 unless all are present and in range. */
static int domain_scores(const json_t *obj, json_int_t s[4])
{
	char path[64];
	int ok = 1, i;

	for (i = 0; i < 4 && ok; i++) {
		snprintf(path, sizeof(path), "domains.%s", domain_names[i]);
		ok = rule_int(obj, path, &s[i]) && s[i] >= 0 && s[i] <= 2;
	}
	return ok;
}

static void modifiable_rule(const json_t *obj, const char *prefix,
			    struct form_errors *e)
{
	json_int_t s[4];
	char mod[FORM_SHORT_MAX], scores[160];
	int has0 = 0, has2 = 0, yes, bad, i, n = 0;

	if (!domain_scores(obj, s) ||
	    !rule_code(obj, "modifiable", &codes_modifiable, mod))
		goto out;
	for (i = 0; i < 4; i++) {
		has0 |= s[i] == 0;
		has2 |= s[i] == 2;
	}
	yes = !strcmp(mod, "yes");
	bad = has2 && !yes ? 1 : !has2 && yes ? 2 :
		!has0 && !has2 && !strcmp(mod, "insufficient_information") ? 3 : 0;
	if (!bad)
		goto out;
	/* The scores are written out for an error only. */
	for (i = 0; i < 4; i++)
		n += snprintf(scores + n, sizeof(scores) - (size_t)n, "%s%s %d",
			      i ? ", " : "", domain_names[i], (int)s[i]);
	if (bad == 1)
		rule_error(e, prefix, "modifiable",
			   "\"%s\" contradicts the domain scores (%s): a domain scoring 2 means \"yes\"",
			   mod, scores);
	else if (bad == 2)
		rule_error(e, prefix, "modifiable",
			   "\"yes\" contradicts the domain scores (%s): \"yes\" needs a domain scoring 2; these scores mean %s",
			   scores, has0 ? "\"no\" or \"insufficient_information\"" : "\"no\"");
	else
		rule_error(e, prefix, "modifiable",
			   "\"insufficient_information\" contradicts the domain scores (%s): it needs a domain scoring 0; these scores mean \"no\"",
			   scores);
out:
	return;
}

/* Import lines only: the meeting has happened, and nothing it
 * recommended was completed before it. */
static void meeting_rule(const json_t *obj, const char *prefix,
			 const struct cdate *today, struct form_errors *e)
{
	const json_t *recs = json_object_get(obj, "recommendations");
	struct cdate meeting, done;
	size_t i;

	if (!rule_date(obj, "meeting_date", &meeting))
		goto out;
	rule_not_future(e, prefix, "meeting_date", &meeting, today);
	for (i = 0; json_is_array(recs) && i < json_array_size(recs); i++)
		if (rule_date(json_array_get(recs, i), "completed", &done))
			rule_item_not_before(e, prefix, "recommendations", i, "completed",
					     &done, "meeting_date", &meeting);
out:
	return;
}

static void review_rule(const json_t *obj, const char *prefix,
			const struct cdate *today, struct form_errors *e)
{
	modifiable_rule(obj, prefix, e);
	meeting_rule(obj, prefix, today, e);
}

static const char *const review_rules[] = {
	"`category` is 1 to 10; each of the four domains is present and scores 0, 1 or 2.",
	"`modifiable` is `yes` exactly when some domain scores 2; otherwise `no`, or `insufficient_information` only when some domain scores 0. A contradiction is refused.",
	"`themes` come from the theme list, each at most once.",
	"`meeting_date` appears only in import lines, where it is required and not in the future; outside an import the review takes the date of the meeting it is recorded at.",
	NULL,
};

const struct form form_review = {
	.name = "review",
	.title = "Review",
	.help = "The panel's analysis of a death (`review --json`, and `review` in an import line with `meeting_date` added).",
	FORM_FIELDS(review_fields),
	.rule = review_rule,
	.rules = review_rules,
};

/* Same fields and rules; FORM_IMPORT admits meeting_date and
 * recommendations[].completed. */
const struct form form_review_import = {
	.name = "review",
	.title = "Review (import line)",
	.help = "The review as carried in an import line.",
	FORM_FIELDS(review_fields),
	.rule = review_rule,
	.rules = review_rules,
	.flags = FORM_IMPORT,
};
