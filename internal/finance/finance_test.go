package finance_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/finance"
	"rainforest/internal/ip/ipnum"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/ledger"
)

func orgID(t *testing.T, e *apptest.Env, zh string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&id); err != nil {
		t.Fatal(zh, err)
	}
	return id
}

func must(t *testing.T, r apptest.Response, status int) apptest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want %d, got %d %s", status, r.Status, r.Body)
	}
	return r
}

func field(t *testing.T, r apptest.Response, status int) string {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want a %d problem, got %d %s", status, r.Status, r.Body)
	}
	f, _ := r.Map()["field"].(string)
	return f
}

func id(r apptest.Response) int64 { return int64(r.Map()["id"].(float64)) }

type bankWorld struct {
	e                       *apptest.Env
	bank, ent, admin        string
	bos, yunshan, xuhuiComm int64
}

func newBankWorld(t *testing.T) *bankWorld {
	e := apptest.New(t)
	return &bankWorld{e: e, bank: e.Token("bank@demo.local"), ent: e.Token("enterprise@demo.local"), admin: e.Token("admin@demo.local"),
		bos: orgID(t, e, "上海银行股份有限公司静安支行"), yunshan: orgID(t, e, "上海云杉软件科技有限公司"), xuhuiComm: orgID(t, e, "上海市徐汇区科学技术委员会")}
}

func (w *bankWorld) product(t *testing.T, extra map[string]any) int64 {
	t.Helper()
	b := map[string]any{"bank_org_id": w.bos, "name_zh": "科创信用贷", "name_en": "Sci-tech credit loan", "min_yuan": 100_000, "max_yuan": 5_000_000,
		"min_months": 6, "max_months": 36, "rate_pct": 4.35, "collateral_free": true}
	for k, v := range extra {
		b[k] = v
	}
	return id(must(t, w.e.Do("POST", "/api/v1/loan-products", w.bank, b), http.StatusCreated))
}

