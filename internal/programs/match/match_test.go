package match_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/programs"
)

func count(t *testing.T, e *apptest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.App.DB.Read.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func yunshan(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRow(`SELECT org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'enterprise@demo.local'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRunMatchesLiveEvaluation: every stored pair is what evaluating the
// enterprise live gives, every eligible or unknown pair is stored, and a
// second run writes nothing and tells nobody again.
func TestRunMatchesLiveEvaluation(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	m := e.App.Match
	st, err := m.Run(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Programs == 0 || st.Enterprises == 0 || st.Pairs != int64(st.Programs*st.Enterprises) {
		t.Fatalf("run: %+v", st)
	}
	all, err := m.Pairs(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(all); int64(got) != st.Eligible+st.Unknown || int64(got) != st.Inserted || st.Blocks == 0 {
		t.Fatalf("stored %d rows, run says %+v", got, st)
	}
	// Compare with the live evaluation of every enterprise.
	profs, _, err := e.App.Programs.Enterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin := e.Token("admin@demo.local")
	ps, err := e.App.Programs.List(ctx, nil, programs.Filter{Status: programs.Published, OpenOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	usccs := map[int64]string{}
	orgRows, err := e.App.DB.Read.Query(`SELECT id, uscc FROM orgs`)
	if err != nil {
		t.Fatal(err)
	}
	for orgRows.Next() {
		var id int64
		var uscc string
		if err := orgRows.Scan(&id, &uscc); err != nil {
			t.Fatal(err)
		}
		usccs[id] = uscc
	}
	orgRows.Close()
	stored := map[string]string{}
	for _, p := range all {
		stored[fmt.Sprintf("%s/%d", usccs[p.OrgID], p.ProgramID)] = p.Status() + " " + p.Outcomes
	}
	letter := map[rules.Status]string{rules.Met: "m", rules.NotMet: "n", rules.Unknown: "u"}
	checked := 0
	for i := range ps {
		rs, err := e.App.Programs.RuleSet(&ps[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range profs {
			res, err := rs.Evaluate(p, st.AsOf)
			if err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("%s/%d", p.Value("uscc"), ps[i].ID)
			if res.Status == rules.Ineligible {
				if _, ok := stored[key]; ok {
					t.Errorf("%s: ineligible but stored", key)
				}
				continue
			}
			want := string(res.Status) + " "
			for _, c := range res.Criteria {
				want += letter[c.Status]
			}
			if stored[key] != want {
				t.Errorf("%s: stored %q, live %q", key, stored[key], want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no eligible or unknown pair in the demo city")
	}
	owner := e.Token("enterprise@demo.local")
	r := e.Do("GET", "/api/v1/notices", owner, nil)
	told := int(r.Map()["unread"].(float64))
	eligible := 0
	mine, err := m.Pairs(ctx, 0, yunshan(t, e))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mine {
		if p.Eligible {
			eligible++
		}
	}
	if told != eligible || eligible == 0 {
		t.Fatalf("the owner has %d notices for %d eligible programs", told, eligible)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'enterprise@demo.local'`); n != eligible {
		t.Fatalf("%d mails for %d eligible programs", n, eligible)
	}
	again, err := m.Run(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if again.Inserted+again.Updated+again.Deleted != 0 || again.Blocks != 0 || again.Notified != 0 || again.Unchanged != st.Inserted {
		t.Fatalf("second run changed something: %+v", again)
	}
	_ = admin
}

// TestIncrementalAndNoticeOnce: a program published later is matched from
// the queue; a profile change that makes the enterprise eligible tells its
// members once, however often it goes back and forth.
func TestIncrementalAndNoticeOnce(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	m := e.App.Match
	if _, err := m.Run(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	admin := e.Token("admin@demo.local")
	org := yunshan(t, e)
	body := map[string]any{
		"slug": "big-employer-award", "level": "municipal",
		"title_zh": "大型雇主奖励", "title_en": "Big employer award", "legal_reference": "测试依据",
		"rule_set": map[string]any{
			"title": map[string]string{"zh": "大型雇主", "en": "Big employer"}, "reference": "测试依据",
			"criteria": []any{map[string]any{"id": "employees", "label": map[string]string{"zh": "职工不少于1000人", "en": "At least 1,000 employees"},
				"reference": "测试依据", "expr": "employees >= 1000"}},
		},
	}
	if r := e.Do("POST", "/api/v1/programs", admin, body); r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := e.Do("POST", "/api/v1/programs/big-employer-award/publish", admin, nil); r.Status != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	var pid int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM programs WHERE slug = 'big-employer-award'`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM match_queue WHERE kind = 'program' AND ref_id = $1`, pid); n != 1 {
		t.Fatalf("publishing queued %d", n)
	}
	if _, _, err := m.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM match_programs WHERE program_id = $1`, pid); n != 1 {
		t.Fatal("the published program was not matched")
	}
	notices := func() int {
		return count(t, e, `SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.email = 'enterprise@demo.local' AND n.link = '/programs/big-employer-award'`)
	}
	status := func() string {
		ps, err := m.Pairs(ctx, pid, org)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 {
			return "absent"
		}
		return ps[0].Status()
	}
	if status() != "absent" || notices() != 0 {
		t.Fatalf("before: %s, %d notices", status(), notices())
	}
	setEmployees := func(n int) {
		t.Helper()
		if r := e.Do("PATCH", fmt.Sprintf("/api/v1/orgs/%d", org), admin, map[string]any{"employees": n}); r.Status != http.StatusOK {
			t.Fatalf("patch: %d %s", r.Status, r.Body)
		}
		if _, _, err := m.DrainQueue(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, e, `SELECT COUNT(*) FROM match_queue`); n != 0 {
			t.Fatalf("%d left in the queue", n)
		}
	}
	setEmployees(2000)
	if status() != "eligible" || notices() != 1 {
		t.Fatalf("after growing: %s, %d notices", status(), notices())
	}
	var eligible int
	if err := e.App.DB.Read.QueryRow(`SELECT eligible FROM match_programs WHERE program_id = $1`, pid).Scan(&eligible); err != nil || eligible < 1 {
		t.Fatalf("counts: %d %v", eligible, err)
	}
	setEmployees(10)
	if status() != "absent" {
		t.Fatalf("after shrinking: %s", status())
	}
	setEmployees(2000)
	if status() != "eligible" || notices() != 1 {
		t.Fatalf("eligible again: %s, %d notices (want exactly one)", status(), notices())
	}
	// The editors see it; closing the program removes its results.
	r := e.Do("GET", "/api/v1/programs/big-employer-award/matches?status=eligible", admin, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("matches: %d %s", r.Status, r.Body)
	}
	var l struct {
		Counts struct{ Eligible int }
		Items  []struct {
			OrgID    int64 `json:"org_id"`
			Criteria []struct{ ID, Status string }
		}
	}
	r.JSON(&l)
	found := false
	for _, it := range l.Items {
		if it.OrgID == org {
			found = len(it.Criteria) == 1 && it.Criteria[0].ID == "employees" && it.Criteria[0].Status == "met"
		}
	}
	if !found || l.Counts.Eligible < 1 {
		t.Fatalf("matches: %s", r.Body)
	}
	if r := e.Do("GET", "/api/v1/programs/big-employer-award/matches?status=nope", admin, nil); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad status filter: %d", r.Status)
	}
	if r := e.Do("POST", "/api/v1/programs/big-employer-award/close", admin, nil); r.Status != http.StatusOK {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM match_blocks WHERE program_id = $1`, pid); n != 0 {
		t.Fatalf("%d results left for a closed program", n)
	}
}

func TestPages(t *testing.T) {
	e := apptest.New(t)
	if _, err := e.App.Match.Run(context.Background(), 0, 0); err != nil {
		t.Fatal(err)
	}
	b := e.Browser()
	b.Login("enterprise@demo.local")
	r := b.Get("/notices")
	if r.Status != http.StatusOK || !contains(r.Body, "/notices/") || !contains(r.Body, `class="badge"`) {
		t.Fatalf("notices page: %d", r.Status)
	}
	if r := b.Post("/notices/read-all", nil); r.Status != http.StatusOK && r.Status != http.StatusSeeOther {
		t.Fatalf("read all: %d", r.Status)
	}
	if r := b.Get("/notices"); contains(r.Body, `class="badge"`) {
		t.Fatal("unread badge after reading all")
	}
	if r := b.Get("/programs/jingan-small-micro-scitech/matches"); r.Status != http.StatusForbidden {
		t.Fatalf("enterprise on matches page: %d", r.Status)
	}
	o := e.Browser()
	o.Login("officer.jingan@demo.local")
	r = o.Get("/programs/jingan-small-micro-scitech/matches")
	if r.Status != http.StatusOK || !contains(r.Body, "/orgs/") {
		t.Fatalf("officer on matches page: %d %s", r.Status, r.Body)
	}
	o.Post("/lang?lang=en", nil)
	if r := o.Get("/programs/jingan-small-micro-scitech/matches?lang=en"); r.Status != http.StatusOK {
		t.Fatalf("english page: %d", r.Status)
	}
}

func contains(b []byte, sub string) bool { return strings.Contains(string(b), sub) }

// TestMatchesPaging: the matches API read from the blocks pages by cursor
// in organization order without repeating or skipping, and filters by
// district.
func TestMatchesPaging(t *testing.T) {
	e := apptest.New(t)
	if _, err := e.App.Match.Run(context.Background(), 0, 0); err != nil {
		t.Fatal(err)
	}
	admin := e.Token("admin@demo.local")
	type page struct {
		Items []struct {
			OrgID    int64   `json:"org_id"`
			District *string `json:"registered_district"`
		}
		NextCursor *string `json:"next_cursor"`
	}
	get := func(q string) page {
		t.Helper()
		r := e.Do("GET", "/api/v1/programs/hnte-certification/matches?"+q, admin, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
		var p page
		r.JSON(&p)
		return p
	}
	all := get("limit=500")
	if len(all.Items) < 3 {
		t.Fatalf("only %d matches in the demo city", len(all.Items))
	}
	var paged []int64
	q := "limit=2"
	for {
		p := get(q)
		for _, it := range p.Items {
			paged = append(paged, it.OrgID)
		}
		if p.NextCursor == nil {
			break
		}
		q = "limit=2&cursor=" + *p.NextCursor
	}
	if len(paged) != len(all.Items) {
		t.Fatalf("paged %d, all %d", len(paged), len(all.Items))
	}
	for i := range paged {
		if paged[i] != all.Items[i].OrgID || (i > 0 && paged[i] <= paged[i-1]) {
			t.Fatalf("page order differs at %d: %v", i, paged)
		}
	}
	d := all.Items[0].District
	if d == nil {
		t.Skip("first match has no district")
	}
	in := get("limit=500&district=" + *d)
	n := 0
	for _, it := range all.Items {
		if it.District != nil && *it.District == *d {
			n++
		}
	}
	if len(in.Items) != n || n == 0 {
		t.Fatalf("district %s: %d items, want %d", *d, len(in.Items), n)
	}
	for _, it := range in.Items {
		if it.District == nil || *it.District != *d {
			t.Fatalf("district filter let %d through", it.OrgID)
		}
	}
}
