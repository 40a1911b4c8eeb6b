/*
 * killshim — LD_PRELOAD fault injection for the crash tests: counts the
 * calls that make a write durable or visible (fsync, fdatasync, rename,
 * link, unlink; with KILLSHIM_WRITES=1 also write and pwrite) and sends
 * the process SIGKILL just before call number KILLSHIM_AT. With
 * KILLSHIM_COUNT=FILE it kills nothing and writes the number of calls to
 * FILE at exit, so a test knows how many kill points a command has.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static long calls, at = -1;
static int writes;

__attribute__((constructor)) static void shim_init(void)
{
	const char *a = getenv("KILLSHIM_AT"), *w = getenv("KILLSHIM_WRITES");

	at = a ? atol(a) : -1;
	writes = w && *w == '1';
}

__attribute__((destructor)) static void shim_fini(void)
{
	const char *f = getenv("KILLSHIM_COUNT");
	FILE *out;

	if (f && (out = fopen(f, "w"))) {
		fprintf(out, "%ld\n", calls);
		fclose(out);
	}
}

static void point(void)
{
	if (++calls == at)
		raise(SIGKILL);
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int fsync(int fd) { point(); return NEXT(fsync)(fd); }
int fdatasync(int fd) { point(); return NEXT(fdatasync)(fd); }
int rename(const char *a, const char *b) { point(); return NEXT(rename)(a, b); }
int link(const char *a, const char *b) { point(); return NEXT(link)(a, b); }
int unlink(const char *p) { point(); return NEXT(unlink)(p); }

ssize_t write(int fd, const void *b, size_t n)
{
	if (writes)
		point();
	return NEXT(write)(fd, b, n);
}

ssize_t pwrite64(int fd, const void *b, size_t n, off_t o)
{
	if (writes)
		point();
	return NEXT(pwrite64)(fd, b, n, o);
}
