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
#define KEYRING_VERSION 1   /* one master key in every slot (legacy) */
#define KEYRING_VERSION2 2  /* keys by role: docs/security.md */
#define KEYRING_ID_BYTES 16
#define KEYRING_USERID_BYTES 16
#define KEYRING_NONCE_BYTES 24
#define KEYRING_WRAPPED_BYTES (MASTER_KEY_BYTES + 16)
/* v2: a slot wraps its user's own secrets (X25519 secret key, Ed25519 seed). */
#define KEYRING_SECRET_BYTES 64
#define KEYRING_WRAPPED2_BYTES (KEYRING_SECRET_BYTES + 16)
#define KEYRING_SLOT2_BYTES 216
#define KEYRING_PUBLIC_BYTES 280
#define KEYRING_GRANT_HEAD_BYTES 44
#define KEYRING_MAX_GRANTS 8000
#define KEYRING_MAX_SIGNERS 4000
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
	uint8_t wrapped[KEYRING_WRAPPED2_BYTES]; /* v1: the first 48 bytes */
	/* v2: the slot's public keys (part of its authenticated header). */
	uint8_t x_pk[32];                        /* X25519: grants are sealed to it */
	uint8_t s_pk[32];                        /* Ed25519: signs audit entries */
};

/* v2: a role key sealed (crypto_box_seal) to one slot's X25519 key and
 * signed by the slot that granted it. */
enum keyring_grant_kind {
	GRANT_REG = 1,    /* K_reg (epoch) and K_audit: every role */
	GRANT_ADMIN = 2,  /* the keyring-admin Ed25519 seed: admin, recovery */
	GRANT_ID = 3,     /* K_id of one epoch: manager, recovery */
	GRANT_MGR = 4,    /* K_dup, the age identity, the report seed: manager, recovery */
	GRANT_REPORT = 5, /* the report seed: analyst */
	GRANT_AGE_OLD = 6, /* a retired age identity (epoch = 1 + its place in
			    * the retired list): manager, recovery */
};

/* v2: a report-signing key or age recipient retired (by the admin at the
 * disable of a user who held it, or at the switch from v1); the admin
 * signature covers the list. A retired report key no longer verifies as
 * the register's; a retired age identity still opens what was sealed to
 * it (GRANT_AGE_OLD). docs/security.md §15. */
#define KEYRING_MAX_RETIRED 64
#define KEYRING_RETIRED_BYTES 48
enum keyring_retired_kind { RETIRED_REPORT = 1, RETIRED_AGE = 2 };
struct keyring_retired {
	uint8_t kind;
	int64_t when;  /* seconds since 1970 (UTC) */
	uint8_t pk[32];
};

struct keyring_grant {
	uint8_t recipient[KEYRING_USERID_BYTES]; /* zero: the recovery slot */
	uint8_t granter[KEYRING_USERID_BYTES];
	uint8_t kind;
	uint32_t epoch;
	uint8_t *sealed;
	size_t len;
	uint8_t sig[64];
};

/* v2: every signing key a user has had (audit entries stay verifiable
 * after a recovery gives the user new keys). */
struct keyring_signer {
	uint8_t user_id[KEYRING_USERID_BYTES];
	uint8_t s_pk[32];
};

struct keyring_failure {
	uint8_t *sealed;
	size_t len;
};

struct keyring {
	uint16_t version;
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
	/* v2 public block (KEYRING_PUBLIC_BYTES) */
	uint64_t generation;      /* bumped at every save; the database records it */
	uint32_t id_epoch_wanted; /* admin: a new K_id epoch is due (rotation) */
	uint32_t reg_epoch;       /* the current K_reg */
	uint8_t admin_pk[32];     /* keyring-admin Ed25519 key */
	uint64_t signed_from;     /* audit entries from this seq on are signed */
	uint8_t report_pk[32];    /* manager record: report key, age recipient, */
	uint8_t age_pk[32];       /* latest K_id epoch, signed by a manager */
	uint32_t id_epoch;
	uint8_t mgr_signer[KEYRING_USERID_BYTES];
	uint8_t mgr_sig[64];
	uint8_t admin_sig[64];
	struct keyring_grant *grants;
	size_t ngrants;
	struct keyring_signer *signers;
	size_t nsigners;
	/* state block: how file_mac is computed, enum filemac_kind
	 * (crypto/filemac.h); 0, the flat MAC, in older keyrings */
	uint8_t file_mac_kind;
	/* v2: retired report keys and age recipients (count: public block
	 * bytes 56-57; the list after the grants) */
	struct keyring_retired *retired;
	size_t nretired;
};

