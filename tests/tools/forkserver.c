/*
 * The fork server of the end-to-end tests (issue 9), linked into cdop-test
 * only: `CDOP_TEST_FORKSERVER=PATH cdop-test` (cdop/cli/testing.c). On this
 * machine a process start is most of a short command's cost (26 shared
 * libraries to relocate; under ASan its runtime's start as well), so
 * tests/cli/lib.sh starts this once per test and asks it for each `as` and
 * `raw` call. It runs no cdop code itself: each request is served by a
 * fresh fork that sets up what an exec by bash would give the command and
 * calls cli_main, so the child starts as a new process would (libsodium,
 * stdio, the time zone and every cdop global still untouched; in the
 * normal build only SQLite and OpenSSL are started, by the server:
 * crypto_start says why no command can tell) and leaves as exit() would,
 * less the libraries' destructors (leave(): LeakSanitizer's check, stdio
 * flushed, _exit). The ASan build's server instead runs a test's commands
 * one after another in one worker process, and checks for leaks at the
 * test's end (supervise(), below: why, and what it puts back between
 * commands).
 *
 * Protocol, on two FIFOs that lib.sh holds open (PATH.req, PATH.rsp): a
 * request is NUL-terminated fields: the working directory, the paths of
 * standard input, output and error, argc, the argc arguments (argv[0]
 * first), the number of environment entries, the "NAME=value" entries.
 * The answer is one line: the exit status, or 128 + N for a death by
 * signal N, as bash reports it. A request of no arguments (argc 0) is
 * the test's end: the answer is 0, or 1 when the worker found a leak. At
 * the server's start the foreground process writes the server's pid and
 * "fork" or "worker" to PATH.pid and exits 0; the server ends at the end
 * of its input.
 *
 * What a fork does not give as an exec would: /proc/self/cmdline and exe
 * are the server's, and the rlimits, umask, signal dispositions and mask
 * are those bash gave the server at its start (lib.sh falls back to exec
 * where that matters: docs/test-suite.md).
 */
#define _GNU_SOURCE
#include "cdop/cli/testing.h"

#include <errno.h>
#include <sqlcipher/sqlite3.h>
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
#include <signal.h>
#include <stdio_ext.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

