/*
 * case print: one case on one printed page (A4), for a file or a meeting
 * folder. The manager's copy is identifiable and marked so; the panel's is
 * the anonymised view, as in the pack. One self-contained HTML file, no
 * network fetches, written through outfile and audited before it appears.
 */
#include "cdop/panel/panel.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "forms/codes.h"
#include "forms/form.h"
#include "forms/groups.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char style[] =
	"@page{size:A4;margin:12mm}"
	"body{font:9.5pt/1.35 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1b1b;"
	"max-width:190mm;margin:1em auto}"
	"h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.05em;color:#1d4f91;"
	"border-bottom:1.5px solid #1d4f91;margin:.8em 0 .3em;padding-bottom:.1em}"
	".banner{background:#fff3cd;border:1px solid #c9a227;padding:.3em .6em;margin:.4em 0;"
	"font-size:.9em}.key{display:flex;gap:1.5em;flex-wrap:wrap;margin:.3em 0}"
	".key div{border-left:3px solid #1d4f91;padding-left:.5em}.key b{display:block;"
	"font-size:.8em;color:#555;font-weight:600;text-transform:uppercase}"
	".cols{display:grid;grid-template-columns:1fr 1fr;gap:0 1.2em}"
	"table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;"
	"padding:.12em .3em;text-align:left;vertical-align:top}th{color:#444;font-weight:600;"
	"width:42%}table.list th{width:auto;background:#eef2f8}.muted{color:#666}"
	"@media print{body{margin:0}.banner{break-inside:avoid}}";

