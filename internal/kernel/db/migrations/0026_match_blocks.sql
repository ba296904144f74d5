-- City-wide matching keeps a program's outcome per block of enterprises
-- instead of one row per pair: one row per program and block of
-- organization ids (org_id / 4096), holding the block's eligible and
-- unknown enterprises in organization order, each with its status, amount,
-- the outcome of every criterion (met / not met / unknown, two bits each)
-- and the mask of the profile fields its unknown criteria need (see
-- internal/programs/match/block.go for the encoding). An enterprise absent
-- from its block is ineligible, or not yet matched. A run compares and
-- writes blocks, so a city of a million enterprises against 200 programs
-- is some fifty thousand rows instead of millions.
CREATE TABLE match_blocks (
	program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
	block BIGINT NOT NULL,
	eligible INTEGER NOT NULL,
	unknown INTEGER NOT NULL,
	data {{BLOB}} NOT NULL,
	rules_version INTEGER NOT NULL,
	as_of {{DATE}} NOT NULL,
	computed_at {{TS}} NOT NULL,
	PRIMARY KEY (program_id, block)
);

-- The pairs and the counts are rebuilt by the next run.
DROP TABLE match_results;
DELETE FROM match_programs;
