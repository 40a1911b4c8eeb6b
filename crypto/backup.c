#include "crypto/backup.h"
#include "crypto/bytes.h"
#include "crypto/error.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/*
 * Header bytes:
 *    0  8  magic "CDOPBKUP"
 *    8  2  format version (1)
 *   10  2  reserved, zero
 *   12  4  chunk size (plaintext bytes per chunk; a power of two)
 *   16 16  register id (as in the keyring)
 *   32  8  created, Unix seconds
 *   40  8  audit-chain head: seq
 *   48 32  audit-chain head: hash
 *   80  4  schema version
 *   84  4  keyring length
 *   88  8  database length
 *   96 24  secretstream header
 *  120  8  reserved, zero
 */
#define OFF_VERSION 8
#define OFF_RESERVED1 10
#define OFF_CHUNK 12
#define OFF_ID 16
#define OFF_CREATED 32
#define OFF_AUDIT_SEQ 40
#define OFF_AUDIT_HASH 48
#define OFF_SCHEMA 80
#define OFF_KEYRING_LEN 84
#define OFF_DATA_LEN 88
#define OFF_STREAM 96
#define OFF_RESERVED2 120

/* Sub-keys of SUBKEY_BACKUP: one key, one purpose. Part of the format. */
#define BACKUP_KDF_CONTEXT "cdopbkup"
#define BACKUP_KEY_STREAM 1
#define BACKUP_KEY_MAC 2

#if BACKUP_STREAM_HEADER_BYTES != crypto_secretstream_xchacha20poly1305_HEADERBYTES || \
	BACKUP_ABYTES != crypto_secretstream_xchacha20poly1305_ABYTES
#error "backup.h sizes disagree with libsodium"
#endif

struct backup_stream {
	crypto_secretstream_xchacha20poly1305_state st;
	uint64_t next;      /* index of the next chunk */
	uint64_t nchunks;
	uint64_t data_len;
	uint32_t chunk_bytes;
	uint8_t ad[BACKUP_MAC_BYTES]; /* the first chunk's additional data */
	int push;           /* writing: lengths are of plaintext */
	int dead;           /* a chunk failed: refuse everything after */
};

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ---- header --------------------------------------------------------------- */

static void header_bytes(const struct backup_header *h, uint8_t out[BACKUP_HEADER_BYTES])
{
	memset(out, 0, BACKUP_HEADER_BYTES);
	memcpy(out, BACKUP_MAGIC, 8);
	le16_put(out + OFF_VERSION, h->version);
	le32_put(out + OFF_CHUNK, h->chunk_bytes);
	memcpy(out + OFF_ID, h->register_id, BACKUP_ID_BYTES);
	le64_put(out + OFF_CREATED, (uint64_t)h->created);
	le64_put(out + OFF_AUDIT_SEQ, h->audit_seq);
	memcpy(out + OFF_AUDIT_HASH, h->audit_hash, BACKUP_HASH_BYTES);
	le32_put(out + OFF_SCHEMA, h->schema);
	le32_put(out + OFF_KEYRING_LEN, h->keyring_len);
	le64_put(out + OFF_DATA_LEN, h->data_len);
	memcpy(out + OFF_STREAM, h->stream_header, BACKUP_STREAM_HEADER_BYTES);
}

static int chunk_bytes_ok(uint32_t c)
{
	return c >= BACKUP_CHUNK_MIN && c <= BACKUP_CHUNK_MAX && !(c & (c - 1));
}

static int header_fields_ok(const struct backup_header *h)
{
	return chunk_bytes_ok(h->chunk_bytes) && h->keyring_len > 0 &&
	       h->keyring_len <= BACKUP_KEYRING_MAX && h->data_len > 0 &&
	       h->data_len <= BACKUP_DATA_MAX;
}

int backup_header_parse(struct backup_header *h, const uint8_t *buf, size_t len)
{
	memset(h, 0, sizeof *h);
	if (len < BACKUP_HEADER_BYTES || memcmp(buf, BACKUP_MAGIC, 8))
		return CRYPTO_ERR_FORMAT;
	h->version = le16_get(buf + OFF_VERSION);
	if (h->version != BACKUP_VERSION)
		return CRYPTO_ERR_VERSION;
	if (!all_zero(buf + OFF_RESERVED1, 2) ||
	    !all_zero(buf + OFF_RESERVED2, BACKUP_HEADER_BYTES - OFF_RESERVED2))
		return CRYPTO_ERR_FORMAT;
	h->chunk_bytes = le32_get(buf + OFF_CHUNK);
	memcpy(h->register_id, buf + OFF_ID, BACKUP_ID_BYTES);
	h->created = (int64_t)le64_get(buf + OFF_CREATED);
	h->audit_seq = le64_get(buf + OFF_AUDIT_SEQ);
	memcpy(h->audit_hash, buf + OFF_AUDIT_HASH, BACKUP_HASH_BYTES);
	h->schema = le32_get(buf + OFF_SCHEMA);
	h->keyring_len = le32_get(buf + OFF_KEYRING_LEN);
	h->data_len = le64_get(buf + OFF_DATA_LEN);
	memcpy(h->stream_header, buf + OFF_STREAM, BACKUP_STREAM_HEADER_BYTES);
	return header_fields_ok(h) ? CRYPTO_OK : CRYPTO_ERR_FORMAT;
}

