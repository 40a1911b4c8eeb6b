#ifndef CDOP_CASES_CASES_H
#define CDOP_CASES_CASES_H

#include <jansson.h>
#include <stdint.h>

#include "cdop/store/store.h"
#include "forms/form.h"
#include "forms/date.h"

/* ==== anonymise ==== */
/*
 * What the panel sees (SPEC §2): no names, NHS number, date of birth,
 * address or postcode, and no exact dates: the age band and the month and
 * year of death instead. death.circumstances is identifiable and never
 * shown: the panel reads panel_summary, the manager's own account for it,
 * checked for identifiers when written (idcheck) and scrubbed here too.
 */

/* A new anonymised copy of a stored notification; NULL when out of memory. */
json_t *anonymise_notification(const json_t *notification);

/* A malloc'd copy of text with every identifier of the notification's
 * child (names, NHS number, postcode, date of birth, address) replaced by
 * a placeholder, case-insensitively. NULL when out of memory. */
char *anonymise_text(const char *text, const json_t *notification);

/* "0-27d" ... "15-17", or "unknown". */
const char *anonymise_age_band(const json_t *notification);

/* ==== cases ==== */
struct reg;

#define CASE_REF_MAX 32

/*
 * The stored notification. Its normalised JSON (case_documents.json) is the
 * one source of truth; the columns of `cases` below are copies of single
 * fields, kept for duplicate checks, filters and the report. This table is
 * the only list of them: the writer binds from it, the report selects by
 * it, and the schema test checks it against the `cases` of a new register.
 * The other columns of `cases` (id, ref, status, created_at, updated_at)
 * are the register's own, not the notification's.
 */
enum case_column_type {
	CASE_COL_TEXT, /* the string at path, or NULL */
	CASE_COL_KEY,  /* the string at path, lower-cased (matching key) */
	CASE_COL_BOOL, /* 1, 0, or NULL when path holds no boolean */
	/* Keys by role (SPEC §6): identifiable values are never stored in
	 * the clear outside the sealed notification. */
	CASE_COL_HASH,     /* keyed hash (store_dup_hash) of the string, or NULL */
	CASE_COL_KEY_HASH, /* the same of the lower-cased string */
	CASE_COL_AGE_BAND, /* age band from child.date_of_birth and death.date */
};

enum case_column_id {
	CASE_NHS_NUMBER,
	CASE_SURNAME_KEY,
	CASE_DATE_OF_BIRTH,
	CASE_DEATH_DATE,
	CASE_DEATH_TIME,
	CASE_NOTIFIED_DATE,
	CASE_EXPECTED,
	CASE_RESIDENT,
	CASE_SEX,
	CASE_ETHNICITY,
	CASE_PLACE,
	CASE_AGE_BAND,
	CASE_NCOLUMNS
};

struct case_column {
	const char *name;   /* column of `cases` */
	const char *path;   /* field of the notification (form_notification) */
	enum case_column_type type;
};

extern const struct case_column case_columns[CASE_NCOLUMNS];

/* Reads case ID's stored notification; *out is a new reference.
 * CDOP_ERR_NOTFOUND without such a case; CDOP_ERR_ACCESS for a role
 * without the identifiable-data key (the notification is sealed). */
int cases_notification(struct reg *r, int64_t id, json_t **out);
/* Case ID's identifier fields (child.forename, child.surname,
 * notified.by_name, child.nhs_number, child.date_of_birth, death.date,
 * child.postcode, child.address) as an object shaped like its
 * notification, enough for anonymise_text: from its sealed ids (case_ids)
 * when usable, else from the notification itself. As cases_notification. */
int cases_id_fields(struct reg *r, int64_t id, json_t **out);
/* The notification as the panel sees it (anonymise_notification, stored
 * at write time): any role. */
int cases_notification_anon(struct reg *r, int64_t id, json_t **out);
/* Opens a sealed notification blob of case id (or the legacy plaintext
 * json when blob is NULL). */
int cases_notification_parse(struct reg *r, int64_t id, const char *json,
			     const void *blob, size_t len, json_t **out);
/* Re-seals a register written before keys by role (migration 008): every
 * plaintext notification sealed, its columns hashed, its derived values
 * stored, and every plaintext rr_actions.done_by/notes and
 * agency_reports.form sealed; one transaction, one `seal` audit entry.
 * Needs the identifiable-data key; nothing to do returns CDOP_OK at once. */
