-- The yearly quota of class-C work permits, the city's, set by its
-- foreign-expert authority (administrators): a new class-C permit takes
-- one place of the year it is granted in, by a conditional update, so the
-- quota holds under any concurrency; a renewal keeps the place it has.
CREATE TABLE talent_quotas (
	year INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2200),
	quota INTEGER NOT NULL CHECK (quota >= 0),
	used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
	version INTEGER NOT NULL DEFAULT 1,
	updated_at {{TS}} NOT NULL
);
