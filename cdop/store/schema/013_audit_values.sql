-- 013: the old and new values of a change, for `case history` (SPEC §2,
-- §6). An entry's detail names the fields changed, with the values of
-- fields that are not identifiable in clear; the identifiable ones (and
-- free text) are sealed here under the manager's key (audit.c: K_id, or
-- the register's age recipient for a writer without it), bound to the
-- entry's seq. The chain hash covers these bytes when present, so the
-- signature does too. Entries before this migration have none: history
-- shows "not recorded" for their identifiable fields.
ALTER TABLE audit ADD COLUMN sealed BLOB;
