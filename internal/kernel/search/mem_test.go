package search_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/search"
)

// TestSearchInTransaction: a search through a transaction that has written
// to the index sees its own writes (puts, updates, removals); the other
// searches never see them, before the commit nor after a rollback, and see
// them once committed.
func TestSearchInTransaction(t *testing.T) {
	d := dbtest.Open(t)
	ix := newIndex()
	load(t, d, ix, fixture)
	ctx := context.Background()
	outside := func(text string) []int64 { return ids(run(t, d, ix, search.Query{Text: text})) }
	if got := outside("chip"); !slices.Equal(sorted(got), []int64{2, 6}) {
		t.Fatalf("chip before: %v", got)
	}
	for _, commit := range []bool{false, true} {
		boom := fmt.Errorf("rolled back")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := ix.Put(ctx, tx, 200, map[string]string{"title": "Quantum chip"}, map[string]string{"kind": "patent", "district": "xuhui"}); err != nil {
				return err
			}
			if err := ix.Put(ctx, tx, 6, map[string]string{"title": "Machine learning platform"}, map[string]string{"kind": "software", "district": "xuhui"}); err != nil {
				return err
			}
			if err := ix.Delete(ctx, tx, 2); err != nil {
				return err
			}
			res, err := ix.Search(ctx, tx, search.Query{Text: "chip", Facets: []string{"district"}})
			if err != nil {
				return err
			}
			if got := ids(res); !slices.Equal(got, []int64{200}) || res.Total != 1 ||
				!slices.Equal(res.Facets["district"], []search.FacetCount{{Value: "xuhui", Count: 1}}) {
				t.Errorf("inside the transaction: %v total %d facets %v", got, res.Total, res.Facets)
			}
			if res, err := ix.Search(ctx, tx, search.Query{Text: "quantum", Filters: map[string][]string{"district": {"xuhui"}}}); err != nil || !slices.Equal(ids(res), []int64{200}) {
				t.Errorf("quantum inside: %v %v", ids(res), err)
			}
			if res, err := ix.Search(ctx, tx, search.Query{}); err != nil || res.Total != len(fixture) {
				t.Errorf("browse inside: %d %v", res.Total, err)
			}
			if d.Dialect == db.Postgres {
				// SQLite has one writer, and the read pool would wait for it.
				if got := outside("chip"); !slices.Equal(sorted(got), []int64{2, 6}) {
					t.Errorf("outside, before the commit: %v", got)
				}
			}
			if !commit {
				return boom
			}
			return nil
		})
		if !commit && err != boom || commit && err != nil {
			t.Fatal(err)
		}
		want := []int64{2, 6}
		if commit {
			want = []int64{200}
		}
		if got := outside("chip"); !slices.Equal(sorted(got), want) {
			t.Errorf("commit %v: chip after: %v, want %v", commit, got, want)
		}
	}
}

