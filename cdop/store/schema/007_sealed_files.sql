-- 007: sealed files (SPEC §8, issue 13).
--
-- Documents an agency sends with its reporting form (`agency receive
-- --attach`). Name and content are identifiable: both are stored sealed
-- (store_seal_identifiable), never in plain text; only the size and the
-- day it came are plain, so the panel can be told how many there are.
CREATE TABLE agency_attachments (
  id        INTEGER PRIMARY KEY,
  report_id INTEGER NOT NULL REFERENCES agency_reports(id),
  name      BLOB NOT NULL,                      -- sealed file name
  content   BLOB NOT NULL,                      -- sealed bytes
  bytes     INTEGER NOT NULL,                   -- size before sealing
  added_on  TEXT NOT NULL                       -- YYYY-MM-DD
);
CREATE INDEX agency_attachments_report ON agency_attachments(report_id);

-- Cases that came from, or went to, another register (`transfer`,
-- `import` of a transfer file). `their_ref` is the reference the case has
-- on the other register (the sender's reference, kept here rather than in
-- `cases`, whose ref is always this register's own); `peer` that
-- register's age recipient when known.
CREATE TABLE case_transfers (
  id        INTEGER PRIMARY KEY,
  case_id   INTEGER NOT NULL REFERENCES cases(id),
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  their_ref TEXT,
  peer      TEXT,
  on_date   TEXT NOT NULL,
  summary   TEXT                                -- 'in': the sender's audit summary, JSON
);
CREATE INDEX case_transfers_case ON case_transfers(case_id);
