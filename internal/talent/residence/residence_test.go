package residence_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/talent/housing"
	"rainforest/internal/talent/residence"
)

var today = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func TestRuleSetCases(t *testing.T) {
	sets := append([]*rules.RuleSet{}, residence.Routes...)
	for _, p := range residence.Programs {
		sets = append(sets, p.Rules)
	}
	for _, rs := range sets {
		if fs := rs.Check(); len(fs) > 0 {
			t.Errorf("%s: %+v", rs.Slug(), fs)
		}
	}
}

func TestResidenceSelfCheckExplainsTheGap(t *testing.T) {
	f, err := residence.ParseFacts([]byte(`{"months_in_zone": 21, "salary_yuan": 650000, "income_tax_yuan": 130000, "talent_class": "B"}`), today)
	if err != nil {
		t.Fatal(err)
	}
	c, err := residence.CheckResidence(f, today)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != "ineligible" || len(c.Routes) != 2 {
		t.Fatalf("%+v", c)
	}
	gap := c.Routes[0].Criteria[0].Gap
	if gap == nil || gap.Text.En != "21 months so far: 2 years 3 months more" || gap.Text.Zh != "已连续工作 21 个月，还需 2 年 3 个月" {
		t.Fatalf("gap %+v", gap)
	}
	f["talent_class"] = "a"
	if c, _ = residence.CheckResidence(f, today); c.Status != "eligible" {
		t.Fatalf("class A route: %+v", c.Status)
	}
}

func TestBadFactsNameTheField(t *testing.T) {
	for _, c := range []struct{ body, field string }{
		{`{"months_in_zone": -1}`, "months_in_zone"},
		{`{"born_on": "2027-01-01"}`, "born_on"},
		{`{"born_on": "2001-02-29"}`, "born_on"},
		{`{"born_on": "2000-01-01", "months_in_zone": 200}`, "months_in_zone"},
		{`{"salary_yuan": 100, "income_tax_yuan": 200}`, "income_tax_yuan"},
		{`{"talent_class": "d"}`, "talent_class"},
		{`{"passport": "x"}`, "passport"},
		{`[1]`, "body"},
		{`{"salary_yuan": "lots"}`, "salary_yuan"},
	} {
		_, err := residence.ParseFacts([]byte(c.body), today)
		ae := apperr.As(err)
		if err == nil || ae.Code != apperr.Invalid || len(ae.Fields) == 0 || ae.Fields[0].Field != c.field {
			t.Errorf("%s: got %v, want a fault of %s", c.body, err, c.field)
		}
	}
}

