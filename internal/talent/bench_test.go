package talent

import (
	"context"
	"testing"
	"time"

	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db/dbtest"
)

// BenchmarkRescore100k: 100,000 open applications written straight into
// the database, then per iteration a new table version that takes effect
// before their application dates (the provincial bonus and a salary
// bracket change), and the re-scoring that scores every one with the
// plain scorer and writes the changed scores in batches. The target is at
// most 5 s an iteration. Run with -benchtime=1x or a small count:
//
//	go test ./internal/talent -run '^$' -bench Rescore100k -benchtime 3x
func BenchmarkRescore100k(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b)
	clock := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return clock }
	s := &Service{DB: d}
	if err := s.EnsureStandard(ctx); err != nil {
		b.Fatal(err)
	}
	var org int64
	if err := d.Write.QueryRowContext(ctx, `INSERT INTO orgs (uscc, kind, name_zh, created_at, updated_at) VALUES ('914403001922038216', 'enterprise', '甲公司', $1, $1) RETURNING id`, clock).Scan(&org); err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	t0 := time.Now()
	genApps(b, d, n, org)
	t1 := time.Now()
	if res, err := s.Rescore(ctx, nil, ""); err != nil || res.Scored != n {
		b.Fatalf("first scoring: %+v %v", res, err)
	}
	b.Logf("generated %d applications in %v, first scoring in %v", n, t1.Sub(t0), time.Since(t1))
	admin := &auth.Principal{Email: "admin@example.cn", Role: auth.RoleAdmin}
	b.ResetTimer()
	changed := 0
	for i := 0; b.Loop(); i++ {
		in := Standard2017()
		// Later than the last version, before every application date.
		in.EffectiveFrom = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly)
		in.NameZh, in.NameEn = "基准测试版", "Benchmark edition"
		in.Points.Provincial.Points = 2 + i%2*6
		in.Points.Salary.Brackets[2].Points = 8 + i%2
		_, res, err := s.AddTable(ctx, admin, in)
		if err != nil {
			b.Fatal(err)
		}
		if res.Scored != n {
			b.Fatalf("re-scored %d of %d", res.Scored, n)
		}
		changed += res.Changed
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "applications/s")
	b.ReportMetric(float64(changed)/float64(b.N), "changed/op")
}