// TestSearchTwoProcesses: writes never touch the copies in memory; a copy
// learns of them only through the change sequence in the database, as the
// copy of another process on the same database does. The copy read
// through the pool and the view of a connection of its own (the copy and
// an overlay of the changes it has not applied) both see every committed
// write, removal and clearing.
func TestSearchTwoProcesses(t *testing.T) {
	d := dbtest.Open(t)
	ix := newIndex()
	load(t, d, ix, fixture)
	ctx := context.Background()
	conn, err := d.Read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	check := func(what string, want []int64) {
		t.Helper()
		a := run(t, d, ix, search.Query{Text: "graphene", Any: true})
		b, err := ix.Search(ctx, conn, search.Query{Text: "graphene", Any: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sorted(ids(a)), want) || !slices.Equal(sorted(ids(b)), want) {
			t.Errorf("%s: %v and %v, want %v", what, ids(a), ids(b), want)
		}
	}
	check("before", []int64{})
	for i := range 3 {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			return ix.Put(ctx, tx, int64(300+i), map[string]string{"title": "Graphene film"}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check("after three puts", []int64{300, 301, 302})
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return ix.Delete(ctx, tx, 301) }); err != nil {
		t.Fatal(err)
	}
	check("after a delete", []int64{300, 302})
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return ix.Clear(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	check("after clear", []int64{})
	load(t, d, ix, fixture[:3])
	if got := run(t, d, ix, search.Query{}).Total; got != 3 {
		t.Errorf("after clear and load: %d documents", got)
	}
}

// TestSearchManyUpdates: after many updates and deletes (dead ordinals,
// the copy loaded again when they pile up), the copy in memory answers as
// an index built afresh from the documents left.
func TestSearchManyUpdates(t *testing.T) {
	d := dbtest.Open(t)
	ix, fresh := newIndex(), newIndex()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	cur := map[int64]search.Doc{}
	words := strings.Fields("chip battery 芯片 电池 graphene 石墨烯 transfer licence sensor 传感器 robot 机器人")
	doc := func(id int64) search.Doc {
		var t strings.Builder
		for range 1 + r.IntN(4) {
			t.WriteString(words[r.IntN(len(words))] + " ")
		}
		return search.Doc{ID: id, Fields: map[string]string{"title": t.String()}, Filters: map[string][]string{"kind": {words[r.IntN(3)]}}}
	}
	run(t, d, ix, search.Query{Text: "chip"}) // a copy loaded from the start
	for round := range 40 {
		var docs []search.Doc
		for range 30 {
			dd := doc(int64(1 + r.IntN(120)))
			docs = append(docs, dd)
		}
		gone := int64(1 + r.IntN(120))
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := ix.PutMany(ctx, tx, docs); err != nil {
				return err
			}
			return ix.Delete(ctx, tx, gone)
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, dd := range docs {
			cur[dd.ID] = dd
		}
		delete(cur, gone)
		if round%10 == 9 {
			run(t, d, ix, search.Query{Text: "battery"})
		}
	}
	var all []search.Doc
	for _, dd := range cur {
		all = append(all, dd)
	}
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return fresh.PutMany(ctx, tx, all) }); err != nil {
		t.Fatal(err)
	}
	for _, q := range []search.Query{
		{Text: "chip"}, {Text: "芯片 电池"}, {Text: "芯"}, {Text: "robot sensor graphene", Any: true, Facets: []string{"kind"}},
		{Text: "transfer", Filters: map[string][]string{"kind": {"battery", "chip"}}, Facets: []string{"kind"}}, {Facets: []string{"kind"}, Limit: 100},
	} {
		a, b := run(t, d, ix, q), run(t, d, fresh, q)
		if fmt.Sprint(a.Hits, a.Total, a.Facets, a.Relaxed) != fmt.Sprint(b.Hits, b.Total, b.Facets, b.Relaxed) {
			t.Errorf("%+v: updated index %v %d %v, fresh %v %d %v", q, ids(a), a.Total, a.Facets, ids(b), b.Total, b.Facets)
		}
	}
}

