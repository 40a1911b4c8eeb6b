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
#include <elf.h>
#include <link.h>
#include <sanitizer/lsan_interface.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

#ifdef FS_LSAN
/*
 * LeakSanitizer's global roots without the sanitizer runtime's own tables.
 *
 * At each exit LSan scans, as roots, every writable PT_LOAD segment of
 * every loaded module, as dl_iterate_phdr reports them. cdop-test has the
 * ASan runtime linked in, and ~10 of the ~12 MB it scanned per command
 * were the runtime's own tables in the executable's .bss (the stack
 * depot's, the internal allocator's arena and cache, ASan's allocator):
 * a quarter of a short command's CPU, no root of the program's. So
 * cdop-test is linked with --wrap=dl_iterate_phdr (tests/CMakeLists.txt:
 * the runtime's own calls come here; the libraries' go to glibc as
 * before), and in the fork server's processes, from the atexit handler
 * below on (and for the server's one check before its first fork), the
 * executable's writable segment is reported as its pieces between the
 * runtime's objects of FS_SKIP_MIN bytes or more, found by name (the
 * __sanitizer, __asan, __lsan and __ubsan namespaces) in the executable's
 * symbol table. Nothing else changes: every other module's segments, and
 * the rest of the executable's, are reported as they are.
 *
 * Why no leak goes unreported: LSan's roots are then a subset of its
 * usual ones, and fewer roots can only make it report more. Why none is
 * reported falsely: every byte of every writable segment is still a root
 * (the program's globals, each library's, the dynamic loader's) except
 * those runtime objects, which hold the runtime's own state: its
 * internal allocator's memory is mmap'd, not the heap LSan checks, and
 * the object that knows the heap's chunks, ASan's allocator, LSan leaves
 * out of its scan itself. The handler sets the switch after every
 * handler the child adds and before LSan's check (the runtime registered
 * that at its start, so it runs last). Checked: the suite under ASan
 * reports no leak; a leak planted in a scratch build is reported when
 * nothing points to it and not when a program's or a library's global
 * does (docs/operations.md). Exec'd cdop-test processes never set the
 * switch: LSan scans everything there, as it did.
 *
 * (LSan's __lsan_register_root_region with use_globals=0 would do the
 * same without the wrap, but this runtime reads /proc/self/maps, ~300
 * lines, once per root region at each check: ~1.5 ms for each of the ~35
 * regions, more than the scan it saves.)
 */

/* The runtime's objects this large or more are left out: 10 of its 640
 * objects in the writable segment, 99.9% of their bytes. */
#define FS_SKIP_MIN 4096

struct span {
	uintptr_t lo, hi;
};
static struct span skip[64]; /* the runtime's objects (link-time addresses) */
static size_t nskip;
static const ElfW(Phdr) *exe_phdr; /* the executable's headers, as loaded */
static ElfW(Phdr) split[256];     /* the same, its writable segment in pieces */
static size_t nsplit;
static volatile int use_split;

/* ld's --wrap: __real_ is glibc's; __wrap_ (below) what calls reach. */
int __real_dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *),
			   void *data);
int __wrap_dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *),
			   void *data);

static int runtime_name(const char *name)
{
	static const char *const ns[] = { "_ZN11__sanitizer", "_ZN6__asan",
					  "_ZN6__lsan", "_ZN7__ubsan" };
	size_t i;

	for (i = 0; i < sizeof ns / sizeof *ns; i++)
		if (!strncmp(name, ns[i], strlen(ns[i])))
			return 1;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* skip: the runtime's large objects in the executable's .symtab (none
 * if it is stripped: then nothing is left out). */
static void find_runtime_objects(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	const unsigned char *m;
	const ElfW(Ehdr) *eh;
	const ElfW(Shdr) *sh;
	struct stat st;
	size_t size, i, j;

	if (fd < 0 || fstat(fd, &st))
		die("/proc/self/exe");
	size = (size_t)st.st_size;
	m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED || close(fd))
		die("/proc/self/exe");
	errno = ENOEXEC;
	eh = (const void *)m;
	if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_shentsize != sizeof *sh || eh->e_shoff > size ||
	    eh->e_shnum > (size - eh->e_shoff) / sizeof *sh)
		die("/proc/self/exe");
	sh = (const void *)(m + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const ElfW(Shdr) *ss = sh + sh[i].sh_link;
		const ElfW(Sym) *sym;
		const char *str;

		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		if (sh[i].sh_link >= eh->e_shnum || sh[i].sh_offset > size ||
		    sh[i].sh_size > size - sh[i].sh_offset || ss->sh_offset > size ||
		    ss->sh_size > size - ss->sh_offset)
			die("/proc/self/exe: symbol table");
		sym = (const void *)(m + sh[i].sh_offset);
		str = (const char *)m + ss->sh_offset;
		for (j = 0; j < sh[i].sh_size / sizeof *sym; j++) {
			const ElfW(Sym) *y = sym + j;

			if (ELF64_ST_TYPE(y->st_info) != STT_OBJECT ||
			    y->st_size < FS_SKIP_MIN || y->st_name >= ss->sh_size ||
			    !memchr(str + y->st_name, 0, ss->sh_size - y->st_name) ||
			    !runtime_name(str + y->st_name))
				continue;
			if (nskip == sizeof skip / sizeof *skip)
				die("/proc/self/exe: runtime objects");
			skip[nskip].lo = y->st_value;
			skip[nskip++].hi = y->st_value + y->st_size;
		}
	}
	errno = 0;
	munmap((void *)(uintptr_t)m, size);
	qsort(skip, nskip, sizeof *skip, span_cmp);
}

