package calendar_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"rainforest/internal/kernel/calendar"
	"rainforest/internal/kernel/db/dbtest"
)

// BenchmarkBookConcurrent: 64 writers book random, often overlapping
// approved slots on 1,000 resources through the engine alone (one
// transaction per booking); it reports successful bookings per second
// and checks that no two blocking bookings overlap afterwards.
//
//	go test ./internal/kernel/calendar -run '^$' -bench BookConcurrent -benchtime 20000x
//	RAINFOREST_TEST_PG=postgres://... go test ./internal/kernel/calendar -run '^$' -bench BookConcurrent -benchtime 20000x
func BenchmarkBookConcurrent(b *testing.B) {
	d := dbtest.Open(b)
	fixed(d)
	ctx := context.Background()
	ids := make([]int64, 1000)
	if err := d.Tx(ctx, func(tx *sql.Tx) error {
		for k := range ids {
			r := calendar.Resource{Name: fmt.Sprint("仪器 ", k), SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 240, Hours: weekdays9to18()}
			if err := calendar.Define(ctx, tx, d.Now(), &r); err != nil {
				return err
			}
			ids[k] = r.ID
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	monday := at("2026-11-30", "13:00")
	var ok, refused atomic.Int64
	var fail atomic.Value
	var seed atomic.Uint64
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seed.Add(1), 42))
		for pb.Next() {
			// Afternoons of one week, 13:00 to 18:00: ten half hours a day.
			day := monday.AddDate(0, 0, rng.IntN(5))
			s := day.Add(time.Duration(rng.IntN(10)) * 30 * time.Minute)
			e := minTime(s.Add(time.Duration(1+rng.IntN(3))*30*time.Minute), day.Add(5*time.Hour))
			_, err := book(d, calendar.Request{ResourceID: ids[rng.IntN(len(ids))], Start: s, End: e, Status: calendar.Approved})
			switch calendar.Reason(err) {
			case "":
				if err != nil {
					fail.Store(err)
					continue
				}
				ok.Add(1)
			case calendar.ReasonOverlap:
				refused.Add(1)
			default:
				fail.Store(err)
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if err := fail.Load(); err != nil {
		b.Fatal(err)
	}
	var overlaps int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings a JOIN calendar_bookings c ON a.resource_id = c.resource_id AND a.id < c.id
		AND a.blocks AND c.blocks AND a.starts_at < c.ends_at AND c.starts_at < a.ends_at`).Scan(&overlaps); err != nil || overlaps != 0 {
		b.Fatalf("overlaps: %d %v", overlaps, err)
	}
	var n int64
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings`).Scan(&n); err != nil || n != ok.Load() {
		b.Fatalf("%d rows, %d acknowledged", n, ok.Load())
	}
	b.ReportMetric(float64(ok.Load())/elapsed.Seconds(), "bookings/s")
	b.ReportMetric(float64(refused.Load())/float64(max(1, b.N)), "refused/op")
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