/* As bash's <, > and 2> redirections: a failure is the command's, status 1. */
static int redirect(const char *path, int fd, int flags)
{
	int f = open(path, flags, 0666);

	if (f < 0) {
		fprintf(stderr, "cdop-test: fork server: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (f != fd && (dup2(f, fd) < 0 || close(f)))
		return -1;
	return 0;
}

/* What bash does before it execs the request's command: its directory,
 * then its redirections in their order (out, err, in); -1 (said on the
 * standard error at that point) if one fails. */
static int enter_request(void)
{
	if (chdir(field[0])) {
		fprintf(stderr, "cdop-test: fork server: cd %s: %s\n", field[0],
			strerror(errno));
		return -1;
	}
	if (redirect(field[2], STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC) ||
	    redirect(field[3], STDERR_FILENO, O_WRONLY | O_CREAT | O_TRUNC) ||
	    redirect(field[1], STDIN_FILENO, O_RDONLY))
		return -1;
	return 0;
}

/* The request's arguments (argv, ended in place of the environment's
 * count) and environment, made the process's. */
static char **request_argv(int *argc)
{
	*argc = (int)count_at(4);
	field[5 + *argc] = NULL;
	environ = field + 6 + *argc;
	return field + 5;
}

static void leave(int st) __attribute__((noreturn));

static void child(int (*main_fn)(int, char **))
{
	char **argv;
	int argc;

	if (enter_request())
		exit(1);
	/* Only 0-2: the server's FIFOs and whatever it inherited stay out. */
	if (close_range(3, ~0U, 0))
		exit(1);
	argv = request_argv(&argc);
	leave(main_fn(argc, argv));
}

static void answer(int rsp, int st)
{
	char line[16];
	int n = snprintf(line, sizeof line, "%d\n", st);

	if (write(rsp, line, (size_t)n) != n)
		die("write");
}

/* The status bash reports for a process that ended with wait status st. */
static int status_of(int st)
{
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* The request just read is the end of the test's commands (argc 0: lib.sh's
 * fs_check). */
static int at_end(void)
{
	return count_at(4) == 0;
}

static void next_request(size_t whole)
{
	memmove(buf, buf + whole, len - whole);
	len -= whole;
}

/* A fork per command; each child checked for leaks as it leaves, so the
 * end of the test has nothing more to check. */
static int serve(int req, int rsp, int (*main_fn)(int, char **))
{
	size_t whole;

	while ((whole = read_request(req)) != 0) {
		int st = 0;

		if (!at_end()) {
			pid_t pid = fork();

			if (pid < 0)
				die("fork");
			if (pid == 0)
				child(main_fn);
			while (waitpid(pid, &st, 0) < 0)
				if (errno != EINTR)
					die("waitpid");
			st = status_of(st);
		}
		answer(rsp, st);
		next_request(whole);
	}
	return 0;
}

#ifdef FS_LSAN
/*
 * LeakSanitizer's global roots without the sanitizer runtime's tables and
 * without what cannot hold a heap pointer.
 *
 * At each check LSan scans, as roots, every writable PT_LOAD segment of
 * every loaded module, as dl_iterate_phdr reports them. cdop-test is
 * linked with --wrap=dl_iterate_phdr (tests/CMakeLists.txt: the runtime's
 * own calls come here; the libraries' go to glibc as before), and in the
 * fork server's processes, while use_split is set (each child's check in
 * leave(), the server's first check, the atexit handlers of the
 * foreground process and the server), every module's writable segments
 * are reported as their pieces outside these ranges:
 *
 * - in every module, the part of its PT_GNU_RELRO range that the dynamic
 *   linker makes read-only (from its start to its end rounded down to a
 *   page, as _dl_protect_relro does): the GOT, .data.rel.ro (vtables,
 *   const tables of pointers), .dynamic, .init_array/.fini_array. The
 *   dynamic linker writes them only while it relocates that module, and
 *   makes them read-only before any of its constructors runs (at the
 *   start, for every module before the first constructor; at dlopen,
 *   before the new modules' constructors): they hold relocation results,
 *   addresses of symbols or TLS offsets, and no code can store in them
 *   after. An ifunc's resolver runs during relocation and returns a
 *   function's address. The one heap object a relocation can point to is
 *   a TLS descriptor's argument of a dlopen'd module (TLSDESC, dynamic
 *   TLS), which glibc's ld.so mallocs: LSan treats every chunk allocated
 *   from the dynamic linker as reachable (use_tls, its "linker" module),
 *   as it does the dynamic TLS blocks and link maps, whatever points to
 *   them. (libcrypto alone has ~400 KB of RELRO.)
 * - in the executable, the runtime's objects of FS_SKIP_MIN bytes or more,
 *   found by name (the __sanitizer, __asan, __lsan and __ubsan
 *   namespaces) in its symbol table: ~9.8 of the ~12 MB scanned per
 *   command before (the stack depot's tables, the internal allocator's
 *   arena and cache, ASan's allocator). They hold the runtime's own state
 *   in memory it maps itself, not the heap LSan checks; the object that
 *   knows the heap's chunks, ASan's allocator, LSan leaves out itself.
 * - in the executable, the coverage tables of -fsanitize=fuzzer-no-link
 *   (the crypto and forms libraries: __sancov_pcs, the PC of each
 *   instrumented block and a flag, relocated at the start and read only;
 *   __sancov_cntrs, one 8-bit counter per block, only ever incremented).
 *
 * Why no leak goes unreported: the roots are a subset of LSan's usual
 * ones, and fewer roots can only make it report more. Why none is
 * reported falsely: every other byte of every writable segment is still a
 * root (the program's globals, each library's .data and .bss, the
 * dynamic loader's; a module dlopen'd by the command too: the list and
 * each module's headers are read at the check), and the ranges left out
 * hold no pointer to the program's heap, as above. Checked: the suite
 * under ASan reports no leak; a leak planted in a scratch build is
 * reported when nothing points to it and not when a program's or a
 * library's global does (docs/test-suite.md). Exec'd cdop-test processes
 * never set use_split: LSan scans everything there, as it does anywhere.
 *
 * (LSan's __lsan_register_root_region with use_globals=0 would do the
 * same without the wrap, but this runtime reads /proc/self/maps, ~300
 * lines, once per root region at each check: ~1.5 ms for each of the ~35
 * regions, more than the scan it saves.)
 */

/* The runtime's objects this large or more are left out: 10 of its 640
 * objects in the writable segment, 99.9% of their bytes. */
#define FS_SKIP_MIN 4096
/* Program headers of one module as reported: its own and the pieces. */
#define FS_PIECES 128
/* dl_iterate_phdr calls in progress at once (LSan's check calls it from
 * within its own call's callback); deeper ones see the modules whole. */
#define FS_DEPTH 4

struct span {
	uintptr_t lo, hi;
};
/* The executable's ranges left out (link-time addresses), sorted. */
static struct span skip[64];
static size_t nskip;
static const ElfW(Phdr) *exe_phdr; /* the executable's headers, as loaded */
static uintptr_t page_size;
static ElfW(Phdr) pieces[FS_DEPTH][FS_PIECES];
static volatile int depth;
static volatile int use_split;
/* Whether the runtime checks for leaks at exit (leak_check_at_exit, on
 * unless an option says otherwise): leave() then checks as exit() would. */
static int check_at_exit;

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

static void add_skip(uintptr_t lo, uintptr_t hi)
{
	if (nskip == sizeof skip / sizeof *skip)
		die("/proc/self/exe: ranges left out");
	skip[nskip].lo = lo;
	skip[nskip++].hi = hi;
}

/* A NUL-terminated name at off in the string table of size n. */
static const char *elf_name(const char *str, size_t n, size_t off)
{
	return off < n && memchr(str + off, 0, n - off) ? str + off : "";
}

/* skip: the runtime's large objects in the executable's .symtab (none if
 * it is stripped) and its coverage tables (none without them). */
static void find_exe_skips(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	const unsigned char *m;
	const ElfW(Ehdr) *eh;
	const ElfW(Shdr) *sh, *ns;
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
	    eh->e_shnum > (size - eh->e_shoff) / sizeof *sh ||
	    eh->e_shstrndx >= eh->e_shnum)
		die("/proc/self/exe");
	sh = (const void *)(m + eh->e_shoff);
	ns = sh + eh->e_shstrndx;
	if (ns->sh_offset > size || ns->sh_size > size - ns->sh_offset)
		die("/proc/self/exe: section names");
	for (i = 0; i < eh->e_shnum; i++) {
		const ElfW(Shdr) *ss = sh + sh[i].sh_link;
		const ElfW(Sym) *sym;
		const char *str, *name;

		name = elf_name((const char *)m + ns->sh_offset, ns->sh_size,
				sh[i].sh_name);
		if ((sh[i].sh_flags & SHF_ALLOC) &&
		    (!strcmp(name, "__sancov_pcs") || !strcmp(name, "__sancov_cntrs")))
			add_skip(sh[i].sh_addr, sh[i].sh_addr + sh[i].sh_size);
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

			if (ELF64_ST_TYPE(y->st_info) == STT_OBJECT &&
			    y->st_size >= FS_SKIP_MIN &&
			    runtime_name(elf_name(str, ss->sh_size, y->st_name)))
				add_skip(y->st_value, y->st_value + y->st_size);
		}
	}
	errno = 0;
	munmap((void *)(uintptr_t)m, size);
	qsort(skip, nskip, sizeof *skip, span_cmp);
}

