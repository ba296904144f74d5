-- Module M5: shared scientific instruments. Each instrument is a resource
-- of the calendar engine; its bookings carry the fee class, the mode
-- (with an operator or self-service after training), the actual use and
-- the charge.

CREATE TABLE instruments (
	id {{ID}},
	owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
	resource_id BIGINT NOT NULL REFERENCES calendar_resources(id),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL,
	make TEXT NOT NULL DEFAULT '',
	model TEXT NOT NULL DEFAULT '',
	location TEXT NOT NULL DEFAULT '',
	region TEXT NOT NULL CHECK (region IN ('shanghai', 'jiangsu', 'zhejiang', 'anhui')),
	district TEXT NOT NULL DEFAULT '',
	purchase_value_fen BIGINT NOT NULL DEFAULT 0 CHECK (purchase_value_fen >= 0),
	capabilities_zh TEXT NOT NULL DEFAULT '',
	capabilities_en TEXT NOT NULL DEFAULT '',
	photo_url TEXT NOT NULL DEFAULT '',
	-- hour or sample
	fee_unit TEXT NOT NULL CHECK (fee_unit IN ('hour', 'sample')),
	fee_internal_fen BIGINT NOT NULL CHECK (fee_internal_fen >= 0),
	fee_external_fen BIGINT NOT NULL CHECK (fee_external_fen >= 0),
	fee_sme_fen BIGINT NOT NULL CHECK (fee_sme_fen >= 0),
	operator_required BOOLEAN NOT NULL DEFAULT TRUE,
	training_required BOOLEAN NOT NULL DEFAULT FALSE,
	-- Requests up to this many minutes are approved at once (0: never),
	-- for users who need no training or have it.
	auto_approve_minutes INTEGER NOT NULL DEFAULT 0 CHECK (auto_approve_minutes >= 0),
	-- Cancelling later than this many hours before the start costs
	-- late_cancel_pct of the estimate; a no-show costs no_show_pct.
	cancel_free_hours INTEGER NOT NULL DEFAULT 24 CHECK (cancel_free_hours >= 0),
	late_cancel_pct INTEGER NOT NULL DEFAULT 50 CHECK (late_cancel_pct BETWEEN 0 AND 100),
	no_show_pct INTEGER NOT NULL DEFAULT 100 CHECK (no_show_pct BETWEEN 0 AND 100),
	-- The secret of the instrument's iCalendar feed.
	ical_token TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX instruments_owner ON instruments (owner_org_id, id);

CREATE TABLE instrument_trainings (
	instrument_id BIGINT NOT NULL REFERENCES instruments(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	trained_on {{DATE}} NOT NULL,
	valid_until {{DATE}} NOT NULL,
	PRIMARY KEY (instrument_id, user_id)
);

CREATE TABLE instrument_bookings (
	booking_id BIGINT PRIMARY KEY REFERENCES calendar_bookings(id),
	instrument_id BIGINT NOT NULL REFERENCES instruments(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	org_id BIGINT REFERENCES orgs(id),
	fee_class TEXT NOT NULL CHECK (fee_class IN ('internal', 'external', 'sme')),
	mode TEXT NOT NULL CHECK (mode IN ('operator', 'self')),
	purpose TEXT NOT NULL DEFAULT '',
	samples INTEGER NOT NULL DEFAULT 0 CHECK (samples >= 0),
	estimate_fen BIGINT NOT NULL,
	actual_minutes INTEGER,
	charge_fen BIGINT,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX instrument_bookings_instrument ON instrument_bookings (instrument_id, booking_id);
CREATE INDEX instrument_bookings_user ON instrument_bookings (user_id, booking_id);

-- A user's iCalendar feed of their bookings, by a secret token.
CREATE TABLE instrument_user_feeds (
	user_id BIGINT PRIMARY KEY REFERENCES users(id),
	token TEXT NOT NULL UNIQUE
);
