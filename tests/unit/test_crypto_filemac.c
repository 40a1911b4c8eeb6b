/*
 * crypto/filemac.c: the register file's MAC as a tree of 64 KiB chunks
 * under a keyed top (issue 12; kind 2 since issue 9). A reseal that
 * re-hashes only the recorded writes gives the top a full scan gives; a
 * change it was not told of is not taken in. Kind 2's definition is pinned
 * by vectors computed independently (Python's hashlib.blake2b); kinds 0
 * and 1 are still checked and a reseal after them writes kind 2; the
 * chunk hashes begun before the key is known (filemac_start) are the
 * same as a scan's.
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

	filemac_free(&f->t); /* first: a pass started may still read fd */
	close(f->fd);
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
	assert_int_equal(filemac_scan(fd, g_master, &t, FILEMAC_TREE2, top), CRYPTO_OK);
	filemac_free(&t);
}

static void put(struct fx *f, uint64_t off, const void *p, size_t n, int record)
{
	assert_int_equal(pwrite(f->fd, p, n, (off_t)off), (ssize_t)n);
	if (record)
		filemac_write(&f->t, off, n);
}

/*
 * Kind 2 (written): chunk i's hash unkeyed BLAKE2b-256, salt le64(i),
 * personalisation "cdop-fmac-chunk2"; the top keyed with SUBKEY_FILE_MAC,
 * personalisation "cdop-fmac-top-v2", over le64(size) || le64(n) || the
 * hashes. The vectors were computed with Python's hashlib.blake2b for the
 * fixture's file (data[i] = i * 7 + (i >> 9), 5 * 65536 + 100 bytes) and
 * master key bytes 0..31:
 *   key = blake2b(b"", digest_size=32, key=master,
 *                 salt=pack("<Q", 7) + bytes(8), person=b"cdop-reg" + bytes(8))
 *   h[i] = blake2b(chunk_i, digest_size=32, salt=pack("<Q", i) + bytes(8),
 *                  person=b"cdop-fmac-chunk2")
 *   top = blake2b(pack("<QQ", size, n) + h[0] + ... + h[n-1],
 *                 digest_size=32, key=key, person=b"cdop-fmac-top-v2")
 */
static void test_definition_kind2(void **state)
{
	static const char *subkey = "551fd9bfaad464344e3dd10d1502af1fac124b736e60d3a539dce1c0d0f59ee7",
			  *h0 = "ec324935bea2fe4d34c62a2bec163ec612ed56082a0658c2df2d298345d6a908",
			  *h5 = "3abfa2d6efe49ff52271e41693c052682a886f190fde10ce5e287dedb4d4beac",
			  *top_full = "ef7c65a02517f0f47c52202d3c003377f2da5a557b1611120a29d9c54c46900d",
			  *top_empty = "e425097be389d12e63970fe5a90cbd53ba1866d5c64127b367e8c83faa24cfd4";
	struct fx *f = *state;
	uint8_t master[MASTER_KEY_BYTES], key[32], top[32];
	char hex[65];

	for (size_t i = 0; i < sizeof master; i++)
		master[i] = (uint8_t)i;
	assert_int_equal(subkey_derive(key, SUBKEY_FILE_MAC, master), CRYPTO_OK);
	assert_string_equal(sodium_bin2hex(hex, sizeof hex, key, 32), subkey);
	assert_int_equal(filemac_scan(f->fd, master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
	assert_int_equal(f->t.n, 6);
	assert_string_equal(sodium_bin2hex(hex, sizeof hex, f->t.h[0], 32), h0);
	assert_string_equal(sodium_bin2hex(hex, sizeof hex, f->t.h[5], 32), h5);
	assert_string_equal(sodium_bin2hex(hex, sizeof hex, top, 32), top_full);
	/* the chunk hashes need no key; the top does */
	master[0] ^= 1;
	assert_int_equal(filemac_scan(f->fd, master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
	assert_string_equal(sodium_bin2hex(hex, sizeof hex, f->t.h[5], 32), h5);
	assert_string_not_equal(sodium_bin2hex(hex, sizeof hex, top, 32), top_full);
	master[0] ^= 1;
	assert_int_equal(ftruncate(f->fd, 0), 0);
	assert_int_equal(filemac_scan(f->fd, master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
	assert_int_equal(f->t.n, 0);
	assert_string_equal(sodium_bin2hex(hex, sizeof hex, top, 32), top_empty);
}

/* The older kinds, computed from the same pass (the kind-1 tree: chunk
 * hashes keyed, salted by index, under a keyed top; the flat MAC: keyed
 * BLAKE2b of the whole file), which leaves the kind-2 chunk hashes. */
static void test_definition_old_kinds(void **state)
{
	struct fx *f = *state;
	uint8_t top[32], flat[32], ref[32], key[32], salt[16] = { 0 }, head[16], h1[6][32];
	uint8_t two[6][32];
	uint8_t *data = NULL;
	size_t len = 0, i;
	crypto_generichash_blake2b_state st;

	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
	memcpy(two, f->t.h, sizeof two);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_FLAT, flat), CRYPTO_OK);
	assert_memory_equal(f->t.h, two, sizeof two);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE, top), CRYPTO_OK);
	assert_memory_equal(f->t.h, two, sizeof two);
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
		crypto_generichash_blake2b_final(&st, h1[i], 32);
		assert_memory_not_equal(f->t.h[i], h1[i], 32);
	}
	memset(head, 0, sizeof head);
	head[0] = 100;
	head[2] = 5; /* 5 * 65536 + 100, little-endian */
	head[8] = 6;
	crypto_generichash_blake2b_init_salt_personal(&st, key, 32, 32, NULL,
						      (const unsigned char *)"cdop-fmac-top-v1");
	crypto_generichash_blake2b_update(&st, head, 16);
	crypto_generichash_blake2b_update(&st, h1[0], 6 * 32);
	crypto_generichash_blake2b_final(&st, ref, 32);
	assert_memory_equal(top, ref, 32);
	/* Another master key, another top. */
	g_master[0] ^= 1;
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE, ref), CRYPTO_OK);
	g_master[0] ^= 1;
	assert_memory_not_equal(top, ref, 32);
	free(data);
}

