package search

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"rainforest/internal/kernel/db"
)

// Field is a searchable text field of an index and its weight in the
// ranking (a title weighs more than an abstract).
type Field struct {
	Name   string
	Weight float64
}

// Index describes the documents of one kind that a module registers: their
// text fields and the names of their filter values (kind, status,
// district...), which queries can filter on and count as facets.
//
// Field and filter numbers are their positions in Fields and Filters, and
// the stored postings refer to them: append new fields and filters at the
// end, or Rebuild the index after reordering them.
type Index struct {
	Name    string
	Fields  []Field
	Filters []string
}

// DBTX is what Put, Delete and Search need of a connection: a *sql.Tx (the
// module's own transaction), a *sql.DB or a *sql.Conn.
type DBTX interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var registry = struct {
	sync.RWMutex
	m map[string]*Index
}{m: map[string]*Index{}}

// Register checks and declares an index, so that Search can find it by
// name; modules call it once, from a package variable. It panics on an
// invalid or duplicate index, which is a programming error.
func Register(ix *Index) *Index {
	if err := ix.check(); err != nil {
		panic(err)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[ix.Name]; dup {
		panic("search: index " + ix.Name + " registered twice")
	}
	registry.m[ix.Name] = ix
	return ix
}

// Lookup returns the registered index of that name.
func Lookup(name string) (*Index, bool) {
	registry.RLock()
	defer registry.RUnlock()
	ix, ok := registry.m[name]
	return ix, ok
}

func (ix *Index) check() error {
	if ix.Name == "" || strings.ContainsFunc(ix.Name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.')
	}) {
		return fmt.Errorf("search: index name %q: want lower-case letters, digits, _ and .", ix.Name)
	}
	if len(ix.Fields) == 0 || len(ix.Fields) > 32 || len(ix.Filters) > 32 {
		return fmt.Errorf("search: index %s: want 1 to 32 fields and at most 32 filters", ix.Name)
	}
	seen := map[string]bool{}
	for _, f := range ix.Fields {
		if f.Name == "" || seen[f.Name] || !(f.Weight > 0) {
			return fmt.Errorf("search: index %s: field %q is empty, repeated or has no positive weight", ix.Name, f.Name)
		}
		seen[f.Name] = true
	}
	seen = map[string]bool{}
	for _, f := range ix.Filters {
		if f == "" || seen[f] {
			return fmt.Errorf("search: index %s: filter %q is empty or repeated", ix.Name, f)
		}
		seen[f] = true
	}
	return nil
}

