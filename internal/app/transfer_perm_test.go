package app_test

import (
	"net/http"
)

// Fixtures of technology transfer's cells in the permission matrix: an
// achievement of Fudan (university@ is a member), a need of Yunshan
// (enterprise@ owns it), a case between them brokered by an
// administrator, a contract sold by Fudan to Yunshan.

func (w *world) transferCreate(path string, body map[string]any) int64 {
	w.t.Helper()
	r := w.e.Do("POST", path, w.admin, body)
	if r.Status != http.StatusCreated {
		w.t.Fatalf("%s: %d %s", path, r.Status, r.Body)
	}
	return int64(r.Map()["id"].(float64))
}

func (w *world) achievementBody() map[string]any {
	return map[string]any{"owner_org_id": w.fudan, "title_zh": "矩阵测试成果芯片", "title_en": "Matrix test chip", "field": "electronic_information",
		"trl": 6, "modes": []string{"licence"}, "price_yuan": 100000}
}

func (w *world) needBody() map[string]any {
	return map[string]any{"owner_org_id": w.yunshan, "title_zh": "矩阵测试需求芯片", "title_en": "Matrix test chip need", "field": "electronic_information",
		"min_trl": 5, "modes": []string{"licence"}, "budget_yuan": 200000}
}

func (w *world) achievement() int64 {
	return w.transferCreate("/api/v1/transfer/achievements", w.achievementBody())
}
func (w *world) need() int64 { return w.transferCreate("/api/v1/transfer/needs", w.needBody()) }

func (w *world) transferCase() int64 {
	return w.transferCreate("/api/v1/transfer/cases", map[string]any{"achievement_id": w.achievement(), "need_id": w.need()})
}

func (w *world) contract() int64 {
	return w.transferCreate("/api/v1/transfer/contracts", map[string]any{"kind": "licensing", "title": "矩阵测试合同", "seller_org_id": w.fudan,
		"buyer_org_id": w.yunshan, "value_yuan": 100000, "signed_on": "2026-01-15"})
}