/* out[*n]: a copy of the header ph, as its part [lo, hi) if it is a
 * segment; 0 when out is full. */
__attribute__((no_sanitize("address"))) static int
add_piece(ElfW(Phdr) *out, size_t *n, const ElfW(Phdr) *ph, uintptr_t lo,
	  uintptr_t hi)
{
	ElfW(Phdr) *p = out + *n;
	uintptr_t file_end = ph->p_vaddr + ph->p_filesz;

	if (*n == FS_PIECES)
		return 0;
	*p = *ph;
	++*n;
	if (lo == ph->p_vaddr && hi == ph->p_vaddr + ph->p_memsz)
		return 1;
	p->p_vaddr = p->p_paddr = lo;
	p->p_offset = ph->p_offset + (lo - ph->p_vaddr);
	p->p_memsz = hi - lo;
	p->p_filesz = file_end > lo ? (file_end < hi ? file_end : hi) - lo : 0;
	return 1;
}

/* out: the module's program headers, each writable PT_LOAD as its pieces
 * outside its RELRO range and, for the executable, outside skip (all
 * link-time addresses: p_vaddr). The number of headers, or 0 if they do
 * not fit (the module is then reported whole). */
__attribute__((no_sanitize("address"))) static size_t
split_module(const struct dl_phdr_info *info, ElfW(Phdr) *out)
{
	struct span left[sizeof skip / sizeof *skip + 1], relro = { 0, 0 };
	size_t n = 0, nl = 0, i, j, ns = info->dlpi_phdr == exe_phdr ? nskip : 0;

	for (j = 0; j < info->dlpi_phnum; j++) {
		const ElfW(Phdr) *ph = info->dlpi_phdr + j;

		if (ph->p_type == PT_GNU_RELRO) {
			relro.lo = ph->p_vaddr;
			relro.hi = (ph->p_vaddr + ph->p_memsz) & ~(page_size - 1);
		}
	}
	/* left: skip's spans (the executable's) with relro in its place */
	for (i = 0; i < ns; i++) {
		if (relro.hi > relro.lo && relro.lo <= skip[i].lo) {
			left[nl++] = relro;
			relro.hi = relro.lo;
		}
		left[nl++] = skip[i];
	}
	if (relro.hi > relro.lo)
		left[nl++] = relro;
	for (j = 0; j < info->dlpi_phnum; j++) {
		const ElfW(Phdr) *ph = info->dlpi_phdr + j;
		uintptr_t at = ph->p_vaddr, hi = ph->p_vaddr + ph->p_memsz;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) {
			if (!add_piece(out, &n, ph, at, hi))
				return 0;
			continue;
		}
		for (i = 0; i < nl; i++) {
			if (left[i].hi <= at || left[i].lo >= hi)
				continue;
			if (left[i].lo > at && !add_piece(out, &n, ph, at, left[i].lo))
				return 0;
			at = left[i].hi;
		}
		if (at < hi && !add_piece(out, &n, ph, at, hi))
			return 0;
	}
	return n;
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
	int d = depth, ret;

	if (size < sizeof copy || d >= FS_DEPTH)
		return it->cb(info, size, it->data);
	memcpy(&copy, info, sizeof copy);
	copy.dlpi_phdr = pieces[d];
	copy.dlpi_phnum = (ElfW(Half))split_module(info, pieces[d]);
	if (!copy.dlpi_phnum)
		return it->cb(info, size, it->data);
	depth = d + 1;
	ret = it->cb(&copy, sizeof copy, it->data);
	depth = d;
	return ret;
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

