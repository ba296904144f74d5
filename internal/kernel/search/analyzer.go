// The directory's analyzer: unstemmed terms for the search_text columns of
// migration 0002, matched by FTS5 on SQLite and a GIN array on PostgreSQL.

package search

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"rainforest/internal/kernel/db"
)

// MaxQueryTerms bounds the work one query can ask for.
const MaxQueryTerms = 16

// Normalize folds full-width forms to half-width (NFKC) and folds case
// fully (so that Σ, σ and ς, or ß and ss, give one term), as both engines'
// indexes must see the same terms.
func Normalize(s string) string {
	// A Caser keeps state, so each call has its own.
	return cases.Fold().String(norm.NFKC.String(s))
}

// isHan reports whether r is a Chinese character: a letter (or a letter
// number such as 〇) of the Han script. Radicals and strokes are Han but
// symbols; the SQLite tokenizer would drop them, so they separate here too.
func isHan(r rune) bool {
	return unicode.Is(unicode.Han, r) && (unicode.IsLetter(r) || unicode.Is(unicode.Nl, r))
}

// Terms returns the distinct index terms of the texts, in first-seen order.
func Terms(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, text := range texts {
		tokenize(Normalize(text), func(tok string, han bool) { split(tok, han, add) })
	}
	return out
}

// split calls add with the terms of one normalized token: the token itself
// for a word or a lone Chinese character, its bigrams for a Chinese run.
func split(tok string, han bool, add func(string)) {
	rs := []rune(tok)
	if !han || len(rs) == 1 {
		add(tok)
		return
	}
	for i := 0; i+1 < len(rs); i++ {
		add(string(rs[i : i+2]))
	}
}

// tokenize calls emit for each run of Han characters and each run of
// letters or digits; everything else separates.
func tokenize(s string, emit func(tok string, han bool)) {
	start := -1
	var han bool
	flush := func(end int) {
		if start >= 0 {
			emit(s[start:end], han)
			start = -1
		}
	}
	for i, r := range s {
		switch {
		case isHan(r):
			if start >= 0 && !han {
				flush(i)
			}
			if start < 0 {
				start, han = i, true
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start >= 0 && han {
				flush(i)
			}
			if start < 0 {
				start, han = i, false
			}
		default:
			flush(i)
		}
	}
	flush(len(s))
}

// Text is the space-separated term list stored in a search_text column.
func Text(texts ...string) string {
	return strings.Join(Terms(texts...), " ")
}

// MatchQuery is a query analysed for Match (the registry's directory).
type MatchQuery struct {
	// Terms must all be present (bigrams and words).
	Terms []string
	// Single holds lone Chinese characters, which have no bigram and are
	// matched as substrings of the name instead.
	Single []string
}

// ParseQuery analyses user input. Any input is accepted; what is not a term
// is ignored, and at most MaxQueryTerms terms are kept.
func ParseQuery(q string) MatchQuery {
	var out MatchQuery
	seen := map[string]bool{}
	tokenize(Normalize(q), func(tok string, han bool) {
		if han && len([]rune(tok)) == 1 {
			if !seen[tok] && len(out.Single) < MaxQueryTerms {
				seen[tok] = true
				out.Single = append(out.Single, tok)
			}
			return
		}
		// tok is normalized already: normalizing again could change it
		// (case folding is not idempotent for every script).
		split(tok, han, func(t string) {
			if !seen[t] && len(out.Terms) < MaxQueryTerms {
				seen[t] = true
				out.Terms = append(out.Terms, t)
			}
		})
	})
	return out
}

// Empty reports whether the query has nothing to match.
func (q MatchQuery) Empty() bool { return len(q.Terms) == 0 && len(q.Single) == 0 }

// Match returns a SQL condition selecting the rows of table (aliased as
// alias) whose search_text holds every term. The SQLite form uses the
// table's FTS5 index TABLE_fts; the PostgreSQL form the search_terms array.
// table and alias are code constants, never input.
func Match(d db.Dialect, table, alias string, args *db.Args, terms []string) string {
	if len(terms) == 0 {
		return "1=1"
	}
	if d == db.Postgres {
		return alias + ".search_terms @> string_to_array(" + args.Add(strings.Join(terms, " ")) + ", ' ')"
	}
	quoted := make([]string, len(terms))
	for i, t := range terms {
		// Terms hold only letters and digits, so quoting cannot be escaped.
		quoted[i] = `"` + t + `"`
	}
	return alias + ".id IN (SELECT rowid FROM " + table + "_fts WHERE " + table + "_fts MATCH " + args.Add(strings.Join(quoted, " ")) + ")"
}
