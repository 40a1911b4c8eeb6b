#ifndef CRYPTO_FILEMAC_H
#define CRYPTO_FILEMAC_H
#include "crypto/subkey.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The register file's MAC as a tree (docs/security.md §5). The file is cut
 * into FILEMAC_CHUNK-byte chunks (the last one shorter). Kind 2 (written
 * since issue 9's overlap): chunk i's hash is UNKEYED BLAKE2b-256 with the
 * personalisation "cdop-fmac-chunk2" and the salt i (64-bit
 * little-endian), over the chunk's bytes; the top is keyed BLAKE2b-256
 * (key SUBKEY_FILE_MAC) with the personalisation "cdop-fmac-top-v2" over
 * le64(size) || le64(chunks) || every chunk hash in order. Since the chunk
 * hashes need no key, they can be computed while the Argon2id unlock runs
 * (filemac_start). Older kinds, still checked at open: kind 1 (issue 12)
 * is the same tree with the chunk hashes keyed too ("cdop-fmac-chunk1")
 * and the top's personalisation "cdop-fmac-top-v1"; kind 0 is keyed
 * BLAKE2b-256 of the whole file, no salt and no personalisation.
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
	FILEMAC_TREE = 1, /* keyed chunk hashes under a keyed top (issue 12) */
	FILEMAC_TREE2 = 2, /* unkeyed chunk hashes under a keyed top: written */
};

struct filemac_pass; /* a scan under way on a thread (filemac_start) */

struct filemac {
	int valid;        /* the hashes below are those of the file as cdop left it */
	int lost;         /* a write could not be recorded: the reseal hashes all */
	uint64_t size;    /* bytes the hashes cover */
	uint64_t cur;     /* the file's size after the writes recorded since */
	size_t n;         /* chunk hashes: ceil(size / FILEMAC_CHUNK) */
	size_t cap;       /* entries allocated in h and dirty */
	uint8_t (*h)[FILEMAC_BYTES];
	uint8_t *dirty;   /* chunk written or cut since it was hashed */
	struct filemac_pass *pass; /* started, not yet finished by a scan */
};

void filemac_init(struct filemac *t);
void filemac_free(struct filemac *t);

/* Starts hashing fd's chunks (kind 2: no key needed) on a thread of its
 * own, so that the caller can derive the key meanwhile; the next
 * filemac_scan of kind 2 on the same fd joins in and finishes it. t must
 * not be touched until then (or filemac_stop). Nothing started (a small
 * file, one CPU, no thread or memory) is not an error: the scan does it
 * all. */
void filemac_start(int fd, struct filemac *t);

/* A started pass abandoned (waited for); t is then not valid. */
void filemac_stop(struct filemac *t);

/* One pass over the file read by fd (or the end of the one filemac_start
 * began): every kind-2 chunk hash into t, and in mac the MAC of the given
 * kind: the kind-2 top, or for an older register the kind-1 top or the
 * flat MAC, computed from the same bytes. t is then valid with nothing
 * dirty, ready for a kind-2 reseal. CRYPTO_OK, CRYPTO_ERR_IO (errno) or
 * CRYPTO_ERR_NOMEM. */
int filemac_scan(int fd, const uint8_t master[MASTER_KEY_BYTES], struct filemac *t,
		 enum filemac_kind kind, uint8_t mac[FILEMAC_BYTES]);

/* What a writer did to the file (the VFS shim, cdop/store/macvfs.c):
 * LEN bytes written at OFF; the file cut or extended to SIZE. */
void filemac_write(struct filemac *t, uint64_t off, uint64_t len);
void filemac_truncate(struct filemac *t, uint64_t size);

/* The chunks written since t was valid (and the ones a size change
 * reshaped) hashed again from fd, the others kept; the new top in out.
 * The size is the one the recorded writes left (t->cur), not the file's:
 * bytes someone else appended are not taken in. A t that is not valid, or
 * lost a write, is scanned whole. The top is always kind 2's. */
int filemac_reseal(int fd, const uint8_t master[MASTER_KEY_BYTES], struct filemac *t,
		   uint8_t top[FILEMAC_BYTES]);

/* Chunk indexes written since t was valid, "3,17,18" (at most len-1
 * bytes, cut at a comma): for tests. */
void filemac_dirty_list(const struct filemac *t, char *out, size_t len);

#endif
