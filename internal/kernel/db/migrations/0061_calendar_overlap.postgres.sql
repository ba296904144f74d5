-- PostgreSQL holds the no-overlap rule itself: no two blocking bookings of
-- one resource share an instant.
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE calendar_bookings ADD CONSTRAINT calendar_bookings_no_overlap
	EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (blocks);
