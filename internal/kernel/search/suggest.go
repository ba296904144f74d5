package search

import (
	"context"
	"strings"
)

// didYouMean rewrites the query with each English word the index does not
// hold (df 0) replaced by the nearest word it does: within edit distance
// 1 (words of up to four letters) or 2, beginning with the same letter,
// the most frequent of the nearest. It returns "" when nothing is
// replaced.
func (ix *Index) didYouMean(ctx context.Context, r DBTX, p parsed, df []int) (string, error) {
	type repl struct {
		start, end int
		word       string
	}
	var repls []repl
	for i, t := range p.terms {
		if t.Kind != Word || df[i] > 0 || !asciiLetters(t.Term) || len(t.Term) < 3 {
			continue
		}
		word, err := ix.nearest(ctx, r, t.Term)
		if err != nil {
			return "", err
		}
		if word != "" {
			repls = append(repls, repl{t.Start, t.End, word})
		}
	}
	if len(repls) == 0 {
		return "", nil
	}
	var b strings.Builder
	at := 0
	for _, r := range repls {
		b.WriteString(p.text[at:r.start])
		b.WriteString(r.word)
		at = r.end
	}
	b.WriteString(p.text[at:])
	return strings.TrimSpace(b.String()), nil
}

// nearest finds the closest term of the vocabulary to the stem and returns
// the word it was seen as.
func (ix *Index) nearest(ctx context.Context, r DBTX, stem string) (string, error) {
	limit := 2
	if len(stem) <= 4 {
		limit = 1
	}
	first := stem[:1]
	rows, err := r.QueryContext(ctx, `SELECT term, df, word FROM search_terms
		WHERE idx = $1 AND term >= $2 AND term < $3 AND length(term) BETWEEN $4 AND $5`,
		ix.Name, first, string(rune(first[0]+1)), len(stem)-limit, len(stem)+limit)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	best, bestD, bestDF := "", limit+1, 0
	bestTerm := ""
	for rows.Next() {
		var term, word string
		var df int
		if err := rows.Scan(&term, &df, &word); err != nil {
			return "", err
		}
		d := distance(stem, term, limit)
		if d > limit || d == 0 {
			continue
		}
		if d < bestD || d == bestD && (df > bestDF || df == bestDF && term < bestTerm) {
			best, bestD, bestDF, bestTerm = word, d, df, term
		}
	}
	return best, rows.Err()
}

func asciiLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// distance is the optimal-string-alignment edit distance between two
// ASCII words (insertions, deletions, substitutions and transpositions of
// neighbours), or limit+1 when it is more than limit.
func distance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
