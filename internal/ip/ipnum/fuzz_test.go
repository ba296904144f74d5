package ipnum

import (
	"strings"
	"testing"
)

// FuzzParsePatent: any input either parses to a canonical number that
// parses again to itself, whose check character is the one computed from
// its digits and whose type digit is a known one, or is refused with a
// reason. Seed corpus in testdata/fuzz/FuzzParsePatent.
func FuzzParsePatent(f *testing.F) {
	for _, s := range []string{"201310699744.2", "CN201310699744.2", "ZL201310699744.X", "2013106997442", "98112345.1", "", "．", "２０１３"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePatent(s)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Reason == "" || e.Message == "" {
				t.Fatalf("%q: bad error %#v", s, err)
			}
			return
		}
		q, err := ParsePatent(p.Number)
		if err != nil || q != p {
			t.Fatalf("%q: canonical %q reparses to %+v, %v", s, p.Number, q, err)
		}
		dot := strings.IndexByte(p.Number, '.')
		if dot != 12 && dot != 8 || len(p.Number) != dot+2 {
			t.Fatalf("%q: canonical form %q", s, p.Number)
		}
		if PatentCheck(p.Number[:dot]) != p.Number[dot+1] {
			t.Fatalf("%q: check character", s)
		}
		if !strings.ContainsRune("12389", rune(p.TypeDigit)) || p.Type == "" {
			t.Fatalf("%q: type %+v", s, p)
		}
	})
}

// FuzzParseRegistration covers the trademark and copyright parsers: a
// parsed number is canonical (it parses to itself) and is short.
func FuzzParseRegistration(f *testing.F) {
	for _, s := range []string{"12345678", "第12345678号", "2019SR0123456", "软著登字第2019SR0123456号", "国作登字-2019-F-00123456", "0", "--", "国作登字"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseTrademark(s); err == nil {
			if m, err := ParseTrademark(n); err != nil || m != n || len(n) > 9 {
				t.Fatalf("trademark %q -> %q -> %q %v", s, n, m, err)
			}
		}
		for _, k := range []CopyrightKind{Software, Work} {
			n, err := ParseCopyright(k, s)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("%q: bad error %#v", s, err)
				}
				continue
			}
			if m, err := ParseCopyright(k, n); err != nil || m != n {
				t.Fatalf("%s %q -> %q -> %q %v", k, s, n, m, err)
			}
		}
	})
}

// FuzzSplit: the parts of any split sum exactly to the total, and each
// part is within one fen of its exact share.
func FuzzSplit(f *testing.F) {
	f.Add(int64(100), int64(3334), int64(3333), int64(3333))
	f.Add(int64(1), int64(1), int64(1), int64(9998))
	f.Add(int64(1_000_000_000_000_000), int64(1), int64(2), int64(9997))
	f.Fuzz(func(t *testing.T, total, a, b, c int64) {
		if total < 0 || total > 1_000_000_000_000_000 || a < 1 || b < 1 || c < 1 || a > 10000 || b > 10000 || c > 10000 {
			return
		}
		ws := []int64{a, b, c}
		parts := Split(total, ws)
		var sum int64
		for i, p := range parts {
			sum += p
			q, _ := mulDiv(total, ws[i], a+b+c)
			if p != q && p != q+1 {
				t.Fatalf("part %d = %d, exact floor %d", i, p, q)
			}
		}
		if sum != total {
			t.Fatalf("Split(%d, %v) = %v sums to %d", total, ws, parts, sum)
		}
	})
}
