package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"rainforest/internal/app"
	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/programs"
	"rainforest/internal/registry"
)

var admin = &auth.Principal{Role: auth.RoleAdmin}

// orgByName finds a demo organization by its Chinese name.
func orgByName(t *testing.T, e *apptest.Env, zh string) registry.Org {
	t.Helper()
	pg, err := e.App.Registry.List(context.Background(), admin, registry.Filter{Q: zh, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range pg.Items {
		if o.NameZh == zh {
			return o
		}
	}
	t.Fatalf("no demo organization %s", zh)
	return registry.Org{}
}

func getOrg(t *testing.T, e *apptest.Env, id int64) registry.Org {
	t.Helper()
	o, err := e.App.Registry.Get(context.Background(), admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// send makes a request with extra headers from a browser.
func send(t *testing.T, e *apptest.Env, b *apptest.Browser, method, path string, form url.Values, headers map[string]string) apptest.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.Srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := b.C.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apptest.Response{T: t, Status: res.StatusCode, Header: res.Header, Body: data}
}

func browserAs(e *apptest.Env, email string) *apptest.Browser {
	b := e.Browser()
	if email != "" {
		b.Login(email)
	}
	return b
}

func mustContain(t *testing.T, what string, body []byte, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(string(body), w) {
			t.Errorf("%s: body lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what string, body []byte, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(string(body), w) {
			t.Errorf("%s: body has %q, which it must not", what, w)
		}
	}
}

// TestPageAccess walks the pages with each kind of visitor.
func TestPageAccess(t *testing.T) {
	e := apptest.New(t)
	yunshan := orgByName(t, e, "上海云杉软件科技有限公司")
	fudan := orgByName(t, e, "复旦大学")
	y := strconv.FormatInt(yunshan.ID, 10)
	const login = 303
	who := []string{"", "enterprise@demo.local", "officer.jingan@demo.local", "officer.xuhui@demo.local", "talent@demo.local", "admin@demo.local"}
	cases := []struct {
		path string
		want []int // by visitor, in the order of who
	}{
		{"/", []int{200, 200, 200, 200, 200, 200}},
		{"/login", []int{200, 200, 200, 200, 200, 200}},
		{"/orgs", []int{200, 200, 200, 200, 200, 200}},
		{"/orgs?kind=university&district=yangpu", []int{200, 200, 200, 200, 200, 200}},
		{"/orgs?kind=spaceship", []int{422, 422, 422, 422, 422, 422}},
		{"/orgs/" + y, []int{200, 200, 200, 200, 200, 200}},
		{"/orgs/999999", []int{404, 404, 404, 404, 404, 404}},
		{"/orgs/" + y + "/edit", []int{login, 200, 403, 403, 403, 200}},
		{"/orgs/" + strconv.FormatInt(fudan.ID, 10) + "/edit", []int{login, 403, 403, 403, 403, 200}},
		{"/me", []int{login, 200, 200, 200, 200, 200}},
		{"/audit", []int{login, 200, 200, 200, 200, 200}},
		{"/audit?org_id=" + y, []int{login, 200, 403, 403, 403, 200}},
		{"/admin/users", []int{login, 403, 403, 403, 403, 200}},
		{"/admin/users?q=demo", []int{login, 403, 403, 403, 403, 200}},
		{"/admin/users/1", []int{login, 403, 403, 403, 403, 200}},
		{"/admin/users/999999", []int{login, 403, 403, 403, 403, 404}},
		{"/no/such/page", []int{404, 404, 404, 404, 404, 404}},
	}
	for i, email := range who {
		b := browserAs(e, email)
		for _, c := range cases {
			r := b.Get(c.path)
			if r.Status != c.want[i] {
				t.Errorf("%s as %q: got %d, want %d", c.path, email, r.Status, c.want[i])
				continue
			}
			if r.Status == login {
				if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
					t.Errorf("%s as %q: redirect to %q, want the login page", c.path, email, loc)
				}
				continue
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%s as %q: content type %q", c.path, email, ct)
			}
			mustContain(t, c.path, r.Body, "<html lang=", `<a class="skip" href="#main">`, `<main id="main"`)
		}
	}
}

// TestOrgPagePrivacy: the private figures only for members, the officers
// of the district and administrators; unknown shown as unknown, not 0.
func TestOrgPagePrivacy(t *testing.T) {
	e := apptest.New(t)
	o := orgByName(t, e, "上海云杉软件科技有限公司")
	path := "/orgs/" + strconv.FormatInt(o.ID, 10)
	if o.RevenueYuan == nil {
		t.Fatal("the demo enterprise has no revenue")
	}
	revenue := ui.FormatYuan(o.RevenueYuan)
	for _, c := range []struct {
		email   string
		private bool
		edit    bool
	}{
		{"", false, false},
		{"talent@demo.local", false, false},
		{"officer.xuhui@demo.local", false, false},
		{"officer.jingan@demo.local", true, false},
		{"enterprise@demo.local", true, true},
		{"admin@demo.local", true, true},
	} {
		r := browserAs(e, c.email).Get(path)
		if r.Status != 200 {
			t.Fatalf("%s as %q: %d", path, c.email, r.Status)
		}
		mustContain(t, path, r.Body, o.NameZh, o.USCC)
		if c.private {
			mustContain(t, c.email, r.Body, revenue, i18n.T("zh", "org.private_visible"))
		} else {
			mustNotContain(t, c.email, r.Body, revenue)
			mustContain(t, c.email, r.Body, i18n.T("zh", "org.private_hidden"))
		}
		hasEdit := strings.Contains(string(r.Body), path+"/edit")
		if hasEdit != c.edit {
			t.Errorf("%q: edit link shown %v, want %v", c.email, hasEdit, c.edit)
		}
	}

	// Unknown is not zero.
	b := browserAs(e, "enterprise@demo.local")
	if r := b.Post(path+"/edit", url.Values{"version": {strconv.Itoa(o.Version)}, "employees": {""}}); r.Status != http.StatusSeeOther {
		t.Fatalf("blank employees: %d %s", r.Status, r.Body)
	}
	r := b.Get(path)
	re := regexp.MustCompile(`<dt>` + regexp.QuoteMeta(registry.Label("zh", "employees")) + `</dt><dd class="unknown">未知</dd>`)
	if !re.Match(r.Body) {
		t.Errorf("employees unknown: the page does not say 未知")
	}
}

// TestDirectoryPage: search in both languages, by credit code, filters,
// htmx fragments and cursor pages.
func TestDirectoryPage(t *testing.T) {
	e := apptest.New(t)
	b := e.Browser()
	yunshan := orgByName(t, e, "上海云杉软件科技有限公司")
	link := `href="/orgs/` + strconv.FormatInt(yunshan.ID, 10) + `"`
	for _, q := range []string{"云杉", "Yunshan", "yunshan software", yunshan.USCC} {
		r := b.Get("/orgs?q=" + url.QueryEscape(q))
		if r.Status != 200 {
			t.Fatalf("q=%s: %d", q, r.Status)
		}
		mustContain(t, "q="+q, r.Body, link, `<form class="card filters"`)
	}
	// Filters narrow; a filter that excludes the firm hides it.
	r := b.Get("/orgs?q=" + url.QueryEscape("云杉") + "&district=jingan&kind=enterprise&tech_field=electronic_information&industry=I65&certification=scitech_sme")
	mustContain(t, "all filters", r.Body, link)
	r = b.Get("/orgs?q=" + url.QueryEscape("云杉") + "&district=xuhui")
	mustNotContain(t, "other district", r.Body, link)
	mustContain(t, "other district", r.Body, i18n.T("zh", "dir.none"))
	r = b.Get("/orgs?kind=university")
	mustContain(t, "universities", r.Body, "复旦大学", "上海交通大学")
	mustNotContain(t, "universities", r.Body, "上海云杉软件科技有限公司")

	// An htmx request for the results gets the results only.
	hx := map[string]string{"HX-Request": "true", "HX-Target": "results"}
	r = send(t, e, b, "GET", "/orgs?q="+url.QueryEscape("云杉"), nil, hx)
	if r.Status != 200 {
		t.Fatalf("fragment: %d", r.Status)
	}
	mustContain(t, "fragment", r.Body, link)
	mustNotContain(t, "fragment", r.Body, "<html", "<header", `<form class="card filters"`)
	if !strings.Contains(r.Header.Get("Vary"), "HX-Request") {
		t.Errorf("fragment: Vary %q lacks HX-Request", r.Header.Get("Vary"))
	}
	// A history restore gets the whole page.
	r = send(t, e, b, "GET", "/orgs?q="+url.QueryEscape("云杉"), nil, map[string]string{"HX-Request": "true", "HX-Target": "results", "HX-History-Restore-Request": "true"})
	mustContain(t, "history restore", r.Body, "<html", `<form class="card filters"`, link)
	// Bad filters: 422 with the reason beside the form; for htmx in the
	// results block.
	r = b.Get("/orgs?industry=" + url.QueryEscape("??") + "&kind=spaceship")
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad filters: %d", r.Status)
	}
	mustContain(t, "bad filters", r.Body, `<form class="card filters"`, i18n.T("zh", "dir.bad_filter"), i18n.T("zh", "dir.industry")+": "+i18n.T("zh", "fielderr.industry"), i18n.T("zh", "dir.kind")+": "+i18n.T("zh", "fielderr.choice"))
	r = send(t, e, b, "GET", "/orgs?industry="+url.QueryEscape("??"), nil, hx)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad filter fragment: %d", r.Status)
	}
	mustContain(t, "bad filter fragment", r.Body, i18n.T("zh", "dir.bad_filter"))
	mustNotContain(t, "bad filter fragment", r.Body, "<html", "<form")
	// The form is wired for htmx and works without it.
	r = b.Get("/orgs")
	mustContain(t, "form", r.Body, `hx-get="/orgs"`, `hx-target="#results"`, `hx-push-url="true"`, `action="/orgs"`, `<div id="results"`)

	// Pages follow the cursor to the end, without repeating a row.
	seen := map[string]bool{}
	next := "/orgs?kind=enterprise"
	rowRE := regexp.MustCompile(`<a class="org-name" href="/orgs/(\d+)">`)
	nextRE := regexp.MustCompile(`rel="next" href="([^"]+)"`)
	for pages := 0; next != ""; pages++ {
		if pages > 50 {
			t.Fatal("the pages do not end")
		}
		r := send(t, e, b, "GET", next, nil, hx)
		if r.Status != 200 {
			t.Fatalf("%s: %d", next, r.Status)
		}
		for _, m := range rowRE.FindAllSubmatch(r.Body, -1) {
			if seen[string(m[1])] {
				t.Fatalf("row %s on two pages", m[1])
			}
			seen[string(m[1])] = true
		}
		next = ""
		if m := nextRE.FindSubmatch(r.Body); m != nil {
			next = strings.ReplaceAll(string(m[1]), "&amp;", "&")
		}
	}
	counts, err := e.App.Registry.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(seen)) != counts["enterprise"] {
		t.Errorf("paged through %d enterprises, the registry has %d", len(seen), counts["enterprise"])
	}
}

