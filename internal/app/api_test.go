package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/registry"
)

// API scenarios in the manner of PocketBase's: each names a request, who
// sends it, and what must come back. Scenarios of one table run in order
// against one city, so that later ones see what earlier ones did.

type scenario struct {
	name   string
	method string
	path   string
	as     string // demo account ("" for the public), or a raw token "rf_..."
	body   any
	status int
	// has lists substrings the body must contain; field, for errors, the
	// field the problem must name.
	has   []string
	field string
	// then runs after the request, for checks a substring cannot make.
	then func(t *testing.T, e *apptest.Env, r apptest.Response)
}

func run(t *testing.T, e *apptest.Env, scenarios []scenario) {
	t.Helper()
	for _, s := range scenarios {
		tok := s.as
		if !strings.HasPrefix(tok, "rf_") {
			tok = e.Token(s.as)
		}
		r := call(t, e, s.method, s.path, tok, s.body)
		if r.Status != s.status {
			t.Errorf("%s: %s %s: %d, want %d: %s", s.name, s.method, s.path, r.Status, s.status, r.Body)
			continue
		}
		for _, h := range s.has {
			if !strings.Contains(string(r.Body), h) {
				t.Errorf("%s: body lacks %q: %s", s.name, h, r.Body)
			}
		}
		if s.field != "" {
			checkProblem(t, s.name, r, s.field)
		}
		if s.then != nil {
			s.then(t, e, r)
		}
	}
}

// checkProblem asserts that r is problem+json naming field.
func checkProblem(t *testing.T, name string, r apptest.Response, field string) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", name, ct)
		return
	}
	var pr struct {
		Status int    `json:"status"`
		Field  string `json:"field"`
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &pr); err != nil {
		t.Errorf("%s: problem: %v", name, err)
		return
	}
	if pr.Status != r.Status {
		t.Errorf("%s: problem status %d on a %d answer", name, pr.Status, r.Status)
	}
	if field == "-" {
		return
	}
	named := pr.Field == field
	for _, f := range pr.Errors {
		named = named || f.Field == field
	}
	if !named {
		t.Errorf("%s: problem does not name %q: %s", name, field, r.Body)
	}
}

func idOf(t *testing.T, r apptest.Response) int64 {
	t.Helper()
	var v struct{ ID int64 }
	r.JSON(&v)
	if v.ID == 0 {
		t.Fatalf("no id in %s", r.Body)
	}
	return v.ID
}

func userID(t *testing.T, e *apptest.Env, email string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return id
}

