#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/backup.h"
#include "crypto/error.h"
#include "crypto/file.h"
#include "crypto/secure.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIGEST_BYTES 32

/* ---- small file helpers ------------------------------------------------ */

static int pread_full(int fd, uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t got = pread(fd, p, n, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0)
			errno = 0; /* end of file: the caller says what it means */
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/* A whole small file (the keyring) into malloc'd memory. */
static int slurp(struct reg *r, const char *path, size_t max, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret = CDOP_OK;

	*out = NULL;
	if (fd < 0)
		return reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path,
				strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > max) {
		ret = reg_fail(r, CDOP_ERR_DAMAGED, "'%s' is not a keyring of a "
			       "plausible size", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (file_read_full(fd, buf, (size_t)st.st_size)) {
		ret = reg_fail(r, CDOP_ERR_IO, "cannot read '%s': %s", path,
			       strerror(errno));
		goto out;
	}
	*out = buf;
	*len = (size_t)st.st_size;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}

static void info_fill(struct backup_info *info, const struct backup_header *h)
{
	memset(info, 0, sizeof *info);
	sodium_bin2hex(info->register_id, sizeof info->register_id, h->register_id,
		       BACKUP_ID_BYTES);
	info->created = h->created;
	info->audit_seq = h->audit_seq;
	info->schema = h->schema;
	info->data_len = h->data_len;
	info->file_len = backup_file_len(h);
}

/* ---- reading a backup ----------------------------------------------------- */

/* Header and prefix, checksum and file size: everything that can be known
 * without a key. *prefix is malloc'd. */
static int prefix_read(struct reg *r, const char *file, int fd,
		       struct backup_header *h, uint8_t **prefix, size_t *plen,
		       const uint8_t **keyring)
{
	uint8_t head[BACKUP_HEADER_BYTES], *p = NULL;
	struct stat st;
	size_t len = 0;
	int ret;

	*prefix = NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return reg_fail(r, CDOP_ERR_INPUT, "backup '%s' is not a regular file",
				file);
	if ((uint64_t)st.st_size < BACKUP_HEADER_BYTES || pread_full(fd, head, sizeof head, 0))
		return reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is not a cdop backup: "
				"%lld bytes, too short for its header", file,
				(long long)st.st_size);
	ret = backup_header_parse(h, head, sizeof head);
	if (ret == CRYPTO_ERR_VERSION)
		return reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' has format version "
				"%u, which this cdop does not know (it knows %d): the "
				"file is damaged, or was made by a newer cdop", file,
				(unsigned)h->version, BACKUP_VERSION);
	if (ret)
		return reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is not a cdop backup, "
				"or its header is damaged (bad magic, reserved bytes or "
				"lengths)", file);
	len = backup_prefix_len(h);
	if ((uint64_t)st.st_size < len)
		return reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is truncated: %lld "
				"bytes, shorter than its header and keyring (%zu)", file,
				(long long)st.st_size, len);
	p = malloc(len);
	if (!p)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (pread_full(fd, p, len, 0)) {
		ret = reg_fail(r, CDOP_ERR_IO, "cannot read backup '%s': %s", file,
			       strerror(errno));
		goto out;
	}
	if (backup_prefix_check(h, p, len, keyring)) {
		ret = reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is damaged: its header "
			       "or keyring does not match its checksum", file);
		goto out;
	}
	if ((uint64_t)st.st_size != backup_file_len(h)) {
		ret = reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is %s: %lld bytes, but "
			       "its header describes %" PRIu64, file,
			       (uint64_t)st.st_size < backup_file_len(h) ? "truncated" :
			       "longer than it should be", (long long)st.st_size,
			       backup_file_len(h));
		goto out;
	}
	*prefix = p;
	*plen = len;
	p = NULL;
out:
	free(p);
	return ret;
}

/*
 * A backup as a witness against a cut audit tail: its header states the
 * trail's head when it was made (entries and the newest chain hash). The
 * header is read and checked against its checksum and length, and must
 * name this register; then the trail must still hold that entry with that
 * hash. A pass needs no key: the chain hash is keyed (K_audit), so only
 * this register's trail can produce it; a file that is not a sound backup
 * of this register is refused as input, never taken as proof of a cut.
 */