func versionOf(t *testing.T, body []byte) string {
	t.Helper()
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no version in the form")
	}
	return string(m[1])
}

// TestEditRoundTrip: the form shows every field, saves into the database,
// refuses bad values with 422 and the user's input, and stale versions
// with 409.
func TestEditRoundTrip(t *testing.T) {
	e := apptest.New(t)
	o := orgByName(t, e, "上海云杉软件科技有限公司")
	id := strconv.FormatInt(o.ID, 10)
	b := browserAs(e, "enterprise@demo.local")
	r := b.Get("/orgs/" + id + "/edit")
	if r.Status != 200 {
		t.Fatalf("edit: %d", r.Status)
	}
	for _, f := range registry.Fields {
		mustContain(t, "form", r.Body, `name="`+f.Name+`"`, registry.Label("zh", f.Name))
	}
	mustContain(t, "form", r.Body, `type="date"`, `type="number"`, `type="checkbox" name="certifications" value="hnte"`, `type="radio" name="major_incident_last_year" value=""`)
	version := versionOf(t, r.Body)

	// Save: numbers, text, certifications, a boolean back to unknown.
	form := url.Values{
		"version":                  {version},
		"employees":                {"77"},
		"description_en":           {"Industrial software, now with digital twins"},
		"certifications":           {"", "hnte", "scitech_sme"},
		"major_incident_last_year": {""},
		"founded_on":               {"2019-05-21"},
		"kind":                     {"bank"}, // not an administrator: ignored
	}
	r = b.Post("/orgs/"+id+"/edit", form)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/orgs/"+id+"?flash=flash.saved" {
		t.Fatalf("save: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	got := getOrg(t, e, o.ID)
	if got.Employees == nil || *got.Employees != 77 || got.DescriptionEn != "Industrial software, now with digital twins" ||
		!slices.Equal(got.Certifications, []string{"hnte", "scitech_sme"}) || got.MajorIncidentLastYear != nil ||
		got.FoundedOn == nil || *got.FoundedOn != "2019-05-21" || got.Kind != "enterprise" || got.Version != o.Version+1 {
		t.Fatalf("after save: employees %v, description %q, certs %v, incident %v, founded %v, kind %s, version %d",
			got.Employees, got.DescriptionEn, got.Certifications, got.MajorIncidentLastYear, got.FoundedOn, got.Kind, got.Version)
	}
	if got.RevenueYuan == nil || *got.RevenueYuan != *o.RevenueYuan {
		t.Errorf("a field absent from the form changed: revenue %v", got.RevenueYuan)
	}
	r = b.Get("/orgs/" + id + "?flash=flash.saved")
	mustContain(t, "org page", r.Body, i18n.T("zh", "flash.saved"), "77")

	// Invalid: the form comes back with what was typed and the reasons.
	bad := url.Values{"version": {strconv.Itoa(got.Version)}, "employees": {"-5"}, "rd_staff": {"3"}, "industry": {"ZZ9"}, "description_en": {"typed text stays"}}
	r = b.Post("/orgs/"+id+"/edit", bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid: %d", r.Status)
	}
	mustContain(t, "invalid", r.Body, `value="-5"`, `value="ZZ9"`, "typed text stays", i18n.T("zh", "fielderr.negative"), i18n.T("zh", "fielderr.industry"),
		`id="e-employees"`, `href="#f-employees"`, i18n.T("zh", "edit.invalid"))
	if after := getOrg(t, e, o.ID); after.Version != got.Version || *after.Employees != 77 {
		t.Errorf("an invalid form changed the organization: version %d, employees %v", after.Version, after.Employees)
	}

	// Stale: someone saved meanwhile.
	r = b.Post("/orgs/"+id+"/edit", url.Values{"version": {version}, "employees": {"80"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("stale: %d", r.Status)
	}
	mustContain(t, "stale", r.Body, i18n.T("zh", "edit.conflict"), `value="80"`, `name="version" value="`+strconv.Itoa(got.Version)+`"`)
	if after := getOrg(t, e, o.ID); *after.Employees != 77 {
		t.Errorf("a stale form changed employees to %v", *after.Employees)
	}

	// The change is in the audit log, readable.
	r = b.Get("/audit")
	mustContain(t, "audit", r.Body, registry.Label("zh", "employees"), "<del>48</del>", "<ins>77</ins>")

	// Someone who may not edit cannot post either.
	other := browserAs(e, "university@demo.local")
	if r := other.Post("/orgs/"+id+"/edit", url.Values{"version": {strconv.Itoa(got.Version)}, "employees": {"1"}}); r.Status != http.StatusForbidden {
		t.Errorf("a stranger's save: %d, want 403", r.Status)
	}
	if r := e.Browser().Post("/orgs/"+id+"/edit", url.Values{"version": {strconv.Itoa(got.Version)}, "employees": {"1"}}); r.Status != http.StatusUnauthorized {
		t.Errorf("an anonymous save: %d, want 401", r.Status)
	}
	if after := getOrg(t, e, o.ID); *after.Employees != 77 {
		t.Errorf("refused saves changed employees to %v", *after.Employees)
	}
}

// TestCrossSiteForms: a form posted from another site is refused and
// changes nothing.
func TestCrossSiteForms(t *testing.T) {
	e := apptest.New(t)
	o := orgByName(t, e, "上海云杉软件科技有限公司")
	id := strconv.FormatInt(o.ID, 10)
	b := browserAs(e, "enterprise@demo.local")
	form := url.Values{"version": {strconv.Itoa(o.Version)}, "employees": {"9999"}}
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		r := send(t, e, b, "POST", "/orgs/"+id+"/edit", form, h)
		if r.Status != http.StatusForbidden {
			t.Errorf("cross-site %v: %d, want 403", h, r.Status)
		}
	}
	if got := getOrg(t, e, o.ID); got.Version != o.Version {
		t.Fatalf("a cross-site form changed the organization (version %d → %d)", o.Version, got.Version)
	}
	a := browserAs(e, "admin@demo.local")
	r := send(t, e, a, "POST", "/admin/users", url.Values{"email": {"x@evil.example"}, "name": {"X"}, "password": {"long enough"}}, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if r.Status != http.StatusForbidden {
		t.Errorf("cross-site user creation: %d", r.Status)
	}
	if _, err := e.App.Auth.UserByEmail(context.Background(), "x@evil.example"); err == nil {
		t.Error("a cross-site form created an account")
	}
	// The same form from the site itself goes through.
	if r := b.Post("/orgs/"+id+"/edit", form); r.Status != http.StatusSeeOther {
		t.Errorf("same-site save: %d", r.Status)
	}
}

// TestLanguage: Accept-Language first, then the switch, which returns to
// the page the user was on.
func TestLanguage(t *testing.T) {
	e := apptest.New(t)
	b := e.Browser()
	r := b.Get("/orgs")
	mustContain(t, "default", r.Body, `<html lang="zh-CN">`, "机构名录", "English</a>")
	r = send(t, e, b, "GET", "/orgs", nil, map[string]string{"Accept-Language": "en-GB,en;q=0.9"})
	mustContain(t, "Accept-Language", r.Body, `<html lang="en">`, ">Directory<")

	r = b.Get("/lang?to=en&back=" + url.QueryEscape("/orgs?kind=bank"))
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/orgs?kind=bank" {
		t.Fatalf("switch: %d %q", r.Status, r.Header.Get("Location"))
	}
	r = b.Get("/orgs?kind=bank")
	mustContain(t, "after the switch", r.Body, `<html lang="en">`, ">Directory<", "Bank of Shanghai", "中文</a>", `href="/lang?to=zh&amp;back=%2Forgs%3Fkind%3Dbank"`)
	mustNotContain(t, "after the switch", r.Body, "机构名录")
	// Plurals: one and many.
	r = b.Get("/orgs?q=" + url.QueryEscape("云杉"))
	mustContain(t, "one", r.Body, "1 organization on this page")
	r = b.Get("/orgs?kind=bank")
	mustContain(t, "many", r.Body, "organizations on this page")
	if r := b.Get("/lang?to=fr"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown language: %d", r.Status)
	}
	if r := b.Get("/lang?to=zh&back=//evil.example"); r.Header.Get("Location") != "/" {
		t.Errorf("off-site back: %q", r.Header.Get("Location"))
	}

	// A crafted flash shows nothing.
	r = b.Get("/?flash=" + url.QueryEscape("Your account is blocked, call 123"))
	mustNotContain(t, "crafted flash", r.Body, "call 123")
}

// TestMyAccount: name and language, my organizations, the password.
func TestMyAccount(t *testing.T) {
	e := apptest.New(t)
	b := browserAs(e, "enterprise@demo.local")
	yunshan := orgByName(t, e, "上海云杉软件科技有限公司")
	r := b.Get("/me")
	mustContain(t, "me", r.Body, "enterprise@demo.local", "上海云杉软件科技有限公司", "/orgs/"+strconv.FormatInt(yunshan.ID, 10)+"/edit", i18n.T("zh", "role.owner"))

	r = b.Post("/me", url.Values{"name": {"陈静 Chen Jing"}, "locale": {"en"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save account: %d %s", r.Status, r.Body)
	}
	r = b.Get("/me")
	mustContain(t, "me in English", r.Body, `<html lang="en">`, `value="陈静 Chen Jing"`, "My organizations")
	if r := b.Post("/me", url.Values{"name": {"  "}, "locale": {"en"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("blank name: %d", r.Status)
	}

	r = b.Post("/me/password", url.Values{"current": {"wrong"}, "new": {"a new secret"}, "again": {"a new secret"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current password: %d", r.Status)
	}
	mustContain(t, "wrong current", r.Body, i18n.T("en", "fielderr.wrong"))
	r = b.Post("/me/password", url.Values{"current": {"demo"}, "new": {"a new secret"}, "again": {"another"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("mismatch: %d", r.Status)
	}
	r = b.Post("/me/password", url.Values{"current": {"demo"}, "new": {"short"}, "again": {"short"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("short: %d", r.Status)
	}
	r = b.Post("/me/password", url.Values{"current": {"demo"}, "new": {"a new secret"}, "again": {"a new secret"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("change password: %d %s", r.Status, r.Body)
	}
	// Still signed in here; the new password works, the old does not.
	if r := b.Get("/me"); r.Status != 200 {
		t.Errorf("after the change: %d", r.Status)
	}
	if r := e.Do("POST", "/api/v1/tokens", "", map[string]string{"email": "enterprise@demo.local", "password": "a new secret"}); r.Status != http.StatusCreated {
		t.Errorf("new password: %d", r.Status)
	}
	if r := e.Do("POST", "/api/v1/tokens", "", map[string]string{"email": "enterprise@demo.local", "password": "demo"}); r.Status != http.StatusUnauthorized {
		t.Errorf("old password: %d", r.Status)
	}
}

// TestAdminPages: create an account, give it a role and an organization,
// take it away; an administrator cannot demote themselves.
func TestAdminPages(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	b := browserAs(e, "admin@demo.local")
	r := b.Post("/admin/users", url.Values{"email": {"new.officer@demo.local"}, "name": {"新 官员"}, "password": {"long enough"}, "platform_role": {""}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	u, err := e.App.Auth.UserByEmail(ctx, "new.officer@demo.local")
	if err != nil {
		t.Fatal(err)
	}
	uid := strconv.FormatInt(u.ID, 10)
	if !strings.HasPrefix(r.Header.Get("Location"), "/admin/users/"+uid) {
		t.Errorf("create: redirect to %q", r.Header.Get("Location"))
	}
	r = b.Get("/admin/users?q=new.officer")
	mustContain(t, "search", r.Body, "new.officer@demo.local")
	mustNotContain(t, "search", r.Body, "enterprise@demo.local")

	// Bad input: the form again, with the reasons and what was typed.
	r = b.Post("/admin/users", url.Values{"email": {"not an address"}, "name": {"Someone"}, "password": {"short"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad create: %d", r.Status)
	}
	mustContain(t, "bad create", r.Body, `value="not an address"`, i18n.T("zh", "fielderr.email"), i18n.T("zh", "fielderr.password_short"))
	if r := b.Post("/admin/users", url.Values{"email": {"new.officer@demo.local"}, "name": {"Again"}, "password": {"long enough"}}); r.Status != http.StatusConflict && r.Status != http.StatusUnprocessableEntity {
		t.Errorf("duplicate e-mail: %d", r.Status)
	}

	// Role, name, then a membership by credit code and by id.
	r = b.Post("/admin/users/"+uid, url.Values{"name": {"Officer Wang"}, "platform_role": {"officer"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	agency := orgByName(t, e, "上海市徐汇区科学技术委员会")
	r = b.Post("/admin/users/"+uid+"/memberships", url.Values{"action": {"add"}, "org": {agency.USCC}, "role": {"member"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add membership: %d %s", r.Status, r.Body)
	}
	p, err := e.App.Auth.Principal(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Officer Wang" || !p.IsOfficer() || !p.OfficerFor("xuhui") {
		t.Fatalf("after update: name %q role %q districts %v", p.Name, p.Role, p.OfficerDistricts())
	}
	r = b.Get("/admin/users/" + uid)
	mustContain(t, "user page", r.Body, agency.NameZh, `value="Officer Wang"`)
	r = b.Post("/admin/users/"+uid+"/memberships", url.Values{"action": {"add"}, "org": {"999999"}, "role": {"member"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown org: %d", r.Status)
	}
	mustContain(t, "unknown org", r.Body, i18n.T("zh", "fielderr.no_org"))
	r = b.Post("/admin/users/"+uid+"/memberships", url.Values{"action": {"remove"}, "org": {strconv.FormatInt(agency.ID, 10)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("remove membership: %d", r.Status)
	}
	if p, _ := e.App.Auth.Principal(ctx, u.ID); len(p.Memberships) != 0 {
		t.Errorf("after removal: %v", p.Memberships)
	}

	// Disable: the account can no longer sign in.
	if r := b.Post("/admin/users/"+uid, url.Values{"name": {"Officer Wang"}, "platform_role": {"officer"}, "disabled": {"on"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.Status)
	}
	if r := e.Do("POST", "/api/v1/tokens", "", map[string]string{"email": "new.officer@demo.local", "password": "long enough"}); r.Status != http.StatusUnauthorized {
		t.Errorf("a disabled account signs in: %d", r.Status)
	}

	// Not oneself.
	me, _ := e.App.Auth.UserByEmail(ctx, "admin@demo.local")
	mid := strconv.FormatInt(me.ID, 10)
	for _, f := range []url.Values{
		{"name": {"Admin"}, "platform_role": {""}},
		{"name": {"Admin"}, "platform_role": {"admin"}, "disabled": {"on"}},
	} {
		r := b.Post("/admin/users/"+mid, f)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("self-demotion %v: %d", f, r.Status)
		}
		mustContain(t, "self-demotion", r.Body, i18n.T("zh", "fielderr.self"))
	}
	if p, _ := e.App.Auth.Principal(ctx, me.ID); !p.IsAdmin() {
		t.Fatal("the administrator demoted themselves")
	}

	// Nobody else may use these forms.
	o := browserAs(e, "officer.jingan@demo.local")
	if r := o.Post("/admin/users", url.Values{"email": {"sneaky@demo.local"}, "name": {"S"}, "password": {"long enough"}}); r.Status != http.StatusForbidden {
		t.Errorf("an officer creating an account: %d", r.Status)
	}
	if r := o.Post("/admin/users/"+uid+"/memberships", url.Values{"action": {"add"}, "org": {agency.USCC}, "role": {"owner"}}); r.Status != http.StatusForbidden {
		t.Errorf("an officer adding a membership: %d", r.Status)
	}
}

// TestAuditPage: newest first, an organization's own entries for its
// members, everything for administrators.
func TestAuditPage(t *testing.T) {
	e := apptest.New(t)
	yunshan := orgByName(t, e, "上海云杉软件科技有限公司")
	fudan := orgByName(t, e, "复旦大学")
	adm := browserAs(e, "admin@demo.local")
	ent := browserAs(e, "enterprise@demo.local")
	if r := adm.Post("/orgs/"+strconv.FormatInt(fudan.ID, 10)+"/edit", url.Values{"version": {strconv.Itoa(fudan.Version)}, "description_en": {"Fudan audit marker"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("admin edit: %d", r.Status)
	}
	if r := ent.Post("/orgs/"+strconv.FormatInt(yunshan.ID, 10)+"/edit", url.Values{"version": {strconv.Itoa(yunshan.Version)}, "description_en": {"Yunshan audit marker"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("owner edit: %d", r.Status)
	}
	r := ent.Get("/audit")
	mustContain(t, "owner's audit", r.Body, "Yunshan audit marker", "enterprise@demo.local")
	mustNotContain(t, "owner's audit", r.Body, "Fudan audit marker")
	r = adm.Get("/audit")
	body := string(r.Body)
	if i, j := strings.Index(body, "Yunshan audit marker"), strings.Index(body, "Fudan audit marker"); i < 0 || j < 0 || i > j {
		t.Errorf("admin's audit: want both, newest first (positions %d, %d)", i, j)
	}
	// The organization page shows its own recent changes to its members.
	r = ent.Get("/orgs/" + strconv.FormatInt(yunshan.ID, 10))
	mustContain(t, "org history", r.Body, "Yunshan audit marker", i18n.T("zh", "org.history"))
	r = browserAs(e, "officer.jingan@demo.local").Get("/orgs/" + strconv.FormatInt(yunshan.ID, 10))
	mustNotContain(t, "officer's view of history", r.Body, i18n.T("zh", "org.history"))

	// Cursor pages: the second page holds the older entry.
	r = adm.Get("/audit?limit=1")
	mustContain(t, "first audit page", r.Body, "Yunshan audit marker")
	m := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindSubmatch(r.Body)
	if m == nil {
		t.Fatal("no next page of the audit log")
	}
	r = adm.Get(strings.ReplaceAll(string(m[1]), "&amp;", "&"))
	if r.Status != 200 {
		t.Fatalf("next audit page: %d", r.Status)
	}
	mustContain(t, "second audit page", r.Body, "Fudan audit marker")
	mustNotContain(t, "second audit page", r.Body, "Yunshan audit marker")
}

// TestHomeCounts: the counts come from the database, and an empty
// database shows zeros.
func TestHomeCounts(t *testing.T) {
	e := apptest.New(t)
	ov, err := e.App.Registry.Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var certs int64
	for _, c := range ov.Certs {
		certs += c.N
	}
	if ov.Total < 200 || certs == 0 || ov.MaxDistrict == 0 {
		t.Fatalf("demo overview: total %d, certifications %d, largest district %d", ov.Total, certs, ov.MaxDistrict)
	}
	// Cross-check one district and one certification against the list.
	pg, err := e.App.Registry.List(context.Background(), admin, registry.Filter{District: "jingan", Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ov.Districts {
		if d.Key == "jingan" && d.N != int64(len(pg.Items)) {
			t.Errorf("jingan: overview %d, list %d", d.N, len(pg.Items))
		}
	}
	pg, err = e.App.Registry.List(context.Background(), admin, registry.Filter{Certification: "little_giant", Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ov.Certs {
		if c.Key == "little_giant" && c.N != int64(len(pg.Items)) {
			t.Errorf("little giants: overview %d, list %d", c.N, len(pg.Items))
		}
	}
	r := e.Browser().Get("/")
	mustContain(t, "home", r.Body, ">"+ui.FormatInt(ov.Total)+"<", `href="/orgs?district=jingan"`, `href="/orgs?certification=hnte"`, `href="/login"`, `href="/orgs"`)

	// An empty database.
	d := dbtest.Open(t)
	a, err := app.New(d, app.Config{Quiet: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("empty home: %d", res.StatusCode)
	}
	mustContain(t, "empty home", body, `<p class="big">0</p>`, `<span class="n">0</span>`)
	for _, p := range []string{"/orgs", "/orgs?q=" + url.QueryEscape("云杉")} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("empty %s: %d", p, res.StatusCode)
		}
	}
}

// TestCatalogs: both languages have the same keys, plurals have both forms
// in English, and every key the pages use exists.
func TestCatalogs(t *testing.T) {
	zh, en := i18n.Keys("zh"), i18n.Keys("en")
	slices.Sort(zh)
	slices.Sort(en)
	for _, k := range zh {
		if _, ok := slices.BinarySearch(en, k); !ok {
			t.Errorf("key %q is in zh but not en", k)
		}
	}
	for _, k := range en {
		if _, ok := slices.BinarySearch(zh, k); !ok {
			t.Errorf("key %q is in en but not zh", k)
		}
	}
	has := func(k string) bool { _, ok := slices.BinarySearch(en, k); return ok }

	used := map[string]string{} // key -> where
	plural := map[string]string{}
	tmplKey := regexp.MustCompile(`\.(T|N|Plural) "([a-z0-9_.]+)"`)
	goKey := regexp.MustCompile(`i18n\.T\((?:lang|ui\.Lang\([^)]*\)|"zh"|"en"), "([a-z0-9_.]+)"`)
	var files []string
	for _, dir := range []string{"templates", "../registry/templates", "../programs/templates", "../kernel/ui/templates"} {
		fs, _ := filepath.Glob(filepath.Join(dir, "*.html"))
		files = append(files, fs...)
	}
	gos, _ := filepath.Glob("pages*.go")
	files = append(files, gos...)
	regs, _ := filepath.Glob("../registry/pages*.go")
	files = append(files, regs...)
	progs, _ := filepath.Glob("../programs/pages*.go")
	files = append(files, progs...)
	files = append(files, "../kernel/ui/view.go")
	if len(files) < 12 {
		t.Fatalf("found only %d template and page files", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			if m[1] == "T" {
				used[m[2]] = f
			} else {
				plural[m[2]] = f
			}
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix of keys built from a vocabulary
				used[m[1]] = f
			}
		}
	}
	// Keys made from vocabularies.
	for _, k := range registry.CatalogKeys() {
		used[k] = "registry vocabulary"
	}
	for _, k := range programs.CatalogKeys() {
		used[k] = "programs vocabulary"
	}
	for _, k := range ui.FieldMessageKeys() {
		used[k] = "field messages"
	}
	for _, r := range []string{"admin", "officer", "owner", "member", "none"} {
		used["role."+r] = "roles"
	}
	for _, s := range []int{400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503} {
		used["error."+strconv.Itoa(s)] = "error page"
		used["error."+strconv.Itoa(s)+".help"] = "error page"
	}
	for _, a := range []string{"create", "update", "delete", "set", "revoke"} {
		used["audit.action."+a] = "audit"
	}
	for _, en := range []string{"org", "user", "membership", "park", "person"} {
		used["audit.entity."+en] = "audit"
	}
	if len(used) < 150 {
		t.Fatalf("found only %d keys in use; the scan is broken", len(used))
	}
	for k, where := range used {
		if !has(k) {
			t.Errorf("%s uses key %q, which the catalogs lack", where, k)
		}
	}
	for k, where := range plural {
		if !has(k+".one") || !has(k+".other") {
			t.Errorf("%s counts with %q, which lacks a .one or .other form", where, k)
		}
	}
	// Every flash a handler sends exists (the layout hides unknown ones).
	flash := regexp.MustCompile(`flash=(flash\.[a-z_]+)`)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, m := range flash.FindAllStringSubmatch(string(b), -1) {
			if !has(m[1]) {
				t.Errorf("%s redirects with flash %q, which the catalogs lack", f, m[1])
			}
		}
	}
}
