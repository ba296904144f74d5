-- A published notice reaches its recipients in batches, each its own
-- transaction: a recipient row is written pending when the notice is
-- published and marked delivered with its batch. Rows from before were
-- delivered with the publication.
ALTER TABLE desk_notice_recipients ADD COLUMN delivered BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX desk_notice_recipients_pending ON desk_notice_recipients (notice_id, org_id) WHERE delivered = FALSE;
