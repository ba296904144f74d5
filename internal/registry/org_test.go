package registry

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var today = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

var knownDistricts = map[string]bool{"jingan": true, "xuhui": true, "minhang": true}

func validOrg() Org {
	o := NewOrg()
	o.USCC = SynthUSCC("91", "jingan", 10000008)
	o.NameZh, o.Kind = "上海云杉软件科技有限公司", "enterprise"
	return o
}

func fieldsOf(t *testing.T, o Org) []string {
	t.Helper()
	o.Normalize()
	fs, _ := o.Validate(knownDistricts, func(id int64) bool { return id == 5 }, today)
	var names []string
	for _, f := range fs {
		names = append(names, f.Field)
	}
	return names
}

func TestSetJSONNullAndTypes(t *testing.T) {
	o := validOrg()
	set := func(name, raw string) error { return o.SetJSON(name, json.RawMessage(raw)) }
	for name, raw := range map[string]string{"employees": "48", "rd_staff": "9", "founded_on": `"2019-05-20"`, "major_incident_last_year": "false",
		"certifications": `["hnte"]`, "name_en": `"Yunshan"`, "registered_district": `"jingan"`, "park_id": "5"} {
		if err := set(name, raw); err != nil {
			t.Fatalf("%s=%s: %v", name, raw, err)
		}
	}
	// null is unknown for figures, empty for optional text, none for lists.
	for _, name := range []string{"employees", "founded_on", "major_incident_last_year", "registered_district", "park_id"} {
		if err := set(name, "null"); err != nil || !o.IsNull(name) {
			t.Errorf("%s=null: %v, null = %v", name, err, o.IsNull(name))
		}
	}
	if err := set("name_en", "null"); err != nil || o.NameEn != "" {
		t.Errorf("name_en=null: %v %q", err, o.NameEn)
	}
	if err := set("certifications", "null"); err != nil || o.Certifications == nil || len(o.Certifications) != 0 {
		t.Errorf("certifications=null: %v %v", err, o.Certifications)
	}
	if o.IsNull("rd_staff") || *o.RDStaff != 9 {
		t.Error("a field not set was changed")
	}
	// Zero is not null.
	if err := set("employees", "0"); err != nil || o.IsNull("employees") || *o.Employees != 0 {
		t.Errorf("employees=0: %v", err)
	}
	for name, raw := range map[string]string{
		"uscc": "null", "name_zh": "null", "kind": "null", // required
		"employees": `"48"`, "rd_staff": "9.5", "revenue_yuan": "1e30", "park_id": `"5"`,
		"founded_on": "20190520", "major_incident_last_year": `"no"`, "certifications": `"hnte"`, "name_en": "5",
		"id": "1", "version": "1", "restricted": "true", "created_at": `"2026-01-01T00:00:00Z"`, "colour": `"green"`,
	} {
		if err := set(name, raw); err == nil {
			t.Errorf("%s=%s accepted", name, raw)
		}
	}
}

func TestValidate(t *testing.T) {
	if got := fieldsOf(t, validOrg()); len(got) != 0 {
		t.Fatalf("a valid org fails on %v", got)
	}
	n := func(v int64) *int64 { return &v }
	s := func(v string) *string { return &v }
	tests := []struct {
		name  string
		edit  func(o *Org)
		field string
	}{
		{"check character", func(o *Org) { o.USCC = o.USCC[:17] + map[bool]string{true: "1", false: "0"}[o.USCC[17] == '0'] }, "uscc"},
		{"no name", func(o *Org) { o.NameZh = " " }, "name_zh"},
		{"long name", func(o *Org) { o.NameZh = strings.Repeat("长", 201) }, "name_zh"},
		{"name on two lines", func(o *Org) { o.NameEn = "a\nb" }, "name_en"},
		{"zero-width in name", func(o *Org) { o.NameZh = "云\u200b杉" }, "name_zh"},
		{"override in description", func(o *Org) { o.DescriptionEn = "a\u202eb" }, "description_en"},
		{"kind", func(o *Org) { o.Kind = "spaceship" }, "kind"},
		{"district", func(o *Org) { o.RegisteredDistrict = s("atlantis") }, "registered_district"},
		{"tax district", func(o *Org) { o.TaxDistrict = s("atlantis") }, "tax_district"},
		{"park", func(o *Org) { o.ParkID = n(6) }, "park_id"},
		{"impossible date", func(o *Org) { o.FoundedOn = s("2023-02-30") }, "founded_on"},
		{"future date", func(o *Org) { o.FoundedOn = s("2026-03-02") }, "founded_on"},
		{"ancient date", func(o *Org) { o.FoundedOn = s("1700-01-01") }, "founded_on"},
		{"negative", func(o *Org) { o.OtherIP = n(-1) }, "other_ip"},
		{"huge count", func(o *Org) { o.Employees = n(100_000_001) }, "employees"},
		{"huge money", func(o *Org) { o.RevenueYuan = n(1_000_000_000_000_001) }, "revenue_yuan"},
		{"score", func(o *Org) { o.InnovationScore = n(101) }, "innovation_score"},
		{"R&D staff over employees", func(o *Org) { o.Employees, o.RDStaff = n(5), n(6) }, "rd_staff"},
		{"domestic R&D over R&D", func(o *Org) { o.RDExpense3yYuan, o.RDExpenseDomestic3yYuan = n(5), n(6) }, "rd_expense_domestic_3y_yuan"},
		{"high-tech revenue over revenue", func(o *Org) { o.RevenueYuan, o.HighTechRevenueYuan = n(5), n(6) }, "high_tech_revenue_yuan"},
		{"year over three years", func(o *Org) { o.RevenueYuan, o.Revenue3yYuan = n(7), n(6) }, "revenue_yuan"},
		{"industry", func(o *Org) { o.Industry = s("6513") }, "industry"},
		{"tech field", func(o *Org) { o.TechField = s("alchemy") }, "tech_field"},
		{"certification", func(o *Org) { o.Certifications = []string{"iso9001"} }, "certifications"},
		{"website", func(o *Org) { o.Website = "javascript:alert(1)" }, "website"},
	}
	for _, tt := range tests {
		o := validOrg()
		tt.edit(&o)
		if got := fieldsOf(t, o); !slices.Contains(got, tt.field) {
			t.Errorf("%s: fields %v, want %s", tt.name, got, tt.field)
		}
	}
	// Unknown figures pass: the rules engine tells unknown from zero.
	o := validOrg()
	o.Employees, o.RDStaff = nil, n(3)
	if got := fieldsOf(t, o); len(got) != 0 {
		t.Errorf("unknown employees with known R&D staff: %v", got)
	}
}

