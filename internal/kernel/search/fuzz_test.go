package search_test

import (
	"context"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/search"
)

// FuzzAnalyze checks the engine analyzer's promises on any text: tokens in
// order, inside the text, with non-empty terms free of spaces; Chinese
// terms of one or two characters; a bigram read back from its own bytes
// gives itself; and the same text gives the same tokens again.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"芯片设计服务平台", "Transferring technology transfers", "ＡＢＣ１２３ ５Ｇ ３．５", "㍿ ⅻ ① ⑴", "v1.2.3. 3..5 .5 5.",
		"e\u0301tude İstanbul ß ﬁnance ΣΟΦΙΑ", "芯\u0301片", "👩\u200d💻 云🌲杉", "\x00\xff\xfe芯\xe4\xb8", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var toks []search.Token
		search.Analyze(s, func(tk search.Token) { toks = append(toks, tk) })
		last := 0
		for _, tk := range toks {
			if tk.Start < last || tk.Start > tk.End || tk.End > len(s) {
				t.Fatalf("Analyze(%q): token %+v out of order or outside the text", s, tk)
			}
			last = tk.Start
			if tk.Term == "" || strings.ContainsFunc(tk.Term, unicode.IsSpace) || !utf8.ValidString(tk.Term) {
				t.Fatalf("Analyze(%q): term %q", s, tk.Term)
			}
			n := utf8.RuneCountInString(tk.Term)
			switch tk.Kind {
			case search.Bigram:
				if n != 2 {
					t.Fatalf("Analyze(%q): bigram %q", s, tk.Term)
				}
				src := s[tk.Start:tk.End]
				if utf8.RuneCountInString(src) == 2 && utf8.ValidString(src) {
					if again := search.AnalyzedTerms(src); len(again) != 1 || again[0] != tk.Term {
						t.Fatalf("Analyze(%q): bigram %q from %q reads back as %q", s, tk.Term, src, again)
					}
				}
			case search.Unigram:
				if n != 1 {
					t.Fatalf("Analyze(%q): unigram %q", s, tk.Term)
				}
			}
		}
		var again []search.Token
		search.Analyze(s, func(tk search.Token) { again = append(again, tk) })
		if len(again) != len(toks) {
			t.Fatalf("Analyze(%q) is not deterministic", s)
		}
		for i := range again {
			if again[i] != toks[i] {
				t.Fatalf("Analyze(%q) is not deterministic: %+v then %+v", s, toks[i], again[i])
			}
		}
	})
}

// FuzzSearchQuery runs any text as a query, as a filter value and with a
// page, against a small index: the answer is results or an error naming a
// field (400 or 422), never a panic or an internal error; hits come in
// ranking order; snippets are valid UTF-8 with balanced marks.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{
		"芯片", "芯", "chip battery", `"chip" AND NOT (x OR y) NEAR/2 -z +w* ^3 ~2 title:chip`, "battry",
		"'; DROP TABLE search_postings; --", "\x00\xff", "👩\u200d💻🚀", strings.Repeat("芯片设计", 600), "", "   ",
		"ＡＢＣ ５Ｇ ３．５", "%_\\*?", "\u202e芯片\u200b",
	} {
		f.Add(s, 0)
	}
	d := dbtest.Open(f)
	ix := newIndex()
	ctx := context.Background()
	tx, err := d.Write.BeginTx(ctx, nil)
	if err != nil {
		f.Fatal(err)
	}
	for _, fx := range fixture {
		if err := ix.Put(ctx, tx, fx.id, map[string]string{"title": fx.title, "abstract": fx.abstract},
			map[string]string{"kind": fx.kind, "district": fx.district}); err != nil {
			f.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string, offset int) {
		for _, q := range []search.Query{
			{Text: text, Facets: []string{"kind", "district"}},
			{Text: text, Any: true, Limit: 3, Offset: offset},
			{Text: "chip 芯片", Filters: map[string][]string{"kind": {text}, "district": {text, "pudong"}}, Facets: []string{"district"}},
		} {
			res, err := ix.Search(ctx, d.Read, q)
			if err != nil {
				ae := apperr.As(err)
				if ae.Code != apperr.Malformed && ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
					t.Fatalf("Search(%q, offset %d): %v", text, offset, err)
				}
				continue
			}
			if len(res.Terms) > search.MaxTerms || res.Total < len(res.Hits) || len(res.Hits) > max(q.Limit, 20) {
				t.Fatalf("Search(%q): %d terms, total %d, %d hits", text, len(res.Terms), res.Total, len(res.Hits))
			}
			for i, h := range res.Hits {
				if i > 0 {
					p := res.Hits[i-1]
					if p.Matched < h.Matched || p.Matched == h.Matched && p.Score < h.Score {
						t.Fatalf("Search(%q): hits out of order: %+v before %+v", text, p, h)
					}
				}
				for name, s := range h.Snippets {
					if !utf8.ValidString(s) || strings.Count(s, "<mark>") != strings.Count(s, "</mark>") {
						t.Fatalf("Search(%q): snippet %s %q", text, name, s)
					}
					plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
					if strings.ContainsAny(plain, "<>\"") {
						t.Fatalf("Search(%q): snippet %s not escaped: %q", text, name, s)
					}
				}
			}
		}
	})
}
