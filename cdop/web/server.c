/*
 * The browser UI's server (SPEC §7): libmicrohttpd on 127.0.0.1, one
 * thread per connection; the start token, sessions, the Host and CSRF
 * checks, the security headers, the idle lock and shutdown. The pages are
 * in page_*.c; the routes and who may see them are the table below.
 *
 * Sessions and the register. Each browser session that has logged in
 * holds its own user's keys in its own struct reg (reg_unlock: the
 * Argon2id key derivation runs without any lock, so a login never holds
 * up other sessions). The register itself is one writer at a time, as for
 * the command line: a request resumes its session's register under the
 * process-wide register mutex (and the register's flock, so a cdop
 * command waits too), runs the page and suspends it again.
 */
#include "cdop/web/web.h"
#include "cdop/web/web_int.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "crypto/secure.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOKEN_BYTES 32
#define TOKEN_HEX (2 * TOKEN_BYTES + 1)
#define SESSIONS_MAX 64
#define FORM_BYTES_MAX (256 * 1024)
#define COOKIE_NAME "cdop_session"

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
			  "form-action 'self'; frame-ancestors 'none'";

struct web_session {
	int used;
	char id[TOKEN_HEX];
	char csrf[TOKEN_HEX];
	pthread_mutex_t mx;       /* one request of this session at a time */
	struct reg *reg;          /* NULL until logged in, and after a lock */
	struct search_index *six; /* a manager's search index, wiped with reg */
	char user[REG_NAME_MAX + 1];
	enum role role;
	time_t last;
	char flash[REG_ERR_MAX];   /* shown once on the next page */
	char locked_user[REG_NAME_MAX + 1];
};

static struct server {
	const struct web_opts *o;
	unsigned port;
	char token[TOKEN_HEX];
	char host_ip[32], host_name[32];
	pthread_mutex_t table_mx;  /* the session table */
	pthread_mutex_t reg_mx;    /* the register: one request at a time */
	struct web_session s[SESSIONS_MAX];
} srv;

char web_tmpdir[256];

/* ---- routes ---------------------------------------------------------------- */

#define R_ADMIN ROLE_BIT(ROLE_ADMIN)
#define R_MANAGER ROLE_BIT(ROLE_MANAGER)
#define R_PANEL ROLE_BIT(ROLE_PANEL)
#define R_ANALYST ROLE_BIT(ROLE_ANALYST)

struct route {
	const char *prefix;   /* path, or prefix ending in '/' with a rest */
	const char *suffix;   /* after the rest ("/edit"), or NULL */
	web_page_fn *fn;
	unsigned roles;
	int identifiable;     /* shows identifiers: manager only (audited 403) */
};

static const struct route routes[] = {
	{ "/", NULL, page_today, ROLES_ANY, 0 },
	{ "/cases", NULL, page_cases, R_MANAGER | R_PANEL, 0 },
	{ "/cases/new", NULL, page_case_new, R_MANAGER, 1 },
	{ "/cases/", "/edit", page_case_edit, R_MANAGER, 1 },
	{ "/cases/", "/history", page_case_history, R_MANAGER, 1 },
	{ "/cases/", "/agency", page_case_agency, R_MANAGER, 1 },
	{ "/cases/", NULL, page_case, R_MANAGER | R_PANEL, 0 },
	{ "/meetings", NULL, page_meetings, R_MANAGER | R_PANEL, 0 },
	{ "/meetings/", "/pack", page_meeting_pack, R_MANAGER | R_PANEL, 0 },
	{ "/meetings/", NULL, page_meeting, R_MANAGER | R_PANEL, 0 },
	{ "/reviews/", NULL, page_review, R_MANAGER | R_PANEL, 0 },
	{ "/actions", NULL, page_actions, R_MANAGER, 0 },
	{ "/reports", NULL, page_reports, R_MANAGER | R_ANALYST, 0 },
	{ "/users", NULL, page_users, R_ADMIN, 0 },
	{ "/audit", NULL, page_audit, R_ADMIN, 0 },
};

