-- Notices shown in the platform, and the e-mail outbox that a mail drainer
-- (rainforest mail) sends through an SMTP server. A notice to an
-- organization is written once per member, so that each reads it on their
-- own; org_id says which organization it concerned.

CREATE TABLE notices (
	id {{ID}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	org_id BIGINT REFERENCES orgs(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	dedupe_key TEXT NOT NULL DEFAULT '',
	title_zh TEXT NOT NULL,
	title_en TEXT NOT NULL,
	body_zh TEXT NOT NULL DEFAULT '',
	body_en TEXT NOT NULL DEFAULT '',
	link TEXT NOT NULL DEFAULT '',
	read_at {{TS}},
	created_at {{TS}} NOT NULL
);
CREATE INDEX notices_user ON notices (user_id, read_at, id);
-- A message with a key reaches each user at most once.
CREATE UNIQUE INDEX notices_dedupe ON notices (user_id, dedupe_key) WHERE dedupe_key <> '';

CREATE TABLE mail_outbox (
	id {{ID}},
	notice_id BIGINT REFERENCES notices(id) ON DELETE SET NULL,
	user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	to_addr TEXT NOT NULL,
	lang TEXT NOT NULL DEFAULT 'zh',
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	next_attempt_at {{TS}} NOT NULL,
	sent_at {{TS}},
	created_at {{TS}} NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at, id);
