package search

import (
	"cmp"
	"context"
	"math"
	"math/bits"
	"slices"
	"strings"

	"rainforest/internal/kernel/apperr"
)

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
		res.Facets = ix.emptyFacets(q)
		return res, nil
	}
	if err := ix.expand(ctx, r, p.terms); err != nil {
		return Result{}, apperr.Wrap(err, "search expand")
	}
	docs, length, err := ix.figures(ctx, r)
	if err != nil {
		return Result{}, apperr.Wrap(err, "search figures")
	}
	var df []int
	if !p.browse {
		if df, err = ix.docFreq(ctx, r, p.terms); err != nil {
			return Result{}, apperr.Wrap(err, "search terms")
		}
	}
	v, release, err := ix.view(ctx, r)
	if err != nil {
		return Result{}, apperr.Wrap(err, "search index")
	}
	s := ix.newSearcher(v, p.terms, q, docs, length, df)
	page := s.run(&res)
	hits := make([]Hit, len(page))
	ids := make([]int64, len(page))
	for i, h := range page {
		ids[i] = v.id(h.ord)
		hits[i] = Hit{ID: ids[i], Score: h.score, Matched: int(h.matched), Snippets: map[string]string{}}
	}
	s.done()
	release()

	if !p.browse {
		if res.DidYouMean, err = ix.didYouMean(ctx, r, p, df); err != nil {
			return Result{}, apperr.Wrap(err, "search suggestions")
		}
	}
	if len(hits) == 0 {
		return res, nil
	}
	texts, err := ix.texts(ctx, r, ids)
	if err != nil {
		return Result{}, apperr.Wrap(err, "search texts")
	}
	marks := markSet(p.terms)
	for i := range hits {
		for name, text := range texts[hits[i].ID] {
			hits[i].Snippets[name] = snippet(text, marks, snippetLength)
		}
	}
	res.Hits = hits
	return res, nil
}

// emptyFacets is the facets of a search that matches nothing.
func (ix *Index) emptyFacets(q Query) map[string][]FacetCount {
	if len(q.Facets) == 0 {
		return nil
	}
	out := map[string][]FacetCount{}
	for _, name := range q.Facets {
		out[name] = []FacetCount{}
	}
	return out
}

// hitc is a document that matched: its ordinal in the view, how many
// query terms it holds, its score, and how many of the query's filters it
// fails (and which, when one).
type hitc struct {
	score   float64
	ord     int32
	matched uint8
	fails   uint8
	failed  uint8
}

// workspace is the per-search memory of a copy, reused between searches:
// dense by ordinal, cleared after use where touched.
type workspace struct {
	score   []float64
	matched []uint8
	touched []int32
	tmp     []int32 // ordinal × fields: occurrences of a term's alternatives
	tmpSeen []int32
	list    []hitc
}

// fcheck is one filter of the query.
type fcheck struct {
	filter int
	bits   []uint64 // documents of the copy with one of the values
	want   map[string]bool
}

// searcher runs one query over a view.
type searcher struct {
	ix      *Index
	v       *view
	q       Query
	terms   []qterm
	browse  bool
	nq, nf  int
	df      []int
	idf     []float64
	avg     []float64
	weight  []float64
	norms   []float64 // of the copy, when the view has no overlay
	checks  []fcheck
	allowed int
	ws      *workspace
	buf     []int32
}

