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

-- The identifier check's set is made from each notification's sealed ids
-- (016; cdop/cases/idcheck.c, load_documents). In case_documents they sit
-- behind the sealed notification and its anonymised copy, so reading them
-- read and decrypted every notification's pages. This index holds the ids
-- alone (about 150 bytes a case), so the set reads only its pages; the
-- few documents without ids are found through the second, normally empty.
CREATE INDEX case_documents_ids ON case_documents(case_id, ids) WHERE ids IS NOT NULL;
CREATE INDEX case_documents_no_ids ON case_documents(case_id) WHERE ids IS NULL;
