/*
 * The man page and the bash completion, generated from the command table
 * at build time (`cdop --generate man|bash-completion`, run by CMake), so
 * they never drift from the commands they describe.
 */
#include "cdop/cli/cli.h"

#include <stdio.h>
#include <string.h>

/* Text as roff: backslashes escaped, a line starting with . or ' guarded. */
static void roff(FILE *f, const char *s)
{
	int bol = 1;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

static void man(FILE *f)
{
	const struct command *cmd;

	fprintf(f, ".TH CDOP 1 \"\" \"cdop %s\" \"User Commands\"\n", CDOP_VERSION);
	fputs(".SH NAME\ncdop \\- encrypted case register for Child Death Overview Panels\n"
	      ".SH SYNOPSIS\n.B cdop\n[\\fB\\-\\-register\\fR \\fIPATH\\fR] "
	      "[\\fB\\-\\-user\\fR \\fINAME\\fR] [\\fB\\-\\-passphrase\\-file\\fR \\fIFILE\\fR] "
	      "\\fICOMMAND\\fR [\\fIARGS\\fR]\n"
	      ".SH DESCRIPTION\ncdop keeps a Child Death Overview Panel's case register in one "
	      "encrypted file: notifications, the joint agency response, agency reporting "
	      "forms, panel meetings and anonymised packs, reviews and recommendations, and "
	      "the signed annual report. Dates are typed as DD/MM/YYYY, YYYY\\-MM\\-DD or "
	      "\\fBtoday\\fR and shown as YYYY\\-MM\\-DD.\n"
	      ".SH GLOBAL OPTIONS\nGlobal options may come before or after the command.\n"
	      ".TP\n\\fB\\-\\-register\\fR \\fIPATH\\fR\nThe register file (environment "
	      "\\fBCDOP_REGISTER\\fR; default \\fI$XDG_DATA_HOME/cdop/register.cdop\\fR).\n"
	      ".TP\n\\fB\\-\\-user\\fR \\fINAME\\fR\nWho is acting (\\fBCDOP_USER\\fR; default "
	      "the login name).\n"
	      ".TP\n\\fB\\-\\-passphrase\\-file\\fR \\fIFILE\\fR\nThe first line of FILE is the "
	      "passphrase (\\fBCDOP_PASSPHRASE_FILE\\fR); otherwise it is asked on the "
	      "terminal. A passphrase is never taken from the command line.\n"
	      ".TP\n\\fB\\-\\-help\\fR, \\fBhelp\\fR [\\fICOMMAND\\fR]\nHelp; "
	      "\\fBcdop GROUP \\-\\-help\\fR lists a group's commands.\n"
	      ".TP\n\\fB\\-\\-version\\fR\nThe version.\n.SH COMMANDS\n", f);
	for (cmd = commands; cmd->name; cmd++) {
		fputs(".TP\n.B cdop ", f);
		roff(f, cmd->usage);
		fputs("\n", f);
		roff(f, cmd->help);
		fputs("\n", f);
	}
	fputs(".SH EXIT STATUS\n.TP\n0\ndone\n.TP\n1\nrejected input, not found or conflict "
	      "(nothing was written)\n.TP\n2\nusage\n.TP\n3\naccess denied (wrong passphrase, "
	      "unknown or disabled user, role not allowed)\n.TP\n4\nregister damaged or "
	      "tampered\n.TP\n5\nI/O or internal error\n"
	      ".SH FILES\n.TP\n\\fIPATH\\fR, \\fIPATH.keys\\fR\nThe register (SQLCipher) and its "
	      "keyring.\n.SH SEE ALSO\n\\fBminisign\\fR(1), \\fBage\\fR(1); the user guide "
	      "(docs/guide.md) and the data dictionary (docs/data\\-dictionary.md).\n", f);
}

/* The words a command line can have: commands, then each command's flags. */
static void completion(FILE *f)
{
	const struct command *cmd, *prev = NULL;

	fputs("# bash completion for cdop, generated from its command table\n"
	      "_cdop()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} i w first= second=\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tw=${COMP_WORDS[i]}\n"
	      "\t\tcase $w in\n"
	      "\t\t--register|--user|--passphrase-file) ((i++)); continue ;;\n"
	      "\t\t-*) continue ;;\n"
	      "\t\tesac\n"
	      "\t\tif [ -z \"$first\" ]; then first=$w; elif [ -z \"$second\" ]; then second=$w; fi\n"
	      "\tdone\n"
	      "\tcase ${COMP_WORDS[COMP_CWORD-1]} in\n"
	      "\t--register|--passphrase-file|--out|--json|--new-passphrase-file|--recovery-file|"
	      "--recovery-out|--attach|--age|--to)\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
	      "\tesac\n"
	      "\tif [ -z \"$first\" ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"help --help --version --register --user "
	      "--passphrase-file", f);
	for (cmd = commands; cmd->name; cmd++) {
		if (prev && !strcmp(prev->name, cmd->name))
			continue;
		fprintf(f, " %s", cmd->name);
		prev = cmd;
	}
	fputs("\" -- \"$cur\")); return\n\tfi\n\tcase $first in\n", f);
	/* groups: their second words */
	for (cmd = commands, prev = NULL; cmd->name; cmd++) {
		const struct command *k;

		if (!cmd->sub || (prev && !strcmp(prev->name, cmd->name)))
			continue;
		prev = cmd;
		fprintf(f, "\t%s)\n\t\tif [ -z \"$second\" ]; then COMPREPLY=($(compgen -W \"", cmd->name);
		for (k = commands; k->name; k++)
			if (k->sub && !strcmp(k->name, cmd->name))
				fprintf(f, "%s ", k->sub);
		fputs("--help\" -- \"$cur\")); return; fi ;;\n", f);
	}
	fputs("\tesac\n\tcase \"$first $second\" in\n", f);
	for (cmd = commands; cmd->name; cmd++) {
		const char *p = cmd->usage;

		fprintf(f, "\t\"%s %s\"", cmd->name, cmd->sub ? cmd->sub : "");
		if (!cmd->sub)
			fprintf(f, "|\"%s \"*", cmd->name);
		fputs(") COMPREPLY=($(compgen -W \"", f);
		while ((p = strstr(p, "--")) != NULL) {
			size_t n = strcspn(p, " ]|=");

			fprintf(f, "%.*s ", (int)n, p);
			p += n;
		}
		fputs("--help\" -- \"$cur\")) ;;\n", f);
	}
	fputs("\tesac\n}\ncomplete -o default -F _cdop cdop\n", f);
}

int cli_generate(const char *what)
{
	if (what && !strcmp(what, "man"))
		man(stdout);
	else if (what && !strcmp(what, "bash-completion"))
		completion(stdout);
	else
		return -1;
	return 0;
}
