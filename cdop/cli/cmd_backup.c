#include "cdop/cli/cli.h"
#include "cdop/store/store.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void format_time(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 21, "%" PRId64, t);
}

int cmd_backup(struct cli *c, int argc, char **argv)
{
	struct backup_info info;
	const char *out = NULL;
	char when[21];
	int ret, force;

	ret = cli_out_force(c, argc, argv, &out, &force);
	if (ret)
		return ret;
	if (!out || !*out || optind != argc)
		return cli_usage(c);
	ret = backup_write(&c->reg, out, CLI_OUT_MODE(force), &info);
	if (!ret) {
		format_time(info.created, when);
		printf("backup written to %s (%" PRIu64 " bytes; register %s, made %s, "
		       "audit entry %" PRIu64 "), read back and verified\n", out,
		       info.file_len, info.register_id, when, info.audit_seq);
	}
	return cli_out_refused(c, ret, force);
}

int cmd_restore(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "recovery-file", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct backup_restore_opts o;
	struct backup_info info;
	const char *to = NULL, *recfile = NULL;
	char *code = NULL, when[21];
	size_t codelen = 0;
	int ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': to = optarg; break;
		case 'r': recfile = optarg; break;
		default: return cli_usage(c);
		}
	}
	if (!to || !*to || optind != argc - 1)
		return cli_usage(c);
	memset(&o, 0, sizeof o);
	o.file = argv[optind];
	o.path = to;
	/* Refuse an existing target before asking for any secret. */
	ret = backup_target_check(&c->reg, to);
	if (ret)
		goto out;
	if (recfile) {
		ret = passphrase_read_file(c, recfile, &code, &codelen);
		o.recovery_code = code;
		o.user = c->user; /* named in the restored register's audit trail */
	} else {
		ret = passphrase_current(c);
		o.user = c->user;
		o.pass = c->pass;
		o.passlen = c->passlen;
	}
	if (ret)
		goto out;
	ret = backup_restore(&c->reg, &o, &info);
	if (ret)
		goto out;
	format_time(info.created, when);
	printf("restored register %s (and %s.keys) from %s: register %s, "
	       "backup made %s, audit entry %" PRIu64 "; checked in full\n",
	       to, to, o.file, info.register_id, when, info.audit_seq);
out:
	passphrase_free(code, codelen);
	return ret;
}
