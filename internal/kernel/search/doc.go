// Package search is the platform's search and match engine, shared by every
// module that lists things.
//
// # Analyzer
//
// Analyze turns Chinese and English text into terms, the same for
// documents and queries and on both database engines (it runs in Go):
// NFKC normalization (full-width forms, compatibility ideographs) and full
// case folding; overlapping bigrams for runs of Chinese characters (a lone
// character is a term of its own), so that a query of two characters or
// more, such as 芯片, finds every text containing it; words of letters and
// digits, English ones stemmed with the Snowball English stemmer
// (transfers, transferring → transfer); decimal numbers kept whole (3.5).
// Each token carries its byte offsets in the original text, for snippets.
//
// # Index
//
// A module declares an Index (a name, weighted text fields, filter names),
// registers it, and calls Put or Delete inside its own transaction on every
// write, so that the index never lags the data:
//
//	var listings = search.Register(&search.Index{
//		Name:    "ip.listings",
//		Fields:  []search.Field{{Name: "title", Weight: 3}, {Name: "abstract", Weight: 1}},
//		Filters: []string{"kind", "district", "status"},
//	})
//
//	err := d.Tx(ctx, func(tx *sql.Tx) error {
//		// ... the module's own INSERT or UPDATE, its audit record ...
//		return listings.Put(ctx, tx, id, map[string]string{"title": t, "abstract": a},
//			map[string]string{"kind": k, "district": dist, "status": s})
//	})
//
// All indexes share the tables of migrations 0030 and 0031: search_docs
// (a document's term vector, figures, filter values and text, and the
// change that wrote it), search_terms (the vocabulary with document
// frequencies), search_fields (document count and total length per
// field), search_seq (each index's change sequence and epoch) and
// search_gone (documents removed, by change).
//
// # Search
//
// Search answers from an inverted index in memory, loaded from search_docs
// on the first search and brought up to date from the change sequence
// before each one (a transaction's own writes are read into an overlay of
// its search, never into the shared copy), and ranks in Go with
// BM25F (field weights, per-field length normalization against the
// field's average, k1 = 1.2, b = 0.75). Occurrences are summed as integers
// and ties broken by id, so both engines give the same hits in the same
// order with the same scores. By default a document must hold every term
// (the rarest term's documents are taken first, the others looked up for
// them); when none does, the search relaxes to any term, more
// matching terms first. A Result has the page of hits with HTML snippets
// (the text escaped, matched terms in <mark>), the total, facet counts for
// the requested filters (each counted as if its own filter were not set),
// and "did you mean" for English words the index does not hold.
//
// Any query text gives results or an apperr error naming q (400: not
// UTF-8, longer than MaxQueryLength); operators, quotes and symbols are
// separators, and at most MaxTerms terms are looked up.
//
// The older Terms, Text, ParseQuery and Match serve the registry's
// directory (search_text with FTS5 on SQLite, a GIN array on PostgreSQL).
package search
