package events_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/events"
)

// TestDemoEvents seeds the events demo twice (the second time does
// nothing) and finds the upcoming roadshow, the paired matchmaking and
// the past training with its check-ins.
func TestDemoEvents(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	for range 2 {
		if err := demo.SeedEvents(ctx, e.App.DB, e.App.Events); err != nil {
			t.Fatal(err)
		}
	}
	var up events.Page
	must(t, e.Do("GET", "/api/v1/events", "", nil), http.StatusOK).JSON(&up)
	if up.Total != 2 {
		t.Fatalf("upcoming: %+v", up)
	}
	var grid events.Grid
	admin := e.Token("admin@demo.local")
	for _, ev := range up.Items {
		if ev.Kind == "matchmaking" {
			must(t, e.Do("GET", "/api/v1/events/"+strconv.FormatInt(ev.ID, 10)+"/pairing", admin, nil), http.StatusOK).JSON(&grid)
		}
	}
	if len(grid.Investors) != 4 || len(grid.Startups) < 2 || len(grid.Meetings) == 0 || grid.MutualMet != grid.Mutual {
		t.Fatalf("matchmaking: %d investors, %d startups, %d meetings, %d of %d mutual", len(grid.Investors), len(grid.Startups), len(grid.Meetings), grid.MutualMet, grid.Mutual)
	}
	now := e.App.DB.Now()
	act, err := e.App.Events.Activity(ctx, now.AddDate(0, -1, 0), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(act) != 1 || act[0].District != "jingan" || act[0].Attended != 3 || act[0].Registered != 4 {
		t.Fatalf("the past training: %+v", act)
	}
	must(t, e.Do("GET", "/api/v1/events/mine", e.Token("angel1@demo.local"), nil), http.StatusOK)
}

// TestMatchmakingPages: on the demo's matchmaking afternoon an investor
// states wishes on the page and sees the schedule; the organiser runs
// the pairing from the grid; someone else is turned away.
func TestMatchmakingPages(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	if err := demo.SeedEvents(ctx, e.App.DB, e.App.Events); err != nil {
		t.Fatal(err)
	}
	var ev int64
	e.App.DB.Read.QueryRow(`SELECT id FROM events WHERE kind = 'matchmaking'`).Scan(&ev)
	path := "/events/" + strconv.FormatInt(ev, 10)
	angel := e.Browser()
	angel.Login("angel1@demo.local")
	page := string(must(t, angel.Get(path+"/matchmaking"), http.StatusOK).Body)
	if !strings.Contains(page, "我的对接日程") || !strings.Contains(page, "rank_") {
		t.Fatalf("participant's page: %s", page)
	}
	var startup int64
	e.App.DB.Read.QueryRow(`SELECT id FROM event_registrations WHERE event_id = $1 AND side = 'startup' ORDER BY id DESC LIMIT 1`, ev).Scan(&startup)
	must(t, angel.Post(path+"/preferences", url.Values{"rank_" + strconv.FormatInt(startup, 10): {"1"}}), http.StatusSeeOther)
	var wants []int64
	rows, _ := e.App.DB.Read.Query(`SELECT p.target_id FROM event_preferences p JOIN event_registrations r ON r.id = p.registration_id JOIN users u ON u.id = r.user_id
		WHERE u.email = 'angel1@demo.local' ORDER BY p.rank`)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		wants = append(wants, id)
	}
	rows.Close()
	if len(wants) != 1 || wants[0] != startup {
		t.Fatalf("wishes after the form: %v", wants)
	}
	admin := e.Browser()
	admin.Login("admin@demo.local")
	must(t, admin.Post(path+"/pairing", url.Values{"meeting_minutes": {"30"}, "only_preferred": {"1"}}), http.StatusSeeOther)
	grid := string(must(t, admin.Get(path+"/matchmaking"), http.StatusOK).Body)
	if !strings.Contains(grid, "对接总表") || !strings.Contains(grid, "#1") {
		t.Fatalf("grid: %s", grid)
	}
	var n int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM event_meetings WHERE event_id = $1 AND preference = 'none'`, ev).Scan(&n)
	if n != 0 {
		t.Fatalf("%d meetings nobody asked for after an only-preferred pairing", n)
	}
	other := e.Browser()
	other.Login("talent@demo.local")
	must(t, other.Get(path+"/matchmaking"), http.StatusForbidden)
}
