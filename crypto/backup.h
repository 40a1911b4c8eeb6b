#ifndef CRYPTO_BACKUP_H
#define CRYPTO_BACKUP_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/subkey.h"

/*
 * The backup envelope: one file holding a register's keyring and its
 * database bytes, encrypted and authenticated as a whole. Byte layout
 * (little-endian; docs/security.md, "Backups"):
 *
 *   prefix   header (BACKUP_HEADER_BYTES) || keyring (keyring_len bytes)
 *            || checksum || MAC
 *   stream   crypto_secretstream_xchacha20poly1305 over the database bytes
 *            (at least one) in chunks of chunk_bytes (the last one may be
 *            shorter), each chunk + BACKUP_ABYTES; the last chunk alone
 *            carries TAG_FINAL; the first chunk's additional data is the MAC.
 *
 * The checksum is unkeyed BLAKE2b-256 over header and keyring: it tells
 * accidental damage apart from a wrong passphrase before any key exists.
 * The MAC is keyed BLAKE2b-256 over header, keyring and checksum, under a
 * key derived from SUBKEY_BACKUP; the stream key is derived from the same
 * subkey with another id. The keyring is itself encrypted key slots: any
 * slot that opens it gives the master key, hence both keys. Whoever can
 * unlock the register when the backup is made can therefore restore it.
 *
 * Refused, each with CRYPTO_ERR_FORMAT or CRYPTO_ERR_TAMPER: an edited
 * header or keyring (checksum, then MAC), a flipped byte in any chunk
 * (its tag), a swapped, reordered, repeated or dropped chunk (the stream
 * ratchets a counter; lengths come from the authenticated header), a
 * truncated file (size, or no final tag), bytes after the final tag, a
 * stream from another backup (its key and nonce differ), and a prefix
 * whose keyring belongs to another register (the MAC is under that
 * register's key).
 *
 * This module does no file I/O: callers hand it buffers, so the parser
 * runs unchanged under a fuzzer.
 */
#define BACKUP_MAGIC "CDOPBKUP"
#define BACKUP_VERSION 1
#define BACKUP_HEADER_BYTES 128
#define BACKUP_ID_BYTES 16
#define BACKUP_HASH_BYTES 32
#define BACKUP_SUM_BYTES 32
#define BACKUP_MAC_BYTES 32
#define BACKUP_STREAM_HEADER_BYTES 24 /* crypto_secretstream_..._HEADERBYTES */
#define BACKUP_ABYTES 17              /* crypto_secretstream_..._ABYTES */
#define BACKUP_CHUNK_BYTES 65536      /* what cdop writes */
#define BACKUP_CHUNK_MIN 4096         /* what a reader accepts: powers of */
#define BACKUP_CHUNK_MAX (1u << 24)   /* two in this range */
#define BACKUP_KEYRING_MAX (1u << 20)
#define BACKUP_DATA_MAX (1ull << 40)

struct backup_header {
	uint16_t version;
	uint32_t chunk_bytes;
	uint8_t register_id[BACKUP_ID_BYTES];
	int64_t created;                 /* Unix seconds */
	uint64_t audit_seq;              /* audit-chain head at backup time */
	uint8_t audit_hash[BACKUP_HASH_BYTES];
	uint32_t schema;                 /* schema version of the database */
	uint32_t keyring_len;
	uint64_t data_len;               /* database bytes, at least 1 */
	uint8_t stream_header[BACKUP_STREAM_HEADER_BYTES];
};

/* Parses the fixed header (the first BACKUP_HEADER_BYTES of buf):
 * magic, version, zero reserved bytes, bounded lengths. Not yet trusted. */
int backup_header_parse(struct backup_header *h, const uint8_t *buf, size_t len);
/* Bytes of the prefix (header, keyring, checksum, MAC). */
size_t backup_prefix_len(const struct backup_header *h);
/* Number of chunks in the stream: ceil(data_len / chunk_bytes). */
uint64_t backup_chunk_count(const struct backup_header *h);
/* Bytes of the whole file the header describes. */
uint64_t backup_file_len(const struct backup_header *h);

/* Checks the prefix's checksum (accidental damage; no key needed). On
 * success *keyring points at the keyring bytes inside prefix. */
int backup_prefix_check(const struct backup_header *h, const uint8_t *prefix,
			size_t len, const uint8_t **keyring);
/* Checks the prefix's MAC with the register's master key. */
int backup_prefix_verify(const uint8_t *prefix, size_t len,
			 const uint8_t master[MASTER_KEY_BYTES]);
/* Writes checksum and MAC into the last 64 bytes of a prefix whose header
 * and keyring are in place (the writer; tests and the fuzzer re-seal). */
int backup_prefix_seal(uint8_t *prefix, size_t len,
		       const uint8_t master[MASTER_KEY_BYTES]);

/* The stream state lives in secure memory. */
struct backup_stream;

/*
 * Writer: fills h->stream_header and h->keyring_len, builds the prefix
 * (*prefix is malloc'd; the caller frees it) and readies the push state.
 * h->data_len and h->chunk_bytes must be set; chunks are then pushed in
 * order, each exactly backup_stream_next_len() plaintext bytes, into an
 * out buffer of that plus BACKUP_ABYTES.
 */
int backup_stream_push_new(struct backup_stream **s, struct backup_header *h,
			   const uint8_t *keyring, size_t keyring_len,
			   const uint8_t master[MASTER_KEY_BYTES],
			   uint8_t **prefix, size_t *prefix_len);
int backup_stream_push(struct backup_stream *s, const uint8_t *in, size_t inlen,
		       uint8_t *out, size_t *outlen);

/*
 * Reader: after backup_prefix_verify. Each chunk is exactly
 * backup_stream_next_len() ciphertext bytes; out needs that less
 * BACKUP_ABYTES. A chunk that fails its tag, carries the wrong tag for its
 * place, or is the wrong length: CRYPTO_ERR_TAMPER (the stream is then
 * dead). The stream is whole only when backup_stream_done() says so.
 */
int backup_stream_pull_new(struct backup_stream **s, const struct backup_header *h,
			   const uint8_t *prefix, size_t prefix_len,
			   const uint8_t master[MASTER_KEY_BYTES]);
int backup_stream_pull(struct backup_stream *s, const uint8_t *in, size_t inlen,
		       uint8_t *out, size_t *outlen);

/* Push: plaintext bytes of the next chunk; pull: its ciphertext bytes.
 * 0 once the final chunk has gone through. */
size_t backup_stream_next_len(const struct backup_stream *s);
int backup_stream_done(const struct backup_stream *s);
void backup_stream_free(struct backup_stream *s);

#endif
