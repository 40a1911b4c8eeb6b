#include "crypto/filemac.h"
#include "crypto/bytes.h"
#include "crypto/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char chunk1_personal[16] = "cdop-fmac-chunk1";
static const unsigned char top1_personal[16] = "cdop-fmac-top-v1";
static const unsigned char chunk2_personal[16] = "cdop-fmac-chunk2";
static const unsigned char top2_personal[16] = "cdop-fmac-top-v2";

/*
 * A pass over the chunks the file had when it began, shared by up to two
 * workers (the caller and a thread of its own), each claiming the next
 * chunk from one counter: every chunk's kind-2 hash into t->h and, for a
 * kind-1 register, its kind-1 hash (keyed with key1) into old. A worker
 * stops at the first chunk shorter than FILEMAC_CHUNK (the file ends
 * there, or was cut meanwhile): short_at is its index (n if none) and
 * short_len its length.
 */
struct pass_worker {
	struct filemac_pass *p;
	uint64_t short_at;
	size_t short_len;
	int err;            /* errno of a failed read, else 0 */
	int nomem;
};

struct filemac_pass {
	int fd;
	struct filemac *t;
	const uint8_t *key1;        /* kind 1's key, or NULL */
	uint8_t (*old)[FILEMAC_BYTES];
	size_t old_cap;
	uint64_t n;                 /* whole chunks when the pass began */
	atomic_uint_fast64_t next;  /* the next chunk to claim */
	struct pass_worker w[2];    /* the caller's, the thread's */
	pthread_t th;
	int threaded;
};

void filemac_init(struct filemac *t)
{
	memset(t, 0, sizeof *t);
}

void filemac_free(struct filemac *t)
{
	filemac_stop(t);
	free(t->h);
	free(t->dirty);
	filemac_init(t);
}

static size_t chunks_of(uint64_t size)
{
	return (size_t)((size + FILEMAC_CHUNK - 1) / FILEMAC_CHUNK);
}

/* Hashes for want chunks in *h (cap of them now; *cap grows by doubling).
 * 0 or -1 (out of memory: *h unchanged). */
static int hashes_room(uint8_t (**h)[FILEMAC_BYTES], size_t *cap, size_t want)
{
	size_t n = *cap ? *cap : 64;
	uint8_t(*p)[FILEMAC_BYTES];

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	p = realloc(*h, n * sizeof *p);
	if (!p)
		return -1;
	*h = p;
	*cap = n;
	return 0;
}

/* Room for chunk indexes below want; new entries are clean. */
static int grow(struct filemac *t, size_t want)
{
	size_t cap = t->cap;
	uint8_t *dirty;

	if (want <= t->cap)
		return 0;
	if (hashes_room(&t->h, &cap, want))
		return -1;
	dirty = realloc(t->dirty, cap);
	if (!dirty)
		return -1;
	memset(dirty + t->cap, 0, cap - t->cap);
	t->dirty = dirty;
	t->cap = cap;
	return 0;
}

/* Room for want kind-1 chunk hashes (a kind-1 scan only). */
static int old_grow(struct filemac_pass *p, size_t want)
{
	return p->key1 ? hashes_room(&p->old, &p->old_cap, want) : 0;
}

/* Chunk INDEX's hash: kind 2 (key NULL, unkeyed: not secret) or kind 1
 * (keyed: the state is wiped, as the key is by the callers). */
static void chunk_hash(const uint8_t *key, const unsigned char personal[16], uint64_t index,
		       const uint8_t *p, size_t len, uint8_t out[FILEMAC_BYTES])
{
	crypto_generichash_blake2b_state st;
	unsigned char salt[16] = { 0 };

	le64_put(salt, index);
	crypto_generichash_blake2b_init_salt_personal(&st, key, key ? SUBKEY_BYTES : 0,
						      FILEMAC_BYTES, salt, personal);
	crypto_generichash_blake2b_update(&st, p, len);
	crypto_generichash_blake2b_final(&st, out, FILEMAC_BYTES);
	if (key)
		sodium_memzero(&st, sizeof st);
}

