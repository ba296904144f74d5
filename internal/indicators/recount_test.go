package indicators_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/incubation"
	"rainforest/internal/indicators"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/registry"
	"rainforest/internal/synth"
)

// The recount: every indicator computed again with plain SQL, month by
// month with range conditions (no month arithmetic in SQL, no grouping by
// month), and compared with the cache for every area and month.

type recount struct {
	kind string
	// q answers (area, value) rows. Flows take the month's [start, end)
	// as $1, $2 (timestamps, or dates as YYYY-MM-DD for date columns);
	// stocks take the end as $1; snapshots take nothing.
	q     string
	dates bool
	// withNow takes the database clock as $3.
	withNow bool
}

const area = `COALESCE(NULLIF(o.registered_district, ''), 'unassigned')`

var recounts = map[string]recount{
	"hnte-enterprises": {kind: "snapshot", q: `SELECT COALESCE(NULLIF(registered_district, ''), 'unassigned'), COUNT(*) FROM orgs
		WHERE kind = 'enterprise' AND certifications LIKE '%hnte%' GROUP BY registered_district`},
	"scitech-smes": {kind: "snapshot", q: `SELECT COALESCE(NULLIF(registered_district, ''), 'unassigned'), COUNT(*) FROM orgs
		WHERE kind = 'enterprise' AND certifications LIKE '%scitech_sme%' GROUP BY registered_district`},
	"invention-patents": {kind: "stock", q: `SELECT ` + area + `, COUNT(*) FROM ip_assets a JOIN orgs o ON o.id = a.owner_org_id
		WHERE a.kind = 'patent' AND a.subtype = 'invention' AND a.status = 'granted' AND a.created_at < $1 GROUP BY o.registered_district`},
	"tech-contract-turnover": {kind: "flow", dates: true, q: `SELECT COALESCE(NULLIF(seller_district, ''), 'unassigned'), SUM(value_fen) FROM transfer_contracts
		WHERE status = 'registered' AND signed_on >= $1 AND signed_on < $2 GROUP BY seller_district`},
	"tech-contract-exports": {kind: "flow", dates: true, q: `SELECT buyer_region, SUM(value_fen) FROM transfer_contracts
		WHERE status = 'registered' AND seller_region = 'shanghai' AND signed_on >= $1 AND signed_on < $2 GROUP BY buyer_region`},
	"ip-transaction-value": {kind: "flow", q: `SELECT ` + area + `, SUM(d.price_fen) FROM ip_deals d JOIN orgs o ON o.id = d.seller_org_id
		WHERE d.state = 'closed' AND d.price_fen IS NOT NULL AND d.closed_at >= $1 AND d.closed_at < $2 GROUP BY o.registered_district`},
	"instruments-shared": {kind: "stock", q: `SELECT COALESCE(NULLIF(district, ''), 'unassigned'), COUNT(*) FROM instruments
		WHERE status = 'active' AND created_at < $1 GROUP BY district`},
	"instrument-outside-hours": {kind: "flow", q: `SELECT COALESCE(NULLIF(i.district, ''), 'unassigned'), SUM(b.actual_minutes) FROM instrument_bookings b
		JOIN calendar_bookings cb ON cb.id = b.booking_id JOIN instruments i ON i.id = b.instrument_id
		WHERE cb.status = 'completed' AND b.fee_class IN ('external', 'sme') AND cb.starts_at >= $1 AND cb.starts_at < $2 GROUP BY i.district`},
	"vouchers-issued": {kind: "flow", q: `SELECT ` + area + `, SUM(v.face_fen) FROM vouchers v JOIN orgs o ON o.id = v.org_id
		WHERE v.created_at >= $1 AND v.created_at < $2 GROUP BY o.registered_district`},
	"vouchers-redeemed": {kind: "flow", q: `SELECT ` + area + `, SUM(r.voucher_fen) FROM voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id
		JOIN orgs o ON o.id = v.org_id WHERE r.created_at >= $1 AND r.created_at < $2 GROUP BY o.registered_district`},
	"loans-granted": {kind: "flow", dates: true, q: `SELECT ` + area + `, SUM(l.amount_fen) FROM loans l JOIN orgs o ON o.id = l.org_id
		WHERE l.disbursed_on >= $1 AND l.disbursed_on < $2 GROUP BY o.registered_district`},
	"risk-pool-usage": {kind: "flow", dates: true, q: `SELECT ` + area + `, SUM(pc.claim_fen) FROM pool_claims pc JOIN loans l ON l.id = pc.loan_id
		JOIN orgs o ON o.id = l.org_id JOIN ledger_journals j ON j.id = pc.journal_id
		WHERE pc.state = 'paid' AND j.effective_on >= $1 AND j.effective_on < $2 GROUP BY o.registered_district`},
	"program-money-committed": {kind: "flow", q: `SELECT COALESCE(registered_district, 'unassigned'), SUM(amount_fen) FROM awards
		WHERE status IN ('reserved', 'paid', 'clawed_back') AND approved_at >= $1 AND approved_at < $2 GROUP BY registered_district`},
	"program-money-paid": {kind: "flow", dates: true, q: `SELECT COALESCE(registered_district, 'unassigned'), SUM(amount_fen) FROM awards
		WHERE journal_id IS NOT NULL AND paid_on >= $1 AND paid_on < $2 GROUP BY registered_district`},
	"desk-requests": {kind: "flow", q: `SELECT COALESCE(NULLIF(district, ''), 'unassigned'), COUNT(*) FROM desk_requests
		WHERE created_at >= $1 AND created_at < $2 GROUP BY district`},
	"desk-answered-on-time": {kind: "flow", q: `SELECT COALESCE(NULLIF(district, ''), 'unassigned'), COUNT(*) FROM desk_requests
		WHERE created_at >= $1 AND created_at < $2 AND responded_at <= first_due_at GROUP BY district`},
	"talent-permits": {kind: "flow", q: `SELECT ` + area + `, COUNT(*) FROM talent_permits t JOIN orgs o ON o.id = t.employer_org_id
		WHERE t.issued_at >= $1 AND t.issued_at < $2 GROUP BY o.registered_district`},
	"events-held": {kind: "flow", withNow: true, q: `SELECT COALESCE(NULLIF(district, ''), 'unassigned'), COUNT(*) FROM events
		WHERE status IN ('published', 'closed') AND starts_at >= $1 AND starts_at < $2 AND ends_at <= $3 GROUP BY district`},
	"event-attendance": {kind: "flow", withNow: true, q: `SELECT COALESCE(NULLIF(e.district, ''), 'unassigned'), COUNT(*) FROM event_registrations r JOIN events e ON e.id = r.event_id
		WHERE r.checked_in_at IS NOT NULL AND e.status IN ('published', 'closed') AND e.starts_at >= $1 AND e.starts_at < $2 AND e.ends_at <= $3 GROUP BY e.district`},
}

