-- Module M3: the IP marketplace. Assets (patents, trademarks, copyrights)
-- with their owner organizations and inventors; listings offering an asset
-- for transfer, licence or pledge; deals that take a buyer from an
-- expression of interest through offers to a closed deal with its payment
-- and the inventors' shares (posted through the ledger).

CREATE TABLE ip_assets (
	id {{ID}},
	owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
	kind TEXT NOT NULL CHECK (kind IN ('patent', 'trademark', 'copyright')),
	-- patent: invention, utility_model, design; copyright: software, work;
	-- trademark: ''.
	subtype TEXT NOT NULL DEFAULT '',
	number TEXT NOT NULL,
	nice_class INTEGER CHECK (nice_class IS NULL OR nice_class BETWEEN 1 AND 45),
	status TEXT NOT NULL CHECK (status IN ('filed', 'granted', 'lapsed', 'registered')),
	title_zh TEXT NOT NULL,
	title_en TEXT NOT NULL,
	abstract_zh TEXT NOT NULL DEFAULT '',
	abstract_en TEXT NOT NULL DEFAULT '',
	field TEXT NOT NULL DEFAULT '',
	filed_on {{DATE}},
	-- Confidential details: shown to the owner and to buyers it admits.
	claims TEXT NOT NULL DEFAULT '',
	know_how TEXT NOT NULL DEFAULT '',
	documents TEXT NOT NULL DEFAULT '[]',
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (kind, subtype, number)
);
CREATE INDEX ip_assets_owner ON ip_assets (owner_org_id, id);

-- Co-owners besides owner_org_id.
CREATE TABLE ip_asset_owners (
	asset_id BIGINT NOT NULL REFERENCES ip_assets(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	PRIMARY KEY (asset_id, org_id)
);

-- Inventors (authors) and their contributions in hundredths of a percent,
-- summing to 10000 per asset.
CREATE TABLE ip_inventors (
	id {{ID}},
	asset_id BIGINT NOT NULL REFERENCES ip_assets(id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	person_id BIGINT,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	share_bp INTEGER NOT NULL CHECK (share_bp BETWEEN 1 AND 10000),
	UNIQUE (asset_id, position)
);

-- The inventor-team share of net revenue an owner (a university or an
-- institute) awards, in hundredths of a percent, at most 70%.
CREATE TABLE ip_owner_settings (
	org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
	inventor_share_bp INTEGER NOT NULL CHECK (inventor_share_bp BETWEEN 0 AND 7000),
	updated_at {{TS}} NOT NULL
);

CREATE TABLE ip_listings (
	id {{ID}},
	asset_id BIGINT NOT NULL REFERENCES ip_assets(id),
	owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
	kind TEXT NOT NULL CHECK (kind IN ('transfer', 'exclusive_licence', 'non_exclusive_licence', 'pledge')),
	-- NULL: negotiable.
	price_fen BIGINT CHECK (price_fen IS NULL OR price_fen > 0),
	title_zh TEXT NOT NULL,
	title_en TEXT NOT NULL,
	summary_zh TEXT NOT NULL DEFAULT '',
	summary_en TEXT NOT NULL DEFAULT '',
	district TEXT NOT NULL DEFAULT '',
	field TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'expired', 'withdrawn', 'closed')),
	expires_on {{DATE}} NOT NULL,
	renewals INTEGER NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX ip_listings_owner ON ip_listings (owner_org_id, id);
CREATE INDEX ip_listings_asset ON ip_listings (asset_id, id);
CREATE INDEX ip_listings_expiry ON ip_listings (status, expires_on);

-- A buyer's way through one listing: interest, admitted (sees the
-- confidential details), negotiating, agreed, closed; or declined,
-- withdrawn.
CREATE TABLE ip_deals (
	id {{ID}},
	listing_id BIGINT NOT NULL REFERENCES ip_listings(id),
	seller_org_id BIGINT NOT NULL REFERENCES orgs(id),
	buyer_org_id BIGINT NOT NULL REFERENCES orgs(id),
	state TEXT NOT NULL,
	price_fen BIGINT CHECK (price_fen IS NULL OR price_fen > 0),
	inventor_share_bp INTEGER NOT NULL DEFAULT 0,
	inventor_share_fen BIGINT NOT NULL DEFAULT 0,
	journal_id BIGINT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	closed_at {{TS}}
);
CREATE INDEX ip_deals_listing ON ip_deals (listing_id, id);
CREATE INDEX ip_deals_buyer ON ip_deals (buyer_org_id, id);
CREATE INDEX ip_deals_seller ON ip_deals (seller_org_id, id);

-- Messages and offers of a deal room. An offer carries an amount; the
-- latest offer is the one the other side may accept.
CREATE TABLE ip_deal_messages (
	id {{ID}},
	deal_id BIGINT NOT NULL REFERENCES ip_deals(id),
	side TEXT NOT NULL CHECK (side IN ('buyer', 'seller')),
	author_user_id BIGINT,
	amount_fen BIGINT CHECK (amount_fen IS NULL OR amount_fen > 0),
	body TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL
);
CREATE INDEX ip_deal_messages_deal ON ip_deal_messages (deal_id, id);

-- Each inventor's part of a closed deal's inventor-team share.
CREATE TABLE ip_deal_payouts (
	deal_id BIGINT NOT NULL REFERENCES ip_deals(id),
	inventor_id BIGINT NOT NULL REFERENCES ip_inventors(id),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	share_bp INTEGER NOT NULL,
	amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
	account_id BIGINT NOT NULL,
	PRIMARY KEY (deal_id, inventor_id)
);
