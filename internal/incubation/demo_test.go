package incubation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
)

// The demo: carriers of Yangpu and Xuhui at every stage, four years of
// tenancies, Yunshan a graduated tenant with an investment; seeding twice
// changes nothing. The city's figures are recounted here straight from
// the tables with SQL.
func TestDemoAndCityFiguresRecount(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	for range 2 {
		if err := demo.SeedIncubation(ctx, e.App.DB, e.App.Incubation); err != nil {
			t.Fatal(err)
		}
	}
	q := func(query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := e.App.DB.Read.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	for _, dist := range []string{"yangpu", "xuhui"} {
		for _, st := range []string{"public_space", "nursery", "incubator", "accelerator"} {
			if q(`SELECT COUNT(*) FROM incubation_carriers WHERE district = $1 AND stage = $2`, dist, st) == 0 {
				t.Errorf("no %s in %s", st, dist)
			}
		}
	}
	if n := q(`SELECT COUNT(*) FROM incubation_tenancies x JOIN orgs o ON o.id = x.org_id WHERE o.name_zh = '上海云杉软件科技有限公司' AND x.exit_kind = 'graduated'`); n != 1 {
		t.Errorf("Yunshan graduated %d times", n)
	}
	if n := q(`SELECT COUNT(*) FROM incubation_investments`); n < 1 {
		t.Errorf("%d investments", n)
	}
	now := e.App.DB.Now().In(time.FixedZone("CST", 8*3600))
	asOf := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	c, err := e.App.Incubation.CityFigures(ctx, asOf)
	if err != nil {
		t.Fatal(err)
	}
	today := asOf.Format(time.DateOnly)
	y1, y2, y3 := asOf.AddDate(-1, 0, 0).Format(time.DateOnly), asOf.AddDate(-2, 0, 0).Format(time.DateOnly), asOf.AddDate(-3, 0, 0).Format(time.DateOnly)
	closed := `(COALESCE(exit_kind, '') = 'closed' AND left_on <= $1)`
	gone := `(left_on IS NOT NULL AND left_on <= $1)`
	f := c.City
	for _, x := range []struct {
		name string
		got  int64
		want int64
	}{
		{"carriers", int64(f.Carriers), q(`SELECT COUNT(*) FROM incubation_carriers`)},
		{"teams served", int64(f.TeamsServed), q(`SELECT COUNT(*) FROM incubation_tenancies WHERE admitted_on <= $1`, today)},
		{"current", int64(f.CurrentTenants), q(`SELECT COUNT(*) FROM incubation_tenancies WHERE admitted_on <= $1 AND NOT `+gone, today)},
		{"graduated", int64(f.Graduated), q(`SELECT COUNT(*) FROM incubation_tenancies WHERE exit_kind = 'graduated' AND left_on <= $1`, today)},
		{"survival 1y den", int64(f.Survival1y.Denominator), q(`SELECT COUNT(*) FROM incubation_tenancies WHERE admitted_on <= $1`, y1)},
		{"survival 1y num", int64(f.Survival1y.Numerator), q(`SELECT COUNT(*) FROM incubation_tenancies WHERE admitted_on <= $2 AND NOT `+closed, today, y1)},
		{"survival 3y den", int64(f.Survival3y.Denominator), q(`SELECT COUNT(*) FROM incubation_tenancies WHERE admitted_on <= $1`, y3)},
		{"survival 3y num", int64(f.Survival3y.Numerator), q(`SELECT COUNT(*) FROM incubation_tenancies WHERE admitted_on <= $2 AND NOT `+closed, today, y3)},
		{"graduation den", int64(f.Graduation.Denominator), q(`SELECT COUNT(*) FROM incubation_tenancies WHERE `+gone, today)},
		{"success den", int64(f.Success.Denominator), q(`SELECT COUNT(*) FROM incubation_tenancies WHERE admitted_on <= $1 AND (`+gone+` OR admitted_on <= $2)`, today, y2)},
		{"success num", int64(f.Success.Numerator), q(`SELECT COUNT(*) FROM incubation_tenancies x WHERE admitted_on <= $1 AND (`+gone+` OR admitted_on <= $2)
			AND ((exit_kind = 'graduated' AND left_on <= $1) OR EXISTS (SELECT 1 FROM incubation_investments i WHERE i.tenancy_id = x.id AND i.invested_on <= $1))`, today, y2)},
		{"investment", f.InvestmentFen, q(`SELECT COALESCE(SUM(amount_fen), 0) FROM incubation_investments WHERE invested_on <= $1`, today)},
		{"desks used", int64(f.Occupancy.DesksUsed), q(`SELECT COALESCE(SUM(units), 0) FROM incubation_leases WHERE space = 'desk' AND starts_on <= $1 AND ends_on >= $1`, today)},
		{"offices used", int64(f.Occupancy.OfficesUsed), q(`SELECT COALESCE(SUM(units), 0) FROM incubation_leases WHERE space = 'office' AND starts_on <= $1 AND ends_on >= $1`, today)},
		{"desks", int64(f.Occupancy.Desks), q(`SELECT COALESCE(SUM(desks), 0) FROM incubation_carriers WHERE status = 'active'`)},
	} {
		if x.got != x.want {
			t.Errorf("%s: figures %d, SQL %d", x.name, x.got, x.want)
		}
	}
	if f.Survival3y.Denominator == 0 || f.Survival1y.Numerator == f.Survival1y.Denominator {
		t.Errorf("the demo's survival is not telling: %+v %+v", f.Survival1y, f.Survival3y)
	}
	if len(c.Districts) != 2 || c.Districts[0].TeamsServed+c.Districts[1].TeamsServed != f.TeamsServed {
		t.Errorf("districts: %+v", c.Districts)
	}
}

func TestDemoPages(t *testing.T) {
	e := apptest.New(t)
	if err := demo.SeedIncubation(context.Background(), e.App.DB, e.App.Incubation); err != nil {
		t.Fatal(err)
	}
	b := e.Browser()
	b.Login("enterprise@demo.local")
	if r := b.Get("/incubation/mine"); r.Status != 200 || !contains(r.Body, "上海徐汇天使投资引导基金") {
		t.Errorf("Yunshan's tenancy page: %d", r.Status)
	}
	b = e.Browser()
	b.Login("incubator@demo.local")
	if r := b.Get("/incubation/queue"); r.Status != 200 || !contains(r.Body, "Anna") {
		t.Errorf("the operator's queue: %d", r.Status)
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