size_t backup_prefix_len(const struct backup_header *h)
{
	return BACKUP_HEADER_BYTES + (size_t)h->keyring_len + BACKUP_SUM_BYTES +
	       BACKUP_MAC_BYTES;
}

uint64_t backup_chunk_count(const struct backup_header *h)
{
	if (h->data_len == 0 || h->chunk_bytes == 0)
		return 1; /* not a valid header; keeps the arithmetic defined */
	return (h->data_len + h->chunk_bytes - 1) / h->chunk_bytes;
}

uint64_t backup_file_len(const struct backup_header *h)
{
	return (uint64_t)backup_prefix_len(h) + h->data_len +
	       backup_chunk_count(h) * BACKUP_ABYTES;
}

/* ---- prefix: checksum and MAC -------------------------------------------- */

static int derive_key(uint8_t out[SUBKEY_BYTES], uint64_t id,
		      const uint8_t master[MASTER_KEY_BYTES])
{
	uint8_t bk[SUBKEY_BYTES];
	int ret = subkey_derive(bk, SUBKEY_BACKUP, master);

	if (!ret && crypto_kdf_derive_from_key(out, SUBKEY_BYTES, id,
					       BACKUP_KDF_CONTEXT, bk))
		ret = CRYPTO_ERR_ARG;
	sodium_memzero(bk, sizeof bk);
	return ret;
}

/* Header and keyring lengths agree with the buffer. */
static int prefix_shape_ok(const uint8_t *prefix, size_t len)
{
	struct backup_header h;

	return backup_header_parse(&h, prefix, len) == CRYPTO_OK &&
	       backup_prefix_len(&h) == len;
}

static void checksum(const uint8_t *prefix, size_t body, uint8_t out[BACKUP_SUM_BYTES])
{
	crypto_generichash(out, BACKUP_SUM_BYTES, prefix, body, NULL, 0);
}

static int mac(const uint8_t *prefix, size_t body,
	       const uint8_t master[MASTER_KEY_BYTES], uint8_t out[BACKUP_MAC_BYTES])
{
	uint8_t key[SUBKEY_BYTES];
	int ret = derive_key(key, BACKUP_KEY_MAC, master);

	if (!ret)
		crypto_generichash(out, BACKUP_MAC_BYTES, prefix, body, key, sizeof key);
	sodium_memzero(key, sizeof key);
	return ret;
}

int backup_prefix_check(const struct backup_header *h, const uint8_t *prefix,
			size_t len, const uint8_t **keyring)
{
	uint8_t sum[BACKUP_SUM_BYTES];
	size_t body;

	if (len != backup_prefix_len(h) || !prefix_shape_ok(prefix, len))
		return CRYPTO_ERR_FORMAT;
	body = len - BACKUP_SUM_BYTES - BACKUP_MAC_BYTES;
	checksum(prefix, body, sum);
	if (sodium_memcmp(sum, prefix + body, sizeof sum))
		return CRYPTO_ERR_FORMAT;
	*keyring = prefix + BACKUP_HEADER_BYTES;
	return CRYPTO_OK;
}

int backup_prefix_verify(const uint8_t *prefix, size_t len,
			 const uint8_t master[MASTER_KEY_BYTES])
{
	uint8_t want[BACKUP_MAC_BYTES];
	int ret;

	if (!prefix_shape_ok(prefix, len))
		return CRYPTO_ERR_FORMAT;
	ret = mac(prefix, len - BACKUP_MAC_BYTES, master, want);
	if (!ret && sodium_memcmp(want, prefix + len - BACKUP_MAC_BYTES, sizeof want))
		ret = CRYPTO_ERR_TAMPER;
	return ret;
}

int backup_prefix_seal(uint8_t *prefix, size_t len,
		       const uint8_t master[MASTER_KEY_BYTES])
{
	size_t body;

	if (!prefix_shape_ok(prefix, len))
		return CRYPTO_ERR_ARG;
	body = len - BACKUP_SUM_BYTES - BACKUP_MAC_BYTES;
	checksum(prefix, body, prefix + body);
	return mac(prefix, body + BACKUP_SUM_BYTES, master, prefix + len - BACKUP_MAC_BYTES);
}

/* ---- the stream ------------------------------------------------------------ */

static struct backup_stream *stream_alloc(const struct backup_header *h,
					  const uint8_t *prefix, size_t prefix_len)
{
	struct backup_stream *s = sodium_malloc(sizeof *s);

	if (!s)
		return NULL;
	memset(s, 0, sizeof *s);
	s->nchunks = backup_chunk_count(h);
	s->data_len = h->data_len;
	s->chunk_bytes = h->chunk_bytes;
	memcpy(s->ad, prefix + prefix_len - BACKUP_MAC_BYTES, BACKUP_MAC_BYTES);
	return s;
}

void backup_stream_free(struct backup_stream *s)
{
	if (s)
		sodium_free(s); /* wipes the state, which holds the key */
}

