-- 010: every public edition of the annual report that was written (SPEC §5:
-- "The register remembers every public edition it has written"). A later
-- public edition of the same year is audited together with every earlier
-- one, because a reader may hold them all (cdop/report/dc_audit.c,
-- docs/disclosure.md). Numbered 010 so that migrations of other work in
-- progress can take 007-009.
CREATE TABLE editions (
  id         INTEGER PRIMARY KEY,
  year       TEXT NOT NULL,       -- reporting year, "2025-26"
  policy     TEXT NOT NULL CHECK (policy IN ('dfe', 'nhs')),
  written_at TEXT NOT NULL,       -- UTC, YYYY-MM-DDTHH:MM:SSZ
  counted_to TEXT NOT NULL,       -- last date counted: the year end, or today for an interim
  extra      INTEGER NOT NULL,    -- cells the audit withheld beyond the policy's rules
  -- JSON {"TABLE": {"rows": [LABEL...], "columns": [LABEL...],
  --        "published": [[TEXT...]...], "count": [[N...]...]}}: what the
  -- edition printed for every count cell, and the exact counts it was made
  -- from (which tell whether two editions describe the same data).
  cells      TEXT NOT NULL
);
CREATE INDEX editions_year ON editions(year, id);
