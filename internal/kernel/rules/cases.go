package rules

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed builtin/*.json
var builtinFS embed.FS

// Builtin compiles the built-in rule sets (builtin/*.json) by slug. They
// are part of the binary, so an error is a programming error.
func Builtin() map[string]*RuleSet {
	builtinOnce()
	return builtins
}

var builtins map[string]*RuleSet

var builtinOnce = sync.OnceFunc(func() {
	builtins = map[string]*RuleSet{}
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		data, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			panic(err)
		}
		rs, err := Parse(data)
		if err != nil {
			panic(fmt.Sprintf("rules: builtin %s: %v", e.Name(), err))
		}
		if rs.Slug()+".json" != e.Name() {
			panic(fmt.Sprintf("rules: builtin %s has slug %s", e.Name(), rs.Slug()))
		}
		builtins[rs.Slug()] = rs
	}
})

// BuiltinSource returns a built-in rule set's file, for officers to copy.
func BuiltinSource(slug string) ([]byte, bool) {
	data, err := builtinFS.ReadFile(path.Join("builtin", slug+".json"))
	return data, err == nil
}

// CaseFailure is a test case whose outcome differs from its expectation.
type CaseFailure struct {
	Case    string
	Problem string
}

func (f CaseFailure) String() string { return f.Case + ": " + f.Problem }

// Check runs the rule set's own test cases and returns the failures.
func (rs *RuleSet) Check() []CaseFailure {
	var fails []CaseFailure
	for i, c := range rs.spec.Cases {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("cases[%d]", i)
		}
		for _, p := range rs.checkCase(c) {
			fails = append(fails, CaseFailure{Case: name, Problem: p})
		}
	}
	return fails
}

func (rs *RuleSet) checkCase(c Case) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	asOf, err := time.Parse(time.DateOnly, c.AsOf)
	if err != nil {
		return []string{"as_of must be a date YYYY-MM-DD"}
	}
	p, err := NewProfile(normalizeJSON(c.Profile))
	if err != nil {
		return []string{"profile: " + err.Error()}
	}
	res, err := rs.Evaluate(p, asOf)
	if err != nil {
		return []string{"evaluate: " + err.Error()}
	}
	ref, err := rs.evalCEL(p, asOf)
	if err != nil {
		return []string{"evaluate with CEL: " + err.Error()}
	}
	if d := diffResults(res, ref); d != "" {
		bad("the fast evaluator and CEL disagree: %s", d)
	}
	e := c.Expect
	if e.Status != "" && res.Status != e.Status {
		bad("status is %s, want %s", res.Status, e.Status)
	}
	byID := map[string]*CriterionResult{}
	for i := range res.Criteria {
		byID[res.Criteria[i].ID] = &res.Criteria[i]
	}
	for _, id := range sortedKeys(e.Criteria) {
		r, ok := byID[id]
		if !ok {
			bad("criterion %s does not exist", id)
		} else if r.Status != e.Criteria[id] {
			bad("criterion %s is %s, want %s (%s)", id, r.Status, e.Criteria[id], r.Reason.En)
		}
	}
	for _, id := range sortedKeys(e.Unknown) {
		if r, ok := byID[id]; !ok || !slices.Equal(r.Unknown, e.Unknown[id]) {
			got := []string(nil)
			if ok {
				got = r.Unknown
			}
			bad("criterion %s unknown fields are %v, want %v", id, got, e.Unknown[id])
		}
	}
	for _, name := range sortedKeys(e.Values) {
		want := e.Values[name]
		var got *float64
		found := false
		for _, v := range res.Values {
			if v.Name == name {
				got, found = v.Value, true
			}
		}
		switch {
		case !found:
			bad("value %s does not exist", name)
		case want == nil && got != nil:
			bad("value %s is %v, want unknown", name, *got)
		case want != nil && got == nil:
			bad("value %s is unknown, want %v", name, *want)
		case want != nil && math.Abs(*got-*want) > 1e-9:
			bad("value %s is %v, want %v", name, *got, *want)
		}
	}
	if len(e.Amount) > 0 {
		var want *int64
		if err := json.Unmarshal(e.Amount, &want); err != nil {
			bad("expect.amount_yuan must be a whole number or null")
		} else if res.Amount == nil {
			bad("the rule set has no amount")
		} else if (want == nil) != (res.Amount.Yuan == nil) || want != nil && *want != *res.Amount.Yuan {
			bad("amount is %s, want %s", showInt(res.Amount.Yuan), showInt(want))
		}
	}
	for lang, m := range map[string]map[string]string{"en": e.GapEn, "zh": e.GapZh} {
		for _, id := range sortedKeys(m) {
			r, ok := byID[id]
			switch {
			case !ok:
				bad("criterion %s does not exist", id)
			case r.Gap == nil:
				bad("criterion %s has no gap, want %q", id, m[id])
			case r.Gap.Text.In(lang) != m[id]:
				bad("criterion %s gap (%s) is %q, want %q", id, lang, r.Gap.Text.In(lang), m[id])
			}
		}
	}
	return probs
}

func showInt(p *int64) string {
	if p == nil {
		return "unknown"
	}
	return fmt.Sprint(*p)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// normalizeJSON turns json.Number values (from a UseNumber decoder) into
// float64, as a plain decode would give.
func normalizeJSON(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if n, ok := v.(json.Number); ok {
			f, err := n.Float64()
			if err == nil {
				v = f
			}
		}
		out[k] = v
	}
	return out
}

// diffResults describes the first difference between two results, or "".
func diffResults(a, b *Result) string {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if bytes.Equal(ja, jb) {
		return ""
	}
	sa, sb := string(ja), string(jb)
	i := 0
	for i < len(sa) && i < len(sb) && sa[i] == sb[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("fast …%s… CEL …%s…", clip(sa[from:], 200), clip(sb[from:], 200))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return strings.TrimSpace(s)
}