func TestLoanLifecycle(t *testing.T) {
	w := newBankWorld(t)
	e := w.e
	base := map[string]any{"bank_org_id": w.bos, "name_zh": "x", "min_yuan": 100, "max_yuan": 1000, "min_months": 6, "max_months": 12, "rate_pct": 4}
	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"rate":     {"rate_pct", 40, "rate_pct"},
		"rate 3dp": {"rate_pct", 4.355, "rate_pct"},
		"max<min":  {"max_yuan", 50, "max_yuan"},
		"months":   {"max_months", 400, "max_months"},
		"not bank": {"bank_org_id", w.yunshan, "bank_org_id"},
	} {
		b := map[string]any{}
		for k, v := range base {
			b[k] = v
		}
		b[tc.key] = tc.value
		tok := w.bank
		if tc.key == "bank_org_id" {
			tok = w.admin
		}
		if f := field(t, e.Do("POST", "/api/v1/loan-products", tok, b), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: field %q", name, f)
		}
	}
	must(t, e.Do("POST", "/api/v1/loan-products", w.ent, base), http.StatusForbidden)
	prod := w.product(t, nil)

	apply := func(extra map[string]any) apptest.Response {
		b := map[string]any{"product_id": prod, "org_id": w.yunshan, "amount_yuan": 1_200_000, "months": 12, "purpose": "研发投入与流动资金",
			"consent_scopes": []string{"profile", "financials"}}
		for k, v := range extra {
			b[k] = v
		}
		return e.Do("POST", "/api/v1/loans", w.ent, b)
	}
	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"too much":   {"amount_yuan", 9_000_000, "amount_yuan"},
		"negative":   {"amount_yuan", -5, "amount_yuan"},
		"too short":  {"months", 3, "months"},
		"no profile": {"consent_scopes", []string{"financials"}, "consent_scopes"},
		"bad scope":  {"consent_scopes", []string{"profile", "diary"}, "consent_scopes[1]"},
		"no purpose": {"purpose", " ", "purpose"},
		"pledge":     {"pledge_asset_ids", []int64{1}, "pledge_asset_ids"},
	} {
		if f := field(t, apply(map[string]any{tc.key: tc.value}), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: field %q", name, f)
		}
	}
	if f := field(t, e.Do("POST", "/api/v1/loans", e.Token("university@demo.local"), map[string]any{"product_id": prod, "org_id": w.yunshan, "amount_yuan": 200000,
		"months": 12, "purpose": "x", "consent_scopes": []string{"profile"}}), http.StatusForbidden); f != "org_id" {
		t.Errorf("someone else's org: %q", f)
	}
	loan := id(must(t, apply(nil), http.StatusCreated))
	path := fmt.Sprintf("/api/v1/loans/%d", loan)

	// The bank reads what is shared, and it is logged; others may not.
	sh := must(t, e.Do("GET", path+"/shared", w.bank, nil), http.StatusOK).Map()
	if sh["profile"] == nil || sh["financials"] == nil || sh["ip"] != nil {
		t.Fatalf("shared: %v", sh)
	}
	must(t, e.Do("GET", path+"/shared", w.ent, nil), http.StatusForbidden)
	must(t, e.Do("GET", path+"/shared", e.Token("university@demo.local"), nil), http.StatusNotFound)
	v := must(t, e.Do("GET", path, w.ent, nil), http.StatusOK).Map()
	if reads := v["consent"].(map[string]any)["reads"].([]any); len(reads) != 1 {
		t.Fatalf("reads: %v", reads)
	}

	// The bank's workflow.
	act := func(tok, action, comment string, status int) map[string]any {
		t.Helper()
		return must(t, e.Do("POST", path+"/actions", tok, map[string]any{"action": action, "comment": comment}), status).Map()
	}
	act(w.ent, "review", "", http.StatusForbidden)
	act(w.bank, "review", "", http.StatusOK)
	act(w.bank, "approve", "", http.StatusOK)
	act(w.bank, "disburse", "", http.StatusOK)
	l := must(t, e.Do("GET", path, w.bank, nil), http.StatusOK).Map()
	sched := l["schedule"].([]any)
	var principal, owed float64
	for _, x := range sched {
		m := x.(map[string]any)
		principal += m["principal_fen"].(float64)
		owed += m["principal_fen"].(float64) + m["interest_fen"].(float64)
	}
	if len(sched) != 12 || principal != 120_000_000 || l["outstanding_fen"].(float64) != 120_000_000 || l["state"] != "disbursed" {
		t.Fatalf("after disbursement: %v", l)
	}
	// Consent withdrawn: no more reads.
	must(t, e.Do("POST", path+"/consent/withdraw", w.bank, nil), http.StatusForbidden)
	must(t, e.Do("POST", path+"/consent/withdraw", w.ent, nil), http.StatusOK)
	must(t, e.Do("GET", path+"/shared", w.bank, nil), http.StatusForbidden)
	// Repayments.
	if f := field(t, e.Do("POST", path+"/repayments", w.bank, map[string]any{"amount_fen": int64(owed) + 1}), http.StatusUnprocessableEntity); f != "amount_fen" {
		t.Errorf("overpay: %q", f)
	}
	if f := field(t, e.Do("POST", path+"/repayments", w.bank, map[string]any{"amount_fen": 100, "paid_on": "2099-01-01"}), http.StatusUnprocessableEntity); f != "paid_on" {
		t.Errorf("future: %q", f)
	}
	must(t, e.Do("POST", path+"/repayments", w.ent, map[string]any{"amount_fen": 100}), http.StatusForbidden)
	first := sched[0].(map[string]any)
	l = must(t, e.Do("POST", path+"/repayments", w.bank, map[string]any{"amount_fen": first["principal_fen"].(float64) + first["interest_fen"].(float64)}), http.StatusOK).Map()
	if l["outstanding_fen"].(float64) != 120_000_000-first["principal_fen"].(float64) {
		t.Fatalf("after one: %v", l["outstanding_fen"])
	}
	rest := owed - first["principal_fen"].(float64) - first["interest_fen"].(float64)
	l = must(t, e.Do("POST", path+"/repayments", w.bank, map[string]any{"amount_fen": rest}), http.StatusOK).Map()
	if l["state"] != "repaid" || l["outstanding_fen"].(float64) != 0 {
		t.Fatalf("repaid: %v", l)
	}
	rep := must(t, e.Do("GET", "/api/v1/finance/report", "", nil), http.StatusOK).Map()
	if rep["total"].(map[string]any)["loans"].(float64) != 1 {
		t.Fatalf("report: %v", rep)
	}
}

