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
DROP TRIGGER case_documents_ids_stale;
UPDATE case_documents SET ids = NULL, anon = NULL
  WHERE ids IS NOT NULL OR anon IS NOT NULL;
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
CREATE INDEX case_ids_no_ncmd ON case_ids(case_id) WHERE ncmd = 0;
CREATE INDEX case_ids_ncmd_unknown ON case_ids(case_id) WHERE ncmd IS NULL;
-- The case list's order (notified date, then reference) read from an
-- index, 50 rows at a time, instead of sorting every case; it serves the
-- notified-date ranges the old cases_notified did.
DROP INDEX cases_notified;
CREATE INDEX cases_notified_ref ON cases(notified_date, ref);
-- The cases in progress in that order, with their status: Today's clock
-- and the list filtered by an open status read this alone.
CREATE INDEX cases_open_notified ON cases(notified_date, ref, status)
  WHERE status IN ('notified', 'gathering', 'ready', 'scheduled');
