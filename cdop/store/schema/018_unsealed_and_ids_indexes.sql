-- Issue 9 (speed), two questions that read far more of the file than
-- they need.
--
-- Every manager's command asks whether any action's done_by or notes, or
-- any agency report's form, is still plain text from before 008
-- (cdop/cases/cases.c, legacy_any): without an index that read every
-- action and every agency report (about a tenth of an annual report's
-- time at 26,000 cases). These partial indexes hold only such rows: once
-- a register is sealed they are empty, and new rows write nothing to them.
CREATE INDEX rr_actions_unsealed ON rr_actions(id)
  WHERE typeof(done_by) = 'text' OR typeof(notes) = 'text';
CREATE INDEX agency_reports_unsealed ON agency_reports(id) WHERE typeof(form) = 'text';

-- (The identifier check's set reads case_ids, migration 017, which holds
-- each case's sealed ids apart from the notifications: no index is needed
-- for it here.)