/* The route for path; *rest gets the part between prefix and suffix. */
static const struct route *route_find(const char *path, char *rest, size_t restlen)
{
	size_t i, pl, sl, n = strlen(path);

	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route *rt = &routes[i];

		pl = strlen(rt->prefix);
		if (rt->prefix[pl - 1] != '/' || pl == 1) {
			if (!strcmp(path, rt->prefix)) {
				rest[0] = 0;
				return rt;
			}
			continue;
		}
		if (n <= pl || strncmp(path, rt->prefix, pl))
			continue;
		sl = rt->suffix ? strlen(rt->suffix) : 0;
		if (n - pl <= sl || (sl && strcmp(path + n - sl, rt->suffix)))
			continue;
		if (n - pl - sl >= restlen)
			continue;
		memcpy(rest, path + pl, n - pl - sl);
		rest[n - pl - sl] = 0;
		if (strchr(rest, '/'))
			continue;
		return rt;
	}
	return NULL;
}

/* ---- sessions -------------------------------------------------------------- */

static void random_hex(char out[TOKEN_HEX])
{
	unsigned char b[TOKEN_BYTES];

	randombytes_buf(b, sizeof b);
	sodium_bin2hex(out, TOKEN_HEX, b, sizeof b);
	sodium_memzero(b, sizeof b);
}

static int token_equal(const char *a, const char *b)
{
	return a && b && strlen(a) == TOKEN_HEX - 1 && strlen(b) == TOKEN_HEX - 1 &&
	       sodium_memcmp(a, b, TOKEN_HEX - 1) == 0;
}

/* Wipes a session's keys (the lock is held by the caller). */
static void session_lock_keys(struct web_session *s)
{
	cases_search_index_free(s->six);
	s->six = NULL;
	if (!s->reg)
		return;
	reg_release(s->reg);
	sodium_memzero(s->reg, sizeof *s->reg);
	free(s->reg);
	s->reg = NULL;
	snprintf(s->locked_user, sizeof s->locked_user, "%s", s->user);
	s->user[0] = 0;
	s->role = ROLE_NONE;
}

/* A new session for a browser that brought the token. */
static struct web_session *session_new(void)
{
	struct web_session *s = NULL, *oldest = NULL;
	size_t i;

	pthread_mutex_lock(&srv.table_mx);
	for (i = 0; i < SESSIONS_MAX && !s; i++)
		if (!srv.s[i].used)
			s = &srv.s[i];
	/* Full: reuse the longest idle session that holds no keys. */
	for (i = 0; i < SESSIONS_MAX && !s; i++)
		if (!srv.s[i].reg && (!oldest || srv.s[i].last < oldest->last))
			oldest = &srv.s[i];
	if (!s && oldest && pthread_mutex_trylock(&oldest->mx) == 0) {
		s = oldest;
		pthread_mutex_unlock(&oldest->mx);
	}
	if (s) {
		s->used = 1;
		random_hex(s->id);
		random_hex(s->csrf);
		s->reg = NULL;
		s->user[0] = s->locked_user[0] = s->flash[0] = 0;
		s->role = ROLE_NONE;
		s->last = time(NULL);
	}
	pthread_mutex_unlock(&srv.table_mx);
	return s;
}

/* The session named by the request's cookie, locked; or NULL. */
static struct web_session *session_of(struct MHD_Connection *c)
{
	const char *id = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE_NAME);
	struct web_session *s = NULL;
	size_t i;

	if (!id)
		return NULL;
	pthread_mutex_lock(&srv.table_mx);
	for (i = 0; i < SESSIONS_MAX; i++)
		if (srv.s[i].used && token_equal(srv.s[i].id, id))
			s = &srv.s[i];
	pthread_mutex_unlock(&srv.table_mx);
	if (s) {
		pthread_mutex_lock(&s->mx);
		/* Replaced meanwhile (session table full)? */
		if (!s->used || !token_equal(s->id, id)) {
			pthread_mutex_unlock(&s->mx);
			s = NULL;
		}
	}
	return s;
}

