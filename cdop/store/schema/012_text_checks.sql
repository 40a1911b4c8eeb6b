-- 012: whether each learning text and each recommendation's text has been
-- checked for identifiers (issue 11). Under keys by role the identifiers are
-- sealed under the manager's K_id, so text written without it (a panel
-- member's review, in the terminal or the browser) cannot be checked when it
-- is written. It is stored 'unchecked' and checked at a manager's next
-- unlock, or when a manager opens the case (cdop/cases/idcheck.c,
-- idcheck_pending). A text that passes becomes 'checked'; one that holds an
-- identifier becomes 'flagged', with check_what saying what kind ("a name",
-- never the word), and is shown to the manager to fix. A report publishes
-- learning only when it is publishable and 'checked' (cdop/report/report.c).
-- Rows written before this migration are 'unchecked': nobody can tell now
-- whether a panel member wrote them.
ALTER TABLE reviews ADD COLUMN text_check TEXT NOT NULL DEFAULT 'unchecked'
  CHECK (text_check IN ('unchecked', 'checked', 'flagged'));
ALTER TABLE reviews ADD COLUMN check_what TEXT;
ALTER TABLE recommendations ADD COLUMN text_check TEXT NOT NULL DEFAULT 'unchecked'
  CHECK (text_check IN ('unchecked', 'checked', 'flagged'));
ALTER TABLE recommendations ADD COLUMN check_what TEXT;
-- The few texts still to check or fix, found without reading every review.
CREATE INDEX reviews_text_check ON reviews(case_id) WHERE text_check <> 'checked';
CREATE INDEX recommendations_text_check ON recommendations(case_id)
  WHERE text_check <> 'checked';
