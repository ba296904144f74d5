package instruments_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
)

var cst = time.FixedZone("CST", 8*3600)

func orgID(t *testing.T, e *apptest.Env, zh string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&id); err != nil {
		t.Fatal(zh, err)
	}
	return id
}

func userID(t *testing.T, e *apptest.Env, email string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(email, err)
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

func field(t *testing.T, r apptest.Response, status int) (string, string) {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want a %d problem, got %d %s", status, r.Status, r.Body)
	}
	m := r.Map()
	f, _ := m["field"].(string)
	d, _ := m["detail"].(string)
	return f, d
}

type lab struct {
	e             *apptest.Env
	lab, ent, uni string
	simt, yunshan int64
	sem           int64
	monday        time.Time
}

// newLab lists a scanning electron microscope of the metrology institute
// (lab@ owns it): 500 yuan an hour outside, 300 for sci-tech SMEs, 200
// inside; self-service after training; approved at once up to 4 hours.
// The clock is Friday 2026-11-20 10:00 in Shanghai.
func newLab(t *testing.T) *lab {
	e := apptest.New(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, cst)
	e.App.DB.Now = func() time.Time { return now.UTC() }
	l := &lab{e: e, lab: e.Token("lab@demo.local"), ent: e.Token("enterprise@demo.local"), uni: e.Token("university@demo.local"),
		simt: orgID(t, e, "上海市计量测试技术研究院"), yunshan: orgID(t, e, "上海云杉软件科技有限公司"), monday: time.Date(2026, 11, 23, 0, 0, 0, 0, cst)}
	l.sem = int64(must(t, e.Do("POST", "/api/v1/instruments", l.lab, l.body(nil)), http.StatusCreated).Map()["id"].(float64))
	return l
}

