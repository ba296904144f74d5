-- Module M8: foreign-talent work permits. The points table of the
-- classification standard as versioned data (one row per version with its
-- effective date; brackets, thresholds and direct criteria in JSON); the
-- one-window applications filed by the employer for a foreign talent, with
-- their current score, documents and the residence-permit hand-off; and
-- the permits granted.

CREATE TABLE talent_point_tables (
	id {{ID}},
	effective_from {{DATE}} NOT NULL UNIQUE,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	legal_ref TEXT NOT NULL DEFAULT '',
	-- The brackets, maxima, thresholds and direct criteria (talent.Table).
	data TEXT NOT NULL,
	created_by BIGINT REFERENCES users(id),
	created_at {{TS}} NOT NULL
);

CREATE TABLE talent_applications (
	id {{ID}},
	kind TEXT NOT NULL DEFAULT 'new' CHECK (kind IN ('new', 'renewal')),
	renews_permit_id BIGINT,
	employer_org_id BIGINT NOT NULL REFERENCES orgs(id),
	-- The talent's own account, when there is one: the talent reads the case.
	talent_user_id BIGINT REFERENCES users(id),
	name TEXT NOT NULL,
	name_zh TEXT NOT NULL DEFAULT '',
	job_title TEXT NOT NULL DEFAULT '',
	-- Personal data: the talent, the employer's owners and officers only.
	nationality TEXT NOT NULL,
	passport_no TEXT NOT NULL,
	birth_date {{DATE}} NOT NULL,
	education TEXT NOT NULL,
	graduation_date {{DATE}},
	chinese_taught_degree BOOLEAN NOT NULL DEFAULT FALSE,
	former_chinese BOOLEAN NOT NULL DEFAULT FALSE,
	hsk INTEGER NOT NULL DEFAULT 0 CHECK (hsk BETWEEN 0 AND 6),
	work_years INTEGER NOT NULL DEFAULT 0 CHECK (work_years BETWEEN 0 AND 70),
	work_history TEXT NOT NULL DEFAULT '[]',
	salary_yuan BIGINT NOT NULL CHECK (salary_yuan >= 0),
	months_in_china INTEGER NOT NULL DEFAULT 12 CHECK (months_in_china BETWEEN 0 AND 12),
	work_location TEXT NOT NULL DEFAULT 'other',
	top_university BOOLEAN NOT NULL DEFAULT FALSE,
	fortune500 BOOLEAN NOT NULL DEFAULT FALSE,
	owns_ip BOOLEAN NOT NULL DEFAULT FALSE,
	five_years_china BOOLEAN NOT NULL DEFAULT FALSE,
	national_talent_program BOOLEAN NOT NULL DEFAULT FALSE,
	recognised_achievement BOOLEAN NOT NULL DEFAULT FALSE,
	provincial_bonus BOOLEAN NOT NULL DEFAULT FALSE,
	-- Set on submission; the score uses the table in force on it.
	application_date {{DATE}},
	state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'under_review', 'returned', 'approved', 'rejected', 'withdrawn')),
	-- The current score (re-scored when a new table takes effect while open).
	score_table_id BIGINT REFERENCES talent_point_tables(id),
	score_points INTEGER NOT NULL DEFAULT 0,
	score_class TEXT NOT NULL DEFAULT '',
	score_basis TEXT NOT NULL DEFAULT '',
	-- The items' points, comma-separated in the order of the standard.
	score_items TEXT NOT NULL DEFAULT '',
	-- The day the score is as of (the table in force that day, the age).
	score_as_of {{DATE}},
	scored_at {{TS}},
	decision_reasons TEXT NOT NULL DEFAULT '',
	-- The residence-permit procedure the approval feeds.
	residence_state TEXT NOT NULL DEFAULT 'not_started' CHECK (residence_state IN ('not_started', 'handed_off', 'accepted', 'issued', 'refused')),
	residence_updated_at {{TS}},
	created_by BIGINT REFERENCES users(id),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX talent_applications_employer ON talent_applications (employer_org_id, id);
CREATE INDEX talent_applications_user ON talent_applications (talent_user_id, id);
CREATE INDEX talent_applications_state ON talent_applications (state, id);

CREATE TABLE talent_documents (
	id {{ID}},
	application_id BIGINT NOT NULL REFERENCES talent_applications(id),
	item TEXT NOT NULL,
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	content {{BLOB}} NOT NULL,
	uploaded_by BIGINT REFERENCES users(id),
	created_at {{TS}} NOT NULL
);
CREATE INDEX talent_documents_application ON talent_documents (application_id, item);

CREATE TABLE talent_permits (
	id {{ID}},
	application_id BIGINT NOT NULL UNIQUE REFERENCES talent_applications(id),
	number TEXT NOT NULL UNIQUE,
	class TEXT NOT NULL CHECK (class IN ('A', 'B', 'C')),
	employer_org_id BIGINT NOT NULL REFERENCES orgs(id),
	talent_user_id BIGINT REFERENCES users(id),
	holder_name TEXT NOT NULL,
	valid_from {{DATE}} NOT NULL,
	valid_to {{DATE}} NOT NULL,
	-- valid until a renewal supersedes it; expiry is read from valid_to.
	status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'superseded')),
	issued_at {{TS}} NOT NULL,
	CHECK (valid_to >= valid_from)
);
CREATE INDEX talent_permits_user ON talent_permits (talent_user_id);
CREATE INDEX talent_permits_expiry ON talent_permits (status, valid_to);
