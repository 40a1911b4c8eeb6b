#ifndef CDOP_EMBED_H
#define CDOP_EMBED_H
#include <stddef.h>

/* A file compiled into the binary by cmake/embed.cmake. */
struct embedded_file {
	const char *name;          /* base name, e.g. "001_init.sql" */
	const unsigned char *data; /* bytes, NUL-terminated */
	size_t len;                /* length without the NUL */
};

/* meta.audit_head, "SEQ:HASH-IN-HEX" (audit.c); "" when there is none. */
struct reg;
int audit_head_text(struct reg *r, char *out, size_t outlen);

/* sidefile.c: the files beside the register (issue 10). Refuses, with
 * CDOP_ERR_DAMAGED, a symlink at PATH or PATH.keys, a PATH-wal or PATH-shm,
 * and a PATH-journal unless journal_ok (keyring dirty) and a regular file. */
int reg_side_files_check(struct reg *r, const char *path, int journal_ok);
/* 1 when PATH-journal does not exist. */
int reg_journal_gone(const char *path);
/* With no PATH: removes what an init or restore (TAG ".init-" or
 * ".restore-") killed before its last link left: its temps, and PATH.keys
 * and OTHER (init's recovery file, or NULL) when they are links of them. */
void reg_interrupted_cleanup(const char *path, const char *tag, const char *other);
/* Removes regular files named NAME+PREFIX* beside NAME (stale temps). */
void reg_stale_remove(const char *name, const char *prefix);
/* macvfs.c: the VFS that records the register's writes (see there). The
 * name to pass to sqlite3_open_v2, or NULL if it cannot be registered. */
struct filemac;
const char *macvfs_name(void);
/* Writes to a main database file through the shim are recorded in T
 * (NULL: none). */
void macvfs_arm(struct filemac *t);
/* keys.c: keys by role (see there). */
struct reg_open_opts;
struct reg_create_opts;
struct kdf_params;
struct keyring_slot;
int keys_unlock(struct reg *r, const struct reg_open_opts *o,
		const struct keyring_slot **slot);
void keys_release(struct reg *r);
int keys_after_open(struct reg *r, unsigned flags);
/* A v1 register: stages the unlocking user's v2 slot (docs/security.md §17). */
int keys_stage_v1(struct reg *r, unsigned flags);
int keys_create(struct reg *r, struct reg_create_opts *o, const struct kdf_params *kdf);
int keys_slot_set(struct reg *r, const char *name, int role, const char *pass,
		  size_t passlen, const struct kdf_params *kdf);
int keys_disable(struct reg *r, const char *name);
void keys_disable_undo(struct reg *r);
struct keyring_retired;
/* When a key was retired, as the audit trail writes times (UTC). */
void keys_retired_when(const struct keyring_retired *t, char out[21]);
int keys_db_key_text(struct reg *r, int prev, char **out);
int keys_rekey(struct reg *r);
/* After a rekey (register.c): a new connection, whose probe decides which
 * key the file is under (rekey_due), and the file MAC hashed whole at the
 * seal. */
int reg_rekeyed(struct reg *r);
int keys_commit(struct reg *r);
int keys_pending(struct reg *r, unsigned flags);
/* Writes "CODE\n" to a new file PATH (0600, O_EXCL, fsync'd); errors name
 * the field recovery-out. */
int reg_recovery_write(struct reg *r, const char *path, const char *code);

#endif
