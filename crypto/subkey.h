#ifndef CRYPTO_SUBKEY_H
#define CRYPTO_SUBKEY_H
#include <stdint.h>

#define MASTER_KEY_BYTES 32
#define SUBKEY_BYTES 32

/*
 * Every key the register uses is derived from the master key with
 * libsodium's crypto_kdf under the context "cdop-reg" and one of these
 * ids, so no two purposes ever share a key. The ids are part of the file
 * formats: never renumber.
 */
enum subkey_id {
	SUBKEY_DATABASE = 1,    /* SQLCipher raw key */
	SUBKEY_AUDIT = 2,       /* keyed BLAKE2b for the audit hash chain */
	SUBKEY_SIGN = 3,        /* Ed25519 seed for report signatures */
	SUBKEY_BACKUP = 4,      /* backup envelope */
	SUBKEY_KEYRING_MAC = 5, /* MAC over the keyring's header and slots */
	SUBKEY_FAILBOX = 6,     /* X25519 seed: failed-unlock records */
	SUBKEY_FILE_MAC = 7,    /* MAC over the whole register file */
	/* Keyring v1 registers only (one master key): until a manager's
	 * unlock migrates them, identifiable fields use these. */
	SUBKEY_LEGACY_ID = 8,   /* K_id, epoch 0 */
	SUBKEY_LEGACY_DUP = 9,  /* keyed hash for duplicate detection */
	SUBKEY_LEGACY_AGE = 10, /* the register's age X25519 identity */
};

int subkey_derive(uint8_t out[SUBKEY_BYTES], enum subkey_id id,
		  const uint8_t master[MASTER_KEY_BYTES]);

#endif