/* The keyed top over le64(size) || le64(n) || the n chunk hashes at h. */
static void top_hash(const uint8_t key[SUBKEY_BYTES], const unsigned char personal[16],
		     uint64_t size, size_t n, const uint8_t *h, uint8_t out[FILEMAC_BYTES])
{
	crypto_generichash_blake2b_state st;
	uint8_t head[16];

	le64_put(head, size);
	le64_put(head + 8, (uint64_t)n);
	crypto_generichash_blake2b_init_salt_personal(&st, key, SUBKEY_BYTES, FILEMAC_BYTES,
						      NULL, personal);
	crypto_generichash_blake2b_update(&st, head, sizeof head);
	if (n)
		crypto_generichash_blake2b_update(&st, h, n * FILEMAC_BYTES);
	crypto_generichash_blake2b_final(&st, out, FILEMAC_BYTES);
	sodium_memzero(&st, sizeof st);
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

/* Chunk I read (LEN bytes) hashed into the pass's tables. */
static void pass_hash(struct filemac_pass *p, uint64_t i, const uint8_t *buf, size_t len)
{
	chunk_hash(NULL, chunk2_personal, i, buf, len, p->t->h[i]);
	if (p->key1)
		chunk_hash(p->key1, chunk1_personal, i, buf, len, p->old[i]);
}

static void *pass_work(void *arg)
{
	struct pass_worker *w = arg;
	struct filemac_pass *p = w->p;
	uint8_t *buf = malloc(FILEMAC_CHUNK);
	uint64_t i;
	ssize_t got;

	if (!buf) {
		w->nomem = 1;
		return NULL;
	}
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		got = chunk_read(p->fd, i, UINT64_MAX, buf);
		if (got < 0) {
			w->err = errno ? errno : EIO;
			break;
		}
		if (got)
			pass_hash(p, i, buf, (size_t)got);
		if ((size_t)got < FILEMAC_CHUNK) {
			w->short_at = i;
			w->short_len = (size_t)got;
			break;
		}
	}
	free(buf);
	return NULL;
}

/* Below this many chunks a second thread costs more than it saves: in a
 * scan after the unlock, and in one started before it (which has the
 * whole Argon2id derivation to run beside). */
#define SCAN_THREAD_MIN 32
#define START_THREAD_MIN 4
#define PASS_NONE UINT64_MAX /* no chunks: the caller reads them in turn */

/*
 * Sets up a pass over the whole chunks fd has now (none when the file
 * cannot be measured, or thread_min is PASS_NONE: the caller's sequential
 * reading then does it all) and starts the second worker when there are at least thread_min of
 * them and two CPUs. CRYPTO_OK or CRYPTO_ERR_NOMEM.
 */
static int pass_begin(struct filemac_pass *p, int fd, struct filemac *t, const uint8_t *key1,
		      uint64_t thread_min)
{
	struct stat st;
	uint64_t n = 0;

	memset(p, 0, sizeof *p);
	p->fd = fd;
	p->t = t;
	p->key1 = key1;
	if (thread_min != PASS_NONE && !fstat(fd, &st) && st.st_size > 0)
		n = (uint64_t)st.st_size / FILEMAC_CHUNK;
	if (n >= SIZE_MAX / FILEMAC_BYTES)
		n = 0;
	if (grow(t, (size_t)n) || old_grow(p, (size_t)n))
		return CRYPTO_ERR_NOMEM;
	p->n = n;
	atomic_init(&p->next, 0);
	for (int k = 0; k < 2; k++) {
		p->w[k].p = p;
		p->w[k].short_at = n;
	}
	if (n >= thread_min && sysconf(_SC_NPROCESSORS_ONLN) >= 2 &&
	    !pthread_create(&p->th, NULL, pass_work, &p->w[1]))
		p->threaded = 1;
	return CRYPTO_OK;
}

/*
 * The caller works through what is left of the pass, then waits for the
 * thread. *total: the bytes covered; *more: the file may go on past them
 * (every chunk was whole). CRYPTO_OK, CRYPTO_ERR_IO (errno) or
 * CRYPTO_ERR_NOMEM.
 */
static int pass_end(struct filemac_pass *p, uint64_t *total, int *more)
{
	pass_work(&p->w[0]);
	if (p->threaded)
		pthread_join(p->th, NULL);
	p->threaded = 0;
	for (int k = 0; k < 2; k++) {
		if (p->w[k].nomem)
			return CRYPTO_ERR_NOMEM;
		if (p->w[k].err) {
			errno = p->w[k].err;
			return CRYPTO_ERR_IO;
		}
	}
	/* The first short chunk ends the file, whichever worker met it. */
	if (p->w[0].short_at < p->n || p->w[1].short_at < p->n) {
		int k = p->w[1].short_at < p->w[0].short_at;

		*total = p->w[k].short_at * FILEMAC_CHUNK + p->w[k].short_len;
		*more = 0;
		return CRYPTO_OK;
	}
	*total = p->n * FILEMAC_CHUNK;
	*more = 1;
	return CRYPTO_OK;
}

