-- City-wide matching (rainforest match): the stored outcome of each
-- enterprise against each open program. Only pairs that are eligible or
-- unknown are kept (an absent pair is ineligible, or not yet matched); the
-- per-criterion outcome is one letter per criterion of the rule set, in
-- its order: m met, n not met, u unknown; unknown_fields is the mask of
-- the profile fields the unknown criteria need (rules.FieldNames). The
-- full explanation (reasons, gaps) is computed on demand.

-- The pairs are written and read by their key only (a program's pairs in
-- organization order), so the key is the only index.
CREATE TABLE match_results (
	program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	status TEXT NOT NULL CHECK (status IN ('eligible', 'unknown')),
	amount_yuan BIGINT,
	met INTEGER NOT NULL,
	not_met INTEGER NOT NULL,
	unknown INTEGER NOT NULL,
	gap_rank INTEGER NOT NULL,
	outcomes TEXT NOT NULL,
	unknown_fields BIGINT NOT NULL DEFAULT 0,
	rules_version INTEGER NOT NULL,
	as_of {{DATE}} NOT NULL,
	computed_at {{TS}} NOT NULL,
	PRIMARY KEY (program_id, org_id)
);

-- One row per program last matched: which version of its rules, as of
-- which day, and the counts of that run (ineligible pairs are not stored,
-- so their number lives here).
CREATE TABLE match_programs (
	program_id BIGINT PRIMARY KEY REFERENCES programs(id) ON DELETE CASCADE,
	rules_version INTEGER NOT NULL,
	as_of {{DATE}} NOT NULL,
	enterprises INTEGER NOT NULL,
	eligible INTEGER NOT NULL,
	unknown INTEGER NOT NULL,
	ineligible INTEGER NOT NULL,
	computed_at {{TS}} NOT NULL
);

-- Work for the background matcher: a program published or changed, an
-- organization's profile changed. Written in the transaction of the
-- change; a row is removed once done.
CREATE TABLE match_queue (
	id {{ID}},
	kind TEXT NOT NULL CHECK (kind IN ('program', 'org')),
	ref_id BIGINT NOT NULL,
	enqueued_at {{TS}} NOT NULL
);
CREATE INDEX match_queue_ref ON match_queue (kind, ref_id);
