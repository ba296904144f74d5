package app_test

import (
	"net/http"
)

// Fixtures of the voucher cells in the permission matrix: programs of the
// Jing'an commission (officer.jingan@ is a member), a voucher of Yunshan
// (enterprise@), a Jing'an service firm as the provider.

func (w *world) voucherAgency() int64 {
	var id int64
	if err := w.e.App.DB.Read.QueryRow(`SELECT id FROM orgs WHERE name_zh = '上海市静安区科学技术委员会'`).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) voucherProgramBody() map[string]any {
	w.seq++
	return map[string]any{"slug": p("matrix-voucher-%d", w.seq), "owner_org_id": w.voucherAgency(), "name_zh": "矩阵测试创新券", "face_yuan": 1000,
		"voucher_share_pct": 50, "validity_days": 30, "categories": []string{"testing"}, "regions": []string{"shanghai"}, "budget_yuan": 1000}
}

func (w *world) voucherProgram(open bool) int64 {
	w.t.Helper()
	r := w.e.Do("POST", "/api/v1/voucher-programs", w.admin, w.voucherProgramBody())
	if r.Status != http.StatusCreated {
		w.t.Fatalf("voucher program: %d %s", r.Status, r.Body)
	}
	id := int64(r.Map()["id"].(float64))
	if open {
		if r := w.e.Do("POST", p("/api/v1/voucher-programs/%d/open", id), w.admin, nil); r.Status != http.StatusOK {
			w.t.Fatalf("open: %d %s", r.Status, r.Body)
		}
	}
	return id
}

// voucher is Yunshan's voucher of a fresh program, accepted at the
// Jing'an service firm.
func (w *world) voucher() int64 {
	w.t.Helper()
	if r := w.e.Do("PUT", p("/api/v1/voucher-providers/%d", w.jinganIP), w.admin, map[string]any{"region": "shanghai", "categories": []string{"testing"}}); r.Status != http.StatusOK {
		w.t.Fatalf("provider: %d %s", r.Status, r.Body)
	}
	r := w.e.Do("POST", p("/api/v1/voucher-programs/%d/apply", w.voucherProgram(true)), w.admin, map[string]any{"org_id": w.yunshan})
	if r.Status != http.StatusCreated {
		w.t.Fatalf("voucher: %d %s", r.Status, r.Body)
	}
	return int64(r.Map()["id"].(float64))
}

