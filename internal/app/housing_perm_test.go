package app_test

import (
	"net/http"
	"time"
)

// Fixtures of the talent-apartment, residence and talent-program cells of
// the permission matrix: the demo's Xuhui buildings and open round, the
// tenancy of talent@demo.local, Li Ming's Guangqi application.

func (w *world) housingID(query string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.e.App.DB.Read.QueryRow(query, args...).Scan(&id); err != nil {
		w.t.Fatal(query, err)
	}
	return id
}

func (w *world) riverside() int64 {
	return w.housingID(`SELECT id FROM housing_buildings WHERE name_zh = '徐汇滨江人才公寓'`)
}

func (w *world) openRound() int64 {
	return w.housingID(`SELECT id FROM housing_rounds WHERE state = 'open' ORDER BY id LIMIT 1`)
}

func (w *world) annaTenancy() int64 {
	return w.housingID(`SELECT t.id FROM housing_tenancies t JOIN users u ON u.id = t.user_id WHERE u.email = 'talent@demo.local' AND t.state = 'active'`)
}

func (w *world) limingGuangqi() int64 {
	return w.housingID(`SELECT a.id FROM talent_program_applications a JOIN users u ON u.id = a.user_id WHERE u.email = 'talent.liming@demo.local'`)
}

func housingToday() string { return time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly) }

func (w *world) roundBody(building *int64) map[string]any {
	w.seq++
	b := map[string]any{"name_zh": p("矩阵测试轮次%d", w.seq), "district": "xuhui", "opens_on": housingToday(), "closes_on": housingToday()}
	if building != nil {
		b["building_id"] = *building
	}
	return b
}

// annaOffer is an open offer to talent@demo.local: a building of one flat,
// a round she applies in, run by an administrator.
func (w *world) annaOffer() int64 {
	w.t.Helper()
	b := w.mustCreate("/api/v1/talent/housing/buildings", w.admin, map[string]any{"name_zh": "矩阵测试楼", "district": "xuhui"})
	w.mustCreate(p("/api/v1/talent/housing/buildings/%d/units", b), w.admin, map[string]any{"number": "1", "rooms": 1, "area_m2": 35, "monthly_rent_yuan": 2000})
	r := w.mustCreate("/api/v1/talent/housing/rounds", w.admin, w.roundBody(&b))
	w.mustCreate(p("/api/v1/talent/housing/rounds/%d/applications", r), w.e.Token("talent@demo.local"),
		map[string]any{"months_in_district": 6, "household_size": 1, "rooms": 1, "move_in_on": housingToday()})
	res := w.e.Do("POST", p("/api/v1/talent/housing/rounds/%d/allocate", r), w.admin, nil)
	if res.Status != http.StatusOK {
		w.t.Fatalf("allocate: %d %s", res.Status, res.Body)
	}
	var out struct{ Offers []struct{ ID int64 } }
	res.JSON(&out)
	if len(out.Offers) != 1 {
		w.t.Fatalf("allocate: %s", res.Body)
	}
	return out.Offers[0].ID
}

