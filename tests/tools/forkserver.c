/*
 * The fork server of the end-to-end tests (issue 9), linked into cdop-test
 * only: `CDOP_TEST_FORKSERVER=PATH cdop-test` (cdop/cli/testing.c). On this
 * machine a process start is most of a short command's cost (26 shared
 * libraries to relocate; under ASan its runtime's start as well), so
 * tests/cli/lib.sh starts this once per test and asks it for each `as` and
 * `raw` call. It runs no cdop code itself: each request is served by a
 * fresh fork that sets up what an exec by bash would give the command and
 * calls cli_main, so the child starts as a new process would (libsodium,
 * stdio, the time zone and every global still untouched) and leaves
 * through exit(), where LeakSanitizer checks it.
 *
 * Protocol, on two FIFOs that lib.sh holds open (PATH.req, PATH.rsp): a
 * request is NUL-terminated fields: the working directory, the paths of
 * standard input, output and error, argc, the argc arguments (argv[0]
 * first), the number of environment entries, the "NAME=value" entries.
 * The answer is one line: the exit status, or 128 + N for a death by
 * signal N, as bash reports it. At the server's start the foreground
 * process writes the server's pid to PATH.pid and exits 0; the server ends
 * at the end of its input.
 *
 * What a fork does not give as an exec would: /proc/self/cmdline and exe
 * are the server's, and the rlimits, umask, signal dispositions and mask
 * are those bash gave the server at its start (lib.sh falls back to exec
 * where that matters: docs/operations.md).
 */
#define _GNU_SOURCE
#include "cdop/cli/testing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FS_LSAN 1
#include <sanitizer/lsan_interface.h>
#endif
#endif

extern char **environ;

/* The request being served. Static, so what a child inherits stays
 * reachable for LeakSanitizer. */
static char *buf;
static size_t len, cap;
static char **field;
static size_t nfield, field_cap;

static void die(const char *what)
{
	fprintf(stderr, "cdop-test: fork server: %s: %s\n", what,
		errno ? strerror(errno) : "bad request");
	exit(1);
}

static void add_field(char *f)
{
	if (nfield + 1 >= field_cap) {
		field_cap = field_cap ? 2 * field_cap : 256;
		field = realloc(field, field_cap * sizeof *field);
		if (!field)
			die("memory");
	}
	field[nfield++] = f;
	field[nfield] = NULL;
}

/* A count field at index i, or -1 while the request is incomplete. */
static long count_at(size_t i)
{
	char *end;
	long v;

	if (i >= nfield)
		return -1;
	errno = 0;
	v = strtol(field[i], &end, 10);
	if (errno || *end || v < 0 || v > 1000000)
		die("count");
	return v;
}

/* Split buf into fields; the number of bytes of a whole request, else 0. */
static size_t parse(void)
{
	size_t at = 0, i;
	long argc, envc;

	nfield = 0;
	for (i = 0; i < len; i++) {
		if (buf[i])
			continue;
		add_field(buf + at);
		at = i + 1;
		argc = count_at(4);
		if (argc < 0)
			continue;
		envc = count_at(5 + (size_t)argc);
		if (envc >= 0 && nfield == 6 + (size_t)argc + (size_t)envc)
			return at;
	}
	return 0;
}

/* Read until one request is whole; 0 at the end of input. */
static size_t read_request(int fd)
{
	size_t whole;

	while (!(whole = parse())) {
		ssize_t n;

		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				die("memory");
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0) {
			if (len)
				die("request cut short");
			return 0;
		}
		len += (size_t)n;
	}
	return whole;
}

/* As bash's <, > and 2> redirections. */
static void redirect(const char *path, int fd, int flags)
{
	int f = open(path, flags, 0666);

	if (f < 0) {
		fprintf(stderr, "cdop-test: fork server: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (f != fd && (dup2(f, fd) < 0 || close(f)))
		exit(1);
}

static void child(int (*main_fn)(int, char **))
{
	int argc = (int)count_at(4);

	if (chdir(field[0])) {
		fprintf(stderr, "cdop-test: fork server: cd %s: %s\n", field[0],
			strerror(errno));
		exit(1);
	}
	redirect(field[2], STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
	redirect(field[3], STDERR_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
	redirect(field[1], STDIN_FILENO, O_RDONLY);
	/* Only 0-2: the server's FIFOs and whatever it inherited stay out. */
	if (close_range(3, ~0U, 0))
		exit(1);
	field[5 + argc] = NULL; /* argv's end, in place of the count */
	environ = field + 6 + argc;
	exit(main_fn(argc, field + 5));
}

static int serve(int req, int rsp, int (*main_fn)(int, char **))
{
	size_t whole;

	while ((whole = read_request(req)) != 0) {
		char line[16];
		int st, n;
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0)
			child(main_fn);
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		n = snprintf(line, sizeof line, "%d\n",
			     WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
		if (write(rsp, line, (size_t)n) != n)
			die("write");
		memmove(buf, buf + whole, len - whole);
		len -= whole;
	}
	return 0;
}

int cli_forkserver(const char *path, int (*main_fn)(int, char **))
{
	char name[4096];
	int req, rsp;
	pid_t pid;
	FILE *f;

	snprintf(name, sizeof name, "%s.req", path);
	req = open(name, O_RDONLY | O_CLOEXEC);
	snprintf(name, sizeof name, "%s.rsp", path);
	rsp = open(name, O_WRONLY | O_CLOEXEC);
	if (req < 0 || rsp < 0)
		die(name);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
#ifdef FS_LSAN
		/* LeakSanitizer's check at each child's exit reads every page of
		 * the globals; pages never touched fault in each child (this
		 * kernel maps no shared zero page), most of a short command's
		 * time under ASan. One check here, with nothing allocated yet,
		 * reads them once: the children inherit them present. */
		__lsan_do_recoverable_leak_check();
#endif
		return serve(req, rsp, main_fn);
	}
	/* The foreground process: bash waits for it, then reads the pid. */
	snprintf(name, sizeof name, "%s.pid", path);
	f = fopen(name, "w");
	if (!f || fprintf(f, "%ld\n", (long)pid) < 0 || fclose(f))
		die(name);
	return 0;
}
