-- The calendar engine: resources with weekly opening hours in their time
-- zone, blackout periods, and bookings as half-open intervals
-- [starts_at, ends_at) that never overlap on one resource while they
-- block (approved and checked in, and pending where the resource says
-- so). On PostgreSQL an exclusion constraint holds it (see the .postgres
-- variant); on SQLite the check and the insert run in one write
-- transaction.

CREATE TABLE calendar_resources (
	id {{ID}},
	owner_org_id BIGINT REFERENCES orgs(id),
	name TEXT NOT NULL,
	time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
	slot_minutes INTEGER NOT NULL CHECK (slot_minutes BETWEEN 1 AND 1440),
	min_minutes INTEGER NOT NULL CHECK (min_minutes >= 1),
	max_minutes INTEGER NOT NULL,
	pending_blocks BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (max_minutes >= min_minutes)
);

-- Weekly opening hours: weekday 0 (Sunday) to 6, minutes after local
-- midnight, [start_min, end_min).
CREATE TABLE calendar_hours (
	resource_id BIGINT NOT NULL REFERENCES calendar_resources(id) ON DELETE CASCADE,
	weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
	start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1440),
	end_min INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1440),
	CHECK (end_min > start_min)
);
CREATE INDEX calendar_hours_resource ON calendar_hours (resource_id, weekday);

CREATE TABLE calendar_blackouts (
	id {{ID}},
	resource_id BIGINT NOT NULL REFERENCES calendar_resources(id) ON DELETE CASCADE,
	starts_at {{TS}} NOT NULL,
	ends_at {{TS}} NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	CHECK (ends_at > starts_at)
);
CREATE INDEX calendar_blackouts_resource ON calendar_blackouts (resource_id, starts_at);

CREATE TABLE calendar_bookings (
	id {{ID}},
	resource_id BIGINT NOT NULL REFERENCES calendar_resources(id),
	starts_at {{TS}} NOT NULL,
	ends_at {{TS}} NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'checked_in', 'completed', 'cancelled', 'rejected', 'no_show')),
	-- Whether the booking holds its slot now (kept by the engine).
	blocks BOOLEAN NOT NULL,
	user_id BIGINT,
	org_id BIGINT,
	series_id BIGINT,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (ends_at > starts_at)
);
CREATE INDEX calendar_bookings_resource ON calendar_bookings (resource_id, starts_at);
CREATE INDEX calendar_bookings_user ON calendar_bookings (user_id, starts_at);
