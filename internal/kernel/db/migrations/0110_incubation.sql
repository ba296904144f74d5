-- Module M9: incubation. Carriers along the chain public space → nursery →
-- incubator → accelerator (and maker spaces, university science parks),
-- the teams and companies that apply to them, their tenancies, the space
-- they lease (desks or offices, never more than the carrier has on any
-- day), how they leave, and the investment they raise. The carriers'
-- figures are computed from these rows, never stored.

CREATE TABLE incubation_carriers (
	id {{ID}},
	operator_org_id BIGINT NOT NULL REFERENCES orgs(id),
	stage TEXT NOT NULL CHECK (stage IN ('public_space', 'nursery', 'incubator', 'accelerator', 'maker_space', 'university_park')),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	district TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	level TEXT NOT NULL DEFAULT 'none' CHECK (level IN ('national', 'municipal', 'district', 'none')),
	area_m2 INTEGER NOT NULL CHECK (area_m2 > 0),
	desks INTEGER NOT NULL CHECK (desks >= 0),
	offices INTEGER NOT NULL CHECK (offices >= 0),
	-- Comma-separated technology fields and services.
	fields TEXT NOT NULL DEFAULT '',
	services TEXT NOT NULL DEFAULT '',
	seed_fund_fen BIGINT NOT NULL DEFAULT 0 CHECK (seed_fund_fen >= 0),
	description_zh TEXT NOT NULL DEFAULT '',
	description_en TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
	version INTEGER NOT NULL DEFAULT 1,
	-- Bumped by every lease, so that leases of one carrier are written
	-- one after the other (the row lock on PostgreSQL).
	lease_seq BIGINT NOT NULL DEFAULT 0,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (desks + offices > 0)
);
CREATE INDEX incubation_carriers_operator ON incubation_carriers (operator_org_id);
CREATE INDEX incubation_carriers_district ON incubation_carriers (district, stage);

-- Officers' annotations of the carriers of their district.
CREATE TABLE incubation_notes (
	id {{ID}},
	carrier_id BIGINT NOT NULL REFERENCES incubation_carriers(id),
	author_user_id BIGINT REFERENCES users(id),
	author_email TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX incubation_notes_carrier ON incubation_notes (carrier_id, id);

-- A team: people with a project, not yet a company; led by the account
-- that registered it.
CREATE TABLE incubation_teams (
	id {{ID}},
	name TEXT NOT NULL,
	leader_user_id BIGINT NOT NULL REFERENCES users(id),
	members TEXT NOT NULL DEFAULT '',
	field TEXT NOT NULL DEFAULT '',
	project TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX incubation_teams_leader ON incubation_teams (leader_user_id);

-- Applications to a carrier (the admission workflow).
CREATE TABLE incubation_applications (
	id {{ID}},
	carrier_id BIGINT NOT NULL REFERENCES incubation_carriers(id),
	team_id BIGINT REFERENCES incubation_teams(id),
	org_id BIGINT REFERENCES orgs(id),
	applicant_user_id BIGINT REFERENCES users(id),
	plan TEXT NOT NULL DEFAULT '',
	desks_wanted INTEGER NOT NULL DEFAULT 0 CHECK (desks_wanted >= 0),
	offices_wanted INTEGER NOT NULL DEFAULT 0 CHECK (offices_wanted >= 0),
	state TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK ((team_id IS NULL AND org_id IS NOT NULL) OR (team_id IS NOT NULL AND org_id IS NULL))
);
CREATE INDEX incubation_applications_carrier ON incubation_applications (carrier_id, state);
-- One open application per applicant and carrier, also under concurrent
-- requests.
CREATE UNIQUE INDEX incubation_applications_open_org ON incubation_applications (carrier_id, org_id) WHERE org_id IS NOT NULL AND state IN ('submitted', 'interview');
CREATE UNIQUE INDEX incubation_applications_open_team ON incubation_applications (carrier_id, team_id) WHERE team_id IS NOT NULL AND state IN ('submitted', 'interview');

-- A tenancy: from admission to leaving as graduated, moved or closed.
CREATE TABLE incubation_tenancies (
	id {{ID}},
	carrier_id BIGINT NOT NULL REFERENCES incubation_carriers(id),
	application_id BIGINT UNIQUE REFERENCES incubation_applications(id),
	team_id BIGINT REFERENCES incubation_teams(id),
	org_id BIGINT REFERENCES orgs(id),
	name TEXT NOT NULL,
	admitted_on {{DATE}} NOT NULL,
	left_on {{DATE}},
	exit_kind TEXT CHECK (exit_kind IN ('graduated', 'moved', 'closed')),
	became_org_id BIGINT REFERENCES orgs(id),
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK ((team_id IS NULL AND org_id IS NOT NULL) OR (team_id IS NOT NULL AND org_id IS NULL)),
	CHECK ((left_on IS NULL AND exit_kind IS NULL) OR (left_on IS NOT NULL AND exit_kind IS NOT NULL AND left_on >= admitted_on))
);
CREATE INDEX incubation_tenancies_carrier ON incubation_tenancies (carrier_id, admitted_on);
CREATE INDEX incubation_tenancies_org ON incubation_tenancies (org_id);
CREATE INDEX incubation_tenancies_team ON incubation_tenancies (team_id);
-- One current tenancy per tenant and carrier.
CREATE UNIQUE INDEX incubation_tenancies_current_org ON incubation_tenancies (carrier_id, org_id) WHERE org_id IS NOT NULL AND left_on IS NULL;
CREATE UNIQUE INDEX incubation_tenancies_current_team ON incubation_tenancies (carrier_id, team_id) WHERE team_id IS NOT NULL AND left_on IS NULL;

-- Space a tenancy takes: desks or offices, both days included.
CREATE TABLE incubation_leases (
	id {{ID}},
	tenancy_id BIGINT NOT NULL REFERENCES incubation_tenancies(id),
	carrier_id BIGINT NOT NULL REFERENCES incubation_carriers(id),
	space TEXT NOT NULL CHECK (space IN ('desk', 'office')),
	units INTEGER NOT NULL CHECK (units > 0),
	starts_on {{DATE}} NOT NULL,
	ends_on {{DATE}} NOT NULL,
	created_at {{TS}} NOT NULL,
	CHECK (ends_on >= starts_on)
);
CREATE INDEX incubation_leases_carrier ON incubation_leases (carrier_id, space, starts_on);
CREATE INDEX incubation_leases_tenancy ON incubation_leases (tenancy_id);

-- Investment a tenant reports.
CREATE TABLE incubation_investments (
	id {{ID}},
	tenancy_id BIGINT NOT NULL REFERENCES incubation_tenancies(id),
	carrier_id BIGINT NOT NULL REFERENCES incubation_carriers(id),
	round TEXT NOT NULL,
	amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
	investor TEXT NOT NULL,
	invested_on {{DATE}} NOT NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX incubation_investments_tenancy ON incubation_investments (tenancy_id);
CREATE INDEX incubation_investments_carrier ON incubation_investments (carrier_id);
