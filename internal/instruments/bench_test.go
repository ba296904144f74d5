package instruments_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/instruments"
	"rainforest/internal/kernel/auth"
)

// BenchmarkBookAPI: 64 clients book random, often overlapping slots on
// 1,000 instruments through the HTTP API (auto-approved, so every booking
// holds its slot); it reports successful bookings per second and checks
// that no two blocking bookings overlap afterwards.
//
//	go test ./internal/instruments -run '^$' -bench BookAPI -benchtime 20000x
//	RAINFOREST_TEST_PG=postgres://... go test ./internal/instruments -run '^$' -bench BookAPI -benchtime 20000x
func BenchmarkBookAPI(b *testing.B) {
	e := apptest.New(b)
	ctx := context.Background()
	e.App.DB.Now = func() time.Time { return time.Date(2030, 1, 4, 8, 0, 0, 0, time.UTC) }
	var simt, admin int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM orgs WHERE name_zh = '上海市计量测试技术研究院'`).Scan(&simt); err != nil {
		b.Fatal(err)
	}
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM users WHERE email = 'admin@demo.local'`).Scan(&admin); err != nil {
		b.Fatal(err)
	}
	p := &auth.Principal{UserID: admin, Role: auth.RoleAdmin}
	ids := make([]int64, 1000)
	for k := range ids {
		i, err := e.App.Instruments.Save(ctx, p, 0, instruments.Input{OwnerOrgID: simt, NameZh: fmt.Sprintf("基准测试仪器 %d", k), Category: "other", FeeUnit: "hour",
			FeeInternalFen: 100, FeeSMEFen: 100, FeeExternalFen: 100, OperatorRequired: true, AutoApproveMinutes: 480})
		if err != nil {
			b.Fatal(err)
		}
		ids[k] = i.ID
	}
	tok := e.Token("enterprise@demo.local")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}
	monday := time.Date(2030, 1, 7, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var ok, conflict, other atomic.Int64
	var seed atomic.Uint64
	b.SetParallelism(64 / max(1, testingProcs()))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seed.Add(1), 42))
		for pb.Next() {
			s := monday.AddDate(0, 0, rng.IntN(5)).Add(time.Duration(rng.IntN(14)) * 30 * time.Minute)
			body, _ := json.Marshal(map[string]any{"starts_at": s, "ends_at": s.Add(time.Duration(1+rng.IntN(3)) * 30 * time.Minute)})
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/instruments/%d/bookings", e.Srv.URL, ids[rng.IntN(len(ids))]), bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				other.Add(1)
				continue
			}
			res.Body.Close()
			switch res.StatusCode {
			case http.StatusCreated:
				ok.Add(1)
			case http.StatusConflict, http.StatusUnprocessableEntity:
				conflict.Add(1)
			default:
				other.Add(1)
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(ok.Load())/elapsed.Seconds(), "bookings/s")
	b.ReportMetric(float64(conflict.Load())/elapsed.Seconds(), "refused/s")
	if other.Load() > 0 {
		b.Fatalf("%d requests failed otherwise", other.Load())
	}
	var overlaps int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings a JOIN calendar_bookings c ON a.resource_id = c.resource_id AND a.id < c.id
		AND a.blocks AND c.blocks AND a.starts_at < c.ends_at AND c.starts_at < a.ends_at`).Scan(&overlaps); err != nil || overlaps != 0 {
		b.Fatalf("overlaps: %d %v", overlaps, err)
	}
}

func testingProcs() int { return runtime.GOMAXPROCS(0) }
