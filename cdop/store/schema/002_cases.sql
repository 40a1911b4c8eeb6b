-- 002: the case register. One row per child death, its joint agency
-- response actions and its agency reporting forms. Every identifiable
-- value lives only inside this encrypted file.

-- A case. `notification` is the normalised notification JSON exactly as
-- validated by forms/ (the source of truth); the other columns are copies
-- of single fields kept for duplicate checks, filters and the report.
CREATE TABLE cases (
  id            INTEGER PRIMARY KEY,
  ref           TEXT NOT NULL UNIQUE,        -- CDOP-YYYY-NNNN
  status        TEXT NOT NULL DEFAULT 'notified',
  notification  TEXT NOT NULL,
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
CREATE INDEX cases_nhs ON cases(nhs_number);
CREATE INDEX cases_person ON cases(surname_key, date_of_birth, death_date);
CREATE INDEX cases_notified ON cases(notified_date);
CREATE INDEX cases_status ON cases(status);

-- Running numbers for references, per year of notification.
CREATE TABLE case_refs (
  year INTEGER PRIMARY KEY,
  last INTEGER NOT NULL
);

-- Rapid-response targets in minutes after the death (SPEC defaults; an
-- admin may change them). Seeded below.
CREATE TABLE rr_targets (
  action  TEXT PRIMARY KEY,
  minutes INTEGER NOT NULL CHECK (minutes > 0)
);
INSERT INTO rr_targets(action, minutes) VALUES
  ('information_sharing_meeting', 4320),
  ('home_visit', 1440),
  ('police_informed', 1440),
  ('coroner_informed', 1440),
  ('key_worker_assigned', 2880),
  ('bereavement_support_offered', 10080),
  ('child_death_review_meeting', 120960);

-- Joint agency response actions. For an unexpected death every action is
-- created with its due time when the case is notified; `done_on` is set
-- when it happens (DATE or DATETHH:MM).
CREATE TABLE rr_actions (
  id       INTEGER PRIMARY KEY,
  case_id  INTEGER NOT NULL REFERENCES cases(id),
  action   TEXT NOT NULL,
  due_at   TEXT,                               -- YYYY-MM-DDTHH:MM or NULL
  done_on  TEXT,
  done_by  TEXT,
  notes    TEXT,
  UNIQUE (case_id, action)
);
CREATE INDEX rr_actions_due ON rr_actions(done_on, due_at);

-- Reporting forms requested from and returned by agencies.
CREATE TABLE agency_reports (
  id        INTEGER PRIMARY KEY,
  case_id   INTEGER NOT NULL REFERENCES cases(id),
  agency    TEXT NOT NULL,
  requested TEXT,
  due       TEXT,
  received  TEXT,
  form      TEXT,                               -- JSON returned with it, if any
  UNIQUE (case_id, agency)
);
CREATE INDEX agency_reports_due ON agency_reports(received, due);
