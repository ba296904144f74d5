package incubation

import (
	"testing"
	"time"
)

// The figures of a carrier of ten desks and two offices on 2026-11-23,
// counted by hand from seven tenancies (the README's formulas):
//
//	t1 team    2022-03-01 – 2024-06-30 graduated
//	t2 company 2022-09-01 – 2023-09-01 closed
//	t3 company 2023-05-01 – now, raised 2,000,000 yuan on 2024-01-10
//	t4 team    2024-02-01 – 2025-02-01 moved
//	t5 team    2025-06-01 – now
//	t6 company 2026-03-01 – 2026-10-31 closed, raised 500,000 yuan on 2026-05-01
//	t7 team    2026-11-01 – now (an investment dated after the day is not counted)
func TestFiguresByHand(t *testing.T) {
	d := &data{desks: 10, offices: 2, carriers: 1,
		tenancies: []fTenancy{
			{id: 1, team: true, admitted: "2022-03-01", left: "2024-06-30", exit: "graduated"},
			{id: 2, admitted: "2022-09-01", left: "2023-09-01", exit: "closed"},
			{id: 3, admitted: "2023-05-01"},
			{id: 4, team: true, admitted: "2024-02-01", left: "2025-02-01", exit: "moved"},
			{id: 5, team: true, admitted: "2025-06-01"},
			{id: 6, admitted: "2026-03-01", left: "2026-10-31", exit: "closed"},
			{id: 7, team: true, admitted: "2026-11-01"},
		},
		leases: []fLease{
			{space: "desk", units: 4, start: "2025-01-01", end: "2027-12-31"},   // t3
			{space: "desk", units: 2, start: "2025-06-01", end: "2026-11-15"},   // t5, ended
			{space: "office", units: 1, start: "2026-11-01", end: "2027-10-31"}, // t7
			{space: "office", units: 1, start: "2026-11-23", end: "2026-11-23"}, // t3, one day
		},
		investments: []fInvestment{
			{tenancy: 3, amount: 2_000_000_00, on: "2024-01-10"},
			{tenancy: 6, amount: 500_000_00, on: "2026-05-01"},
			{tenancy: 7, amount: 900_000_00, on: "2026-12-01"},
		},
	}
	f := compute(d, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"teams served", f.TeamsServed, 7},
		{"teams", f.Teams, 4},
		{"companies", f.Companies, 3},
		{"current tenants", f.CurrentTenants, 3},
		{"graduated", f.Graduated, 1},
		{"moved", f.Moved, 1},
		{"closed", f.Closed, 2},
		// Admitted by 2025-11-23: t1-t5; closed: t2.
		{"survival 1y", f.Survival1y, Rate{Numerator: 4, Denominator: 5, Pct: 80}},
		// Admitted by 2023-11-23: t1-t3; closed: t2.
		{"survival 3y", f.Survival3y, Rate{Numerator: 2, Denominator: 3, Pct: 66.7}},
		// Left: t1, t2, t4, t6; graduated: t1.
		{"graduation", f.Graduation, Rate{Numerator: 1, Denominator: 4, Pct: 25}},
		// Left or two years in (t3): five; graduated or invested: t1, t3, t6.
		{"success", f.Success, Rate{Numerator: 3, Denominator: 5, Pct: 60}},
		{"investment", f.InvestmentFen, int64(2_500_000_00)},
		{"investments", f.Investments, 2},
		{"invested tenants", f.InvestedTenants, 2},
		// On the day: t3's four desks; t7's office and t3's day office.
		{"occupancy", f.Occupancy, Occupancy{DesksUsed: 4, Desks: 10, OfficesUsed: 2, Offices: 2, Pct: 50}},
		{"months", len(f.Monthly), 12},
		// December 2025: 31 days × 12 units = 372; t3 4×31 + t5 2×31 = 186.
		{"2025-12", f.Monthly[0], MonthOccupancy{Month: "2025-12", UsedDays: 186, CapacityDays: 372, Pct: 50}},
		// November 2026 to the 23rd: 23 × 12 = 276; t3 desks 92, t5 30,
		// t7 23, t3's office 1 = 146.
		{"2026-11", f.Monthly[11], MonthOccupancy{Month: "2026-11", UsedDays: 146, CapacityDays: 276, Pct: 52.9}},
		{"note", f.NoteEn, ""},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, c.got, c.want)
		}
	}
	// A year earlier t6 and t7 were not there, t4 was a tenant still.
	g := compute(d, time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC))
	if g.TeamsServed != 4 || g.CurrentTenants != 2 || g.Graduation != (Rate{Numerator: 1, Denominator: 2, Pct: 50}) {
		t.Errorf("on 2025-01-31: served %d, current %d, graduation %+v", g.TeamsServed, g.CurrentTenants, g.Graduation)
	}
}

func TestFiguresOfNothing(t *testing.T) {
	f := compute(&data{}, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if f.TeamsServed != 0 || f.NoteZh == "" || f.NoteEn == "" || f.Occupancy.Pct != 0 || len(f.Monthly) != 12 {
		t.Errorf("nothing: %+v", f)
	}
	for _, r := range []Rate{f.Survival1y, f.Survival3y, f.Graduation, f.Success} {
		if r.Pct != 0 || r.Denominator != 0 || r.NoteZh == "" || r.NoteEn == "" {
			t.Errorf("a rate of nothing: %+v", r)
		}
	}
}

func TestPeak(t *testing.T) {
	ls := []interval{{"2026-01-01", "2026-01-31", 2}, {"2026-01-31", "2026-02-28", 3}, {"2026-02-01", "2026-02-10", 1}}
	for _, c := range []struct {
		from, to string
		want     int
		day      string
	}{
		{"2026-01-01", "2026-12-31", 5, "2026-01-31"},
		{"2026-02-01", "2026-12-31", 4, "2026-02-01"},
		{"2026-02-11", "2026-03-31", 3, "2026-02-11"},
		{"2026-03-01", "2026-03-31", 0, ""},
	} {
		if n, day := peak(ls, c.from, c.to); n != c.want || day != c.day {
			t.Errorf("%s–%s: %d on %s, want %d on %s", c.from, c.to, n, day, c.want, c.day)
		}
	}
}