func (ix *Index) newSearcher(v *view, terms []qterm, q Query, docs int, length []int, df []int) *searcher {
	nf := len(ix.Fields)
	s := &searcher{ix: ix, v: v, q: q, terms: terms, nq: len(terms), nf: nf, df: df, buf: make([]int32, nf)}
	s.browse = strings.TrimSpace(q.Text) == ""
	if len(q.Facets) > 0 {
		s.allowed = 1
	}
	for _, f := range ix.Fields {
		s.weight = append(s.weight, f.Weight)
	}
	if !s.browse {
		n := max(docs, 1)
		s.idf = make([]float64, s.nq)
		for i := range s.nq {
			x := float64(min(df[i], n))
			s.idf[i] = math.Log(1 + (float64(n)-x+0.5)/(x+0.5))
		}
		s.avg = make([]float64, nf)
		for f := range nf {
			s.avg[f] = 1
			if docs > 0 && length[f] > 0 {
				s.avg[f] = float64(length[f]) / float64(docs)
			}
		}
		if v.over == nil && v.masked == nil {
			s.norms = v.m.normsFor(s.avg, v.n)
		}
	}
	names := make([]string, 0, len(q.Filters))
	for name := range q.Filters {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c := fcheck{filter: ix.filter(name), want: map[string]bool{}}
		var bms [][]uint64
		for _, val := range q.Filters[name] {
			if !c.want[val] {
				c.want[val] = true
				if bm := v.valueBits(filterValue{c.filter, val}); bm != nil {
					bms = append(bms, bm)
				}
			}
		}
		switch len(bms) {
		case 0:
		case 1:
			c.bits = bms[0]
		default:
			c.bits = make([]uint64, (v.n+63)/64)
			for _, bm := range bms {
				for i, w := range bm {
					if i < len(c.bits) {
						c.bits[i] |= w
					}
				}
			}
		}
		s.checks = append(s.checks, c)
	}
	if x, ok := v.m.pool.Get().(*workspace); ok && len(x.matched) >= v.total() {
		s.ws = x
	} else {
		s.ws = &workspace{score: make([]float64, v.total()), matched: make([]uint8, v.total())}
	}
	return s
}

// done returns the workspace for the next search.
func (s *searcher) done() {
	if s.ws != nil && s.v.m != emptyMem {
		s.ws.list = s.ws.list[:0]
		s.v.m.pool.Put(s.ws)
	}
	s.ws = nil
}

// normsFor returns the length norms of the copy's first n ordinals for
// these field averages, computed once per set of figures.
func (m *mem) normsFor(avg []float64, n int) []float64 {
	m.normMu.Lock()
	defer m.normMu.Unlock()
	if !slices.Equal(avg, m.normAvg) {
		m.normAvg, m.norms = slices.Clone(avg), make([]float64, 0, n*m.nf)
	}
	for o := len(m.norms) / max(m.nf, 1); o < n; o++ {
		for f := range m.nf {
			m.norms = append(m.norms, 1-b+b*float64(m.lens[o*m.nf+f])/avg[f])
		}
	}
	return m.norms[:n*m.nf]
}

// fails counts the query's filters document o does not pass.
func (s *searcher) fails(o int32) (fails, failed int) {
	for i := range s.checks {
		c := &s.checks[i]
		ok := false
		if int(o) < s.v.n {
			w := int(o >> 6)
			ok = w < len(c.bits) && c.bits[w]&(1<<(uint(o)&63)) != 0
		} else {
			for _, fv := range s.v.over[int(o)-s.v.n].filters {
				if fv.name == c.filter && c.want[fv.value] {
					ok = true
					break
				}
			}
		}
		if !ok {
			fails++
			failed = c.filter
		}
	}
	return fails, failed
}

// pass: document o fails at most the allowed number of filters.
func (s *searcher) pass(o int32) bool {
	if len(s.checks) == 0 {
		return true
	}
	if len(s.checks) == 1 && s.allowed == 0 && int(o) < s.v.n {
		bits := s.checks[0].bits
		w := int(o >> 6)
		return w < len(bits) && bits[w]&(1<<(uint(o)&63)) != 0
	}
	f, _ := s.fails(o)
	return f <= s.allowed
}

// contrib is query term i's part of document o's BM25F score, given the
// term's occurrences in each field (0 when it has none): the same float
// operations, in the same order, on both engines.
func (s *searcher) contrib(o int32, i int, tf []int32) float64 {
	x := 0.0
	for f := range s.nf {
		if n := tf[f]; n > 0 {
			var norm float64
			if s.norms != nil && int(o) < s.v.n {
				norm = s.norms[int(o)*s.nf+f]
			} else {
				norm = 1 - b + b*float64(s.length(o, f))/s.avg[f]
			}
			x += s.weight[f] * float64(n) / norm
		}
	}
	if x > 0 {
		return s.idf[i] * x / (k1 + x)
	}
	return 0
}

func (s *searcher) length(o int32, f int) int32 {
	if int(o) < s.v.n {
		return s.v.m.lens[int(o)*s.nf+f]
	}
	return s.v.over[int(o)-s.v.n].lens[f]
}

