/*
 * cdop/store/agekey — the register's age X25519 identity (SPEC §8): held
 * by the manager role (and the recovery code) only; its recipient is
 * public, in the keyring's manager record.
 */
#include "cdop/store/store.h"
#include "crypto/secure.h"
#include "crypto/subkey.h"

#include <sodium.h>
#include <string.h>

int store_age_identity(struct reg *r, uint8_t sk[32])
{
	struct keyset *ks = r->st.ks;

	if (r->st.kr.version != KEYRING_VERSION2 || !ks) {
		if (r->ss.role != ROLE_MANAGER && r->ss.role != ROLE_NONE)
			return reg_fail(r, CDOP_ERR_ACCESS, "the register's age identity "
					"is held by the manager role only");
		return subkey_derive(sk, SUBKEY_LEGACY_AGE, r->st.master) ?
			reg_fail(r, CDOP_ERR_INTERNAL, "cannot derive the age identity") :
			CDOP_OK;
	}
	if (!(ks->have & KEYSET_MGR))
		return reg_fail(r, CDOP_ERR_ACCESS, "the register's age identity is held "
				"by the manager role only");
	memcpy(sk, ks->age_sk, 32);
	return CDOP_OK;
}

int store_age_recipient(struct reg *r, uint8_t pk[32])
{
	uint8_t sk[32];

	if (r->st.kr.version != KEYRING_VERSION2 || !r->st.ks) {
		if (subkey_derive(sk, SUBKEY_LEGACY_AGE, r->st.master))
			return reg_fail(r, CDOP_ERR_INTERNAL, "cannot derive the age identity");
		crypto_scalarmult_base(pk, sk);
		secure_wipe(sk, sizeof sk);
		return CDOP_OK;
	}
	if (r->st.kr.id_epoch == 0)
		return reg_fail(r, CDOP_ERR_NOTFOUND, "this register has no age recipient "
				"yet: it is made when a manager first unlocks the register");
	memcpy(pk, r->st.kr.age_pk, 32);
	return CDOP_OK;
}