int cases_seal_legacy(struct reg *r);
/* The step every front end runs after a user's unlock (the CLI's
 * cli_unlock, the browser UI's login): a manager's re-seals what an older
 * register left in clear (cases_seal_legacy); for other roles, nothing. */
int cases_after_unlock(struct reg *r);

/* Identifiable text columns other than the notification (rr_actions.done_by
 * and notes, agency_reports.form): sealed under K_id with the column, KEY
 * (the action or agency) and the case id as authenticated data. Binding
 * NULL binds NULL. Opening gives a malloc'd string (NULL for NULL; wipe
 * it), or the text itself for a row written before migration 007. */
int cases_bind_sealed(struct reg *r, struct db_stmt *q, const char *param,
		      const char *column, const char *key, int64_t case_id,
		      const char *text);
int cases_open_sealed(struct reg *r, struct db_stmt *q, int col, const char *column,
		      const char *key, int64_t case_id, char **out);

/*
 * Writing cases. The writer holds prepared statements so that notify and
 * a 100k-line import share one code path at the same speed. The caller
 * owns the transaction.
 */
#define CASE_RR_ACTIONS_MAX 16

struct case_ids_batch;
struct case_writer {
	struct reg *r;
	struct db_stmt ref_get, ref_set, dup, ins_case, ins_doc, ins_rr,
		done_rr, ins_agency, upd_agency, ins_ids, ins_anon;
	/* Minutes after the death for each codes_rr_action entry: the default,
	 * or the register's override (rr_targets), read once at init. */
	long target_minutes[CASE_RR_ACTIONS_MAX];
	/* Those that differ from the default, "action=minutes ...", stored
	 * with each new case (case_rr_targets); "" when none do. */
	char targets_text[512];
	char now[21];
	int validated; /* the caller validated each notification (import) */
	int normalised; /* ... and normalised it too (form_normalise) */
	struct case_ids_batch *batch; /* case_writer_batch: case_ids rows kept */
};

int case_writer_init(struct case_writer *w, struct reg *r);
void case_writer_release(struct case_writer *w);
/*
 * For a bulk import: each new case's case_ids row is kept and inserted
 * with others in one statement (that table's trigger makes SQLite keep a
 * statement journal for every insert into it, and SQLCipher encrypts
 * each page copied into one: about 110,000 instructions a row alone).
 * case_writer_flush inserts those kept; it must be called before the
 * transaction commits (release drops any still kept).
 */
int case_writer_batch(struct case_writer *w);
int case_writer_flush(struct case_writer *w);

/*
 * Validates (form_notification), normalises, refuses duplicates, stores,
 * and for an unexpected death creates the joint agency response actions
 * with their due times. `status` NULL means "notified". `done`, when not
 * NULL, is an array of actions done ({action, on, by, notes}, validated by
 * the caller, as in an import line's rapid_response): each is stored done,
 * in the same insert as its due time (a later entry for the same action
 * wins), or without a due time when the death was expected.
 */
int case_writer_add(struct case_writer *w, const json_t *notification,
		    const char *status, const json_t *done, char ref[CASE_REF_MAX],
		    int64_t *case_id);
/*
 * What case_writer_add stores of a normalised notification besides its
 * columns, made from it alone (no register, no key: another thread may
 * make them, as import does): its text, its anonymised copy (what the
 * panel sees), its identifier fields (idset_fields_text) and whether it
 * has notified.ncmd_date (Today's clock). 0, or -1 on ENOMEM (nothing
 * held).
 */
struct case_texts {
	char *text, *anon, *ids;
	int ncmd;
	/* case_texts_hash: the keyed hash of each CASE_COL_HASH and
	 * CASE_COL_KEY_HASH column ("" for NULL), when `hashed`. */
	int hashed;
	char hash[CASE_NCOLUMNS][33];
};
#define CASE_TEXTS_INIT { NULL, NULL, NULL, 0, 0, { "" } }

int case_texts_make(const json_t *notification, struct case_texts *t);
void case_texts_release(struct case_texts *t);
/* The columns' keyed hashes of notification n into t (store_dup_hash,
 * which only reads the register's keys: the import's reader thread makes
 * them once a first hash made on the main thread has shown the key is
 * held, so none can fail). */
