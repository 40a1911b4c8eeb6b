-- 023: the meetings page counts each meeting's reviews (meetings_list,
-- cdop/panel/meetings.c). Without an index on meeting_id that count read
-- every review row, form and all (about 29 ms of the page's 30 at 26,000
-- reviews, issue 12); this index answers it alone (a covering index).
CREATE INDEX reviews_meeting ON reviews(meeting_id);
