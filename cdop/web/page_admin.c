/* /reports (manager, analyst), /users and /audit (admin). */
#include "cdop/web/web_int.h"
#include "cdop/report/report.h"
#include "cdop/store/store.h"

#include <ctype.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- /reports ---- */

static const char *const formats[] = { "html", "csv", "json", "md" };

static int hex_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; s && s[i]; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s && i == n;
}

/* A report written earlier by this server: /reports?file=ID&fmt=F[&sig=1]. */
static int report_download(struct web_req *q, const char *id)
{
	const char *fmt = web_arg(q, "fmt"), *sig = web_arg(q, "sig");
	char path[600];
	size_t i;
	int known = 0;

	for (i = 0; fmt && i < sizeof formats / sizeof formats[0]; i++)
		known |= !strcmp(fmt, formats[i]);
	if (!hex_ok(id, 32) || !known)
		return web_fail(q, 404, "Not found", "No such report file.");
	snprintf(path, sizeof path, "%s/report-%s.%s%s", web_tmpdir, id, fmt,
		 sig ? ".minisig" : "");
	if (web_file_read(q, path))
		return web_fail(q, 404, "Not found", "No such report file: write it again.");
	q->raw_type = sig ? "text/plain; charset=utf-8" :
		!strcmp(fmt, "html") ? "text/html; charset=utf-8" :
		!strcmp(fmt, "csv") ? "text/csv; charset=utf-8" :
		!strcmp(fmt, "json") ? "application/json" : "text/markdown; charset=utf-8";
	snprintf(q->raw_name, sizeof q->raw_name, "cdop-report.%s%s", fmt,
		 sig ? ".minisig" : "");
	return 0;
}

static void radio(FILE *f, const char *name, const char *value, const char *label, int on)
{
	fprintf(f, "<label class=\"choice\"><input type=\"radio\" name=\"%s\" value=\"%s\"%s> ",
		name, value, on ? " checked" : "");
	web_h(f, label);
	fputs("</label>", f);
}

int page_reports(struct web_req *q, const char *rest)
{
	const char *file = web_arg(q, "file");
	char pub[512], keyid[SIGN_KEYID_HEX_SIZE], err[REG_ERR_MAX] = "";
	char made[33] = "", made_fmt[8] = "", year_default[32];
	char today[11];
	int ret, y, m;

	(void)rest;
	snprintf(q->title, sizeof q->title, "Reports");
	if (file && !strcmp(q->method, "GET"))
		return report_download(q, file);
	reg_today(q->r, today);
	/* The reporting year that has most recently ended (1 April-31 March). */
	y = atoi(today);
	m = atoi(today + 5);
	if (m < 4)
		y--;
	snprintf(year_default, sizeof year_default, "%d-%02d", y - 1, (y % 100 + 100) % 100);
	if (!strcmp(q->method, "POST")) {
		struct report_opts o;
		struct report_result res;
		unsigned char rnd[16];
		char path[600];
		const char *fmt = web_form_get(q->form, "format");
		size_t i;
		int known = 0;

		for (i = 0; fmt && i < sizeof formats / sizeof formats[0]; i++)
			known |= !strcmp(fmt, formats[i]);
		randombytes_buf(rnd, sizeof rnd);
		sodium_bin2hex(made, sizeof made, rnd, sizeof rnd);
		snprintf(path, sizeof path, "%s/report-%s.%s", web_tmpdir, made,
			 known ? fmt : "x");
		memset(&o, 0, sizeof o);
		o.year = web_form_get(q->form, "year");
		o.edition = web_form_get(q->form, "edition");
		o.disclosure = web_form_get(q->form, "disclosure");
		if (o.disclosure && !*o.disclosure)
			o.disclosure = NULL;
		if (o.edition && !strcmp(o.edition, "board"))
			o.disclosure = NULL;
		o.format = fmt;
		o.out = path;
		ret = report_annual(q->r, &o, &res);
		if (ret) {
			snprintf(err, sizeof err, "%s", q->r->e.msg);
			q->status = web_status_of(ret);
			made[0] = 0;
		} else {
			snprintf(made_fmt, sizeof made_fmt, "%s", fmt);
		}
	}
	fputs("<h1>Annual report</h1>\n", q->f);
	if (*err)
		web_error_box(q, err);
	if (*made) {
		fputs("<div class=\"card\"><h2>Written and signed</h2><p>", q->f);
		fprintf(q->f, "<a class=\"button\" href=\"/reports?file=%s&amp;fmt=%s\">"
			"Download the report (%s)</a> ", made, made_fmt, made_fmt);
		fprintf(q->f, "<a class=\"button secondary\" href=\"/reports?file=%s&amp;fmt=%s"
			"&amp;sig=1\">Download its signature (.minisig)</a></p>"
			"<p class=\"hint\">Keep both files together: the signature proves the "
			"report came from this register unchanged.</p></div>\n", made, made_fmt);
	}
	fputs("<form class=\"card\" method=\"post\" action=\"/reports\">", q->f);
	web_csrf_input(q);
	fputs("<label for=\"year\">Reporting year</label><input id=\"year\" name=\"year\" "
	      "class=\"short\" value=\"", q->f);
	web_h(q->f, q->form && web_form_get(q->form, "year") ? web_form_get(q->form, "year") :
	      year_default);
	fputs("\"><p class=\"hint\">1 April to 31 March, written as 2025-26.</p>"
	      "<fieldset class=\"choices\"><legend>Edition</legend>", q->f);
	radio(q->f, "edition", "public", "Public: small numbers withheld", 1);
	radio(q->f, "edition", "board", "Board: exact counts, no identifiers", 0);
	fputs("</fieldset><fieldset class=\"choices\"><legend>Disclosure control (public "
	      "edition)</legend>", q->f);
	radio(q->f, "disclosure", "dfe", "DfE: 1–5 shown as x", 1);
	radio(q->f, "disclosure", "nhs", "NHS: 1–7 shown as *, others rounded to 5", 0);
	fputs("</fieldset><fieldset class=\"choices\"><legend>Format</legend>", q->f);
	radio(q->f, "format", "html", "Web page (HTML)", 1);
	radio(q->f, "format", "csv", "Spreadsheet (CSV)", 0);
	radio(q->f, "format", "json", "JSON", 0);
	radio(q->f, "format", "md", "Markdown", 0);
	fputs("</fieldset><p><button>Write and sign the report</button></p></form>\n", q->f);
	ret = signing_pubkey_text(q->r, pub, sizeof pub, keyid);
	if (!ret) {
		fputs("<h2>Checking a report</h2><p>Anyone can check a report with the stock "
		      "<code>minisign</code> tool and this register's public key. Save the key "
		      "below as <code>cdop.pub</code>, then run:</p><pre class=\"key\">"
		      "minisign -Vm cdop-report.html -p cdop.pub</pre><p>or, with cdop: "
		      "<code>cdop verify cdop-report.html</code>.</p><pre class=\"key\">", q->f);
		web_h(q->f, pub);
		fputs("</pre>\n", q->f);
	}
	return 0;
}