int case_texts_hash(struct reg *r, const json_t *n, struct case_texts *t);
/* case_writer_add with those texts made ahead (NULL: made here). */
int case_writer_add_made(struct case_writer *w, const json_t *notification,
			 const struct case_texts *made, const char *status,
			 const json_t *done, char ref[CASE_REF_MAX], int64_t *case_id);
/* Records an action as done (creating it if the death was expected). */
int case_writer_rr_done(struct case_writer *w, int64_t case_id, const char *action,
			const char *on, const char *by, const char *notes);
/* Inserts or replaces an agency report row. */
int case_writer_agency(struct case_writer *w, int64_t case_id, const char *agency,
		       const char *requested, const char *due, const char *received,
		       const char *form);
/* Inserts the row of an agency the case has none for yet (a case just
 * added): one statement instead of an update first. */
int case_writer_agency_new(struct case_writer *w, int64_t case_id, const char *agency,
			   const char *requested, const char *due, const char *received,
			   const char *form);

/* notify: one case in its own transaction, audited. Its panel_summary is
 * checked for identifiers first (idcheck_text). */
int cases_notify(struct reg *r, const json_t *notification, char ref[CASE_REF_MAX]);
/*
 * A partial notification merged into the stored one and re-validated. A
 * panel_summary in the patch is checked for identifiers; a date of death
 * after the meeting that reviewed the case is refused (death.date). When
 * the death's date, time or expectedness changes, every joint agency
 * response action (done ones too) is given its due time again from the
 * targets in force when the case was notified. The audit entry ("update")
 * holds {"changes": [{path, old, new}], "reason"}: for an identifiable
 * field only {path, "identifiable": true}, no values (read by
 * cases_history). A reviewed or closed case changes only with a reason:
 * cases_update_reason (else CDOP_ERR_INPUT on field "reason").
 */
int cases_update(struct reg *r, const char *ref, const json_t *patch);
int cases_update_reason(struct reg *r, const char *ref, const json_t *patch,
			const char *reason);
/*
 * The notified_ncmd clock stopped: notified.ncmd_date = ON (a date, or the
 * date of a date and time) through the same checks and trail as an update
 * (audited as "notified_ncmd"); needs no reason on a reviewed case.
 */
int cases_ncmd_notified(struct reg *r, const char *ref, const char *on);
/*
 * Moves a case along SPEC §3's order (forward, scheduled and reviewed only
 * by meeting add and review). A correction moves it back one step with a
 * reason: notified <- gathering <- ready, reviewed <- closed (scheduled
 * comes off an agenda by meetings_remove_case; a review is amended at a
 * later meeting). Closing or transferring a case with agency reports still
 * awaited needs a reason too. Errors about the reason name field "reason".
 * Audited ("status", {"old", "new", "reason"?, "outstanding"?}).
 */
int cases_set_status(struct reg *r, const char *ref, const char *status);
int cases_set_status_reason(struct reg *r, const char *ref, const char *status,
			    const char *reason);


/*
 * Ends a write transaction begun with db_begin: when ret is CDOP_OK, adds
 * the audit entry and commits; on any error rolls back. Returns ret, or
 * the audit entry's or the commit's error.
 */
int cases_commit(struct reg *r, int ret, const char *action, const char *object,
		 const char *detail);

/*
 * A change's old and new values, for the audit trail and `case history`
 * (SPEC §2, §6; history.c). change_add records one field: a value that is
 * not identifiable goes into the entry's detail in clear; an identifiable
 * one (forms/ marks it; free text counts) only into the part sealed under
 * the manager's key (audit_append_values), the detail naming the field
 * with "(sealed)" for its values. The detail is
 * {"changes": [{path, old, new, identifiable?}], ...extra members}.
 */
struct change_log {
	json_t *detail;
	json_t *sealed;
	int oom;
};
void change_log_init(struct change_log *c);
void change_add(struct change_log *c, const char *path, const json_t *old,
		const json_t *new_, int identifiable);
/* Every leaf field of form F that differs between OLD and NEW (either may
 * be empty), identifiable and free-text ones sealed. Arrays of objects are
 * not compared (a review's recommendations). */
