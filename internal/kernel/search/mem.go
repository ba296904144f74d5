package search

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"rainforest/internal/kernel/db"
)

// The in-memory index. The tables stay the source of truth, written in the
// caller's transaction; queries are answered from a copy of the postings in
// memory, one per index and database (told apart by the index's epoch),
// loaded on the first search and brought up to date from the change
// sequence before each one.
//
// Documents are numbered by ordinals in the order they are loaded or
// changed. A changed document gets a new ordinal and its old one is dead:
// posting lists only ever grow at the end, so they stay sorted, and the
// dead ordinals are skipped until there are so many that the copy is
// loaded again.

// plist is the posting list of one term: ordinals in increasing order and
// the occurrences in each field.
type plist struct {
	ords []int32
	tf   []uint16 // len(ords) × fields
	big  map[int64]int32
	// bm has a bit per ordinal, for a term in many documents: built on
	// first use (under bitsMu), kept up to date by add.
	bm []uint64
}

// tfMax marks an occurrence count kept in big (ordinal × fields + field).
const tfMax = 1<<16 - 1

// mem is the copy in memory of one index of one database.
type mem struct {
	nf    int
	epoch int64

	mu     sync.RWMutex
	loaded bool
	seq    int64
	ids    []int64 // ordinal → document
	ord    map[int64]int32
	alive  []uint64
	dead   int
	lens   []int32 // ordinal × fields + field → length
	valOff []uint32
	valN   []uint16
	arena  []uint32 // filter values of the documents, by value number
	dict   map[filterValue]uint32
	vals   []filterValue
	terms  map[string]*plist

	bitsMu sync.Mutex
	bits   map[uint32][]uint64 // value number → documents with it

	normMu  sync.Mutex
	normAvg []float64
	norms   []float64 // ordinal × fields + field → BM25 length norm

	lastUse atomic.Int64
	pool    sync.Pool // *workspace
}

func newMem(nf int, epoch int64) *mem {
	return &mem{nf: nf, epoch: epoch}
}

func (m *mem) reset() {
	m.loaded, m.seq = false, 0
	m.ids, m.ord, m.alive, m.dead = nil, map[int64]int32{}, nil, 0
	m.lens, m.valOff, m.valN, m.arena = nil, nil, nil, nil
	m.dict, m.vals, m.terms = map[filterValue]uint32{}, nil, map[string]*plist{}
	m.bits = map[uint32][]uint64{}
	m.normAvg, m.norms = nil, nil
	m.pool = sync.Pool{}
}

func (m *mem) isAlive(o int32) bool {
	return m.alive[o>>6]&(1<<(uint(o)&63)) != 0
}

// add appends a document under a new ordinal.
func (m *mem) add(id int64, lengths []fld, filters []filterValue, vec []byte, post map[string][]fld) error {
	if o, ok := m.ord[id]; ok {
		m.remove(id, o)
	}
	o := int32(len(m.ids))
	m.ids = append(m.ids, id)
	m.ord[id] = o
	if int(o>>6) >= len(m.alive) {
		m.alive = append(m.alive, 0)
	}
	m.alive[o>>6] |= 1 << (uint(o) & 63)
	base := len(m.lens)
	m.lens = append(m.lens, make([]int32, m.nf)...)
	for _, f := range lengths {
		if f.field < m.nf {
			m.lens[base+f.field] = int32(f.length)
		}
	}
	m.valOff = append(m.valOff, uint32(len(m.arena)))
	m.valN = append(m.valN, uint16(len(filters)))
	for _, fv := range filters {
		v, ok := m.dict[fv]
		if !ok {
			v = uint32(len(m.vals))
			m.vals = append(m.vals, fv)
			m.dict[fv] = v
		}
		m.arena = append(m.arena, v)
		if bm, ok := m.bits[v]; ok {
			for int(o>>6) >= len(bm) {
				bm = append(bm, 0)
			}
			bm[o>>6] |= 1 << (uint(o) & 63)
			m.bits[v] = bm
		}
	}
	posting := func(term []byte, fs []fld) {
		p := m.terms[string(term)]
		if p == nil {
			p = &plist{}
			m.terms[string(term)] = p
		}
		p.ords = append(p.ords, o)
		if p.bm != nil {
			for int(o>>6) >= len(p.bm) {
				p.bm = append(p.bm, 0)
			}
			p.bm[o>>6] |= 1 << (uint(o) & 63)
		}
		at := len(p.tf)
		p.tf = append(p.tf, make([]uint16, m.nf)...)
		for _, f := range fs {
			if f.field >= m.nf {
				continue
			}
			if f.tf >= tfMax {
				if p.big == nil {
					p.big = map[int64]int32{}
				}
				p.big[int64(o)*int64(m.nf)+int64(f.field)] = int32(f.tf)
				p.tf[at+f.field] = tfMax
			} else {
				p.tf[at+f.field] = uint16(f.tf)
			}
		}
	}
	if post != nil {
		for t, fs := range post {
			posting([]byte(t), fs)
		}
		return nil
	}
	return walkVec(vec, posting)
}

