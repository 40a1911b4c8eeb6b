-- 019 (issue 12, search speed): what a browser session's search index
-- (cdop/cases/search.c, held only in that manager's memory) was made from
-- is named by meta's ids_version with the greatest case id, so the session
-- knows when it is stale without trusting a clock. ids_version gets a new
-- random value at every change of a case's sealed ids (an update of
-- case_ids.case_id or ids, not ncmd; a row replaced; a row deleted) and of
-- a case's id or reference, or a case deleted. A new case needs no
-- trigger: it has a greater id. A first case_ids row for an older case
-- needs none either: the index holds a case without ids by its reference
-- and reads its notification at every search. (Triggers on the inserts
-- would write meta once per row: the import of 2,600 cases took a quarter
-- to twice as long again.) Random, not a counter: a copy of the register
-- put back (a restore) cannot come back to a value an index was made
-- from unless it is that very state.
INSERT OR REPLACE INTO meta(key, value) VALUES ('ids_version', lower(hex(randomblob(16))));
CREATE TRIGGER case_ids_version_replace BEFORE INSERT ON case_ids
WHEN EXISTS (SELECT 1 FROM case_ids WHERE case_id = NEW.case_id)
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
CREATE TRIGGER cases_version_update AFTER UPDATE OF id, ref ON cases
BEGIN
  UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'ids_version';
END;
CREATE TRIGGER cases_version_delete AFTER DELETE ON cases
BEGIN
  UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'ids_version';
END;