void change_form(struct change_log *c, const struct form *f, const json_t *old,
		 const json_t *new_);
/* A member of the detail beside "changes" (a reason, a note); NULL skips. */
void change_note(struct change_log *c, const char *key, const char *text);
void change_log_release(struct change_log *c);
/* As cases_commit, with the log's detail and sealed values; releases it. */
int cases_commit_changes(struct reg *r, int ret, const char *action, const char *object,
			 struct change_log *c);
/* The log as audit_append_values takes it: *detail and *values (NULL when
 * nothing is identifiable), JSON text to free (values with wiping: its
 * text is identifiable). CDOP_ERR_NOMEM when the log ran out of memory. */
int change_log_text(struct reg *r, struct change_log *c, char **detail, char **values);

/* Looks up a case id and status by reference; CDOP_ERR_NOTFOUND names it. */
int cases_find(struct reg *r, const char *ref, int64_t *id, char status[24]);

/* Validation errors as one message: "path: message; path: message". */
int cases_invalid(struct reg *r, const char *prefix, const struct form_errors *errs);

/* ==== case_view ==== */
struct reg;

/*
 * One row of a query as a new JSON value in *row (a NULL *row with
 * CDOP_OK is out of memory), or an error already in reg->err.
 */
typedef int cases_row_fn(struct reg *r, struct db_stmt *q, void *ctx, json_t **row);

/*
 * Steps q (prepared and bound) to its end and gives fn's rows as a new
 * array in *out; on error *out is NULL. Finalizes q. Every JSON listing
 * of rows (rr, agency and action due lists, case and meeting lists) is one.
 */
int cases_rows(struct reg *r, struct db_stmt *q, cases_row_fn *fn, void *ctx,
	       json_t **out);

enum case_view_mode {
	CASE_VIEW_FULL,   /* manager: everything, with due times */
	CASE_VIEW_ANON,   /* panel: SPEC §2 anonymised */
	CASE_VIEW_EXPORT, /* one line of the import/export format (SPEC §4) */
};

/* Builds the JSON of one case; *out is a new reference. */
int case_view(struct reg *r, int64_t id, enum case_view_mode mode, json_t **out);

/*
 * What a reader wants first, from a case view: {"age_at_death": "2 years 3
 * months" (the age band in an anonymised view), "days_since_death" (only
 * when the view has the date of death), "status_label", "waiting_for"}.
 * NULL when out of memory.
 */
json_t *case_summary_facts(const json_t *view, const struct cdate *today);

/* case show: finds REF, builds the view, audits an identifiable view. */
int cases_show(struct reg *r, const char *ref, enum case_view_mode mode, json_t **out);

struct case_filter {
	const char *status;  /* or NULL */
	const char *year;    /* reporting year of notification "2025-26", or NULL */
};
/* case list: an array of summaries; identifiable ones are audited. */
int cases_list(struct reg *r, const struct case_filter *f, enum case_view_mode mode,
	       json_t **out);
/* A page of it: at most limit summaries (0: all) after the first offset,
 * in the same order. Only the summaries returned are read, so a page of a
 * large register is cheap. */
int cases_list_page(struct reg *r, const struct case_filter *f, enum case_view_mode mode,
		    size_t offset, size_t limit, json_t **out);
/* How many cases the filter matches; no identifiers, not audited. */
int cases_count(struct reg *r, const struct case_filter *f, size_t *n);

/* ==== history ==== */
struct reg;

/*
 * case history: every change to case REF in the audit trail, oldest first,
 * as [{seq, at, user, action, changes?: [{path, old, new} | {path,
 * identifiable: true}], reason?, outstanding?, detail?, object?}]. Reads
 * (views, listings) are left out. An entry about the case under another
 * object (a meeting's agenda, a recommendation) has "object". identifiable:
 * the caller may see identifiable values (a manager); the reading is then
 * audited ("history").
 */
int cases_history(struct reg *r, const char *ref, int identifiable, json_t **out);
/* audit list --case REF: every entry about the case (reads too) as
 * [{seq, at, user, action, object, detail}]; IDENTIFIABLE (a manager):
 * each sealed value opened in its place in the detail, and the read is
 * audited ("audit_list"). The admin's detail keeps "(sealed)". */
