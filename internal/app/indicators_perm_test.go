package app_test

import (
	"net/http"

	"rainforest/internal/indicators"
)

// Fixtures of the indicator cells in the permission matrix: the figures
// are public; refreshing is for officers and administrators; the
// population reference data is edited by administrators.

// populationFixture is a figure an administrator recorded for Jing'an in
// a year of its own, for deleting.
func (w *world) populationFixture() string {
	w.t.Helper()
	w.seq++
	path := p("/api/v1/indicator-populations/jingan/%d", 2030+w.seq)
	if r := w.e.Do("PUT", path, w.admin, map[string]any{"population": 1000000, "source": "矩阵测试 Matrix test"}); r.Status != http.StatusOK {
		w.t.Fatalf("population fixture: %d %s", r.Status, r.Body)
	}
	return path
}

func init() {
	moreCells = append(moreCells, func() []cell {
		month := func(w *world) string { return indicators.MonthOf(w.e.App.DB.Now()) }
		return []cell{
			{route: "GET /api/v1/indicators", name: "definitions", req: func(w *world) (string, any) { return "/api/v1/indicators", nil }, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/indicators/{id}", name: "a series", req: func(w *world) (string, any) {
				return "/api/v1/indicators/loans-granted?district=jingan", nil
			}, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/indicators/{id}", name: "as CSV", req: func(w *world) (string, any) { return "/api/v1/indicators/hnte-enterprises.csv", nil }, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/indicators/{id}", name: "unknown", req: func(w *world) (string, any) { return "/api/v1/indicators/no-such-figure", nil }, want: everyone(http.StatusNotFound)},
			{route: "GET /api/v1/indicators/report/{month}", name: "this month", req: func(w *world) (string, any) {
				return "/api/v1/indicators/report/" + month(w) + ".pdf", nil
			}, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/indicators/refresh", name: "changed only", req: func(w *world) (string, any) { return "/api/v1/indicators/refresh", map[string]any{} },
				want: only(http.StatusOK, http.StatusForbidden, "admin", "officer.jingan", "officer.xuhui")},
			{route: "GET /api/v1/indicator-populations", name: "all", req: func(w *world) (string, any) { return "/api/v1/indicator-populations", nil }, want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/indicator-populations/{district}/{year}", name: "Jing'an 2029", req: func(w *world) (string, any) {
				return "/api/v1/indicator-populations/jingan/2029", map[string]any{"population": 990000, "source": "矩阵测试 Matrix test"}
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "DELETE /api/v1/indicator-populations/{district}/{year}", name: "a fixture", req: func(w *world) (string, any) { return w.populationFixture(), nil },
				want: only(http.StatusNoContent, http.StatusForbidden, "admin")},
		}
	})
}
