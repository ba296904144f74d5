package finance_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rainforest/internal/finance"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/programs"
)

// at sets the platform's clock to a day in Shanghai (10:00).
func at(w *bankWorld, day string) {
	t := mustDate(day).Add(2 * time.Hour)
	w.e.App.DB.Now = func() time.Time { return t }
}

// disbursedLoan is a loan of Yunshan on prod, disbursed on the clock's day.
func (w *bankWorld) disbursedLoan(t *testing.T, prod int64, token string, org int64) finance.Loan {
	t.Helper()
	id := id(must(t, w.e.Do("POST", "/api/v1/loans", token, map[string]any{"product_id": prod, "org_id": org, "amount_yuan": 1_200_000, "months": 12,
		"purpose": "研发", "consent_scopes": []string{"profile"}}), http.StatusCreated))
	for _, a := range []string{"review", "approve", "disburse"} {
		must(t, w.e.Do("POST", fmt.Sprintf("/api/v1/loans/%d/actions", id), w.bank, map[string]any{"action": a}), http.StatusOK)
	}
	var l finance.Loan
	must(t, w.e.Do("GET", fmt.Sprintf("/api/v1/loans/%d", id), w.bank, nil), http.StatusOK).JSON(&l)
	return l
}

// repay pays installments from..to (1-based) of l, each on its due day.
func (w *bankWorld) repay(t *testing.T, l finance.Loan, from, to int) (interest int64) {
	t.Helper()
	for _, in := range l.Schedule[from-1 : to] {
		must(t, w.e.Do("POST", fmt.Sprintf("/api/v1/loans/%d/repayments", l.ID), w.bank, map[string]any{"amount_fen": in.PrincipalFen + in.InterestFen, "paid_on": in.DueOn}), http.StatusOK)
		interest += in.InterestFen
	}
	return interest
}

