-- Module M2: support programs and special funds. A program is owned by a
-- government agency (an organization of kind agency; NULL for national
-- programs the platform carries itself), draws on a fiscal fund and holds
-- its eligibility, scores and amount as a rule set of the rules engine
-- (JSON, see internal/kernel/rules/README.md). A rule set that does not
-- compile is never saved; rules_status records whether its own test cases
-- passed when it was saved, and rules_failures which did not.

CREATE TABLE programs (
	id {{ID}},
	slug TEXT NOT NULL UNIQUE,
	owner_org_id BIGINT REFERENCES orgs(id),
	level TEXT NOT NULL CHECK (level IN ('state', 'municipal', 'district')),
	fund_name_zh TEXT NOT NULL DEFAULT '',
	fund_name_en TEXT NOT NULL DEFAULT '',
	fund_code TEXT NOT NULL DEFAULT '',
	title_zh TEXT NOT NULL,
	title_en TEXT NOT NULL,
	summary_zh TEXT NOT NULL DEFAULT '',
	summary_en TEXT NOT NULL DEFAULT '',
	legal_reference TEXT NOT NULL,
	rule_set TEXT NOT NULL,
	rules_status TEXT NOT NULL CHECK (rules_status IN ('ok', 'cases_failed')),
	rules_failures TEXT NOT NULL DEFAULT '[]',
	opens_on {{DATE}},
	closes_on {{DATE}},
	budget_fen BIGINT CHECK (budget_fen >= 0),
	required_documents TEXT NOT NULL DEFAULT '[]',
	auto_grant BOOLEAN NOT NULL DEFAULT FALSE,
	status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'closed')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	published_at {{TS}},
	closed_at {{TS}},
	CHECK (closes_on IS NULL OR opens_on IS NULL OR closes_on >= opens_on)
);
CREATE INDEX programs_status ON programs (status, id);
CREATE INDEX programs_owner ON programs (owner_org_id, id);