// occurrences reads posting k of p into buf.
func (s *searcher) occurrences(p *plist, k int, buf []int32) {
	nf := s.nf
	for f := range nf {
		t := p.tf[k*nf+f]
		if t == tfMax {
			buf[f] = p.big[int64(p.ords[k])*int64(nf)+int64(f)]
		} else {
			buf[f] = int32(t)
		}
	}
}

// gather calls fn with every live document that holds query term i (any
// of its alternatives) and passes the filters as allowed, with the term's
// occurrences by field, in increasing ordinal order when sorted.
func (s *searcher) gather(i int, sorted bool, fn func(o int32, tf []int32)) {
	v, nf := s.v, s.nf
	alts := s.terms[i].alts
	if len(alts) == 1 {
		if p := v.m.terms[alts[0]]; p != nil {
			buf := s.buf
			for k, o := range p.ords {
				if !v.live(o) || !s.pass(o) {
					continue
				}
				s.occurrences(p, k, buf)
				fn(o, buf)
			}
		}
		for _, k := range v.overTerm[alts[0]] {
			o := int32(v.n) + k
			if s.pass(o) {
				fn(o, v.over[k].post[alts[0]])
			}
		}
		return
	}
	ws := s.ws
	if len(ws.tmp) < v.total()*nf {
		ws.tmp = make([]int32, v.total()*nf)
	}
	seen := ws.tmpSeen[:0]
	buf := s.buf
	add := func(o int32, tf []int32) {
		at := int(o) * nf
		fresh := true
		for f := range nf {
			if ws.tmp[at+f] != 0 {
				fresh = false
			}
		}
		if fresh {
			seen = append(seen, o)
		}
		for f := range nf {
			ws.tmp[at+f] += tf[f]
		}
	}
	for _, alt := range alts {
		if p := v.m.terms[alt]; p != nil {
			for k, o := range p.ords {
				if !v.live(o) || !s.pass(o) {
					continue
				}
				s.occurrences(p, k, buf)
				add(o, buf)
			}
		}
		for _, k := range v.overTerm[alt] {
			o := int32(v.n) + k
			if s.pass(o) {
				add(o, v.over[k].post[alt])
			}
		}
	}
	if sorted {
		slices.Sort(seen)
	}
	for _, o := range seen {
		at := int(o) * nf
		fn(o, ws.tmp[at:at+nf])
		clear(ws.tmp[at : at+nf])
	}
	ws.tmpSeen = seen[:0]
}

// lookup reads query term i's occurrences in document o into buf, moving
// each alternative's cursor (documents are looked up in increasing order);
// false when o holds none.
func (s *searcher) lookup(i int, o int32, cursors []int, buf []int32) bool {
	clear(buf)
	held := false
	for a, alt := range s.terms[i].alts {
		if int(o) >= s.v.n {
			if tf, ok := s.v.over[int(o)-s.v.n].post[alt]; ok {
				for f := range s.nf {
					buf[f] += tf[f]
				}
				held = true
			}
			continue
		}
		p := s.v.m.terms[alt]
		if p == nil {
			continue
		}
		k, found := slices.BinarySearch(p.ords[cursors[a]:], o)
		k += cursors[a]
		cursors[a] = k
		if !found {
			continue
		}
		held = true
		for f := range s.nf {
			t := p.tf[k*s.nf+f]
			if t == tfMax {
				buf[f] += p.big[int64(o)*int64(s.nf)+int64(f)]
			} else {
				buf[f] += int32(t)
			}
		}
	}
	return held
}

// intersect finds the documents that hold every term, rarest term first,
// each with its score: the terms' parts summed in query order.
func (s *searcher) intersect() []hitc {
	nq := s.nq
	order := make([]int, nq)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(s.df[x], s.df[y]) })
	var cands []int32
	var parts []float64
	first := order[0]
	s.gather(first, true, func(o int32, tf []int32) {
		cands = append(cands, o)
		at := len(parts)
		parts = slices.Grow(parts, nq)[:at+nq]
		clear(parts[at:])
		parts[at+first] = s.contrib(o, first, tf)
	})
	buf := make([]int32, s.nf)
	for _, i := range order[1:] {
		if len(cands) == 0 {
			return nil
		}
		cursors := make([]int, len(s.terms[i].alts))
		kept := 0
		for c, o := range cands {
			if !s.lookup(i, o, cursors, buf) {
				continue
			}
			copy(parts[kept*nq:(kept+1)*nq], parts[c*nq:(c+1)*nq])
			parts[kept*nq+i] = s.contrib(o, i, buf)
			cands[kept] = o
			kept++
		}
		cands, parts = cands[:kept], parts[:kept*nq]
	}
	list := s.ws.list[:0]
	for c, o := range cands {
		score := 0.0
		for i := range nq {
			score += parts[c*nq+i]
		}
		list = append(list, s.entry(o, nq, score))
	}
	return list
}