func init() {
	moreCells = append(moreCells, func() []cell {
		jingan := []string{"admin", "officer.jingan"}
		officers := []string{"admin", "officer.jingan", "officer.xuhui"}
		holder := func(holders, officer, others int) expect {
			return per(others, map[string]int{"enterprise": holders, "admin": holders, "officer.jingan": officer})
		}
		order := func(w *world) map[string]any {
			return map[string]any{"provider_org_id": w.jinganIP, "order_ref": "matrix-1", "order_fen": 10000}
		}
		return []cell{
			{route: "GET /api/v1/voucher-programs", name: "list", req: func(w *world) (string, any) { return "/api/v1/voucher-programs", nil }, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/voucher-programs", name: "for Jing'an", req: func(w *world) (string, any) { return "/api/v1/voucher-programs", w.voucherProgramBody() },
				want: only(http.StatusCreated, http.StatusForbidden, jingan...)},
			{route: "GET /api/v1/voucher-programs/{id}", name: "open", req: func(w *world) (string, any) { return p("/api/v1/voucher-programs/%d", w.voucherProgram(true)), nil },
				want: everyone(http.StatusOK)},
			{route: "GET /api/v1/voucher-programs/{id}", name: "draft", req: func(w *world) (string, any) { return p("/api/v1/voucher-programs/%d", w.voucherProgram(false)), nil },
				want: expect{anon: http.StatusNotFound, others: http.StatusNotFound, allowed: http.StatusOK, roles: jingan}},
			{route: "PUT /api/v1/voucher-programs/{id}", name: "draft", req: func(w *world) (string, any) {
				id := w.voucherProgram(false)
				var slug string
				if err := w.e.App.DB.Read.QueryRow(`SELECT slug FROM voucher_programs WHERE id = $1`, id).Scan(&slug); err != nil {
					w.t.Fatal(err)
				}
				b := w.voucherProgramBody()
				b["slug"] = slug
				return p("/api/v1/voucher-programs/%d", id), b
			}, want: only(http.StatusOK, http.StatusForbidden, jingan...)},
			{route: "POST /api/v1/voucher-programs/{id}/open", name: "draft", req: func(w *world) (string, any) {
				return p("/api/v1/voucher-programs/%d/open", w.voucherProgram(false)), nil
			},
				want: only(http.StatusOK, http.StatusForbidden, jingan...)},
			{route: "POST /api/v1/voucher-programs/{id}/close", name: "open", req: func(w *world) (string, any) {
				return p("/api/v1/voucher-programs/%d/close", w.voucherProgram(true)), nil
			},
				want: only(http.StatusOK, http.StatusForbidden, jingan...)},
			{route: "POST /api/v1/voucher-programs/{id}/issue", name: "open", req: func(w *world) (string, any) {
				return p("/api/v1/voucher-programs/%d/issue", w.voucherProgram(true)), nil
			},
				want: only(http.StatusOK, http.StatusForbidden, jingan...)},
			{route: "POST /api/v1/voucher-programs/{id}/apply", name: "for Yunshan", req: func(w *world) (string, any) {
				return p("/api/v1/voucher-programs/%d/apply", w.voucherProgram(true)), map[string]any{"org_id": w.yunshan}
			}, want: only(http.StatusCreated, http.StatusForbidden, "admin", "enterprise")},
			{route: "GET /api/v1/voucher-programs/{id}/report", name: "open", req: func(w *world) (string, any) {
				return p("/api/v1/voucher-programs/%d/report", w.voucherProgram(true)), nil
			},
				want: only(http.StatusOK, http.StatusForbidden, jingan...)},
			{route: "GET /api/v1/vouchers", name: "mine", req: func(w *world) (string, any) { return "/api/v1/vouchers", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/vouchers/{id}", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/vouchers/%d", w.voucher()), nil },
				want: holder(http.StatusOK, http.StatusOK, http.StatusNotFound)},
			{route: "POST /api/v1/vouchers/{id}/quote", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/vouchers/%d/quote", w.voucher()), order(w) },
				want: holder(http.StatusOK, http.StatusNotFound, http.StatusNotFound)},
			{route: "POST /api/v1/vouchers/{id}/redeem", name: "without a key", req: func(w *world) (string, any) { return p("/api/v1/vouchers/%d/redeem", w.voucher()), order(w) },
				want: holder(http.StatusUnprocessableEntity, http.StatusNotFound, http.StatusNotFound)},
			{route: "GET /api/v1/voucher-providers", name: "list", req: func(w *world) (string, any) { return "/api/v1/voucher-providers", nil }, want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/voucher-providers/{id}", name: "Jing'an IP", req: func(w *world) (string, any) {
				return p("/api/v1/voucher-providers/%d", w.jinganIP), map[string]any{"region": "shanghai", "categories": []string{"ip_service"}}
			}, want: only(http.StatusOK, http.StatusForbidden, officers...)},
			{route: "GET /api/v1/voucher-providers/{id}/statement", name: "Jing'an IP", req: func(w *world) (string, any) {
				w.voucher()
				return p("/api/v1/voucher-providers/%d/statement", w.jinganIP), nil
			}, want: only(http.StatusOK, http.StatusNotFound, officers...)},
			{route: "POST /api/v1/voucher-settlements", name: "an old month", req: func(w *world) (string, any) { return "/api/v1/voucher-settlements", map[string]any{"month": "2020-01"} },
				want: only(http.StatusOK, http.StatusForbidden, officers...)},
		}
	})
}
