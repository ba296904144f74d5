-- Quarter-end runs of subsidy schemes: by an officer (any number), or by
-- the daily schedule once the quarter's grace period is over (once per
-- scheme and quarter, which the partial unique index keeps under any
-- number of processes).
CREATE TABLE subsidy_quarter_runs (
	id {{ID}},
	scheme_id BIGINT NOT NULL REFERENCES subsidy_schemes(id),
	quarter TEXT NOT NULL,
	origin TEXT NOT NULL CHECK (origin IN ('officer', 'schedule')),
	run_by BIGINT REFERENCES users(id),
	claimed INTEGER NOT NULL CHECK (claimed >= 0),
	skipped INTEGER NOT NULL CHECK (skipped >= 0),
	run_at {{TS}} NOT NULL
);
CREATE UNIQUE INDEX subsidy_quarter_runs_scheduled ON subsidy_quarter_runs (scheme_id, quarter) WHERE origin = 'schedule';
CREATE INDEX subsidy_quarter_runs_scheme ON subsidy_quarter_runs (scheme_id, id);
