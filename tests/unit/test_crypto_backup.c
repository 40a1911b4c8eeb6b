/*
 * crypto/backup: the envelope round-trips at every chunk boundary, and
 * refuses every byte flipped, every truncation, swapped, repeated and
 * dropped chunks, an edited header (with and without a recomputed
 * checksum), a stream spliced from another backup, a prefix sealed under
 * another register's key, and headers outside the accepted bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/backup.h"
#include "crypto/error.h"
#include "crypto/secure.h"

#define CHUNK 4096u

static uint8_t g_master[MASTER_KEY_BYTES];
static uint8_t g_other[MASTER_KEY_BYTES];
static const uint8_t g_keyring[] = "a keyring: opaque bytes to crypto/backup";

struct blob {
	uint8_t *p;
	size_t len;
};

static int group_setup(void **state)
{
	(void)state;
	if (crypto_init() != CRYPTO_OK)
		return -1;
	memset(g_master, 0x42, sizeof g_master);
	memset(g_other, 0x43, sizeof g_other);
	return 0;
}

static uint8_t *pattern(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + i / 251);
	return p;
}

/* A whole backup of data, in memory. */
static struct blob make(const uint8_t *master, const uint8_t *data, size_t dlen,
			uint32_t chunk)
{
	struct backup_header h;
	struct backup_stream *s = NULL;
	uint8_t *prefix = NULL;
	size_t plen = 0, off = 0, want, clen;
	struct blob b;

	memset(&h, 0, sizeof h);
	memset(h.register_id, 0x11, sizeof h.register_id);
	h.created = 1700000000;
	h.audit_seq = 7;
	memset(h.audit_hash, 0x22, sizeof h.audit_hash);
	h.schema = 3;
	h.data_len = dlen;
	h.chunk_bytes = chunk;
	assert_int_equal(backup_stream_push_new(&s, &h, g_keyring, sizeof g_keyring,
						master, &prefix, &plen), CRYPTO_OK);
	b.len = (size_t)backup_file_len(&h);
	b.p = malloc(b.len);
	assert_non_null(b.p);
	memcpy(b.p, prefix, plen);
	b.len = plen;
	while ((want = backup_stream_next_len(s)) != 0) {
		assert_int_equal(backup_stream_push(s, data + off, want, b.p + b.len,
						    &clen), CRYPTO_OK);
		assert_int_equal(clen, want + BACKUP_ABYTES);
		b.len += clen;
		off += want;
	}
	assert_int_equal(off, dlen);
	assert_int_equal(b.len, backup_file_len(&h));
	assert_true(backup_stream_done(s));
	backup_stream_free(s);
	free(prefix);
	return b;
}

/* What restore does, on a buffer: the first error, or 0 with the data. */
static int open_all(const uint8_t *buf, size_t len, const uint8_t *master,
		    uint8_t **data, size_t *dlen)
{
	struct backup_header h;
	struct backup_stream *s = NULL;
	const uint8_t *kr = NULL;
	uint8_t *out = NULL;
	size_t plen, off, want, got, total = 0;
	int ret = backup_header_parse(&h, buf, len);

	*data = NULL;
	if (ret)
		return ret;
	plen = backup_prefix_len(&h);
	if (len < plen)
		return CRYPTO_ERR_FORMAT;
	ret = backup_prefix_check(&h, buf, plen, &kr);
	if (ret)
		return ret;
	if (len != backup_file_len(&h))
		return CRYPTO_ERR_FORMAT;
	ret = backup_prefix_verify(buf, plen, master);
	if (!ret)
		ret = backup_stream_pull_new(&s, &h, buf, plen, master);
	if (ret)
		return ret;
	out = malloc((size_t)h.data_len + 1);
	assert_non_null(out);
	for (off = plen; !ret && (want = backup_stream_next_len(s)) != 0; off += want) {
		ret = backup_stream_pull(s, buf + off, want, out + total, &got);
		total += got;
	}
	if (!ret && !backup_stream_done(s))
		ret = CRYPTO_ERR_TAMPER;
	backup_stream_free(s);
	if (ret) {
		free(out);
		return ret;
	}
	*data = out;
	*dlen = total;
	return CRYPTO_OK;
}

