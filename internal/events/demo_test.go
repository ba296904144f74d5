package events_test

import (
	"context"
	"net/http"
	"strconv"
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
