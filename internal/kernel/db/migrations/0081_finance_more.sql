-- Module M7, continued: repayment records (the evidence of interest paid),
-- interest-subsidy schemes attached to programs of the programs module and
-- their quarterly claims, investors and guiding funds, enterprises'
-- consent to be found by investors, meeting requests, roadshows, and the
-- guiding funds' commitments to sub-funds.

-- One row per repayment a bank records, split into interest and principal.
CREATE TABLE loan_repayments (
	id {{ID}},
	loan_id BIGINT NOT NULL REFERENCES loans(id),
	paid_on {{DATE}} NOT NULL,
	amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
	interest_fen BIGINT NOT NULL CHECK (interest_fen >= 0),
	principal_fen BIGINT NOT NULL CHECK (principal_fen >= 0),
	created_at {{TS}} NOT NULL
);
CREATE INDEX loan_repayments_loan ON loan_repayments (loan_id, paid_on);

-- Installments repaid before this table existed count as repaid on their
-- paid_on day.
INSERT INTO loan_repayments (loan_id, paid_on, amount_fen, interest_fen, principal_fen, created_at)
	SELECT i.loan_id, i.paid_on, i.paid_fen, i.interest_fen, i.principal_fen, l.updated_at
	FROM loan_installments i JOIN loans l ON l.id = i.loan_id WHERE i.paid_on IS NOT NULL AND i.paid_fen > 0;

