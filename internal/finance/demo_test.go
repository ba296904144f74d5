package finance_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/finance"
	"rainforest/internal/kernel/ledger"
)

func TestDemoFinance(t *testing.T) {
	e := apptest.New(t)
	for range 2 {
		if err := demo.SeedFinance(context.Background(), e.App.DB, e.App.Finance); err != nil {
			t.Fatal(err)
		}
	}
	ent := e.Token("enterprise@demo.local")
	var ls struct{ Items []finance.Loan }
	must(t, e.Do("GET", "/api/v1/loans", ent, nil), http.StatusOK).JSON(&ls)
	states := map[string]int{}
	for _, l := range ls.Items {
		states[l.State]++
		if l.State == finance.Disbursed && l.OutstandingFen >= l.AmountFen {
			t.Errorf("no repayment: %+v", l)
		}
	}
	if len(ls.Items) != 3 || states[finance.Disbursed] != 2 || states[finance.DueDiligence] != 1 {
		t.Fatalf("demo loans: %+v", ls.Items)
	}
	var ps struct{ Items []finance.Pool }
	must(t, e.Do("GET", "/api/v1/risk-pools", "", nil), http.StatusOK).JSON(&ps)
	if len(ps.Items) != 1 || ps.Items[0].BalanceFen != 10_000_000_000 {
		t.Fatalf("demo pool: %+v", ps.Items)
	}
	var cs struct{ Items []finance.SubsidyClaim }
	must(t, e.Do("GET", "/api/v1/finance/subsidy-claims", ent, nil), http.StatusOK).JSON(&cs)
	if len(cs.Items) != 1 || cs.Items[0].State != finance.SubsidySubmitted || cs.Items[0].InterestFen <= 0 || cs.Items[0].AmountFen != finance.SubsidyAmount(cs.Items[0].InterestFen, 5000) {
		t.Fatalf("demo subsidy claim: %+v", cs.Items)
	}
	var invs struct{ Items []finance.Investor }
	must(t, e.Do("GET", "/api/v1/finance/investors", "", nil), http.StatusOK).JSON(&invs)
	if len(invs.Items) != 2 {
		t.Fatalf("demo investors: %+v", invs.Items)
	}
	var rep finance.Report
	must(t, e.Do("GET", "/api/v1/finance/report", "", nil), http.StatusOK).JSON(&rep)
	if len(rep.Commitments) != 1 || rep.Commitments[0].Commitments != 2 || rep.Commitments[0].SizeFen != 75_000_000_000 || rep.Commitments[0].CalledFen != 800_000_000 ||
		rep.MeetingsRequested != 1 {
		t.Fatalf("demo report: %+v", rep)
	}
	var ms struct{ Items []finance.Match }
	must(t, e.Do("GET", "/api/v1/finance/investors/"+itoa(invs.Items[0].ID)+"/matches", e.Token("investor@demo.local"), nil), http.StatusOK).JSON(&ms)
	if len(ms.Items) != 1 || ms.Items[0].Enterprise.OrgName != "上海云杉软件科技有限公司" {
		t.Fatalf("the angel fund's matches: %+v", ms.Items)
	}
	var rs struct{ Items []finance.Roadshow }
	must(t, e.Do("GET", "/api/v1/finance/roadshows", "", nil), http.StatusOK).JSON(&rs)
	if len(rs.Items) != 1 || len(rs.Items[0].Presenters) != 1 || rs.Items[0].Presenters[0].Interested != 1 {
		t.Fatalf("demo roadshow: %+v", rs.Items)
	}
	if r, err := ledger.New(e.App.DB).Verify(context.Background(), e.App.DB.Read); err != nil || len(r.Problems) > 0 {
		t.Fatalf("ledger: %+v %v", r, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