#define KEYRING_INIT { 1, { 0 }, { 0 }, NULL, 0, { 0 }, 0, 0, { 0 }, NULL, 0, \
		       0, 0, 0, { 0 }, 0, { 0 }, { 0 }, 0, { 0 }, { 0 }, { 0 }, NULL, 0, NULL, 0, 0, \
		       NULL, 0 }

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

/* ==== v2: keys by role (crypto/rolekeys.c) ==== */

#define KEYSET_MAX_EPOCHS 64
enum keyset_have {
	KEYSET_REG = 1, KEYSET_ADMIN = 2, KEYSET_MGR = 4, KEYSET_REPORT = 8,
	KEYSET_REG_PREV = 16,
};

/* What one unlocked slot holds: its own key pairs and the role keys granted
 * to it. Lives in guarded memory (keyset_new). */
struct keyset {
	uint8_t self_id[KEYRING_USERID_BYTES]; /* zero for the recovery slot */
	uint8_t kind, role;
	uint8_t x_pk[32], x_sk[32], s_pk[32], s_sk[64];
	unsigned have;                 /* enum keyset_have */
	uint32_t reg_epoch;
	uint8_t k_reg[32];             /* K_reg: database key and file MACs derive from it */
	uint8_t k_reg_prev[32];        /* K_reg of epoch - 1 (a rotation not yet rekeyed) */
	uint8_t k_audit[32];           /* the audit chain key, never rotated */
	uint8_t admin_sk[64];
	uint8_t k_dup[32];             /* keyed hash for duplicate detection */
	uint8_t age_sk[32];            /* the register's age X25519 identity */
	uint8_t report_sk[64];
	uint32_t id_latest;            /* highest K_id epoch held (0: none) */
	uint8_t id_have[KEYSET_MAX_EPOCHS + 1];
	uint8_t k_id[KEYSET_MAX_EPOCHS + 1][32];
	/* retired age identities, by their place in the keyring's retired list */
	uint8_t age_old_have[KEYRING_MAX_RETIRED];
	uint8_t age_old[KEYRING_MAX_RETIRED][32];
};

struct keyset *keyset_new(void);
void keyset_free(struct keyset *ks);

/* A new v2 keyring: register id, admin key, K_reg (epoch 1), K_audit;
 * ks gets them (the creator is the first admin). */
int keyring2_create(struct keyring *kr, struct keyset *ks);
/* Makes a v2 keyring from a v1 one (same register id); no slots, grants
 * or keys: the caller adds them (migration). */
int keyring2_from_v1(struct keyring *kr2, const struct keyring *kr1, struct keyset *ks);
/* Adds or replaces a user's slot (or the recovery slot, user NULL) with a
 * fresh key pair wrapped under pass; the new public keys go to the signer
 * list. The caller then grants role keys and re-signs (admin). self, when
 * not NULL, gets the new slot's own keys (the creator at init). */
int keyring2_slot_new(struct keyring *kr, const char *user, uint8_t role,
		      const char *pass, size_t passlen, const struct kdf_params *kdf,
		      struct keyset *self);
/* The v2 recovery slot: a new key pair under a new code (code_text). */
int keyring2_recovery_new(struct keyring *kr, const struct kdf_params *kdf,
			  char code_text[RECOVERY_CODE_TEXT]);
/* The same, and self (not NULL) gets the new slot's own keys: the switch
 * of a v1 register grants and signs as the recovery slot (§17). */
int keyring2_recovery_new_self(struct keyring *kr, const struct kdf_params *kdf,
			       char code_text[RECOVERY_CODE_TEXT], struct keyset *self);
/* self's id, kind, role and key pairs from a slot's secrets. */
void keyring2_self_keys(struct keyset *self, const uint8_t id[KEYRING_USERID_BYTES],
			uint8_t kind, uint8_t role, const uint8_t secrets[KEYRING_SECRET_BYTES]);
/* Rewraps an unlocked slot's own secrets under a new passphrase. */
int keyring2_slot_rewrap(struct keyring *kr, const struct keyset *ks,
			 const char *pass, size_t passlen, const struct kdf_params *kdf);
/* Unwraps a slot (user NULL: the recovery slot, pass = recovery code text)
 * and opens every grant addressed to it whose granter's role may give that
 * key, after checking the admin signature and manager record. */
int keyring2_unlock(const struct keyring *kr, const char *user, const char *pass,
		    size_t passlen, struct keyset *ks, const struct keyring_slot **slot);
/* Seals payload to the slot with id recipient and signs it as ks. */
int keyring2_grant(struct keyring *kr, const struct keyset *ks,
		   const uint8_t recipient[KEYRING_USERID_BYTES], uint8_t kind,
		   uint32_t epoch, const uint8_t *payload, size_t len);
/* 1 if recipient has a grant of kind (and epoch, unless epoch is 0). */
int keyring2_has_grant(const struct keyring *kr, const uint8_t recipient[KEYRING_USERID_BYTES],
		       uint8_t kind, uint32_t epoch);
