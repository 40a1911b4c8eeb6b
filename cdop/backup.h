#ifndef CDOP_BACKUP_H
#define CDOP_BACKUP_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/keyring.h"

struct reg;

/*
 * Register backups: the keyring and the database in one encrypted,
 * authenticated file (crypto/backup.h; docs/security.md, "Backups").
 * Restoring needs a key slot that opened the register when the backup was
 * made (an admin's passphrase then current) or the recovery code then
 * current: the keyring travels inside the backup.
 */
struct backup_info {
	char register_id[2 * KEYRING_ID_BYTES + 1]; /* hex */
	int64_t created;                            /* Unix seconds */
	uint64_t audit_seq;                         /* audit-chain head */
	uint32_t schema;
	uint64_t data_len;                          /* database bytes */
	uint64_t file_len;                          /* backup file bytes */
};

/*
 * Writes a backup of the open register to OUT, never overwriting an
 * existing file (CDOP_ERR_CONFLICT). The "backup" audit entry is
 * committed first, so the backup holds it; the register is then closed
 * and sealed (reg_close), so the snapshot is quiescent (the flock is kept)
 * and the backed-up keyring describes exactly the backed-up file. The file
 * is written beside OUT (0600), fsync'd, read back and checked chunk by
 * chunk against what was written, and only then linked into place. On any
 * failure nothing is left at OUT. Leaves the register closed.
 */
int backup_write(struct reg *r, const char *out, struct backup_info *info);

/* CDOP_ERR_CONFLICT (message in r->err) if PATH or PATH.keys exists. */
int backup_target_check(struct reg *r, const char *path);

struct backup_restore_opts {
	const char *file;          /* the backup */
	const char *path;          /* the register to create */
	const char *user;          /* an admin in the backup, with pass */
	const char *pass;
	size_t passlen;
	const char *recovery_code; /* instead of user and pass */
};

/*
 * Restores a backup to a new register PATH + PATH.keys. Every byte of the
 * backup is authenticated (header, keyring, each chunk, the final tag)
 * before SQLite sees any of it; the decrypted database goes only to a
 * private temp file beside PATH. The result is then opened with the
 * library and checked in full (pages, keyring, audit chain, register id,
 * audit head as recorded in the header, schema not newer), a "restore"
 * audit entry is added and the file sealed, and register and keyring are
 * linked into place (never overwriting; if the second link fails the first
 * is removed). On any failure nothing is left at PATH.
 *
 * Errors: CDOP_ERR_DAMAGED for a damaged, altered, truncated or spliced
 * backup; CDOP_ERR_ACCESS for a wrong passphrase or recovery code, an
 * unknown or disabled user, or a user who is not an admin;
 * CDOP_ERR_CONFLICT if PATH or PATH.keys exists; CDOP_ERR_VERSION if the
 * backup holds a newer schema than this cdop knows.
 */
int backup_restore(struct reg *r, const struct backup_restore_opts *o,
		   struct backup_info *info);

#endif
