#include "crypto/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_temp_name(const char *path, char *tmp, size_t tmplen)
{
	int n = snprintf(tmp, tmplen, "%s.tmp-XXXXXX", path);

	if (n < 0 || (size_t)n >= tmplen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int file_temp_create(char *tmp)
{
	return mkstemp(tmp); /* O_EXCL, 0600 */
}

int file_write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int file_read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t got = read(fd, p, n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0)
			errno = 0; /* end of file: the caller says what it means */
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

const char *file_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int file_same(const char *a, const char *b)
{
	struct stat sa, sb;

	return a && b && !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int file_fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	int fd, ret = 0;

	if (n >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!slash)
		memcpy(dir, ".", 2);
	else if (n == 0)
		memcpy(dir, "/", 2);
	else {
		memcpy(dir, path, n);
		dir[n] = 0;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fsync(fd))
		ret = -1;
	close(fd);
	return ret;
}

/* FILE_REPLACE's rule: nothing there, or a regular file. */
static int replaceable(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	return 0;
}

/* link() refuses an existing target, unlike rename(). Where the file
 * system has no hard links, a check and rename is the best there is. */
static int place_excl(const char *tmp, const char *path)
{
	struct stat st;

	if (!link(tmp, path))
		return 0;
	if (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK)
		return -1;
	if (!lstat(path, &st)) {
		errno = EEXIST;
		return -1;
	}
	return rename(tmp, path);
}

int file_place(const char *tmp, const char *path, enum file_place_mode mode)
{
	int ret, e;

	if (mode == FILE_EXCL)
		ret = place_excl(tmp, path);
	else
		ret = replaceable(path) ? -1 : rename(tmp, path);
	e = errno;
	unlink(tmp); /* after rename() it is gone already; harmless */
	errno = e;
	if (ret)
		return -1;
	return file_fsync_dir(path) ? -2 : 0;
}

int file_write_atomic(const char *path, const void *p, size_t n,
		      enum file_place_mode mode)
{
	char tmp[PATH_MAX];
	int fd, e;

	if (file_temp_name(path, tmp, sizeof tmp))
		return -1;
	fd = file_temp_create(tmp);
	if (fd < 0)
		return -1;
	if (file_write_full(fd, p, n) || fsync(fd)) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd)) {
		e = errno;
		goto fail;
	}
	return file_place(tmp, path, mode) ? -1 : 0;
fail:
	unlink(tmp);
	errno = e;
	return -1;
}
