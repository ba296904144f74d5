package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/registry"
)

// The permission matrix: every role of the demo city against every API
// route of the table, with concrete paths (its own organization, another
// one, one in Jing'an, one in Xuhui, its own account, another account, ids
// that do not exist). Each cell states the exact status; reads of
// organizations and their people also state who sees the private part.

type role struct{ name, email string }

var roles = []role{
	{"anonymous", ""},
	{"admin", "admin@demo.local"},
	{"officer.jingan", "officer.jingan@demo.local"},
	{"officer.xuhui", "officer.xuhui@demo.local"},
	{"enterprise", "enterprise@demo.local"}, // owner of Yunshan (Jing'an)
	{"university", "university@demo.local"}, // member of Fudan (Yangpu)
	{"bank", "bank@demo.local"},             // member of a Jing'an bank branch
	{"talent", "talent@demo.local"},         // no organization
}

// world is the demo city's ids that the matrix names.
type world struct {
	e        *apptest.Env
	t        *testing.T
	admin    string // an administrator's token, for setting up
	self     int64  // the acting role's account (the enterprise's for the public)
	users    map[string]int64
	yunshan  int64 // Jing'an enterprise owned by enterprise@
	fudan    int64 // Yangpu university, university@ is a member
	jinganIP int64 // Jing'an service firm nobody of the matrix belongs to
	xuhuiIP  int64 // Xuhui service firm nobody of the matrix belongs to
	chenJing int64 // a person of Yunshan
	seq      int
}

func newWorld(t *testing.T, e *apptest.Env, r role) *world {
	t.Helper()
	w := &world{e: e, t: t, users: map[string]int64{}}
	ctx := context.Background()
	rd := e.App.DB.Read
	for _, a := range demo.Accounts {
		var id int64
		if err := rd.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, a.Email).Scan(&id); err != nil {
			t.Fatalf("user %s: %v", a.Email, err)
		}
		w.users[a.Email] = id
	}
	org := func(name string) int64 {
		var id int64
		if err := rd.QueryRowContext(ctx, `SELECT id FROM orgs WHERE name_zh = $1`, name).Scan(&id); err != nil {
			t.Fatalf("org %s: %v", name, err)
		}
		return id
	}
	w.yunshan = org("上海云杉软件科技有限公司")
	w.fudan = org("复旦大学")
	w.jinganIP = org("上海静安知识产权运营有限公司")
	w.xuhuiIP = org("上海徐汇知识产权服务中心有限公司")
	if err := rd.QueryRowContext(ctx, `SELECT id FROM people WHERE org_id = $1 AND name_en = 'Chen Jing'`, w.yunshan).Scan(&w.chenJing); err != nil {
		t.Fatal(err)
	}
	w.self = w.users["enterprise@demo.local"]
	if r.email != "" {
		w.self = w.users[r.email]
	}
	w.admin = e.Token("admin@demo.local")
	return w
}

// freshUser makes an account nobody of the matrix is, as an administrator.
func (w *world) freshUser() int64 {
	w.t.Helper()
	w.seq++
	r := w.e.Do("POST", "/api/v1/users", w.admin, map[string]any{
		"email": fmt.Sprintf("fresh%d@example.org", w.seq), "name": fmt.Sprintf("Fresh %d", w.seq), "password": "fresh-password"})
	if r.Status != http.StatusCreated {
		w.t.Fatalf("fresh user: %d %s", r.Status, r.Body)
	}
	return int64(r.Map()["id"].(float64))
}

// freshMember makes an account that is a member of org.
func (w *world) freshMember(org int64) int64 {
	w.t.Helper()
	uid := w.freshUser()
	if r := w.e.Do("PUT", fmt.Sprintf("/api/v1/orgs/%d/members/%d", org, uid), w.admin, map[string]string{"role": "member"}); r.Status != http.StatusOK {
		w.t.Fatalf("fresh member: %d %s", r.Status, r.Body)
	}
	return uid
}

// freshPerson adds a person to org.
func (w *world) freshPerson(org int64) int64 {
	w.t.Helper()
	r := w.e.Do("POST", fmt.Sprintf("/api/v1/orgs/%d/people", org), w.admin, map[string]string{"name_zh": "临时联系人"})
	if r.Status != http.StatusCreated {
		w.t.Fatalf("fresh person: %d %s", r.Status, r.Body)
	}
	return int64(r.Map()["id"].(float64))
}

