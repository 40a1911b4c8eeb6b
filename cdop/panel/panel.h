#ifndef CDOP_PANEL_PANEL_H
#define CDOP_PANEL_PANEL_H

#include <jansson.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>


/* ==== meetings ==== */
struct reg;

/* Panel meetings: date, chair, the cases on the agenda, who attended. */
int meetings_new(struct reg *r, const char *date, const char *chair, int64_t *id);
/* Parses a meeting id argument and checks it exists; *date gets its date. */
int meetings_find(struct reg *r, const char *arg, int64_t *id, char date[11]);
/*
 * Puts cases on a meeting's agenda, all or none, in one transaction; each
 * becomes `scheduled`. A case must be `ready`, or `gathering` (then warn()
 * is told which agency reports are outstanding), or already scheduled or
 * reviewed (deferred, or to be amended at a later meeting).
 */
typedef void meetings_warn_fn(const char *warning, void *ctx);
int meetings_add_cases(struct reg *r, int64_t meeting, char *const *refs, size_t n,
		       meetings_warn_fn *warn, void *ctx);
int meetings_attend(struct reg *r, int64_t meeting, const char *name,
		    const char *agency, const char *role);
int meetings_list(struct reg *r, json_t **out);
/* meeting show: {id, date, chair, cases: [{ref, status, reviewed_here}],
 * attendance: [{name, agency, role}]}. No child identifiers. */
int meetings_show(struct reg *r, const char *meeting_arg, json_t **out);
/*
 * meeting remove: takes case REF off a meeting's agenda (not one reviewed
 * there). Off its only agenda a scheduled case is `ready` again (`reviewed`
 * if it had come back to be amended). Audited ("meeting_remove").
 */
int meetings_remove_case(struct reg *r, const char *meeting_arg, const char *ref);
/* Is the case on the meeting's agenda? */
int meetings_has_case(struct reg *r, int64_t meeting, int64_t case_id);
/* A meeting for the browser UI: {id, date, chair, cases: [{ref, status,
 * reviewed}], attendance: [{name, agency, role}]}. No child's name. */
int meetings_agenda(struct reg *r, const char *meeting_arg, json_t **out);

/* ==== reviews ==== */
struct reg;

/*
 * Reviews (the analysis form) and the meetings they are recorded at. The
 * store functions run inside the caller's transaction so that `review`
 * and `import` share them.
 */

/* The meeting held on DATE, created if there is none (import). */
int meetings_find_or_create(struct reg *r, const char *date, int64_t *id);

/*
 * Stores a validated, normalised review form for a case at a meeting,
 * replacing any earlier review of the case (an amendment). Themes and
 * recommendations are stored for the report and the action tracker; a
 * recommendation's import-only `completed` becomes its done date.
 * *amended is set when an earlier review was replaced.
 */
int reviews_store(struct reg *r, int64_t case_id, int64_t meeting_id,
		  const char *meeting_date, const json_t *review, int *amended);


/*
 * `review`: validates the analysis form (form_review) of case ref,
 * checks the case is on the agenda of meeting meeting_arg and the meeting
 * is not in the future, stores it with the meeting date as completion date, and
 * moves the case to `reviewed`. A later review amends the earlier one.
 */
int reviews_record(struct reg *r, const char *ref, const char *meeting_arg,
		   const json_t *review, int *amended);

/* What the domain scores imply for `modifiable` (SPEC §3), or NULL when a
 * score is missing. */
const char *reviews_implied_modifiable(const json_t *review);

/* ==== actions ==== */
struct reg;

/* The recommendation tracker: each recommendation of a review is an
 * action with an id, an owner agency and a due date. Overdue = past due
 * (before today) and not done. */
int actions_list(struct reg *r, int overdue_only, json_t **out);
/* The first LIMIT of actions_list's rows, the done ones only when
 * with_done (else the open ones alone); *total counts every
 * recommendation (issue 12: a page shows 200 of them). */
int actions_list_top(struct reg *r, int with_done, size_t limit, json_t **out,
		     size_t *total);
/* ON as typed (DD/MM/YYYY, today); NULL: today. */
int actions_done(struct reg *r, const char *id_arg, const char *on);
/* action reopen: undoes action done, with a reason (field "reason");
 * audited ("action_reopen", {ref, done_on, reason}). */
int actions_reopen(struct reg *r, const char *id_arg, const char *reason);

/* ==== today ==== */
struct reg;

/*
 * today: everything due or overdue, in days, as
 *   {"date": TODAY,
 *    "summary": {"overdue", "due_today", "upcoming", "total",
 *                "by_kind": {KIND: {"total", "overdue"}}},
 *    "items": [{"kind", "ref", "what", "label", "status", "due",
 *               "days_overdue" | "days_left", "name"?, ...}]}
 * kind: joint_agency_response (rr due), agency_form (agency due),
 * recommendation (the tracker, not done; "id", "text"), ready_for_panel
 * ("days_since_death"), statutory_clock (what: notified_ncmd, due two
 * days after the notification until notified.ncmd_date is set).
 * status: overdue, due_today or upcoming. Overdue first, most overdue
 * first, then by due date. The manager's list names each child (audited:
 * "today"); anonymised (the panel) it has no names and no dates tied to
 * the death or notification: joint agency response actions and clocks
 * are left out and agency forms carry days only.
 */
