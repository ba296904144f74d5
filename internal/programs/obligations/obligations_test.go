package obligations_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/programs/obligations"
)

func TestDue(t *testing.T) {
	for _, c := range []struct {
		amount              int64
		paid, until, left   string
		proRata             bool
		want                int64
		wantTotal, wantSrvd int
	}{
		// 1,827 days, 731 served: 1,000,000 × 1,096 / 1,827 = 599,890.53.
		{1_000_000, "2024-01-01", "2028-12-31", "2026-01-01", true, 599_891, 1827, 731},
		{1_000_000, "2024-01-01", "2028-12-31", "2026-01-01", false, 1_000_000, 1827, 731},
		// Leaving on the day of payment: all of it.
		{999, "2024-01-01", "2028-12-31", "2024-01-01", true, 999, 1827, 0},
		// Half up: 3 × 1 / 2 = 1.5 → 2.
		{3, "2024-01-01", "2024-01-02", "2024-01-02", true, 2, 2, 1},
		// Leaving after the end owes nothing pro rata.
		{500, "2024-01-01", "2024-12-31", "2025-03-01", true, 0, 366, 366},
	} {
		got, total, served, err := obligations.Due(c.amount, c.paid, c.until, c.left, c.proRata)
		if err != nil || got != c.want || total != c.wantTotal || served != c.wantSrvd {
			t.Errorf("Due(%d, %s, %s, %s, %t) = %d, %d, %d, %v; want %d, %d, %d", c.amount, c.paid, c.until, c.left, c.proRata, got, total, served, err, c.want, c.wantTotal, c.wantSrvd)
		}
	}
	if _, _, _, err := obligations.Due(100, "2024-01-02", "2024-01-01", "2024-01-01", true); err == nil {
		t.Error("until before paid on accepted")
	}
	if _, _, _, err := obligations.Due(100, "2024-13-01", "2024-01-01", "2024-01-01", true); err == nil {
		t.Error("a bad date accepted")
	}
}

type fixture struct {
	e       *apptest.Env
	org     int64 // 上海云杉软件科技有限公司, Jing'an
	program int64 // jingan-small-micro-scitech
	today   time.Time
	seq     int
}

func newFixture(t *testing.T) *fixture {
	e := apptest.New(t)
	f := &fixture{e: e}
	q := e.App.DB.Read
	if err := q.QueryRow(`SELECT m.org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'enterprise@demo.local'`).Scan(&f.org); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRow(`SELECT id FROM programs WHERE slug = 'jingan-small-micro-scitech'`).Scan(&f.program); err != nil {
		t.Fatal(err)
	}
	f.today, _ = time.Parse(time.DateOnly, e.App.Obligations.Today())
	return f
}

