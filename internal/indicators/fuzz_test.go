package indicators_test

import (
	"strconv"
	"testing"

	"rainforest/internal/indicators"
	"rainforest/internal/kernel/apperr"
)

// FuzzParseMonth: a month is accepted exactly when it is YYYY-MM of a
// real month from 1900 to 2099, and then it writes back the same; a
// refusal names the field.
func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2026-11", "2026-13", "2026-00", "1899-12", "2100-01", "2026-1", "２０２６-11", "2026-11 ", "", "2026/11"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := indicators.ParseMonth("from", s)
		valid := len(s) == 7 && s[4] == '-' && (s[:2] == "19" || s[:2] == "20")
		if valid {
			y, e1 := strconv.Atoi(s[:4])
			mo, e2 := strconv.Atoi(s[5:])
			valid = e1 == nil && e2 == nil && y >= 1900 && mo >= 1 && mo <= 12 && s[0] != '+' && s[5] != '+' && s[5] != '-'
			for _, c := range s[:4] + s[5:] {
				valid = valid && c >= '0' && c <= '9'
			}
		}
		if valid != (err == nil) {
			t.Fatalf("ParseMonth(%q): error %v, want valid %v", s, err, valid)
		}
		if err != nil {
			if ae := apperr.As(err); len(ae.Fields) != 1 || ae.Fields[0].Field != "from" {
				t.Fatalf("ParseMonth(%q): %v does not name the field", s, err)
			}
			return
		}
		if got := m.Format("2006-01"); got != s {
			t.Fatalf("ParseMonth(%q) = %s", s, got)
		}
		if ms := indicators.Months(s, s); len(ms) != 1 || ms[0] != s {
			t.Fatalf("Months(%q, %q) = %v", s, s, ms)
		}
		if next := indicators.AddMonths(s, 1); indicators.AddMonths(next, -1) != s || next <= s {
			t.Fatalf("AddMonths(%q, ±1): %s", s, next)
		}
	})
}

// FuzzParseYear: a year of reference data is a plain number from 1949 to
// 2100.
func FuzzParseYear(f *testing.F) {
	for _, s := range []string{"2020", "1948", "2101", "02020", "+2020", "2020.0", "", "二〇二〇"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, err := indicators.ParseYear(s)
		n, perr := strconv.Atoi(s)
		valid := perr == nil && n >= 1949 && n <= 2100 && strconv.Itoa(n) == s
		if valid != (err == nil) {
			t.Fatalf("ParseYear(%q): error %v, want valid %v", s, err, valid)
		}
		if err == nil && y != n {
			t.Fatalf("ParseYear(%q) = %d", s, y)
		}
		if err != nil && apperr.As(err).Fields[0].Field != "year" {
			t.Fatalf("ParseYear(%q): %v does not name the year", s, err)
		}
	})
}
