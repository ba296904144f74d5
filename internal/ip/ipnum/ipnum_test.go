package ipnum

import (
	"errors"
	"testing"
)

func TestParsePatent(t *testing.T) {
	good := []struct {
		in, want string
		typ      PatentType
		pct      bool
	}{
		{"201310699744.2", "201310699744.2", Invention, false},
		{"CN201310699744.2", "201310699744.2", Invention, false},
		{"ZL 2013 1069 9744.2", "201310699744.2", Invention, false},
		{"２０１３１０６９９７４４．２", "201310699744.2", Invention, false},
		{"2013106997442", "201310699744.2", Invention, false},
		{"cn201310699744.2", "201310699744.2", Invention, false},
	}
	for _, g := range good {
		p, err := ParsePatent(g.in)
		if err != nil {
			t.Fatalf("%q: %v", g.in, err)
		}
		if p.Number != g.want || p.Type != g.typ || p.PCT != g.pct || p.Year != 2013 {
			t.Fatalf("%q: got %+v", g.in, p)
		}
	}
	// Build numbers of every type with their computed check.
	for _, c := range []struct {
		digit byte
		typ   PatentType
		pct   bool
	}{{'1', Invention, false}, {'2', UtilityModel, false}, {'3', Design, false}, {'8', Invention, true}, {'9', UtilityModel, true}} {
		d := "2021" + string(c.digit) + "0123456"
		n := d + "." + string(PatentCheck(d))
		p, err := ParsePatent(n)
		if err != nil || p.Type != c.typ || p.PCT != c.pct || p.Number != n {
			t.Fatalf("%s: %+v %v", n, p, err)
		}
	}
	// Old form: 8 digits, weights 2..9.
	d := "98112345"
	if p, err := ParsePatent(d + "." + string(PatentCheck(d))); err != nil || p.Year != 1998 || p.Type != Invention {
		t.Fatalf("old form: %+v %v", p, err)
	}
	bad := map[string]Reason{
		"":                   Empty,
		"  ":                 Empty,
		"201310699744.3":     CheckDigit,
		"201310699744.X":     CheckDigit,
		"201340699744.2":     TypeDigit,
		"201350699744.2":     TypeDigit,
		"20131069974.2":      Length,
		"2013106997441.2":    Length,
		"201310699744.22":    Length,
		"20131069974A.2":     Character,
		"201310699744.Y":     Character,
		"200210699744.2":     Year,
		"9":                  Length,
		"201310699744.":      Length,
		"CN":                 Length,
		"\xff201310699744.2": Character,
	}
	for in, want := range bad {
		_, err := ParsePatent(in)
		var e *Error
		if !errors.As(err, &e) || e.Reason != want {
			t.Errorf("%q: got %v, want %s", in, err, want)
		}
	}
}

func TestPatentCheckX(t *testing.T) {
	// Find a number whose check is X and one whose check is 0.
	seen := map[byte]bool{}
	for i := 0; i < 200; i++ {
		d := "2020" + "1" + fmtSerial(i)
		c := PatentCheck(d)
		seen[c] = true
		if _, err := ParsePatent(d + "." + string(c)); err != nil {
			t.Fatalf("%s.%c: %v", d, c, err)
		}
	}
	if !seen['X'] || !seen['0'] {
		t.Fatalf("expected X and 0 among checks: %v", seen)
	}
}

func fmtSerial(i int) string {
	s := "0000000"
	n := []byte(s)
	for j := 6; j >= 0 && i > 0; j-- {
		n[j] = byte('0' + i%10)
		i /= 10
	}
	return string(n)
}

func TestParseTrademark(t *testing.T) {
	for in, want := range map[string]string{"12345678": "12345678", "第12345678号": "12345678", "００１２３": "123", " 7 ": "7"} {
		_ = want
		if got, err := ParseTrademark(in); err != nil || (want != "" && got != want) {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0", "12a", "1234567890", "第号"} {
		if _, err := ParseTrademark(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	if NiceClassOK(0) || !NiceClassOK(1) || !NiceClassOK(45) || NiceClassOK(46) {
		t.Fatal("Nice classes are 1-45")
	}
}

func TestParseCopyright(t *testing.T) {
	for _, c := range []struct {
		kind     CopyrightKind
		in, want string
	}{
		{Software, "2019SR0123456", "2019SR0123456"},
		{Software, "软著登字第2019sr123456号", "2019SR123456"},
		{Work, "国作登字-2019-F-00123456", "国作登字-2019-F-00123456"},
		{Work, "2019f00123456", "国作登字-2019-F-00123456"},
	} {
		if got, err := ParseCopyright(c.kind, c.in); err != nil || got != c.want {
			t.Errorf("%s %q: %q %v", c.kind, c.in, got, err)
		}
	}
	for _, c := range []struct {
		kind CopyrightKind
		in   string
	}{
		{Software, ""}, {Software, "2019XX0123456"}, {Software, "2019SR12345"}, {Software, "2019SR12345678"},
		{Software, "1899SR0123456"}, {Software, "2019SR01234A6"}, {Work, "国作登字-2019-Z-00123456"},
		{Work, "国作登字-2019-F-0012345"}, {Work, "国作登字-20x9-F-00123456"}, {"other", "1"},
	} {
		if _, err := ParseCopyright(c.kind, c.in); err == nil {
			t.Errorf("%s %q accepted", c.kind, c.in)
		}
	}
}

func TestSplit(t *testing.T) {
	cases := []struct {
		total   int64
		weights []int64
		want    []int64
	}{
		{100, []int64{3334, 3333, 3333}, []int64{34, 33, 33}},
		{1, []int64{5000, 5000}, []int64{1, 0}},
		{2, []int64{3333, 3333, 3334}, []int64{1, 0, 1}},
		{1000, []int64{6000, 4000}, []int64{600, 400}},
		{0, []int64{10000}, []int64{0}},
		{7, nil, []int64{}},
	}
	for _, c := range cases {
		got := Split(c.total, c.weights)
		if len(got) != len(c.want) {
			t.Fatalf("%v: %v", c, got)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("Split(%d, %v) = %v, want %v", c.total, c.weights, got, c.want)
			}
		}
	}
	big := Split(1_000_000_000_000_000, []int64{3333, 3333, 3334})
	if big[0]+big[1]+big[2] != 1_000_000_000_000_000 {
		t.Fatalf("big split %v", big)
	}
}

func TestCheckShares(t *testing.T) {
	if _, err := CheckShares([]int64{6000, 4000}); err != nil {
		t.Fatal(err)
	}
	if i, err := CheckShares([]int64{6000, 0}); err == nil || i != 1 {
		t.Fatal("zero share accepted")
	}
	if i, err := CheckShares([]int64{6000, 3999}); err == nil || i != -1 {
		t.Fatal("99.99% accepted")
	}
}
