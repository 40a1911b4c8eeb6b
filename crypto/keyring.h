#ifndef CRYPTO_KEYRING_H
#define CRYPTO_KEYRING_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/kdf.h"
#include "crypto/subkey.h"

/*
 * The keyring (PATH.keys) holds the register's random 256-bit master key,
 * wrapped once per user and once for the recovery code with
 * XChaCha20-Poly1305 under an Argon2id key. Byte layout: docs/security.md.
 *
 * Each slot's header (kind, role, state, KDF parameters, user id, salt) is
 * authenticated data of its own wrapping, bound to the register id, so a
 * changed field or a slot moved from another register fails to open. A
 * keyed MAC over header and slots (a subkey of the master key) catches a
 * removed, added or replaced slot once the register is unlocked.
 *
 * The state block records the keyed MAC of the whole register file at its
 * last clean close (SQLCipher 3.4.1 cannot tell a page replayed from an
 * older copy, nor bytes in each page's unauthenticated padding) and whether
 * a write was under way. It is covered by the keyring MAC.
 *
 * Failed unlock attempts cannot be written to the encrypted database, so
 * they are sealed (crypto_box_seal) to the register's X25519 public key and
 * appended after the MAC; only an unlocked register can read them.
 */
#define KEYRING_MAGIC "CDOPKEYS"
#define KEYRING_VERSION 1
#define KEYRING_ID_BYTES 16
#define KEYRING_USERID_BYTES 16
#define KEYRING_NONCE_BYTES 24
#define KEYRING_WRAPPED_BYTES (MASTER_KEY_BYTES + 16)
#define KEYRING_MAC_BYTES 32
#define KEYRING_BOXPK_BYTES 32
#define KEYRING_HEADER_BYTES 64
#define KEYRING_SLOT_BYTES 120
#define KEYRING_STATE_BYTES 48
#define KEYRING_MAX_SLOTS 1000
#define KEYRING_MAX_FAILURES 1000
#define KEYRING_MAX_FAILURE_BYTES 512
#define KEYRING_MAX_NAME 64

/* A recovery code: 128 random bits shown as 8 groups of 4 hex digits. */
#define RECOVERY_CODE_BYTES 16
#define RECOVERY_CODE_TEXT 40 /* "xxxx-" * 8 - 1 + NUL */

enum keyring_slot_kind { KEYRING_SLOT_USER = 1, KEYRING_SLOT_RECOVERY = 2 };
enum keyring_slot_state { KEYRING_SLOT_ACTIVE = 0, KEYRING_SLOT_DISABLED = 1 };

struct keyring_slot {
	uint8_t kind;
	uint8_t role;  /* opaque to crypto/: the register's role number */
	uint8_t state;
	struct kdf_params kdf;
	uint8_t user_id[KEYRING_USERID_BYTES];
	uint8_t salt[KDF_SALT_BYTES];
	uint8_t nonce[KEYRING_NONCE_BYTES];
	uint8_t wrapped[KEYRING_WRAPPED_BYTES];
};

struct keyring_failure {
	uint8_t *sealed;
	size_t len;
};

struct keyring {
	uint8_t register_id[KEYRING_ID_BYTES];
	uint8_t box_pk[KEYRING_BOXPK_BYTES];
	struct keyring_slot *slots;
	size_t nslots;
	uint8_t file_mac[KEYRING_MAC_BYTES]; /* register file at last clean close */
	uint64_t file_size;
	uint8_t dirty;                       /* a write may be under way */
	uint8_t mac[KEYRING_MAC_BYTES];
	struct keyring_failure *failures;
	size_t nfailures;
};

#define KEYRING_INIT { { 0 }, { 0 }, NULL, 0, { 0 }, 0, 0, { 0 }, NULL, 0 }

void keyring_init(struct keyring *kr);
void keyring_release(struct keyring *kr);

/* A new keyring with a fresh register id; master receives a new random key. */
int keyring_create(struct keyring *kr, uint8_t master[MASTER_KEY_BYTES]);

/* The slot id of a user name within this register (keyed by register id). */
void keyring_user_id(const struct keyring *kr, const char *name,
		     uint8_t out[KEYRING_USERID_BYTES]);

/* Adds (or replaces, for the same user) a slot wrapping master. */
int keyring_slot_set(struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES],
		     const char *user, uint8_t role, const char *pass,
		     size_t passlen, const struct kdf_params *kdf);
/* Finds the user's slot, or NULL. */
struct keyring_slot *keyring_slot_find(const struct keyring *kr, const char *user);
/* Unwraps master with a user's passphrase. *slot_out may be NULL. */
int keyring_slot_open(const struct keyring *kr, const char *user,
		      const char *pass, size_t passlen,
		      uint8_t master[MASTER_KEY_BYTES],
		      const struct keyring_slot **slot_out);
/* Disables: the wrapped key is erased, the slot remains as a tombstone. */
int keyring_slot_disable(struct keyring *kr, const char *user);

/* Creates or replaces the recovery slot; code_text gets the new code. */
int keyring_recovery_set(struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES],
			 const struct kdf_params *kdf,
			 char code_text[RECOVERY_CODE_TEXT]);
int keyring_recovery_open(const struct keyring *kr, const char *code_text,
			  uint8_t master[MASTER_KEY_BYTES]);

/* MAC over header and slots: seal before saving, check after unlocking. */
int keyring_mac_seal(struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES]);
int keyring_mac_check(const struct keyring *kr, const uint8_t master[MASTER_KEY_BYTES]);

/* Failed-attempt records, sealed to box_pk; needs no secret to add. */
int keyring_failure_add(struct keyring *kr, const char *text);
/* Opens record i into out (NUL-terminated); needs the master key. */
int keyring_failure_open(const struct keyring *kr, size_t i,
			 const uint8_t master[MASTER_KEY_BYTES],
			 char *out, size_t outlen);
void keyring_failures_clear(struct keyring *kr);

/* Keyed BLAKE2b-256 (key = SUBKEY_FILE_MAC) of a whole file, read by fd. */
int keyring_file_mac(int fd, const uint8_t master[MASTER_KEY_BYTES],
		     uint8_t out[KEYRING_MAC_BYTES], uint64_t *size);

/* Serialisation; parse rejects anything malformed before allocating. */
int keyring_serialize(const struct keyring *kr, uint8_t **out, size_t *outlen);
int keyring_parse(struct keyring *kr, const uint8_t *buf, size_t len);

enum keyring_save_flags { KEYRING_SAVE_REPLACE = 0, KEYRING_SAVE_EXCL = 1 };
/* Atomic (crypto/file.h): temp file (0600) in the same directory, fsync,
 * rename (REPLACE: over a regular file only) or link (EXCL: never over an
 * existing file, CRYPTO_ERR_EXISTS), fsync of the directory. A crash leaves
 * the old or the new file. */
int keyring_save(const struct keyring *kr, const char *path, int flags);
int keyring_load(struct keyring *kr, const char *path);

#endif