func init() {
	moreCells = append(moreCells, func() []cell {
		fudan := []string{"admin", "university"}
		yunshan := []string{"admin", "enterprise"}
		// The case's broker (an administrator) and both parties read it.
		parties := func(party, admin int) expect {
			return per(http.StatusNotFound, map[string]int{"enterprise": party, "university": party, "admin": admin})
		}
		return []cell{
			{route: "GET /api/v1/transfer/achievements", name: "catalog", req: func(w *world) (string, any) { return "/api/v1/transfer/achievements?q=芯片", nil }, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/transfer/achievements", name: "for Fudan", req: func(w *world) (string, any) { return "/api/v1/transfer/achievements", w.achievementBody() },
				want: only(http.StatusCreated, http.StatusForbidden, fudan...)},
			{route: "GET /api/v1/transfer/achievements/{id}", name: "published", req: func(w *world) (string, any) { return p("/api/v1/transfer/achievements/%d", w.achievement()), nil },
				want: everyone(http.StatusOK)},
			{route: "GET /api/v1/transfer/achievements/{id}", name: "withdrawn", req: func(w *world) (string, any) {
				id := w.achievement()
				b := w.achievementBody()
				b["status"] = "withdrawn"
				if r := w.e.Do("PUT", p("/api/v1/transfer/achievements/%d", id), w.admin, b); r.Status != http.StatusOK {
					w.t.Fatalf("withdraw: %d %s", r.Status, r.Body)
				}
				return p("/api/v1/transfer/achievements/%d", id), nil
			}, want: expect{anon: http.StatusNotFound, others: http.StatusNotFound, allowed: http.StatusOK, roles: fudan}},
			{route: "PUT /api/v1/transfer/achievements/{id}", name: "Fudan's", req: func(w *world) (string, any) {
				return p("/api/v1/transfer/achievements/%d", w.achievement()), w.achievementBody()
			}, want: only(http.StatusOK, http.StatusForbidden, fudan...)},
			{route: "GET /api/v1/transfer/achievements/{id}/matches", name: "Fudan's", req: func(w *world) (string, any) {
				return p("/api/v1/transfer/achievements/%d/matches", w.achievement()), nil
			}, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/transfer/needs", name: "catalog", req: func(w *world) (string, any) { return "/api/v1/transfer/needs?field=electronic_information", nil }, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/transfer/needs", name: "for Yunshan", req: func(w *world) (string, any) { return "/api/v1/transfer/needs", w.needBody() },
				want: only(http.StatusCreated, http.StatusForbidden, yunshan...)},
			{route: "GET /api/v1/transfer/needs/{id}", name: "open", req: func(w *world) (string, any) { return p("/api/v1/transfer/needs/%d", w.need()), nil }, want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/transfer/needs/{id}", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/transfer/needs/%d", w.need()), w.needBody() },
				want: only(http.StatusOK, http.StatusForbidden, yunshan...)},
			{route: "GET /api/v1/transfer/needs/{id}/matches", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/transfer/needs/%d/matches", w.need()), nil },
				want: everyone(http.StatusOK)},
			{route: "GET /api/v1/transfer/needs/{id}/resources", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/transfer/needs/%d/resources", w.need()), nil },
				want: everyone(http.StatusOK)},
			{route: "GET /api/v1/transfer/mine", name: "mine", req: func(w *world) (string, any) { return "/api/v1/transfer/mine", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/transfer/cases", name: "mine", req: func(w *world) (string, any) { return "/api/v1/transfer/cases?overdue=true", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/transfer/cases", name: "Fudan to Yunshan", req: func(w *world) (string, any) {
				return "/api/v1/transfer/cases", map[string]any{"achievement_id": w.achievement(), "need_id": w.need()}
			}, want: only(http.StatusCreated, http.StatusForbidden, "admin", "officer.jingan", "officer.xuhui")},
			{route: "GET /api/v1/transfer/cases/{id}", name: "Fudan to Yunshan", req: func(w *world) (string, any) { return p("/api/v1/transfer/cases/%d", w.transferCase()), nil },
				want: parties(http.StatusOK, http.StatusOK)},
			{route: "POST /api/v1/transfer/cases/{id}/notes", name: "a note", req: func(w *world) (string, any) {
				return p("/api/v1/transfer/cases/%d/notes", w.transferCase()), map[string]any{"body": "跟进"}
			}, want: parties(http.StatusOK, http.StatusOK)},
			{route: "POST /api/v1/transfer/cases/{id}/actions", name: "talk", req: func(w *world) (string, any) {
				return p("/api/v1/transfer/cases/%d/actions", w.transferCase()), map[string]any{"action": "talk"}
			}, want: parties(http.StatusForbidden, http.StatusOK)},
			{route: "GET /api/v1/transfer/contracts", name: "mine", req: func(w *world) (string, any) { return "/api/v1/transfer/contracts?status=submitted", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/transfer/contracts", name: "for Fudan", req: func(w *world) (string, any) {
				return "/api/v1/transfer/contracts", map[string]any{"kind": "service", "title": "服务合同", "seller_org_id": w.fudan, "buyer_name": "浙江某公司",
					"buyer_region": "zhejiang", "value_yuan": 50000, "signed_on": "2026-02-01"}
			}, want: only(http.StatusCreated, http.StatusForbidden, fudan...)},
			{route: "GET /api/v1/transfer/contracts/{id}", name: "Fudan to Yunshan", req: func(w *world) (string, any) { return p("/api/v1/transfer/contracts/%d", w.contract()), nil },
				want: parties(http.StatusOK, http.StatusOK)},
			{route: "POST /api/v1/transfer/contracts/{id}/decision", name: "register", req: func(w *world) (string, any) {
				return p("/api/v1/transfer/contracts/%d/decision", w.contract()), map[string]any{"action": "register"}
			}, want: parties(http.StatusForbidden, http.StatusOK)},
			{route: "GET /api/v1/transfer/turnover", name: "figures", req: func(w *world) (string, any) { return "/api/v1/transfer/turnover?from=2024", nil }, want: everyone(http.StatusOK)},
		}
	})
}
