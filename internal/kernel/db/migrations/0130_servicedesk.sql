-- Module M11: the government-enterprise service desk. Enterprises' requests
-- routed by district and topic to an agency, answered within a service
-- level counted in working time (weekends and public holidays off),
-- escalated to the district's lead officers when overdue; policy notices
-- pushed to the enterprises a rule selects; officers' company visits with
-- what was promised.

-- The routing table: which agency (and officer group) answers a topic in a
-- district. A district and topic without a row go to the district's
-- science commission (its first agency).
CREATE TABLE desk_routes (
	district TEXT NOT NULL REFERENCES districts(slug),
	topic TEXT NOT NULL,
	agency_org_id BIGINT NOT NULL REFERENCES orgs(id),
	group_zh TEXT NOT NULL DEFAULT '',
	group_en TEXT NOT NULL DEFAULT '',
	updated_at {{TS}} NOT NULL,
	PRIMARY KEY (district, topic)
);

-- Service levels per topic; a topic without a row has the default.
CREATE TABLE desk_levels (
	topic TEXT PRIMARY KEY,
	amount INTEGER NOT NULL CHECK (amount > 0),
	unit TEXT NOT NULL CHECK (unit IN ('hours', 'days')),
	updated_at {{TS}} NOT NULL
);

-- The lead officers of a district, who receive escalations.
CREATE TABLE desk_leads (
	district TEXT NOT NULL REFERENCES districts(slug),
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (district, user_id)
);

-- Public holidays (working = FALSE) and the weekend days worked in their
-- place (working = TRUE), as published each year by the State Council.
CREATE TABLE desk_holidays (
	day {{DATE}} PRIMARY KEY,
	working BOOLEAN NOT NULL DEFAULT FALSE,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	reference TEXT NOT NULL DEFAULT ''
);

INSERT INTO desk_holidays (day, working, name_zh, name_en, reference) VALUES
	('2026-01-01', FALSE, '元旦', 'New Year''s Day', '国办发明电〔2025〕7号'),
	('2026-01-02', FALSE, '元旦', 'New Year''s Day', '国办发明电〔2025〕7号'),
	('2026-01-03', FALSE, '元旦', 'New Year''s Day', '国办发明电〔2025〕7号'),
	('2026-01-04', TRUE, '元旦调休上班', 'Working day (New Year)', '国办发明电〔2025〕7号'),
	('2026-02-14', TRUE, '春节调休上班', 'Working day (Spring Festival)', '国办发明电〔2025〕7号'),
	('2026-02-15', FALSE, '春节', 'Spring Festival', '国办发明电〔2025〕7号'),
	('2026-02-16', FALSE, '春节', 'Spring Festival', '国办发明电〔2025〕7号'),
	('2026-02-17', FALSE, '春节', 'Spring Festival', '国办发明电〔2025〕7号'),
	('2026-02-18', FALSE, '春节', 'Spring Festival', '国办发明电〔2025〕7号'),
	('2026-02-19', FALSE, '春节', 'Spring Festival', '国办发明电〔2025〕7号'),
	('2026-02-20', FALSE, '春节', 'Spring Festival', '国办发明电〔2025〕7号'),
	('2026-02-21', FALSE, '春节', 'Spring Festival', '国办发明电〔2025〕7号'),
	('2026-02-22', FALSE, '春节', 'Spring Festival', '国办发明电〔2025〕7号'),
	('2026-02-23', FALSE, '春节', 'Spring Festival', '国办发明电〔2025〕7号'),
	('2026-02-28', TRUE, '春节调休上班', 'Working day (Spring Festival)', '国办发明电〔2025〕7号'),
	('2026-04-04', FALSE, '清明节', 'Qingming Festival', '国办发明电〔2025〕7号'),
	('2026-04-05', FALSE, '清明节', 'Qingming Festival', '国办发明电〔2025〕7号'),
	('2026-04-06', FALSE, '清明节', 'Qingming Festival', '国办发明电〔2025〕7号'),
	('2026-05-01', FALSE, '劳动节', 'Labour Day', '国办发明电〔2025〕7号'),
	('2026-05-02', FALSE, '劳动节', 'Labour Day', '国办发明电〔2025〕7号'),
	('2026-05-03', FALSE, '劳动节', 'Labour Day', '国办发明电〔2025〕7号'),
	('2026-05-04', FALSE, '劳动节', 'Labour Day', '国办发明电〔2025〕7号'),
	('2026-05-05', FALSE, '劳动节', 'Labour Day', '国办发明电〔2025〕7号'),
	('2026-05-09', TRUE, '劳动节调休上班', 'Working day (Labour Day)', '国办发明电〔2025〕7号'),
	('2026-06-19', FALSE, '端午节', 'Dragon Boat Festival', '国办发明电〔2025〕7号'),
	('2026-06-20', FALSE, '端午节', 'Dragon Boat Festival', '国办发明电〔2025〕7号'),
	('2026-06-21', FALSE, '端午节', 'Dragon Boat Festival', '国办发明电〔2025〕7号'),
	('2026-09-20', TRUE, '国庆节调休上班', 'Working day (National Day)', '国办发明电〔2025〕7号'),
	('2026-09-25', FALSE, '中秋节', 'Mid-Autumn Festival', '国办发明电〔2025〕7号'),
	('2026-09-26', FALSE, '中秋节', 'Mid-Autumn Festival', '国办发明电〔2025〕7号'),
	('2026-09-27', FALSE, '中秋节', 'Mid-Autumn Festival', '国办发明电〔2025〕7号'),
	('2026-10-01', FALSE, '国庆节', 'National Day', '国办发明电〔2025〕7号'),
	('2026-10-02', FALSE, '国庆节', 'National Day', '国办发明电〔2025〕7号'),
	('2026-10-03', FALSE, '国庆节', 'National Day', '国办发明电〔2025〕7号'),
	('2026-10-04', FALSE, '国庆节', 'National Day', '国办发明电〔2025〕7号'),
	('2026-10-05', FALSE, '国庆节', 'National Day', '国办发明电〔2025〕7号'),
	('2026-10-06', FALSE, '国庆节', 'National Day', '国办发明电〔2025〕7号'),
	('2026-10-07', FALSE, '国庆节', 'National Day', '国办发明电〔2025〕7号'),
	('2026-10-10', TRUE, '国庆节调休上班', 'Working day (National Day)', '国办发明电〔2025〕7号');

