package housing_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
)

func contains(t *testing.T, what string, body []byte, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(string(body), w) {
			t.Errorf("%s: %q not in the page", what, w)
		}
	}
}

func TestPagesOfEveryRole(t *testing.T) {
	e := apptest.New(t)
	var open, tenancy int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM housing_rounds WHERE state = 'open'`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM housing_tenancies WHERE state = 'active'`).Scan(&tenancy); err != nil {
		t.Fatal(err)
	}
	round := "/talent/housing/rounds/" + strconv.FormatInt(open, 10)

	// The public, in both languages.
	pub := e.Browser()
	r := pub.Get("/talent/housing?district=xuhui")
	contains(t, "home", r.Body, "徐汇滨江人才公寓", "漕河泾人才公寓", "2026年第四季度徐汇区人才公寓配租")
	if r := pub.Get("/lang?to=en&back=/talent/housing"); r.Status != http.StatusSeeOther {
		t.Fatalf("lang: %d", r.Status)
	}
	contains(t, "home (en)", pub.Get("/talent/housing").Body, "Talent apartments", "Xuhui Riverside Talent Apartments", "Free flats")
	contains(t, "occupancy (en)", pub.Get("/talent/housing/occupancy").Body, "Occupancy rate", "By building")
	contains(t, "round (en)", pub.Get(round).Body, "to apply.")
	if r := pub.Get("/talent/housing/mine"); r.Status != http.StatusSeeOther {
		t.Fatalf("mine for the public: %d", r.Status)
	}

	// The Xuhui officer sees the scores, runs the round and opens another.
	off := e.Browser()
	off.Login("officer.xuhui@demo.local")
	contains(t, "officer's round", off.Get(round).Body, "李明", "莎拉·约翰逊", "执行配租", "优先分构成")
	if r := off.Post(round+"/allocate", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("allocate: %d %s", r.Status, r.Body)
	}
	contains(t, "allocated round", off.Get(round).Body, "已配租", "已发配租通知")
	var told int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.email LIKE 'talent.%@demo.local' AND n.kind = 'housing.offer'`).Scan(&told); err != nil || told == 0 {
		t.Fatalf("offers told to %d talents (%v)", told, err)
	}
	if r := off.Post(round+"/allocate", nil); r.Status != http.StatusConflict {
		t.Fatalf("allocating twice: %d", r.Status)
	}
	r = off.Post("/talent/housing/rounds", url.Values{"name_zh": {"错误的轮次"}, "district": {"xuhui"}, "opens_on": {"2026-12-10"}, "closes_on": {"2026-12-01"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("closes before it opens: %d", r.Status)
	}
	contains(t, "round error", r.Body, "closes_on")
	contains(t, "officer's occupancy", off.Get("/talent/housing/occupancy").Body, "Anna Müller", "租住中")

	// The talent renews, and cannot move out before the tenancy began.
	tal := e.Browser()
	tal.Login("talent@demo.local")
	contains(t, "mine", tal.Get("/talent/housing/mine").Body, "徐汇滨江人才公寓", "租住中", "优先分")
	ten := "/talent/housing/tenancies/" + strconv.FormatInt(tenancy, 10)
	if r := tal.Post(ten+"/renew", nil); r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "flash.housing_renewed") {
		t.Fatalf("renew: %d %s", r.Status, r.Header.Get("Location"))
	}
	if r := tal.Post(ten+"/move-out", url.Values{"on": {"2000-01-01"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("move out before the start: %d", r.Status)
	}
	contains(t, "renewed", tal.Get("/talent/housing/mine").Body, "已续租")

	// The permanent-residence check explains the gap, anonymously.
	r = pub.Get("/talent/residence?check=1&months_in_zone=21&salary_yuan=650000&income_tax_yuan=130000")
	contains(t, "check (en)", r.Body, "21 months so far: 2 years 3 months more")
	if r := pub.Get("/talent/residence?check=1&months_in_zone=-3"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("negative months: %d", r.Status)
	}
	contains(t, "programs", tal.Get("/talent/programs").Body, "光启人才", "明珠计划")
	contains(t, "Guangqi check", tal.Get("/talent/programs/guangqi?check=1&born_on=1970-05-01&tech_field=biomedicine&registered_district=xuhui").Body, "现年 56 周岁，上限 45 周岁")

	// The officer's queue of talent-program applications.
	contains(t, "queue", off.Get("/talent/program-applications").Body, "李明")
}

func TestSeedHousingIsIdempotent(t *testing.T) {
	e := apptest.New(t)
	count := func() (n int) {
		if err := e.App.DB.Read.QueryRow(`SELECT (SELECT COUNT(*) FROM housing_units) + (SELECT COUNT(*) FROM housing_applications) + (SELECT COUNT(*) FROM talent_program_applications)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	if err := demo.SeedHousing(context.Background(), e.App.DB); err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before || before == 0 {
		t.Fatalf("%d rows before, %d after", before, after)
	}
}

// Bad input through the API: 422 problem+json naming the field, nothing
// written.
func TestAPIRefusesImpossibleInput(t *testing.T) {
	e := apptest.New(t)
	var open, tenancy int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM housing_rounds WHERE state = 'open'`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM housing_tenancies WHERE state = 'active'`).Scan(&tenancy); err != nil {
		t.Fatal(err)
	}
	talent, officer := e.Token("talent@demo.local"), e.Token("officer.xuhui@demo.local")
	apply := "/api/v1/talent/housing/rounds/" + strconv.FormatInt(open, 10) + "/applications"
	for _, c := range []struct {
		token, path string
		body        map[string]any
		field       string
	}{
		{talent, apply, map[string]any{"months_in_district": 3, "household_size": 0, "rooms": 1, "move_in_on": "2099-01-01"}, "household_size"},
		{talent, apply, map[string]any{"months_in_district": -2, "household_size": 1, "rooms": 1, "move_in_on": "2099-01-01"}, "months_in_district"},
		{talent, apply, map[string]any{"months_in_district": 2, "household_size": 1, "rooms": 1, "move_in_on": "2001-01-01"}, "move_in_on"},
		{talent, "/api/v1/talent/housing/tenancies/" + strconv.FormatInt(tenancy, 10) + "/move-out", map[string]any{"on": "2001-01-01"}, "on"},
		{officer, "/api/v1/talent/housing/rounds", map[string]any{"name_zh": "x", "district": "xuhui", "opens_on": "2026-12-31", "closes_on": "2026-12-01"}, "closes_on"},
		{"", "/api/v1/talent/residence/evaluate", map[string]any{"born_on": "2999-01-01"}, "born_on"},
		{"", "/api/v1/talent/programs/guangqi/evaluate", map[string]any{"months_in_zone": -1}, "months_in_zone"},
	} {
		r := e.Do("POST", c.path, c.token, c.body)
		if r.Status != http.StatusUnprocessableEntity || r.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.Body), `"`+c.field+`"`) {
			t.Errorf("%s %v: %d %s, want 422 naming %s", c.path, c.body, r.Status, r.Body, c.field)
		}
	}
	var n int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM housing_applications a JOIN users u ON u.id = a.user_id WHERE u.email = 'talent@demo.local' AND a.round_id = $1`, open).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d applications written (%v)", n, err)
	}
}
