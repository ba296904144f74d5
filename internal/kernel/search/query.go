package search

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"

	"rainforest/internal/kernel/apperr"
)

const (
	// MaxQueryLength is the longest query text, in characters.
	MaxQueryLength = 2000
	// MaxTerms is how many terms of a query the engine looks up; the
	// rest of a longer query is ignored.
	MaxTerms = 32
	// MaxLimit is the most hits one page can ask for, MaxOffset the
	// deepest page.
	MaxLimit  = 100
	MaxOffset = 10000
	// MaxFilterValues is the most values one filter may list.
	MaxFilterValues = 100
	// maxExpansions is how many bigrams a one-character Chinese query
	// term stands for at most (the most frequent).
	maxExpansions = 200
)

// Query asks an index for documents.
type Query struct {
	// Index is the registered index's name (for Search).
	Index string
	// Text is what the user typed. Words, numbers and Chinese are
	// analysed as documents are; operators, quotes and symbols separate.
	// An empty text lists every document that passes the filters.
	Text string
	// Filters keep the documents with one of the listed values for every
	// filter named.
	Filters map[string][]string
	// Facets names the filters to count values of, over the documents
	// that match the text and the other filters.
	Facets []string
	// Limit is the page size (default 20, at most MaxLimit); Offset the
	// number of hits to skip.
	Limit, Offset int
	// Any matches documents with any of the terms, more matching terms
	// first. By default a document must hold every term; when none does,
	// the search falls back to Any and says so in Result.Relaxed.
	Any bool
}

// qterm is one term of a parsed query.
type qterm struct {
	Token
	// alts are the index terms that count as this one: the term itself,
	// or for a lone Chinese character the terms that contain it.
	alts []string
}

// parsed is an analysed and checked query.
type parsed struct {
	text  string
	terms []qterm
	// browse: no text at all, every document that passes the filters.
	browse bool
}

// malformed is the error for a query text that cannot be searched.
func malformed(format string, args ...any) error {
	return apperr.Field("q", format, args...).WithCode(apperr.Malformed)
}

// parseText analyses a query text: an error (400, naming q) for text that
// is not UTF-8 or too long, otherwise its distinct terms, at most MaxTerms.
func parseText(text string) (parsed, error) {
	if !utf8.ValidString(text) {
		return parsed{}, malformed("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(text); n > MaxQueryLength {
		return parsed{}, malformed("is %d characters long; the most is %d", n, MaxQueryLength)
	}
	p := parsed{text: text}
	if strings.TrimSpace(text) == "" {
		p.browse = true
		return p, nil
	}
	seen := map[string]bool{}
	stop := 0
	Analyze(text, func(t Token) {
		if seen[t.Term] || len(p.terms)-stop >= MaxTerms {
			return
		}
		seen[t.Term] = true
		if t.Kind == Word && english.IsStopWord(t.Term) {
			stop++
		}
		p.terms = append(p.terms, qterm{Token: t, alts: []string{t.Term}})
	})
	if stop > 0 && stop < len(p.terms) {
		// English stop words (the, of, and...) count only in a query
		// made of nothing else.
		p.terms = slices.DeleteFunc(p.terms, func(t qterm) bool { return t.Kind == Word && english.IsStopWord(t.Term) })
	}
	p.terms = p.terms[:min(len(p.terms), MaxTerms)]
	return p, nil
}

// checkQuery refuses a query the index cannot answer, naming the field.
func (ix *Index) checkQuery(q Query) error {
	var fs []apperr.FieldError
	if q.Limit < 0 || q.Limit > MaxLimit {
		fs = append(fs, apperr.FieldError{Field: "limit", Message: "must be between 1 and 100"})
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		fs = append(fs, apperr.FieldError{Field: "offset", Message: "must be between 0 and 10000"})
	}
	for name, values := range q.Filters {
		if ix.filter(name) < 0 {
			fs = append(fs, apperr.FieldError{Field: name, Message: "is not a filter of this search"})
			continue
		}
		if len(values) > MaxFilterValues {
			fs = append(fs, apperr.FieldError{Field: name, Message: "lists more than 100 values"})
		}
		for _, v := range values {
			if !utf8.ValidString(v) {
				fs = append(fs, apperr.FieldError{Field: name, Message: "is not valid UTF-8"})
				break
			}
		}
	}
	for _, name := range q.Facets {
		if ix.filter(name) < 0 {
			fs = append(fs, apperr.FieldError{Field: "facets", Message: name + " is not a filter of this search"})
		}
	}
	return apperr.Fields(fs)
}
