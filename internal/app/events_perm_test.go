package app_test

import (
	"net/http"
	"time"
)

// Fixtures of the event cells in the permission matrix: events of Yunshan
// (enterprise@ owns it) in Jing'an, set up by an administrator; a salon
// starting in two hours (so that check-in is open) and a matchmaking
// event tomorrow afternoon.

func (w *world) eventBody(kind string, start time.Time, hours int) map[string]any {
	return map[string]any{"organiser_org_id": w.yunshan, "kind": kind, "title_zh": "矩阵测试活动", "venue": "静安区市北高新园区", "district": "jingan",
		"starts_at": start, "ends_at": start.Add(time.Duration(hours) * time.Hour), "capacity": 30}
}

func (w *world) salonBody() map[string]any {
	return w.eventBody("salon", time.Now().Add(2*time.Hour).Truncate(time.Minute), 2)
}

// publishedEvent is a published event of the kind.
func (w *world) publishedEvent(kind string) int64 {
	w.t.Helper()
	b := w.salonBody()
	if kind == "matchmaking" {
		y, m, d := time.Now().In(matrixCST).AddDate(0, 0, 1).Date()
		b = w.eventBody(kind, time.Date(y, m, d, 14, 0, 0, 0, matrixCST), 2)
	}
	id := w.mustCreate("/api/v1/events", w.admin, b)
	if r := w.e.Do("POST", p("/api/v1/events/%d/status", id), w.admin, map[string]any{"action": "publish"}); r.Status != http.StatusOK {
		w.t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	return id
}

var matrixCST = time.FixedZone("CST", 8*3600)

// eventRegistration registers the account (by e-mail) at the event.
func (w *world) eventRegistration(event int64, email string, body map[string]any) int64 {
	w.t.Helper()
	return w.mustCreate(p("/api/v1/events/%d/registrations", event), w.e.Token(email), body)
}

func init() {
	managers := []string{"admin", "officer.jingan", "enterprise"}
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "GET /api/v1/events", name: "search", req: func(w *world) (string, any) { return "/api/v1/events?q=路演&when=all", nil }, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/events", name: "for Yunshan in Jing'an", req: func(w *world) (string, any) { return "/api/v1/events", w.salonBody() },
				want: only(http.StatusCreated, http.StatusForbidden, managers...)},
			{route: "GET /api/v1/events/mine", name: "mine", req: func(w *world) (string, any) { return "/api/v1/events/mine", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/events/feed", name: "my feed", req: func(w *world) (string, any) { return "/api/v1/events/feed", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/events/activity", name: "the last year", req: func(w *world) (string, any) { return "/api/v1/events/activity", nil }, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/events/{id}", name: "published", req: func(w *world) (string, any) { return p("/api/v1/events/%d", w.publishedEvent("salon")), nil },
				want: everyone(http.StatusOK)},
			{route: "GET /api/v1/events/{id}", name: "a draft", req: func(w *world) (string, any) {
				return p("/api/v1/events/%d", w.mustCreate("/api/v1/events", w.admin, w.salonBody())), nil
			}, want: expect{anon: http.StatusNotFound, others: http.StatusNotFound, allowed: http.StatusOK, roles: managers}},
			{route: "PUT /api/v1/events/{id}", name: "Yunshan's", req: func(w *world) (string, any) {
				return p("/api/v1/events/%d", w.publishedEvent("salon")), w.salonBody()
			}, want: only(http.StatusOK, http.StatusForbidden, managers...)},
			{route: "POST /api/v1/events/{id}/status", name: "publish a draft", req: func(w *world) (string, any) {
				return p("/api/v1/events/%d/status", w.mustCreate("/api/v1/events", w.admin, w.salonBody())), map[string]any{"action": "publish"}
			}, want: only(http.StatusOK, http.StatusNotFound, managers...)},
			{route: "POST /api/v1/events/{id}/status", name: "close a published one", req: func(w *world) (string, any) {
				return p("/api/v1/events/%d/status", w.publishedEvent("salon")), map[string]any{"action": "close"}
			}, want: only(http.StatusOK, http.StatusForbidden, managers...)},
			{route: "POST /api/v1/events/{id}/registrations", name: "a salon", req: func(w *world) (string, any) {
				return p("/api/v1/events/%d/registrations", w.publishedEvent("salon")), map[string]any{}
			}, want: signedIn(http.StatusCreated)},
			{route: "GET /api/v1/events/{id}/registrations", name: "registrants", req: func(w *world) (string, any) {
				return p("/api/v1/events/%d/registrations", w.publishedEvent("salon")), nil
			}, want: only(http.StatusOK, http.StatusForbidden, managers...)},
			{route: "POST /api/v1/events/{id}/registrations/{reg}/cancel", name: "talent's place", req: func(w *world) (string, any) {
				ev := w.publishedEvent("salon")
				return p("/api/v1/events/%d/registrations/%d/cancel", ev, w.eventRegistration(ev, "talent@demo.local", map[string]any{})), nil
			}, want: per(http.StatusNotFound, map[string]int{"admin": http.StatusOK, "officer.jingan": http.StatusOK, "enterprise": http.StatusOK, "talent": http.StatusOK})},
			{route: "POST /api/v1/events/{id}/check-ins", name: "talent by registration", req: func(w *world) (string, any) {
				ev := w.publishedEvent("salon")
				return p("/api/v1/events/%d/check-ins", ev), map[string]any{"registration_id": w.eventRegistration(ev, "talent@demo.local", map[string]any{})}
			}, want: only(http.StatusOK, http.StatusForbidden, managers...)},
			{route: "PUT /api/v1/events/{id}/preferences", name: "Yunshan as a startup", req: func(w *world) (string, any) {
				ev := w.publishedEvent("matchmaking")
				w.eventRegistration(ev, "enterprise@demo.local", map[string]any{"org_id": w.yunshan, "side": "startup"})
				return p("/api/v1/events/%d/preferences", ev), map[string]any{"targets": []int64{}}
			}, want: only(http.StatusOK, http.StatusForbidden, "enterprise")},
			{route: "POST /api/v1/events/{id}/pairing", name: "run", req: func(w *world) (string, any) {
				return p("/api/v1/events/%d/pairing", w.publishedEvent("matchmaking")), map[string]any{"meeting_minutes": 20}
			}, want: only(http.StatusOK, http.StatusForbidden, managers...)},
			{route: "GET /api/v1/events/{id}/pairing", name: "the grid", req: func(w *world) (string, any) {
				return p("/api/v1/events/%d/pairing", w.publishedEvent("matchmaking")), nil
			}, want: only(http.StatusOK, http.StatusForbidden, managers...)},
			{route: "GET /api/v1/events/{id}/schedule", name: "Yunshan's meetings", req: func(w *world) (string, any) {
				ev := w.publishedEvent("matchmaking")
				w.eventRegistration(ev, "enterprise@demo.local", map[string]any{"org_id": w.yunshan, "side": "startup"})
				return p("/api/v1/events/%d/schedule", ev), nil
			}, want: only(http.StatusOK, http.StatusNotFound, "enterprise")},
		}
	})
}