// freshToken issues an API token to the account uid and returns its id.
func (w *world) freshToken(uid int64) int64 {
	w.t.Helper()
	ctx := context.Background()
	if _, err := w.e.App.Auth.NewToken(ctx, uid, "matrix"); err != nil {
		w.t.Fatal(err)
	}
	var id int64
	if err := w.e.App.DB.Read.QueryRowContext(ctx, `SELECT id FROM api_tokens WHERE user_id = $1 ORDER BY id DESC LIMIT 1`, uid).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) newUSCC() string {
	w.seq++
	return registry.SynthUSCC("91", "jingan", uint64(77000000+w.seq*13))
}

// expect gives the status of each role: anon for the public, allowed for
// the roles named, others for every other signed-in role.
type expect struct {
	anon, others, allowed int
	roles                 []string
	// byRole, when set, gives the status of the roles it names.
	byRole map[string]int
}

func (x expect) status(r string) int {
	if s, ok := x.byRole[r]; ok {
		return s
	}
	switch {
	case r == "anonymous":
		return x.anon
	case slices.Contains(x.roles, r):
		return x.allowed
	}
	return x.others
}

// per: 401 for the public, the statuses named for their roles, others for
// the rest.
func per(others int, byRole map[string]int) expect {
	return expect{anon: 401, others: others, byRole: byRole}
}

// everyone: the same answer for all, the public included.
func everyone(s int) expect { return expect{anon: s, others: s} }

// signedIn: 401 for the public, s for everyone else.
func signedIn(s int) expect { return expect{anon: 401, others: s} }

// only: 401 for the public, allowed for the roles named, others for the rest.
func only(allowed, others int, roles ...string) expect {
	return expect{anon: 401, others: others, allowed: allowed, roles: roles}
}

type cell struct {
	route string // the route pattern of the table
	name  string
	// req returns the path and body; it may set fixtures up as an
	// administrator.
	req  func(w *world) (string, any)
	want expect
	// private, when set, lists the roles that see the private part of
	// the organization (or people) in the answer; everyone else must get
	// the public part only.
	private []string
	check   func(t *testing.T, w *world, roleName string, r apptest.Response, private bool)
}

