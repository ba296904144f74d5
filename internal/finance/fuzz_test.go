package finance

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

// fields names the fields an input error reports.
func fields(err error) []string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return nil
	}
	var out []string
	for _, f := range ae.Fields {
		out = append(out, f.Field)
	}
	return out
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

var canonicalQuarter = regexp.MustCompile(`^\d{4}Q[1-4]$`)

// FuzzParseQuarter: an accepted quarter is canonical, round-trips, and
// spans one calendar quarter.
func FuzzParseQuarter(f *testing.F) {
	for _, s := range []string{"2026Q1", "2026-q4", " 2025Q2 ", "2026Q5", "1999Q4", "２０２６Q1", "", "2026Q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, from, to, err := ParseQuarter(s)
		if err != nil {
			if fs := fields(err); len(fs) != 1 || fs[0] != "quarter" {
				t.Fatalf("%q: error names %v", s, fs)
			}
			return
		}
		if !canonicalQuarter.MatchString(name) || QuarterOf(from) != name || QuarterOf(to.AddDate(0, 0, -1)) != name || from.Day() != 1 || to.Sub(from) < 89*24*time.Hour {
			t.Fatalf("%q: %q %v %v", s, name, from, to)
		}
		again, f2, t2, err := ParseQuarter(name)
		if err != nil || again != name || !f2.Equal(from) || !t2.Equal(to) {
			t.Fatalf("%q does not round-trip: %q %v", name, again, err)
		}
	})
}

// FuzzInvestorInput: an accepted investor has a ticket range from 1 yuan
// to the ceiling with min ≤ max, a known kind and at least one known
// stage; a refused one names the fields, max_ticket_yuan when min > max.
func FuzzInvestorInput(f *testing.F) {
	f.Add("angel", "seed,angel", "electronic_information", "xuhui", int64(500_000), int64(5_000_000), int64(0), "徐汇天使基金")
	f.Add("guiding", "a,b_plus", "", "", int64(10_000_000), int64(300_000_000), int64(750_000_000), "引导基金")
	f.Add("venture", "ipo", "magic", "Xu Hui!", int64(-5), int64(-10), int64(-1), "")
	f.Add("state", "a", "biomedicine", "pudong", int64(9), int64(3), int64(1e15), "x")
	f.Fuzz(func(t *testing.T, kind, stages, fs, districts string, minY, maxY, size int64, name string) {
		in := InvestorInput{OrgID: 1, Kind: kind, NameZh: name, Stages: split(stages), Fields: split(fs), Districts: split(districts), MinTicketYuan: minY, MaxTicketYuan: maxY, SizeYuan: size}
		x, err := in.normalize()
		if err != nil {
			if len(fields(err)) == 0 {
				t.Fatalf("refused without naming a field: %v", err)
			}
			if minY >= 1 && minY <= maxYuan && maxY < minY && !slices.Contains(fields(err), "max_ticket_yuan") {
				t.Fatalf("min %d > max %d not named: %v", minY, maxY, fields(err))
			}
			return
		}
		if x.MinTicketFen < 100 || x.MaxTicketFen < x.MinTicketFen || x.MaxTicketFen > maxYuan*100 || x.SizeFen < 0 || !slices.Contains(InvestorKinds, x.Kind) || len(x.Stages) == 0 {
			t.Fatalf("accepted %+v", x)
		}
		for _, s := range x.Stages {
			if !slices.Contains(Stages, s) {
				t.Fatalf("stage %q", s)
			}
		}
		for _, d := range x.Districts {
			if !slugChars(d) {
				t.Fatalf("district %q", d)
			}
		}
	})
}

// FuzzProfileInput: an accepted profile has a known stage and an ask
// from 1 yuan to the ceiling.
func FuzzProfileInput(f *testing.F) {
	f.Add("a", int64(3_000_000), "electronic_information", "工业数据平台")
	f.Add("ipo", int64(-1), "magic", "")
	f.Add("seed", int64(1e13), "", strings.Repeat("长", 3000))
	f.Fuzz(func(t *testing.T, stage string, ask int64, fs, pitch string) {
		in := ProfileInput{Stage: stage, AskYuan: ask, Fields: split(fs), PitchZh: pitch}
		x, err := in.normalize()
		if err != nil {
			if len(fields(err)) == 0 {
				t.Fatalf("refused without naming a field: %v", err)
			}
			return
		}
		if !slices.Contains(Stages, x.Stage) || x.AskFen < 100 || x.AskFen > maxYuan*100 {
			t.Fatalf("accepted %+v", x)
		}
	})
}

