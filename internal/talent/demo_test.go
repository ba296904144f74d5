package talent_test

import (
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/talent"
)

func seeded(t *testing.T) *apptest.Env {
	e := apptest.New(t)
	for range 2 {
		if err := demo.SeedTalent(context.Background(), e.App.DB, e.App.Talent); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func TestDemoTalent(t *testing.T) {
	e := seeded(t)
	ctx := context.Background()
	var out struct{ Items []talent.Application }
	if r := e.Do("GET", "/api/v1/talent/applications", e.Token("enterprise@demo.local"), nil); r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	} else {
		r.JSON(&out)
	}
	states := map[string]string{}
	for _, a := range out.Items {
		states[a.Name] = a.State + " " + a.ScoreClass
	}
	want := map[string]string{"Anna Müller": "approved A", "Kenji Tanaka": "under_review B", "Liam O'Brien": "returned B", "Maria Rossi": "draft C"}
	if len(out.Items) != 4 {
		t.Fatalf("demo applications: %v", states)
	}
	for k, v := range want {
		if states[k] != v {
			t.Errorf("%s: %q, want %q", k, states[k], v)
		}
	}
	var uid int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM users WHERE email = 'talent@demo.local'`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	ps, err := e.App.Talent.PermitsOf(ctx, e.App.DB.Read, uid)
	if err != nil || len(ps) != 1 || ps[0].Class != "A" || ps[0].Status != talent.PermitValid {
		t.Fatalf("talent@'s permits: %+v %v", ps, err)
	}
	to, _ := time.Parse(time.DateOnly, ps[0].ValidTo)
	if left := int(time.Until(to).Hours()/24) + 1; left < 44 || left > 46 {
		t.Errorf("the permit expires in %d days, want 45", left)
	}
	// The renewal reminder is due: the holder and Yunshan hear once.
	n, err := e.App.Talent.Remind(ctx)
	if err != nil || n < 2 {
		t.Fatalf("reminders: %d %v", n, err)
	}
	if n, _ := e.App.Talent.Remind(ctx); n != 0 {
		t.Errorf("second reminder run sent %d", n)
	}
	var notices struct {
		Items []struct {
			Kind string `json:"kind"`
		} `json:"items"`
	}
	e.Do("GET", "/api/v1/notices", e.Token("talent@demo.local"), nil).JSON(&notices)
	found := false
	for _, x := range notices.Items {
		found = found || x.Kind == "talent.permit.expiry"
	}
	if !found {
		t.Errorf("talent@ has no expiry notice: %+v", notices.Items)
	}
}

func TestPages(t *testing.T) {
	e := seeded(t)
	var anna, maria int64
	e.App.DB.Read.QueryRow(`SELECT id FROM talent_applications WHERE name = 'Anna Müller'`).Scan(&anna)
	e.App.DB.Read.QueryRow(`SELECT id FROM talent_applications WHERE name = 'Maria Rossi'`).Scan(&maria)
	for _, c := range []struct {
		who, path string
		status    int
		has       []string
	}{
		{"", "/talent", 200, []string{"/talent/tables"}},
		{"", "/talent/tables", 200, []string{"2017-04-01", "85"}},
		{"", "/talent/report", 200, []string{"<meter"}},
		{"enterprise@demo.local", "/talent", 200, []string{"Anna Müller", "Maria Rossi", "/talent/applications/new"}},
		{"enterprise@demo.local", "/talent/applications/new", 200, []string{`name="passport_no"`}},
		{"enterprise@demo.local", "/talent/applications/" + strconv.FormatInt(maria, 10), 200, []string{"YA1234567", `enctype="multipart/form-data"`}},
		{"enterprise@demo.local", "/talent/applications/" + strconv.FormatInt(maria, 10) + "/edit", 200, []string{"YA1234567"}},
		{"talent@demo.local", "/talent", 200, []string{"Anna Müller"}},
		{"talent@demo.local", "/talent/applications/" + strconv.FormatInt(anna, 10), 200, []string{"C01X00T47", "3100002"}},
		{"officer.jingan@demo.local", "/talent/queue?state=under_review", 200, []string{"Kenji Tanaka"}},
		{"officer.jingan@demo.local", "/talent/applications/" + strconv.FormatInt(anna, 10), 200, []string{"C01X00T47", `name="state"`}},
		{"admin@demo.local", "/talent/tables", 200, []string{`action="/talent/tables"`, `action="/talent/rescore"`}},
		{"admin@demo.local", "/talent/applications/" + strconv.FormatInt(anna, 10), 200, []string{"Anna Müller"}},
		{"bank@demo.local", "/talent/applications/" + strconv.FormatInt(anna, 10), 404, nil},
	} {
		for _, lang := range []string{"zh", "en"} {
			b := e.Browser()
			u, _ := url.Parse(e.Srv.URL)
			b.C.Jar.SetCookies(u, []*http.Cookie{{Name: "lang", Value: lang}})
			if c.who != "" {
				b.Login(c.who)
			}
			r := b.Get(c.path)
			body := string(r.Body)
			if r.Status != c.status {
				t.Errorf("%s %s (%s): %d, want %d", c.who, c.path, lang, r.Status, c.status)
				continue
			}
			for _, h := range c.has {
				if !strings.Contains(body, h) {
					t.Errorf("%s %s (%s): no %q", c.who, c.path, lang, h)
				}
			}
			if strings.Contains(body, "talent.") && strings.Contains(body, ">talent.") {
				t.Errorf("%s %s (%s): an untranslated key", c.who, c.path, lang)
			}
			if c.who == "admin@demo.local" && strings.Contains(c.path, "applications") && strings.Contains(body, "C01X00T47") {
				t.Errorf("the administrator sees the passport number")
			}
		}
	}
	// The form files an application; bad input answers 422 and writes nothing.
	b := e.Browser()
	b.Login("enterprise@demo.local")
	var yunshan int64
	e.App.DB.Read.QueryRow(`SELECT id FROM orgs WHERE name_zh = '上海云杉软件科技有限公司'`).Scan(&yunshan)
	form := url.Values{"employer_org_id": {strconv.FormatInt(yunshan, 10)}, "name": {"Sofia Novak"}, "job_title": {"ML Engineer"}, "nationality": {"cze"},
		"passport_no": {"45123987"}, "birth_date": {"1993-03-03"}, "education": {"master"}, "graduation_date": {"2018-06-30"}, "hsk": {"2"},
		"work_years": {"5"}, "salary_yuan": {"360000"}, "months_in_china": {"12"}, "work_location": {"other"},
		"work_history": {"2018-07-01 | 2023-06-30 | Avast | ML engineer\n"}}
	count := func() int {
		var n int
		e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM talent_applications`).Scan(&n)
		return n
	}
	before := count()
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("birth_date", "2090-01-01")
	if r := b.Post("/talent/applications", bad); r.Status != 422 || !strings.Contains(string(r.Body), "birth_date") {
		t.Errorf("born in the future through the form: %d", r.Status)
	}
	if count() != before {
		t.Fatalf("a refused form wrote an application")
	}
	r := b.Post("/talent/applications", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/talent/applications/") {
		t.Fatalf("form: %d %s", r.Status, r.Body)
	}
	if count() != before+1 {
		t.Fatalf("the form wrote %d applications", count()-before)
	}
	// Submitting from the page without documents is refused naming the first.
	loc := strings.SplitN(strings.TrimPrefix(r.Header.Get("Location"), "/talent/applications/"), "?", 2)[0]
	if r := b.Post("/talent/applications/"+loc+"/act", url.Values{"action": {"submit"}}); r.Status != 422 || !strings.Contains(string(r.Body), "documents.passport") {
		t.Errorf("submit without documents from the page: %d", r.Status)
	}
	// The administrator's button adds a version and re-scores.
	a := e.Browser()
	a.Login("admin@demo.local")
	pts := a.Get("/talent/tables")
	i := strings.Index(string(pts.Body), `class="mono">`)
	if i < 0 {
		t.Fatal("no points draft on the tables page")
	}
	draft := string(pts.Body)[i+len(`class="mono">`):]
	draft = draft[:strings.Index(draft, "</textarea>")]
	draft = strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&").Replace(draft)
	draft = strings.Replace(draft, `"local_average_salary_yuan": 85582`, `"local_average_salary_yuan": 90000`, 1)
	if r := a.Post("/talent/tables", url.Values{"effective_from": {"2099-01-01"}, "name_zh": {"测试版"}, "name_en": {"Test edition"}, "points": {draft}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add a version from the page: %d %s", r.Status, r.Body)
	}
	if r := a.Post("/talent/rescore", url.Values{"as_of": {"2099-01-02"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("re-score from the page: %d %s", r.Status, r.Body)
	}
	var table int64
	e.App.DB.Read.QueryRow(`SELECT score_table_id FROM talent_applications WHERE name = 'Maria Rossi'`).Scan(&table)
	var eff string
	e.App.DB.Read.QueryRow(`SELECT CAST(effective_from AS TEXT) FROM talent_point_tables WHERE id = $1`, table).Scan(&eff)
	if !strings.HasPrefix(eff, "2099-01-01") {
		t.Errorf("the open draft is scored with the table of %q after re-scoring as of 2099-01-02", eff)
	}
}

// The review, the residence step, the renewal and an upload, from the
// pages.
func TestPageActions(t *testing.T) {
	e := seeded(t)
	id := func(name string) string {
		var n int64
		if err := e.App.DB.Read.QueryRow(`SELECT id FROM talent_applications WHERE name = $1 AND kind = 'new'`, name).Scan(&n); err != nil {
			t.Fatal(name, err)
		}
		return strconv.FormatInt(n, 10)
	}
	state := func(name string) (st, res string) {
		e.App.DB.Read.QueryRow(`SELECT state, residence_state FROM talent_applications WHERE name = $1 AND kind = 'new'`, name).Scan(&st, &res)
		return
	}
	o := e.Browser()
	o.Login("officer.xuhui@demo.local")
	kenji := id("Kenji Tanaka")
	to := time.Now().AddDate(3, 0, 0).Format(time.DateOnly)
	if r := o.Post("/talent/applications/"+kenji+"/act", url.Values{"action": {"approve"}, "class": {"B"}, "valid_to": {to}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve from the page: %d %s", r.Status, r.Body)
	}
	if st, res := state("Kenji Tanaka"); st != "approved" || res != "handed_off" {
		t.Fatalf("Kenji: %s, residence %s", st, res)
	}
	if r := o.Post("/talent/applications/"+kenji+"/residence", url.Values{"state": {"accepted"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("residence from the page: %d %s", r.Status, r.Body)
	}
	if _, res := state("Kenji Tanaka"); res != "accepted" {
		t.Fatalf("residence %s", res)
	}
	ent := e.Browser()
	ent.Login("enterprise@demo.local")
	var permit int64
	e.App.DB.Read.QueryRow(`SELECT id FROM talent_permits WHERE holder_name = 'Kenji Tanaka'`).Scan(&permit)
	r := ent.Post("/talent/permits/"+strconv.FormatInt(permit, 10)+"/renew", url.Values{})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/talent/applications/") {
		t.Fatalf("renew from the page: %d %s", r.Status, r.Body)
	}
	// An upload to Maria's draft, as a browser sends it.
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	mw.WriteField("document", "degree")
	fw, _ := mw.CreateFormFile("file", "diploma.pdf")
	fw.Write([]byte("%PDF-1.4\n%%EOF\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", e.Srv.URL+"/talent/applications/"+id("Maria Rossi")+"/documents", strings.NewReader(body.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := ent.C.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload from the page: %d", res.StatusCode)
	}
	var n int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM talent_documents d JOIN talent_applications a ON a.id = d.application_id WHERE a.name = 'Maria Rossi' AND d.item = 'degree'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d degree documents on Maria's draft", n)
	}
	// The download link of the page.
	var doc int64
	e.App.DB.Read.QueryRow(`SELECT MAX(id) FROM talent_documents`).Scan(&doc)
	if r := ent.Get("/talent/applications/" + id("Maria Rossi") + "/documents/" + strconv.FormatInt(doc, 10)); r.Status != 200 || !strings.HasPrefix(string(r.Body), "%PDF") {
		t.Errorf("download from the page: %d", r.Status)
	}
}

// TestQuotaPage: the report shows the class-C quotas to everyone and the
// form to administrators, whose form sets a year's quota; a bad one is 422
// naming the field.
func TestQuotaPage(t *testing.T) {
	e := apptest.New(t)
	anon := e.Browser()
	if pg := string(anon.Get("/talent/report").Body); !strings.Contains(pg, "C类名额") || strings.Contains(pg, `action="/talent/quotas"`) {
		t.Fatalf("public report: quota section or a form it should not show")
	}
	admin := e.Browser()
	admin.Login("admin@demo.local")
	if pg := string(admin.Get("/talent/report").Body); !strings.Contains(pg, `action="/talent/quotas"`) {
		t.Fatal("no quota form for the administrator")
	}
	if r := admin.Post("/talent/quotas", url.Values{"year": {"2026"}, "quota": {"-3"}}); r.Status != 422 || !strings.Contains(string(r.Body), "quota") {
		t.Fatalf("negative quota: %d", r.Status)
	}
	if r := admin.Post("/talent/quotas", url.Values{"year": {"2026"}, "quota": {"120"}}); r.Status != 303 {
		t.Fatalf("quota from the form: %d %s", r.Status, r.Body)
	}
	if pg := string(admin.Get("/talent/report").Body); !strings.Contains(pg, "<td>2026</td><td>120</td><td>0</td><td>120</td>") {
		t.Fatal("the quota set is not on the report")
	}
	officer := e.Browser()
	officer.Login("officer.jingan@demo.local")
	if r := officer.Post("/talent/quotas", url.Values{"year": {"2026"}, "quota": {"5"}}); r.Status != 403 {
		t.Fatalf("an officer sets the quota: %d", r.Status)
	}
}