static size_t plain_len(const struct backup_stream *s)
{
	if (s->dead || s->next >= s->nchunks)
		return 0;
	if (s->next + 1 < s->nchunks)
		return s->chunk_bytes;
	return (size_t)(s->data_len - (s->nchunks - 1) * (uint64_t)s->chunk_bytes);
}

size_t backup_stream_next_len(const struct backup_stream *s)
{
	if (s->dead || s->next >= s->nchunks)
		return 0;
	return s->push ? plain_len(s) : plain_len(s) + BACKUP_ABYTES;
}

int backup_stream_done(const struct backup_stream *s)
{
	return !s->dead && s->next == s->nchunks;
}

int backup_stream_push_new(struct backup_stream **s, struct backup_header *h,
			   const uint8_t *keyring, size_t keyring_len,
			   const uint8_t master[MASTER_KEY_BYTES],
			   uint8_t **prefix, size_t *prefix_len)
{
	uint8_t key[SUBKEY_BYTES], *p = NULL;
	size_t len = 0;
	int ret;

	*s = NULL;
	*prefix = NULL;
	h->version = BACKUP_VERSION;
	h->keyring_len = (uint32_t)keyring_len;
	if (keyring_len > BACKUP_KEYRING_MAX || !header_fields_ok(h))
		return CRYPTO_ERR_ARG;
	ret = derive_key(key, BACKUP_KEY_STREAM, master);
	if (ret)
		goto out;
	len = backup_prefix_len(h);
	p = calloc(1, len);
	if (!p) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	*s = stream_alloc(h, p, len); /* the MAC is copied in below */
	if (!*s) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	(*s)->push = 1;
	crypto_secretstream_xchacha20poly1305_init_push(&(*s)->st, h->stream_header, key);
	header_bytes(h, p);
	memcpy(p + BACKUP_HEADER_BYTES, keyring, keyring_len);
	ret = backup_prefix_seal(p, len, master);
	if (ret)
		goto out;
	memcpy((*s)->ad, p + len - BACKUP_MAC_BYTES, BACKUP_MAC_BYTES);
	*prefix = p;
	*prefix_len = len;
	p = NULL;
out:
	sodium_memzero(key, sizeof key);
	free(p);
	if (ret) {
		backup_stream_free(*s);
		*s = NULL;
	}
	return ret;
}

int backup_stream_push(struct backup_stream *s, const uint8_t *in, size_t inlen,
		       uint8_t *out, size_t *outlen)
{
	int first = s->next == 0, last = s->next + 1 == s->nchunks;
	unsigned long long clen = 0;

	if (!s->push || s->dead || s->next >= s->nchunks || inlen != plain_len(s))
		return CRYPTO_ERR_ARG;
	crypto_secretstream_xchacha20poly1305_push(&s->st, out, &clen, in, inlen,
		first ? s->ad : NULL, first ? sizeof s->ad : 0,
		last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL :
		       crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	*outlen = (size_t)clen;
	s->next++;
	return CRYPTO_OK;
}

int backup_stream_pull_new(struct backup_stream **s, const struct backup_header *h,
			   const uint8_t *prefix, size_t prefix_len,
			   const uint8_t master[MASTER_KEY_BYTES])
{
	uint8_t key[SUBKEY_BYTES];
	int ret;

	*s = NULL;
	if (!header_fields_ok(h) || prefix_len != backup_prefix_len(h) ||
	    !prefix_shape_ok(prefix, prefix_len))
		return CRYPTO_ERR_FORMAT;
	ret = derive_key(key, BACKUP_KEY_STREAM, master);
	if (ret)
		goto out;
	*s = stream_alloc(h, prefix, prefix_len);
	if (!*s) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(&(*s)->st, h->stream_header,
							     key)) {
		ret = CRYPTO_ERR_FORMAT;
		backup_stream_free(*s);
		*s = NULL;
	}
out:
	sodium_memzero(key, sizeof key);
	return ret;
}

int backup_stream_pull(struct backup_stream *s, const uint8_t *in, size_t inlen,
		       uint8_t *out, size_t *outlen)
{
	int first = s->next == 0, last = s->next + 1 == s->nchunks;
	size_t want = backup_stream_next_len(s);
	unsigned long long mlen = 0;
	unsigned char tag = 0;
	int ret = CRYPTO_OK;

	if (s->push || !want || inlen != want) {
		ret = CRYPTO_ERR_TAMPER;
		goto out;
	}
	if (crypto_secretstream_xchacha20poly1305_pull(&s->st, out, &mlen, &tag, in,
			inlen, first ? s->ad : NULL, first ? sizeof s->ad : 0)) {
		ret = CRYPTO_ERR_TAMPER;
		goto out;
	}
	/* Only the writer's key can set a tag, but a wrong one for this place
	 * means a stream this format does not describe. */
	if (tag != (last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL :
			   crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)) {
		sodium_memzero(out, (size_t)mlen);
		ret = CRYPTO_ERR_TAMPER;
		goto out;
	}
	*outlen = (size_t)mlen;
	s->next++;
out:
	if (ret)
		s->dead = 1;
	return ret;
}
