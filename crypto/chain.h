#ifndef CRYPTO_CHAIN_H
#define CRYPTO_CHAIN_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/subkey.h"

/*
 * The audit trail's hash chain: each entry's hash is keyed BLAKE2b-256
 * (key = SUBKEY_AUDIT) over the previous hash and the entry's fields, each
 * length-prefixed so no two field lists hash alike. Without the key an
 * attacker cannot forge a consistent chain even if they could write rows.
 */
#define CHAIN_HASH_BYTES 32

struct chain_field {
	const void *data;
	size_t len;
};

int chain_hash(uint8_t out[CHAIN_HASH_BYTES], const uint8_t key[SUBKEY_BYTES],
	       const uint8_t prev[CHAIN_HASH_BYTES],
	       const struct chain_field *fields, size_t nfields);

#endif
