package programs_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/programs"
)

const (
	enterpriseEmail = "enterprise@demo.local"
	officerEmail    = "officer.jingan@demo.local"
)

// publishProgram creates and publishes a Jing'an program with a budget in
// yuan and the given required documents.
func publishProgram(t *testing.T, e *apptest.Env, slug, fundCode string, budgetYuan int64, docs int) programs.Program {
	t.Helper()
	off := e.Token(officerEmail)
	body := programBody(slug, agency(t, e, "上海市静安区科学技术委员会"), ruleSet("employees >= params.min_employees"))
	body["fund_code"] = fundCode
	body["budget_fen"] = budgetYuan * 100
	ds := []map[string]string{}
	for i := range docs {
		ds = append(ds, map[string]string{"zh": fmt.Sprintf("材料%d", i+1), "en": fmt.Sprintf("Document %d", i+1)})
	}
	body["required_documents"] = ds
	if r := e.Do("POST", "/api/v1/programs", off, body); r.Status != http.StatusCreated {
		t.Fatalf("create program: %d %s", r.Status, r.Body)
	}
	r := e.Do("POST", "/api/v1/programs/"+slug+"/publish", off, nil)
	var p programs.Program
	r.JSON(&p)
	if r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	return p
}

func newApplication(t *testing.T, e *apptest.Env, slug, title string, requested int64) programs.Application {
	t.Helper()
	r := e.Do("POST", "/api/v1/applications", e.Token(enterpriseEmail), map[string]any{"program": slug, "org_id": yunshan(t, e), "project_title": title, "summary": "项目简介", "requested_yuan": requested})
	var a programs.Application
	r.JSON(&a)
	if r.Status != http.StatusCreated || a.State != programs.AppDraft {
		t.Fatalf("create application: %d %s", r.Status, r.Body)
	}
	return a
}

func act(e *apptest.Env, id int64, token, action string, extra map[string]any) apptest.Response {
	body := map[string]any{"action": action}
	for k, v := range extra {
		body[k] = v
	}
	return e.Do("POST", fmt.Sprintf("/api/v1/applications/%d/transitions", id), token, body)
}

func upload(t *testing.T, e *apptest.Env, id int64, token, document, name string, data []byte) apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if document != "" {
		_ = mw.WriteField("document", document)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/applications/%d/files", e.Srv.URL, id), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return apptest.Response{T: t, Status: res.StatusCode, Header: res.Header, Body: b.Bytes()}
}

func verifyLedger(t *testing.T, e *apptest.Env) {
	t.Helper()
	rep, err := ledger.New(e.App.DB).Verify(context.Background(), e.App.DB.Read)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ledger does not verify: %v %+v", err, rep)
	}
}

