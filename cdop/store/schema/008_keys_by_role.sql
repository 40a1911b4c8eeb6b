-- 007: keys by role (SPEC §6, docs/security.md). Identifiable fields are
-- stored only sealed under the manager's key K_id; what the panel, the
-- pack and the report need is stored beside them as derived,
-- non-identifying values. Rows written before this migration keep their
-- plaintext until a manager's unlock re-seals them (cases_seal_legacy in
-- cdop/cases/cases.c), one transaction for the whole register.

-- The notification JSON sealed under K_id (store_id_seal, context
-- "notification", the case id as authenticated data) and its anonymised
-- form (anonymise_notification at write time). `json` is '' once sealed.
ALTER TABLE case_documents ADD COLUMN sealed BLOB;
ALTER TABLE case_documents ADD COLUMN anon TEXT;

-- Age at death as its band ("0-27d" … "15-17"): the report and the
-- panel's lists count by it, never by the date of birth. nhs_number,
-- surname_key and date_of_birth now hold keyed hashes (store_dup_hash).
ALTER TABLE cases ADD COLUMN age_band TEXT;

-- Each audit entry's signature by the acting user's own Ed25519 key:
-- signer slot id (16) || public key (32) || signature (64).
ALTER TABLE audit ADD COLUMN sig BLOB;
