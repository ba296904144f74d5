package obligations_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"rainforest/internal/kernel/ledger"
	"rainforest/internal/programs"
)

// TestThroughTheMoneyPath: an award made through the applications'
// workflow (approve reserves the budget, disburse pays it and records the
// districts and the obligation) opens a pro rata case when the recipient
// moves its tax district away; the repayment goes back into the same
// budget account the award was paid from, and the ledger verifies.
func TestThroughTheMoneyPath(t *testing.T) {
	f := newFixture(t)
	e := f.e
	officer, owner := e.Token("officer.jingan@demo.local"), e.Token("enterprise@demo.local")
	var agency int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM orgs WHERE name_zh = '上海市静安区科学技术委员会'`).Scan(&agency); err != nil {
		t.Fatal(err)
	}
	slug := "obligation-e2e"
	body := map[string]any{
		"slug": slug, "owner_org_id": agency, "level": "district", "fund_code": "JA-E2E", "budget_fen": 100_000_00,
		"title_zh": "留区义务测试项目", "title_en": "Stay-in-district test program", "legal_reference": "测试依据 Test reference",
		"rule_set": map[string]any{
			"title":     map[string]string{"zh": "留区义务测试", "en": "Stay test"},
			"reference": "测试依据",
			"parameters": []any{map[string]any{"name": "district", "type": "string", "label": map[string]string{"zh": "区", "en": "District"},
				"periods": []any{map[string]any{"from": "2020-01-01", "value": "jingan", "reference": "测试依据"}}}},
			"criteria": []any{map[string]any{"id": "in_district", "label": map[string]string{"zh": "在本区", "en": "In the district"},
				"reference": "测试依据", "expr": "registered_district == params.district"}},
		},
	}
	if r := e.Do("POST", "/api/v1/programs", officer, body); r.Status != http.StatusCreated {
		t.Fatalf("create program: %d %s", r.Status, r.Body)
	}
	f.exec(t, `UPDATE programs SET obligation_years = 5, clawback_pro_rata = TRUE WHERE slug = $1`, slug)
	if r := e.Do("POST", "/api/v1/programs/"+slug+"/publish", officer, nil); r.Status != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	r := e.Do("POST", "/api/v1/applications", owner, map[string]any{"program": slug, "org_id": f.org, "project_title": "云杉留区项目", "requested_yuan": 60_000})
	var a programs.Application
	r.JSON(&a)
	if r.Status != http.StatusCreated {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	step := func(token, action string, extra map[string]any) {
		t.Helper()
		b := map[string]any{"action": action}
		for k, v := range extra {
			b[k] = v
		}
		if r := e.Do("POST", fmt.Sprintf("/api/v1/applications/%d/transitions", a.ID), token, b); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", action, r.Status, r.Body)
		}
	}
	step(owner, programs.ActSubmit, nil)
	step(officer, programs.ActStartReview, nil)
	step(officer, programs.ActApprove, map[string]any{"amount_yuan": 60_000})
	step(officer, programs.ActDisburse, nil)
	var award int64
	var until string
	if err := e.App.DB.Read.QueryRow(`SELECT id, obligation_until FROM awards WHERE application_id = $1 AND status = 'paid'`, a.ID).Scan(&award, &until); err != nil {
		t.Fatalf("the award is not paid with an obligation: %v", err)
	}
	ctx := context.Background()
	l := ledger.New(e.App.DB)
	before, err := l.AccountByCode(ctx, e.App.DB.Read, programs.BudgetCode(a.ProgramID))
	if err != nil {
		t.Fatal(err)
	}
	f.move(t, owner, map[string]any{"tax_district": "xuhui"})
	var id, due int64
	if err := e.App.DB.Read.QueryRow(`SELECT id, amount_due_fen FROM clawback_cases WHERE award_id = $1`, award).Scan(&id, &due); err != nil {
		t.Fatalf("no case after moving the tax district: %v", err)
	}
	// Paid today and left today: nothing served, all of it is due.
	if due != 60_000_00 {
		t.Fatalf("due %d, want the whole 6,000,000 fen on the day of payment", due)
	}
	if r := e.Do("POST", fmt.Sprintf("/api/v1/clawbacks/%d/repay", id), officer, map[string]any{"comment": "全额退回"}); r.Status != http.StatusOK {
		t.Fatalf("repay: %d %s", r.Status, r.Body)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM ledger_journals WHERE idempotency_key = $1`, fmt.Sprintf("obligations:repay:%d", id)); n != 1 {
		t.Fatalf("%d repayment journals", n)
	}
	after, err := l.AccountByCode(ctx, e.App.DB.Read, programs.BudgetCode(a.ProgramID))
	if err != nil || after.Balance != before.Balance+due || after.Available() != before.Available()+due {
		t.Fatalf("budget before %+v, after %+v: %v", before, after, err)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM awards WHERE id = $1 AND status = 'clawed_back'`, award); n != 1 {
		t.Fatal("award not clawed back")
	}
	rep, err := l.Verify(ctx, e.App.DB.Read)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ledger: %v %+v", err, rep)
	}
}