int backup_witness(struct reg *r, const char *file)
{
	char tc[48 + 2 * BACKUP_HASH_BYTES], hex[2 * BACKUP_HASH_BYTES + 1];
	struct backup_header h;
	const uint8_t *keyring = NULL;
	uint8_t *prefix = NULL;
	size_t plen = 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret;

	if (fd < 0)
		return reg_fail_field(r, CDOP_ERR_INPUT, "witness", "cannot read '%s': %s",
				      file, strerror(errno));
	ret = prefix_read(r, file, fd, &h, &prefix, &plen, &keyring);
	close(fd);
	free(prefix);
	if (ret)
		return ret;
	if (memcmp(h.register_id, r->st.kr.register_id, BACKUP_ID_BYTES))
		return reg_fail_field(r, CDOP_ERR_INPUT, "witness", "backup '%s' is of "
				      "another register: a witness must be a backup or "
				      "signed report of this one", file);
	sodium_bin2hex(hex, sizeof hex, h.audit_hash, BACKUP_HASH_BYTES);
	snprintf(tc, sizeof tc, "audit:%" PRIu64 ":%s", h.audit_seq, hex);
	return audit_witness(r, tc);
}

/* Every chunk from fd at the end of the prefix to the final tag; the
 * plaintext goes to out_fd (unless -1) and into digest. */
static int stream_decrypt(struct reg *r, const char *file, int fd,
			  const struct backup_header *h, const uint8_t *prefix,
			  size_t plen, const uint8_t *master, int out_fd,
			  uint8_t digest[DIGEST_BYTES])
{
	crypto_generichash_state hs;
	struct backup_stream *s = NULL;
	uint8_t *in = NULL, *out = NULL;
	uint64_t off = plen, i = 0, n = backup_chunk_count(h);
	size_t want, got = 0;
	int ret = backup_stream_pull_new(&s, h, prefix, plen, master);

	if (ret) {
		ret = reg_fail(r, ret == CRYPTO_ERR_NOMEM ? CDOP_ERR_NOMEM : CDOP_ERR_DAMAGED,
			       "backup '%s': cannot start decrypting (%s)", file,
			       crypto_strerror(ret));
		goto out;
	}
	in = malloc((size_t)h->chunk_bytes + BACKUP_ABYTES);
	out = malloc(h->chunk_bytes);
	if (!in || !out) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	crypto_generichash_init(&hs, NULL, 0, DIGEST_BYTES);
	for (; (want = backup_stream_next_len(s)) != 0; i++, off += want) {
		if (pread_full(fd, in, want, off)) {
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is truncated "
				       "in chunk %" PRIu64 " of %" PRIu64, file, i + 1, n);
			goto out;
		}
		if (backup_stream_pull(s, in, want, out, &got)) {
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is damaged or "
				       "altered: chunk %" PRIu64 " of %" PRIu64 " fails "
				       "authentication (changed, moved, or from another "
				       "backup)", file, i + 1, n);
			goto out;
		}
		crypto_generichash_update(&hs, out, got);
		if (out_fd >= 0 && file_write_full(out_fd, out, got)) {
			ret = reg_fail(r, CDOP_ERR_IO, "cannot write the restored "
				       "register: %s", strerror(errno));
			goto out;
		}
	}
	if (!backup_stream_done(s)) {
		ret = reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' ends without its final "
			       "tag: it is truncated", file);
		goto out;
	}
	crypto_generichash_final(&hs, digest, DIGEST_BYTES);
out:
	backup_stream_free(s);
	free(in);
	free(out);
	return ret;
}

/* ---- backup ------------------------------------------------------------------ */

int backup_target_check(struct reg *r, const char *path)
{
	char keys[PATH_MAX];

	/* What a restore killed before its last link left (issue 10, 11). */
	reg_interrupted_cleanup(path, ".restore-", NULL);
	if (snprintf(keys, sizeof keys, "%s.keys", path) >= (int)sizeof keys)
		return reg_fail_field(r, CDOP_ERR_INPUT, "to", "path too long");
	if (access(path, F_OK) == 0)
		return reg_fail_field(r, CDOP_ERR_CONFLICT, "to", "'%s' already exists; "
				"restore never overwrites a register: choose a new "
				"path", path);
	if (access(keys, F_OK) == 0)
		return reg_fail_field(r, CDOP_ERR_CONFLICT, "to", "keyring '%s' already "
				"exists; restore never overwrites one: choose a new "
				"path", keys);
	return CDOP_OK;
}

