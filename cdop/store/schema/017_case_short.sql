-- 017 (issue 12, page speed): the short per-case values the pages read
-- for every row move out of case_documents into tables of their own, so
-- reading them no longer reads the rows (and any overflow pages) of the
-- sealed notifications stored beside them; each page is read and
-- decrypted per request, so the pages a query touches are its cost.
--
-- case_ids: the sealed identifier fields (was case_documents.ids,
-- migration 016; search and the identifier check open them) and whether
-- the notification has notified.ncmd_date (Today's NCMD clock): 1 or 0,
-- NULL when not known (the clock then reads the notification).
CREATE TABLE case_ids (
  case_id INTEGER PRIMARY KEY REFERENCES cases(id),
  ncmd    INTEGER,
  ids     BLOB
);
-- The anonymised notification, what the panel sees (was
-- case_documents.anon, migration 008).
CREATE TABLE case_anon (
  case_id INTEGER PRIMARY KEY REFERENCES cases(id),
  anon    TEXT NOT NULL
);
-- The anonymised copy is compact JSON: a quote inside a value is escaped,
-- so '"ncmd_date":' there is the key itself (the form has one such field,
-- notified.ncmd_date). Without a copy (a register not yet sealed), not
-- known.
INSERT INTO case_ids(case_id, ncmd, ids)
  SELECT case_id, CASE WHEN anon IS NULL THEN NULL
                       ELSE instr(anon, '"ncmd_date":') > 0 END, ids
  FROM case_documents;
INSERT INTO case_anon(case_id, anon)
  SELECT case_id, anon FROM case_documents WHERE anon IS NOT NULL;
-- case_documents is rebuilt without them (SQLite 3.15 has no DROP
-- COLUMN), so its rows are packed again and the file does not grow by the
-- copy (auto_vacuum frees the old pages at commit). No table refers to it.
DROP TRIGGER case_documents_ids_stale;
DROP INDEX case_documents_unsealed;
CREATE TABLE case_documents_017 (
  case_id INTEGER PRIMARY KEY REFERENCES cases(id),
  json    TEXT NOT NULL,
  sealed  BLOB
);
INSERT INTO case_documents_017(case_id, json, sealed)
  SELECT case_id, json, sealed FROM case_documents;
DROP TABLE case_documents;
ALTER TABLE case_documents_017 RENAME TO case_documents;
CREATE INDEX case_documents_unsealed ON case_documents(case_id) WHERE sealed IS NULL;
-- A writer that changes the sealed notification without its short values
-- leaves them unknown, never out of date (the writers write these after
-- the notification).
CREATE TRIGGER case_documents_short_stale AFTER UPDATE OF sealed ON case_documents
BEGIN
  UPDATE case_ids SET ids = NULL, ncmd = NULL WHERE case_id = NEW.case_id;
  DELETE FROM case_anon WHERE case_id = NEW.case_id;
END;

-- Today's clock: the cases without an NCMD date, and whether any is not
-- known (normally none).
CREATE INDEX case_ids_no_ncmd ON case_ids(case_id, ncmd) WHERE ncmd = 0;
CREATE INDEX case_ids_ncmd_unknown ON case_ids(case_id) WHERE ncmd IS NULL;
-- The case list's order (notified date, then reference) read from an
-- index, 50 rows at a time, instead of sorting every case; it serves the
-- notified-date ranges the old cases_notified did.
DROP INDEX cases_notified;
CREATE INDEX cases_notified_ref ON cases(notified_date, ref);
-- By status in that order: the list filtered by a status reads one range
-- of it, and Today's clock and the due lists, which ask for statuses,
-- read the status and date from it without reading the cases.
CREATE INDEX cases_status ON cases(status, notified_date, ref);
-- The open recommendations by due date (the rowid after it): Today and the
-- tracker page read the first of them, and count them, from this alone.
CREATE INDEX recommendations_open ON recommendations(due) WHERE done_on IS NULL;
-- The cases ready for panel, in Today's order.
CREATE INDEX cases_ready ON cases(status, death_date, ref) WHERE status = 'ready';
-- The due lists (005's partial indexes) hold every column Today reads and
-- counts (the column of the WHERE too: an index covers a query only when
-- it has every column the query names), so it reads no row of the tables.
DROP INDEX rr_actions_due;
CREATE INDEX rr_actions_due ON rr_actions(due_at, case_id, action, done_on)
  WHERE done_on IS NULL;
DROP INDEX agency_reports_due;
CREATE INDEX agency_reports_due ON agency_reports(due, requested, case_id, agency, received)
  WHERE received IS NULL;
