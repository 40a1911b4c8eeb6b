#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "cdop/panel/panel.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A progress bar is worth drawing for a file of this many bytes or more
 * (about a thousand cases). */
#define PROGRESS_MIN_BYTES (1024 * 1024)
#define BAR_WIDTH 40

struct progress {
	int shown;     /* percent last drawn, -1 before the first */
};

static void progress_draw(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	int pct = !total ? -1 : done >= total ? 100 : (int)(done * 100 / total);
	int fill = pct * BAR_WIDTH / 100;

	/* Redrawn only when the percentage moves. */
	if (pct >= 0 && pct != p->shown) {
		p->shown = pct;
		fprintf(stderr, "\rcdop: importing [%.*s%*s] %3d%%", fill,
			"########################################", BAR_WIDTH - fill,
			"", pct);
		fflush(stderr);
	}
}

static void progress_end(const struct progress *p)
{
	if (p->shown >= 0)
		fprintf(stderr, "\r%*s\r", BAR_WIDTH + 30, "");
}

static int wants_progress(const char *path)
{
	FILE *f;
	long size = 0;

	if (!isatty(STDERR_FILENO))
		return 0;
	f = fopen(path, "r");
	if (f && !fseek(f, 0, SEEK_END))
		size = ftell(f);
	if (f)
		fclose(f);
	return size >= PROGRESS_MIN_BYTES;
}

int cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_opts o = { 0, NULL, NULL };
	struct import_result res;
	struct progress bar = { -1 };
	int ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'n')
			return cli_usage(c);
		o.dry_run = 1;
	}
	if (optind != argc - 1)
		return cli_usage(c);
	if (wants_progress(argv[optind])) {
		o.progress = progress_draw;
		o.progress_ctx = &bar;
	}
	ret = import_file(&c->reg, argv[optind], &o, &res);
	progress_end(&bar);
	if (!ret && o.dry_run)
		printf("dry run: would import %zu cases (%zu reviews, %zu new meetings)%s%s; "
		       "nothing was written\n", res.cases, res.reviews,
		       res.meetings_created, res.ranges[0] ? " as " : "", res.ranges);
	else if (!ret)
		printf("imported %zu cases\n", res.cases);
	if (!ret)
		cli_note_age_retired(c);
	if (!ret && res.flagged)
		fprintf(stderr, "cdop: warning: %zu learning or recommendation text%s "
			"name%s an identifier of %s case: stored flagged, never "
			"published; 'cdop today' lists them to rewrite\n", res.flagged,
			res.flagged == 1 ? "" : "s", res.flagged == 1 ? "s" : "",
			res.flagged == 1 ? "its" : "their");
	return ret;
}

int cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_result res;
	const char *out = NULL;
	const char **rcpt = NULL;
	size_t nr = 0;
	int ch, ret, force = 0;

	rcpt = calloc((size_t)argc, sizeof *rcpt);
	if (!rcpt)
		return cli_fail(c, CDOP_ERR_NOMEM, "out of memory");
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'o')
			out = optarg;
		else if (ch == 'r')
			rcpt[nr++] = optarg; /* at most one per argument: room for argc */
		else if (ch == 'f')
			force = 1;
		else
			break;
	}
	if (ch != -1 || !out || !*out || optind != argc) {
		free(rcpt);
		return cli_usage(c);
	}
	if (nr) {
		ret = strcmp(out, "-") ? export_sealed(&c->reg, out, CLI_OUT_MODE(force), rcpt,
						       nr, &res) :
			cli_fail(c, CLI_ERR_USAGE, "--recipient writes a file: give "
				 "--out FILE, not --out -");
		if (!ret)
			printf("exported %zu cases to %s, sealed to %zu age recipient%s\n",
			       res.cases, out, nr, nr == 1 ? "" : "s");
		free(rcpt);
		return cli_out_refused(c, ret, force);
	}
	free(rcpt);
	if (strcmp(out, "-")) {
		ret = export_file(&c->reg, out, CLI_OUT_MODE(force), &res);
		if (!ret) {
			fprintf(stderr, "cdop: warning: '%s' holds identifiable data in "
				"plain text: keep it encrypted or on an encrypted disk, "
				"and delete it when done\n", out);
			printf("exported %zu cases to %s\n", res.cases, out);
		}
	} else if (isatty(STDOUT_FILENO)) {
		ret = cli_fail(c, CLI_ERR_USAGE, "--out -: standard output is a terminal; "
			       "an export holds identifiable data, so send it to a file "
			       "or a pipe");
	} else {
		fprintf(stderr, "cdop: warning: the export on standard output holds "
			"identifiable data in plain text\n");
		ret = export_stream(&c->reg, stdout, &res);
	}
	return cli_out_refused(c, ret, force);
}

int cmd_transfer(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *rcpt = NULL;
	int ch, ret, force = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'o')
			out = optarg;
		else if (ch == 'r' && !rcpt)
			rcpt = optarg;
		else if (ch == 'f')
			force = 1;
		else
			return cli_usage(c);
	}
	if (!out || !*out || !rcpt || optind != argc - 1 || !strcmp(out, "-"))
		return cli_usage(c);
	ret = transfer_write(&c->reg, argv[optind], rcpt, out, CLI_OUT_MODE(force));
	if (!ret)
		printf("%s transferred: sealed to %s in %s; the case is now 'transferred'\n",
		       argv[optind], rcpt, out);
	return cli_out_refused(c, ret, force);
}

int cmd_return_ncmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "year", required_argument, NULL, 'y' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *rcpt = NULL, *year = NULL;
	size_t n = 0;
	int ch, ret, force = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'o')
			out = optarg;
		else if (ch == 'r' && !rcpt)
			rcpt = optarg;
		else if (ch == 'y')
			year = optarg;
		else if (ch == 'f')
			force = 1;
		else
			return cli_usage(c);
	}
	if (!out || !*out || !rcpt || !year || optind != argc || !strcmp(out, "-"))
		return cli_usage(c);
	ret = return_ncmd(&c->reg, year, rcpt, out, CLI_OUT_MODE(force), &n);
	if (!ret)
		printf("national return %s: %zu cases sealed to %s in %s\n", year, n, rcpt, out);
	return cli_out_refused(c, ret, force);
}
