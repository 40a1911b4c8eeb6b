-- 004: close a gap in 001's append-only triggers. INSERT OR REPLACE on an
-- existing seq deletes and re-inserts without firing DELETE triggers (unless
-- recursive_triggers is on), so a replacement is refused here. The hash chain
-- would still catch it; this stops it happening at all.
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
WHEN EXISTS (SELECT 1 FROM audit WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