func TestSubsidies(t *testing.T) {
	w := newBankWorld(t)
	e := w.e
	ctx := context.Background()
	clock := e.App.DB.Now
	officer, xuhui := e.Token("officer.jingan@demo.local"), e.Token("officer.xuhui@demo.local")
	at(w, "2025-01-15")
	prod := w.product(t, nil)
	scheme := map[string]any{"program": "jingan-ip-pledge-interest", "name_zh": "静安知识产权质押贷款贴息", "name_en": "Jing'an IP-pledge interest subsidy",
		"share_pct": 50, "cap_yuan": 5000, "from_quarter": "2025Q1", "product_ids": []int64{prod}}
	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"share over 100":   {"share_pct", 150, "share_pct"},
		"negative cap":     {"cap_yuan", -1, "cap_yuan"},
		"absurd cap":       {"cap_yuan", int64(1e15), "cap_yuan"},
		"no such quarter":  {"from_quarter", "2025Q5", "from_quarter"},
		"no program":       {"program", "no-such-program", "program"},
		"no product":       {"product_ids", []int64{999999}, "product_ids[0]"},
		"nothing to cover": {"product_ids", []int64{}, "product_ids"},
	} {
		b := map[string]any{}
		for k, v := range scheme {
			b[k] = v
		}
		b[tc.key] = tc.value
		if f := field(t, e.Do("POST", "/api/v1/finance/subsidy-schemes", officer, b), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: field %q, want %q", name, f, tc.field)
		}
	}
	must(t, e.Do("POST", "/api/v1/finance/subsidy-schemes", xuhui, scheme), http.StatusForbidden)
	must(t, e.Do("POST", "/api/v1/finance/subsidy-schemes", w.ent, scheme), http.StatusForbidden)
	var sc finance.Scheme
	must(t, e.Do("POST", "/api/v1/finance/subsidy-schemes", officer, scheme), http.StatusCreated).JSON(&sc)
	if sc.ShareBP != 5000 || sc.CapFen != 500_000 || sc.ProgramSlug != "jingan-ip-pledge-interest" {
		t.Fatalf("scheme: %+v", sc)
	}

	l := w.disbursedLoan(t, prod, w.ent, w.yunshan)
	at(w, "2025-04-02")
	q1 := w.repay(t, l, 1, 2)
	if q1 <= 0 {
		t.Fatal("no interest")
	}
	claim := func(token string, body map[string]any) (finance.SubsidyClaim, *http.Response) {
		r := e.Do("POST", "/api/v1/finance/subsidy-claims", token, body)
		var c finance.SubsidyClaim
		if r.Status == http.StatusCreated {
			r.JSON(&c)
		}
		return c, &http.Response{StatusCode: r.Status}
	}
	for name, tc := range map[string]struct {
		quarter string
		field   string
	}{
		"not ended": {"2025Q2", "quarter"},
		"future":    {"2030Q1", "quarter"},
		"garbage":   {"Q1 2025", "quarter"},
		"before":    {"2024Q4", "quarter"},
	} {
		if f := field(t, e.Do("POST", "/api/v1/finance/subsidy-claims", w.ent, map[string]any{"loan_id": l.ID, "quarter": tc.quarter}), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: field %q", name, f)
		}
	}
	must(t, e.Do("POST", "/api/v1/finance/subsidy-claims", w.bank, map[string]any{"loan_id": l.ID, "quarter": "2025Q1"}), http.StatusForbidden)

	// Ten claims for the same loan and quarter at once: one is filed, the
	// others are 409 naming it.
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, r := claim(w.ent, map[string]any{"loan_id": l.ID, "quarter": "2025Q1"})
			codes[i] = r.StatusCode
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Fatalf("concurrent claims: %v", codes)
		}
	}
	if created != 1 {
		t.Fatalf("concurrent claims: %v", codes)
	}
	var mine struct{ Items []finance.SubsidyClaim }
	must(t, e.Do("GET", "/api/v1/finance/subsidy-claims", w.ent, nil), http.StatusOK).JSON(&mine)
	if len(mine.Items) != 1 {
		t.Fatalf("claims: %+v", mine.Items)
	}
	c1 := mine.Items[0]
	if c1.InterestFen != q1 || c1.AmountFen != finance.SubsidyAmount(q1, 5000) || c1.Capped || c1.Origin != "enterprise" || c1.District != "jingan" {
		t.Fatalf("claim: %+v (interest %d)", c1, q1)
	}
	r := e.Do("POST", "/api/v1/finance/subsidy-claims", w.ent, map[string]any{"loan_id": l.ID, "quarter": "2025q1"})
	if field(t, r, http.StatusConflict) != "quarter" || !strings.Contains(string(r.Body), fmt.Sprintf("claim %d", c1.ID)) {
		t.Fatalf("second claim: %s", r.Body)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/subsidy-claims/%d", c1.ID), w.bank, nil), http.StatusNotFound)
	var queue struct{ Items []finance.SubsidyClaim }
	must(t, e.Do("GET", "/api/v1/finance/subsidy-claims?state=submitted", officer, nil), http.StatusOK).JSON(&queue)
	if len(queue.Items) != 1 || queue.Items[0].ID != c1.ID {
		t.Fatalf("queue: %+v", queue.Items)
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-claims/%d/actions", c1.ID), w.ent, map[string]any{"action": "approve"}), http.StatusForbidden)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-claims/%d/actions", c1.ID), officer, map[string]any{"action": "approve"}), http.StatusOK)
	prog, err := e.App.Programs.Get(ctx, nil, "jingan-ip-pledge-interest")
	if err != nil {
		t.Fatal(err)
	}
	lg := ledger.New(e.App.DB)
	budget, err := lg.AccountByCode(ctx, e.App.DB.Read, programs.BudgetCode(prog.ID))
	if err != nil || budget.Held != c1.AmountFen || budget.Balance != *prog.BudgetFen {
		t.Fatalf("budget after approval: %+v %v", budget, err)
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-claims/%d/actions", c1.ID), officer, map[string]any{"action": "pay"}), http.StatusOK)
	budget, _ = lg.AccountByCode(ctx, e.App.DB.Read, programs.BudgetCode(prog.ID))
	if budget.Held != 0 || budget.Balance != *prog.BudgetFen-c1.AmountFen {
		t.Fatalf("budget after payment: %+v", budget)
	}

	// The second quarter at quarter end: the system claims, capped by
	// what is left of the year's 5,000 yuan.
	at(w, "2025-07-03")
	q2 := w.repay(t, l, 3, 5)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-schemes/%d/quarter-end", sc.ID), w.ent, map[string]any{"quarter": "2025Q2"}), http.StatusForbidden)
	var run finance.QuarterRun
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-schemes/%d/quarter-end", sc.ID), officer, map[string]any{"quarter": "2025Q2"}), http.StatusOK).JSON(&run)
	if len(run.Claimed) != 1 || len(run.Skipped) != 0 {
		t.Fatalf("quarter end: %+v", run)
	}
	c2 := run.Claimed[0]
	left := int64(500_000) - c1.AmountFen
	if c2.InterestFen != q2 || c2.AmountFen != min(left, finance.SubsidyAmount(q2, 5000)) || c2.Origin != "system" || c2.Capped != (finance.SubsidyAmount(q2, 5000) > left) {
		t.Fatalf("system claim: %+v (interest %d, left %d)", c2, q2, left)
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-schemes/%d/quarter-end", sc.ID), officer, map[string]any{"quarter": "2025Q2"}), http.StatusOK).JSON(&run)
	if len(run.Claimed) != 0 {
		t.Fatalf("quarter end twice: %+v", run)
	}
	// Rejected, the cap comes back and the enterprise may claim again.
	if f := field(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-claims/%d/actions", c2.ID), officer, map[string]any{"action": "reject"}), http.StatusUnprocessableEntity); f != "comment" {
		t.Errorf("reject without comment: %q", f)
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-claims/%d/actions", c2.ID), officer, map[string]any{"action": "reject", "comment": "凭证不全"}), http.StatusOK)
	c3, resp := claim(w.ent, map[string]any{"loan_id": l.ID, "quarter": "2025Q2", "scheme_id": sc.ID})
	if resp.StatusCode != http.StatusCreated || c3.AmountFen != c2.AmountFen {
		t.Fatalf("claim after rejection: %d %+v", resp.StatusCode, c3)
	}
	var bulk struct{ Items []finance.BulkResult }
	must(t, e.Do("POST", "/api/v1/finance/subsidy-claims/bulk", officer, map[string]any{"ids": []int64{c3.ID, 999999}, "action": "approve"}), http.StatusOK).JSON(&bulk)
	if len(bulk.Items) != 2 || !bulk.Items[0].OK || bulk.Items[1].OK {
		t.Fatalf("bulk: %+v", bulk.Items)
	}
	if f := field(t, e.Do("POST", "/api/v1/finance/subsidy-claims/bulk", officer, map[string]any{"ids": []int64{c3.ID}, "action": "explode"}), http.StatusUnprocessableEntity); f != "action" {
		t.Errorf("bulk action: %q", f)
	}
	// The year's cap is spent: a third quarter is refused.
	at(w, "2025-10-02")
	w.repay(t, l, 6, 8)
	if c2.Capped {
		if f := field(t, e.Do("POST", "/api/v1/finance/subsidy-claims", w.ent, map[string]any{"loan_id": l.ID, "quarter": "2025Q3"}), http.StatusConflict); f != "quarter" {
			t.Errorf("cap spent: %q", f)
		}
	}

	// An enterprise the program's rules exclude (registered in Xuhui).
	var other int64
	if err := e.App.DB.Read.QueryRowContext(ctx, `SELECT id FROM orgs WHERE kind = 'enterprise' AND registered_district = 'xuhui' ORDER BY id LIMIT 1`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	at(w, "2025-01-15")
	ol := w.disbursedLoan(t, prod, w.admin, other)
	at(w, "2025-04-02")
	w.repay(t, ol, 1, 1)
	if f := field(t, e.Do("POST", "/api/v1/finance/subsidy-claims", w.admin, map[string]any{"loan_id": ol.ID, "quarter": "2025Q1"}), http.StatusForbidden); f != "scheme_id" {
		t.Errorf("ineligible: %q", f)
	}

	var rep finance.Report
	must(t, e.Do("GET", "/api/v1/finance/report", "", nil), http.StatusOK).JSON(&rep)
	if len(rep.Subsidies) != 1 || rep.Subsidies[0].Quarter != "2025Q1" || rep.Subsidies[0].District != "jingan" || rep.Subsidies[0].PaidFen != c1.AmountFen {
		t.Fatalf("report: %+v", rep.Subsidies)
	}
	if rep, err := lg.Verify(ctx, e.App.DB.Read); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ledger: %+v %v", rep, err)
	}
	var n int
	if err := e.App.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE kind = 'finance.subsidy.paid'`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("no notice of the payment: %d %v", n, err)
	}

	// The pages: the enterprise's history, the officers' queue and batch
	// (on the real clock, which the browsers' cookies follow).
	e.App.DB.Now = clock
	b := e.Browser()
	b.Login("enterprise@demo.local")
	if pg := b.Get("/finance/subsidies"); pg.Status != http.StatusOK || !strings.Contains(string(pg.Body), "<td>2025Q1</td>") || strings.Contains(string(pg.Body), "finance.") {
		t.Fatalf("/finance/subsidies: %d", pg.Status)
	}
	ob := e.Browser()
	ob.Login("officer.jingan@demo.local")
	if pg := ob.Get("/finance/subsidies"); pg.Status != http.StatusOK || !strings.Contains(string(pg.Body), `name="ids"`) {
		t.Fatalf("queue page: %d %s", pg.Status, pg.Body)
	}
	if pg := ob.Post("/finance/subsidy-claims/bulk", url.Values{"ids": {fmt.Sprint(c3.ID)}, "action": {"pay"}}); pg.Status != http.StatusOK || strings.Contains(string(pg.Body), "finance.") {
		t.Fatalf("batch page: %d %s", pg.Status, pg.Body)
	}
	var got finance.SubsidyClaim
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/subsidy-claims/%d", c3.ID), w.ent, nil), http.StatusOK).JSON(&got)
	if got.State != finance.SubsidyPaid || got.PaidOn == nil {
		t.Fatalf("paid by the batch: %+v", got)
	}
}

func TestQuarters(t *testing.T) {
	for in, want := range map[string]string{"2026Q1": "2026Q1", "2026-q4": "2026Q4", " 2025Q2 ": "2025Q2"} {
		got, from, to, err := finance.ParseQuarter(in)
		if err != nil || got != want || to.Sub(from) < 89*24*time.Hour || finance.QuarterOf(from) != want || finance.QuarterOf(to.AddDate(0, 0, -1)) != want {
			t.Errorf("%q: %q %v %v %v", in, got, from, to, err)
		}
	}
	for _, in := range []string{"", "2026Q0", "2026Q5", "26Q1", "1999Q4", "2026 Q1", "２０２６Q1"} {
		if _, _, _, err := finance.ParseQuarter(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	if got := finance.SubsidyAmount(12345, 5000); got != 6173 {
		t.Errorf("half of 123.45 yuan: %d fen", got)
	}
}

// TestSubsidyBudget: an approval the program's budget cannot cover is 409
// naming the program, and nothing is reserved.
func TestSubsidyBudget(t *testing.T) {
	w := newBankWorld(t)
	e := w.e
	ctx := context.Background()
	officer := e.Token("officer.jingan@demo.local")
	at(w, "2025-01-15")
	prod := w.product(t, nil)
	must(t, e.Do("POST", "/api/v1/finance/subsidy-schemes", officer, map[string]any{"program": "jingan-ip-pledge-interest", "name_zh": "贴息",
		"share_pct": 50, "cap_yuan": 500000, "from_quarter": "2025Q1", "product_ids": []int64{prod}}), http.StatusCreated)
	l := w.disbursedLoan(t, prod, w.ent, w.yunshan)
	at(w, "2025-04-02")
	w.repay(t, l, 1, 2)
	var c finance.SubsidyClaim
	must(t, e.Do("POST", "/api/v1/finance/subsidy-claims", w.ent, map[string]any{"loan_id": l.ID, "quarter": "2025Q1"}), http.StatusCreated).JSON(&c)

	// Another use of the budget leaves one fen less than the claim.
	prog, err := e.App.Programs.Get(ctx, nil, "jingan-ip-pledge-interest")
	if err != nil {
		t.Fatal(err)
	}
	lg := ledger.New(e.App.DB)
	err = e.App.DB.Tx(ctx, func(tx *sql.Tx) error {
		acct, err := e.App.Programs.BudgetAccount(ctx, tx, &prog)
		if err != nil {
			return err
		}
		_, err = lg.Reserve(ctx, tx, ledger.HoldRequest{Key: "test:budget-use", AccountID: acct.ID, Amount: acct.Available() - c.AmountFen + 1, Description: "another award"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := e.Do("POST", fmt.Sprintf("/api/v1/finance/subsidy-claims/%d/actions", c.ID), officer, map[string]any{"action": "approve"})
	if field(t, r, http.StatusConflict) != "program" || !strings.Contains(string(r.Body), "jingan-ip-pledge-interest") {
		t.Fatalf("over the budget: %s", r.Body)
	}
	var got finance.SubsidyClaim
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/subsidy-claims/%d", c.ID), officer, nil), http.StatusOK).JSON(&got)
	budget, _ := lg.AccountByCode(ctx, e.App.DB.Read, programs.BudgetCode(prog.ID))
	if got.State != finance.SubsidySubmitted || budget.Available() != c.AmountFen-1 {
		t.Fatalf("after the refusal: %+v, budget %+v", got, budget)
	}
}

// TestSubsidyCapConcurrent: claims of one enterprise on six loans at once
// never pass the scheme's yearly cap together.
func TestSubsidyCapConcurrent(t *testing.T) {
	w := newBankWorld(t)
	e := w.e
	officer := e.Token("officer.jingan@demo.local")
	at(w, "2025-01-15")
	prod := w.product(t, nil)
	var loans []finance.Loan
	for range 6 {
		loans = append(loans, w.disbursedLoan(t, prod, w.ent, w.yunshan))
	}
	at(w, "2025-04-02")
	var each int64
	for _, l := range loans {
		each = finance.SubsidyAmount(w.repay(t, l, 1, 2), 5000)
	}
	capFen := each*5/2 + 1 // room for two and a half claims
	must(t, e.Do("POST", "/api/v1/finance/subsidy-schemes", officer, map[string]any{"program": "jingan-ip-pledge-interest", "name_zh": "贴息",
		"share_pct": 50, "cap_yuan": capFen / 100, "from_quarter": "2025Q1", "product_ids": []int64{prod}}), http.StatusCreated)
	capFen = capFen / 100 * 100
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total int64
	created := 0
	for _, l := range loans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do("POST", "/api/v1/finance/subsidy-claims", w.ent, map[string]any{"loan_id": l.ID, "quarter": "2025Q1"})
			mu.Lock()
			defer mu.Unlock()
			switch r.Status {
			case http.StatusCreated:
				var c finance.SubsidyClaim
				r.JSON(&c)
				total += c.AmountFen
				created++
			case http.StatusConflict:
			default:
				t.Errorf("claim: %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	if total > capFen || created < 1 {
		t.Fatalf("%d claims for %d fen, cap %d", created, total, capFen)
	}
	var used int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT used_fen FROM subsidy_caps WHERE org_id = $1 AND year = 2025`, w.yunshan).Scan(&used); err != nil || used != total {
		t.Fatalf("cap row: %d %v, claims %d", used, err, total)
	}
}