func (ix *Index) field(name string) int {
	for i, f := range ix.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

func (ix *Index) filter(name string) int {
	return slices.Index(ix.Filters, name)
}

// Doc is one document for PutMany: its text by field name and its filter
// values by filter name (several values for a name are allowed).
type Doc struct {
	ID      int64
	Fields  map[string]string
	Filters map[string][]string
}

// Put indexes document id with its fields and filter values, replacing
// what was indexed for it before, inside the caller's transaction.
func (ix *Index) Put(ctx context.Context, tx DBTX, id int64, fields map[string]string, filters map[string]string) error {
	d := Doc{ID: id, Fields: fields, Filters: make(map[string][]string, len(filters))}
	for k, v := range filters {
		d.Filters[k] = []string{v}
	}
	return ix.PutMany(ctx, tx, []Doc{d})
}

// Delete removes document id from the index; a document not indexed is
// not an error.
func (ix *Index) Delete(ctx context.Context, tx DBTX, id int64) error {
	return ix.write(ctx, tx, nil, []int64{id})
}

// PutMany indexes several documents at once, in fewer statements than one
// Put each (imports, rebuilds). A document given twice keeps the last.
func (ix *Index) PutMany(ctx context.Context, tx DBTX, docs []Doc) error {
	return ix.write(ctx, tx, docs, nil)
}

// Clear removes every document of the index, before a rebuild.
func (ix *Index) Clear(ctx context.Context, tx DBTX) error {
	// Without its sequence row the index is empty; the next write starts
	// it afresh under a new epoch, so copies in memory are dropped.
	for _, t := range []string{"search_docs", "search_terms", "search_fields", "search_gone", "search_seq"} {
		// The table names are constants.
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE idx = $1`, ix.Name); err != nil {
			return fmt.Errorf("search: clear %s: %w", ix.Name, err)
		}
	}
	return nil
}

// analysed is a document ready to be written.
type analysed struct {
	id      int64
	terms   []string         // distinct, sorted
	posting map[string][]fld // term → the fields it occurs in
	lengths []fld            // field → length in tokens (tf unused)
	filters []filterValue
	surface map[string]string // term → a word it was seen as
	texts   string            // JSON of the fields' text
	vec     []byte            // the term vector (encodeVec)
}

// fld is one field's figures in a posting or a document.
type fld struct {
	field  int
	tf     int
	length int
}

type filterValue struct {
	name  int
	value string
}

func (ix *Index) analyse(d Doc) (*analysed, error) {
	size := 0
	for _, t := range d.Fields {
		size += len(t)
	}
	// Sized for the terms to come (a term takes 3 to 8 bytes of text).
	size = min(size/4, 512)
	a := &analysed{id: d.ID, posting: make(map[string][]fld, size), surface: make(map[string]string, size)}
	texts := map[string]string{}
	names := make([]string, 0, len(d.Fields))
	for name := range d.Fields {
		names = append(names, name)
	}
	slices.SortFunc(names, func(x, y string) int { return cmp.Compare(ix.field(x), ix.field(y)) })
	for _, name := range names {
		text := d.Fields[name]
		f := ix.field(name)
		if f < 0 {
			return nil, fmt.Errorf("search: index %s has no field %q", ix.Name, name)
		}
		if err := storable(text); err != nil {
			return nil, fmt.Errorf("search: index %s, document %d, field %s: %w", ix.Name, d.ID, name, err)
		}
		if text == "" {
			continue
		}
		texts[name] = text
		n := 0
		tf := make(map[string]int, min(len(text)/4, 512))
		Analyze(text, func(t Token) {
			n++
			tf[t.Term]++
			if _, ok := a.surface[t.Term]; !ok {
				a.surface[t.Term] = surface(text[t.Start:t.End], t)
			}
		})
		for term, c := range tf {
			a.posting[term] = append(a.posting[term], fld{field: f, tf: c, length: n})
		}
		a.lengths = append(a.lengths, fld{field: f, length: n})
	}
	for name, values := range d.Filters {
		f := ix.filter(name)
		if f < 0 {
			return nil, fmt.Errorf("search: index %s has no filter %q", ix.Name, name)
		}
		for _, v := range values {
			if err := storable(v); err != nil {
				return nil, fmt.Errorf("search: index %s, document %d, filter %s: %w", ix.Name, d.ID, name, err)
			}
			a.filters = append(a.filters, filterValue{f, v})
		}
	}
	slices.SortFunc(a.filters, func(x, y filterValue) int {
		return cmp.Or(cmp.Compare(x.name, y.name), strings.Compare(x.value, y.value))
	})
	a.filters = slices.Compact(a.filters)
	for term := range a.posting {
		a.terms = append(a.terms, term)
	}
	slices.Sort(a.terms)
	b, err := json.Marshal(texts)
	if err != nil {
		return nil, err
	}
	a.texts = string(b)
	a.vec = encodeVec(nil, a.terms, a.posting)
	return a, nil
}

// surface is the folded word a term was seen as, for "did you mean".
func surface(src string, t Token) string {
	if t.Kind != Word {
		return t.Term
	}
	s := strings.ToLower(src)
	if strings.ContainsFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) {
		return t.Term
	}
	return s
}

// storable refuses text that one of the engines cannot store.
func storable(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("contains NUL")
	}
	return nil
}

// encode writes the fields and the filter values of a posting or a
// document: count, then (field, tf, length) each, then count, then
// (filter, value) each, as unsigned varints and length-prefixed bytes.
func encode(b []byte, fs []fld, filters []filterValue) []byte {
	b = binary.AppendUvarint(b, uint64(len(fs)))
	for _, f := range fs {
		b = binary.AppendUvarint(b, uint64(f.field))
		b = binary.AppendUvarint(b, uint64(f.tf))
		b = binary.AppendUvarint(b, uint64(f.length))
	}
	b = binary.AppendUvarint(b, uint64(len(filters)))
	for _, f := range filters {
		b = binary.AppendUvarint(b, uint64(f.name))
		b = binary.AppendUvarint(b, uint64(len(f.value)))
		b = append(b, f.value...)
	}
	return b
}

var errCorrupt = errors.New("search: corrupt posting data")

// decodeFields reads the fields of encoded data into fs and returns the
// rest (the filters).
func decodeFields(b []byte, fs []fld) ([]fld, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > 64 {
		return nil, nil, errCorrupt
	}
	b = b[k:]
	fs = fs[:0]
	for range n {
		var v [3]uint64
		for i := range v {
			x, k := binary.Uvarint(b)
			if k <= 0 {
				return nil, nil, errCorrupt
			}
			v[i], b = x, b[k:]
		}
		fs = append(fs, fld{int(v[0]), int(v[1]), int(v[2])})
	}
	return fs, b, nil
}

// decodeFilters reads the filter values that follow the fields. Values
// are interned in seen, when given: a search meets the same few values in
// thousands of postings.
func decodeFilters(b []byte, seen map[string]string) ([]filterValue, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errCorrupt
	}
	b = b[k:]
	out := make([]filterValue, 0, n)
	for range n {
		name, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errCorrupt
		}
		b = b[k:]
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, errCorrupt
		}
		b = b[k:]
		v, ok := seen[string(b[:l])]
		if !ok {
			v = string(b[:l])
			if seen != nil {
				seen[v] = v
			}
		}
		out = append(out, filterValue{int(name), v})
		b = b[l:]
	}
	return out, nil
}

// old is what is indexed for a document now.
type old struct {
	terms   []string
	lengths []fld
}

// write replaces the documents docs and removes the documents gone, in
// the order: lock the index's figures (writers of one index queue there, so
// the documents read next are current and the vocabulary rows are always
// taken in one order), read the documents indexed now, apply the
// differences to the postings, the documents, the vocabulary and the
// field figures.
func (ix *Index) write(ctx context.Context, tx DBTX, docs []Doc, gone []int64) error {
	wrap := func(what string, err error) error {
		return fmt.Errorf("search: %s %s: %w", what, ix.Name, err)
	}
	// The last of a repeated id wins.
	byID := map[int64]int{}
	for i, d := range docs {
		byID[d.ID] = i
	}
	var keep []Doc
	for i, d := range docs {
		if byID[d.ID] == i {
			keep = append(keep, d)
		}
	}
	news, err := ix.analyseAll(keep)
	if err != nil {
		return err
	}
	for _, id := range gone {
		if _, ok := byID[id]; !ok {
			byID[id] = -1
		}
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return nil
	}
	// The index's own row (field "") is the lock: created if need be, and
	// one row, so that writers cannot take locks in different orders.
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fields (idx, field, docs, length) VALUES ($1, '', 0, 0)
		ON CONFLICT (idx, field) DO UPDATE SET docs = search_fields.docs`, ix.Name); err != nil {
		return wrap("lock", err)
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO search_seq (idx, epoch, seq) VALUES ($1, $2, 1)
		ON CONFLICT (idx) DO UPDATE SET seq = search_seq.seq + 1 RETURNING seq`, ix.Name, newEpoch()).Scan(&seq); err != nil {
		return wrap("sequence", err)
	}
	olds, err := ix.readOld(ctx, tx, ids)
	if err != nil {
		return wrap("read", err)
	}

	df := map[string]int{}
	surfaces := map[string]string{}
	docDelta := 0
	lenDelta := make([]int, len(ix.Fields))
	for _, o := range olds {
		for _, t := range o.terms {
			df[t]--
		}
		for _, f := range o.lengths {
			if f.field < len(lenDelta) {
				lenDelta[f.field] -= f.length
			}
		}
		docDelta--
	}
	var delDocs []any
	var goneDocs [][]any
	for _, id := range ids {
		if _, ok := olds[id]; ok {
			delDocs = append(delDocs, id)
			if byID[id] < 0 {
				goneDocs = append(goneDocs, []any{seq, id})
			}
		}
	}
	insDocs := make([][]any, 0, len(news))
	for _, a := range news {
		docDelta++
		for _, f := range a.lengths {
			lenDelta[f.field] += f.length
		}
		for _, t := range a.terms {
			df[t]++
			if _, ok := surfaces[t]; !ok {
				surfaces[t] = a.surface[t]
			}
		}
		insDocs = append(insDocs, []any{a.id, "", encode(nil, a.lengths, a.filters), a.texts, a.vec, seq})
	}

	name := []any{ix.Name}
	if err := batch(ctx, tx, name, `DELETE FROM search_docs WHERE idx = $1 AND doc IN (`, `)`, singles(delDocs)); err != nil {
		return wrap("delete documents of", err)
	}
	if err := batch(ctx, tx, name, `INSERT INTO search_gone (idx, seq, doc) VALUES `, ``, goneDocs); err != nil {
		return wrap("record removals of", err)
	}
	anon := len(insDocs) >= 16 && anonymous(ctx, tx)
	if err := insert(ctx, tx, anon, ix.Name, `INSERT INTO search_docs (idx, doc, terms, data, texts, vec, seq) VALUES `, ``, insDocs); err != nil {
		return wrap("insert documents of", err)
	}

	// The vocabulary, in term order (the order rows are locked in).
	terms := make([]string, 0, len(df))
	for t, n := range df {
		if n != 0 {
			terms = append(terms, t)
		}
	}
	slices.Sort(terms)
	var upserts [][]any
	var emptied []any
	for _, t := range terms {
		upserts = append(upserts, []any{t, df[t], cmp.Or(surfaces[t], t), tail(t)})
		if df[t] < 0 {
			emptied = append(emptied, t)
		}
	}
	if err := insert(ctx, tx, anon, ix.Name, `INSERT INTO search_terms (idx, term, df, word, tail) VALUES `,
		` ON CONFLICT (idx, term) DO UPDATE SET df = search_terms.df + excluded.df`, upserts); err != nil {
		return wrap("count terms of", err)
	}
	if err := batch(ctx, tx, name, `DELETE FROM search_terms WHERE idx = $1 AND df <= 0 AND term IN (`, `)`, singles(emptied)); err != nil {
		return wrap("drop terms of", err)
	}

	figures := [][]any{{"", docDelta, 0}}
	for i, f := range ix.Fields {
		figures = append(figures, []any{f.Name, docDelta, lenDelta[i]})
	}
	slices.SortFunc(figures, func(x, y []any) int { return strings.Compare(x[0].(string), y[0].(string)) })
	if err := batch(ctx, tx, name, `INSERT INTO search_fields (idx, field, docs, length) VALUES `,
		` ON CONFLICT (idx, field) DO UPDATE SET docs = search_fields.docs + excluded.docs, length = search_fields.length + excluded.length`, figures); err != nil {
		return wrap("count fields of", err)
	}
	return nil
}

// tail is the last character of a Chinese bigram, "" for other terms.
func tail(term string) string {
	r, n := utf8.DecodeRuneInString(term)
	if n == len(term) || !isHan(r) {
		return ""
	}
	last, _ := utf8.DecodeLastRuneInString(term)
	return string(last)
}

func (ix *Index) readOld(ctx context.Context, tx DBTX, ids []int64) (map[int64]old, error) {
	out := map[int64]old{}
	for chunk := range slices.Chunk(ids, 500) {
		var a db.Args
		a.Add(ix.Name)
		rows, err := tx.QueryContext(ctx, `SELECT doc, terms, data, vec FROM search_docs WHERE idx = $1 AND doc IN (`+db.List(&a, chunk)+`)`, a...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var terms string
			var data, vec []byte
			if err := rows.Scan(&id, &terms, &data, &vec); err != nil {
				rows.Close()
				return nil, err
			}
			fs, _, err := decodeFields(data, nil)
			if err != nil {
				rows.Close()
				return nil, err
			}
			o := old{lengths: fs}
			if len(vec) == 0 {
				// Written before term vectors: the terms are listed.
				o.terms = strings.Fields(terms)
			} else if err := walkVec(vec, func(term []byte, _ []fld) { o.terms = append(o.terms, string(term)) }); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = o
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// anonymous tells whether the connection takes anonymous ? parameters
// (SQLite), by a statement only PostgreSQL knows: SQLite looks numbered
// parameters ($N) up in a list, in time quadratic in their number, a
// quarter of a bulk write's time.
func anonymous(ctx context.Context, tx DBTX) bool {
	var v string
	return tx.QueryRowContext(ctx, `SELECT version()`).Scan(&v) != nil
}

// insert is batch for INSERTs of rows led by the index name, with
// anonymous parameters when anon.
func insert(ctx context.Context, tx DBTX, anon bool, name, head, tail string, rows [][]any) error {
	if !anon {
		return batch(ctx, tx, []any{name}, head, tail, rows)
	}
	for len(rows) > 0 {
		n := batchSize(len(rows))
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, n*(len(rows[0])+1))
		for i, row := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?")
			b.WriteString(strings.Repeat(", ?", len(row)))
			b.WriteString(")")
			args = append(args, name)
			args = append(args, row...)
		}
		b.WriteString(tail)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func singles(vs []any) [][]any {
	out := make([][]any, len(vs))
	for i, v := range vs {
		out[i] = []any{v}
	}
	return out
}

// batchSizes are the rows per statement: a few shapes only, so that the
// drivers' statement caches hold them.
var batchSizes = []int{256, 64, 16, 4, 1}

// batchSize is the rows of the next statement for n rows left.
func batchSize(n int) int {
	for _, s := range batchSizes {
		if s <= n {
			return s
		}
	}
	return 1
}

// batch runs head + rows + tail for the rows, several per statement. The
// fixed values are $1, $2...; a row of one value is one placeholder (for
// an IN list), a wider row is "($1, $k, ...)", the index name first (for
// an INSERT).
func batch(ctx context.Context, tx DBTX, fixed []any, head, tail string, rows [][]any) error {
	for len(rows) > 0 {
		n := batchSize(len(rows))
		a := db.Args(slices.Clone(fixed))
		var b strings.Builder
		b.WriteString(head)
		for i, row := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			if len(row) == 1 {
				b.WriteString(a.Add(row[0]))
				continue
			}
			b.WriteString("($1")
			for _, v := range row {
				b.WriteString(", ")
				b.WriteString(a.Add(v))
			}
			b.WriteString(")")
		}
		b.WriteString(tail)
		if _, err := tx.ExecContext(ctx, b.String(), a...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}
