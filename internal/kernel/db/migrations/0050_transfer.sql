-- Module M4: technology transfer. Achievements (what universities,
-- institutes and enterprises can supply) and needs (what enterprises want
-- solved); brokers' cases that take a pair from introduction to a
-- contract; and the technology-contract registry with its turnover.

CREATE TABLE transfer_achievements (
	id {{ID}},
	owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
	title_zh TEXT NOT NULL,
	title_en TEXT NOT NULL DEFAULT '',
	summary_zh TEXT NOT NULL DEFAULT '',
	summary_en TEXT NOT NULL DEFAULT '',
	keywords TEXT NOT NULL DEFAULT '',
	field TEXT NOT NULL,
	-- Technology readiness level, 1 (principle observed) to 9 (proven in
	-- operation).
	trl INTEGER NOT NULL CHECK (trl BETWEEN 1 AND 9),
	-- Comma-separated: transfer, licence, equity, joint_development.
	modes TEXT NOT NULL,
	-- NULL: negotiable.
	price_fen BIGINT CHECK (price_fen IS NULL OR price_fen > 0),
	district TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'withdrawn')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX transfer_achievements_owner ON transfer_achievements (owner_org_id, id);

-- The IP assets an achievement rests on.
CREATE TABLE transfer_achievement_assets (
	achievement_id BIGINT NOT NULL REFERENCES transfer_achievements(id) ON DELETE CASCADE,
	asset_id BIGINT NOT NULL REFERENCES ip_assets(id),
	PRIMARY KEY (achievement_id, asset_id)
);

CREATE TABLE transfer_needs (
	id {{ID}},
	owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
	title_zh TEXT NOT NULL,
	title_en TEXT NOT NULL DEFAULT '',
	problem_zh TEXT NOT NULL DEFAULT '',
	problem_en TEXT NOT NULL DEFAULT '',
	keywords TEXT NOT NULL DEFAULT '',
	field TEXT NOT NULL,
	-- The least maturity the enterprise can use.
	min_trl INTEGER NOT NULL DEFAULT 1 CHECK (min_trl BETWEEN 1 AND 9),
	-- Comma-separated trade modes the enterprise accepts.
	modes TEXT NOT NULL,
	-- NULL: open budget.
	budget_fen BIGINT CHECK (budget_fen IS NULL OR budget_fen > 0),
	deadline {{DATE}},
	district TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'solved', 'withdrawn', 'expired')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX transfer_needs_owner ON transfer_needs (owner_org_id, id);

-- A broker's case: one achievement brought to one need.
CREATE TABLE transfer_cases (
	id {{ID}},
	achievement_id BIGINT NOT NULL REFERENCES transfer_achievements(id),
	need_id BIGINT NOT NULL REFERENCES transfer_needs(id),
	-- The brokering organization (a service provider or an agency);
	-- NULL when an administrator brokers.
	broker_org_id BIGINT REFERENCES orgs(id),
	broker_user_id BIGINT NOT NULL REFERENCES users(id),
	state TEXT NOT NULL CHECK (state IN ('introduced', 'talks', 'contract', 'done', 'lost')),
	-- The match score when the case was opened (0-100).
	score INTEGER NOT NULL DEFAULT 0,
	next_step TEXT NOT NULL DEFAULT '',
	due_on {{DATE}},
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE UNIQUE INDEX transfer_cases_open ON transfer_cases (achievement_id, need_id) WHERE state IN ('introduced', 'talks', 'contract');
CREATE INDEX transfer_cases_broker ON transfer_cases (broker_org_id, id);

CREATE TABLE transfer_case_notes (
	id {{ID}},
	case_id BIGINT NOT NULL REFERENCES transfer_cases(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	body TEXT NOT NULL,
	due_on {{DATE}},
	created_at {{TS}} NOT NULL
);
CREATE INDEX transfer_case_notes_case ON transfer_case_notes (case_id, id);

-- Technology contracts, registered by the seller and recognised by an
-- officer of the seller's district; turnover counts recognised contracts.
CREATE TABLE transfer_contracts (
	id {{ID}},
	kind TEXT NOT NULL CHECK (kind IN ('development', 'transfer', 'licensing', 'consulting', 'service')),
	title TEXT NOT NULL,
	seller_org_id BIGINT NOT NULL REFERENCES orgs(id),
	seller_region TEXT NOT NULL,
	seller_district TEXT NOT NULL DEFAULT '',
	-- A buyer on the platform, or only its name.
	buyer_org_id BIGINT REFERENCES orgs(id),
	buyer_name TEXT NOT NULL,
	-- shanghai, jiangsu, zhejiang, anhui, other (elsewhere in China), abroad.
	buyer_region TEXT NOT NULL CHECK (buyer_region IN ('shanghai', 'jiangsu', 'zhejiang', 'anhui', 'other', 'abroad')),
	buyer_district TEXT NOT NULL DEFAULT '',
	value_fen BIGINT NOT NULL CHECK (value_fen > 0),
	-- The technical part of the value (技术交易额), at most the value.
	technical_fen BIGINT NOT NULL CHECK (technical_fen >= 0),
	signed_on {{DATE}} NOT NULL,
	case_id BIGINT REFERENCES transfer_cases(id),
	achievement_id BIGINT REFERENCES transfer_achievements(id),
	status TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'registered', 'rejected')),
	-- Given on registration: TC-YYYY-NNNNNN.
	number TEXT UNIQUE,
	reason TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL REFERENCES users(id),
	decided_by BIGINT REFERENCES users(id),
	decided_at {{TS}},
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (technical_fen <= value_fen)
);
CREATE INDEX transfer_contracts_seller ON transfer_contracts (seller_org_id, id);
CREATE INDEX transfer_contracts_signed ON transfer_contracts (status, signed_on);
