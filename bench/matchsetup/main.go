// Command matchsetup prepares the city-wide matching benchmark: it
// creates and publishes N programs whose rule sets follow four templates
// (a district's small and micro firms, patent holders with a
// certification, R&D intensity in a tax district, a technology field's
// high-tech revenue and R&D staff) with thresholds that vary from program
// to program, and writes, for the same programs, the baseline: one SQL
// query per program that computes every criterion's status (met, not met,
// unknown when a field it needs is null) for every enterprise, the
// overall status, and counts them.
//
//	go run ./bench/matchsetup -db sqlite:city.db -programs 200 -sql baseline.sql
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/programs"
	"rainforest/internal/registry"
)

type crit struct {
	id, label, expr string
	sql             string   // the condition in SQL
	fields          []string // the columns it needs
}

var districts = []string{"jingan", "xuhui", "minhang", "pudong", "huangpu", "changning", "putuo", "hongkou", "yangpu", "baoshan", "jiading", "songjiang", "qingpu", "fengxian", "jinshan", "chongming"}
var techFields = []string{"electronic_information", "biomedicine", "aerospace", "new_materials", "high_tech_services", "new_energy", "resources_environment", "advanced_manufacturing"}
var certs = []string{"hnte", "scitech_sme", "specialized_sophisticated", "little_giant"}

func template(i int) (string, []crit) {
	k := 1 + float64(i%7)/20 // thresholds move by up to 30 %
	d := districts[i%len(districts)]
	switch i % 4 {
	case 0:
		return "district small and micro firms", []crit{
			{"district", "registered in " + d, fmt.Sprintf("registered_district == %q", d), fmt.Sprintf("registered_district = '%s'", d), []string{"registered_district"}},
			{"employees", "small", fmt.Sprintf("employees <= %.0f", 100*k), fmt.Sprintf("employees <= %.0f", 100*k), []string{"employees"}},
			{"revenue", "small revenue", fmt.Sprintf("revenue_yuan <= %.0f", 5e7*k), fmt.Sprintf("revenue_yuan <= %.0f", 5e7*k), []string{"revenue_yuan"}},
			{"rd", "some R&D", fmt.Sprintf("rd_expense_yuan >= %.0f", 5e5*k), fmt.Sprintf("rd_expense_yuan >= %.0f", 5e5*k), []string{"rd_expense_yuan"}},
		}
	case 1:
		c := certs[i%len(certs)]
		return "patent holders", []crit{
			{"district", "registered in " + d, fmt.Sprintf("registered_district == %q", d), fmt.Sprintf("registered_district = '%s'", d), []string{"registered_district"}},
			{"patents", "invention patents", fmt.Sprintf("invention_patents >= %.0f", 2*k), fmt.Sprintf("invention_patents >= %.0f", 2*k), []string{"invention_patents"}},
			{"ip", "other IP", fmt.Sprintf("other_ip >= %.0f", 4*k), fmt.Sprintf("other_ip >= %.0f", 4*k), []string{"other_ip"}},
			{"cert", "certified " + c, fmt.Sprintf("%q in certifications", c), fmt.Sprintf("(' ' || certifications || ' ') LIKE '%% %s %%'", c), nil},
		}
	case 2:
		return "R&D intensity", []crit{
			{"tax", "taxed in " + d, fmt.Sprintf("tax_district == %q", d), fmt.Sprintf("tax_district = '%s'", d), []string{"tax_district"}},
			{"revenue", "revenue", fmt.Sprintf("revenue_yuan >= %.0f", 1e7*k), fmt.Sprintf("revenue_yuan >= %.0f", 1e7*k), []string{"revenue_yuan"}},
			{"share", "R&D share", fmt.Sprintf("rd_expense_yuan >= revenue_yuan * %.3f", 0.04*k), fmt.Sprintf("rd_expense_yuan >= revenue_yuan * %.3f", 0.04*k), []string{"rd_expense_yuan", "revenue_yuan"}},
			{"incident", "no major incident", "!major_incident_last_year", "NOT major_incident_last_year", []string{"major_incident_last_year"}},
		}
	default:
		f := techFields[i%len(techFields)]
		return "technology field", []crit{
			{"field", "field " + f, fmt.Sprintf("tech_field == %q", f), fmt.Sprintf("tech_field = '%s'", f), []string{"tech_field"}},
			{"hightech", "high-tech revenue share", fmt.Sprintf("high_tech_revenue_yuan >= revenue_yuan * %.3f", 0.6*k), fmt.Sprintf("high_tech_revenue_yuan >= revenue_yuan * %.3f", 0.6*k), []string{"high_tech_revenue_yuan", "revenue_yuan"}},
			{"staff", "R&D staff share", fmt.Sprintf("rd_staff >= employees * %.3f", 0.1*k), fmt.Sprintf("rd_staff >= employees * %.3f", 0.1*k), []string{"rd_staff", "employees"}},
			{"score", "innovation score", fmt.Sprintf("innovation_score >= %.0f", 60*k), fmt.Sprintf("innovation_score >= %.0f", 60*k), []string{"innovation_score"}},
		}
	}
}