func init() {
	moreCells = append(moreCells, func() []cell {
		xuhui := []string{"admin", "officer.xuhui"}
		tenancy := per(http.StatusNotFound, map[string]int{"admin": 200, "officer.xuhui": 200, "talent": 200})
		facts := map[string]any{"months_in_zone": 21, "salary_yuan": 650000, "income_tax_yuan": 130000}
		return []cell{
			{route: "GET /api/v1/talent/housing/buildings", name: "Xuhui", req: func(w *world) (string, any) { return "/api/v1/talent/housing/buildings?district=xuhui", nil },
				want: everyone(http.StatusOK)},
			{route: "POST /api/v1/talent/housing/buildings", name: "in Xuhui", req: func(w *world) (string, any) {
				return "/api/v1/talent/housing/buildings", map[string]any{"name_zh": "矩阵测试公寓", "district": "xuhui"}
			}, want: only(http.StatusCreated, http.StatusForbidden, xuhui...)},
			{route: "GET /api/v1/talent/housing/buildings/{id}", name: "riverside", req: func(w *world) (string, any) {
				return p("/api/v1/talent/housing/buildings/%d", w.riverside()), nil
			}, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/talent/housing/buildings/{id}/units", name: "riverside", req: func(w *world) (string, any) {
				w.seq++
				return p("/api/v1/talent/housing/buildings/%d/units", w.riverside()), map[string]any{"number": p("M%d", w.seq), "rooms": 2, "area_m2": 60, "monthly_rent_yuan": 3500, "status": "maintenance"}
			}, want: only(http.StatusCreated, http.StatusForbidden, xuhui...)},
			{route: "PUT /api/v1/talent/housing/units/{id}/status", name: "a flat in maintenance", req: func(w *world) (string, any) {
				return p("/api/v1/talent/housing/units/%d/status", w.housingID(`SELECT id FROM housing_units WHERE number = '1502'`)), map[string]any{"status": "maintenance"}
			}, want: only(http.StatusOK, http.StatusForbidden, xuhui...)},
			{route: "GET /api/v1/talent/housing/rounds", name: "list", req: func(w *world) (string, any) { return "/api/v1/talent/housing/rounds", nil }, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/talent/housing/rounds", name: "in Xuhui", req: func(w *world) (string, any) { return "/api/v1/talent/housing/rounds", w.roundBody(nil) },
				want: only(http.StatusCreated, http.StatusForbidden, xuhui...)},
			{route: "GET /api/v1/talent/housing/rounds/{id}", name: "open", req: func(w *world) (string, any) { return p("/api/v1/talent/housing/rounds/%d", w.openRound()), nil },
				want: everyone(http.StatusOK)},
			{route: "POST /api/v1/talent/housing/rounds/{id}/applications", name: "a talent with a person record", req: func(w *world) (string, any) {
				return p("/api/v1/talent/housing/rounds/%d/applications", w.openRound()), map[string]any{"months_in_district": 12, "household_size": 2, "rooms": 1, "move_in_on": housingToday()}
			}, want: only(http.StatusCreated, http.StatusForbidden, "talent")},
			{route: "POST /api/v1/talent/housing/rounds/{id}/allocate", name: "a fresh Xuhui round", req: func(w *world) (string, any) {
				return p("/api/v1/talent/housing/rounds/%d/allocate", w.mustCreate("/api/v1/talent/housing/rounds", w.admin, w.roundBody(nil))), nil
			}, want: only(http.StatusOK, http.StatusForbidden, xuhui...)},
			{route: "POST /api/v1/talent/housing/applications/{id}/withdraw", name: "Li Ming's", req: func(w *world) (string, any) {
				return p("/api/v1/talent/housing/applications/%d/withdraw", w.housingID(`SELECT a.id FROM housing_applications a JOIN users u ON u.id = a.user_id WHERE u.email = 'talent.liming@demo.local'`)), nil
			}, want: per(http.StatusNotFound, map[string]int{"admin": 200})},
			{route: "GET /api/v1/talent/housing/mine", name: "mine", req: func(w *world) (string, any) { return "/api/v1/talent/housing/mine", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/talent/housing/offers/{id}/accept", name: "talent's offer", req: func(w *world) (string, any) {
				return p("/api/v1/talent/housing/offers/%d/accept", w.annaOffer()), nil
			}, want: per(http.StatusNotFound, map[string]int{"talent": 200})},
			{route: "POST /api/v1/talent/housing/offers/{id}/decline", name: "talent's offer", req: func(w *world) (string, any) {
				return p("/api/v1/talent/housing/offers/%d/decline", w.annaOffer()), nil
			}, want: per(http.StatusNotFound, map[string]int{"talent": 200})},
			{route: "POST /api/v1/talent/housing/sweep", name: "officers", req: func(w *world) (string, any) { return "/api/v1/talent/housing/sweep", nil },
				want: only(http.StatusOK, http.StatusForbidden, "admin", "officer.jingan", "officer.xuhui")},
			{route: "GET /api/v1/talent/housing/tenancies", name: "own district", req: func(w *world) (string, any) { return "/api/v1/talent/housing/tenancies", nil },
				want: only(http.StatusOK, http.StatusForbidden, "admin", "officer.jingan", "officer.xuhui")},
			{route: "POST /api/v1/talent/housing/tenancies/{id}/renew", name: "talent's", req: func(w *world) (string, any) {
				return p("/api/v1/talent/housing/tenancies/%d/renew", w.annaTenancy()), nil
			}, want: tenancy},
			{route: "POST /api/v1/talent/housing/tenancies/{id}/move-out", name: "talent's", req: func(w *world) (string, any) {
				return p("/api/v1/talent/housing/tenancies/%d/move-out", w.annaTenancy()), map[string]any{}
			}, want: tenancy},
			{route: "GET /api/v1/talent/housing/occupancy", name: "report", req: func(w *world) (string, any) { return "/api/v1/talent/housing/occupancy", nil },
				want: everyone(http.StatusOK)},
			{route: "POST /api/v1/talent/residence/evaluate", name: "self-check", req: func(w *world) (string, any) { return "/api/v1/talent/residence/evaluate", facts },
				want: everyone(http.StatusOK)},
			{route: "GET /api/v1/talent/residence/prefill", name: "mine", req: func(w *world) (string, any) { return "/api/v1/talent/residence/prefill", nil },
				want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/talent/programs", name: "list", req: func(w *world) (string, any) { return "/api/v1/talent/programs", nil }, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/talent/programs/{slug}", name: "Guangqi", req: func(w *world) (string, any) { return "/api/v1/talent/programs/guangqi", nil },
				want: everyone(http.StatusOK)},
			{route: "POST /api/v1/talent/programs/{slug}/evaluate", name: "Guangqi", req: func(w *world) (string, any) {
				return "/api/v1/talent/programs/guangqi/evaluate", map[string]any{"born_on": "1990-01-01", "tech_field": "biomedicine", "registered_district": "xuhui"}
			}, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/talent/programs/{slug}/applications", name: "with a Xuhui employer", req: func(w *world) (string, any) {
				return "/api/v1/talent/programs/guangqi/applications", map[string]any{"employer_org_id": w.xuhuiIP, "facts": map[string]any{"born_on": "1990-01-01"}}
			}, want: only(http.StatusCreated, http.StatusForbidden, "talent")},
			{route: "GET /api/v1/talent/program-applications", name: "mine or the queue", req: func(w *world) (string, any) { return "/api/v1/talent/program-applications", nil },
				want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/talent/program-applications/{id}", name: "Li Ming's", req: func(w *world) (string, any) {
				return p("/api/v1/talent/program-applications/%d", w.limingGuangqi()), nil
			}, want: per(http.StatusNotFound, map[string]int{"admin": 200, "officer.xuhui": 200})},
			{route: "POST /api/v1/talent/program-applications/{id}/actions", name: "review Li Ming's", req: func(w *world) (string, any) {
				return p("/api/v1/talent/program-applications/%d/actions", w.limingGuangqi()), map[string]any{"action": "review"}
			}, want: per(http.StatusNotFound, map[string]int{"admin": 200, "officer.xuhui": 200})},
		}
	})
}