/* Removes a recipient's grants of kind (0: every kind). */
void keyring2_grants_drop(struct keyring *kr, const uint8_t recipient[KEYRING_USERID_BYTES],
			  uint8_t kind);
/* Removes every grant of kind and epoch; returns how many. */
size_t keyring2_grants_drop_epoch(struct keyring *kr, uint8_t kind, uint32_t epoch);
/* Grants the role keys ks holds that the role of slot s should have and
 * lacks. Returns the number of grants added through *added. */
int keyring2_grant_role(struct keyring *kr, const struct keyset *ks,
			const struct keyring_slot *s, int *added);
/* Admin signature over register id, admin key, slots' public headers and
 * the signer list; the manager record signed by a manager or recovery. */
int keyring2_admin_sign(struct keyring *kr, const struct keyset *ks);
int keyring2_admin_verify(const struct keyring *kr);
int keyring2_mgr_sign(struct keyring *kr, const struct keyset *ks);
int keyring2_mgr_verify(const struct keyring *kr);
/* The slot with this id (zero id: recovery), or NULL. */
struct keyring_slot *keyring2_slot_by_id(const struct keyring *kr,
					 const uint8_t id[KEYRING_USERID_BYTES]);
/* 1 if pk is (or was) a signing key of the slot with this id. */
int keyring2_signer_known(const struct keyring *kr, const uint8_t id[KEYRING_USERID_BYTES],
			  const uint8_t pk[32]);
/* Retires pk (kind enum keyring_retired_kind) as of when: no-op if it is
 * zero or already retired; CRYPTO_ERR_ARG when the list is full. The
 * caller re-signs (admin). */
int keyring2_retire(struct keyring *kr, uint8_t kind, const uint8_t pk[32], int64_t when);
/* The retired entry for pk of kind, or NULL. */
const struct keyring_retired *keyring2_retired_find(const struct keyring *kr, uint8_t kind,
						    const uint8_t pk[32]);
/* ==== v1 -> v2 staging (docs/security.md §17) ==== */
/* keyring_slot_open of a v1 user slot that also hands back the passphrase
 * key (Argon2id of the passphrase with the slot's salt and parameters). */
int keyring_slot_open_kek(const struct keyring *kr, const char *user,
			  const char *pass, size_t passlen,
			  uint8_t master[MASTER_KEY_BYTES],
			  const struct keyring_slot **slot_out,
			  uint8_t kek[KDF_KEY_BYTES]);
/* A staged v2 slot for the active v1 user slot s1: a fresh key pair
 * (secrets gets it) wrapped under kek with the v2 slot AD (register id of
 * kr1, admin_pk, the v2 header with s1's kind, role, KDF parameters, user
 * id and salt). out: the slot's KEYRING_SLOT2_BYTES as in a v2 keyring. */
int keyring2_stage_make(const struct keyring *kr1, const struct keyring_slot *s1,
			const uint8_t admin_pk[32], const uint8_t kek[KDF_KEY_BYTES],
			uint8_t out[KEYRING_SLOT2_BYTES],
			uint8_t secrets[KEYRING_SECRET_BYTES]);
/* Opens a staged slot: CRYPTO_ERR_AUTH unless it is s1's user with s1's
 * role, parameters and salt, opens under kek and carries its own public
 * keys. staged (may be NULL) gets the parsed slot. */
int keyring2_stage_open(const struct keyring *kr1, const struct keyring_slot *s1,
			const uint8_t admin_pk[32], const uint8_t kek[KDF_KEY_BYTES],
			const uint8_t in[KEYRING_SLOT2_BYTES],
			uint8_t secrets[KEYRING_SECRET_BYTES],
			struct keyring_slot *staged);

/* Parses a staged slot without opening it: CRYPTO_ERR_AUTH unless its
 * header is s1's user, role, parameters and salt (the switch checks every
 * other user's staged slot this way; only its user's passphrase opens it). */
int keyring2_stage_parse(const struct keyring *kr1, const struct keyring_slot *s1,
			 const uint8_t in[KEYRING_SLOT2_BYTES], struct keyring_slot *s);
/* Appends a parsed v2 user slot (a staged one; a disabled one as a
 * tombstone with nothing wrapped) and, if active, its signing key. */
int keyring2_slot_adopt(struct keyring *kr, const struct keyring_slot *s);

/* The role numbers slot headers store (cdop/store's enum role): v2 needs
 * them to know which role may hold and grant which key. */
#define KEYRING_ROLE_ADMIN 1
#define KEYRING_ROLE_MANAGER 2
#define KEYRING_ROLE_PANEL 3
#define KEYRING_ROLE_ANALYST 4

#endif