func (f *fixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := f.e.App.DB.Write.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.e.App.DB.Read.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// award inserts a disbursed application and its paid award of amount fen,
// paid on the given day with an obligation of years to stay in Jing'an.
func (f *fixture) award(t *testing.T, amount int64, paidOn time.Time, years int) int64 {
	t.Helper()
	f.seq++
	now := f.e.App.DB.Now()
	var app, id int64
	key := fmt.Sprintf("project-%d", f.seq)
	if err := f.e.App.DB.Write.QueryRow(`INSERT INTO applications (program_id, org_id, project_title, project_key, amount_fen, state, created_at, updated_at, decided_at)
		VALUES ($1, $2, $3, $4, $5, 'disbursed', $6, $6, $6) RETURNING id`, f.program, f.org, "Project "+key, key, amount, now).Scan(&app); err != nil {
		t.Fatal(err)
	}
	until := paidOn.AddDate(years, 0, -1).Format(time.DateOnly)
	if err := f.e.App.DB.Write.QueryRow(`INSERT INTO awards (application_id, program_id, org_id, fund_key, project_key, amount_fen, status, approved_at, paid_on,
			registered_district, tax_district, obligation_until, created_at, updated_at)
		VALUES ($1, $2, $3, 'jingan-fund', $4, $5, 'paid', $6, $7, 'jingan', 'jingan', $8, $6, $6) RETURNING id`,
		app, f.program, f.org, key, amount, now, paidOn.Format(time.DateOnly), until).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) move(t *testing.T, token string, fields map[string]any) {
	t.Helper()
	r := f.e.Do("PATCH", fmt.Sprintf("/api/v1/orgs/%d", f.org), token, fields)
	if r.Status != http.StatusOK {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
}

// TestLeavingOpensOneCase: moving the registered district out of Jing'an
// during the obligation opens one case per running award, pro rata when
// the program says so, tells the members and the officers once, and a
// second move opens nothing more; ended obligations and other awards are
// left alone.
func TestLeavingOpensOneCase(t *testing.T) {
	f := newFixture(t)
	f.exec(t, `UPDATE programs SET obligation_years = 5, clawback_pro_rata = TRUE WHERE id = $1`, f.program)
	paid := f.today.AddDate(-2, 0, 0)
	running := f.award(t, 1_000_000, paid, 5)
	ended := f.award(t, 500_000, f.today.AddDate(-6, 0, 0), 5)
	owner := f.e.Token("enterprise@demo.local")

	// A change that keeps the districts opens nothing.
	f.move(t, owner, map[string]any{"employees": 42})
	if n := f.count(t, `SELECT COUNT(*) FROM clawback_cases`); n != 0 {
		t.Fatalf("%d cases after a change that keeps the districts", n)
	}
	f.move(t, owner, map[string]any{"registered_district": "xuhui"})
	if n := f.count(t, `SELECT COUNT(*) FROM clawback_cases`); n != 1 {
		t.Fatalf("%d cases, want 1", n)
	}
	var c obligations.Case
	officer := f.e.Token("officer.jingan@demo.local")
	r := f.e.Do("GET", "/api/v1/clawbacks", officer, nil)
	var list obligations.CaseList
	r.JSON(&list)
	if r.Status != http.StatusOK || len(list.Items) != 1 {
		t.Fatalf("officer's list: %d %s", r.Status, r.Body)
	}
	c = list.Items[0]
	want, total, served, _ := obligations.Due(1_000_000, paid.Format(time.DateOnly), paid.AddDate(5, 0, -1).Format(time.DateOnly), f.today.Format(time.DateOnly), true)
	if c.AwardID != running || c.Status != "open" || c.Reason != "registered_district" || c.AmountDueFen != want || !c.ProRata ||
		c.ObligationDays != total || c.ServedDays != served || *c.RegisteredAfter != "xuhui" || c.District != "jingan" {
		t.Fatalf("case %+v, want award %d due %d", c, running, want)
	}
	// About three fifths are unserved.
	if want < 590_000 || want > 610_000 {
		t.Fatalf("pro rata due %d for 2 of 5 years served", want)
	}
	if c.DueOn != f.today.AddDate(0, 0, obligations.DueDays).Format(time.DateOnly) {
		t.Fatalf("due on %s", c.DueOn)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'clawback_case.open' AND entity_id = $1`, fmt.Sprint(c.ID)); n != 1 {
		t.Fatalf("%d audit records of the opening", n)
	}
	for _, who := range []string{"enterprise@demo.local", "officer.jingan@demo.local"} {
		if n := f.count(t, `SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.email = $1 AND n.kind LIKE 'clawback.%'`, who); n != 1 {
			t.Fatalf("%s has %d clawback notices", who, n)
		}
	}
	if n := f.count(t, `SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.email = 'officer.xuhui@demo.local' AND n.kind LIKE 'clawback.%'`); n != 0 {
		t.Fatal("Xuhui's officer told of a Jing'an case")
	}
	// Leaving the tax district too, and coming back and leaving again,
	// opens nothing more.
	f.move(t, owner, map[string]any{"tax_district": "xuhui"})
	f.move(t, owner, map[string]any{"registered_district": "jingan", "tax_district": "jingan"})
	f.move(t, owner, map[string]any{"tax_district": "minhang"})
	if n := f.count(t, `SELECT COUNT(*) FROM clawback_cases`); n != 1 {
		t.Fatalf("%d cases after more moves, want 1", n)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM clawback_cases WHERE award_id = $1`, ended); n != 0 {
		t.Fatal("a case for an obligation that had ended")
	}
	// The enterprise sees what it owes; another enterprise does not.
	r = f.e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/obligations", f.org), owner, nil)
	var ol obligations.OrgObligationList
	r.JSON(&ol)
	if r.Status != http.StatusOK || len(ol.Items) != 2 {
		t.Fatalf("obligations: %d %s", r.Status, r.Body)
	}
	for _, o := range ol.Items {
		if o.AwardID == running && (o.Status != "open" || o.AmountDueFen == nil || *o.AmountDueFen != want) {
			t.Fatalf("running award shown as %+v", o)
		}
		if o.AwardID == ended && o.Status != "running" {
			t.Fatalf("ended award before the sweep shown as %+v", o)
		}
	}
	if r := f.e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/obligations", f.org), f.e.Token("university@demo.local"), nil); r.Status != http.StatusForbidden {
		t.Fatalf("another organization's member: %d", r.Status)
	}
	// Another agency's officer neither lists nor reads the case.
	xuhui := f.e.Token("officer.xuhui@demo.local")
	r = f.e.Do("GET", "/api/v1/clawbacks", xuhui, nil)
	r.JSON(&list)
	if r.Status != http.StatusOK || len(list.Items) != 0 {
		t.Fatalf("Xuhui's list: %d %s", r.Status, r.Body)
	}
	path := fmt.Sprintf("/api/v1/clawbacks/%d", c.ID)
	if r := f.e.Do("GET", path, f.e.Token("university@demo.local"), nil); r.Status != http.StatusNotFound {
		t.Fatalf("outsider reads the case: %d", r.Status)
	}
	// The recipient reads it, without actions, and may not act.
	var d obligations.Detail
	r = f.e.Do("GET", path, owner, nil)
	r.JSON(&d)
	if r.Status != http.StatusOK || len(d.Actions) != 0 || len(d.History) != 1 {
		t.Fatalf("recipient's view: %d %s", r.Status, r.Body)
	}
	if r := f.e.Do("POST", path+"/repay", owner, map[string]any{}); r.Status != http.StatusForbidden {
		t.Fatalf("recipient repays: %d", r.Status)
	}
}

// TestCaseActions: bad input is refused naming the field and changes
// nothing; agreeing sets the due date; repaying posts once through the
// ledger into the program's budget and claws the award back.
func TestCaseActions(t *testing.T) {
	f := newFixture(t)
	f.exec(t, `UPDATE programs SET obligation_years = 5, clawback_pro_rata = FALSE WHERE id = $1`, f.program)
	award := f.award(t, 250_000, f.today.AddDate(-1, 0, 0), 5)
	ctx := context.Background()
	// The program's budget account, debit-normal as budgets are.
	l := ledger.New(f.e.App.DB)
	var budget ledger.Account
	if err := f.e.App.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		budget, err = l.EnsureAccount(ctx, tx, ledger.Account{Code: obligations.BudgetCode(f.program), NameZh: "预算", NameEn: "Budget", Type: ledger.Asset, Kind: "budget", NonNegative: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f.move(t, f.e.Token("enterprise@demo.local"), map[string]any{"tax_district": "pudong"})
	var id int64
	if err := f.e.App.DB.Read.QueryRow(`SELECT id FROM clawback_cases WHERE award_id = $1`, award).Scan(&id); err != nil {
		t.Fatal(err)
	}
	officer := f.e.Token("officer.jingan@demo.local")
	path := fmt.Sprintf("/api/v1/clawbacks/%d", id)
	var d obligations.Detail
	r := f.e.Do("GET", path, officer, nil)
	r.JSON(&d)
	if d.Reason != "tax_district" || d.AmountDueFen != 250_000 || len(d.Actions) != 3 {
		t.Fatalf("case %s", r.Body)
	}
	for _, c := range []struct {
		method, path string
		body         any
		field        string
	}{
		{"POST", path + "/waive", map[string]any{}, "comment"},
		{"POST", path + "/waive", map[string]any{"comment": "   "}, "comment"},
		{"POST", path + "/agree", map[string]any{"due_on": "2026-02-30"}, "due_on"},
		{"POST", path + "/agree", map[string]any{"paid_on": "2026-01-01"}, "paid_on"},
		{"POST", path + "/repay", map[string]any{"paid_on": "soon"}, "paid_on"},
		{"POST", path + "/repay", map[string]any{"amount": 1}, "amount"},
		{"PATCH", path, map[string]any{"notes": "a\x00b"}, "notes"},
		{"PATCH", path, map[string]any{"due_on": 7}, "due_on"},
	} {
		r := f.e.Do(c.method, c.path, officer, c.body)
		if r.Status < 400 || r.Status >= 500 || !strings.Contains(string(r.Body), c.field) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s %v: %d %s", c.method, c.path, c.body, r.Status, r.Body)
		}
	}
	if n := f.count(t, `SELECT COUNT(*) FROM clawback_cases WHERE id = $1 AND status = 'open' AND version = 1`, id); n != 1 {
		t.Fatal("refused input changed the case")
	}
	r = f.e.Do("PATCH", path, officer, map[string]any{"notes": "called the finance director"})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "finance director") {
		t.Fatalf("notes: %d %s", r.Status, r.Body)
	}
	r = f.e.Do("POST", path+"/agree", officer, map[string]any{"due_on": "2030-06-30", "comment": "instalment agreed"})
	r.JSON(&d)
	if r.Status != http.StatusOK || d.Status != "agreed" || d.DueOn != "2030-06-30" {
		t.Fatalf("agree: %d %s", r.Status, r.Body)
	}
	// A stale version is a conflict.
	if r := f.e.Do("POST", path+"/repay", officer, map[string]any{"version": 1}); r.Status != http.StatusConflict {
		t.Fatalf("stale repay: %d %s", r.Status, r.Body)
	}
	r = f.e.Do("POST", path+"/repay", officer, map[string]any{"paid_on": f.today.Format(time.DateOnly)})
	r.JSON(&d)
	if r.Status != http.StatusOK || d.Status != "repaid" || d.JournalID == nil || d.RepaidOn == nil {
		t.Fatalf("repay: %d %s", r.Status, r.Body)
	}
	// Retried: the same journal, nothing booked twice.
	if r := f.e.Do("POST", path+"/repay", officer, nil); r.Status != http.StatusOK {
		t.Fatalf("retried repay: %d %s", r.Status, r.Body)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM ledger_journals WHERE idempotency_key = $1`, obligations.RepayKey(id)); n != 1 {
		t.Fatalf("%d repayment journals", n)
	}
	got, err := l.Account(ctx, f.e.App.DB.Read, budget.ID)
	if err != nil || got.Balance != budget.Balance+250_000 {
		t.Fatalf("budget %+v, want %d more: %v", got, 250_000, err)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM awards WHERE id = $1 AND status = 'clawed_back'`, award); n != 1 {
		t.Fatal("award not clawed back")
	}
	if _, err := l.Verify(ctx, f.e.App.DB.Read); err != nil {
		t.Fatal(err)
	}
	// Closed: no more actions, no more edits.
	if r := f.e.Do("POST", path+"/waive", officer, map[string]any{"comment": "too late"}); r.Status != http.StatusConflict {
		t.Fatalf("waive a repaid case: %d", r.Status)
	}
	if r := f.e.Do("PATCH", path, officer, map[string]any{"notes": "x"}); r.Status != http.StatusConflict {
		t.Fatalf("edit a repaid case: %d", r.Status)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM workflow_transitions WHERE entity = 'clawback_case' AND entity_id = $1`, id); n != 3 {
		t.Fatalf("%d transitions, want create, agree, repay", n)
	}
}

// TestWaiveAndSweep: a waiver keeps its reason and moves no money; the
// sweep marks ended obligations fulfilled once, and not those with a case.
func TestWaiveAndSweep(t *testing.T) {
	f := newFixture(t)
	f.exec(t, `UPDATE programs SET obligation_years = 3 WHERE id = $1`, f.program)
	ended := f.award(t, 10_000, f.today.AddDate(-4, 0, 0), 3)
	running := f.award(t, 20_000, f.today.AddDate(-1, 0, 0), 3)
	s := f.e.App.Obligations
	res, err := s.Sweep(context.Background())
	if err != nil || len(res.Fulfilled) != 1 || res.Fulfilled[0] != ended {
		t.Fatalf("sweep %+v %v, want award %d", res, err, ended)
	}
	if res, err := s.Sweep(context.Background()); err != nil || len(res.Fulfilled) != 0 {
		t.Fatalf("second sweep %+v %v", res, err)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM notices WHERE kind = 'obligation.fulfilled'`); n == 0 {
		t.Fatal("no notice of the fulfilled obligation")
	}
	f.move(t, f.e.Token("enterprise@demo.local"), map[string]any{"registered_district": "minhang"})
	var id int64
	if err := f.e.App.DB.Read.QueryRow(`SELECT id FROM clawback_cases WHERE award_id = $1`, running).Scan(&id); err != nil {
		t.Fatal(err)
	}
	admin := f.e.Token("admin@demo.local")
	r := f.e.Do("POST", fmt.Sprintf("/api/v1/clawbacks/%d/waive", id), admin, map[string]any{"comment": "moved by a city relocation order"})
	var d obligations.Detail
	r.JSON(&d)
	if r.Status != http.StatusOK || d.Status != "waived" || d.WaiveReason != "moved by a city relocation order" || d.JournalID != nil {
		t.Fatalf("waive: %d %s", r.Status, r.Body)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM awards WHERE id = $1 AND status = 'paid'`, running); n != 1 {
		t.Fatal("a waiver changed the award")
	}
	// After its end, the award with a waived case is not marked fulfilled.
	f.exec(t, `UPDATE awards SET obligation_until = $1 WHERE id = $2`, f.today.AddDate(0, 0, -1).Format(time.DateOnly), running)
	if res, err := s.Sweep(context.Background()); err != nil || len(res.Fulfilled) != 0 {
		t.Fatalf("sweep after the waiver %+v %v", res, err)
	}
}

// TestConcurrentMovesOpenOneCase: eight concurrent profile changes that
// each take the recipient out of the district open one case.
func TestConcurrentMovesOpenOneCase(t *testing.T) {
	f := newFixture(t)
	f.exec(t, `UPDATE programs SET obligation_years = 5 WHERE id = $1`, f.program)
	award := f.award(t, 50_000, f.today.AddDate(-1, 0, 0), 5)
	owner := f.e.Token("enterprise@demo.local")
	districts := []string{"xuhui", "minhang", "pudong", "yangpu", "huangpu", "putuo", "hongkou", "baoshan"}
	var wg sync.WaitGroup
	statuses := make([]int, len(districts))
	for i, d := range districts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := f.e.Do("PATCH", fmt.Sprintf("/api/v1/orgs/%d", f.org), owner, map[string]any{"registered_district": d})
			statuses[i] = r.Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusConflict, http.StatusServiceUnavailable:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	if ok == 0 {
		t.Fatalf("no move succeeded: %v", statuses)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM clawback_cases WHERE award_id = $1`, award); n != 1 {
		t.Fatalf("%d cases after %d successful moves, want 1", n, ok)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.email = 'enterprise@demo.local' AND n.kind = 'clawback.opened'`); n != 1 {
		t.Fatalf("the owner was told %d times", n)
	}
}