-- A request of an enterprise. due_at is the deadline of the officer's
-- next response while one is awaited (NULL otherwise); first_due_at and
-- responded_at measure the first response against the service level.
-- cycle counts the waits for an officer (a reply or a reopening starts a
-- new one) and keys the escalations of each.
CREATE TABLE desk_requests (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	district TEXT NOT NULL,
	topic TEXT NOT NULL,
	agency_org_id BIGINT REFERENCES orgs(id),
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('open', 'awaiting_enterprise', 'answered', 'closed', 'withdrawn')),
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	first_due_at {{TS}} NOT NULL,
	due_at {{TS}},
	responded_at {{TS}},
	closed_at {{TS}},
	cycle INTEGER NOT NULL DEFAULT 1,
	escalation_level INTEGER NOT NULL DEFAULT 0,
	escalated_at {{TS}},
	rating INTEGER CHECK (rating BETWEEN 1 AND 5),
	rating_comment TEXT NOT NULL DEFAULT '',
	rated_at {{TS}},
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX desk_requests_queue ON desk_requests (district, state, due_at);
CREATE INDEX desk_requests_org ON desk_requests (org_id, id);
CREATE INDEX desk_requests_due ON desk_requests (state, due_at);

-- One row per escalation level reached in a cycle: the sweep inserts it
-- once, so that a request is escalated at most once per level and cycle.
CREATE TABLE desk_escalations (
	request_id BIGINT NOT NULL REFERENCES desk_requests(id) ON DELETE CASCADE,
	cycle INTEGER NOT NULL,
	level INTEGER NOT NULL,
	notified INTEGER NOT NULL DEFAULT 0,
	at {{TS}} NOT NULL,
	PRIMARY KEY (request_id, cycle, level)
);

CREATE TABLE desk_files (
	id {{ID}},
	request_id BIGINT NOT NULL REFERENCES desk_requests(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	data {{BLOB}} NOT NULL,
	uploaded_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX desk_files_request ON desk_files (request_id, id);

-- Policy notices: the rule (a CEL expression over the registry profile)
-- selects the enterprises of the district ('' : the whole city).
CREATE TABLE desk_notices (
	id {{ID}},
	district TEXT NOT NULL DEFAULT '',
	title_zh TEXT NOT NULL,
	title_en TEXT NOT NULL,
	body_zh TEXT NOT NULL,
	body_en TEXT NOT NULL,
	rule TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('draft', 'published')),
	reach INTEGER NOT NULL DEFAULT 0,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	published_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	published_at {{TS}},
	version INTEGER NOT NULL DEFAULT 1,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

-- The enterprises a published notice reached, each once.
CREATE TABLE desk_notice_recipients (
	notice_id BIGINT NOT NULL REFERENCES desk_notices(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	notified INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (notice_id, org_id)
);
CREATE INDEX desk_notice_recipients_org ON desk_notice_recipients (org_id, notice_id);

CREATE TABLE desk_visits (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	district TEXT NOT NULL,
	visited_on {{DATE}} NOT NULL,
	participants TEXT NOT NULL,
	issues TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX desk_visits_district ON desk_visits (district, visited_on);

CREATE TABLE desk_promises (
	id {{ID}},
	visit_id BIGINT NOT NULL REFERENCES desk_visits(id) ON DELETE CASCADE,
	what TEXT NOT NULL,
	owner TEXT NOT NULL,
	due_on {{DATE}} NOT NULL,
	done_at {{TS}},
	done_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	note TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL
);
CREATE INDEX desk_promises_visit ON desk_promises (visit_id, id);
CREATE INDEX desk_promises_open ON desk_promises (done_at, due_on);