static int find_exe(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	exe_phdr = info->dlpi_phdr; /* the first module is the executable */
	return 1;
}

static void split_on(void)
{
	use_split = 1;
}

/* An option naming leak_check_at_exit (or including a file of options)
 * leaves it to exit(): the child then leaves as it did before. */
static int mentions(const char *var)
{
	const char *v = getenv(var);

	return v && (strstr(v, "leak_check_at_exit") || strstr(v, "include"));
}

/* Before the fork: in the foreground process, the server and each child
 * from their atexit handlers on. */
static void lsan_split(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	if (ps <= 0 || (ps & (ps - 1)))
		die("page size");
	page_size = (uintptr_t)ps;
	find_exe_skips();
	__real_dl_iterate_phdr(find_exe, NULL);
	check_at_exit = !mentions("ASAN_OPTIONS") && !mentions("LSAN_OPTIONS");
	if (atexit(split_on))
		die("atexit");
}
#endif

/*
 * The child leaves as exit() would, less what cannot show: cdop registers
 * no atexit handler and never calls exit() (cli_main returns, its
 * register closed and its memory freed); exit() would then run the
 * shared libraries' destructors and handlers (OpenSSL's cleanup, gnutls's,
 * p11-kit's, libmicrohttpd's: frees, in memory the process is about to
 * lose) and, under ASan, unregister every instrumented global: of a
 * `--version`, ~110 of its ~160 page faults in the normal build, ~150 of
 * ~380 under ASan (docs/test-suite.md). What it does that shows is kept,
 * in its order: LeakSanitizer's check (its handler, registered at the
 * runtime's start, would run after every other; __lsan_do_leak_check is
 * the same check: a leak is reported as at exit and ends the process
 * with the same status or abort), then every stdio stream flushed
 * (exit()'s flush, whose failure does not change the status), then
 * _exit(). The libraries' objects are still allocated at the check,
 * each reachable from its library's globals as it was while the command
 * ran.
 */
