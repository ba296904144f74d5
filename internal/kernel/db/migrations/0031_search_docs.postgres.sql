-- The search engine answers queries from an inverted index in memory,
-- loaded from search_docs and kept current through a change sequence
-- (internal/kernel/search). The posting rows go: each document row holds
-- its analysed term vector instead (vec: term, then occurrences per
-- field). Rows written before this migration have an empty vec and are
-- analysed again from their text when the index is loaded.
DROP TABLE search_postings;
ALTER TABLE search_docs ADD COLUMN vec BYTEA NOT NULL DEFAULT ''::bytea;

-- seq: the change that wrote the row, to find what changed since a
-- loaded copy of the index.
ALTER TABLE search_docs ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX search_docs_seq ON search_docs (idx, seq);

-- One row per index: its change sequence, bumped by every write in the
-- writing transaction, and a random epoch, renewed when the index is
-- cleared, that tells one database's index from another's.
CREATE TABLE search_seq (
	idx TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	epoch BIGINT NOT NULL,
	seq BIGINT NOT NULL
);
INSERT INTO search_seq (idx, epoch, seq)
	SELECT idx, floor(random() * 4611686018427387903)::bigint + 1, 0 FROM search_docs GROUP BY idx;

-- Documents removed, by the change that removed them.
CREATE TABLE search_gone (
	idx TEXT COLLATE "C" NOT NULL,
	seq BIGINT NOT NULL,
	doc BIGINT NOT NULL,
	PRIMARY KEY (idx, seq, doc)
);
