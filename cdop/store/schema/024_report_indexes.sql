-- 024 (issue 9, the annual report's statistics, cdop/report/stats.c):
-- each pass of the year's statistics reads its rows from an index that
-- holds every column the pass names (a covering index), so it reads no
-- page of the tables behind them. Every page read is a 4 KiB decrypt and
-- HMAC, and the rows a pass wants are spread over the table (the year's
-- rr actions, reviews and open cases), so the table pages were most of a
-- pass's cost. Each index below widens one that already exists (same
-- name, same leading columns, so every query that used it still does)
-- rather than adding another for an import to write and every open to
-- hash. The outstanding pass's statement changed with it (reviews read by
-- meeting date from reviews_meeting_date, not looked up per case).
-- Measured in bench/README.md ("Seventh pass").

-- The notifications pass: the year's cases by notified date, with whether
-- each was expected and the child resident (the rowid, the case id, is in
-- every index). The case list's order (notified date, then reference)
-- still reads it as before.
DROP INDEX cases_notified_ref;
CREATE INDEX cases_notified_ref ON cases(notified_date, ref, expected, resident);
-- The outstanding pass: the cases still open at the year end by status
-- and notified date, with the reference and death date it lists. The case
-- list by status, Today's clock and the due lists read it as before.
DROP INDEX cases_status;
CREATE INDEX cases_status ON cases(status, notified_date, ref, death_date);
-- The reviews pass: the year's reviews by meeting date, with the category,
-- modifiability and referral it counts; a review's row holds its whole
-- form, so each row read was a page (or more) of its own.
DROP INDEX reviews_meeting_date;
CREATE INDEX reviews_meeting_date ON reviews(meeting_date, category, modifiable, referred);
-- Not added: an index of rr_actions(case_id, action, due_at, done_on) for
-- the notifications pass's actions (which it reads by the UNIQUE
-- (case_id, action) index, then each row). It halved that pass's pages
-- but made a 26,000-case register 8% larger (5.8 MB), and every open of
-- the register hashes the whole file: each command would pay more than
-- the report saves.
