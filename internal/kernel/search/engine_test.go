package search_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/search"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var indexSeq atomic.Int64

// newIndex returns an index with a name of its own, so that tests sharing
// a PostgreSQL server or running in parallel do not meet.
func newIndex() *search.Index {
	return &search.Index{
		Name:    fmt.Sprintf("test.listings%d", indexSeq.Add(1)),
		Fields:  []search.Field{{Name: "title", Weight: 3}, {Name: "abstract", Weight: 1}},
		Filters: []string{"kind", "district"},
	}
}

type fixtureDoc struct {
	id              int64
	title, abstract string
	kind, district  string
}

var fixture = []fixtureDoc{
	{1, "芯片设计服务平台", "为集成电路企业提供EDA工具与流片服务。", "service", "pudong"},
	{2, "Battery management chip", "A low-power chip for battery management in electric vehicles.", "patent", "jingan"},
	{3, "Technology transfer office", "We help universities with transfers of patents and licensing.", "service", "jingan"},
	{4, "新能源汽车电池", "动力电池管理芯片，适用于新能源汽车。", "patent", "pudong"},
	{5, "Licensing patents", "Transferring technology from the lab to industry; technology transfer agreements.", "patent", "xuhui"},
	{6, "Machine learning platform", "Image recognition with deep learning; chip acceleration on the edge.", "software", "xuhui"},
	{7, "石墨烯导热膜", "石墨烯导热膜的制备方法，用于芯片散热。", "patent", "minhang"},
	{8, "<b>R&D</b> services", "Research & development \"consulting\" for SMEs: <script>alert(1)</script>", "service", "jingan"},
	{9, "芯", "一个字的标题。Single character title.", "software", "pudong"},
	{10, "ＡＢＣ智能（上海）有限公司 5G", "全角字母ＡＢＣ与数字５Ｇ；version 3.5 release.", "service", "xuhui"},
}

