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

static int write_code(int fd, const char *code)
{
	char line[RECOVERY_CODE_TEXT + 1];
	size_t n = (size_t)snprintf(line, sizeof line, "%s\n", code);
	int ok = file_write_full(fd, line, n) == 0 && fsync(fd) == 0;

	secure_wipe(line, sizeof line);
	return ok ? CDOP_OK : CDOP_ERR_IO;
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
	int ch, ret, fd = -1;

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
	if (rec_out) {
		fd = open(rec_out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return cli_fail(c, errno == EEXIST ? CDOP_ERR_CONFLICT : CDOP_ERR_IO,
					"--recovery-out: cannot create '%s': %s", rec_out,
					strerror(errno));
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
	ret = reg_create(&c->reg, &o);
	if (ret)
		goto out;
	if (fd >= 0) {
		ret = write_code(fd, o.recovery_code);
		if (ret) {
			/* A register whose code was lost is worse than none. */
			reg_release(&c->reg);
			unlink(o.path);
			snprintf(o.recovery_code, sizeof o.recovery_code, "%s.keys", o.path);
			unlink(o.recovery_code);
			ret = cli_fail(c, CDOP_ERR_IO, "cannot write recovery code to '%s'; "
				       "nothing was created", rec_out);
			goto out;
		}
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
	if (fd >= 0) {
		close(fd);
		if (ret)
			unlink(rec_out);
	}
	passphrase_free(pass, passlen);
	return ret;
}
