package programs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/programs"
	"rainforest/internal/registry"
)

var admin = &auth.Principal{Role: auth.RoleAdmin}

// yunshan is the demo enterprise's id.
func yunshan(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM orgs WHERE name_zh = $1`, "上海云杉软件科技有限公司").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func agency(t *testing.T, e *apptest.Env, zh string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func auditCount(t *testing.T, e *apptest.Env, entity string) int {
	t.Helper()
	var n int
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE entity = $1`, entity).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ruleSet is a small rule set: registered in Jing'an, at least 10
// employees, and an amount of 1,000 yuan per employee up to 50,000.
func ruleSet(expr string, cases ...map[string]any) map[string]any {
	rs := map[string]any{
		"title":     map[string]string{"zh": "测试", "en": "Test"},
		"reference": "测试依据",
		"parameters": []any{
			map[string]any{"name": "district", "type": "string", "label": map[string]string{"zh": "区", "en": "District"},
				"periods": []any{map[string]any{"from": "2024-01-01", "value": "jingan", "reference": "测试依据"}}},
			map[string]any{"name": "min_employees", "type": "number", "label": map[string]string{"zh": "最少人数", "en": "Least employees"},
				"periods": []any{map[string]any{"from": "2024-01-01", "value": 10, "reference": "测试依据"}}},
		},
		"criteria": []any{
			map[string]any{"id": "in_district", "label": map[string]string{"zh": "在静安", "en": "In Jing'an"}, "reference": "第一条",
				"expr": "registered_district == params.district"},
			map[string]any{"id": "size", "label": map[string]string{"zh": "规模", "en": "Size"}, "reference": "第二条", "expr": expr,
				"gap": map[string]any{"field": "employees", "target": "params.min_employees",
					"text": map[string]string{"zh": "职工 {current} 人，需 {target} 人", "en": "{current} employees, needs {target}"}}},
		},
		"amount": map[string]any{"label": map[string]string{"zh": "金额", "en": "Amount"}, "reference": "第三条",
			"expr": "int(min(employees * 1000, 50000))"},
	}
	if len(cases) > 0 {
		rs["cases"] = cases
	}
	return rs
}

func programBody(slug string, owner int64, rs map[string]any) map[string]any {
	return map[string]any{
		"slug": slug, "owner_org_id": owner, "level": "district",
		"title_zh": "测试项目", "title_en": "Test program", "legal_reference": "测试依据",
		"fund_name_zh": "测试资金", "fund_code": "T-1", "budget_fen": 10_000_000_00,
		"opens_on": "2024-01-01", "closes_on": "2099-12-31",
		"required_documents": []map[string]string{{"zh": "申报书", "en": "Application form"}},
		"rule_set":           rs,
	}
}

type problem struct {
	Status int
	Field  string
	Errors []struct{ Field, Message string }
}

func problemOf(t *testing.T, r apptest.Response) problem {
	t.Helper()
	var p problem
	r.JSON(&p)
	return p
}

func hasField(p problem, field string) (string, bool) {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message, true
		}
	}
	return "", false
}

