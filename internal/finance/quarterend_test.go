package finance_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"rainforest/internal/finance"
)

func TestDueQuarter(t *testing.T) {
	for day, want := range map[string]string{
		"2025-04-01": "2024Q4", "2025-04-15": "2024Q4", "2025-04-16": "2025Q1", "2025-06-30": "2025Q1",
		"2025-07-16": "2025Q2", "2026-01-15": "2025Q3", "2026-01-16": "2025Q4", "2025-12-31": "2025Q3",
	} {
		if got := finance.DueQuarter(mustDate(day)); got != want {
			t.Errorf("DueQuarter(%s) = %s, want %s", day, got, want)
		}
	}
}

// TestQuarterEndSchedule: the schedule files a quarter's claims once the
// grace period is over, once per scheme and quarter however often and
// however concurrently it runs, records each run with the officers' own,
// and tells the agency.
func TestQuarterEndSchedule(t *testing.T) {
	w := newBankWorld(t)
	e := w.e
	ctx := context.Background()
	officer := e.Token("officer.jingan@demo.local")
	clock := e.App.DB.Now
	at(w, "2025-01-15")
	prod := w.product(t, nil)
	var sc finance.Scheme
	must(t, e.Do("POST", "/api/v1/finance/subsidy-schemes", officer, map[string]any{"program": "jingan-ip-pledge-interest", "name_zh": "静安贴息",
		"share_pct": 50, "cap_yuan": 50000, "from_quarter": "2025Q1", "product_ids": []int64{prod}}), http.StatusCreated).JSON(&sc)
	l := w.disbursedLoan(t, prod, w.ent, w.yunshan)
	at(w, "2025-04-02")
	if w.repay(t, l, 1, 2) <= 0 {
		t.Fatal("no interest in the first quarter")
	}
	claims := func() int {
		var n int
		if err := e.App.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM subsidy_claims WHERE scheme_id = $1 AND origin = 'system'`, sc.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Within the grace period the quarter is not due yet.
	at(w, "2025-04-10")
	if done, err := e.App.Finance.RunDueQuarters(ctx); err != nil || len(done) != 0 || claims() != 0 {
		t.Fatalf("before the grace period is over: %v %+v, %d claims", err, done, claims())
	}
	// Once it is, four runs at once file the quarter's claim once.
	at(w, "2025-04-16")
	var wg sync.WaitGroup
	recorded := make([]int, 4)
	for i := range recorded {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done, err := e.App.Finance.RunDueQuarters(ctx)
			if err != nil {
				t.Error(err)
			}
			recorded[i] = len(done)
		}()
	}
	wg.Wait()
	if n := recorded[0] + recorded[1] + recorded[2] + recorded[3]; n != 1 || claims() != 1 {
		t.Fatalf("concurrent schedules recorded %v runs and %d claims", recorded, claims())
	}
	if done, err := e.App.Finance.RunDueQuarters(ctx); err != nil || len(done) != 0 || claims() != 1 {
		t.Fatalf("the schedule again: %v %+v", err, done)
	}
	var notices int
	if err := e.App.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE kind = 'finance.subsidy.quarter_end'`).Scan(&notices); err != nil || notices == 0 {
		t.Fatalf("the agency was not told: %v %d", err, notices)
	}
	// An officer's run is recorded beside it, with the officer's name.
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-schemes/%d/quarter-end", sc.ID), officer, map[string]any{"quarter": "2025Q1"}), http.StatusOK)
	var runs struct {
		Items      []finance.QuarterRunRecord
		DueQuarter string `json:"due_quarter"`
		GraceDays  int    `json:"grace_days"`
	}
	path := fmt.Sprintf("/api/v1/finance/subsidy-schemes/%d/quarter-ends", sc.ID)
	must(t, e.Do("GET", path, officer, nil), http.StatusOK).JSON(&runs)
	if len(runs.Items) != 2 || runs.Items[0].Origin != "officer" || runs.Items[0].Claimed != 0 || runs.Items[0].RunBy == "" ||
		runs.Items[1].Origin != "schedule" || runs.Items[1].Claimed != 1 || runs.Items[1].Quarter != "2025Q1" || runs.DueQuarter != "2025Q1" || runs.GraceDays != finance.QuarterEndGrace {
		t.Fatalf("runs: %+v", runs)
	}
	must(t, e.Do("GET", path, w.ent, nil), http.StatusForbidden)
	must(t, e.Do("GET", path, e.Token("officer.xuhui@demo.local"), nil), http.StatusForbidden)
	must(t, e.Do("GET", path, "", nil), http.StatusUnauthorized)
	must(t, e.Do("GET", "/api/v1/finance/subsidy-schemes/999999/quarter-ends", officer, nil), http.StatusNotFound)

	// The officers' page shows the runs and the schedule; the enterprise's
	// does not (signed in today: sessions live in real time).
	e.App.DB.Now = clock
	ja := e.Browser()
	ja.Login("officer.jingan@demo.local")
	pg := string(ja.Get("/finance/subsidies").Body)
	if !strings.Contains(pg, "季末申报记录") || !strings.Contains(pg, "定时任务") || !strings.Contains(pg, "2025Q1") {
		t.Fatalf("officer's page without the runs: %s", pg)
	}
	ent := e.Browser()
	ent.Login("enterprise@demo.local")
	if strings.Contains(string(ent.Get("/finance/subsidies").Body), "季末申报记录") {
		t.Fatal("the enterprise sees the runs")
	}
}
