-- Module M2: applications to programs, their attachments and the awards
-- they lead to.
--
-- What a program says about stacking and about the obligations of its
-- recipients:
--   excludes          JSON list of program slugs it does not stack with
--                     (an award of one refuses an application to the other)
--   yields_to_higher  a state or municipal award for the same project
--                     prevails: the district program does not fund it again
--   obligation_years  years a recipient must stay registered and tax-paying
--                     in the district after payment (0: none)
--   clawback_pro_rata a recipient who leaves early repays the share of the
--                     award for the years not served, not all of it
ALTER TABLE programs ADD COLUMN excludes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE programs ADD COLUMN yields_to_higher BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE programs ADD COLUMN obligation_years INTEGER NOT NULL DEFAULT 0 CHECK (obligation_years BETWEEN 0 AND 20);
ALTER TABLE programs ADD COLUMN clawback_pro_rata BOOLEAN NOT NULL DEFAULT FALSE;

-- An application of an organization to a program for a project. The
-- workflow (draft, submitted, under_review, returned, approved, rejected,
-- withdrawn, disbursed) keeps its history in workflow_transitions;
-- project_key is the project's title or code normalized, so that the same
-- project is recognized however it is typed. eligibility holds the rules
-- engine's result when the application was submitted, as_of its date.
CREATE TABLE applications (
	id {{ID}},
	program_id BIGINT NOT NULL REFERENCES programs(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	project_title TEXT NOT NULL,
	project_key TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	requested_fen BIGINT CHECK (requested_fen >= 0),
	amount_fen BIGINT CHECK (amount_fen >= 0),
	state TEXT NOT NULL,
	origin TEXT NOT NULL DEFAULT 'applicant' CHECK (origin IN ('applicant', 'auto')),
	eligibility TEXT NOT NULL DEFAULT '',
	rules_as_of {{DATE}},
	decision_reason TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users(id),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	submitted_at {{TS}},
	decided_at {{TS}}
);
CREATE INDEX applications_program ON applications (program_id, state, id);
CREATE INDEX applications_org ON applications (org_id, id);
CREATE INDEX applications_state ON applications (state, updated_at);

-- Attachments, stored in the database (so that a backup holds them) after
-- their size and type were checked; sha256 is of the content.
CREATE TABLE application_files (
	id {{ID}},
	application_id BIGINT NOT NULL REFERENCES applications(id),
	document TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL CHECK (size > 0),
	sha256 TEXT NOT NULL,
	data {{BLOB}} NOT NULL,
	uploaded_by BIGINT REFERENCES users(id),
	created_at {{TS}} NOT NULL
);
CREATE INDEX application_files_application ON application_files (application_id, id);

-- An award: an approved application with its amount. reserved when
-- approved (a ledger hold on the program's budget), paid when disbursed
-- (the hold settled by a journal), cancelled if the approval is undone,
-- clawed_back when a recipient repaid it. fund_key names the fiscal fund
-- (the program's fund code, or the program itself when it has none); an
-- enterprise is funded once per fund and project, which the partial unique
-- index enforces under any concurrency. registered_district and
-- tax_district are the recipient's when it was paid; obligation_until is
-- the last day of its duty to stay.
CREATE TABLE awards (
	id {{ID}},
	application_id BIGINT NOT NULL UNIQUE REFERENCES applications(id),
	program_id BIGINT NOT NULL REFERENCES programs(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	fund_key TEXT NOT NULL,
	project_key TEXT NOT NULL,
	amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
	status TEXT NOT NULL CHECK (status IN ('reserved', 'paid', 'cancelled', 'clawed_back')),
	hold_id BIGINT REFERENCES ledger_holds(id),
	journal_id BIGINT REFERENCES ledger_journals(id),
	approved_at {{TS}} NOT NULL,
	paid_on {{DATE}},
	registered_district TEXT REFERENCES districts(slug),
	tax_district TEXT REFERENCES districts(slug),
	obligation_until {{DATE}},
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE UNIQUE INDEX awards_once_per_fund ON awards (fund_key, org_id, project_key) WHERE status <> 'cancelled';
CREATE INDEX awards_org ON awards (org_id, status);
CREATE INDEX awards_program ON awards (program_id, status);
CREATE INDEX awards_obligation ON awards (obligation_until) WHERE status = 'paid';
