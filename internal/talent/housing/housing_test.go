package housing_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/talent/housing"
)

// permits is a fixed table of work permits by user.
type permits map[int64][]housing.Permit

func (p permits) PermitsOf(_ context.Context, user int64) ([]housing.Permit, error) {
	return p[user], nil
}

type fixture struct {
	t        testing.TB
	d        *db.DB
	s        *housing.Service
	now      time.Time
	perm     permits
	officer  *auth.Principal
	officer2 *auth.Principal
	jingan   *auth.Principal
	hnte     int64 // a high-tech little giant of Xuhui
	plain    int64 // an enterprise without certifications
	seq      int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	d := dbtest.Open(t)
	f := &fixture{t: t, d: d, now: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), perm: permits{}}
	d.Now = func() time.Time { return f.now }
	f.s = &housing.Service{DB: d, Permits: f.perm}
	f.hnte = f.org("徐汇高新小巨人", "xuhui", "hnte little_giant")
	f.plain = f.org("徐汇普通企业", "xuhui", "")
	xuhui := f.org("上海市徐汇区科学技术委员会", "xuhui", "")
	jingan := f.org("上海市静安区科学技术委员会", "jingan", "")
	off := func(agency int64, district string) *auth.Principal {
		return &auth.Principal{UserID: f.user("officer", "officer"), Role: auth.RoleOfficer,
			Memberships: []auth.Membership{{OrgID: agency, Role: "member", OrgKind: "agency", District: district}}}
	}
	f.officer, f.officer2, f.jingan = off(xuhui, "xuhui"), off(xuhui, "xuhui"), off(jingan, "jingan")
	return f
}

func (f *fixture) exec(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.d.Write.QueryRow(q+" RETURNING id", args...).Scan(&id); err != nil {
		f.t.Fatal(q, err)
	}
	return id
}

