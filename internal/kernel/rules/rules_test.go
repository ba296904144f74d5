package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// minimal returns a rule set with one criterion and one dated parameter.
func minimal(expr string) Spec {
	return Spec{
		Slug:      "test",
		Title:     Text{Zh: "测试", En: "Test"},
		Reference: "test",
		Parameters: []ParamSpec{{Name: "limit", Type: "number", Label: Text{Zh: "上限", En: "Limit"},
			Periods: []Period{
				{From: "2020-01-01", To: "2022-12-31", Value: json.RawMessage(`10`), Reference: "old"},
				{From: "2023-01-01", Value: json.RawMessage(`20`), Reference: "new"},
			}}},
		Criteria: []CriterionSpec{{ID: "c", Label: Text{Zh: "条件", En: "Criterion"}, Reference: "art. 1", Expr: expr}},
	}
}

func fieldErrors(t *testing.T, err error) []apperr.FieldError {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("got error %v, want an invalid error with fields", err)
	}
	return ae.Fields
}

func TestTestdataRuleSets(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no rule sets in testdata")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if rs.fast == nil {
			t.Errorf("%s: not compiled for the fast evaluator", f)
		}
		for _, fail := range rs.Check() {
			t.Errorf("%s: %s", f, fail)
		}
	}
}

func TestCompileErrorsHavePositions(t *testing.T) {
	cases := []struct {
		expr, field, msg string
	}{
		{"employees >= ", "criteria[0].expr", "1:14: Syntax error"},
		{"employees >= 10 &&\n  emploees < 5", "criteria[0].expr", "2:3: undeclared reference to 'emploees'"},
		{"employees >= params.limt", "criteria[0].expr", "1:20: undeclared reference to 'params.limt'"},
		{"employees + 1", "criteria[0].expr", "1:1: the expression gives a number; it must give true or false"},
		{"name_zh > 3", "criteria[0].expr", "1:9: found no matching overload"},
		{"[1,2,3].map(x, [1,2,3].map(y, [1,2,3].map(z, certifications.map(c, certifications.map(d, c + d))))).size() > 0", "criteria[0].expr", "may cost up to"},
		{"certifications.all(a, certifications.all(b, certifications.all(c, a + b + c != name_zh + name_en + uscc)))", "criteria[0].expr", "may cost up to"},
		{"", "criteria[0].expr", "is required"},
	}
	for _, c := range cases {
		_, err := Compile(minimal(c.expr))
		if err == nil {
			t.Errorf("%q compiled, want an error", c.expr)
			continue
		}
		fs := fieldErrors(t, err)
		if fs[0].Field != c.field || !strings.Contains(fs[0].Message, c.msg) {
			t.Errorf("%q: got %s: %s, want %s containing %q", c.expr, fs[0].Field, fs[0].Message, c.field, c.msg)
		}
	}
}

func TestCompileRefusesBadSpecs(t *testing.T) {
	s := minimal("employees <= params.limit")
	s.Parameters[0].Periods[1].From = "2022-06-01" // overlaps the first
	s.Criteria = append(s.Criteria, CriterionSpec{ID: "c", Label: Text{Zh: "x"}, Expr: "true"})
	s.Criteria[0].Gap = &GapSpec{Field: "employees", Target: "params.limit", Text: Text{Zh: "差 {delta}", En: "{nope}"}}
	_, err := Compile(s)
	if err == nil {
		t.Fatal("compiled")
	}
	got := map[string]bool{}
	for _, f := range fieldErrors(t, err) {
		got[f.Field] = true
	}
	for _, want := range []string{"parameters[0].periods", "criteria[1].id", "criteria[1].label.en", "criteria[1].reference", "criteria[0].gap.text.en"} {
		if !got[want] {
			t.Errorf("no error for %s; got %v", want, got)
		}
	}
	bands := minimal("band(params.b, employees) > 0")
	bands.Parameters = append(bands.Parameters, ParamSpec{Name: "b", Type: "bands", Label: Text{Zh: "表", En: "Table"},
		Periods: []Period{{From: "2020-01-01", Reference: "x", Value: json.RawMessage(`[{"lt": 10, "value": 1}, {"gt": 10, "value": 2}]`)}}})
	if _, err := Compile(bands); err == nil || !strings.Contains(err.Error(), "row 2 must start where row 1 ends") {
		t.Errorf("a table with a hole at 10: got %v", err)
	}
}

