package rules

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestEvaluateProfileManySets: one profile against enough rule sets to be
// shared among the cores gives, set by set and in order, what evaluating
// it against each set alone gives.
func TestEvaluateProfileManySets(t *testing.T) {
	sets := programs(t, 3*parallelSets+5)
	r := rand.New(rand.NewPCG(7, 8))
	asOf := day("2026-06-01")
	for range 5 {
		p := randomProfile(r)
		got, err := EvaluateProfile(p, asOf, sets)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(sets) {
			t.Fatalf("%d results for %d sets", len(got), len(sets))
		}
		for i, rs := range sets {
			want, err := rs.Evaluate(p, asOf)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(got[i])
			b, _ := json.Marshal(want)
			if string(a) != string(b) {
				t.Fatalf("set %d (%s):\n got %s\nwant %s", i, rs.Spec().Slug, a, b)
			}
		}
	}
}
