/*
 * faultshim: an LD_PRELOAD library for the crash harness (tests/cli/
 * t_faults.sh; issue 10, must-show 3). It counts the calls that change
 * what is on disk -- write, pwrite, fsync, fdatasync, rename(at), link(at),
 * unlink(at), and fflush of a file stream -- and at call number
 * CDOP_FAULT_AT either SIGKILLs the process (CDOP_FAULT_MODE=kill) or makes
 * that call fail with EIO or ENOSPC (eio, enospc) and lets the program go
 * on. Writes to descriptors 0-2 (the terminal, pipes of the test) are not
 * counted. CDOP_FAULT_LOG names a file that gets one line per counted call
 * ("N KIND FILE", FILE the file's name without its directory: the target
 * of a rename or link) and, for the faulted call, "N KIND FILE fault
 * MODE"; it is how the harness learns how many points a command has and
 * what each one is (the CI sample covers every kind and every file).
 * CDOP_FAULT_KINDS (say "fsync,rename,link,unlink") limits the counted
 * calls to those kinds (fdatasync is an fsync, renameat a rename, and so
 * on); the others pass through uncounted. The one shim serves both crash
 * harnesses: t_faults.sh (every kind; kill, eio, enospc) and
 * t_keys_crash.sh (kills before the calls that make a change durable or
 * visible).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long calls;
static long fault_at = -1;
static int fault_errno; /* 0: kill */
static int log_fd = -1;
static char kinds[128]; /* ",fsync,rename," or empty: every kind */

__attribute__((constructor)) static void shim_init(void)
{
	const char *at = getenv("CDOP_FAULT_AT"), *mode = getenv("CDOP_FAULT_MODE");
	const char *log = getenv("CDOP_FAULT_LOG"), *only = getenv("CDOP_FAULT_KINDS");

	if (at && *at)
		fault_at = atol(at);
	if (mode && !strcmp(mode, "eio"))
		fault_errno = EIO;
	else if (mode && !strcmp(mode, "enospc"))
		fault_errno = ENOSPC;
	if (log && *log)
		log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (only && *only && strlen(only) + 3 <= sizeof kinds) {
		char *c;

		snprintf(kinds, sizeof kinds, ",%s,", only);
		for (c = kinds; *c; c++)
			if (*c == ' ')
				*c = ',';
	}
}

/* 1 when calls of KIND are counted (CDOP_FAULT_KINDS). */
static int counted(const char *kind)
{
	char key[24];

	if (!kinds[0])
		return 1;
	snprintf(key, sizeof key, ",%s,", kind);
	return strstr(kinds, key) != NULL;
}

/* The real function NAME, found once. */
#define REAL(type, name, args) \
	static type(*real_##name) args; \
	if (!real_##name) { \
		void *p_ = dlsym(RTLD_NEXT, #name); \
		memcpy(&real_##name, &p_, sizeof p_); \
	}

static ssize_t raw_write(int fd, const void *p, size_t n)
{
	REAL(ssize_t, write, (int, const void *, size_t));
	return real_write(fd, p, n);
}

/* The name of the file behind FD or at PATH, without its directory, in
 * BUF ("?" when unknown). */
static const char *file_name(int fd, const char *path, char *buf, size_t size)
{
	char proc[64];
	const char *slash;
	ssize_t len;

	if (!path) {
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		len = readlink(proc, buf, size - 1);
		if (len < 0)
			return "?";
		buf[len] = '\0';
		path = buf;
	}
	slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void note(long n, const char *kind, int fd, const char *path, const char *extra)
{
	char line[640], name[512];
	int len;

	if (log_fd < 0)
		return;
	len = snprintf(line, sizeof line, "%ld %s %s%s\n", n, kind,
		       file_name(fd, path, name, sizeof name), extra);
	if (len > 0)
		(void)raw_write(log_fd, line, (size_t)len);
}

/* 1 when this call (on descriptor FD, or PATH when not NULL) is the one
 * to fail (errno set); never returns when the process is to be killed. */
static int hit(const char *kind, int fd, const char *path)
{
	long n;

	if (!counted(kind))
		return 0;
	n = ++calls;

	if (n != fault_at) {
		note(n, kind, fd, path, "");
		return 0;
	}
	note(n, kind, fd, path, fault_errno ? (fault_errno == EIO ? " fault eio" : " fault enospc") :
	     " fault kill");
	if (!fault_errno) {
		kill(getpid(), SIGKILL);
		for (;;)
			pause();
	}
	errno = fault_errno;
	return 1;
}

ssize_t write(int fd, const void *p, size_t n)
{
	if (fd > 2 && fd != log_fd && hit("write", fd, NULL))
		return -1;
	return raw_write(fd, p, n);
}

ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
	REAL(ssize_t, pwrite, (int, const void *, size_t, off_t));
	if (hit("pwrite", fd, NULL))
		return -1;
	return real_pwrite(fd, p, n, off);
}

ssize_t pwrite64(int fd, const void *p, size_t n, off_t off)
{
	REAL(ssize_t, pwrite64, (int, const void *, size_t, off_t));
	if (hit("pwrite", fd, NULL))
		return -1;
	return real_pwrite64(fd, p, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(ssize_t, writev, (int, const struct iovec *, int));
	if (fd > 2 && hit("write", fd, NULL))
		return -1;
	return real_writev(fd, iov, cnt);
}

int fsync(int fd)
{
	REAL(int, fsync, (int));
	if (hit("fsync", fd, NULL))
		return -1;
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(int, fdatasync, (int));
	if (hit("fsync", fd, NULL))
		return -1;
	return real_fdatasync(fd);
}

int rename(const char *a, const char *b)
{
	REAL(int, rename, (const char *, const char *));
	if (hit("rename", -1, b))
		return -1;
	return real_rename(a, b);
}

int renameat(int da, const char *a, int db, const char *b)
{
	REAL(int, renameat, (int, const char *, int, const char *));
	if (hit("rename", -1, b))
		return -1;
	return real_renameat(da, a, db, b);
}

int link(const char *a, const char *b)
{
	REAL(int, link, (const char *, const char *));
	if (hit("link", -1, b))
		return -1;
	return real_link(a, b);
}

int linkat(int da, const char *a, int db, const char *b, int flags)
{
	REAL(int, linkat, (int, const char *, int, const char *, int));
	if (hit("link", -1, b))
		return -1;
	return real_linkat(da, a, db, b, flags);
}

int unlink(const char *a)
{
	REAL(int, unlink, (const char *));
	if (hit("unlink", -1, a))
		return -1;
	return real_unlink(a);
}

int unlinkat(int d, const char *a, int flags)
{
	REAL(int, unlinkat, (int, const char *, int));
	if (hit("unlink", -1, a))
		return -1;
	return real_unlinkat(d, a, flags);
}

/* Our own files go through stdio; libc's internal writes bypass write(). */
int fflush(FILE *f)
{
	REAL(int, fflush, (FILE *));
	if (f && f != stdout && f != stderr && fileno(f) > 2 && hit("fflush", fileno(f), NULL))
		return EOF;
	return real_fflush(f);
}