void filemac_start(int fd, struct filemac *t)
{
	struct filemac_pass *p;

	filemac_stop(t);
	t->valid = 0;
	p = malloc(sizeof *p);
	if (!p)
		return;
	if (pass_begin(p, fd, t, NULL, START_THREAD_MIN) || !p->threaded) {
		free(p);
		return;
	}
	t->pass = p;
}

void filemac_stop(struct filemac *t)
{
	struct filemac_pass *p = t->pass;

	if (!p)
		return;
	/* No chunk is claimed after this; the thread ends its current one. */
	atomic_store(&p->next, p->n);
	pthread_join(p->th, NULL);
	free(p);
	t->pass = NULL;
	t->valid = 0;
}

int filemac_scan(int fd, const uint8_t master[MASTER_KEY_BYTES], struct filemac *t,
		 enum filemac_kind kind, uint8_t mac[FILEMAC_BYTES])
{
	struct filemac_pass local, *p = t->pass;
	crypto_generichash_state fst;
	uint8_t key[SUBKEY_BYTES], *buf = NULL;
	uint64_t i, total = 0;
	ssize_t got;
	int ret, more = 1;

	/* A pass started for this file is finished here; any other is not
	 * what is asked for. */
	if (p && (kind != FILEMAC_TREE2 || p->fd != fd)) {
		filemac_stop(t);
		p = NULL;
	}
	t->pass = NULL;
	t->valid = 0;
	ret = subkey_derive(key, SUBKEY_FILE_MAC, master);
	if (!p && !ret) {
		/* The flat MAC of an older register is one sequential pass. */
		ret = pass_begin(&local, fd, t, kind == FILEMAC_TREE ? key : NULL,
				 kind == FILEMAC_FLAT ? PASS_NONE : SCAN_THREAD_MIN);
		if (ret)
			free(local.old);
		else
			p = &local;
	}
	if (p) {
		int end = pass_end(p, &total, &more);

		ret = ret ? ret : end;
	}
	if (ret)
		goto out;
	buf = malloc(FILEMAC_CHUNK);
	if (!buf) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	if (kind == FILEMAC_FLAT)
		crypto_generichash_init(&fst, key, SUBKEY_BYTES, FILEMAC_BYTES);
	for (i = total / FILEMAC_CHUNK; more; i++) {
		got = chunk_read(fd, i, UINT64_MAX, buf);
		if (got < 0) {
			ret = CRYPTO_ERR_IO;
			goto out;
		}
		if (got == 0)
			break;
		if (grow(t, (size_t)i + 1) || old_grow(p, (size_t)i + 1)) {
			ret = CRYPTO_ERR_NOMEM;
			goto out;
		}
		pass_hash(p, i, buf, (size_t)got);
		if (kind == FILEMAC_FLAT)
			crypto_generichash_update(&fst, buf, (size_t)got);
		total += (uint64_t)got;
		if ((size_t)got < FILEMAC_CHUNK)
			break;
	}
	t->size = t->cur = total;
	t->n = chunks_of(total);
	if (t->cap)
		memset(t->dirty, 0, t->cap);
	t->lost = 0;
	t->valid = 1;
	if (kind == FILEMAC_FLAT)
		crypto_generichash_final(&fst, mac, FILEMAC_BYTES);
	else if (kind == FILEMAC_TREE)
		top_hash(key, top1_personal, total, t->n, p->old ? p->old[0] : NULL, mac);
	else
		top_hash(key, top2_personal, total, t->n, t->h ? t->h[0] : NULL, mac);
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(&fst, sizeof fst);
	if (p) {
		free(p->old);
		if (p != &local)
			free(p);
	}
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
		return filemac_scan(fd, master, t, FILEMAC_TREE2, top);
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
		chunk_hash(NULL, chunk2_personal, i, buf, (size_t)got, t->h[i]);
	}
	if (t->cap)
		memset(t->dirty, 0, t->cap);
	t->size = size;
	t->n = n;
	top_hash(key, top2_personal, size, n, t->h ? t->h[0] : NULL, top);
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