// remove marks a document's ordinal dead.
func (m *mem) remove(id int64, o int32) {
	m.alive[o>>6] &^= 1 << (uint(o) & 63)
	delete(m.ord, id)
	m.dead++
}

// docRow is a document as read from search_docs.
type docRow struct {
	id      int64
	vec     []byte
	data    []byte
	texts   string
	lengths []fld
	filters []filterValue
	post    map[string][]fld // analysed again from texts when vec is empty
}

// readRow decodes a row's figures, and analyses its text again when it
// was written without a term vector.
func (ix *Index) readRow(d *docRow, seen map[string]string) error {
	fs, rest, err := decodeFields(d.data, nil)
	if err != nil {
		return err
	}
	d.lengths = fs
	if d.filters, err = decodeFilters(rest, seen); err != nil {
		return err
	}
	if len(d.vec) > 0 {
		return nil
	}
	texts := map[string]string{}
	if d.texts != "" {
		if err := json.Unmarshal([]byte(d.texts), &texts); err != nil {
			return err
		}
	}
	a, err := ix.analyse(Doc{ID: d.id, Fields: texts})
	if err != nil {
		return err
	}
	d.post = a.posting
	return nil
}

// docCols are the columns readRows scans.
const docCols = `doc, vec, data, CASE WHEN length(vec) = 0 THEN texts ELSE '' END`