static const char *str(const json_t *obj, const char *path)
{
	const json_t *v = form_json_get(obj, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void row(FILE *f, const char *th, const char *td)
{
	fputs("<tr><th>", f);
	html_escape(f, th);
	fputs("</th><td>", f);
	html_escape(f, td);
	fputs("</td></tr>\n", f);
}

/* A group of the notification (child, death, birth, notified) as a table of
 * the fields given, with the form's labels and codes' labels. */
static void group(FILE *f, const json_t *n, const struct field *grp)
{
	const json_t *obj = json_object_get(n, grp->name);
	size_t j;
	int shown = 0;

	if (!grp->sub || !json_is_object(obj))
		return;
	for (j = 0; j < grp->sub->n; j++) {
		const struct field *fld = &grp->sub->fields[j];
		const json_t *v = json_object_get(obj, fld->name);
		const char *lab = NULL;
		char text[32];

		if (!v || json_is_null(v))
			continue;
		if (!shown++) {
			fputs("<section><h2>", f);
			html_escape(f, grp->label);
			fputs("</h2><table>\n", f);
		}
		if (json_is_string(v) && fld->codes)
			lab = code_list_label(fld->codes, json_string_value(v));
		if (json_is_boolean(v))
			lab = json_is_true(v) ? "yes" : "no";
		if (json_is_integer(v)) {
			snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			lab = text;
		}
		row(f, fld->label, lab ? lab : json_string_value(v) ? json_string_value(v) : "");
	}
	if (!strcmp(grp->name, "death") && str(n, "death.month")) {
		if (!shown++)
			fputs("<section><h2>Death</h2><table>\n", f);
		row(f, "Month of death", str(n, "death.month"));
	}
	if (shown)
		fputs("</table></section>\n", f);
}

static void responses(FILE *f, const json_t *v)
{
	const json_t *rr = json_object_get(v, "rapid_response"), *a;
	size_t i;

	if (!json_array_size(rr))
		return;
	fputs("<section><h2>Joint agency response</h2><table class=\"list\">"
	      "<tr><th>Action</th><th>Done</th></tr>\n", f);
	json_array_foreach((json_t *)rr, i, a) {
		const char *lab = code_list_label(&codes_rr_action, str(a, "action"));
		const json_t *h = json_object_get(a, "hours_after_death");
		char done[96];

		if (str(a, "on"))
			snprintf(done, sizeof done, "%s", str(a, "on"));
		else if (json_is_true(json_object_get(a, "done")) && json_is_integer(h))
			snprintf(done, sizeof done, "yes, %" JSON_INTEGER_FORMAT " hours after the death",
				 json_integer_value(h));
		else if (json_is_true(json_object_get(a, "done")))
			snprintf(done, sizeof done, "yes");
		else
			snprintf(done, sizeof done, "not yet%s%s", str(a, "due") ? ", due " : "",
				 str(a, "due") ? str(a, "due") : "");
		fputs("<tr><td>", f);
		html_escape(f, lab ? lab : str(a, "action"));
		fputs("</td><td>", f);
		html_escape(f, done);
		fputs("</td></tr>\n", f);
	}
	fputs("</table></section>\n", f);
}

static void reports(FILE *f, const json_t *v)
{
	const json_t *ar = json_object_get(v, "agency_reports"), *a;
	size_t i;

	if (!json_array_size(ar))
		return;
	fputs("<section><h2>Agency reports</h2><table class=\"list\">"
	      "<tr><th>Agency</th><th>Received</th></tr>\n", f);
	json_array_foreach((json_t *)ar, i, a) {
		const char *lab = code_list_label(&codes_agency, str(a, "agency"));
		const json_t *got = json_object_get(a, "received");
		char text[64];

		if (json_is_string(got))
			snprintf(text, sizeof text, "%s", json_string_value(got));
		else if (json_is_true(got))
			snprintf(text, sizeof text, "yes");
		else if (str(a, "due"))
			snprintf(text, sizeof text, "awaited, due %s", str(a, "due"));
		else
			snprintf(text, sizeof text, "awaited");
		fputs("<tr><td>", f);
		html_escape(f, lab ? lab : str(a, "agency"));
		fputs("</td><td>", f);
		html_escape(f, text);
		fputs("</td></tr>\n", f);
	}
	fputs("</table></section>\n", f);
}

static void review(FILE *f, const json_t *v)
{
	const json_t *rv = json_object_get(v, "review"), *x;
	const json_t *recs = json_object_get(v, "recommendations");
	char cat[16], themes[512] = "";
	size_t i;

	if (!rv)
		return;
	snprintf(cat, sizeof cat, "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(rv, "category")));
	fputs("<section><h2>Panel review</h2><table>\n", f);
	row(f, "Meeting date", str(rv, "meeting_date") ? str(rv, "meeting_date") : "");
	row(f, "Category of death", code_list_label(&codes_review_category, cat) ?
	    code_list_label(&codes_review_category, cat) : cat);
	row(f, "Modifiable factors", code_list_label(&codes_modifiable, str(rv, "modifiable")) ?
	    code_list_label(&codes_modifiable, str(rv, "modifiable")) : "");
	json_array_foreach(json_object_get(rv, "themes"), i, x) {
		const char *lab = code_list_label(&codes_theme, json_string_value(x));

		snprintf(themes + strlen(themes), sizeof themes - strlen(themes), "%s%s",
			 i ? ", " : "", lab ? lab : json_string_value(x));
	}
	if (themes[0])
		row(f, "Themes", themes);
	if (str(rv, "learning"))
		row(f, "Learning", str(rv, "learning"));
	fputs("</table></section>\n", f);
	if (!json_array_size(recs))
		return;
	fputs("<section><h2>Recommendations</h2><table class=\"list\"><tr><th>Owner</th>"
	      "<th>Recommendation</th><th>Due</th><th>Done</th></tr>\n", f);
	json_array_foreach((json_t *)recs, i, x) {
		const char *lab = code_list_label(&codes_agency, str(x, "owner"));

		fputs("<tr><td>", f);
		html_escape(f, lab ? lab : str(x, "owner"));
		fputs("</td><td>", f);
		html_escape(f, str(x, "text"));
		fputs("</td><td>", f);
		html_escape(f, str(x, "due"));
		fputs("</td><td>", f);
		html_escape(f, str(x, "done_on") ? str(x, "done_on") : "open");
		fputs("</td></tr>\n", f);
	}
	fputs("</table></section>\n", f);
}

static void write_print(FILE *f, const json_t *v, const json_t *facts, int anon,
			const char *today)
{
	const json_t *n = json_object_get(v, "notification");
	const json_t *days = json_object_get(facts, "days_since_death");
	size_t i;

	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
	      "<title>", f);
	html_escape(f, str(v, "ref"));
	fprintf(f, ": case summary</title>\n<style>%s</style></head><body>\n<header><h1>", style);
	html_escape(f, str(v, "ref"));
	if (!anon && str(n, "child.forename")) {
		fputs(": ", f);
		html_escape(f, str(n, "child.forename"));
		fputs(" ", f);
		html_escape(f, str(n, "child.surname") ? str(n, "child.surname") : "");
	}
	fputs("</h1>\n<p class=\"banner\">", f);
	fputs(anon ? "OFFICIAL-SENSITIVE. Anonymised for panel members: no names, NHS "
		     "numbers, dates of birth, addresses or postcodes."
		   : "OFFICIAL-SENSITIVE: PERSONAL. Identifiable: for the CDOP manager's "
		     "case file only; do not share, print only as needed.", f);
	fputs("</p>\n<div class=\"key\">", f);
	fputs("<div><b>Status</b>", f);
	html_escape(f, str(facts, "status_label"));
	fputs("</div><div><b>Waiting for</b>", f);
	html_escape(f, str(facts, "waiting_for"));
	fputs("</div><div><b>Age at death</b>", f);
	html_escape(f, str(facts, "age_at_death") ? str(facts, "age_at_death") : "not known");
	fputs("</div>", f);
	if (json_is_integer(days))
		fprintf(f, "<div><b>Days since death</b>%" JSON_INTEGER_FORMAT "</div>",
			json_integer_value(days));
	fputs("<div><b>Printed</b>", f);
	html_escape(f, today);
	fputs("</div></div></header>\n<div class=\"cols\">\n", f);
	for (i = 0; i < form_notification.n; i++)
		group(f, n, &form_notification.fields[i]);
	responses(f, v);
	reports(f, v);
	fputs("</div>\n", f);
	review(f, v);
	fputs("</body></html>\n", f);
}

int case_print_write(struct reg *r, const char *ref, int anonymised, const char *path,
		     int mode)
{
	struct outfile o = OUTFILE_INIT;
	struct cdate t;
	char today[DATE_BUFLEN];
	json_t *v = NULL, *facts = NULL;
	int64_t id;
	int ret, cret;

	ret = reg_today_date(r, &t, today);
	if (!ret)
		ret = cases_find(r, ref, &id, NULL);
	if (!ret)
		ret = case_view(r, id, anonymised ? CASE_VIEW_ANON : CASE_VIEW_FULL, &v);
	if (!ret && !(facts = case_summary_facts(v, anonymised ? NULL : &t)))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (ret)
		goto out;
	ret = outfile_open(r, &o, path, mode);
	if (ret)
		goto out;
	ret = db_begin(r);
	if (!ret) {
		write_print(o.f, v, facts, anonymised, today);
		/* Recorded before the file appears: never a print without its entry. */
		ret = cases_commit(r, ret, "print", json_string_value(json_object_get(v, "ref")),
				   anonymised ? "anonymised" : "identifiable");
	}
	cret = outfile_close(r, &o, !ret);
	if (!ret)
		ret = cret;
out:
	json_decref(v);
	json_decref(facts);
	return ret;
}
