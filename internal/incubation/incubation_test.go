package incubation_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
)

var cst = time.FixedZone("CST", 8*3600)

func orgID(t *testing.T, e *apptest.Env, zh string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&id); err != nil {
		t.Fatal(zh, err)
	}
	return id
}

func must(t *testing.T, r apptest.Response, status int) apptest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want %d, got %d %s", status, r.Status, r.Body)
	}
	return r
}

// problem checks a problem+json answer and returns the field it names.
func problem(t *testing.T, r apptest.Response, status int) string {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want a %d problem, got %d %s", status, r.Status, r.Body)
	}
	f, _ := r.Map()["field"].(string)
	return f
}

func id(r apptest.Response) int64 { return int64(r.Map()["id"].(float64)) }

// env is the demo city on Monday 2026-11-23, 10:00 in Shanghai, with the
// operator incubator@ of the Yangpu Technology Entrepreneurship Center.
type env struct {
	e                      *apptest.Env
	op, ent, officer, xuhu string
	center, yunshan        int64
}

func newEnv(t *testing.T) *env {
	e := apptest.New(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, cst)
	e.App.DB.Now = func() time.Time { return now.UTC() }
	return &env{e: e, op: e.Token("incubator@demo.local"), ent: e.Token("enterprise@demo.local"), officer: e.Token("officer.jingan@demo.local"),
		xuhu: e.Token("officer.xuhui@demo.local"), center: orgID(t, e, "杨浦科技创业中心"), yunshan: orgID(t, e, "上海云杉软件科技有限公司")}
}

func (v *env) carrierBody(desks, offices int) map[string]any {
	return map[string]any{"operator_org_id": v.center, "stage": "incubator", "name_zh": "杨浦智能硬件孵化器", "name_en": "Yangpu Smart Hardware Incubator",
		"district": "yangpu", "address": "国定路 335 号", "level": "municipal", "area_m2": 3200, "desks": desks, "offices": offices,
		"fields": []string{"electronic_information", "advanced_manufacturing"}, "services": []string{"mentoring", "financing", "lab"}, "seed_fund_yuan": 5000000,
		"description_zh": "面向智能硬件初创团队的孵化器，提供样机实验室和天使投资对接。", "description_en": "An incubator for smart-hardware startups with a prototyping lab and angel matchmaking."}
}

func (v *env) carrier(t *testing.T, desks, offices int) int64 {
	t.Helper()
	return id(must(t, v.e.Do("POST", "/api/v1/incubation/carriers", v.op, v.carrierBody(desks, offices)), http.StatusCreated))
}

