-- Module M2: the obligations of award recipients and the clawback cases
-- opened when a recipient leaves the district before its obligation ends.
--
-- obligation_fulfilled_on is set by the daily sweep on the first day after
-- obligation_until when no clawback case was opened for the award.
ALTER TABLE awards ADD COLUMN obligation_fulfilled_on {{DATE}};

-- A clawback case: one per award at most (award_id is unique, so that the
-- registry hook opening it is idempotent under any concurrency). district
-- is the award's registered district; the *_before/*_after columns are the
-- change that opened it. amount_due_fen is the whole award, or, when the
-- program says clawback_pro_rata, the share of the days not served:
-- round(award × (obligation_days − served_days) / obligation_days).
-- status moves open → agreed → repaid, or open/agreed → waived (with a
-- reason); the workflow engine keeps its history.
CREATE TABLE clawback_cases (
	id {{ID}},
	award_id BIGINT NOT NULL UNIQUE REFERENCES awards(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	program_id BIGINT NOT NULL REFERENCES programs(id),
	reason TEXT NOT NULL CHECK (reason IN ('registered_district', 'tax_district', 'both')),
	district TEXT NOT NULL,
	registered_before TEXT,
	registered_after TEXT,
	tax_before TEXT,
	tax_after TEXT,
	left_on {{DATE}} NOT NULL,
	award_fen BIGINT NOT NULL CHECK (award_fen > 0),
	pro_rata BOOLEAN NOT NULL,
	obligation_days INTEGER NOT NULL CHECK (obligation_days > 0),
	served_days INTEGER NOT NULL CHECK (served_days >= 0),
	amount_due_fen BIGINT NOT NULL CHECK (amount_due_fen >= 0 AND amount_due_fen <= award_fen),
	due_on {{DATE}} NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('open', 'agreed', 'waived', 'repaid')),
	notes TEXT NOT NULL DEFAULT '',
	waive_reason TEXT NOT NULL DEFAULT '',
	journal_id BIGINT REFERENCES ledger_journals(id),
	repaid_on {{DATE}},
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX clawback_cases_status ON clawback_cases (status, id);
CREATE INDEX clawback_cases_org ON clawback_cases (org_id, id);
CREATE INDEX clawback_cases_program ON clawback_cases (program_id, status);
