-- The removals of an index's changes up to gone_from have been pruned
-- from search_gone: a copy in memory older than that is read again in
-- full instead of brought up to date.
ALTER TABLE search_seq ADD COLUMN gone_from BIGINT NOT NULL DEFAULT 0;
