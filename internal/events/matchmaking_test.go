package events_test

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"testing"
	"time"

	"rainforest/internal/events"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/calendar"
)

// checkSchedule checks a schedule against the rules: no investor or
// startup twice in one slot, no pair twice, every pair left out has a
// side already in every slot, and, when nobody has more mutual wishes
// than slots, every mutual pair placed.
func checkSchedule(t *testing.T, pairs []events.Pair, placed []int, slots int) {
	t.Helper()
	busy := map[[3]int64]bool{}
	meetings := map[[2]int64]int{}
	mutualDeg := map[[2]int64]int{}
	for i, p := range pairs {
		if p.Preference == "mutual" {
			mutualDeg[[2]int64{0, p.Investor}]++
			mutualDeg[[2]int64{1, p.Startup}]++
		}
		s := placed[i]
		if s < -1 || s >= slots {
			t.Fatalf("pair %d in slot %d of %d", i, s, slots)
		}
		if s < 0 {
			continue
		}
		for _, k := range [][3]int64{{0, p.Investor, int64(s)}, {1, p.Startup, int64(s)}} {
			if busy[k] {
				t.Fatalf("participant %v twice in slot %d", k[:2], s)
			}
			busy[k] = true
		}
		meetings[[2]int64{0, p.Investor}]++
		meetings[[2]int64{1, p.Startup}]++
	}
	seen := map[[2]int64]bool{}
	fitMutual := true
	for _, d := range mutualDeg {
		fitMutual = fitMutual && d <= slots
	}
	for i, p := range pairs {
		k := [2]int64{p.Investor, p.Startup}
		if placed[i] >= 0 {
			if seen[k] {
				t.Fatalf("pair %v twice", k)
			}
			seen[k] = true
			continue
		}
		if meetings[[2]int64{0, p.Investor}] < slots && meetings[[2]int64{1, p.Startup}] < slots && !seen[k] {
			t.Fatalf("pair %v left out though both have a free slot", k)
		}
		if p.Preference == "mutual" && fitMutual {
			t.Fatalf("mutual pair %v left out though everyone's mutual wishes fit the %d slots", k, slots)
		}
	}
}

// TestSchedule checks the pairing on random wishes: dense and sparse,
// few slots and many.
func TestSchedule(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	for round := range 400 {
		ni, ns, slots := 1+rng.IntN(8), 1+rng.IntN(12), rng.IntN(7)
		density := rng.Float64()
		var pairs []events.Pair
		for i := range ni {
			for s := range ns {
				a, b := rng.Float64() < density, rng.Float64() < density
				p := events.Pair{Investor: int64(100 + i), Startup: int64(200 + s), Preference: "none", Rank: rng.IntN(10)}
				switch {
				case a && b:
					p.Preference = "mutual"
				case a:
					p.Preference = "investor"
				case b:
					p.Preference = "startup"
				}
				if rng.IntN(3) > 0 || p.Preference == "mutual" {
					pairs = append(pairs, p)
				}
			}
		}
		rng.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
		placed := events.Schedule(pairs, slots)
		if len(placed) != len(pairs) {
			t.Fatalf("round %d: %d answers for %d pairs", round, len(placed), len(pairs))
		}
		checkSchedule(t, pairs, placed, slots)
	}
}

// TestScheduleMutualFirst: an investor wanted by more startups than
// there are slots meets the mutual ones first.
func TestScheduleMutualFirst(t *testing.T) {
	pairs := []events.Pair{
		{Investor: 1, Startup: 10, Preference: "none"},
		{Investor: 1, Startup: 11, Preference: "startup", Rank: 1},
		{Investor: 1, Startup: 12, Preference: "mutual", Rank: 4},
		{Investor: 1, Startup: 13, Preference: "mutual", Rank: 2},
	}
	placed := events.Schedule(pairs, 2)
	if placed[2] < 0 || placed[3] < 0 || placed[0] >= 0 || placed[1] >= 0 {
		t.Fatalf("placed %v; want the two mutual pairs only", placed)
	}
}

