package app_test

import (
	"net/http"
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
}