/* meta 'audit_head' is "SEQ:HEX" (audit.c). */
static int audit_head_read(struct reg *r, uint64_t *seq, uint8_t hash[BACKUP_HASH_BYTES])
{
	char v[128];
	const char *colon;
	size_t binlen = 0;
	int ret = audit_head_text(r, v, sizeof v);

	*seq = 0;
	memset(hash, 0, BACKUP_HASH_BYTES);
	if (ret)
		return ret;
	if (!v[0])
		return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' lacks its audit "
				"head record", r->st.path);
	colon = strchr(v, ':');
	*seq = strtoull(v, NULL, 10);
	if (!colon || sodium_hex2bin(hash, BACKUP_HASH_BYTES, colon + 1,
				     strlen(colon + 1), NULL, &binlen, NULL) ||
	    binlen != BACKUP_HASH_BYTES)
		return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' has a malformed "
				"audit head record", r->st.path);
	return CDOP_OK;
}

/* The header fields the database supplies: the audit head as backed up. */
static int backup_header_fill(struct reg *r, struct backup_header *h)
{
	int ret = audit_head_read(r, &h->audit_seq, h->audit_hash);

	h->schema = (uint32_t)reg_schema_latest(); /* reg_open migrated to it */
	h->created = (int64_t)time(NULL);
	memcpy(h->register_id, r->st.kr.register_id, BACKUP_ID_BYTES);
	h->chunk_bytes = BACKUP_CHUNK_BYTES;
	return ret;
}

/* The sealed keyring on disk, which must be this register's and clean. */
static int keyring_snapshot(struct reg *r, uint8_t **buf, size_t *len)
{
	struct keyring kr;
	int ret = slurp(r, r->st.keys_path, BACKUP_KEYRING_MAX, buf, len);

	keyring_init(&kr);
	if (ret)
		return ret;
	if (keyring_parse(&kr, *buf, *len) || kr.dirty ||
	    memcmp(kr.register_id, r->st.kr.register_id, KEYRING_ID_BYTES) ||
	    keyring_mac_check(&kr, r->st.master))
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "keyring '%s' changed under "
			       "cdop while making a backup", r->st.keys_path);
	keyring_release(&kr);
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

/* The prefix and every chunk of the register file, digesting the plaintext. */
static int backup_encrypt(struct reg *r, const char *tmp, int fd,
			  struct backup_header *h, const uint8_t *keyring,
			  size_t klen, uint8_t digest[DIGEST_BYTES])
{
	crypto_generichash_state hs;
	struct backup_stream *s = NULL;
	uint8_t *prefix = NULL, *in = NULL, *out = NULL;
	size_t plen = 0, want, clen = 0;
	uint64_t off = 0;
	int ret = backup_stream_push_new(&s, h, keyring, klen, r->st.master, &prefix, &plen);

	if (ret) {
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "cannot start the backup: %s",
			       crypto_strerror(ret));
		goto out;
	}
	in = malloc(h->chunk_bytes);
	out = malloc((size_t)h->chunk_bytes + BACKUP_ABYTES);
	if (!in || !out) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (file_write_full(fd, prefix, plen)) {
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", tmp,
			       strerror(errno));
		goto out;
	}
	crypto_generichash_init(&hs, NULL, 0, DIGEST_BYTES);
	while ((want = backup_stream_next_len(s)) != 0) {
		if (pread_full(r->st.lock_fd, in, want, off)) {
			ret = reg_fail(r, CDOP_ERR_IO, "cannot read register '%s': %s",
				       r->st.path, errno ? strerror(errno) : "it shrank");
			goto out;
		}
		crypto_generichash_update(&hs, in, want);
		if (backup_stream_push(s, in, want, out, &clen) ||
		    file_write_full(fd, out, clen)) {
			ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", tmp,
				       strerror(errno));
			goto out;
		}
		off += want;
	}
	crypto_generichash_final(&hs, digest, DIGEST_BYTES);
	if (fsync(fd))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", tmp,
			       strerror(errno));
out:
	backup_stream_free(s);
	free(prefix);
	free(in);
	free(out);
	return ret;
}

