package obligations_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"rainforest/internal/kernel/i18n"
	"rainforest/internal/programs/obligations"
)

// TestPages: the officer's list and case page, the decisions taken from
// forms (a waiver without a reason is refused on the page and changes
// nothing), and the enterprise's obligations, in both languages.
func TestPages(t *testing.T) {
	f := newFixture(t)
	f.exec(t, `UPDATE programs SET obligation_years = 5, clawback_pro_rata = TRUE WHERE id = $1`, f.program)
	award := f.award(t, 800_000, f.today.AddDate(-3, 0, 0), 5)
	f.award(t, 100_000, f.today.AddDate(0, -1, 0), 5) // moved with the first; a second case
	f.move(t, f.e.Token("enterprise@demo.local"), map[string]any{"registered_district": "yangpu"})
	var id int64
	if err := f.e.App.DB.Read.QueryRow(`SELECT id FROM clawback_cases WHERE award_id = $1`, award).Scan(&id); err != nil {
		t.Fatal(err)
	}
	officer := f.e.Browser()
	officer.Login("officer.jingan@demo.local")
	r := officer.Get("/clawbacks")
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), fmt.Sprintf(`href="/clawbacks/%d"`, id)) || !strings.Contains(string(r.Body), "注册地变更") {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	page := fmt.Sprintf("/clawbacks/%d", id)
	r = officer.Get(page)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `id="do-waive"`) || !strings.Contains(string(r.Body), "按未履行天数折算") {
		t.Fatalf("case page: %d %s", r.Status, r.Body)
	}
	r = officer.Post(page+"/act", url.Values{"action": {"waive"}, "comment": {""}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `id="form-error"`) {
		t.Fatalf("waive without reason: %d %s", r.Status, r.Body)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM clawback_cases WHERE id = $1 AND status = 'open'`, id); n != 1 {
		t.Fatal("refused form changed the case")
	}
	r = officer.Post(page+"/notes", url.Values{"notes": {"会面记录 met the CFO"}, "due_on": {"2031-01-31"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("notes: %d %s", r.Status, r.Body)
	}
	r = officer.Post(page+"/act", url.Values{"action": {"agree"}, "due_on": {"2031-03-31"}, "comment": {"分期"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != page+"?flash=flash.clawback_agree" {
		t.Fatalf("agree: %d %s", r.Status, r.Body)
	}
	r = officer.Post(page+"/act", url.Values{"action": {"repay"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("repay: %d %s", r.Status, r.Body)
	}
	r = officer.Get(page + "?flash=flash.clawback_repay")
	body := string(r.Body)
	for _, want := range []string{"已归还", "还款已记入账簿", "met the CFO", obligations.RepayKey(id), "2031-03-31"} {
		if !strings.Contains(body, want) {
			t.Errorf("repaid case page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="do-repay"`) {
		t.Error("a repaid case still offers actions")
	}

	// The enterprise, in English.
	owner := f.e.Browser()
	owner.Login("enterprise@demo.local")
	owner.Get("/lang?to=en")
	r = owner.Get(fmt.Sprintf("/orgs/%d/obligations", f.org))
	body = string(r.Body)
	if r.Status != http.StatusOK || strings.Count(body, `href="/clawbacks/`) != 2 || !strings.Contains(body, "Obligation until") || !strings.Contains(body, "Repaid") {
		t.Fatalf("obligations page: %d %s", r.Status, body)
	}
	// Each award links to its decision letter, in the page's language.
	link := regexp.MustCompile(`href="(/api/v1/applications/\d+/letter\.pdf\?lang=en)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatal("no link to the decision letter")
	}
	if r := owner.Get(link[1]); r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("letter from the page: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	r = owner.Get(page)
	if r.Status != http.StatusOK || strings.Contains(string(r.Body), `id="do-`) {
		t.Fatalf("recipient's case page: %d", r.Status)
	}
	if r := owner.Post(page+"/act", url.Values{"action": {"waive"}, "comment": {"no"}}); r.Status != http.StatusForbidden {
		t.Fatalf("recipient acts: %d", r.Status)
	}
	other := f.e.Browser()
	other.Login("university@demo.local")
	if r := other.Get("/clawbacks"); r.Status != http.StatusForbidden {
		t.Fatalf("a university lists cases: %d", r.Status)
	}
	if r := other.Get(fmt.Sprintf("/orgs/%d/obligations", f.org)); r.Status != http.StatusForbidden {
		t.Fatalf("a university sees another's obligations: %d", r.Status)
	}
}

// TestCatalog: every key the obligations' pages and vocabularies use is in
// both languages.
func TestCatalog(t *testing.T) {
	used := map[string]bool{}
	for _, k := range obligations.CatalogKeys() {
		used[k] = true
	}
	for _, f := range []string{"pages.go", "../templates/clawbacks.html", "../templates/clawback.html", "../templates/obligations.html"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`"((?:clawback|obligation)\.[a-z_.]*[a-z_]|flash\.clawback_[a-z]+)"`).FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") {
				used[m[1]] = true
			}
		}
	}
	for _, a := range obligations.Actions {
		used["flash.clawback_"+a] = true
	}
	for _, field := range []string{"notes", "due_on", "comment", "paid_on", "version", "action"} {
		used["clawback.field."+field] = true
	}
	if len(used) < 40 {
		t.Fatalf("only %d keys found; the scan is broken", len(used))
	}
	for k := range used {
		for _, lang := range []string{"zh", "en"} {
			if i18n.T(lang, k) == k {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}