static void test_round_trip(void **state)
{
	static const size_t sizes[] = { 1, 2, CHUNK - 1, CHUNK, CHUNK + 1,
					3 * CHUNK, 3 * CHUNK + 5 };
	size_t i, dlen;
	uint8_t *data, *got;
	struct blob b;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		data = pattern(sizes[i]);
		b = make(g_master, data, sizes[i], CHUNK);
		assert_int_equal(open_all(b.p, b.len, g_master, &got, &dlen), CRYPTO_OK);
		assert_int_equal(dlen, sizes[i]);
		if (dlen)
			assert_memory_equal(got, data, dlen);
		free(got);
		free(b.p);
		free(data);
	}
}

static void test_header_fields(void **state)
{
	struct backup_header h;
	const uint8_t *kr = NULL;
	uint8_t *data = pattern(100);
	struct blob b = make(g_master, data, 100, CHUNK);

	(void)state;
	assert_int_equal(backup_header_parse(&h, b.p, b.len), CRYPTO_OK);
	assert_int_equal(h.version, BACKUP_VERSION);
	assert_int_equal(h.chunk_bytes, CHUNK);
	assert_int_equal(h.created, 1700000000);
	assert_int_equal(h.audit_seq, 7);
	assert_int_equal(h.schema, 3);
	assert_int_equal(h.data_len, 100);
	assert_int_equal(h.keyring_len, sizeof g_keyring);
	assert_int_equal(backup_chunk_count(&h), 1);
	assert_int_equal(backup_prefix_check(&h, b.p, backup_prefix_len(&h), &kr), CRYPTO_OK);
	assert_memory_equal(kr, g_keyring, sizeof g_keyring);
	free(b.p);
	free(data);
}

static void test_wrong_key(void **state)
{
	uint8_t *data = pattern(2 * CHUNK), *got;
	struct blob b = make(g_master, data, 2 * CHUNK, CHUNK);
	size_t dlen;

	(void)state;
	assert_int_equal(open_all(b.p, b.len, g_other, &got, &dlen), CRYPTO_ERR_TAMPER);
	free(b.p);
	free(data);
}

static void test_every_byte_flipped(void **state)
{
	uint8_t *data = pattern(2 * CHUNK + 100), *got;
	struct blob b = make(g_master, data, 2 * CHUNK + 100, CHUNK);
	size_t i, dlen;

	(void)state;
	for (i = 0; i < b.len; i++) {
		b.p[i] ^= 0x01;
		assert_int_not_equal(open_all(b.p, b.len, g_master, &got, &dlen), CRYPTO_OK);
		b.p[i] ^= 0x01;
	}
	assert_int_equal(open_all(b.p, b.len, g_master, &got, &dlen), CRYPTO_OK);
	free(got);
	free(b.p);
	free(data);
}

static void test_every_truncation(void **state)
{
	uint8_t *data = pattern(2 * CHUNK + 100), *got;
	struct blob b = make(g_master, data, 2 * CHUNK + 100, CHUNK);
	size_t n, dlen;

	(void)state;
	for (n = 0; n < b.len; n++)
		assert_int_not_equal(open_all(b.p, n, g_master, &got, &dlen), CRYPTO_OK);
	free(b.p);
	free(data);
}

/* Chunk i's bytes in a backup of full chunks. */
static uint8_t *chunk_at(struct blob *b, size_t i)
{
	struct backup_header h;

	assert_int_equal(backup_header_parse(&h, b->p, b->len), CRYPTO_OK);
	return b->p + backup_prefix_len(&h) + i * (CHUNK + BACKUP_ABYTES);
}