int cases_audit(struct reg *r, const char *ref, int identifiable, json_t **out);

/* ==== search ==== */
struct reg;

#define SEARCH_TEXT_MAX 128

/*
 * search: every case whose child's name (any part of "forename surname"),
 * NHS number (any spacing), date of birth (DD/MM/YYYY or YYYY-MM-DD),
 * postcode (whole, any spacing, or its outward code) or reference (any
 * part) matches TEXT, case-insensitively. *out is an array, newest
 * notification first, of {ref, status, forename, surname, date_of_birth,
 * death_date, nhs_number?, postcode?, matched} where matched names the
 * identifier that matched. Identifiable, so audited ("search", the count;
 * never the text). Errors name the field "text".
 */
int cases_search(struct reg *r, const char *text, json_t **out);
/*
 * The same search for a session that keeps what it opened between
 * searches (the browser UI's manager): *keep is the session's index (NULL
 * at first), made at the first search from every case's sealed ids and
 * used again while the register's identifiers have not changed (meta's
 * ids_version, migration 019, and the greatest case id); a stale one is
 * wiped and made again. A session without the identifier key never gets
 * one. The index holds the identifiers in guarded memory:
 * cases_search_index_free at logout, at the idle lock and at exit. Same rows and the same audit entry as
 * cases_search (which is this with keep NULL: an index made and wiped).
 */
struct search_index;
#define IDS_VERSION_MAX 64
int cases_search_in(struct reg *r, struct search_index **keep, const char *text,
		    json_t **out);
/* Makes *keep ready for this state of the register without searching
 * (the browser UI, at a manager's login: the first search is then as
 * quick as any); nothing is audited, nothing is shown. */
int cases_search_prepare(struct reg *r, struct search_index **keep);
/* Wipes and frees (NULL: nothing). */
void cases_search_index_free(struct search_index *ix);
/* The bytes it holds (0 for NULL). */
size_t cases_search_index_bytes(const struct search_index *ix);
/* "Forename Surname" of the child of case REF (a part not given is ""),
 * from the short sealed ids (issue 12: Today names its rows from these).
 * Identifiable: the caller audits what it shows. */
int cases_child_name(struct reg *r, const char *ref, char *out, size_t len);

/* ==== rr ==== */
struct reg;

/*
 * The joint agency response (rapid response): for an unexpected death every
 * action of the `rr_action` code list is created with a due time (time of
 * death + its target) when the case is notified (cases.c); here they are
 * marked done, listed, and the targets are kept.
 *
 * Status of an action, relative to "now" (rr_now_minutes):
 *   done         done, on or before its due time (or it has none)
 *   done_late    done after its due time
 *   outstanding  not done, due time not yet passed
 *   overdue      not done, due time passed
 * A done date without a time counts as 23:59 that day, as in case_view.c:
 * an action is never called on time on a guess.
 */
#define RR_DURATION_BUFLEN 24

/*
 * rr add: records action TYPE of case REF as done on ON (YYYY-MM-DD or
 * YYYY-MM-DDTHH:MM), by and notes optional. Validates with form_rr_action
 * (errors name the field: action, on, by, notes), and ON is not
 * before the death. Recording a done action again replaces on, by and notes
 * (*corrected = 1; audited as rr_correct, else rr_add). An expected death
 * gets the row then, without a due time.
 */
int rr_add(struct reg *r, const char *ref, const char *action, const char *on,
	   const char *by, const char *notes, int *corrected);

/*
 * rr list: an array of {action, due, on, by, notes, status} (absent values
 * null), due-time order, actions without a due time last. It shows names,
 * so the listing is audited (rr_list).
 */
int rr_list(struct reg *r, const char *ref, json_t **out);

/*
 * rr due: every action not done of cases not closed or transferred, as an
 * array of {ref, action, due, status, overdue_hours | hours_left} in due
 * order, which puts overdue actions first, most overdue first. Whole hours,
 * rounded down. No names, so not audited.
 */
int rr_due(struct reg *r, json_t **out);

/* rr targets: [{action, target, minutes, default}] in code-list order;
 * target and default as durations ("72h", "7d", "12w"). */
int rr_targets(struct reg *r, json_t **out);

