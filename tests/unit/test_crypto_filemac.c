/*
 * crypto/filemac.c: the register file's MAC as a keyed tree of 64 KiB
 * chunks (issue 12). A reseal that re-hashes only the recorded writes gives
 * the top a full scan gives; a change it was not told of is not taken in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "crypto/error.h"
#include "crypto/filemac.h"
#include "crypto/subkey.h"
#include "support.h"

#define C FILEMAC_CHUNK

static uint8_t g_master[MASTER_KEY_BYTES];

struct fx {
	char *dir, *path;
	int fd;
	struct filemac t;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	uint8_t *data = malloc(5 * C + 100);
	size_t i;

	if (!f || !data || sodium_init() < 0)
		return -1;
	randombytes_buf(g_master, sizeof g_master);
	for (i = 0; i < 5 * C + 100; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	f->dir = t_mkdtemp();
	f->path = t_path(f->dir, "file");
	t_spew(f->path, data, 5 * C + 100);
	free(data);
	f->fd = open(f->path, O_RDWR);
	filemac_init(&f->t);
	*state = f;
	return f->fd < 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	close(f->fd);
	filemac_free(&f->t);
	t_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* The top of the file as it is now, from a fresh full pass. */
static void scan_now(int fd, uint8_t top[FILEMAC_BYTES])
{
	struct filemac t;

	filemac_init(&t);
	assert_int_equal(filemac_scan(fd, g_master, &t, top, NULL), CRYPTO_OK);
	filemac_free(&t);
}

static void put(struct fx *f, uint64_t off, const void *p, size_t n, int record)
{
	assert_int_equal(pwrite(f->fd, p, n, (off_t)off), (ssize_t)n);
	if (record)
		filemac_write(&f->t, off, n);
}

/* The definition: chunk hashes salted by index, the top over size, count
 * and hashes; the flat MAC of the same pass is the old keyed BLAKE2b. */
static void test_definition(void **state)
{
	struct fx *f = *state;
	uint8_t top[32], flat[32], ref[32], key[32], salt[16] = { 0 }, head[16];
	uint8_t *data = NULL;
	size_t len = 0, i;
	crypto_generichash_blake2b_state st;

	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top, flat), CRYPTO_OK);
	assert_int_equal(f->t.size, 5 * C + 100);
	assert_int_equal(f->t.n, 6);
	data = t_slurp(f->path, &len);
	assert_int_equal(subkey_derive(key, SUBKEY_FILE_MAC, g_master), CRYPTO_OK);
	assert_int_equal(crypto_generichash(ref, 32, data, len, key, 32), 0);
	assert_memory_equal(flat, ref, 32);
	assert_memory_not_equal(top, flat, 32);
	for (i = 0; i < 6; i++) {
		salt[0] = (uint8_t)i;
		crypto_generichash_blake2b_init_salt_personal(&st, key, 32, 32, salt,
							      (const unsigned char *)"cdop-fmac-chunk1");
		crypto_generichash_blake2b_update(&st, data + i * C, i < 5 ? C : 100);
		crypto_generichash_blake2b_final(&st, ref, 32);
		assert_memory_equal(f->t.h[i], ref, 32);
	}
	memset(head, 0, sizeof head);
	head[0] = 100;
	head[2] = 5; /* 5 * 65536 + 100, little-endian */
	head[8] = 6;
	crypto_generichash_blake2b_init_salt_personal(&st, key, 32, 32, NULL,
						      (const unsigned char *)"cdop-fmac-top-v1");
	crypto_generichash_blake2b_update(&st, head, 16);
	crypto_generichash_blake2b_update(&st, f->t.h[0], 6 * 32);
	crypto_generichash_blake2b_final(&st, ref, 32);
	assert_memory_equal(top, ref, 32);
	/* Another master key, another top. */
	g_master[0] ^= 1;
	scan_now(f->fd, ref);
	g_master[0] ^= 1;
	assert_memory_not_equal(top, ref, 32);
	free(data);
}

/* Equal chunks at different places hash differently: a chunk moved to
 * another index is a change. */
static void test_index_bound(void **state)
{
	struct fx *f = *state;
	uint8_t top[32], *c0 = malloc(C);

	assert_non_null(c0);
	assert_int_equal(pread(f->fd, c0, C, 0), (ssize_t)C);
	put(f, C, c0, C, 0);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top, NULL), CRYPTO_OK);
	assert_memory_not_equal(f->t.h[0], f->t.h[1], 32);
	free(c0);
}

/* Writes recorded (inside a chunk, across two, appending, cutting): the
 * reseal re-hashes those chunks only and gives a full scan's top. */
static void test_reseal_matches_scan(void **state)
{
	struct fx *f = *state;
	uint8_t top[32], ref[32], page[4096];

	memset(page, 0xa5, sizeof page);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top, NULL), CRYPTO_OK);
	put(f, 3 * C + 4096, page, sizeof page, 1);
	put(f, 2 * C - 100, page, 200, 1);
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	scan_now(f->fd, ref);
	assert_memory_equal(top, ref, 32);
	/* grow by three pages (the old last chunk is reshaped) */
	put(f, 5 * C + 100, page, sizeof page, 1);
	put(f, 5 * C + 100 + 4096, page, sizeof page, 1);
	put(f, 5 * C + 100 + 8192, page, sizeof page, 1);
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	assert_int_equal(f->t.size, 5 * C + 100 + 3 * 4096);
	scan_now(f->fd, ref);
	assert_memory_equal(top, ref, 32);
	/* cut into chunk 2, then extended again by a write in chunk 4 */
	assert_int_equal(ftruncate(f->fd, 2 * C + 4096), 0);
	filemac_truncate(&f->t, 2 * C + 4096);
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	assert_int_equal(f->t.n, 3);
	scan_now(f->fd, ref);
	assert_memory_equal(top, ref, 32);
	put(f, 4 * C, page, sizeof page, 1);
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	scan_now(f->fd, ref);
	assert_memory_equal(top, ref, 32);
	/* nothing written: the same top */
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, ref), CRYPTO_OK);
	assert_memory_equal(top, ref, 32);
}

