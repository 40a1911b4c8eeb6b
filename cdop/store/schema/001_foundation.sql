-- 001: the foundation. Facts about the register, its users and the audit
-- trail. Applied inside one transaction; PRAGMA user_version records it.

-- Key/value facts: register_id (hex, must match the keyring), kdf_ops and
-- kdf_mem (default Argon2id parameters for new slots), audit_head_seq and
-- audit_head_hash (the newest audit entry, so a removed tail is noticed),
-- created_at.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Accounts. The passphrase-wrapped keys live in the keyring; this table is
-- the authority on role and state (the keyring's copies must agree).
CREATE TABLE users (
  name       TEXT PRIMARY KEY,
  role       TEXT NOT NULL CHECK (role IN ('admin','manager','panel','analyst')),
  state      TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','disabled')),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);

-- The audit trail. hash = keyed BLAKE2b over the previous entry's hash and
-- this entry's fields (seq, at, user, action, object, detail).
CREATE TABLE audit (
  seq    INTEGER PRIMARY KEY,
  at     TEXT NOT NULL,
  user   TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  hash   BLOB NOT NULL
);

-- Append-only, even for our own code: a change or removal fails the
-- transaction it is in.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
