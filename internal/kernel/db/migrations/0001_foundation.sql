-- Districts, parks, organizations, people, accounts, sessions, tokens and
-- the audit log: what every module stands on.

CREATE TABLE districts (
	slug TEXT PRIMARY KEY,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	population BIGINT,
	population_year INTEGER
);

CREATE TABLE parks (
	id {{ID}},
	slug TEXT NOT NULL UNIQUE,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	district TEXT NOT NULL REFERENCES districts(slug)
);

CREATE TABLE orgs (
	id {{ID}},
	uscc TEXT NOT NULL UNIQUE,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL CHECK (kind IN ('enterprise', 'university', 'institute', 'service', 'bank', 'investor', 'incubator', 'agency')),
	registered_district TEXT REFERENCES districts(slug),
	tax_district TEXT REFERENCES districts(slug),
	park_id BIGINT REFERENCES parks(id),
	founded_on {{DATE}},
	employees BIGINT CHECK (employees >= 0),
	rd_staff BIGINT CHECK (rd_staff >= 0),
	revenue_yuan BIGINT CHECK (revenue_yuan >= 0),
	total_assets_yuan BIGINT CHECK (total_assets_yuan >= 0),
	rd_expense_yuan BIGINT CHECK (rd_expense_yuan >= 0),
	revenue_3y_yuan BIGINT CHECK (revenue_3y_yuan >= 0),
	rd_expense_3y_yuan BIGINT CHECK (rd_expense_3y_yuan >= 0),
	rd_expense_domestic_3y_yuan BIGINT CHECK (rd_expense_domestic_3y_yuan >= 0),
	high_tech_revenue_yuan BIGINT CHECK (high_tech_revenue_yuan >= 0),
	invention_patents BIGINT CHECK (invention_patents >= 0),
	other_ip BIGINT CHECK (other_ip >= 0),
	industry TEXT,
	tech_field TEXT,
	-- Canonical, sorted, space-separated list; see registry.Certifications.
	certifications TEXT NOT NULL DEFAULT '',
	innovation_score INTEGER CHECK (innovation_score BETWEEN 0 AND 100),
	major_incident_last_year BOOLEAN,
	website TEXT NOT NULL DEFAULT '',
	description_zh TEXT NOT NULL DEFAULT '',
	description_en TEXT NOT NULL DEFAULT '',
	-- Terms from the kernel's analyzer (Chinese bigrams, English words),
	-- space-separated; indexed per engine by 0002_search.
	search_text TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX orgs_registered_district ON orgs (registered_district, id);
CREATE INDEX orgs_kind ON orgs (kind, id);
CREATE INDEX orgs_industry ON orgs (industry, id);
CREATE INDEX orgs_tax_district ON orgs (tax_district);

CREATE TABLE users (
	id {{ID}},
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	platform_role TEXT NOT NULL DEFAULT '' CHECK (platform_role IN ('', 'admin', 'officer')),
	locale TEXT NOT NULL DEFAULT '',
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE memberships (
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships (org_id);

CREATE TABLE people (
	id {{ID}},
	name_zh TEXT NOT NULL DEFAULT '',
	name_en TEXT NOT NULL DEFAULT '',
	org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
	title TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX people_org ON people (org_id);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at {{TS}} NOT NULL,
	expires_at {{TS}} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id {{ID}},
	token_hash TEXT NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL,
	expires_at {{TS}},
	revoked_at {{TS}}
);

CREATE TABLE login_failures (
	id {{ID}},
	email TEXT NOT NULL,
	ip TEXT NOT NULL,
	at {{TS}} NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

CREATE TABLE audit_log (
	id {{ID}},
	at {{TS}} NOT NULL,
	actor_user_id BIGINT,
	actor_email TEXT NOT NULL DEFAULT '',
	org_id BIGINT,
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	before_json TEXT,
	after_json TEXT,
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
