package servicedesk_test

import (
	"context"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
)

// TestDemo: the demo's service desk has requests in every stage, one
// overdue and escalated and one rated, a published notice and a visit
// with an overdue promise; seeding again changes nothing.
func TestDemo(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	for range 2 {
		if err := demo.SeedServiceDesk(ctx, e.App.DB, e.App.Desk); err != nil {
			t.Fatal(err)
		}
	}
	rd := e.App.DB.Read
	count := func(q string) int {
		t.Helper()
		var n int
		if err := rd.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(q, err)
		}
		return n
	}
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM desk_routes`:                                                 18,
		`SELECT COUNT(*) FROM desk_requests`:                                               4,
		`SELECT COUNT(*) FROM desk_requests WHERE state = 'open' AND escalation_level > 0`: 1,
		`SELECT COUNT(*) FROM desk_requests WHERE rating = 5 AND state = 'closed'`:         1,
		`SELECT COUNT(*) FROM desk_requests WHERE state = 'awaiting_enterprise'`:           1,
		`SELECT COUNT(*) FROM desk_notices WHERE state = 'published' AND reach > 0`:        1,
		`SELECT COUNT(*) FROM desk_visits`:                                                 1,
		`SELECT COUNT(*) FROM desk_promises WHERE done_at IS NULL`:                         2,
		`SELECT COUNT(*) FROM desk_leads`:                                                  2,
		`SELECT COUNT(*) FROM notices WHERE kind = 'desk.escalation'`:                      1,
	} {
		if got := count(q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	// The pages of every role render with the demo's data.
	for _, c := range []struct{ email, path, want string }{
		{"enterprise@demo.local", "/desk", "研发费用加计扣除"},
		{"officer.jingan@demo.local", "/desk?overdue=1", "研发费用加计扣除"},
		{"officer.jingan@demo.local", "/desk/visits", "协调市北高新园区"},
		{"officer.xuhui@demo.local", "/desk/notices", "高新技术企业认定申报提醒"},
		{"admin@demo.local", "/desk/settings", "科技金融科"},
		{"admin@demo.local", "/desk/figures", "jingan"},
	} {
		b := e.Browser()
		b.Login(c.email)
		r := b.Get(c.path)
		if r.Status != 200 || !strings.Contains(string(r.Body), c.want) {
			t.Errorf("%s %s: %d, want %q in the page", c.email, c.path, r.Status, c.want)
		}
	}
}
