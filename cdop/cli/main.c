#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "cdop/cli/testing.h"
#include "crypto/secure.h"

#include <errno.h>
#include <signal.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_fail(struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reg.e.msg, sizeof c->reg.e.msg, fmt, ap);
	va_end(ap);
	return code;
}

/* Is flag (e.g. "--out") among the command's arguments, alone or as --out=V? */
static int given(const struct cli *c, const char *flag, size_t n)
{
	int i;

	for (i = 1; i < c->argc; i++)
		if (!strncmp(c->argv[i], flag, n) &&
		    (c->argv[i][n] == '\0' || c->argv[i][n] == '='))
			return 1;
	return 0;
}

/* Is the option arg (up to '=') a flag of usage? */
static int usage_flag(const char *usage, const char *arg)
{
	size_t n = strcspn(arg, "=");
	const char *p = usage;

	while ((p = strstr(p, "--")) != NULL) {
		size_t k = strcspn(p, " ]|=");

		if (k == n && !strncmp(p, arg, n))
			return 1;
		p += 2;
	}
	return 0;
}

/*
 * A usage error says what is wrong: the required flags missing (the flags
 * of the usage line outside [...]), else an option the command does not
 * have, else the usage line.
 */
int cli_usage(struct cli *c)
{
	const char *u = c->cmd->usage, *p;
	char missing[256] = "", what[64];
	int depth = 0, i, nmissing = 0;

	snprintf(what, sizeof what, "%s%s%s", c->cmd->name, c->cmd->sub ? " " : "",
		 c->cmd->sub ? c->cmd->sub : "");
	for (p = u; *p; p++) {
		size_t k;

		if (*p == '[') depth++;
		else if (*p == ']') depth--;
		if (depth || p[0] != '-' || p[1] != '-' || (p > u && p[-1] != ' '))
			continue;
		k = strcspn(p, " ]|=");
		if (c->argv && !given(c, p, k) &&
		    strlen(missing) + k + 3 < sizeof missing) {
			snprintf(missing + strlen(missing), sizeof missing - strlen(missing),
				 "%s%.*s", nmissing ? ", " : "", (int)k, p);
			nmissing++;
		}
		p += k - 1;
	}
	if (nmissing)
		return cli_fail(c, CLI_ERR_USAGE, "%s: missing %s (see 'cdop %s --help')",
				what, missing, what);
	for (i = 1; c->argv && i < c->argc; i++)
		if (c->argv[i][0] == '-' && c->argv[i][1] == '-' && c->argv[i][2] &&
		    !usage_flag(u, c->argv[i]) && strcmp(c->argv[i], "--help"))
			return cli_fail(c, CLI_ERR_USAGE, "%s: unknown option '%.*s' "
					"(see 'cdop %s --help')", what,
					(int)strcspn(c->argv[i], "="), c->argv[i], what);
	return cli_fail(c, CLI_ERR_USAGE, "usage: cdop %s (see 'cdop %s --help')",
			u, what);
}

int cli_exit_code(int err)
{
	switch (err) {
	case CDOP_OK: return EXIT_DONE;
	case CDOP_ERR_INPUT:
	case CDOP_ERR_NOTFOUND:
	case CDOP_ERR_CONFLICT: return EXIT_REJECTED;
	case CLI_ERR_USAGE: return EXIT_USAGE;
	case CLI_ERR_PIPE: return EXIT_PIPE;
	case CDOP_ERR_ACCESS: return EXIT_ACCESS;
	case CDOP_ERR_DAMAGED: return EXIT_DAMAGED;
	}
	return EXIT_IOERR;
}

static void print_help(void)
{
	const struct command *cmd;

	printf("usage: cdop [--register PATH] [--user NAME] [--passphrase-file FILE] "
	       "COMMAND [ARGS]\n\ncommands:\n");
	for (cmd = commands; cmd->name; cmd++)
		printf("  %s\n", cmd->usage);
	printf("\nGlobal options may also come from CDOP_REGISTER, CDOP_USER and\n"
	       "CDOP_PASSPHRASE_FILE. 'cdop COMMAND --help' describes a command.\n"
	       "Exit codes: 0 done, 1 rejected/not found/conflict, 2 usage,\n"
	       "3 access denied, 4 register damaged or tampered, 5 I/O or internal error.\n");
}

static void print_command_help(const struct command *cmd)
{
	printf("usage: cdop %s\n\n%s\n", cmd->usage, cmd->help);
}