/* ---- /users ---- */

static int user_row(const struct user_info *u, void *ctx)
{
	FILE *f = ctx;

	fputs("<tr><td>", f);
	web_h(f, u->name);
	fputs("</td><td>", f);
	web_h(f, role_name(u->role));
	fputs("</td><td>", f);
	web_h(f, u->state);
	fputs("</td><td>", f);
	web_h(f, u->created_at);
	fputs("</td></tr>\n", f);
	return 0;
}

int page_users(struct web_req *q, const char *rest)
{
	char err[REG_ERR_MAX] = "";
	int ret;

	(void)rest;
	snprintf(q->title, sizeof q->title, "Users");
	if (!strcmp(q->method, "POST")) {
		const char *op = web_form_get(q->form, "op"), *name = web_form_get(q->form, "name");

		if (op && !strcmp(op, "add")) {
			const char *pass = web_form_get(q->form, "passphrase");
			const char *pass2 = web_form_get(q->form, "passphrase2");
			enum role role = role_parse(web_form_get(q->form, "role") ?
						    web_form_get(q->form, "role") : "");

			if (!pass || !pass2 || strcmp(pass, pass2))
				ret = reg_fail_field(q->r, CDOP_ERR_INPUT, "passphrase",
						     "the two passphrases differ");
			else if (role == ROLE_NONE)
				ret = reg_fail_field(q->r, CDOP_ERR_INPUT, "role", "choose "
						     "admin, manager, panel or analyst");
			else
				ret = users_add(q->r, name ? name : "", role, pass, strlen(pass));
		} else if (op && !strcmp(op, "disable")) {
			ret = users_disable(q->r, name ? name : "");
		} else {
			ret = reg_fail(q->r, CDOP_ERR_INPUT, "unknown form");
		}
		if (!ret) {
			snprintf(q->location, sizeof q->location, "/users");
			if (q->r->st.rekey_pending) /* as the CLI's warning */
				snprintf(q->flash, sizeof q->flash, "Done, but %.400s; the next "
					 "opening of the register re-encrypts it.", q->r->e.msg);
			else
				snprintf(q->flash, sizeof q->flash, "Done.");
			return 0;
		}
		snprintf(err, sizeof err, "%s", q->r->e.msg);
		q->status = web_status_of(ret);
	}
	fputs("<h1>Users</h1>\n", q->f);
	if (*err)
		web_error_box(q, err);
	fputs("<table><thead><tr><th>Name</th><th>Role</th><th>State</th><th>Since</th>"
	      "</tr></thead><tbody>\n", q->f);
	ret = users_foreach(q->r, user_row, q->f);
	fputs("</tbody></table>\n", q->f);
	if (ret)
		web_error_box(q, q->r->e.msg);
	fputs("<div class=\"cols\"><form class=\"card\" method=\"post\" action=\"/users\">"
	      "<h2>Add a user</h2><input type=\"hidden\" name=\"op\" value=\"add\">", q->f);
	web_csrf_input(q);
	fputs("<label for=\"name\">User name</label><input id=\"name\" name=\"name\" "
	      "class=\"short\"><label for=\"role\">Role</label><select id=\"role\" name=\"role\">"
	      "<option>manager</option><option>panel</option><option>analyst</option>"
	      "<option>admin</option></select><label for=\"passphrase\">Their passphrase"
	      "</label><input id=\"passphrase\" name=\"passphrase\" type=\"password\" "
	      "autocomplete=\"new-password\"><label for=\"passphrase2\">Again</label>"
	      "<input id=\"passphrase2\" name=\"passphrase2\" type=\"password\" "
	      "autocomplete=\"new-password\"><p><button>Add</button></p></form>"
	      "<form class=\"card\" method=\"post\" action=\"/users\"><h2>Disable a user</h2>"
	      "<input type=\"hidden\" name=\"op\" value=\"disable\">", q->f);
	web_csrf_input(q);
	fputs("<label for=\"dname\">User name</label><input id=\"dname\" name=\"name\" "
	      "class=\"short\"><p class=\"hint\">Their key slot is erased; they can no "
	      "longer unlock.</p><p><button>Disable</button></p></form></div>\n", q->f);
	return 0;
}

