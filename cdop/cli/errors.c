#include "cdop/cli/cli.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/*
 * The libraries name the field at fault by its path ("on", "agency",
 * "child.surname"); the command line names the flag or argument the user
 * typed. A message line "PATH: …" becomes "--FLAG: …" when the command has
 * that flag, "ARG: …" when it has that argument in its usage, else stays.
 */

/* Fields that reach a command under another name. */
static const struct alias {
	const char *name, *sub, *field, *flag;
} aliases[] = {
	/* agency receive's --on is both the request and the receipt date. */
	{ "agency", "receive", "requested", "--on" },
	{ "agency", "receive", "received", "--on" },
	{ "agency", "receive", "form", "--json" },
	{ "agency", "request", "requested", "--on" },
	{ "restore", NULL, "to", "--to" },
	{ NULL, NULL, NULL, NULL },
};

/* Does usage contain word as a whole word (for flags: "--on" not "--one")? */
static int usage_has(const char *usage, const char *word)
{
	size_t n = strlen(word);
	const char *p = usage;

	while ((p = strstr(p, word)) != NULL) {
		int before = p == usage || !(isalnum((unsigned char)p[-1]) ||
					     p[-1] == '-' || p[-1] == '_');
		int after = !(isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '_');

		if (before && after)
			return 1;
		p += n;
	}
	return 0;
}

/* The command-line name of field for cmd, in out; 0 if it has none. */
static int field_name(const struct command *cmd, const char *field, size_t n,
		      char *out, size_t len)
{
	const struct alias *a;
	size_t i;

	if (!cmd || n == 0 || n + 3 > len)
		return 0;
	for (a = aliases; a->name; a++)
		if (!strcmp(a->name, cmd->name) &&
		    (a->sub ? cmd->sub && !strcmp(a->sub, cmd->sub) : !cmd->sub) &&
		    strlen(a->field) == n && !strncmp(a->field, field, n)) {
			snprintf(out, len, "%s", a->flag);
			return 1;
		}
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)field[i]) || field[i] == '_'))
			return 0; /* a path such as child.surname stays as it is */
	out[0] = out[1] = '-';
	for (i = 0; i < n; i++)
		out[2 + i] = field[i] == '_' ? '-' : field[i];
	out[2 + n] = 0;
	if (usage_has(cmd->usage, out))
		return 1;
	for (i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)field[i]);
	out[n] = 0;
	return usage_has(cmd->usage, out);
}

void cli_error_print(const struct command *cmd, const char *msg)
{
	char prev[REG_ERR_MAX] = "", line[REG_ERR_MAX], name[REG_FIELD_MAX + 3];
	const char *s = msg, *nl, *colon;

	while (s && *s) {
		size_t len;

		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		colon = memchr(s, ':', len);
		if (colon && colon[1] == ' ' &&
		    field_name(cmd, s, (size_t)(colon - s), name, sizeof name))
			snprintf(line, sizeof line, "%s%.*s", name, (int)(len - (size_t)(colon - s)),
				 colon);
		else
			snprintf(line, sizeof line, "%.*s", (int)len, s);
		/* Two fields fed from one flag can give the same line twice. */
		if (strcmp(line, prev))
			fprintf(stderr, "cdop: %s\n", line);
		memcpy(prev, line, sizeof prev);
		s = nl ? nl + 1 : NULL;
	}
}