/* Is name a group of commands (case, rr, agency, ...)? */
static int is_group(const char *name)
{
	const struct command *cmd;

	for (cmd = commands; cmd->name; cmd++)
		if (cmd->sub && !strcmp(cmd->name, name))
			return 1;
	return 0;
}

/* `cdop case --help`, `cdop help case`: the group's commands, each with
 * the first line of its help. */
static void print_group_help(FILE *f, const char *group)
{
	const struct command *cmd;

	fprintf(f, "usage: cdop %s COMMAND [ARGS]\n\ncommands:\n", group);
	for (cmd = commands; cmd->name; cmd++) {
		if (!cmd->sub || strcmp(cmd->name, group))
			continue;
		fprintf(f, "  %s\n      %.*s\n", cmd->usage,
			(int)strcspn(cmd->help, "\n"), cmd->help);
	}
	fprintf(f, "\n'cdop %s COMMAND --help' describes one of them.\n", group);
}

static const char *default_user(void)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *u = getenv("LOGNAME");

	if (u && *u)
		return u;
	return pw ? pw->pw_name : "";
}

static int default_register(struct cli *c)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && *xdg)
		n = snprintf(c->default_path, sizeof c->default_path,
			     "%s/cdop/register.cdop", xdg);
	else if (home && *home)
		n = snprintf(c->default_path, sizeof c->default_path,
			     "%s/.local/share/cdop/register.cdop", home);
	else
		return cli_fail(c, CLI_ERR_USAGE, "no register: give --register PATH "
				"or set CDOP_REGISTER");
	if (n < 0 || (size_t)n >= sizeof c->default_path)
		return cli_fail(c, CLI_ERR_USAGE, "register path too long");
	c->register_path = c->default_path;
	return 0;
}

/* Global options come before the command; returns the command's index. */
/* `--register "$R"` with R unset must not mean the default register (nor
 * `--user ""` the login name): only an unset or empty environment
 * variable does. */
static int global_empty(struct cli *c, const char *arg, size_t n)
{
	return cli_fail(c, CLI_ERR_USAGE, "%.*s: the value is empty; give one, or leave "
			"the option out for the default", (int)n, arg);
}

static int parse_globals(struct cli *c, int argc, char **argv, int *idx)
{
	int i;

	c->register_path = getenv("CDOP_REGISTER");
	c->user = getenv("CDOP_USER");
	c->passphrase_file = getenv("CDOP_PASSPHRASE_FILE");
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char **slot = NULL, *arg = argv[i], *eq = strchr(arg, '=');
		size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

		if (!strncmp(arg, "--register", n) && n == 10)
			slot = &c->register_path;
		else if (!strncmp(arg, "--user", n) && n == 6)
			slot = &c->user;
		else if (!strncmp(arg, "--passphrase-file", n) && n == 17)
			slot = &c->passphrase_file;
		else if (!strcmp(arg, "--version")) {
			printf("cdop %s\n", CDOP_VERSION);
			*idx = argc;
			c->cmd = NULL;
			return 1; /* done: nothing else to run */
		} else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			print_help();
			return 1;
		} else if (!strcmp(arg, "--passphrase") || !strncmp(arg, "--passphrase=", 13))
			return cli_fail(c, CLI_ERR_USAGE, "a passphrase is never taken "
					"from the command line: use --passphrase-file FILE "
					"or type it at the prompt");
		else
			return cli_fail(c, CLI_ERR_USAGE, "unknown option '%s' (see 'cdop help')",
					arg);
		if (eq)
			*slot = eq + 1;
		else if (i + 1 < argc)
			*slot = argv[++i];
		else
			return cli_fail(c, CLI_ERR_USAGE, "option '%s' needs a value", arg);
		if (!**slot)
			return global_empty(c, arg, n);
	}
	*idx = i;
	return 0;
}

static int globals_default(struct cli *c)
{
	if (!c->user || !*c->user)
		c->user = default_user();
	if (!c->register_path || !*c->register_path)
		return default_register(c);
	return 0;
}

/*
 * Global options after the command (SPEC §2: `cdop init --admin ada
 * --passphrase-file F`) are taken out of the command's arguments, except
 * a flag the command has itself (recover's --user). *argc shrinks.
 */
