/* `cdop ui`: the browser UI (cdop/web, SPEC §7). Login happens in the
 * browser, so the command itself unlocks nothing. */
#include "cdop/cli/cli.h"
#include "cdop/cli/testing.h"
#include "cdop/web/web.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cmd_ui(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "no-browser", no_argument, NULL, 'n' },
		{ "idle-lock", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct web_opts o;
	char *end;
	long port;
	int ch;

	memset(&o, 0, sizeof o);
	o.open_browser = 1;
	o.idle_lock_seconds = WEB_IDLE_LOCK_DEFAULT;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || end == optarg || port < 0 || port > 65535)
				return cli_fail(c, CLI_ERR_USAGE, "--port: '%s' is not a port "
						"number; give 0-65535 (0: any free port)", optarg);
			o.port = (unsigned)port;
			break;
		case 'n':
			o.open_browser = 0;
			break;
		case 'i':
			o.idle_lock_seconds = web_duration_parse(optarg);
			if (o.idle_lock_seconds < 0)
				return cli_fail(c, CLI_ERR_USAGE, "--idle-lock: '%s' is not a "
						"duration; give e.g. 30s, 15m or 2h (at most 7d)",
						optarg);
			break;
		default:
			return cli_usage(c);
		}
	}
	if (optind != argc)
		return cli_usage(c);
	o.register_path = c->register_path;
	o.today = cli_testing_today();
	o.lock_timeout_ms = cli_lock_timeout_ms();
	return web_serve(&o, &c->reg.e);
}
