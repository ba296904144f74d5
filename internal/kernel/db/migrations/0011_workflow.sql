-- Every transition of every workflow (program applications, loans, permits,
-- bookings, tenancies, service requests): the module keeps the current
-- state in its own table; this is the history.

CREATE TABLE workflow_transitions (
	id {{ID}},
	entity TEXT NOT NULL,
	entity_id BIGINT NOT NULL,
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	action TEXT NOT NULL,
	actor_user_id BIGINT,
	actor_email TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL DEFAULT '',
	comment TEXT NOT NULL DEFAULT '',
	at {{TS}} NOT NULL
);
CREATE INDEX workflow_transitions_entity ON workflow_transitions (entity, entity_id, id);
CREATE INDEX workflow_transitions_to ON workflow_transitions (entity, to_state, at);
