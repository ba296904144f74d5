package servicedesk_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/servicedesk"
)

// TestNoticeDeliveryInBatches: a notice larger than what publishing tells
// at once is published with its recipients pending; the sweep tells the
// rest in batches, and deliveries run again, interrupted or concurrent,
// never tell a member twice.
func TestNoticeDeliveryInBatches(t *testing.T) {
	e := apptest.New(t)
	clock(e)
	ctx := context.Background()
	batch, now := servicedesk.DeliverBatch, servicedesk.DeliverNow
	servicedesk.DeliverBatch, servicedesk.DeliverNow = 7, 10
	t.Cleanup(func() { servicedesk.DeliverBatch, servicedesk.DeliverNow = batch, now })

	// Members for some enterprises; one person belongs to two of them.
	orgs := dbtest.IDs(t, e.App.DB, `SELECT id FROM orgs WHERE kind = 'enterprise' AND employees IS NOT NULL ORDER BY id DESC LIMIT 40`)
	if len(orgs) < 30 {
		t.Fatalf("%d enterprises with employees in the demo city", len(orgs))
	}
	var talent int64
	e.App.DB.Read.QueryRow(`SELECT id FROM users WHERE email = 'talent@demo.local'`).Scan(&talent)
	for _, o := range []int64{orgs[0], orgs[len(orgs)-1]} {
		if err := e.App.Auth.SetMembership(ctx, talent, o, "member"); err != nil {
			t.Fatal(err)
		}
	}

	admin := e.Token("admin@demo.local")
	nid := id(must(t, e.Do("POST", "/api/v1/desk/notices", admin, map[string]any{"title_zh": "全市通知", "title_en": "City-wide notice",
		"body_zh": "请阅。", "body_en": "Please read.", "rule": "employees >= 0"}), 201))
	var n servicedesk.Notice
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/notices/%d/publish", nid), admin, nil), 200).JSON(&n)
	if n.State != "published" || n.Reach < 30 || n.Pending != n.Reach-14 {
		t.Fatalf("published %+v: want %d pending after two batches of 7", n, n.Reach-14)
	}
	members := func() (notices, want int) {
		e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices WHERE kind = 'desk.policy' AND dedupe_key = $1`, fmt.Sprintf("desk.policy:%d", nid)).Scan(&notices)
		e.App.DB.Read.QueryRow(`SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN users u ON u.id = m.user_id JOIN desk_notice_recipients r ON r.org_id = m.org_id
			WHERE r.notice_id = $1 AND r.delivered = TRUE AND NOT u.disabled`, nid).Scan(&want)
		return
	}
	if got, want := members(); got != want {
		t.Fatalf("after publishing: %d notices for %d members of delivered recipients", got, want)
	}
	// The notice page says the delivery goes on.
	ab := e.Browser()
	ab.Login("admin@demo.local")
	if pg := string(ab.Get(fmt.Sprintf("/desk/notices/%d", nid)).Body); !strings.Contains(pg, fmt.Sprintf("尚有 %d 家企业待通知", n.Pending)) {
		t.Fatalf("notice page without the pending count: %s", pg)
	}

	// Three sweeps at once finish it.
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.App.Desk.DeliverPending(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/desk/notices/%d", nid), admin, nil), 200).JSON(&n)
	got, want := members()
	if n.Pending != 0 || got != want || want == 0 {
		t.Fatalf("after the sweeps: pending %d, %d notices for %d members", n.Pending, got, want)
	}
	var mine int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices WHERE user_id = $1 AND kind = 'desk.policy'`, talent).Scan(&mine)
	if mine != 1 {
		t.Fatalf("a member of two recipients told %d times", mine)
	}

	// A delivery cut short and run again tells no one twice.
	if _, err := e.App.DB.Write.Exec(`UPDATE desk_notice_recipients SET delivered = FALSE WHERE notice_id = $1 AND org_id >= $2`, nid, orgs[len(orgs)/2]); err != nil {
		t.Fatal(err)
	}
	if k, err := e.App.Desk.DeliverPending(ctx); err != nil || k != 1 {
		t.Fatalf("sweep after an interruption: %d, %v", k, err)
	}
	if again, _ := members(); again != got {
		t.Fatalf("%d notices after the delivery ran again, %d before", again, got)
	}
	if k, err := e.App.Desk.DeliverPending(ctx); err != nil || k != 0 {
		t.Fatalf("a sweep with nothing pending worked on %d notices: %v", k, err)
	}
}
