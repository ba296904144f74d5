-- The search engine's shared index (internal/kernel/search). Every module
-- that lists things registers its documents here under an index name; the
-- analyzer runs in Go, so both engines hold the same terms and the ranking
-- is computed in Go from the same rows.

-- One row per document: its distinct terms (to remove its postings when it
-- changes or goes), its field lengths and filter values, and its text for
-- the snippets.
CREATE TABLE search_docs (
	idx TEXT NOT NULL,
	doc BIGINT NOT NULL,
	terms TEXT NOT NULL,
	data BLOB NOT NULL,
	texts TEXT NOT NULL,
	PRIMARY KEY (idx, doc)
) WITHOUT ROWID;

-- The postings: for each term and document, data holds the term's
-- frequency and the length of each field it occurs in, and the document's
-- filter values, so that a query reads one range of this table per term.
CREATE TABLE search_postings (
	idx TEXT NOT NULL,
	term TEXT NOT NULL,
	doc BIGINT NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (idx, term, doc)
) WITHOUT ROWID;

-- The vocabulary: how many documents hold each term, a word it was seen
-- as (for "did you mean"), and for a Chinese bigram its last character
-- (a one-character query finds the bigrams that end with it).
CREATE TABLE search_terms (
	idx TEXT NOT NULL,
	term TEXT NOT NULL,
	df BIGINT NOT NULL,
	word TEXT NOT NULL,
	tail TEXT NOT NULL,
	PRIMARY KEY (idx, term)
) WITHOUT ROWID;
CREATE INDEX search_terms_tail ON search_terms (idx, tail) WHERE tail <> '';

-- Per index and field: the number of documents and the total length of the
-- field, for the average field length of BM25F. The row of field '' holds
-- the index's document count and is the lock its writers queue on.
CREATE TABLE search_fields (
	idx TEXT NOT NULL,
	field TEXT NOT NULL,
	docs BIGINT NOT NULL,
	length BIGINT NOT NULL,
	PRIMARY KEY (idx, field)
) WITHOUT ROWID;