static void leave(int st)
{
#ifdef FS_LSAN
	if (!check_at_exit)
		exit(st);
	use_split = 1;
	__lsan_do_leak_check();
#endif
	fflush(NULL);
	_exit(st);
}

#ifdef FS_LSAN
/*
 * The ASan build: one worker process per test runs the test's commands,
 * one after another, in its own process (as `cdop ui` serves its requests
 * in one), instead of a fork per command. Under ASan a fork's command
 * costs ~65 ms of CPU, most of it the sanitizer runtime touching pages
 * the child has not written yet (each a copy-on-write or zero-fill fault:
 * its shadow, the allocator's new chunks, the stack depot) and
 * OpenSSL's start again in every child; a command in the worker costs
 * ~13 ms (docs/test-suite.md). What ASan and UBSan find in a command is
 * the same: every access is checked as before, the quarantine (256 MB)
 * still keeps freed memory from reuse, and an error aborts the command
 * with the same report on its standard error and the same status, 134.
 * Leaks are checked once, at the test's end (fs_check in lib.sh: a
 * request of no arguments), over every command's allocations: a block no
 * longer reachable is reported with the stack that allocated it, and the
 * test fails. The normal build keeps a fresh fork per command, so the
 * fresh process a user's command starts in is still what its tests
 * run. CDOP_TEST_FORKSERVER_FORK=1 gives the ASan build forks too (a
 * leak then names its command).
 *
 * Between commands the worker puts back what a command may change of the
 * process: its standard streams (cli_escape_install's are closed, the
 * originals restored, stdin's buffer dropped), descriptors 0-2, the
 * working directory, the umask, the environment, the signal dispositions
 * and mask. A command that dies (a signal, an abort by a sanitizer) ends
 * the worker: the server answers its status as for a fork and starts a
 * fresh worker for the next. What else differs from a new process: cdop's few globals
 * (escape.c's streams, reset here; cases.c's statement text, the same
 * every time), and libsodium, OpenSSL, SQLite and glibc started once
 * per test, not per command (lib.sh execs when TZ or another variable
 * read once per process differs from the server's start).
 */