// TestSearchMigratedRows: rows written before term vectors (an empty vec,
// the terms listed) are analysed again from their text when the copy is
// loaded, and rewritten or removed as usual.
func TestSearchMigratedRows(t *testing.T) {
	if os.Getenv("RAINFOREST_TEST_PG") != "" {
		t.Skip("the rows are rewritten through SQLite's syntax")
	}
	d, err := db.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ix, fresh := newIndex(), newIndex()
	load(t, d, ix, fixture)
	load(t, d, fresh, fixture)
	ctx := context.Background()
	// As migration 0031 leaves the rows of an index written before it.
	for _, s := range []string{`UPDATE search_docs SET vec = x'', seq = 0 WHERE idx = $1`, `UPDATE search_seq SET seq = 0 WHERE idx = $1`} {
		if _, err := d.Write.ExecContext(ctx, s, ix.Name); err != nil {
			t.Fatal(err)
		}
	}
	// The terms column, as 0030 wrote it.
	for _, f := range fixture {
		var terms []string
		search.Analyze(f.title+" "+f.abstract, func(tk search.Token) { terms = append(terms, tk.Term) })
		slices.Sort(terms)
		if _, err := d.Write.ExecContext(ctx, `UPDATE search_docs SET terms = $1 WHERE idx = $2 AND doc = $3`, strings.Join(slices.Compact(terms), " "), ix.Name, f.id); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []search.Query{{Text: "chip"}, {Text: "芯片", Facets: []string{"kind"}}, {Text: "technology transfer patents", Any: true}} {
		a, b := run(t, d, ix, q), run(t, d, fresh, q)
		if fmt.Sprint(a.Hits, a.Facets) != fmt.Sprint(b.Hits, b.Facets) {
			t.Errorf("%q: migrated %v, fresh %v", q.Text, a.Hits, b.Hits)
		}
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := ix.Delete(ctx, tx, 2); err != nil {
			return err
		}
		return fresh.Delete(ctx, tx, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dump(t, d, "search_terms", ix.Name), dump(t, d, "search_terms", fresh.Name); got != want {
		t.Errorf("vocabulary after removing a migrated row:\n%s\nwant:\n%s", got, want)
	}
	if a, b := run(t, d, ix, search.Query{Text: "battery chip", Any: true}), run(t, d, fresh, search.Query{Text: "battery chip", Any: true}); fmt.Sprint(a.Hits) != fmt.Sprint(b.Hits) {
		t.Errorf("after removing: %v, fresh %v", a.Hits, b.Hits)
	}
}

// TestSearchAnyCounting: a search for any term without facets counts the
// terms of each document and scores only those that can make the page;
// the same search with facets scores every document. Both give the same
// page and total.
func TestSearchAnyCounting(t *testing.T) {
	d := dbtest.Open(t)
	ix := newIndex()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	words := strings.Fields("chip battery graphene transfer licence sensor robot laser vaccine drone 芯片 电池 石墨烯 传感器 机器人 激光")
	var docs []search.Doc
	for i := range 600 {
		var t, a strings.Builder
		for range 1 + r.IntN(3) {
			t.WriteString(words[r.IntN(len(words))] + " ")
		}
		for range r.IntN(12) {
			a.WriteString(words[r.IntN(len(words))] + " ")
		}
		docs = append(docs, search.Doc{ID: int64(i + 1), Fields: map[string]string{"title": t.String(), "abstract": a.String()},
			Filters: map[string][]string{"kind": {words[r.IntN(2)]}, "district": {words[2+r.IntN(3)]}}})
	}
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return ix.PutMany(ctx, tx, docs) }); err != nil {
		t.Fatal(err)
	}
	for round := range 60 {
		var text strings.Builder
		for range 1 + r.IntN(8) {
			text.WriteString(words[r.IntN(len(words))] + " ")
		}
		q := search.Query{Text: text.String(), Any: round%3 != 0, Limit: 1 + r.IntN(30), Offset: r.IntN(40)}
		if round%2 == 0 {
			q.Filters = map[string][]string{"kind": {words[r.IntN(2)]}}
		}
		a := run(t, d, ix, q)
		q.Facets = []string{"district"}
		b := run(t, d, ix, q)
		if fmt.Sprint(a.Hits, a.Total, a.Relaxed) != fmt.Sprint(b.Hits, b.Total, b.Relaxed) {
			t.Errorf("%+v:\ncounted %v %d %v\nscored  %v %d %v", q, a.Hits, a.Total, a.Relaxed, b.Hits, b.Total, b.Relaxed)
		}
	}
}

// TestSearchWhileWriting: searches through the pool while writers commit
// (each search may bring the copy up to date) neither fail nor disagree
// in the end with an index built afresh; every search sees at least the
// documents committed before it started, and no more than those committed
// by its end.
func TestSearchWhileWriting(t *testing.T) {
	d := dbtest.Open(t)
	ix, fresh := newIndex(), newIndex()
	ctx := context.Background()
	var docs []search.Doc
	for i := range 120 {
		f := fixture[i%len(fixture)]
		docs = append(docs, search.Doc{ID: int64(i + 1), Fields: map[string]string{"title": f.title + " common", "abstract": f.abstract},
			Filters: map[string][]string{"kind": {f.kind}}})
	}
	var committed atomic.Int64
	errs := make(chan error, 6)
	for w := range 3 {
		go func() {
			var err error
			for i := w; i < len(docs) && err == nil; i += 3 {
				err = d.Tx(ctx, func(tx *sql.Tx) error { return ix.PutMany(ctx, tx, docs[i:i+1]) })
				if err == nil {
					committed.Add(1)
				}
			}
			errs <- err
		}()
	}
	for range 3 {
		go func() {
			for committed.Load() < int64(len(docs)) {
				before := committed.Load()
				res, err := ix.Search(ctx, d.Read, search.Query{Text: "common", Facets: []string{"kind"}})
				if err != nil {
					errs <- err
					return
				}
				after := committed.Load()
				// A writer counts its document once committed: up to
				// three may be committed and not yet counted.
				if int64(res.Total) < before || int64(res.Total) > after+3 {
					errs <- fmt.Errorf("a search saw %d documents, with %d to %d committed", res.Total, before, after)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 6 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return fresh.PutMany(ctx, tx, docs) }); err != nil {
		t.Fatal(err)
	}
	for _, q := range []search.Query{{Text: "common", Facets: []string{"kind"}, Limit: 100}, {Text: "芯片 chip", Any: true}, {Text: "battery"}} {
		a, b := run(t, d, ix, q), run(t, d, fresh, q)
		if fmt.Sprint(a.Hits, a.Total, a.Facets) != fmt.Sprint(b.Hits, b.Total, b.Facets) {
			t.Errorf("%q: %v %d, fresh %v %d", q.Text, ids(a), a.Total, ids(b), b.Total)
		}
	}
}

// TestSearchPrunedRemovals: once removals are pruned from search_gone, a
// copy in memory older than the cut is read again in full (through the
// database and through a transaction) instead of missing them.
func TestSearchPrunedRemovals(t *testing.T) {
	d := dbtest.Open(t)
	ix := newIndex()
	load(t, d, ix, fixture)
	ctx := context.Background()
	write := func(fn func(tx *sql.Tx) error) {
		t.Helper()
		if err := d.Tx(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	graphene := func(r search.DBTX) []int64 {
		t.Helper()
		res, err := ix.Search(ctx, r, search.Query{Text: "graphene"})
		if err != nil {
			t.Fatal(err)
		}
		return sorted(ids(res))
	}
	for i := range 3 {
		write(func(tx *sql.Tx) error {
			return ix.Put(ctx, tx, int64(300+i), map[string]string{"title": "Graphene film"}, nil)
		})
	}
	if got := graphene(d.Read); !slices.Equal(got, []int64{300, 301, 302}) {
		t.Fatalf("before: %v", got)
	}
	// Removed while the copy in memory waits, then pruned.
	write(func(tx *sql.Tx) error { return ix.Delete(ctx, tx, 301) })
	write(func(tx *sql.Tx) error { return ix.Delete(ctx, tx, 302) })
	if n, err := search.PruneGone(ctx, d, 0); err != nil || n != 2 {
		t.Fatalf("pruned %d removals: %v", n, err)
	}
	if got := graphene(d.Read); !slices.Equal(got, []int64{300}) {
		t.Fatalf("after the removals were pruned: %v", got)
	}
	// The same through a transaction, whose view reads beyond the copy.
	write(func(tx *sql.Tx) error {
		return ix.Put(ctx, tx, 303, map[string]string{"title": "Graphene ink"}, nil)
	})
	if got := graphene(d.Read); !slices.Equal(got, []int64{300, 303}) {
		t.Fatalf("after a put: %v", got)
	}
	write(func(tx *sql.Tx) error { return ix.Delete(ctx, tx, 300) })
	if n, err := search.PruneGone(ctx, d, 0); err != nil || n != 1 {
		t.Fatalf("pruned %d removals: %v", n, err)
	}
	write(func(tx *sql.Tx) error {
		if got := graphene(tx); !slices.Equal(got, []int64{303}) {
			t.Errorf("inside a transaction after the prune: %v", got)
		}
		return nil
	})
	var left int
	d.Read.QueryRow(`SELECT COUNT(*) FROM search_gone`).Scan(&left)
	if n, err := search.PruneGone(ctx, d, 0); err != nil || n != 0 || left != 0 {
		t.Fatalf("a second prune: %d, %v; %d rows left", n, err, left)
	}
	// Keeping the last changes keeps their removals.
	write(func(tx *sql.Tx) error { return ix.Delete(ctx, tx, 303) })
	if n, err := search.PruneGone(ctx, d, 5); err != nil || n != 0 {
		t.Fatalf("pruned %d of the last five changes' removals: %v", n, err)
	}
	if got := graphene(d.Read); len(got) != 0 {
		t.Fatalf("after the last removal: %v", got)
	}
}
