#include "cdop/panel/panel.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "forms/codes.h"
#include "forms/form.h"
#include "forms/groups.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char style[] =
	"body{font:11pt/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1b1b;"
	"max-width:60em;margin:2em auto;padding:0 1em}"
	"h1{font-size:1.6em;margin:0}h2{border-bottom:2px solid #1d4f91;color:#1d4f91;"
	"padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em;margin:1.2em 0 .3em}"
	".banner{background:#fff3cd;border:1px solid #c9a227;padding:.5em .8em;margin:1em 0}"
	"table{border-collapse:collapse;width:100%;margin:.3em 0}"
	"th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#eef2f8}table.facts th{width:45%}td.n{text-align:right}.late{color:#a00;font-weight:600}"
	".box{border:1px solid #888;min-height:4.5em;margin:.3em 0}"
	".cols{columns:2}.tick{display:inline-block;width:.9em;height:.9em;"
	"border:1px solid #333;margin-right:.4em;vertical-align:-.1em}"
	"nav ol{columns:3}.muted{color:#555}"
	"@media print{body{margin:0;max-width:none;font-size:10pt}"
	"section.case{break-before:page}nav{display:none}"
	"h2,h3{break-after:avoid}tr{break-inside:avoid}}";

static const char *s(const json_t *obj, const char *path)
{
	const json_t *v = form_json_get(obj, path);

	return json_is_string(v) ? json_string_value(v) : "";
}

static void label_row(FILE *f, const char *th, const char *value)
{
	fputs("<tr><th scope=\"row\">", f);
	html_escape(f, th);
	fputs("</th><td>", f);
	html_escape(f, value && *value ? value : "not recorded");
	fputs("</td></tr>\n", f);
}

static const char *code_label(const struct code_list *l, const char *code)
{
	const char *lab = code && *code ? code_list_label(l, code) : NULL;

	return lab ? lab : code;
}

static void case_summary(FILE *f, const json_t *v)
{
	const json_t *n = json_object_get(v, "notification");
	static const char *const months[] = { "January", "February", "March", "April",
		"May", "June", "July", "August", "September", "October", "November",
		"December" };
	const char *ym = s(n, "death.month");
	char month[32];
	int mo = strlen(ym) == 7 ? atoi(ym + 5) : 0;
	const char *res = json_is_boolean(form_json_get(n, "child.resident")) ?
		(json_is_true(form_json_get(n, "child.resident")) ? "yes" : "no") : "";

	if (mo >= 1 && mo <= 12)
		snprintf(month, sizeof month, "%s %.4s", months[mo - 1], ym);
	else
		snprintf(month, sizeof month, "%s", ym);
	fputs("<table class=\"facts\">\n", f);
	label_row(f, "Age at death", s(n, "age_band"));
	label_row(f, "Sex", code_label(&codes_sex, s(n, "child.sex")));
	label_row(f, "Month of death", month);
	label_row(f, "Expected or unexpected", s(n, "death.expected"));
	label_row(f, "Place of death (group)", group_place_of(s(n, "death.place")));
	label_row(f, "Ethnicity (group)", group_ethnicity_of(*s(n, "child.ethnicity") ?
							       s(n, "child.ethnicity") : NULL));
	label_row(f, "Resident in this CDOP's area", res);
	label_row(f, "Looked after", s(n, "child.looked_after"));
	label_row(f, "Child protection plan", s(n, "child.child_protection_plan"));
	label_row(f, "Notified by (agency)", code_label(&codes_agency, s(n, "notified.by_agency")));
	/* NCMD's notification data (SPEC §3); the cause of death is identifiable */
	label_row(f, "Education setting", s(n, "child.education_setting"));
	label_row(f, "Post-mortem", code_label(&codes_yes_no_unknown, s(n, "death.post_mortem")));
	label_row(f, "Coroner", code_label(&codes_coroner, s(n, "death.coroner")));
	{
		char g[24] = "", w[24] = "";

		if (json_is_integer(form_json_get(n, "birth.gestation_weeks")))
			snprintf(g, sizeof g, "%" JSON_INTEGER_FORMAT " weeks",
				 json_integer_value(form_json_get(n, "birth.gestation_weeks")));
		if (json_is_integer(form_json_get(n, "birth.weight_grams")))
			snprintf(w, sizeof w, "%" JSON_INTEGER_FORMAT " g",
				 json_integer_value(form_json_get(n, "birth.weight_grams")));
		label_row(f, "Gestation at birth", g);
		label_row(f, "Birth weight", w);
	}
	fputs("</table>\n<h3>Summary for the panel</h3>\n<p>", f);
	html_escape(f, *s(n, "panel_summary") ? s(n, "panel_summary") :
		    "The CDOP manager has not written a summary for the panel.");
	fputs("</p>\n", f);
}

