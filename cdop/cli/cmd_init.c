#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "crypto/file.h"
#include "crypto/secure.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p for the default location only, owner-only. */
static int make_parent_dirs(struct cli *c, const char *path)
{
	char dir[4096];
	size_t i;

	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return cli_fail(c, CLI_ERR_USAGE, "register path too long");
	for (i = 1; dir[i]; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = 0;
		if (mkdir(dir, 0700) && errno != EEXIST)
			return cli_fail(c, CDOP_ERR_IO, "cannot create directory '%s': %s",
					dir, strerror(errno));
		dir[i] = '/';
	}
	return CDOP_OK;
}

int cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "kdf", required_argument, NULL, 'k' },
		{ "recovery-out", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct reg_create_opts o;
	const char *admin = NULL, *kdf = NULL, *rec_out = NULL;
	char *pass = NULL;
	size_t passlen = 0;
	int ch, ret;

	memset(&o, 0, sizeof o);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': admin = optarg; break;
		case 'k': kdf = optarg; break;
		case 'r': rec_out = optarg; break;
		default: return cli_usage(c);
		}
	}
	if (!admin || optind != argc)
		return cli_usage(c);
	ret = users_name_check(&c->reg, admin);
	if (ret)
		return ret;
	if (c->register_path == c->default_path) {
		ret = make_parent_dirs(c, c->register_path);
		if (ret)
			return ret;
	}
	if (c->passphrase_file)
		ret = passphrase_read_file(c, c->passphrase_file, &pass, &passlen);
	else
		ret = passphrase_new(c, NULL, admin, &pass, &passlen);
	if (ret)
		goto out;
	o.path = c->register_path;
	o.admin = admin;
	o.pass = pass;
	o.passlen = passlen;
	o.kdf_profile = kdf;
	/* The code file is written with the register, all or nothing. */
	o.recovery_out = rec_out;
	ret = reg_create(&c->reg, &o);
	if (ret)
		goto out;
	if (rec_out) {
		printf("created register %s (keyring %s.keys)\n"
		       "recovery code written to %s: keep it offline, apart from the register\n",
		       o.path, o.path, rec_out);
	} else {
		printf("created register %s (keyring %s.keys)\n\n"
		       "Recovery code (shown once; write it down and keep it offline):\n\n"
		       "    %s\n\n", o.path, o.path, o.recovery_code);
	}
out:
	secure_wipe(o.recovery_code, sizeof o.recovery_code);
	passphrase_free(pass, passlen);
	return ret;
}
