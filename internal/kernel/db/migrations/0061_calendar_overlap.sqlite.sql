-- On SQLite the engine checks for overlaps and inserts in one write
-- transaction (writers are serialized); this index makes the check a
-- range scan.
CREATE INDEX calendar_bookings_blocking ON calendar_bookings (resource_id, blocks, starts_at, ends_at);