static void case_timeline(FILE *f, const json_t *v)
{
	const json_t *rr = json_object_get(v, "rapid_response"), *a;
	size_t i;

	fputs("<h3>Joint agency response</h3>\n", f);
	if (!json_array_size(rr)) {
		fputs("<p class=\"muted\">No joint agency response actions (an expected "
		      "death, or none recorded).</p>\n", f);
		return;
	}
	fputs("<table><tr><th>Action</th><th>Done</th><th>Hours after death</th>"
	      "<th>Within target</th></tr>\n", f);
	json_array_foreach(rr, i, a) {
		const json_t *h = json_object_get(a, "hours_after_death");
		const json_t *w = json_object_get(a, "within_target");

		fputs("<tr><td>", f);
		html_escape(f, code_label(&codes_rr_action, s(a, "action")));
		fprintf(f, "</td><td>%s</td><td class=\"n\">", json_is_true(json_object_get(a, "done")) ?
			"yes" : "<span class=\"late\">not yet</span>");
		if (json_is_integer(h))
			fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(h));
		fprintf(f, "</td><td>%s</td></tr>\n", !json_is_boolean(w) ? "" :
			json_is_true(w) ? "yes" : "<span class=\"late\">no</span>");
	}
	fputs("</table>\n", f);
}

static void case_reports(FILE *f, const json_t *v)
{
	const json_t *ar = json_object_get(v, "agency_reports"), *a;
	size_t i;

	fputs("<h3>Agency reporting forms</h3>\n", f);
	if (!json_array_size(ar)) {
		fputs("<p class=\"muted\">None requested.</p>\n", f);
		return;
	}
	fputs("<table><tr><th>Agency</th><th>Report</th></tr>\n", f);
	json_array_foreach(ar, i, a) {
		fputs("<tr><td>", f);
		html_escape(f, code_label(&codes_agency, s(a, "agency")));
		fprintf(f, "</td><td>%s</td></tr>\n", json_is_true(json_object_get(a, "received")) ?
			"received" : "<span class=\"late\">awaited</span>");
	}
	fputs("</table>\n", f);
}

static void ticks(FILE *f, const struct code_list *l, int numbered)
{
	size_t i;

	fputs("<div class=\"cols\">\n", f);
	for (i = 0; i < l->n; i++) {
		fputs("<div><span class=\"tick\"></span>", f);
		if (numbered) {
			html_escape(f, l->codes[i].code);
			fputs(". ", f);
		}
		html_escape(f, l->codes[i].label);
		fputs("</div>\n", f);
	}
	fputs("</div>\n", f);
}

