// Package text checks the free text people type into names, titles and
// descriptions: valid UTF-8, no control characters, and none of the
// invisible characters that make one name look like another (zero-width
// spaces, bidirectional overrides).
package text

import (
	"unicode"
	"unicode/utf8"
)

// Line reports what is wrong with s as one line of text (a name, a title),
// or "" if nothing is. Format characters (zero-width spaces, direction
// marks and overrides, soft hyphens) are refused, except a zero-width
// joiner between two symbols, which emoji sequences need.
func Line(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	prev := rune(0)
	for i, r := range s {
		switch {
		case r == '\n' || r == '\r':
			return "must be on one line"
		case unicode.IsControl(r):
			return "contains a control character"
		case r == utf8.RuneError:
			return "contains an invalid character (U+FFFD)"
		case r == '\u200d':
			next, _ := utf8.DecodeRuneInString(s[i+len("\u200d"):])
			if !unicode.Is(unicode.So, prev) || !unicode.Is(unicode.So, next) {
				return "contains an invisible character (U+200D)"
			}
		case unicode.Is(unicode.Cf, r):
			return "contains an invisible character (" + code(r) + ")"
		}
		prev = r
	}
	return ""
}

// Block reports what is wrong with s as a block of text (a description),
// or "" if nothing is. Line breaks, tabs and the format characters of
// ordinary writing are allowed; bidirectional embeddings, overrides and
// isolates, which can make text read other than it is stored, are not.
func Block(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
		case unicode.IsControl(r):
			return "contains a control character"
		case r == utf8.RuneError:
			return "contains an invalid character (U+FFFD)"
		case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return "contains a bidirectional override (" + code(r) + ")"
		}
	}
	return ""
}

func code(r rune) string {
	const hex = "0123456789ABCDEF"
	b := []byte("U+0000")
	for i := 5; i >= 2; i-- {
		b[i] = hex[r&0xF]
		r >>= 4
	}
	return string(b)
}
