/*
 * `report annual`, `key show` and `verify`: the annual report and its
 * signatures.
 */
#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "cdop/report/report.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* The narrative file, whole, as text (64 KiB at most). */
static int narrative_read(struct cli *c, const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(65537);
	size_t n = 0;
	int ret = CDOP_OK;

	*out = NULL;
	if (!f || !buf)
		ret = cli_fail(c, CDOP_ERR_INPUT, "--narrative: cannot read '%s': %s", path,
			       strerror(errno));
	else if ((n = fread(buf, 1, 65537, f)) > 65536 || ferror(f))
		ret = cli_fail(c, CDOP_ERR_INPUT, "--narrative: '%s' is %s; give a Markdown "
			       "file of at most 64 KiB", path, ferror(f) ? "unreadable" :
			       "too long");
	else if (memchr(buf, 0, n))
		ret = cli_fail(c, CDOP_ERR_INPUT, "--narrative: '%s' is not a text file", path);
	if (f)
		fclose(f);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[n] = 0;
	*out = buf;
	return CDOP_OK;
}

int cmd_report_annual(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "year", required_argument, NULL, 'y' },
		{ "edition", required_argument, NULL, 'e' },
		{ "disclosure", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "narrative", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts o;
	struct report_result res;
	const char *narrative = NULL;
	char *text = NULL;
	int ch, ret = cli_allow_words(c, &argc, argv);

	if (ret)
		return ret;
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
		case 'n': narrative = optarg; break;
		case 'F': o.force = 1; break;
		default: return cli_usage(c);
		}
	}
	/* A missing flag is a usage error; a bad value is rejected input,
	 * named by the library. */
	if (!o.year || !o.edition || !o.format || !o.out || optind != argc)
		return cli_usage(c);
	if (narrative && (ret = narrative_read(c, narrative, &text)) != 0)
		return ret;
	o.narrative = text;
	ret = report_annual(&c->reg, &o, &res);
	free(text);
	if (ret)
		return cli_out_refused(c, ret, o.force);
	/* Learning left out is named by case and kind, never by the word. */
	for (size_t i = 0; i < res.nwithheld && i < REPORT_WITHHELD_MAX; i++)
		fprintf(stderr, "cdop: warning: publishable learning left out of the report "
			"(%s held in the register): amend the review, or allow the word "
			"with --allow-word\n", res.withheld[i]);
	if (res.nwithheld > REPORT_WITHHELD_MAX)
		fprintf(stderr, "cdop: warning: and %zu more learning texts left out\n",
			res.nwithheld - REPORT_WITHHELD_MAX);
	if (res.nunchecked)
		fprintf(stderr, "cdop: warning: %zu publishable learning text%s left out: "
			"written without the identifier key and not yet checked (a "
			"manager's next unlock checks %s)\n", res.nunchecked,
			res.nunchecked == 1 ? "" : "s", res.nunchecked == 1 ? "it" : "them");
	printf("report written to %s, signed in %s.minisig (key id %s)\n", o.out, o.out,
	       res.keyid);
	return ret;
}

int cmd_key_show(struct cli *c, int argc, char **argv)
{
	char text[SIGN_PUBKEY_TEXT_SIZE];
	int ret;

	if (argc == 2 && !strcmp(argv[1], "--age")) {
		ret = store_age_recipient_text(&c->reg, text, sizeof text);
		if (!ret)
			puts(text);
		return ret;
	}
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
	const char *key = NULL;
	int ret = cli_opt_value(c, argc, argv, "key", &key);

	if (ret)
		return ret;
	if (optind != argc - 1)
		return cli_usage(c);
	/* With the public key alone: no register, no login (SPEC §2). */
	if (key)
		ret = signing_verify_file_key(&c->reg, argv[optind], key, tc, sizeof tc);
	else if (!(ret = cli_unlock(c)))
		ret = signing_verify_file(&c->reg, argv[optind], tc, sizeof tc);
	if (!ret)
		printf("signature verified: %s\ntrusted comment: %s\n", argv[optind], tc);
	return ret;
}