/* An older register resealed: the writes recorded after a kind-0 or
 * kind-1 check give the kind-2 top of a full scan, and a change made
 * behind cdop's back after that check is not taken in. */
static void test_upgrade(void **state)
{
	static const enum filemac_kind kinds[] = { FILEMAC_FLAT, FILEMAC_TREE };
	struct fx *f = *state;
	uint8_t mac[32], top[32], ref[32], b = 0x77, page[4096];

	memset(page, 0x3c, sizeof page);
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(filemac_scan(f->fd, g_master, &f->t, kinds[k], mac), CRYPTO_OK);
		put(f, 2 * C + 4096 * k, page, sizeof page, 1);
		assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
		scan_now(f->fd, ref);
		assert_memory_equal(top, ref, 32);
		assert_memory_not_equal(top, mac, 32);

		assert_int_equal(filemac_scan(f->fd, g_master, &f->t, kinds[k], mac), CRYPTO_OK);
		put(f, 10, page, 100, 1);
		put(f, 4 * C + 9, &b, 1, 0); /* someone else */
		b++;
		assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
		scan_now(f->fd, ref);
		assert_memory_not_equal(top, ref, 32);
	}
}

/* Begun before the key is known (while the unlock runs), finished by the
 * scan: the same chunk hashes and top as a scan alone, at sizes from one
 * chunk to many, a last chunk short and whole; abandoned, nothing is
 * valid; a scan of another kind or another file does not use it. */
