package app_test

import (
	"net/http"
	"time"

	"rainforest/internal/finance"
)

// Fixtures of the finance cells in the permission matrix: products of the
// Bank of Shanghai's Jing'an branch (bank@ is a member), loans of Yunshan
// (enterprise@), a pool of the Xuhui commission (officer.xuhui@).

func (w *world) orgByName(zh string) int64 {
	var id int64
	if err := w.e.App.DB.Read.QueryRow(`SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&id); err != nil {
		w.t.Fatal(zh, err)
	}
	return id
}

func (w *world) mustCreate(path string, token string, body any) int64 {
	w.t.Helper()
	r := w.e.Do("POST", path, token, body)
	if r.Status != http.StatusCreated {
		w.t.Fatalf("%s: %d %s", path, r.Status, r.Body)
	}
	return int64(r.Map()["id"].(float64))
}

func (w *world) productBody(pool int64) map[string]any {
	b := map[string]any{"bank_org_id": w.orgByName("上海银行股份有限公司静安支行"), "name_zh": "矩阵测试贷", "min_yuan": 10000, "max_yuan": 1000000,
		"min_months": 6, "max_months": 24, "rate_pct": 3.9, "collateral_free": true}
	if pool > 0 {
		b["pool_id"] = pool
	}
	return b
}

func (w *world) poolBody() map[string]any {
	w.seq++
	return map[string]any{"slug": p("matrix-pool-%d", w.seq), "owner_org_id": w.orgByName("上海市徐汇区科学技术委员会"), "name_zh": "矩阵测试资金池",
		"shares_pct": map[string]any{"fund": 50, "bank": 50}, "per_loan_cap_yuan": 100000, "capital_yuan": 1000000}
}

// loan is a loan of Yunshan brought by the bank to state: received,
// disbursed or defaulted (on a product a pool covers).
func (w *world) loan(state string) int64 {
	w.t.Helper()
	pool := w.mustCreate("/api/v1/risk-pools", w.admin, w.poolBody())
	prod := w.mustCreate("/api/v1/loan-products", w.admin, w.productBody(pool))
	id := w.mustCreate("/api/v1/loans", w.admin, map[string]any{"product_id": prod, "org_id": w.yunshan, "amount_yuan": 100000, "months": 12,
		"purpose": "矩阵测试", "consent_scopes": []string{"profile"}})
	bank := w.e.Token("bank@demo.local")
	steps := map[string][]string{"received": nil, "disbursed": {"review", "approve", "disburse"}, "defaulted": {"review", "approve", "disburse", "default"}}[state]
	for _, a := range steps {
		if r := w.e.Do("POST", p("/api/v1/loans/%d/actions", id), bank, map[string]any{"action": a, "comment": "矩阵"}); r.Status != http.StatusOK {
			w.t.Fatalf("%s: %d %s", a, r.Status, r.Body)
		}
	}
	return id
}

func init() {
	moreCells = append(moreCells, func() []cell {
		bankers := []string{"admin", "bank"}
		xuhui := []string{"admin", "officer.xuhui"}
		readers := func(bank, borrower, officers, admin, others int) expect {
			return per(others, map[string]int{"bank": bank, "enterprise": borrower, "officer.jingan": officers, "officer.xuhui": officers, "admin": admin})
		}
		return []cell{
			{route: "GET /api/v1/loan-products", name: "list", req: func(w *world) (string, any) { return "/api/v1/loan-products", nil }, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/loan-products", name: "for the bank", req: func(w *world) (string, any) { return "/api/v1/loan-products", w.productBody(0) },
				want: only(http.StatusCreated, http.StatusForbidden, bankers...)},
			{route: "GET /api/v1/loan-products/{id}", name: "active", req: func(w *world) (string, any) {
				return p("/api/v1/loan-products/%d", w.mustCreate("/api/v1/loan-products", w.admin, w.productBody(0))), nil
			}, want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/loan-products/{id}", name: "the bank's", req: func(w *world) (string, any) {
				return p("/api/v1/loan-products/%d", w.mustCreate("/api/v1/loan-products", w.admin, w.productBody(0))), w.productBody(0)
			}, want: only(http.StatusOK, http.StatusForbidden, bankers...)},
			{route: "GET /api/v1/loans", name: "mine", req: func(w *world) (string, any) { return "/api/v1/loans", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/loans", name: "for Yunshan", req: func(w *world) (string, any) {
				prod := w.mustCreate("/api/v1/loan-products", w.admin, w.productBody(0))
				return "/api/v1/loans", map[string]any{"product_id": prod, "org_id": w.yunshan, "amount_yuan": 50000, "months": 12, "purpose": "矩阵", "consent_scopes": []string{"profile"}}
			}, want: only(http.StatusCreated, http.StatusForbidden, "admin", "enterprise")},
			{route: "GET /api/v1/loans/{id}", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/loans/%d", w.loan("received")), nil },
				want: readers(http.StatusOK, http.StatusOK, http.StatusOK, http.StatusOK, http.StatusNotFound)},
			{route: "POST /api/v1/loans/{id}/actions", name: "review", req: func(w *world) (string, any) {
				return p("/api/v1/loans/%d/actions", w.loan("received")), map[string]any{"action": "review"}
			}, want: readers(http.StatusOK, http.StatusForbidden, http.StatusForbidden, http.StatusForbidden, http.StatusNotFound)},
			{route: "POST /api/v1/loans/{id}/repayments", name: "disbursed", req: func(w *world) (string, any) {
				return p("/api/v1/loans/%d/repayments", w.loan("disbursed")), map[string]any{"amount_fen": 100}
			}, want: readers(http.StatusOK, http.StatusForbidden, http.StatusForbidden, http.StatusOK, http.StatusNotFound)},
			{route: "GET /api/v1/loans/{id}/shared", name: "profile", req: func(w *world) (string, any) { return p("/api/v1/loans/%d/shared", w.loan("received")), nil },
				want: readers(http.StatusOK, http.StatusForbidden, http.StatusForbidden, http.StatusForbidden, http.StatusNotFound)},
			{route: "POST /api/v1/loans/{id}/consent/withdraw", name: "received", req: func(w *world) (string, any) {
				return p("/api/v1/loans/%d/consent/withdraw", w.loan("received")), nil
			}, want: readers(http.StatusForbidden, http.StatusOK, http.StatusForbidden, http.StatusOK, http.StatusNotFound)},
			{route: "GET /api/v1/risk-pools", name: "list", req: func(w *world) (string, any) { return "/api/v1/risk-pools", nil }, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/risk-pools", name: "for Xuhui", req: func(w *world) (string, any) { return "/api/v1/risk-pools", w.poolBody() },
				want: only(http.StatusCreated, http.StatusForbidden, xuhui...)},
			{route: "GET /api/v1/risk-pools/{id}", name: "Xuhui's", req: func(w *world) (string, any) {
				return p("/api/v1/risk-pools/%d", w.mustCreate("/api/v1/risk-pools", w.admin, w.poolBody())), nil
			}, want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/risk-pools/{id}", name: "Xuhui's", req: func(w *world) (string, any) {
				b := w.poolBody()
				id := w.mustCreate("/api/v1/risk-pools", w.admin, b)
				b["capital_yuan"] = 2000000
				return p("/api/v1/risk-pools/%d", id), b
			}, want: only(http.StatusOK, http.StatusForbidden, xuhui...)},
			{route: "GET /api/v1/risk-pools/{id}/claims", name: "Xuhui's", req: func(w *world) (string, any) {
				return p("/api/v1/risk-pools/%d/claims", w.mustCreate("/api/v1/risk-pools", w.admin, w.poolBody())), nil
			}, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/pool-claims", name: "defaulted", req: func(w *world) (string, any) {
				return "/api/v1/pool-claims", map[string]any{"loan_id": w.loan("defaulted")}
			}, want: only(http.StatusCreated, http.StatusForbidden, bankers...)},
			{route: "POST /api/v1/pool-claims/{id}/actions", name: "approve", req: func(w *world) (string, any) {
				c := w.mustCreate("/api/v1/pool-claims", w.e.Token("bank@demo.local"), map[string]any{"loan_id": w.loan("defaulted")})
				return p("/api/v1/pool-claims/%d/actions", c), map[string]any{"action": "approve"}
			}, want: per(http.StatusNotFound, map[string]int{"admin": http.StatusOK, "officer.xuhui": http.StatusOK, "bank": http.StatusForbidden})},
			{route: "GET /api/v1/finance/report", name: "figures", req: func(w *world) (string, any) { return "/api/v1/finance/report", nil }, want: everyone(http.StatusOK)},
		}
	})
	moreCells = append(moreCells, financeMoreCells)
}

// subsidyLoan is a loan of Yunshan disbursed 200 days ago on a product a
// new subsidy scheme of the Jing'an IP-pledge interest program covers,
// with its first installment repaid; it returns the loan, the quarter of
// that repayment (ended) and the scheme.
func (w *world) subsidyLoan() (loan int64, quarter string, scheme int64) {
	w.t.Helper()
	clock := w.e.App.DB.Now
	defer func() { w.e.App.DB.Now = clock }()
	start := clock().AddDate(0, 0, -200)
	w.e.App.DB.Now = func() time.Time { return start }
	prod := w.mustCreate("/api/v1/loan-products", w.admin, w.productBody(0))
	scheme = w.mustCreate("/api/v1/finance/subsidy-schemes", w.admin, map[string]any{"program": "jingan-ip-pledge-interest", "name_zh": "矩阵贴息",
		"share_pct": 50, "cap_yuan": 100000, "from_quarter": "2000Q1", "product_ids": []int64{prod}})
	loan = w.mustCreate("/api/v1/loans", w.admin, map[string]any{"product_id": prod, "org_id": w.yunshan, "amount_yuan": 100000, "months": 12,
		"purpose": "矩阵测试", "consent_scopes": []string{"profile"}})
	bank := w.e.Token("bank@demo.local")
	for _, a := range []string{"review", "approve", "disburse"} {
		if r := w.e.Do("POST", p("/api/v1/loans/%d/actions", loan), bank, map[string]any{"action": a}); r.Status != http.StatusOK {
			w.t.Fatalf("%s: %d %s", a, r.Status, r.Body)
		}
	}
	var l finance.LoanView
	w.e.Do("GET", p("/api/v1/loans/%d", loan), bank, nil).JSON(&l)
	in := l.Schedule[0]
	due, _ := time.Parse(time.DateOnly, in.DueOn)
	w.e.App.DB.Now = func() time.Time { return due.Add(12 * time.Hour) }
	if r := w.e.Do("POST", p("/api/v1/loans/%d/repayments", loan), bank, map[string]any{"amount_fen": in.PrincipalFen + in.InterestFen, "paid_on": in.DueOn}); r.Status != http.StatusOK {
		w.t.Fatalf("repay: %d %s", r.Status, r.Body)
	}
	return loan, finance.QuarterOf(due), scheme
}

// subsidyClaim is a submitted claim of Yunshan.
func (w *world) subsidyClaim() int64 {
	loan, q, _ := w.subsidyLoan()
	return w.mustCreate("/api/v1/finance/subsidy-claims", w.admin, map[string]any{"loan_id": loan, "quarter": q})
}

func (w *world) schemeBody() map[string]any {
	return map[string]any{"program": "jingan-ip-pledge-interest", "name_zh": "矩阵贴息方案", "share_pct": 50, "cap_yuan": 100000, "from_quarter": "2025Q1",
		"product_ids": []int64{w.mustCreate("/api/v1/loan-products", w.admin, w.productBody(0))}}
}

// investorBody is an angel fund of the Xuhui angel fund's organization
// (nobody of the matrix but the administrator manages it).
func (w *world) investorBody() map[string]any {
	return map[string]any{"org_id": w.orgByName("上海徐汇天使投资引导基金"), "kind": "angel", "name_zh": "矩阵天使基金", "stages": []string{"seed", "angel"},
		"min_ticket_yuan": 100000, "max_ticket_yuan": 5000000}
}

func (w *world) guidingFund() int64 {
	return w.mustCreate("/api/v1/finance/investors", w.admin, map[string]any{"org_id": w.orgByName("上海科技创业投资（集团）有限公司"), "kind": "guiding",
		"name_zh": "矩阵引导基金", "stages": []string{"a"}, "min_ticket_yuan": 1000000, "max_ticket_yuan": 50000000, "size_yuan": 100000000})
}

// optIn lets investors find Yunshan.
func (w *world) optIn() {
	w.t.Helper()
	if r := w.e.Do("PUT", p("/api/v1/finance/profiles/%d", w.yunshan), w.admin, map[string]any{"stage": "angel", "ask_yuan": 2000000}); r.Status != http.StatusOK {
		w.t.Fatalf("opt in: %d %s", r.Status, r.Body)
	}
}

func (w *world) meetingTimes() []string {
	t := w.e.App.DB.Now().Add(72 * time.Hour).Truncate(time.Hour)
	return []string{t.Format(time.RFC3339)}
}

func financeMoreCells() []cell {
	jingan := []string{"admin", "officer.jingan"}
	sides := func(ok, others int) expect { return per(others, map[string]int{"admin": ok, "enterprise": ok}) }
	return []cell{
		{route: "GET /api/v1/finance/subsidy-schemes", name: "list", req: func(w *world) (string, any) { return "/api/v1/finance/subsidy-schemes", nil }, want: everyone(http.StatusOK)},
		{route: "POST /api/v1/finance/subsidy-schemes", name: "Jing'an's program", req: func(w *world) (string, any) { return "/api/v1/finance/subsidy-schemes", w.schemeBody() },
			want: only(http.StatusCreated, http.StatusForbidden, jingan...)},
		{route: "GET /api/v1/finance/subsidy-schemes/{id}", name: "one", req: func(w *world) (string, any) {
			return p("/api/v1/finance/subsidy-schemes/%d", w.mustCreate("/api/v1/finance/subsidy-schemes", w.admin, w.schemeBody())), nil
		}, want: everyone(http.StatusOK)},
		{route: "PUT /api/v1/finance/subsidy-schemes/{id}", name: "Jing'an's", req: func(w *world) (string, any) {
			b := w.schemeBody()
			return p("/api/v1/finance/subsidy-schemes/%d", w.mustCreate("/api/v1/finance/subsidy-schemes", w.admin, b)), b
		}, want: only(http.StatusOK, http.StatusForbidden, jingan...)},
		{route: "POST /api/v1/finance/subsidy-schemes/{id}/quarter-end", name: "a covered loan", req: func(w *world) (string, any) {
			_, q, sc := w.subsidyLoan()
			return p("/api/v1/finance/subsidy-schemes/%d/quarter-end", sc), map[string]any{"quarter": q}
		}, want: only(http.StatusOK, http.StatusForbidden, jingan...)},
		{route: "GET /api/v1/finance/subsidy-schemes/{id}/quarter-ends", name: "Jing'an's runs", req: func(w *world) (string, any) {
			return p("/api/v1/finance/subsidy-schemes/%d/quarter-ends", w.mustCreate("/api/v1/finance/subsidy-schemes", w.admin, w.schemeBody())), nil
		}, want: only(http.StatusOK, http.StatusForbidden, jingan...)},
		{route: "GET /api/v1/finance/subsidy-claims", name: "mine or the queue", req: func(w *world) (string, any) { return "/api/v1/finance/subsidy-claims", nil },
			want: signedIn(http.StatusOK)},
		{route: "POST /api/v1/finance/subsidy-claims", name: "Yunshan's loan", req: func(w *world) (string, any) {
			loan, q, _ := w.subsidyLoan()
			return "/api/v1/finance/subsidy-claims", map[string]any{"loan_id": loan, "quarter": q}
		}, want: per(http.StatusUnprocessableEntity, map[string]int{"admin": http.StatusCreated, "enterprise": http.StatusCreated, "bank": http.StatusForbidden,
			"officer.jingan": http.StatusForbidden, "officer.xuhui": http.StatusForbidden})},
		{route: "POST /api/v1/finance/subsidy-claims/bulk", name: "approve one", req: func(w *world) (string, any) {
			return "/api/v1/finance/subsidy-claims/bulk", map[string]any{"ids": []int64{w.subsidyClaim()}, "action": "approve"}
		}, want: signedIn(http.StatusOK)},
		{route: "GET /api/v1/finance/subsidy-claims/{id}", name: "Yunshan's", req: func(w *world) (string, any) {
			return p("/api/v1/finance/subsidy-claims/%d", w.subsidyClaim()), nil
		}, want: per(http.StatusNotFound, map[string]int{"admin": http.StatusOK, "officer.jingan": http.StatusOK, "enterprise": http.StatusOK})},
		{route: "POST /api/v1/finance/subsidy-claims/{id}/actions", name: "approve", req: func(w *world) (string, any) {
			return p("/api/v1/finance/subsidy-claims/%d/actions", w.subsidyClaim()), map[string]any{"action": "approve"}
		}, want: per(http.StatusNotFound, map[string]int{"admin": http.StatusOK, "officer.jingan": http.StatusOK, "enterprise": http.StatusForbidden})},

		{route: "GET /api/v1/finance/investors", name: "list", req: func(w *world) (string, any) { return "/api/v1/finance/investors", nil }, want: everyone(http.StatusOK)},
		{route: "POST /api/v1/finance/investors", name: "an angel fund", req: func(w *world) (string, any) { return "/api/v1/finance/investors", w.investorBody() },
			want: only(http.StatusCreated, http.StatusForbidden, "admin")},
		{route: "GET /api/v1/finance/investors/{id}", name: "active", req: func(w *world) (string, any) {
			return p("/api/v1/finance/investors/%d", w.mustCreate("/api/v1/finance/investors", w.admin, w.investorBody())), nil
		}, want: everyone(http.StatusOK)},
		{route: "PUT /api/v1/finance/investors/{id}", name: "its managers", req: func(w *world) (string, any) {
			b := w.investorBody()
			return p("/api/v1/finance/investors/%d", w.mustCreate("/api/v1/finance/investors", w.admin, b)), b
		}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
		{route: "GET /api/v1/finance/investors/{id}/matches", name: "its managers", req: func(w *world) (string, any) {
			return p("/api/v1/finance/investors/%d/matches", w.mustCreate("/api/v1/finance/investors", w.admin, w.investorBody())), nil
		}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
		{route: "GET /api/v1/finance/investors/{id}/commitments", name: "a guiding fund's", req: func(w *world) (string, any) {
			return p("/api/v1/finance/investors/%d/commitments", w.guidingFund()), nil
		}, want: everyone(http.StatusOK)},
		{route: "POST /api/v1/finance/investors/{id}/commitments", name: "its managers", req: func(w *world) (string, any) {
			return p("/api/v1/finance/investors/%d/commitments", w.guidingFund()), map[string]any{"sub_fund_zh": "矩阵子基金", "amount_yuan": 1000000, "share_pct": 10}
		}, want: only(http.StatusCreated, http.StatusForbidden, "admin")},
		{route: "POST /api/v1/finance/commitments/{id}/calls", name: "its managers", req: func(w *world) (string, any) {
			c := w.mustCreate(p("/api/v1/finance/investors/%d/commitments", w.guidingFund()), w.admin, map[string]any{"sub_fund_zh": "矩阵子基金", "amount_yuan": 1000000, "share_pct": 10})
			return p("/api/v1/finance/commitments/%d/calls", c), map[string]any{"amount_yuan": 1000}
		}, want: only(http.StatusOK, http.StatusForbidden, "admin")},

		{route: "GET /api/v1/finance/profiles/{id}", name: "Yunshan's", req: func(w *world) (string, any) {
			w.optIn()
			return p("/api/v1/finance/profiles/%d", w.yunshan), nil
		}, want: sides(http.StatusOK, http.StatusNotFound)},
		{route: "PUT /api/v1/finance/profiles/{id}", name: "Yunshan's", req: func(w *world) (string, any) {
			return p("/api/v1/finance/profiles/%d", w.yunshan), map[string]any{"stage": "a", "ask_yuan": 3000000}
		}, want: sides(http.StatusOK, http.StatusForbidden)},
		{route: "POST /api/v1/finance/profiles/{id}/withdraw", name: "Yunshan's", req: func(w *world) (string, any) {
			w.optIn()
			return p("/api/v1/finance/profiles/%d/withdraw", w.yunshan), nil
		}, want: sides(http.StatusOK, http.StatusNotFound)},
		{route: "GET /api/v1/finance/profiles/{id}/matches", name: "Yunshan's", req: func(w *world) (string, any) {
			w.optIn()
			return p("/api/v1/finance/profiles/%d/matches", w.yunshan), nil
		}, want: sides(http.StatusOK, http.StatusNotFound)},

		{route: "GET /api/v1/finance/meetings", name: "mine", req: func(w *world) (string, any) { return "/api/v1/finance/meetings", nil }, want: signedIn(http.StatusOK)},
		{route: "POST /api/v1/finance/meetings", name: "Yunshan asks", req: func(w *world) (string, any) {
			inv := w.mustCreate("/api/v1/finance/investors", w.admin, w.investorBody())
			return "/api/v1/finance/meetings", map[string]any{"investor_id": inv, "org_id": w.yunshan, "times": w.meetingTimes(), "from": "enterprise"}
		}, want: sides(http.StatusCreated, http.StatusForbidden)},
		{route: "GET /api/v1/finance/meetings/{id}", name: "Yunshan's", req: func(w *world) (string, any) {
			w.optIn()
			inv := w.mustCreate("/api/v1/finance/investors", w.admin, w.investorBody())
			return p("/api/v1/finance/meetings/%d", w.mustCreate("/api/v1/finance/meetings", w.admin,
				map[string]any{"investor_id": inv, "org_id": w.yunshan, "times": w.meetingTimes(), "from": "investor"})), nil
		}, want: sides(http.StatusOK, http.StatusNotFound)},
		{route: "POST /api/v1/finance/meetings/{id}/actions", name: "accept", req: func(w *world) (string, any) {
			w.optIn()
			inv := w.mustCreate("/api/v1/finance/investors", w.admin, w.investorBody())
			ts := w.meetingTimes()
			return p("/api/v1/finance/meetings/%d/actions", w.mustCreate("/api/v1/finance/meetings", w.admin,
				map[string]any{"investor_id": inv, "org_id": w.yunshan, "times": ts, "from": "investor"})), map[string]any{"action": "accept", "time": ts[0]}
		}, want: sides(http.StatusOK, http.StatusNotFound)},

		{route: "GET /api/v1/finance/roadshows", name: "list", req: func(w *world) (string, any) { return "/api/v1/finance/roadshows", nil }, want: everyone(http.StatusOK)},
		{route: "POST /api/v1/finance/roadshows", name: "Xuhui's", req: func(w *world) (string, any) { return "/api/v1/finance/roadshows", w.roadshowBody() },
			want: only(http.StatusCreated, http.StatusForbidden, "admin", "officer.xuhui")},
		{route: "GET /api/v1/finance/roadshows/{id}", name: "one", req: func(w *world) (string, any) {
			return p("/api/v1/finance/roadshows/%d", w.mustCreate("/api/v1/finance/roadshows", w.admin, w.roadshowBody())), nil
		}, want: everyone(http.StatusOK)},
		{route: "POST /api/v1/finance/roadshows/{id}/presenters", name: "Yunshan", req: func(w *world) (string, any) {
			return p("/api/v1/finance/roadshows/%d/presenters", w.mustCreate("/api/v1/finance/roadshows", w.admin, w.roadshowBody())), map[string]any{"org_id": w.yunshan, "ask_yuan": 2000000}
		}, want: sides(http.StatusCreated, http.StatusForbidden)},
		{route: "POST /api/v1/finance/roadshows/{id}/interests", name: "an investor's managers", req: func(w *world) (string, any) {
			rs := w.mustCreate("/api/v1/finance/roadshows", w.admin, w.roadshowBody())
			w.mustCreate(p("/api/v1/finance/roadshows/%d/presenters", rs), w.admin, map[string]any{"org_id": w.yunshan, "ask_yuan": 2000000})
			inv := w.mustCreate("/api/v1/finance/investors", w.admin, w.investorBody())
			return p("/api/v1/finance/roadshows/%d/interests", rs), map[string]any{"org_id": w.yunshan, "investor_id": inv}
		}, want: only(http.StatusCreated, http.StatusForbidden, "admin")},
	}
}

func (w *world) roadshowBody() map[string]any {
	return map[string]any{"owner_org_id": w.orgByName("上海市徐汇区科学技术委员会"), "name_zh": "矩阵路演", "held_on": w.e.App.DB.Now().AddDate(0, 0, 7).Format(time.DateOnly)}
}
