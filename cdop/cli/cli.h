#ifndef CDOP_CLI_H
#define CDOP_CLI_H
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "cdop/store/store.h"
#include "forms/form.h"

/* Exit codes, SPEC §2. */
enum exit_code {
	EXIT_DONE = 0,
	EXIT_REJECTED = 1,
	EXIT_USAGE = 2,
	EXIT_ACCESS = 3,
	EXIT_DAMAGED = 4,
	EXIT_IOERR = 5,
	/* Not a cdop error: standard output's reader stopped reading
	 * (`cdop case list | head`). 128 + SIGPIPE, the status the shell
	 * shows for a filter SIGPIPE ended; the register is closed cleanly. */
	EXIT_PIPE = 141,
};

/* How long a command waits for another cdop to finish with the register. */
#define CLI_LOCK_TIMEOUT_MS 30000

/* A CLI-only error: wrong usage (exit 2). */
#define CLI_ERR_USAGE (-100)
/* CLI-only: standard output's reader has gone (EXIT_PIPE, no message). */
#define CLI_ERR_PIPE (-101)

struct cli {
	const char *register_path;
	const char *user;
	const char *passphrase_file;
	const struct command *cmd;
	struct reg reg;   /* open when the command has CMD_UNLOCK */
	char *pass;       /* secure memory while needed */
	size_t passlen;
	char default_path[4096];
	int argc;         /* the command's arguments (argv[0] its last word) */
	char **argv;
};

struct command;
typedef int (*command_fn)(struct cli *c, int argc, char **argv);

enum command_flags {
	CMD_UNLOCK = 1, /* unlock the register and check the role first */
	CMD_LENIENT = 2, /* open a register whose file MAC differs (check) */
};

struct command {
	const char *name;
	const char *sub; /* second word, or NULL */
	command_fn fn;
	unsigned flags;
	unsigned roles;  /* ROLE_BIT mask allowed; with CMD_UNLOCK */
	const char *usage;
	const char *help;
};

extern const struct command commands[];