static void test_chunks_swapped_repeated_dropped(void **state)
{
	const size_t clen = CHUNK + BACKUP_ABYTES;
	uint8_t *data = pattern(4 * CHUNK), *got, *tmp = malloc(clen);
	struct blob b = make(g_master, data, 4 * CHUNK, CHUNK);
	struct backup_header h;
	size_t dlen, plen;

	(void)state;
	assert_non_null(tmp);
	/* swap chunks 1 and 2 */
	memcpy(tmp, chunk_at(&b, 1), clen);
	memcpy(chunk_at(&b, 1), chunk_at(&b, 2), clen);
	memcpy(chunk_at(&b, 2), tmp, clen);
	assert_int_equal(open_all(b.p, b.len, g_master, &got, &dlen), CRYPTO_ERR_TAMPER);
	memcpy(chunk_at(&b, 2), chunk_at(&b, 1), clen);
	memcpy(chunk_at(&b, 1), tmp, clen);
	assert_int_equal(open_all(b.p, b.len, g_master, &got, &dlen), CRYPTO_OK);
	free(got);
	/* swap the first two: the first carries the MAC as its data */
	memcpy(tmp, chunk_at(&b, 0), clen);
	memcpy(chunk_at(&b, 0), chunk_at(&b, 1), clen);
	memcpy(chunk_at(&b, 1), tmp, clen);
	assert_int_equal(open_all(b.p, b.len, g_master, &got, &dlen), CRYPTO_ERR_TAMPER);
	memcpy(chunk_at(&b, 1), chunk_at(&b, 0), clen);
	memcpy(chunk_at(&b, 0), tmp, clen);
	/* chunk 2 repeated in place of chunk 3 (the final one) */
	memcpy(tmp, chunk_at(&b, 3), clen);
	memcpy(chunk_at(&b, 3), chunk_at(&b, 2), clen);
	assert_int_equal(open_all(b.p, b.len, g_master, &got, &dlen), CRYPTO_ERR_TAMPER);
	memcpy(chunk_at(&b, 3), tmp, clen);
	/* chunk 1 dropped: the file no longer has the length the header says */
	memmove(chunk_at(&b, 1), chunk_at(&b, 2), 2 * clen);
	assert_int_not_equal(open_all(b.p, b.len - clen, g_master, &got, &dlen), CRYPTO_OK);
	/* ... nor when the header is made to agree and resealed without the key */
	assert_int_equal(backup_header_parse(&h, b.p, b.len), CRYPTO_OK);
	plen = backup_prefix_len(&h);
	b.p[88] = (uint8_t)(3 * CHUNK); /* data_len little-endian: 3 chunks */
	b.p[89] = (uint8_t)((3 * CHUNK) >> 8);
	assert_int_equal(backup_prefix_seal(b.p, plen, g_other), CRYPTO_OK);
	assert_int_equal(open_all(b.p, b.len - clen, g_master, &got, &dlen), CRYPTO_ERR_TAMPER);
	free(tmp);
	free(b.p);
	free(data);
}

static void test_header_edited(void **state)
{
	static const size_t offsets[] = { 12, 16, 32, 40, 48, 80, 84, 88, 96, 119 };
	uint8_t *data = pattern(CHUNK + 10), *got;
	struct blob b = make(g_master, data, CHUNK + 10, CHUNK);
	struct backup_header h;
	size_t i, dlen, plen;

	(void)state;
	assert_int_equal(backup_header_parse(&h, b.p, b.len), CRYPTO_OK);
	plen = backup_prefix_len(&h);
	for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		uint8_t *copy = malloc(b.len);

		assert_non_null(copy);
		memcpy(copy, b.p, b.len);
		copy[offsets[i]] ^= 0x01;
		/* the checksum sees it, */
		assert_int_not_equal(open_all(copy, b.len, g_master, &got, &dlen), CRYPTO_OK);
		/* and with a checksum made to match, the MAC does */
		if (backup_header_parse(&h, copy, b.len) == CRYPTO_OK &&
		    backup_prefix_len(&h) == plen) {
			uint8_t sum[BACKUP_SUM_BYTES];

			crypto_generichash(sum, sizeof sum, copy,
					   plen - BACKUP_SUM_BYTES - BACKUP_MAC_BYTES, NULL, 0);
			memcpy(copy + plen - BACKUP_SUM_BYTES - BACKUP_MAC_BYTES, sum,
			       sizeof sum);
			assert_int_not_equal(open_all(copy, b.len, g_master, &got, &dlen),
					     CRYPTO_OK);
		}
		free(copy);
	}
	free(b.p);
	free(data);
}

/* The prefix of one backup with the stream of another, same key: the stream
 * header (nonce) and the first chunk's additional data do not match. */
