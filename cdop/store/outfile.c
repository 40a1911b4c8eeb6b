#define _GNU_SOURCE /* O_TMPFILE, linkat */
#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/file.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Output files (issue 10, findings 8, 10, 12). The content goes to an
 * unnamed file in the target's directory (O_TMPFILE: a process killed
 * before the file is named leaves nothing behind), else to a named temp
 * "PATH.tmp-XXXXXX" (0600, O_EXCL; a stale one is removed by the next
 * write to PATH). outfile_finish flushes and fsyncs it; the caller then
 * commits the audit entry; outfile_place gives it its name:
 *
 *   OUTFILE_EXCL     linkat()/link(): an existing PATH of any kind is never
 *                    replaced, even one that appeared meanwhile
 *   OUTFILE_REPLACE  (--force) a regular file or nothing, never a symlink,
 *                    device or directory: linked to a temp name, then
 *                    rename()d over PATH
 *
 * and the directory is fsync'd.
 */

static int out_fail(struct reg *r, const char *what, const char *path)
{
	int e = errno;

	return reg_fail_field(r, CDOP_ERR_IO, "out", "cannot %s '%s': %s", what,
			      path, strerror(e));
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 1;
	char *d = malloc(n + 2);

	if (d && !slash)
		memcpy(d, ".", 2);
	else if (d && n == 0)
		memcpy(d, "/", 2);
	else if (d) {
		memcpy(d, path, n);
		d[n] = 0;
	}
	return d;
}

/* PATH names a file SQLite reads beside the register (REGISTER-journal,
 * -wal or -shm, in the same directory by its real path), whether PATH
 * exists or not. */
static int is_side_name(const char *reg_path, const char *path)
{
	static const char *const sides[] = { "-journal", "-wal", "-shm" };
	const char *rb = file_base(reg_path), *pb = file_base(path);
	size_t n = strlen(rb), i;
	char *rd, *pd, *rr, *pr;
	int same = 0;

	if (strncmp(pb, rb, n))
		return 0;
	for (i = 0; i < sizeof sides / sizeof sides[0] && !same; i++)
		same = !strcmp(pb + n, sides[i]);
	if (!same)
		return 0;
	rd = dir_of(reg_path);
	pd = dir_of(path);
	rr = rd ? realpath(rd, NULL) : NULL;
	pr = pd ? realpath(pd, NULL) : NULL;
	same = rr && pr && !strcmp(rr, pr);
	free(rd);
	free(pd);
	free(rr);
	free(pr);
	return same;
}

/*
 * The register's own files are never an output, in any mode: the register
 * and its keyring (as files: a link or another spelling of the path is the
 * same file), and the names SQLite reads beside the register, which a
 * file put there would become (the next open refuses a -journal, -wal or
 * -shm it did not expect). `meeting pack M --out register.cdop --force`
 * replaced the register with the pack until 27 Nov 2026.
 */
static int register_own(const struct reg *r, const char *path)
{
	return r->st.path &&
	       (file_same(path, r->st.path) || file_same(path, r->st.keys_path) ||
		is_side_name(r->st.path, path));
}

/* The mode's rule, checked before any work and again when placing. The
 * messages name the field, not a flag: a front end says how to replace. */
static int target_check(struct reg *r, const char *path, int mode)
{
	struct stat st;

	if (register_own(r, path))
		return reg_fail_field(r, CDOP_ERR_INPUT, "out", "'%s' is the register, its "
				"keyring or a file SQLite keeps beside it; choose another "
				"file", path);
	if (lstat(path, &st))
		return CDOP_OK;
	if (mode == OUTFILE_EXCL)
		return reg_fail_field(r, CDOP_ERR_CONFLICT, "out", "'%s' already exists; "
				"refusing to overwrite it", path);
	if (!S_ISREG(st.st_mode))
		return reg_fail_field(r, CDOP_ERR_CONFLICT, "out", "'%s' is not a "
				"regular file; refusing to replace it", path);
	return CDOP_OK;
}

int outfile_check(struct reg *r, const char *path, int mode)
{
	return target_check(r, path, mode);
}

static int open_anon(const char *path)
{
	int fd = -1;
#ifdef O_TMPFILE
	char *dir = dir_of(path);

	/* Naming it later goes through /proc/self/fd. */
	if (dir && !access("/proc/self/fd", X_OK))
		fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 && errno != ENOMEM && errno != EACCES && errno != ENOENT &&
	    errno != ENOTDIR && errno != EROFS && errno != ENOSPC && errno != EDQUOT)
		errno = EOPNOTSUPP; /* try a named temp file */
	free(dir);
