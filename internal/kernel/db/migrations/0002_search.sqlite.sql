-- Directory search on SQLite: an FTS5 index over orgs.search_text, kept in
-- step by triggers. The analyzer has already split the text into terms.
CREATE VIRTUAL TABLE orgs_fts USING fts5(search_text, content='orgs', content_rowid='id', tokenize='unicode61 remove_diacritics 0');
CREATE TRIGGER orgs_fts_insert AFTER INSERT ON orgs BEGIN
	INSERT INTO orgs_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER orgs_fts_delete AFTER DELETE ON orgs BEGIN
	INSERT INTO orgs_fts (orgs_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER orgs_fts_update AFTER UPDATE OF search_text ON orgs BEGIN
	INSERT INTO orgs_fts (orgs_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
	INSERT INTO orgs_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- The audit log is append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
