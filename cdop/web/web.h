#ifndef CDOP_WEB_WEB_H
#define CDOP_WEB_WEB_H

/*
 * cdop/web — the browser UI (SPEC §7), `fossil ui` style: one binary,
 * pages rendered by the server from the same library calls as the
 * command line, templates and the stylesheet compiled in. A front end
 * like cdop/cli (and beside it: neither includes the other).
 */

#include "cdop/store/store.h"

struct web_opts {
	const char *register_path;
	unsigned port;            /* 0: a free port */
	int open_browser;         /* try xdg-open with the start URL */
	long idle_lock_seconds;   /* wipe a session's keys after this idle */
	const char *today;        /* the test build's fixed today, or NULL */
	unsigned lock_timeout_ms; /* wait for the register lock per request */
};

#define WEB_IDLE_LOCK_DEFAULT (15 * 60)

/* "30s", "15m", "2h" (also "1d"): seconds, 1 s to 7 days. -1 if not one. */
long web_duration_parse(const char *s);

/*
 * Serves the register on 127.0.0.1 until SIGINT or SIGTERM, then wipes
 * every session's keys and returns CDOP_OK. Prints the start line
 * ("cdop ui: http://127.0.0.1:PORT/?token=TOKEN") on stdout first. A
 * failure to start returns a cdop_error with the message in e.
 */
int web_serve(const struct web_opts *o, struct cdop_err *e);

/*
 * `cdop ui ARGS` (argv[0] is "ui"): parses --port, --no-browser and
 * --idle-lock, then web_serve()s. Returns CDOP_OK, a cdop_error with the
 * message in e, or 1 when ARGS are not ui's usage (e->msg then says
 * why, or is empty: show the usage line). cdop/cli declares it again
 * (cli.h) rather than include this header; cmake/front_ends.c compiles
 * both declarations in one file, so a difference fails the build.
 */
int web_ui_main(int argc, char **argv, const char *register_path,
		const char *today, unsigned lock_timeout_ms, struct cdop_err *e);

#endif
