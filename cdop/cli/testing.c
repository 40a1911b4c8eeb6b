/*
 * The test build's hooks (see testing.h). Compiled twice: without
 * CDOP_TEST_BUILD for cdop, where every hook is the production constant,
 * and with it for cdop-test. SPEC §6: CDOP_TODAY exists only in test builds.
 */
#include "cdop/cli/testing.h"
#include "cdop/cli/cli.h"
#include "crypto/kdf.h"

#include <errno.h>
#include <stdlib.h>

#ifdef CDOP_TEST_BUILD

/* CDOP_TEST_FORKSERVER=PATH: the end-to-end tests' fork server
 * (tests/tools/forkserver.c, linked into cdop-test only), which runs
 * cli_main in a fresh fork per request; nothing else runs before it. */
int main(int argc, char **argv)
{
	const char *fs = getenv("CDOP_TEST_FORKSERVER");

	if (fs && *fs)
		return cli_forkserver(fs, cli_main);
	return cli_main(argc, argv);
}

/* CDOP_TEST_BEFORE_SEAL: a shell command run just before the file MAC is
 * resealed, with CDOP_TEST_DIRTY_CHUNKS naming the chunks the command
 * wrote; how t_imac.sh changes the file behind cdop's back. */
static void before_seal(const char *path, const char *dirty_chunks)
{
	const char *cmd = getenv("CDOP_TEST_BEFORE_SEAL");
	int rc;

	if (!cmd || !*cmd)
		return;
	if (setenv("CDOP_TEST_DIRTY_CHUNKS", dirty_chunks, 1) ||
	    setenv("CDOP_TEST_SEAL_PATH", path, 1))
		abort();
	/* The test checks what the command did (cdop ui ignores SIGCHLD, so
	 * its status is not known here). */
	rc = system(cmd);
	(void)rc;
}

void cli_testing_setup(void)
{
	kdf_allow_test_profile();
	reg_test_before_seal = before_seal;
}

const char *cli_testing_today(void)
{
	const char *t = getenv("CDOP_TODAY");

	return t && *t ? t : NULL; /* set but empty: as if unset */
}

/* CDOP_LOCK_TIMEOUT_MS: so a test of the timeout need not wait 30 s. */
unsigned cli_lock_timeout_ms(void)
{
	const char *s = getenv("CDOP_LOCK_TIMEOUT_MS");
	char *end;
	unsigned long v;

	if (!s || !*s)
		return CLI_LOCK_TIMEOUT_MS;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > CLI_LOCK_TIMEOUT_MS)
		return CLI_LOCK_TIMEOUT_MS;
	return (unsigned)v;
}

#else

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}

void cli_testing_setup(void)
{
}

const char *cli_testing_today(void)
{
	return NULL;
}

unsigned cli_lock_timeout_ms(void)
{
	return CLI_LOCK_TIMEOUT_MS;
}

#endif