// FuzzParseFacts holds the self-check's input validation to: no panic;
// refusals name a field; what it accepts reads back the same and every
// rule set evaluates it.
func FuzzParseFacts(f *testing.F) {
	for _, s := range []string{
		`{"months_in_zone": 48, "salary_yuan": 600000, "income_tax_yuan": 120000}`,
		`{"talent_class": "a", "born_on": "1980-11-01", "tech_field": "biomedicine", "registered_district": "xuhui"}`,
		`{"months_in_zone": -1}`, `{"born_on": "9999-12-31"}`, `{}`, `null`, `{"salary_yuan": 1e400}`, `{"months_in_zone": 1.5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := residence.ParseFacts(data, today)
		if err != nil {
			ae := apperr.As(err)
			if ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
				t.Fatalf("%q: refusal %v names no field", data, err)
			}
			return
		}
		b, _ := json.Marshal(facts)
		again, err := residence.ParseFacts(b, today)
		if err != nil || !reflect.DeepEqual(map[string]any(facts), map[string]any(again)) {
			t.Fatalf("%q: accepted %v, read back %v (%v)", data, facts, again, err)
		}
		if _, err := residence.CheckResidence(facts, today); err != nil {
			t.Fatal(err)
		}
		for _, p := range residence.Programs {
			if _, err := residence.Evaluate(p.Rules, facts, today); err != nil {
				t.Fatal(err)
			}
		}
	})
}

type permits map[int64][]housing.Permit

func (p permits) PermitsOf(_ context.Context, user int64) ([]housing.Permit, error) {
	return p[user], nil
}

func TestProgramApplicationReviewedByTheDistrict(t *testing.T) {
	d := dbtest.Open(t)
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return now }
	perm := permits{}
	s := &residence.Service{DB: d, Permits: perm}
	ctx := context.Background()
	seq := 0
	ins := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := d.Write.QueryRow(q+" RETURNING id", args...).Scan(&id); err != nil {
			t.Fatal(q, err)
		}
		return id
	}
	org := func(district, field string) int64 {
		seq++
		return ins(`INSERT INTO orgs (uscc, name_zh, kind, registered_district, tech_field, created_at, updated_at) VALUES ($1, $2, 'enterprise', $3, $4, $5, $5)`,
			fmt.Sprintf("T%017d", seq), fmt.Sprintf("企业%d", seq), district, field, now)
	}
	user := func(role string) int64 {
		seq++
		return ins(`INSERT INTO users (email, name, password_hash, platform_role, locale, created_at, updated_at) VALUES ($1, 'x', '', $2, 'en', $3, $3)`,
			fmt.Sprintf("u%d@test.local", seq), role, now)
	}
	xuhuiAI, jinganAI := org("xuhui", "electronic_information"), org("jingan", "electronic_information")
	talent := func(employer int64, class string) *auth.Principal {
		u := user("")
		ins(`INSERT INTO people (org_id, name_en, user_id, created_at, updated_at) VALUES ($1, 'T', $2, $3, $3)`, employer, u, now)
		if class != "" {
			perm[u] = []housing.Permit{{Class: class, EmployerOrgID: employer, ValidFrom: "2022-03-01", ValidTo: "2027-03-01"}}
		}
		return &auth.Principal{UserID: u}
	}
	agency := org("xuhui", "")
	officer := &auth.Principal{UserID: user("officer"), Role: auth.RoleOfficer, Memberships: []auth.Membership{{OrgID: agency, OrgKind: "agency", District: "xuhui"}}}
	jagency := org("jingan", "")
	jofficer := &auth.Principal{UserID: user("officer"), Role: auth.RoleOfficer, Memberships: []auth.Membership{{OrgID: jagency, OrgKind: "agency", District: "jingan"}}}

	anna := talent(xuhuiAI, "a")
	pre, err := s.Prefill(ctx, anna)
	if err != nil || pre["talent_class"] != "a" || pre["months_in_zone"] != float64(56) || pre["registered_district"] != "xuhui" {
		t.Fatalf("prefill %v %v", pre, err)
	}
	// A class-C talent is refused, naming the class; a Jing'an employer too.
	_, err = s.Apply(ctx, talent(xuhuiAI, "c"), "guangqi", residence.ApplyInput{Facts: map[string]any{"born_on": "1990-01-01"}})
	if ae := apperr.As(err); err == nil || ae.Code != apperr.Invalid || ae.Fields[0].Field != "talent_class" {
		t.Fatalf("class C: %v", err)
	}
	_, err = s.Apply(ctx, talent(jinganAI, "b"), "guangqi", residence.ApplyInput{Facts: map[string]any{"born_on": "1990-01-01"}})
	if ae := apperr.As(err); err == nil || ae.Fields[0].Field != "employer_org_id" {
		t.Fatalf("Jing'an employer: %v", err)
	}
	// A typed district does not override the registry's.
	a, err := s.Apply(ctx, anna, "guangqi", residence.ApplyInput{Facts: map[string]any{"born_on": "1986-06-01", "registered_district": "pudong"}, Statement: "多模态大模型"})
	if err != nil || a.State != residence.Submitted || a.Facts["registered_district"] != "xuhui" {
		t.Fatalf("apply: %+v %v", a, err)
	}
	if _, err := s.Apply(ctx, anna, "guangqi", residence.ApplyInput{Facts: map[string]any{"born_on": "1986-06-01"}}); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("second application: %v", err)
	}
	if _, err := s.Act(ctx, jofficer, a.ID, "review", ""); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("Jing'an officer: %v", err)
	}
	if _, err := s.Act(ctx, anna, a.ID, "review", ""); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("applicant reviewing: %v", err)
	}
	for _, act := range []string{"review", "approve"} {
		if a, err = s.Act(ctx, officer, a.ID, act, ""); err != nil {
			t.Fatal(act, err)
		}
	}
	v, err := s.View(ctx, anna, a.ID)
	if err != nil || v.State != residence.Approved || len(v.History) != 3 || len(v.Actions) != 0 {
		t.Fatalf("view %+v %v", v, err)
	}
	list, err := s.Applications(ctx, officer, residence.Query{})
	if err != nil || len(list) != 1 {
		t.Fatalf("queue %d %v", len(list), err)
	}
	if list, _ := s.Applications(ctx, jofficer, residence.Query{}); len(list) != 0 {
		t.Fatalf("Jing'an queue %d", len(list))
	}
}
