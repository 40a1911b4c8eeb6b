#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "crypto/secure.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

int cmd_user_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "new-passphrase-file", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role = NULL, *file = NULL, *name;
	char *pass = NULL;
	size_t passlen = 0;
	enum role rl;
	int ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': role = optarg; break;
		case 'n': file = optarg; break;
		default: return cli_usage(c);
		}
	}
	if (!role || optind != argc - 1)
		return cli_usage(c);
	name = argv[optind];
	rl = role_parse(role);
	if (rl == ROLE_NONE)
		return cli_fail(c, CDOP_ERR_INPUT, "--role: '%s' is not a role; valid: "
				"admin, manager, panel, analyst", role);
	ret = users_name_check(&c->reg, name);
	if (ret)
		return ret;
	ret = passphrase_new(c, file, name, &pass, &passlen);
	if (ret)
		goto out;
	ret = users_add(&c->reg, name, rl, pass, passlen);
	if (ret)
		goto out;
	printf("added user %s (%s)\n", name, role_name(rl));
out:
	passphrase_free(pass, passlen);
	return ret;
}

static int user_row(const struct user_info *u, void *ctx)
{
	json_t *list = ctx;

	if (list)
		return json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}",
			"name", u->name, "role", role_name(u->role), "state", u->state,
			"created_at", u->created_at)) ? CDOP_ERR_NOMEM : 0;
	printf("%-24s %-8s %-8s %s\n", u->name, role_name(u->role), u->state,
	       u->created_at);
	return 0;
}

int cmd_user_list(struct cli *c, int argc, char **argv)
{
	json_t *list = NULL;
	int json, ret;

	if (cli_json_flag(argc, argv, &json))
		return cli_usage(c);
	if (json)
		list = json_array();
	else
		printf("%-24s %-8s %-8s %s\n", "NAME", "ROLE", "STATE", "CREATED");
	ret = users_foreach(&c->reg, user_row, list);
	if (!ret && list) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(list);
	return ret;
}

int cmd_user_disable(struct cli *c, int argc, char **argv)
{
	int ret;

	/* NAME alone: an option given here is not a user name */
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(c);
	ret = users_disable(&c->reg, argv[1]);
	if (!ret)
		printf("disabled user %s\n", argv[1]);
	if (!ret && c->reg.st.rekey_pending)
		fprintf(stderr, "cdop: warning: user %s is disabled, but %s; the next "
			"command re-encrypts it\n", argv[1], c->reg.e.msg);
	return ret;
}

int cmd_passwd(struct cli *c, int argc, char **argv)
{
	const char *file = NULL;
	char *pass = NULL;
	size_t passlen = 0;
	int ret;

	ret = cli_opt_value(c, argc, argv, "new-passphrase-file", &file);
	if (ret)
		return ret;
	if (optind != argc)
		return cli_usage(c);
	ret = passphrase_new(c, file, c->reg.ss.user, &pass, &passlen);
	if (ret)
		goto out;
	ret = users_passwd(&c->reg, c->reg.ss.user, pass, passlen);
	if (ret)
		goto out;
	printf("passphrase changed for %s\n", c->reg.ss.user);
out:
	passphrase_free(pass, passlen);
	return ret;
}

int cmd_recover(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recovery-file", required_argument, NULL, 'r' },
		{ "user", required_argument, NULL, 'u' },
		{ "new-passphrase-file", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *recfile = NULL, *user = NULL, *file = NULL;
	char *code = NULL, *pass = NULL;
	size_t codelen = 0, passlen = 0;
	struct reg_open_opts o;
	int ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': recfile = optarg; break;
		case 'u': user = optarg; break;
		case 'n': file = optarg; break;
		default: return cli_usage(c);
		}
	}
	if (!recfile || !user || !file || optind != argc)
		return cli_usage(c);
	ret = passphrase_read_file(c, recfile, &code, &codelen);
	if (ret)
		goto out;
	ret = passphrase_new(c, file, user, &pass, &passlen);
	if (ret)
		goto out;
	memset(&o, 0, sizeof o);
	o.path = c->register_path;
	o.user = user;
	o.recovery_code = code;
	o.lock_timeout_ms = CLI_LOCK_TIMEOUT_MS;
	ret = reg_open(&c->reg, &o);
	if (ret)
		goto out;
	ret = users_passwd(&c->reg, user, pass, passlen);
	if (ret)
		goto out;
	printf("new passphrase set for %s using the recovery code\n", user);
out:
	passphrase_free(code, codelen);
	passphrase_free(pass, passlen);
	return ret;
}

/* key convert --recovery-out FILE: keyring v1 -> v2 (docs/security.md §17). */
int cmd_key_convert(struct cli *c, int argc, char **argv)
{
	const char *out = NULL;
	char code[RECOVERY_CODE_TEXT];
	int ret;

	ret = cli_opt_value(c, argc, argv, "recovery-out", &out);
	if (ret)
		return ret;
	if (optind != argc)
		return cli_usage(c);
	memset(code, 0, sizeof code);
	/* The code goes to --recovery-out before the commit (keys_convert
	 * refuses without it): printed after, a crash could lose it. */
	ret = keys_convert(&c->reg, out, code);
	if (!ret)
		printf("keyring %s.keys converted to keys by role (version 2)\n"
		       "new recovery code written to %s: keep it offline, apart from the "
		       "register; the old one opens nothing now\n", c->register_path, out);
	secure_wipe(code, sizeof code);
	return ret;
}
