#include "cdop/store/store.h"
#include "crypto/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* OUTFILE_REPLACE's rule, checked before any work: a regular file or nothing. */
static int target_check(struct reg *r, const char *path, int mode)
{
	struct stat st;

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
	fd = file_temp_create(o->tmp);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		ret = reg_fail_field(r, CDOP_ERR_IO, "out", "cannot create a file beside "
				     "'%s': %s", path, strerror(e));
		goto fail;
	}
	return CDOP_OK;
fail:
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return ret;
}

/* Moves the finished temp file into place. */
static int place(struct reg *r, struct outfile *o)
{
	int mode = o->mode;
	int rc = file_place(o->tmp, o->path, mode == OUTFILE_EXCL ? FILE_EXCL :
			    FILE_REPLACE);

	int e = errno, ret;

	if (rc == 0)
		return CDOP_OK;
	if (rc == -2)
		return reg_fail(r, CDOP_ERR_IO, "cannot sync the directory of '%s': %s",
				o->path, strerror(e));
	/* Something appeared at the target while the file was written. */
	if (e == EEXIST && (ret = target_check(r, o->path, mode)))
		return ret;
	return reg_fail(r, CDOP_ERR_IO, "cannot create '%s': %s", o->path,
			strerror(e));
}

int outfile_close(struct reg *r, struct outfile *o, int ok)
{
	int ret = CDOP_OK;

	if (!o->f)
		return CDOP_OK;
	if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f)))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", o->path,
			       strerror(errno));
	if (fclose(o->f) && !ret)
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", o->path,
			       strerror(errno));
	o->f = NULL;
	if (ok && !ret)
		ret = place(r, o);
	else
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
