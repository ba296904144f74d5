package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/registry"
)

// latestAudit is the newest audit entry, read as an administrator.
func latestAudit(t *testing.T, e *apptest.Env) audit.Entry {
	t.Helper()
	r := call(t, e, "GET", "/api/v1/audit?limit=1", e.Token("admin@demo.local"), nil)
	var pg struct{ Items []audit.Entry }
	r.JSON(&pg)
	if len(pg.Items) != 1 {
		t.Fatalf("audit: %s", r.Body)
	}
	return pg.Items[0]
}

func member(raw json.RawMessage, name string) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m[name]
}

// TestAuditEveryChange: each kind of change records who, when, what,
// before and after, with the request id of the change.
func TestAuditEveryChange(t *testing.T) {
	e := apptest.New(t)
	admin := e.Token("admin@demo.local")
	ent := e.Token("enterprise@demo.local")
	ys := orgID(t, e, yunshanName)
	talent := userID(t, e, "talent@demo.local")
	var newUser, newOrg, person int64

	type step struct {
		name          string
		method, path  string
		token         string
		body          any
		status        int
		actor         string
		action        string
		entity        string
		entityID      func() string
		org           int64 // expected org_id; 0 for none
		before, after map[string]any
		noBefore      bool
		noAfter       bool
		then          func(r apptest.Response)
	}
	id := func(p *int64) func() string { return func() string { return fmt.Sprint(*p) } }
	steps := []step{
		{name: "token", method: "POST", path: "/api/v1/tokens", body: map[string]string{"email": "university@demo.local", "password": demo.Password, "name": "audit test"}, status: 201,
			actor: "university@demo.local", action: "create", entity: "api_token", noBefore: true, after: map[string]any{"name": "audit test"}},
		{name: "create user", method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{"email": "audited@example.cn", "name": "Audited", "password": "long enough"}, status: 201,
			actor: "admin@demo.local", action: "create", entity: "user", entityID: id(&newUser), noBefore: true, after: map[string]any{"email": "audited@example.cn"},
			then: func(r apptest.Response) { newUser = idOf(t, r) }},
		{name: "change user", method: "PATCH", path: "", token: admin, body: map[string]string{"name": "Audited Twice", "password": "another long one"}, status: 200,
			actor: "admin@demo.local", action: "update", entity: "user", entityID: id(&newUser), before: map[string]any{"Name": "Audited", "PasswordChanged": false}, after: map[string]any{"Name": "Audited Twice", "PasswordChanged": true}},
		{name: "add member", method: "PUT", path: fmt.Sprintf("/api/v1/orgs/%d/members/%d", ys, talent), token: ent, body: map[string]string{"role": "member"}, status: 200,
			actor: "enterprise@demo.local", action: "set", entity: "membership", org: ys, noBefore: true, after: map[string]any{"role": "member"}},
		{name: "change role", method: "PUT", path: fmt.Sprintf("/api/v1/orgs/%d/members/%d", ys, talent), token: ent, body: map[string]string{"role": "owner"}, status: 200,
			actor: "enterprise@demo.local", action: "set", entity: "membership", org: ys, before: map[string]any{"role": "member"}, after: map[string]any{"role": "owner"}},
		{name: "remove member", method: "DELETE", path: fmt.Sprintf("/api/v1/orgs/%d/members/%d", ys, talent), token: ent, status: 204,
			actor: "enterprise@demo.local", action: "delete", entity: "membership", org: ys, before: map[string]any{"role": "owner"}, noAfter: true},
		{name: "create org", method: "POST", path: "/api/v1/orgs", token: ent, body: map[string]any{"uscc": registry.SynthUSCC("91", "jingan", 12300007), "name_zh": "上海审计测试有限公司", "kind": "enterprise", "employees": 3}, status: 201,
			actor: "enterprise@demo.local", action: "create", entity: "org", entityID: id(&newOrg), noBefore: true, after: map[string]any{"name_zh": "上海审计测试有限公司", "employees": 3.0},
			then: func(r apptest.Response) { newOrg = idOf(t, r) }},
		{name: "patch org", method: "PATCH", path: fmt.Sprintf("/api/v1/orgs/%d", ys), token: ent, body: map[string]any{"employees": 50, "rd_expense_yuan": nil}, status: 200,
			actor: "enterprise@demo.local", action: "update", entity: "org", entityID: func() string { return fmt.Sprint(ys) }, org: ys,
			before: map[string]any{"employees": 48.0, "rd_expense_yuan": 2750000.0, "version": 1.0}, after: map[string]any{"employees": 50.0, "rd_expense_yuan": nil, "version": 2.0}},
		{name: "add person", method: "POST", path: fmt.Sprintf("/api/v1/orgs/%d/people", ys), token: ent, body: map[string]string{"name_zh": "审计员", "title": "Auditor"}, status: 201,
			actor: "enterprise@demo.local", action: "create", entity: "person", entityID: id(&person), org: ys, noBefore: true, after: map[string]any{"title": "Auditor"},
			then: func(r apptest.Response) { person = idOf(t, r) }},
		{name: "change person", method: "PATCH", path: "", token: ent, body: map[string]string{"title": "Chief Auditor"}, status: 200,
			actor: "enterprise@demo.local", action: "update", entity: "person", entityID: id(&person), org: ys, before: map[string]any{"title": "Auditor"}, after: map[string]any{"title": "Chief Auditor"}},
		{name: "remove person", method: "DELETE", path: "", token: ent, status: 204,
			actor: "enterprise@demo.local", action: "delete", entity: "person", entityID: id(&person), org: ys, before: map[string]any{"title": "Chief Auditor"}, noAfter: true},
		{name: "add park", method: "POST", path: "/api/v1/parks", token: admin, body: map[string]string{"slug": "audit-park", "name_zh": "审计园", "district": "putuo"}, status: 201,
			actor: "admin@demo.local", action: "create", entity: "park", noBefore: true, after: map[string]any{"slug": "audit-park"}},
	}
	for _, s := range steps {
		path := s.path
		if path == "" {
			switch s.entity {
			case "user":
				path = fmt.Sprintf("/api/v1/users/%d", newUser)
			case "person":
				path = fmt.Sprintf("/api/v1/people/%d", person)
			}
		}
		start := time.Now().Add(-time.Second)
		r := call(t, e, s.method, path, s.token, s.body)
		if r.Status != s.status {
			t.Fatalf("%s: %d %s", s.name, r.Status, r.Body)
		}
		if s.then != nil {
			s.then(r)
		}
		a := latestAudit(t, e)
		where := s.name
		if a.Action != s.action || a.Entity != s.entity {
			t.Errorf("%s: entry %s %s, want %s %s", where, a.Action, a.Entity, s.action, s.entity)
			continue
		}
		if s.entityID != nil && a.EntityID != s.entityID() {
			t.Errorf("%s: entity_id %q, want %q", where, a.EntityID, s.entityID())
		}
		if a.ActorEmail != s.actor || a.ActorUserID == nil || *a.ActorUserID != userID(t, e, s.actor) {
			t.Errorf("%s: actor %q %v, want %s", where, a.ActorEmail, a.ActorUserID, s.actor)
		}
		if a.At.Before(start) || a.At.After(time.Now().Add(time.Second)) {
			t.Errorf("%s: at %v, not now", where, a.At)
		}
		wantOrg := s.org
		if s.entity == "org" && s.action == "create" {
			wantOrg = newOrg // an organization's creation is its own
		}
		if (wantOrg == 0) != (a.OrgID == nil) || (a.OrgID != nil && *a.OrgID != wantOrg) {
			t.Errorf("%s: org_id %v, want %d", where, a.OrgID, wantOrg)
		}
		if a.RequestID == "" || a.RequestID != r.Header.Get("X-Request-Id") {
			t.Errorf("%s: request id %q, answer's %q", where, a.RequestID, r.Header.Get("X-Request-Id"))
		}
		if s.noBefore != (string(a.Before) == "" || string(a.Before) == "null") {
			t.Errorf("%s: before = %s", where, a.Before)
		}
		if s.noAfter != (string(a.After) == "" || string(a.After) == "null") {
			t.Errorf("%s: after = %s", where, a.After)
		}
		for k, v := range s.before {
			if got := member(a.Before, k); fmt.Sprint(got) != fmt.Sprint(v) {
				t.Errorf("%s: before.%s = %v, want %v", where, k, got, v)
			}
		}
		for k, v := range s.after {
			if got := member(a.After, k); fmt.Sprint(got) != fmt.Sprint(v) {
				t.Errorf("%s: after.%s = %v, want %v", where, k, got, v)
			}
		}
		for _, secret := range []string{"argon2", "password_hash", "token_hash", "long enough", "another long one", "rf_"} {
			if strings.Contains(string(a.Before)+string(a.After), secret) {
				t.Errorf("%s: the audit log holds a secret (%s): %s %s", where, secret, a.Before, a.After)
			}
		}
	}
}

