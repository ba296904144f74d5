package indicators_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"rainforest/internal/app"
	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/db/dbtest"
)

// On an empty database the dashboards show zeros and say why, the API
// answers zeros, and nothing fails.
func TestEmptyDatabase(t *testing.T) {
	d := dbtest.Open(t)
	a, err := app.New(d, app.Config{Quiet: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// Before the first pass, and after it.
	for pass := 0; pass < 2; pass++ {
		status, body := get("/indicators")
		if status != http.StatusOK || !strings.Contains(body, "暂无数据") || !strings.Contains(body, `data-v="0"`) {
			t.Fatalf("pass %d: empty dashboard %d:\n%s", pass, status, body)
		}
		status, body = get("/api/v1/indicators/program-money-paid?district=xuhui")
		if status != http.StatusOK || !strings.Contains(body, `"values":[0,0,0,0,0,0,0,0,0,0,0,0]`) {
			t.Fatalf("pass %d: empty series %d: %s", pass, status, body)
		}
		if status, _ := get("/api/v1/indicators/report/" + indicatorsMonth(a) + ".pdf"); status != http.StatusOK {
			t.Fatalf("pass %d: empty report %d", pass, status)
		}
		if _, err := a.Indicators.Refresh(context.Background(), false); err != nil {
			t.Fatal(err)
		}
	}
}

func indicatorsMonth(a *app.App) string { return a.DB.Now().In(cst).Format("2006-01") }

func TestPages(t *testing.T) {
	e := apptest.New(t)
	if _, err := e.App.Indicators.Refresh(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	b := e.Browser()
	r := b.Get("/indicators")
	body := string(r.Body)
	if r.Status != http.StatusOK || !strings.Contains(body, "echarts.min.js") || !strings.Contains(body, `data-chart="bar"`) || !strings.Contains(body, "<caption>") {
		t.Fatalf("dashboard %d:\n%s", r.Status, body)
	}
	if strings.Contains(string(b.Get("/orgs").Body), "echarts.min.js") {
		t.Error("the chart script is loaded on pages without charts")
	}
	if r := b.Get("/static/echarts.min.js"); r.Status != http.StatusOK || len(r.Body) < 500000 {
		t.Errorf("echarts: %d, %d bytes", r.Status, len(r.Body))
	}
	for path, want := range map[string]int{
		"/indicators/officer":              http.StatusSeeOther,
		"/indicators/open-data":            http.StatusOK,
		"/indicators/hnte-enterprises":     http.StatusOK,
		"/indicators/no-such-figure":       http.StatusNotFound,
		"/indicators?month=2026-13":        http.StatusUnprocessableEntity,
		"/indicators/populations":          http.StatusOK,
		"/indicators/loans-granted?from=x": http.StatusUnprocessableEntity,
	} {
		if r := b.Get(path); r.Status != want {
			t.Errorf("GET %s: %d, want %d", path, r.Status, want)
		}
	}

	// The officer's district comes first.
	off := e.Browser()
	off.Login("officer.jingan@demo.local")
	r = off.Get("/indicators/officer")
	body = string(r.Body)
	if r.Status != http.StatusOK || !strings.Contains(body, `<option value="jingan" selected>`) {
		t.Fatalf("officer dashboard %d:\n%s", r.Status, body)
	}
	if i, j := strings.Index(body, "<th scope=\"row\">静安区</th>"), strings.Index(body, "<th scope=\"row\">黄浦区</th>"); i < 0 || j < 0 || i > j {
		t.Errorf("Jing'an is not first on its officer's dashboard (%d, %d)", i, j)
	}
	if r := off.Post("/indicators/refresh", url.Values{"full": {"1"}}); r.Status != http.StatusSeeOther {
		t.Errorf("officer refresh: %d %s", r.Status, r.Body)
	}
	ent := e.Browser()
	ent.Login("enterprise@demo.local")
	if r := ent.Get("/indicators/officer"); r.Status != http.StatusForbidden {
		t.Errorf("enterprise on the officer dashboard: %d", r.Status)
	}
	if r := ent.Post("/indicators/populations", url.Values{"district": {"jingan"}, "year": {"2024"}, "population": {"1"}, "source": {"x"}}); r.Status != http.StatusForbidden {
		t.Errorf("enterprise editing populations: %d", r.Status)
	}

	// Administrators edit the reference data; bad input names the field
	// and changes nothing.
	adm := e.Browser()
	adm.Login("admin@demo.local")
	r = adm.Post("/indicators/populations", url.Values{"district": {"jingan"}, "year": {"2024"}, "population": {"-5"}, "source": {""}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "population") || !strings.Contains(string(r.Body), "has-error") {
		t.Fatalf("bad population: %d\n%s", r.Status, r.Body)
	}
	if r := adm.Post("/indicators/populations", url.Values{"district": {"jingan"}, "year": {"2024"}, "population": {"970000"}, "source": {"上海统计年鉴2025"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("population: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(string(e.Do("GET", "/api/v1/indicator-populations", "", nil).Body), `"district":"jingan","year":2024,"population":970000`) {
		t.Error("the saved figure is not listed")
	}
	if body := string(adm.Get("/indicators/populations").Body); !strings.Contains(body, "<th scope=\"row\">静安区</th><td class=\"num\">2024</td>") {
		t.Errorf("the populations page does not name the district:\n%s", body)
	}
	if r := adm.Post("/indicators/populations", url.Values{"action": {"delete"}, "district": {"jingan"}, "year": {"2024"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete population: %d %s", r.Status, r.Body)
	}

	// English.
	en := e.Browser()
	en.Get("/lang?to=en&back=/indicators")
	if body := string(en.Get("/indicators").Body); !strings.Contains(body, "High and new technology enterprises") {
		t.Error("no English on the English dashboard")
	}
}

// The API refuses bad input naming the field.
func TestAPIBadInput(t *testing.T) {
	e := apptest.New(t)
	for path, field := range map[string]string{
		"/api/v1/indicators/loans-granted?from=2026-05&to=2026-01": "from",
		"/api/v1/indicators/loans-granted?to=2026-1":               "to",
		"/api/v1/indicators/loans-granted?district=atlantis":       "district",
		"/api/v1/indicators/loans-granted.pdf":                     "format",
		"/api/v1/indicators/nothing-like-it":                       "id",
		"/api/v1/indicators/report/2026-1.pdf":                     "month",
		"/api/v1/indicators/report/2999-01.pdf":                    "month",
	} {
		r := e.Do("GET", path, "", nil)
		if r.Status < 400 || r.Status >= 500 || r.Map()["field"] != field {
			t.Errorf("GET %s: %d %s, want 4xx naming %s", path, r.Status, r.Body, field)
		}
	}
	admin := e.Token("admin@demo.local")
	for _, c := range []struct {
		path  string
		body  any
		field string
	}{
		{"/api/v1/indicator-populations/atlantis/2024", map[string]any{"population": 10, "source": "x"}, "district"},
		{"/api/v1/indicator-populations/jingan/1800", map[string]any{"population": 10, "source": "x"}, "year"},
		{"/api/v1/indicator-populations/jingan/2024", map[string]any{"population": 0, "source": "x"}, "population"},
		{"/api/v1/indicator-populations/jingan/2024", map[string]any{"population": 10, "source": " "}, "source"},
	} {
		r := e.Do("PUT", c.path, admin, c.body)
		if r.Status != http.StatusUnprocessableEntity || r.Map()["field"] != c.field {
			t.Errorf("PUT %s %v: %d %s, want 422 naming %s", c.path, c.body, r.Status, r.Body, c.field)
		}
	}
	var n int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM indicator_populations WHERE year <> 2020`).Scan(&n); err != nil || n != 0 {
		t.Errorf("refused figures were stored: %d %v", n, err)
	}
}