/* ---- /audit ---- */

#define AUDIT_SHOWN 300

struct audit_ring {
	struct row { long long seq; char *at, *user, *action, *object, *detail; } v[AUDIT_SHOWN];
	size_t n, total;
};

static int audit_keep(const struct audit_entry *e, void *ctx)
{
	struct audit_ring *a = ctx;
	struct row *r = &a->v[a->total % AUDIT_SHOWN];

	if (a->total >= AUDIT_SHOWN) {
		free(r->at), free(r->user), free(r->action), free(r->object), free(r->detail);
	}
	r->seq = (long long)e->seq;
	r->at = strdup(e->at ? e->at : "");
	r->user = strdup(e->user ? e->user : "");
	r->action = strdup(e->action ? e->action : "");
	r->object = strdup(e->object ? e->object : "");
	r->detail = strdup(e->detail ? e->detail : "");
	a->total++;
	if (a->n < AUDIT_SHOWN)
		a->n++;
	return 0;
}

/* An entry's detail: a change's {"changes": [...], ...} as one line per
 * field changed and one per other member; any other text as it is. */
static void audit_detail(FILE *f, const char *detail)
{
	json_t *d = detail[0] == '{' ? json_loads(detail, 0, NULL) : NULL;
	const json_t *ch = json_object_get(d, "changes"), *v;
	const char *key;

	if (!json_is_array(ch)) {
		web_h(f, detail);
		json_decref(d);
		return;
	}
	web_changes(f, ch);
	json_object_foreach(d, key, v) {
		if (!strcmp(key, "changes"))
			continue;
		fputs("<div><span class=\"hint\">", f);
		web_h(f, key);
		fputs(":</span> ", f);
		web_json_text(f, v);
		fputs("</div>", f);
	}
	json_decref(d);
}

int page_audit(struct web_req *q, const char *rest)
{
	struct audit_ring *a = calloc(1, sizeof *a);
	int64_t bad = 0;
	size_t i;
	int ret, vret;

	(void)rest;
	snprintf(q->title, sizeof q->title, "Audit trail");
	if (!a)
		return web_fail(q, 500, "Audit trail", "out of memory");
	fputs("<h1>Audit trail</h1>\n", q->f);
	vret = audit_verify(q->r, &bad);
	if (vret)
		web_error_box(q, q->r->e.msg);
	else
		fputs("<p class=\"flash\">The chain of entries is intact.</p>\n", q->f);
	ret = audit_foreach(q->r, audit_keep, a);
	if (ret)
		web_error_box(q, q->r->e.msg);
	fprintf(q->f, "<p class=\"hint\">%zu entries; the newest %zu, newest first.</p>\n",
		a->total, a->n);
	fputs("<table><thead><tr><th>#</th><th>When (UTC)</th><th>User</th><th>Action</th>"
	      "<th>Object</th><th>Detail</th></tr></thead><tbody>\n", q->f);
	for (i = 0; i < a->n; i++) {
		struct row *r = &a->v[(a->total - 1 - i) % AUDIT_SHOWN];

		fprintf(q->f, "<tr><td>%lld</td><td>", r->seq);
		web_h(q->f, r->at);
		fputs("</td><td>", q->f);
		web_h(q->f, r->user);
		fputs("</td><td>", q->f);
		web_h(q->f, r->action);
		fputs("</td><td>", q->f);
		web_h(q->f, r->object);
		fputs("</td><td>", q->f);
		audit_detail(q->f, r->detail);
		fputs("</td></tr>\n", q->f);
	}
	fputs("</tbody></table>\n", q->f);
	for (i = 0; i < a->n; i++) {
		struct row *r = &a->v[i];

		free(r->at), free(r->user), free(r->action), free(r->object), free(r->detail);
	}
	free(a);
	return ret;
}
