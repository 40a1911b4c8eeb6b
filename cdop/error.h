#ifndef CDOP_ERROR_H
#define CDOP_ERROR_H

/*
 * Register-library error codes. The CLI maps each to the SPEC's exit code
 * (cli/exitcode.c); the message that goes with it is in reg->err.
 */
enum cdop_error {
	CDOP_OK = 0,
	CDOP_ERR_INPUT = -1,    /* rejected input (exit 1) */
	CDOP_ERR_NOTFOUND = -2, /* no such record or file (exit 1) */
	CDOP_ERR_CONFLICT = -3, /* duplicate or not allowed now (exit 1) */
	CDOP_ERR_ACCESS = -4,   /* wrong passphrase, unknown/disabled user, role (exit 3) */
	CDOP_ERR_DAMAGED = -5,  /* integrity, keyring or audit chain (exit 4) */
	CDOP_ERR_IO = -6,       /* I/O (exit 5) */
	CDOP_ERR_INTERNAL = -7, /* a bug or an unexpected library failure (exit 5) */
	CDOP_ERR_NOMEM = -8,    /* (exit 5) */
	CDOP_ERR_BUSY = -9,     /* another cdop holds the register (exit 5) */
	CDOP_ERR_VERSION = -10, /* written by a newer cdop (exit 5) */
};

const char *cdop_strerror(int err);

#endif