static void test_spliced_stream(void **state)
{
	uint8_t *data = pattern(2 * CHUNK), *got;
	struct blob a = make(g_master, data, 2 * CHUNK, CHUNK);
	struct blob b = make(g_master, data, 2 * CHUNK, CHUNK);
	struct backup_header h;
	size_t dlen, plen;

	(void)state;
	assert_int_equal(backup_header_parse(&h, a.p, a.len), CRYPTO_OK);
	plen = backup_prefix_len(&h);
	assert_int_equal(a.len, b.len);
	memcpy(b.p, a.p, plen);
	assert_int_equal(open_all(b.p, b.len, g_master, &got, &dlen), CRYPTO_ERR_TAMPER);
	free(a.p);
	free(b.p);
	free(data);
}

/* A backup of another register sealed under its own key opens only with
 * that key. */
static void test_other_register(void **state)
{
	uint8_t *data = pattern(100), *got;
	struct blob b = make(g_other, data, 100, CHUNK);
	size_t dlen;

	(void)state;
	assert_int_equal(open_all(b.p, b.len, g_master, &got, &dlen), CRYPTO_ERR_TAMPER);
	assert_int_equal(open_all(b.p, b.len, g_other, &got, &dlen), CRYPTO_OK);
	free(got);
	free(b.p);
	free(data);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void test_header_bounds(void **state)
{
	uint8_t *data = pattern(10);
	struct blob b = make(g_master, data, 10, CHUNK);
	struct backup_header h;
	uint8_t head[BACKUP_HEADER_BYTES];

	(void)state;
	memcpy(head, b.p, sizeof head);
	assert_int_equal(backup_header_parse(&h, head, sizeof head - 1), CRYPTO_ERR_FORMAT);
	head[0] = 'X';
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	memcpy(head, b.p, sizeof head);
	head[8] = 2;
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_VERSION);
	memcpy(head, b.p, sizeof head);
	head[10] = 1;
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	memcpy(head, b.p, sizeof head);
	head[127] = 1;
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	memcpy(head, b.p, sizeof head);
	put32(head + 12, 5000); /* not a power of two */
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	put32(head + 12, 2048); /* too small */
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	put32(head + 12, 1u << 25); /* too large */
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	memcpy(head, b.p, sizeof head);
	put32(head + 84, 0); /* no keyring */
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	put32(head + 84, BACKUP_KEYRING_MAX + 1);
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	memcpy(head, b.p, sizeof head);
	memset(head + 88, 0xff, 8); /* an absurd database length */
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	memset(head + 88, 0, 8); /* none */
	assert_int_equal(backup_header_parse(&h, head, sizeof head), CRYPTO_ERR_FORMAT);
	free(b.p);
	free(data);
}

static void test_misuse(void **state)
{
	struct backup_header h;
	struct backup_stream *s = NULL;
	uint8_t *prefix = NULL, in[CHUNK], out[CHUNK + BACKUP_ABYTES];
	size_t plen = 0, clen = 0;

	(void)state;
	memset(&h, 0, sizeof h);
	memset(in, 0, sizeof in);
	h.chunk_bytes = CHUNK; /* nothing to back up */
	assert_int_equal(backup_stream_push_new(&s, &h, g_keyring, sizeof g_keyring,
						g_master, &prefix, &plen), CRYPTO_ERR_ARG);
	h.data_len = 10;
	h.chunk_bytes = 1000; /* not allowed */
	assert_int_equal(backup_stream_push_new(&s, &h, g_keyring, sizeof g_keyring,
						g_master, &prefix, &plen), CRYPTO_ERR_ARG);
	assert_null(s);
	h.chunk_bytes = CHUNK;
	assert_int_equal(backup_stream_push_new(&s, &h, g_keyring, sizeof g_keyring,
						g_master, &prefix, &plen), CRYPTO_OK);
	assert_int_equal(backup_stream_next_len(s), 10);
	assert_int_equal(backup_stream_push(s, in, 9, out, &clen), CRYPTO_ERR_ARG);
	assert_int_equal(backup_stream_pull(s, out, 27, in, &clen), CRYPTO_ERR_TAMPER);
	backup_stream_free(s);
	free(prefix);
	assert_int_equal(backup_prefix_seal(in, 10, g_master), CRYPTO_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_every_byte_flipped),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_chunks_swapped_repeated_dropped),
		cmocka_unit_test(test_header_edited),
		cmocka_unit_test(test_spliced_stream),
		cmocka_unit_test(test_other_register),
		cmocka_unit_test(test_header_bounds),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
