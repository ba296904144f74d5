package programs_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
)

// TestApplicationPages: an enterprise applies from the program page,
// attaches the document and submits; the officer finds it in the queue,
// approves it in bulk and pays it; both see the award, in both languages;
// a stranger sees nothing.
func TestApplicationPages(t *testing.T) {
	e := apptest.New(t)
	publishProgram(t, e, "page-apply", "PAGE", 1_000_000, 1)
	ent := e.Browser()
	ent.Login(enterpriseEmail)
	if r := ent.Get("/programs/page-apply"); r.Status != 200 || !strings.Contains(string(r.Body), `href="/programs/page-apply/apply"`) {
		t.Fatalf("program page has no apply button: %d", r.Status)
	}
	if r := ent.Get("/programs/page-apply/apply"); r.Status != 200 || !strings.Contains(string(r.Body), "上海云杉软件科技有限公司") {
		t.Fatalf("apply form: %d %s", r.Status, r.Body)
	}
	org := fmt.Sprint(yunshan(t, e))
	r := ent.Post("/programs/page-apply/apply", url.Values{"org_id": {org}, "project_title": {""}, "requested_yuan": {"abc"}})
	if r.Status != 422 || !strings.Contains(string(r.Body), "has-error") {
		t.Errorf("bad form: %d", r.Status)
	}
	r = ent.Post("/programs/page-apply/apply", url.Values{"org_id": {org}, "project_title": {"工业视觉质检平台"}, "summary": {"简介"}, "requested_yuan": {"20000"}})
	loc := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/applications/") {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	appPath := strings.SplitN(loc, "?", 2)[0]
	r = ent.Get(loc)
	body := string(r.Body)
	if r.Status != 200 || !strings.Contains(body, "工业视觉质检平台") || !strings.Contains(body, "缺少") || !strings.Contains(body, `value="submit"`) {
		t.Fatalf("draft page: %d %s", r.Status, body)
	}
	// Submitting without the document shows why, on the page.
	r = ent.Post(appPath+"/act", url.Values{"action": {"submit"}})
	if r.Status != 422 || !strings.Contains(string(r.Body), "app-problem") {
		t.Errorf("submit without document: %d", r.Status)
	}
	// Upload through the page's multipart form.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("document", "1")
	fw, _ := mw.CreateFormFile("file", "申报书.pdf")
	_, _ = fw.Write(pdf)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", e.Srv.URL+appPath+"/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := ent.C.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload page: %d", res.StatusCode)
	}
	if r := ent.Post(appPath+"/act", url.Values{"action": {"submit"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	if r := ent.Get("/orgs/" + org + "/applications"); r.Status != 200 || !strings.Contains(string(r.Body), "工业视觉质检平台") {
		t.Errorf("org applications page: %d", r.Status)
	}
	// A stranger.
	uni := e.Browser()
	uni.Login("university@demo.local")
	if r := uni.Get(appPath); r.Status != 404 {
		t.Errorf("a stranger sees the application page: %d", r.Status)
	}
	if r := uni.Get("/applications"); r.Status != 403 {
		t.Errorf("a university member sees the queue: %d", r.Status)
	}

	// The officer: queue, bulk start review and approval, then payment.
	off := e.Browser()
	off.Login(officerEmail)
	r = off.Get("/applications?program=page-apply")
	if r.Status != 200 || !strings.Contains(string(r.Body), "工业视觉质检平台") {
		t.Fatalf("queue: %d", r.Status)
	}
	id := strings.TrimPrefix(appPath, "/applications/")
	for _, action := range []string{"start_review", "approve"} {
		r = off.Post("/applications/bulk?program=page-apply", url.Values{"id": {id}, "action": {action}})
		if r.Status != 200 || !strings.Contains(string(r.Body), "办结 1 件，未通过 0 件") {
			t.Fatalf("bulk %s: %d %s", action, r.Status, r.Body)
		}
	}
	if r := off.Post(appPath+"/act", url.Values{"action": {"disburse"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("disburse: %d %s", r.Status, r.Body)
	}
	off.Get("/lang?to=en&back=/")
	r = off.Get(appPath)
	body = string(r.Body)
	if r.Status != 200 || !strings.Contains(body, "Disbursed") || !strings.Contains(body, "¥20,000.00") || !strings.Contains(body, "letter.pdf") {
		t.Errorf("paid application page: %d %s", r.Status, body)
	}
}