/* Reads the written file back as restore would, and compares. */
static int backup_check_written(struct reg *r, const struct outfile *o, const char *out,
				const uint8_t *keyring, size_t klen,
				const uint8_t digest[DIGEST_BYTES], struct backup_header *h)
{
	uint8_t again[DIGEST_BYTES], *prefix = NULL;
	const uint8_t *kr = NULL;
	size_t plen = 0;
	int fd = outfile_read_fd(o), ret;

	if (fd < 0)
		return reg_fail(r, CDOP_ERR_IO, "cannot read back '%s': %s", out,
				strerror(errno));
	ret = prefix_read(r, out, fd, h, &prefix, &plen, &kr);
	if (ret)
		goto out;
	if (h->keyring_len != klen || memcmp(kr, keyring, klen) ||
	    backup_prefix_verify(prefix, plen, r->st.master)) {
		ret = reg_fail(r, CDOP_ERR_IO, "backup '%s' read back differently "
			       "from what was written", out);
		goto out;
	}
	ret = stream_decrypt(r, out, fd, h, prefix, plen, r->st.master, -1, again);
	if (ret)
		goto out;
	if (sodium_memcmp(again, digest, DIGEST_BYTES))
		ret = reg_fail(r, CDOP_ERR_IO, "backup '%s' read back differently "
			       "from the register", out);
out:
	if (ret && ret != CDOP_ERR_NOMEM)
		ret = CDOP_ERR_IO; /* our own write went wrong: a disk problem */
	free(prefix);
	close(fd);
	return ret;
}

int backup_write(struct reg *r, const char *out, int mode, struct backup_info *info)
{
	struct backup_header h;
	struct outfile o;
	uint8_t digest[DIGEST_BYTES], *keyring = NULL;
	size_t klen = 0;
	struct stat st;
	int ret, cret;

	memset(&h, 0, sizeof h);
	if (strlen(out) + sizeof ".tmp-XXXXXX" > PATH_MAX)
		return reg_fail_field(r, CDOP_ERR_INPUT, "out", "path too long");
	/* Before the audit entry: a directory we cannot write to records no
	 * backup. */
	ret = outfile_open(r, &o, out, mode);
	if (ret)
		return ret;
	ret = backup_header_fill(r, &h);
	if (ret)
		goto out;
	/* The file as sealed in the keyring (after a recovery this command
	 * seals it now); no transaction is open, so it is quiescent. */
	ret = reg_seal(r);
	if (ret)
		goto out;
	ret = keyring_snapshot(r, &keyring, &klen);
	if (ret)
		goto out;
	if (fstat(r->st.lock_fd, &st)) {
		ret = reg_fail(r, CDOP_ERR_IO, "cannot read register '%s': %s",
			       r->st.path, strerror(errno));
		goto out;
	}
	h.data_len = (uint64_t)st.st_size;
	if (h.data_len != r->st.kr.file_size) {
		ret = reg_fail(r, CDOP_ERR_INTERNAL, "register '%s' changed size "
			       "after it was sealed", r->st.path);
		goto out;
	}
	/* Written through the descriptor: nothing passes o.f's buffer. */
	ret = backup_encrypt(r, out, fileno(o.f), &h, keyring, klen, digest);
	if (ret)
		goto out;
	ret = backup_check_written(r, &o, out, keyring, klen, digest, &h);
	/*
	 * Complete and verified, still unnamed: now the "backup" entry
	 * commits, and only then does the file get its name (issue 10,
	 * finding 11: a failed backup leaves no entry; a kill leaves no backup
	 * without one). The backup holds the trail up to the entry before it.
	 */
	if (!ret)
		ret = outfile_finish(r, &o);
	if (!ret)
		ret = audit_record(r, "backup", "register", out);
out:
	cret = outfile_close(r, &o, !ret); /* named as the mode allows */
	free(keyring);
	if (ret || cret)
		return ret ? ret : cret;
	info_fill(info, &h);
	return CDOP_OK;
}

/* ---- restore ----------------------------------------------------------------- */

