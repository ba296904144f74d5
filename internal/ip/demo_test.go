package ip_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/ip"
)

func TestDemoIP(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	for range 2 {
		if err := demo.SeedIP(ctx, e.App.DB, e.App.IP); err != nil {
			t.Fatal(err)
		}
	}
	var st ip.Stats
	must(t, e.Do("GET", "/api/v1/ip/stats", "", nil), http.StatusOK).JSON(&st)
	if st.Listings != 5 || st.Deals != 1 || st.ValueFen != 110_000_000 || st.Active != 4 {
		t.Fatalf("demo stats %+v", st)
	}
	var ds struct{ Items []ip.Deal }
	must(t, e.Do("GET", "/api/v1/ip/deals", e.Token("university@demo.local"), nil), http.StatusOK).JSON(&ds)
	if len(ds.Items) != 1 || ds.Items[0].State != ip.Closed || ds.Items[0].InventorShareFen != 55_000_000 {
		t.Fatalf("demo deal %+v", ds.Items)
	}
	var d ip.DealView
	must(t, e.Do("GET", "/api/v1/ip/deals/"+itoa(ds.Items[0].ID), e.Token("enterprise@demo.local"), nil), http.StatusOK).JSON(&d)
	var sum int64
	for _, p := range d.Payouts {
		sum += p.AmountFen
	}
	if len(d.Payouts) != 3 || sum != 55_000_000 || d.Payouts[0].AmountFen != 27_500_000 {
		t.Fatalf("demo payouts %+v", d.Payouts)
	}
	// The catalog finds the demo in both languages; the transferred chip
	// patent has left it.
	for q, want := range map[string]int{"nanocarrier": 1, "电解质": 1, "inference": 0} {
		var res ip.CatalogResult
		must(t, e.Do("GET", "/api/v1/ip/listings?q="+url.QueryEscape(q), "", nil), http.StatusOK).JSON(&res)
		if res.Total != want {
			t.Errorf("%s: %d found, want %d", q, res.Total, want)
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
