package app_test

import (
	"net/http"
	"time"
)

// Fixtures of the instrument cells in the permission matrix: instruments
// of the metrology institute listed by an administrator (who acts as its
// owner here), booked by enterprise@ for Yunshan on a Monday to come.

func (w *world) instrumentBody() map[string]any {
	return map[string]any{"owner_org_id": w.orgByName("上海市计量测试技术研究院"), "name_zh": "矩阵测试光谱仪", "category": "spectroscopy", "region": "shanghai",
		"fee_unit": "hour", "fee_internal_fen": 10000, "fee_sme_fen": 15000, "fee_external_fen": 30000, "operator_required": true}
}

func (w *world) instrument() int64 {
	return w.mustCreate("/api/v1/instruments", w.admin, w.instrumentBody())
}

var matrixMonday = time.Date(2030, 1, 7, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// instrumentBooking is enterprise@'s pending request on a fresh
// instrument.
func (w *world) instrumentBooking() int64 {
	w.t.Helper()
	r := w.e.Do("POST", p("/api/v1/instruments/%d/bookings", w.instrument()), w.e.Token("enterprise@demo.local"),
		map[string]any{"starts_at": matrixMonday, "ends_at": matrixMonday.Add(time.Hour)})
	if r.Status != http.StatusCreated {
		w.t.Fatalf("instrument booking: %d %s", r.Status, r.Body)
	}
	return int64(r.Map()["booked"].([]any)[0].(map[string]any)["id"].(float64))
}

func init() {
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "GET /api/v1/instruments", name: "catalog", req: func(w *world) (string, any) { return "/api/v1/instruments?q=光谱", nil }, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/instruments", name: "for the institute", req: func(w *world) (string, any) { return "/api/v1/instruments", w.instrumentBody() },
				want: only(http.StatusCreated, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/instruments/{id}", name: "active", req: func(w *world) (string, any) { return p("/api/v1/instruments/%d", w.instrument()), nil }, want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/instruments/{id}", name: "the institute's", req: func(w *world) (string, any) {
				return p("/api/v1/instruments/%d", w.instrument()), w.instrumentBody()
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/instruments/{id}/availability", name: "a week", req: func(w *world) (string, any) {
				return p("/api/v1/instruments/%d/availability?from=2030-01-07&to=2030-01-14", w.instrument()), nil
			}, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/instruments/{id}/bookings", name: "a free hour", req: func(w *world) (string, any) {
				return p("/api/v1/instruments/%d/bookings", w.instrument()), map[string]any{"starts_at": matrixMonday, "ends_at": matrixMonday.Add(time.Hour)}
			}, want: signedIn(http.StatusCreated)},
			{route: "POST /api/v1/instruments/{id}/trainings", name: "talent", req: func(w *world) (string, any) {
				return p("/api/v1/instruments/%d/trainings", w.instrument()), map[string]any{"user_id": w.users["talent@demo.local"]}
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/instrument-bookings", name: "mine", req: func(w *world) (string, any) { return "/api/v1/instrument-bookings?scope=owner", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/instrument-bookings/{id}", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/instrument-bookings/%d", w.instrumentBooking()), nil },
				want: per(http.StatusNotFound, map[string]int{"admin": http.StatusOK, "enterprise": http.StatusOK})},
			{route: "POST /api/v1/instrument-bookings/{id}/actions", name: "approve", req: func(w *world) (string, any) {
				return p("/api/v1/instrument-bookings/%d/actions", w.instrumentBooking()), map[string]any{"action": "approve"}
			}, want: per(http.StatusNotFound, map[string]int{"admin": http.StatusOK, "enterprise": http.StatusForbidden})},
			{route: "GET /api/v1/instrument-utilisation", name: "this month", req: func(w *world) (string, any) { return "/api/v1/instrument-utilisation", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/instrument-indicators", name: "this year", req: func(w *world) (string, any) { return "/api/v1/instrument-indicators", nil }, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/instrument-feeds", name: "mine", req: func(w *world) (string, any) { return "/api/v1/instrument-feeds", nil }, want: signedIn(http.StatusOK)},
		}
	})
}

// onePixelPNG is the smallest PNG, for the photo cell.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func init() {
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "PUT /api/v1/instruments/{id}/photo", name: "a PNG", req: func(w *world) (string, any) {
				return p("/api/v1/instruments/%d/photo", w.instrument()), onePixelPNG
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
		}
	})
}
