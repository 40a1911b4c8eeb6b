-- 022: a recommendation's number (its action id: `action done ID`, the
-- tracker, the audit trail's object "action N") is never given to another.
-- Without AUTOINCREMENT SQLite hands out the largest id plus one, so when
-- the newest recommendation was removed (a review recorded again at the
-- same meeting with fewer recommendations) its number went to the next one
-- made, and an audit entry about the removed one read as about the new.
-- SQLite 3.15 cannot add AUTOINCREMENT to a table: it is rebuilt with the
-- same columns, rows and indexes. The numbers used before this migration
-- and removed are not known; the sequence starts at the largest kept.
CREATE TABLE recommendations_022 (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id    INTEGER NOT NULL REFERENCES cases(id),
  made_on    TEXT NOT NULL,                      -- the meeting date
  text       TEXT NOT NULL,
  owner      TEXT NOT NULL,
  due        TEXT NOT NULL,
  done_on    TEXT,
  text_check TEXT NOT NULL DEFAULT 'unchecked'
    CHECK (text_check IN ('unchecked', 'checked', 'flagged')),
  check_what TEXT
);
INSERT INTO recommendations_022(id, case_id, made_on, text, owner, due, done_on,
                                text_check, check_what)
  SELECT id, case_id, made_on, text, owner, due, done_on, text_check, check_what
  FROM recommendations;
DROP TABLE recommendations;
ALTER TABLE recommendations_022 RENAME TO recommendations;
CREATE INDEX recommendations_case ON recommendations(case_id);
CREATE INDEX recommendations_text_check ON recommendations(case_id)
  WHERE text_check <> 'checked';
CREATE INDEX recommendations_open ON recommendations(due) WHERE done_on IS NULL;
