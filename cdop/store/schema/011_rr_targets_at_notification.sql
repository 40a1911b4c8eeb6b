-- The joint agency response targets in force when a case was notified
-- (issue 11, D1/D2): when the death's date, time or expectedness is
-- corrected, every action's due time (done ones too) is worked out again
-- from these, never from a target changed since with `rr target`.
-- A case has a row only when some target then differed from its default
-- (forms/codes.c); `targets` lists those as "action=minutes", space apart.
CREATE TABLE case_rr_targets (
  case_id INTEGER PRIMARY KEY REFERENCES cases(id),
  targets TEXT NOT NULL
);

-- Cases notified before this migration: the targets their stored due
-- times were made from (due time minus the death, in minutes).
INSERT INTO case_rr_targets(case_id, targets)
SELECT a.case_id, group_concat(a.action || '=' ||
  CAST(round((julianday(a.due_at) - julianday(c.death_date || 'T' ||
  coalesce(c.death_time, '00:00'))) * 1440) AS INTEGER), ' ')
FROM rr_actions a JOIN cases c ON c.id = a.case_id
WHERE a.due_at IS NOT NULL
GROUP BY a.case_id;