// TestMatchmaking runs the pairing of a Yangpu matchmaking afternoon
// through the service: five investors and eight startups, three slots of
// 20 minutes, mutual wishes that fit. Every mutual pair meets, nobody is
// in two meetings at once (the calendar engine refuses a second booking
// of a participant's slot), a second run replaces the first, and a
// cancelled participant's meetings go.
func TestMatchmaking(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	e := c.e
	svc := e.App.Events
	owner := principal(t, e, "enterprise@demo.local")
	ev, err := svc.Save(ctx, owner, 0, events.Input{OrganiserOrgID: c.yunshan, Kind: "matchmaking", TitleZh: "天使投资对接会", Venue: "杨浦区五角场", District: "jingan",
		Capacity: 100, Start: time.Date(2026, 12, 5, 14, 0, 0, 0, cst), End: time.Date(2026, 12, 5, 15, 0, 0, 0, cst), MeetingMinutes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStatus(ctx, owner, ev.ID, events.StatusInput{Action: "publish"}); err != nil {
		t.Fatal(err)
	}
	var investorOrgs, firms []int64
	rows, _ := e.App.DB.Read.Query(`SELECT id, kind FROM orgs WHERE kind IN ('investor', 'enterprise') ORDER BY id LIMIT 400`)
	for rows.Next() {
		var id int64
		var k string
		rows.Scan(&id, &k)
		if k == "investor" {
			investorOrgs = append(investorOrgs, id)
		} else {
			firms = append(firms, id)
		}
	}
	rows.Close()
	inv := people(t, e, "investor", 5, investorOrgs[:5]...)
	st := people(t, e, "startup", 8, firms[:8]...)
	reg := func(p *auth.Principal, side string) int64 {
		org := p.Memberships[0].OrgID
		r, err := svc.Register(ctx, p, ev.ID, events.RegisterInput{OrgID: &org, Side: side})
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	var I, S []int64
	for _, p := range inv {
		I = append(I, reg(p, events.Investor))
	}
	for _, p := range st {
		S = append(S, reg(p, events.Startup))
	}
	// A startup cannot register as an investor, nor sit on no side.
	extra := people(t, e, "late", 1, firms[9])
	org := extra[0].Memberships[0].OrgID
	if _, err := svc.Register(ctx, extra[0], ev.ID, events.RegisterInput{OrgID: &org, Side: events.Investor}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("an enterprise as investor: %v", err)
	}
	if _, err := svc.Register(ctx, extra[0], ev.ID, events.RegisterInput{OrgID: &org}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("no side: %v", err)
	}
	wants := func(p *auth.Principal, targets ...int64) {
		t.Helper()
		if _, err := svc.SetPreferences(ctx, p, ev.ID, events.PreferencesInput{Targets: targets}); err != nil {
			t.Fatal(err)
		}
	}
	// Mutual: I0-S0, I0-S1, I0-S2, I1-S0, I1-S3, I2-S0, I2-S1, I3-S4,
	// I4-S5; S0 and I0 have three each, as many as the slots.
	wants(inv[0], S[0], S[1], S[2])
	wants(inv[1], S[3], S[0])
	wants(inv[2], S[1], S[0], S[6])
	wants(inv[3], S[4])
	wants(inv[4], S[5])
	wants(st[0], I[0], I[1], I[2])
	wants(st[1], I[0], I[2])
	wants(st[2], I[0])
	wants(st[3], I[1])
	wants(st[4], I[3])
	wants(st[5], I[4])
	wants(st[6], I[0]) // I0 is taken by mutual wishes in every slot
	if _, err := svc.SetPreferences(ctx, inv[0], ev.ID, events.PreferencesInput{Targets: []int64{I[1]}}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("a wish on one's own side: %v", err)
	}
	run := func() events.Grid {
		t.Helper()
		g, err := svc.Pair(ctx, owner, ev.ID, events.PairInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Slots) != 3 || g.Mutual != 9 || g.MutualMet != 9 {
			t.Fatalf("%d slots, %d of %d mutual wishes met", len(g.Slots), g.MutualMet, g.Mutual)
		}
		var pairs []events.Pair
		var placed []int
		for _, m := range g.Meetings {
			pairs = append(pairs, events.Pair{Investor: m.InvestorID, Startup: m.StartupID, Preference: m.Preference})
			placed = append(placed, m.Slot)
			if want := g.Slots[m.Slot]; !m.Start.Equal(want.Start) || !m.End.Equal(want.End) {
				t.Fatalf("meeting %d at %v, its slot %v", m.ID, m.Start, want.Start)
			}
		}
		for _, i := range I {
			for _, s := range S {
				found := false
				for _, m := range g.Meetings {
					found = found || (m.InvestorID == i && m.StartupID == s)
				}
				if !found {
					pairs, placed = append(pairs, events.Pair{Investor: i, Startup: s, Preference: "none"}), append(placed, -1)
				}
			}
		}
		checkSchedule(t, pairs, placed, 3)
		return g
	}
	g := run()
	// The engine holds the rule: the slot of a meeting cannot be booked
	// again on the participant's resource.
	var res int64
	e.App.DB.Read.QueryRow(`SELECT resource_id FROM event_registrations WHERE id = $1`, g.Meetings[0].InvestorID).Scan(&res)
	err = e.App.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := calendar.Book(ctx, tx, e.App.DB, calendar.Request{ResourceID: res, Start: g.Meetings[0].Start, End: g.Meetings[0].End, Status: calendar.Approved})
		return err
	})
	if calendar.Reason(err) != calendar.ReasonOverlap {
		t.Fatalf("a second meeting in a participant's slot: %v", err)
	}
	// A second run replaces the first: the old bookings stop blocking.
	g = run()
	var blocking int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings b JOIN event_registrations r ON r.resource_id = b.resource_id WHERE r.event_id = $1 AND b.blocks`, ev.ID).Scan(&blocking)
	if blocking != 2*len(g.Meetings) {
		t.Fatalf("%d blocking bookings for %d meetings", blocking, len(g.Meetings))
	}
	mine, err := svc.Schedule(ctx, st[0], ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.Meetings) != 3 || len(mine.Others) != 5 {
		t.Fatalf("S0's schedule: %+v", mine)
	}
	// A startup that leaves takes its meetings (and their bookings) along.
	if _, err := svc.CancelRegistration(ctx, st[0], ev.ID, S[0]); err != nil {
		t.Fatal(err)
	}
	g, err = svc.Grid(ctx, owner, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range g.Meetings {
		if m.StartupID == S[0] {
			t.Fatalf("a cancelled startup keeps meeting %d", m.ID)
		}
	}
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings b JOIN event_registrations r ON r.resource_id = b.resource_id WHERE r.event_id = $1 AND b.blocks`, ev.ID).Scan(&blocking)
	if blocking != 2*len(g.Meetings) {
		t.Fatalf("%d blocking bookings for %d meetings after a cancellation", blocking, len(g.Meetings))
	}
	// Nobody pairs after the start.
	c.now = time.Date(2026, 12, 5, 14, 5, 0, 0, cst)
	if _, err := svc.Pair(ctx, owner, ev.ID, events.PairInput{}); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("pairing after the start: %v", err)
	}
	if _, err := svc.Pair(ctx, inv[0], ev.ID, events.PairInput{}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("an investor runs the pairing: %v", err)
	}
}