/* A copy of the header ph, as its part [lo, hi) if it is a segment. */
static void add_split(const ElfW(Phdr) *ph, uintptr_t lo, uintptr_t hi)
{
	ElfW(Phdr) *p = split + nsplit;
	uintptr_t file_end = ph->p_vaddr + ph->p_filesz;

	if (nsplit == sizeof split / sizeof *split) {
		errno = E2BIG;
		die("the executable's program headers");
	}
	*p = *ph;
	nsplit++;
	if (lo == ph->p_vaddr && hi == ph->p_vaddr + ph->p_memsz)
		return;
	p->p_vaddr = p->p_paddr = lo;
	p->p_offset = ph->p_offset + (lo - ph->p_vaddr);
	p->p_memsz = hi - lo;
	p->p_filesz = file_end > lo ? (file_end < hi ? file_end : hi) - lo : 0;
}

/* split: the executable's program headers, each writable PT_LOAD as its
 * pieces between the runtime's objects (link-time addresses: p_vaddr). */
static int split_exe(struct dl_phdr_info *info, size_t size, void *data)
{
	size_t j, i;

	(void)size;
	(void)data;
	exe_phdr = info->dlpi_phdr; /* the first module is the executable */
	for (j = 0; j < info->dlpi_phnum; j++) {
		const ElfW(Phdr) *ph = info->dlpi_phdr + j;
		uintptr_t at = ph->p_vaddr, hi = ph->p_vaddr + ph->p_memsz;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) {
			add_split(ph, at, hi);
			continue;
		}
		for (i = 0; i < nskip; i++) {
			if (skip[i].hi <= at || skip[i].lo >= hi)
				continue;
			if (skip[i].lo > at)
				add_split(ph, at, skip[i].lo);
			at = skip[i].hi;
		}
		if (at < hi)
			add_split(ph, at, hi);
	}
	return 1;
}

struct iter {
	int (*cb)(struct dl_phdr_info *, size_t, void *);
	void *data;
};

__attribute__((no_sanitize("address"))) static int
split_view(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct iter *it = arg;
	struct dl_phdr_info copy;

	if (info->dlpi_phdr != exe_phdr || size < sizeof copy)
		return it->cb(info, size, it->data);
	memcpy(&copy, info, sizeof copy);
	copy.dlpi_phdr = split;
	copy.dlpi_phnum = (ElfW(Half))nsplit;
	return it->cb(&copy, sizeof copy, it->data);
}

/* Every dl_iterate_phdr call of cdop-test's own code and the runtime's. */
__attribute__((no_sanitize("address"))) int
__wrap_dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
	struct iter it = { cb, data };

	if (!use_split)
		return __real_dl_iterate_phdr(cb, data);
	return __real_dl_iterate_phdr(split_view, &it);
}

static void split_on(void)
{
	use_split = 1;
}

/* Before the fork: in the foreground process, the server and each child
 * from their atexit handlers on. */
static void lsan_split(void)
{
	find_runtime_objects();
	__real_dl_iterate_phdr(split_exe, NULL);
	if (atexit(split_on))
		die("atexit");
}
#endif

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
#ifdef FS_LSAN
	lsan_split();
#endif
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
#ifdef FS_LSAN
		/* LeakSanitizer's check at each child's exit reads every page of
		 * the globals it scans; pages never touched fault in each child
		 * (this kernel maps no shared zero page), most of a short
		 * command's time under ASan. One check here, with nothing
		 * allocated yet, reads them once: the children inherit them
		 * present. (The runtime's tables left out of the scan stay
		 * untouched.) */
		use_split = 1;
		__lsan_do_recoverable_leak_check();
		use_split = 0;
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
