// Package ipnum validates and normalizes the numbers that identify
// intellectual property in China: patent application numbers (with their
// type digit and check character), trademark registration numbers and
// copyright registration numbers.
//
// Every parser normalizes first (trim, full-width to half-width, upper
// case, spaces and the separators people type removed) and returns the
// canonical form, or an *Error that says what is wrong in words a form can
// show next to the field.
package ipnum

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reason says which part of a number is wrong.
type Reason string

const (
	Empty      Reason = "empty"
	Length     Reason = "length"
	Character  Reason = "character"
	TypeDigit  Reason = "type_digit"
	CheckDigit Reason = "check_digit"
	Year       Reason = "year"
	Format     Reason = "format"
)

// Error is a refused number.
type Error struct {
	Reason  Reason
	Message string
}

func (e *Error) Error() string { return e.Message }

func fail(r Reason, msg string) *Error { return &Error{Reason: r, Message: msg} }

// MaxInput is the longest input, in bytes, any parser looks at.
const MaxInput = 64

// normalize trims, maps full-width ASCII to half-width, the ideographic
// space to nothing, upper-cases, and drops spaces.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3002 || r == 0xFF0E: // 。．
			r = '.'
		}
		if unicode.IsSpace(r) || r == 0x3000 {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// PatentType is what a patent's type digit says.
type PatentType string

const (
	Invention    PatentType = "invention"
	UtilityModel PatentType = "utility_model"
	Design       PatentType = "design"
)

// Patent is a parsed application number.
type Patent struct {
	// Number is the canonical form without prefix: 201310699744.2.
	Number string
	Year   int
	// TypeDigit is the digit after the year (1, 2, 3, 8, 9).
	TypeDigit byte
	Type      PatentType
	// PCT is true for the type digits 8 and 9 (national phase).
	PCT bool
}

var (
	weightsNew = []int{2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5}
	weightsOld = []int{2, 3, 4, 5, 6, 7, 8, 9}
)

// PatentCheck computes the check character of the digits of an
// application number (12 digits since 2003-10-01, 8 before): the sum of
// digit × weight mod 11, 10 written X. It returns 0 when digits is not 8
// or 12 ASCII digits.
func PatentCheck(digits string) byte {
	var w []int
	switch len(digits) {
	case 12:
		w = weightsNew
	case 8:
		w = weightsOld
	default:
		return 0
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * w[i]
	}
	m := sum % 11
	if m == 10 {
		return 'X'
	}
	return byte('0' + m)
}

// ParsePatent parses a Chinese patent application number: YYYY, a type
// digit, a 7-digit serial, a dot and the check character (CN or ZL prefix
// allowed, the dot optional), or the pre-2003 form YY, type digit, 5-digit
// serial, check.
func ParsePatent(s string) (Patent, error) {
	if len(s) > MaxInput {
		return Patent{}, fail(Length, "is too long for an application number")
	}
	if !utf8.ValidString(s) {
		return Patent{}, fail(Character, "is not valid text")
	}
	n := normalize(s)
	if n == "" {
		return Patent{}, fail(Empty, "is required")
	}
	n = strings.TrimPrefix(strings.TrimPrefix(n, "CN"), "ZL")
	var digits string
	var check byte
	if i := strings.IndexByte(n, '.'); i >= 0 {
		digits = n[:i]
		rest := n[i+1:]
		if len(rest) != 1 {
			return Patent{}, fail(Length, "must end with one check character after the dot")
		}
		check = rest[0]
	} else {
		if len(n) < 2 {
			return Patent{}, fail(Length, "must have 12 digits and a check character (201310699744.2)")
		}
		digits, check = n[:len(n)-1], n[len(n)-1]
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return Patent{}, fail(Character, "may hold only digits before the check character")
		}
	}
	if check != 'X' && (check < '0' || check > '9') {
		return Patent{}, fail(Character, "check character must be a digit or X")
	}
	var p Patent
	switch len(digits) {
	case 12:
		p.Year, _ = strconv.Atoi(digits[:4])
		if p.Year < 2003 {
			return Patent{}, fail(Year, "12-digit numbers begin with a year from 2003")
		}
		p.TypeDigit = digits[4]
	case 8:
		yy, _ := strconv.Atoi(digits[:2])
		if yy >= 85 {
			p.Year = 1900 + yy
		} else if yy <= 3 {
			p.Year = 2000 + yy
		} else {
			return Patent{}, fail(Year, "8-digit numbers are from 1985 to 2003")
		}
		p.TypeDigit = digits[2]
	default:
		return Patent{}, fail(Length, "must have 12 digits (8 before October 2003) and a check character")
	}
	switch p.TypeDigit {
	case '1':
		p.Type = Invention
	case '2':
		p.Type = UtilityModel
	case '3':
		p.Type = Design
	case '8':
		p.Type, p.PCT = Invention, true
	case '9':
		p.Type, p.PCT = UtilityModel, true
	default:
		return Patent{}, fail(TypeDigit, "type digit must be 1 (invention), 2 (utility model), 3 (design), 8 or 9 (PCT)")
	}
	if want := PatentCheck(digits); want != check {
		return Patent{}, fail(CheckDigit, "check character does not match the digits")
	}
	p.Number = digits + "." + string(check)
	return p, nil
}