func TestParametersByDate(t *testing.T) {
	rs, err := Compile(minimal("employees <= params.limit"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := NewProfile(map[string]any{"employees": 15.0})
	for _, c := range []struct {
		day  string
		want Status
	}{{"2022-12-31", NotMet}, {"2023-01-01", Met}, {"2030-01-01", Met}} {
		res, err := rs.Evaluate(p, day(c.day))
		if err != nil {
			t.Fatal(err)
		}
		if res.Criteria[0].Status != c.want {
			t.Errorf("as of %s: %s, want %s", c.day, res.Criteria[0].Status, c.want)
		}
	}
	if _, err := rs.Evaluate(p, day("2019-12-31")); err == nil || !strings.Contains(err.Error(), "no value in force") {
		t.Errorf("before any period: got %v, want no value in force", err)
	}
	vals, err := rs.ParamValues(day("2021-05-01"))
	if err != nil || vals["limit"] != 10.0 {
		t.Errorf("ParamValues = %v, %v; want limit 10", vals, err)
	}
}

func TestNewProfileValidates(t *testing.T) {
	_, err := NewProfile(map[string]any{
		"employees": -1.0, "rd_staff": 2.5, "founded_on": "2023-02-30", "tech_field": "magic",
		"certifications": []any{"hnte", 3.0}, "revenue_yuan": "many", "nonsense": 1.0, "industry": "ZZ",
		"major_incident_last_year": "no",
	})
	want := []string{"certifications", "employees", "founded_on", "industry", "major_incident_last_year", "nonsense", "rd_staff", "revenue_yuan", "tech_field"}
	fs := fieldErrors(t, err)
	var got []string
	for _, f := range fs {
		got = append(got, f.Field)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("fields at fault %v, want %v", got, want)
	}
	_, err = NewProfile(map[string]any{"employees": 10.0, "rd_staff": 11.0})
	if fs := fieldErrors(t, err); fs[0].Field != "rd_staff" {
		t.Errorf("rd_staff > employees: got %v", fs)
	}
	p, err := NewProfile(map[string]any{"employees": json.Number("10"), "industry": " c3973 ", "certifications": []any{"HNTE", "hnte"}, "founded_on": nil})
	if err != nil {
		t.Fatal(err)
	}
	if p.Value("industry") != "C3973" || fmt.Sprint(p.Value("certifications")) != "[hnte]" || p.Has("founded_on") || p.Value("employees") != 10.0 {
		t.Errorf("normalised profile: industry %v, certifications %v, founded_on known %v", p.Value("industry"), p.Value("certifications"), p.Has("founded_on"))
	}
}

func TestRuntimeCostLimit(t *testing.T) {
	// Within the estimate but the runtime limit stops long evaluations;
	// check that the limit is wired by running an expression that is
	// cheap: it must evaluate without error.
	rs, err := Compile(minimal("certifications.exists(c, c == 'hnte')"))
	if err != nil {
		t.Fatal(err)
	}
	if rs.fast != nil {
		t.Error("a comprehension is outside the fast subset")
	}
	p, _ := NewProfile(map[string]any{"certifications": []any{"hnte"}})
	res, err := rs.Evaluate(p, day("2024-01-01"))
	if err != nil || res.Status != Eligible {
		t.Errorf("got %v %v", res, err)
	}
	p2, _ := NewProfile(map[string]any{})
	res, _ = rs.Evaluate(p2, day("2024-01-01"))
	if res.Criteria[0].Status != Unknown || fmt.Sprint(res.Criteria[0].Unknown) != "[certifications]" {
		t.Errorf("null list: got %+v", res.Criteria[0])
	}
}

// randomProfile draws a profile near the thresholds rules use, with nulls.
func randomProfile(r *rand.Rand) *Profile {
	m := map[string]any{}
	pick := func(xs ...float64) float64 { return xs[r.IntN(len(xs))] }
	if r.IntN(8) > 0 {
		m["employees"] = pick(0, 1, 9, 10, 20, 100, 120, 500, 501)
		if r.IntN(8) > 0 {
			m["rd_staff"] = float64(r.IntN(int(m["employees"].(float64)) + 1))
		}
	}
	money := func() float64 {
		return pick(0, 1, 999999, 1000000, 49999999, 50000000, 50000001, 200000000, 200000001, float64(r.IntN(300000000)))
	}
	for _, pair := range [][2]string{{"revenue_yuan", "revenue_3y_yuan"}, {"rd_expense_yuan", "rd_expense_3y_yuan"}} {
		if r.IntN(8) > 0 {
			a := money()
			m[pair[0]] = a
			if r.IntN(8) > 0 {
				m[pair[1]] = a + money()
			}
		}
	}
	if v, ok := m["rd_expense_3y_yuan"].(float64); ok && r.IntN(8) > 0 {
		m["rd_expense_domestic_3y_yuan"] = float64(r.IntN(int(v) + 1))
	}
	if v, ok := m["revenue_yuan"].(float64); ok && r.IntN(8) > 0 {
		m["high_tech_revenue_yuan"] = float64(r.IntN(int(v) + 1))
	}
	if r.IntN(8) > 0 {
		m["total_assets_yuan"] = money()
	}
	for _, f := range []string{"invention_patents", "other_ip"} {
		if r.IntN(6) > 0 {
			m[f] = pick(0, 1, 2, 3, 4, 5, 30)
		}
	}
	if r.IntN(6) > 0 {
		m["innovation_score"] = pick(0, 60, 70, 71, 72, 100)
	}
	if r.IntN(6) > 0 {
		m["major_incident_last_year"] = r.IntN(5) == 0
	}
	if r.IntN(6) > 0 {
		m["founded_on"] = pick(0, 1, 2, 3, 4, 5)
		m["founded_on"] = []string{"2000-01-01", "2024-02-29", "2025-06-01", "2025-06-02", "2026-05-31", "2026-06-01"}[int(m["founded_on"].(float64))]
	}
	if r.IntN(6) > 0 {
		m["industry"] = []string{"C3973", "I6520", "C1610", "F5191", "H6110", "K7010", "L7212", "R9011", "R8610", "C3421", "I6510", "C"}[r.IntN(12)]
	}
	if r.IntN(6) > 0 {
		m["tech_field"] = Fields[fieldIndex["tech_field"]].Enum[r.IntN(8)]
	}
	if r.IntN(6) > 0 {
		var cs []any
		for _, c := range []string{"hnte", "scitech_sme", "little_giant"} {
			if r.IntN(3) == 0 {
				cs = append(cs, c)
			}
		}
		m["certifications"] = cs
	}
	for _, f := range []string{"registered_district", "tax_district"} {
		if r.IntN(6) > 0 {
			m[f] = []string{"jingan", "xuhui", "minhang"}[r.IntN(3)]
		}
	}
	p, err := NewProfile(m)
	if err != nil {
		panic(err)
	}
	return p
}

// randomExpr draws a boolean expression in the fast subset.
func randomExpr(r *rand.Rand, depth int) string {
	nums := []string{"employees", "rd_staff", "revenue_yuan", "rd_expense_3y_yuan", "invention_patents", "other_ip", "innovation_score", "params.limit", "full_years(founded_on, as_of)", "3", "0.5", "values.v"}
	num := func(d int) string {
		var f func(d int) string
		f = func(d int) string {
			if d <= 0 || r.IntN(3) == 0 {
				return nums[r.IntN(len(nums))]
			}
			switch r.IntN(7) {
			case 0:
				return "(" + f(d-1) + " + " + f(d-1) + ")"
			case 1:
				return "(" + f(d-1) + " * " + f(d-1) + ")"
			case 2:
				return "(" + f(d-1) + " / " + f(d-1) + ")"
			case 3:
				return "min(" + f(d-1) + ", " + f(d-1) + ")"
			case 4:
				return "ceil(" + f(d-1) + ")"
			case 5:
				return "(" + randomExpr(r, d-1) + " ? " + f(d-1) + " : " + f(d-1) + ")"
			default:
				return "-" + f(d-1)
			}
		}
		return f(d)
	}
	if depth <= 0 || r.IntN(4) == 0 {
		switch r.IntN(6) {
		case 0:
			return "'hnte' in certifications"
		case 1:
			return "tech_field == 'biomedicine'"
		case 2:
			return "!major_incident_last_year"
		case 3:
			return "starts_with_any(industry, params.codes)"
		default:
			return num(depth) + []string{" < ", " <= ", " == ", " != ", " >= ", " > "}[r.IntN(6)] + num(depth)
		}
	}
	switch r.IntN(3) {
	case 0:
		return "(" + randomExpr(r, depth-1) + " && " + randomExpr(r, depth-1) + ")"
	case 1:
		return "(" + randomExpr(r, depth-1) + " || " + randomExpr(r, depth-1) + ")"
	default:
		return "!(" + randomExpr(r, depth-1) + ")"
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFastAgreesWithCEL is the property that lets matching trust the
// fast evaluator: on many random profiles and random expressions, it
// gives the same statuses, unknown fields, values and amounts as CEL.
func TestFastAgreesWithCEL(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var sets []*RuleSet
	for _, rs := range Builtin() {
		sets = append(sets, rs)
	}
	for len(sets) < 60 {
		s := minimal(randomExpr(r, 3))
		s.Parameters = append(s.Parameters, ParamSpec{Name: "codes", Type: "strings", Label: Text{Zh: "代码", En: "Codes"},
			Periods: []Period{{From: "2020-01-01", Value: json.RawMessage(`["C39", "I"]`), Reference: "x"}}})
		s.Values = []ValueSpec{{Name: "v", Label: Text{Zh: "值", En: "Value"}, Expr: "(" + strings.ReplaceAll(randomExpr(r, 2), "values.v", "rd_staff") + ") ? rd_staff : 0.25"}}
		for i := 0; i < 4; i++ {
			s.Criteria = append(s.Criteria, CriterionSpec{ID: fmt.Sprintf("r%d", i), Label: Text{Zh: "随机", En: "Random"}, Reference: "x", Expr: randomExpr(r, 3)})
		}
		s.Amount = &AmountSpec{Label: Text{Zh: "金额", En: "Amount"}, Reference: "x", Expr: "int(min(values.v * 1000, 1e12))"}
		rs, err := Compile(s)
		if err != nil {
			t.Fatalf("random rule set does not compile: %v", err)
		}
		if rs.fast == nil {
			t.Fatalf("random rule set outside the fast subset: %+v", s.Criteria)
		}
		sets = append(sets, rs)
	}
	profiles := make([]*Profile, 400)
	for i := range profiles {
		profiles[i] = randomProfile(r)
	}
	b := NewBatch(profiles)
	fr := NewFrame()
	for _, asOf := range []time.Time{day("2022-09-30"), day("2026-06-01")} {
		for _, rs := range sets {
			out, err := rs.EvaluateBatch(fr, b, asOf)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range profiles {
				fast, err := rs.Explain(b, i, asOf, out)
				if err != nil {
					t.Fatal(err)
				}
				slow, err := rs.evalCEL(p, asOf)
				if err != nil {
					t.Fatal(err)
				}
				if d := diffResults(fast, slow); d != "" {
					t.Fatalf("%s row %d as of %s: %s\ncriteria: %v", rs.Slug(), i, asOf.Format(time.DateOnly), d, rs.spec.Criteria)
				}
				// The scalar evaluator (one profile) explains exactly as
				// the column evaluator does, gaps and sentences included.
				one, err := rs.Evaluate(p, asOf)
				if err != nil {
					t.Fatal(err)
				}
				if a, b := mustJSON(t, one), mustJSON(t, fast); a != b {
					t.Fatalf("%s row %d as of %s: scalar\n%s\ncolumns\n%s", rs.Slug(), i, asOf.Format(time.DateOnly), a, b)
				}
			}
		}
	}
}

func TestGapExample(t *testing.T) {
	rs := Builtin()["hnte-certification"]
	p, err := NewProfile(map[string]any{"revenue_yuan": 51000000.0, "revenue_3y_yuan": 52500000.0, "rd_expense_3y_yuan": 1680000.0})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rs.Evaluate(p, day("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Criteria {
		if c.ID != "rd_share" {
			continue
		}
		if c.Gap == nil || *c.Gap.Delta != 420000 || c.Gap.Field != "rd_expense_3y_yuan" || *c.Gap.Target != 2100000 {
			t.Fatalf("gap %+v", c.Gap)
		}
		if c.Reason.En != "R&D share 3.2%, needs 4.0%: about 420,000 yuan more R&D expense" ||
			c.Reason.Zh != "研发费用占比 3.2%，需达到 4.0%：约需再增加研发费用 420,000 元" {
			t.Errorf("reason %+v", c.Reason)
		}
	}
	if res.Status != Ineligible {
		t.Errorf("status %s", res.Status)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		x    float64
		f    Format
		want string
	}{{420000, FormatYuan, "420,000"}, {-1234567, FormatYuan, "-1,234,567"}, {999, FormatCount, "999"}, {0.032, FormatPercent, "3.2%"},
		{0.04, FormatPercent, "4.0%"}, {20260601, FormatDate, "2026-06-01"}, {1234.5, FormatNumber, "1,234.5"}} {
		if got := formatValue(c.x, c.f); got != c.want {
			t.Errorf("formatValue(%v, %s) = %q, want %q", c.x, c.f, got, c.want)
		}
	}
}

func TestTemplate(t *testing.T) {
	order := []string{"current", "target", "delta", "year"}
	nums := []numArg{{0.032, FormatPercent}, {0.04, FormatPercent}, {420000, FormatYuan}, {20260601, FormatDate}}
	for _, c := range []struct{ tpl, want string }{
		{"share {current}, needs {target}: {delta} yuan more by {year}", "share 3.2%, needs 4.0%: 420,000 yuan more by 2026-06-01"},
		{"", ""},
		{"no numbers", "no numbers"},
		{"{other} is nothing", " is nothing"},
		{"open {current", "open {current"},
		{"{delta}{delta}", "420,000420,000"},
		{"a{b{delta}c", "ac"},
		{"}{target}{", "}4.0%{"},
	} {
		if got := string(appendTemplate(nil, parseTemplate(c.tpl, order), nums)); got != c.want {
			t.Errorf("%q: got %q, want %q", c.tpl, got, c.want)
		}
	}
	for _, c := range []struct {
		x    float64
		want string
	}{{0, "0"}, {-5, "-5"}, {-999, "-999"}, {1000, "1,000"}, {-1000.25, "-1,000.25"}, {99.999, "100"}, {123456.5, "123,456.5"}, {1e20, "100,000,000,000,000,000,000"}} {
		if got := formatValue(c.x, FormatNumber); got != c.want {
			t.Errorf("formatValue(%v) = %q, want %q", c.x, got, c.want)
		}
	}
}
