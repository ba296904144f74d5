-- Module M6: innovation vouchers. Voucher programs funded from a budget
-- account of the ledger; vouchers issued to eligible enterprises; the
-- providers that accept them; redemptions that split an order between the
-- voucher, a subsidy and the enterprise's own payment (each one ledger
-- entry, idempotent by its key); and the providers' monthly settlements.

CREATE TABLE voucher_programs (
	id {{ID}},
	slug TEXT NOT NULL UNIQUE,
	owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	description_zh TEXT NOT NULL DEFAULT '',
	description_en TEXT NOT NULL DEFAULT '',
	-- A program of the programs module whose rules decide who may hold a
	-- voucher ('' : every enterprise of the registry).
	eligibility TEXT NOT NULL DEFAULT '',
	face_fen BIGINT NOT NULL CHECK (face_fen > 0),
	-- The most of an order a voucher pays, and the subsidy the budget
	-- adds, in hundredths of a percent of the order.
	voucher_share_bp INTEGER NOT NULL CHECK (voucher_share_bp BETWEEN 1 AND 10000),
	subsidy_share_bp INTEGER NOT NULL DEFAULT 0 CHECK (subsidy_share_bp BETWEEN 0 AND 10000),
	validity_days INTEGER NOT NULL CHECK (validity_days BETWEEN 1 AND 1100),
	-- Comma-separated provider categories and regions it is accepted in.
	categories TEXT NOT NULL,
	regions TEXT NOT NULL,
	auto_issue BOOLEAN NOT NULL DEFAULT FALSE,
	budget_fen BIGINT NOT NULL CHECK (budget_fen >= 0),
	status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (voucher_share_bp + subsidy_share_bp <= 10000)
);

-- Organizations that accept vouchers, with their region (Shanghai or one
-- of the three other provinces of the delta) and categories.
CREATE TABLE voucher_providers (
	org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
	region TEXT NOT NULL CHECK (region IN ('shanghai', 'jiangsu', 'zhejiang', 'anhui')),
	categories TEXT NOT NULL,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE vouchers (
	id {{ID}},
	program_id BIGINT NOT NULL REFERENCES voucher_programs(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	face_fen BIGINT NOT NULL CHECK (face_fen > 0),
	expires_on {{DATE}} NOT NULL,
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'expired', 'revoked')),
	-- How it came: application or automatic issue.
	channel TEXT NOT NULL CHECK (channel IN ('application', 'automatic')),
	issued_by BIGINT REFERENCES users(id),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (program_id, org_id)
);
CREATE INDEX vouchers_org ON vouchers (org_id, id);

CREATE TABLE voucher_redemptions (
	id {{ID}},
	voucher_id BIGINT NOT NULL REFERENCES vouchers(id),
	provider_org_id BIGINT NOT NULL REFERENCES orgs(id),
	provider_region TEXT NOT NULL,
	-- What was bought: an instrument booking, a service order...
	order_ref TEXT NOT NULL,
	order_fen BIGINT NOT NULL CHECK (order_fen > 0),
	voucher_fen BIGINT NOT NULL CHECK (voucher_fen >= 0),
	subsidy_fen BIGINT NOT NULL CHECK (subsidy_fen >= 0),
	own_fen BIGINT NOT NULL CHECK (own_fen >= 0),
	-- The client's idempotency key: a retried request spends once.
	idem_key TEXT NOT NULL UNIQUE,
	-- Shanghai month of the redemption, YYYY-MM, for the settlement.
	month TEXT NOT NULL,
	settlement_id BIGINT,
	journal_id BIGINT NOT NULL,
	created_by BIGINT NOT NULL REFERENCES users(id),
	created_at {{TS}} NOT NULL,
	CHECK (voucher_fen + subsidy_fen + own_fen = order_fen)
);
CREATE INDEX voucher_redemptions_voucher ON voucher_redemptions (voucher_id, id);
CREATE INDEX voucher_redemptions_provider ON voucher_redemptions (provider_org_id, month);

CREATE TABLE voucher_settlements (
	id {{ID}},
	provider_org_id BIGINT NOT NULL REFERENCES orgs(id),
	provider_region TEXT NOT NULL,
	month TEXT NOT NULL,
	redemptions INTEGER NOT NULL,
	voucher_fen BIGINT NOT NULL,
	subsidy_fen BIGINT NOT NULL,
	journal_id BIGINT NOT NULL,
	created_by BIGINT NOT NULL REFERENCES users(id),
	created_at {{TS}} NOT NULL,
	UNIQUE (provider_org_id, month)
);
