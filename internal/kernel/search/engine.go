package search

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
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

// cand is a document that holds at least one query term.
type cand struct {
	id      int64
	tf      []int32 // query term × field: occurrences
	length  []int32 // field: length
	filters []filterValue
	matched int
	score   float64
	fails   int // filters not passed
	failed  int // the one filter not passed, when fails == 1
}

// Search runs a query on this index.
func (ix *Index) Search(ctx context.Context, r DBTX, q Query) (Result, error) {
	if err := ix.checkQuery(q); err != nil {
		return Result{}, err
	}
	p, err := parseText(q.Text)
	if err != nil {
		return Result{}, err
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	res := Result{Terms: []string{}, Hits: []Hit{}}
	for _, t := range p.terms {
		res.Terms = append(res.Terms, t.Term)
	}
	if !p.browse && len(p.terms) == 0 {
		// Only symbols, emoji or punctuation: nothing can match.
		res.Facets = ix.countFacets(nil, q)
		return res, nil
	}
	if err := ix.expand(ctx, r, p.terms); err != nil {
		return Result{}, apperr.Wrap(err, "search expand")
	}
	docs, length, err := ix.figures(ctx, r)
	if err != nil {
		return Result{}, apperr.Wrap(err, "search figures")
	}
	nq, nf := len(p.terms), len(ix.Fields)
	var df []int
	var cands []*cand
	relaxed := false
	switch {
	case p.browse:
		cands, err = ix.all(ctx, r)
	default:
		if df, err = ix.docFreq(ctx, r, p.terms); err != nil {
			break
		}
		if !q.Any && nq > 1 && !slices.Contains(df, 0) {
			allowed := 0
			if len(q.Facets) > 0 {
				allowed = 1
			}
			cands, err = ix.intersect(ctx, r, p.terms, df, q.Filters, allowed)
			if err != nil || len(cands) > 0 {
				break
			}
		}
		// Any term, or all terms when some term is in no document: every
		// posting of every term.
		relaxed = !q.Any && nq > 1
		cands, err = ix.postings(ctx, r, p.terms, allTerms(nq), nil)
	}
	if err != nil {
		return Result{}, apperr.Wrap(err, "search postings")
	}
	ix.filterCands(cands, q.Filters)

	if !p.browse {
		n := max(docs, 1)
		idf := make([]float64, nq)
		for i := range nq {
			x := float64(min(df[i], n))
			idf[i] = math.Log(1 + (float64(n)-x+0.5)/(x+0.5))
		}
		avg := make([]float64, nf)
		for f := range nf {
			avg[f] = 1
			if docs > 0 && length[f] > 0 {
				avg[f] = float64(length[f]) / float64(docs)
			}
		}
		for _, c := range cands {
			c.score, c.matched = ix.score(c, nq, idf, avg)
		}
		res.DidYouMean, err = ix.didYouMean(ctx, r, p, df)
		if err != nil {
			return Result{}, apperr.Wrap(err, "search suggestions")
		}
	}

	// Which documents match: all terms, or any when none holds all.
	need := nq
	if q.Any || p.browse {
		need = min(nq, 1)
	}
	count := func() int {
		n := 0
		for _, c := range cands {
			if c.fails == 0 && c.matched >= need {
				n++
			}
		}
		return n
	}
	if relaxed {
		need = 1
	}
	res.Total = count()
	if res.Total == 0 && need > 1 {
		need, relaxed = 1, true
		res.Total = count()
	}
	res.Relaxed = relaxed && res.Total > 0
	var hits []*cand
	var facetable []*cand
	for _, c := range cands {
		if c.matched < need {
			continue
		}
		facetable = append(facetable, c)
		if c.fails == 0 {
			hits = append(hits, c)
		}
	}
	res.Facets = ix.countFacets(facetable, q)

	page := top(hits, q.Offset+q.Limit)
	if q.Offset < len(page) {
		page = page[q.Offset:]
	} else {
		page = nil
	}
	if len(page) == 0 {
		return res, nil
	}
	texts, err := ix.texts(ctx, r, page)
	if err != nil {
		return Result{}, apperr.Wrap(err, "search texts")
	}
	marks := markSet(p.terms)
	for _, c := range page {
		h := Hit{ID: c.id, Score: c.score, Matched: c.matched, Snippets: map[string]string{}}
		for name, text := range texts[c.id] {
			h.Snippets[name] = snippet(text, marks, snippetLength)
		}
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

// score is BM25F: each term's occurrences in each field, weighted and
// normalized by the field's length against its average, summed into one
// frequency that saturates with k1.
func (ix *Index) score(c *cand, nq int, idf, avg []float64) (float64, int) {
	nf := len(ix.Fields)
	s, matched := 0.0, 0
	for i := range nq {
		tf := 0.0
		for f := range nf {
			if n := c.tf[i*nf+f]; n > 0 {
				norm := 1 - b + b*float64(c.length[f])/avg[f]
				tf += ix.Fields[f].Weight * float64(n) / norm
			}
		}
		if tf > 0 {
			matched++
			s += idf[i] * tf / (k1 + tf)
		}
	}
	return s, matched
}

// top returns the best n candidates in order: more matched terms, then a
// higher score, then the lower id.
func top(cs []*cand, n int) []*cand {
	less := func(x, y *cand) int {
		return cmp.Or(cmp.Compare(y.matched, x.matched), cmp.Compare(y.score, x.score), cmp.Compare(x.id, y.id))
	}
	if len(cs) > 4*n {
		// Keep the best n in a sorted window; most candidates are
		// worse than the window's last and cost one comparison.
		best := make([]*cand, 0, n+1)
		for _, c := range cs {
			if len(best) == n && less(c, best[n-1]) >= 0 {
				continue
			}
			i, _ := slices.BinarySearchFunc(best, c, less)
			best = slices.Insert(best, i, c)
			if len(best) > n {
				best = best[:n]
			}
		}
		return best
	}
	slices.SortFunc(cs, less)
	return cs[:min(n, len(cs))]
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

func allTerms(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
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

// intersect finds the documents that hold every term, rarest term first:
// it reads every posting of the rarest, keeps the documents that fail at
// most allowed filters, then reads the other terms' postings for those
// documents only (looked up by document when they are few against the
// term's, read in full and sifted otherwise), dropping the documents that
// lack a term.
func (ix *Index) intersect(ctx context.Context, r DBTX, terms []qterm, df []int, filters map[string][]string, allowed int) ([]*cand, error) {
	order := allTerms(len(terms))
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(df[x], df[y]) })
	cands, err := ix.postings(ctx, r, terms, order[:1], nil)
	if err != nil {
		return nil, err
	}
	ix.filterCands(cands, filters)
	cands = slices.DeleteFunc(cands, func(c *cand) bool { return c.fails > allowed })
	nf := len(ix.Fields)
	for _, i := range order[1:] {
		if len(cands) == 0 {
			return nil, nil
		}
		byID := make(map[int64]*cand, len(cands))
		for _, c := range cands {
			byID[c.id] = c
		}
		if len(cands)*4 < df[i] {
			ids := make([]int64, 0, len(cands))
			for _, c := range cands {
				ids = append(ids, c.id)
			}
			slices.Sort(ids)
			for chunk := range slices.Chunk(ids, 500) {
				if _, err := ix.postings(ctx, r, terms, []int{i}, byID, chunk...); err != nil {
					return nil, err
				}
			}
		} else if _, err := ix.postings(ctx, r, terms, []int{i}, byID); err != nil {
			return nil, err
		}
		cands = slices.DeleteFunc(cands, func(c *cand) bool {
			for f := range nf {
				if c.tf[i*nf+f] > 0 {
					return false
				}
			}
			return true
		})
	}
	return cands, nil
}

// postings reads the postings of the query terms which (all of their
// alternatives), of the documents ids when given. With byID nil every
// document found becomes a candidate; otherwise only the candidates in
// byID are added to, and the others skipped. Occurrences are summed as
// integers, so that the order the engine returns rows in cannot change a
// score.
func (ix *Index) postings(ctx context.Context, r DBTX, terms []qterm, which []int, byID map[int64]*cand, ids ...int64) ([]*cand, error) {
	nq, nf := len(terms), len(ix.Fields)
	owners := map[string][]int{}
	var list []string
	for _, i := range which {
		for _, alt := range terms[i].alts {
			if _, ok := owners[alt]; !ok {
				list = append(list, alt)
			}
			owners[alt] = append(owners[alt], i)
		}
	}
	var a db.Args
	a.Add(ix.Name)
	q := `SELECT term, doc, data FROM search_postings WHERE idx = $1 AND term IN (` + db.List(&a, list) + `)`
	if len(ids) > 0 {
		q += ` AND doc IN (` + db.List(&a, ids) + `)`
	}
	rows, err := r.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	create := byID == nil
	if create {
		byID = map[int64]*cand{}
	}
	var cands []*cand
	var term, data sql.RawBytes
	var id int64
	var fs []fld
	var slab []int32
	seen := map[string]string{}
	for rows.Next() {
		if err := rows.Scan(&term, &id, &data); err != nil {
			return nil, err
		}
		c := byID[id]
		if c == nil && !create {
			continue
		}
		var rest []byte
		fs, rest, err = decodeFields(data, fs)
		if err != nil {
			return nil, err
		}
		if c == nil {
			if len(slab) < nq*nf+nf {
				slab = make([]int32, 1024*(nq*nf+nf))
			}
			c = &cand{id: id, tf: slab[: nq*nf : nq*nf], length: slab[nq*nf : nq*nf+nf : nq*nf+nf]}
			slab = slab[nq*nf+nf:]
			if c.filters, err = decodeFilters(rest, seen); err != nil {
				return nil, err
			}
			byID[id] = c
			cands = append(cands, c)
		}
		for _, f := range fs {
			if f.field >= nf {
				continue
			}
			c.length[f.field] = int32(f.length)
			for _, i := range owners[string(term)] {
				c.tf[i*nf+f.field] += int32(f.tf)
			}
		}
	}
	return cands, rows.Err()
}

// all reads every document of the index, for a query without text.
func (ix *Index) all(ctx context.Context, r DBTX) ([]*cand, error) {
	rows, err := r.QueryContext(ctx, `SELECT doc, data FROM search_docs WHERE idx = $1`, ix.Name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cands []*cand
	var data sql.RawBytes
	var fs []fld
	seen := map[string]string{}
	for rows.Next() {
		c := &cand{}
		if err := rows.Scan(&c.id, &data); err != nil {
			return nil, err
		}
		var rest []byte
		fs, rest, err = decodeFields(data, fs)
		if err != nil {
			return nil, err
		}
		if c.filters, err = decodeFilters(rest, seen); err != nil {
			return nil, err
		}
		cands = append(cands, c)
	}
	return cands, rows.Err()
}

// filterCands marks how many of the query's filters each candidate fails,
// and which one when it fails one only (for the facets).
func (ix *Index) filterCands(cands []*cand, filters map[string][]string) {
	type want struct {
		filter int
		values map[string]bool
	}
	var ws []want
	for name, values := range filters {
		w := want{ix.filter(name), map[string]bool{}}
		for _, v := range values {
			w.values[v] = true
		}
		ws = append(ws, w)
	}
	for _, c := range cands {
		c.fails, c.failed = 0, 0
		for _, w := range ws {
			ok := false
			for _, fv := range c.filters {
				if fv.name == w.filter && w.values[fv.value] {
					ok = true
					break
				}
			}
			if !ok {
				c.fails++
				c.failed = w.filter
			}
		}
	}
}

// countFacets counts the values of the requested filters. A candidate
// counts for a filter when it passes every other filter.
func (ix *Index) countFacets(cands []*cand, q Query) map[string][]FacetCount {
	if len(q.Facets) == 0 {
		return nil
	}
	out := map[string][]FacetCount{}
	for _, name := range q.Facets {
		f := ix.filter(name)
		counts := map[string]int{}
		for _, c := range cands {
			if c.fails > 1 || c.fails == 1 && c.failed != f {
				continue
			}
			for _, fv := range c.filters {
				if fv.name == f {
					counts[fv.value]++
				}
			}
		}
		list := make([]FacetCount, 0, len(counts))
		for v, n := range counts {
			list = append(list, FacetCount{v, n})
		}
		slices.SortFunc(list, func(x, y FacetCount) int {
			return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.Value, y.Value))
		})
		out[name] = list[:min(len(list), maxFacetValues)]
	}
	return out
}

// maxFacetValues is how many values of one facet a result lists.
const maxFacetValues = 100

// texts reads the fields' text of the page's documents.
func (ix *Index) texts(ctx context.Context, r DBTX, page []*cand) (map[int64]map[string]string, error) {
	ids := make([]int64, len(page))
	for i, c := range page {
		ids[i] = c.id
	}
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
