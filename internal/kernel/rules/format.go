package rules

import (
	"math"
	"strconv"
	"strings"
)

// Text is a message in both languages.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In returns the text in a language ("zh" or "en"; Chinese otherwise).
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.En
	}
	return t.Zh
}

// formatPlain writes a number without exponent, with thousands separators
// for whole numbers and up to two decimals otherwise.
func formatPlain(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e18 {
		return group(strconv.FormatInt(int64(x), 10))
	}
	s := strconv.FormatFloat(x, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return group(s)
	}
	return group(s[:i]) + s[i:]
}

// group inserts thousands separators into an integer string.
func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) <= 3 {
		if neg {
			return "-" + s
		}
		return s
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if b.Len() > 0 && !(neg && b.Len() == 1) {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// formatValue shows a number in a format; dates are yyyymmdd numbers.
func formatValue(x float64, f Format) string {
	switch f {
	case FormatPercent:
		return strconv.FormatFloat(x*100, 'f', 1, 64) + "%"
	case FormatYuan, FormatCount:
		return group(strconv.FormatInt(int64(math.Round(x)), 10))
	case FormatDate:
		return fromYMD(x).Format("2006-01-02")
	}
	return formatPlain(x)
}