func TestNormalize(t *testing.T) {
	o := validOrg()
	code := o.USCC
	o.USCC = " " + strings.ToLower(code) + " "
	o.Kind = " Enterprise "
	d, ind, tf, empty := " JingAn ", " i6513 ", " Biomedicine ", "  "
	o.RegisteredDistrict, o.Industry, o.TechField, o.TaxDistrict = &d, &ind, &tf, &empty
	o.Certifications = []string{" HNTE", "scitech_sme", "hnte", ""}
	o.Normalize()
	if o.USCC != code || o.Kind != "enterprise" || *o.RegisteredDistrict != "jingan" || *o.Industry != "I6513" || *o.TechField != "biomedicine" || o.TaxDistrict != nil {
		t.Errorf("normalized %+v", o.Public)
	}
	if !slices.Equal(o.Certifications, []string{"hnte", "scitech_sme"}) {
		t.Errorf("certifications %v", o.Certifications)
	}
}

func TestRedactedJSON(t *testing.T) {
	o := validOrg()
	v := int64(0)
	o.Employees = &v
	whole, _ := json.Marshal(o)
	if !strings.Contains(string(whole), `"employees":0`) || !strings.Contains(string(whole), `"rd_staff":null`) || strings.Contains(string(whole), "restricted") {
		t.Errorf("whole: %s", whole)
	}
	pub, _ := json.Marshal(o.Redacted())
	for _, f := range Fields {
		if f.Private && strings.Contains(string(pub), `"`+f.Name+`"`) {
			t.Errorf("redacted view shows %s: %s", f.Name, pub)
		}
	}
	if !strings.Contains(string(pub), `"restricted":true`) || !strings.Contains(string(pub), `"uscc"`) {
		t.Errorf("redacted: %s", pub)
	}
	if o.Private == nil {
		t.Error("Redacted changed the original")
	}
}

func TestTextRoundTrip(t *testing.T) {
	o := validOrg()
	for name, in := range map[string]string{"employees": "1,200", "major_incident_last_year": "否", "certifications": "hnte；scitech_sme", "founded_on": "2019-05-20", "park_id": ""} {
		if err := o.SetText(name, in); err != nil {
			t.Fatalf("%s=%q: %v", name, in, err)
		}
	}
	if o.Text("employees") != "1200" || o.Text("major_incident_last_year") != "false" || o.Text("certifications") != "hnte;scitech_sme" || !o.IsNull("park_id") {
		t.Errorf("text: %s %s %s", o.Text("employees"), o.Text("major_incident_last_year"), o.Text("certifications"))
	}
	for name, in := range map[string]string{"employees": "many", "major_incident_last_year": "perhaps", "nope": "x"} {
		if err := o.SetText(name, in); err == nil {
			t.Errorf("%s=%q accepted", name, in)
		}
	}
	if r := o.Redacted(); r.Text("employees") != "" {
		t.Error("redacted text shows a private figure")
	}
}

func TestFilterAndCursor(t *testing.T) {
	for _, id := range []int64{1, 42, 1 << 40} {
		got, err := decodeCursor(encodeCursor(id))
		if err != nil || got != id {
			t.Errorf("cursor %d: %d %v", id, got, err)
		}
	}
	if encodeCursor(0) != "" {
		t.Error("cursor of 0")
	}
	for _, bad := range []string{"x", "bzA", "o", "!!!", "cDE", "bzA="} {
		if _, err := decodeCursor(bad); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
	ok := Filter{Kind: "enterprise", District: "jingan", TaxDistrict: "xuhui", Industry: "I65", TechField: "biomedicine", Certification: "hnte", Limit: 200}
	if err := ok.Validate(knownDistricts); err != nil {
		t.Errorf("valid filter: %v", err)
	}
	for _, f := range []Filter{{Kind: "x"}, {District: "x"}, {TaxDistrict: "x"}, {Industry: "65"}, {Industry: "I123456"}, {TechField: "x"}, {Certification: "x"}, {Limit: 201}, {Cursor: "x"}} {
		if err := f.Validate(knownDistricts); err == nil {
			t.Errorf("filter %+v accepted", f)
		}
	}
	long := Filter{Q: strings.Repeat("云", 2000)}
	if err := long.Validate(knownDistricts); err != nil || len(long.Q) > 1000 {
		t.Errorf("long q: %v, %d bytes kept", err, len(long.Q))
	}
}
