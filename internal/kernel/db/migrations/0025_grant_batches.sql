-- Module M2: apply-free grants. For a program marked auto_grant, matching
-- proposes a batch of awards from the registry's data: one item per
-- eligible enterprise with the amount the rules give. An officer of the
-- owning agency approves the batch (every item becomes an application of
-- origin 'auto', approved and disbursed through the ledger in one
-- transaction) or discards it. At most one batch per program is open.
CREATE TABLE grant_batches (
	id {{ID}},
	program_id BIGINT NOT NULL REFERENCES programs(id),
	status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'discarded')),
	as_of {{DATE}} NOT NULL,
	project_title TEXT NOT NULL,
	items INTEGER NOT NULL,
	total_fen BIGINT NOT NULL CHECK (total_fen >= 0),
	skipped INTEGER NOT NULL DEFAULT 0,
	proposed_by BIGINT REFERENCES users(id),
	proposed_at {{TS}} NOT NULL,
	decided_by BIGINT REFERENCES users(id),
	decided_at {{TS}},
	reason TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX grant_batches_one_open ON grant_batches (program_id) WHERE status = 'proposed';
CREATE INDEX grant_batches_program ON grant_batches (program_id, id);

CREATE TABLE grant_batch_items (
	id {{ID}},
	batch_id BIGINT NOT NULL REFERENCES grant_batches(id),
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
	application_id BIGINT REFERENCES applications(id),
	UNIQUE (batch_id, org_id)
);
