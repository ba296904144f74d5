package transfer_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/transfer"
)

func TestDemoTransfer(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	if err := demo.SeedIP(ctx, e.App.DB, e.App.IP); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := demo.SeedTransfer(ctx, e.App.DB, e.App.Transfer); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string]int{"芯片": 3, "batteries": 1, "MEMS": 1} {
		var res transfer.Page[transfer.Achievement]
		must(t, e.Do("GET", "/api/v1/transfer/achievements?q="+url.QueryEscape(q), "", nil), http.StatusOK).JSON(&res)
		if res.Total != want {
			t.Errorf("%s: %d achievements, want %d", q, res.Total, want)
		}
	}
	// The demo enterprise's chip need finds the Fudan packaging first.
	mine := must(t, e.Do("GET", "/api/v1/transfer/mine", e.Token("enterprise@demo.local"), nil), http.StatusOK).Map()
	needs := mine["needs"].([]any)
	if len(needs) != 2 {
		t.Fatalf("demo needs: %v", needs)
	}
	var chipNeed int64
	for _, n := range needs {
		if m := n.(map[string]any); m["title_zh"] == "智能手环传感器芯片的低温封装" {
			chipNeed = int64(m["id"].(float64))
		}
	}
	var ms struct{ Items []transfer.Match }
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/transfer/needs/%d/matches", chipNeed), "", nil), http.StatusOK).JSON(&ms)
	if len(ms.Items) == 0 || ms.Items[0].Achievement.TitleZh != "低温柔性芯片封装工艺" || len(ms.Items[0].Achievement.AssetIDs) != 1 {
		t.Fatalf("demo matches: %+v", ms.Items)
	}
	var cs struct{ Items []transfer.Case }
	must(t, e.Do("GET", "/api/v1/transfer/cases", e.Token("broker@demo.local"), nil), http.StatusOK).JSON(&cs)
	if len(cs.Items) != 1 || cs.Items[0].State != transfer.Talks {
		t.Fatalf("demo cases: %+v", cs.Items)
	}
	var tv transfer.Turnover
	must(t, e.Do("GET", "/api/v1/transfer/turnover?from=2024&to=2026", "", nil), http.StatusOK).JSON(&tv)
	var total, delta int64
	for _, y := range tv.Years {
		total += y.Total.ValueFen
		delta += y.DeltaExport.ValueFen
	}
	if total != 1_478_000_000 || delta != 1_330_000_000 {
		t.Fatalf("demo turnover: total %d, delta %d", total, delta)
	}
}
