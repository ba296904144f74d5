package events_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/events"
)

var cst = time.FixedZone("CST", 8*3600)

func must(t *testing.T, r apptest.Response, status int) apptest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want %d, got %d %s", status, r.Status, r.Body)
	}
	return r
}

// problem checks a problem+json answer and returns its field and detail.
func problem(t *testing.T, r apptest.Response, status int) (string, string) {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want a %d problem, got %d %s", status, r.Status, r.Body)
	}
	m := r.Map()
	f, _ := m["field"].(string)
	d, _ := m["detail"].(string)
	return f, d
}

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

func id(r apptest.Response) int64 { return int64(r.Map()["id"].(float64)) }

type city struct {
	e                         *apptest.Env
	now                       time.Time
	ent, xuhui, admin, talent string
	yunshan                   int64
}

// newCity is the demo city at Friday 2026-11-20 10:00 in Shanghai.
func newCity(t *testing.T) *city {
	e := apptest.New(t)
	c := &city{e: e, now: time.Date(2026, 11, 20, 10, 0, 0, 0, cst)}
	e.App.DB.Now = func() time.Time { return c.now.UTC() }
	c.ent, c.xuhui, c.admin, c.talent = e.Token("enterprise@demo.local"), e.Token("officer.xuhui@demo.local"), e.Token("admin@demo.local"), e.Token("talent@demo.local")
	c.yunshan = orgID(t, e, "上海云杉软件科技有限公司")
	return c
}

func (c *city) body(extra map[string]any) map[string]any {
	b := map[string]any{"organiser_org_id": c.yunshan, "kind": "salon", "title_zh": "云原生技术沙龙", "title_en": "Cloud-native salon",
		"description_zh": "容器、服务网格与可观测性", "venue": "静安区市北高新园区 3 号楼", "district": "jingan",
		"starts_at": time.Date(2026, 12, 5, 14, 0, 0, 0, cst), "ends_at": time.Date(2026, 12, 5, 17, 0, 0, 0, cst), "capacity": 2}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func (c *city) published(t *testing.T, extra map[string]any) int64 {
	t.Helper()
	ev := id(must(t, c.e.Do("POST", "/api/v1/events", c.ent, c.body(extra)), http.StatusCreated))
	must(t, c.e.Do("POST", fmt.Sprintf("/api/v1/events/%d/status", ev), c.ent, map[string]any{"action": "publish"}), http.StatusOK)
	return ev
}

func TestBadInput(t *testing.T) {
	c := newCity(t)
	for _, tc := range []struct {
		name  string
		extra map[string]any
		field string
	}{
		{"capacity zero", map[string]any{"capacity": 0}, "capacity"},
		{"capacity negative", map[string]any{"capacity": -5}, "capacity"},
		{"end before start", map[string]any{"ends_at": time.Date(2026, 12, 5, 13, 0, 0, 0, cst)}, "ends_at"},
		{"registration after the event", map[string]any{"reg_closes_at": time.Date(2026, 12, 6, 9, 0, 0, 0, cst)}, "reg_closes_at"},
		{"window closing before it opens", map[string]any{"reg_opens_at": time.Date(2026, 12, 1, 9, 0, 0, 0, cst), "reg_closes_at": time.Date(2026, 11, 30, 9, 0, 0, 0, cst)}, "reg_closes_at"},
		{"no place", map[string]any{"venue": ""}, "venue"},
		{"unknown district", map[string]any{"district": "atlantis"}, "district"},
		{"kind", map[string]any{"kind": "party"}, "kind"},
		{"online link", map[string]any{"online_url": "javascript:alert(1)"}, "online_url"},
		{"meeting longer than the event", map[string]any{"kind": "matchmaking", "meeting_minutes": 240}, "meeting_minutes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before int
			c.e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&before)
			if f, d := problem(t, c.e.Do("POST", "/api/v1/events", c.ent, c.body(tc.extra)), http.StatusUnprocessableEntity); f != tc.field {
				t.Fatalf("field %q (%s), want %q", f, d, tc.field)
			}
			var after int
			c.e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&after)
			if after != before {
				t.Fatalf("%d events after a refusal, %d before", after, before)
			}
		})
	}
	// Someone else's organization, or a district one is no officer of.
	problem(t, c.e.Do("POST", "/api/v1/events", c.talent, c.body(nil)), http.StatusForbidden)
	problem(t, c.e.Do("POST", "/api/v1/events", c.xuhui, c.body(nil)), http.StatusForbidden)
	// The Xuhui officer organises in Xuhui, for any organizer.
	must(t, c.e.Do("POST", "/api/v1/events", c.xuhui, c.body(map[string]any{"district": "xuhui"})), http.StatusCreated)
}

