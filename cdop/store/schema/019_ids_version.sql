-- 019 (issue 12, search speed): meta's ids_version changes whenever what a
-- search compares may have changed, so a browser session that keeps the
-- identifiers it opened (cdop/cases/search.c, the search index, held only
-- in that manager's memory) knows when they are stale without trusting a
-- clock: every insert, delete or change of a case's sealed ids
-- (case_ids.case_id, ids; not ncmd) or of a case's id or reference gives
-- it a new random value. Random, not a counter: a copy of the register
-- put back (a restore) cannot come back to a value an index was made
-- from unless it is that very state.
INSERT OR REPLACE INTO meta(key, value) VALUES ('ids_version', lower(hex(randomblob(16))));
CREATE TRIGGER case_ids_version_insert AFTER INSERT ON case_ids
BEGIN
  UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'ids_version';
END;
CREATE TRIGGER case_ids_version_update AFTER UPDATE OF case_id, ids ON case_ids
BEGIN
  UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'ids_version';
END;
CREATE TRIGGER case_ids_version_delete AFTER DELETE ON case_ids
BEGIN
  UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'ids_version';
END;
CREATE TRIGGER cases_version_insert AFTER INSERT ON cases
BEGIN
  UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'ids_version';
END;
CREATE TRIGGER cases_version_update AFTER UPDATE OF id, ref ON cases
BEGIN
  UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'ids_version';
END;
CREATE TRIGGER cases_version_delete AFTER DELETE ON cases
BEGIN
  UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'ids_version';
END;