/* The idle lock: run once a second from the main thread. */
static void sessions_reap(void)
{
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < SESSIONS_MAX; i++) {
		struct web_session *s = &srv.s[i];

		if (!s->used || !s->reg || now - s->last < srv.o->idle_lock_seconds)
			continue;
		if (pthread_mutex_trylock(&s->mx))
			continue; /* busy with a request: not idle */
		if (s->reg && now - s->last >= srv.o->idle_lock_seconds) {
			session_lock_keys(s);
			snprintf(s->flash, sizeof s->flash, "Locked after %ld minutes "
				 "without use: enter your passphrase again.",
				 (srv.o->idle_lock_seconds + 59) / 60);
		}
		pthread_mutex_unlock(&s->mx);
	}
}

static void sessions_wipe_all(void)
{
	size_t i;

	for (i = 0; i < SESSIONS_MAX; i++) {
		pthread_mutex_lock(&srv.s[i].mx);
		session_lock_keys(&srv.s[i]);
		sodium_memzero(srv.s[i].id, sizeof srv.s[i].id);
		sodium_memzero(srv.s[i].csrf, sizeof srv.s[i].csrf);
		srv.s[i].used = 0;
		pthread_mutex_unlock(&srv.s[i].mx);
	}
	sodium_memzero(srv.token, sizeof srv.token);
}

/* ---- request state ----------------------------------------------------------- */

struct conn_state {
	struct MHD_PostProcessor *pp;
	struct web_form form;
};

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *filename, const char *content_type,
				 const char *transfer_encoding, const char *data,
				 uint64_t off, size_t size)
{
	struct web_form *f = cls;
	struct web_kv *kv = NULL;
	char *nv;

	(void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
	f->bytes += size + strlen(key);
	if (f->bytes > FORM_BYTES_MAX) {
		f->too_big = 1;
		return MHD_NO;
	}
	/* A value may come in pieces: the later pieces have off > 0. */
	if (off > 0 && f->n && !strcmp(f->v[f->n - 1].key, key))
		kv = &f->v[f->n - 1];
	if (!kv) {
		if (f->n == f->alloc) {
			size_t na = f->alloc ? 2 * f->alloc : 16;
			struct web_kv *nvv = realloc(f->v, na * sizeof *nvv);

			if (!nvv)
				return MHD_NO;
			f->v = nvv;
			f->alloc = na;
		}
		kv = &f->v[f->n];
		kv->key = strdup(key);
		kv->val = calloc(1, 1);
		kv->len = 0;
		if (!kv->key || !kv->val) {
			free(kv->key);
			free(kv->val);
			return MHD_NO;
		}
		f->n++;
	}
	/* Grown by copy so the old buffer (maybe a passphrase) is wiped. */
	nv = malloc(kv->len + size + 1);
	if (!nv)
		return MHD_NO;
	memcpy(nv, kv->val, kv->len);
	memcpy(nv + kv->len, data, size);
	nv[kv->len + size] = 0;
	sodium_memzero(kv->val, kv->len);
	free(kv->val);
	kv->val = nv;
	kv->len += size;
	return MHD_YES;
}

const char *web_form_get(const struct web_form *f, const char *key)
{
	size_t i;

	for (i = 0; f && i < f->n; i++)
		if (!strcmp(f->v[i].key, key))
			return f->v[i].val;
	return NULL;
}

void web_form_release(struct web_form *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		sodium_memzero(f->v[i].val, f->v[i].len);
		free(f->v[i].val);
		free(f->v[i].key);
	}
	free(f->v);
	memset(f, 0, sizeof *f);
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_state *st = *con_cls;

	(void)cls, (void)c, (void)toe;
	if (!st)
		return;
	if (st->pp)
		MHD_destroy_post_processor(st->pp);
	web_form_release(&st->form);
	free(st);
	*con_cls = NULL;
}

