-- 003: panel meetings, reviews and the recommendation tracker.

CREATE TABLE meetings (
  id    INTEGER PRIMARY KEY,
  date  TEXT NOT NULL,                         -- YYYY-MM-DD
  chair TEXT
);
CREATE INDEX meetings_date ON meetings(date);

-- Cases on a meeting's agenda.
CREATE TABLE meeting_cases (
  meeting_id INTEGER NOT NULL REFERENCES meetings(id),
  case_id    INTEGER NOT NULL REFERENCES cases(id),
  PRIMARY KEY (meeting_id, case_id)
);

CREATE TABLE attendance (
  id         INTEGER PRIMARY KEY,
  meeting_id INTEGER NOT NULL REFERENCES meetings(id),
  name       TEXT NOT NULL,
  agency     TEXT NOT NULL,
  role       TEXT
);
CREATE INDEX attendance_meeting ON attendance(meeting_id);

-- The analysis form: one current review per case (an amendment at a later
-- meeting replaces it; the audit trail keeps the change). `form` is the
-- normalised review JSON; the columns copy what the report counts.
CREATE TABLE reviews (
  case_id       INTEGER PRIMARY KEY REFERENCES cases(id),
  meeting_id    INTEGER NOT NULL REFERENCES meetings(id),
  meeting_date  TEXT NOT NULL,
  form          TEXT NOT NULL,
  category      INTEGER NOT NULL,
  modifiable    TEXT NOT NULL,
  referred      INTEGER NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX reviews_meeting_date ON reviews(meeting_date);

-- Review themes, one row each, for the report.
CREATE TABLE review_themes (
  case_id INTEGER NOT NULL REFERENCES cases(id),
  theme   TEXT NOT NULL,
  PRIMARY KEY (case_id, theme)
);

-- Recommendations become tracked actions with an id.
CREATE TABLE recommendations (
  id       INTEGER PRIMARY KEY,
  case_id  INTEGER NOT NULL REFERENCES cases(id),
  made_on  TEXT NOT NULL,                      -- the meeting date
  text     TEXT NOT NULL,
  owner    TEXT NOT NULL,
  due      TEXT NOT NULL,
  done_on  TEXT
);
CREATE INDEX recommendations_case ON recommendations(case_id);
