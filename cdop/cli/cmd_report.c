/*
 * `report annual`, `key show` and `verify`: the annual report and its
 * signatures.
 */
#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "cdop/report/report.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_report_annual(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "year", required_argument, NULL, 'y' },
		{ "edition", required_argument, NULL, 'e' },
		{ "disclosure", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts o;
	struct report_result res;
	int ch, ret;

	memset(&o, 0, sizeof o);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'y': o.year = optarg; break;
		case 'e': o.edition = optarg; break;
		case 'd': o.disclosure = optarg; break;
		case 'f': o.format = optarg; break;
		case 'o': o.out = optarg; break;
		case 'F': o.force = 1; break;
		default: return cli_usage(c);
		}
	}
	/* A missing flag is a usage error; a bad value is rejected input,
	 * named by the library. */
	if (!o.year || !o.edition || !o.format || !o.out || optind != argc)
		return cli_usage(c);
	ret = report_annual(&c->reg, &o, &res);
	if (!ret)
		printf("report written to %s, signed in %s.minisig (key id %s)\n", o.out, o.out,
		       res.keyid);
	return ret;
}

int cmd_key_show(struct cli *c, int argc, char **argv)
{
	char text[SIGN_PUBKEY_TEXT_SIZE];
	int ret;

	(void)argv;
	if (argc != 1)
		return cli_usage(c);
	ret = signing_pubkey_text(&c->reg, text, sizeof text, NULL);
	if (!ret)
		fputs(text, stdout);
	return ret;
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	char tc[SIGN_TRUSTED_COMMENT_MAX + 1];
	int ret;

	if (argc != 2)
		return cli_usage(c);
	ret = signing_verify_file(&c->reg, argv[1], tc, sizeof tc);
	if (!ret)
		printf("signature verified: %s\ntrusted comment: %s\n", argv[1], tc);
	return ret;
}