const char *web_arg(struct web_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- responses ---------------------------------------------------------------- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
			    void *body, size_t len, const char *location,
			    const char *cookie, const char *disposition)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!len) {
		free(body);
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(body);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (type)
		MHD_add_response_header(resp, "Content-Type", type);
	if (location)
		MHD_add_response_header(resp, "Location", location);
	if (cookie)
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	if (disposition)
		MHD_add_response_header(resp, "Content-Disposition", disposition);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A short page outside the layout (403, 421, errors before a session). */
static enum MHD_Result send_plain(struct MHD_Connection *c, unsigned status,
				  const char *title, const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return MHD_NO;
	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>", f);
	web_h(f, title);
	fputs("</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body>"
	      "<main class=\"narrow\"><h1>", f);
	web_h(f, title);
	fputs("</h1><p>", f);
	web_h(f, text);
	fputs("</p></main></body></html>\n", f);
	fclose(f);
	return respond(c, status, "text/html; charset=utf-8", buf, len, NULL, NULL, NULL);
}

/* The page in the layout template: {{title}}, {{nav}}, {{user}}, {{body}}. */
static void layout(FILE *out, struct web_req *q, struct web_session *s,
		   const char *body)
{
	const struct embedded_file *t = web_asset("layout.html");
	const char *p = (const char *)t->data, *m;

	while ((m = strstr(p, "{{"))) {
		const char *e = strstr(m, "}}");

		if (!e)
			break;
		fwrite(p, 1, (size_t)(m - p), out);
		if (!strncmp(m, "{{title}}", 9)) {
			web_h(out, q->title[0] ? q->title : "cdop");
		} else if (!strncmp(m, "{{nav}}", 7)) {
			static const struct { const char *href, *label; unsigned roles; } nav[] = {
				{ "/", "Today", ROLES_ANY },
				{ "/cases", "Cases", R_MANAGER | R_PANEL },
				{ "/cases/new", "Notify a death", R_MANAGER },
				{ "/meetings", "Meetings", R_MANAGER | R_PANEL },
				{ "/actions", "Recommendations", R_MANAGER },
				{ "/reports", "Reports", R_MANAGER | R_ANALYST },
				{ "/users", "Users", R_ADMIN },
				{ "/audit", "Audit trail", R_ADMIN },
			};
			size_t i;

			for (i = 0; s && s->reg && i < sizeof nav / sizeof nav[0]; i++) {
				size_t hl = strlen(nav[i].href);
				int here = !strcmp(q->path, nav[i].href) ||
					   (hl > 1 && !strncmp(q->path, nav[i].href, hl) &&
					    q->path[hl] == '/' && strcmp(q->path, "/cases/new"));

				if (!(nav[i].roles & ROLE_BIT(s->role)))
					continue;
				fprintf(out, "<a href=\"%s\"%s>%s</a>", nav[i].href,
					here ? " aria-current=\"page\"" : "", nav[i].label);
			}
		} else if (!strncmp(m, "{{user}}", 8)) {
			if (s && s->reg) {
				fputs("<span class=\"who\">", out);
				web_h(out, s->user);
				fprintf(out, " · %s</span><form method=\"post\" action=\"/logout\">"
					"<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
					"<button class=\"link\">Log out</button></form>",
					role_name(s->role), s->csrf);
			}
		} else if (!strncmp(m, "{{body}}", 8)) {
			if (q->flash_in && *q->flash_in) {
				fputs("<p class=\"flash\">", out);
				web_h(out, q->flash_in);
				fputs("</p>\n", out);
			}
			fputs(body, out);
		}
		p = e + 2;
	}
	fputs(p, out);
}

/* ---- login ------------------------------------------------------------------- */

static void login_form(struct web_req *q, struct web_session *s, const char *msg)
{
	const char *user = s->locked_user[0] ? s->locked_user : "";

	snprintf(q->title, sizeof q->title, "Log in");
	fputs("<section class=\"narrow card\"><h1>Log in</h1>\n", q->f);
	if (msg)
		web_error_box(q, msg);
	fputs("<form method=\"post\" action=\"/login\">", q->f);
	web_csrf_input(q);
	fputs("<label for=\"user\">User name</label>"
	      "<input id=\"user\" name=\"user\" autocomplete=\"username\" value=\"", q->f);
	web_h(q->f, user);
	fputs("\" required>"
	      "<label for=\"passphrase\">Passphrase</label>"
	      "<input id=\"passphrase\" name=\"passphrase\" type=\"password\" "
	      "autocomplete=\"current-password\" required>"
	      "<p><button>Unlock</button></p></form>"
	      "<p class=\"hint\">Your passphrase unlocks your own keys for this "
	      "browser only; they are wiped when you log out, after a while "
	      "without use, or when cdop ui stops.</p></section>\n", q->f);
}

/* POST /login: the key derivation runs holding only this session. */
static void login_post(struct web_req *q, struct web_session *s)
{
	const char *user = web_form_get(q->form, "user");
	const char *pass = web_form_get(q->form, "passphrase");
	struct reg_open_opts o;
	struct reg *r;
	int ret;

	if (!user || !*user || !pass || !*pass) {
		q->status = 400;
		login_form(q, s, "Give your user name and passphrase.");
		return;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		q->status = 500;
		login_form(q, s, "out of memory");
		return;
	}
	reg_init(r);
	r->ss.today = srv.o->today;
	memset(&o, 0, sizeof o);
	o.path = srv.o->register_path;
	o.user = user;
	o.pass = pass;
	o.passlen = strlen(pass);
	ret = reg_unlock(r, &o);
	if (!ret) {
		pthread_mutex_lock(&srv.reg_mx);
		ret = reg_resume(r, srv.o->lock_timeout_ms);
		if (!ret)
			ret = cases_after_unlock(r); /* as the CLI's unlock */
		/* A manager's search index is made now, with the unlock, so
		 * that no search after the login pays for it. */
		if (!ret && r->ss.role == ROLE_MANAGER) {
			cases_search_index_free(s->six); /* never another login's */
			s->six = NULL;
			ret = cases_search_prepare(r, &s->six);
		}
		if (!ret)
			ret = reg_suspend(r);
		else
			(void)reg_suspend(r);
		pthread_mutex_unlock(&srv.reg_mx);
	}
	if (ret) {
		q->status = web_status_of(ret);
		snprintf(s->locked_user, sizeof s->locked_user, "%s", user);
		login_form(q, s, r->e.msg);
		cases_search_index_free(s->six);
		s->six = NULL;
		reg_release(r);
		sodium_memzero(r, sizeof *r);
		free(r);
		return;
	}
	s->reg = r;
	snprintf(s->user, sizeof s->user, "%s", r->ss.user);
	s->role = r->ss.role;
	s->locked_user[0] = 0;
	/* A new CSRF token with the new privilege. */
	random_hex(s->csrf);
	snprintf(q->location, sizeof q->location, "/");
}

/* ---- dispatch ------------------------------------------------------------------ */

static int host_ok(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

	return h && (!strcmp(h, srv.host_ip) || !strcmp(h, srv.host_name));
}

/* Runs the page of route rt with the session's register resumed. */
static void run_page(struct web_req *q, struct web_session *s, const struct route *rt,
		     const char *rest)
{
	int ret;

	pthread_mutex_lock(&srv.reg_mx);
	ret = reg_resume(s->reg, srv.o->lock_timeout_ms);
	if (ret) {
		char msg[REG_ERR_MAX];

		snprintf(msg, sizeof msg, "%s", s->reg->e.msg);
		(void)reg_suspend(s->reg);
		pthread_mutex_unlock(&srv.reg_mx);
		if (ret == CDOP_ERR_ACCESS) {
			session_lock_keys(s);
			snprintf(s->flash, sizeof s->flash, "%s", msg);
			snprintf(q->location, sizeof q->location, "/login");
			return;
		}
		web_fail(q, web_status_of(ret), "The register cannot be opened", msg);
		return;
	}
	q->r = s->reg;
	q->search = s->role == ROLE_MANAGER ? &s->six : NULL;
	if (!(rt->roles & ROLE_BIT(s->role))) {
		char what[600];

		/* Refused, and recorded: who tried what (as the CLI does). */
		snprintf(what, sizeof what, "web %s %s", q->method, q->path);
		(void)audit_record(s->reg, "denied", what, role_name(s->role));
		web_fail(q, 403, "Not for your role",
			 rt->identifiable ?
			 "This page shows identifiable details, which only a manager "
			 "may see. The attempt has been recorded." :
			 "Your role may not use this page. The attempt has been recorded.");
	} else {
		s->reg->e.msg[0] = s->reg->e.field[0] = 0;
		(void)rt->fn(q, rest);
	}
	ret = reg_suspend(s->reg);
	pthread_mutex_unlock(&srv.reg_mx);
	q->r = NULL;
	q->search = NULL;
	if (ret && q->status < 400)
		web_fail(q, 500, "The register could not be closed", s->reg->e.msg);
}

static enum MHD_Result handle(struct MHD_Connection *c, const char *url,
			      const char *method, struct web_form *form)
{
	struct web_session *s;
	struct web_req q;
	const struct route *rt;
	char rest[128], *body = NULL, *page = NULL, cookie[200];
	size_t bodylen = 0, pagelen = 0;
	const char *token;
	enum MHD_Result mr;
	FILE *pf;

	if (!host_ok(c))
		return send_plain(c, 421, "Misdirected request",
				  "This server answers only to 127.0.0.1 and localhost "
				  "on its own port.");
	if (strcmp(method, "GET") && strcmp(method, "POST") && strcmp(method, "HEAD"))
		return send_plain(c, 405, "Method not allowed", "Only GET and POST.");
	if (!strcmp(url, "/style.css") || !strcmp(url, "/favicon.ico") ||
	    !strcmp(url, "/review.js")) {
		const struct embedded_file *a = web_asset(url + 1);
		int script = !strcmp(url, "/review.js");
		void *copy;

		if (!a)
			return send_plain(c, 404, "Not found", "No such file.");
		copy = malloc(a->len ? a->len : 1);
		if (!copy)
			return MHD_NO;
		memcpy(copy, a->data, a->len);
		return respond(c, 200, script ? "text/javascript; charset=utf-8" :
			       "text/css; charset=utf-8", copy, a->len, NULL, NULL, NULL);
	}
	/* The start token: a new session, then the same page without it. */
	token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (token && !strcmp(method, "GET")) {
		if (!token_equal(token, srv.token))
			return send_plain(c, 403, "Forbidden", "This link's token is not "
					  "the one cdop ui printed.");
		s = session_new();
		if (!s)
			return send_plain(c, 503, "Too many sessions",
					  "Log out of another session first.");
		snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; "
			 "SameSite=Strict", s->id);
		return respond(c, 303, "text/plain", NULL, 0, "/login", cookie, NULL);
	}
	s = session_of(c);
	if (!s)
		return send_plain(c, 403, "Forbidden", "Open the address that 'cdop ui' "
				  "printed (with its token) to start a session.");
	/* Every state change: a POST with this session's CSRF token (and
	 * within the size a form may have: 413, nothing read past it). */
	if (!strcmp(method, "POST") && form->too_big) {
		pthread_mutex_unlock(&s->mx);
		return send_plain(c, 413, "Content Too Large", "The form is too large.");
	}
	if (!strcmp(method, "POST") && form->not_a_form) {
		pthread_mutex_unlock(&s->mx);
		return send_plain(c, 415, "Unsupported Media Type", "Send the form as a web "
				  "form does (application/x-www-form-urlencoded).");
	}
	if (!strcmp(method, "POST") && !token_equal(web_form_get(form, "csrf"), s->csrf)) {
		pthread_mutex_unlock(&s->mx);
		return send_plain(c, 403, "Forbidden", "The form's security token is missing "
				  "or out of date: reload the page and try again.");
	}
	memset(&q, 0, sizeof q);
	q.conn = c;
	q.method = method;
	q.path = url;
	q.csrf = s->csrf;
	q.form = form;
	q.status = 200;
	q.f = open_memstream(&body, &bodylen);
	if (!q.f) {
		pthread_mutex_unlock(&s->mx);
		return MHD_NO;
	}
	q.flash_in = s->flash[0] ? strdup(s->flash) : NULL;
	s->flash[0] = 0;
	s->last = time(NULL);
	if (!strcmp(url, "/logout")) {
		if (!strcmp(method, "POST"))
			session_lock_keys(s);
		s->locked_user[0] = 0;
		snprintf(q.location, sizeof q.location, "/login");
	} else if (!strcmp(url, "/login")) {
		if (s->reg)
			snprintf(q.location, sizeof q.location, "/");
		else if (!strcmp(method, "POST"))
			login_post(&q, s);
		else
			login_form(&q, s, NULL);
	} else if (!s->reg) {
		snprintf(q.location, sizeof q.location, "/login");
	} else if (!(rt = route_find(url, rest, sizeof rest))) {
		web_fail(&q, 404, "Not found", "There is no such page.");
	} else {
		run_page(&q, s, rt, rest);
	}
	fclose(q.f);
	if (q.flash[0])
		snprintf(s->flash, sizeof s->flash, "%s", q.flash);
	else if (q.location[0] && q.flash_in)
		snprintf(s->flash, sizeof s->flash, "%s", q.flash_in); /* not shown yet */
	if (q.location[0]) {
		pthread_mutex_unlock(&s->mx);
		free(body);
		free((void *)q.flash_in);
		return respond(c, 303, "text/plain", NULL, 0, q.location, NULL, NULL);
	}
	if (q.raw) {
		char disp[200];

		pthread_mutex_unlock(&s->mx);
		free(body);
		free((void *)q.flash_in);
		snprintf(disp, sizeof disp, "%s; filename=\"%s\"",
			 q.raw_inline ? "inline" : "attachment", q.raw_name);
		return respond(c, (unsigned)q.status, q.raw_type, q.raw, q.rawlen, NULL, NULL,
			    q.raw_name[0] ? disp : NULL);
	}
	pf = open_memstream(&page, &pagelen);
	if (pf) {
		layout(pf, &q, s, body ? body : "");
		fclose(pf);
	}
	pthread_mutex_unlock(&s->mx);
	free(body);
	free((void *)q.flash_in);
	if (!pf)
		return MHD_NO;
	mr = respond(c, (unsigned)q.status, "text/html; charset=utf-8", page, pagelen,
		  NULL, NULL, NULL);
	return mr;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version,
				 const char *upload_data, size_t *upload_size,
				 void **con_cls)
{
	struct conn_state *st = *con_cls;

	(void)cls, (void)version;
	if (!st) {
		st = calloc(1, sizeof *st);
		if (!st)
			return MHD_NO;
		*con_cls = st;
		if (!strcmp(method, "POST"))
			st->pp = MHD_create_post_processor(c, 8192, post_iter, &st->form);
		return MHD_YES;
	}
	if (*upload_size) {
		if (st->pp && !st->form.too_big)
			(void)MHD_post_process(st->pp, upload_data, *upload_size);
		else if (!st->pp)
			st->form.not_a_form = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	return handle(c, url, method, &st->form);
}

/* ---- start and stop ------------------------------------------------------------- */

long web_duration_parse(const char *s)
{
	char *end;
	long n, mult;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (!strcmp(end, "s"))
		mult = 1;
	else if (!strcmp(end, "m"))
		mult = 60;
	else if (!strcmp(end, "h"))
		mult = 3600;
	else if (!strcmp(end, "d"))
		mult = 86400;
	else
		return -1;
	if (n < 1 || n > 7L * 86400 / mult)
		return -1;
	return n * mult;
}

static void open_browser(const char *url)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		struct sigaction dfl;
		sigset_t none;

		/* The browser gets the dispositions and mask a new process
		 * has, not the server's: a blocked SIGINT/SIGTERM or an
		 * ignored SIGPIPE/SIGCHLD would pass through exec to it. */
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &dfl, NULL);
		sigaction(SIGCHLD, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("xdg-open", "xdg-open", url, (char *)NULL);
		_exit(127);
	}
	/* Not waited for: the child is reaped below (SIGCHLD ignored). */
}