func p(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// moreCells are the cells of the modules' own matrix files, each adding
// its function from init.
var moreCells []func() []cell

func matrix() []cell {
	cs := baseCells()
	for _, f := range moreCells {
		cs = append(cs, f()...)
	}
	return cs
}

func baseCells() []cell {
	const none = 999999
	name := map[string]string{"name": "新名字 New Name"}
	return []cell{
		{route: "GET /healthz", name: "health", req: func(w *world) (string, any) { return "/healthz", nil }, want: everyone(200)},
		{route: "GET /api/v1/openapi.json", name: "document", req: func(w *world) (string, any) { return "/api/v1/openapi.json", nil }, want: everyone(200)},

		{route: "POST /api/v1/tokens", name: "token", req: func(w *world) (string, any) {
			return "/api/v1/tokens", map[string]string{"email": "lab@demo.local", "password": demo.Password}
		}, want: everyone(201)},
		{route: "GET /api/v1/tokens", name: "my tokens", req: func(w *world) (string, any) { w.freshToken(w.self); return "/api/v1/tokens", nil }, want: signedIn(200)},
		{route: "DELETE /api/v1/tokens/{id}", name: "revoke my token", req: func(w *world) (string, any) { return p("/api/v1/tokens/%d", w.freshToken(w.self)), nil },
			want: signedIn(204)},
		{route: "DELETE /api/v1/tokens/{id}", name: "revoke another account's token", req: func(w *world) (string, any) {
			return p("/api/v1/tokens/%d", w.freshToken(w.users["lab@demo.local"])), nil
		}, want: signedIn(404)},
		{route: "DELETE /api/v1/tokens/{id}", name: "revoke no token", req: func(w *world) (string, any) { return p("/api/v1/tokens/%d", none), nil }, want: signedIn(404)},
		{route: "GET /api/v1/me", name: "me", req: func(w *world) (string, any) { return "/api/v1/me", nil }, want: signedIn(200)},

		{route: "GET /api/v1/users", name: "list users", req: func(w *world) (string, any) { return "/api/v1/users", nil }, want: only(200, 403, "admin")},
		{route: "POST /api/v1/users", name: "create user", req: func(w *world) (string, any) {
			return "/api/v1/users", map[string]string{"email": "matrix@example.org", "name": "Matrix", "password": "long enough"}
		}, want: only(201, 403, "admin")},
		{route: "GET /api/v1/users/{id}", name: "own account", req: func(w *world) (string, any) { return p("/api/v1/users/%d", w.self), nil }, want: signedIn(200)},
		{route: "GET /api/v1/users/{id}", name: "another account", req: func(w *world) (string, any) {
			return p("/api/v1/users/%d", w.users["lab@demo.local"]), nil
		}, want: only(200, 404, "admin")},
		{route: "GET /api/v1/users/{id}", name: "no account", req: func(w *world) (string, any) { return p("/api/v1/users/%d", none), nil }, want: signedIn(404)},
		{route: "PATCH /api/v1/users/{id}", name: "rename own account", req: func(w *world) (string, any) { return p("/api/v1/users/%d", w.self), name }, want: signedIn(200)},
		{route: "PATCH /api/v1/users/{id}", name: "rename another account", req: func(w *world) (string, any) {
			return p("/api/v1/users/%d", w.users["lab@demo.local"]), name
		}, want: only(200, 404, "admin")},
		{route: "PATCH /api/v1/users/{id}", name: "own platform role", req: func(w *world) (string, any) {
			return p("/api/v1/users/%d", w.self), map[string]string{"platform_role": "admin"}
		}, want: only(200, 403, "admin")},
		{route: "PATCH /api/v1/users/{id}", name: "disable own account", req: func(w *world) (string, any) {
			return p("/api/v1/users/%d", w.self), map[string]bool{"disabled": true}
		}, want: only(422, 403, "admin")},
		{route: "PATCH /api/v1/users/{id}", name: "no account", req: func(w *world) (string, any) { return p("/api/v1/users/%d", none), name }, want: signedIn(404)},

		{route: "GET /api/v1/orgs/{id}/members", name: "members of Yunshan", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/members", w.yunshan), nil },
			want: only(200, 403, "admin", "officer.jingan", "enterprise")},
		{route: "GET /api/v1/orgs/{id}/members", name: "members of Fudan", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/members", w.fudan), nil },
			want: only(200, 403, "admin", "university")},
		{route: "GET /api/v1/orgs/{id}/members", name: "members of a Xuhui firm", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/members", w.xuhuiIP), nil },
			want: only(200, 403, "admin", "officer.xuhui")},
		{route: "GET /api/v1/orgs/{id}/members", name: "members of no org", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/members", none), nil }, want: signedIn(404)},
		{route: "PUT /api/v1/orgs/{id}/members/{user_id}", name: "add to Yunshan", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/members/%d", w.yunshan, w.freshUser()), map[string]string{"role": "member"}
		}, want: only(200, 403, "admin", "enterprise")},
		{route: "PUT /api/v1/orgs/{id}/members/{user_id}", name: "add to Fudan (a member is not an owner)", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/members/%d", w.fudan, w.freshUser()), map[string]string{"role": "member"}
		}, want: only(200, 403, "admin")},
		{route: "PUT /api/v1/orgs/{id}/members/{user_id}", name: "add to a Jing'an firm", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/members/%d", w.jinganIP, w.freshUser()), map[string]string{"role": "owner"}
		}, want: only(200, 403, "admin")},
		{route: "PUT /api/v1/orgs/{id}/members/{user_id}", name: "add no account", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/members/%d", w.yunshan, none), map[string]string{"role": "member"}
		}, want: only(404, 403, "admin", "enterprise")},
		{route: "PUT /api/v1/orgs/{id}/members/{user_id}", name: "add to no org", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/members/%d", none, w.freshUser()), map[string]string{"role": "member"}
		}, want: signedIn(404)},
		{route: "DELETE /api/v1/orgs/{id}/members/{user_id}", name: "remove from Yunshan", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/members/%d", w.yunshan, w.freshMember(w.yunshan)), nil
		}, want: only(204, 403, "admin", "enterprise")},
		{route: "DELETE /api/v1/orgs/{id}/members/{user_id}", name: "remove from Fudan", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/members/%d", w.fudan, w.freshMember(w.fudan)), nil
		}, want: only(204, 403, "admin")},
		{route: "DELETE /api/v1/orgs/{id}/members/{user_id}", name: "remove a non-member", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/members/%d", w.yunshan, w.users["lab@demo.local"]), nil
		}, want: only(404, 403, "admin", "enterprise")},

		{route: "GET /api/v1/audit", name: "audit", req: func(w *world) (string, any) { return "/api/v1/audit", nil }, want: signedIn(200)},
		{route: "GET /api/v1/audit", name: "audit of Yunshan", req: func(w *world) (string, any) { return p("/api/v1/audit?org_id=%d", w.yunshan), nil },
			want: only(200, 403, "admin", "enterprise")},
		{route: "GET /api/v1/audit", name: "audit of Fudan", req: func(w *world) (string, any) { return p("/api/v1/audit?org_id=%d", w.fudan), nil },
			want: only(200, 403, "admin", "university")},

		{route: "GET /api/v1/districts", name: "districts", req: func(w *world) (string, any) { return "/api/v1/districts", nil }, want: everyone(200)},
		{route: "GET /api/v1/parks", name: "parks", req: func(w *world) (string, any) { return "/api/v1/parks", nil }, want: everyone(200)},
		{route: "POST /api/v1/parks", name: "add a park", req: func(w *world) (string, any) {
			return "/api/v1/parks", map[string]string{"slug": "matrix-park", "name_zh": "矩阵园区", "name_en": "Matrix Park", "district": "changning"}
		}, want: only(201, 403, "admin")},

		{route: "GET /api/v1/orgs", name: "search Yunshan", req: func(w *world) (string, any) { return "/api/v1/orgs?q=" + url.QueryEscape("云杉"), nil }, want: everyone(200),
			private: []string{"admin", "officer.jingan", "enterprise"}},
		{route: "GET /api/v1/orgs", name: "Xuhui directory", req: func(w *world) (string, any) { return "/api/v1/orgs?district=xuhui&kind=service&limit=200", nil }, want: everyone(200),
			private: []string{"admin", "officer.xuhui"}},
		{route: "POST /api/v1/orgs", name: "register an enterprise", req: func(w *world) (string, any) {
			return "/api/v1/orgs", map[string]any{"uscc": w.newUSCC(), "name_zh": "上海矩阵测试科技有限公司", "kind": "enterprise", "registered_district": "jingan"}
		}, want: signedIn(201)},
		{route: "POST /api/v1/orgs", name: "register an agency", req: func(w *world) (string, any) {
			return "/api/v1/orgs", map[string]any{"uscc": registry.SynthUSCC("11", "huangpu", 66000001), "name_zh": "上海市黄浦区科学技术委员会", "kind": "agency", "registered_district": "huangpu"}
		}, want: only(201, 403, "admin")},
		{route: "GET /api/v1/orgs/{id}", name: "Yunshan", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d", w.yunshan), nil }, want: everyone(200),
			private: []string{"admin", "officer.jingan", "enterprise"}},
		{route: "GET /api/v1/orgs/{id}", name: "Fudan", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d", w.fudan), nil }, want: everyone(200),
			private: []string{"admin", "university"}},
		{route: "GET /api/v1/orgs/{id}", name: "a Jing'an firm", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d", w.jinganIP), nil }, want: everyone(200),
			private: []string{"admin", "officer.jingan"}},
		{route: "GET /api/v1/orgs/{id}", name: "a Xuhui firm", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d", w.xuhuiIP), nil }, want: everyone(200),
			private: []string{"admin", "officer.xuhui"}},
		{route: "GET /api/v1/orgs/{id}", name: "no org", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d", none), nil }, want: everyone(404)},
		{route: "PATCH /api/v1/orgs/{id}", name: "edit Yunshan", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d", w.yunshan), map[string]any{"description_en": "Edited by the matrix"}
		}, want: only(200, 403, "admin", "enterprise")},
		{route: "PATCH /api/v1/orgs/{id}", name: "edit Fudan", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d", w.fudan), map[string]any{"description_en": "Edited by the matrix"}
		}, want: only(200, 403, "admin", "university")},
		{route: "PATCH /api/v1/orgs/{id}", name: "edit a Jing'an firm (officers read, not write)", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d", w.jinganIP), map[string]any{"website": "https://ip.jingan.example.cn"}
		}, want: only(200, 403, "admin")},
		{route: "PATCH /api/v1/orgs/{id}", name: "edit no org", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d", none), map[string]any{"employees": 1} }, want: signedIn(404)},

		{route: "GET /api/v1/orgs/{id}/people", name: "people of Yunshan", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/people", w.yunshan), nil }, want: everyone(200),
			private: []string{"admin", "officer.jingan", "enterprise"}},
		{route: "GET /api/v1/orgs/{id}/people", name: "people of no org", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/people", none), nil }, want: everyone(404)},
		{route: "POST /api/v1/orgs/{id}/people", name: "add to Yunshan", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/people", w.yunshan), map[string]string{"name_zh": "王芳", "title": "CTO"}
		}, want: only(201, 403, "admin", "enterprise")},
		{route: "POST /api/v1/orgs/{id}/people", name: "add to Fudan", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/people", w.fudan), map[string]string{"name_zh": "王芳", "title": "CTO"}
		}, want: only(201, 403, "admin", "university")},
		{route: "POST /api/v1/orgs/{id}/people", name: "add to a Xuhui firm", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/people", w.xuhuiIP), map[string]string{"name_zh": "王芳"}
		}, want: only(201, 403, "admin")},
		{route: "POST /api/v1/orgs/{id}/people", name: "add to no org", req: func(w *world) (string, any) {
			return p("/api/v1/orgs/%d/people", none), map[string]string{"name_zh": "王芳"}
		}, want: signedIn(404)},
		{route: "PATCH /api/v1/people/{id}", name: "a person of Yunshan", req: func(w *world) (string, any) {
			return p("/api/v1/people/%d", w.chenJing), map[string]string{"title": "CEO"}
		}, want: only(200, 403, "admin", "enterprise")},
		{route: "PATCH /api/v1/people/{id}", name: "a person of Fudan", req: func(w *world) (string, any) {
			return p("/api/v1/people/%d", w.freshPerson(w.fudan)), map[string]string{"title": "Professor"}
		}, want: only(200, 403, "admin", "university")},
		{route: "PATCH /api/v1/people/{id}", name: "no person", req: func(w *world) (string, any) { return p("/api/v1/people/%d", none), map[string]string{"title": "x"} }, want: signedIn(404)},
		{route: "DELETE /api/v1/people/{id}", name: "a person of Yunshan", req: func(w *world) (string, any) { return p("/api/v1/people/%d", w.freshPerson(w.yunshan)), nil },
			want: only(204, 403, "admin", "enterprise")},
		{route: "DELETE /api/v1/people/{id}", name: "a person of a Jing'an firm", req: func(w *world) (string, any) { return p("/api/v1/people/%d", w.freshPerson(w.jinganIP)), nil },
			want: only(204, 403, "admin")},
		{route: "DELETE /api/v1/people/{id}", name: "no person", req: func(w *world) (string, any) { return p("/api/v1/people/%d", none), nil }, want: signedIn(404)},

		// Programs (module M2).
		{route: "GET /api/v1/programs", name: "catalog", req: func(w *world) (string, any) { return "/api/v1/programs", nil }, want: everyone(200)},
		{route: "POST /api/v1/programs", name: "a Jing'an program", req: func(w *world) (string, any) { return "/api/v1/programs", w.programBody() },
			want: only(201, 403, "admin", "officer.jingan")},
		{route: "GET /api/v1/programs/{ref}", name: "a built-in", req: func(w *world) (string, any) { return "/api/v1/programs/hnte-certification", nil }, want: everyone(200)},
		{route: "GET /api/v1/programs/{ref}", name: "a Jing'an draft", req: func(w *world) (string, any) { return "/api/v1/programs/" + w.freshDraft(), nil },
			want: expect{anon: 404, others: 404, allowed: 200, roles: []string{"admin", "officer.jingan"}}},
		{route: "GET /api/v1/programs/{ref}", name: "no program", req: func(w *world) (string, any) { return "/api/v1/programs/no-such-program", nil }, want: everyone(404)},
		{route: "PATCH /api/v1/programs/{ref}", name: "a published Jing'an program", req: func(w *world) (string, any) {
			return "/api/v1/programs/jingan-invention-patent-award", map[string]any{"summary_en": "Edited by the matrix"}
		}, want: only(200, 403, "admin", "officer.jingan")},
		{route: "PATCH /api/v1/programs/{ref}", name: "a Jing'an draft", req: func(w *world) (string, any) {
			return "/api/v1/programs/" + w.freshDraft(), map[string]any{"summary_en": "Edited by the matrix"}
		}, want: expect{anon: 401, others: 404, allowed: 200, roles: []string{"admin", "officer.jingan"}}},
		{route: "PATCH /api/v1/programs/{ref}", name: "a built-in", req: func(w *world) (string, any) {
			return "/api/v1/programs/scitech-sme", map[string]any{"summary_en": "Edited by the matrix"}
		}, want: only(200, 403, "admin")},
		{route: "PATCH /api/v1/programs/{ref}", name: "no program", req: func(w *world) (string, any) {
			return "/api/v1/programs/no-such-program", map[string]any{"fund_code": "X"}
		}, want: signedIn(404)},
		{route: "GET /api/v1/programs/{ref}/preview", name: "a Jing'an program", req: func(w *world) (string, any) { return "/api/v1/programs/jingan-small-micro-scitech/preview", nil },
			want: only(200, 403, "admin", "officer.jingan")},
		{route: "GET /api/v1/programs/{ref}/preview", name: "a Xuhui program", req: func(w *world) (string, any) { return "/api/v1/programs/xuhui-sme-loan-risk/preview", nil },
			want: only(200, 403, "admin", "officer.xuhui")},
		{route: "POST /api/v1/programs/{ref}/publish", name: "a Jing'an draft", req: func(w *world) (string, any) { return "/api/v1/programs/" + w.freshDraft() + "/publish", nil },
			want: expect{anon: 401, others: 404, allowed: 200, roles: []string{"admin", "officer.jingan"}}},
		{route: "POST /api/v1/programs/{ref}/publish", name: "a published program", req: func(w *world) (string, any) { return "/api/v1/programs/jingan-little-giant/publish", nil },
			want: only(409, 403, "admin", "officer.jingan")},
		{route: "POST /api/v1/programs/{ref}/close", name: "a Jing'an program", req: func(w *world) (string, any) { return "/api/v1/programs/jingan-patent-insurance/close", nil },
			want: only(200, 403, "admin", "officer.jingan")},
		{route: "POST /api/v1/programs/{ref}/close", name: "no program", req: func(w *world) (string, any) { return "/api/v1/programs/424242/close", nil }, want: signedIn(404)},
		{route: "POST /api/v1/programs/{ref}/evaluate", name: "self-check", req: func(w *world) (string, any) {
			return "/api/v1/programs/jingan-small-micro-scitech/evaluate", map[string]any{"registered_district": "jingan", "tax_district": "jingan", "employees": 30, "revenue_yuan": 9000000}
		}, want: everyone(200)},
		{route: "POST /api/v1/programs/{ref}/evaluate", name: "impossible profile", req: func(w *world) (string, any) {
			return "/api/v1/programs/jingan-small-micro-scitech/evaluate", map[string]any{"employees": 10, "rd_staff": 20}
		}, want: everyone(422)},
		{route: "POST /api/v1/programs/{ref}/evaluate", name: "a draft", req: func(w *world) (string, any) {
			return "/api/v1/programs/" + w.freshDraft() + "/evaluate", map[string]any{"registered_district": "jingan"}
		}, want: expect{anon: 404, others: 404, allowed: 200, roles: []string{"admin", "officer.jingan"}}},
		{route: "GET /api/v1/orgs/{id}/eligibility", name: "programs for Yunshan", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/eligibility", w.yunshan), nil },
			want: only(200, 403, "admin", "officer.jingan", "enterprise")},
		{route: "GET /api/v1/orgs/{id}/eligibility", name: "programs for Fudan", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/eligibility", w.fudan), nil },
			want: only(200, 403, "admin", "university")},
		{route: "GET /api/v1/orgs/{id}/eligibility", name: "programs for no org", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/eligibility", none), nil }, want: signedIn(404)},
	}
}