/* Sets the message (reg.err) and returns code. */
int cli_fail(struct cli *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cli_usage(struct cli *c);
/* The note that a file opened with a retired age identity (cmd_agency.c). */
void cli_note_age_retired(struct cli *c);
/* Prints a library message on stderr, a line each, "cdop: " first, with
 * each field path renamed after the flag or argument cmd has for it. */
void cli_error_print(const struct command *cmd, const char *msg);
int cli_exit_code(int err);

/* Secrets: the first line of a file, or a prompt on the terminal. */
int passphrase_read_file(struct cli *c, const char *path, char **out, size_t *len);
int passphrase_prompt(struct cli *c, const char *prompt, int twice,
		      char **out, size_t *len);
/* --new-passphrase-file, else ask twice on the terminal. */
int passphrase_new(struct cli *c, const char *file, const char *who,
		   char **out, size_t *len);
void passphrase_free(char *p, size_t len);
/* The acting user's passphrase: --passphrase-file or the terminal. */
int passphrase_current(struct cli *c);

/* Opens the register as the acting user (commands without CMD_UNLOCK). */
int cli_unlock(struct cli *c);

/* JSON files: a named object from FILE or "-" (stdin), with line/column
 * on a syntax error; printing. */
int cli_json_read(struct cli *c, const char *what, const char *path, json_t **out);
int cli_json_print(json_t *v);
void cli_json_print_text(const json_t *v);
/* A command whose only option is --NAME VALUE: parses argv (getopt
 * permutes, so positional arguments end up from optind on); *value is
 * NULL when the option was not given. CLI_ERR_USAGE on anything else. */
int cli_opt_value(struct cli *c, int argc, char **argv, const char *name,
		  const char **value);
/* --out VALUE and --force (SPEC §2: --force replaces a regular file). */
int cli_out_force(struct cli *c, int argc, char **argv, const char **out, int *force);
/* Returns ret; after a write to --out refused for an existing file
 * without --force, the message says what --force does. */
int cli_out_refused(struct cli *c, int ret, int force);
/* OUTFILE_REPLACE with --force, else OUTFILE_EXCL. */
#define CLI_OUT_MODE(force) ((force) ? OUTFILE_REPLACE : OUTFILE_EXCL)
/* --json as the only option; -1 on anything else. */
int cli_json_flag(int argc, char **argv, int *json);
/* One REF and --json as the only option (case show, case history, rr
 * list); -1 on anything else or without a REF. */
int cli_ref_json(int argc, char **argv, const char **ref, int *json);
/* A listing whose only option is --json: list() fills an array, printed
 * as JSON, or as `empty` when it has no rows (NULL: the header anyway), or
 * as a table: row(NULL) prints the header, then row(r) each row. */
typedef int cli_lister_fn(struct reg *r, json_t **out);
typedef void cli_row_fn(const json_t *row);
int cli_list(struct cli *c, int argc, char **argv, cli_lister_fn *list,
	     const char *empty, cli_row_fn *row);
/* Takes every --allow-word WORD out of argv into the session's allowed
 * words (the identifier check). CLI_ERR_USAGE without a WORD. */
int cli_allow_words(struct cli *c, int *argc, char **argv);
/* Prints text from the register or a user with control characters (C0,
 * C1, bidirectional overrides) escaped as \xNN, padded with spaces to
 * width characters (0: no padding). */
void cli_put_text(FILE *f, const char *text, int width);
/* case show's text: the view (case_view) in the form's groups, headed by
 * its summary facts (case_summary_facts). */
void cli_case_text(const json_t *view, const json_t *facts);
/* `cdop --generate man|bash-completion`: the man page or the completion
 * script from the command table, on stdout; -1 for anything else. */
int cli_generate(const char *what);
/* The whole command line: main (testing.c) is only a call of it. */
int cli_main(int argc, char **argv);
/* Is stdin a terminal we may prompt on? */
int cli_interactive(void);

/* escape.c: text safe for a terminal. Copies IN (N bytes) to OUT with
 * C0 (but line feed and tab), DEL, C1 and bidi overrides as \uXXXX and
 * bytes that are not UTF-8 as \xNN, until OUT (room bytes) is full or an
 * incomplete UTF-8 sequence ends IN; returns the bytes of IN consumed and
 * sets *used. cli_escape_install() puts every byte printed on stdout and
 * stderr through it. */
size_t cli_escape(const char *in, size_t n, char *out, size_t room, size_t *used);
void cli_escape_install(void);
/* errno of the first write to stdout that failed since the install; 0 if
 * none. */
int cli_escape_stdout_errno(void);

/* Command functions. */
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_user_add(struct cli *c, int argc, char **argv);
int cmd_user_list(struct cli *c, int argc, char **argv);
int cmd_user_disable(struct cli *c, int argc, char **argv);
int cmd_passwd(struct cli *c, int argc, char **argv);
int cmd_recover(struct cli *c, int argc, char **argv);
int cmd_audit_list(struct cli *c, int argc, char **argv);
int cmd_audit_verify(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_restore(struct cli *c, int argc, char **argv);
int cmd_notify(struct cli *c, int argc, char **argv);
int cmd_case_list(struct cli *c, int argc, char **argv);
int cmd_case_show(struct cli *c, int argc, char **argv);
int cmd_case_update(struct cli *c, int argc, char **argv);
int cmd_case_status(struct cli *c, int argc, char **argv);
int cmd_rr_add(struct cli *c, int argc, char **argv);
int cmd_rr_list(struct cli *c, int argc, char **argv);
int cmd_rr_due(struct cli *c, int argc, char **argv);
int cmd_agency_request(struct cli *c, int argc, char **argv);
int cmd_agency_receive(struct cli *c, int argc, char **argv);
int cmd_agency_due(struct cli *c, int argc, char **argv);
int cmd_agency_show(struct cli *c, int argc, char **argv);
int cmd_rr_targets(struct cli *c, int argc, char **argv);
int cmd_rr_target(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_meeting_new(struct cli *c, int argc, char **argv);
int cmd_meeting_add(struct cli *c, int argc, char **argv);
int cmd_meeting_attend(struct cli *c, int argc, char **argv);
int cmd_meeting_pack(struct cli *c, int argc, char **argv);
int cmd_meeting_list(struct cli *c, int argc, char **argv);
int cmd_review(struct cli *c, int argc, char **argv);
int cmd_action_list(struct cli *c, int argc, char **argv);
int cmd_action_done(struct cli *c, int argc, char **argv);
int cmd_report_annual(struct cli *c, int argc, char **argv);
int cmd_key_show(struct cli *c, int argc, char **argv);
int cmd_key_convert(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_transfer(struct cli *c, int argc, char **argv);
int cmd_return_ncmd(struct cli *c, int argc, char **argv);
int cmd_config_show(struct cli *c, int argc, char **argv);
int cmd_config_set(struct cli *c, int argc, char **argv);
int cmd_today(struct cli *c, int argc, char **argv);
int cmd_search(struct cli *c, int argc, char **argv);
int cmd_ui(struct cli *c, int argc, char **argv);
/* The browser UI's entry point, owned and defined by cdop/web (web.h says
 * what it returns). Declared here, not included: the two front ends do
 * not include each other (cmake/front_ends.c keeps the two the same). */
int web_ui_main(int argc, char **argv, const char *register_path,
		const char *today, unsigned lock_timeout_ms, struct cdop_err *e);
int cmd_case_history(struct cli *c, int argc, char **argv);
int cmd_case_print(struct cli *c, int argc, char **argv);
int cmd_meeting_show(struct cli *c, int argc, char **argv);
int cmd_meeting_remove(struct cli *c, int argc, char **argv);
int cmd_action_reopen(struct cli *c, int argc, char **argv);

/* The interactive form (cli/prompt.c): asks every field of a form on the
 * terminal, re-asking on invalid answers, shows a summary and asks to
 * save. *out is the JSON object; CDOP_ERR_INPUT if the user declines. */
typedef const char *prompt_suggest_fn(const char *path, const json_t *answers);
int prompt_form(struct cli *c, const struct form *f, prompt_suggest_fn *suggest,
		json_t **out);

#endif
