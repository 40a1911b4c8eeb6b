/* `cdop ui`: the browser UI's own entry point (SPEC §7). The command
 * table in cdop/cli reaches it through its own declaration of
 * web_ui_main (cli.h), so neither front end includes the other;
 * cmake/front_ends.c compiles the two declarations together. Login
 * happens in the browser, so the command itself unlocks nothing. */
#include "cdop/web/web.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns 1 (usage) with the message in e, as web_ui_main does. */
static int usage(struct cdop_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage(struct cdop_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return 1;
}

int web_ui_main(int argc, char **argv, const char *register_path,
		const char *today, unsigned lock_timeout_ms, struct cdop_err *e)
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
	e->msg[0] = '\0';
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || end == optarg || port < 0 || port > 65535)
				return usage(e, "--port: '%s' is not a port number; "
					     "give 0-65535 (0: any free port)", optarg);
			o.port = (unsigned)port;
			break;
		case 'n':
			o.open_browser = 0;
			break;
		case 'i':
			o.idle_lock_seconds = web_duration_parse(optarg);
			if (o.idle_lock_seconds < 0)
				return usage(e, "--idle-lock: '%s' is not a duration; "
					     "give e.g. 30s, 15m or 2h (at most 7d)", optarg);
			break;
		default:
			return 1;
		}
	}
	if (optind != argc)
		return 1;
	o.register_path = register_path;
	o.today = today;
	o.lock_timeout_ms = lock_timeout_ms;
	return web_serve(&o, e);
}
