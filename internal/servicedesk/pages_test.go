package servicedesk_test

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

func see(t *testing.T, r apptest.Response, status int, want ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %.400s", r.Status, status, r.Body)
	}
	for _, w := range want {
		if !strings.Contains(string(r.Body), w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// TestPages walks the desk through its pages in both languages: ask,
// the countdown, the officer's queue and answer, the rating, an
// attachment; a notice composed, previewed and published; a visit and
// its promise; the settings refusing a zero service level.
func TestPages(t *testing.T) {
	e := apptest.New(t)
	clock(e)
	ent := e.Browser()
	ent.Login("enterprise@demo.local")
	see(t, ent.Get("/desk"), 200, "我要咨询")
	// Bad input shows the form again, naming the field.
	see(t, ent.Post("/desk/requests", url.Values{"topic": {"ip"}, "title": {""}, "body": {"内容"}}), 422, "title")
	r := ent.Post("/desk/requests", url.Values{"topic": {"finance"}, "title": {"贴息申请时间"}, "body": {"什么时候受理？"}})
	see(t, r, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	path := loc[:strings.IndexByte(loc, '?')]
	see(t, ent.Get(loc), 200, "贴息申请时间", "剩余 24 小时 0 分", "上海市静安区科学技术委员会")
	see(t, ent.Get("/lang?to=en&next="+url.QueryEscape(path)), http.StatusSeeOther)
	see(t, ent.Get(path), 200, "24 h 0 min of working time left", "Awaiting answer")

	// An attachment, checked by its content.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "合同.txt")
	fw.Write([]byte("贷款合同编号 2026-001\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", e.Srv.URL+path+"/files", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := ent.C.Do(req)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %v %v", res.StatusCode, err)
	}
	see(t, ent.Get(path), 200, "合同.txt")

	off := e.Browser()
	off.Login("officer.jingan@demo.local")
	see(t, off.Get("/desk?topic=finance"), 200, "贴息申请时间")
	see(t, off.Post(path+"/act", url.Values{"action": {"answer"}, "comment": {"每季度末受理。"}}), http.StatusSeeOther)
	see(t, ent.Get(path), 200, "每季度末受理。", "Stars (1–5)")
	see(t, ent.Post(path+"/rate", url.Values{"stars": {"5"}, "comment": {"很好"}}), http.StatusSeeOther)
	see(t, ent.Get(path), 200, "Rated 5 of 5")
	// Another district's officer gets the not-found page.
	x := e.Browser()
	x.Login("officer.xuhui@demo.local")
	see(t, x.Get(path), 404)

	// A notice: preview (full page and htmx fragment), draft, publish.
	form := url.Values{"district": {"xuhui"}, "title_zh": {"高企申报提醒"}, "title_en": {"HNTE reminder"}, "body_zh": {"请及时申报。"}, "body_en": {"Apply in time."},
		"rule": {`registered_district == "xuhui" && "hnte" in certifications`}}
	see(t, x.Post("/desk/notices/preview", form), 200, "将推送给")
	bad := url.Values{"rule": {"employes > 1"}, "district": {"xuhui"}}
	see(t, x.Post("/desk/notices/preview", bad), 422, "1:1")
	hx, _ := http.NewRequest("POST", e.Srv.URL+"/desk/notices/preview", strings.NewReader(form.Encode()))
	hx.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hx.Header.Set("Sec-Fetch-Site", "same-origin")
	hx.Header.Set("HX-Request", "true")
	hx.Header.Set("HX-Target", "preview")
	hres, err := x.C.Do(hx)
	if err != nil || hres.StatusCode != 200 {
		t.Fatalf("htmx preview: %v %v", hres.StatusCode, err)
	}
	var frag bytes.Buffer
	frag.ReadFrom(hres.Body)
	if strings.Contains(frag.String(), "<html") || !strings.Contains(frag.String(), "将推送给") {
		t.Errorf("htmx preview is not the fragment: %.200s", frag.String())
	}
	r = x.Post("/desk/notices", form)
	see(t, r, http.StatusSeeOther)
	nloc := r.Header.Get("Location")
	npath := nloc[:strings.IndexByte(nloc, '?')]
	see(t, x.Get(npath), 200, "高企申报提醒", "发布并推送")
	see(t, x.Post(npath+"/publish", nil), http.StatusSeeOther)
	see(t, x.Get(npath), 200, "已推送")

	// A visit with a promise, marked done.
	yunshan := orgID(t, e, "上海云杉软件科技有限公司")
	r = off.Post("/desk/visits", url.Values{"org_id": {fmt.Sprint(yunshan)}, "visited_on": {"2026-11-20"}, "participants": {"王敏"},
		"promise_what": {"反馈用房", ""}, "promise_owner": {"王敏", ""}, "promise_due_on": {"2026-11-21", ""}})
	see(t, r, http.StatusSeeOther)
	see(t, off.Get("/desk/visits"), 200, "反馈用房", "已逾期")
	see(t, off.Get("/desk"), 200, "1 项走访承诺已逾期")

	adm := e.Browser()
	adm.Login("admin@demo.local")
	see(t, adm.Post("/desk/settings/levels", url.Values{"topic": {"ip"}, "amount": {"0"}, "unit": {"days"}}), 422)
	see(t, adm.Post("/desk/settings/levels", url.Values{"topic": {"ip"}, "amount": {"2"}, "unit": {"days"}}), http.StatusSeeOther)
	see(t, adm.Get("/desk/settings"), 200, "2 个工作日", "国庆节")
	see(t, adm.Get("/desk/figures"), 200, "jingan")
	// The enterprise has no settings.
	see(t, ent.Get("/desk/settings"), 403)
}
