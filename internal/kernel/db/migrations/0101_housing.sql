-- Module M8: talent apartments. Buildings and their units; allocation
-- rounds with an application window; applications with the priority score
-- the rules gave them; offers of a unit with a deadline; tenancies. A unit
-- is held by at most one open offer and one active tenancy (unique partial
-- indexes), and moves between states by compare-and-set on its status.

CREATE TABLE housing_buildings (
	id {{ID}},
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	district TEXT NOT NULL REFERENCES districts(slug),
	address TEXT NOT NULL DEFAULT '',
	operator_org_id BIGINT REFERENCES orgs(id),
	created_at {{TS}} NOT NULL
);
CREATE INDEX housing_buildings_district ON housing_buildings (district);

CREATE TABLE housing_units (
	id {{ID}},
	building_id BIGINT NOT NULL REFERENCES housing_buildings(id),
	number TEXT NOT NULL,
	rooms INTEGER NOT NULL CHECK (rooms BETWEEN 1 AND 10),
	area_m2 DOUBLE PRECISION NOT NULL CHECK (area_m2 > 0),
	rent_fen BIGINT NOT NULL CHECK (rent_fen >= 0),
	-- offered: held for an open offer.
	status TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'offered', 'occupied', 'maintenance')),
	version INTEGER NOT NULL DEFAULT 1,
	UNIQUE (building_id, number)
);
CREATE INDEX housing_units_free ON housing_units (status, building_id, rooms);

CREATE TABLE housing_rounds (
	id {{ID}},
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	district TEXT NOT NULL REFERENCES districts(slug),
	-- NULL: every building of the district.
	building_id BIGINT REFERENCES housing_buildings(id),
	opens_on {{DATE}} NOT NULL,
	closes_on {{DATE}} NOT NULL,
	offer_days INTEGER NOT NULL CHECK (offer_days BETWEEN 1 AND 60),
	term_months INTEGER NOT NULL CHECK (term_months BETWEEN 1 AND 120),
	max_years INTEGER NOT NULL CHECK (max_years BETWEEN 1 AND 20),
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'allocated')),
	allocated_at {{TS}},
	created_at {{TS}} NOT NULL
);

CREATE TABLE housing_applications (
	id {{ID}},
	round_id BIGINT NOT NULL REFERENCES housing_rounds(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	employer_org_id BIGINT NOT NULL REFERENCES orgs(id),
	talent_class TEXT NOT NULL,
	months_in_district INTEGER NOT NULL CHECK (months_in_district >= 0),
	household_size INTEGER NOT NULL CHECK (household_size > 0),
	rooms INTEGER NOT NULL CHECK (rooms BETWEEN 1 AND 10),
	move_in_on {{DATE}} NOT NULL,
	score DOUBLE PRECISION NOT NULL,
	-- The rules' result (JSON), criterion by criterion.
	result TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'submitted' CHECK (state IN ('submitted', 'offered', 'waitlisted', 'housed', 'declined', 'lapsed', 'withdrawn')),
	waitlist_pos INTEGER,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (round_id, user_id)
);
CREATE INDEX housing_applications_user ON housing_applications (user_id);
CREATE INDEX housing_applications_wait ON housing_applications (state, rooms, round_id, waitlist_pos);

CREATE TABLE housing_offers (
	id {{ID}},
	application_id BIGINT NOT NULL REFERENCES housing_applications(id),
	unit_id BIGINT NOT NULL REFERENCES housing_units(id),
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'declined', 'expired')),
	expires_on {{DATE}} NOT NULL,
	created_at {{TS}} NOT NULL,
	decided_at {{TS}}
);
CREATE UNIQUE INDEX housing_offers_unit_open ON housing_offers (unit_id) WHERE state = 'open';
CREATE INDEX housing_offers_application ON housing_offers (application_id);

CREATE TABLE housing_tenancies (
	id {{ID}},
	unit_id BIGINT NOT NULL REFERENCES housing_units(id),
	application_id BIGINT REFERENCES housing_applications(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	start_on {{DATE}} NOT NULL,
	end_on {{DATE}} NOT NULL,
	max_end_on {{DATE}} NOT NULL,
	term_months INTEGER NOT NULL,
	renewed BOOLEAN NOT NULL DEFAULT FALSE,
	state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'ended')),
	moved_out_on {{DATE}},
	created_at {{TS}} NOT NULL,
	CHECK (end_on > start_on)
);
CREATE UNIQUE INDEX housing_tenancies_unit_active ON housing_tenancies (unit_id) WHERE state = 'active';
CREATE INDEX housing_tenancies_user ON housing_tenancies (user_id);
