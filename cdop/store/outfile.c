#include "cdop/store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int outfile_open(struct reg *r, struct outfile *o, const char *path, int excl)
{
	size_t n = strlen(path);
	int fd;

	memset(o, 0, sizeof *o);
	if (excl && access(path, F_OK) == 0)
		return reg_fail_field(r, CDOP_ERR_CONFLICT, "out", "'%s' already exists; "
				"refusing to overwrite it", path);
	o->path = strdup(path);
	o->tmp = malloc(n + sizeof ".tmp-XXXXXX");
	if (!o->path || !o->tmp) {
		free(o->path);
		free(o->tmp);
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	memcpy(o->tmp, path, n);
	memcpy(o->tmp + n, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
	fd = mkstemp(o->tmp); /* 0600 */
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		free(o->path);
		free(o->tmp);
		return reg_fail_field(r, CDOP_ERR_IO, "out", "cannot create a file beside "
				"'%s': %s", path, strerror(e));
	}
	return CDOP_OK;
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
	if (ok && !ret && rename(o->tmp, o->path))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot create '%s': %s", o->path,
			       strerror(errno));
	if (!ok || ret)
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