func (f *fixture) org(name, district, certs string) int64 {
	f.seq++
	return f.exec(`INSERT INTO orgs (uscc, name_zh, kind, registered_district, certifications, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		fmt.Sprintf("TEST%014d", f.seq), name, "enterprise", district, certs, f.now)
}

func (f *fixture) user(prefix, role string) int64 {
	f.seq++
	return f.exec(`INSERT INTO users (email, name, password_hash, platform_role, locale, created_at, updated_at) VALUES ($1, $2, '', $3, 'zh', $4, $4)`,
		fmt.Sprintf("%s%d@test.local", prefix, f.seq), fmt.Sprintf("%s %d", prefix, f.seq), role, f.now)
}

// talent is a user with a person record at employer and a permit of class.
func (f *fixture) talent(employer int64, class string) *auth.Principal {
	u := f.user("talent", "")
	f.exec(`INSERT INTO people (org_id, name_en, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`, employer, fmt.Sprintf("Talent %d", u), u, f.now)
	if class != "" {
		f.perm[u] = []housing.Permit{{Class: class, EmployerOrgID: employer, ValidFrom: "2025-01-01", ValidTo: "2028-12-31"}}
	}
	return &auth.Principal{UserID: u, Role: ""}
}

func (f *fixture) building(name string, units ...housing.UnitInput) (housing.Building, []housing.Unit) {
	f.t.Helper()
	ctx := context.Background()
	b, err := f.s.CreateBuilding(ctx, f.officer, housing.BuildingInput{NameZh: name, District: "xuhui", Address: "漕溪北路"})
	if err != nil {
		f.t.Fatal(err)
	}
	var us []housing.Unit
	for _, in := range units {
		u, err := f.s.AddUnit(ctx, f.officer, b.ID, in)
		if err != nil {
			f.t.Fatal(err)
		}
		us = append(us, u)
	}
	return b, us
}

func (f *fixture) round(building *int64) housing.Round {
	f.t.Helper()
	r, err := f.s.CreateRound(context.Background(), f.officer, housing.RoundInput{NameZh: "2026年第四季度", District: "xuhui", BuildingID: building,
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", OfferDays: 7, TermMonths: 12, MaxYears: 2})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func ptr(n int) *int { return &n }

func (f *fixture) apply(p *auth.Principal, round int64, employer int64, months, household, rooms int) housing.Application {
	f.t.Helper()
	a, err := f.s.Apply(context.Background(), p, round, housing.ApplyInput{EmployerOrgID: employer, MonthsInDistrict: ptr(months), HouseholdSize: ptr(household),
		Rooms: ptr(rooms), MoveInOn: "2026-12-01"})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func wantCode(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	ae := apperr.As(err)
	if err == nil || ae.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	if field != "" && (len(ae.Fields) == 0 || ae.Fields[0].Field != field) {
		t.Fatalf("got fields %+v, want %s", ae.Fields, field)
	}
}

func TestPriorityRuleSetCases(t *testing.T) {
	if fs := housing.Priority.Check(); len(fs) > 0 {
		t.Fatalf("%+v", fs)
	}
}

func TestAllocationWaitlistOffersTenancies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, us := f.building("徐汇人才公寓一号楼",
		housing.UnitInput{Number: "101", Rooms: 2, AreaM2: 55, RentYuan: 3000},
		housing.UnitInput{Number: "102", Rooms: 2, AreaM2: 60, RentYuan: 3200},
		housing.UnitInput{Number: "201", Rooms: 1, AreaM2: 35, RentYuan: 1800})
	r := f.round(nil)
	a, b, c, dd := f.talent(f.hnte, "a"), f.talent(f.plain, "b"), f.talent(f.plain, "c"), f.talent(f.plain, "")
	appA := f.apply(a, r.ID, 0, 40, 3, 2)
	appB := f.apply(b, r.ID, 0, 12, 2, 2)
	appC := f.apply(c, r.ID, 0, 12, 2, 2)
	appD := f.apply(dd, r.ID, 0, 3, 1, 1)
	if appA.Score != 90 || appB.Score != 35 || appC.Score != 20 || appD.Score != 10 || appD.TalentClass != "none" {
		t.Fatalf("scores %v %v %v %v (%s)", appA.Score, appB.Score, appC.Score, appD.Score, appD.TalentClass)
	}
	if len(appA.Result.Values) != 4 || len(appA.Result.Criteria) != 1 {
		t.Fatalf("result %+v", appA.Result)
	}
	if _, err := f.s.Allocate(ctx, f.jingan, r.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("Jing'an officer allocating Xuhui: %v", err)
	}
	al, err := f.s.Allocate(ctx, f.officer, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, o := range al.Offers {
		got[o.ApplicationID] = o.Unit.Number
	}
	if got[appA.ID] != "102" || got[appB.ID] != "101" || got[appD.ID] != "201" || len(got) != 3 || !slices.Equal(al.Waitlisted, []int64{appC.ID}) {
		t.Fatalf("offers %v, waitlist %v", got, al.Waitlisted)
	}
	if _, err := f.s.Allocate(ctx, f.officer2, r.ID); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("second run: %v", err)
	}
	offerOf := func(p *auth.Principal) housing.Offer {
		m, err := f.s.Mine(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range m.Offers {
			if o.State == "open" {
				return o
			}
		}
		t.Fatalf("no open offer for %d: %+v", p.UserID, m.Offers)
		return housing.Offer{}
	}
	// B declines: the next on the waitlist, C, is offered 101.
	ob := offerOf(b)
	if _, err := f.s.Accept(ctx, c, ob.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("accepting another's offer: %v", err)
	}
	if _, err := f.s.Decline(ctx, b, ob.ID); err != nil {
		t.Fatal(err)
	}
	oc := offerOf(c)
	if oc.Unit.ID != ob.Unit.ID {
		t.Fatalf("C offered %s, want %s", oc.Unit.Number, ob.Unit.Number)
	}
	tc, err := f.s.Accept(ctx, c, oc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tc.StartOn != "2026-12-01" || tc.EndOn != "2027-12-01" || tc.MaxEndOn != "2028-12-01" || tc.Unit.Status != housing.Occupied {
		t.Fatalf("tenancy %+v", tc)
	}
	if _, err := f.s.Accept(ctx, c, oc.ID); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("accepting twice: %v", err)
	}
	// Renewal once, up to the maximum.
	tc, err = f.s.Renew(ctx, c, tc.ID)
	if err != nil || tc.EndOn != "2028-12-01" || !tc.Renewed {
		t.Fatalf("renew: %+v %v", tc, err)
	}
	if _, err := f.s.Renew(ctx, f.officer, tc.ID); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("second renewal: %v", err)
	}
	// Moving out before the start is refused; after it the unit is free.
	f.now = time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	_, err = f.s.MoveOut(ctx, c, tc.ID, housing.MoveOutInput{On: "2026-11-30"})
	wantCode(t, err, apperr.Invalid, "on")
	_, err = f.s.MoveOut(ctx, c, tc.ID, housing.MoveOutInput{On: "2027-03-02"})
	wantCode(t, err, apperr.Invalid, "on")
	if _, err := f.s.MoveOut(ctx, f.jingan, tc.ID, housing.MoveOutInput{}); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another district's officer: %v", err)
	}
	tc, err = f.s.MoveOut(ctx, c, tc.ID, housing.MoveOutInput{On: "2027-02-28"})
	if err != nil || tc.State != "ended" || tc.Unit.Status != housing.Available {
		t.Fatalf("move out: %+v %v", tc, err)
	}
	// The offers of A and D lapsed after seven days, their units freed.
	m, err := f.s.Mine(ctx, a)
	if err != nil || m.Offers[0].State != "expired" || m.Applications[0].State != housing.Lapsed {
		t.Fatalf("A: %+v %v", m, err)
	}
	occ, err := f.s.Occupancy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if occ.Total.Units != 3 || occ.Total.Available != 3 || occ.Total.Occupied != 0 || len(occ.Districts) != 1 || occ.Districts[0].District != "xuhui" {
		t.Fatalf("occupancy %+v", occ)
	}
	_ = us
}

func TestWaitlistGetsUnitBackFromMaintenance(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, us := f.building("二号楼", housing.UnitInput{Number: "301", Rooms: 1, AreaM2: 40, RentYuan: 2000, Status: housing.Maintenance})
	r := f.round(nil)
	x := f.talent(f.plain, "b")
	app := f.apply(x, r.ID, 0, 10, 1, 1)
	al, err := f.s.Allocate(ctx, f.officer, r.ID)
	if err != nil || len(al.Offers) != 0 || len(al.Waitlisted) != 1 {
		t.Fatalf("%+v %v", al, err)
	}
	u, err := f.s.SetUnitStatus(ctx, f.officer, us[0].ID, housing.Available)
	if err != nil || u.Status != housing.Offered {
		t.Fatalf("unit back: %+v %v", u, err)
	}
	m, _ := f.s.Mine(ctx, x)
	if len(m.Offers) != 1 || m.Offers[0].ApplicationID != app.ID {
		t.Fatalf("offers %+v", m.Offers)
	}
	if _, err := f.s.SetUnitStatus(ctx, f.officer, us[0].ID, housing.Maintenance); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("maintenance of an offered unit: %v", err)
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.building("三号楼", housing.UnitInput{Number: "1", Rooms: 1, AreaM2: 30, RentYuan: 1000})
	r := f.round(nil)
	x := f.talent(f.plain, "c")
	for _, c := range []struct {
		in    housing.ApplyInput
		field string
	}{
		{housing.ApplyInput{MonthsInDistrict: ptr(3), HouseholdSize: ptr(0), Rooms: ptr(1), MoveInOn: "2026-12-01"}, "household_size"},
		{housing.ApplyInput{MonthsInDistrict: ptr(-1), HouseholdSize: ptr(1), Rooms: ptr(1), MoveInOn: "2026-12-01"}, "months_in_district"},
		{housing.ApplyInput{MonthsInDistrict: ptr(3), HouseholdSize: ptr(1), Rooms: ptr(1), MoveInOn: "2026-11-19"}, "move_in_on"},
		{housing.ApplyInput{MonthsInDistrict: ptr(3), HouseholdSize: ptr(1), Rooms: ptr(1), MoveInOn: "2026-02-30"}, "move_in_on"},
		{housing.ApplyInput{MonthsInDistrict: ptr(3), HouseholdSize: ptr(5), Rooms: ptr(1), MoveInOn: "2026-12-01"}, "household_size"},
		{housing.ApplyInput{MonthsInDistrict: ptr(3), HouseholdSize: ptr(1), MoveInOn: "2026-12-01"}, "rooms"},
	} {
		_, err := f.s.Apply(ctx, x, r.ID, c.in)
		wantCode(t, err, apperr.Invalid, c.field)
	}
	_, err := f.s.CreateRound(ctx, f.officer, housing.RoundInput{NameZh: "x", District: "xuhui", OpensOn: "2026-12-01", ClosesOn: "2026-11-01"})
	wantCode(t, err, apperr.Invalid, "closes_on")
	_, err = f.s.AddUnit(ctx, f.officer, 1, housing.UnitInput{Number: "9", Rooms: 0, AreaM2: 30})
	wantCode(t, err, apperr.Invalid, "rooms")
	var n int
	if err := f.d.Read.QueryRow(`SELECT COUNT(*) FROM housing_applications`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d applications written, %v", n, err)
	}
}

// Two officers run two rounds over the same building at once, then every
// talent offered a unit accepts it twice at once: no unit is offered or
// let twice.
func TestConcurrentAllocationNeverGivesAUnitTwice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var units []housing.UnitInput
	for i := range 8 {
		units = append(units, housing.UnitInput{Number: fmt.Sprintf("%02d", i), Rooms: 2, AreaM2: float64(50 + i%3), RentYuan: 3000})
	}
	b, _ := f.building("并发楼", units...)
	r1, r2 := f.round(nil), f.round(&b.ID)
	var talents []*auth.Principal
	for i := range 20 {
		p := f.talent(f.plain, string("abc"[i%3]))
		f.apply(p, []int64{r1.ID, r2.ID}[i%2], 0, i, 2, 2)
		talents = append(talents, p)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, r := range []int64{r1.ID, r2.ID} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.s.Allocate(ctx, []*auth.Principal{f.officer, f.officer2}[i], r)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string) {
		var dup, offered, open int
		if err := f.d.Read.QueryRow(`SELECT COUNT(*) FROM (SELECT unit_id FROM housing_offers WHERE state IN ('open', 'accepted') GROUP BY unit_id HAVING COUNT(*) > 1) x`).Scan(&dup); err != nil {
			t.Fatal(err)
		}
		if err := f.d.Read.QueryRow(`SELECT COUNT(*) FROM housing_units WHERE status IN ('offered', 'occupied')`).Scan(&offered); err != nil {
			t.Fatal(err)
		}
		if err := f.d.Read.QueryRow(`SELECT COUNT(*) FROM housing_offers WHERE state IN ('open', 'accepted')`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if dup != 0 || offered != 8 || open != 8 {
			t.Fatalf("%s: %d units given twice, %d units taken, %d live offers; want 0, 8, 8", what, dup, offered, open)
		}
	}
	check("after allocation")
	var wait int
	if err := f.d.Read.QueryRow(`SELECT COUNT(*) FROM housing_applications WHERE state = 'waitlisted'`).Scan(&wait); err != nil || wait != 12 {
		t.Fatalf("waitlisted %d, want 12 (%v)", wait, err)
	}
	var accepted sync.Map
	var n sync.WaitGroup
	for _, p := range talents {
		m, err := f.s.Mine(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range m.Offers {
			for range 2 {
				n.Add(1)
				go func() {
					defer n.Done()
					tn, err := f.s.Accept(ctx, p, o.ID)
					switch {
					case err == nil:
						if _, dup := accepted.LoadOrStore(o.ID, tn.ID); dup {
							t.Errorf("offer %d accepted twice", o.ID)
						}
					case apperr.CodeOf(err) != apperr.Conflict:
						t.Errorf("accept %d: %v", o.ID, err)
					}
				}()
			}
		}
	}
	n.Wait()
	check("after acceptance")
	var tenancies, units2 int
	if err := f.d.Read.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT unit_id) FROM housing_tenancies WHERE state = 'active'`).Scan(&tenancies, &units2); err != nil || tenancies != 8 || units2 != 8 {
		t.Fatalf("%d active tenancies on %d units, want 8 on 8 (%v)", tenancies, units2, err)
	}
}
