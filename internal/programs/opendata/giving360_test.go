package opendata_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"rainforest/internal/app/apptest"
	"rainforest/internal/programs/opendata"
)

// The official schemas, vendored in testdata (see testdata/README.md): the
// package schema of release 1.4 refers to the grant schema by this URL.
const grantSchemaURL = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4/schema/360-giving-schema.json"

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for url, file := range map[string]string{
		grantSchemaURL:                    "testdata/360-giving-schema.json",
		"file:///360-giving-package.json": "testdata/360-giving-package-schema.json",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		dedupeEnums(doc)
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile("file:///360-giving-package.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// dedupeEnums drops repeated values from every enum of a schema document.
// The official grant schema lists GBP twice among the currencies and GB
// twice among the country codes, which the draft-04 metaschema forbids
// (enum items must be unique); dropping the repeats accepts exactly the
// same values.
func dedupeEnums(v any) {
	switch x := v.(type) {
	case map[string]any:
		if e, ok := x["enum"].([]any); ok {
			var out []any
			seen := map[string]bool{}
			for _, item := range e {
				k := fmt.Sprint(item)
				if !seen[k] {
					seen[k] = true
					out = append(out, item)
				}
			}
			x["enum"] = out
		}
		for _, c := range x {
			dedupeEnums(c)
		}
	case []any:
		for _, c := range x {
			dedupeEnums(c)
		}
	}
}

func validate(t *testing.T, sch *jsonschema.Schema, b []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(v)
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 100: "1.00", 123456789: "1234567.89", -250: "-2.50"} {
		if got := opendata.Yuan(fen); string(got) != want {
			t.Errorf("Yuan(%d) = %s, want %s", fen, got, want)
		}
	}
}

// awards inserts, for the demo's Jing'an enterprise, one paid award per
// amount on a Jing'an program, one reserved and one clawed back.
func awards(t *testing.T, e *apptest.Env, amounts ...int64) {
	t.Helper()
	d := e.App.DB
	var org, prog int64
	if err := d.Read.QueryRow(`SELECT m.org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'enterprise@demo.local'`).Scan(&org); err != nil {
		t.Fatal(err)
	}
	if err := d.Read.QueryRow(`SELECT id FROM programs WHERE slug = 'jingan-invention-patent-award'`).Scan(&prog); err != nil {
		t.Fatal(err)
	}
	now := d.Now()
	add := func(i int, amount int64, status string) {
		var app int64
		key := fmt.Sprintf("open-data-%d", i)
		if err := d.Write.QueryRow(`INSERT INTO applications (program_id, org_id, project_title, project_key, summary, requested_fen, amount_fen, state, origin, created_at, updated_at, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6, 'disbursed', $7, $8, $8, $8) RETURNING id`,
			prog, org, "发明专利资助 Invention patent "+key, key, "专利 ZL2024"+key, amount, map[bool]string{true: "auto", false: "applicant"}[i%2 == 1], now).Scan(&app); err != nil {
			t.Fatal(err)
		}
		paid, until := any(nil), any(nil)
		if status != "reserved" {
			paid, until = "2025-03-01", "2030-02-28"
		}
		if _, err := d.Write.Exec(`INSERT INTO awards (application_id, program_id, org_id, fund_key, project_key, amount_fen, status, approved_at, paid_on, registered_district, tax_district, obligation_until, created_at, updated_at)
			VALUES ($1, $2, $3, 'jingan-fund', $4, $5, $6, $7, $8, 'jingan', 'jingan', $9, $7, $7)`, app, prog, org, key, amount, status, now, paid, until); err != nil {
			t.Fatal(err)
		}
	}
	for i, a := range amounts {
		add(i, a, "paid")
	}
	add(len(amounts), 777, "reserved")
	add(len(amounts)+1, 888, "clawed_back")
}

// TestPackageValidAgainstOfficialSchema: the export of paid awards is
// valid against the official 360Giving package and grant schemas, holds
// the paid awards only, with exact amounts and org-id identifiers; a
// package with a grant broken in any of several ways is not valid.
func TestPackageValidAgainstOfficialSchema(t *testing.T) {
	e := apptest.New(t)
	awards(t, e, 1_234_567, 5_000_000, 1)
	sch := compile(t)
	x := &opendata.Exporter{DB: e.App.DB, BaseURL: "https://rainforest.example.org"}
	pkg, err := x.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, sch, b); err != nil {
		t.Fatalf("not valid 360Giving: %v\n%s", err, b)
	}
	if len(pkg.Grants) != 3 {
		t.Fatalf("%d grants, want the 3 paid awards", len(pkg.Grants))
	}
	want := []string{"12345.67", "50000.00", "0.01"}
	usci := regexp.MustCompile(`^CN-USCI-[0-9A-HJ-NPQRTUWXY]{18}$`)
	for i, g := range pkg.Grants {
		if string(g.AmountAwarded) != want[i] || g.Currency != "CNY" || !strings.HasPrefix(g.ID, "360G-rainforest-award-") {
			t.Errorf("grant %d: %+v", i, g)
		}
		// What release 1.4 requires beyond the vendored grant schema: a
		// funder, and a recipient organization (or individual).
		if len(g.FundingOrganization) != 1 || len(g.RecipientOrganization) != 1 {
			t.Fatalf("grant %d without funder or recipient", i)
		}
		if !usci.MatchString(g.RecipientOrganization[0].ID) || !usci.MatchString(g.FundingOrganization[0].ID) {
			t.Errorf("grant %d identifiers %s, %s", i, g.RecipientOrganization[0].ID, g.FundingOrganization[0].ID)
		}
		if len(g.BeneficiaryLocation) != 1 || g.BeneficiaryLocation[0].GeoCode != "310106" {
			t.Errorf("grant %d location %+v", i, g.BeneficiaryLocation)
		}
		if g.GrantProgramme[0].Code != "jingan-invention-patent-award" || g.GrantProgramme[0].URL != "https://rainforest.example.org/programs/jingan-invention-patent-award" {
			t.Errorf("grant %d programme %+v", i, g.GrantProgramme)
		}
		if g.PlannedDates[0].StartDate != "2025-03-01T00:00:00+08:00" || g.PlannedDates[0].EndDate != "2030-02-28T00:00:00+08:00" {
			t.Errorf("grant %d dates %+v", i, g.PlannedDates)
		}
		if (g.FromOpenCall == "No") != (i%2 == 1) {
			t.Errorf("grant %d fromOpenCall %s", i, g.FromOpenCall)
		}
	}
	// The validator refuses broken grants.
	for name, breakIt := range map[string]func(g map[string]any){
		"no currency":         func(g map[string]any) { delete(g, "currency") },
		"amount as text":      func(g map[string]any) { g["amountAwarded"] = "12345.67" },
		"unknown currency":    func(g map[string]any) { g["currency"] = "RMB" },
		"award date not ISO":  func(g map[string]any) { g["awardDate"] = "1 March 2025" },
		"recipient no id":     func(g map[string]any) { delete(g["recipientOrganization"].([]any)[0].(map[string]any), "id") },
		"open call not Yes":   func(g map[string]any) { g["fromOpenCall"] = "yes" },
		"country not ISO":     func(g map[string]any) { g["beneficiaryLocation"].([]any)[0].(map[string]any)["countryCode"] = "China" },
		"programme url bad":   func(g map[string]any) { g["grantProgramme"].([]any)[0].(map[string]any)["url"] = "not a url" },
		"description missing": func(g map[string]any) { delete(g, "description") },
	} {
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		breakIt(doc["grants"].([]any)[0].(map[string]any))
		bad, _ := json.Marshal(doc)
		if err := validate(t, sch, bad); err == nil {
			t.Errorf("%s: still valid", name)
		}
	}
	// An empty package is not a valid 360Giving package (grants needs one
	// item at least); the export says so by having none.
	e2 := apptest.New(t)
	empty, err := (&opendata.Exporter{DB: e2.App.DB}).Build(context.Background())
	if err != nil || len(empty.Grants) != 0 {
		t.Fatalf("empty export: %+v %v", empty, err)
	}
}

// TestOpenDataEndpoint: public, JSON, valid.
func TestOpenDataEndpoint(t *testing.T) {
	e := apptest.New(t)
	awards(t, e, 300_000)
	r := e.Do("GET", "/api/v1/open-data/360giving.json", "", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if err := validate(t, compile(t), r.Body); err != nil {
		t.Fatalf("endpoint's package not valid: %v", err)
	}
	var pkg opendata.Package
	r.JSON(&pkg)
	if len(pkg.Grants) != 1 || pkg.Grants[0].AmountAwarded != "3000.00" {
		t.Fatalf("grants %+v", pkg.Grants)
	}
	if _, err := time.Parse(time.RFC3339, pkg.Issued); err != nil {
		t.Fatal(err)
	}
	// Every page links to it.
	if r := e.Browser().Get("/programs"); !strings.Contains(string(r.Body), `href="/api/v1/open-data/360giving.json"`) {
		t.Fatal("no link to the open data on the pages")
	}
	// Public, but a bad bearer token is still refused.
	if r := e.Do("GET", "/api/v1/open-data/360giving.json", "rf_not-a-token", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", r.Status)
	}
}
