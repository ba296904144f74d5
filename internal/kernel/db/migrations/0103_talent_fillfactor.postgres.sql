-- Room on each page of the talent applications for the new versions of
-- re-scored rows (heap-only updates: the score columns carry no index).
ALTER TABLE talent_applications SET (fillfactor = 70);