/*
 * rr target: sets the target of TYPE from DURATION. Used for the actions
 * of cases notified afterwards; due times already set are left alone.
 * Audited (rr_target, TYPE, "old -> new"). old/new_text may be NULL.
 */
int rr_target_set(struct reg *r, const char *action, const char *duration,
		  char old_text[RR_DURATION_BUFLEN], char new_text[RR_DURATION_BUFLEN]);

/* "72h", "7d", "12w": whole hours, days or weeks, 1 hour to 52 weeks.
 * 0, or -1 if not a duration. */
int rr_duration_parse(const char *s, long *minutes);
/* The shortest exact form in the style of SPEC §3: weeks from 2 weeks,
 * days from 7 days, else hours. */
void rr_duration_format(long minutes, char out[RR_DURATION_BUFLEN]);

/*
 * "Now" for due lists, in minutes as date_datetime_minutes counts them:
 * today's local date and time; with the CDOP_TODAY override (reg->today),
 * that day at 23:59, so a test sees everything due that day as passed.
 */
int rr_now_minutes(struct reg *r, long long *now);

/*
 * Form errors as one message (cases_invalid), one line per field path; a
 * message repeated for one path is given once. Used by agency.c too.
 */
struct form_errors;
int rr_form_invalid(struct reg *r, const struct form_errors *errs);

/* ==== agency ==== */
struct reg;

/*
 * Agency reporting forms (SPEC §1 step 3): one per agency and case, in
 * agency_reports. Each change is one transaction with its audit entry; the
 * details name the agency and dates, never people.
 */

#define AGENCY_DEFAULT_DAYS 28 /* due back four weeks after the request */

struct agency_request_result {
	char requested[DATE_BUFLEN];
	char due[DATE_BUFLEN];
	char old_due[DATE_BUFLEN]; /* "" unless it was requested before */
	int again;                 /* requested before: the due date was changed */
};

/* agency request --on: as agency_request, requested on ON (a date as
 * typed, not in the future, not before the death; NULL: today) and due by
 * default AGENCY_DEFAULT_DAYS after ON. Errors name "on" and "due". */
int agency_request_on(struct reg *r, const char *ref, const char *agency,
		      const char *on, const char *due, struct agency_request_result *res);
/*
 * agency request: requested today, due on DUE or AGENCY_DEFAULT_DAYS later.
 * Requesting again keeps the first request date and sets the new due date
 * (DUE, or AGENCY_DEFAULT_DAYS from today). A report already received is a
 * conflict. Errors name the field (agency, due).
 */
int agency_request(struct reg *r, const char *ref, const char *agency, const char *due,
		   struct agency_request_result *res);

struct agency_receive_result {
	char requested[DATE_BUFLEN];
	int unrequested; /* no request was recorded: requested = ON */
	int again;       /* it had been received: the date (and form) corrected */
	size_t attached; /* documents stored with it */
};

/* What came back with a report, beside the dates. */
struct agency_receive_opts {
	const json_t *form;       /* any JSON object (`--json`), or NULL */
	const char *sealed_form;  /* a file sealed to this register holding the
				   * agency reporting form (`--age`; field "age"),
				   * or NULL; validated against form_agency_reporting */
	const char *const *attach; /* documents to store sealed (field "attach") */
	size_t nattach;
};

/* The most one attachment may hold (its base64 must fit in one export
 * line: IMPORT_LINE_MAX, 32 MiB). */
#define AGENCY_ATTACH_MAX ((size_t)16 << 20)

/*
 * agency receive: received ON (not in the future, not before the request or
 * the death). FORM, when not NULL, is the agency's returned form, any JSON
 * object, stored encrypted; without it a form stored earlier is kept.
 */
int agency_receive(struct reg *r, const char *ref, const char *agency, const char *on,
		   const json_t *form, struct agency_receive_result *res);
/*
 * The same with a sealed form and attachments (SPEC §2, §8): the sealed file
 * is opened (manager only) and verified whole, its JSON checked against the
 * agency reporting form, and each attachment read, before anything is
 * written; the documents are stored sealed as identifiable, in the same
 * transaction as the receipt and its audit entry. A file for another
 * recipient, changed or truncated: CDOP_ERR_DAMAGED, nothing written.
 */