// FuzzCheckTimes: accepted meeting times are distinct, sorted, in UTC,
// after now and within a year.
func FuzzCheckTimes(f *testing.F) {
	f.Add("2026-12-01T10:00:00+08:00", "2026-12-02T10:00:00Z")
	f.Add("2020-01-01T10:00:00+08:00", "tomorrow")
	f.Add("2026-12-01T10:00:00+08:00", "2026-12-01T02:00:00Z")
	f.Add("", "2099-01-01T00:00:00Z")
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, a, b string) {
		ts, err := CheckTimes([]string{a, b}, now)
		if err != nil {
			if fs := fields(err); len(fs) != 1 || !strings.HasPrefix(fs[0], "times") {
				t.Fatalf("error names %v", fs)
			}
			return
		}
		if len(ts) != 2 || !slices.IsSorted(ts) || ts[0] == ts[1] {
			t.Fatalf("accepted %v", ts)
		}
		for _, s := range ts {
			u, err := time.Parse(time.RFC3339, s)
			if err != nil || u.Location() != time.UTC || !u.After(now) || u.After(now.AddDate(1, 0, 0)) {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}

// FuzzCommitmentInput: an accepted commitment has a positive amount, a
// share in (0, 100] and a date from 2000 to today.
func FuzzCommitmentInput(f *testing.F) {
	f.Add("子基金", int64(300_000_000), 20.0, "2024-06-30")
	f.Add("", int64(-1), 120.0, "2099-01-01")
	f.Add("x", int64(1), 0.005, "2024-02-30")
	f.Fuzz(func(t *testing.T, name string, amount int64, share float64, on string) {
		today := "2026-11-23"
		in := CommitmentInput{SubFundZh: name, AmountYuan: amount, SharePct: share, CommittedOn: on}
		c, err := in.check(today)
		if err != nil {
			if len(fields(err)) == 0 {
				t.Fatalf("refused without naming a field: %v", err)
			}
			return
		}
		if c.AmountFen < 100 || c.ShareBP < 1 || c.ShareBP > 10000 || c.CommittedOn > today || c.CommittedOn < "2000-01-01" {
			t.Fatalf("accepted %+v", c)
		}
		if _, err := time.Parse(time.DateOnly, c.CommittedOn); err != nil {
			t.Fatalf("date %q", c.CommittedOn)
		}
	})
}

// FuzzSchemeInput: an accepted scheme has a share in (0, 100], a cap from
// 1 yuan to the ceiling, a canonical first quarter and something to cover.
func FuzzSchemeInput(f *testing.F) {
	f.Add("jingan-ip-pledge-interest", 50.0, int64(500_000), "2026Q1", int64(1), int64(0))
	f.Add("", 150.0, int64(-1), "2026Q5", int64(0), int64(0))
	f.Add("p", 33.333, int64(1e15), "q", int64(-3), int64(2))
	f.Fuzz(func(t *testing.T, prog string, share float64, capY int64, from string, product, pool int64) {
		in := SchemeInput{Program: prog, NameZh: "贴息", SharePct: share, CapYuan: capY, FromQuarter: from}
		if product != 0 {
			in.ProductIDs = []int64{product}
		}
		if pool != 0 {
			in.PoolIDs = []int64{pool}
		}
		sc, err := in.normalize()
		if err != nil {
			if len(fields(err)) == 0 {
				t.Fatalf("refused without naming a field: %v", err)
			}
			return
		}
		if sc.ShareBP < 1 || sc.ShareBP > 10000 || sc.CapFen < 100 || sc.CapFen > maxYuan*100 || !canonicalQuarter.MatchString(sc.FromQuarter) ||
			len(sc.ProductIDs)+len(sc.PoolIDs) == 0 || slices.ContainsFunc(append(sc.ProductIDs, sc.PoolIDs...), func(x int64) bool { return x < 1 }) {
			t.Fatalf("accepted %+v", sc)
		}
	})
}
