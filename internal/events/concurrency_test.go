package events_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/events"
	"rainforest/internal/kernel/auth"
)

// people adds n accounts (and, when org is not 0, makes each a member of
// org) and returns their principals.
func people(t *testing.T, e *apptest.Env, prefix string, n int, orgs ...int64) []*auth.Principal {
	t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword("long enough password")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*auth.Principal, n)
	err = e.App.DB.Tx(ctx, func(tx *sql.Tx) error {
		for i := range n {
			u := auth.User{Email: fmt.Sprintf("%s%d@example.org", prefix, i), Name: fmt.Sprintf("%s %d", prefix, i), CreatedAt: e.App.DB.Now()}
			if err := auth.InsertUserTx(ctx, tx, &u, hash); err != nil {
				return err
			}
			p := &auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name}
			if len(orgs) > 0 {
				org := orgs[i%len(orgs)]
				if err := auth.AddMemberTx(ctx, tx, u.ID, org, auth.OrgMember, e.App.DB.Now()); err != nil {
					return err
				}
				p.Memberships = []auth.Membership{{OrgID: org, Role: auth.OrgMember}}
			}
			out[i] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func principal(t *testing.T, e *apptest.Env, email string) *auth.Principal {
	t.Helper()
	p, err := e.App.Auth.Principal(context.Background(), userID(t, e, email))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConcurrentRegistration: 200 people register at once for 50 seats:
// exactly 50 get a seat and 150 wait, in the order they came (the
// position each was told is its place in the final waitlist, and every
// seat went to someone who came before everyone waiting).
func TestConcurrentRegistration(t *testing.T) {
	c := newCity(t)
	ctx := context.Background()
	svc := c.e.App.Events
	owner := principal(t, c.e, "enterprise@demo.local")
	in := events.Input{OrganiserOrgID: c.yunshan, Kind: "roadshow", TitleZh: "并发报名测试路演", Venue: "静安区", District: "jingan", Capacity: 50,
		Start: time.Date(2026, 12, 5, 14, 0, 0, 0, cst), End: time.Date(2026, 12, 5, 17, 0, 0, 0, cst)}
	ev, err := svc.Save(ctx, owner, 0, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStatus(ctx, owner, ev.ID, events.StatusInput{Action: "publish"}); err != nil {
		t.Fatal(err)
	}
	ps := people(t, c.e, "crowd", 200)
	got := make([]events.Registration, len(ps))
	errs := make([]error, len(ps))
	var start, done sync.WaitGroup
	start.Add(1)
	for i, p := range ps {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			got[i], errs[i] = svc.Register(ctx, p, ev.ID, events.RegisterInput{})
		}()
	}
	began := time.Now()
	start.Done()
	done.Wait()
	t.Logf("%d registrations at once on %s: %v", len(ps), c.e.App.DB.Dialect, time.Since(began).Round(time.Millisecond))
	for i, err := range errs {
		if err != nil {
			t.Fatalf("registration %d: %v", i, err)
		}
	}
	rs, err := svc.Registrants(ctx, owner, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	final := map[int64]events.Registration{}
	count := map[string]int{}
	for _, r := range rs {
		final[r.ID] = r
		count[r.Status]++
	}
	if count[events.Registered] != 50 || count[events.Waitlisted] != 150 || len(rs) != 200 {
		t.Fatalf("registered %d, waitlisted %d, of %d; want 50, 150, 200", count[events.Registered], count[events.Waitlisted], len(rs))
	}
	var seats int
	c.e.App.DB.Read.QueryRow(`SELECT seats_taken FROM events WHERE id = $1`, ev.ID).Scan(&seats)
	if seats != 50 {
		t.Fatalf("seats_taken %d", seats)
	}
	// Order: the seq each took under the event's lock.
	seq := map[int64]int{}
	rows, err := c.e.App.DB.Read.Query(`SELECT id, seq FROM event_registrations WHERE event_id = $1`, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var s int
		rows.Scan(&id, &s)
		seq[id] = s
	}
	rows.Close()
	var wait []events.Registration
	lastSeat := 0
	for _, g := range got {
		f := final[g.ID]
		if g.Status != f.Status || g.Position != f.Position {
			t.Fatalf("registration %d was told %s/%d, is %s/%d", g.ID, g.Status, g.Position, f.Status, f.Position)
		}
		if f.Status == events.Waitlisted {
			wait = append(wait, f)
		} else {
			lastSeat = max(lastSeat, seq[f.ID])
		}
	}
	sort.Slice(wait, func(i, j int) bool { return wait[i].Position < wait[j].Position })
	for i, w := range wait {
		if w.Position != i+1 {
			t.Fatalf("waitlist positions: %d at index %d", w.Position, i)
		}
		if i > 0 && seq[w.ID] <= seq[wait[i-1].ID] {
			t.Fatalf("waitlist out of order at %d", i)
		}
		if seq[w.ID] <= lastSeat {
			t.Fatalf("someone who came later (%d) got a seat before %d", lastSeat, seq[w.ID])
		}
	}
}
