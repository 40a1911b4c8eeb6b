#ifndef CDOP_WEB_WEB_INT_H
#define CDOP_WEB_WEB_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "cdop/store/store.h"
#include "forms/form.h"

/* A file compiled into the binary by cmake/embed.cmake (web assets). */
struct embedded_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct embedded_file cdop_web_assets[];
const struct embedded_file *web_asset(const char *name);

/* A submitted form: names and values, values wiped when freed. */
struct web_kv {
	char *key;
	char *val;
	size_t len;
};

struct web_form {
	struct web_kv *v;
	size_t n, alloc;
	size_t bytes;    /* total, bounded */
	int too_big;     /* more than FORM_BYTES_MAX: 413 */
	int not_a_form;  /* a body that is not a web form's encoding: 415 */
};

const char *web_form_get(const struct web_form *f, const char *key);
void web_form_release(struct web_form *f);

/*
 * One request as a page sees it. A page writes its HTML body to `f` and
 * may set the status, a title, a redirect or a download instead.
 */
struct web_req {
	struct reg *r;            /* the session's register, resumed; or NULL */
	struct search_index **search; /* the session's search index (cases.h) */
	struct MHD_Connection *conn;
	const char *method;       /* "GET" or "POST" */
	const char *path;         /* URL path */
	const char *csrf;         /* the session's CSRF token (hex) */
	const struct web_form *form; /* POST fields (CSRF already checked) */
	FILE *f;                  /* the body (an open_memstream) */
	int status;               /* 200 unless a page says otherwise */
	char title[128];
	char location[512];       /* a redirect (303) when set */
	char flash[REG_ERR_MAX];  /* a message for the next page */
	const char *flash_in;     /* the message the last page left */
	/* A download instead of a page: malloc'd bytes. */
	char *raw;
	size_t rawlen;
	const char *raw_type;
	char raw_name[128];
	int raw_inline;
};

/* The request's query argument, or NULL. */
const char *web_arg(struct web_req *q, const char *name);

/* ---- html.c: the one escaping function and the page pieces ---- */
/* Text for an HTML element or a quoted attribute: <>&"' escaped, and C0
 * and C1 controls and bidirectional overrides shown as \uXXXX. */
void web_h(FILE *f, const char *s);
/* "YYYY-MM-DD" as "3 May 2025"; other text as it is. */
void web_date(FILE *f, const char *iso);
/* Whole days from a to b (dates or datetimes, first 10 characters). */
int web_days_between(const char *a, const char *b, long *days);
/* "3 days overdue" / "due in 5 days" / "due today", or "overdue today"
 * when late (a due time today has passed): the one wording of every page. */
void web_due_words(FILE *f, long days_left, int late);
/* A JSON value as text: a string as it is, null as "none", else compact
 * JSON. */
void web_json_text(FILE *f, const json_t *v);
/* An audit entry's "changes" ([{path, old, new}, ...]): one line each,
 * "path: old → new" (sealed values as the entry holds them). */
void web_changes(FILE *f, const json_t *changes);
/* A link to the case page, the reference as its text. */
void web_case_link(FILE *f, const char *ref);
/* A <select> of a code list's codes, labelled. */
void web_code_select(FILE *f, const char *name, const struct code_list *l);
/* 403 for a page only a manager may use, recorded in the audit trail as
 * the command line records a refused role. */
int web_deny(struct web_req *q);
/* A file the library wrote for this request, read whole into q->raw (the
 * download); nonzero when it cannot be read. */
int web_file_read(struct web_req *q, const char *path);
/* Removes a directory of files this server wrote, and the files. */
void web_remove_dir(const char *dir);
/* The hidden CSRF input of a form. */
void web_csrf_input(struct web_req *q);
/* The library message in reg->e, one paragraph per line. */
void web_error_box(struct web_req *q, const char *msg);
/* A code's label from its list, or the code. */
const char *web_code_label(const struct code_list *l, const char *code);
/* A page that says what went wrong, with the status. */
int web_fail(struct web_req *q, int status, const char *title, const char *msg);
/* The HTTP status for a cdop_error. */
int web_status_of(int err);
/* A date (and time) as typed - DD/MM/YYYY, YYYY-MM-DD or today, by
 * forms/date.c's one parser - as ISO in out; anything it refuses copied as
 * typed, for the form to reject quoting it. */
void web_date_input(struct web_req *q, const char *in, char *out, size_t outlen);

/* ---- form_html.c: forms from the forms/ definitions ---- */
/* Renders the fields of form `fm` (recursively, groups as fieldsets) with
 * values from `values` (may be NULL) and each error in `errs` beside its
 * input. `skip` (NULL-terminated paths) are left out. */
void web_form_fields(struct web_req *q, const struct form *fm, const json_t *values,
		     const struct form_errors *errs, const char *const *skip);
/* The JSON object posted for form `fm`: inputs named by field paths.
 * Blank inputs are left out. Dates accept DD/MM/YYYY and "today". Fields
 * whose text is not of its type go to errs with the form's own wording. */
json_t *web_form_json(struct web_req *q, const struct form *fm, struct form_errors *errs);
/* "Nothing has been saved", then each error with its field's label. */
void web_error_summary(struct web_req *q, const struct form *fm,
		       const struct form_errors *errs, const char *other);
/* The library's message (reg->e: "path: msg" lines) as form errors. */
void web_errors_from_msg(const char *msg, struct form_errors *errs, char *other,
			 size_t otherlen);

/* ---- pages ---- */
typedef int web_page_fn(struct web_req *q, const char *rest);
/* A page's POST: runs post(q, rest). 1 when the request is finished (done
 * and redirected, or refused) with *ret its result; 0 to show the page,
 * with the library's message in err when the post failed (the status set). */
int web_post(struct web_req *q, web_page_fn *post, const char *rest, char *err,
	     size_t errlen, int *ret);
int page_today(struct web_req *q, const char *rest);
int page_cases(struct web_req *q, const char *rest);
int page_case(struct web_req *q, const char *rest);
int page_case_new(struct web_req *q, const char *rest);
int page_case_edit(struct web_req *q, const char *rest);
int page_case_history(struct web_req *q, const char *rest);
int page_case_agency(struct web_req *q, const char *rest);
int page_meetings(struct web_req *q, const char *rest);
int page_meeting(struct web_req *q, const char *rest);
int page_meeting_pack(struct web_req *q, const char *rest);
int page_review(struct web_req *q, const char *rest);
int page_actions(struct web_req *q, const char *rest);
int page_reports(struct web_req *q, const char *rest);
int page_users(struct web_req *q, const char *rest);
int page_audit(struct web_req *q, const char *rest);

/* A private directory for files the library writes (packs, reports)
 * before they are sent; made at start, removed at exit. */
extern char web_tmpdir[];

#endif