static int take_globals(struct cli *c, int *argc, char **argv, int from)
{
	static const char *const names[] = { "--register", "--user", "--passphrase-file" };
	int i, o = from, k;

	for (i = from; i < *argc; i++) {
		const char **slot = NULL;
		const char *arg = argv[i];
		size_t n = strcspn(arg, "=");

		if (!strcmp(arg, "--"))
			break;
		for (k = 0; k < 3 && !slot; k++)
			if (strlen(names[k]) == n && !strncmp(arg, names[k], n) &&
			    !usage_flag(c->cmd->usage, names[k]))
				slot = k == 0 ? &c->register_path : k == 1 ? &c->user
								  : &c->passphrase_file;
		if (!slot) {
			argv[o++] = argv[i];
			continue;
		}
		if (arg[n] == '=')
			*slot = arg + n + 1;
		else if (i + 1 < *argc)
			*slot = argv[++i];
		else
			return cli_fail(c, CLI_ERR_USAGE, "option '%s' needs a value", arg);
		if (!**slot)
			return global_empty(c, arg, n);
	}
	for (; i < *argc; i++)
		argv[o++] = argv[i];
	*argc = o;
	argv[o] = NULL;
	return 0;
}

static const struct command *find_command(int argc, char **argv, int i, int *consumed)
{
	const struct command *cmd;

	for (cmd = commands; cmd->name; cmd++) {
		if (strcmp(cmd->name, argv[i]))
			continue;
		if (!cmd->sub) {
			*consumed = 1;
			return cmd;
		}
		if (i + 1 < argc && !strcmp(cmd->sub, argv[i + 1])) {
			*consumed = 2;
			return cmd;
		}
	}
	return NULL;
}

static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

int cli_unlock(struct cli *c)
{
	struct reg_open_opts o;
	int ret = passphrase_current(c);

	if (ret)
		return ret;
	memset(&o, 0, sizeof o);
	o.path = c->register_path;
	o.user = c->user;
	o.pass = c->pass;
	o.passlen = c->passlen;
	o.lock_timeout_ms = cli_lock_timeout_ms();
	if (c->cmd && (c->cmd->flags & CMD_LENIENT))
		o.flags |= REG_OPEN_CHECK;
	ret = reg_open(&c->reg, &o);
	/* Keys by role: a register written before them is re-sealed at a
	 * manager's first unlock (cdop/cases/cases.c). */
	if (!ret && !(o.flags & REG_OPEN_CHECK))
		ret = cases_after_unlock(&c->reg);
	if (c->reg.st.recovered && !ret)
		fprintf(stderr, "cdop: warning: register '%s' was not closed cleanly "
			"(a command was interrupted); every page and the audit chain "
			"have been checked and are sound\n", c->reg.st.path);
	passphrase_free(c->pass, c->passlen);
	c->pass = NULL;
	return ret;
}

/* A refused command is recorded too: who tried what. */
static int deny_role(struct cli *c)
{
	char what[128], allowed[64] = "";
	int r;

	snprintf(what, sizeof what, "%s%s%s", c->cmd->name, c->cmd->sub ? " " : "",
		 c->cmd->sub ? c->cmd->sub : "");
	(void)audit_record(&c->reg, "denied", what, role_name(c->reg.ss.role));
	for (r = ROLE_ADMIN; r <= ROLE_ANALYST; r++) {
		if (!(c->cmd->roles & ROLE_BIT(r)))
			continue;
		if (*allowed)
			strcat(allowed, ", ");
		strcat(allowed, role_name((enum role)r));
	}
	return cli_fail(c, CDOP_ERR_ACCESS, "user '%s' has role '%s', which may not "
			"run '%s' (allowed: %s)", c->reg.ss.user, role_name(c->reg.ss.role),
			what, allowed);
}

