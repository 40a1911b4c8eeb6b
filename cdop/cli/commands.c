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
	{ "audit", "list", cmd_audit_list, CMD_UNLOCK, ADMIN,
	  "audit list [--json]", "Print the audit trail." },
	{ "audit", "verify", cmd_audit_verify, CMD_UNLOCK, ADMIN,
	  "audit verify", "Verify the audit hash chain; names the first broken entry." },
	{ "check", NULL, cmd_check, CMD_UNLOCK | CMD_LENIENT, ADMIN,
	  "check", "Full integrity check: every database page, the keyring, the audit chain." },
	{ "notify", NULL, cmd_notify, CMD_UNLOCK, MANAGER,
	  "notify [--json FILE|-]",
	  "Log a child death from a notification. With --json, FILE (or - for\n"
	  "standard input) holds the notification object (docs/data-dictionary.md);\n"
	  "on a terminal without --json, a form asks field by field. Prints the new\n"
	  "case reference alone on standard output." },
	{ "case", "list", cmd_case_list, CMD_UNLOCK, MANAGER | PANEL,
	  "case list [--status S] [--year YYYY-YY] [--json]",
	  "List cases, by status and reporting year of notification. The panel\n"
	  "sees them anonymised (age band, sex, month of death)." },
	{ "case", "show", cmd_case_show, CMD_UNLOCK, MANAGER | PANEL,
	  "case show REF [--json]",
	  "Show one case. Managers see the identifiable record (the view is\n"
	  "audited); the panel sees it anonymised." },
	{ "case", "update", cmd_case_update, CMD_UNLOCK, MANAGER,
	  "case update REF --json FILE",
	  "Change a case's notification: FILE holds the members to change (null\n"
	  "removes one); the whole record is validated again." },
	{ "case", "status", cmd_case_status, CMD_UNLOCK, MANAGER,
	  "case status REF STATUS",
	  "Move a case on: notified, gathering, ready, (scheduled, reviewed by\n"
	  "meeting add and review), closed; transferred for a non-resident child." },
	/* rr and agency commands */
	/* import and export commands */
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
	  "Record that a person attended for an agency." },
	{ "meeting", "pack", cmd_meeting_pack, CMD_UNLOCK, MANAGER | PANEL,
	  "meeting pack MEETING --out FILE",
	  "Write the anonymised HTML case pack for a meeting (one self-contained,\n"
	  "print-friendly file; no names, NHS numbers, dates of birth, addresses\n"
	  "or postcodes). Making it is audited." },
	{ "meeting", "list", cmd_meeting_list, CMD_UNLOCK, MANAGER | PANEL,
	  "meeting list [--json]", "List meetings with their case and attendance counts." },
	{ "review", NULL, cmd_review, CMD_UNLOCK, MANAGER | PANEL,
	  "review REF --meeting MEETING [--json FILE|-]",
	  "Record the panel's analysis of a case at a meeting (the meeting date is\n"
	  "the review date): category, the four modifiable-factor domains,\n"
	  "themes, learning, recommendations and referral. On a terminal without\n"
	  "--json, a form asks each question. A later review amends the earlier one." },
	{ "action", "list", cmd_action_list, CMD_UNLOCK, MANAGER,
	  "action list [--overdue] [--json]",
	  "The recommendation tracker: every recommendation with its id, owner\n"
	  "agency, due date and status; --overdue lists those past due and not done." },
	{ "action", "done", cmd_action_done, CMD_UNLOCK, MANAGER,
	  "action done ID --on DATE", "Mark a recommendation as done." },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