// privateFields are the profile fields only some may see.
func privateFields() []string {
	var out []string
	for _, f := range registry.Fields {
		if f.Private {
			out = append(out, f.Name)
		}
	}
	return out
}

// checkOrgView asserts that o carries its private part, or withholds it
// with "restricted": true.
func checkOrgView(t *testing.T, where string, o map[string]any, private bool) {
	t.Helper()
	for _, f := range privateFields() {
		if _, ok := o[f]; ok != private {
			t.Errorf("%s: private field %s present = %v, want %v", where, f, ok, private)
		}
	}
	if r, _ := o["restricted"].(bool); r == private {
		t.Errorf("%s: restricted = %v with private = %v", where, o["restricted"], private)
	}
}

// TestPermissionMatrix walks every role against every API route.
func TestPermissionMatrix(t *testing.T) {
	cells := matrix()
	// Every API route of the table has cells, so that a new route
	// without an entry in the matrix fails here.
	e0 := apptest.New(t)
	covered := map[string]bool{}
	for _, c := range cells {
		covered[c.route] = true
	}
	known := map[string]bool{}
	for _, rt := range e0.App.Routes() {
		if !rt.API() && rt.Path != "/healthz" {
			continue
		}
		known[rt.Pattern()] = true
		if !covered[rt.Pattern()] {
			t.Errorf("route %s has no cell in the permission matrix", rt.Pattern())
		}
	}
	for r := range covered {
		if !known[r] {
			t.Errorf("the matrix names %s, which is not a route", r)
		}
	}

	for _, rl := range roles {
		t.Run(rl.name, func(t *testing.T) {
			t.Parallel()
			// A fresh city per role, so that writes do not leak between rows.
			e := apptest.New(t)
			w := newWorld(t, e, rl)
			tok := e.Token(rl.email)
			for _, c := range cells {
				method, _, _ := strings.Cut(c.route, " ")
				path, body := c.req(w)
				want := c.want.status(rl.name)
				r := call(t, e, method, path, tok, body)
				if r.Status != want {
					t.Errorf("%s %s (%s): %d, want %d: %s", method, path, c.name, r.Status, want, r.Body)
					continue
				}
				if c.private == nil || r.Status != 200 {
					continue
				}
				sees := slices.Contains(c.private, rl.name)
				where := fmt.Sprintf("%s %s (%s)", method, path, c.name)
				switch {
				case strings.HasSuffix(c.route, "/people"):
					var out struct{ Items []map[string]any }
					r.JSON(&out)
					if len(out.Items) == 0 {
						t.Fatalf("%s: no people", where)
					}
					for _, pp := range out.Items {
						if _, ok := pp["email"]; ok != sees {
							t.Errorf("%s: e-mail of %v shown = %v, want %v", where, pp["name_en"], ok, sees)
						}
						if _, ok := pp["phone"]; ok && !sees {
							t.Errorf("%s: phone of %v shown", where, pp["name_en"])
						}
					}
				case c.route == "GET /api/v1/orgs":
					var out struct{ Items []map[string]any }
					r.JSON(&out)
					if len(out.Items) == 0 {
						t.Fatalf("%s: nothing found", where)
					}
					for _, o := range out.Items {
						checkOrgView(t, where+" "+fmt.Sprint(o["name_en"]), o, sees)
					}
				default:
					checkOrgView(t, where, r.Map(), sees)
				}
			}
		})
	}
}

