-- Indicators (module M10): the cache of computed figures, the refresher's
-- state, and the resident population per district as reference data.

-- One figure of an indicator for an area (a district slug, a region, the
-- city as '', or 'unassigned' for records without a district) and a month
-- (YYYY-MM, Shanghai time). Written only by the refresher.
CREATE TABLE indicator_values (
	indicator TEXT NOT NULL,
	area TEXT NOT NULL,
	period TEXT NOT NULL,
	value BIGINT NOT NULL,
	computed_at {{TS}} NOT NULL,
	PRIMARY KEY (indicator, period, area)
);

-- When each indicator was last recomputed, and the audit log entry up to
-- which its sources' changes have been taken in.
CREATE TABLE indicator_state (
	indicator TEXT PRIMARY KEY,
	refreshed_at {{TS}} NOT NULL,
	full_at {{TS}} NOT NULL,
	audit_id BIGINT NOT NULL DEFAULT 0,
	millis BIGINT NOT NULL DEFAULT 0
);

-- Resident population per district and year, with its source; the
-- per-capita indicators divide by the latest figure of the period's year
-- or before.
CREATE TABLE indicator_populations (
	district TEXT NOT NULL REFERENCES districts(slug),
	year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2100),
	population BIGINT NOT NULL CHECK (population > 0),
	source TEXT NOT NULL,
	updated_at {{TS}} NOT NULL,
	PRIMARY KEY (district, year)
);

-- The seventh national census (2020), as already held by districts.
INSERT INTO indicator_populations (district, year, population, source, updated_at)
SELECT slug, population_year, population, '上海市第七次全国人口普查主要数据公报（2021年5月）; Shanghai Seventh National Population Census bulletin (May 2021)', CURRENT_TIMESTAMP
FROM districts WHERE population IS NOT NULL AND population_year IS NOT NULL;
