package instruments_test

import (
	"context"
	"net/http"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
)

func TestDemoInstruments(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	if err := demo.SeedVouchers(ctx, e.App.DB, e.App.Registry, e.App.Vouchers); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := demo.SeedInstruments(ctx, e.App.DB, e.App.Instruments); err != nil {
			t.Fatal(err)
		}
	}
	r := must(t, e.Do("GET", "/api/v1/instruments?q=electron", "", nil), http.StatusOK).Map()
	if r["total"].(float64) != 2 {
		t.Fatalf("demo catalog: %v", r)
	}
	bs := must(t, e.Do("GET", "/api/v1/instrument-bookings", e.Token("enterprise@demo.local"), nil), http.StatusOK).Map()["items"].([]any)
	if len(bs) != 1 || bs[0].(map[string]any)["status"] != "approved" {
		t.Fatalf("demo booking: %v", bs)
	}
}