// TestPrivateByTaxDistrict: an officer of the district where an
// organization pays tax sees its private part even when it is registered
// elsewhere; an officer of a third district does not.
func TestPrivateByTaxDistrict(t *testing.T) {
	e := apptest.New(t)
	admin := e.Token("admin@demo.local")
	r := call(t, e, "POST", "/api/v1/orgs", admin, map[string]any{
		"uscc": registry.SynthUSCC("91", "minhang", 55500017), "name_zh": "上海跨区纳税科技有限公司", "kind": "enterprise",
		"registered_district": "minhang", "tax_district": "jingan", "employees": 30,
	})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	path := r.Header.Get("Location")
	for _, c := range []struct {
		who  string
		sees bool
	}{{"officer.jingan@demo.local", true}, {"officer.xuhui@demo.local", false}, {"enterprise@demo.local", false}, {"", false}, {"admin@demo.local", true}} {
		got := call(t, e, "GET", path, e.Token(c.who), nil)
		if got.Status != 200 {
			t.Fatalf("%s: %d", c.who, got.Status)
		}
		checkOrgView(t, "GET "+path+" as "+c.who, got.Map(), c.sees)
	}
	// The officer of the tax district lists the members too.
	if got := call(t, e, "GET", path+"/members", e.Token("officer.jingan@demo.local"), nil); got.Status != 200 {
		t.Errorf("members as the Jing'an officer: %d", got.Status)
	}
}