static int saved[3]; /* the worker's own descriptors 0-2 */
/* and its signal dispositions and mask (cdop ui sets some: a command
 * that fails after that must not leave them to the next) */
static struct sigaction saved_act[NSIG];
static sigset_t saved_mask;

static int run_here(int (*main_fn)(int, char **))
{
	int argc, st = 1, i;
	char **argv;
	FILE *out = stdout, *err = stderr;
	char **env = environ;
	mode_t mask = umask(077);
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	umask(mask);
	if (cwd < 0)
		die("working directory");
	if (!enter_request()) {
		__fpurge(stdin);
		clearerr(stdin);
		argv = request_argv(&argc);
		st = main_fn(argc, argv);
		fflush(NULL); /* as exit() */
	}
	if (stdout != out) {
		fclose(stdout);
		stdout = out;
	}
	if (stderr != err) {
		fclose(stderr);
		stderr = err;
	}
	environ = env;
	umask(mask);
	for (i = 1; i < NSIG; i++)
		if (i != SIGKILL && i != SIGSTOP)
			sigaction(i, &saved_act[i], NULL); /* (glibc's own: EINVAL) */
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	for (i = 0; i < 3; i++)
		if (dup2(saved[i], i) < 0)
			die("dup2");
	if (fchdir(cwd) || close(cwd))
		die("working directory");
	clearerr(stdin);
	clearerr(stdout);
	clearerr(stderr);
	return st;
}

static void close_range_of(unsigned lo, unsigned hi)
{
	if (lo <= hi && close_range(lo, hi, 0))
		die("close_range");
}

static void close_others(int a, int b)
{
	close_range_of(3, (unsigned)a - 1);
	close_range_of((unsigned)a + 1, (unsigned)b - 1);
	close_range_of((unsigned)b + 1, ~0U);
}

/* The worker: answers each request itself; at the end of input, _exit(0). */
static void work(pid_t server, int req, int rsp, int (*main_fn)(int, char **))
{
	size_t whole;
	int i;

	/* A worker left behind ends with the server (lib.sh's fs_stop ends
	 * the server). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != server)
		_exit(1);
	/* Only 0-2 and the FIFOs, as a fork's child has only 0-2: nothing the
	 * server inherited from bash reaches a command (or what it runs). */
	close_others(req < rsp ? req : rsp, req < rsp ? rsp : req);
	for (i = 0; i < 3; i++)
		if ((saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3)) < 0)
			die("dup");
	for (i = 1; i < NSIG; i++)
		sigaction(i, NULL, &saved_act[i]);
	sigprocmask(SIG_SETMASK, NULL, &saved_mask);
	while ((whole = read_request(req)) != 0) {
		int st;

		if (at_end()) {
			use_split = 1;
			st = __lsan_do_recoverable_leak_check() ? 1 : 0;
			use_split = 0;
		} else {
			st = run_here(main_fn);
		}
		answer(rsp, st);
		next_request(whole);
	}
	_exit(0);
}

/* The server of the ASan build: a worker at a time; when one dies in a
 * command, that command's status is answered here and a new one serves
 * the next. */
static int supervise(int req, int rsp, int (*main_fn)(int, char **))
{
	pid_t server = getpid();

	for (;;) {
		int st;
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0)
			work(server, req, rsp, main_fn);
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			return 0; /* the end of input */
		answer(rsp, status_of(st));
	}
}
#endif

