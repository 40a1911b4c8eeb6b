/*
 * Shared helpers for the unit tests: temporary directories, whole-file
 * reads and writes, byte flips. Static inline only, so each test includes
 * what it needs and unused helpers cost nothing.
 *
 * Include <cmocka.h> first. When "cdop/register.h" is included before this
 * file, the register helpers at the end are defined too.
 */
#ifndef CDOP_TEST_SUPPORT_H
#define CDOP_TEST_SUPPORT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh directory under /tmp; the caller frees the string. */
static inline char *t_mkdtemp(void)
{
	char tmpl[] = "/tmp/cdop-test-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	dir = strdup(dir);
	assert_non_null(dir);
	return dir;
}

/* Removes a directory and the plain files in it (tests make no subdirs). */
static inline void t_rmtree(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char path[4096];

	if (!dir)
		return;
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* dir/name, malloc'ed. */
static inline char *t_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + 1 + strlen(name) + 1;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Number of entries in dir other than . and .. */
static inline size_t t_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Does any entry of dir start with prefix? */
static inline int t_dir_has_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			found = 1;
	closedir(d);
	return found;
}

static inline int t_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Permission bits of path. */
static inline unsigned t_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

static inline size_t t_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

/* The whole file, malloc'ed (at least one byte so an empty file works). */
static inline uint8_t *t_slurp(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*lenp = (size_t)n;
	return buf;
}

/* Writes (creating or truncating, mode 0600) exactly len bytes. */
static inline void t_spew(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	if (len)
		assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static inline void t_copy(const char *from, const char *to)
{
	size_t len;
	uint8_t *buf = t_slurp(from, &len);

	t_spew(to, buf, len);
	free(buf);
}

/* XORs one byte of a file in place. */
static inline void t_flip(const char *path, size_t off, uint8_t mask)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= mask;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
	assert_int_equal(close(fd), 0);
}

/* Is needle anywhere in hay? */
static inline int t_contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	size_t i;

	if (m == 0 || m > n)
		return m == 0;
	for (i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return 1;
	return 0;
}

static inline int t_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

#ifdef CDOP_REGISTER_H
#include "crypto/kdf.h"
/*
 * Register helpers. The Argon2 cost is the "test" profile, which only test
 * builds allow (kdf_allow_test_profile: t_reg_create turns it on for the
 * whole test process); production keeps its bounds.
 */
#define T_ADMIN "admin"
#define T_PASS "correct horse battery staple"
#define T_REG_NAME "register.cdop"
#define T_KEYS_NAME "register.cdop.keys"

/* Creates path (+ .keys) with the admin and T_PASS; code may be NULL. */
static inline int t_reg_create(const char *path, const char *admin, const char *pass,
			       char code[RECOVERY_CODE_TEXT], char *err, size_t errlen)
{
	struct reg r;
	struct reg_create_opts o;
	int ret;

	memset(&o, 0, sizeof o);
	o.path = path;
	o.admin = admin;
	o.pass = pass;
	o.passlen = strlen(pass);
	kdf_allow_test_profile();
	o.kdf_profile = "test";
	reg_init(&r);
	ret = reg_create(&r, &o);
	if (err)
		snprintf(err, errlen, "%s", r.err);
	if (code)
		memcpy(code, o.recovery_code, RECOVERY_CODE_TEXT);
	reg_release(&r);
	return ret;
}

/* reg_init + reg_open with a passphrase; the caller reg_release()s. */
static inline int t_reg_open(struct reg *r, const char *path, const char *user,
			     const char *pass)
{
	struct reg_open_opts o;

	memset(&o, 0, sizeof o);
	o.path = path;
	o.user = user;
	o.pass = pass;
	o.passlen = pass ? strlen(pass) : 0;
	reg_init(r);
	return reg_open(r, &o);
}

/* reg_init + reg_open with the recovery code. */
static inline int t_reg_open_recovery(struct reg *r, const char *path, const char *user,
				      const char *code)
{
	struct reg_open_opts o;

	memset(&o, 0, sizeof o);
	o.path = path;
	o.user = user;
	o.recovery_code = code;
	reg_init(r);
	return reg_open(r, &o);
}

/* A copy of the template register (and keyring) in a fresh directory. */
static inline char *t_reg_clone(const char *template_dir, char **reg_path)
{
	char *dir = t_mkdtemp();
	char *from = t_path(template_dir, T_REG_NAME);
	char *to = t_path(dir, T_REG_NAME);

	t_copy(from, to);
	free(from);
	from = t_path(template_dir, T_KEYS_NAME);
	*reg_path = to;
	to = t_path(dir, T_KEYS_NAME);
	t_copy(from, to);
	free(from);
	free(to);
	return dir;
}
#endif

#endif