func load(t *testing.T, d *db.DB, ix *search.Index, docs []fixtureDoc) {
	t.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		for _, f := range docs {
			if err := ix.Put(ctx, tx, f.id, map[string]string{"title": f.title, "abstract": f.abstract},
				map[string]string{"kind": f.kind, "district": f.district}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, d *db.DB, ix *search.Index, q search.Query) search.Result {
	t.Helper()
	res, err := ix.Search(context.Background(), d.Read, q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func ids(res search.Result) []int64 {
	out := []int64{}
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func sorted(v []int64) []int64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v
}

func TestSearch(t *testing.T) {
	d := dbtest.Open(t)
	ix := newIndex()
	load(t, d, ix, fixture)

	t.Run("title outranks abstract", func(t *testing.T) {
		res := run(t, d, ix, search.Query{Text: "chip"})
		if got := ids(res); !slices.Equal(got, []int64{2, 6}) {
			t.Fatalf("chip: %v, want [2 6] (title hit first)", got)
		}
		if res.Hits[0].Score <= res.Hits[1].Score {
			t.Errorf("scores %v", res.Hits)
		}
	})
	t.Run("more terms outrank fewer", func(t *testing.T) {
		res := run(t, d, ix, search.Query{Text: "deep learning chip", Any: true})
		got := ids(res)
		if len(got) != 2 || got[0] != 6 || res.Hits[0].Matched != 3 || res.Hits[1].Matched != 1 {
			t.Fatalf("deep learning chip: %v %+v", got, res.Hits)
		}
		// Doc 2 has chip in its title, which weighs more, but holds one
		// term of three.
		if res.Hits[1].Score <= res.Hits[0].Score/3 {
			t.Logf("scores %v", res.Hits)
		}
	})
	t.Run("all terms by default, relaxed when none", func(t *testing.T) {
		res := run(t, d, ix, search.Query{Text: "battery learning"})
		if !res.Relaxed || !slices.Equal(sorted(ids(res)), []int64{2, 6}) || res.Total != 2 {
			t.Fatalf("battery learning: relaxed=%v %v total %d", res.Relaxed, ids(res), res.Total)
		}
		res = run(t, d, ix, search.Query{Text: "battery chip"})
		if res.Relaxed || !slices.Equal(ids(res), []int64{2}) {
			t.Fatalf("battery chip: relaxed=%v %v", res.Relaxed, ids(res))
		}
	})
	t.Run("Chinese bigrams", func(t *testing.T) {
		for _, q := range []string{"芯片", "芯片。", " 芯片 "} {
			res := run(t, d, ix, search.Query{Text: q})
			if got := sorted(ids(res)); !slices.Equal(got, []int64{1, 4, 7}) || res.Total != 3 {
				t.Errorf("%q: %v total %d, want [1 4 7]", q, got, res.Total)
			}
		}
		res := run(t, d, ix, search.Query{Text: "新能源汽车"})
		if got := ids(res); !slices.Equal(got, []int64{4}) {
			t.Errorf("新能源汽车: %v", got)
		}
		res = run(t, d, ix, search.Query{Text: "石墨烯 散热"})
		if got := ids(res); !slices.Equal(got, []int64{7}) {
			t.Errorf("石墨烯 散热: %v", got)
		}
		res = run(t, d, ix, search.Query{Text: "电池管理"})
		if got := ids(res); !slices.Equal(got, []int64{4}) {
			t.Errorf("电池管理: %v", got)
		}
	})
	t.Run("one Chinese character", func(t *testing.T) {
		// 芯 begins 芯片 (1, 4, 7) and is the whole title of 9.
		res := run(t, d, ix, search.Query{Text: "芯"})
		if got := sorted(ids(res)); !slices.Equal(got, []int64{1, 4, 7, 9}) {
			t.Errorf("芯: %v", got)
		}
		if res.Hits[0].ID != 9 {
			t.Errorf("芯: the one-character title should rank first: %v", ids(res))
		}
		// 片 ends 芯片 and begins 片服: found as the last character too.
		res = run(t, d, ix, search.Query{Text: "片"})
		if got := sorted(ids(res)); !slices.Equal(got, []int64{1, 4, 7}) {
			t.Errorf("片: %v", got)
		}
		// 烯 is inside 石墨烯.
		res = run(t, d, ix, search.Query{Text: "烯"})
		if got := ids(res); !slices.Equal(got, []int64{7}) {
			t.Errorf("烯: %v", got)
		}
	})
	t.Run("stemming", func(t *testing.T) {
		for _, q := range []string{"transfer", "transfers", "transferring", "TRANSFERRED", "Transfer"} {
			res := run(t, d, ix, search.Query{Text: q})
			if got := sorted(ids(res)); !slices.Equal(got, []int64{3, 5}) {
				t.Errorf("%q: %v, want [3 5]", q, got)
			}
		}
		res := run(t, d, ix, search.Query{Text: "licensed patent"})
		if got := sorted(ids(res)); !slices.Equal(got, []int64{3, 5}) {
			t.Errorf("licensed patent: %v", got)
		}
	})
	t.Run("full width and numbers", func(t *testing.T) {
		for _, q := range []string{"abc", "ＡＢＣ", "5g", "５Ｇ", "3.5", "３．５"} {
			res := run(t, d, ix, search.Query{Text: q})
			if got := ids(res); !slices.Equal(got, []int64{10}) {
				t.Errorf("%q: %v, want [10]", q, got)
			}
		}
		if res := run(t, d, ix, search.Query{Text: "3"}); len(res.Hits) != 0 {
			t.Errorf("3 matches part of 3.5: %v", ids(res))
		}
	})
	t.Run("filters", func(t *testing.T) {
		res := run(t, d, ix, search.Query{Text: "patents", Filters: map[string][]string{"district": {"jingan"}}})
		if got := ids(res); !slices.Equal(got, []int64{3}) {
			t.Errorf("patents in jingan: %v", got)
		}
		res = run(t, d, ix, search.Query{Text: "芯片", Filters: map[string][]string{"kind": {"patent"}, "district": {"pudong", "minhang"}}})
		if got := sorted(ids(res)); !slices.Equal(got, []int64{4, 7}) || res.Total != 2 {
			t.Errorf("芯片 patents in pudong or minhang: %v", got)
		}
		res = run(t, d, ix, search.Query{Filters: map[string][]string{"district": {"xuhui"}}})
		if got := ids(res); !slices.Equal(got, []int64{5, 6, 10}) || res.Total != 3 {
			t.Errorf("every document in xuhui: %v", got)
		}
		res = run(t, d, ix, search.Query{Text: "chip", Filters: map[string][]string{"kind": {"nothing"}}})
		if len(res.Hits) != 0 || res.Total != 0 {
			t.Errorf("no such kind: %v", ids(res))
		}
	})
	t.Run("facets", func(t *testing.T) {
		res := run(t, d, ix, search.Query{Text: "芯片", Facets: []string{"kind", "district"}, Filters: map[string][]string{"kind": {"patent"}}})
		want := map[string][]search.FacetCount{
			// Counted without the kind filter: every kind that 芯片 finds.
			"kind": {{Value: "patent", Count: 2}, {Value: "service", Count: 1}},
			// Counted with it.
			"district": {{Value: "minhang", Count: 1}, {Value: "pudong", Count: 1}},
		}
		for k, v := range want {
			if !slices.Equal(res.Facets[k], v) {
				t.Errorf("facet %s: %v, want %v", k, res.Facets[k], v)
			}
		}
		res = run(t, d, ix, search.Query{Facets: []string{"district"}})
		if got := res.Facets["district"]; len(got) != 4 || got[0] != (search.FacetCount{Value: "jingan", Count: 3}) {
			t.Errorf("districts of everything: %v", got)
		}
	})
	t.Run("snippets", func(t *testing.T) {
		res := run(t, d, ix, search.Query{Text: "chip"})
		if got := res.Hits[0].Snippets["title"]; got != "Battery management <mark>chip</mark>" {
			t.Errorf("title snippet %q", got)
		}
		if got := res.Hits[1].Snippets["abstract"]; !strings.Contains(got, "<mark>chip</mark> acceleration") {
			t.Errorf("abstract snippet %q", got)
		}
		res = run(t, d, ix, search.Query{Text: "R&D consulting script"})
		if len(res.Hits) != 1 {
			t.Fatalf("R&D: %v", ids(res))
		}
		s := res.Hits[0].Snippets
		if s["title"] != "&lt;b&gt;<mark>R</mark>&amp;<mark>D</mark>&lt;/b&gt; services" {
			t.Errorf("escaped title %q", s["title"])
		}
		if !strings.Contains(s["abstract"], "&#34;<mark>consulting</mark>&#34;") || !strings.Contains(s["abstract"], "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;") {
			t.Errorf("escaped abstract %q", s["abstract"])
		}
		res = run(t, d, ix, search.Query{Text: "芯片"})
		for _, h := range res.Hits {
			if h.ID == 4 && h.Snippets["abstract"] != "动力电池管理<mark>芯片</mark>，适用于新能源汽车。" {
				t.Errorf("Chinese snippet %q", h.Snippets["abstract"])
			}
		}
		res = run(t, d, ix, search.Query{Text: "石墨烯导热"})
		if got := res.Hits[0].Snippets["abstract"]; got != "<mark>石墨烯导热</mark>膜的制备方法，用于芯片散热。" {
			t.Errorf("overlapping bigrams merge into one mark: %q", got)
		}
		res = run(t, d, ix, search.Query{Text: "片"})
		for _, h := range res.Hits {
			if h.ID == 1 && h.Snippets["title"] != "芯<mark>片</mark>设计服务平台" {
				t.Errorf("one character marked alone: %q", h.Snippets["title"])
			}
		}
		res = run(t, d, ix, search.Query{Text: "ＡＢＣ"})
		if got := res.Hits[0].Snippets["title"]; got != "<mark>ＡＢＣ</mark>智能（上海）有限公司 5G" {
			t.Errorf("full-width mark: %q", got)
		}
	})
	t.Run("did you mean", func(t *testing.T) {
		res := run(t, d, ix, search.Query{Text: "battry"})
		if res.DidYouMean != "battery" || len(res.Hits) != 0 {
			t.Errorf("battry: %q %v", res.DidYouMean, ids(res))
		}
		res = run(t, d, ix, search.Query{Text: "tecnology tranfer"})
		if res.DidYouMean != "technology transfer" {
			t.Errorf("tecnology tranfer: %q", res.DidYouMean)
		}
		res = run(t, d, ix, search.Query{Text: "machine lerning 芯片"})
		if res.DidYouMean != "machine learning 芯片" || !res.Relaxed {
			t.Errorf("machine lerning 芯片: %q relaxed=%v", res.DidYouMean, res.Relaxed)
		}
		for _, q := range []string{"battery", "xyzzyq", "芯片", "qq"} {
			if res := run(t, d, ix, search.Query{Text: q}); res.DidYouMean != "" {
				t.Errorf("%q: did you mean %q", q, res.DidYouMean)
			}
		}
	})
	t.Run("paging", func(t *testing.T) {
		all := ids(run(t, d, ix, search.Query{Text: "patents technology chip", Any: true}))
		var paged []int64
		for off := 0; off < len(all)+2; off += 2 {
			paged = append(paged, ids(run(t, d, ix, search.Query{Text: "patents technology chip", Any: true, Limit: 2, Offset: off}))...)
		}
		if len(all) < 4 || !slices.Equal(all, paged) {
			t.Errorf("pages %v, all %v", paged, all)
		}
	})
	t.Run("nothing to match", func(t *testing.T) {
		for _, q := range []string{"🚀🌲", "!!! ??? ...", "zzzzqqq", "鑫鑫"} {
			res := run(t, d, ix, search.Query{Text: q, Facets: []string{"kind"}})
			if len(res.Hits) != 0 || res.Total != 0 || len(res.Facets["kind"]) != 0 {
				t.Errorf("%q: %+v", q, res)
			}
		}
	})
}

func TestSearchUpdatesAndDeletes(t *testing.T) {
	d := dbtest.Open(t)
	ix := newIndex()
	load(t, d, ix, fixture)
	ctx := context.Background()
	// An update replaces the text and the filters.
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		return ix.Put(ctx, tx, 2, map[string]string{"title": "固态电池", "abstract": "Solid-state battery cells."}, map[string]string{"kind": "software", "district": "xuhui"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(run(t, d, ix, search.Query{Text: "chip"})); !slices.Equal(got, []int64{6}) {
		t.Errorf("chip after update: %v", got)
	}
	if got := ids(run(t, d, ix, search.Query{Text: "固态"})); !slices.Equal(got, []int64{2}) {
		t.Errorf("固态 after update: %v", got)
	}
	res := run(t, d, ix, search.Query{Text: "battery", Facets: []string{"kind"}})
	if !slices.Equal(ids(res), []int64{2}) || !slices.Equal(res.Facets["kind"], []search.FacetCount{{Value: "software", Count: 1}}) {
		t.Errorf("battery after update: %v %v", ids(res), res.Facets)
	}
	// A delete removes the document and its words from the vocabulary.
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := ix.Delete(ctx, tx, 2); err != nil {
			return err
		}
		return ix.Delete(ctx, tx, 999) // never indexed
	})
	if err != nil {
		t.Fatal(err)
	}
	res = run(t, d, ix, search.Query{Text: "battery"})
	if len(res.Hits) != 0 || res.DidYouMean != "" {
		t.Errorf("battery after delete: %v, did you mean %q", ids(res), res.DidYouMean)
	}
	if got := run(t, d, ix, search.Query{}).Total; got != len(fixture)-1 {
		t.Errorf("%d documents after delete", got)
	}
	// A rolled-back write leaves the index as it was.
	boom := fmt.Errorf("boom")
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := ix.Put(ctx, tx, 100, map[string]string{"title": "Quantum sensor"}, nil); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatal(err)
	}
	if got := ids(run(t, d, ix, search.Query{Text: "quantum"})); len(got) != 0 {
		t.Errorf("rolled back: %v", got)
	}
	// The vocabulary and the figures agree with the documents left: the
	// same as indexing them afresh.
	fresh := newIndex()
	var rest []fixtureDoc
	for _, f := range fixture {
		if f.id != 2 {
			rest = append(rest, f)
		}
	}
	load(t, d, fresh, rest)
	for _, q := range []string{"chip", "芯片", "transfer technology", "芯", "patents", "lab"} {
		a := run(t, d, ix, search.Query{Text: q, Any: true})
		b := run(t, d, fresh, search.Query{Text: q, Any: true})
		if fmt.Sprint(a.Hits) != fmt.Sprint(b.Hits) {
			t.Errorf("%q: updated index %v, fresh index %v", q, a.Hits, b.Hits)
		}
	}
	for _, table := range []string{"search_terms", "search_fields"} {
		if got, want := dump(t, d, table, ix.Name), dump(t, d, table, fresh.Name); got != want {
			t.Errorf("%s differs from a fresh index:\n%s\nfresh:\n%s", table, got, want)
		}
	}
	// Clear empties it.
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return ix.Clear(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	if res := run(t, d, ix, search.Query{}); res.Total != 0 {
		t.Errorf("after Clear: %d", res.Total)
	}
}

func dump(t *testing.T, d *db.DB, table, idx string) string {
	t.Helper()
	q := `SELECT term, df, tail FROM search_terms WHERE idx = $1 ORDER BY term`
	if table == "search_fields" {
		q = `SELECT field, docs, length FROM search_fields WHERE idx = $1 ORDER BY field`
	}
	rows, err := d.Read.Query(q, idx)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var x, z string
		var y int
		if err := rows.Scan(&x, &y, &z); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %s\n", x, y, z)
	}
	return b.String()
}

// TestSearchBadInput: any query text gives results or an error naming q,
// and bad filters, facets and pages name their field.
func TestSearchBadInput(t *testing.T) {
	d := dbtest.Open(t)
	ix := newIndex()
	load(t, d, ix, fixture)
	ctx := context.Background()
	ok := []string{
		`"chip" AND (battery OR NOT "x") NEAR/3 -y +z* ^2 ~1 chip:title`,
		`'; DROP TABLE search_postings; --`, "\x00chip\x00", "chip\u200b\u202e", "👩‍💻🚀 芯片",
		strings.Repeat("芯片 battery ", 150), strings.Repeat("a", 2000), "%_*\\", "NULL", "()", `""`,
	}
	for _, q := range ok {
		if _, err := ix.Search(ctx, d.Read, search.Query{Text: q}); err != nil {
			t.Errorf("%.40q: %v", q, err)
		}
	}
	var long strings.Builder
	for i := range 150 {
		fmt.Fprintf(&long, "w%d 芯片设计 ", i)
	}
	res, _ := ix.Search(ctx, d.Read, search.Query{Text: long.String()})
	if len(res.Terms) != search.MaxTerms {
		t.Errorf("long query: %d terms", len(res.Terms))
	}
	bad := []struct {
		q     search.Query
		field string
		code  apperr.Code
	}{
		{search.Query{Text: strings.Repeat("芯", 10000)}, "q", apperr.Malformed},
		{search.Query{Text: "chip\xff"}, "q", apperr.Malformed},
		{search.Query{Text: "chip", Limit: 101}, "limit", apperr.Invalid},
		{search.Query{Text: "chip", Limit: -1}, "limit", apperr.Invalid},
		{search.Query{Text: "chip", Offset: -5}, "offset", apperr.Invalid},
		{search.Query{Text: "chip", Filters: map[string][]string{"color": {"red"}}}, "color", apperr.Invalid},
		{search.Query{Text: "chip", Filters: map[string][]string{"kind": {"a\xff"}}}, "kind", apperr.Invalid},
		{search.Query{Text: "chip", Facets: []string{"color"}}, "facets", apperr.Invalid},
	}
	for _, tt := range bad {
		_, err := ix.Search(ctx, d.Read, tt.q)
		ae := apperr.As(err)
		if err == nil || ae.Code != tt.code || len(ae.Fields) == 0 || ae.Fields[0].Field != tt.field {
			t.Errorf("%.30q: %v, want %s naming %s", tt.q.Text, err, tt.code, tt.field)
		}
	}
	// Documents with text no engine can store are refused, not half written.
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		return ix.Put(ctx, tx, 50, map[string]string{"title": "a\x00b"}, nil)
	})
	if err == nil {
		t.Error("NUL in a document was indexed")
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		return ix.Put(ctx, tx, 50, map[string]string{"colour": "x"}, nil)
	})
	if err == nil {
		t.Error("an unknown field was indexed")
	}
}