// TestBuiltinAndDemo: the national programs and the demo's district
// programs are there, published, with stable slugs and passing cases;
// seeding again adds nothing.
func TestBuiltinAndDemo(t *testing.T) {
	e := apptest.New(t)
	r := e.Do("GET", "/api/v1/programs", "", nil)
	var out struct{ Items []programs.Program }
	r.JSON(&out)
	var slugs []string
	for _, p := range out.Items {
		slugs = append(slugs, p.Slug)
		if p.Status != programs.Published || p.RulesStatus != programs.RulesOK || !p.Open {
			t.Errorf("%s: status %s, rules %s, open %v", p.Slug, p.Status, p.RulesStatus, p.Open)
		}
	}
	for _, want := range []string{"hnte-certification", "scitech-sme", "rd-super-deduction", "jingan-small-micro-scitech", "jingan-little-giant",
		"jingan-excellent-innovation", "jingan-invention-patent-award", "jingan-ip-pledge-interest", "jingan-patent-insurance",
		"xuhui-sme-loan-risk", "xuhui-incubator-angel", "minhang-neo-bay-fund"} {
		if !slices.Contains(slugs, want) {
			t.Errorf("no program %s", want)
		}
	}
	// The built-in ones carry the engine's rule sets unchanged.
	for slug, rs := range rules.Builtin() {
		p, err := e.App.Programs.Get(context.Background(), nil, slug)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.App.Programs.RuleSet(&p)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(got.Spec())
		b, _ := json.Marshal(rs.Spec())
		if string(a) != string(b) {
			t.Errorf("%s: stored rule set differs from the built-in one", slug)
		}
		if p.OwnerOrgID != nil || p.Level != "state" {
			t.Errorf("%s: owner %v level %s", slug, p.OwnerOrgID, p.Level)
		}
	}
	n := auditCount(t, e, "program")
	if err := e.App.Programs.EnsureBuiltin(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := auditCount(t, e, "program"); m != n {
		t.Errorf("seeding again wrote %d audit records", m-n)
	}
}

// TestLifecycle: an officer of the owning agency creates a draft, others
// cannot see it, the preview counts the registry, publishing makes it
// public, closing ends it; every step is audited.
func TestLifecycle(t *testing.T) {
	e := apptest.New(t)
	off, xuhui := e.Token("officer.jingan@demo.local"), e.Token("officer.xuhui@demo.local")
	jingan := agency(t, e, "上海市静安区科学技术委员会")
	before := auditCount(t, e, "program")

	// An officer who belongs to one agency may leave the owner out.
	body := programBody("test-lifecycle", jingan, ruleSet("employees >= params.min_employees"))
	delete(body, "owner_org_id")
	r := e.Do("POST", "/api/v1/programs", off, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var p programs.Program
	r.JSON(&p)
	if p.Status != programs.Draft || p.OwnerOrgID == nil || *p.OwnerOrgID != jingan || p.Version != 1 || p.Open {
		t.Fatalf("created %+v", p)
	}
	if r.Header.Get("Location") != fmt.Sprintf("/api/v1/programs/%d", p.ID) {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	// A Xuhui officer cannot create for Jing'an.
	if r := e.Do("POST", "/api/v1/programs", xuhui, programBody("test-other", jingan, ruleSet("employees >= 1"))); r.Status != http.StatusForbidden {
		t.Errorf("Xuhui officer for Jing'an: %d %s", r.Status, r.Body)
	}
	// The same slug twice is a conflict naming the slug.
	if r := e.Do("POST", "/api/v1/programs", off, programBody("test-lifecycle", jingan, ruleSet("employees >= 1"))); r.Status != http.StatusConflict || problemOf(t, r).Field != "slug" {
		t.Errorf("duplicate slug: %d %s", r.Status, r.Body)
	}
	// The public does not see drafts, in the list or alone.
	if r := e.Do("GET", "/api/v1/programs/test-lifecycle", "", nil); r.Status != http.StatusNotFound {
		t.Errorf("draft to the public: %d", r.Status)
	}
	if r := e.Do("GET", "/api/v1/programs?status=draft", "", nil); !strings.Contains(string(r.Body), `"items":[]`) {
		t.Errorf("drafts listed to the public: %s", r.Body)
	}

	// Preview: the counts add up to the registry's enterprises.
	r = e.Do("GET", "/api/v1/programs/test-lifecycle/preview?as_of=2026-06-01", off, nil)
	if r.Status != 200 {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}
	var pv programs.Preview
	r.JSON(&pv)
	ents, _, err := e.App.Programs.Enterprises(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if pv.Enterprises != len(ents) || pv.Eligible+pv.Ineligible+pv.Unknown+pv.Invalid != pv.Enterprises || pv.Eligible == 0 || pv.Ineligible == 0 {
		t.Errorf("preview %+v over %d enterprises", pv, len(ents))
	}
	if !pv.HasAmount || pv.ExposureYuan <= 0 || pv.WithinBudget == nil || !*pv.WithinBudget {
		t.Errorf("exposure %+v", pv)
	}
	if len(pv.Criteria) != 2 || pv.Criteria[0].Met+pv.Criteria[0].NotMet+pv.Criteria[0].Unknown != pv.Enterprises || pv.Criteria[0].Met < pv.Eligible {
		t.Errorf("criteria %+v", pv.Criteria)
	}
	if r := e.Do("GET", "/api/v1/programs/test-lifecycle/preview?as_of=2026-02-30", off, nil); r.Status != 422 || problemOf(t, r).Field != "as_of" {
		t.Errorf("bad as_of: %d %s", r.Status, r.Body)
	}

	// Patch with a stale version is a conflict; with the right one it saves.
	if r := e.Do("PATCH", "/api/v1/programs/test-lifecycle", off, map[string]any{"version": 9, "fund_code": "X"}); r.Status != http.StatusConflict {
		t.Errorf("stale patch: %d %s", r.Status, r.Body)
	}
	r = e.Do("PATCH", "/api/v1/programs/test-lifecycle", off, map[string]any{"version": 1, "fund_code": "T-2", "budget_fen": nil})
	r.JSON(&p)
	if r.Status != 200 || p.FundCode != "T-2" || p.BudgetFen != nil || p.Version != 2 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"status": "published"}, "status"},
		{map[string]any{"level": "galactic"}, "level"},
		{map[string]any{"closes_on": "2020-01-01", "opens_on": "2021-01-01"}, "closes_on"},
		{map[string]any{"budget_fen": -1}, "budget_fen"},
		{map[string]any{"budget_fen": "lots"}, "budget_fen"},
		{map[string]any{"title_zh": ""}, "title_zh"},
		{map[string]any{"title_en": "two\nlines"}, "title_en"},
		{map[string]any{"rule_set": "not an object"}, "rule_set"},
		{map[string]any{"slug": "new"}, "slug"},
		{map[string]any{"required_documents": []map[string]string{{"zh": "申报书"}}}, "required_documents[0].en"},
		{map[string]any{"owner_org_id": yunshan(t, e)}, ""}, // not the officer's: 403
	} {
		r := e.Do("PATCH", "/api/v1/programs/test-lifecycle", off, bad.body)
		if bad.field == "" {
			if r.Status != http.StatusForbidden {
				t.Errorf("patch %v: %d %s", bad.body, r.Status, r.Body)
			}
			continue
		}
		if r.Status != 422 {
			t.Errorf("patch %v: %d %s", bad.body, r.Status, r.Body)
			continue
		}
		if _, ok := hasField(problemOf(t, r), bad.field); !ok {
			t.Errorf("patch %v: %s does not name %s", bad.body, r.Body, bad.field)
		}
	}

	// Publish, then the public sees it and it is open.
	r = e.Do("POST", "/api/v1/programs/test-lifecycle/publish", off, map[string]int{"version": 2})
	r.JSON(&p)
	if r.Status != 200 || p.Status != programs.Published || p.PublishedAt == nil || !p.Open {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	if r := e.Do("POST", "/api/v1/programs/test-lifecycle/publish", off, nil); r.Status != http.StatusConflict {
		t.Errorf("publish twice: %d", r.Status)
	}
	if r := e.Do("GET", fmt.Sprintf("/api/v1/programs/%d", p.ID), "", nil); r.Status != 200 {
		t.Errorf("published to the public by id: %d", r.Status)
	}
	if r := e.Do("PATCH", "/api/v1/programs/test-lifecycle", off, map[string]any{"slug": "test-renamed"}); r.Status != 422 || problemOf(t, r).Field != "slug" {
		t.Errorf("renaming a published program: %d %s", r.Status, r.Body)
	}
	// It now shows up for a matching Jing'an enterprise.
	r = e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/eligibility", yunshan(t, e)), e.Token("enterprise@demo.local"), nil)
	if !strings.Contains(string(r.Body), `"slug":"test-lifecycle"`) {
		t.Errorf("published program not matched: %s", r.Body)
	}

	// Close: no more changes, not matched any more.
	r = e.Do("POST", "/api/v1/programs/test-lifecycle/close", off, nil)
	r.JSON(&p)
	if r.Status != 200 || p.Status != programs.Closed || p.ClosedAt == nil || p.Open {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	if r := e.Do("PATCH", "/api/v1/programs/test-lifecycle", off, map[string]any{"fund_code": "Z"}); r.Status != http.StatusConflict {
		t.Errorf("patch closed: %d", r.Status)
	}
	r = e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/eligibility", yunshan(t, e)), e.Token("enterprise@demo.local"), nil)
	if strings.Contains(string(r.Body), `"slug":"test-lifecycle"`) {
		t.Errorf("closed program still matched")
	}

	// Audited: create, update, publish, close, with actor and before/after.
	if n := auditCount(t, e, "program") - before; n != 4 {
		t.Errorf("%d audit records, want 4", n)
	}
	var actions []string
	rows, err := e.App.DB.Read.QueryContext(context.Background(), `SELECT action FROM audit_log WHERE entity = 'program' AND entity_id = $1 ORDER BY id`, fmt.Sprint(p.ID))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	rows.Close()
	if strings.Join(actions, ",") != "create,update,publish,close" {
		t.Errorf("audit actions %v", actions)
	}
}

// TestCompileErrors: a rule set that does not compile is refused at save
// time with the member of the rule set and the line:column.
func TestCompileErrors(t *testing.T) {
	e := apptest.New(t)
	off := e.Token("officer.jingan@demo.local")
	jingan := agency(t, e, "上海市静安区科学技术委员会")
	pos := regexp.MustCompile(`^\d+:\d+: `)
	for _, c := range []struct {
		expr, field, contains string
	}{
		{"emploees >= 10", "rule_set.criteria[1].expr", "undeclared reference to 'emploees'"},
		{"employees >= ", "rule_set.criteria[1].expr", ""},
		{"employees + 1", "rule_set.criteria[1].expr", "must give true or false"},
		{"params.nothing > 1", "rule_set.criteria[1].expr", "undeclared"},
		{"", "rule_set.criteria[1].expr", "is required"},
	} {
		r := e.Do("POST", "/api/v1/programs", off, programBody("bad-rules", jingan, ruleSet(c.expr)))
		if r.Status != 422 {
			t.Errorf("%q: %d %s", c.expr, r.Status, r.Body)
			continue
		}
		msg, ok := hasField(problemOf(t, r), c.field)
		if !ok {
			t.Errorf("%q: %s does not name %s", c.expr, r.Body, c.field)
			continue
		}
		if c.expr != "" && !pos.MatchString(msg) {
			t.Errorf("%q: %q has no line:column", c.expr, msg)
		}
		if !strings.Contains(msg, c.contains) {
			t.Errorf("%q: %q does not say %q", c.expr, msg, c.contains)
		}
	}
	// Unknown members of the rule set are refused too.
	rs := ruleSet("employees >= 10")
	rs["critera"] = []any{}
	if r := e.Do("POST", "/api/v1/programs", off, programBody("bad-rules", jingan, rs)); r.Status != 422 || problemOf(t, r).Field != "rule_set" {
		t.Errorf("unknown member: %d %s", r.Status, r.Body)
	}
	// Nothing was saved.
	if r := e.Do("GET", "/api/v1/programs/bad-rules", off, nil); r.Status != 404 {
		t.Errorf("a refused program exists: %d", r.Status)
	}

	// A rule set whose own cases fail is saved as such and cannot be
	// published until they pass.
	failing := ruleSet("employees >= params.min_employees", map[string]any{"name": "twelve employees", "as_of": "2026-06-01",
		"profile": map[string]any{"registered_district": "jingan", "employees": 12},
		"expect":  map[string]any{"status": "ineligible"}})
	r := e.Do("POST", "/api/v1/programs", off, programBody("failing-cases", jingan, failing))
	var p programs.Program
	r.JSON(&p)
	if r.Status != 201 || p.RulesStatus != programs.RulesCasesFailed || len(p.RulesFailures) == 0 || !strings.Contains(p.RulesFailures[0], "twelve employees") {
		t.Fatalf("failing cases: %d %s", r.Status, r.Body)
	}
	if r := e.Do("POST", "/api/v1/programs/failing-cases/publish", off, nil); r.Status != http.StatusConflict || problemOf(t, r).Field != "rule_set" {
		t.Errorf("publish with failing cases: %d %s", r.Status, r.Body)
	}
	failing["cases"].([]map[string]any)[0]["expect"] = map[string]any{"status": "eligible", "amount_yuan": 12000}
	r = e.Do("PATCH", "/api/v1/programs/failing-cases", off, map[string]any{"rule_set": failing})
	r.JSON(&p)
	if r.Status != 200 || p.RulesStatus != programs.RulesOK {
		t.Fatalf("fixed cases: %d %s", r.Status, r.Body)
	}
	if r := e.Do("POST", "/api/v1/programs/failing-cases/publish", off, nil); r.Status != 200 {
		t.Errorf("publish with passing cases: %d %s", r.Status, r.Body)
	}
}

// TestEvaluate: the self-check answers in the request's language, needs
// no account, stores nothing, and names the field of a bad profile.
func TestEvaluate(t *testing.T) {
	e := apptest.New(t)
	profile := map[string]any{
		"kind": "enterprise", "registered_district": "jingan", "tax_district": "jingan", "employees": 48, "rd_staff": 9,
		"revenue_yuan": 36500000, "rd_expense_yuan": 2750000, "rd_expense_3y_yuan": 6300000, "revenue_3y_yuan": 88000000,
		"certifications": []string{"scitech_sme"}, "website": "https://ignored.example.cn", "id": 42,
	}
	before := auditCount(t, e, "program")
	do := func(path string, body any, lang string) apptest.Response {
		req, err := http.NewRequest("POST", e.Srv.URL+path, strings.NewReader(mustJSON(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return apptest.Response{T: t, Status: res.StatusCode, Header: res.Header, Body: b}
	}
	r := do("/api/v1/programs/jingan-small-micro-scitech/evaluate", profile, "en-GB,en;q=0.9")
	if r.Status != 200 {
		t.Fatalf("evaluate: %d %s", r.Status, r.Body)
	}
	var out programs.Outcome
	r.JSON(&out)
	if out.Status != "eligible" || out.AmountYuan == nil || *out.AmountYuan != 275000 || out.Program != "jingan-small-micro-scitech" {
		t.Errorf("outcome %+v", out)
	}
	if out.Criteria[1].Label != "Registered and paying tax in Jing'an" || out.Criteria[1].Status != "met" || out.Criteria[1].Reason != "Met" {
		t.Errorf("English criterion %+v", out.Criteria[1])
	}
	// Chinese by default; a gap sentence for a criterion not met.
	profile["rd_expense_yuan"] = 500000
	r = do("/api/v1/programs/jingan-small-micro-scitech/evaluate", profile, "")
	r.JSON(&out)
	rd := out.Criteria[len(out.Criteria)-1]
	if out.Status != "ineligible" || rd.Status != "not_met" || !strings.Contains(rd.Gap, "研发费用占比 1.4%，需达到 3.0%") || rd.GapDetail == nil || rd.GapDetail.Field != "rd_expense_yuan" {
		t.Errorf("Chinese gap %+v", rd)
	}
	if rd.GapDetail != nil && rd.GapDetail.Target != 1095000 {
		t.Errorf("target %v, want 1,095,000 (3%% of 36.5 million)", rd.GapDetail.Target)
	}
	// Unknown when a needed field is missing, naming it.
	delete(profile, "employees")
	delete(profile, "rd_staff")
	profile["rd_expense_yuan"] = 2750000
	r = do("/api/v1/programs/jingan-small-micro-scitech/evaluate", profile, "en")
	r.JSON(&out)
	if out.Status != "unknown" || !slices.Contains(out.Criteria[3].UnknownFields, "employees") {
		t.Errorf("unknown: %+v", out)
	}
	// The score and its parts of the sci-tech SME evaluation.
	r = do("/api/v1/programs/scitech-sme/evaluate", map[string]any{"employees": 40, "rd_staff": 12, "revenue_yuan": 20000000, "rd_expense_yuan": 1300000,
		"invention_patents": 1, "total_assets_yuan": 10000000, "major_incident_last_year": false, "certifications": []string{}}, "en")
	r.JSON(&out)
	if out.Status != "eligible" || len(out.Values) != 4 || out.Values[3].Name != "score" || out.Values[3].Value == nil || *out.Values[3].Value != 100 {
		t.Errorf("scitech-sme %+v", out)
	}
	// As of a day: the super-deduction ratio in force in 2020 was 75%.
	r = do("/api/v1/programs/rd-super-deduction/evaluate?as_of=2020-06-01", map[string]any{"industry": "I6513", "rd_expense_yuan": 1000000, "certifications": []string{}}, "en")
	r.JSON(&out)
	if out.AmountYuan == nil || *out.AmountYuan != 750000 {
		t.Errorf("2020 super-deduction %+v", out)
	}

	for _, c := range []struct {
		body  string
		query string
		code  int
		field string
	}{
		{`{"employees": "many"}`, "", 422, "employees"},
		{`{"employees": 10, "rd_staff": 20}`, "", 422, "rd_staff"},
		{`{"employees": -1}`, "", 422, "employees"},
		{`{"employees": 1.5}`, "", 422, "employees"},
		{`{"founded_on": "2023-02-30"}`, "", 422, "founded_on"},
		{`{"tech_field": "alchemy"}`, "", 422, "tech_field"},
		{`{"certifications": ["knighthood"]}`, "", 422, "certifications"},
		{`{"emploees": 10}`, "", 422, "emploees"},
		{`{"industry": "XYZ"}`, "", 422, "industry"},
		{`{}`, "?as_of=yesterday", 422, "as_of"},
		{`[1, 2]`, "", 422, ""},
		{`{"employees": 1`, "", 400, ""},
	} {
		req, _ := http.NewRequest("POST", e.Srv.URL+"/api/v1/programs/hnte-certification/evaluate"+c.query, strings.NewReader(c.body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p problem
		json.NewDecoder(res.Body).Decode(&p)
		res.Body.Close()
		if res.StatusCode != c.code || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s%s: %d %s", c.body, c.query, res.StatusCode, res.Header.Get("Content-Type"))
			continue
		}
		if c.field != "" {
			if _, ok := hasField(p, c.field); !ok && p.Field != c.field {
				t.Errorf("%s: problem %+v does not name %s", c.body, p, c.field)
			}
		}
	}
	if r := do("/api/v1/programs/no-such-program/evaluate", map[string]any{}, ""); r.Status != 404 {
		t.Errorf("no program: %d", r.Status)
	}
	if n := auditCount(t, e, "program"); n != before {
		t.Errorf("the self-check stored %d audit records", n-before)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestEligibility: the demo enterprise's programs, best value first, with
// the preview's batch path agreeing with evaluations one by one.
func TestEligibility(t *testing.T) {
	e := apptest.New(t)
	id := yunshan(t, e)
	r := e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/eligibility", id), e.Token("enterprise@demo.local"), nil)
	if r.Status != 200 {
		t.Fatalf("eligibility: %d %s", r.Status, r.Body)
	}
	var out struct {
		OrgID int64 `json:"org_id"`
		Items []programs.EligibilityItem
	}
	r.JSON(&out)
	if out.OrgID != id || len(out.Items) != 12 {
		t.Fatalf("%d items for %d", len(out.Items), out.OrgID)
	}
	order := map[string]int{"eligible": 0, "unknown": 1, "ineligible": 2}
	byslug := map[string]programs.EligibilityItem{}
	for i, it := range out.Items {
		byslug[it.Program.Slug] = it
		if i == 0 {
			continue
		}
		prev := out.Items[i-1]
		if order[prev.Status] > order[it.Status] {
			t.Errorf("%s (%s) before %s (%s)", prev.Program.Slug, prev.Status, it.Program.Slug, it.Status)
		}
		if prev.Status == "eligible" && it.Status == "eligible" && amount(prev) < amount(it) {
			t.Errorf("eligible %s (%d) before %s (%d)", prev.Program.Slug, amount(prev), it.Program.Slug, amount(it))
		}
	}
	if it := byslug["jingan-small-micro-scitech"]; it.Status != "eligible" || amount(it) != 275000 {
		t.Errorf("small and micro: %+v", it)
	}
	if it := byslug["xuhui-sme-loan-risk"]; it.Status != "ineligible" {
		t.Errorf("a Jing'an firm qualifies in Xuhui: %+v", it)
	}
	// The excellent-innovation award is eight points away; the incubator
	// angel fund three criteria: the small gap ranks first.
	if pos(out.Items, "jingan-excellent-innovation") > pos(out.Items, "xuhui-incubator-angel") {
		t.Errorf("a small gap ranks after a large one")
	}

	// The batch path of the preview agrees with one-by-one evaluation.
	ctx := context.Background()
	ents, _, err := e.App.Programs.Enterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"jingan-small-micro-scitech", "hnte-certification", "scitech-sme", "xuhui-incubator-angel"} {
		pv, err := e.App.Programs.Preview(ctx, admin, slug, mustDay("2026-06-01"))
		if err != nil {
			t.Fatal(err)
		}
		prog, _ := e.App.Programs.Get(ctx, admin, slug)
		rs, _ := e.App.Programs.RuleSet(&prog)
		var el, un, in int
		var exposure int64
		for _, p := range ents {
			res, err := rs.Evaluate(p, mustDay("2026-06-01"))
			if err != nil {
				t.Fatal(err)
			}
			switch res.Status {
			case rules.Eligible:
				el++
				if res.Amount != nil && res.Amount.Yuan != nil {
					exposure += *res.Amount.Yuan
				}
			case rules.Unknown:
				un++
			default:
				in++
			}
		}
		if pv.Eligible != el || pv.Unknown != un || pv.Ineligible != in || pv.ExposureYuan != exposure {
			t.Errorf("%s: preview %d/%d/%d ¥%d, one by one %d/%d/%d ¥%d", slug, pv.Eligible, pv.Unknown, pv.Ineligible, pv.ExposureYuan, el, un, in, exposure)
		}
	}
}

func amount(it programs.EligibilityItem) int64 {
	if it.AmountYuan == nil {
		return -1
	}
	return *it.AmountYuan
}

func pos(items []programs.EligibilityItem, slug string) int {
	for i, it := range items {
		if it.Program.Slug == slug {
			return i
		}
	}
	return -1
}

// TestProfileVocabulary: an organization with every field set gives a
// profile with every field of the rules vocabulary, so that the registry
// and the rules engine cannot drift apart unnoticed.
func TestProfileVocabulary(t *testing.T) {
	o := registry.NewOrg()
	s := func(v string) *string { return &v }
	n := func(v int64) *int64 { return &v }
	b := false
	o.USCC, o.NameZh, o.NameEn, o.Kind = "91310106100002951W", "测试", "Test", "enterprise"
	o.RegisteredDistrict, o.TaxDistrict, o.FoundedOn, o.Industry, o.TechField = s("jingan"), s("jingan"), s("2020-01-01"), s("I6513"), s("electronic_information")
	o.ParkID, o.InventionPatents, o.OtherIP = n(1), n(2), n(3)
	o.Certifications = []string{"hnte"}
	pr := o.Private
	pr.Employees, pr.RDStaff, pr.RevenueYuan, pr.TotalAssetsYuan, pr.RDExpenseYuan = n(10), n(2), n(1000), n(1000), n(100)
	pr.Revenue3yYuan, pr.RDExpense3yYuan, pr.RDExpenseDomestic3yYuan, pr.HighTechRevenueYuan, pr.InnovationScore = n(3000), n(300), n(200), n(500), n(80)
	pr.MajorIncidentLastYear = &b
	p, err := programs.ProfileOf(&o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rules.Fields {
		if !p.Has(f.Name) && !f.Person {
			t.Errorf("field %s of the rules vocabulary is not filled from the registry", f.Name)
		}
	}
	// The public view leaves the private figures unknown.
	red := o.Redacted()
	p, err = programs.ProfileOf(&red)
	if err != nil {
		t.Fatal(err)
	}
	if p.Has("employees") || !p.Has("invention_patents") {
		t.Errorf("redacted profile: employees %v, patents %v", p.Has("employees"), p.Has("invention_patents"))
	}
}

func mustDay(s string) time.Time {
	t, err := programs.ParseAsOf(s, time.Now())
	if err != nil {
		panic(err)
	}
	return t
}

// TestPages: the catalog, a program, the self-check filled from the
// user's organization, programs for you, and the editor's 422 with the
// position of a rule set fault.
func TestPages(t *testing.T) {
	e := apptest.New(t)
	anon := e.Browser()
	r := anon.Get("/programs")
	if r.Status != 200 || !strings.Contains(string(r.Body), "静安区小微科技企业扶持") || strings.Contains(string(r.Body), "/programs/new") {
		t.Errorf("catalog: %d", r.Status)
	}
	r = anon.Get("/programs/hnte-certification")
	body := string(r.Body)
	if r.Status != 200 || !strings.Contains(body, "国科发火〔2016〕32号") || !strings.Contains(body, "Registered at least one year") || !strings.Contains(body, "注册成立一年以上") {
		t.Errorf("program page in both languages: %d", r.Status)
	}
	if r := anon.Get("/programs/no-such-program"); r.Status != 404 {
		t.Errorf("no program: %d", r.Status)
	}

	ent := e.Browser()
	ent.Login("enterprise@demo.local")
	id := yunshan(t, e)
	r = ent.Get("/programs/jingan-small-micro-scitech/check")
	if r.Status != 200 || !strings.Contains(string(r.Body), `name="employees" type="number" value="48"`) {
		t.Errorf("self-check not filled from the organization: %d", r.Status)
	}
	form := url.Values{"kind": {"enterprise"}, "registered_district": {"jingan"}, "tax_district": {"jingan"}, "employees": {"48"},
		"revenue_yuan": {"36,500,000"}, "rd_expense_yuan": {"500000"}, "certifications": {"scitech_sme"}}
	r = ent.Post("/programs/jingan-small-micro-scitech/check", form)
	if r.Status != 200 || !strings.Contains(string(r.Body), `id="result-status">不符合条件`) || !strings.Contains(string(r.Body), "研发费用占比 1.4%") {
		t.Errorf("self-check result: %d", r.Status)
	}
	form.Set("employees", "many")
	if r := ent.Post("/programs/jingan-small-micro-scitech/check", form); r.Status != 422 || !strings.Contains(string(r.Body), `id="e-employees"`) {
		t.Errorf("bad self-check: %d", r.Status)
	}
	r = ent.Get(fmt.Sprintf("/orgs/%d/programs", id))
	if r.Status != 200 || !strings.Contains(string(r.Body), "jingan-small-micro-scitech") || !strings.Contains(string(r.Body), `id="s-eligible"`) {
		t.Errorf("programs for you: %d", r.Status)
	}
	if r := ent.Get(fmt.Sprintf("/orgs/%d/programs", agency(t, e, "上海市徐汇区科学技术委员会"))); r.Status != 403 {
		t.Errorf("programs for another org: %d", r.Status)
	}
	if r := ent.Get("/me"); !strings.Contains(string(r.Body), fmt.Sprintf(`href="/orgs/%d/programs"`, id)) {
		t.Errorf("/me does not link to programs for you")
	}
	if r := ent.Get("/programs/new"); r.Status != 403 {
		t.Errorf("enterprise opens the editor: %d", r.Status)
	}

	off := e.Browser()
	off.Login("officer.jingan@demo.local")
	if r := off.Get("/programs/new"); r.Status != 200 {
		t.Fatalf("editor: %d", r.Status)
	}
	nf := url.Values{"slug": {"page-program"}, "owner_org_id": {fmt.Sprint(agency(t, e, "上海市静安区科学技术委员会"))}, "level": {"district"},
		"title_zh": {"页面项目"}, "title_en": {"Page program"}, "legal_reference": {"测试依据"}, "budget_yuan": {"1,000,000"},
		"required_documents": {"申报书 | Application form"}, "rule_set": {mustJSON(ruleSet("emploees >= 1"))}}
	r = off.Post("/programs/new", nf)
	if r.Status != 422 || !strings.Contains(string(r.Body), "criteria[1].expr") || !strings.Contains(string(r.Body), "undeclared reference") {
		t.Errorf("editor with a bad rule: %d", r.Status)
	}
	nf.Set("rule_set", mustJSON(ruleSet("employees >= params.min_employees")))
	r = off.Post("/programs/new", nf)
	if r.Status != 303 || r.Header.Get("Location") != "/programs/page-program?flash=flash.program_saved" {
		t.Fatalf("editor save: %d %s", r.Status, r.Body)
	}
	if r := off.Get(r.Header.Get("Location")); !strings.Contains(string(r.Body), "项目已保存") {
		t.Errorf("no flash after saving")
	}
	p, err := e.App.Programs.Get(context.Background(), admin, "page-program")
	if err != nil || p.BudgetFen == nil || *p.BudgetFen != 100_000_000 || len(p.RequiredDocuments) != 1 || p.RequiredDocuments[0].En != "Application form" {
		t.Errorf("saved from the page: %+v %v", p, err)
	}
	if r := off.Get("/programs/page-program/preview"); r.Status != 200 || !strings.Contains(string(r.Body), `id="pv-eligible"`) {
		t.Errorf("preview page: %d", r.Status)
	}
	if r := off.Post("/programs/page-program/publish", url.Values{"version": {"1"}}); r.Status != 303 || !strings.Contains(r.Header.Get("Location"), "flash.program_published") {
		t.Errorf("publish page: %d", r.Status)
	}
	if r := off.Post("/programs/page-program/publish", url.Values{}); r.Status != 409 {
		t.Errorf("publish again: %d", r.Status)
	}
	if r := anon.Get("/programs/page-program"); r.Status != 200 {
		t.Errorf("published page to the public: %d", r.Status)
	}
}