-- A subsidy scheme pays a share of the interest repaid on loans of the
-- linked products (or of products a linked pool covers), quarterly,
-- capped per enterprise and year, from its program's budget.
CREATE TABLE subsidy_schemes (
	id {{ID}},
	program_id BIGINT NOT NULL REFERENCES programs(id),
	owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	share_bp INTEGER NOT NULL CHECK (share_bp > 0 AND share_bp <= 10000),
	cap_fen BIGINT NOT NULL CHECK (cap_fen > 0),
	-- First quarter covered, e.g. '2026Q1'.
	from_quarter TEXT NOT NULL,
	-- Space-separated ids.
	product_ids TEXT NOT NULL DEFAULT '',
	pool_ids TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE subsidy_claims (
	id {{ID}},
	scheme_id BIGINT NOT NULL REFERENCES subsidy_schemes(id),
	loan_id BIGINT NOT NULL REFERENCES loans(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	quarter TEXT NOT NULL,
	district TEXT NOT NULL DEFAULT '',
	interest_fen BIGINT NOT NULL CHECK (interest_fen > 0),
	share_bp INTEGER NOT NULL,
	amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
	capped BOOLEAN NOT NULL DEFAULT FALSE,
	origin TEXT NOT NULL CHECK (origin IN ('enterprise', 'system')),
	state TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'paid', 'rejected')),
	hold_id BIGINT,
	journal_id BIGINT,
	paid_on {{DATE}},
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
-- One live claim per loan and quarter, under any concurrency.
CREATE UNIQUE INDEX subsidy_claims_once ON subsidy_claims (loan_id, quarter) WHERE state <> 'rejected';
CREATE INDEX subsidy_claims_scheme ON subsidy_claims (scheme_id, state, id);
CREATE INDEX subsidy_claims_org ON subsidy_claims (org_id, id);

-- What a scheme has granted an enterprise in a year: the conditional
-- update on this row keeps the yearly cap.
CREATE TABLE subsidy_caps (
	scheme_id BIGINT NOT NULL REFERENCES subsidy_schemes(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	year INTEGER NOT NULL,
	used_fen BIGINT NOT NULL DEFAULT 0 CHECK (used_fen >= 0),
	PRIMARY KEY (scheme_id, org_id, year)
);

-- An investor: an angel, venture, guiding or state fund managed by the
-- members of an organization.
CREATE TABLE investors (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	kind TEXT NOT NULL CHECK (kind IN ('angel', 'venture', 'guiding', 'state')),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	description_zh TEXT NOT NULL DEFAULT '',
	description_en TEXT NOT NULL DEFAULT '',
	-- Space-separated: stages (seed angel a b_plus), tech fields, districts.
	stages TEXT NOT NULL,
	fields TEXT NOT NULL DEFAULT '',
	districts TEXT NOT NULL DEFAULT '',
	min_ticket_fen BIGINT NOT NULL CHECK (min_ticket_fen > 0),
	max_ticket_fen BIGINT NOT NULL,
	size_fen BIGINT NOT NULL DEFAULT 0 CHECK (size_fen >= 0),
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (max_ticket_fen >= min_ticket_fen)
);
CREATE INDEX investors_org ON investors (org_id);

-- An enterprise's consent to be found by investors, with what it seeks.
CREATE TABLE investment_profiles (
	org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
	stage TEXT NOT NULL CHECK (stage IN ('seed', 'angel', 'a', 'b_plus')),
	ask_fen BIGINT NOT NULL CHECK (ask_fen > 0),
	fields TEXT NOT NULL DEFAULT '',
	pitch_zh TEXT NOT NULL DEFAULT '',
	pitch_en TEXT NOT NULL DEFAULT '',
	consented_at {{TS}} NOT NULL,
	withdrawn_at {{TS}},
	version INTEGER NOT NULL DEFAULT 1,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE investor_meetings (
	id {{ID}},
	investor_id BIGINT NOT NULL REFERENCES investors(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	-- Who asked: 'investor' or 'enterprise'; the other side answers.
	proposed_by TEXT NOT NULL CHECK (proposed_by IN ('investor', 'enterprise')),
	-- Proposed times, RFC 3339 in UTC, space-separated.
	times TEXT NOT NULL,
	message TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('proposed', 'accepted', 'declined', 'cancelled')),
	meets_at {{TS}},
	reply TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX investor_meetings_investor ON investor_meetings (investor_id, id);
CREATE INDEX investor_meetings_org ON investor_meetings (org_id, id);

CREATE TABLE roadshows (
	id {{ID}},
	owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	held_on {{DATE}} NOT NULL,
	district TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL
);

CREATE TABLE roadshow_presenters (
	roadshow_id BIGINT NOT NULL REFERENCES roadshows(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	ask_fen BIGINT NOT NULL CHECK (ask_fen > 0),
	pitch TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (roadshow_id, org_id)
);

CREATE TABLE roadshow_interests (
	roadshow_id BIGINT NOT NULL REFERENCES roadshows(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	investor_id BIGINT NOT NULL REFERENCES investors(id),
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (roadshow_id, org_id, investor_id)
);

-- A guiding fund's commitment to a sub-fund; the money is tracked in the
-- ledger (uncommitted, committed and called accounts of the fund).
CREATE TABLE fund_commitments (
	id {{ID}},
	fund_id BIGINT NOT NULL REFERENCES investors(id),
	sub_investor_id BIGINT REFERENCES investors(id),
	sub_fund_zh TEXT NOT NULL,
	sub_fund_en TEXT NOT NULL DEFAULT '',
	amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
	share_bp INTEGER NOT NULL CHECK (share_bp > 0 AND share_bp <= 10000),
	committed_on {{DATE}} NOT NULL,
	called_fen BIGINT NOT NULL DEFAULT 0 CHECK (called_fen >= 0),
	created_at {{TS}} NOT NULL,
	CHECK (called_fen <= amount_fen)
);
CREATE INDEX fund_commitments_fund ON fund_commitments (fund_id, id);

-- Capital called on a commitment, one row per call.
CREATE TABLE fund_calls (
	id {{ID}},
	commitment_id BIGINT NOT NULL REFERENCES fund_commitments(id),
	amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
	called_on {{DATE}} NOT NULL,
	journal_id BIGINT,
	created_at {{TS}} NOT NULL
);
CREATE INDEX fund_calls_commitment ON fund_calls (commitment_id, id);