// TestSearchGolden holds both engines to the same answers: the same hits in
// the same order with the same scores, facets and snippets. The golden file
// was written on SQLite; the PostgreSQL leg compares against it.
func TestSearchGolden(t *testing.T) {
	d := dbtest.Open(t)
	ix := newIndex()
	load(t, d, ix, fixture)
	var b strings.Builder
	for _, q := range []search.Query{
		{Text: "chip"}, {Text: "芯片", Facets: []string{"kind", "district"}}, {Text: "芯"}, {Text: "片"},
		{Text: "technology transfer patents", Any: true, Facets: []string{"kind"}},
		{Text: "battery learning"}, {Text: "battry managment"}, {Text: "ＡＢＣ 5G"},
		{Text: "服务", Filters: map[string][]string{"district": {"pudong", "jingan"}}, Facets: []string{"district"}},
		{Facets: []string{"kind"}, Limit: 3, Offset: 2},
	} {
		res := run(t, d, ix, q)
		fmt.Fprintf(&b, "query %q any=%v filters=%v facets=%v limit=%d offset=%d\n", q.Text, q.Any, q.Filters, q.Facets, q.Limit, q.Offset)
		fmt.Fprintf(&b, "  total=%d relaxed=%v did_you_mean=%q terms=%q\n", res.Total, res.Relaxed, res.DidYouMean, res.Terms)
		for _, h := range res.Hits {
			fmt.Fprintf(&b, "  %d score=%.12f matched=%d title=%q abstract=%q\n", h.ID, h.Score, h.Matched, h.Snippets["title"], h.Snippets["abstract"])
		}
		for _, name := range q.Facets {
			fmt.Fprintf(&b, "  facet %s %v\n", name, res.Facets[name])
		}
	}
	path := filepath.Join("testdata", "golden", "search.txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("%s answers differ from %s:\n%s", d.Dialect, path, b.String())
	}
}