func orgID(t *testing.T, e *apptest.Env, nameZh string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM orgs WHERE name_zh = $1`, nameZh).Scan(&id); err != nil {
		t.Fatalf("org %s: %v", nameZh, err)
	}
	return id
}

const yunshanName = "上海云杉软件科技有限公司"

func TestTokens(t *testing.T) {
	e := apptest.New(t)
	run(t, e, []scenario{
		{name: "right password", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "enterprise@demo.local", "password": demo.Password}, status: 201, has: []string{`"token":"rf_`}},
		{name: "e-mail in another case", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": " Enterprise@Demo.Local ", "password": demo.Password}, status: 201},
		{name: "named token", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "bank@demo.local", "password": demo.Password, "name": "nightly export"}, status: 201},
		{name: "wrong password", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "enterprise@demo.local", "password": "wrong"}, status: 401, has: []string{"wrong e-mail or password"}},
		{name: "unknown user", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "nobody@demo.local", "password": demo.Password}, status: 401, has: []string{"wrong e-mail or password"}},
		{name: "no password", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "enterprise@demo.local"}, status: 422, field: "password"},
		{name: "no e-mail", method: "POST", path: "/api/v1/tokens", body: map[string]string{"password": "x"}, status: 422, field: "email"},
		{name: "e-mail of the wrong type", method: "POST", path: "/api/v1/tokens", body: `{"email": 5, "password": "x"}`, status: 422, field: "email"},
		{name: "unknown member", method: "POST", path: "/api/v1/tokens", body: `{"email": "a@b.c", "password": "x", "scope": "all"}`, status: 422, field: "scope"},
		{name: "a token works", method: "GET", path: "/api/v1/me", as: "enterprise@demo.local", status: 200, has: []string{"enterprise@demo.local", `"role":"owner"`}},
		{name: "a made-up token", method: "GET", path: "/api/v1/orgs", as: "rf_madeup", status: 401},
	})
	// A malformed Authorization header is refused, not ignored.
	req, _ := http.NewRequest("GET", e.Srv.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Basic YTpi")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("Basic auth: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

// TestLoginRateLimit: after five failures for one address the answer is
// 429 with Retry-After, even with the right password; other addresses are
// not affected until the client itself has failed thirty times.
func TestLoginRateLimit(t *testing.T) {
	e := apptest.New(t)
	wrong := map[string]string{"email": "bank@demo.local", "password": "guess"}
	for i := range 5 {
		if r := call(t, e, "POST", "/api/v1/tokens", "", wrong); r.Status != 401 {
			t.Fatalf("failure %d: %d", i+1, r.Status)
		}
	}
	r := call(t, e, "POST", "/api/v1/tokens", "", map[string]string{"email": "bank@demo.local", "password": demo.Password})
	if r.Status != 429 {
		t.Fatalf("after 5 failures: %d %s", r.Status, r.Body)
	}
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 60 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	checkProblem(t, "rate limit", r, "-")
	// Another account still signs in.
	if r := call(t, e, "POST", "/api/v1/tokens", "", map[string]string{"email": "lab@demo.local", "password": demo.Password}); r.Status != 201 {
		t.Fatalf("other account: %d", r.Status)
	}
	// Thirty failures from one client, over many addresses, close it.
	for i := 0; i < 30; i++ {
		call(t, e, "POST", "/api/v1/tokens", "", map[string]string{"email": fmt.Sprintf("guess%d@demo.local", i), "password": "guess"})
	}
	if r := call(t, e, "POST", "/api/v1/tokens", "", map[string]string{"email": "university@demo.local", "password": demo.Password}); r.Status != 429 {
		t.Fatalf("after 35 failures from one client: %d", r.Status)
	}
}

func TestUsers(t *testing.T) {
	e := apptest.New(t)
	admin := "admin@demo.local"
	var newID int64
	talent := userID(t, e, "talent@demo.local")
	run(t, e, []scenario{
		{name: "me", method: "GET", path: "/api/v1/me", as: "talent@demo.local", status: 200, has: []string{`"email":"talent@demo.local"`, `"memberships":[]`}},
		{name: "me, public", method: "GET", path: "/api/v1/me", status: 401, field: "-"},
		{name: "list", method: "GET", path: "/api/v1/users", as: admin, status: 200, has: []string{"officer.xuhui@demo.local", "talent@demo.local"}},
		{name: "search", method: "GET", path: "/api/v1/users?q=OFFICER", as: admin, status: 200, then: func(t *testing.T, e *apptest.Env, r apptest.Response) {
			var pg struct{ Items []struct{ Email string } }
			r.JSON(&pg)
			if len(pg.Items) != 2 {
				t.Errorf("q=OFFICER: %d users", len(pg.Items))
			}
		}},
		{name: "search with LIKE wildcards", method: "GET", path: "/api/v1/users?q=" + url.QueryEscape("%_"), as: admin, status: 200, has: []string{`"items":[]`}},
		{name: "bad limit", method: "GET", path: "/api/v1/users?limit=0", as: admin, status: 422, field: "limit"},
		{name: "bad cursor", method: "GET", path: "/api/v1/users?cursor=abc", as: admin, status: 422, field: "cursor"},
		{name: "create", method: "POST", path: "/api/v1/users", as: admin, body: map[string]string{"email": "Li.Na@Example.cn", "name": "李娜 Li Na", "password": "correct horse", "locale": "zh"}, status: 201,
			has: []string{`"email":"li.na@example.cn"`}, then: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				newID = idOf(t, r)
				if r.Header.Get("Location") != fmt.Sprintf("/api/v1/users/%d", newID) {
					t.Errorf("Location %q", r.Header.Get("Location"))
				}
				if bytesContain(r.Body, "password") {
					t.Errorf("the answer shows the password: %s", r.Body)
				}
			}},
		{name: "the new account signs in", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "li.na@example.cn", "password": "correct horse"}, status: 201},
		{name: "duplicate e-mail", method: "POST", path: "/api/v1/users", as: admin, body: map[string]string{"email": "LI.NA@example.cn", "name": "x", "password": "correct horse"}, status: 422, field: "email"},
		{name: "short password", method: "POST", path: "/api/v1/users", as: admin, body: map[string]string{"email": "a@example.cn", "name": "x", "password": "short"}, status: 422, field: "password"},
		{name: "bad e-mail", method: "POST", path: "/api/v1/users", as: admin, body: map[string]string{"email": "not-an-address", "name": "x", "password": "correct horse"}, status: 422, field: "email"},
		{name: "bad platform role", method: "POST", path: "/api/v1/users", as: admin, body: map[string]string{"email": "b@example.cn", "name": "x", "password": "correct horse", "platform_role": "root"}, status: 422, field: "platform_role"},
		{name: "bad locale", method: "POST", path: "/api/v1/users", as: admin, body: map[string]string{"email": "b@example.cn", "name": "x", "password": "correct horse", "locale": "fr"}, status: 422, field: "locale"},
		{name: "no name", method: "POST", path: "/api/v1/users", as: admin, body: map[string]string{"email": "b@example.cn", "password": "correct horse"}, status: 422, field: "name"},
		{name: "not an admin", method: "POST", path: "/api/v1/users", as: "officer.jingan@demo.local", body: map[string]string{"email": "c@example.cn", "name": "x", "password": "correct horse"}, status: 403},
	})
	path := fmt.Sprintf("/api/v1/users/%d", newID)
	talentPath := fmt.Sprintf("/api/v1/users/%d", talent)
	adminPath := fmt.Sprintf("/api/v1/users/%d", userID(t, e, admin))
	run(t, e, []scenario{
		{name: "admin reads", method: "GET", path: path, as: admin, status: 200, has: []string{"li.na@example.cn"}},
		{name: "admin makes an officer", method: "PATCH", path: path, as: admin, body: map[string]string{"platform_role": "officer"}, status: 200, has: []string{`"platform_role":"officer"`}},
		{name: "self: name and language", method: "PATCH", path: talentPath, as: "talent@demo.local", body: map[string]string{"name": "Anna Müller-Schmidt", "locale": "en"}, status: 200,
			has: []string{`"name":"Anna Müller-Schmidt"`, `"locale":"en"`}},
		{name: "self: absent members keep", method: "PATCH", path: talentPath, as: "talent@demo.local", body: map[string]any{}, status: 200, has: []string{`"name":"Anna Müller-Schmidt"`, `"locale":"en"`}},
		{name: "self: no platform role", method: "PATCH", path: talentPath, as: "talent@demo.local", body: map[string]string{"platform_role": "admin"}, status: 403, field: "platform_role"},
		{name: "self: no disabling", method: "PATCH", path: talentPath, as: "talent@demo.local", body: map[string]bool{"disabled": false}, status: 403, field: "disabled"},
		{name: "self: empty name", method: "PATCH", path: talentPath, as: "talent@demo.local", body: map[string]string{"name": "  "}, status: 422, field: "name"},
		{name: "self: short password", method: "PATCH", path: talentPath, as: "talent@demo.local", body: map[string]string{"password": "short"}, status: 422, field: "password"},
		{name: "self: password", method: "PATCH", path: talentPath, as: "talent@demo.local", body: map[string]string{"password": "a much longer secret"}, status: 200},
		{name: "old password fails", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "talent@demo.local", "password": demo.Password}, status: 401},
		{name: "new password works", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "talent@demo.local", "password": "a much longer secret"}, status: 201},
		{name: "not someone else", method: "PATCH", path: path, as: "talent@demo.local", body: map[string]string{"name": "x"}, status: 404},
		{name: "admin cannot demote self", method: "PATCH", path: adminPath, as: admin, body: map[string]string{"platform_role": "officer"}, status: 422, field: "platform_role"},
		{name: "admin cannot disable self", method: "PATCH", path: adminPath, as: admin, body: map[string]bool{"disabled": true}, status: 422},
		{name: "wrong type", method: "PATCH", path: path, as: admin, body: `{"disabled": "yes"}`, status: 422, field: "disabled"},
	})
	// Disabling an account stops its tokens at once.
	bank := e.Token("bank@demo.local")
	run(t, e, []scenario{
		{name: "bank works", method: "GET", path: "/api/v1/me", as: bank, status: 200},
		{name: "admin disables bank", method: "PATCH", path: fmt.Sprintf("/api/v1/users/%d", userID(t, e, "bank@demo.local")), as: admin, body: map[string]bool{"disabled": true}, status: 200, has: []string{`"disabled":true`}},
		{name: "bank's token is dead", method: "GET", path: "/api/v1/me", as: bank, status: 401},
		{name: "bank cannot sign in", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "bank@demo.local", "password": demo.Password}, status: 401},
	})
	// Users list pages walk every account once.
	seen := map[int64]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		r := call(t, e, "GET", "/api/v1/users?limit=3&cursor="+cursor, e.Token(admin), nil)
		var pg struct {
			Items      []struct{ ID int64 }
			NextCursor *string `json:"next_cursor"`
		}
		r.JSON(&pg)
		for _, u := range pg.Items {
			if seen[u.ID] {
				t.Fatalf("user %d on two pages", u.ID)
			}
			seen[u.ID] = true
		}
		if pg.NextCursor == nil || pages > 10 {
			break
		}
		cursor = *pg.NextCursor
	}
	var total int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM users`).Scan(&total)
	if len(seen) != total {
		t.Errorf("walked %d users of %d", len(seen), total)
	}
}

func bytesContain(b []byte, s string) bool { return strings.Contains(string(b), s) }

func TestMemberships(t *testing.T) {
	e := apptest.New(t)
	ys := orgID(t, e, yunshanName)
	talent := userID(t, e, "talent@demo.local")
	owner := userID(t, e, "enterprise@demo.local")
	m := func(uid int64) string { return fmt.Sprintf("/api/v1/orgs/%d/members/%d", ys, uid) }
	members := fmt.Sprintf("/api/v1/orgs/%d/members", ys)
	run(t, e, []scenario{
		{name: "list", method: "GET", path: members, as: "enterprise@demo.local", status: 200, has: []string{`"role":"owner"`, "enterprise@demo.local"}},
		{name: "talent cannot edit Yunshan yet", method: "PATCH", path: fmt.Sprintf("/api/v1/orgs/%d", ys), as: "talent@demo.local", body: map[string]any{"employees": 49}, status: 403},
		{name: "owner adds talent", method: "PUT", path: m(talent), as: "enterprise@demo.local", body: map[string]string{"role": "member"}, status: 200, has: []string{"talent@demo.local", `"role":"member"`}},
		{name: "talent sees the membership", method: "GET", path: "/api/v1/me", as: "talent@demo.local", status: 200, has: []string{fmt.Sprintf(`"org_id":%d`, ys)}},
		{name: "talent now edits Yunshan", method: "PATCH", path: fmt.Sprintf("/api/v1/orgs/%d", ys), as: "talent@demo.local", body: map[string]any{"employees": 49}, status: 200, has: []string{`"employees":49`}},
		{name: "a member does not manage members", method: "PUT", path: m(userID(t, e, "lab@demo.local")), as: "talent@demo.local", body: map[string]string{"role": "member"}, status: 403},
		{name: "bad role", method: "PUT", path: m(talent), as: "enterprise@demo.local", body: map[string]string{"role": "boss"}, status: 422, field: "role"},
		{name: "promote", method: "PUT", path: m(talent), as: "enterprise@demo.local", body: map[string]string{"role": "owner"}, status: 200},
		{name: "owners do not step down themselves", method: "PUT", path: m(owner), as: "enterprise@demo.local", body: map[string]string{"role": "member"}, status: 422, field: "role"},
		{name: "owners do not remove themselves", method: "DELETE", path: m(owner), as: "enterprise@demo.local", status: 422, field: "user_id"},
		{name: "another owner removes", method: "DELETE", path: m(owner), as: "talent@demo.local", status: 204},
		{name: "gone", method: "DELETE", path: m(owner), as: "talent@demo.local", status: 404},
		{name: "the old owner has lost the right", method: "PATCH", path: fmt.Sprintf("/api/v1/orgs/%d", ys), as: "enterprise@demo.local", body: map[string]any{"employees": 50}, status: 403},
		{name: "admin restores", method: "PUT", path: m(owner), as: "admin@demo.local", body: map[string]string{"role": "owner"}, status: 200},
		{name: "no such account", method: "PUT", path: m(999999), as: "admin@demo.local", body: map[string]string{"role": "owner"}, status: 404},
		{name: "bad user id", method: "PUT", path: fmt.Sprintf("/api/v1/orgs/%d/members/abc", ys), as: "admin@demo.local", body: map[string]string{"role": "owner"}, status: 404},
	})
}

// allOrgs reads the whole directory as an administrator, the oracle the
// filters are checked against.
func allOrgs(t *testing.T, e *apptest.Env) []registry.Org {
	t.Helper()
	var out []registry.Org
	cursor := ""
	for {
		r := call(t, e, "GET", "/api/v1/orgs?limit=200&cursor="+cursor, e.Token("admin@demo.local"), nil)
		var pg struct {
			Items      []registry.Org
			NextCursor *string `json:"next_cursor"`
		}
		r.JSON(&pg)
		out = append(out, pg.Items...)
		if pg.NextCursor == nil {
			return out
		}
		cursor = url.QueryEscape(*pg.NextCursor)
	}
}

// walk pages through a query and returns the ids in order, failing on a
// repeated id.
func walk(t *testing.T, e *apptest.Env, query string, limit int, token string) []int64 {
	t.Helper()
	var ids []int64
	seen := map[int64]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		path := fmt.Sprintf("/api/v1/orgs?%s&limit=%d", query, limit)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := call(t, e, "GET", path, token, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		var pg struct {
			Items      []registry.Org
			NextCursor *string `json:"next_cursor"`
		}
		r.JSON(&pg)
		if len(pg.Items) > limit {
			t.Fatalf("%s: %d items", path, len(pg.Items))
		}
		for _, o := range pg.Items {
			if seen[o.ID] {
				t.Fatalf("%s: organization %d repeated", query, o.ID)
			}
			if len(ids) > 0 && o.ID <= ids[len(ids)-1] {
				t.Fatalf("%s: out of order", query)
			}
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
		if pg.NextCursor == nil {
			return ids
		}
		if len(pg.Items) != limit {
			t.Fatalf("%s: a short page (%d) with a next cursor", query, len(pg.Items))
		}
		if pages > 500 {
			t.Fatal("too many pages")
		}
		cursor = *pg.NextCursor
	}
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// TestOrgFilters checks every filter against the whole directory.
func TestOrgFilters(t *testing.T) {
	e := apptest.New(t)
	all := allOrgs(t, e)
	if len(all) < 200 {
		t.Fatalf("only %d organizations", len(all))
	}
	var ys registry.Org
	for _, o := range all {
		if o.NameZh == yunshanName {
			ys = o
		}
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	var park int64
	for _, o := range all {
		if o.ParkID != nil {
			park = *o.ParkID
			break
		}
	}
	tests := []struct {
		query string
		match func(o registry.Org) bool
	}{
		{"kind=university", func(o registry.Org) bool { return o.Kind == "university" }},
		{"kind=enterprise", func(o registry.Org) bool { return o.Kind == "enterprise" }},
		{"district=jingan", func(o registry.Org) bool { return str(o.RegisteredDistrict) == "jingan" }},
		{"tax_district=xuhui", func(o registry.Org) bool { return str(o.TaxDistrict) == "xuhui" }},
		{"industry=I", func(o registry.Org) bool { return strings.HasPrefix(str(o.Industry), "I") }},
		{"industry=i65", func(o registry.Org) bool { return strings.HasPrefix(str(o.Industry), "I65") }},
		{"industry=C3491", func(o registry.Org) bool { return str(o.Industry) == "C3491" }},
		{"tech_field=biomedicine", func(o registry.Org) bool { return str(o.TechField) == "biomedicine" }},
		{"certification=hnte", func(o registry.Org) bool { return o.HasCert("hnte") }},
		{"certification=little_giant", func(o registry.Org) bool { return o.HasCert("little_giant") }},
		{fmt.Sprintf("park_id=%d", park), func(o registry.Org) bool { return o.ParkID != nil && *o.ParkID == park }},
		{"q=" + url.QueryEscape("云杉"), func(o registry.Org) bool { return strings.Contains(o.NameZh, "云杉") }},
		{"q=" + url.QueryEscape("软件"), func(o registry.Org) bool { return strings.Contains(o.NameZh, "软件") }},
		{"q=" + url.QueryEscape("云杉软件"), func(o registry.Org) bool { return strings.Contains(o.NameZh, "云杉软件") }},
		{"q=" + url.QueryEscape("杉"), func(o registry.Org) bool { return strings.Contains(o.NameZh, "杉") }},
		{"q=" + url.QueryEscape("大学"), func(o registry.Org) bool { return strings.Contains(o.NameZh, "大学") }},
		{"q=software", func(o registry.Org) bool { return slices.Contains(words(o.NameEn), "software") }},
		{"q=" + url.QueryEscape("Fudan University"), func(o registry.Org) bool {
			w := words(o.NameEn)
			return slices.Contains(w, "fudan") && slices.Contains(w, "university")
		}},
		{"q=" + url.QueryEscape("ＳＯＦＴＷＡＲＥ"), func(o registry.Org) bool { return slices.Contains(words(o.NameEn), "software") }}, // full-width
		{"q=" + ys.USCC, func(o registry.Org) bool { return o.ID == ys.ID }},
		{"q=" + strings.ToLower(ys.USCC), func(o registry.Org) bool { return o.ID == ys.ID }},
		{"q=" + url.QueryEscape("软件") + "&district=jingan&certification=scitech_sme&kind=enterprise", func(o registry.Org) bool {
			return strings.Contains(o.NameZh, "软件") && str(o.RegisteredDistrict) == "jingan" && o.HasCert("scitech_sme") && o.Kind == "enterprise"
		}},
		{"q=" + url.QueryEscape("no such words anywhere"), func(o registry.Org) bool { return false }},
		{"q=" + url.QueryEscape("   "), func(o registry.Org) bool { return true }},
	}
	for _, tt := range tests {
		var want []int64
		for _, o := range all {
			if tt.match(o) {
				want = append(want, o.ID)
			}
		}
		got := walk(t, e, tt.query, 50, "")
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %d organizations %v, want %d %v", tt.query, len(got), head(got), len(want), head(want))
		}
		if !strings.Contains(tt.query, "words") && len(want) == 0 {
			t.Errorf("%s: the oracle finds nothing; the test proves nothing", tt.query)
		}
	}
}

func head(ids []int64) []int64 {
	if len(ids) > 8 {
		return ids[:8]
	}
	return ids
}

// TestOrgPagination walks the directory with several page sizes: no
// duplicates, no gaps, and limit bounds enforced.
func TestOrgPagination(t *testing.T) {
	e := apptest.New(t)
	all := allOrgs(t, e)
	var ids []int64
	for _, o := range all {
		ids = append(ids, o.ID)
	}
	for _, limit := range []int{1, 7, 50, 200} {
		if got := walk(t, e, "", limit, ""); !slices.Equal(got, ids) {
			t.Errorf("limit %d: walked %d of %d", limit, len(got), len(ids))
		}
	}
	var jingan []int64
	for _, o := range all {
		if o.RegisteredDistrict != nil && *o.RegisteredDistrict == "jingan" {
			jingan = append(jingan, o.ID)
		}
	}
	if got := walk(t, e, "district=jingan", 7, e.Token("officer.jingan@demo.local")); !slices.Equal(got, jingan) {
		t.Errorf("district=jingan: walked %d of %d", len(got), len(jingan))
	}
	run(t, e, []scenario{
		{name: "default page", method: "GET", path: "/api/v1/orgs", status: 200, then: func(t *testing.T, e *apptest.Env, r apptest.Response) {
			var pg struct{ Items []registry.Org }
			r.JSON(&pg)
			if len(pg.Items) != 20 {
				t.Errorf("default page of %d", len(pg.Items))
			}
		}},
		{name: "limit 0", method: "GET", path: "/api/v1/orgs?limit=0", status: 422, field: "limit"},
		{name: "limit 201", method: "GET", path: "/api/v1/orgs?limit=201", status: 422, field: "limit"},
		{name: "limit -1", method: "GET", path: "/api/v1/orgs?limit=-1", status: 422, field: "limit"},
		{name: "limit abc", method: "GET", path: "/api/v1/orgs?limit=abc", status: 422, field: "limit"},
		{name: "limit 1e2", method: "GET", path: "/api/v1/orgs?limit=1e2", status: 422, field: "limit"},
		{name: "forged cursor", method: "GET", path: "/api/v1/orgs?cursor=bzA", status: 422, field: "cursor"},
		{name: "garbage cursor", method: "GET", path: "/api/v1/orgs?cursor=" + url.QueryEscape("'; DROP TABLE orgs; --"), status: 422, field: "cursor"},
		{name: "unknown kind", method: "GET", path: "/api/v1/orgs?kind=spaceship", status: 422, field: "kind"},
		{name: "unknown district", method: "GET", path: "/api/v1/orgs?district=atlantis", status: 422, field: "district"},
		{name: "unknown tax district", method: "GET", path: "/api/v1/orgs?tax_district=atlantis", status: 422, field: "tax_district"},
		{name: "bad industry", method: "GET", path: "/api/v1/orgs?industry=Z99", status: 422, field: "industry"},
		{name: "bad tech field", method: "GET", path: "/api/v1/orgs?tech_field=magic", status: 422, field: "tech_field"},
		{name: "bad certification", method: "GET", path: "/api/v1/orgs?certification=iso9001", status: 422, field: "certification"},
		{name: "bad park", method: "GET", path: "/api/v1/orgs?park_id=abc", status: 422, field: "park_id"},
	})
}

func TestOrgCreateAndPatch(t *testing.T) {
	e := apptest.New(t)
	code := registry.SynthUSCC("91", "xuhui", 31400027)
	var loc string
	var id int64
	run(t, e, []scenario{
		{name: "talent registers a firm", method: "POST", path: "/api/v1/orgs", as: "talent@demo.local", body: map[string]any{
			"uscc": strings.ToLower(code), "name_zh": " 上海安娜光电科技有限公司 ", "name_en": "Anna Photonics", "kind": "enterprise",
			"registered_district": "Xuhui", "tax_district": "xuhui", "founded_on": "2024-02-29", "employees": 12, "rd_staff": 5,
			"revenue_yuan": 0, "industry": "c3976", "tech_field": "electronic_information", "certifications": []string{"scitech_sme", "hnte", "hnte"},
			"website": "https://anna.example.com", "major_incident_last_year": false,
		}, status: 201, has: []string{`"uscc":"` + code + `"`, `"name_zh":"上海安娜光电科技有限公司"`, `"registered_district":"xuhui"`, `"industry":"C3976"`,
			`"certifications":["hnte","scitech_sme"]`, `"revenue_yuan":0`, `"rd_expense_yuan":null`, `"version":1`},
			then: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				id = idOf(t, r)
				loc = r.Header.Get("Location")
				if loc != fmt.Sprintf("/api/v1/orgs/%d", id) {
					t.Errorf("Location %q", loc)
				}
			}},
	})
	run(t, e, []scenario{
		{name: "talent is its owner", method: "GET", path: "/api/v1/me", as: "talent@demo.local", status: 200, has: []string{fmt.Sprintf(`"org_id":%d,"role":"owner"`, id)}},
		{name: "the owner sees the whole profile", method: "GET", path: loc, as: "talent@demo.local", status: 200, has: []string{`"employees":12`}},
		{name: "the public does not", method: "GET", path: loc, status: 200, has: []string{`"restricted":true`}},
		{name: "an officer registers without becoming owner", method: "POST", path: "/api/v1/orgs", as: "officer.xuhui@demo.local", body: map[string]any{
			"uscc": registry.SynthUSCC("91", "xuhui", 31400041), "name_zh": "上海徐汇登记测试有限公司", "kind": "enterprise"}, status: 201},
		{name: "officer has no new membership", method: "GET", path: "/api/v1/me", as: "officer.xuhui@demo.local", status: 200, then: func(t *testing.T, e *apptest.Env, r apptest.Response) {
			var u struct {
				Memberships []struct {
					OrgKind string `json:"org_kind"`
				}
			}
			r.JSON(&u)
			if len(u.Memberships) != 1 || u.Memberships[0].OrgKind != "agency" {
				t.Errorf("officer memberships: %s", r.Body)
			}
		}},
		// Merge-patch semantics.
		{name: "null makes unknown, absent keeps", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"employees": nil, "rd_staff": nil, "name_en": nil, "tech_field": nil, "certifications": nil},
			status: 200, has: []string{`"employees":null`, `"rd_staff":null`, `"name_en":""`, `"tech_field":null`, `"certifications":[]`, `"revenue_yuan":0`, `"founded_on":"2024-02-29"`, `"version":2`}},
		{name: "zero is not unknown", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"employees": 0, "version": 2}, status: 200, has: []string{`"employees":0`, `"version":3`}},
		{name: "stale version", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"employees": 7, "version": 2}, status: 409, field: "version"},
		{name: "version of the wrong type", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"version": "3"}, status: 422, field: "version"},
		{name: "stale write changed nothing", method: "GET", path: loc, as: "talent@demo.local", status: 200, has: []string{`"employees":0`, `"version":3`}},
		{name: "required cannot be null", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"name_zh": nil}, status: 422, field: "name_zh"},
		{name: "kind is the admin's", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"kind": "bank"}, status: 422, field: "kind"},
		{name: "same kind is fine", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"kind": "enterprise"}, status: 200},
		{name: "admin changes kind", method: "PATCH", path: loc, as: "admin@demo.local", body: map[string]any{"kind": "service"}, status: 200, has: []string{`"kind":"service"`}},
		{name: "read-only id", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"id": 1}, status: 422, field: "id"},
		{name: "read-only restricted", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"restricted": false}, status: 422, field: "restricted"},
		{name: "another firm's credit code", method: "PATCH", path: loc, as: "talent@demo.local", body: map[string]any{"uscc": registry.SynthUSCC("91", "xuhui", 31400041)}, status: 409, field: "uscc"},
		{name: "no such org", method: "PATCH", path: "/api/v1/orgs/999999", as: "admin@demo.local", body: map[string]any{"employees": 1}, status: 404},
		{name: "org id not a number", method: "GET", path: "/api/v1/orgs/abc", status: 404},
	})
}

func TestPeople(t *testing.T) {
	e := apptest.New(t)
	ys := orgID(t, e, yunshanName)
	list := fmt.Sprintf("/api/v1/orgs/%d/people", ys)
	var path string
	run(t, e, []scenario{
		{name: "add", method: "POST", path: list, as: "enterprise@demo.local", body: map[string]string{"name_zh": " 王芳 ", "name_en": "Wang Fang", "title": "首席技术官 CTO", "email": "wang.fang@yunshan.example.cn", "phone": "+86 21 5555-0102"},
			status: 201, has: []string{`"name_zh":"王芳"`, `"email":"wang.fang@yunshan.example.cn"`}, then: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				path = r.Header.Get("Location")
				if path != fmt.Sprintf("/api/v1/people/%d", idOf(t, r)) {
					t.Errorf("Location %q", path)
				}
			}},
		{name: "listed", method: "GET", path: list, as: "enterprise@demo.local", status: 200, has: []string{"Wang Fang", "wang.fang@yunshan.example.cn"}},
		{name: "listed without contacts for the public", method: "GET", path: list, status: 200, has: []string{"Wang Fang"}, then: func(t *testing.T, e *apptest.Env, r apptest.Response) {
			if bytesContain(r.Body, "wang.fang@") || bytesContain(r.Body, "5555") {
				t.Errorf("contacts shown to the public: %s", r.Body)
			}
		}},
		{name: "no name", method: "POST", path: list, as: "enterprise@demo.local", body: map[string]string{"title": "CFO"}, status: 422, field: "name_zh"},
		{name: "bad e-mail", method: "POST", path: list, as: "enterprise@demo.local", body: map[string]string{"name_zh": "李", "email": "li at example"}, status: 422, field: "email"},
		{name: "bad phone", method: "POST", path: list, as: "enterprise@demo.local", body: map[string]string{"name_zh": "李", "phone": "call me"}, status: 422, field: "phone"},
		{name: "long title", method: "POST", path: list, as: "enterprise@demo.local", body: map[string]string{"name_zh": "李", "title": strings.Repeat("长", 101)}, status: 422, field: "title"},
		{name: "unknown member", method: "POST", path: list, as: "enterprise@demo.local", body: map[string]string{"name_zh": "李", "salary": "1"}, status: 422, field: "salary"},
	})
	run(t, e, []scenario{
		{name: "change, absent members keep", method: "PATCH", path: path, as: "enterprise@demo.local", body: map[string]any{"title": "联合创始人 Co-founder", "phone": nil}, status: 200,
			has: []string{`"title":"联合创始人 Co-founder"`, `"phone":"+86 21 5555-0102"`, `"name_en":"Wang Fang"`}},
		{name: "clear with empty", method: "PATCH", path: path, as: "enterprise@demo.local", body: map[string]any{"phone": ""}, status: 200, then: func(t *testing.T, e *apptest.Env, r apptest.Response) {
			if bytesContain(r.Body, "5555") {
				t.Errorf("phone kept: %s", r.Body)
			}
		}},
		{name: "both names cleared", method: "PATCH", path: path, as: "enterprise@demo.local", body: map[string]any{"name_zh": "", "name_en": ""}, status: 422, field: "name_zh"},
		{name: "remove", method: "DELETE", path: path, as: "enterprise@demo.local", status: 204},
		{name: "removed", method: "DELETE", path: path, as: "enterprise@demo.local", status: 404},
		{name: "not listed", method: "GET", path: list, as: "enterprise@demo.local", status: 200, then: func(t *testing.T, e *apptest.Env, r apptest.Response) {
			if bytesContain(r.Body, "Wang Fang") {
				t.Errorf("still listed: %s", r.Body)
			}
		}},
	})
}

// counts is how many rows the tables that requests write hold.
func counts(t *testing.T, e *apptest.Env) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tbl := range []string{"orgs", "people", "users", "memberships", "parks", "api_tokens", "audit_log"} {
		var n int
		if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tbl] = n
	}
	var v int
	e.App.DB.Read.QueryRowContext(context.Background(), `SELECT COALESCE(SUM(version), 0) FROM orgs`).Scan(&v)
	out["org versions"] = v
	return out
}

// TestBadInput: each request is refused with a 4xx problem+json naming the
// field at fault, and nothing is written.
func TestBadInput(t *testing.T) {
	e := apptest.New(t)
	ys := orgID(t, e, yunshanName)
	var ysCode string
	e.App.DB.Read.QueryRow(`SELECT uscc FROM orgs WHERE id = $1`, ys).Scan(&ysCode)
	good := func(extra map[string]any) map[string]any {
		o := map[string]any{"uscc": registry.SynthUSCC("91", "jingan", 42000013), "name_zh": "上海坏输入测试有限公司", "kind": "enterprise"}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	patch := fmt.Sprintf("/api/v1/orgs/%d", ys)
	people := fmt.Sprintf("/api/v1/orgs/%d/people", ys)
	const ent = "enterprise@demo.local"
	big := `{"name_zh": "` + strings.Repeat("大", 400_000) + `"}`
	badCode := []byte(ysCode)
	badCode[17] = "0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", badCode[17])+1)%31]
	fullWidth := strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, ysCode)
	cases := []scenario{
		{name: "malformed JSON", method: "POST", path: "/api/v1/orgs", as: ent, body: `{"uscc": "91`, status: 400},
		{name: "malformed JSON in a patch", method: "PATCH", path: patch, as: ent, body: `{"employees": 5,}`, status: 400},
		{name: "not an object", method: "POST", path: "/api/v1/orgs", as: ent, body: `[1, 2]`, status: 422},
		{name: "null body", method: "PATCH", path: patch, as: ent, body: `null`, status: 400},
		{name: "empty body", method: "PATCH", path: patch, as: ent, body: ``, status: 400},
		{name: "trailing data", method: "PATCH", path: patch, as: ent, body: `{"employees": 5} {"employees": 6}`, status: 400},
		{name: "deep nesting", method: "POST", path: people, as: ent, body: strings.Repeat("[", 20000) + strings.Repeat("]", 20000), status: 400},
		{name: "unknown field", method: "POST", path: "/api/v1/orgs", as: ent, body: good(map[string]any{"colour": "green"}), status: 422, field: "colour"},
		{name: "unknown field in a patch", method: "PATCH", path: patch, as: ent, body: map[string]any{"employes": 5}, status: 422, field: "employes"},
		{name: "count as a string", method: "PATCH", path: patch, as: ent, body: map[string]any{"employees": "48"}, status: 422, field: "employees"},
		{name: "count as a fraction", method: "PATCH", path: patch, as: ent, body: `{"employees": 48.5}`, status: 422, field: "employees"},
		{name: "count beyond int64", method: "PATCH", path: patch, as: ent, body: `{"revenue_yuan": 1e30}`, status: 422, field: "revenue_yuan"},
		{name: "implausible count", method: "PATCH", path: patch, as: ent, body: map[string]any{"employees": 100_000_001, "rd_staff": nil}, status: 422, field: "employees"},
		{name: "name as a number", method: "PATCH", path: patch, as: ent, body: map[string]any{"name_zh": 5}, status: 422, field: "name_zh"},
		{name: "boolean as a string", method: "PATCH", path: patch, as: ent, body: map[string]any{"major_incident_last_year": "no"}, status: 422, field: "major_incident_last_year"},
		{name: "certifications as a string", method: "PATCH", path: patch, as: ent, body: map[string]any{"certifications": "hnte"}, status: 422, field: "certifications"},
		{name: "unknown certification", method: "PATCH", path: patch, as: ent, body: map[string]any{"certifications": []string{"iso9001"}}, status: 422, field: "certifications"},
		{name: "unknown kind", method: "POST", path: "/api/v1/orgs", as: ent, body: good(map[string]any{"kind": "spaceship"}), status: 422, field: "kind"},
		{name: "unknown tech field", method: "PATCH", path: patch, as: ent, body: map[string]any{"tech_field": "alchemy"}, status: 422, field: "tech_field"},
		{name: "bad industry", method: "PATCH", path: patch, as: ent, body: map[string]any{"industry": "6513"}, status: 422, field: "industry"},
		{name: "bad website", method: "PATCH", path: patch, as: ent, body: map[string]any{"website": "javascript:alert(1)"}, status: 422, field: "website"},
		{name: "unknown park", method: "PATCH", path: patch, as: ent, body: map[string]any{"park_id": 9999}, status: 422, field: "park_id"},
		{name: "body over 1 MiB", method: "POST", path: people, as: ent, body: big, status: 413},
		{name: "body over 1 MiB in a patch", method: "PATCH", path: patch, as: ent, body: big, status: 413},
		{name: "wrong check character", method: "POST", path: "/api/v1/orgs", as: ent, body: good(map[string]any{"uscc": string(badCode)}), status: 422, field: "uscc", has: []string{"check character"}},
		{name: "credit code with I", method: "POST", path: "/api/v1/orgs", as: ent, body: good(map[string]any{"uscc": "91310106I00002951W"}), status: 422, field: "uscc"},
		{name: "credit code too short", method: "POST", path: "/api/v1/orgs", as: ent, body: good(map[string]any{"uscc": "9131010610000295"}), status: 422, field: "uscc"},
		{name: "no credit code", method: "POST", path: "/api/v1/orgs", as: ent, body: map[string]any{"name_zh": "无代码", "kind": "enterprise"}, status: 422, field: "uscc"},
		{name: "duplicate credit code", method: "POST", path: "/api/v1/orgs", as: ent, body: good(map[string]any{"uscc": ysCode}), status: 409, field: "uscc"},
		{name: "duplicate credit code, lower case", method: "POST", path: "/api/v1/orgs", as: ent, body: good(map[string]any{"uscc": strings.ToLower(ysCode)}), status: 409, field: "uscc"},
		{name: "duplicate credit code, full width", method: "POST", path: "/api/v1/orgs", as: ent, body: good(map[string]any{"uscc": fullWidth}), status: 409, field: "uscc"},
		{name: "impossible date", method: "PATCH", path: patch, as: ent, body: map[string]any{"founded_on": "2023-02-30"}, status: 422, field: "founded_on"},
		{name: "date in another form", method: "PATCH", path: patch, as: ent, body: map[string]any{"founded_on": "2023/02/03"}, status: 422, field: "founded_on"},
		{name: "date with a time", method: "PATCH", path: patch, as: ent, body: map[string]any{"founded_on": "2023-02-03T00:00:00Z"}, status: 422, field: "founded_on"},
		{name: "future founding date", method: "PATCH", path: patch, as: ent, body: map[string]any{"founded_on": "2999-01-01"}, status: 422, field: "founded_on"},
		{name: "negative count", method: "PATCH", path: patch, as: ent, body: map[string]any{"invention_patents": -1}, status: 422, field: "invention_patents"},
		{name: "negative money", method: "PATCH", path: patch, as: ent, body: map[string]any{"revenue_yuan": -100}, status: 422, field: "revenue_yuan"},
		{name: "R&D staff over employees", method: "PATCH", path: patch, as: ent, body: map[string]any{"rd_staff": 49}, status: 422, field: "rd_staff"},
		{name: "score over 100", method: "PATCH", path: patch, as: ent, body: map[string]any{"innovation_score": 101}, status: 422, field: "innovation_score"},
		{name: "unknown district", method: "PATCH", path: patch, as: ent, body: map[string]any{"registered_district": "atlantis"}, status: 422, field: "registered_district"},
		{name: "unknown tax district", method: "PATCH", path: patch, as: ent, body: map[string]any{"tax_district": "Jing'an"}, status: 422, field: "tax_district"},
		{name: "NUL in a name", method: "PATCH", path: patch, as: ent, body: map[string]any{"name_en": "Yunshan\x00Software"}, status: 422, field: "name_en"},
		{name: "NUL in a person", method: "POST", path: people, as: ent, body: map[string]any{"name_zh": "王\x00芳"}, status: 422, field: "name_zh"},
		{name: "NUL in an account name", method: "PATCH", path: fmt.Sprintf("/api/v1/users/%d", userID(t, e, ent)), as: ent, body: map[string]any{"name": "陈\x00静"}, status: 422, field: "name"},
		{name: "NUL in a new account", method: "POST", path: "/api/v1/users", as: "admin@demo.local", body: map[string]any{"email": "nul@example.cn", "name": "a\x00b", "password": "long enough"}, status: 422, field: "name"},
		{name: "NUL in a token name", method: "POST", path: "/api/v1/tokens", body: map[string]any{"email": ent, "password": demo.Password, "name": "a\x00b"}, status: 422, field: "name"},
		{name: "NUL in a park", method: "POST", path: "/api/v1/parks", as: "admin@demo.local", body: map[string]any{"slug": "nul-park", "name_zh": "园\x00区", "district": "xuhui"}, status: 422, field: "name_zh"},
		{name: "invalid UTF-8 in a name", method: "PATCH", path: patch, as: ent, body: "{\"name_en\": \"Yunshan \xff\xfe Software\"}", status: 400, field: "name_en"},
		{name: "invalid UTF-8 in a person", method: "POST", path: people, as: ent, body: "{\"name_zh\": \"王\xc3芳\"}", status: 400, field: "name_zh"},
		{name: "right-to-left override in a name", method: "PATCH", path: patch, as: ent, body: map[string]any{"name_en": "Yunshan \u202eerawtfoS"}, status: 422, field: "name_en"},
		{name: "zero-width space in a name", method: "PATCH", path: patch, as: ent, body: map[string]any{"name_zh": "上海云\u200b杉软件科技有限公司"}, status: 422, field: "name_zh"},
		{name: "right-to-left mark in a person", method: "POST", path: people, as: ent, body: map[string]any{"name_en": "Wang\u200f Fang"}, status: 422, field: "name_en"},
		{name: "line break in a name", method: "PATCH", path: patch, as: ent, body: map[string]any{"name_zh": "上海云杉\n软件"}, status: 422, field: "name_zh"},
		{name: "NUL in a query", method: "GET", path: "/api/v1/users?q=a%00b", as: "admin@demo.local", status: 400, field: "q"},
		{name: "invalid UTF-8 in a query", method: "GET", path: "/api/v1/audit?entity=%FF", as: "admin@demo.local", status: 400, field: "entity"},
		{name: "invalid UTF-8 in a search", method: "GET", path: "/api/v1/orgs?q=%E4%BA", status: 400, field: "q"},
		{name: "control: a good request", method: "POST", path: people, as: ent, body: `{"name_zh": "对照"}`, status: 201},
	}
	// The last case is a control: a good request does write.
	ctl := cases[len(cases)-1]
	cases = cases[:len(cases)-1]
	e.Token(ent) // tokens are made (and audited) before counting
	e.Token("admin@demo.local")
	for _, c := range cases {
		before := counts(t, e)
		run(t, e, []scenario{c})
		if after := counts(t, e); !mapsEqual(before, after) {
			t.Errorf("%s: something was written: %v -> %v", c.name, before, after)
		}
	}
	before := counts(t, e)
	run(t, e, []scenario{ctl})
	if after := counts(t, e); after["people"] != before["people"]+1 || after["audit_log"] != before["audit_log"]+1 {
		t.Errorf("control: %v -> %v", before, after)
	}

	// A body over the limit without a declared length is cut off too.
	before = counts(t, e)
	req, _ := http.NewRequest("POST", e.Srv.URL+people, io.MultiReader(strings.NewReader(`{"name_zh": "`), strings.NewReader(strings.Repeat("x", 2<<20)), strings.NewReader(`"}`)))
	req.Header.Set("Authorization", "Bearer "+e.Token(ent))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 413 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("chunked body over the limit: %d %s", res.StatusCode, b)
	}
	if after := counts(t, e); !mapsEqual(before, after) {
		t.Errorf("chunked body over the limit: written %v -> %v", before, after)
	}
	// A multipart body is refused naming Content-Type.
	req, _ = http.NewRequest("POST", e.Srv.URL+people, strings.NewReader("--x\r\n"))
	req.Header.Set("Authorization", "Bearer "+e.Token(ent))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(b), `"field":"Content-Type"`) {
		t.Errorf("multipart: %d %s", res.StatusCode, b)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestOddButValidInput: text that looks dangerous but is legitimate is
// stored and searched verbatim, never an error.
func TestOddButValidInput(t *testing.T) {
	e := apptest.New(t)
	ent := "enterprise@demo.local"
	names := []string{
		`'; DROP TABLE orgs; --`,
		`Robert"); DELETE FROM users WHERE ("1"="1`,
		`100% _real_ \ backslash`,
		`云杉 🌲 Software`,
		`Ünïcödé Ñame — “quotes” ‘single’`,
		`👩‍💻 Dev Studio`, // a zero-width joiner inside an emoji sequence
		`عربي English mix`,
	}
	for i, n := range names {
		code := registry.SynthUSCC("91", "yangpu", uint64(88000001+i*11))
		r := call(t, e, "POST", "/api/v1/orgs", e.Token(ent), map[string]any{"uscc": code, "name_zh": "上海奇名测试有限公司" + strconv.Itoa(i), "name_en": n, "kind": "enterprise", "description_en": n})
		if r.Status != 201 {
			t.Errorf("%q: %d %s", n, r.Status, r.Body)
			continue
		}
		var o registry.Org
		r.JSON(&o)
		got := call(t, e, "GET", fmt.Sprintf("/api/v1/orgs/%d", o.ID), "", nil)
		var back registry.Org
		got.JSON(&back)
		if back.NameEn != n || back.DescriptionEn != n {
			t.Errorf("stored %q as %q", n, back.NameEn)
		}
	}
	var orgs int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM orgs`).Scan(&orgs); err != nil || orgs < 200 {
		t.Fatalf("orgs table: %d %v", orgs, err)
	}
	// Searches with metacharacters, FTS syntax and odd Unicode answer 200.
	queries := []string{
		`' OR 1=1 --`, `"`, `*`, `%`, `_`, `\`, `NEAR(a b)`, `a OR b`, `a AND NOT b`, `-software`, `software*`, `^software`,
		`云杉 🌲`, "\u200f云杉", "云\u200b杉", `((((`, `{"$gt": ""}`, `robert`, "\u202e", strings.Repeat("云", 10000), strings.Repeat("a ", 5000),
		strings.Repeat("软件", 5000), strings.Repeat("x", 10000),
	}
	for _, q := range queries {
		r := call(t, e, "GET", "/api/v1/orgs?q="+url.QueryEscape(q), "", nil)
		if r.Status != 200 {
			t.Errorf("q=%.40q: %d %.200s", q, r.Status, r.Body)
		}
	}
	// The search finds the odd names by their words.
	r := call(t, e, "GET", "/api/v1/orgs?q=robert", "", nil)
	if !strings.Contains(string(r.Body), `Robert\"); DELETE`) {
		t.Errorf("q=robert: %s", r.Body)
	}
	// Odd text in people and account names is stored verbatim too.
	ys := orgID(t, e, yunshanName)
	pr := call(t, e, "POST", fmt.Sprintf("/api/v1/orgs/%d/people", ys), e.Token(ent), map[string]string{"name_en": `O'Brien; --`, "title": "🌲 Forester"})
	if pr.Status != 201 || !strings.Contains(string(pr.Body), `O'Brien; --`) {
		t.Errorf("person: %d %s", pr.Status, pr.Body)
	}
}