// tenant admits Yunshan (or a fresh team of enterprise@) on day and
// returns the tenancy.
func (v *env) admit(t *testing.T, carrier int64, body map[string]any, day string) int64 {
	t.Helper()
	a := id(must(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/carriers/%d/applications", carrier), v.ent, body), http.StatusCreated))
	r := must(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/applications/%d/actions", a), v.op, map[string]any{"action": "admit", "admitted_on": day}), http.StatusOK)
	return int64(r.Map()["tenancy_id"].(float64))
}

func (v *env) team(t *testing.T, name string) int64 {
	t.Helper()
	return id(must(t, v.e.Do("POST", "/api/v1/incubation/teams", v.ent, map[string]any{"name": name, "members": "陈静, Li Wei", "field": "electronic_information"}), http.StatusCreated))
}

func TestCarrierCatalogAndBadInput(t *testing.T) {
	v := newEnv(t)
	c := v.carrier(t, 20, 4)
	for _, q := range []string{"q=智能硬件", "q=hardware", "stage=incubator&district=yangpu", "field=electronic_information", "level=municipal"} {
		r := must(t, v.e.Do("GET", "/api/v1/incubation/carriers?"+q, "", nil), http.StatusOK)
		var got struct {
			Items []struct{ ID int64 }
		}
		r.JSON(&got)
		if len(got.Items) != 1 || got.Items[0].ID != c {
			t.Errorf("%s: want carrier %d, got %s", q, c, r.Body)
		}
	}
	if r := must(t, v.e.Do("GET", "/api/v1/incubation/carriers?stage=accelerator", "", nil), http.StatusOK); !strings.Contains(string(r.Body), `"items":[]`) {
		t.Errorf("accelerators: %s", r.Body)
	}
	problem(t, v.e.Do("GET", "/api/v1/incubation/carriers?stage=garage", "", nil), http.StatusUnprocessableEntity)
	for _, tc := range []struct {
		change map[string]any
		field  string
	}{
		{map[string]any{"desks": 0, "offices": 0}, "desks"},
		{map[string]any{"desks": -3}, "desks"},
		{map[string]any{"area_m2": 0}, "area_m2"},
		{map[string]any{"stage": "garage"}, "stage"},
		{map[string]any{"district": "atlantis"}, "district"},
		{map[string]any{"fields": []string{"astrology"}}, "fields"},
		{map[string]any{"name_zh": ""}, "name_zh"},
	} {
		b := v.carrierBody(10, 1)
		for k, x := range tc.change {
			b[k] = x
		}
		if f := problem(t, v.e.Do("POST", "/api/v1/incubation/carriers", v.op, b), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%v: field %q, want %q", tc.change, f, tc.field)
		}
	}
	// Only the operator's members list its carriers.
	problem(t, v.e.Do("POST", "/api/v1/incubation/carriers", v.ent, v.carrierBody(5, 0)), http.StatusForbidden)
	// The district's officers annotate; others may not.
	problem(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/carriers/%d/notes", c), v.officer, map[string]any{"body": "回访"}), http.StatusForbidden)
	yp := v.e.Token("admin@demo.local")
	must(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/carriers/%d/notes", c), yp, map[string]any{"body": "二季度回访：样机实验室设备已到位"}), http.StatusCreated)
	if r := must(t, v.e.Do("GET", fmt.Sprintf("/api/v1/incubation/carriers/%d/notes", c), v.op, nil), http.StatusOK); !strings.Contains(string(r.Body), "样机实验室") {
		t.Errorf("notes: %s", r.Body)
	}
	problem(t, v.e.Do("GET", fmt.Sprintf("/api/v1/incubation/carriers/%d/notes", c), v.ent, nil), http.StatusForbidden)
}

func TestAdmissionLeasesAndExit(t *testing.T) {
	v := newEnv(t)
	c := v.carrier(t, 3, 1)
	body := map[string]any{"org_id": v.yunshan, "plan": "SaaS for labs", "desks_wanted": 2}
	a := id(must(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/carriers/%d/applications", c), v.ent, body), http.StatusCreated))
	// One open application per applicant and carrier.
	if f := problem(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/carriers/%d/applications", c), v.ent, body), http.StatusConflict); f != "org_id" {
		t.Errorf("duplicate names %q", f)
	}
	// Team and company at once, or neither.
	problem(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/carriers/%d/applications", c), v.ent, map[string]any{"plan": "x"}), http.StatusUnprocessableEntity)
	act := func(tok, action string, extra map[string]any) apptest.Response {
		b := map[string]any{"action": action}
		for k, x := range extra {
			b[k] = x
		}
		return v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/applications/%d/actions", a), tok, b)
	}
	problem(t, act(v.ent, "admit", nil), http.StatusForbidden)
	must(t, act(v.op, "invite", nil), http.StatusOK)
	if f := problem(t, act(v.op, "reject", nil), http.StatusUnprocessableEntity); f != "comment" {
		t.Errorf("reject without comment names %q", f)
	}
	if f := problem(t, act(v.op, "admit", map[string]any{"admitted_on": "2026-12-01"}), http.StatusUnprocessableEntity); f != "admitted_on" {
		t.Errorf("admission in the future names %q", f)
	}
	r := must(t, act(v.op, "admit", map[string]any{"admitted_on": "2026-11-02"}), http.StatusOK)
	ten := int64(r.Map()["tenancy_id"].(float64))
	problem(t, act(v.op, "invite", nil), http.StatusConflict)
	// A tenant already: no second application.
	problem(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/carriers/%d/applications", c), v.ent, body), http.StatusConflict)

	lease := func(space string, units int, s, e string) apptest.Response {
		return v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/tenancies/%d/leases", ten), v.op, map[string]any{"space": space, "units": units, "starts_on": s, "ends_on": e})
	}
	if f := problem(t, lease("desk", 1, "2026-12-10", "2026-12-01"), http.StatusUnprocessableEntity); f != "ends_on" {
		t.Errorf("end before start names %q", f)
	}
	if f := problem(t, lease("desk", 1, "2026-10-01", "2026-12-01"), http.StatusUnprocessableEntity); f != "starts_on" {
		t.Errorf("lease before admission names %q", f)
	}
	problem(t, lease("desk", 0, "2026-11-02", "2026-12-01"), http.StatusUnprocessableEntity)
	must(t, lease("desk", 2, "2026-11-02", "2027-04-30"), http.StatusCreated)
	must(t, lease("office", 1, "2026-11-02", "2027-10-31"), http.StatusCreated)
	// The third desk fits; a fourth overlapping in March does not.
	must(t, lease("desk", 1, "2027-01-01", "2027-01-31"), http.StatusCreated)
	r = lease("desk", 2, "2027-03-01", "2027-05-31")
	if f := problem(t, r, http.StatusConflict); f != "space" || !strings.Contains(r.Map()["detail"].(string), "2027-03-01") {
		t.Errorf("over capacity: %s", r.Body)
	}
	must(t, lease("desk", 2, "2027-05-01", "2027-05-31"), http.StatusCreated)
	problem(t, lease("office", 1, "2027-02-01", "2027-02-02"), http.StatusConflict)
	// Capacity may not fall below what is leased.
	b := v.carrierBody(1, 1)
	if f := problem(t, v.e.Do("PUT", fmt.Sprintf("/api/v1/incubation/carriers/%d", c), v.op, b), http.StatusConflict); f != "desks" {
		t.Errorf("shrinking names %q", f)
	}

	// Investment: by the tenant, not in the future, not before admission.
	inv := func(tok string, on string) apptest.Response {
		return v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/tenancies/%d/investments", ten), tok, map[string]any{"round": "angel", "amount_yuan": 3000000, "investor": "徐汇天使基金", "invested_on": on})
	}
	problem(t, inv(v.ent, "2026-12-24"), http.StatusUnprocessableEntity)
	problem(t, inv(v.ent, "2026-10-01"), http.StatusUnprocessableEntity)
	problem(t, inv(v.e.Token("bank@demo.local"), "2026-11-20"), http.StatusNotFound)
	must(t, inv(v.ent, "2026-11-20"), http.StatusCreated)

	// Leaving: the operator, with a date not in the future.
	exit := func(tok string, b map[string]any) apptest.Response {
		return v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/tenancies/%d/exit", ten), tok, b)
	}
	problem(t, exit(v.ent, map[string]any{"exit": "graduated", "left_on": "2026-11-23"}), http.StatusForbidden)
	if f := problem(t, exit(v.op, map[string]any{"exit": "graduated", "left_on": "2026-11-24"}), http.StatusUnprocessableEntity); f != "left_on" {
		t.Errorf("leaving tomorrow names %q", f)
	}
	if f := problem(t, exit(v.op, map[string]any{"exit": "graduated", "left_on": "2026-11-23", "became_org_id": v.yunshan}), http.StatusUnprocessableEntity); f != "became_org_id" {
		t.Errorf("a company becoming a company names %q", f)
	}
	r = must(t, exit(v.op, map[string]any{"exit": "graduated", "left_on": "2026-11-23"}), http.StatusOK)
	var got struct {
		Exit   string
		Leases []struct {
			EndsOn string `json:"ends_on"`
		}
	}
	r.JSON(&got)
	if got.Exit != "graduated" || len(got.Leases) != 2 {
		t.Fatalf("after leaving: %s", r.Body)
	}
	for _, l := range got.Leases {
		if l.EndsOn != "2026-11-23" {
			t.Errorf("a lease runs on after leaving: %s", r.Body)
		}
	}
	problem(t, exit(v.op, map[string]any{"exit": "closed", "left_on": "2026-11-23"}), http.StatusConflict)
	// Each change has its audit record; the refusals left none.
	rows, err := v.e.App.DB.Read.Query(`SELECT action, COUNT(*) FROM audit_log WHERE entity = 'incubation_tenancy' AND entity_id = $1 GROUP BY action ORDER BY action`, fmt.Sprint(ten))
	if err != nil {
		t.Fatal(err)
	}
	audited := map[string]int{}
	for rows.Next() {
		var a string
		var n int
		if err := rows.Scan(&a, &n); err != nil {
			t.Fatal(err)
		}
		audited[a] = n
	}
	rows.Close()
	if want := map[string]int{"admit": 1, "lease": 4, "invest": 1, "leave": 1}; fmt.Sprint(audited) != fmt.Sprint(want) {
		t.Errorf("audit of the tenancy: %v, want %v", audited, want)
	}
	var leases int
	if err := v.e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM incubation_leases WHERE tenancy_id = $1`, ten).Scan(&leases); err != nil || leases != 2 {
		t.Errorf("leases after leaving: %d %v", leases, err)
	}
	// The tenant sees it among its tenancies; the operator was told of the
	// application, the tenant of each decision.
	if r := must(t, v.e.Do("GET", "/api/v1/incubation/tenancies", v.ent, nil), http.StatusOK); !strings.Contains(string(r.Body), `"exit":"graduated"`) {
		t.Errorf("my tenancies: %s", r.Body)
	}
	var n int
	if err := v.e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.email = 'incubator@demo.local' AND n.kind = 'incubation.application'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("operator's notices: %d %v", n, err)
	}
	if err := v.e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.email = 'enterprise@demo.local' AND n.kind LIKE 'incubation.application.%'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("tenant's notices: %d %v", n, err)
	}
}

// A team applies, is admitted, and leaves as the company it became.
func TestTeamBecomesCompany(t *testing.T) {
	v := newEnv(t)
	c := v.carrier(t, 5, 0)
	tm := v.team(t, "云杉硬件小组")
	ten := v.admit(t, c, map[string]any{"team_id": tm, "plan": "传感器模组"}, "2025-03-01")
	r := must(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/tenancies/%d/exit", ten), v.op, map[string]any{"exit": "graduated", "left_on": "2026-06-30", "became_org_id": v.yunshan}), http.StatusOK)
	if !strings.Contains(string(r.Body), `"became_name":"上海云杉软件科技有限公司"`) {
		t.Errorf("became: %s", r.Body)
	}
	// A team of someone else is refused.
	other := id(must(t, v.e.Do("POST", "/api/v1/incubation/teams", v.e.Token("talent@demo.local"), map[string]any{"name": "Team Anna"}), http.StatusCreated))
	if f := problem(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/carriers/%d/applications", c), v.ent, map[string]any{"team_id": other, "plan": "x"}), http.StatusForbidden); f != "team_id" {
		t.Errorf("another's team names %q", f)
	}
}

// Many leases of one desk at once on a carrier of five desks: exactly
// five succeed, the rest are refused with a conflict naming the space, and
// no day is over capacity (both engines).
func TestConcurrentLeasesNeverExceedCapacity(t *testing.T) {
	v := newEnv(t)
	c := v.carrier(t, 5, 0)
	var tens []int64
	for i := range 12 {
		tm := v.team(t, fmt.Sprintf("并发团队 %d", i))
		tens = append(tens, v.admit(t, c, map[string]any{"team_id": tm, "plan": "x"}, "2026-11-01"))
	}
	var wg sync.WaitGroup
	codes := make([]int, len(tens))
	fields := make([]string, len(tens))
	for i, ten := range tens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/tenancies/%d/leases", ten), v.op, map[string]any{"space": "desk", "units": 1, "starts_on": "2026-12-01", "ends_on": "2027-02-28"})
			codes[i] = r.Status
			if r.Status != http.StatusCreated {
				fields[i], _ = r.Map()["field"].(string)
			}
		}()
	}
	wg.Wait()
	ok := 0
	for i, code := range codes {
		switch {
		case code == http.StatusCreated:
			ok++
		case code == http.StatusConflict && fields[i] == "space":
		default:
			t.Errorf("lease %d: %d field %q", i, code, fields[i])
		}
	}
	if ok != 5 {
		t.Errorf("%d leases succeeded on five desks", ok)
	}
	var total int
	if err := v.e.App.DB.Read.QueryRow(`SELECT COALESCE(SUM(units), 0) FROM incubation_leases WHERE carrier_id = $1 AND starts_on <= '2027-01-15' AND ends_on >= '2027-01-15'`, c).Scan(&total); err != nil || total != 5 {
		t.Errorf("desks leased on 2027-01-15: %d %v", total, err)
	}
}

func TestEmptyCarrierFigures(t *testing.T) {
	v := newEnv(t)
	c := v.carrier(t, 10, 2)
	r := must(t, v.e.Do("GET", fmt.Sprintf("/api/v1/incubation/carriers/%d/figures", c), "", nil), http.StatusOK)
	var f struct {
		TeamsServed int    `json:"teams_served"`
		NoteEn      string `json:"note_en"`
		Survival1y  struct {
			Pct         float64
			Denominator int
			NoteZh      string `json:"note_zh"`
		} `json:"survival_1y"`
		Monthly []struct{ Pct float64 }
	}
	r.JSON(&f)
	if f.TeamsServed != 0 || f.NoteEn == "" || f.Survival1y.Pct != 0 || f.Survival1y.Denominator != 0 || f.Survival1y.NoteZh == "" || len(f.Monthly) != 12 {
		t.Errorf("empty carrier: %s", r.Body)
	}
	if f := problem(t, v.e.Do("GET", fmt.Sprintf("/api/v1/incubation/carriers/%d/figures?as_of=2027-01-01", c), "", nil), http.StatusUnprocessableEntity); f != "as_of" {
		t.Errorf("future as_of names %q", f)
	}
	problem(t, v.e.Do("GET", "/api/v1/incubation/figures", v.ent, nil), http.StatusForbidden)
	must(t, v.e.Do("GET", "/api/v1/incubation/figures", v.officer, nil), http.StatusOK)
}

func TestPages(t *testing.T) {
	v := newEnv(t)
	c := v.carrier(t, 4, 1)
	tm := v.team(t, "页面团队")
	ten := v.admit(t, c, map[string]any{"team_id": tm, "plan": "x"}, "2026-10-01")
	must(t, v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/tenancies/%d/leases", ten), v.op, map[string]any{"space": "desk", "units": 3, "starts_on": "2026-10-01", "ends_on": "2027-09-30"}), http.StatusCreated)
	for _, who := range []struct {
		email string
		paths []string
	}{
		{"incubator@demo.local", []string{"/incubation", fmt.Sprintf("/incubation/carriers/%d", c), "/incubation/queue", "/incubation/mine"}},
		{"enterprise@demo.local", []string{"/incubation?stage=incubator", fmt.Sprintf("/incubation/carriers/%d", c), "/incubation/mine"}},
		{"officer.xuhui@demo.local", []string{"/incubation/overview", fmt.Sprintf("/incubation/carriers/%d", c)}},
	} {
		b := v.e.Browser()
		b.Login(who.email)
		for _, lang := range []string{"zh", "en"} {
			b.Get("/lang?to=" + lang)
			for _, p := range who.paths {
				r := b.Get(p)
				if r.Status != http.StatusOK {
					t.Errorf("%s %s (%s): %d %s", who.email, p, lang, r.Status, r.Body)
				}
				if lang == "en" && strings.Contains(string(r.Body), "incubation.") {
					t.Errorf("%s %s: an untranslated key", who.email, p)
				}
			}
		}
	}
	anon := v.e.Browser()
	if r := anon.Get("/incubation?q=hardware"); r.Status != http.StatusOK || !strings.Contains(string(r.Body), fmt.Sprintf("/incubation/carriers/%d", c)) {
		t.Errorf("public catalog: %d", r.Status)
	}
	if r := anon.Get(fmt.Sprintf("/incubation/carriers/%d", c)); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "登录后申请入驻") || strings.Contains(string(r.Body), "页面团队") {
		t.Errorf("public carrier page: %d", r.Status)
	}
	b := v.e.Browser()
	b.Login("incubator@demo.local")
	r := b.Get(fmt.Sprintf("/incubation/carriers/%d", c))
	if !strings.Contains(string(r.Body), "页面团队") || !strings.Contains(string(r.Body), "孵化器") {
		t.Errorf("carrier page lacks its tenant or stage")
	}
	if !strings.Contains(string(r.Body), "空闲工位 1 / 4") || !strings.Contains(string(r.Body), "2027-09-30") {
		t.Errorf("carrier page lacks its space")
	}
	// A lease beyond capacity from the form: the error page names it.
	r = b.Post(fmt.Sprintf("/incubation/tenancies/%d/leases", ten), url.Values{"carrier_id": {fmt.Sprint(c)}, "space": {"desk"}, "units": {"2"}, "starts_on": {"2026-12-01"}, "ends_on": {"2026-12-31"}})
	if r.Status != http.StatusConflict {
		t.Errorf("over capacity from the form: %d", r.Status)
	}
	r = b.Post(fmt.Sprintf("/incubation/tenancies/%d/leases", ten), url.Values{"carrier_id": {fmt.Sprint(c)}, "space": {"desk"}, "units": {"1"}, "starts_on": {"2026-12-01"}, "ends_on": {"2026-12-31"}})
	if r.Status != http.StatusSeeOther {
		t.Errorf("a lease from the form: %d %s", r.Status, r.Body)
	}
}

// The same company applying many times at once: one application, the
// others refused as conflicts naming org_id (both engines).
func TestConcurrentApplications(t *testing.T) {
	v := newEnv(t)
	c := v.carrier(t, 5, 1)
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := v.e.Do("POST", fmt.Sprintf("/api/v1/incubation/carriers/%d/applications", c), v.ent, map[string]any{"org_id": v.yunshan, "plan": "x"})
			codes[i] = r.Status
			if r.Status == http.StatusConflict {
				if f, _ := r.Map()["field"].(string); f != "org_id" {
					t.Errorf("conflict names %q", f)
				}
			}
		}()
	}
	wg.Wait()
	created := 0
	for _, code := range codes {
		switch code {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("status %d", code)
		}
	}
	if created != 1 {
		t.Errorf("%d applications created", created)
	}
}

// The pages' forms, end to end: the operator lists a carrier, a founder
// registers a team and applies, the operator admits it from the queue,
// leases, records an investment and the departure; the officer of the
// district annotates. Every form lands where it says.
func TestPageForms(t *testing.T) {
	v := newEnv(t)
	op := v.e.Browser()
	op.Login("incubator@demo.local")
	post := func(b *apptest.Browser, path string, form url.Values) string {
		t.Helper()
		r := b.Post(path, form)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		return r.Header.Get("Location")
	}
	loc := post(op, "/incubation/carriers", url.Values{"operator_org_id": {fmt.Sprint(v.center)}, "name_zh": {"表单孵化器"}, "stage": {"nursery"}, "district": {"yangpu"},
		"level": {"district"}, "area_m2": {"800"}, "desks": {"6"}, "offices": {"0"}, "seed_fund_yuan": {"100000"}, "fields": {"biomedicine", "new_materials"}, "services": {"lab"}})
	var c int64
	if _, err := fmt.Sscanf(loc, "/incubation/carriers/%d", &c); err != nil {
		t.Fatalf("created at %q", loc)
	}
	post(op, fmt.Sprintf("/incubation/carriers/%d/edit", c), url.Values{"operator_org_id": {fmt.Sprint(v.center)}, "version": {"1"}, "name_zh": {"表单孵化器"}, "name_en": {"Form Nursery"},
		"stage": {"nursery"}, "district": {"yangpu"}, "level": {"district"}, "area_m2": {"800"}, "desks": {"8"}, "offices": {"1"}, "status": {"active"}})
	// Zero capacity from the form: 422, the carrier unchanged.
	if r := op.Post(fmt.Sprintf("/incubation/carriers/%d/edit", c), url.Values{"operator_org_id": {fmt.Sprint(v.center)}, "name_zh": {"表单孵化器"}, "stage": {"nursery"},
		"district": {"yangpu"}, "area_m2": {"800"}, "desks": {"0"}, "offices": {"0"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("zero capacity: %d", r.Status)
	}
	ent := v.e.Browser()
	ent.Login("enterprise@demo.local")
	post(ent, "/incubation/teams", url.Values{"name": {"表单团队"}, "members": {"陈静"}, "field": {"biomedicine"}})
	var team int64
	if err := v.e.App.DB.Read.QueryRow(`SELECT id FROM incubation_teams WHERE name = '表单团队'`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	post(ent, fmt.Sprintf("/incubation/carriers/%d/apply", c), url.Values{"applicant": {fmt.Sprintf("team:%d", team)}, "plan": {"多肽合成"}, "desks_wanted": {"2"}})
	var app int64
	if err := v.e.App.DB.Read.QueryRow(`SELECT id FROM incubation_applications WHERE team_id = $1`, team).Scan(&app); err != nil {
		t.Fatal(err)
	}
	if r := op.Get("/incubation/queue"); !strings.Contains(string(r.Body), "多肽合成") {
		t.Errorf("the queue lacks the application")
	}
	post(op, fmt.Sprintf("/incubation/applications/%d/act", app), url.Values{"action": {"admit"}, "admitted_on": {"2026-11-02"}})
	var ten int64
	if err := v.e.App.DB.Read.QueryRow(`SELECT id FROM incubation_tenancies WHERE application_id = $1`, app).Scan(&ten); err != nil {
		t.Fatal(err)
	}
	back := post(op, fmt.Sprintf("/incubation/tenancies/%d/leases", ten), url.Values{"carrier_id": {fmt.Sprint(c)}, "space": {"desk"}, "units": {"2"}, "starts_on": {"2026-11-02"}, "ends_on": {"2027-11-01"}})
	if !strings.HasPrefix(back, fmt.Sprintf("/incubation/carriers/%d", c)) {
		t.Errorf("lease form returns to %q", back)
	}
	post(ent, fmt.Sprintf("/incubation/tenancies/%d/investments", ten), url.Values{"round": {"seed"}, "amount_yuan": {"500000"}, "investor": {"复旦天使"}, "invested_on": {"2026-11-20"}})
	post(op, fmt.Sprintf("/incubation/tenancies/%d/exit", ten), url.Values{"carrier_id": {fmt.Sprint(c)}, "exit": {"graduated"}, "left_on": {"2026-11-23"}, "became_org_id": {fmt.Sprint(v.yunshan)}})
	adm := v.e.Browser()
	adm.Login("admin@demo.local")
	post(adm, fmt.Sprintf("/incubation/carriers/%d/notes", c), url.Values{"body": {"现场检查通过"}})
	r := op.Get(fmt.Sprintf("/incubation/carriers/%d", c))
	for _, want := range []string{"Form Nursery", "现场检查通过", "¥500,000.00", "上海云杉软件科技有限公司"} {
		if !strings.Contains(string(r.Body), want) && !strings.Contains(string(r.Body), strings.ReplaceAll(want, "Form Nursery", "表单孵化器")) {
			t.Errorf("carrier page lacks %q", want)
		}
	}
	if r := ent.Get("/incubation/mine"); !strings.Contains(string(r.Body), "表单团队") || !strings.Contains(string(r.Body), "复旦天使") {
		t.Errorf("my incubation lacks the team's tenancy")
	}
}