func TestRegistrationWaitlistCheckIn(t *testing.T) {
	c := newCity(t)
	ev := c.published(t, nil)
	path := fmt.Sprintf("/api/v1/events/%d", ev)
	uni, bank := c.e.Token("university@demo.local"), c.e.Token("bank@demo.local")

	r1 := must(t, c.e.Do("POST", path+"/registrations", c.talent, map[string]any{}), http.StatusCreated).Map()
	if r1["status"] != "registered" {
		t.Fatalf("first: %v", r1)
	}
	if f, d := problem(t, c.e.Do("POST", path+"/registrations", c.talent, map[string]any{}), http.StatusConflict); f != "event_id" || !strings.HasPrefix(d, "event_id: already_registered") {
		t.Fatalf("duplicate: %s %s", f, d)
	}
	// A replacement without the registration window keeps it.
	before := must(t, c.e.Do("GET", path, c.ent, nil), http.StatusOK).Map()
	c.now = c.now.Add(time.Hour)
	after := must(t, c.e.Do("PUT", path, c.ent, c.body(map[string]any{"title_en": "Cloud-native salon, second session"})), http.StatusOK).Map()
	if after["reg_opens_at"] != before["reg_opens_at"] || after["reg_closes_at"] != before["reg_closes_at"] || after["title_en"] != "Cloud-native salon, second session" {
		t.Fatalf("replaced: %v, was %v", after, before)
	}
	if f, _ := problem(t, c.e.Do("PUT", path, c.ent, c.body(map[string]any{"capacity": 0})), http.StatusUnprocessableEntity); f != "capacity" {
		t.Fatal(f)
	}
	must(t, c.e.Do("POST", path+"/registrations", uni, map[string]any{}), http.StatusCreated)
	if f, d := problem(t, c.e.Do("PUT", path, c.ent, c.body(map[string]any{"capacity": 1})), http.StatusConflict); f != "capacity" || !strings.Contains(d, "below_registered") {
		t.Fatalf("capacity below the seats taken: %s %s", f, d)
	}
	if f, d := problem(t, c.e.Do("POST", path+"/registrations", bank, map[string]any{"no_waitlist": true}), http.StatusConflict); f != "event_id" || !strings.Contains(d, "full") {
		t.Fatalf("full without the waitlist: %s %s", f, d)
	}
	w := must(t, c.e.Do("POST", path+"/registrations", bank, map[string]any{}), http.StatusCreated).Map()
	if w["status"] != "waitlisted" || w["waitlist_position"].(float64) != 1 {
		t.Fatalf("third of two seats: %v", w)
	}
	e := must(t, c.e.Do("GET", path, c.ent, nil), http.StatusOK).Map()
	if e["seats_taken"].(float64) != 2 || e["waitlisted"].(float64) != 1 {
		t.Fatalf("event: %v", e)
	}
	// Only the registrant or the organiser cancels; the seat goes to the
	// first of the waitlist, who is told.
	cancel := fmt.Sprintf("%s/registrations/%d/cancel", path, int64(r1["id"].(float64)))
	problem(t, c.e.Do("POST", cancel, uni, nil), http.StatusNotFound)
	must(t, c.e.Do("POST", cancel, c.talent, nil), http.StatusOK)
	problem(t, c.e.Do("POST", cancel, c.talent, nil), http.StatusConflict)
	got := must(t, c.e.Do("GET", path, bank, nil), http.StatusOK).Map()["my_registration"].(map[string]any)
	if got["status"] != "registered" || got["waitlist_position"].(float64) != 0 {
		t.Fatalf("after the cancellation the waitlisted one has %v", got)
	}
	var n int
	c.e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices WHERE user_id = $1 AND kind = 'event.promoted'`, userID(t, c.e, "bank@demo.local")).Scan(&n)
	if n != 1 {
		t.Fatalf("%d promotion notices", n)
	}

	// Check-in on the day: by code, by user; someone not registered is
	// refused with the reason.
	c.now = time.Date(2026, 12, 5, 13, 50, 0, 0, cst)
	checkIn := path + "/check-ins"
	if f, d := problem(t, c.e.Do("POST", checkIn, c.ent, map[string]any{"user_id": userID(t, c.e, "lab@demo.local")}), http.StatusUnprocessableEntity); f != "user_id" || !strings.Contains(d, "not_registered") {
		t.Fatalf("not registered: %s %s", f, d)
	}
	if f, d := problem(t, c.e.Do("POST", checkIn, c.ent, map[string]any{"code": "no-such-code"}), http.StatusUnprocessableEntity); f != "code" || !strings.Contains(d, "not_registered") {
		t.Fatalf("unknown code: %s %s", f, d)
	}
	problem(t, c.e.Do("POST", checkIn, uni, map[string]any{"code": got["code"]}), http.StatusForbidden)
	in := must(t, c.e.Do("POST", checkIn, c.ent, map[string]any{"code": got["code"]}), http.StatusOK).Map()
	if in["checked_in_at"] == nil {
		t.Fatalf("checked in: %v", in)
	}
	if _, d := problem(t, c.e.Do("POST", checkIn, c.ent, map[string]any{"code": got["code"]}), http.StatusConflict); !strings.Contains(d, "already_checked_in") {
		t.Fatal(d)
	}
	must(t, c.e.Do("POST", checkIn, c.ent, map[string]any{"user_id": userID(t, c.e, "university@demo.local")}), http.StatusOK)

	// Held and attended, by district and month, once it has ended.
	c.now = time.Date(2026, 12, 6, 9, 0, 0, 0, cst)
	act, err := c.e.App.Events.Activity(context.Background(), time.Date(2026, 12, 1, 0, 0, 0, 0, cst), time.Date(2027, 1, 1, 0, 0, 0, 0, cst))
	if err != nil {
		t.Fatal(err)
	}
	if len(act) != 1 || act[0] != (events.Activity{District: "jingan", Month: "2026-12", Held: 1, Registered: 2, Attended: 2, Capacity: 2}) {
		t.Fatalf("activity: %+v", act)
	}
	a := must(t, c.e.Do("GET", "/api/v1/events/activity?from=2026-12&to=2026-12", "", nil), http.StatusOK).Map()
	if items := a["items"].([]any); len(items) != 1 || items[0].(map[string]any)["attended"].(float64) != 2 {
		t.Fatalf("activity API: %v", a)
	}
}

func TestWaitlistedCheckInAndCancelNotifies(t *testing.T) {
	c := newCity(t)
	ev := c.published(t, map[string]any{"capacity": 1})
	path := fmt.Sprintf("/api/v1/events/%d", ev)
	must(t, c.e.Do("POST", path+"/registrations", c.talent, map[string]any{}), http.StatusCreated)
	wl := must(t, c.e.Do("POST", path+"/registrations", c.e.Token("lab@demo.local"), map[string]any{}), http.StatusCreated).Map()
	c.now = time.Date(2026, 12, 5, 13, 0, 0, 0, cst)
	if f, d := problem(t, c.e.Do("POST", path+"/check-ins", c.ent, map[string]any{"registration_id": wl["id"]}), http.StatusConflict); f != "registration_id" || !strings.Contains(d, "waitlisted") {
		t.Fatalf("waitlisted: %s %s", f, d)
	}
	// Cancelling needs a reason and tells everyone, the waitlist too.
	problem(t, c.e.Do("POST", path+"/status", c.ent, map[string]any{"action": "cancel"}), http.StatusUnprocessableEntity)
	must(t, c.e.Do("POST", path+"/status", c.ent, map[string]any{"action": "cancel", "reason": "场地维修 The venue is under repair"}), http.StatusOK)
	var n int
	c.e.App.DB.Read.QueryRow(`SELECT COUNT(DISTINCT user_id) FROM notices WHERE kind = 'event.cancelled'`).Scan(&n)
	if n != 2 {
		t.Fatalf("%d registrants told of the cancellation, want 2", n)
	}
	problem(t, c.e.Do("POST", path+"/status", c.ent, map[string]any{"action": "publish"}), http.StatusConflict)
	ics := must(t, c.e.Do("GET", fmt.Sprintf("/ical/events/%d.ics", ev), "", nil), http.StatusOK)
	if !strings.Contains(string(ics.Body), "STATUS:CANCELLED") || ics.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("ics: %s", ics.Body)
	}
}

func TestCalendarFeeds(t *testing.T) {
	c := newCity(t)
	ev := c.published(t, map[string]any{"title_zh": "路演；第一期, 杨浦"})
	draft := id(must(t, c.e.Do("POST", "/api/v1/events", c.ent, c.body(nil)), http.StatusCreated))
	must(t, c.e.Do("GET", fmt.Sprintf("/ical/events/%d.ics", draft), "", nil), http.StatusNotFound)
	ics := string(must(t, c.e.Do("GET", fmt.Sprintf("/ical/events/%d.ics", ev), "", nil), http.StatusOK).Body)
	for _, want := range []string{"BEGIN:VEVENT", "DTSTART:20261205T060000Z", "DTEND:20261205T090000Z", `SUMMARY:路演；第一期\, 杨浦 / Cloud-native salon`, "STATUS:CONFIRMED"} {
		if !strings.Contains(strings.ReplaceAll(ics, "\r\n ", ""), want) {
			t.Fatalf("no %q in\n%s", want, ics)
		}
	}
	must(t, c.e.Do("POST", fmt.Sprintf("/api/v1/events/%d/registrations", ev), c.talent, map[string]any{}), http.StatusCreated)
	feed := must(t, c.e.Do("GET", "/api/v1/events/feed", c.talent, nil), http.StatusOK).Map()["url"].(string)
	u, _ := url.Parse(feed)
	body := string(must(t, c.e.Do("GET", u.Path, "", nil), http.StatusOK).Body)
	if !strings.Contains(body, fmt.Sprintf("UID:event-%d@rainforest", ev)) {
		t.Fatalf("feed: %s", body)
	}
	must(t, c.e.Do("GET", "/ical/event-feeds/nope.ics", "", nil), http.StatusNotFound)
}

func TestListAndSearch(t *testing.T) {
	c := newCity(t)
	c.published(t, map[string]any{"title_zh": "人工智能项目路演", "title_en": "AI roadshow", "kind": "roadshow"})
	c.published(t, map[string]any{"title_zh": "知识产权培训", "title_en": "IP training", "kind": "training", "starts_at": time.Date(2027, 1, 8, 9, 0, 0, 0, cst),
		"ends_at": time.Date(2027, 1, 8, 12, 0, 0, 0, cst)})
	must(t, c.e.Do("POST", "/api/v1/events", c.ent, c.body(map[string]any{"title_zh": "草稿路演"})), http.StatusCreated)
	var page events.Page
	must(t, c.e.Do("GET", "/api/v1/events?q=roadshow", "", nil), http.StatusOK).JSON(&page)
	if page.Total != 1 || page.Items[0].TitleEn != "AI roadshow" {
		t.Fatalf("search: %+v", page)
	}
	must(t, c.e.Do("GET", "/api/v1/events?q=路演", "", nil), http.StatusOK).JSON(&page)
	if page.Total != 1 {
		t.Fatalf("drafts are not listed: %+v", page)
	}
	must(t, c.e.Do("GET", "/api/v1/events?month=2027-01", "", nil), http.StatusOK).JSON(&page)
	if page.Total != 1 || page.Items[0].Kind != "training" {
		t.Fatalf("month: %+v", page)
	}
	must(t, c.e.Do("GET", "/api/v1/events?kind=roadshow&kind=training", "", nil), http.StatusOK).JSON(&page)
	if page.Total != 2 || !page.Items[0].Start.Before(page.Items[1].Start) {
		t.Fatalf("upcoming by start: %+v", page)
	}
	if f, _ := problem(t, c.e.Do("GET", "/api/v1/events?month=2027-13", "", nil), http.StatusUnprocessableEntity); f != "month" {
		t.Fatal(f)
	}
}

// TestPages walks the pages in both languages: the list, the month, an
// event with registration, my events, the organiser's page with check-in.
func TestPages(t *testing.T) {
	c := newCity(t)
	ev := c.published(t, nil)
	c.now = time.Date(2026, 12, 5, 13, 30, 0, 0, cst) // registration and check-in both open
	b := c.e.Browser()
	for _, lang := range []string{"zh", "en"} {
		want := map[string]string{"zh": "活动", "en": "Events"}[lang]
		h := http.Header{"Accept-Language": {lang}}
		r := must(t, c.e.DoWith("GET", "/events?when=all", "", h, nil), http.StatusOK)
		if !strings.Contains(string(r.Body), "云原生技术沙龙") && !strings.Contains(string(r.Body), "Cloud-native salon") || !strings.Contains(string(r.Body), want) {
			t.Fatalf("%s list: %s", lang, r.Body)
		}
		if r := must(t, c.e.DoWith("GET", "/events/calendar?month=2026-12", "", h, nil), http.StatusOK); !strings.Contains(string(r.Body), map[string]string{"zh": "周一", "en": "Mon"}[lang]) {
			t.Fatalf("%s month: %s", lang, r.Body)
		}
	}
	b.Login("talent@demo.local")
	must(t, b.Post(fmt.Sprintf("/events/%d/register", ev), url.Values{}), http.StatusSeeOther)
	page := string(must(t, b.Get(fmt.Sprintf("/events/%d", ev)), http.StatusOK).Body)
	if !strings.Contains(page, "已报名") {
		t.Fatalf("my status: %s", page)
	}
	must(t, b.Get("/events/mine"), http.StatusOK)
	o := c.e.Browser()
	o.Login("enterprise@demo.local")
	manage := string(must(t, o.Get(fmt.Sprintf("/events/%d/manage", ev)), http.StatusOK).Body)
	if !strings.Contains(manage, "Anna") && !strings.Contains(manage, "talent@demo.local") {
		t.Fatalf("registrants: %s", manage)
	}
	var reg int64
	c.e.App.DB.Read.QueryRow(`SELECT id FROM event_registrations WHERE event_id = $1`, ev).Scan(&reg)
	must(t, o.Post(fmt.Sprintf("/events/%d/check-in", ev), url.Values{"registration_id": {fmt.Sprint(reg)}}), http.StatusSeeOther)
	r := o.Post(fmt.Sprintf("/events/%d/check-in", ev), url.Values{"code": {"wrong"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong code: %d", r.Status)
	}
	must(t, o.Get("/events/new"), http.StatusOK)
	must(t, b.Get(fmt.Sprintf("/events/%d/manage", ev)), http.StatusForbidden)

	// The organiser's forms: a new draft, its edit, publishing.
	form := url.Values{"organiser_org_id": {fmt.Sprint(c.yunshan)}, "kind": {"competition"}, "title_zh": {"云杉杯工业软件创新大赛"}, "venue": {"静安区"},
		"district": {"jingan"}, "starts_at": {"2026-12-20T09:00"}, "ends_at": {"2026-12-20T18:00"}, "capacity": {"0"}, "audience": {"enterprises"}}
	if r := o.Post("/events", form); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("capacity 0 from the form: %d", r.Status)
	}
	form.Set("capacity", "80")
	r = must(t, o.Post("/events", form), http.StatusSeeOther)
	loc := r.Header.Get("Location")
	var created int64
	if _, err := fmt.Sscanf(loc, "/events/%d/manage", &created); err != nil {
		t.Fatalf("redirect %q", loc)
	}
	form.Set("capacity", "100")
	form.Set("version", "1")
	must(t, o.Post(fmt.Sprintf("/events/%d/edit", created), form), http.StatusSeeOther)
	must(t, o.Post(fmt.Sprintf("/events/%d/status", created), url.Values{"action": {"publish"}}), http.StatusSeeOther)
	got := must(t, c.e.Do("GET", fmt.Sprintf("/api/v1/events/%d", created), "", nil), http.StatusOK).Map()
	if got["capacity"].(float64) != 100 || got["status"] != "published" || got["audience"] != "enterprises" ||
		got["starts_at"] != "2026-12-20T01:00:00Z" {
		t.Fatalf("from the forms: %v", got)
	}
}
