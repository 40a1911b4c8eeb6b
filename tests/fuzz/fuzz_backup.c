/*
 * libFuzzer target: the backup envelope (crypto/backup.c) as restore
 * reads it: header, prefix checksum, keyring, MAC, then every chunk to the
 * final tag, with a fixed master key (the seeds in corpus/backup are made
 * with it by gen_backup_seeds.c). Each input is tried twice: as it is, and
 * with checksum and MAC recomputed under the fixed key, so that mutated
 * headers and lengths get past authentication and reach the stream.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/backup.h"
#include "crypto/error.h"
#include "crypto/keyring.h"
#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void restore_like(const uint8_t *buf, size_t len)
{
	struct backup_header h;
	struct backup_stream *s = NULL;
	struct keyring kr;
	const uint8_t *kbytes = NULL;
	uint8_t *out;
	size_t plen, off, want, got = 0;

	if (backup_header_parse(&h, buf, len))
		return;
	plen = backup_prefix_len(&h);
	if (len < plen || backup_prefix_check(&h, buf, plen, &kbytes))
		return;
	if (keyring_parse(&kr, kbytes, h.keyring_len) == CRYPTO_OK)
		keyring_release(&kr);
	if (len != backup_file_len(&h) || backup_prefix_verify(buf, plen, fuzz_master))
		return;
	if (backup_stream_pull_new(&s, &h, buf, plen, fuzz_master))
		return;
	for (off = plen; (want = backup_stream_next_len(s)) != 0; off += want) {
		if (want < BACKUP_ABYTES || off + want > len)
			abort(); /* lengths the header promised and the size allowed */
		out = malloc(want - BACKUP_ABYTES + 1);
		if (!out)
			abort();
		if (backup_stream_pull(s, buf + off, want, out, &got)) {
			free(out);
			break;
		}
		if (got != want - BACKUP_ABYTES)
			abort();
		free(out);
	}
	if (backup_stream_done(s) && off != len)
		abort(); /* a whole stream must end at the end of the file */
	backup_stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_header h;
	uint8_t *copy;
	size_t plen;

	if (sodium_init() < 0)
		abort();
	restore_like(data, size);
	if (backup_header_parse(&h, data, size))
		return 0;
	plen = backup_prefix_len(&h);
	if (size < plen)
		return 0;
	copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (backup_prefix_seal(copy, plen, fuzz_master) == CRYPTO_OK)
		restore_like(copy, size);
	free(copy);
	return 0;
}