func TestSchedule(t *testing.T) {
	for _, tc := range []struct {
		amount     int64
		months, bp int
	}{{120_000_000, 12, 435}, {1, 3, 0}, {99_999, 7, 3600}, {500_000_000_000, 360, 490}} {
		var sum int64
		s := finance.Schedule(tc.amount, tc.months, tc.bp, mustDate("2026-12-01"))
		for _, in := range s {
			if in.PrincipalFen < 0 || in.InterestFen < 0 {
				t.Fatalf("%+v: negative %+v", tc, in)
			}
			sum += in.PrincipalFen
		}
		if len(s) != tc.months || sum != tc.amount {
			t.Errorf("%+v: %d installments, principal %d", tc, len(s), sum)
		}
	}
}

func TestPledges(t *testing.T) {
	w := newBankWorld(t)
	e := w.e
	d := fmt.Sprintf("2022%c%07d", '1', 7654321)
	number := d + "." + string(ipnum.PatentCheck(d))
	asset := id(must(t, e.Do("POST", "/api/v1/ip/assets", w.ent, map[string]any{"owner_org_id": w.yunshan, "kind": "patent", "number": number, "status": "granted",
		"title_zh": "一种日志压缩方法", "title_en": "A log compression method", "inventors": []map[string]any{{"name_zh": "陈静", "share_pct": 100}}}), http.StatusCreated))
	prod := w.product(t, map[string]any{"name_zh": "知识产权质押贷", "ip_pledge": true, "collateral_free": false})
	body := func(assets ...int64) map[string]any {
		return map[string]any{"product_id": prod, "org_id": w.yunshan, "amount_yuan": 500_000, "months": 12, "purpose": "以专利质押融资", "consent_scopes": []string{"profile", "ip"},
			"pledge_asset_ids": assets}
	}
	if f := field(t, e.Do("POST", "/api/v1/loans", w.ent, body()), http.StatusUnprocessableEntity); f != "pledge_asset_ids" {
		t.Errorf("no pledge: %q", f)
	}
	loan := id(must(t, e.Do("POST", "/api/v1/loans", w.ent, body(asset)), http.StatusCreated))
	if f := field(t, e.Do("POST", "/api/v1/loans", w.ent, body(asset)), http.StatusConflict); f != "pledge_asset_ids[0]" {
		t.Errorf("pledged twice: %q", f)
	}
	// The IP module refuses to list it meanwhile.
	if f := field(t, e.Do("POST", "/api/v1/ip/listings", w.ent, map[string]any{"asset_id": asset, "kind": "transfer", "negotiable": true}), http.StatusConflict); f != "asset_id" {
		t.Errorf("listing a pledged asset: %q", f)
	}
	var other int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM ip_assets WHERE owner_org_id <> $1 ORDER BY id LIMIT 1`, w.yunshan).Scan(&other); err == nil {
		if f := field(t, e.Do("POST", "/api/v1/loans", w.ent, body(other)), http.StatusUnprocessableEntity); f != "pledge_asset_ids[0]" {
			t.Errorf("someone else's asset: %q", f)
		}
	}
	sh := must(t, e.Do("GET", fmt.Sprintf("/api/v1/loans/%d/shared", loan), w.bank, nil), http.StatusOK).Map()
	if ips := sh["ip"].([]any); len(ips) != 1 || sh["financials"] != nil {
		t.Fatalf("shared ip: %v", sh)
	}
	// Declined: the pledge is released and the asset free again.
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/loans/%d/actions", loan), w.bank, map[string]any{"action": "decline", "comment": "估值不足"}), http.StatusOK)
	must(t, e.Do("POST", "/api/v1/ip/listings", w.ent, map[string]any{"asset_id": asset, "kind": "transfer", "negotiable": true}), http.StatusCreated)
}

// TestPoolClaims: 1,000 defaulted loans claim at once on a pool that can
// cover 400; exactly 400 are approved, none beyond the pool, and the paid
// ones settle through the ledger.
func TestPoolClaims(t *testing.T) {
	w := newBankWorld(t)
	e := w.e
	ctx := context.Background()
	officer := e.Token("officer.xuhui@demo.local")
	poolBody := map[string]any{"slug": "xuhui-sme-loan-risk", "owner_org_id": w.xuhuiComm, "name_zh": "徐汇区中小企业贷款风险补偿资金池",
		"shares_pct": map[string]any{"fund": 40, "bank": 60}, "per_loan_cap_yuan": 100_000, "capital_yuan": 400 * 40_000}
	for name, tc := range map[string]struct {
		shares map[string]any
		field  string
	}{
		"sum":      {map[string]any{"fund": 40, "bank": 50}, "shares_pct"},
		"no fund":  {map[string]any{"bank": 100}, "shares_pct.fund"},
		"stranger": {map[string]any{"fund": 50, "uncle": 50}, "shares_pct.uncle"},
	} {
		b := map[string]any{}
		for k, v := range poolBody {
			b[k] = v
		}
		b["shares_pct"] = tc.shares
		if f := field(t, e.Do("POST", "/api/v1/risk-pools", officer, b), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: %q", name, f)
		}
	}
	must(t, e.Do("POST", "/api/v1/risk-pools", e.Token("officer.jingan@demo.local"), poolBody), http.StatusForbidden)
	pool := id(must(t, e.Do("POST", "/api/v1/risk-pools", officer, poolBody), http.StatusCreated))
	prod := w.product(t, map[string]any{"pool_id": pool})
	// 1,000 defaulted loans of 100,000 yuan: each claim is 40,000.
	const n = 1000
	now := e.App.DB.Now()
	for i := range n {
		if _, err := e.App.DB.Write.ExecContext(ctx, `INSERT INTO loans (product_id, bank_org_id, org_id, amount_fen, months, rate_bp, purpose, state, disbursed_on,
			outstanding_fen, created_at, updated_at) VALUES ($1, $2, $3, 10000000, 12, 435, $4, 'defaulted', '2026-01-01', 10000000, $5, $5)`,
			prod, w.bos, w.yunshan, fmt.Sprint("loan ", i), now); err != nil {
			t.Fatal(err)
		}
	}
	s := e.App.Finance
	var bankUser int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM users WHERE email = 'bank@demo.local'`).Scan(&bankUser); err != nil {
		t.Fatal(err)
	}
	bank := &auth.Principal{UserID: bankUser, Memberships: []auth.Membership{{OrgID: w.bos, Role: auth.OrgMember, OrgKind: "bank"}}}
	rows, err := e.App.DB.Read.Query(`SELECT id FROM loans WHERE product_id = $1 ORDER BY id`, prod)
	if err != nil {
		t.Fatal(err)
	}
	var loans []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		loans = append(loans, x)
	}
	rows.Close()
	var claims []int64
	for _, l := range loans {
		c, err := s.FileClaim(ctx, bank, l)
		if err != nil {
			t.Fatal(err)
		}
		if c.ClaimFen != 4_000_000 {
			t.Fatalf("claim: %+v", c)
		}
		claims = append(claims, c.ID)
	}
	if _, err := s.FileClaim(ctx, bank, loans[0]); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("second claim on a loan: %v", err)
	}
	var offID int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM users WHERE email = 'officer.xuhui@demo.local'`).Scan(&offID); err != nil {
		t.Fatal(err)
	}
	off := &auth.Principal{UserID: offID, Role: auth.RoleOfficer, Memberships: []auth.Membership{{OrgID: w.xuhuiComm, Role: auth.OrgMember, OrgKind: "agency", District: "xuhui"}}}
	var approved, refused atomic.Int64
	var fail atomic.Value
	work := make(chan int64)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				for {
					_, err := s.ActClaim(ctx, off, c, "approve", "")
					if err == nil {
						approved.Add(1)
						break
					}
					if apperr.CodeOf(err) == apperr.Internal {
						continue // a serialization failure: retry
					}
					if apperr.CodeOf(err) == apperr.Conflict {
						refused.Add(1)
					} else {
						fail.Store(err)
					}
					break
				}
			}
		}()
	}
	for _, c := range claims {
		work <- c
	}
	close(work)
	wg.Wait()
	if err := fail.Load(); err != nil {
		t.Fatal(err)
	}
	if approved.Load() != 400 || refused.Load() != 600 {
		t.Fatalf("approved %d, refused %d", approved.Load(), refused.Load())
	}
	p, err := s.Pool(ctx, pool)
	if err != nil || p.BalanceFen != 400*4_000_000 || p.HeldFen != p.BalanceFen || p.AvailableFen() != 0 {
		t.Fatalf("pool: %+v %v", p, err)
	}
	// Pay the approved ones.
	cs, err := s.ClaimList(ctx, off, pool)
	if err != nil {
		t.Fatal(err)
	}
	paid := 0
	for _, c := range cs {
		if c.State == finance.ClaimApproved {
			if _, err := s.ActClaim(ctx, off, c.ID, "pay", ""); err != nil {
				t.Fatal(err)
			}
			paid++
		}
	}
	p, _ = s.Pool(ctx, pool)
	if paid != 400 || p.BalanceFen != 0 || p.PaidFen != 400*4_000_000 {
		t.Fatalf("after paying %d: %+v", paid, p)
	}
	if rep, err := ledger.New(e.App.DB).Verify(ctx, e.App.DB.Read); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ledger: %+v %v", rep, err)
	}
	// The bank sees its claims on the pool's page; a refusal names a reason.
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/pool-claims/%d/actions", cs[0].ID), w.bank, map[string]any{"action": "approve"}), http.StatusForbidden)
}

func TestFinancePages(t *testing.T) {
	w := newBankWorld(t)
	e := w.e
	prod := w.product(t, nil)
	b := e.Browser()
	b.Login("enterprise@demo.local")
	if r := b.Get("/finance"); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "科创信用贷") || strings.Contains(string(r.Body), "finance.") {
		t.Fatalf("/finance: %d", r.Status)
	}
	r := b.Post("/loans", url.Values{"product_id": {fmt.Sprint(prod)}, "org_id": {fmt.Sprint(w.yunshan)}, "amount_yuan": {"300000"}, "months": {"12"},
		"purpose": {"扩大研发团队"}, "consent_scopes": {"profile", "ip"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	loanPath := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	bk := e.Browser()
	bk.Login("bank@demo.local")
	for _, a := range []string{"review", "approve", "disburse"} {
		if r := bk.Post(loanPath+"/act", url.Values{"action": {a}}); r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", a, r.Status, r.Body)
		}
	}
	if r := bk.Get(loanPath + "/shared"); r.Status != http.StatusOK {
		t.Fatalf("shared: %d", r.Status)
	}
	if r := bk.Post(loanPath+"/repayments", url.Values{"amount_yuan": {"1,000.50"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("repay: %d %s", r.Status, r.Body)
	}
	page := string(b.Get(loanPath).Body)
	if !strings.Contains(page, "bank@demo.local") || !strings.Contains(page, "¥1,000.50") || !strings.Contains(page, `id="h-rep"`) || strings.Contains(page, "finance.") {
		t.Fatalf("loan page lacks the read log or the repayment: %s", page)
	}
	if r := b.Get("/loans"); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "科创信用贷") {
		t.Fatalf("/loans: %d", r.Status)
	}
}

func mustDate(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