func (l *lab) body(extra map[string]any) map[string]any {
	b := map[string]any{"owner_org_id": l.simt, "name_zh": "场发射扫描电子显微镜", "name_en": "Field-emission scanning electron microscope", "category": "electron_microscopy",
		"make": "ZEISS", "model": "Sigma 300", "location": "徐汇区宜山路716号 3 楼", "region": "shanghai", "purchase_value_yuan": 4_800_000,
		"capabilities_zh": "表面形貌观察，能谱元素分析，最高分辨率 1.2 纳米", "capabilities_en": "Surface morphology, EDS element analysis, 1.2 nm resolution",
		"fee_unit": "hour", "fee_internal_fen": 20000, "fee_sme_fen": 30000, "fee_external_fen": 50000, "operator_required": false, "training_required": true,
		"auto_approve_minutes": 240, "cancel_free_hours": 24, "late_cancel_pct": 50, "no_show_pct": 100, "slot_minutes": 30, "min_minutes": 60, "max_minutes": 480}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func (l *lab) at(day int, hm string) time.Time {
	t, _ := time.Parse("15:04", hm)
	return l.monday.AddDate(0, 0, day).Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
}

func (l *lab) book(tok string, s, e time.Time, status int) map[string]any {
	return must(l.e.T.(*testing.T), l.e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/bookings", l.sem), tok, map[string]any{"starts_at": s, "ends_at": e, "purpose": "样品形貌观察"}), status).Map()
}

func TestListAndBook(t *testing.T) {
	l := newLab(t)
	e := l.e
	// Bad listings name the field.
	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"category": {"category", "telescope", "category"},
		"unit":     {"fee_unit", "day", "fee_unit"},
		"fee":      {"fee_external_fen", -1, "fee_external_fen"},
		"region":   {"region", "tibet", "region"},
		"slot":     {"slot_minutes", 7, "slot_minutes"},
		"hours":    {"opening_hours", []map[string]any{{"weekday": 1, "start_min": 600, "end_min": 540}}, "opening_hours[0].end"},
	} {
		if f, _ := field(t, e.Do("POST", "/api/v1/instruments", l.lab, l.body(map[string]any{tc.key: tc.value})), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: %q", name, f)
		}
	}
	must(t, e.Do("POST", "/api/v1/instruments", l.ent, l.body(nil)), http.StatusForbidden)
	// Found in the catalog in both languages.
	for _, q := range []string{"电子显微镜", "microscope", "能谱"} {
		r := must(t, e.Do("GET", "/api/v1/instruments?q="+url.QueryEscape(q)+"&region=shanghai", "", nil), http.StatusOK).Map()
		if r["total"].(float64) != 1 {
			t.Errorf("%s: %v", q, r["total"])
		}
	}
	// Self-service needs training.
	r := e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/bookings", l.sem), l.ent, map[string]any{"starts_at": l.at(0, "09:00"), "ends_at": l.at(0, "11:00")})
	must(t, r, http.StatusForbidden)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/trainings", l.sem), l.ent, map[string]any{"user_id": userID(t, e, "enterprise@demo.local")}), http.StatusForbidden)
	for _, u := range []string{"enterprise@demo.local", "university@demo.local"} {
		must(t, e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/trainings", l.sem), l.lab, map[string]any{"user_id": userID(t, e, u)}), http.StatusOK)
	}
	// Bad bookings name the reason and write nothing.
	for name, tc := range map[string]struct {
		s, e   time.Time
		status int
		reason string
	}{
		"ends first": {l.at(0, "11:00"), l.at(0, "09:00"), 422, "ends_before_start"},
		"past":       {l.at(-3, "09:00"), l.at(-3, "10:00"), 422, "in_the_past"},
		"evening":    {l.at(0, "16:00"), l.at(0, "18:00"), 422, "outside_opening_hours"},
		"too long":   {l.at(1, "09:00"), l.at(1, "17:30"), 422, "too_long"},
		"odd":        {l.at(1, "09:10"), l.at(1, "10:10"), 422, "misaligned"},
	} {
		_, d := field(t, e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/bookings", l.sem), l.ent, map[string]any{"starts_at": tc.s, "ends_at": tc.e}), tc.status)
		if !strings.Contains(d, tc.reason) {
			t.Errorf("%s: %q", name, d)
		}
	}
	// Within four hours: approved at once; an overlapping one is refused.
	b := l.book(l.ent, l.at(0, "09:00"), l.at(0, "11:00"), http.StatusCreated)["booked"].([]any)[0].(map[string]any)
	if b["status"] != "approved" || b["mode"] != "self" || b["estimate_fen"].(float64) != 2*b["estimate_fen"].(float64)/2 {
		t.Fatalf("booking: %v", b)
	}
	class := b["fee_class"].(string)
	if _, d := field(t, e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/bookings", l.sem), l.uni, map[string]any{"starts_at": l.at(0, "10:00"), "ends_at": l.at(0, "12:00")}), http.StatusConflict); !strings.Contains(d, "overlap") {
		t.Errorf("overlap: %q", d)
	}
	// Longer than four hours: pending until the owner approves.
	p := l.book(l.uni, l.at(1, "09:00"), l.at(1, "14:00"), http.StatusCreated)["booked"].([]any)[0].(map[string]any)
	pid := int64(p["id"].(float64))
	if p["status"] != "pending" || p["fee_class"] != "external" {
		t.Fatalf("pending: %v", p)
	}
	q := must(t, e.Do("GET", "/api/v1/instrument-bookings?scope=owner&status=pending", l.lab, nil), http.StatusOK).Map()["items"].([]any)
	if len(q) != 1 {
		t.Fatalf("queue: %v", q)
	}
	act := func(tok string, id int64, body map[string]any, status int) map[string]any {
		t.Helper()
		return must(t, e.Do("POST", fmt.Sprintf("/api/v1/instrument-bookings/%d/actions", id), tok, body), status).Map()
	}
	act(l.uni, pid, map[string]any{"action": "approve"}, http.StatusForbidden)
	act(l.lab, pid, map[string]any{"action": "approve"}, http.StatusOK)
	// Use: check-in opens half an hour before; the use is charged by
	// started quarter hours.
	bid := int64(b["id"].(float64))
	act(l.ent, bid, map[string]any{"action": "check_in"}, http.StatusConflict)
	start := l.at(0, "08:45")
	e.App.DB.Now = func() time.Time { return start.UTC() }
	act(l.ent, bid, map[string]any{"action": "check_in"}, http.StatusOK)
	act(l.ent, bid, map[string]any{"action": "complete", "actual_minutes": 95}, http.StatusForbidden)
	done := act(l.lab, bid, map[string]any{"action": "complete", "actual_minutes": 95}, http.StatusOK)
	rate := map[string]float64{"sme": 30000, "external": 50000}[class]
	if done["status"] != "completed" || done["charge_fen"].(float64) != rate*7/4 {
		t.Fatalf("completed (%s): %v", class, done)
	}
	// Cancelling the approved request less than a day before costs half
	// its estimate; a no-show the full estimate.
	e.App.DB.Now = func() time.Time { return l.at(0, "10:00").UTC() }
	late := act(l.uni, pid, map[string]any{"action": "cancel"}, http.StatusOK)
	if late["charge_fen"].(float64) != p["estimate_fen"].(float64)/2 {
		t.Fatalf("late cancel: %v", late)
	}
	ns := l.book(l.uni, l.at(2, "13:00"), l.at(2, "15:00"), http.StatusCreated)["booked"].([]any)[0].(map[string]any)
	nid := int64(ns["id"].(float64))
	act(l.lab, nid, map[string]any{"action": "no_show"}, http.StatusConflict)
	e.App.DB.Now = func() time.Time { return l.at(2, "13:20").UTC() }
	if r := act(l.lab, nid, map[string]any{"action": "no_show"}, http.StatusOK); r["charge_fen"] != ns["estimate_fen"] {
		t.Fatalf("no-show: %v", r)
	}
	// Others see none of it.
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/instrument-bookings/%d", bid), e.Token("bank@demo.local"), nil), http.StatusNotFound)
	// The owner's figures.
	use := must(t, e.Do("GET", "/api/v1/instrument-utilisation?month=2026-11", l.lab, nil), http.StatusOK).Map()["items"].([]any)[0].(map[string]any)
	if use["used_minutes"].(float64) != 95 || use["external_minutes"].(float64) != 95 || use["income_fen"].(float64) != rate*7/4+late["charge_fen"].(float64)+ns["estimate_fen"].(float64) {
		t.Fatalf("utilisation: %v", use)
	}
	ind := must(t, e.Do("GET", "/api/v1/instrument-indicators?from=2026-11&to=2026-11", "", nil), http.StatusOK).Map()
	if ind["instruments_listed"].(float64) != 1 || ind["outside_minutes"].(float64) != 95 {
		t.Fatalf("indicators: %v", ind)
	}
}

func TestSeriesAndFeeds(t *testing.T) {
	l := newLab(t)
	e := l.e
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/trainings", l.sem), l.lab, map[string]any{"user_id": userID(t, e, "enterprise@demo.local")}), http.StatusOK)
	// Someone holds Wednesday 2 December 14:00.
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/bookings", l.sem), l.lab, map[string]any{"starts_at": l.at(9, "14:00"), "ends_at": l.at(9, "15:00")}), http.StatusCreated)
	body := map[string]any{"starts_at": l.at(2, "14:00"), "ends_at": l.at(2, "15:00"), "recurrence": map[string]any{"freq": "weekly", "until": "2026-12-16"}}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/bookings", l.sem), l.ent, body), http.StatusConflict)
	body["skip_conflicts"] = true
	s := must(t, e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/bookings", l.sem), l.ent, body), http.StatusCreated).Map()
	if len(s["booked"].([]any)) != 3 || len(s["skipped"].([]any)) != 1 {
		t.Fatalf("series: %v", s)
	}
	// Feeds: the user's and the instrument's, by their secret tokens.
	f := must(t, e.Do("GET", "/api/v1/instrument-feeds", l.ent, nil), http.StatusOK).Map()
	userFeed := strings.TrimPrefix(f["user"].(string), e.Srv.URL)
	r := e.Do("GET", userFeed, "", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") || strings.Count(string(r.Body), "BEGIN:VEVENT") != 3 ||
		!strings.Contains(string(r.Body), "\r\nEND:VCALENDAR\r\n") {
		t.Fatalf("user feed: %d %s", r.Status, r.Body)
	}
	lf := must(t, e.Do("GET", "/api/v1/instrument-feeds", l.lab, nil), http.StatusOK).Map()["instruments"].(map[string]any)
	instFeed := strings.TrimPrefix(lf[fmt.Sprint(l.sem)].(string), e.Srv.URL)
	if r := e.Do("GET", instFeed, "", nil); r.Status != 200 || strings.Count(string(r.Body), "BEGIN:VEVENT") != 4 {
		t.Fatalf("instrument feed: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", fmt.Sprintf("/ical/instruments/%d.ics?token=wrong", l.sem), "", nil); r.Status != 404 {
		t.Fatalf("wrong token: %d", r.Status)
	}
}

func TestInstrumentPages(t *testing.T) {
	l := newLab(t)
	e := l.e
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/instruments/%d/trainings", l.sem), l.lab, map[string]any{"user_id": userID(t, e, "enterprise@demo.local")}), http.StatusOK)
	b := e.Browser()
	b.Login("enterprise@demo.local")
	for _, path := range []string{"/instruments", "/instruments?q=" + url.QueryEscape("扫描电镜"), fmt.Sprintf("/instruments/%d", l.sem), "/instruments/sharing"} {
		r := b.Get(path)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), "instr.") {
			t.Fatalf("%s: %d or an untranslated key", path, r.Status)
		}
	}
	r := b.Post(fmt.Sprintf("/instruments/%d/book", l.sem), url.Values{"starts_at": {"2026-11-24T13:00"}, "ends_at": {"2026-11-24T15:00"}, "org_id": {fmt.Sprint(l.yunshan)}, "purpose": {"观察"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("book: %d %s", r.Status, r.Body)
	}
	if r := b.Post(fmt.Sprintf("/instruments/%d/book", l.sem), url.Values{"starts_at": {"2026-11-24T14:00"}, "ends_at": {"2026-11-24T15:00"}}); r.Status != http.StatusConflict {
		t.Fatalf("overlap from the page: %d", r.Status)
	}
	page := string(b.Get("/instruments/bookings").Body)
	if !strings.Contains(page, "场发射扫描电子显微镜") || !strings.Contains(page, "/ical/users/") {
		t.Fatalf("my bookings: %s", page)
	}
	o := e.Browser()
	o.Login("lab@demo.local")
	for _, path := range []string{"/instruments/queue?all=1", "/instruments/mine"} {
		r := o.Get(path)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "场发射扫描电子显微镜") || strings.Contains(string(r.Body), "instr.") {
			t.Fatalf("%s: %d", path, r.Status)
		}
	}
	if r := o.Post("/instruments", url.Values{"owner_org_id": {fmt.Sprint(l.simt)}, "name_zh": {"X 射线衍射仪"}, "category": {"xray"}, "region": {"shanghai"}, "fee_unit": {"sample"},
		"fee_internal_yuan": {"100"}, "fee_sme_yuan": {"150"}, "fee_external_yuan": {"300"}, "hours": {"08:30-17:30"}, "slot_minutes": {"30"}, "max_minutes": {"240"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("list from the page: %d %s", r.Status, r.Body)
	}
}

func TestPhoto(t *testing.T) {
	l := newLab(t)
	e := l.e
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
	path := fmt.Sprintf("/api/v1/instruments/%d/photo", l.sem)
	must(t, e.Do("PUT", path, l.lab, []byte("<html>not an image</html>")), http.StatusUnsupportedMediaType)
	must(t, e.Do("PUT", path, l.ent, png), http.StatusForbidden)
	must(t, e.Do("PUT", path, l.lab, png), http.StatusOK)
	r := e.Do("GET", fmt.Sprintf("/instruments/%d/photo", l.sem), "", nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/png" || string(r.Body) != string(png) {
		t.Fatalf("photo: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if i := must(t, e.Do("GET", fmt.Sprintf("/api/v1/instruments/%d", l.sem), "", nil), http.StatusOK).Map(); i["photo_url"] != fmt.Sprintf("/instruments/%d/photo", l.sem) {
		t.Fatalf("photo_url: %v", i["photo_url"])
	}
}
