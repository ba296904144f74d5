-- Module M9, events: roadshows, competitions, angel-investment
-- matchmaking, salons and training, with registration, a waitlist,
-- check-in and, for matchmaking, meetings of investors and startups in
-- slots booked on the calendar engine (a resource per participant).

CREATE TABLE events (
	id {{ID}},
	organiser_org_id BIGINT NOT NULL REFERENCES orgs(id),
	kind TEXT NOT NULL CHECK (kind IN ('roadshow', 'competition', 'matchmaking', 'salon', 'training')),
	title_zh TEXT NOT NULL,
	title_en TEXT NOT NULL DEFAULT '',
	description_zh TEXT NOT NULL DEFAULT '',
	description_en TEXT NOT NULL DEFAULT '',
	venue TEXT NOT NULL DEFAULT '',
	online_url TEXT NOT NULL DEFAULT '',
	district TEXT NOT NULL,
	starts_at {{TS}} NOT NULL,
	ends_at {{TS}} NOT NULL,
	capacity INTEGER NOT NULL CHECK (capacity > 0),
	reg_opens_at {{TS}} NOT NULL,
	reg_closes_at {{TS}} NOT NULL,
	audience TEXT NOT NULL CHECK (audience IN ('signed_in', 'enterprises', 'investors')),
	meeting_minutes INTEGER NOT NULL DEFAULT 20 CHECK (meeting_minutes BETWEEN 5 AND 240),
	status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'closed', 'cancelled')),
	cancel_reason TEXT NOT NULL DEFAULT '',
	-- Registrations take a number from reg_seq under the event's row lock,
	-- so that seats and the waitlist's order never race.
	reg_seq INTEGER NOT NULL DEFAULT 0,
	seats_taken INTEGER NOT NULL DEFAULT 0 CHECK (seats_taken >= 0 AND seats_taken <= capacity),
	created_by BIGINT REFERENCES users(id),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (ends_at > starts_at),
	CHECK (reg_closes_at > reg_opens_at AND reg_closes_at <= ends_at)
);
CREATE INDEX events_start ON events (status, starts_at);
CREATE INDEX events_district ON events (district, starts_at);
CREATE INDEX events_organiser ON events (organiser_org_id, starts_at);

CREATE TABLE event_registrations (
	id {{ID}},
	event_id BIGINT NOT NULL REFERENCES events(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	org_id BIGINT REFERENCES orgs(id),
	-- investor or startup at matchmaking events, '' otherwise.
	side TEXT NOT NULL DEFAULT '' CHECK (side IN ('', 'investor', 'startup')),
	status TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled')),
	seq INTEGER NOT NULL,
	-- The per-registration check-in code (shown as text or a QR code).
	code TEXT NOT NULL UNIQUE,
	checked_in_at {{TS}},
	-- The participant's calendar resource at matchmaking events.
	resource_id BIGINT REFERENCES calendar_resources(id),
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
-- One live registration per user and event; a cancelled one may be
-- followed by a new one.
CREATE UNIQUE INDEX event_registrations_live ON event_registrations (event_id, user_id) WHERE status <> 'cancelled';
CREATE UNIQUE INDEX event_registrations_seq ON event_registrations (event_id, seq);
CREATE INDEX event_registrations_user ON event_registrations (user_id, event_id);

-- A matchmaking participant's wishes: the other side's registrations,
-- by rank (1 first).
CREATE TABLE event_preferences (
	registration_id BIGINT NOT NULL REFERENCES event_registrations(id),
	target_id BIGINT NOT NULL REFERENCES event_registrations(id),
	rank INTEGER NOT NULL CHECK (rank >= 1),
	PRIMARY KEY (registration_id, target_id)
);

-- A meeting of an investor and a startup in a slot, each side's time a
-- booking on its own calendar resource.
CREATE TABLE event_meetings (
	id {{ID}},
	event_id BIGINT NOT NULL REFERENCES events(id),
	slot INTEGER NOT NULL CHECK (slot >= 0),
	table_no INTEGER NOT NULL CHECK (table_no >= 1),
	investor_id BIGINT NOT NULL REFERENCES event_registrations(id),
	startup_id BIGINT NOT NULL REFERENCES event_registrations(id),
	investor_booking_id BIGINT NOT NULL REFERENCES calendar_bookings(id),
	startup_booking_id BIGINT NOT NULL REFERENCES calendar_bookings(id),
	-- mutual, investor (the investor asked), startup, or none.
	preference TEXT NOT NULL CHECK (preference IN ('mutual', 'investor', 'startup', 'none')),
	starts_at {{TS}} NOT NULL,
	ends_at {{TS}} NOT NULL,
	UNIQUE (event_id, investor_id, startup_id),
	UNIQUE (event_id, slot, investor_id),
	UNIQUE (event_id, slot, startup_id)
);

-- A user's iCalendar feed of the events they registered for.
CREATE TABLE event_user_feeds (
	user_id BIGINT PRIMARY KEY REFERENCES users(id),
	token TEXT NOT NULL UNIQUE
);
