package finance_test

import (
	"context"
	"net/http"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/finance"
)

func TestDemoFinance(t *testing.T) {
	e := apptest.New(t)
	for range 2 {
		if err := demo.SeedFinance(context.Background(), e.App.DB, e.App.Finance); err != nil {
			t.Fatal(err)
		}
	}
	var ls struct{ Items []finance.Loan }
	must(t, e.Do("GET", "/api/v1/loans", e.Token("enterprise@demo.local"), nil), http.StatusOK).JSON(&ls)
	if len(ls.Items) != 2 || ls.Items[1].State != finance.Disbursed || ls.Items[0].State != finance.DueDiligence {
		t.Fatalf("demo loans: %+v", ls.Items)
	}
	if ls.Items[1].OutstandingFen >= ls.Items[1].AmountFen {
		t.Fatalf("no repayment: %+v", ls.Items[1])
	}
	var ps struct{ Items []finance.Pool }
	must(t, e.Do("GET", "/api/v1/risk-pools", "", nil), http.StatusOK).JSON(&ps)
	if len(ps.Items) != 1 || ps.Items[0].BalanceFen != 10_000_000_000 {
		t.Fatalf("demo pool: %+v", ps.Items)
	}
}
