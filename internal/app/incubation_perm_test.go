package app_test

import (
	"net/http"
	"time"
)

// Fixtures of the incubation cells in the permission matrix: a Xuhui
// carrier of the Caohejing Venture Center listed by an administrator (who
// acts as its operator here), Yunshan's application to it (enterprise@
// applies), and Yunshan's tenancy once an administrator admits it. The
// officer of Xuhui oversees the carrier; the one of Jing'an does not.

func (w *world) incCarrierBody() map[string]any {
	return map[string]any{"operator_org_id": w.orgByName("漕河泾创业中心"), "stage": "incubator", "name_zh": "矩阵测试孵化器", "district": "xuhui",
		"area_m2": 1200, "desks": 30, "offices": 3, "fields": []string{"electronic_information"}}
}

func (w *world) incCarrier() int64 {
	return w.mustCreate("/api/v1/incubation/carriers", w.admin, w.incCarrierBody())
}

func (w *world) incApplication() int64 {
	w.t.Helper()
	return w.mustCreate(p("/api/v1/incubation/carriers/%d/applications", w.incCarrier()), w.e.Token("enterprise@demo.local"),
		map[string]any{"org_id": w.yunshan, "plan": "矩阵测试"})
}

func (w *world) incTenancy() int64 {
	w.t.Helper()
	r := w.e.Do("POST", p("/api/v1/incubation/applications/%d/actions", w.incApplication()), w.admin, map[string]any{"action": "admit"})
	if r.Status != http.StatusOK {
		w.t.Fatalf("admit: %d %s", r.Status, r.Body)
	}
	return int64(r.Map()["tenancy_id"].(float64))
}

func incToday() string { return time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly) }

func init() {
	overseers := func(s int) map[string]int { return map[string]int{"admin": s, "officer.xuhui": s} }
	tenancy := func(admin, ent, officer int) map[string]int {
		return map[string]int{"admin": admin, "enterprise": ent, "officer.xuhui": officer}
	}
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "GET /api/v1/incubation/carriers", name: "catalog", req: func(w *world) (string, any) { return "/api/v1/incubation/carriers?stage=incubator&q=孵化", nil },
				want: everyone(http.StatusOK)},
			{route: "POST /api/v1/incubation/carriers", name: "for the Caohejing centre", req: func(w *world) (string, any) { return "/api/v1/incubation/carriers", w.incCarrierBody() },
				want: only(http.StatusCreated, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/incubation/carriers/{id}", name: "active", req: func(w *world) (string, any) { return p("/api/v1/incubation/carriers/%d", w.incCarrier()), nil },
				want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/incubation/carriers/{id}", name: "the centre's", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/carriers/%d", w.incCarrier()), w.incCarrierBody()
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/incubation/carriers/{id}/figures", name: "public", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/carriers/%d/figures", w.incCarrier()), nil
			}, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/incubation/carriers/{id}/tenants", name: "Xuhui's", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/carriers/%d/tenants", w.incCarrier()), nil
			}, want: per(http.StatusForbidden, overseers(http.StatusOK))},
			{route: "GET /api/v1/incubation/carriers/{id}/notes", name: "Xuhui's", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/carriers/%d/notes", w.incCarrier()), nil
			}, want: per(http.StatusForbidden, overseers(http.StatusOK))},
			{route: "POST /api/v1/incubation/carriers/{id}/notes", name: "Xuhui's", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/carriers/%d/notes", w.incCarrier()), map[string]any{"body": "季度回访"}
			}, want: per(http.StatusForbidden, overseers(http.StatusCreated))},
			{route: "POST /api/v1/incubation/carriers/{id}/applications", name: "for Yunshan", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/carriers/%d/applications", w.incCarrier()), map[string]any{"org_id": w.yunshan, "plan": "矩阵测试"}
			}, want: per(http.StatusForbidden, map[string]int{"admin": http.StatusCreated, "enterprise": http.StatusCreated})},
			{route: "GET /api/v1/incubation/operated", name: "mine", req: func(w *world) (string, any) { return "/api/v1/incubation/operated", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/incubation/applications", name: "mine", req: func(w *world) (string, any) { return "/api/v1/incubation/applications", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/incubation/applications/{id}", name: "Yunshan's", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/applications/%d", w.incApplication()), nil
			}, want: per(http.StatusNotFound, tenancy(http.StatusOK, http.StatusOK, http.StatusOK))},
			{route: "POST /api/v1/incubation/applications/{id}/actions", name: "invite", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/applications/%d/actions", w.incApplication()), map[string]any{"action": "invite"}
			}, want: per(http.StatusNotFound, tenancy(http.StatusOK, http.StatusForbidden, http.StatusForbidden))},
			{route: "GET /api/v1/incubation/teams", name: "mine", req: func(w *world) (string, any) { return "/api/v1/incubation/teams", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/incubation/teams", name: "a team", req: func(w *world) (string, any) {
				return "/api/v1/incubation/teams", map[string]any{"name": "矩阵团队", "members": "甲, 乙"}
			}, want: signedIn(http.StatusCreated)},
			{route: "GET /api/v1/incubation/tenancies", name: "mine", req: func(w *world) (string, any) { return "/api/v1/incubation/tenancies", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/incubation/tenancies/{id}", name: "Yunshan's", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/tenancies/%d", w.incTenancy()), nil
			}, want: per(http.StatusNotFound, tenancy(http.StatusOK, http.StatusOK, http.StatusOK))},
			{route: "POST /api/v1/incubation/tenancies/{id}/leases", name: "two desks", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/tenancies/%d/leases", w.incTenancy()), map[string]any{"space": "desk", "units": 2, "starts_on": incToday(), "ends_on": incToday()}
			}, want: per(http.StatusNotFound, tenancy(http.StatusCreated, http.StatusForbidden, http.StatusForbidden))},
			{route: "POST /api/v1/incubation/tenancies/{id}/exit", name: "graduated", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/tenancies/%d/exit", w.incTenancy()), map[string]any{"exit": "graduated", "left_on": incToday()}
			}, want: per(http.StatusNotFound, tenancy(http.StatusOK, http.StatusForbidden, http.StatusForbidden))},
			{route: "POST /api/v1/incubation/tenancies/{id}/investments", name: "angel", req: func(w *world) (string, any) {
				return p("/api/v1/incubation/tenancies/%d/investments", w.incTenancy()), map[string]any{"round": "angel", "amount_yuan": 1000000, "investor": "天使", "invested_on": incToday()}
			}, want: per(http.StatusNotFound, tenancy(http.StatusCreated, http.StatusCreated, http.StatusForbidden))},
			{route: "GET /api/v1/incubation/figures", name: "city", req: func(w *world) (string, any) { return "/api/v1/incubation/figures", nil },
				want: per(http.StatusForbidden, map[string]int{"admin": http.StatusOK, "officer.jingan": http.StatusOK, "officer.xuhui": http.StatusOK})},
		}
	})
}
