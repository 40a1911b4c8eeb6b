-- Store a fact once: the default joint agency response targets are the
-- SPEC's and live in one place, forms/codes.c (codes_rr_action). From now
-- on rr_targets holds only what an admin or manager has changed with
-- `rr target`; an action without a row has its default. Rows equal to the
-- defaults that 002 seeded are removed (they said nothing more than the
-- default). Due times already stored on actions do not move.
DELETE FROM rr_targets WHERE (action, minutes) IN (VALUES
  ('information_sharing_meeting', 4320),
  ('home_visit', 1440),
  ('police_informed', 1440),
  ('coroner_informed', 1440),
  ('key_worker_assigned', 2880),
  ('bereavement_support_offered', 10080),
  ('child_death_review_meeting', 120960));