#else
	(void)path;
	errno = EOPNOTSUPP;
#endif
	return fd;
}

int outfile_open(struct reg *r, struct outfile *o, const char *path, int mode)
{
	size_t n = strlen(path) + sizeof ".tmp-XXXXXX";
	int fd, ret;

	memset(o, 0, sizeof *o);
	ret = target_check(r, path, mode);
	if (ret)
		return ret;
	o->path = strdup(path);
	o->tmp = malloc(n);
	o->mode = mode == OUTFILE_EXCL ? OUTFILE_EXCL : OUTFILE_REPLACE;
	if (!o->path || !o->tmp) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	file_temp_name(path, o->tmp, n);
	/* Left by a write to PATH that was killed. */
	reg_stale_remove(path, ".tmp-");
	fd = open_anon(path);
	o->anon = fd >= 0;
	if (fd < 0 && errno == EOPNOTSUPP)
		fd = file_temp_create(o->tmp);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		if (fd >= 0) {
			close(fd);
			if (!o->anon)
				unlink(o->tmp);
		}
		ret = out_fail(r, "create a file beside", path);
		goto fail;
	}
	return CDOP_OK;
fail:
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return ret;
}

int outfile_read_fd(const struct outfile *o)
{
	char proc[64];

	if (!o->anon)
		return open(o->tmp, O_RDONLY | O_CLOEXEC);
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(o->f));
	return open(proc, O_RDONLY | O_CLOEXEC);
}

int outfile_finish(struct reg *r, struct outfile *o)
{
	if (!o->f)
		return reg_fail(r, CDOP_ERR_INTERNAL, "output file not open");
	if (o->finished)
		return CDOP_OK;
	if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f)))
		return reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", o->path,
				strerror(errno));
	o->finished = 1;
	return CDOP_OK;
}

/* The unnamed file gets the name TO (linkat never replaces). */
static int link_to(struct outfile *o, const char *to)
{
	char proc[64];

	if (!o->anon)
		return link(o->tmp, to);
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(o->f));
	return linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW);
}

static int place_excl(struct reg *r, struct outfile *o)
{
	struct stat st;

	if (!link_to(o, o->path))
		return CDOP_OK;
	if (errno == EEXIST)
		return target_check(r, o->path, OUTFILE_EXCL);
	/* A file system without hard links: a check and rename is the best
	 * there is (only for a named temp). */
	if (o->anon || (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK))
		return out_fail(r, "create", o->path);
	if (!lstat(o->path, &st))
		return target_check(r, o->path, OUTFILE_EXCL);
	return rename(o->tmp, o->path) ? out_fail(r, "create", o->path) : CDOP_OK;
}

static int place_replace(struct reg *r, struct outfile *o)
{
	int ret = target_check(r, o->path, OUTFILE_REPLACE);

	if (ret)
		return ret;
	if (o->anon) {
		int fd;

		/* A name of our own first, then rename() over PATH. */
		fd = file_temp_create(o->tmp);
		if (fd < 0)
			return out_fail(r, "create a file beside", o->path);
		close(fd);
		if (unlink(o->tmp) || link_to(o, o->tmp))
			return out_fail(r, "create a file beside", o->path);
		o->anon = 0;
	}
	if (rename(o->tmp, o->path))
		return out_fail(r, "create", o->path);
	return CDOP_OK;
}

int outfile_place(struct reg *r, struct outfile *o)
{
	int ret = outfile_finish(r, o);

	if (ret)
		return ret;
	ret = o->mode == OUTFILE_EXCL ? place_excl(r, o) : place_replace(r, o);
	if (!o->anon)
		unlink(o->tmp); /* after rename() it is gone already */
	if (ret)
		return ret;
	o->placed = 1;
	/* Named after its entry committed: a directory that cannot be synced
	 * may lose the name in a power cut (an entry without its file, as a
	 * kill before the name), but the command's work is done and cannot be
	 * undone; failing here would make report remove the new signature. */
	(void)file_fsync_dir(o->path);
	return CDOP_OK;
}

int outfile_close(struct reg *r, struct outfile *o, int ok)
{
	int ret = CDOP_OK;

	if (!o->f)
		return CDOP_OK;
	if (ok && !o->placed)
		ret = outfile_place(r, o);
	if (fclose(o->f) && !ret && !o->placed)
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", o->path,
			       strerror(errno));
	o->f = NULL;
	if (!o->anon && !o->placed)
		unlink(o->tmp);
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return ret;
}

void html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}