static void test_started(void **state)
{
	static const uint64_t sizes[] = { 70 * C + 123, 64 * C, 33 * C + 1, 4 * C, 3 * C + 7,
					  C, 100, 0 };
	struct fx *f = *state;
	uint8_t *data = malloc(70 * C + 123), one[32], two[32], old[32];
	struct filemac seq;
	int fd2;

	assert_non_null(data);
	for (size_t i = 0; i < 70 * C + 123; i++)
		data[i] = (uint8_t)(i * 11 + (i >> 10));
	put(f, 0, data, 70 * C + 123, 0);
	free(data);
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		assert_int_equal(ftruncate(f->fd, (off_t)sizes[k]), 0);
		filemac_init(&seq);
		assert_int_equal(filemac_scan(f->fd, g_master, &seq, FILEMAC_FLAT, one), CRYPTO_OK);
		assert_int_equal(filemac_scan(f->fd, g_master, &seq, FILEMAC_TREE2, one),
				 CRYPTO_OK);
		filemac_start(f->fd, &f->t);
		assert_false(f->t.valid);
		assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, two),
				 CRYPTO_OK);
		assert_null(f->t.pass);
		assert_int_equal(f->t.size, sizes[k]);
		assert_int_equal(f->t.n, seq.n);
		if (seq.n)
			assert_memory_equal(f->t.h[0], seq.h[0], seq.n * 32);
		assert_memory_equal(one, two, 32);
		filemac_free(&seq);
	}
	assert_int_equal(ftruncate(f->fd, 70 * C + 123), 0);
	scan_now(f->fd, one);
	/* a change anywhere is seen */
	t_flip(f->path, 50 * C + 5, 0x04);
	filemac_start(f->fd, &f->t);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, two), CRYPTO_OK);
	assert_memory_not_equal(one, two, 32);
	t_flip(f->path, 50 * C + 5, 0x04);
	/* abandoned */
	filemac_start(f->fd, &f->t);
	filemac_stop(&f->t);
	assert_false(f->t.valid);
	assert_null(f->t.pass);
	filemac_stop(&f->t);
	/* a kind-1 check does not take the started pass's hashes */
	filemac_init(&seq);
	assert_int_equal(filemac_scan(f->fd, g_master, &seq, FILEMAC_TREE, old), CRYPTO_OK);
	filemac_free(&seq);
	filemac_start(f->fd, &f->t);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE, two), CRYPTO_OK);
	assert_memory_equal(old, two, 32);
	/* nor does a scan of another file */
	fd2 = open(f->path, O_RDONLY);
	assert_true(fd2 >= 0);
	t_flip(f->path, 1, 0x01);
	filemac_start(f->fd, &f->t);
	assert_int_equal(ftruncate(f->fd, 70 * C), 0);
	assert_int_equal(filemac_scan(fd2, g_master, &f->t, FILEMAC_TREE2, two), CRYPTO_OK);
	scan_now(fd2, one);
	assert_memory_equal(one, two, 32);
	close(fd2);
	/* freed while running */
	filemac_start(f->fd, &f->t);
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
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
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
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
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

	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
	put(f, 1 * C + 10, page, sizeof page, 1);
	put(f, 3 * C + 77, &b, 1, 0); /* someone else, chunk 3 */
	filemac_dirty_list(&f->t, list, sizeof list);
	assert_string_equal(list, "1");
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	scan_now(f->fd, ref);
	assert_memory_not_equal(top, ref, 32);

	/* appended by someone else: the sealed size is cdop's */
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
	put(f, 5 * C + 100, page, sizeof page, 0);
	put(f, 10, &b, 1, 1);
	assert_int_equal(filemac_reseal(f->fd, g_master, &f->t, top), CRYPTO_OK);
	assert_int_equal(f->t.size, 5 * C + 100);
	scan_now(f->fd, ref);
	assert_memory_not_equal(top, ref, 32);

	/* cut by someone else: the top keeps the size cdop left */
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
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
	assert_int_equal(filemac_scan(-1, g_master, &f->t, FILEMAC_TREE2, top), CRYPTO_ERR_IO);
	assert_false(f->t.valid);
}

/* The flat MAC and the top see the last byte, the length, and nothing. */
static void test_edges(void **state)
{
	struct fx *f = *state;
	uint8_t top[32], flat[32], top2[32], flat2[32];

	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top), CRYPTO_OK);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_FLAT, flat), CRYPTO_OK);
	t_flip(f->path, 5 * C + 99, 0x01);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top2), CRYPTO_OK);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_FLAT, flat2), CRYPTO_OK);
	assert_memory_not_equal(top, top2, 32);
	assert_memory_not_equal(flat, flat2, 32);
	t_flip(f->path, 5 * C + 99, 0x01);
	assert_int_equal(ftruncate(f->fd, 5 * C + 99), 0);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top2), CRYPTO_OK);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_FLAT, flat2), CRYPTO_OK);
	assert_int_equal(f->t.size, 5 * C + 99);
	assert_memory_not_equal(top, top2, 32);
	assert_memory_not_equal(flat, flat2, 32);
	/* a whole number of chunks, then empty */
	assert_int_equal(ftruncate(f->fd, 2 * C), 0);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top2), CRYPTO_OK);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_FLAT, flat2), CRYPTO_OK);
	assert_int_equal(f->t.n, 2);
	assert_int_equal(ftruncate(f->fd, 0), 0);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, top2), CRYPTO_OK);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_FLAT, flat2), CRYPTO_OK);
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
		assert_int_equal(filemac_scan(f->fd, g_master, &seq, FILEMAC_FLAT, flat), CRYPTO_OK);
		assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, two),
				 CRYPTO_OK);
		assert_int_equal(seq.size, sizes[k]);
		assert_int_equal(f->t.size, sizes[k]);
		assert_int_equal(f->t.n, seq.n);
		assert_memory_equal(f->t.h[0], seq.h[0], seq.n * 32);
		filemac_free(&seq);
	}
	/* a change in the second thread's half is seen */
	t_flip(f->path, 20 * C + 5, 0x40);
	assert_int_equal(filemac_scan(f->fd, g_master, &f->t, FILEMAC_TREE2, one), CRYPTO_OK);
	assert_memory_not_equal(one, two, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_definition_kind2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_definition_old_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_started, setup, teardown),
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
