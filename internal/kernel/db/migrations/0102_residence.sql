-- Module M8: applications to district talent programs (their eligibility
-- is a rule set of the talent module), reviewed by the district's officers
-- through the workflow engine. The facts the talent gave and the rules'
-- result are kept as they were when filed.

CREATE TABLE talent_program_applications (
	id {{ID}},
	program TEXT NOT NULL,
	district TEXT NOT NULL REFERENCES districts(slug),
	user_id BIGINT NOT NULL REFERENCES users(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	employer_org_id BIGINT NOT NULL REFERENCES orgs(id),
	facts TEXT NOT NULL,
	result TEXT NOT NULL,
	statement TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL DEFAULT 'submitted' CHECK (state IN ('submitted', 'in_review', 'approved', 'rejected', 'withdrawn')),
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
-- One live application per talent and program.
CREATE UNIQUE INDEX talent_program_applications_live ON talent_program_applications (program, user_id) WHERE state IN ('submitted', 'in_review', 'approved');
CREATE INDEX talent_program_applications_queue ON talent_program_applications (district, state, id);
CREATE INDEX talent_program_applications_user ON talent_program_applications (user_id);
