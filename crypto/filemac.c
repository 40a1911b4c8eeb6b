#include "crypto/filemac.h"
#include "crypto/bytes.h"
#include "crypto/error.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char chunk_personal[16] = "cdop-fmac-chunk1";
static const unsigned char top_personal[16] = "cdop-fmac-top-v1";

void filemac_init(struct filemac *t)
{
	memset(t, 0, sizeof *t);
}

void filemac_free(struct filemac *t)
{
	free(t->h);
	free(t->dirty);
	filemac_init(t);
}

static size_t chunks_of(uint64_t size)
{
	return (size_t)((size + FILEMAC_CHUNK - 1) / FILEMAC_CHUNK);
}

/* Room for chunk indexes below want; new entries are clean. */
static int grow(struct filemac *t, size_t want)
{
	size_t cap = t->cap ? t->cap : 64;
	uint8_t(*h)[FILEMAC_BYTES];
	uint8_t *dirty;

	if (want <= t->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	h = realloc(t->h, cap * sizeof *h);
	if (!h)
		return -1;
	t->h = h;
	dirty = realloc(t->dirty, cap);
	if (!dirty)
		return -1;
	memset(dirty + t->cap, 0, cap - t->cap);
	t->dirty = dirty;
	t->cap = cap;
	return 0;
}

static void chunk_hash(const uint8_t key[SUBKEY_BYTES], uint64_t index, const uint8_t *p,
		       size_t len, uint8_t out[FILEMAC_BYTES])
{
	crypto_generichash_blake2b_state st;
	unsigned char salt[16] = { 0 };

	le64_put(salt, index);
	crypto_generichash_blake2b_init_salt_personal(&st, key, SUBKEY_BYTES, FILEMAC_BYTES,
						      salt, chunk_personal);
	crypto_generichash_blake2b_update(&st, p, len);
	crypto_generichash_blake2b_final(&st, out, FILEMAC_BYTES);
}

static void top_hash(const uint8_t key[SUBKEY_BYTES], const struct filemac *t,
		     uint8_t out[FILEMAC_BYTES])
{
	crypto_generichash_blake2b_state st;
	uint8_t head[16];

	le64_put(head, t->size);
	le64_put(head + 8, (uint64_t)t->n);
	crypto_generichash_blake2b_init_salt_personal(&st, key, SUBKEY_BYTES, FILEMAC_BYTES,
						      NULL, top_personal);
	crypto_generichash_blake2b_update(&st, head, sizeof head);
	if (t->n)
		crypto_generichash_blake2b_update(&st, t->h[0], t->n * FILEMAC_BYTES);
	crypto_generichash_blake2b_final(&st, out, FILEMAC_BYTES);
}

/* Up to FILEMAC_CHUNK bytes at chunk I, fewer at the end of the file or at
 * LIMIT; the count, or -1 (errno). */
static ssize_t chunk_read(int fd, uint64_t i, uint64_t limit, uint8_t *buf)
{
	uint64_t off = i * FILEMAC_CHUNK, want = FILEMAC_CHUNK;
	size_t got = 0;
	ssize_t n;

	if (off >= limit)
		return 0;
	if (limit - off < want)
		want = limit - off;
	while (got < want) {
		n = pread(fd, buf + got, (size_t)want - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * Chunks [lo, hi) of the file hashed into t->h (entries allocated): a
 * part of a scan, run on a thread of its own or on the caller's. It stops
 * at the first chunk shorter than FILEMAC_CHUNK (the file ends there, or
 * was cut meanwhile): short is its index (hi if none) and short_len its
 * length (0 at the end of the file).
 */
struct scan_part {
	int fd;
	const uint8_t *key;
	struct filemac *t;
	uint64_t lo, hi, short_at;
	size_t short_len;
	int err;            /* errno of a failed read, else 0 */
	int nomem;
};

static void *scan_part_run(void *arg)
{
	struct scan_part *p = arg;
	uint8_t *buf = malloc(FILEMAC_CHUNK);
	ssize_t got;

	p->short_at = p->hi;
	p->short_len = 0;
	if (!buf) {
		p->nomem = 1;
		return NULL;
	}
	for (uint64_t i = p->lo; i < p->hi; i++) {
		got = chunk_read(p->fd, i, UINT64_MAX, buf);
		if (got < 0) {
			p->err = errno ? errno : EIO;
			break;
		}
		if (got)
			chunk_hash(p->key, i, buf, (size_t)got, p->t->h[i]);
		if ((size_t)got < FILEMAC_CHUNK) {
			p->short_at = i;
			p->short_len = (size_t)got;
			break;
		}
	}
	free(buf);
	return NULL;
}

/* Below this many chunks a second thread costs more than it saves. */
#define SCAN_THREAD_MIN 32
#define SCAN_ALONE 1

/*
 * The chunks the file had when the scan began, hashed on two threads (the
 * chunk hashes are independent; the tree is the same): the first half on
 * the caller's, the second on another. The bytes read are those of one
 * sequential pass; a chunk short of FILEMAC_CHUNK ends the file there, as
 * in that pass. *total: the bytes covered; *more: the file may go on past
 * them (every chunk was whole). CRYPTO_OK, CRYPTO_ERR_IO (errno) or
 * CRYPTO_ERR_NOMEM; SCAN_ALONE when the file is small or no thread could
 * be made (the caller reads it alone).
 */
static int scan_parallel(int fd, const uint8_t key[SUBKEY_BYTES], struct filemac *t,
			 uint64_t *total, int *more)
{
	struct scan_part part[2];
	struct stat st;
	pthread_t th;
	uint64_t n;
	int ret = CRYPTO_OK;

	if (fstat(fd, &st) || st.st_size <= 0 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return SCAN_ALONE;
	n = (uint64_t)st.st_size / FILEMAC_CHUNK;
	if (n < SCAN_THREAD_MIN || n >= SIZE_MAX / FILEMAC_BYTES)
		return SCAN_ALONE;
	if (grow(t, (size_t)n))
		return CRYPTO_ERR_NOMEM;
	memset(part, 0, sizeof part);
	for (int k = 0; k < 2; k++) {
		part[k].fd = fd;
		part[k].key = key;
		part[k].t = t;
	}
	part[0].hi = part[1].lo = n / 2;
	part[1].hi = n;
	if (pthread_create(&th, NULL, scan_part_run, &part[1]))
		return SCAN_ALONE;
	scan_part_run(&part[0]);
	pthread_join(th, NULL);
	for (int k = 0; k < 2 && !ret; k++) {
		if (part[k].nomem)
			ret = CRYPTO_ERR_NOMEM;
		else if (part[k].err) {
			errno = part[k].err;
			ret = CRYPTO_ERR_IO;
		}
	}
	if (ret)
		return ret;
	/* The first short chunk ends the file, whichever part met it. */
	for (int k = 0; k < 2; k++) {
		if (part[k].short_at < part[k].hi) {
			*total = part[k].short_at * FILEMAC_CHUNK + part[k].short_len;
			*more = 0;
			return CRYPTO_OK;
		}
	}
	*total = n * FILEMAC_CHUNK;
	*more = 1;
	return CRYPTO_OK;
}

int filemac_scan(int fd, const uint8_t master[MASTER_KEY_BYTES], struct filemac *t,
		 uint8_t top[FILEMAC_BYTES], uint8_t flat[FILEMAC_BYTES])
{
	crypto_generichash_state fst;
	uint8_t key[SUBKEY_BYTES], *buf = NULL;
	uint64_t i = 0, total = 0;
	ssize_t got;
	int ret = subkey_derive(key, SUBKEY_FILE_MAC, master), more = 1;

	t->valid = 0;
	if (ret)
		return ret;
	/* The flat MAC of an older register is one sequential pass. */
	if (!flat) {
		ret = scan_parallel(fd, key, t, &total, &more);
		if (ret == SCAN_ALONE)
			ret = CRYPTO_OK;
		else if (ret)
			goto out;
		i = total / FILEMAC_CHUNK;
	}
	buf = malloc(FILEMAC_CHUNK);
	if (!buf) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	if (flat)
		crypto_generichash_init(&fst, key, SUBKEY_BYTES, FILEMAC_BYTES);
	for (; more; i++) {
		got = chunk_read(fd, i, UINT64_MAX, buf);
		if (got < 0) {
			ret = CRYPTO_ERR_IO;
			goto out;
		}
		if (got == 0)
			break;
		if (grow(t, (size_t)i + 1)) {
			ret = CRYPTO_ERR_NOMEM;
			goto out;
		}
		chunk_hash(key, i, buf, (size_t)got, t->h[i]);
		if (flat)
			crypto_generichash_update(&fst, buf, (size_t)got);
		total += (uint64_t)got;
		if ((size_t)got < FILEMAC_CHUNK)
			break;
	}
	if (flat)
		crypto_generichash_final(&fst, flat, FILEMAC_BYTES);
	t->size = t->cur = total;
	t->n = chunks_of(total);
	if (t->cap)
		memset(t->dirty, 0, t->cap);
	t->lost = 0;
	t->valid = 1;
	top_hash(key, t, top);
out:
	sodium_memzero(key, sizeof key);
	free(buf);
	return ret;
}

/* Chunks covering [lo, hi) are to be hashed again. */
static void mark(struct filemac *t, uint64_t lo, uint64_t hi)
{
	uint64_t i, last;

	if (!t->valid || hi <= lo)
		return;
	last = (hi - 1) / FILEMAC_CHUNK;
	if (last >= SIZE_MAX / FILEMAC_BYTES || grow(t, (size_t)last + 1)) {
		t->lost = 1;
		return;
	}
	for (i = lo / FILEMAC_CHUNK; i <= last; i++)
		t->dirty[i] = 1;
}

void filemac_write(struct filemac *t, uint64_t off, uint64_t len)
{
	if (!t->valid || !len)
		return;
	if (off + len < off) {
		t->lost = 1;
		return;
	}
	mark(t, off, off + len);
	if (off + len > t->cur)
		t->cur = off + len;
}

void filemac_truncate(struct filemac *t, uint64_t size)
{
	if (!t->valid || size == t->cur)
		return;
	if (size < t->cur)
		mark(t, size, t->cur);
	else
		mark(t, t->cur, size);
	t->cur = size;
}

int filemac_reseal(int fd, const uint8_t master[MASTER_KEY_BYTES], struct filemac *t,
		   uint8_t top[FILEMAC_BYTES])
{
	uint8_t key[SUBKEY_BYTES], *buf = NULL;
	uint64_t size = t->cur;
	size_t i, n = chunks_of(size);
	ssize_t got;
	int ret;

	if (!t->valid || t->lost)
		return filemac_scan(fd, master, t, top, NULL);
	ret = subkey_derive(key, SUBKEY_FILE_MAC, master);
	if (ret)
		return ret;
	if (grow(t, n) || !(buf = malloc(FILEMAC_CHUNK))) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	/* A size change reshapes the old last chunk and the new one. */
	if (size != t->size) {
		if (t->size)
			t->dirty[(t->size - 1) / FILEMAC_CHUNK] = 1;
		if (size)
			t->dirty[(size - 1) / FILEMAC_CHUNK] = 1;
	}
	for (i = 0; i < n; i++) {
		if (i < t->n && !t->dirty[i])
			continue;
		/* Short (cut by someone else): hashed as found; the size in
		 * the top is what cdop left, so the next check fails. */
		got = chunk_read(fd, i, size, buf);
		if (got < 0) {
			ret = CRYPTO_ERR_IO;
			t->valid = 0;
			goto out;
		}
		chunk_hash(key, i, buf, (size_t)got, t->h[i]);
	}
	if (t->cap)
		memset(t->dirty, 0, t->cap);
	t->size = size;
	t->n = n;
	top_hash(key, t, top);
out:
	sodium_memzero(key, sizeof key);
	free(buf);
	return ret;
}

void filemac_dirty_list(const struct filemac *t, char *out, size_t len)
{
	size_t i, o = 0;
	int w;

	if (len)
		out[0] = 0;
	for (i = 0; i < t->cap && t->valid; i++) {
		if (!t->dirty[i])
			continue;
		w = snprintf(out + o, len - o, "%s%zu", o ? "," : "", i);
		if (w < 0 || (size_t)w >= len - o) {
			out[o] = 0;
			return;
		}
		o += (size_t)w;
	}
}
