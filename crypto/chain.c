#include "crypto/chain.h"
#include "crypto/error.h"

#include <sodium.h>

int chain_hash(uint8_t out[CHAIN_HASH_BYTES], const uint8_t key[SUBKEY_BYTES],
	       const uint8_t prev[CHAIN_HASH_BYTES],
	       const struct chain_field *fields, size_t nfields)
{
	crypto_generichash_state st;
	uint8_t lenbuf[8];
	size_t i;
	int b;

	if (crypto_generichash_init(&st, key, SUBKEY_BYTES, CHAIN_HASH_BYTES))
		return CRYPTO_ERR_ARG;
	crypto_generichash_update(&st, prev, CHAIN_HASH_BYTES);
	for (i = 0; i < nfields; i++) {
		for (b = 0; b < 8; b++)
			lenbuf[b] = (uint8_t)((uint64_t)fields[i].len >> (8 * b));
		crypto_generichash_update(&st, lenbuf, sizeof lenbuf);
		if (fields[i].len)
			crypto_generichash_update(&st, fields[i].data, fields[i].len);
	}
	crypto_generichash_final(&st, out, CHAIN_HASH_BYTES);
	sodium_memzero(&st, sizeof st);
	return CRYPTO_OK;
}
