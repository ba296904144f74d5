package search

import (
	"context"
	"fmt"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// BM25 parameters: term-frequency saturation and length normalization.
const (
	k1 = 1.2
	b  = 0.75
)

// Hit is one document found.
type Hit struct {
	ID int64 `json:"id"`
	// Score is the BM25F score of the document for the query.
	Score float64 `json:"score"`
	// Matched is how many of the query's terms the document holds.
	Matched int `json:"matched"`
	// Snippets holds, for each field with text, an extract as HTML: the
	// text escaped, the matched terms in <mark>.
	Snippets map[string]string `json:"snippets"`
}

// FacetCount is how many documents have one value of a filter.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Result is one page of hits with the figures of the whole search.
type Result struct {
	Hits []Hit `json:"hits"`
	// Total is how many documents match.
	Total int `json:"total"`
	// Facets counts, for each requested filter, the matching documents by
	// value, most first. A filter's own values are counted without that
	// filter, so that the other values it could select show their counts.
	Facets map[string][]FacetCount `json:"facets,omitempty"`
	// DidYouMean is the query with its unknown English words replaced by
	// the closest words of the index, or "".
	DidYouMean string `json:"did_you_mean,omitempty"`
	// Relaxed: no document held every term, so these hold some of them.
	Relaxed bool `json:"relaxed,omitempty"`
	// Terms are the query's terms as the analyzer found them.
	Terms []string `json:"terms"`
}

// Search runs a query on the registered index it names, reading through r
// (the read pool, or the caller's transaction).
func Search(ctx context.Context, r DBTX, q Query) (Result, error) {
	ix, ok := Lookup(q.Index)
	if !ok {
		return Result{}, apperr.Wrap(fmt.Errorf("no search index %q", q.Index), "search")
	}
	return ix.Search(ctx, r, q)
}

// expand gives each lone Chinese character of the query the terms that
// contain it: the character itself and the bigrams that begin or end with
// it, the most frequent first.
func (ix *Index) expand(ctx context.Context, r DBTX, terms []qterm) error {
	for i := range terms {
		t := &terms[i]
		if t.Kind != Unigram {
			continue
		}
		c, _ := utf8.DecodeRuneInString(t.Term)
		rows, err := r.QueryContext(ctx, `SELECT term FROM (
				SELECT term, df FROM search_terms WHERE idx = $1 AND term >= $2 AND term < $3
				UNION
				SELECT term, df FROM search_terms WHERE idx = $1 AND tail = $2 AND tail <> ''
			) t ORDER BY df DESC, term LIMIT $4`, ix.Name, t.Term, string(c+1), maxExpansions)
		if err != nil {
			return err
		}
		t.alts = t.alts[:0]
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			t.alts = append(t.alts, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(t.alts) == 0 {
			t.alts = []string{t.Term}
		}
	}
	return nil
}

// figures reads the number of documents and each field's total length.
func (ix *Index) figures(ctx context.Context, r DBTX) (docs int, length []int, err error) {
	length = make([]int, len(ix.Fields))
	rows, err := r.QueryContext(ctx, `SELECT field, docs, length FROM search_fields WHERE idx = $1`, ix.Name)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var d, l int
		if err := rows.Scan(&name, &d, &l); err != nil {
			return 0, nil, err
		}
		docs = d
		if f := ix.field(name); f >= 0 {
			length[f] = l
		}
	}
	return docs, length, rows.Err()
}

// docFreq reads how many documents hold each query term (for a lone
// Chinese character, the sum over the terms that contain it).
func (ix *Index) docFreq(ctx context.Context, r DBTX, terms []qterm) ([]int, error) {
	owners := map[string][]int{}
	var list []string
	for i, t := range terms {
		for _, alt := range t.alts {
			if _, ok := owners[alt]; !ok {
				list = append(list, alt)
			}
			owners[alt] = append(owners[alt], i)
		}
	}
	var a db.Args
	a.Add(ix.Name)
	rows, err := r.QueryContext(ctx, `SELECT term, df FROM search_terms WHERE idx = $1 AND term IN (`+db.List(&a, list)+`)`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	df := make([]int, len(terms))
	for rows.Next() {
		var term string
		var n int
		if err := rows.Scan(&term, &n); err != nil {
			return nil, err
		}
		for _, i := range owners[term] {
			df[i] += n
		}
	}
	return df, rows.Err()
}

// maxFacetValues is how many values of one facet a result lists.
const maxFacetValues = 100

// texts reads the fields' text of the page's documents.
func (ix *Index) texts(ctx context.Context, r DBTX, ids []int64) (map[int64]map[string]string, error) {
	var a db.Args
	a.Add(ix.Name)
	rows, err := r.QueryContext(ctx, `SELECT doc, texts FROM search_docs WHERE idx = $1 AND doc IN (`+db.List(&a, ids)+`)`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]map[string]string{}
	for rows.Next() {
		var id int64
		var js string
		if err := rows.Scan(&id, &js); err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := jsonUnmarshal(js, &m); err != nil {
			return nil, err
		}
		out[id] = m
	}
	return out, rows.Err()
}
