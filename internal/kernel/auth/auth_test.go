package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
)

func TestHashAndCheckPassword(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id with the OWASP parameters", h)
	}
	h2, _ := auth.HashPassword("correct horse battery staple")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !auth.CheckPassword(h, "correct horse battery staple") || !auth.CheckPassword(h2, "correct horse battery staple") {
		t.Error("the right password fails")
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", "correct horse battery staple "} {
		if auth.CheckPassword(h, wrong) {
			t.Errorf("%q passes", wrong)
		}
	}
	// Parameters are read from the hash, so that they can be raised later.
	parts := strings.Split(h, "$")
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=18$m=19456,t=2,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=0,t=2,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=2,p=1$" + parts[4] + "$" + parts[5], // too costly to try
		"$argon2id$v=19$m=19456,t=3,p=1$" + parts[4] + "$" + parts[5],    // other parameters, other key
		"$argon2id$v=19$m=19456,t=2,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=19456,t=2,p=1$" + parts[4] + "$",
	} {
		if auth.CheckPassword(bad, "correct horse battery staple") {
			t.Errorf("hash %q passes", bad)
		}
	}
}

type fixture struct {
	d    *db.DB
	s    *auth.Service
	now  time.Time
	user auth.User
}

func setup(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.Open(t)
	f := &fixture{d: d, s: &auth.Service{DB: d}, now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	d.Now = func() time.Time { return f.now }
	u, err := f.s.CreateUser(context.Background(), auth.NewUser{Email: "Chen.Jing@Example.cn", Name: "陈静", Password: "a long password"})
	if err != nil {
		t.Fatal(err)
	}
	f.user = u
	return f
}

func TestCreateUserRules(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if f.user.Email != "chen.jing@example.cn" {
		t.Errorf("e-mail not normalized: %q", f.user.Email)
	}
	tests := []struct {
		in    auth.NewUser
		field string
	}{
		{auth.NewUser{Email: "chen.jing@example.cn", Name: "x", Password: "a long password"}, "email"},
		{auth.NewUser{Email: "CHEN.JING@example.cn", Name: "x", Password: "a long password"}, "email"},
		{auth.NewUser{Email: "not an address", Name: "x", Password: "a long password"}, "email"},
		{auth.NewUser{Email: "a@example.cn", Name: "", Password: "a long password"}, "name"},
		{auth.NewUser{Email: "a@example.cn", Name: "a\u200bb", Password: "a long password"}, "name"},
		{auth.NewUser{Email: "a@example.cn", Name: "x", Password: "short"}, "password"},
		{auth.NewUser{Email: "a@example.cn", Name: "x", Password: strings.Repeat("p", 1025)}, "password"},
		{auth.NewUser{Email: "a@example.cn", Name: "x", Password: "a long password", PlatformRole: "root"}, "platform_role"},
		{auth.NewUser{Email: "a@example.cn", Name: "x", Password: "a long password", Locale: "de"}, "locale"},
	}
	for _, tt := range tests {
		_, err := f.s.CreateUser(ctx, tt.in)
		ae := apperr.As(err)
		if err == nil || ae.Code != apperr.Invalid || len(ae.Fields) == 0 || ae.Fields[0].Field != tt.field {
			t.Errorf("%+v: %v, want an invalid %s", tt.in, err, tt.field)
		}
	}
	if _, err := f.s.CreateUser(ctx, auth.NewUser{Email: "weak@example.cn", Name: "x", Password: "demo", AllowWeakPassword: true}); err != nil {
		t.Errorf("weak password allowed for the demo: %v", err)
	}
}

func TestLoginAndRateLimit(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.s.Login(ctx, " CHEN.JING@example.cn ", "a long password", "10.0.0.1"); err != nil {
		t.Fatalf("login: %v", err)
	}
	for i := range 5 {
		if _, err := f.s.Login(ctx, "chen.jing@example.cn", "wrong", "10.0.0.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	_, err := f.s.Login(ctx, "chen.jing@example.cn", "a long password", "10.0.0.2")
	if ae := apperr.As(err); ae.Code != apperr.TooMany || ae.RetryAfter <= 0 {
		t.Fatalf("after five failures: %v", err)
	}
	// The window passes.
	f.now = f.now.Add(16 * time.Minute)
	if _, err := f.s.Login(ctx, "chen.jing@example.cn", "a long password", "10.0.0.2"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// An unknown address fails the same way as a wrong password.
	_, err = f.s.Login(ctx, "nobody@example.cn", "a long password", "10.0.0.3")
	if apperr.CodeOf(err) != apperr.Unauthorized || !strings.Contains(err.Error(), "wrong e-mail or password") {
		t.Errorf("unknown address: %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	tok, exp, err := f.s.NewSession(ctx, f.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(f.now.Add(auth.SessionTTL)) {
		t.Errorf("expires %v", exp)
	}
	p, err := f.s.SessionPrincipal(ctx, tok)
	if err != nil || p == nil || p.UserID != f.user.ID {
		t.Fatalf("live session: %v %v", p, err)
	}
	if p, _ := f.s.SessionPrincipal(ctx, tok+"x"); p != nil {
		t.Error("a wrong cookie finds a session")
	}
	f.now = f.now.Add(auth.SessionTTL - time.Second)
	if p, _ := f.s.SessionPrincipal(ctx, tok); p == nil {
		t.Error("the session ended early")
	}
	f.now = f.now.Add(2 * time.Second)
	if p, err := f.s.SessionPrincipal(ctx, tok); p != nil || err != nil {
		t.Errorf("expired session: %v %v", p, err)
	}
	// Logging out ends a session.
	tok2, _, _ := f.s.NewSession(ctx, f.user.ID)
	if err := f.s.EndSession(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.s.SessionPrincipal(ctx, tok2); p != nil {
		t.Error("an ended session lives")
	}
	// A new password ends every session.
	tok3, _, _ := f.s.NewSession(ctx, f.user.ID)
	pw := "another long password"
	if _, err := f.s.UpdateUser(ctx, f.user.ID, auth.UserPatch{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.s.SessionPrincipal(ctx, tok3); p != nil {
		t.Error("a session outlives a password change")
	}
}

func TestTokens(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	tok, err := f.s.NewToken(ctx, f.user.ID, "script")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "rf_") || len(tok) < 40 {
		t.Errorf("token %q", tok)
	}
	p, err := f.s.TokenPrincipal(ctx, tok)
	if err != nil || p == nil || p.Email != "chen.jing@example.cn" {
		t.Fatalf("token: %v %v", p, err)
	}
	// Only the hash is stored.
	var stored string
	f.d.Read.QueryRow(`SELECT token_hash FROM api_tokens`).Scan(&stored)
	if stored == tok || strings.Contains(stored, tok[3:]) {
		t.Error("the token is stored in clear")
	}
	// Revoked.
	if _, err := f.d.Write.Exec(`UPDATE api_tokens SET revoked_at = $1`, f.now); err != nil {
		t.Fatal(err)
	}
	if p, err := f.s.TokenPrincipal(ctx, tok); p != nil || err != nil {
		t.Errorf("revoked token: %v %v", p, err)
	}
	// Expired.
	tok2, _ := f.s.NewToken(ctx, f.user.ID, "expiring")
	if _, err := f.d.Write.Exec(`UPDATE api_tokens SET expires_at = $1 WHERE name = 'expiring'`, f.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.s.TokenPrincipal(ctx, tok2); p == nil {
		t.Error("token dead before it expires")
	}
	f.now = f.now.Add(2 * time.Hour)
	if p, _ := f.s.TokenPrincipal(ctx, tok2); p != nil {
		t.Error("expired token lives")
	}
	// A disabled account's tokens stop.
	tok3, _ := f.s.NewToken(ctx, f.user.ID, "third")
	yes := true
	if _, err := f.s.UpdateUser(ctx, f.user.ID, auth.UserPatch{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.s.TokenPrincipal(ctx, tok3); p != nil {
		t.Error("a disabled account's token works")
	}
	if _, err := f.s.Login(ctx, "chen.jing@example.cn", "a long password", "10.0.0.9"); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Errorf("a disabled account signs in: %v", err)
	}
	if _, err := f.s.NewToken(ctx, 999999, "nobody"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("token for no account: %v", err)
	}
}

func TestPrincipalRoles(t *testing.T) {
	var nobody *auth.Principal
	if nobody.IsAdmin() || nobody.IsOfficer() || nobody.RoleIn(1) != "" || len(nobody.OrgIDs()) != 0 || nobody.OfficerFor("jingan") {
		t.Error("the public has a role")
	}
	officer := &auth.Principal{Role: auth.RoleOfficer, Memberships: []auth.Membership{
		{OrgID: 3, Role: auth.OrgMember, OrgKind: "agency", District: "jingan"},
		{OrgID: 9, Role: auth.OrgOwner, OrgKind: "enterprise", District: "xuhui"},
	}}
	if !officer.OfficerFor("jingan") || officer.OfficerFor("xuhui") || officer.OfficerFor("") {
		t.Errorf("officer districts %v", officer.OfficerDistricts())
	}
	if officer.RoleIn(9) != auth.OrgOwner || officer.RoleIn(3) != auth.OrgMember || officer.RoleIn(4) != "" {
		t.Error("RoleIn")
	}
	// Membership of an agency does not make an ordinary account an officer.
	member := &auth.Principal{Memberships: officer.Memberships}
	if member.OfficerFor("jingan") || member.IsOfficer() {
		t.Error("an agency member without the officer role acts for the district")
	}
}

func TestMembershipsAndUpdate(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var org int64
	err := f.d.Write.QueryRow(`INSERT INTO orgs (uscc, name_zh, kind, registered_district, created_at, updated_at) VALUES ('91310106100002951W', '云杉', 'enterprise', 'jingan', $1, $1) RETURNING id`, f.now).Scan(&org)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetMembership(ctx, f.user.ID, org, "boss"); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("bad role: %v", err)
	}
	if err := f.s.SetMembership(ctx, f.user.ID, org, auth.OrgOwner); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetMembership(ctx, 999999, org, auth.OrgOwner); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("no such account: %v", err)
	}
	u, err := f.s.GetUser(ctx, f.user.ID)
	if err != nil || len(u.Memberships) != 1 || u.Memberships[0].District != "jingan" || u.Memberships[0].Role != auth.OrgOwner {
		t.Fatalf("memberships %+v %v", u.Memberships, err)
	}
	if err := f.s.RemoveMembership(ctx, f.user.ID, org); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RemoveMembership(ctx, f.user.ID, org); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("second removal: %v", err)
	}
	name, locale := "  陈静 Chen Jing ", "en"
	u, err = f.s.UpdateUser(ctx, f.user.ID, auth.UserPatch{Name: &name, Locale: &locale})
	if err != nil || u.Name != "陈静 Chen Jing" || u.Locale != "en" {
		t.Errorf("update: %+v %v", u, err)
	}
	if _, err := f.s.UpdateUser(ctx, 999999, auth.UserPatch{Name: &name}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("update of no account: %v", err)
	}
	var entries int
	f.d.Read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity IN ('user', 'membership')`).Scan(&entries)
	if entries != 4 { // create user, set, delete, update
		t.Errorf("%d audit entries, want 4", entries)
	}
}
