-- An instrument's photo, stored with it (the pages' content security
-- policy serves images from the platform only).
CREATE TABLE instrument_photos (
	instrument_id BIGINT PRIMARY KEY REFERENCES instruments(id),
	content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
	data {{BLOB}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
