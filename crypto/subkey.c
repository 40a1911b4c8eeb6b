#include "crypto/subkey.h"
#include "crypto/error.h"

#include <sodium.h>

int subkey_derive(uint8_t out[SUBKEY_BYTES], enum subkey_id id,
		  const uint8_t master[MASTER_KEY_BYTES])
{
	if (crypto_kdf_derive_from_key(out, SUBKEY_BYTES, (uint64_t)id,
				       "cdop-reg", master))
		return CRYPTO_ERR_ARG;
	return CRYPTO_OK;
}
