-- Module M7: sci-tech finance. Banks' loan products; loan applications
-- with the enterprise's consent to share named parts of its profile (every
-- read logged); the bank's workflow and the repayment schedule;
-- risk-compensation pools funded through the ledger whose claims share a
-- defaulted principal loss by the pool's parameters; IP pledges that
-- encumber the IP module's assets until released.

CREATE TABLE loan_products (
	id {{ID}},
	bank_org_id BIGINT NOT NULL REFERENCES orgs(id),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	description_zh TEXT NOT NULL DEFAULT '',
	description_en TEXT NOT NULL DEFAULT '',
	min_fen BIGINT NOT NULL CHECK (min_fen > 0),
	max_fen BIGINT NOT NULL,
	min_months INTEGER NOT NULL CHECK (min_months >= 1),
	max_months INTEGER NOT NULL,
	-- Annual rate in hundredths of a percent (385 = 3.85%).
	rate_bp INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 3600),
	collateral_free BOOLEAN NOT NULL DEFAULT TRUE,
	ip_pledge BOOLEAN NOT NULL DEFAULT FALSE,
	-- A program of the programs module whose rules say who may borrow
	-- ('' : any enterprise).
	eligibility TEXT NOT NULL DEFAULT '',
	pool_id BIGINT,
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (max_fen >= min_fen),
	CHECK (max_months >= min_months AND max_months <= 360)
);

CREATE TABLE loans (
	id {{ID}},
	product_id BIGINT NOT NULL REFERENCES loan_products(id),
	bank_org_id BIGINT NOT NULL REFERENCES orgs(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
	months INTEGER NOT NULL CHECK (months >= 1),
	rate_bp INTEGER NOT NULL,
	purpose TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('received', 'due_diligence', 'approved', 'declined', 'withdrawn', 'disbursed', 'repaid', 'defaulted')),
	disbursed_on {{DATE}},
	-- Principal still owed, kept with the schedule.
	outstanding_fen BIGINT NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX loans_org ON loans (org_id, id);
CREATE INDEX loans_bank ON loans (bank_org_id, state, id);

-- What the borrower lets the bank read, per loan; withdrawn_at ends it.
CREATE TABLE loan_consents (
	loan_id BIGINT PRIMARY KEY REFERENCES loans(id),
	scopes TEXT NOT NULL,
	granted_at {{TS}} NOT NULL,
	withdrawn_at {{TS}}
);

-- Every read of shared data.
CREATE TABLE loan_data_reads (
	id {{ID}},
	loan_id BIGINT NOT NULL REFERENCES loans(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	scopes TEXT NOT NULL,
	at {{TS}} NOT NULL
);
CREATE INDEX loan_data_reads_loan ON loan_data_reads (loan_id, id);

CREATE TABLE loan_installments (
	loan_id BIGINT NOT NULL REFERENCES loans(id),
	n INTEGER NOT NULL,
	due_on {{DATE}} NOT NULL,
	principal_fen BIGINT NOT NULL,
	interest_fen BIGINT NOT NULL,
	paid_fen BIGINT NOT NULL DEFAULT 0,
	paid_on {{DATE}},
	PRIMARY KEY (loan_id, n)
);

-- An asset pledged for a loan; one active pledge per asset.
CREATE TABLE loan_pledges (
	id {{ID}},
	loan_id BIGINT NOT NULL REFERENCES loans(id),
	asset_id BIGINT NOT NULL REFERENCES ip_assets(id),
	state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'released')),
	created_at {{TS}} NOT NULL,
	released_at {{TS}}
);
CREATE UNIQUE INDEX loan_pledges_active ON loan_pledges (asset_id) WHERE state = 'active';

CREATE TABLE risk_pools (
	id {{ID}},
	slug TEXT NOT NULL UNIQUE,
	owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	-- Shares of a defaulted principal loss by party, in hundredths of a
	-- percent summing to 10000: {"fund": 5400, "bank": 2600, ...}.
	shares TEXT NOT NULL,
	per_loan_cap_fen BIGINT NOT NULL CHECK (per_loan_cap_fen > 0),
	capital_fen BIGINT NOT NULL CHECK (capital_fen >= 0),
	eligibility TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE pool_claims (
	id {{ID}},
	pool_id BIGINT NOT NULL REFERENCES risk_pools(id),
	loan_id BIGINT NOT NULL UNIQUE REFERENCES loans(id),
	bank_org_id BIGINT NOT NULL REFERENCES orgs(id),
	loss_fen BIGINT NOT NULL CHECK (loss_fen > 0),
	share_bp INTEGER NOT NULL,
	claim_fen BIGINT NOT NULL CHECK (claim_fen >= 0),
	state TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'paid', 'rejected')),
	hold_id BIGINT,
	journal_id BIGINT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX pool_claims_pool ON pool_claims (pool_id, state, id);