func (s *searcher) entry(o int32, matched int, score float64) hitc {
	f, failed := s.fails(o)
	return hitc{score: score, ord: o, matched: uint8(matched), fails: uint8(f), failed: uint8(failed)}
}

// union scores every document that holds any term, term after term in
// query order.
func (s *searcher) union() []hitc {
	ws := s.ws
	touched := ws.touched[:0]
	for i := range s.nq {
		s.gather(i, false, func(o int32, tf []int32) {
			x := s.contrib(o, i, tf)
			if x == 0 {
				return
			}
			if ws.matched[o] == 0 {
				touched = append(touched, o)
			}
			ws.matched[o]++
			ws.score[o] += x
		})
	}
	list := ws.list[:0]
	for _, o := range touched {
		list = append(list, s.entry(o, int(ws.matched[o]), ws.score[o]))
		ws.matched[o], ws.score[o] = 0, 0
	}
	ws.touched = touched[:0]
	return list
}

// counting tells whether anyTop can answer: no facets, no overlay, each
// term one index term.
func (s *searcher) counting() bool {
	if len(s.q.Facets) > 0 || s.v.over != nil || s.v.masked != nil || s.norms == nil {
		return false
	}
	for _, t := range s.terms {
		if len(t.alts) != 1 {
			return false
		}
	}
	return true
}

// anyTop answers a search for documents with any of the terms, best
// first (more terms, then the score), without scoring every one of them:
// it counts the terms each document that passes the filters holds (a
// bitmap per common term, so that a word of a third of the documents
// costs a pass over words rather than over postings), which gives the
// total and the fewest terms a document of the page can hold; only the
// documents with at least that many are scored.
func (s *searcher) anyTop(res *Result) []hitc {
	v, ws, n := s.v, s.ws, s.v.n
	words := (n + 63) / 64
	mask := make([]uint64, words)
	copy(mask, v.m.alive)
	for _, c := range s.checks {
		for w := range mask {
			if w < len(c.bits) {
				mask[w] &= c.bits[w]
			} else {
				mask[w] = 0
			}
		}
	}
	cnt := ws.matched
	touched := ws.touched[:0]
	lists := make([]*plist, s.nq)
	for i, t := range s.terms {
		p := v.m.terms[t.alts[0]]
		if p == nil {
			continue
		}
		lists[i] = p
		if len(p.ords) >= n/32 {
			bm := v.termBits(p)
			for w := range min(len(bm), words) {
				x := bm[w] & mask[w]
				for x != 0 {
					o := int32(w<<6 | bits.TrailingZeros64(x))
					if cnt[o] == 0 {
						touched = append(touched, o)
					}
					cnt[o]++
					x &= x - 1
				}
			}
			continue
		}
		for _, o := range p.ords {
			if mask[o>>6]&(1<<(uint(o)&63)) != 0 {
				if cnt[o] == 0 {
					touched = append(touched, o)
				}
				cnt[o]++
			}
		}
	}
	res.Total = len(touched)
	res.Relaxed = !s.q.Any && s.nq > 1 && res.Total > 0
	// The fewest terms a document of the page holds.
	var hist [MaxTerms + 2]int
	for _, o := range touched {
		hist[cnt[o]]++
	}
	k, least, sum := s.q.Offset+s.q.Limit, 1, 0
	for m := s.nq; m >= 1; m-- {
		if sum += hist[m]; sum >= k {
			least = m
			break
		}
	}
	var cands []int32
	for _, o := range touched {
		if int(cnt[o]) >= least {
			cands = append(cands, o)
		}
	}
	slices.Sort(cands)
	score := make([]float64, len(cands))
	buf := s.buf
	for i, p := range lists {
		if p == nil {
			continue
		}
		if len(cands)*8 < len(p.ords) {
			at := 0
			for c, o := range cands {
				k, found := slices.BinarySearch(p.ords[at:], o)
				at += k
				if found {
					s.occurrences(p, at, buf)
					score[c] += s.contrib(o, i, buf)
				}
			}
			continue
		}
		c := 0
		for k, o := range p.ords {
			for c < len(cands) && cands[c] < o {
				c++
			}
			if c == len(cands) {
				break
			}
			if cands[c] == o {
				s.occurrences(p, k, buf)
				score[c] += s.contrib(o, i, buf)
			}
		}
	}
	list := ws.list[:0]
	for c, o := range cands {
		list = append(list, hitc{score: score[c], ord: o, matched: cnt[o]})
	}
	for _, o := range touched {
		cnt[o] = 0
	}
	ws.touched = touched[:0]
	ws.list = list
	return s.top(list, 1, s.q.Offset, s.q.Limit)
}

