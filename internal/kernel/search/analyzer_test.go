package search_test

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"rainforest/internal/kernel/search"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"Chinese bigrams", []string{"上海云杉软件科技有限公司"}, []string{"上海", "海云", "云杉", "杉软", "软件", "件科", "科技", "技有", "有限", "限公", "公司"}},
		{"English words", []string{"Shanghai Yunshan Software Technology Co., Ltd."}, []string{"shanghai", "yunshan", "software", "technology", "co", "ltd"}},
		{"mixed", []string{"云杉AI平台2024版"}, []string{"云杉", "ai", "平台", "2024", "版"}},
		{"full width", []string{"ＡＢＣ１２３　软件"}, []string{"abc123", "软件"}},
		{"one character", []string{"杉"}, []string{"杉"}},
		{"duplicates once", []string{"软件 软件", "Software SOFTWARE"}, []string{"软件", "software"}},
		{"credit code", []string{"91310106100002951W"}, []string{"91310106100002951w"}},
		{"punctuation separates", []string{"a-b_c.d/e（云杉）"}, []string{"a", "b", "c", "d", "e", "云杉"}},
		{"accents kept", []string{"Müller Ünïcödé"}, []string{"müller", "ünïcödé"}},
		{"emoji ignored", []string{"云杉🌲Forest"}, []string{"云杉", "forest"}},
		{"radicals separate", []string{"云⻗杉"}, []string{"云", "杉"}},
		{"letter numbers join", []string{"二〇二四"}, []string{"二〇", "〇二", "二四"}},
		{"nothing", []string{"", "  ,.;!? "}, nil},
		{"several texts", []string{"复旦大学", "Fudan University", "12310000425006117P"}, []string{"复旦", "旦大", "大学", "fudan", "university", "12310000425006117p"}},
	}
	for _, tt := range tests {
		if got := search.Terms(tt.in...); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Terms(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if got, want := search.Text(tt.in...), strings.Join(tt.want, " "); got != want {
			t.Errorf("%s: Text = %q, want %q", tt.name, got, want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		q      string
		terms  []string
		single []string
	}{
		{"云杉", []string{"云杉"}, nil},
		{"云杉软件", []string{"云杉", "杉软", "软件"}, nil},
		{"杉", nil, []string{"杉"}},
		{"云 杉", nil, []string{"云", "杉"}},
		{"云杉 杉", []string{"云杉"}, []string{"杉"}},
		{"Yunshan SOFTWARE", []string{"yunshan", "software"}, nil},
		{"云杉 software", []string{"云杉", "software"}, nil},
		{"' OR 1=1 --", []string{"or", "1"}, nil},
		{`"; DROP TABLE orgs; --`, []string{"drop", "table", "orgs"}, nil},
		{"NEAR(a b) * ^ -x", []string{"near", "a", "b", "x"}, nil},
		{"  ,.;  ", nil, nil},
		{"", nil, nil},
		{"\u200f云\u200b杉", nil, []string{"云", "杉"}},
	}
	for _, tt := range tests {
		q := search.ParseQuery(tt.q)
		if !slices.Equal(q.Terms, tt.terms) || !slices.Equal(q.Single, tt.single) {
			t.Errorf("ParseQuery(%q) = %q %q, want %q %q", tt.q, q.Terms, q.Single, tt.terms, tt.single)
		}
		if q.Empty() != (len(tt.terms) == 0 && len(tt.single) == 0) {
			t.Errorf("ParseQuery(%q).Empty() = %v", tt.q, q.Empty())
		}
	}
	// A long query is cut to MaxQueryTerms terms.
	q := search.ParseQuery(strings.Repeat("word", 1) + " " + strings.Repeat("云杉软件科技有限公司", 100) + " " + strings.Repeat("a b c d e f g h i j k l m n o p q r s ", 10))
	if len(q.Terms) != search.MaxQueryTerms {
		t.Errorf("long query: %d terms", len(q.Terms))
	}
	q = search.ParseQuery(strings.Repeat("云 ", 100))
	if len(q.Single) != 1 {
		t.Errorf("repeated single: %q", q.Single)
	}
}

// TestTwoCharacterSubstrings: every Chinese substring of two characters or
// more of a name, as a query, asks only for terms the name is indexed
// under. (Latin words and numbers are matched whole.)
func TestTwoCharacterSubstrings(t *testing.T) {
	for _, name := range []string{"上海云杉软件科技有限公司", "中国科学院上海有机化学研究所", "上海市静安区科学技术委员会", "张江895创业营"} {
		idx := search.Terms(name)
		rs := []rune(name)
		for i := 0; i+2 <= len(rs); i++ {
			for j := i + 2; j <= len(rs) && unicode.Is(unicode.Han, rs[j-1]) && unicode.Is(unicode.Han, rs[i]); j++ {
				q := search.ParseQuery(string(rs[i:j]))
				for _, term := range q.Terms {
					if !slices.Contains(idx, term) {
						t.Errorf("%s: query %q asks for %q, not indexed", name, string(rs[i:j]), term)
					}
				}
				if q.Empty() {
					t.Errorf("%s: query %q is empty", name, string(rs[i:j]))
				}
			}
		}
	}
}

// FuzzAnalyzer checks the analyzer's promises on any input: terms are
// non-empty, distinct, lower-case runs of letters and digits, Chinese
// terms at most two characters; a query asks for at most MaxQueryTerms
// terms, and a text is found by a query of itself.
func FuzzAnalyzer(f *testing.F) {
	for _, s := range []string{
		"上海云杉软件科技有限公司", "Shanghai Yunshan Software Technology Co., Ltd.", "云杉AI平台2024版", "ＡＢＣ１２３",
		"' OR 1=1 --", "\x00\xff\xfe", "\u202e云杉", "👩\u200d💻", "İstanbul ß ﬁ", "㍿ ⅻ ①", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms := search.Terms(s)
		seen := map[string]bool{}
		for _, term := range terms {
			if term == "" || seen[term] {
				t.Fatalf("Terms(%q): empty or repeated term %q", s, term)
			}
			seen[term] = true
			if strings.ContainsAny(term, " \t\n\"*") {
				t.Fatalf("Terms(%q): term %q holds a separator or FTS syntax", s, term)
			}
			han := 0
			for _, r := range term {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Nl, r) {
					t.Fatalf("Terms(%q): term %q holds %q", s, term, r)
				}
				if unicode.Is(unicode.Han, r) {
					han++
				}
			}
			if han > 0 && (han != utf8.RuneCountInString(term) || han > 2) {
				t.Fatalf("Terms(%q): Chinese term %q", s, term)
			}
		}
		if got := search.Text(s); got != strings.Join(terms, " ") {
			t.Fatalf("Text(%q) = %q", s, got)
		}
		q := search.ParseQuery(s)
		if len(q.Terms) > search.MaxQueryTerms || len(q.Single) > search.MaxQueryTerms {
			t.Fatalf("ParseQuery(%q): %d terms, %d singles", s, len(q.Terms), len(q.Single))
		}
		for _, term := range q.Terms {
			if !seen[term] {
				t.Fatalf("ParseQuery(%q) asks for %q, which Terms does not index (%q)", s, term, terms)
			}
		}
		norm := search.Normalize(s)
		for _, one := range q.Single {
			if utf8.RuneCountInString(one) != 1 || !unicode.Is(unicode.Han, []rune(one)[0]) || !strings.Contains(norm, one) {
				t.Fatalf("ParseQuery(%q): single %q", s, one)
			}
		}
	})
}
