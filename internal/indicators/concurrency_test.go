package indicators_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"rainforest/internal/indicators"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/registry"
	"rainforest/internal/synth"
)

// Profile edits (the hook's deltas) racing full recounts of the same
// figures: when both are done the cache still matches the recount, on
// either engine (PostgreSQL through the advisory lock).
func TestDeltasRaceRecounts(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	reg := &registry.Service{DB: d}
	s := indicators.New(d)
	reg.OnChange(s.OrgChanged)
	if err := synth.Write(ctx, reg, synth.Generator{Enterprises: 400, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Refresh(ctx, true); err != nil {
		t.Fatal(err)
	}
	ids := dbtest.IDs(t, d, `SELECT id FROM orgs WHERE kind = 'enterprise' ORDER BY id LIMIT 24`)
	admin := &auth.Principal{UserID: 1, Role: auth.RoleAdmin}
	districts := []string{"jingan", "xuhui", "pudong"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i, id := range ids[w*8 : w*8+8] {
				certs := `["hnte"]`
				if i%3 == 0 {
					certs = `["scitech_sme"]`
				}
				if _, _, err := reg.Update(ctx, admin, id, map[string]json.RawMessage{"certifications": json.RawMessage(certs),
					"registered_district": json.RawMessage(`"` + districts[(i+w)%3] + `"`)}); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 6; i++ {
			if _, err := s.Refresh(ctx, true); err != nil {
				errs <- err
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	now := indicators.MonthOf(d.Now())
	for _, id := range []string{"hnte-enterprises", "scitech-smes"} {
		got := cached(t, s, id, now, now)[now]
		want := sums(t, d, recounts[id].q)
		for a, v := range want {
			if got[a] != v {
				t.Errorf("%s area %q: cache %d, recount %d", id, a, got[a], v)
			}
		}
	}
}
