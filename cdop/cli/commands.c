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
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