/* A byte changed where no write was recorded stays out of the top (the
 * next full check fails), and so do bytes appended behind cdop's back; a
 * recorded write's chunk is read as it is at the seal. */
static void test_unrecorded_change_not_sealed(void **state)
{
	struct fx *f = *state;
	uint8_t top[32], ref[32], b = 0x5a, page[4096] = { 1 };
	char list[64];

	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top, NULL), CRYPTO_OK);
	put(f, 1 * C + 10, page, sizeof page, 1);
	put(f, 3 * C + 77, &b, 1, 0); /* someone else, chunk 3 */
	filemac_dirty_list(&f->t, list, sizeof list);
	assert_string_equal(list, "1");
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	scan_now(f->fd, ref);
	assert_memory_not_equal(top, ref, 32);

	/* appended by someone else: the sealed size is cdop's */
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top, NULL), CRYPTO_OK);
	put(f, 5 * C + 100, page, sizeof page, 0);
	put(f, 10, &b, 1, 1);
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	assert_int_equal(f->t.size, 5 * C + 100);
	scan_now(f->fd, ref);
	assert_memory_not_equal(top, ref, 32);

	/* cut by someone else: the top keeps the size cdop left */
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top, NULL), CRYPTO_OK);
	put(f, 10, &b, 1, 1);
	assert_int_equal(ftruncate(f->fd, 5 * C), 0);
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	scan_now(f->fd, ref);
	assert_memory_not_equal(top, ref, 32);
}

/* Not valid (never scanned): the reseal is a full scan. */
static void test_reseal_without_scan(void **state)
{
	struct fx *f = *state;
	uint8_t top[32], ref[32];

	filemac_write(&f->t, 0, 10); /* ignored: nothing to mark against */
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	assert_true(f->t.valid);
	scan_now(f->fd, ref);
	assert_memory_equal(top, ref, 32);
	assert_int_equal(filemac_scan(-1, g_master, &f->t, top, NULL), CRYPTO_ERR_IO);
	assert_false(f->t.valid);
}

/* The flat MAC and the top see the last byte, the length, and nothing. */
static void test_edges(void **state)
{
	struct fx *f = *state;
	uint8_t top[32], flat[32], top2[32], flat2[32];

	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top, flat), CRYPTO_OK);
	t_flip(f->path, 5 * C + 99, 0x01);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top2, flat2), CRYPTO_OK);
	assert_memory_not_equal(top, top2, 32);
	assert_memory_not_equal(flat, flat2, 32);
	t_flip(f->path, 5 * C + 99, 0x01);
	assert_int_equal(ftruncate(f->fd, 5 * C + 99), 0);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top2, flat2), CRYPTO_OK);
	assert_int_equal(f->t.size, 5 * C + 99);
	assert_memory_not_equal(top, top2, 32);
	assert_memory_not_equal(flat, flat2, 32);
	/* a whole number of chunks, then empty */
	assert_int_equal(ftruncate(f->fd, 2 * C), 0);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top2, flat2), CRYPTO_OK);
	assert_int_equal(f->t.n, 2);
	assert_int_equal(ftruncate(f->fd, 0), 0);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, top2, flat2), CRYPTO_OK);
	assert_int_equal(f->t.size, 0);
	assert_int_equal(f->t.n, 0);
	assert_memory_not_equal(top2, flat2, 32);
}

/* A file of many chunks is hashed on two threads without the flat MAC
 * (and in one pass with it): the same chunk hashes and the same top, for
 * a last chunk short, whole, and a file of one chunk more than a part. */
static void test_two_threads(void **state)
{
	struct fx *f = *state;
	static const uint64_t sizes[] = { 70 * C + 123, 64 * C, 33 * C + 1, 32 * C, 0 };
	uint8_t *data = malloc(70 * C + 123), one[32], two[32], flat[32];
	struct filemac seq;

	assert_non_null(data);
	for (size_t i = 0; i < 70 * C + 123; i++)
		data[i] = (uint8_t)(i * 13 + (i >> 11));
	put(f, 0, data, 70 * C + 123, 0);
	free(data);
	for (size_t k = 0; sizes[k]; k++) {
		assert_int_equal(ftruncate(f->fd, (off_t)sizes[k]), 0);
		filemac_init(&seq);
		assert_int_equal(filemac_scan(f->fd, g_master, &seq, one, flat), CRYPTO_OK);
		assert_int_equal(filemac_scan(f->fd, g_master, &f->t, two, NULL), CRYPTO_OK);
		assert_int_equal(seq.size, sizes[k]);
		assert_int_equal(f->t.size, sizes[k]);
		assert_int_equal(f->t.n, seq.n);
		assert_memory_equal(f->t.h[0], seq.h[0], seq.n * 32);
		assert_memory_equal(one, two, 32);
		filemac_free(&seq);
	}
	/* a change in the second thread's half is seen */
	t_flip(f->path, 20 * C + 5, 0x40);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, one, NULL), CRYPTO_OK);
	assert_memory_not_equal(one, two, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_definition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reseal_matches_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unrecorded_change_not_sealed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reseal_without_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
