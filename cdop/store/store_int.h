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

#endif
