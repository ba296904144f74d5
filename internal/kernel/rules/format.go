package rules

import (
	"bytes"
	"math"
	"strconv"
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

// formatValue shows a number in a format; dates are yyyymmdd numbers.
func formatValue(x float64, f Format) string { return string(appendValue(nil, x, f)) }

// appendValue appends formatValue(x, f) to b.
func appendValue(b []byte, x float64, f Format) []byte {
	switch f {
	case FormatPercent:
		return append(strconv.AppendFloat(b, x*100, 'f', 1, 64), '%')
	case FormatYuan, FormatCount:
		return appendGrouped(b, int64(math.Round(x)))
	case FormatDate:
		return fromYMD(x).AppendFormat(b, "2006-01-02")
	}
	return appendPlain(b, x)
}

// appendPlain writes a number without exponent, with thousands separators
// for whole numbers and up to two decimals otherwise.
func appendPlain(b []byte, x float64) []byte {
	if x == math.Trunc(x) && math.Abs(x) < 1e18 {
		return appendGrouped(b, int64(x))
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], x, 'f', 2, 64)
	s = bytes.TrimRight(bytes.TrimRight(s, "0"), ".")
	i := bytes.IndexByte(s, '.')
	if i < 0 {
		i = len(s)
	}
	return append(appendGroupedDigits(b, s[:i]), s[i:]...)
}

// appendGrouped writes an integer with thousands separators.
func appendGrouped(b []byte, n int64) []byte {
	var buf [24]byte
	return appendGroupedDigits(b, strconv.AppendInt(buf[:0], n, 10))
}

// appendGroupedDigits writes an integer's digits (with its sign) with
// thousands separators.
func appendGroupedDigits(b, s []byte) []byte {
	if len(s) > 0 && s[0] == '-' {
		b, s = append(b, '-'), s[1:]
	}
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	b = append(b, s[:min(head, len(s))]...)
	for i := head; i < len(s); i += 3 {
		b = append(b, ',')
		b = append(b, s[i:i+3]...)
	}
	return b
}