// sqlStatus is the SQL of one criterion's status.
func sqlStatus(c crit) string {
	var null []string
	for _, f := range c.fields {
		null = append(null, f+" IS NULL")
	}
	s := "CASE "
	if len(null) > 0 {
		s += "WHEN " + strings.Join(null, " OR ") + " THEN 'u' "
	}
	return s + "WHEN " + c.sql + " THEN 'm' ELSE 'n' END"
}

func main() {
	dsn := flag.String("db", "", "database")
	n := flag.Int("programs", 200, "programs to create")
	sqlOut := flag.String("sql", "", "write the baseline queries here")
	flag.Parse()
	ctx := context.Background()
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	s := &programs.Service{DB: d, Registry: &registry.Service{DB: d}}
	admin := &auth.Principal{Role: auth.RoleAdmin, Email: "bench@rainforest.local"}
	var out strings.Builder
	for i := 0; i < *n; i++ {
		title, cs := template(i)
		slug := fmt.Sprintf("bench-%03d", i)
		var criteria []any
		var cols []string
		for _, c := range cs {
			criteria = append(criteria, map[string]any{"id": c.id, "label": map[string]string{"zh": c.label, "en": c.label}, "reference": "bench", "expr": c.expr})
			cols = append(cols, sqlStatus(c)+" AS "+c.id)
		}
		body := map[string]any{"slug": slug, "level": "municipal", "title_zh": fmt.Sprintf("基准项目 %d", i), "title_en": fmt.Sprintf("Bench program %d: %s", i, title),
			"legal_reference": "bench", "rule_set": map[string]any{"title": map[string]string{"zh": title, "en": title}, "reference": "bench", "criteria": criteria}}
		raw, _ := json.Marshal(body)
		var m map[string]json.RawMessage
		json.Unmarshal(raw, &m)
		in, err := programs.DecodeInput(m)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := s.Create(ctx, admin, in); err != nil {
			log.Fatalf("%s: %v", slug, err)
		}
		if _, err := s.Publish(ctx, admin, slug, nil); err != nil {
			log.Fatalf("%s: %v", slug, err)
		}
		// Every criterion for every enterprise, the overall status, counted
		// by outcome (so that every pair is computed and nothing is shipped).
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.id)
		}
		all := strings.Join(ids, " || ")
		fmt.Fprintf(&out, "SELECT '%s', st, COUNT(*) FROM (SELECT CASE WHEN strpos(%s, 'n') > 0 THEN 'ineligible' WHEN strpos(%s, 'u') > 0 THEN 'unknown' ELSE 'eligible' END AS st, %s FROM (SELECT id, %s FROM orgs WHERE kind = 'enterprise') c) s GROUP BY st;\n",
			slug, all, all, strings.Join(ids, ", "), strings.Join(cols, ", "))
	}
	if *sqlOut != "" {
		if err := os.WriteFile(*sqlOut, []byte(out.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("created and published %d programs\n", *n)
}
