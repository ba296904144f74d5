package incubation_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// A tenant company's open programs are those the programs module finds
// it eligible for; the operator hears of each on admission, and again
// from the matcher when the company becomes eligible.
func TestTenantPrograms(t *testing.T) {
	v := newEnv(t)
	ctx := context.Background()
	c := v.carrier(t, 10, 2)
	ten := v.admit(t, c, map[string]any{"org_id": v.yunshan, "plan": "SaaS"}, "2026-10-01")

	// What the programs module says, asked directly.
	r := must(t, v.e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/eligibility", v.yunshan), v.ent, nil), http.StatusOK)
	var elig struct {
		Items []struct {
			Program struct{ Slug string }
			Status  string
		}
	}
	r.JSON(&elig)
	var want []string
	for _, it := range elig.Items {
		if it.Status == "eligible" {
			want = append(want, it.Program.Slug)
		}
	}
	if len(want) == 0 {
		t.Fatalf("Yunshan qualifies for nothing: %s", r.Body)
	}
	r = must(t, v.e.Do("GET", fmt.Sprintf("/api/v1/incubation/carriers/%d/tenants?current=true", c), v.op, nil), http.StatusOK)
	var tens struct {
		Items []struct {
			ID       int64
			Programs []struct{ Slug string }
		}
	}
	r.JSON(&tens)
	if len(tens.Items) != 1 || tens.Items[0].ID != ten {
		t.Fatalf("tenants: %s", r.Body)
	}
	var got []string
	for _, p := range tens.Items[0].Programs {
		got = append(got, p.Slug)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("tenant's programs %v, the programs module's %v", got, want)
	}
	told := func() int {
		var n int
		if err := v.e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.email = 'incubator@demo.local' AND n.kind = 'incubation.tenant_eligible'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := told(); n != len(want) {
		t.Errorf("operator told of %d programs on admission, want %d", n, len(want))
	}
	// The matcher finds Yunshan newly eligible (nothing was stored): the
	// operator hears through the hook.
	if _, err := v.e.App.DB.Write.Exec(`DELETE FROM notices WHERE kind = 'incubation.tenant_eligible'`); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.App.Match.Run(ctx, 0, v.yunshan); err != nil {
		t.Fatal(err)
	}
	if n := told(); n != len(want) {
		t.Errorf("operator told of %d programs by the matcher, want %d", n, len(want))
	}
}
