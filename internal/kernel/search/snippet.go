package search

import (
	"encoding/json"
	"html"
	"slices"
	"strings"
	"unicode/utf8"
)

// snippetLength is the length of a snippet, in characters.
const snippetLength = 160

// marks is what a snippet highlights: the terms of a query, and its lone
// Chinese characters, which are marked inside the bigrams that hold them.
type marks struct {
	terms map[string]bool
	chars map[rune]bool
}

func markSet(terms []qterm) marks {
	m := marks{terms: map[string]bool{}, chars: map[rune]bool{}}
	for _, t := range terms {
		m.terms[t.Term] = true
		if t.Kind == Unigram {
			r, _ := utf8.DecodeRuneInString(t.Term)
			m.chars[r] = true
		}
	}
	return m
}

// Highlight returns an extract of text of about length characters around
// the first place the query's terms occur, as HTML: the text escaped and
// the terms in <mark>. Text that is not valid UTF-8 gives "".
func Highlight(text, query string, length int) string {
	if !utf8.ValidString(text) {
		return ""
	}
	p, err := parseText(query)
	if err != nil {
		return ""
	}
	return snippet(text, markSet(p.terms), length)
}

// snippet returns an extract of text of about length characters, escaped
// for HTML, with the marked terms in <mark>.
func snippet(text string, m marks, length int) string {
	var spans [][2]int
	Analyze(text, func(t Token) {
		switch {
		case m.terms[t.Term]:
			spans = append(spans, [2]int{t.Start, t.End})
		case t.Kind == Bigram && len(m.chars) > 0:
			src := text[t.Start:t.End]
			r1, n1 := utf8.DecodeRuneInString(src)
			tr := []rune(t.Term)
			twoRunes := utf8.RuneCountInString(src) == 2 && r1 != utf8.RuneError
			switch {
			case m.chars[tr[0]] && m.chars[tr[1]], (m.chars[tr[0]] || m.chars[tr[1]]) && !twoRunes:
				spans = append(spans, [2]int{t.Start, t.End})
			case m.chars[tr[0]]:
				spans = append(spans, [2]int{t.Start, t.Start + n1})
			case m.chars[tr[1]]:
				spans = append(spans, [2]int{t.Start + n1, t.End})
			}
		}
	})
	// Merge overlapping and touching spans (the bigrams of a phrase).
	slices.SortFunc(spans, func(x, y [2]int) int { return x[0] - y[0] })
	var merged [][2]int
	for _, s := range spans {
		if n := len(merged); n > 0 && s[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], s[1])
			continue
		}
		merged = append(merged, s)
	}
	// The window: the whole text if short, else from a little before the
	// first mark.
	from, to := 0, len(text)
	if length > 0 && utf8.RuneCountInString(text) > length {
		if len(merged) > 0 {
			from = merged[0][0]
			for back := length / 4; back > 0 && from > 0; back-- {
				_, n := utf8.DecodeLastRuneInString(text[:from])
				from -= n
			}
		}
		to = from
		for n := 0; n < length && to < len(text); n++ {
			_, size := utf8.DecodeRuneInString(text[to:])
			to += size
		}
		if to == len(text) {
			// Near the end: take the whole window before it.
			from = to
			for n := 0; n < length && from > 0; n++ {
				_, size := utf8.DecodeLastRuneInString(text[:from])
				from -= size
			}
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, s := range merged {
		s[0], s[1] = max(s[0], from), min(s[1], to)
		if s[0] >= s[1] {
			continue
		}
		b.WriteString(html.EscapeString(text[at:s[0]]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s[0]:s[1]]))
		b.WriteString("</mark>")
		at = s[1]
	}
	b.WriteString(html.EscapeString(text[at:to]))
	if to < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