/*
 * SQLCipher's crypto provider, OpenSSL, initialised in the server: each
 * child would otherwise pay OpenSSL's start at its first keyed read
 * (~7,600 mallocs: its configuration file, the default provider, the
 * algorithms fetched, the random generator). The server makes a keyed
 * database PATH.warm with a raw key as cdop's (SQLCipher's defaults:
 * AES-256-CBC, HMAC-SHA1, PBKDF2 for the HMAC key), writes a table to it,
 * closes and removes it, before it reads the first request (lib.sh waits
 * for that answer, so no test sees the file). That leaves initialised:
 * - OpenSSL: its library context with the configuration read from the
 *   server's environment (OPENSSL_CONF), the default provider and the
 *   methods fetched, its random generator (instantiated for the pages'
 *   IVs), its exit handler. The generator is fork-safe: OpenSSL 3
 *   compares the pid at each use and reseeds in a new process
 *   (openssl_get_fork_id), so no two children draw the same bytes.
 *   lib.sh starts a command by exec when a variable OpenSSL reads once per
 *   process (OPENSSL_CONF, OPENSSL_MODULES, OPENSSL_ia32cap) differs from
 *   the server's start (fs_now), as for the sanitizers' options.
 * - SQLite: sqlite3_initialize (its mutexes, the default allocator, the
 *   page cache, the built-in functions, the unix VFSes registered). A
 *   command does it at its first open anyway; cdop calls no sqlite3_config
 *   (the one call initialisation forbids after) and registers its VFS
 *   (cdop/store/macvfs.c) after, as before. What SQLite reads lazily
 *   stays unread: no temporary file is made (no journal, no sort), so
 *   TMPDIR and SQLITE_TMPDIR are read in the child as before, and its
 *   random generator, which randomblob() uses, is reset to seed itself
 *   again in each child (sqlite3_randomness(0, NULL)). No file stays
 *   open and no lock held.
 * - SQLCipher: nothing. Its provider and counts are back where they
 *   started once the last codec is freed (sqlcipher_deactivate).
 * What a command prints, writes or exits with depends on none of these
 * being made in the server rather than in the child. The normal build's
 * server only: under ASan a child that opens no register would walk
 * OpenSSL's objects at its leak check, dearer than what a keyed one saves
 * (docs/test-suite.md).
 */
#ifndef FS_LSAN
static void crypto_start(const char *path)
{
	static const char sql[] =
		"PRAGMA key = \"x'"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"'\"; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		"CREATE TABLE t(x); SELECT count(*) FROM t;";
	char name[4096];
	sqlite3 *db = NULL;

	snprintf(name, sizeof name, "%s.warm", path);
	if (sqlite3_open_v2(name, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "cdop-test: fork server: %s: %s\n", name,
			db ? sqlite3_errmsg(db) : "out of memory");
		exit(1);
	}
	if (sqlite3_close(db) != SQLITE_OK || unlink(name))
		die(name);
	sqlite3_randomness(0, NULL);
}
#endif

int cli_forkserver(const char *path, int (*main_fn)(int, char **))
{
	char name[4096];
	int req, rsp, worker = 0;
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
	worker = !getenv("CDOP_TEST_FORKSERVER_FORK");
#endif
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
#ifndef FS_LSAN
		/* The normal build only. Under LeakSanitizer each child's check
		 * would walk OpenSSL's ~7,600 inherited objects: a child that
		 * opens no register (--version, a usage error) paid +15-25 ms
		 * for the ~1 ms a keyed one saved (docs/test-suite.md). */
		crypto_start(path);
#else
		if (worker)
			return supervise(req, rsp, main_fn);
		/* LeakSanitizer's check at each child's exit reads every page of
		 * the globals it scans; pages never touched fault in each child
		 * (this kernel maps no shared zero page), most of a short
		 * command's time under ASan. One check here, with nothing
		 * allocated yet, reads them once: the children inherit them
		 * present. (The ranges left out of the scan stay untouched.) */
		use_split = 1;
		__lsan_do_recoverable_leak_check();
		use_split = 0;
#endif
		return serve(req, rsp, main_fn);
	}
	/* The foreground process: bash waits for it, then reads the pid and
	 * how the server runs commands. */
	snprintf(name, sizeof name, "%s.pid", path);
	f = fopen(name, "w");
	if (!f || fprintf(f, "%ld %s\n", (long)pid, worker ? "worker" : "fork") < 0 ||
	    fclose(f))
		die(name);
	return 0;
}
