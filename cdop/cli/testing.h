#ifndef CDOP_CLI_TESTING_H
#define CDOP_CLI_TESTING_H

/*
 * What differs between cdop and cdop-test, the same CLI built for the test
 * suite (CDOP_TEST_BUILD, set by CMake for that one target; testing.c is
 * the only file that looks at it). In cdop these are fixed: no "today"
 * override, the 30 s lock wait, only the production Argon2id profiles.
 */

/* Called once, after crypto_init: cdop-test allows the "test" profile. */
void cli_testing_setup(void);
/* A fixed YYYY-MM-DD "today" (CDOP_TODAY), or NULL for the real clock. */
const char *cli_testing_today(void);
/* How long a command waits for the register lock, in milliseconds. */
unsigned cli_lock_timeout_ms(void);

/* cdop-test only (tests/tools/forkserver.c): serve the requests of
 * tests/cli/lib.sh on the FIFOs PATH.req and PATH.rsp, each in a fork that
 * runs main_fn as an exec'd cdop-test would; returns at end of input. */
int cli_forkserver(const char *path, int (*main_fn)(int, char **));

#endif
