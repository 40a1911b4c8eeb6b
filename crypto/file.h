#ifndef CRYPTO_FILE_H
#define CRYPTO_FILE_H
#include <stddef.h>

/*
 * Writing a file whole and moving it into place, one way for the tree:
 * a temp file (0600, O_EXCL by mkstemp) beside the target, written and
 * fsync'd, then linked or renamed into place and the directory fsync'd;
 * the temp file is removed on failure. A crash leaves the old file or the
 * new one, never half of one. The keyring (crypto/keyring.c) uses these
 * directly; the register layers use cdop/store/outfile.c, which is built
 * on them and words the errors.
 *
 * Each returns 0, or -1 with errno set (file_place: or -2).
 */

/* How file_place treats an existing target. */
enum file_place_mode {
	/* rename() over nothing or a regular file; never over a symlink,
	 * device, directory or anything else (EEXIST). */
	FILE_REPLACE = 0,
	/* link(): an existing target, of any kind, is never replaced (EEXIST).
	 * On a file system without hard links: lstat, then rename(). */
	FILE_EXCL = 1,
};

/* The temp name for PATH, "PATH.tmp-XXXXXX", in tmp (tmplen bytes). */
int file_temp_name(const char *path, char *tmp, size_t tmplen);
/* Creates the temp file named by file_temp_name (mode 0600); the fd. */
int file_temp_create(char *tmp);

int file_write_full(int fd, const void *p, size_t n);
/* 0 at full length; -1 with errno 0 at end of file. */
int file_read_full(int fd, void *p, size_t n);

/* Moves the written and fsync'd TMP to PATH (see enum file_place_mode),
 * then fsyncs PATH's directory. TMP's name is removed either way. -1: not
 * placed; -2: placed, but the directory could not be fsync'd. */
int file_place(const char *tmp, const char *path, enum file_place_mode mode);
/* The last component of PATH (after its last '/'; PATH if it has none). */
const char *file_base(const char *path);
/* 1 if A and B both exist and are the same file (stat: a symbolic link
 * is the file it points to). */
int file_same(const char *a, const char *b);
/* Makes a rename or link in PATH's directory durable. */
int file_fsync_dir(const char *path);

/* The whole sequence for bytes already in memory. */
int file_write_atomic(const char *path, const void *p, size_t n,
		      enum file_place_mode mode);

#endif