func budgetOf(t *testing.T, e *apptest.Env, programID int64) ledger.Account {
	t.Helper()
	a, err := ledger.New(e.App.DB).AccountByCode(context.Background(), e.App.DB.Read, programs.BudgetCode(programID))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var pdf = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// TestApplicationWorkflow: draft, attachments checked by content, submit
// refused without the required document, the eligibility snapshot, review,
// return with a reason, resubmit, approval reserving the budget,
// disbursement posting it, every step audited and in the history; strangers
// see nothing.
func TestApplicationWorkflow(t *testing.T) {
	e := apptest.New(t)
	prog := publishProgram(t, e, "test-apply", "T-APPLY", 1_000_000, 1)
	ent, off, uni := e.Token(enterpriseEmail), e.Token(officerEmail), e.Token("university@demo.local")
	a := newApplication(t, e, "test-apply", "智能仓储系统研发", 30000)
	path := fmt.Sprintf("/api/v1/applications/%d", a.ID)

	// Bad input changes nothing.
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"program": "test-apply", "org_id": yunshan(t, e), "project_title": "  "}, "project_title"},
		{map[string]any{"program": "test-apply", "org_id": yunshan(t, e), "project_title": "x", "requested_yuan": -5}, "requested_yuan"},
		{map[string]any{"program": "no-such-program", "org_id": yunshan(t, e), "project_title": "x"}, "program"},
		{map[string]any{"program": "test-apply", "org_id": yunshan(t, e), "project_title": "a\u202eb"}, "project_title"},
	} {
		r := e.Do("POST", "/api/v1/applications", ent, bad.body)
		if r.Status != 422 {
			t.Errorf("create %v: %d %s", bad.body, r.Status, r.Body)
		} else if _, ok := hasField(problemOf(t, r), bad.field); !ok {
			t.Errorf("create %v: %s does not name %s", bad.body, r.Body, bad.field)
		}
	}
	if r := e.Do("POST", "/api/v1/applications", uni, map[string]any{"program": "test-apply", "org_id": yunshan(t, e), "project_title": "x"}); r.Status != 403 {
		t.Errorf("applying for another organization: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", path, uni, nil); r.Status != 404 {
		t.Errorf("a stranger sees the application: %d", r.Status)
	}
	if r := e.Do("GET", path, "", nil); r.Status != 401 {
		t.Errorf("the public sees the application: %d", r.Status)
	}

	// Submitting without the required document names it.
	r := act(e, a.ID, ent, programs.ActSubmit, nil)
	if r.Status != 422 {
		t.Fatalf("submit without documents: %d %s", r.Status, r.Body)
	}
	if _, ok := hasField(problemOf(t, r), "documents[1]"); !ok {
		t.Errorf("missing document not named: %s", r.Body)
	}
	// Attachments: type from the content, size, document number.
	if r := upload(t, e, a.ID, ent, "1", "form.pdf", []byte("MZ\x90\x00 not a pdf")); r.Status != http.StatusUnsupportedMediaType {
		t.Errorf("executable as pdf: %d %s", r.Status, r.Body)
	}
	if r := upload(t, e, a.ID, ent, "7", "form.pdf", pdf); r.Status != 422 {
		t.Errorf("unknown document number: %d %s", r.Status, r.Body)
	}
	if r := upload(t, e, a.ID, ent, "", "big.txt", bytes.Repeat([]byte("a"), programs.MaxFileSize+1)); r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d %s", r.Status, r.Body[:min(len(r.Body), 200)])
	}
	if r := upload(t, e, a.ID, uni, "1", "form.pdf", pdf); r.Status != 404 {
		t.Errorf("a stranger uploads: %d %s", r.Status, r.Body)
	}
	r = upload(t, e, a.ID, ent, "1", `..\..\申报书.pdf`, pdf)
	var f programs.File
	r.JSON(&f)
	if r.Status != 201 || f.ContentType != programs.TypePDF || f.Name != "申报书.pdf" || f.Size != int64(len(pdf)) || len(f.SHA256) != 64 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	dl := e.Do("GET", fmt.Sprintf("%s/files/%d", path, f.ID), ent, nil)
	if dl.Status != 200 || !bytes.Equal(dl.Body, pdf) || dl.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %v", dl.Status, dl.Header)
	}
	if r := e.Do("GET", fmt.Sprintf("%s/files/%d", path, f.ID), uni, nil); r.Status != 404 {
		t.Errorf("a stranger downloads: %d", r.Status)
	}

	// Submit: the eligibility snapshot is stored.
	r = act(e, a.ID, ent, programs.ActSubmit, nil)
	r.JSON(&a)
	if r.Status != 200 || a.State != programs.AppSubmitted || a.Snapshot() == nil || a.Snapshot().Status != "eligible" || a.RulesAsOf == nil {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	if r := upload(t, e, a.ID, ent, "", "late.pdf", pdf); r.Status != 409 {
		t.Errorf("attaching after submission: %d", r.Status)
	}
	// Only officers review; returning needs a reason.
	if r := act(e, a.ID, ent, programs.ActStartReview, nil); r.Status != 403 {
		t.Errorf("applicant starts review: %d", r.Status)
	}
	if r := act(e, a.ID, e.Token("officer.xuhui@demo.local"), programs.ActStartReview, nil); r.Status != 404 {
		t.Errorf("another district's officer starts review: %d", r.Status)
	}
	if r := act(e, a.ID, off, programs.ActStartReview, nil); r.Status != 200 {
		t.Fatalf("start review: %d %s", r.Status, r.Body)
	}
	if r := act(e, a.ID, off, programs.ActReturn, nil); r.Status != 422 {
		t.Errorf("return without a reason: %d", r.Status)
	}
	if r := act(e, a.ID, off, programs.ActReturn, map[string]any{"comment": "请补充预算明细"}); r.Status != 200 {
		t.Fatalf("return: %d %s", r.Status, r.Body)
	}
	r = e.Do("PATCH", path, ent, map[string]any{"project_title": "智能仓储系统研发（二期）", "summary": "补充了预算明细", "requested_yuan": 30000})
	if r.Status != 200 {
		t.Fatalf("edit returned: %d %s", r.Status, r.Body)
	}
	for _, step := range []struct{ token, action string }{{ent, programs.ActSubmit}, {off, programs.ActStartReview}} {
		if r := act(e, a.ID, step.token, step.action, nil); r.Status != 200 {
			t.Fatalf("%s: %d %s", step.action, r.Status, r.Body)
		}
	}
	// Approval: above the request is refused; the default is the rules'
	// amount capped by the request; the budget holds it.
	if r := act(e, a.ID, off, programs.ActApprove, map[string]any{"amount_yuan": 30001}); r.Status != 422 {
		t.Errorf("approving more than requested: %d %s", r.Status, r.Body)
	}
	r = act(e, a.ID, off, programs.ActApprove, nil)
	r.JSON(&a)
	if r.Status != 200 || a.State != programs.AppApproved || a.AmountFen == nil || *a.AmountFen != 30000_00 || a.Award == nil || a.Award.Status != programs.AwardReserved {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if b := budgetOf(t, e, prog.ID); b.Balance != 1_000_000_00 || b.Held != 30000_00 {
		t.Errorf("budget after approval: %+v", b)
	}
	r = act(e, a.ID, off, programs.ActDisburse, nil)
	r.JSON(&a)
	if r.Status != 200 || a.State != programs.AppDisbursed || a.Award.Status != programs.AwardPaid || a.Award.PaidOn == nil || a.Award.RegisteredDistrict == nil || *a.Award.RegisteredDistrict != "jingan" {
		t.Fatalf("disburse: %d %s", r.Status, r.Body)
	}
	if b := budgetOf(t, e, prog.ID); b.Balance != 970_000_00 || b.Held != 0 {
		t.Errorf("budget after payment: %+v", b)
	}
	verifyLedger(t, e)
	if len(a.History) != 8 {
		t.Errorf("history has %d transitions, want 8: %+v", len(a.History), a.History)
	}
	if n := auditCount(t, e, "program_application"); n != 10 {
		t.Errorf("%d audit records of the application", n)
	}
	// The applicant was told of the decisions.
	var notices int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices WHERE kind LIKE 'application.%'`).Scan(&notices); err != nil || notices == 0 {
		t.Errorf("notices of decisions: %d %v", notices, err)
	}
	// Lists: the organization's, and the officer's queue.
	var pg programs.AppPage
	r = e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/applications", yunshan(t, e)), ent, nil)
	r.JSON(&pg)
	if r.Status != 200 || len(pg.Items) != 1 || pg.Items[0].ID != a.ID {
		t.Errorf("org applications: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/applications", yunshan(t, e)), uni, nil); r.Status != 404 {
		t.Errorf("a stranger lists the org's applications: %d", r.Status)
	}
	r = e.Do("GET", "/api/v1/applications?program=test-apply&state=disbursed", off, nil)
	r.JSON(&pg)
	if r.Status != 200 || len(pg.Items) != 1 || pg.Counts["disbursed"] != 1 {
		t.Errorf("queue: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/api/v1/applications", ent, nil); r.Status != 403 {
		t.Errorf("an enterprise sees the queue: %d", r.Status)
	}
	if r := e.Do("GET", "/api/v1/applications?state=nope", off, nil); r.Status != 422 {
		t.Errorf("bad state filter: %d", r.Status)
	}
}

// TestNoDoubleFunding: the same fund does not support the same project
// twice (however its title is typed), programs that do not stack refuse
// each other, and a district program yields to a municipal award.
func TestNoDoubleFunding(t *testing.T) {
	e := apptest.New(t)
	ent, off := e.Token(enterpriseEmail), e.Token(officerEmail)
	publishProgram(t, e, "fund-a1", "SHARED-FUND", 1_000_000, 0)
	publishProgram(t, e, "fund-a2", "SHARED-FUND", 1_000_000, 0)
	approve := func(a programs.Application) apptest.Response {
		t.Helper()
		for _, s := range []struct{ tok, act string }{{ent, programs.ActSubmit}, {off, programs.ActStartReview}} {
			if r := act(e, a.ID, s.tok, s.act, nil); r.Status != 200 {
				return r
			}
		}
		return act(e, a.ID, off, programs.ActApprove, map[string]any{"amount_yuan": 1000})
	}
	first := newApplication(t, e, "fund-a1", "Cloud Storage Engine", 5000)
	if r := approve(first); r.Status != 200 {
		t.Fatalf("first award: %d %s", r.Status, r.Body)
	}
	var w programs.Application
	e.Do("GET", fmt.Sprintf("/api/v1/applications/%d", first.ID), ent, nil).JSON(&w)
	second := newApplication(t, e, "fund-a2", "  cloud-storage ENGINE ", 5000)
	r := approve(second)
	if r.Status != 409 || !strings.Contains(string(r.Body), fmt.Sprintf("award %d of program fund-a1", w.Award.ID)) {
		t.Fatalf("same fund, same project: %d %s", r.Status, r.Body)
	}
	if _, ok := hasField(problemOf(t, r), "project_title"); !ok {
		t.Errorf("409 does not name the field: %s", r.Body)
	}
	// Another project of the same fund is fine.
	if r := approve(newApplication(t, e, "fund-a2", "Edge inference chip", 5000)); r.Status != 200 {
		t.Errorf("another project: %d %s", r.Status, r.Body)
	}

	// Programs that do not stack: declared on either side.
	publishProgram(t, e, "stack-x", "X", 1_000_000, 0)
	publishProgram(t, e, "stack-y", "Y", 1_000_000, 0)
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"excludes": []string{"Not A Slug!"}}, "excludes[0]"},
		{map[string]any{"excludes": []string{"stack-y"}}, "excludes[0]"},
		{map[string]any{"obligation_years": 30}, "obligation_years"},
		{map[string]any{"excludes": "stack-x"}, "excludes"},
	} {
		r := e.Do("PATCH", "/api/v1/programs/stack-y", off, bad.body)
		if _, ok := hasField(problemOf(t, r), bad.field); r.Status != 422 || !ok {
			t.Errorf("patch %v: %d %s", bad.body, r.Status, r.Body)
		}
	}
	if r := e.Do("PATCH", "/api/v1/programs/stack-y", off, map[string]any{"excludes": []string{"stack-x"}, "obligation_years": 5, "clawback_pro_rata": true}); r.Status != 200 {
		t.Fatalf("declare excludes: %d %s", r.Status, r.Body)
	}
	if r := approve(newApplication(t, e, "stack-x", "Project X", 5000)); r.Status != 200 {
		t.Fatalf("stack-x: %d %s", r.Status, r.Body)
	}
	r = approve(newApplication(t, e, "stack-y", "Project Y", 5000))
	if r.Status != 409 || !strings.Contains(string(r.Body), "program stack-x") {
		t.Errorf("excluded program: %d %s", r.Status, r.Body)
	}

	// A district program yields to a municipal award for the same project.
	publishProgram(t, e, "muni", "M", 1_000_000, 0)
	publishProgram(t, e, "district-yield", "D", 1_000_000, 0)
	if _, err := e.App.DB.Write.Exec(`UPDATE programs SET level = 'municipal' WHERE slug = 'muni'`); err != nil {
		t.Fatal(err)
	}
	if r := e.Do("PATCH", "/api/v1/programs/district-yield", off, map[string]any{"yields_to_higher": true}); r.Status != 200 {
		t.Fatalf("yields_to_higher: %d %s", r.Status, r.Body)
	}
	if r := approve(newApplication(t, e, "muni", "Quantum Sensor", 5000)); r.Status != 200 {
		t.Fatalf("municipal award: %d %s", r.Status, r.Body)
	}
	r = approve(newApplication(t, e, "district-yield", "Quantum sensor", 5000))
	if r.Status != 409 || !strings.Contains(string(r.Body), "program muni") {
		t.Errorf("district after municipal: %d %s", r.Status, r.Body)
	}
	verifyLedger(t, e)
}

// TestConcurrentApprovals: 200 officers' approvals at once against a
// budget that fits exactly 100 awards: exactly 100 pass, the others are
// refused naming the budget, nothing is overspent and the ledger balances.
func TestConcurrentApprovals(t *testing.T) {
	if testing.Short() {
		t.Skip("200 applications through the API")
	}
	e := apptest.New(t)
	const n, fits, amount = 200, 100, 10_000
	prog := publishProgram(t, e, "race", "RACE", fits*amount, 0)
	ent, off := e.Token(enterpriseEmail), e.Token(officerEmail)
	ids := make([]int64, n)
	for i := range ids {
		a := newApplication(t, e, "race", fmt.Sprintf("项目 %03d", i), amount)
		for _, s := range []struct{ tok, act string }{{ent, programs.ActSubmit}, {off, programs.ActStartReview}} {
			if r := act(e, a.ID, s.tok, s.act, nil); r.Status != 200 {
				t.Fatalf("%s: %d %s", s.act, r.Status, r.Body)
			}
		}
		ids[i] = a.ID
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	bodies := make([]string, n)
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := act(e, id, off, programs.ActApprove, map[string]any{"amount_yuan": amount})
			statuses[i], bodies[i] = r.Status, string(r.Body)
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for i, s := range statuses {
		switch {
		case s == 200:
			ok++
		case s == 409 && strings.Contains(bodies[i], "budget of program race"):
			refused++
		default:
			t.Errorf("approval %d: %d %s", i, s, bodies[i])
		}
	}
	if ok != fits || refused != n-fits {
		t.Fatalf("%d approved and %d refused, want %d and %d", ok, refused, fits, n-fits)
	}
	b := budgetOf(t, e, prog.ID)
	if b.Balance != fits*amount*100 || b.Held != fits*amount*100 || b.Available() != 0 {
		t.Errorf("budget: %+v", b)
	}
	var awards, approved int
	_ = e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM awards WHERE program_id = $1 AND status = 'reserved'`, prog.ID).Scan(&awards)
	_ = e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM applications WHERE program_id = $1 AND state = 'approved'`, prog.ID).Scan(&approved)
	if awards != fits || approved != fits {
		t.Errorf("%d awards, %d approved applications", awards, approved)
	}
	verifyLedger(t, e)
}

// TestDemoApplications: the demo's history goes through the module as its
// users would: a paid award with its duty running, one application in the
// queue, one draft; seeding again adds nothing.
func TestDemoApplications(t *testing.T) {
	e := apptest.New(t)
	for range 2 {
		if err := demo.SeedApplications(context.Background(), e.App.DB, e.App.Programs); err != nil {
			t.Fatal(err)
		}
	}
	var pg programs.AppPage
	e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/applications", yunshan(t, e)), e.Token(enterpriseEmail), nil).JSON(&pg)
	if len(pg.Items) != 3 || pg.Counts["disbursed"] != 1 || pg.Counts["submitted"] != 1 || pg.Counts["draft"] != 1 {
		t.Fatalf("demo applications: %+v", pg.Counts)
	}
	var until string
	if err := e.App.DB.Read.QueryRow(`SELECT obligation_until FROM awards WHERE status = 'paid'`).Scan(&until); err != nil || until == "" {
		t.Errorf("demo award's duty: %q %v", until, err)
	}
	verifyLedger(t, e)
}
