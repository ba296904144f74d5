package talent

import (
	"fmt"
	"sync"
	"testing"

	"rainforest/internal/kernel/apperr"
)

// classC is a profile the 2017 table puts in class C.
func classC(i int) ApplicationInput {
	in := anna()
	in.TalentEmail = fmt.Sprintf("c%d@x.de", i)
	in.Profile.Name, in.Profile.NameZh, in.Profile.PassportNo = fmt.Sprintf("Talent %d", i), "", fmt.Sprintf("C0%dX00T47", i)
	in.Profile.Education, in.Profile.WorkYears, in.Profile.SalaryYuan, in.Profile.MonthsInChina = "bachelor", 1, 60000, 2
	in.Profile.HSK, in.Profile.OwnsIP = 0, false
	return in
}

// underReview files an application with its required documents and
// takes it to review.
func (w *world) underReview(in ApplicationInput) Application {
	w.t.Helper()
	a, err := w.s.Create(w.ctx, w.owner, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.toReview(a)
}

// toReview adds a draft's required documents and takes it to review.
func (w *world) toReview(a Application) Application {
	w.t.Helper()
	list, err := w.s.checklist(w.ctx, w.s.DB.Read, &a)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, it := range list {
		if !it.Required {
			continue
		}
		name, data := it.Item+".pdf", pdf
		if it.Item == "photo" {
			name, data = "photo.jpg", jpeg
		}
		if _, err := w.s.AddDocument(w.ctx, w.owner, a.ID, it.Item, name, data); err != nil {
			w.t.Fatal(err)
		}
	}
	if a, err = w.s.Act(w.ctx, w.owner, a.ID, ActInput{Action: "submit"}); err != nil {
		w.t.Fatalf("submit: %v", err)
	}
	if a, err = w.s.Act(w.ctx, w.officer, a.ID, ActInput{Action: "review"}); err != nil {
		w.t.Fatalf("review: %v", err)
	}
	return a
}

// TestClassCQuota: class C is granted only under the year's quota, which
// holds under concurrent approvals; a renewal of a class-C permit keeps
// its place; only administrators set quotas, and bad ones change nothing.
func TestClassCQuota(t *testing.T) {
	w := newWorld(t)
	apps := make([]Application, 5)
	for i := range apps {
		if _, err := w.s.DB.Write.ExecContext(w.ctx, `INSERT INTO users (email, name, password_hash, platform_role, created_at, updated_at) VALUES ($1, $1, '', '', $2, $2)`,
			fmt.Sprintf("c%d@x.de", i), w.clock); err != nil {
			t.Fatal(err)
		}
		apps[i] = w.underReview(classC(i))
		if apps[i].ScoreClass != ClassC {
			t.Fatalf("application %d scored class %s", i, apps[i].ScoreClass)
		}
	}
	approve := ActInput{Action: "approve", ValidTo: "2027-11-22"}
	// No quota for the year: 409 on class, nothing granted.
	_, err := w.s.Act(w.ctx, w.officer, apps[0].ID, approve)
	if code(err) != apperr.Conflict || !hasField(err, "class") {
		t.Fatalf("class C without a quota: %v", err)
	}
	if a, _ := w.s.Get(w.ctx, w.officer, apps[0].ID); a.State != UnderReview || a.Permit != nil {
		t.Fatalf("a refused grant left %s, permit %v", a.State, a.Permit)
	}
	// Class B may still be granted.
	two := 2
	for _, c := range []struct {
		p     bool
		year  int
		quota *int
		field string
	}{{true, 1999, &two, "year"}, {true, 2026, nil, "quota"}, {true, 2026, ptr(-1), "quota"}, {true, 2026, ptr(MaxQuota + 1), "quota"}} {
		if _, err := w.s.SetQuota(w.ctx, w.admin, c.year, QuotaInput{Quota: c.quota}); !hasField(err, c.field) {
			t.Errorf("quota %d %v: %v, want a field error on %s", c.year, c.quota, err, c.field)
		}
	}
	if _, err := w.s.SetQuota(w.ctx, w.officer, 2026, QuotaInput{Quota: &two}); code(err) != apperr.Forbidden {
		t.Errorf("an officer sets the quota: %v", err)
	}
	if n := w.count("talent_quotas"); n != 0 {
		t.Fatalf("refused quotas wrote %d rows", n)
	}
	if q, err := w.s.SetQuota(w.ctx, w.admin, 2026, QuotaInput{Quota: &two}); err != nil || q.Quota != 2 || q.Left != 2 {
		t.Fatalf("quota: %+v %v", q, err)
	}
	// Five approvals at once under a quota of two: exactly two granted.
	var wg sync.WaitGroup
	errs := make([]error, len(apps))
	for i := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.s.Act(w.ctx, w.officer, apps[i].ID, approve)
		}()
	}
	wg.Wait()
	granted := 0
	for i, err := range errs {
		switch {
		case err == nil:
			granted++
		case code(err) != apperr.Conflict || !hasField(err, "class"):
			t.Errorf("approval %d: %v", i, err)
		}
	}
	qs, _ := w.s.Quotas(w.ctx)
	if granted != 2 || len(qs) != 1 || qs[0].Used != 2 || qs[0].Left != 0 {
		t.Fatalf("%d granted under a quota of 2; quotas %+v", granted, qs)
	}
	var permits int
	w.s.DB.Read.QueryRowContext(w.ctx, `SELECT COUNT(*) FROM talent_permits WHERE class = 'C'`).Scan(&permits)
	if permits != 2 {
		t.Fatalf("%d class-C permits", permits)
	}
	// Class B under a full class-C quota is granted.
	var refused Application
	for i, err := range errs {
		if err != nil {
			refused = apps[i]
			break
		}
	}
	if a, err := w.s.Act(w.ctx, w.officer, refused.ID, ActInput{Action: "approve", Class: "B", ValidTo: "2027-11-22"}); err != nil || a.Permit == nil || a.Permit.Class != "B" {
		t.Fatalf("class B with the class-C quota used up: %v", err)
	}
	// A renewal of a class-C permit, granted class C with the quota used
	// up, keeps its place.
	var cPermit int64
	w.s.DB.Read.QueryRowContext(w.ctx, `SELECT id FROM talent_permits WHERE class = 'C' ORDER BY id LIMIT 1`).Scan(&cPermit)
	r, err := w.s.Renew(w.ctx, w.owner, cPermit)
	if err != nil {
		t.Fatal(err)
	}
	r = w.toReview(r)
	if r, err = w.s.Act(w.ctx, w.officer, r.ID, ActInput{Action: "approve", Class: "C", ValidTo: "2028-11-22"}); err != nil || r.Permit == nil || r.Permit.Class != "C" {
		t.Fatalf("renewal of a class-C permit with the quota used up: %v", err)
	}
	if qs, _ := w.s.Quotas(w.ctx); qs[0].Used != 2 {
		t.Fatalf("the renewal took a place: %+v", qs)
	}
	// Lowering the quota below what is used stops new ones, undoes none.
	one := 1
	if q, err := w.s.SetQuota(w.ctx, w.admin, 2026, QuotaInput{Quota: &one}); err != nil || q.Used != 2 || q.Left != 0 {
		t.Fatalf("lowered quota: %+v %v", q, err)
	}
}
