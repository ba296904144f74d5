package rules

import (
	"errors"
	"math/rand/v2"
	"testing"

	"rainforest/internal/kernel/apperr"
)

// FuzzCompile feeds arbitrary expressions to the compiler: it must refuse
// them with a field error or compile them into a rule set that evaluates
// without panicking, with the fast evaluator agreeing with CEL.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"employees <= params.limit",
		"revenue_3y_yuan > 0 && rd_expense_3y_yuan / revenue_3y_yuan >= 0.05",
		"full_years(founded_on, as_of) >= 1",
		"'hnte' in certifications || innovation_score >= 71",
		"starts_with_any(industry, ['C16', 'F'])",
		"certifications.exists(c, c == 'hnte')",
		"int(employees) > 3",
		"employees / 0 > 1",
		"[1,2].map(x, x * 2).size() == 2",
		"name_zh.matches('^上海.*')",
	} {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(7, 7))
	profiles := make([]*Profile, 64)
	for i := range profiles {
		profiles[i] = randomProfile(r)
	}
	b := NewBatch(profiles)
	f.Fuzz(func(t *testing.T, src string) {
		rs, err := Compile(minimal(src))
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
				t.Fatalf("refused without a field error: %v", err)
			}
			return
		}
		fr := NewFrame()
		asOf := day("2024-06-01")
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
				t.Fatalf("row %d: %s", i, d)
			}
			one, err := rs.Evaluate(p, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := mustJSON(t, one), mustJSON(t, fast); a != b {
				t.Fatalf("row %d: scalar\n%s\ncolumns\n%s", i, a, b)
			}
		}
	})
}
