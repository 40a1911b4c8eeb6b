#include "cdop/cli/cli.h"

#define ADMIN ROLE_BIT(ROLE_ADMIN)
#define MANAGER ROLE_BIT(ROLE_MANAGER)
#define PANEL ROLE_BIT(ROLE_PANEL)
#define ANALYST ROLE_BIT(ROLE_ANALYST)

/* The command table: one row per command, with who may run it. */
const struct command commands[] = {
	{ "init", NULL, cmd_init, 0, 0,
	  "init --admin NAME [--kdf interactive|moderate|sensitive] [--recovery-out FILE]",
	  "Create a register and its keyring with NAME as the first admin. The admin\n"
	  "passphrase comes from --passphrase-file or is asked twice on the terminal.\n"
	  "The recovery code is printed once (or written to FILE, mode 0600): keep it\n"
	  "offline; it opens the register if every passphrase is lost." },
	{ "user", "add", cmd_user_add, CMD_UNLOCK, ADMIN,
	  "user add NAME --role admin|manager|panel|analyst [--new-passphrase-file F]",
	  "Add a user. Their passphrase comes from F or is asked twice on the terminal." },
	{ "user", "list", cmd_user_list, CMD_UNLOCK, ADMIN,
	  "user list [--json]", "List users, their roles and state." },
	{ "user", "disable", cmd_user_disable, CMD_UNLOCK, ADMIN,
	  "user disable NAME",
	  "Disable a user: their key slot is erased and they can no longer unlock." },
	{ "passwd", NULL, cmd_passwd, CMD_UNLOCK, ADMIN | MANAGER | PANEL | ANALYST,
	  "passwd [--new-passphrase-file F]",
	  "Change your own passphrase (rewraps your key slot)." },
	{ "recover", NULL, cmd_recover, 0, 0,
	  "recover --recovery-file F --user NAME --new-passphrase-file F2",
	  "Set a new passphrase for NAME using the recovery code in F." },
	{ "audit", "list", cmd_audit_list, CMD_UNLOCK, ADMIN | MANAGER,
	  "audit list [--case REF] [--json]", "Print the audit trail; --case: one "
	  "case's entries (a manager: only with --case, sealed values opened)." },
	{ "audit", "verify", cmd_audit_verify, CMD_UNLOCK, ADMIN,
	  "audit verify [--witness FILE.minisig|BACKUP]...", "Verify the audit hash chain "
	  "and every entry's signature; names the first broken entry. --witness: "
	  "the trail still holds the head a signed report or a backup states." },
	{ "check", NULL, cmd_check, CMD_UNLOCK | CMD_LENIENT, ADMIN,
	  "check", "Full integrity check: every database page, the keyring, the audit chain." },
	{ "notify", NULL, cmd_notify, CMD_UNLOCK, MANAGER,
	  "notify [--json FILE|-] [--allow-word WORD]...",
	  "Log a child death from a notification. With --json, FILE (or - for\n"
	  "standard input) holds the notification object (docs/data-dictionary.md);\n"
	  "on a terminal without --json, a form asks field by field. Prints the new\n"
	  "case reference alone on standard output. panel_summary, the only account\n"
	  "the panel reads, is refused while it holds a name, NHS number, date of\n"
	  "birth or death, address, street or postcode the register holds;\n"
	  "--allow-word WORD lets a word through on purpose (audited)." },
	{ "case", "list", cmd_case_list, CMD_UNLOCK, MANAGER | PANEL,
	  "case list [--status S] [--year YYYY-YY] [--json]",
	  "List cases, by status and reporting year of notification. The panel\n"
	  "sees them anonymised (age band, sex, month of death)." },
	{ "case", "show", cmd_case_show, CMD_UNLOCK, MANAGER | PANEL,
	  "case show REF [--json]",
	  "Show one case. Managers see the identifiable record (the view is\n"
	  "audited); the panel sees it anonymised." },
	{ "case", "update", cmd_case_update, CMD_UNLOCK, MANAGER,
	  "case update REF --json FILE [--reason TEXT] [--allow-word WORD]...",
	  "Change a case's notification: FILE holds the members to change (null\n"
	  "removes one); the whole record is validated again. A new panel_summary\n"
	  "is checked for identifiers as in notify. Each change is kept with its\n"
	  "old and new values ('case history'; an identifiable field's values are\n"
	  "sealed in the trail for managers). A reviewed or closed case is changed\n"
	  "only with --reason." },
	{ "case", "status", cmd_case_status, CMD_UNLOCK, MANAGER,
	  "case status REF STATUS [--reason TEXT]",
	  "Move a case on: notified, gathering, ready, (scheduled, reviewed by\n"
	  "meeting add and review), closed; transferred for a non-resident child.\n"
	  "A correction moves it back one step and needs --reason: gathering to\n"
	  "notified, ready to gathering, closed to reviewed ('meeting remove' takes\n"
	  "a scheduled case off its agenda). Closing a case whose agency reports\n"
	  "are still awaited says which and needs --reason. Reasons are kept in\n"
	  "the case's history." },
	{ "backup", NULL, cmd_backup, CMD_UNLOCK, ADMIN,
	  "backup --out FILE [--force]",
	  "Write the whole register (database and keyring) to FILE as one encrypted,\n"
	  "authenticated backup (created 0600; an existing FILE only with --force,\n"
	  "and only a regular file, never the register or its keyring). The backup is\n"
	  "audited, read back and verified before it is reported. Anyone who could\n"
	  "unlock the register when it was made (an admin's passphrase then current,\n"
	  "or the recovery code then current) can restore it: keep it as safe as\n"
	  "the register. See docs/operations.md." },
	{ "restore", NULL, cmd_restore, 0, 0,
	  "restore FILE --to PATH [--recovery-file F]",
	  "Restore backup FILE as a new register PATH (and PATH.keys); an existing\n"
	  "register is never overwritten. Unlock with --user and --passphrase-file\n"
	  "(an admin's passphrase as it was when the backup was made) or with the\n"
	  "recovery code in F. Every byte of FILE is authenticated before anything\n"
	  "is restored, and the result is checked in full; a damaged or altered\n"
	  "backup leaves nothing behind (exit 4)." },
	/* rr and agency commands */
	{ "rr", "add", cmd_rr_add, CMD_UNLOCK, MANAGER,
	  "rr add REF --action TYPE --on DATE[THH:MM] [--by TEXT] [--notes TEXT]",
	  "Record a joint agency response action of case REF as done. TYPE is one of\n"
	  "information_sharing_meeting, home_visit, police_informed, coroner_informed,\n"
	  "key_worker_assigned, bereavement_support_offered, child_death_review_meeting.\n"
	  "--on is when it was done: a date, or a date and time (2025-05-04T10:00) when\n"
	  "the time matters for the target; a date alone counts as the end of that day.\n"
	  "It may not be before the death or in the future. --by is who did it (name\n"
	  "or role); --notes is anything the panel should know. Recording an action\n"
	  "again corrects it: the new --on, --by and --notes replace the old ones (the\n"
	  "correction is audited). For an expected death the action is recorded\n"
	  "without a target time." },
	{ "rr", "list", cmd_rr_list, CMD_UNLOCK, MANAGER,
	  "rr list REF [--json]",
	  "List the joint agency response actions of case REF: when each is due (the\n"
	  "time of death plus its target), when it was done, by whom, notes, and its\n"
	  "status: done, done_late, outstanding or overdue. The listing shows names,\n"
	  "so it is recorded in the audit trail." },
	{ "rr", "due", cmd_rr_due, CMD_UNLOCK, MANAGER,
	  "rr due [--json]",
	  "Every joint agency response action not yet done, across the cases that are\n"
	  "not closed or transferred: overdue actions first, the most overdue at the\n"
	  "top, then those due soonest, with the hours overdue or left. Shows case\n"
	  "references only, no names." },
	{ "rr", "targets", cmd_rr_targets, CMD_UNLOCK, MANAGER | ADMIN,
	  "rr targets [--json]",
	  "Show each action type's target, how long after the death it is due, beside\n"
	  "the default from the statutory guidance." },
	{ "rr", "target", cmd_rr_target, CMD_UNLOCK, MANAGER,
	  "rr target TYPE DURATION",
	  "Change the target of action TYPE: DURATION is a whole number of hours, days\n"
	  "or weeks after the death, e.g. 72h, 7d or 12w (at most 52w). It applies to\n"
	  "cases notified from now on; due times already set are not changed. The\n"
	  "change is recorded in the audit trail." },
	{ "agency", "request", cmd_agency_request, CMD_UNLOCK, MANAGER,
	  "agency request REF --agency CODE [--on DATE] [--due DATE]",
	  "Record that a reporting form for case REF was requested on --on (by\n"
	  "default today; not in the future, not before the death) from agency\n"
	  "CODE: gp, health_visiting, midwifery, hospital, ambulance, police,\n"
	  "childrens_social_care, education, mental_health, coroner, public_health or\n"
	  "other. It is due back on --due, by default 28 days after the request. Asking the\n"
	  "same agency again keeps the first request date and sets a new due date\n"
	  "(--due, or 28 days after --on)." },
	{ "agency", "receive", cmd_agency_receive, CMD_UNLOCK, MANAGER,
	  "agency receive REF --agency CODE --on DATE [--json FILE | --age FILE] "
	  "[--attach FILE]...",
	  "Record that agency CODE's reporting form for case REF came back on DATE (not\n"
	  "in the future, not before it was requested). FILE, if given, is the returned\n"
	  "form as one JSON object: it is stored encrypted, shown to managers in 'case\n"
	  "show' and included in 'export'; the panel sees only that it was received.\n"
	  "--age FILE is the agency's reporting form (docs/guide.md, 'For agencies')\n"
	  "sealed by the agency with 'age -r' to this register ('cdop key show --age'):\n"
	  "it is verified whole and checked against the form before anything is\n"
	  "stored; one for another register, changed or cut short exits 4. --attach\n"
	  "(repeatable) stores any document with the report, sealed as identifiable\n"
	  "(at most 16 MiB each); 'agency show' lists and saves them.\n"
	  "If no request was recorded, the request is recorded on DATE too (a note\n"
	  "says so). Receiving again corrects the date, and the form if FILE is given." },
	{ "agency", "show", cmd_agency_show, CMD_UNLOCK, MANAGER,
	  "agency show REF --agency CODE [--save-attachments DIR] [--json]",
	  "Show agency CODE's report of case REF: its dates, its form and its\n"
	  "attachments (name, size, date). --save-attachments writes each attachment\n"
	  "into DIR under its own name (never over an existing file). Audited; the\n"
	  "panel sees only how many attachments there are." },
	{ "agency", "due", cmd_agency_due, CMD_UNLOCK, MANAGER,
	  "agency due [--json]",
	  "Every reporting form requested and not yet received, across the cases that\n"
	  "are not closed or transferred: overdue first, the most overdue at the top,\n"
	  "then by due date, with the days overdue or left. Shows case references\n"
	  "only, no names." },
	/* import and export commands */
	{ "import", NULL, cmd_import, CMD_UNLOCK, MANAGER,
	  "import FILE.jsonl [--dry-run]",
	  "Load cases from a JSON Lines file (- for standard input), one case per\n"
	  "line, plain or sealed in the age format to this register (its recipient:\n"
	  "'cdop key show --age'; a sealed file is verified whole before any line\n"
	  "is read, and one for another register, changed or cut short exits 4)\n"
	  "(docs/data-dictionary.md, 'Import line'). All or nothing: any bad line\n"
	  "stops the import, names the line and field, and leaves the register as\n"
	  "it was. Blank lines are skipped. References are given by year of\n"
	  "notification in file order. --dry-run checks and counts everything,\n"
	  "then writes nothing." },
	{ "export", NULL, cmd_export, CMD_UNLOCK, MANAGER,
	  "export --out FILE [--force] [--recipient AGE_RECIPIENT]...",
	  "Write every case, identifiable, as JSON Lines in the import format, in\n"
	  "reference order (the same register gives the same bytes). FILE is created\n"
	  "0600 (a regular file replaced only with --force); --out - writes to\n"
	  "standard output (a pipe, e.g. into an encryption tool). The export is\n"
	  "audited. Importing it into an empty register gives back the same records\n"
	  "and references. With --recipient (repeatable) FILE is sealed in the age\n"
	  "format to each recipient (age1..., e.g. another register's 'cdop key show\n"
	  "--age'): 'age -d -i KEY FILE' or 'cdop import FILE' there opens it." },
	{ "transfer", NULL, cmd_transfer, CMD_UNLOCK, MANAGER,
	  "transfer REF --recipient AGE_RECIPIENT --out FILE [--force]",
	  "Pass case REF to another register (the home CDOP of a non-resident child,\n"
	  "or a joint panel): the whole case - notification, joint agency response,\n"
	  "agency reports with their forms and attachments, the review, and a summary\n"
	  "of its audit trail - sealed to that register's recipient ('cdop key show\n"
	  "--age' there) in FILE (a regular file replaced only with --force). The\n"
	  "case becomes 'transferred' here. 'cdop import FILE' there makes it a new\n"
	  "case with its own reference, keeping this one as the sender's; both audit\n"
	  "trails record it." },
	{ "return", "ncmd", cmd_return_ncmd, CMD_UNLOCK, MANAGER,
	  "return ncmd --year YYYY-YY --recipient AGE_RECIPIENT --out FILE [--force]",
	  "The national return to the National Child Mortality Database: every case\n"
	  "notified or reviewed in the year, one JSON object per line (notification,\n"
	  "joint agency response, agency reports, the analysis; docs/ncmd-return.md),\n"
	  "sealed to NCMD's age recipient in FILE (a regular file replaced only with\n"
	  "--force). Audited." },
	/* report and signing commands */
	{ "report", "annual", cmd_report_annual, CMD_UNLOCK, MANAGER | ANALYST,
	  "report annual --year YYYY-YY --edition board|public [--disclosure dfe|nhs] "
	  "--format html|csv|json|md --out PATH [--force] [--narrative FILE.md] [--allow-word WORD]...",
	  "Write the anonymised annual statistics for the year 1 April - 31 March\n"
	  "(e.g. --year 2025-26) to PATH, signed into PATH.minisig. --edition board\n"
	  "gives exact counts (not for publication); --edition public applies\n"
	  "disclosure control: dfe (the default: 1-5 shown as x, and more withheld\n"
	  "so no x can be worked out) or nhs (1-7 shown as *, others rounded to 5).\n"
	  "No names, NHS numbers, dates of birth, addresses, postcodes or exact\n"
	  "dates; learning only where the panel marked it publishable. html is one\n"
	  "self-contained file with charts; csv has one block per table headed\n"
	  "'# table: ID'. Every edition carries the panel's name ('config set\n"
	  "panel.name'), a five-year trend (rates per 10,000 children when\n"
	  "population.under_18 is set) and, with --narrative, the board's foreword\n"
	  "and priorities from a Markdown file (headings, paragraphs, lists,\n"
	  "emphasis), checked for identifiers like learning; learning that names\n"
	  "an identifier the register holds is left out, with a warning.\n"
	  "Writing a report is audited. PATH and PATH.minisig are never\n"
	  "overwritten unless --force (regular files only)." },
	{ "key", "show", cmd_key_show, CMD_UNLOCK, ADMIN | MANAGER | PANEL | ANALYST,
	  "key show [--age]",
	  "Print the report-signing public key in minisign's format. Save it, e.g.\n"
	  "'cdop key show > cdop-report.pub', so that anyone can check a report with\n"
	  "'minisign -Vm report.html -p cdop-report.pub'. With --age, print this\n"
	  "register's age recipient (age1...): agencies and other registers seal\n"
	  "files to it with 'age -r age1...'; only a manager can open them.\n"
	  "Disabling a manager (both) or an analyst (the signing key) retires them;\n"
	  "the next unlock by a manager makes new ones, printed from then on: give\n"
	  "them to the board and the agencies again." },
	{ "key", "convert", cmd_key_convert, CMD_UNLOCK, ADMIN,
	  "key convert --recovery-out FILE",
	  "Convert a register made before keys by role (keyring version 1: one\n"
	  "master key in every slot) to keys by role. Each user's unlock has\n"
	  "prepared their new key slot since the admin's first unlock; run by that\n"
	  "admin once every active user has unlocked (or been disabled). The\n"
	  "register gets a new key (the old keyring opens nothing written after)\n"
	  "and a new recovery code, written to FILE (a new file, mode 0600) before\n"
	  "the conversion commits, so that no crash can lose it: --recovery-out is\n"
	  "required. Passphrases are unchanged. The report-signing key and the age\n"
	  "recipient are retired: the first manager unlock after makes new ones\n"
	  "(give the board the new 'key show', agencies the new 'key show --age').\n"
	  "Audited. docs/security.md section 17." },
	{ "verify", NULL, cmd_verify, 0, ADMIN | MANAGER | PANEL | ANALYST,
	  "verify FILE [--key PUBKEY]",
	  "Check FILE against its signature FILE.minisig with this register's key\n"
	  "and print the signed (trusted) comment: register, year, edition and time.\n"
	  "With --key PUBKEY (the file 'cdop key show' printed), no register, login\n"
	  "or passphrase is needed: a board member checks a report with the key alone.\n"
	  "Exit 1 if FILE or its signature is missing, changed or from another key,\n"
	  "or from a key this register retired when a user who held it was disabled\n"
	  "(the message names it and when; a report signed before then checks with\n"
	  "--key and the public key published then)." },
	/* meeting, review and action commands */
	{ "meeting", "new", cmd_meeting_new, CMD_UNLOCK, MANAGER,
	  "meeting new --date DATE [--chair NAME]",
	  "Create a panel meeting; prints its id." },
	{ "meeting", "add", cmd_meeting_add, CMD_UNLOCK, MANAGER,
	  "meeting add MEETING REF...",
	  "Put cases on a meeting's agenda; each becomes 'scheduled'. A case should\n"
	  "be 'ready'; a 'gathering' case is added with a warning naming the\n"
	  "reports still awaited. A reviewed case may come back to be amended." },
	{ "meeting", "attend", cmd_meeting_attend, CMD_UNLOCK, MANAGER,
	  "meeting attend MEETING --name NAME --agency CODE [--role TEXT]",
	  "Record that a person attended for an agency (once: the same name for the\n"
	  "same agency again is refused)." },
	{ "meeting", "pack", cmd_meeting_pack, CMD_UNLOCK, MANAGER | PANEL,
	  "meeting pack MEETING --out FILE [--force]",
	  "Write the anonymised HTML case pack for a meeting (one self-contained,\n"
	  "print-friendly file; no names, NHS numbers, dates of birth, addresses\n"
	  "or postcodes). Making it is audited. FILE is never overwritten unless\n"
	  "--force (a regular file only)." },
	{ "meeting", "list", cmd_meeting_list, CMD_UNLOCK, MANAGER | PANEL,
	  "meeting list [--json]", "List meetings with their case and attendance counts." },
	{ "review", NULL, cmd_review, CMD_UNLOCK, MANAGER | PANEL,
	  "review REF --meeting MEETING [--json FILE|-] [--allow-word WORD]...",
	  "Record the panel's analysis of a case at a meeting (the meeting date is\n"
	  "the review date): category, the four modifiable-factor domains,\n"
	  "themes, learning, recommendations and referral. On a terminal without\n"
	  "--json, a form asks each question. A later review amends the earlier one,\n"
	  "at the same or a later meeting; at the same meeting its recommendations\n"
	  "replace that meeting's (so a flagged one is rewritten in place), at a\n"
	  "later one they are added. Learning and recommendations are refused\n"
	  "while they hold an identifier the register holds (--allow-word WORD\n"
	  "lets a word through on purpose, audited)." },
	{ "action", "list", cmd_action_list, CMD_UNLOCK, MANAGER,
	  "action list [--overdue] [--json]",
	  "The recommendation tracker: every recommendation with its id, owner\n"
	  "agency, due date and status; --overdue lists those past due and not done." },
	{ "action", "done", cmd_action_done, CMD_UNLOCK, MANAGER,
	  "action done ID [--on DATE]",
	  "Mark a recommendation as done, on DATE (by default today)." },
	/* the register's settings */
	{ "config", "show", cmd_config_show, CMD_UNLOCK, ADMIN,
	  "config show [--json]",
	  "Print the register's settings: panel.name, panel.area and\n"
	  "population.under_18." },
	{ "config", "set", cmd_config_set, CMD_UNLOCK, ADMIN,
	  "config set KEY VALUE",
	  "Set one setting (an empty VALUE unsets it): panel.name (printed at the\n"
	  "head of every report), panel.area, population.under_18 (children under 18\n"
	  "in the area, for rates per 10,000 in the report). Audited." },
	/* the manager's day */
	{ "today", NULL, cmd_today, CMD_UNLOCK, MANAGER | PANEL,
	  "today [--json]",
	  "Everything due or overdue, in days, in one list: joint agency response\n"
	  "actions (as 'rr due'), agency reporting forms (as 'agency due'),\n"
	  "recommendations not done (as 'action list'), cases ready for panel and\n"
	  "the statutory clocks (notified_ncmd: tell NCMD within 48 hours of the\n"
	  "notification; mark it with 'rr add REF --action notified_ncmd --on DATE').\n"
	  "Overdue first, most overdue at the top. Managers see each child's name\n"
	  "(the view is audited); the panel sees recommendations, agency forms and\n"
	  "cases ready for panel, with references only." },
	{ "search", NULL, cmd_search, CMD_UNLOCK, MANAGER,
	  "search TEXT [--json]",
	  "Find cases by the child's name (any part), NHS number (any spacing),\n"
	  "date of birth (DD/MM/YYYY or YYYY-MM-DD), postcode (whole or its first\n"
	  "half) or reference (any part), ignoring case. Shows names, so each\n"
	  "search is audited (the count of cases found, not the text)." },
	{ "ui", NULL, cmd_ui, 0, 0,
	  "ui [--port N] [--no-browser] [--idle-lock DURATION]",
	  "Serve the register to a web browser on this computer (127.0.0.1 only).\n"
	  "Prints the address to open, with a one-time start token, as its first\n"
	  "line, and opens the default browser unless --no-browser. Each person logs\n"
	  "in with their own user name and passphrase in their own browser; their\n"
	  "keys are wiped after DURATION without use (default 15m; 30s, 2h ...),\n"
	  "when they log out, and for everyone when cdop ui stops (Ctrl-C)." },
	{ "case", "history", cmd_case_history, CMD_UNLOCK, MANAGER,
	  "case history REF [--json]",
	  "Every change to case REF, oldest first, from the audit trail: when, who,\n"
	  "what, and the old and new value of each field changed (identifiable\n"
	  "values are kept sealed in the trail and opened here; the admin's audit\n"
	  "list shows \"(sealed)\"), with the reason given for a correction.\n"
	  "Reading it is audited." },
	{ "case", "print", cmd_case_print, CMD_UNLOCK, MANAGER | PANEL,
	  "case print REF --out FILE [--force]",
	  "Write case REF as one printable page of HTML to FILE (a regular file\n"
	  "replaced only with --force): status and what it waits for, age at death,\n"
	  "the notification in its groups, the joint agency response, agency reports,\n"
	  "the review and its recommendations. The panel's copy is anonymised, as in\n"
	  "the meeting pack. Printing is audited." },
	{ "meeting", "show", cmd_meeting_show, CMD_UNLOCK, MANAGER | PANEL,
	  "meeting show MEETING [--json]",
	  "A meeting's date, chair, agenda (each case's reference and status, and\n"
	  "whether it was reviewed there) and attendance." },
	{ "meeting", "remove", cmd_meeting_remove, CMD_UNLOCK, MANAGER,
	  "meeting remove MEETING REF",
	  "Take case REF off a meeting's agenda (not a case reviewed at it). Off its\n"
	  "only agenda a scheduled case is 'ready' again. Audited." },
	{ "action", "reopen", cmd_action_reopen, CMD_UNLOCK, MANAGER,
	  "action reopen ID --reason TEXT",
	  "Undo 'action done': the recommendation is open again. The reason is kept\n"
	  "in the audit trail and the case's history." },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
