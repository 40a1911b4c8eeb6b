-- bench/report/baseline.sql — the annual report's tables as plain SQL
-- GROUP BY queries, one per table, run by the sqlcipher shell (SQLite 3.15,
-- the engine cdop uses) on an unencrypted copy of the register. The
-- benchmark's baseline: what the numbers cost without encryption, the
-- register's checks, disclosure control, formatting or signing.
--
-- run.sh replaces @FIRST@ and @LAST@ with the reporting year's first and
-- last day. Each output row is TABLE|ROW|COLUMN|COUNT; compare.py checks
-- them against cdop's board JSON. The definitions are those of
-- cdop/stats.h (age in completed days/years, whole calendar months).

-- notifications: a child not recorded as non-resident counts as resident
SELECT 'notifications', expected,
       CASE WHEN resident = 0 THEN 'non_resident' ELSE 'resident' END, count(*)
FROM cases WHERE notified_date BETWEEN '@FIRST@' AND '@LAST@'
GROUP BY 2, 3;

-- the reviews of the year with their banded properties, one query per table
SELECT 'reviews_by_category', category, modifiable, count(*)
FROM reviews WHERE meeting_date BETWEEN '@FIRST@' AND '@LAST@'
GROUP BY 2, 3;

SELECT 'reviews_by_age',
       CASE WHEN julianday(c.death_date) - julianday(c.date_of_birth) < 28 THEN '0-27d'
            WHEN m < 12 THEN '28-364d' WHEN m < 60 THEN '1-4' WHEN m < 120 THEN '5-9'
            WHEN m < 180 THEN '10-14' ELSE '15-17' END,
       modifiable, count(*)
FROM (SELECT c.death_date, c.date_of_birth, r.modifiable,
             (substr(c.death_date, 1, 4) * 12 + substr(c.death_date, 6, 2))
             - (substr(c.date_of_birth, 1, 4) * 12 + substr(c.date_of_birth, 6, 2))
             - (substr(c.death_date, 9, 2) < substr(c.date_of_birth, 9, 2)) AS m
      FROM reviews r JOIN cases c ON c.id = r.case_id
      WHERE r.meeting_date BETWEEN '@FIRST@' AND '@LAST@') AS c
GROUP BY 2, 3;

SELECT 'reviews_by_sex', c.sex, r.modifiable, count(*)
FROM reviews r JOIN cases c ON c.id = r.case_id
WHERE r.meeting_date BETWEEN '@FIRST@' AND '@LAST@'
GROUP BY 2, 3;

SELECT 'reviews_by_ethnicity',
       CASE WHEN c.ethnicity IN ('A', 'B', 'C') THEN 'white'
            WHEN c.ethnicity IN ('D', 'E', 'F', 'G') THEN 'mixed'
            WHEN c.ethnicity IN ('H', 'J', 'K', 'L') THEN 'asian'
            WHEN c.ethnicity IN ('M', 'N', 'P') THEN 'black'
            WHEN c.ethnicity IN ('R', 'S') THEN 'other' ELSE 'not_stated' END,
       r.modifiable, count(*)
FROM reviews r JOIN cases c ON c.id = r.case_id
WHERE r.meeting_date BETWEEN '@FIRST@' AND '@LAST@'
GROUP BY 2, 3;

SELECT 'reviews_by_expected', c.expected, r.modifiable, count(*)
FROM reviews r JOIN cases c ON c.id = r.case_id
WHERE r.meeting_date BETWEEN '@FIRST@' AND '@LAST@'
GROUP BY 2, 3;

SELECT 'reviews_by_place',
       CASE WHEN c.place IN ('hospital_ed', 'hospital_ward', 'neonatal_unit',
                             'intensive_care') THEN 'hospital'
            WHEN c.place = 'hospice' THEN 'hospice'
            WHEN c.place IN ('home', 'other_residence') THEN 'home'
            WHEN c.place IN ('public_place', 'school', 'abroad', 'other') THEN 'other'
            ELSE 'not_known' END,
       r.modifiable, count(*)
FROM reviews r JOIN cases c ON c.id = r.case_id
WHERE r.meeting_date BETWEEN '@FIRST@' AND '@LAST@'
GROUP BY 2, 3;

-- whole calendar months from death to meeting (m), and to the day before
-- (mp): exactly 12 months on the anniversary itself is still 6_to_12
SELECT 'review_duration',
       CASE WHEN m < 6 THEN 'under_6_months' WHEN m < 12 THEN '6_to_12_months'
            WHEN m = 12 AND mp < 12 THEN '6_to_12_months' ELSE 'over_12_months' END,
       'reviews', count(*)
