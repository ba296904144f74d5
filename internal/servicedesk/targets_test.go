package servicedesk_test

import (
	"context"
	"slices"
	"testing"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/registry"
	"rainforest/internal/servicedesk"
	"rainforest/internal/synth"
)

// syntheticCity writes a generated city of n enterprises.
func syntheticCity(tb testing.TB, n int) (*db.DB, *servicedesk.Service) {
	tb.Helper()
	d := dbtest.Open(tb)
	if err := synth.Write(context.Background(), &registry.Service{DB: d}, synth.Generator{Enterprises: n, Seed: 11}, nil); err != nil {
		tb.Fatal(err)
	}
	s, err := servicedesk.New(d, &notify.Notifier{DB: d})
	if err != nil {
		tb.Fatal(err)
	}
	return d, s
}

// Each rule and the SQL that selects the same enterprises; SQL's NULL
// logic is the rules engine's unknown: a condition that needs an unknown
// field selects nobody, one decided without it does.
var targetCases = []struct{ rule, district, sql string }{
	{`registered_district == "xuhui" && "hnte" in certifications`, "",
		`registered_district = 'xuhui' AND ' ' || certifications || ' ' LIKE '% hnte %'`},
	{`employees >= 100 && rd_staff / employees >= 0.1`, "",
		`employees >= 100 AND rd_staff * 10 >= employees`},
	{`invention_patents >= 1 || other_ip >= 3`, "pudong",
		`registered_district = 'pudong' AND (invention_patents >= 1 OR other_ip >= 3)`},
	{`tech_field == "biomedicine" && !("scitech_sme" in certifications)`, "yangpu",
		`registered_district = 'yangpu' AND tech_field = 'biomedicine' AND ' ' || certifications || ' ' NOT LIKE '% scitech_sme %'`},
}

// TestTargetsMatchSQL: on a generated city, the enterprises a rule
// selects are exactly those a direct query selects.
func TestTargetsMatchSQL(t *testing.T) {
	d, s := syntheticCity(t, 3000)
	ctx := context.Background()
	for _, c := range targetCases {
		rs, err := servicedesk.CompileRule(c.rule)
		if err != nil {
			t.Fatal(c.rule, err)
		}
		got, skipped, err := s.Targets(ctx, d.Read, rs, c.district)
		if err != nil {
			t.Fatal(c.rule, err)
		}
		rows, err := d.Read.Query(`SELECT id FROM orgs WHERE kind = 'enterprise' AND ` + c.sql + ` ORDER BY id`)
		want, err := db.Collect(rows, err, "want", func(sc interface{ Scan(...any) error }) (int64, error) {
			var id int64
			return id, sc.Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, o := range got {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: %d selected, direct query %d (skipped %d)", c.rule, len(ids), len(want), skipped)
		}
		if len(want) == 0 {
			t.Errorf("%s selects nobody in the generated city: the case proves nothing", c.rule)
		}
	}
}

// BenchmarkTargets evaluates a notice's rule over a generated city of
// 100,000 enterprises (the preview and the publication do this once).
func BenchmarkTargets(b *testing.B) {
	d, s := syntheticCity(b, 100000)
	ctx := context.Background()
	rs, err := servicedesk.CompileRule(targetCases[1].rule)
	if err != nil {
		b.Fatal(err)
	}
	var n int
	for b.Loop() {
		ts, _, err := s.Targets(ctx, d.Read, rs, "")
		if err != nil {
			b.Fatal(err)
		}
		n = len(ts)
	}
	b.ReportMetric(float64(n), "recipients")
}
