package vouchers_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/vouchers"
)

func TestDemoVouchers(t *testing.T) {
	e := apptest.New(t)
	for range 2 {
		if err := demo.SeedVouchers(context.Background(), e.App.DB, e.App.Registry, e.App.Vouchers); err != nil {
			t.Fatal(err)
		}
	}
	var vs struct{ Items []vouchers.Voucher }
	must(t, e.Do("GET", "/api/v1/vouchers", e.Token("enterprise@demo.local"), nil), http.StatusOK).JSON(&vs)
	// 12,800 yuan at the Shanghai lab takes 6,400 from the voucher, 6,000
	// at JITRI in Jiangsu 3,000: 10,600 of 20,000 are left.
	if len(vs.Items) != 1 || vs.Items[0].BalanceFen != 2_000_000-640_000-300_000 {
		t.Fatalf("demo vouchers: %+v", vs.Items)
	}
	var rep vouchers.Report
	must(t, e.Do("GET", "/api/v1/voucher-programs/"+itoa(vs.Items[0].ProgramID)+"/report", e.Token("officer.jingan@demo.local"), nil), http.StatusOK).JSON(&rep)
	if !rep.Reconciled || len(rep.ByRegion) != 2 || rep.ByRegion[1].Region != "jiangsu" {
		t.Fatalf("demo report: %+v", rep)
	}
	var ps struct{ Items []vouchers.Provider }
	must(t, e.Do("GET", "/api/v1/voucher-providers", "", nil), http.StatusOK).JSON(&ps)
	if len(ps.Items) != 5 {
		t.Fatalf("demo providers: %+v", ps.Items)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
