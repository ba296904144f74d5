package rules

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// programs compiles n rule sets: the built-in ones and the testdata ones
// under other slugs, with thresholds moved so that no two are alike.
func programs(tb testing.TB, n int) []*RuleSet {
	tb.Helper()
	var srcs [][]byte
	for _, slug := range []string{"hnte-certification", "scitech-sme", "rd-super-deduction"} {
		data, _ := BuiltinSource(slug)
		srcs = append(srcs, data)
	}
	data, err := os.ReadFile("testdata/amounts.json")
	if err != nil {
		tb.Fatal(err)
	}
	srcs = append(srcs, data)
	out := make([]*RuleSet, 0, n)
	for i := 0; len(out) < n; i++ {
		var s Spec
		if err := json.Unmarshal(srcs[i%len(srcs)], &s); err != nil {
			tb.Fatal(err)
		}
		s.Slug = fmt.Sprintf("%s-%d", s.Slug, i)
		s.Cases = nil
		for pi := range s.Parameters {
			if s.Parameters[pi].Type != "number" {
				continue
			}
			for qi := range s.Parameters[pi].Periods {
				var x float64
				json.Unmarshal(s.Parameters[pi].Periods[qi].Value, &x)
				x *= 1 + float64(i%7)/100
				s.Parameters[pi].Periods[qi].Value, _ = json.Marshal(x)
			}
		}
		rs, err := Compile(s)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, rs)
	}
	return out
}

// BenchmarkEvaluateOne1000Programs: one enterprise against 1,000
// programs with every criterion explained, in memory reused from one
// enterprise to the next as the eligibility page does; reports the p99
// per enterprise.
func BenchmarkEvaluateOne1000Programs(b *testing.B) {
	sets := programs(b, 1000)
	r := rand.New(rand.NewPCG(3, 4))
	profiles := make([]*Profile, 256)
	for i := range profiles {
		profiles[i] = randomProfile(r)
	}
	asOf := day("2026-06-01")
	lat := make([]time.Duration, 0, b.N)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		ev, err := EvaluateMany(profiles[i%len(profiles)], asOf, sets)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		ev.Release()
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkBatch: 200 programs over batches of generated enterprises on
// all cores; reports the time per enterprise × program and the time
// 1,000,000 × 200 would take at that rate.
func BenchmarkBatch(b *testing.B) {
	sets := programs(b, 200)
	r := rand.New(rand.NewPCG(5, 6))
	const n = 16384
	profiles := make([]*Profile, n)
	for i := range profiles {
		profiles[i] = randomProfile(r)
	}
	workers := runtime.GOMAXPROCS(0)
	chunk := n / workers
	batches := make([]*Batch, workers)
	for w := range batches {
		batches[w] = NewBatch(profiles[w*chunk : (w+1)*chunk])
	}
	asOf := day("2026-06-01")
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(bt *Batch) {
				defer wg.Done()
				fr := NewFrame()
				for _, rs := range sets {
					if _, err := rs.EvaluateBatch(fr, bt, asOf); err != nil {
						panic(err)
					}
				}
			}(batches[w])
		}
		wg.Wait()
	}
	b.StopTimer()
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(n*len(sets))
	b.ReportMetric(per, "ns/enterprise-program")
	b.ReportMetric(per*1e6*200/1e9, "s/1M×200")
	// The machine may be shared: CPU time per pair, divided by the cores,
	// is what an unloaded machine would take.
	cpuPer := float64(cpuTime()-cpu0) / float64(b.N) / float64(n*len(sets))
	b.ReportMetric(cpuPer, "cpu-ns/enterprise-program")
	b.ReportMetric(cpuPer*1e6*200/1e9/float64(workers), "unloaded-s/1M×200")
}

// cpuTime is the process's user and system time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
