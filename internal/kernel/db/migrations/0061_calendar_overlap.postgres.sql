-- PostgreSQL holds the no-overlap rule itself: no two blocking bookings of
-- one resource share an instant. The extension lives in the public schema
-- (extensions are per database, not per schema), so that no schema's
-- removal takes it away from the others.
CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;
ALTER TABLE calendar_bookings ADD CONSTRAINT calendar_bookings_no_overlap
	EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (blocks);