// TestAuditAppendOnly: the audit log refuses updates and deletes on the
// engine under test, whoever asks.
func TestAuditAppendOnly(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	var n int
	e.App.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n)
	if n == 0 {
		t.Fatal("the demo left no audit entry")
	}
	for _, q := range []string{
		`UPDATE audit_log SET action = 'forged'`,
		`UPDATE audit_log SET before_json = NULL WHERE id = (SELECT MIN(id) FROM audit_log)`,
		`DELETE FROM audit_log`,
		`DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)`,
	} {
		if _, err := e.App.DB.Write.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want an append-only error", q, err)
		}
	}
	var after int
	var forged int
	e.App.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&after)
	e.App.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'forged'`).Scan(&forged)
	if after != n || forged != 0 {
		t.Errorf("audit log changed: %d -> %d rows, %d forged", n, after, forged)
	}
}

// TestAuditVisibility: administrators see everything; everyone else the
// entries of their own organizations, and 403 for another's.
func TestAuditVisibility(t *testing.T) {
	e := apptest.New(t)
	ys := orgID(t, e, yunshanName)
	fudan := orgID(t, e, "复旦大学")
	// Changes in two organizations, and one that concerns none.
	if r := call(t, e, "PATCH", fmt.Sprintf("/api/v1/orgs/%d", ys), e.Token("enterprise@demo.local"), map[string]any{"other_ip": 12}); r.Status != 200 {
		t.Fatal(r.Status)
	}
	if r := call(t, e, "POST", fmt.Sprintf("/api/v1/orgs/%d/people", fudan), e.Token("university@demo.local"), map[string]string{"name_zh": "复旦联系人"}); r.Status != 201 {
		t.Fatal(r.Status)
	}
	if r := call(t, e, "POST", "/api/v1/parks", e.Token("admin@demo.local"), map[string]string{"slug": "vis-park", "name_zh": "可见园", "district": "putuo"}); r.Status != 201 {
		t.Fatal(r.Status)
	}
	list := func(who, query string) []audit.Entry {
		t.Helper()
		var out []audit.Entry
		cursor := ""
		for pages := 0; pages < 100; pages++ {
			path := "/api/v1/audit?limit=5" + query
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			r := call(t, e, "GET", path, e.Token(who), nil)
			if r.Status != 200 {
				t.Fatalf("%s %s: %d %s", who, path, r.Status, r.Body)
			}
			var pg struct {
				Items      []audit.Entry
				NextCursor *string `json:"next_cursor"`
			}
			r.JSON(&pg)
			for _, a := range pg.Items {
				if len(out) > 0 && a.ID >= out[len(out)-1].ID {
					t.Fatalf("%s: entries out of order or repeated", who)
				}
				out = append(out, a)
			}
			if pg.NextCursor == nil {
				return out
			}
			cursor = *pg.NextCursor
		}
		t.Fatal("too many pages")
		return nil
	}
	var total int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&total)
	all := list("admin@demo.local", "")
	if len(all) != total {
		t.Errorf("admin sees %d of %d entries", len(all), total)
	}
	has := func(es []audit.Entry, entity string, org int64) bool {
		for _, a := range es {
			if a.Entity == entity && (org == 0 && a.OrgID == nil || a.OrgID != nil && *a.OrgID == org) {
				return true
			}
		}
		return false
	}
	if !has(all, "park", 0) || !has(all, "org", ys) || !has(all, "person", fudan) {
		t.Errorf("admin misses entries")
	}
	only := func(who string, org int64) []audit.Entry {
		es := list(who, "")
		for _, a := range es {
			if a.OrgID == nil || *a.OrgID != org {
				t.Errorf("%s sees an entry of org %v: %s %s", who, a.OrgID, a.Action, a.Entity)
			}
		}
		return es
	}
	if es := only("enterprise@demo.local", ys); !has(es, "org", ys) {
		t.Errorf("enterprise does not see its own change")
	}
	if es := only("university@demo.local", fudan); !has(es, "person", fudan) {
		t.Errorf("university does not see its own change")
	}
	if es := list("talent@demo.local", ""); len(es) != 0 {
		t.Errorf("talent, of no organization, sees %d entries", len(es))
	}
	if es := list("enterprise@demo.local", fmt.Sprintf("&org_id=%d&entity=org&entity_id=%d", ys, ys)); len(es) != 1 {
		t.Errorf("enterprise, filtered: %d entries", len(es))
	}
	if es := list("admin@demo.local", "&entity=park"); len(es) != 7 {
		t.Errorf("admin, parks: %d entries, want 7", len(es))
	}
	run(t, e, []scenario{
		{name: "another org's log", method: "GET", path: fmt.Sprintf("/api/v1/audit?org_id=%d", fudan), as: "enterprise@demo.local", status: 403},
		{name: "an officer, another org's log", method: "GET", path: fmt.Sprintf("/api/v1/audit?org_id=%d", ys), as: "officer.jingan@demo.local", status: 403},
		{name: "admin, any org's log", method: "GET", path: fmt.Sprintf("/api/v1/audit?org_id=%d", fudan), as: "admin@demo.local", status: 200},
		{name: "public", method: "GET", path: "/api/v1/audit", status: 401},
		{name: "bad org id", method: "GET", path: "/api/v1/audit?org_id=abc", as: "admin@demo.local", status: 422, field: "org_id"},
		{name: "bad limit", method: "GET", path: "/api/v1/audit?limit=500", as: "admin@demo.local", status: 422, field: "limit"},
		{name: "bad cursor", method: "GET", path: "/api/v1/audit?cursor=-4", as: "admin@demo.local", status: 422, field: "cursor"},
	})
}
