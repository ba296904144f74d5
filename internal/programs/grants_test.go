package programs_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/programs"
)

func autoProgram(t *testing.T, e *apptest.Env, slug string, budgetYuan int64) {
	t.Helper()
	publishProgram(t, e, slug, strings.ToUpper(slug), budgetYuan, 0)
	if r := e.Do("PATCH", "/api/v1/programs/"+slug, e.Token(officerEmail), map[string]any{"auto_grant": true}); r.Status != 200 {
		t.Fatalf("auto_grant: %d %s", r.Status, r.Body)
	}
}

// TestApplyFreeGrants: a batch proposed from the data lists the eligible
// enterprises with the rules' amounts; approving it grants and pays every
// line through the ledger and tells the enterprises; a second batch leaves
// the funded out; a budget too small refuses the whole batch.
func TestApplyFreeGrants(t *testing.T) {
	e := apptest.New(t)
	off, ent := e.Token(officerEmail), e.Token(enterpriseEmail)
	autoProgram(t, e, "auto-grant", 10_000_000)
	if r := e.Do("POST", "/api/v1/programs/auto-grant/grant-batches", ent, nil); r.Status != 403 {
		t.Errorf("an enterprise proposes: %d", r.Status)
	}
	if r := e.Do("POST", "/api/v1/programs/auto-grant/grant-batches", e.Token("officer.xuhui@demo.local"), nil); r.Status != 403 {
		t.Errorf("another agency's officer proposes: %d", r.Status)
	}
	r := e.Do("POST", "/api/v1/programs/auto-grant/grant-batches", off, nil)
	var b programs.GrantBatch
	r.JSON(&b)
	if r.Status != 201 || b.Status != programs.BatchProposed || b.Items == 0 || b.Items != len(b.Lines) {
		t.Fatalf("propose: %d %s", r.Status, r.Body)
	}
	var sum int64
	found := false
	for _, l := range b.Lines {
		sum += l.AmountFen
		if l.OrgID == yunshan(t, e) {
			found = l.AmountFen == 48_000_00 // 48 employees × 1,000 yuan
		}
	}
	if !found || sum != b.TotalFen {
		t.Errorf("lines: %+v", b)
	}
	if r := e.Do("POST", "/api/v1/programs/auto-grant/grant-batches", off, nil); r.Status != 409 {
		t.Errorf("a second open batch: %d", r.Status)
	}
	r = e.Do("POST", fmt.Sprintf("/api/v1/grant-batches/%d/approve", b.ID), off, nil)
	r.JSON(&b)
	if r.Status != 200 || b.Status != programs.BatchApproved {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	for _, l := range b.Lines {
		if l.ApplicationID == nil {
			t.Fatalf("line without application: %+v", l)
		}
		if l.OrgID != yunshan(t, e) {
			continue
		}
		var a programs.Application
		ar := e.Do("GET", fmt.Sprintf("/api/v1/applications/%d", *l.ApplicationID), ent, nil)
		ar.JSON(&a)
		if ar.Status != 200 || a.State != programs.AppDisbursed || a.Origin != "auto" || a.Award == nil || a.Award.Status != programs.AwardPaid || a.Award.AmountFen != 48_000_00 {
			t.Errorf("granted application: %d %s", ar.Status, ar.Body)
		}
	}
	prog := publishedID(t, e, "auto-grant")
	if bal := budgetOf(t, e, prog); bal.Balance != 10_000_000_00-b.TotalFen || bal.Held != 0 {
		t.Errorf("budget after the batch: %+v (total %d)", bal, b.TotalFen)
	}
	verifyLedger(t, e)
	var told int
	_ = e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices WHERE kind = 'application.disbursed'`).Scan(&told)
	if told == 0 {
		t.Error("enterprises not told")
	}
	// A second batch leaves the funded out.
	r = e.Do("POST", "/api/v1/programs/auto-grant/grant-batches", off, nil)
	var b2 programs.GrantBatch
	r.JSON(&b2)
	if r.Status != 201 || b2.Items != 0 || b2.Skipped != b.Items {
		t.Errorf("second batch: %d %s", r.Status, r.Body)
	}
	if r := e.Do("POST", fmt.Sprintf("/api/v1/grant-batches/%d/discard", b2.ID), off, nil); r.Status != 422 {
		t.Errorf("discard without reason: %d", r.Status)
	}
	if r := e.Do("POST", fmt.Sprintf("/api/v1/grant-batches/%d/discard", b2.ID), off, map[string]string{"reason": "nothing to grant"}); r.Status != 200 {
		t.Errorf("discard: %d %s", r.Status, r.Body)
	}
	if r := e.Do("POST", fmt.Sprintf("/api/v1/grant-batches/%d/approve", b2.ID), off, nil); r.Status != 409 {
		t.Errorf("approve a discarded batch: %d", r.Status)
	}

	// A budget too small refuses the whole batch and writes nothing.
	autoProgram(t, e, "auto-small", 1)
	r = e.Do("POST", "/api/v1/programs/auto-small/grant-batches", off, nil)
	var b3 programs.GrantBatch
	r.JSON(&b3)
	r = e.Do("POST", fmt.Sprintf("/api/v1/grant-batches/%d/approve", b3.ID), off, nil)
	if r.Status != 409 || !strings.Contains(string(r.Body), "budget of program auto-small") {
		t.Errorf("over budget: %d %s", r.Status, r.Body)
	}
	var apps int
	_ = e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM applications a JOIN programs p ON p.id = a.program_id WHERE p.slug = 'auto-small'`).Scan(&apps)
	if apps != 0 {
		t.Errorf("%d applications written by a refused batch", apps)
	}
	verifyLedger(t, e)

	// Pages.
	br := e.Browser()
	br.Login(officerEmail)
	if r := br.Get("/programs/auto-small/grants"); r.Status != 200 || !strings.Contains(string(r.Body), fmt.Sprintf("/grant-batches/%d", b3.ID)) {
		t.Errorf("grants page: %d", r.Status)
	}
	if r := br.Post(fmt.Sprintf("/grant-batches/%d/approve", b3.ID), url.Values{}); r.Status != 409 || !strings.Contains(string(r.Body), "grant-problem") {
		t.Errorf("approve page over budget: %d", r.Status)
	}
	if r := br.Post(fmt.Sprintf("/grant-batches/%d/discard", b3.ID), url.Values{"reason": {"budget"}}); r.Status != http.StatusSeeOther {
		t.Errorf("discard page: %d", r.Status)
	}
	r = br.Post("/programs/auto-small/grants", url.Values{})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("propose page: %d %s", r.Status, r.Body)
	}
	if r := br.Get(r.Header.Get("Location")); r.Status != 200 || !strings.Contains(string(r.Body), "上海云杉软件科技有限公司") {
		t.Errorf("batch page: %d", r.Status)
	}
	ent2 := e.Browser()
	ent2.Login(enterpriseEmail)
	if r := ent2.Get("/programs/auto-small/grants"); r.Status != 403 {
		t.Errorf("an enterprise sees the grants page: %d", r.Status)
	}
}

func publishedID(t *testing.T, e *apptest.Env, slug string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM programs WHERE slug = $1`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