// fromModule are the figures computed by another module's read function:
// compared with that function's answer for the current month.
type fromModule func(id string) map[string]int64

var cst = time.FixedZone("CST", 8*3600)

// sums runs a recount query into area → value (the city as "").
func sums(t *testing.T, d *db.DB, q string, args ...any) map[string]int64 {
	t.Helper()
	rows, err := d.Read.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("recount %s: %v", q, err)
	}
	defer rows.Close()
	out := map[string]int64{"": 0}
	for rows.Next() {
		var a string
		var v int64
		if err := rows.Scan(&a, &v); err != nil {
			t.Fatal(err)
		}
		out[a] += v
		out[""] += v
	}
	return out
}

// cached is the cache's figures of an indicator by month and area.
func cached(t *testing.T, s *indicators.Service, id, from, to string) map[string]map[string]int64 {
	t.Helper()
	se, err := s.Series(context.Background(), id, indicators.Query{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int64{}
	for j, p := range se.Periods {
		m := map[string]int64{"": se.City.Values[j]}
		for _, r := range se.Rows {
			m[r.Slug] = r.Values[j]
		}
		out[p] = m
	}
	return out
}

// checkRecount compares every indicator in every month from..to with the
// recount, and returns how many non-zero figures it compared.
func checkRecount(t *testing.T, s *indicators.Service, d *db.DB, from, to string, mod fromModule) int {
	t.Helper()
	nonZero := 0
	now := indicators.MonthOf(d.Now())
	pops := map[string][]indicators.Population{}
	ps, err := s.Populations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		pops[p.District] = append(pops[p.District], p)
	}
	for _, def := range s.List() {
		got := cached(t, s, def.ID, from, to)
		rc, ok := recounts[def.ID]
		if def.Source != nil && def.Kind == indicators.Snapshot {
			if mod == nil {
				t.Errorf("%s has no recount", def.ID)
				continue
			}
			want := mod(def.ID)
			for a, v := range want {
				if got[now][a] != v {
					t.Errorf("%s %s area %q: cache %d, module %d", def.ID, now, a, got[now][a], v)
				}
			}
			for a, v := range got[now] {
				if _, ok := want[a]; !ok && v != 0 {
					t.Errorf("%s %s area %q: cache %d, module nothing", def.ID, now, a, v)
				}
			}
			continue
		}
		if !ok && def.ID != "invention-patents-per-10k" {
			t.Errorf("%s has no recount", def.ID)
			continue
		}
		for _, month := range indicators.Months(from, to) {
			start, _ := time.ParseInLocation("2006-01", month, cst)
			end := start.AddDate(0, 1, 0)
			var want map[string]int64
			switch {
			case def.ID == "invention-patents-per-10k":
				n := sums(t, d, recounts["invention-patents"].q, end.UTC())
				want = map[string]int64{}
				year := start.Year()
				var cityPop int64
				for dist, list := range pops {
					// The figure of the year or the latest before it, else the earliest.
					slices.SortFunc(list, func(a, b indicators.Population) int { return a.Year - b.Year })
					pop := list[0].Population
					for _, p := range list {
						if p.Year <= year {
							pop = p.Population
						}
					}
					cityPop += pop
					if n[dist] > 0 {
						want[dist] = int64(float64(n[dist])*1e6/float64(pop) + 0.5)
					}
				}
				if n[""] > 0 {
					want[""] = int64(float64(n[""])*1e6/float64(cityPop) + 0.5)
				}
			case rc.kind == "snapshot":
				if month != now {
					continue // past months keep what they had
				}
				want = sums(t, d, rc.q)
			case rc.kind == "stock":
				want = sums(t, d, rc.q, end.UTC())
			case rc.withNow:
				want = sums(t, d, rc.q, start.UTC(), end.UTC(), d.Now())
			case rc.dates:
				want = sums(t, d, rc.q, start.Format(time.DateOnly), end.Format(time.DateOnly))
			default:
				want = sums(t, d, rc.q, start.UTC(), end.UTC())
			}
			for a, v := range want {
				if got[month][a] != v {
					t.Errorf("%s %s area %q: cache %d, recount %d", def.ID, month, a, got[month][a], v)
				}
				if v != 0 {
					nonZero++
				}
			}
			for a, v := range got[month] {
				if _, ok := want[a]; !ok && v != 0 {
					t.Errorf("%s %s area %q: cache %d, recount nothing", def.ID, month, a, v)
				}
			}
		}
	}
	return nonZero
}

func TestRecountDemoCity(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	a := e.App
	for _, seed := range []func() error{
		func() error { return demo.SeedApplications(ctx, a.DB, a.Programs) },
		func() error { return demo.SeedIP(ctx, a.DB, a.IP) },
		func() error { return demo.SeedTransfer(ctx, a.DB, a.Transfer) },
		func() error { return demo.SeedVouchers(ctx, a.DB, a.Registry, a.Vouchers) },
		func() error { return demo.SeedFinance(ctx, a.DB, a.Finance) },
		func() error { return demo.SeedInstruments(ctx, a.DB, a.Instruments) },
		func() error { return demo.SeedServiceDesk(ctx, a.DB, a.Desk) },
	} {
		if err := seed(); err != nil {
			t.Fatal(err)
		}
	}
	res, err := a.Indicators.Refresh(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Recomputed) != len(a.Indicators.List()) {
		t.Fatalf("first pass recomputed %v, want every indicator", res.Recomputed)
	}
	now := indicators.MonthOf(a.DB.Now())
	if n := checkRecount(t, a.Indicators, a.DB, indicators.AddMonths(now, -35), now, func(id string) map[string]int64 {
		c, err := a.Incubation.CityFigures(ctx, a.DB.Now())
		if err != nil {
			t.Fatal(err)
		}
		pick := map[string]func(incubation.Figures) incubation.Rate{
			"incubation-survival-1y":  func(f incubation.Figures) incubation.Rate { return f.Survival1y },
			"incubation-survival-3y":  func(f incubation.Figures) incubation.Rate { return f.Survival3y },
			"incubation-success-rate": func(f incubation.Figures) incubation.Rate { return f.Success },
		}[id]
		out := map[string]int64{}
		if r := pick(c.City); r.Denominator > 0 {
			out[""] = int64(math.Round(float64(r.Numerator) * 1000 / float64(r.Denominator)))
		}
		for _, df := range c.Districts {
			if r := pick(df.Figures); r.Denominator > 0 {
				out[df.District] = int64(math.Round(float64(r.Numerator) * 1000 / float64(r.Denominator)))
			}
		}
		return out
	}); n < 20 {
		t.Errorf("the demo city gave only %d non-zero figures", n)
	}
}

func TestRecountGeneratedCity(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	reg := &registry.Service{DB: d}
	s := indicators.New(d)
	reg.OnChange(s.OrgChanged)
	if err := synth.Write(ctx, reg, synth.Generator{Enterprises: 3000, Seed: 7}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := synth.WriteActivity(ctx, d, synth.Activity{Months: 12, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	// A clock moved on by hand: audit entries settle once it passes them.
	clock := d.Now()
	d.Now = func() time.Time { return clock }
	tick := func() { clock = clock.Add(time.Minute) }
	tick()
	if _, err := s.Refresh(ctx, false); err != nil {
		t.Fatal(err)
	}
	now := indicators.MonthOf(d.Now())
	from := indicators.AddMonths(now, -13)
	if n := checkRecount(t, s, d, from, now, nil); n < 200 {
		t.Errorf("the generated city gave only %d non-zero figures", n)
	}

	// An enterprise certified high-tech: the hook's exact delta shows at
	// once, before any refresh.
	var id int64
	var dist string
	if err := d.Read.QueryRowContext(ctx, `SELECT id, registered_district FROM orgs WHERE kind = 'enterprise' AND registered_district IS NOT NULL
		AND certifications NOT LIKE '%hnte%' ORDER BY id LIMIT 1`).Scan(&id, &dist); err != nil {
		t.Fatal(err)
	}
	before := cached(t, s, "hnte-enterprises", now, now)[now]
	admin := &auth.Principal{UserID: 1, Role: auth.RoleAdmin}
	o, _, err := reg.Update(ctx, admin, id, map[string]json.RawMessage{"certifications": json.RawMessage(`["hnte"]`)})
	if err != nil {
		t.Fatal(err)
	}
	after := cached(t, s, "hnte-enterprises", now, now)[now]
	if after[dist] != before[dist]+1 || after[""] != before[""]+1 {
		t.Fatalf("certifying %d (%v) in %s: %d → %d, city %d → %d", id, o.Certifications, dist, before[dist], after[dist], before[""], after[""])
	}
	// Moved to another district: one less there, one more here.
	other := "chongming"
	if dist == other {
		other = "huangpu"
	}
	if _, _, err := reg.Update(ctx, admin, id, map[string]json.RawMessage{"registered_district": json.RawMessage(`"` + other + `"`)}); err != nil {
		t.Fatal(err)
	}
	moved := cached(t, s, "hnte-enterprises", now, now)[now]
	if moved[dist] != before[dist] || moved[other] != after[other]+1 || moved[""] != after[""] {
		t.Fatalf("moving %d from %s to %s: %v → %v", id, dist, other, after, moved)
	}
	checkRecount(t, s, d, now, now, nil)

	// More activity: the refresher recomputes what it touched, and only
	// that; a pass with nothing new recomputes nothing.
	if _, err := synth.WriteActivity(ctx, d, synth.Activity{Months: 2, Seed: 8}); err != nil {
		t.Fatal(err)
	}
	tick()
	res, err := s.Refresh(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"invention-patents", "invention-patents-per-10k", "tech-contract-turnover", "loans-granted", "program-money-paid"} {
		if !slices.Contains(res.Recomputed, want) {
			t.Errorf("after new activity the pass recomputed %v, not %s", res.Recomputed, want)
		}
	}
	if slices.Contains(res.Recomputed, "hnte-enterprises") {
		t.Errorf("after activity alone the pass recounted the enterprises: %v", res.Recomputed)
	}
	checkRecount(t, s, d, from, now, nil)
	tick()
	res, err = s.Refresh(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Recomputed) != 0 {
		t.Errorf("a pass with nothing new recomputed %v", res.Recomputed)
	}
	// Every indicator has taken the whole audit log in: the next pass
	// reads only what comes after.
	var low, last int64
	if err := d.Read.QueryRowContext(ctx, `SELECT MIN(audit_id) FROM indicator_state`).Scan(&low); err != nil {
		t.Fatal(err)
	}
	if err := d.Read.QueryRowContext(ctx, `SELECT MAX(id) FROM audit_log`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if low != last {
		t.Errorf("the indicators have taken the audit log in up to %d, of %d", low, last)
	}
}
