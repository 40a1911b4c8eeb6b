/* case show as a readable summary: the form's own groups and labels, no
 * empty lines for fields not given. The --json output is the view as is. */
#include "cdop/cli/cli.h"
#include "cdop/cases/cases.h"
#include "forms/codes.h"
#include "forms/form.h"

#include <stdio.h>
#include <string.h>

#define S(obj, k) (json_string_value(json_object_get(obj, k)) ? \
		   json_string_value(json_object_get(obj, k)) : "")

static void field_line(const char *label, const char *value)
{
	int n = (int)strlen(label);

	printf("  %s:%*s ", label, n < 34 ? 34 - n : 0, "");
	cli_put_text(stdout, value, 0);
	printf("\n");
}

/* One leaf of the notification as text: a code's label, yes/no. */
static void value_text(const struct field *fld, const json_t *v, char *out, size_t len)
{
	const char *lab;

	if (json_is_string(v) && fld->codes &&
	    (lab = code_list_label(fld->codes, json_string_value(v))) != NULL)
		snprintf(out, len, "%s", lab);
	else if (json_is_string(v))
		snprintf(out, len, "%s", json_string_value(v));
	else if (json_is_boolean(v))
		snprintf(out, len, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_integer(v))
		snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		out[0] = '\0';
}

static void notification_text(const json_t *n)
{
	size_t i, j;

	for (i = 0; i < form_notification.n; i++) {
		const struct field *grp = &form_notification.fields[i];
		const json_t *obj = json_object_get(n, grp->name);
		int shown = 0;

		if (!grp->sub || !json_is_object(obj))
			continue;
		for (j = 0; j < grp->sub->n; j++) {
			const struct field *fld = &grp->sub->fields[j];
			const json_t *v = json_object_get(obj, fld->name);
			char text[4200];

			if (!v || json_is_null(v))
				continue;
			value_text(fld, v, text, sizeof text);
			if (!text[0])
				continue;
			if (!shown++)
				printf("\n%s\n", grp->label);
			field_line(fld->label, text);
		}
		/* the panel's stand-ins for exact dates */
		if (!strcmp(grp->name, "death") && json_object_get(obj, "month")) {
			if (!shown++)
				printf("\n%s\n", grp->label);
			field_line("Month of death", S(obj, "month"));
		}
	}
}

static void rr_text(const json_t *list)
{
	const json_t *a;
	size_t i;

	if (!json_array_size(list))
		return;
	printf("\nJoint agency response\n");
	json_array_foreach((json_t *)list, i, a) {
		const char *lab = code_list_label(&codes_rr_action, S(a, "action"));
		char line[512];

		if (json_object_get(a, "done") && !json_object_get(a, "on"))
			snprintf(line, sizeof line, "%s", json_is_true(json_object_get(a, "done")) ?
				 "done" : "not yet done");
		else if (json_is_string(json_object_get(a, "on")))
			snprintf(line, sizeof line, "done %s%s%s", S(a, "on"),
				 json_object_get(a, "by") ? " by " : "", S(a, "by"));
		else
			snprintf(line, sizeof line, "not yet done%s%s",
				 json_object_get(a, "due") ? ", due " : "", S(a, "due"));
		field_line(lab ? lab : S(a, "action"), line);
	}
}

static void agency_text(const json_t *list)
{
	const json_t *a;
	size_t i;

	if (!json_array_size(list))
		return;
	printf("\nAgency reports\n");
	json_array_foreach((json_t *)list, i, a) {
		const char *lab = code_list_label(&codes_agency, S(a, "agency"));
		const json_t *got = json_object_get(a, "received");
		char line[256];

		if (json_is_string(got))
			snprintf(line, sizeof line, "received %s", json_string_value(got));
		else if (json_is_true(got))
			snprintf(line, sizeof line, "received");
		else if (json_object_get(a, "requested"))
			snprintf(line, sizeof line, "requested %s, due %s, not yet received",
				 S(a, "requested"), S(a, "due"));
		else
			snprintf(line, sizeof line, "not yet received");
		field_line(lab ? lab : S(a, "agency"), line);
	}
}

static void review_text(const json_t *v)
{
	const json_t *rv = json_object_get(v, "review"), *recs, *x;
	char cat[16], line[256];
	size_t i;

	if (!rv)
		return;
	printf("\nReview (meeting %" JSON_INTEGER_FORMAT ", %s)\n",
	       json_integer_value(json_object_get(rv, "meeting")), S(rv, "meeting_date"));
	snprintf(cat, sizeof cat, "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(rv, "category")));
	snprintf(line, sizeof line, "%s %s", cat,
		 code_list_label(&codes_review_category, cat) ?
		 code_list_label(&codes_review_category, cat) : "");
	field_line("Category of death", line);
	field_line("Modifiable factors", code_list_label(&codes_modifiable, S(rv, "modifiable")) ?
		   code_list_label(&codes_modifiable, S(rv, "modifiable")) : S(rv, "modifiable"));
	line[0] = '\0';
	json_array_foreach(json_object_get(rv, "themes"), i, x) {
		const char *lab = code_list_label(&codes_theme, json_string_value(x));

		snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s",
			 i ? ", " : "", lab ? lab : json_string_value(x));
	}
	if (line[0])
		field_line("Themes", line);
	if (json_object_get(rv, "learning"))
		field_line("Learning", S(rv, "learning"));
	if (!strcmp(S(rv, "text_check"), "unchecked"))
		field_line("Learning checked", "not yet: a manager's next unlock checks it "
			   "for identifiers; until then it is not published");
	json_array_foreach(json_object_get(v, "to_fix"), i, x) {
		snprintf(line, sizeof line, "%s holds %s held in the register: never "
			 "published; rewrite it", S(x, "field"), S(x, "what"));
		field_line("To fix", line);
	}
	field_line("Referred for a safeguarding practice review",
		   json_is_true(json_object_get(rv, "referred_for_review")) ? "yes" : "no");
	recs = json_object_get(v, "recommendations");
	if (!json_array_size(recs))
		return;
	printf("\nRecommendations\n");
	json_array_foreach((json_t *)recs, i, x) {
		char head[64], body[2600];

		snprintf(head, sizeof head, "#%" JSON_INTEGER_FORMAT " %s",
			 json_integer_value(json_object_get(x, "id")), S(x, "owner"));
		snprintf(body, sizeof body, "%s (due %s%s%s)", S(x, "text"), S(x, "due"),
			 json_is_string(json_object_get(x, "done_on")) ? ", done " : ", open",
			 S(x, "done_on"));
		field_line(head, body);
	}
}

void cli_case_text(const json_t *view, const json_t *facts)
{
	const json_t *n = json_object_get(view, "notification");
	const json_t *days = json_object_get(facts, "days_since_death");

	printf("%s", S(view, "ref"));
	if (json_object_get(json_object_get(n, "child"), "forename")) {
		printf("  ");
		cli_put_text(stdout, S(json_object_get(n, "child"), "forename"), 0);
		printf(" ");
		cli_put_text(stdout, S(json_object_get(n, "child"), "surname"), 0);
	}
	printf("\n");
	field_line("Status", S(facts, "status_label"));
	field_line("Waiting for", S(facts, "waiting_for"));
	field_line("Age at death", S(facts, "age_at_death"));
	if (json_is_integer(days)) {
		char d[32];

		snprintf(d, sizeof d, "%" JSON_INTEGER_FORMAT, json_integer_value(days));
		field_line("Days since death", d);
	}
	notification_text(n);
	rr_text(json_object_get(view, "rapid_response"));
	agency_text(json_object_get(view, "agency_reports"));
	review_text(view);
}
