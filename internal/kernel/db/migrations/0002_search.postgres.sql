-- Directory search on PostgreSQL: the analyzer's terms as an array with a
-- GIN index, matched by containment (independent of the cluster's locale).
ALTER TABLE orgs ADD COLUMN search_terms TEXT[] GENERATED ALWAYS AS (string_to_array(search_text, ' ')) STORED;
CREATE INDEX orgs_search_terms ON orgs USING GIN (search_terms);

-- The audit log is append-only.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
