package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/talent"
)

// Fixtures of the work-permit cells: applications Yunshan (enterprise@,
// its owner) files for talent@demo.local, brought to a state through the
// service.

var talentPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func (w *world) talentPrincipals() (owner, officer *auth.Principal) {
	owner = &auth.Principal{UserID: w.users["enterprise@demo.local"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: w.yunshan, Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	officer = &auth.Principal{UserID: w.users["officer.jingan@demo.local"], Email: "officer.jingan@demo.local", Role: auth.RoleOfficer}
	return owner, officer
}

func talentInput(org int64) talent.ApplicationInput {
	return talent.ApplicationInput{EmployerOrgID: org, TalentEmail: "talent@demo.local", Profile: talent.Profile{Name: "Anna Müller", NameZh: "安娜·穆勒",
		JobTitle: "Chief Engineer", Nationality: "DEU", PassportNo: "C01X00T47", BirthDate: "1985-04-02", Education: "doctorate", GraduationDate: "2012-07-15",
		HSK: 3, WorkYears: 12, SalaryYuan: 450000, MonthsInChina: 12}}
}

// talentApp is a Yunshan application for talent@ in state draft,
// submitted or approved (with all its documents).
func (w *world) talentApp(state string) talent.Application {
	w.t.Helper()
	ctx := context.Background()
	s := w.e.App.Talent
	owner, officer := w.talentPrincipals()
	a, err := s.Create(ctx, owner, talentInput(w.yunshan))
	if err != nil {
		w.t.Fatal(err)
	}
	for _, item := range []string{"passport", "degree", "no_criminal_record", "health", "contract", "cv", "photo"} {
		data := talentPDF
		if item == "photo" {
			data = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
		}
		if _, err := s.AddDocument(ctx, owner, a.ID, item, item+".pdf", data); err != nil {
			w.t.Fatal(err)
		}
	}
	steps := map[string][]struct {
		p  *auth.Principal
		in talent.ActInput
	}{"draft": nil, "submitted": {{owner, talent.ActInput{Action: "submit"}}},
		"approved": {{owner, talent.ActInput{Action: "submit"}}, {officer, talent.ActInput{Action: "review"}},
			{officer, talent.ActInput{Action: "approve", ValidTo: time.Now().AddDate(2, 0, 0).Format(time.DateOnly)}}}}[state]
	for _, st := range steps {
		if a, err = s.Act(ctx, st.p, a.ID, st.in); err != nil {
			w.t.Fatalf("%s: %v", st.in.Action, err)
		}
	}
	return a
}

func (w *world) talentDoc() string {
	a := w.talentApp("draft")
	var doc int64
	if err := w.e.App.DB.Read.QueryRow(`SELECT MIN(id) FROM talent_documents WHERE application_id = $1`, a.ID).Scan(&doc); err != nil {
		w.t.Fatal(err)
	}
	return p("/api/v1/talent/applications/%d/documents/%d", a.ID, doc)
}

func init() {
	moreCells = append(moreCells, func() []cell {
		// Who sees a Yunshan case: its owner, the talent, officers and
		// administrators; the personal data without administrators.
		seers := map[string]int{"enterprise": http.StatusOK, "talent": http.StatusOK, "officer.jingan": http.StatusOK, "officer.xuhui": http.StatusOK, "admin": http.StatusOK}
		personal := []string{"enterprise", "talent", "officer.jingan", "officer.xuhui"}
		byRole := func(others int, m map[string]int) expect { return per(others, m) }
		return []cell{
			{route: "GET /api/v1/talent/tables", name: "versions", req: func(w *world) (string, any) { return "/api/v1/talent/tables", nil }, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/talent/quotas", name: "class-C quotas", req: func(w *world) (string, any) { return "/api/v1/talent/quotas", nil }, want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/talent/quotas/{year}", name: "a year's quota", req: func(w *world) (string, any) {
				return "/api/v1/talent/quotas/2030", map[string]any{"quota": 40}
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "POST /api/v1/talent/tables", name: "a later version", req: func(w *world) (string, any) {
				w.seq++
				in := talent.Standard2017()
				in.EffectiveFrom = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, w.seq).Format(time.DateOnly)
				in.NameZh, in.NameEn = "矩阵测试版", "Matrix edition"
				return "/api/v1/talent/tables", in
			}, want: only(http.StatusCreated, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/talent/tables/{id}", name: "the 2017 standard", req: func(w *world) (string, any) {
				var id int64
				if err := w.e.App.DB.Read.QueryRow(`SELECT id FROM talent_point_tables WHERE effective_from = '2017-04-01'`).Scan(&id); err != nil {
					w.t.Fatal(err)
				}
				return p("/api/v1/talent/tables/%d", id), nil
			}, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/talent/rescore", name: "open applications", req: func(w *world) (string, any) { return "/api/v1/talent/rescore", map[string]any{} },
				want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/talent/applications", name: "mine or the queue", req: func(w *world) (string, any) { w.talentApp("draft"); return "/api/v1/talent/applications", nil },
				want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/talent/applications", name: "for Yunshan", req: func(w *world) (string, any) {
				return "/api/v1/talent/applications", talentInput(w.yunshan)
			}, want: only(http.StatusCreated, http.StatusForbidden, "enterprise")},
			{route: "GET /api/v1/talent/applications/{id}", name: "Yunshan's", req: func(w *world) (string, any) {
				return p("/api/v1/talent/applications/%d", w.talentApp("draft").ID), nil
			}, want: byRole(http.StatusNotFound, seers)},
			{route: "PUT /api/v1/talent/applications/{id}", name: "Yunshan's draft", req: func(w *world) (string, any) {
				return p("/api/v1/talent/applications/%d", w.talentApp("draft").ID), talentInput(0)
			}, want: byRole(http.StatusNotFound, map[string]int{"enterprise": http.StatusOK, "talent": http.StatusForbidden, "officer.jingan": http.StatusForbidden,
				"officer.xuhui": http.StatusForbidden, "admin": http.StatusForbidden})},
			{route: "POST /api/v1/talent/applications/{id}/actions", name: "submit", req: func(w *world) (string, any) {
				return p("/api/v1/talent/applications/%d/actions", w.talentApp("draft").ID), map[string]any{"action": "submit"}
			}, want: byRole(http.StatusNotFound, map[string]int{"enterprise": http.StatusOK, "talent": http.StatusForbidden, "officer.jingan": http.StatusForbidden,
				"officer.xuhui": http.StatusForbidden, "admin": http.StatusForbidden})},
			{route: "POST /api/v1/talent/applications/{id}/actions", name: "review", req: func(w *world) (string, any) {
				return p("/api/v1/talent/applications/%d/actions", w.talentApp("submitted").ID), map[string]any{"action": "review"}
			}, want: byRole(http.StatusNotFound, map[string]int{"enterprise": http.StatusForbidden, "talent": http.StatusForbidden, "officer.jingan": http.StatusOK,
				"officer.xuhui": http.StatusOK, "admin": http.StatusForbidden})},
			{route: "GET /api/v1/talent/applications/{id}/score", name: "as of a day", req: func(w *world) (string, any) {
				return p("/api/v1/talent/applications/%d/score?as_of=2026-01-15", w.talentApp("draft").ID), nil
			}, want: byRole(http.StatusNotFound, map[string]int{"enterprise": http.StatusOK, "talent": http.StatusOK, "officer.jingan": http.StatusOK,
				"officer.xuhui": http.StatusOK, "admin": http.StatusForbidden})},
			// A JSON body reaches those who may upload as 415.
			{route: "POST /api/v1/talent/applications/{id}/documents", name: "to Yunshan's draft", req: func(w *world) (string, any) {
				return p("/api/v1/talent/applications/%d/documents", w.talentApp("draft").ID), map[string]any{}
			}, want: byRole(http.StatusNotFound, map[string]int{"enterprise": http.StatusUnsupportedMediaType, "talent": http.StatusUnsupportedMediaType,
				"officer.jingan": http.StatusForbidden, "officer.xuhui": http.StatusForbidden, "admin": http.StatusForbidden})},
			{route: "GET /api/v1/talent/applications/{id}/documents/{doc}", name: "a passport scan", req: func(w *world) (string, any) { return w.talentDoc(), nil },
				want: only(http.StatusOK, http.StatusNotFound, personal...)},
			{route: "POST /api/v1/talent/applications/{id}/residence", name: "accepted", req: func(w *world) (string, any) {
				return p("/api/v1/talent/applications/%d/residence", w.talentApp("approved").ID), map[string]any{"state": "accepted"}
			}, want: byRole(http.StatusNotFound, map[string]int{"enterprise": http.StatusForbidden, "talent": http.StatusForbidden, "officer.jingan": http.StatusOK,
				"officer.xuhui": http.StatusOK, "admin": http.StatusForbidden})},
			{route: "GET /api/v1/talent/permits", name: "mine", req: func(w *world) (string, any) { return "/api/v1/talent/permits", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/talent/permits/{id}/renew", name: "Yunshan's permit", req: func(w *world) (string, any) {
				return p("/api/v1/talent/permits/%d/renew", w.talentApp("approved").Permit.ID), nil
			}, want: byRole(http.StatusNotFound, map[string]int{"enterprise": http.StatusCreated, "talent": http.StatusForbidden, "officer.jingan": http.StatusForbidden,
				"officer.xuhui": http.StatusForbidden})},
			{route: "GET /api/v1/talent/report", name: "aggregates", req: func(w *world) (string, any) { return "/api/v1/talent/report", nil }, want: everyone(http.StatusOK)},
		}
	})
}

// TestTalentPrivacy: through the API, the passport number, the birth date
// and the item-by-item score reach only the talent, the employer's owners
// and officers; another member of the employer sees the case without
// them; everyone else gets 404.
func TestTalentPrivacy(t *testing.T) {
	e := apptest.New(t)
	w := newWorld(t, e, roles[0])
	a := w.talentApp("submitted")
	// A plain member of Yunshan, with a token of its own.
	member := w.freshMember(w.yunshan)
	var email string
	if err := e.App.DB.Read.QueryRow(`SELECT email FROM users WHERE id = $1`, member).Scan(&email); err != nil {
		t.Fatal(err)
	}
	res := e.Do("POST", "/api/v1/tokens", "", map[string]string{"email": email, "password": "fresh-password"})
	if res.Status != http.StatusCreated {
		t.Fatalf("member token: %d %s", res.Status, res.Body)
	}
	memberTok := res.Map()["token"].(string)
	path := p("/api/v1/talent/applications/%d", a.ID)
	for _, c := range []struct {
		who      string
		tok      string
		status   int
		personal bool
	}{
		{"owner", e.Token("enterprise@demo.local"), 200, true},
		{"talent", e.Token("talent@demo.local"), 200, true},
		{"officer", e.Token("officer.xuhui@demo.local"), 200, true},
		{"member", memberTok, 200, false},
		{"administrator", e.Token("admin@demo.local"), 200, false},
		{"a bank", e.Token("bank@demo.local"), 404, false},
		{"a university", e.Token("university@demo.local"), 404, false},
		{"the public", "", 401, false},
	} {
		r := e.Do("GET", path, c.tok, nil)
		if r.Status != c.status {
			t.Errorf("%s: %d, want %d", c.who, r.Status, c.status)
			continue
		}
		body := string(r.Body)
		leaks := strings.Contains(body, "C01X00T47") || strings.Contains(body, "1985-04-02")
		if c.status == 200 && leaks != c.personal {
			t.Errorf("%s: passport or birth date shown = %v, want %v", c.who, leaks, c.personal)
		}
		if c.status != 200 && leaks {
			t.Errorf("%s: personal data in a %d answer", c.who, r.Status)
		}
		if c.status == 200 {
			m := r.Map()
			_, score := m["score"]
			if m["personal_data"] != c.personal || score != c.personal {
				t.Errorf("%s: personal_data %v, score shown %v; want %v", c.who, m["personal_data"], score, c.personal)
			}
		}
		// The list never carries personal data.
		if l := e.Do("GET", "/api/v1/talent/applications", c.tok, nil); strings.Contains(string(l.Body), "C01X00T47") {
			t.Errorf("%s: the list shows the passport number", c.who)
		}
	}
	// The page too.
	b := e.Browser()
	b.Login("bank@demo.local")
	if r := b.Get(p("/talent/applications/%d", a.ID)); r.Status != 404 {
		t.Errorf("a bank's page: %d", r.Status)
	}
	o := e.Browser()
	o.Login("officer.jingan@demo.local")
	if r := o.Get(p("/talent/applications/%d", a.ID)); r.Status != 200 || !strings.Contains(string(r.Body), "C01X00T47") || !strings.Contains(string(r.Body), "Annual salary") && !strings.Contains(string(r.Body), "在华年薪") {
		t.Errorf("the officer's review page: %d", r.Status)
	}
}