int today_list(struct reg *r, int anonymised, json_t **out);
/* The same with only the first per_kind items of each kind (0: all), the
 * summary still counting every item: only the items returned are named
 * (and counted in the audit entry), so a large register's page is cheap. */
int today_list_top(struct reg *r, int anonymised, size_t per_kind, json_t **out);

/* ==== pack ==== */
struct reg;

/*
 * The meeting pack: one self-contained, print-friendly HTML file for the
 * panel with every case on the meeting's agenda, anonymised (SPEC §2),
 * its joint agency response timeline, which reports came in, and the
 * analysis form's questions. No network fetches (a CSP forbids them).
 */
int pack_write(struct reg *r, const char *meeting_arg, const char *path, int mode);

/* ==== print ==== */
struct reg;

/*
 * case print: case REF as one printable page of HTML at PATH (MODE: an
 * outfile_mode; OUTFILE_EXCL never replaces a file: CDOP_ERR_CONFLICT,
 * field "out"): status and what it
 * waits for, age at death, the notification in its groups, the joint
 * agency response, agency reports, review and recommendations.
 * anonymised: the panel's view (no identifiers, no exact dates). Audited
 * ("print") before the file appears.
 */
int case_print_write(struct reg *r, const char *ref, int anonymised, const char *path,
		     int mode);

/* ==== import ==== */
struct reg;

/*
 * Bulk load of a JSON Lines file (SPEC §4): one case per line, read a
 * line at a time so memory stays flat in the number of cases; the whole
 * file is one transaction, all or nothing. Every error names its line
 * ("line 17: notification.child.nhs_number: ...") and leaves the register
 * as it was.
 */

/* Bytes of the file read so far, and its size (0 if not a regular file). */
typedef void import_progress_fn(void *ctx, uint64_t done, uint64_t total);

struct import_opts {
	int dry_run;                  /* do everything, then roll back */
	import_progress_fn *progress; /* or NULL; called at most once a line */
	void *progress_ctx;
};

/* The longest line accepted: a case is a few KiB, but its agency reports'
 * attachments travel inside it (base64); export refuses to write a longer
 * line than import accepts. */
#define IMPORT_LINE_MAX (32 * 1024 * 1024)
#define IMPORT_RANGES_MAX 512

struct import_result {
	size_t cases;            /* lines imported (or that would be) */
	size_t reviews;
	size_t meetings_created;
	size_t lines;            /* physical lines read, blank ones included */
	/* References given, per year: "CDOP-2024-0001..CDOP-2024-0120, ..." */
	char ranges[IMPORT_RANGES_MAX];
	/* Learning and recommendation texts that name an identifier of their
	 * own case: stored 'flagged', never published (issue 11). */
	size_t flagged;
};

/*
 * Imports PATH into the register as the acting user (the caller checked
 * the role). The import is recorded in the audit trail in the same
 * transaction: action "import", object "N cases", detail the references.
 * With dry_run nothing is written and *res says what would have been.
 */
int import_file(struct reg *r, const char *path, const struct import_opts *o,
		struct import_result *res);

/* ==== export ==== */
struct reg;

/*
 * Every case as one line of the import format (SPEC §4), in reference
 * order (case id), compact JSON with sorted keys: the same register always
 * gives the same bytes, and `import` of the output into an empty register
 * gives back the same records and references.
 */
struct export_result {
	size_t cases;
};

/*
 * Writes PATH: a temporary file beside it (0600, O_EXCL), fsync'd, then
 * put in place as MODE says (an outfile_mode: OUTFILE_EXCL never
 * overwrites, CDOP_ERR_CONFLICT; OUTFILE_REPLACE a regular file only). Audited ("export", "N cases") in the same
 * transaction; on any failure no PATH is left behind and nothing is
 * recorded.
 */
int export_file(struct reg *r, const char *path, int mode, struct export_result *res);

/*
 * The same lines to an open stream (`--out -`: standard output, e.g. piped
 * into an encryption tool). The export is recorded before the first byte
 * is written, as a view is.
 */
int export_stream(struct reg *r, FILE *out, struct export_result *res);

/*
 * The same lines sealed (SPEC §8) to the age recipients given as text
 * (`age1…`, field "recipient"), written to PATH as export_file writes it;
 * audited, and PATH is placed only after the audit entry commits.
 */
int export_sealed(struct reg *r, const char *path, int mode,
		  const char *const *recipients, size_t n, struct export_result *res);

/* ==== transfer ==== */
/*
 * transfer REF: the whole case as one import line with a `transfer` object
 * ({from_ref, from_register, on, audit: [{at, user, action, detail}]}),
 * sealed to RECIPIENT (the receiving register's `key show --age`) and
 * written to PATH (as MODE, an outfile_mode, allows). The case becomes `transferred` and
 * the transfer is recorded (case_transfers, audit "transfer") in one
 * transaction; PATH is placed only after it commits. A closed or already
 * transferred case is a conflict.
 */
int transfer_write(struct reg *r, const char *ref, const char *recipient, const char *path,
		   int mode);

/* ==== ncmd ==== */
/*
 * return ncmd: every case notified or reviewed in YEAR (YYYY-YY), one JSON
 * object per line (docs/ncmd-return.md), sealed to RECIPIENT, written to
 * PATH (as MODE, an outfile_mode, allows) after its audit entry
 * ("return_ncmd") commits.
 * *cases: how many.
 */
int return_ncmd(struct reg *r, const char *year, const char *recipient, const char *path,
		int mode, size_t *cases);

#endif
