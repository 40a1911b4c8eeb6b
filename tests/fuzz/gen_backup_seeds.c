/*
 * Writes the seed corpus of fuzz_backup: backups under the fuzzers' fixed
 * master key (fuzz_key.h) of a few sizes around chunk boundaries, holding a
 * real keyring, and near-valid variants (truncated, a flipped tag byte, a
 * header edited with its checksum fixed). Usage: gen_backup_seeds DIR
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/backup.h"
#include "crypto/error.h"
#include "crypto/keyring.h"
#include "fuzz_key.h"

static void save(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static uint8_t *make(const uint8_t *kbytes, size_t klen, size_t dlen, size_t *len)
{
	struct backup_header h;
	struct backup_stream *s = NULL;
	uint8_t *prefix = NULL, *out, *data = malloc(dlen);
	size_t plen = 0, off = 0, want, clen;

	memset(&h, 0, sizeof h);
	memset(h.register_id, 0x11, sizeof h.register_id);
	h.created = 1700000000;
	h.audit_seq = 3;
	h.schema = 3;
	h.data_len = dlen;
	h.chunk_bytes = BACKUP_CHUNK_MIN;
	if (!data)
		exit(1);
	for (off = 0; off < dlen; off++)
		data[off] = (uint8_t)off;
	if (backup_stream_push_new(&s, &h, kbytes, klen, fuzz_master, &prefix, &plen))
		exit(1);
	out = malloc((size_t)backup_file_len(&h));
	if (!out)
		exit(1);
	memcpy(out, prefix, plen);
	*len = plen;
	for (off = 0; (want = backup_stream_next_len(s)) != 0; off += want) {
		if (backup_stream_push(s, data + off, want, out + *len, &clen))
			exit(1);
		*len += clen;
	}
	backup_stream_free(s);
	free(prefix);
	free(data);
	return out;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1, 1000, BACKUP_CHUNK_MIN, 3 * BACKUP_CHUNK_MIN + 5 };
	uint8_t master[MASTER_KEY_BYTES], *kbytes = NULL, *b;
	struct kdf_params kdf;
	struct keyring kr;
	char name[64];
	size_t klen = 0, len, i;

	if (argc != 2 || sodium_init() < 0 || kdf_profile("interactive", &kdf))
		return 2;
	if (keyring_create(&kr, master) ||
	    keyring_slot_set(&kr, master, "ada", 1, "ada-long-passphrase", 19, &kdf) ||
	    keyring_mac_seal(&kr, master) || keyring_serialize(&kr, &kbytes, &klen))
		return 1;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		b = make(kbytes, klen, sizes[i], &len);
		snprintf(name, sizeof name, "valid-%zu", sizes[i]);
		save(argv[1], name, b, len);
		if (i == 3) {
			save(argv[1], "truncated", b, len - 17);
			b[len - 1] ^= 1;
			save(argv[1], "tag-flipped", b, len);
			b[len - 1] ^= 1;
			/* The audit seq edited and the prefix resealed under
			 * another key: the checksum passes, the MAC refuses. */
			b[40] ^= 1;
			if (backup_prefix_seal(b, BACKUP_HEADER_BYTES + klen +
					       BACKUP_SUM_BYTES + BACKUP_MAC_BYTES, master))
				return 1;
			save(argv[1], "header-edited", b, len);
		}
		free(b);
	}
	keyring_release(&kr);
	free(kbytes);
	return 0;
}
