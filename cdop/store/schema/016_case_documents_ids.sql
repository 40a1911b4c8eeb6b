-- Issue 9 (speed): the documents not yet sealed under K_id (registers
-- from before 008, until a manager opens them). Every manager's command
-- asks whether there are any (cases_seal_legacy); without this index that
-- question read every notification in the register, a full scan of
-- case_documents (about a tenth of an annual report's time at 26,000
-- cases). The index holds only the unsealed rows: once a register is
-- sealed it is empty, and a new case writes nothing to it.
CREATE INDEX case_documents_unsealed ON case_documents(case_id) WHERE sealed IS NULL;

-- The identifier fields of each notification (cdop/cases/idcheck.c,
-- idset_fields_text), sealed under K_id like the notification (context
-- "notification.ids"), so the identifier check's set is made by opening
-- these short texts rather than opening and parsing every notification
-- (about half of an annual report's time). NULL until the notification
-- is next written; idset_load then reads the notification itself.
ALTER TABLE case_documents ADD COLUMN ids BLOB;
-- A writer that changes the sealed notification without its ids leaves
-- them NULL, never out of date.
CREATE TRIGGER case_documents_ids_stale AFTER UPDATE OF sealed ON case_documents
WHEN NEW.ids IS OLD.ids
BEGIN
  UPDATE case_documents SET ids = NULL WHERE case_id = NEW.case_id;
END;
