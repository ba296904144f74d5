package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/registry"
)

// peopleOf lists an organization's people as an administrator sees them.
func peopleOf(t *testing.T, e *apptest.Env, orgID int64) []registry.Person {
	t.Helper()
	ps, err := e.App.Registry.People(context.Background(), admin, orgID)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func personNamed(ps []registry.Person, zh string) *registry.Person {
	for i := range ps {
		if ps[i].NameZh == zh {
			return &ps[i]
		}
	}
	return nil
}

func roleOf(t *testing.T, e *apptest.Env, email string, orgID int64) string {
	t.Helper()
	u, err := e.App.Auth.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range u.Memberships {
		if m.OrgID == orgID {
			return m.Role
		}
	}
	return ""
}

// TestPeopleForms: members and administrators add, change and remove the
// people of an organization on its page; contact details only for those
// who may see the private profile; bad input comes back with the reasons.
func TestPeopleForms(t *testing.T) {
	e := apptest.New(t)
	yunshan := orgByName(t, e, "上海云杉软件科技有限公司")
	fudan := orgByName(t, e, "复旦大学")
	y := "/orgs/" + strconv.FormatInt(yunshan.ID, 10)
	f := "/orgs/" + strconv.FormatInt(fudan.ID, 10)
	owner := browserAs(e, "enterprise@demo.local")

	// The owner sees the forms; the public and other firms do not.
	r := owner.Get(y)
	mustContain(t, "owner's page", r.Body, `action="`+y+`/people"`, i18n.T("zh", "person.add"), "021-5555 0101")
	for _, who := range []string{"", "talent@demo.local", "officer.jingan@demo.local"} {
		r := browserAs(e, who).Get(y)
		mustNotContain(t, "page as "+who, r.Body, `action="`+y+`/people"`, i18n.T("zh", "person.remove"))
	}
	r = browserAs(e, "talent@demo.local").Get(y)
	mustContain(t, "a stranger's view", r.Body, "陈静")
	mustNotContain(t, "a stranger's view", r.Body, "021-5555 0101", "enterprise@demo.local</a>")

	// Add: into the database, on the page; the contact only for members.
	add := url.Values{"name_zh": {"王芳"}, "name_en": {"Wang Fang"}, "title": {"CTO"}, "email": {"wang.fang@yunshan.example.cn"}, "phone": {"+86 21 5555-0102"}}
	r = owner.Post(y+"/people", add)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), y+"?flash=flash.person_added") {
		t.Fatalf("add: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	wang := personNamed(peopleOf(t, e, yunshan.ID), "王芳")
	if wang == nil || wang.Title != "CTO" || wang.Email != "wang.fang@yunshan.example.cn" || wang.Phone != "+86 21 5555-0102" {
		t.Fatalf("after add: %+v", wang)
	}
	pid := strconv.FormatInt(wang.ID, 10)
	mustContain(t, "owner after add", owner.Get(y).Body, "王芳", "wang.fang@yunshan.example.cn", `action="`+y+`/people/`+pid+`"`)
	r = browserAs(e, "").Get(y)
	mustContain(t, "public after add", r.Body, "王芳")
	mustNotContain(t, "public after add", r.Body, "wang.fang@yunshan.example.cn", "5555-0102")
	mustContain(t, "Jing'an officer after add", browserAs(e, "officer.jingan@demo.local").Get(y).Body, "wang.fang@yunshan.example.cn")

	// (html/template writes + as &#43;.)
	phoneErr := strings.ReplaceAll(i18n.T("zh", "person.err_phone"), "+", "&#43;")
	// Invalid: 422, the form again with what was typed and the reasons,
	// nothing stored.
	before := len(peopleOf(t, e, yunshan.ID))
	r = owner.Post(y+"/people", url.Values{"name_zh": {""}, "name_en": {""}, "title": {"typed title stays"}, "email": {"not-an-address"}, "phone": {"call me"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid add: %d", r.Status)
	}
	mustContain(t, "invalid add", r.Body, `value="typed title stays"`, `value="not-an-address"`, i18n.T("zh", "person.err_name"),
		i18n.T("zh", "fielderr.email"), phoneErr, `aria-invalid="true"`, `<details class="person-add" open>`)
	if n := len(peopleOf(t, e, yunshan.ID)); n != before {
		t.Errorf("an invalid form added a person: %d → %d", before, n)
	}

	// Change.
	r = owner.Post(y+"/people/"+pid, url.Values{"name_zh": {"王芳"}, "name_en": {"Wang Fang"}, "title": {"首席技术官 CTO"}, "email": {""}, "phone": {"021-5555 0103"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	if got := personNamed(peopleOf(t, e, yunshan.ID), "王芳"); got == nil || got.Title != "首席技术官 CTO" || got.Email != "" || got.Phone != "021-5555 0103" {
		t.Fatalf("after change: %+v", got)
	}
	r = owner.Post(y+"/people/"+pid, url.Values{"name_zh": {"王芳"}, "phone": {"phone: 123"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid change: %d", r.Status)
	}
	mustContain(t, "invalid change", r.Body, `value="phone: 123"`, phoneErr, `id="p`+pid+`-phone-err"`)
	if got := personNamed(peopleOf(t, e, yunshan.ID), "王芳"); got.Phone != "021-5555 0103" {
		t.Errorf("an invalid change stored phone %q", got.Phone)
	}

	// A person of another organization is not found under this one.
	fudanPerson := peopleOf(t, e, fudan.ID)
	if len(fudanPerson) == 0 {
		if _, err := e.App.Registry.CreatePerson(context.Background(), admin, fudan.ID, registry.PersonInput{NameZh: ptr("李老师")}); err != nil {
			t.Fatal(err)
		}
		fudanPerson = peopleOf(t, e, fudan.ID)
	}
	other := strconv.FormatInt(fudanPerson[0].ID, 10)
	if r := owner.Post(y+"/people/"+other, url.Values{"name_zh": {"hijack"}}); r.Status != http.StatusNotFound {
		t.Errorf("a person of Fudan under Yunshan: %d, want 404", r.Status)
	}
	if r := owner.Post(y+"/people/"+other+"/delete", nil); r.Status != http.StatusNotFound {
		t.Errorf("removing a person of Fudan under Yunshan: %d, want 404", r.Status)
	}
	if got := peopleOf(t, e, fudan.ID); len(got) != len(fudanPerson) || got[0].NameZh != fudanPerson[0].NameZh {
		t.Errorf("Fudan's people changed: %+v", got)
	}

	// Who may: a member (university@ of Fudan), an administrator; not
	// officers, other firms or the public.
	for _, c := range []struct {
		who, org string
		want     int
	}{
		{"university@demo.local", f, http.StatusSeeOther},
		{"admin@demo.local", y, http.StatusSeeOther},
		{"university@demo.local", y, http.StatusForbidden},
		{"officer.jingan@demo.local", y, http.StatusForbidden},
		{"talent@demo.local", y, http.StatusForbidden},
		{"", y, http.StatusUnauthorized},
	} {
		b := browserAs(e, c.who)
		n := len(peopleOf(t, e, mustID(t, c.org)))
		if r := b.Post(c.org+"/people", url.Values{"name_zh": {"权限测试"}}); r.Status != c.want {
			t.Errorf("add to %s as %q: %d, want %d", c.org, c.who, r.Status, c.want)
		}
		got := len(peopleOf(t, e, mustID(t, c.org)))
		if (c.want == http.StatusSeeOther) != (got == n+1) {
			t.Errorf("add to %s as %q: people %d → %d", c.org, c.who, n, got)
		}
		if c.want != http.StatusSeeOther {
			if r := b.Post(y+"/people/"+pid, url.Values{"name_zh": {"改名"}}); r.Status != c.want {
				t.Errorf("change as %q: %d, want %d", c.who, r.Status, c.want)
			}
			if r := b.Post(y+"/people/"+pid+"/delete", nil); r.Status != c.want {
				t.Errorf("remove as %q: %d, want %d", c.who, r.Status, c.want)
			}
		}
	}
	if personNamed(peopleOf(t, e, yunshan.ID), "王芳") == nil {
		t.Fatal("a refused form changed or removed the person")
	}

	// Remove: its own form with a labelled button.
	mustContain(t, "remove button", owner.Get(y).Body, `action="`+y+`/people/`+pid+`/delete"`, i18n.T("zh", "person.remove")+`<span class="sr-only">: 王芳</span>`)
	if r := owner.Post(y+"/people/"+pid+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.Status)
	}
	if personNamed(peopleOf(t, e, yunshan.ID), "王芳") != nil {
		t.Fatal("the person is still there")
	}
	mustContain(t, "audit", owner.Get("/audit?org_id="+strconv.FormatInt(yunshan.ID, 10)).Body, i18n.T("zh", "audit.entity.person"), "王芳")
}

func ptr(s string) *string { return &s }

func mustID(t *testing.T, path string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestMembersPage: those who may see the private profile see the members;
// owners and administrators add by e-mail, change roles and remove; an
// owner cannot step down or leave.
func TestMembersPage(t *testing.T) {
	e := apptest.New(t)
	yunshan := orgByName(t, e, "上海云杉软件科技有限公司")
	fudan := orgByName(t, e, "复旦大学")
	y := "/orgs/" + strconv.FormatInt(yunshan.ID, 10)
	f := "/orgs/" + strconv.FormatInt(fudan.ID, 10)

	for _, c := range []struct {
		who    string
		status int
		manage bool
	}{
		{"", http.StatusSeeOther, false},
		{"enterprise@demo.local", 200, true},
		{"admin@demo.local", 200, true},
		{"officer.jingan@demo.local", 200, false},
		{"officer.xuhui@demo.local", 403, false},
		{"talent@demo.local", 403, false},
		{"bank@demo.local", 403, false},
	} {
		r := browserAs(e, c.who).Get(y + "/members")
		if r.Status != c.status {
			t.Errorf("members as %q: %d, want %d", c.who, r.Status, c.status)
			continue
		}
		if r.Status == http.StatusSeeOther {
			if !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
				t.Errorf("anonymous: redirect to %q", r.Header.Get("Location"))
			}
			continue
		}
		if r.Status != 200 {
			continue
		}
		mustContain(t, "members as "+c.who, r.Body, "enterprise@demo.local", i18n.T("zh", "role.owner"))
		if has := strings.Contains(string(r.Body), `action="`+y+`/members"`); has != c.manage {
			t.Errorf("members as %q: add form shown %v, want %v", c.who, has, c.manage)
		}
		// The link from the organization page.
		if has := strings.Contains(string(browserAs(e, c.who).Get(y).Body), `href="`+y+`/members"`); !has {
			t.Errorf("org page as %q: no link to the members", c.who)
		}
	}
	if strings.Contains(string(browserAs(e, "talent@demo.local").Get(y).Body), `href="`+y+`/members"`) {
		t.Error("the members link is shown to a stranger")
	}

	owner := browserAs(e, "enterprise@demo.local")
	// The owner's own row cannot be changed here.
	r := owner.Get(y + "/members")
	mustContain(t, "own row", r.Body, i18n.T("zh", "members.self_note"))

	// Add by e-mail, change the role, remove.
	r = owner.Post(y+"/members", url.Values{"email": {" Talent@Demo.Local "}, "role": {"member"}})
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "flash=flash.member_added") {
		t.Fatalf("add: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if got := roleOf(t, e, "talent@demo.local", yunshan.ID); got != auth.OrgMember {
		t.Fatalf("after add: role %q", got)
	}
	talent, _ := e.App.Auth.UserByEmail(context.Background(), "talent@demo.local")
	tid := strconv.FormatInt(talent.ID, 10)
	mustContain(t, "after add", owner.Get(y+"/members").Body, "talent@demo.local", `action="`+y+`/members/`+tid+`"`)
	// The new member now sees the private profile and the people's forms.
	mustContain(t, "new member's view", browserAs(e, "talent@demo.local").Get(y).Body, "021-5555 0101", `action="`+y+`/people"`)

	if r := owner.Post(y+"/members/"+tid, url.Values{"role": {"owner"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("promote: %d %s", r.Status, r.Body)
	}
	if got := roleOf(t, e, "talent@demo.local", yunshan.ID); got != auth.OrgOwner {
		t.Fatalf("after promotion: role %q", got)
	}
	if r := owner.Post(y+"/members/"+tid, url.Values{"role": {"boss"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown role: %d", r.Status)
	} else {
		mustContain(t, "unknown role", r.Body, i18n.T("zh", "fielderr.choice"), `id="err-`+tid+`"`)
	}
	if r := owner.Post(y+"/members/"+tid, url.Values{"action": {"remove"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.Status)
	}
	if got := roleOf(t, e, "talent@demo.local", yunshan.ID); got != "" {
		t.Fatalf("after removal: role %q", got)
	}
	if r := owner.Post(y+"/members/"+tid, url.Values{"role": {"member"}}); r.Status != http.StatusNotFound {
		t.Errorf("changing a non-member: %d, want 404", r.Status)
	}

	// Bad input: 422 with the reason and what was typed.
	r = owner.Post(y+"/members", url.Values{"email": {"nobody@nowhere.example"}, "role": {"member"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown account: %d", r.Status)
	}
	mustContain(t, "unknown account", r.Body, `value="nobody@nowhere.example"`, i18n.T("zh", "members.no_account"))
	r = owner.Post(y+"/members", url.Values{"email": {"not an address"}, "role": {"member"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad address: %d", r.Status)
	}
	mustContain(t, "bad address", r.Body, i18n.T("zh", "fielderr.email"))

	// The owner cannot step down or leave, by any form.
	ent, _ := e.App.Auth.UserByEmail(context.Background(), "enterprise@demo.local")
	eid := strconv.FormatInt(ent.ID, 10)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{y + "/members/" + eid, url.Values{"role": {"member"}}},
		{y + "/members/" + eid, url.Values{"action": {"remove"}}},
		{y + "/members", url.Values{"email": {"enterprise@demo.local"}, "role": {"member"}}},
	} {
		r := owner.Post(c.path, c.form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("self change %v: %d, want 422", c.form, r.Status)
			continue
		}
		mustContain(t, "self change", r.Body, i18n.T("zh", "members.self"))
	}
	if got := roleOf(t, e, "enterprise@demo.local", yunshan.ID); got != auth.OrgOwner {
		t.Fatalf("the owner stepped down: %q", got)
	}

	// Who may change: owners and administrators; a member of Fudan is not
	// an owner; officers read only.
	for _, c := range []struct {
		who, org string
		want     int
	}{
		{"admin@demo.local", f, http.StatusSeeOther},
		{"university@demo.local", f, http.StatusForbidden},
		{"officer.jingan@demo.local", y, http.StatusForbidden},
		{"bank@demo.local", y, http.StatusForbidden},
		{"", y, http.StatusUnauthorized},
	} {
		b := browserAs(e, c.who)
		if r := b.Post(c.org+"/members", url.Values{"email": {"lab@demo.local"}, "role": {"member"}}); r.Status != c.want {
			t.Errorf("add as %q to %s: %d, want %d", c.who, c.org, r.Status, c.want)
		}
		if c.who == "admin@demo.local" {
			continue
		}
		if r := b.Post(y+"/members/"+eid, url.Values{"action": {"remove"}}); r.Status != c.want {
			t.Errorf("remove the owner as %q: %d, want %d", c.who, r.Status, c.want)
		}
	}
	if got := roleOf(t, e, "lab@demo.local", fudan.ID); got != auth.OrgMember {
		t.Errorf("the administrator's addition to Fudan: role %q", got)
	}
	if got := roleOf(t, e, "lab@demo.local", yunshan.ID); got != "" {
		t.Errorf("a refused addition to Yunshan: role %q", got)
	}
	if got := roleOf(t, e, "enterprise@demo.local", yunshan.ID); got != auth.OrgOwner {
		t.Fatalf("a refused removal removed the owner: %q", got)
	}
}

// TestParkPages: the directory filters by park, the organization page
// names its park, and administrators list and add parks.
func TestParkPages(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	incubator := orgByName(t, e, "复旦科技园创业中心")
	if incubator.ParkID == nil {
		t.Fatal("the demo incubator has no park")
	}
	park := strconv.FormatInt(*incubator.ParkID, 10)
	b := e.Browser()

	r := b.Get("/orgs")
	mustContain(t, "directory", r.Body, `<select id="park_id" name="park_id">`, `<label for="park_id">`, `<optgroup label="杨浦区">`)
	r = b.Get("/orgs?park_id=" + park)
	if r.Status != 200 {
		t.Fatalf("park filter: %d", r.Status)
	}
	mustContain(t, "park filter", r.Body, "复旦科技园创业中心", `<option value="`+park+`" selected>`)
	mustNotContain(t, "park filter", r.Body, "上海云杉软件科技有限公司")
	// The rows are exactly the park's.
	rows := regexp.MustCompile(`<a class="org-name" href="/orgs/(\d+)">`).FindAllSubmatch(r.Body, -1)
	pg, err := e.App.Registry.List(ctx, admin, registry.Filter{ParkID: *incubator.ParkID, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(pg.Items) || len(rows) == 0 {
		t.Errorf("park filter: %d rows, the registry has %d", len(rows), len(pg.Items))
	}
	if r := b.Get("/orgs?park_id=abc"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad park: %d", r.Status)
	} else {
		mustContain(t, "bad park", r.Body, i18n.T("zh", "dir.park_id")+": ")
	}

	// The organization page names the park and links to its directory.
	r = b.Get("/orgs/" + strconv.FormatInt(incubator.ID, 10))
	mustContain(t, "org page", r.Body, `<a href="/orgs?park_id=`+park+`">`, registry.Label("zh", "park_id"))

	// Administrators only.
	for _, c := range []struct {
		who  string
		want int
	}{{"", http.StatusSeeOther}, {"enterprise@demo.local", 403}, {"officer.jingan@demo.local", 403}, {"admin@demo.local", 200}} {
		if r := browserAs(e, c.who).Get("/admin/parks"); r.Status != c.want {
			t.Errorf("/admin/parks as %q: %d, want %d", c.who, r.Status, c.want)
		}
	}
	adm := browserAs(e, "admin@demo.local")
	r = adm.Get("/admin/parks")
	mustContain(t, "parks page", r.Body, "<h3>杨浦区</h3>", `href="/orgs?park_id=`+park+`"`, `name="slug"`, `<label for="park-district">`)

	parks := func() int {
		ps, err := e.App.Registry.Parks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}
	n := parks()
	r = adm.Post("/admin/parks", url.Values{"slug": {"Bad Slug!"}, "name_zh": {"typed name stays"}, "name_en": {""}, "district": {"atlantis"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad park: %d", r.Status)
	}
	mustContain(t, "bad park", r.Body, `value="typed name stays"`, i18n.T("zh", "fielderr.district"), i18n.T("zh", "parks.slug_hint"), `id="park-slug-err"`)
	if parks() != n {
		t.Fatal("an invalid form added a park")
	}
	for _, who := range []string{"enterprise@demo.local", "officer.xuhui@demo.local"} {
		if r := browserAs(e, who).Post("/admin/parks", url.Values{"slug": {"sneaky"}, "name_zh": {"偷偷园"}, "district": {"xuhui"}}); r.Status != http.StatusForbidden {
			t.Errorf("add a park as %s: %d", who, r.Status)
		}
	}
	if r := e.Browser().Post("/admin/parks", url.Values{"slug": {"sneaky"}, "name_zh": {"偷偷园"}, "district": {"xuhui"}}); r.Status != http.StatusUnauthorized {
		t.Errorf("add a park anonymously: %d", r.Status)
	}
	r = adm.Post("/admin/parks", url.Values{"slug": {"xuhui-ai-park"}, "name_zh": {"徐汇人工智能园"}, "name_en": {"Xuhui AI Park"}, "district": {"xuhui"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add a park: %d %s", r.Status, r.Body)
	}
	if parks() != n+1 {
		t.Fatal("the park was not added")
	}
	mustContain(t, "after add", adm.Get("/admin/parks").Body, "徐汇人工智能园", "xuhui-ai-park")
	mustContain(t, "directory after add", b.Get("/orgs").Body, "徐汇人工智能园")
	if r := adm.Post("/admin/parks", url.Values{"slug": {"xuhui-ai-park"}, "name_zh": {"再来一次"}, "district": {"xuhui"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a taken slug: %d", r.Status)
	} else {
		mustContain(t, "taken slug", r.Body, i18n.T("zh", "fielderr.taken"))
	}
}

// TestTokenPages: a named token for myself after the password, shown once;
// my tokens by name and date; revoking ends it.
func TestTokenPages(t *testing.T) {
	e := apptest.New(t)
	b := browserAs(e, "enterprise@demo.local")
	r := b.Get("/me")
	mustContain(t, "me", r.Body, `action="/me/tokens"`, `<label for="tok-name">`, `<label for="tok-password">`, i18n.T("zh", "tokens.none"))

	// Wrong password, no name: 422, no token.
	r = b.Post("/me/tokens", url.Values{"name": {"nightly export"}, "password": {"wrong"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", r.Status)
	}
	mustContain(t, "wrong password", r.Body, i18n.T("zh", "fielderr.wrong"), `value="nightly export"`)
	if r := b.Post("/me/tokens", url.Values{"name": {"  "}, "password": {"demo"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("no name: %d", r.Status)
	}
	if r := b.Post("/me/tokens", url.Values{"name": {"two\nlines"}, "password": {"demo"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a name on two lines: %d", r.Status)
	}
	ent, _ := e.App.Auth.UserByEmail(context.Background(), "enterprise@demo.local")
	if ts, _ := e.App.Auth.Tokens(context.Background(), ent.ID); len(ts) != 0 {
		t.Fatalf("refused forms made tokens: %+v", ts)
	}

	// Made: shown once, with the note, not cached; it works.
	r = b.Post("/me/tokens", url.Values{"name": {"nightly export"}, "password": {"demo"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	m := regexp.MustCompile(`value="(rf_[A-Za-z0-9_-]{43})" readonly`).FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no token on the page: %s", r.Body)
	}
	tok := string(m[1])
	mustContain(t, "created", r.Body, i18n.T("zh", "tokens.copy_now"), i18n.T("zh", "flash.token_created"), "nightly export")
	if r := e.Do("GET", "/api/v1/me", tok, nil); r.Status != 200 {
		t.Fatalf("the new token: %d", r.Status)
	}
	// Shown once: the page does not show it again.
	r = b.Get("/me")
	mustContain(t, "list", r.Body, "nightly export", `action="/me/tokens/`)
	mustNotContain(t, "list", r.Body, tok, tok[len(tok)-4:]+"<")

	// The API lists the same token, by name and dates only.
	lst := call(t, e, "GET", "/api/v1/tokens", tok, nil)
	var out struct {
		Items []map[string]any `json:"items"`
	}
	lst.JSON(&out)
	if lst.Status != 200 || len(out.Items) != 1 || out.Items[0]["name"] != "nightly export" {
		t.Fatalf("API list: %d %s", lst.Status, lst.Body)
	}
	if strings.Contains(string(lst.Body), tok[3:]) {
		t.Fatal("the API list shows the secret")
	}
	id := strconv.FormatInt(int64(out.Items[0]["id"].(float64)), 10)

	// Someone else cannot revoke it, by page or API; I can.
	other := browserAs(e, "admin@demo.local")
	if r := other.Post("/me/tokens/"+id+"/revoke", nil); r.Status != http.StatusNotFound {
		t.Errorf("an administrator revoking my token by page: %d, want 404", r.Status)
	}
	if r := call(t, e, "DELETE", "/api/v1/tokens/"+id, e.Token("admin@demo.local"), nil); r.Status != http.StatusNotFound {
		t.Errorf("an administrator revoking my token by API: %d, want 404", r.Status)
	}
	if r := e.Browser().Post("/me/tokens/"+id+"/revoke", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous revoke: %d", r.Status)
	}
	if r := e.Do("GET", "/api/v1/me", tok, nil); r.Status != 200 {
		t.Fatalf("refused revokes ended the token: %d", r.Status)
	}
	r = b.Post("/me/tokens/"+id+"/revoke", nil)
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "flash=flash.token_revoked") {
		t.Fatalf("revoke: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := e.Do("GET", "/api/v1/me", tok, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d, want 401", r.Status)
	}
	mustContain(t, "after revoke", b.Get("/me").Body, i18n.T("zh", "tokens.none"))
	if r := b.Post("/me/tokens/"+id+"/revoke", nil); r.Status != http.StatusNotFound {
		t.Errorf("revoking twice: %d, want 404", r.Status)
	}
	mustContain(t, "audit", other.Get("/audit?entity=api_token&entity_id="+id).Body, i18n.T("zh", "audit.entity.api_token"), i18n.T("zh", "audit.action.revoke"))

	// The API revokes my own too.
	tok2 := e.Token("enterprise@demo.local")
	lst = call(t, e, "GET", "/api/v1/tokens", tok2, nil)
	lst.JSON(&out)
	if len(out.Items) == 0 {
		t.Fatal("no token listed")
	}
	id2 := strconv.FormatInt(int64(out.Items[0]["id"].(float64)), 10)
	if r := call(t, e, "DELETE", "/api/v1/tokens/"+id2, tok2, nil); r.Status != http.StatusNoContent {
		t.Fatalf("API revoke: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/api/v1/me", tok2, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("a token revoked by API: %d, want 401", r.Status)
	}
}

// TestNewFormsCrossSite: every new form refuses a cross-site post and
// changes nothing.
func TestNewFormsCrossSite(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	yunshan := orgByName(t, e, "上海云杉软件科技有限公司")
	y := "/orgs/" + strconv.FormatInt(yunshan.ID, 10)
	owner := browserAs(e, "enterprise@demo.local")
	adm := browserAs(e, "admin@demo.local")
	chen := personNamed(peopleOf(t, e, yunshan.ID), "陈静")
	if chen == nil {
		t.Fatal("no 陈静 at Yunshan")
	}
	cid := strconv.FormatInt(chen.ID, 10)
	ent, _ := e.App.Auth.UserByEmail(ctx, "enterprise@demo.local")
	e.Token("enterprise@demo.local")
	ts, err := e.App.Auth.Tokens(ctx, ent.ID)
	if err != nil || len(ts) == 0 {
		t.Fatalf("tokens: %v %v", ts, err)
	}
	tid := strconv.FormatInt(ts[0].ID, 10)
	people, parks := len(peopleOf(t, e, yunshan.ID)), 0
	if ps, err := e.App.Registry.Parks(ctx); err == nil {
		parks = len(ps)
	}
	for _, c := range []struct {
		b    *apptest.Browser
		path string
		form url.Values
	}{
		{owner, y + "/people", url.Values{"name_zh": {"跨站"}}},
		{owner, y + "/people/" + cid, url.Values{"name_zh": {"跨站"}}},
		{owner, y + "/people/" + cid + "/delete", url.Values{}},
		{owner, y + "/members", url.Values{"email": {"talent@demo.local"}, "role": {"owner"}}},
		{owner, y + "/members/" + strconv.FormatInt(ent.ID, 10), url.Values{"action": {"remove"}}},
		{owner, "/me/tokens", url.Values{"name": {"x"}, "password": {"demo"}}},
		{owner, "/me/tokens/" + tid + "/revoke", url.Values{}},
		{adm, "/admin/parks", url.Values{"slug": {"evil"}, "name_zh": {"跨站园"}, "district": {"xuhui"}}},
	} {
		for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
			if r := send(t, e, c.b, "POST", c.path, c.form, h); r.Status != http.StatusForbidden {
				t.Errorf("cross-site %s %v: %d, want 403", c.path, h, r.Status)
			}
		}
	}
	if got := peopleOf(t, e, yunshan.ID); len(got) != people || personNamed(got, "陈静") == nil {
		t.Error("a cross-site form changed the people")
	}
	if roleOf(t, e, "talent@demo.local", yunshan.ID) != "" || roleOf(t, e, "enterprise@demo.local", yunshan.ID) != auth.OrgOwner {
		t.Error("a cross-site form changed the members")
	}
	if after, _ := e.App.Auth.Tokens(ctx, ent.ID); len(after) != len(ts) {
		t.Errorf("a cross-site form changed the tokens: %d → %d", len(ts), len(after))
	}
	if ps, _ := e.App.Registry.Parks(ctx); len(ps) != parks {
		t.Error("a cross-site form added a park")
	}
}