// ParseTrademark parses a trademark registration (or application) number:
// 1 to 9 digits, optionally written 第12345678号; leading zeros dropped.
func ParseTrademark(s string) (string, error) {
	if len(s) > MaxInput {
		return "", fail(Length, "is too long for a registration number")
	}
	if !utf8.ValidString(s) {
		return "", fail(Character, "is not valid text")
	}
	n := normalize(s)
	n = strings.TrimSuffix(strings.TrimPrefix(n, "第"), "号")
	if n == "" {
		return "", fail(Empty, "is required")
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return "", fail(Character, "must be digits only")
		}
	}
	n = strings.TrimLeft(n, "0")
	if n == "" {
		return "", fail(Format, "must not be zero")
	}
	if len(n) > 9 {
		return "", fail(Length, "must have at most 9 digits")
	}
	return n, nil
}

// NiceClassOK reports whether c is a Nice classification class (1-45).
func NiceClassOK(c int) bool { return c >= 1 && c <= 45 }

// CopyrightKind is a copyright registration's kind.
type CopyrightKind string

const (
	Software CopyrightKind = "software"
	Work     CopyrightKind = "work"
)

// WorkCategories are the letters of the works registration number
// (国作登字-YYYY-X-NNNNNNNN): A written, B oral, C music, D drama, E quyi,
// F fine art, G photography, H film, I audiovisual, J drawings and maps,
// K models, L other.
const WorkCategories = "ABCDEFGHIJKL"

// ParseCopyright parses a copyright registration number of the given kind:
// software 2019SR0123456 (year, SR, 6 or 7 digits; 软著登字第…号 allowed
// around it), works 国作登字-2019-F-00123456 (the prefix and dashes
// optional). The canonical form is returned.
func ParseCopyright(kind CopyrightKind, s string) (string, error) {
	if len(s) > MaxInput {
		return "", fail(Length, "is too long for a registration number")
	}
	if !utf8.ValidString(s) {
		return "", fail(Character, "is not valid text")
	}
	n := normalize(s)
	if n == "" {
		return "", fail(Empty, "is required")
	}
	switch kind {
	case Software:
		n = strings.TrimPrefix(n, "软著登字")
		n = strings.TrimSuffix(strings.TrimPrefix(n, "第"), "号")
		if len(n) < 6 || n[4:6] != "SR" {
			return "", fail(Format, "must look like 2019SR0123456")
		}
		if err := year(n[:4]); err != nil {
			return "", err
		}
		serial := n[6:]
		if len(serial) < 6 || len(serial) > 7 {
			return "", fail(Length, "must have 6 or 7 digits after SR")
		}
		if !allDigits(serial) {
			return "", fail(Character, "must have digits only after SR")
		}
		return n, nil
	case Work:
		n = strings.TrimPrefix(n, "国作登字")
		n = strings.ReplaceAll(n, "-", "")
		if len(n) < 5 {
			return "", fail(Format, "must look like 国作登字-2019-F-00123456")
		}
		if err := year(n[:4]); err != nil {
			return "", err
		}
		if !strings.Contains(WorkCategories, n[4:5]) {
			return "", fail(TypeDigit, "category must be a letter from A to L")
		}
		serial := n[5:]
		if len(serial) != 8 {
			return "", fail(Length, "must have 8 digits after the category")
		}
		if !allDigits(serial) {
			return "", fail(Character, "must have digits only after the category")
		}
		return "国作登字-" + n[:4] + "-" + n[4:5] + "-" + serial, nil
	}
	return "", fail(Format, "unknown copyright kind")
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func year(s string) error {
	if !allDigits(s) {
		return fail(Year, "must begin with a four-digit year")
	}
	y, _ := strconv.Atoi(s)
	if y < 1990 || y > 2099 {
		return fail(Year, "year must be from 1990")
	}
	return nil
}

// CheckShares reports whether the contributions (in hundredths of a
// percent, each from 1 to 10000) sum to exactly 100%.
func CheckShares(bp []int64) (int, error) {
	var sum int64
	for i, b := range bp {
		if b < 1 || b > 10000 {
			return i, fail(Format, "must be more than 0% and at most 100%")
		}
		sum += b
	}
	if len(bp) > 0 && sum != 10000 {
		return -1, fail(Format, "contributions must sum to 100%")
	}
	return -1, nil
}

// Split divides total fen among the weights by the largest-remainder
// method: each part is the floor of its exact share, and the fen left
// over go one each to the largest remainders (ties to the earlier
// weight). The parts sum exactly to total. Weights must be positive and
// total non-negative; total × sum(weights) must fit in int64 (amounts up
// to 10^12 yuan with weights summing to 10,000 do).
func Split(total int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	if len(weights) == 0 {
		return out
	}
	var sum int64
	for _, w := range weights {
		if w < 0 {
			return out
		}
		sum += w
	}
	if sum <= 0 || total <= 0 {
		return out
	}
	rems := make([]int64, len(weights))
	var given int64
	for i, w := range weights {
		// total*w/sum without overflow for the documented range.
		q, r := mulDiv(total, w, sum)
		out[i] = q
		rems[i] = r
		given += q
	}
	left := total - given
	for left > 0 {
		best := -1
		for i := range rems {
			if rems[i] >= 0 && (best < 0 || rems[i] > rems[best]) {
				best = i
			}
		}
		out[best]++
		rems[best] = -1
		left--
	}
	return out
}

// mulDiv returns the quotient and remainder of a*b/c for non-negative
// a, b and positive c, using 128-bit intermediate arithmetic.
func mulDiv(a, b, c int64) (int64, int64) {
	hi, lo := mul64(uint64(a), uint64(b))
	q, r := div128(hi, lo, uint64(c))
	return int64(q), int64(r)
}
