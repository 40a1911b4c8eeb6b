#include "cdop/store/store.h"
#include "cdop/store/store_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The files beside the register, looked at with lstat() before SQLite opens
 * anything (issue 10, findings 1 and 4). SQLite opens any PATH-wal it finds
 * and serves pages from it, whatever the journal mode, and rolls back any
 * hot PATH-journal; neither is covered by SQLCipher's page MACs in a way
 * that stops a replay. cdop runs in journal_mode DELETE, so:
 *
 *   PATH-wal, PATH-shm   never legitimate: refused whatever they hold
 *   PATH-journal         only after an interrupted write (keyring dirty)
 *   a symlink at PATH, PATH.keys or any side file: refused (SQLite and the
 *   keyring writer would follow it)
 *
 * Refusals are CDOP_ERR_DAMAGED (exit 4) and happen before anything is
 * opened or written.
 */

static const char *const side_suffix[] = { "-wal", "-shm", "-journal" };

static int side_name(struct reg *r, const char *path, const char *suffix,
		     char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s%s", path, suffix);

	if (n < 0 || (size_t)n >= outlen)
		return reg_fail(r, CDOP_ERR_INPUT, "register path '%s' is too long", path);
	return CDOP_OK;
}

static int not_symlink(struct reg *r, const char *path, const char *what)
{
	struct stat st;

	if (lstat(path, &st) || !S_ISLNK(st.st_mode))
		return CDOP_OK;
	return reg_fail(r, CDOP_ERR_DAMAGED, "%s '%s' is a symbolic link; cdop "
			"never follows one there: replace it with the file itself",
			what, path);
}

int reg_side_files_check(struct reg *r, const char *path, int journal_ok)
{
	char side[4200], keys[4200];
	struct stat st;
	size_t i;
	int ret;

	ret = side_name(r, path, ".keys", keys, sizeof keys);
	if (!ret) ret = not_symlink(r, path, "register");
	if (!ret) ret = not_symlink(r, keys, "keyring");
	for (i = 0; !ret && i < sizeof side_suffix / sizeof side_suffix[0]; i++) {
		int journal = !strcmp(side_suffix[i], "-journal");

		ret = side_name(r, path, side_suffix[i], side, sizeof side);
		if (ret || lstat(side, &st))
			continue;
		if (S_ISLNK(st.st_mode))
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' has a "
				       "symbolic link '%s' beside it; refusing to "
				       "open the register (SQLite would follow it): "
				       "remove it and run 'cdop check'", path, side);
		else if (!journal)
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' has a "
				       "'%s' file beside it, which cdop never makes "
				       "(it runs without a write-ahead log): SQLite "
				       "would read pages from it; refusing to open the "
				       "register: move it away and run 'cdop check'",
				       path, side);
		else if (!journal_ok || !S_ISREG(st.st_mode))
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' has a "
				       "journal '%s' although cdop closed it cleanly: "
				       "refusing to let it roll the register back; move "
				       "it away and run 'cdop check'", path, side);
	}
	return ret;
}

/* PATH-journal is gone (a clean state may be sealed): 1, or 0 when it is
 * there or cannot be looked at. */
int reg_journal_gone(const char *path)
{
	char side[4200];
	struct stat st;

	if (snprintf(side, sizeof side, "%s-journal", path) >= (int)sizeof side)
		return 0;
	return lstat(side, &st) && errno == ENOENT;
}

/*
 * Removes "NAME.PREFIX*" files beside NAME that earlier commands left when
 * they were killed (temp keyrings hold the slots of users disabled since).
 * Called under the register's lock, so no other cdop is writing them.
 */
void reg_stale_remove(const char *name, const char *prefix)
{
	char dir[4200], want[4200], full[8400];
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	struct dirent *d;
	DIR *dp;
	size_t n;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == name)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - name), name);
	n = (size_t)snprintf(want, sizeof want, "%s%s", base, prefix);
	if (n >= sizeof want || !(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		struct stat st;

		if (strncmp(d->d_name, want, n))
			continue;
		snprintf(full, sizeof full, "%s/%s", dir, d->d_name);
		if (!lstat(full, &st) && S_ISREG(st.st_mode))
			(void)unlink(full);
	}
	closedir(dp);
}

/*
 * An init or restore killed before its last link leaves, beside PATH, its
 * temps "PATH.TAG<x>" (the database), "PATH.TAG<x>.keys" and maybe
 * "PATH.TAG<x>-journal", and possibly PATH.keys (and OTHER, init's
 * recovery-code file) already linked to the same inode as a temp. With no
 * PATH, such a PATH.keys (or OTHER, whose own temp is "OTHER.TAG<x>") is
 * that command's and is removed with the temps, so the command can be run
 * again (issue 10, findings 9 and 11). A PATH.keys that is not a link of
 * one of our temps is never touched.
 */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !lstat(a, &sa) && !lstat(b, &sb) && S_ISREG(sa.st_mode) &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void dir_and_base(const char *name, char *dir, size_t len, const char **base)
{
	const char *slash = strrchr(name, '/');

	*base = slash ? slash + 1 : name;
	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == name)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - name), name);
}

void reg_interrupted_cleanup(const char *path, const char *tag, const char *other)
{
	char dir[4200], want[4200], full[8400], keys[4200], mine[8400];
	const char *base;
	struct dirent *d;
	struct stat st;
	size_t n;
	DIR *dp;

	if (!lstat(path, &st))
		return; /* the command finished: its temps go at the next open */
	snprintf(keys, sizeof keys, "%s.keys", path);
	dir_and_base(path, dir, sizeof dir, &base);
	n = (size_t)snprintf(want, sizeof want, "%s%s", base, tag);
	if (n >= sizeof want || !(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		size_t len = strlen(d->d_name);

		if (strncmp(d->d_name, want, n))
			continue;
		snprintf(full, sizeof full, "%s/%s", dir, d->d_name);
		if (len > 5 && !strcmp(d->d_name + len - 5, ".keys") && same_file(full, keys))
			(void)unlink(keys);
		if (other && len > 5 && !strcmp(d->d_name + len - 5, ".keys")) {
			/* OTHER's temp carries the same <x> */
			snprintf(mine, sizeof mine, "%s%s%.*s", other, tag,
				 (int)(len - 5 - n), d->d_name + n);
			if (same_file(mine, other))
				(void)unlink(other);
			(void)unlink(mine);
		}
	}
	closedir(dp);
	reg_stale_remove(path, tag);
}