// readRows runs a query of docCols and calls fn with each row; the row's
// byte slices are valid during the call only.
func (ix *Index) readRows(ctx context.Context, r DBTX, query string, args []any, fn func(d *docRow) error) error {
	rows, err := r.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := map[string]string{}
	var vec, data sql.RawBytes
	for rows.Next() {
		d := docRow{}
		if err := rows.Scan(&d.id, &vec, &data, &d.texts); err != nil {
			return err
		}
		d.vec, d.data = vec, data
		if err := ix.readRow(&d, seen); err != nil {
			return err
		}
		if err := fn(&d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// load reads every document of the index as of sequence seq or later.
func (ix *Index) load(ctx context.Context, r DBTX, m *mem, seq int64) error {
	m.reset()
	err := ix.readRows(ctx, r, `SELECT `+docCols+` FROM search_docs WHERE idx = $1 ORDER BY doc`, []any{ix.Name}, func(d *docRow) error {
		return m.add(d.id, d.lengths, d.filters, d.vec, d.post)
	})
	if err != nil {
		m.reset()
		return err
	}
	m.loaded, m.seq = true, seq
	return nil
}

// changes reads the documents written and removed after sequence from (up
// to sequence to, when to > 0) through r: the rows as they are now, and
// the documents removed without a row now.
func (ix *Index) changes(ctx context.Context, r DBTX, from, to int64, fn func(d *docRow) error) (gone []int64, err error) {
	q, args := `SELECT `+docCols+` FROM search_docs WHERE idx = $1 AND seq > $2`, []any{ix.Name, from}
	gq := `SELECT DISTINCT doc FROM search_gone WHERE idx = $1 AND seq > $2`
	if to > 0 {
		q += ` AND seq <= $3`
		gq += ` AND seq <= $3`
		args = append(args, to)
	}
	put := map[int64]bool{}
	if err := ix.readRows(ctx, r, q, args, func(d *docRow) error {
		put[d.id] = true
		return fn(d)
	}); err != nil {
		return nil, err
	}
	rows, err := r.QueryContext(ctx, gq, args...)
	ids, err := db.Collect(rows, err, "search changes", func(s interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	// Removals pruned while they were read (PruneGone) would be missed:
	// the caller reads the index in full instead.
	var goneFrom int64
	if err := r.QueryRowContext(ctx, `SELECT gone_from FROM search_seq WHERE idx = $1`, ix.Name).Scan(&goneFrom); err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	if goneFrom > from {
		return nil, errPruned
	}
	for _, id := range ids {
		if !put[id] {
			gone = append(gone, id)
		}
	}
	return gone, nil
}

// catchUp applies the committed changes after the copy's sequence up to
// seq, read through a connection that holds no uncommitted write.
func (ix *Index) catchUp(ctx context.Context, r DBTX, m *mem, seq int64) error {
	err := ix.catchUpFrom(ctx, r, m, seq)
	if errors.Is(err, errPruned) {
		return ix.load(ctx, r, m, seq)
	}
	return err
}

// errPruned: removals a copy needed were pruned meanwhile.
var errPruned = errors.New("search: removals pruned")

func (ix *Index) catchUpFrom(ctx context.Context, r DBTX, m *mem, seq int64) error {
	var failed error
	gone, err := ix.changes(ctx, r, m.seq, seq, func(d *docRow) error {
		if err := m.add(d.id, d.lengths, d.filters, cloneBytes(d.vec), d.post); err != nil {
			failed = err
		}
		return nil
	})
	if err == nil {
		err = failed
	}
	if err != nil {
		// A copy half brought up to date is loaded again next time.
		m.reset()
		return err
	}
	for _, id := range gone {
		if o, ok := m.ord[id]; ok {
			m.remove(id, o)
		}
	}
	m.seq = seq
	if m.dead > 10000 && m.dead > len(m.ids)/4 {
		// Too many dead ordinals: load it again, compact.
		return ix.load(ctx, r, m, seq)
	}
	return nil
}

func cloneBytes(b []byte) []byte { return append([]byte(nil), b...) }

// states holds the copies in memory: index name → epoch → *mem.
var states = struct {
	sync.Mutex
	m map[string]map[int64]*mem
}{m: map[string]map[int64]*mem{}}

// maxCopies is how many databases' copies of one index a process keeps
// (tests open many databases); the least recently used goes first.
const maxCopies = 32

func (ix *Index) state(epoch int64) *mem {
	states.Lock()
	defer states.Unlock()
	byEpoch := states.m[ix.Name]
	if byEpoch == nil {
		byEpoch = map[int64]*mem{}
		states.m[ix.Name] = byEpoch
	}
	m := byEpoch[epoch]
	if m == nil {
		// Copies of cleared indexes and closed databases go once unused
		// for a minute.
		idle := time.Now().Add(-time.Minute).UnixNano()
		for e, x := range byEpoch {
			if x.lastUse.Load() < idle {
				delete(byEpoch, e)
			}
		}
		if len(byEpoch) >= maxCopies {
			var oldest int64
			first := true
			for e, x := range byEpoch {
				if first || x.lastUse.Load() < byEpoch[oldest].lastUse.Load() {
					oldest, first = e, false
				}
			}
			delete(byEpoch, oldest)
		}
		m = newMem(len(ix.Fields), epoch)
		m.reset()
		byEpoch[epoch] = m
	}
	m.lastUse.Store(time.Now().UnixNano())
	return m
}

// odoc is a document of an overlay: as a transaction sees it.
type odoc struct {
	id      int64
	lens    []int32
	filters []filterValue
	post    map[string][]int32 // term → occurrences by field
}

// view is what one search reads: a copy in memory, read-locked, and the
// documents that differ from it for the connection searched through.
type view struct {
	m      *mem
	n      int // ordinals of the copy
	over   []*odoc
	masked map[int32]bool // ordinals of the copy replaced or removed
	// overTerm: term → overlay documents holding it (indexes into over).
	overTerm map[string][]int32
}

var emptyMem = func() *mem { m := newMem(0, 0); m.reset(); m.loaded = true; return m }()

// view returns the index as r sees it, read-locked until release. A
// search through the database itself brings the shared copy up to date;
// a search through a transaction (which may have written to the index)
// never changes the shared copy: what it sees beyond the copy is read
// into an overlay of its own.
func (ix *Index) view(ctx context.Context, r DBTX) (*view, func(), error) {
	var epoch, seq, goneFrom int64
	err := r.QueryRowContext(ctx, `SELECT epoch, seq, gone_from FROM search_seq WHERE idx = $1`, ix.Name).Scan(&epoch, &seq, &goneFrom)
	if err == sql.ErrNoRows {
		// Never written, or cleared: empty.
		emptyMem.mu.RLock()
		return &view{m: emptyMem}, emptyMem.mu.RUnlock, nil
	}
	if err != nil {
		return nil, nil, err
	}
	_, shared := r.(*sql.DB)
	m := ix.state(epoch)
	if shared {
		m.mu.RLock()
		if !m.loaded || m.seq < seq {
			m.mu.RUnlock()
			m.mu.Lock()
			var err error
			switch {
			case !m.loaded || m.seq < goneFrom:
				// Never read, or older than the removals kept.
				err = ix.load(ctx, r, m, seq)
			case m.seq < seq:
				err = ix.catchUp(ctx, r, m, seq)
			}
			m.mu.Unlock()
			if err != nil {
				return nil, nil, err
			}
			m.mu.RLock()
		}
		return &view{m: m, n: len(m.ids)}, m.mu.RUnlock, nil
	}
	m.mu.RLock()
	if !m.loaded || m.seq < goneFrom {
		// No shared copy yet (or one older than the removals kept), and
		// this connection may see writes of its own: a private copy, read
		// through it.
		m.mu.RUnlock()
		p := newMem(len(ix.Fields), epoch)
		if err := ix.load(ctx, r, p, seq); err != nil {
			return nil, nil, err
		}
		return &view{m: p, n: len(p.ids)}, func() {}, nil
	}
	v := &view{m: m, n: len(m.ids)}
	if m.seq < seq {
		if err := ix.overlay(ctx, r, v); errors.Is(err, errPruned) {
			m.mu.RUnlock()
			p := newMem(len(ix.Fields), epoch)
			if err := ix.load(ctx, r, p, seq); err != nil {
				return nil, nil, err
			}
			return &view{m: p, n: len(p.ids)}, func() {}, nil
		} else if err != nil {
			m.mu.RUnlock()
			return nil, nil, err
		}
	}
	return v, m.mu.RUnlock, nil
}

// overlay reads the documents changed after the copy's sequence as r sees
// them.
func (ix *Index) overlay(ctx context.Context, r DBTX, v *view) error {
	v.masked, v.overTerm = map[int32]bool{}, map[string][]int32{}
	nf := v.m.nf
	gone, err := ix.changes(ctx, r, v.m.seq, 0, func(d *docRow) error {
		if o, ok := v.m.ord[d.id]; ok {
			v.masked[o] = true
		}
		od := &odoc{id: d.id, lens: make([]int32, nf), filters: d.filters, post: map[string][]int32{}}
		for _, f := range d.lengths {
			if f.field < nf {
				od.lens[f.field] = int32(f.length)
			}
		}
		add := func(term []byte, fs []fld) {
			tf := make([]int32, nf)
			for _, f := range fs {
				if f.field < nf {
					tf[f.field] += int32(f.tf)
				}
			}
			od.post[string(term)] = tf
		}
		if d.post != nil {
			for t, fs := range d.post {
				add([]byte(t), fs)
			}
		} else if err := walkVec(d.vec, add); err != nil {
			return err
		}
		k := int32(len(v.over))
		v.over = append(v.over, od)
		for t := range od.post {
			v.overTerm[t] = append(v.overTerm[t], k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range gone {
		if o, ok := v.m.ord[id]; ok {
			v.masked[o] = true
		}
	}
	return nil
}

// total is the number of ordinals of the view: the copy's, then the
// overlay's.
func (v *view) total() int { return v.n + len(v.over) }

func (v *view) live(o int32) bool {
	if int(o) >= v.n {
		return true
	}
	return v.m.isAlive(o) && (v.masked == nil || !v.masked[o])
}

func (v *view) id(o int32) int64 {
	if int(o) >= v.n {
		return v.over[int(o)-v.n].id
	}
	return v.m.ids[o]
}

// termBits returns a bitmap of the documents of the copy in p, built on
// first use.
func (v *view) termBits(p *plist) []uint64 {
	m := v.m
	m.bitsMu.Lock()
	defer m.bitsMu.Unlock()
	if p.bm == nil {
		bm := make([]uint64, (len(m.ids)+63)/64)
		for _, o := range p.ords {
			bm[o>>6] |= 1 << (uint(o) & 63)
		}
		p.bm = bm
	}
	return p.bm
}

// valueBits returns the documents of the copy with filter value fv (nil:
// none), built on first use and kept up to date by add.
func (v *view) valueBits(fv filterValue) []uint64 {
	m := v.m
	id, ok := m.dict[fv]
	if !ok {
		return nil
	}
	m.bitsMu.Lock()
	defer m.bitsMu.Unlock()
	if bm, ok := m.bits[id]; ok {
		return bm
	}
	bm := make([]uint64, (len(m.ids)+63)/64)
	for o := range m.ids {
		off, n := m.valOff[o], uint32(m.valN[o])
		if slices.Contains(m.arena[off:off+n], id) {
			bm[o>>6] |= 1 << (uint(o) & 63)
		}
	}
	m.bits[id] = bm
	return bm
}