FROM (SELECT (substr(t, 1, 4) * 12 + substr(t, 6, 2)) - (substr(f, 1, 4) * 12 + substr(f, 6, 2))
             - (substr(t, 9, 2) < substr(f, 9, 2)) AS m,
             (substr(p, 1, 4) * 12 + substr(p, 6, 2)) - (substr(f, 1, 4) * 12 + substr(f, 6, 2))
             - (substr(p, 9, 2) < substr(f, 9, 2)) AS mp
      FROM (SELECT c.death_date AS f, r.meeting_date AS t, date(r.meeting_date, '-1 day') AS p
            FROM reviews r JOIN cases c ON c.id = r.case_id
            WHERE r.meeting_date BETWEEN '@FIRST@' AND '@LAST@'))
GROUP BY 2;

-- outstanding at the year end: notified by then, no review held by then,
-- not transferred, not closed (or marked reviewed) without a review
SELECT 'outstanding',
       CASE WHEN m < 6 THEN 'under_6_months' WHEN m < 12 THEN '6_to_12_months'
            WHEN m = 12 AND mp < 12 THEN '6_to_12_months' ELSE 'over_12_months' END,
       'cases', count(*)
FROM (SELECT (substr(t, 1, 4) * 12 + substr(t, 6, 2)) - (substr(f, 1, 4) * 12 + substr(f, 6, 2))
             - (substr(t, 9, 2) < substr(f, 9, 2)) AS m,
             (substr(p, 1, 4) * 12 + substr(p, 6, 2)) - (substr(f, 1, 4) * 12 + substr(f, 6, 2))
             - (substr(p, 9, 2) < substr(f, 9, 2)) AS mp
      FROM (SELECT c.death_date AS f, '@LAST@' AS t, date('@LAST@', '-1 day') AS p
            FROM cases c LEFT JOIN reviews r ON r.case_id = c.id
            WHERE c.notified_date <= '@LAST@' AND c.status != 'transferred'
              AND (r.case_id IS NULL OR r.meeting_date > '@LAST@')
              AND NOT (r.case_id IS NULL AND c.status IN ('reviewed', 'closed'))))
GROUP BY 2;

-- joint agency response: unexpected deaths notified in the year
SELECT 'joint_agency_response', 'all', 'unexpected_deaths', count(*)
FROM cases WHERE notified_date BETWEEN '@FIRST@' AND '@LAST@' AND expected = 'unexpected';
SELECT 'joint_agency_response', a.action, 'done', count(a.done_on)
FROM cases c JOIN rr_actions a ON a.case_id = c.id
WHERE c.notified_date BETWEEN '@FIRST@' AND '@LAST@' AND c.expected = 'unexpected'
GROUP BY 2;
SELECT 'joint_agency_response', a.action, 'done_within_target',
       sum(a.done_on IS NOT NULL AND (a.due_at IS NULL OR
           (CASE WHEN length(a.done_on) = 10 THEN a.done_on || 'T23:59' ELSE a.done_on END)
           <= a.due_at))
FROM cases c JOIN rr_actions a ON a.case_id = c.id
WHERE c.notified_date BETWEEN '@FIRST@' AND '@LAST@' AND c.expected = 'unexpected'
GROUP BY 2;

SELECT 'referrals', CASE WHEN referred THEN 'referred_for_review' ELSE 'not_referred' END,
       'reviews', count(*)
FROM reviews WHERE meeting_date BETWEEN '@FIRST@' AND '@LAST@'
GROUP BY 2;

SELECT 'themes', t.theme, 'reviews', count(*)
FROM reviews r JOIN review_themes t ON t.case_id = r.case_id
WHERE r.meeting_date BETWEEN '@FIRST@' AND '@LAST@'
GROUP BY 2;

SELECT 'recommendations', 'made', 'count', count(*) FROM recommendations
WHERE made_on BETWEEN '@FIRST@' AND '@LAST@';
SELECT 'recommendations', 'completed', 'count', count(*) FROM recommendations
WHERE substr(done_on, 1, 10) BETWEEN '@FIRST@' AND '@LAST@';
SELECT 'recommendations', 'overdue_at_year_end', 'count', count(*) FROM recommendations
WHERE made_on <= '@LAST@' AND due <= '@LAST@'
  AND (done_on IS NULL OR substr(done_on, 1, 10) > '@LAST@');

SELECT 'meetings', 'held', 'meetings', count(*) FROM meetings
WHERE date BETWEEN '@FIRST@' AND '@LAST@';
SELECT 'meetings', 'held', 'attended', count(DISTINCT m.id)
FROM meetings m JOIN attendance a ON a.meeting_id = m.id
WHERE m.date BETWEEN '@FIRST@' AND '@LAST@';
SELECT 'meetings', a.agency, 'attended', count(DISTINCT m.id)
FROM meetings m JOIN attendance a ON a.meeting_id = m.id
WHERE m.date BETWEEN '@FIRST@' AND '@LAST@'
GROUP BY 2;