/* Unwraps the master key from the backup's keyring. */
static int restore_unlock(struct reg *r, const struct backup_restore_opts *o,
			  const struct keyring *kr, const char *file, uint8_t *master)
{
	const struct keyring_slot *slot = NULL;
	int ret;

	if (o->recovery_code)
		ret = keyring_recovery_open(kr, o->recovery_code, master);
	else
		ret = keyring_slot_open(kr, o->user, o->pass, o->passlen, master, &slot);
	switch (ret) {
	case CRYPTO_OK:
		break;
	case CRYPTO_ERR_FORMAT:
		return reg_fail(r, CDOP_ERR_INPUT, "recovery code is not 32 "
				"hexadecimal digits (xxxx-xxxx-...)");
	case CRYPTO_ERR_NOUSER:
		if (o->recovery_code)
			return reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' holds a "
					"keyring with no recovery slot", file);
		return reg_fail(r, CDOP_ERR_ACCESS, "user '%s' has no key slot in "
				"backup '%s'", o->user, file);
	case CRYPTO_ERR_DISABLED:
		return reg_fail(r, CDOP_ERR_ACCESS, "user '%s' was disabled when "
				"backup '%s' was made", o->user, file);
	case CRYPTO_ERR_AUTH:
		if (o->recovery_code)
			return reg_fail(r, CDOP_ERR_ACCESS, "wrong recovery code for "
					"backup '%s' (it takes the code current when "
					"the backup was made)", file);
		return reg_fail(r, CDOP_ERR_ACCESS, "wrong passphrase for user '%s' "
				"in backup '%s' (it takes the passphrase current "
				"when the backup was made)", o->user, file);
	case CRYPTO_ERR_PARAMS:
		return reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s': a key slot has key "
				"derivation parameters outside the accepted bounds",
				file);
	case CRYPTO_ERR_NOMEM:
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory deriving the key");
	case CRYPTO_ERR_TAMPER: /* keyring v2: an admin or grant signature */
		return reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is altered: its "
				"keyring's signatures do not match", file);
	default:
		return reg_fail(r, CDOP_ERR_INTERNAL, "cannot unlock: %s",
				crypto_strerror(ret));
	}
	if (slot && slot->role != ROLE_ADMIN)
		return reg_fail(r, CDOP_ERR_ACCESS, "user '%s' is not an admin in "
				"backup '%s'; restore takes an admin's passphrase or "
				"the recovery code", o->user, file);
	if (keyring_mac_check(kr, master))
		return reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is altered: its "
				"keyring does not match its authentication code", file);
	return CDOP_OK;
}

/* Header, keyring, key: everything before the first chunk. */
static int restore_authenticate(struct reg *r, const struct backup_restore_opts *o,
				int fd, struct backup_header *h, uint8_t **prefix,
				size_t *plen, uint8_t *master)
{
	struct keyring kr;
	const uint8_t *kbytes = NULL;
	int ret = prefix_read(r, o->file, fd, h, prefix, plen, &kbytes);

	keyring_init(&kr);
	if (ret)
		return ret;
	ret = keyring_parse(&kr, kbytes, h->keyring_len);
	if (ret) {
		ret = reg_fail(r, ret == CRYPTO_ERR_NOMEM ? CDOP_ERR_NOMEM :
			       CDOP_ERR_DAMAGED, "backup '%s' holds a malformed "
			       "keyring (%s)", o->file, crypto_strerror(ret));
		goto out;
	}
	if (memcmp(kr.register_id, h->register_id, BACKUP_ID_BYTES)) {
		ret = reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is spliced: its "
			       "header names one register and its keyring another",
			       o->file);
		goto out;
	}
	ret = restore_unlock(r, o, &kr, o->file, master);
	if (ret)
		goto out;
	if (backup_prefix_verify(*prefix, *plen, master)) {
		ret = reg_fail(r, CDOP_ERR_DAMAGED, "backup '%s' is altered: its "
			       "header or keyring does not match its authentication "
			       "code (edited, or spliced from another register's "
			       "backup)", o->file);
		goto out;
	}
	if (h->schema > (uint32_t)reg_schema_latest())
		ret = reg_fail(r, CDOP_ERR_VERSION, "backup '%s' holds a register "
			       "with schema version %u; this cdop understands up to "
			       "%d: use a newer cdop", o->file, (unsigned)h->schema,
			       reg_schema_latest());
out:
	keyring_release(&kr);
	return ret;
}

struct restore_tmp {
	char db[PATH_MAX];
	char keys[PATH_MAX];
	char journal[PATH_MAX];
	int have_db, have_keys;
};