// all lists every live document that passes the filters as allowed.
func (s *searcher) all() []hitc {
	list := s.ws.list[:0]
	for o := range int32(s.v.total()) {
		if s.v.live(o) && s.pass(o) {
			list = append(list, s.entry(o, 0, 0))
		}
	}
	return list
}

// run finds the matching documents and fills res with the total, the
// relaxation and the facets; it returns the page.
func (s *searcher) run(res *Result) []hitc {
	q, nq := s.q, s.nq
	var list []hitc
	relaxed := false
	switch {
	case s.browse:
		list = s.all()
	default:
		if !q.Any && nq > 1 && !slices.Contains(s.df, 0) {
			if list = s.intersect(); len(list) > 0 {
				break
			}
		}
		// Any term, or all terms when some term is in no document.
		relaxed = !q.Any && nq > 1
		if s.counting() {
			return s.anyTop(res)
		}
		list = s.union()
	}
	s.ws.list = list

	need := nq
	if q.Any || s.browse {
		need = min(nq, 1)
	}
	count := func() int {
		n := 0
		for i := range list {
			if list[i].fails == 0 && int(list[i].matched) >= need {
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
	res.Facets = s.facets(list, need)
	return s.top(list, need, q.Offset, q.Limit)
}

// facets counts the values of the requested filters over the documents
// that match; a document counts for a filter when it passes every other
// filter.
func (s *searcher) facets(list []hitc, need int) map[string][]FacetCount {
	if len(s.q.Facets) == 0 {
		return nil
	}
	m := s.v.m
	out := map[string][]FacetCount{}
	for _, name := range s.q.Facets {
		f := s.ix.filter(name)
		dense := make([]int, len(m.vals))
		counts := map[string]int{}
		for i := range list {
			h := &list[i]
			if int(h.matched) < need || h.fails > 1 || h.fails == 1 && int(h.failed) != f {
				continue
			}
			if int(h.ord) < s.v.n {
				off, n := m.valOff[h.ord], uint32(m.valN[h.ord])
				for _, v := range m.arena[off : off+n] {
					if m.vals[v].name == f {
						dense[v]++
					}
				}
				continue
			}
			for _, fv := range s.v.over[int(h.ord)-s.v.n].filters {
				if fv.name == f {
					counts[fv.value]++
				}
			}
		}
		for v, n := range dense {
			if n > 0 {
				counts[m.vals[v].value] += n
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

// top returns hits offset to offset+limit in order: more matched terms,
// then a higher score, then the lower id.
func (s *searcher) top(list []hitc, need, offset, limit int) []hitc {
	n := offset + limit
	less := func(x, y *hitc) int {
		return cmp.Or(cmp.Compare(y.matched, x.matched), cmp.Compare(y.score, x.score), cmp.Compare(s.v.id(x.ord), s.v.id(y.ord)))
	}
	best := make([]hitc, 0, n+1)
	for i := range list {
		c := &list[i]
		if c.fails != 0 || int(c.matched) < need {
			continue
		}
		if len(best) == n && less(c, &best[n-1]) >= 0 {
			continue
		}
		k, _ := slices.BinarySearchFunc(best, c, func(x hitc, y *hitc) int { return less(&x, y) })
		best = slices.Insert(best, k, *c)
		if len(best) > n {
			best = best[:n]
		}
	}
	if offset >= len(best) {
		return nil
	}
	return best[offset:]
}