// TestSearchConcurrentWriters: writers of one index in parallel
// transactions (parallel on PostgreSQL) neither deadlock nor lose a
// document frequency or a field length.
func TestSearchConcurrentWriters(t *testing.T) {
	d := dbtest.Open(t)
	ix, fresh := newIndex(), newIndex()
	ctx := context.Background()
	docs := make([]search.Doc, 0, 80)
	for i := range 80 {
		f := fixture[i%len(fixture)]
		docs = append(docs, search.Doc{ID: int64(i + 1), Fields: map[string]string{"title": f.title, "abstract": fmt.Sprintf("%s 第%d号 item%d", f.abstract, i%7, i%5)},
			Filters: map[string][]string{"kind": {f.kind}}})
	}
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			var err error
			for i := w; i < len(docs) && err == nil; i += 8 {
				err = d.Tx(ctx, func(tx *sql.Tx) error { return ix.PutMany(ctx, tx, docs[i:i+1]) })
				if err == nil && i%3 == 0 {
					// Rewrite it, as an update does.
					err = d.Tx(ctx, func(tx *sql.Tx) error { return ix.PutMany(ctx, tx, docs[i:i+1]) })
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return fresh.PutMany(ctx, tx, docs) }); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"search_terms", "search_fields"} {
		if got, want := dump(t, d, table, ix.Name), dump(t, d, table, fresh.Name); got != want {
			t.Errorf("%s after concurrent writes differs from one bulk write:\n%s\nbulk:\n%s", table, got, want)
		}
	}
}