int agency_receive_with(struct reg *r, const char *ref, const char *agency, const char *on,
			const struct agency_receive_opts *opts,
			struct agency_receive_result *res);

/*
 * agency show (managers): one agency's report of a case with its form and
 * its attachments listed ({n, name, bytes, added_on}); audited. With dir,
 * each attachment is also written there (never over an existing file) as
 * its name, or "N-name" when the name repeats or is not a plain file name;
 * *saved counts them.
 */
int agency_show(struct reg *r, const char *ref, const char *agency, const char *dir,
		json_t **out, size_t *saved);
/* The file name agency show gives attachment n (from 1) of its list
 * "attachments" in dir: its own name when that is a plain file name not
 * used by an earlier attachment, else "N-name" ("N-attachment" when the
 * name is not plain). */
void agency_attachment_file(const json_t *list, size_t n, char *out, size_t outlen);

/* Import: one attachment of the case's AGENCY report (the row exists), in
 * the caller's transaction, sealed as agency receive --attach stores it. */
int agency_attachment_add(struct reg *r, int64_t case_id, const char *agency,
			  const char *name, const uint8_t *data, size_t len, const char *on);

/*
 * agency due: every requested, not received report of cases not closed or
 * transferred, as [{ref, agency, requested, due, status, days_overdue |
 * days_left}] (status overdue or outstanding) in due-date order: overdue
 * first, most overdue first; reports without a due date last. No names,
 * so not audited.
 */
int agency_due(struct reg *r, json_t **out);

/* ==== idcheck ==== */
/*
 * The identifier check: text written for the panel or the public (a
 * panel_summary, learning, a recommendation, a report's narrative) is
 * refused when it holds an identifier the register holds, of any case:
 * a name or a part of one (child and notifier), an NHS number however it
 * is spaced or dashed, a date of birth or of death in figures (1/3/2024,
 * 01-03-24, 2024-03-01; day first, and month first too) or in words
 * (1 March 2024, 1st of March 2024, March 1, 2024), an address line or its
 * street ("Larkspur Close"), a postcode with or without its space. Words
 * the acting user allows (r->ss.allow_words, `--allow-word`) pass, and
 * the caller audits that they did.
 */
struct idset;

struct idcheck_match {
	char text[128];     /* as written in the checked text */
	const char *what;   /* "a name", "a street", "a date of birth", ... */
};

/* Every identifier of every case in the register. */
int idset_load(struct reg *r, struct idset **out);
/* The identifiers of every case that checking these n texts could find
 * (idset_find answers for them as with idset_load's set): its memory
 * follows the texts, not the register; empty when n is 0. */
int idset_load_for(struct reg *r, const char *const *texts, size_t n,
		   struct idset **out);
struct idset *idset_new(void);
/* Adds one notification's identifiers (one not stored yet); -1 on ENOMEM. */
int idset_add_notification(struct idset *s, const json_t *notification);
void idset_free(struct idset *s);
/* 1 and *m when text holds an identifier not allowed, 0 when not, -1 on
 * ENOMEM. *allowed (may be NULL) grows by the matches that were allowed. */
int idset_find(const struct idset *s, const char *text, const char *const *allow,
	       size_t nallow, struct idcheck_match *m, size_t *allowed);
/* idset_find with the session's allowed words; a match is refused as
 * CDOP_ERR_INPUT about FIELD, naming the word and what it is. */
int idcheck_text(struct reg *r, const struct idset *s, const char *field,
		 const char *text, size_t *allowed);

/*
 * Texts written without K_id (migration 012): a panel member's learning
 * and recommendations are stored 'unchecked'. idcheck_pending checks the
 * unchecked texts of case_id (0: of every case) against every identifier
 * the register holds and marks each 'checked' or 'flagged' (check_what:
 * the kind, never the word), in its own transaction, audited as counts.
 * It does nothing without K_id or inside a transaction. A manager's
 * unlock (CLI and browser) and a manager's case view call it.
 */
int idcheck_pending(struct reg *r, int64_t case_id);
/* The flagged texts still to fix (of case_id, or all when 0) as
 * [{ref, field: "learning" | "recommendation N", what: "a name"}]; a
 * recommendation already done is not listed. */
int idcheck_flagged(struct reg *r, int64_t case_id, json_t **out);

#endif
