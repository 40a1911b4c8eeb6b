#ifndef CRYPTO_FILEMAC_H
#define CRYPTO_FILEMAC_H
#include "crypto/subkey.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The register file's MAC as a keyed tree (issue 12; docs/security.md §5).
 * The file is cut into FILEMAC_CHUNK-byte chunks (the last one shorter);
 * chunk i's hash is keyed BLAKE2b-256 (key SUBKEY_FILE_MAC) with the
 * personalisation "cdop-fmac-chunk1" and the salt i (64-bit little-endian),
 * over the chunk's bytes. The top is keyed BLAKE2b-256 (same key) with the
 * personalisation "cdop-fmac-top-v1" over le64(size) || le64(chunks) ||
 * every chunk hash in order. The flat MAC of older registers (keyring
 * file_mac_kind 0: keyed BLAKE2b-256 of the whole file, no salt and no
 * personalisation) is a different function of the same key.
 *
 * A struct filemac keeps the chunk hashes of the file as cdop last read or
 * wrote it, so a reseal re-hashes only the chunks written since
 * (filemac_write/filemac_truncate record them) and never re-reads a chunk
 * it did not write: a change made by someone else to any other chunk stays
 * in the file and fails the next full check.
 */

#define FILEMAC_CHUNK (64u * 1024u)
#define FILEMAC_BYTES 32

/* keyring.file_mac_kind */
enum filemac_kind {
	FILEMAC_FLAT = 0, /* keyed BLAKE2b of the whole file (before issue 12) */
	FILEMAC_TREE = 1, /* the top of the chunk tree above */
};

struct filemac {
	int valid;        /* the hashes below are those of the file as cdop left it */
	int lost;         /* a write could not be recorded: the reseal hashes all */
	uint64_t size;    /* bytes the hashes cover */
	uint64_t cur;     /* the file's size after the writes recorded since */
	size_t n;         /* chunk hashes: ceil(size / FILEMAC_CHUNK) */
	size_t cap;       /* entries allocated in h and dirty */
	uint8_t (*h)[FILEMAC_BYTES];
	uint8_t *dirty;   /* chunk written or cut since it was hashed */
};

void filemac_init(struct filemac *t);
void filemac_free(struct filemac *t);

/* One pass over the file read by fd: every chunk hash, the top (out) and,
 * if flat is not NULL, the flat MAC too. t is then valid with nothing
 * dirty. CRYPTO_OK, CRYPTO_ERR_IO (errno) or CRYPTO_ERR_NOMEM. */
int filemac_scan(int fd, const uint8_t master[MASTER_KEY_BYTES], struct filemac *t,
		 uint8_t top[FILEMAC_BYTES], uint8_t flat[FILEMAC_BYTES]);

/* What a writer did to the file (the VFS shim, cdop/store/macvfs.c):
 * LEN bytes written at OFF; the file cut or extended to SIZE. */
void filemac_write(struct filemac *t, uint64_t off, uint64_t len);
void filemac_truncate(struct filemac *t, uint64_t size);

/* The chunks written since t was valid (and the ones a size change
 * reshaped) hashed again from fd, the others kept; the new top in out.
 * The size is the one the recorded writes left (t->cur), not the file's:
 * bytes someone else appended are not taken in. A t that is not valid, or
 * lost a write, is scanned whole. */
int filemac_reseal(int fd, const uint8_t master[MASTER_KEY_BYTES], struct filemac *t,
		   uint8_t top[FILEMAC_BYTES]);

/* Chunk indexes written since t was valid, "3,17,18" (at most len-1
 * bytes, cut at a comma): for tests. */
void filemac_dirty_list(const struct filemac *t, char *out, size_t len);

#endif