/* The analysis form's questions, from the form definition itself. */
static void analysis_form(FILE *f)
{
	const struct field *domains = NULL;
	size_t i, j;

	for (i = 0; i < form_review.n; i++)
		if (!strcmp(form_review.fields[i].name, "domains"))
			domains = &form_review.fields[i];
	fputs("<h3>Analysis: category of death</h3>\n", f);
	ticks(f, &codes_review_category, 1);
	fputs("<h3>Analysis: modifiable factors by domain</h3>\n<table><tr><th>Domain</th>", f);
	for (j = 0; j < codes_domain_score.n; j++) {
		fputs("<th>", f);
		html_escape(f, codes_domain_score.codes[j].code);
		fputs(" ", f);
		html_escape(f, codes_domain_score.codes[j].label);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (i = 0; domains && domains->sub && i < domains->sub->n; i++) {
		fputs("<tr><td>", f);
		html_escape(f, domains->sub->fields[i].label);
		fputs("</td>", f);
		for (j = 0; j < codes_domain_score.n; j++)
			fputs("<td><span class=\"tick\"></span></td>", f);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<p>Modifiable factors identified: ", f);
	for (j = 0; j < codes_modifiable.n; j++) {
		fputs("<span class=\"tick\"></span>", f);
		html_escape(f, codes_modifiable.codes[j].label);
		fputs(" &nbsp; ", f);
	}
	fputs("</p>\n<h3>Themes</h3>\n", f);
	ticks(f, &codes_theme, 0);
	fputs("<h3>Learning</h3><div class=\"box\"></div>\n"
	      "<p>May the learning be published? <span class=\"tick\"></span>yes "
	      "<span class=\"tick\"></span>no</p>\n"
	      "<h3>Recommendations</h3>\n<table><tr><th>Recommendation</th>"
	      "<th>Owner agency</th><th>Due</th></tr>\n"
	      "<tr><td>&nbsp;</td><td></td><td></td></tr>"
	      "<tr><td>&nbsp;</td><td></td><td></td></tr></table>\n"
	      "<p>Refer for a safeguarding practice review? <span class=\"tick\"></span>yes "
	      "<span class=\"tick\"></span>no</p>\n", f);
}

static int agenda_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	(void)r;
	(void)ctx;
	*row = json_pack("{s:I, s:s}", "id", (json_int_t)db_column_int(q, 0),
			 "ref", db_column_text(q, 1));
	return CDOP_OK;
}

static int write_pack(struct reg *r, FILE *f, int64_t meeting, const char *date, int *ncases)
{
	static const char sql[] =
		"SELECT c.id, c.ref FROM meeting_cases m JOIN cases c ON c.id = m.case_id "
		"WHERE m.meeting_id = :m ORDER BY c.ref";
	struct db_stmt q = DB_STMT_INIT;
	json_t *refs = NULL;
	char panel[160];
	int ret = config_panel_name(r, panel, sizeof panel);
	size_t i;
	json_t *ref;

	if (ret)
		return ret;

	fprintf(f, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
		"<title>CDOP panel pack: meeting %" PRId64 ", %s</title>\n<style>%s</style>\n"
		"</head><body>\n<header><h1>", meeting, date, style);
	html_escape(f, panel);
	fprintf(f, ": case pack</h1>\n"
		"<p>Meeting %" PRId64 " &middot; %s</p>\n<p class=\"banner\">OFFICIAL-SENSITIVE. "
		"For panel members. Each case shows its age band, month of death and "
		"coded facts, never its names, NHS number, date of birth, address or "
		"postcode; the only account of a case is the summary its CDOP manager "
		"wrote for the panel, which was checked against every name, NHS number, "
		"date of birth, address and postcode the register holds. Other people "
		"named in it (family, schools) are not known to the register and cannot be "
		"checked. Do not copy, forward or print more than needed; "
		"destroy after the meeting.</p></header>\n", meeting, date);
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":m", meeting);
	ret = cases_rows(r, &q, agenda_row, NULL, &refs);
	*ncases = (int)json_array_size(refs);
	fputs("<nav><h2>Cases</h2><ol>\n", f);
	json_array_foreach(refs, i, ref) {
		fprintf(f, "<li><a href=\"#%s\">%s</a></li>\n", s(ref, "ref"), s(ref, "ref"));
	}
	fputs("</ol></nav>\n", f);
	if (!*ncases)
		fputs("<p>No cases are on this meeting's agenda.</p>\n", f);
	json_array_foreach(refs, i, ref) {
		json_t *v = NULL;

		if (ret)
			break;
		ret = case_view(r, json_integer_value(json_object_get(ref, "id")),
				CASE_VIEW_ANON, &v);
		if (ret)
			break;
		fprintf(f, "<section class=\"case\" id=\"%s\">\n<h2>%s</h2>\n",
			s(ref, "ref"), s(ref, "ref"));
		case_summary(f, v);
		case_timeline(f, v);
		case_reports(f, v);
		analysis_form(f);
		fputs("</section>\n", f);
		json_decref(v);
	}
	fputs("</body></html>\n", f);
	json_decref(refs);
	return ret;
}

int pack_write(struct reg *r, const char *meeting_arg, const char *path, int mode)
{
	struct outfile o;
	char date[11], detail[48];
	int64_t meeting;
	int ret, cret, n = 0;

	ret = meetings_find(r, meeting_arg, &meeting, date);
	if (ret)
		return ret;
	ret = outfile_open(r, &o, path, mode); /* SPEC §2: OUTFILE_EXCL unless --force */
	if (ret)
		return ret;
	ret = db_begin(r); /* the pack is written inside its audit transaction */
	if (!ret) {
		ret = write_pack(r, o.f, meeting, date, &n);
		if (!ret)
			ret = outfile_finish(r, &o); /* complete before its entry */
		snprintf(detail, sizeof detail, "%d cases", n);
		/* Recorded before the file appears: never a pack without its entry. */
		ret = cases_commit(r, ret, "meeting_pack", meeting_arg, detail);
	}
	cret = outfile_close(r, &o, !ret);
	return ret ? ret : cret;
}
