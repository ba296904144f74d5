package search

import (
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Kind says where a token came from.
type Kind uint8

const (
	// Word is a run of letters and digits (English, numbers, other
	// alphabets); English words are stemmed.
	Word Kind = iota
	// Bigram is two adjacent Chinese characters.
	Bigram
	// Unigram is a Chinese character standing alone (a run of one).
	Unigram
)

// A Token is one term of a text with the bytes of the original text it
// comes from, [Start, End), for highlighting.
type Token struct {
	Term       string
	Start, End int
	Kind       Kind
}

// Analyze calls emit for each token of text, in order, repeats included.
// It is the engine's analyzer, used alike for documents and queries:
//
//   - the text is normalized to NFKC (full-width forms become half-width,
//     compatibility ideographs and Kangxi radicals their unified forms) and
//     case-folded fully;
//   - each run of Chinese characters gives its overlapping bigrams, or the
//     character itself when it stands alone, so that a query of two
//     characters or more finds every text that contains it;
//   - each run of other letters and digits is a word; a word of ASCII
//     letters only is stemmed with the Snowball English stemmer, so that
//     "transfers", "transferred" and "transferring" are all "transfer";
//   - a decimal point between digits belongs to the number ("3.5");
//   - everything else (punctuation, symbols, emoji, spaces) separates.
//
// Offsets are byte positions in text, which need not be valid UTF-8
// (invalid bytes separate).
func Analyze(text string, emit func(Token)) {
	a := analyzer{emit: emit}
	var it norm.Iter
	it.InitString(norm.NFKC, text)
	var fold cases.Caser
	folding := false
	var buf []byte
	for !it.Done() {
		start := it.Pos()
		seg := it.Next()
		end := it.Pos()
		if end == start && !it.Done() {
			// A decomposition into several segments (㍿ is 株式会社)
			// comes before the position moves: gather it, so that
			// every character of it is given the source bytes.
			buf = append(buf, seg...)
			for !it.Done() && it.Pos() == start {
				buf = append(buf, it.Next()...)
			}
			seg, end = buf, it.Pos()
			buf = buf[:0:0]
		}
		if len(seg) == 1 && seg[0] < utf8.RuneSelf {
			c := rune(seg[0])
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			a.rune(c, start, end)
			continue
		}
		// Han characters have no case: most Chinese text skips folding.
		if r, n := utf8.DecodeRune(seg); n == len(seg) && r != utf8.RuneError && unicode.Is(unicode.Han, r) {
			a.rune(r, start, end)
			continue
		}
		if !folding {
			fold, folding = cases.Fold(), true
		}
		for _, r := range fold.String(string(seg)) {
			a.rune(r, start, end)
		}
	}
	a.flush()
}

// analyzer is the state of Analyze between runes.
type analyzer struct {
	emit func(Token)
	// The current run: word bytes or the Han run.
	word       []byte
	han        bool
	n          int // runes in the run
	start, end int // source bytes of the run so far
	lastDigit  bool
	// A decimal point after a digit, kept while we see whether a digit
	// follows.
	point bool
	// The previous Han character of the run and where it starts.
	prev      rune
	prevStart int
}

func (a *analyzer) rune(r rune, start, end int) {
	switch {
	case isHan(r):
		if a.n > 0 && !a.han {
			a.flush()
		}
		a.point = false
		if a.n == 0 {
			a.han, a.start = true, start
		} else {
			a.emit(Token{Term: string([]rune{a.prev, r}), Start: a.prevStart, End: end, Kind: Bigram})
		}
		a.prev, a.prevStart, a.end = r, start, end
		a.n++
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		if a.n > 0 && a.han {
			a.flush()
		}
		if a.point {
			a.point = false
			if unicode.IsDigit(r) && a.lastDigit {
				a.word = append(a.word, '.')
			} else {
				a.flush()
			}
		}
		if a.n == 0 {
			a.han, a.start, a.word = false, start, a.word[:0]
		}
		a.word = utf8.AppendRune(a.word, r)
		a.n++
		a.end = end
		a.lastDigit = unicode.IsDigit(r)
	case r == '.' && a.n > 0 && !a.han && a.lastDigit && !a.point:
		a.point = true
	default:
		a.flush()
	}
}

func (a *analyzer) flush() {
	a.point = false
	if a.n == 0 {
		return
	}
	if a.han {
		if a.n == 1 {
			a.emit(Token{Term: string(a.prev), Start: a.start, End: a.end, Kind: Unigram})
		}
	} else {
		a.emit(Token{Term: Stem(string(a.word)), Start: a.start, End: a.end, Kind: Word})
	}
	a.n = 0
}

// Stem returns the Snowball English stem of a folded word of ASCII letters,
// and any other word unchanged (numbers, other alphabets, words with
// digits).
func Stem(w string) string {
	if len(w) < 3 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	if v, ok := stems.Load(w); ok {
		return v.(string)
	}
	st := english.Stem(w, false)
	if len(w) <= 24 && stemCount.Add(1) <= maxStems {
		// Stemming is a good part of indexing; the words of a city's
		// documents are few and repeat.
		stems.Store(w, st)
	}
	return st
}

// stems caches the stems of up to maxStems words.
var (
	stems     sync.Map
	stemCount atomic.Int64
)

const maxStems = 200_000

// AnalyzedTerms returns the distinct terms Analyze finds in text, in
// first-seen order.
func AnalyzedTerms(text string) []string {
	seen := map[string]bool{}
	var out []string
	Analyze(text, func(t Token) {
		if !seen[t.Term] {
			seen[t.Term] = true
			out = append(out, t.Term)
		}
	})
	return out
}