static int restore_tmp_create(struct reg *r, const char *path, struct restore_tmp *t,
			      int *fd)
{
	memset(t, 0, sizeof *t);
	if (snprintf(t->db, sizeof t->db, "%s.restore-XXXXXX", path) >= (int)sizeof t->db ||
	    snprintf(t->keys, sizeof t->keys, "%s.keys", t->db) >= (int)sizeof t->keys ||
	    snprintf(t->journal, sizeof t->journal, "%s-journal", t->db) >=
	    (int)sizeof t->journal)
		return reg_fail_field(r, CDOP_ERR_INPUT, "to", "path too long");
	*fd = mkstemp(t->db); /* 0600, in PATH's directory */
	if (*fd < 0)
		return reg_fail_field(r, CDOP_ERR_IO, "to", "cannot create a file beside "
				"'%s': %s", path, strerror(errno));
	t->have_db = 1;
	/* The same XXXXXX, now filled in. */
	memcpy(t->keys, t->db, strlen(t->db));
	memcpy(t->journal, t->db, strlen(t->db));
	return CDOP_OK;
}

static void restore_tmp_remove(struct restore_tmp *t)
{
	if (t->have_db) {
		unlink(t->db);
		unlink(t->journal);
	}
	if (t->have_keys)
		unlink(t->keys);
	t->have_db = t->have_keys = 0;
}

static int keys_write(struct reg *r, struct restore_tmp *t, const uint8_t *k, size_t n)
{
	int fd = open(t->keys, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int ret = CDOP_OK;

	if (fd < 0)
		return reg_fail(r, CDOP_ERR_IO, "cannot create '%s': %s", t->keys,
				strerror(errno));
	t->have_keys = 1;
	if (file_write_full(fd, k, n) || fsync(fd))
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", t->keys,
			       strerror(errno));
	if (close(fd) && !ret)
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", t->keys,
			       strerror(errno));
	return ret;
}

/* The entry the header names must be in the restored chain. */
static int audit_head_check(struct reg *t, const struct backup_header *h)
{
	static const char sql[] = "SELECT hash FROM audit WHERE seq = :seq";
	struct db_stmt q = DB_STMT_INIT;
	const void *hash;
	size_t n = 0;
	int found = 0, same = 0, ret;

	db_prepare(t, &q, sql);
	db_bind_int(&q, ":seq", (int64_t)h->audit_seq);
	if (db_step(&q) == DB_ROW) {
		hash = db_column_blob(&q, 0, &n);
		found = 1;
		same = n == BACKUP_HASH_BYTES && hash &&
		       !sodium_memcmp(hash, h->audit_hash, BACKUP_HASH_BYTES);
	}
	ret = db_finalize(&q);
	if (ret)
		return ret;
	if (!found)
		return reg_fail(t, CDOP_ERR_DAMAGED, "audit entry %" PRIu64 ", the "
				"head when the backup was made, is missing",
				h->audit_seq);
	if (!same)
		return reg_fail(t, CDOP_ERR_DAMAGED, "audit entry %" PRIu64 " differs "
				"from the one the backup header records", h->audit_seq);
	return CDOP_OK;
}

