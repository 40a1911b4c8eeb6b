/*
 * libFuzzer target: the keyring parser (crypto/keyring.c, keyring_parse),
 * which reads PATH.keys and the keyring inside a backup before anything
 * is authenticated. A keyring that parses must serialise back to the same
 * bytes (the format is canonical), and the functions that walk a parsed
 * keyring without a passphrase must cope with whatever it holds.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/error.h"
#include "crypto/keyring.h"
#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyring kr;
	uint8_t *out = NULL;
	size_t len = 0, i;
	char text[KEYRING_MAX_FAILURE_BYTES];

	if (sodium_init() < 0)
		abort();
	if (keyring_parse(&kr, data, size) != CRYPTO_OK)
		return 0;
	if (keyring_serialize(&kr, &out, &len) == CRYPTO_OK) {
		if (len != size || memcmp(out, data, size))
			abort(); /* parse and serialise disagree */
		free(out);
	}
	(void)keyring_mac_check(&kr, fuzz_master);
	(void)keyring_slot_find(&kr, "ada");
	for (i = 0; i < kr.nfailures; i++)
		(void)keyring_failure_open(&kr, i, fuzz_master, text, sizeof text);
	keyring_release(&kr);
	return 0;
}