/* The private directory holds only files this server wrote. */
static void tmpdir_remove(void)
{
	web_remove_dir(web_tmpdir);
}

int web_serve(const struct web_opts *o, struct cdop_err *e)
{
	struct sockaddr_in addr;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info;
	sigset_t set;
	size_t i;
	char url[200];
	const char *tmp = getenv("TMPDIR");
	int ret = CDOP_OK;

	memset(&srv, 0, sizeof srv);
	srv.o = o;
	pthread_mutex_init(&srv.table_mx, NULL);
	pthread_mutex_init(&srv.reg_mx, NULL);
	for (i = 0; i < SESSIONS_MAX; i++)
		pthread_mutex_init(&srv.s[i].mx, NULL);
	if (access(o->register_path, F_OK)) {
		snprintf(e->msg, sizeof e->msg, "register '%s' does not exist; create one "
			 "with 'cdop init', or choose another register", o->register_path);
		return CDOP_ERR_NOTFOUND;
	}
	snprintf(web_tmpdir, 256, "%s/cdop-ui-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(web_tmpdir)) {
		snprintf(e->msg, sizeof e->msg, "cannot make a private temporary "
			 "directory in '%s': %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return CDOP_ERR_IO;
	}
	random_hex(srv.token);
	/* The signals are taken by sigtimedwait below, in this thread only:
	 * block them before the server's threads start, so they inherit it. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)o->port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
			     (uint16_t)o->port, NULL, NULL, access_cb, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
			     MHD_OPTION_END);
	if (!d) {
		snprintf(e->msg, sizeof e->msg, "cannot listen on 127.0.0.1:%u: %s "
			 "(choose another --port)", o->port, strerror(errno));
		ret = CDOP_ERR_IO;
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	srv.port = info ? info->port : o->port;
	snprintf(srv.host_ip, sizeof srv.host_ip, "127.0.0.1:%u", srv.port);
	snprintf(srv.host_name, sizeof srv.host_name, "localhost:%u", srv.port);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/?token=%s", srv.port, srv.token);
	printf("cdop ui: %s\n", url);
	printf("cdop ui: register '%s'; stop with Ctrl-C (every key is wiped)\n",
	       o->register_path);
	fflush(stdout);
	if (o->open_browser)
		open_browser(url);
	for (;;) {
		struct timespec tick = { 1, 0 };
		int sig = sigtimedwait(&set, NULL, &tick);

		if (sig == SIGINT || sig == SIGTERM)
			break;
		sessions_reap();
	}
	MHD_stop_daemon(d);
out:
	sessions_wipe_all();
	sodium_memzero(url, sizeof url);
	tmpdir_remove();
	return ret;
}
