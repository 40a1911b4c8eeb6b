-- 005: the notification JSON moves out of `cases` into its own table, so
-- the columns the register queries (cases_columns in cdop/cases/cases.c)
-- sit in small rows: a count over a year's cases reads a few pages, not
-- every notification. `cases` is rebuilt without its `notification`
-- column (SQLite 3.15 has no DROP COLUMN); ids are kept, so every table
-- that refers to a case still does. All in the migration's one
-- transaction.

-- The normalised notification JSON of each case (the source of truth for
-- the columns of `cases` copied from it).
CREATE TABLE case_documents (
  case_id INTEGER PRIMARY KEY REFERENCES cases(id),
  json    TEXT NOT NULL
);
INSERT INTO case_documents(case_id, json) SELECT id, notification FROM cases;

-- Foreign keys stay on: checked at COMMIT instead, when every case is
-- back. The temporary index spares the checks a scan of meeting_cases per
-- case.
PRAGMA defer_foreign_keys = ON;
CREATE INDEX meeting_cases_case_005 ON meeting_cases(case_id);
CREATE TEMP TABLE cases_005 AS SELECT id, ref, status, nhs_number, surname_key,
  date_of_birth, death_date, death_time, notified_date, expected, resident, sex,
  ethnicity, place, created_at, updated_at FROM cases;
DROP TABLE cases;
CREATE TABLE cases (
  id            INTEGER PRIMARY KEY,
  ref           TEXT NOT NULL UNIQUE,        -- CDOP-YYYY-NNNN
  status        TEXT NOT NULL DEFAULT 'notified',
  nhs_number    TEXT,                        -- digits only, or NULL
  surname_key   TEXT NOT NULL,               -- lower-cased surname
  date_of_birth TEXT NOT NULL,
  death_date    TEXT NOT NULL,
  death_time    TEXT,                        -- HH:MM or NULL
  notified_date TEXT NOT NULL,
  expected      TEXT NOT NULL,               -- expected | unexpected
  resident      INTEGER,                     -- 1, 0 or NULL (not given)
  sex           TEXT NOT NULL,
  ethnicity     TEXT,
  place         TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
INSERT INTO cases SELECT * FROM temp.cases_005;
DROP TABLE temp.cases_005;
DROP INDEX meeting_cases_case_005;
CREATE INDEX cases_nhs ON cases(nhs_number);
CREATE INDEX cases_person ON cases(surname_key, date_of_birth, death_date);
CREATE INDEX cases_notified ON cases(notified_date);

-- Indexes hold only the rows their queries look for, so an import does
-- not write an index entry for every action done or report received:
-- the awaiting statuses (the report's cases awaiting review), the
-- actions not done (rr due) and the reports not received (agency due).
CREATE INDEX cases_awaiting ON cases(status)
  WHERE status IN ('notified', 'gathering', 'ready', 'scheduled');
DROP INDEX rr_actions_due;
CREATE INDEX rr_actions_due ON rr_actions(due_at) WHERE done_on IS NULL;
DROP INDEX agency_reports_due;
CREATE INDEX agency_reports_due ON agency_reports(due) WHERE received IS NULL;