static int run(struct cli *c, int argc, char **argv)
{
	int i = 0, consumed = 0, ret, cargc;

	ret = parse_globals(c, argc, argv, &i);
	if (ret == 1)
		return 0; /* --version or --help among the global options */
	if (ret)
		return ret;
	if (i >= argc || !strcmp(argv[i], "help")) {
		if (i + 1 < argc) {
			c->cmd = find_command(argc, argv, i + 1, &consumed);
			if (c->cmd && (c->cmd->sub || !is_group(argv[i + 1]) || consumed == 2)) {
				print_command_help(c->cmd);
				return 0;
			}
			if (is_group(argv[i + 1])) {
				print_group_help(stdout, argv[i + 1]);
				return 0;
			}
			c->cmd = NULL;
			return cli_fail(c, CLI_ERR_USAGE, "no command '%s' (see 'cdop help')",
					argv[i + 1]);
		}
		print_help();
		return i >= argc ? cli_fail(c, CLI_ERR_USAGE, "no command given") : 0;
	}
	c->cmd = find_command(argc, argv, i, &consumed);
	if (!c->cmd && is_group(argv[i])) {
		if (i + 1 >= argc || !strcmp(argv[i + 1], "--help") ||
		    !strcmp(argv[i + 1], "-h")) {
			if (i + 1 < argc) {
				print_group_help(stdout, argv[i]);
				return 0;
			}
			print_group_help(stderr, argv[i]);
			return cli_fail(c, CLI_ERR_USAGE, "%s: give one of its commands",
					argv[i]);
		}
		print_group_help(stderr, argv[i]);
		return cli_fail(c, CLI_ERR_USAGE, "unknown command '%s %s'", argv[i],
				argv[i + 1]);
	}
	if (!c->cmd)
		return cli_fail(c, CLI_ERR_USAGE, "unknown command '%s' (see 'cdop help')",
				argv[i]);
	if (wants_help(argc - i - consumed + 1, argv + i + consumed - 1)) {
		print_command_help(c->cmd);
		return 0;
	}
	/* The command sees argv[0] = its last word, as getopt expects. */
	cargc = argc - i - consumed + 1;
	ret = take_globals(c, &cargc, argv + i + consumed - 1, 1);
	if (!ret)
		ret = globals_default(c);
	if (ret)
		return ret;
	c->argc = cargc;
	c->argv = argv + i + consumed - 1;
	if (c->cmd->flags & CMD_UNLOCK) {
		ret = cli_unlock(c);
		if (ret)
			return ret;
		if (!(c->cmd->roles & ROLE_BIT(c->reg.ss.role)))
			return deny_role(c);
	}
	return c->cmd->fn(c, c->argc, c->argv);
}

/* The program: main (cdop/cli/testing.c, compiled per binary) calls it. */
int cli_main(int argc, char **argv)
{
	struct cli c;
	int ret, code;

	umask(077); /* journals and anything else we create: owner only */
	/* A reader that stops early (`cdop case list | head`) must not end
	 * the command between its commit and its seal, which leaves the
	 * register to be recovered by the next command: the write fails
	 * with EPIPE instead, the command ends and closes the register, and
	 * the exit is EXIT_PIPE, quietly, as a filter's (below). */
	signal(SIGPIPE, SIG_IGN);
	cli_escape_install(); /* every printed byte is terminal-safe */
	memset(&c, 0, sizeof c);
	reg_init(&c.reg);
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("cdop %s\n", CDOP_VERSION);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		print_help();
		return 0;
	}
	/* Build time: the man page and completion from the command table. */
	if (argc == 3 && !strcmp(argv[1], "--generate")) {
		if (cli_generate(argv[2])) {
			fprintf(stderr, "cdop: --generate man|bash-completion\n");
			return EXIT_USAGE;
		}
		return fflush(stdout) ? EXIT_IOERR : 0;
	}
	if (crypto_init()) {
		fprintf(stderr, "cdop: cannot initialise libsodium\n");
		return EXIT_IOERR;
	}
	cli_testing_setup();
	c.reg.ss.today = cli_testing_today(); /* NULL in cdop: SPEC §6 */
	ret = run(&c, argc, argv);
	/* Damage seen by any command: nothing more is written or resealed. */
	if (ret == CDOP_ERR_DAMAGED)
		c.reg.st.read_only = 1;
	{
		int cret = reg_close(&c.reg);

		if (!ret)
			ret = cret;
		if (!ret && c.reg.st.reseal_failed)
			fprintf(stderr, "cdop: warning: the change was saved, but the "
				"register's integrity seal could not be written (%s); "
				"the next command checks the whole register and seals "
				"it\n", c.reg.e.msg);
	}
	code = cli_exit_code(ret);
	if (ret == CLI_ERR_PIPE)
		; /* said by the exit status alone, as a filter's */
	else if (ret && c.reg.e.msg[0])
		cli_error_print(c.cmd, c.reg.e.msg);
	else if (ret && !cli_escape_stdout_errno())
		fprintf(stderr, "cdop: %s\n", cdop_strerror(ret));
	/* (else a write to stdout failed: said below, with its cause) */
	passphrase_free(c.pass, c.passlen);
	reg_release(&c.reg);
	if (fflush(stdout) || ferror(stdout)) {
		int err = cli_escape_stdout_errno();

		if (err != EPIPE)
			fprintf(stderr, "cdop: cannot write to standard output: %s\n",
				strerror(err ? err : errno));
		if (!code)
			code = err == EPIPE ? EXIT_PIPE : EXIT_IOERR;
	}
	return code;
}