/* Opens, checks, records the restore in and seals the decrypted copy. */
static int restore_check_copy(struct reg *t, const struct reg_open_opts *oo,
			      const struct backup_header *h)
{
	char detail[256], when[21];
	struct tm tm;
	time_t created = (time_t)h->created;
	int ret = reg_open(t, oo);

	if (ret)
		return ret;
	ret = reg_check(t);
	if (ret)
		return ret;
	if (h->audit_seq) {
		ret = audit_head_check(t, h);
		if (ret)
			return ret;
	}
	gmtime_r(&created, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(detail, sizeof detail, "from backup made %s at audit entry "
		 "%" PRIu64, when, h->audit_seq);
	ret = db_begin(t);
	if (ret)
		return ret;
	ret = db_end(t, audit_append(t, "restore", "register", detail));
	if (ret)
		return ret;
	ret = reg_close(t); /* seals the file MAC into the keyring */
	if (!ret && t->st.reseal_failed)
		ret = CDOP_ERR_IO; /* a restored register is placed only sealed */
	return ret;
}

/* Opens the decrypted copy with the library and checks all of it. */
static int restore_verify_open(struct reg *r, const struct backup_restore_opts *o,
			       const struct restore_tmp *tmp, const struct backup_header *h)
{
	struct reg t;
	struct reg_open_opts oo;
	int ret;

	reg_init(&t);
	memset(&oo, 0, sizeof oo);
	oo.path = tmp->db;
	oo.user = o->user;
	oo.pass = o->pass;
	oo.passlen = o->passlen;
	oo.recovery_code = o->recovery_code;
	oo.lock_timeout_ms = 0; /* nobody else knows the name */
	ret = restore_check_copy(&t, &oo, h);
	if (ret)
		reg_fail(r, ret, "backup '%s' decrypts and authenticates, but the "
			 "register in it fails its check: %s", o->file, t.e.msg);
	reg_release(&t);
	return ret;
}

/* Keyring first: a cdop that finds PATH also finds PATH.keys. Both are in
 * one directory, so the second file_place's fsync covers the first link.
 * The keyring is linked, not moved: until PATH appears (the commit) its
 * temp name stays, so a retry after a kill recognises PATH.keys as this
 * restore's own (reg_interrupted_cleanup) instead of refusing it; the temp
 * name goes with the others at the end (restore_tmp_remove). */
static int restore_place(struct reg *r, const char *path, const struct restore_tmp *t)
{
	char keys[PATH_MAX];
	int rc, e;

	if (snprintf(keys, sizeof keys, "%s.keys", path) >= (int)sizeof keys)
		return reg_fail_field(r, CDOP_ERR_INPUT, "to", "path too long");
	if (link(t->keys, keys) == -1)
		return errno == EEXIST ?
			reg_fail_field(r, CDOP_ERR_CONFLICT, "to", "keyring '%s' already "
				 "exists; nothing was restored", keys) :
			reg_fail(r, CDOP_ERR_IO, "cannot create '%s': %s", keys,
				 strerror(errno));
	rc = file_place(t->db, path, FILE_EXCL);
	e = errno;
	if (rc == -1) {
		unlink(keys);
		return e == EEXIST ?
			reg_fail_field(r, CDOP_ERR_CONFLICT, "to", "'%s' already exists; "
				 "nothing was restored", path) :
			reg_fail(r, CDOP_ERR_IO, "cannot create '%s': %s", path,
				 strerror(e));
	}
	if (rc == -2)
		return reg_fail(r, CDOP_ERR_IO, "cannot sync the directory of '%s': %s",
				path, strerror(e));
	return CDOP_OK;
}

int backup_restore(struct reg *r, const struct backup_restore_opts *o,
		   struct backup_info *info)
{
	struct backup_header h;
	struct restore_tmp tmp;
	uint8_t digest[DIGEST_BYTES], *prefix = NULL, *master = NULL;
	size_t plen = 0;
	int fd = -1, out_fd = -1, ret, rc;

	memset(&tmp, 0, sizeof tmp);
	ret = backup_target_check(r, o->path);
	if (ret)
		return ret;
	fd = open(o->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return reg_fail(r, errno == ENOENT ? CDOP_ERR_NOTFOUND : CDOP_ERR_IO,
				"cannot open backup '%s': %s", o->file, strerror(errno));
	master = secure_alloc(MASTER_KEY_BYTES);
	if (!master) {
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = restore_authenticate(r, o, fd, &h, &prefix, &plen, master);
	if (ret)
		goto out;
	ret = restore_tmp_create(r, o->path, &tmp, &out_fd);
	if (ret)
		goto out;
	ret = stream_decrypt(r, o->file, fd, &h, prefix, plen, master, out_fd, digest);
	if (ret)
		goto out;
	rc = fsync(out_fd);
	if (close(out_fd))
		rc = -1;
	out_fd = -1;
	if (rc) {
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", tmp.db,
			       strerror(errno));
		goto out;
	}
	/* Only now, with every chunk authenticated, may SQLite read it. */
	ret = keys_write(r, &tmp, prefix + BACKUP_HEADER_BYTES, h.keyring_len);
	if (ret)
		goto out;
	ret = restore_verify_open(r, o, &tmp, &h);
	if (ret)
		goto out;
	ret = restore_place(r, o->path, &tmp);
	if (ret)
		goto out;
	info_fill(info, &h);
out:
	if (out_fd >= 0)
		close(out_fd);
	restore_tmp_remove(&tmp); /* placed files keep their own names */
	secure_free(master);
	free(prefix);
	close(fd);
	return ret;
}
