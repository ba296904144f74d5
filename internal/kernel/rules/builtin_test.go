package rules

import (
	"testing"
)

// TestBuiltinCases runs every built-in rule set's own cases, on the fast
// evaluator and on CEL alone.
func TestBuiltinCases(t *testing.T) {
	bs := Builtin()
	for _, slug := range []string{"hnte-certification", "scitech-sme", "rd-super-deduction"} {
		rs, ok := bs[slug]
		if !ok {
			t.Fatalf("built-in rule set %s is missing", slug)
		}
		if rs.fast == nil {
			t.Errorf("%s: not compiled for the fast evaluator", slug)
		}
		if len(rs.Spec().Cases) < 10 {
			t.Errorf("%s: only %d cases", slug, len(rs.Spec().Cases))
		}
		for _, f := range rs.Check() {
			t.Errorf("%s: %s", slug, f)
		}
	}
}
