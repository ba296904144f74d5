package rules

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// TestEvaluateProfileManySets: one profile against enough rule sets to be
// shared among the cores gives, set by set and in order, what evaluating
// it against each set alone gives.
func TestEvaluateProfileManySets(t *testing.T) {
	sets := programs(t, 3*parallelSets+5)
	r := rand.New(rand.NewPCG(7, 8))
	asOf := day("2026-06-01")
	for range 5 {
		p := randomProfile(r)
		got, err := EvaluateProfile(p, asOf, sets)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(sets) {
			t.Fatalf("%d results for %d sets", len(got), len(sets))
		}
		for i, rs := range sets {
			want, err := rs.Evaluate(p, asOf)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(got[i])
			b, _ := json.Marshal(want)
			if string(a) != string(b) {
				t.Fatalf("set %d (%s):\n got %s\nwant %s", i, rs.Spec().Slug, a, b)
			}
		}
	}
}

// TestEvaluateManyReuse: evaluations whose memory is released and reused,
// by several goroutines at once, each give what evaluating alone gives,
// strings included, until they are released.
func TestEvaluateManyReuse(t *testing.T) {
	sets := programs(t, 2*parallelSets+3)
	r := rand.New(rand.NewPCG(9, 10))
	asOf := day("2026-06-01")
	profiles := make([]*Profile, 6)
	want := make([]string, len(profiles))
	for i := range profiles {
		profiles[i] = randomProfile(r)
		res := make([]*Result, len(sets))
		for k, rs := range sets {
			var err error
			if res[k], err = rs.Evaluate(profiles[i], asOf); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := json.Marshal(res)
		want[i] = string(b)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 30 {
				i := (g + n) % len(profiles)
				ev, err := EvaluateMany(profiles[i], asOf, sets)
				if err != nil {
					errs <- err.Error()
					return
				}
				b, _ := json.Marshal(ev.Results)
				ev.Release()
				if string(b) != want[i] {
					errs <- "profile " + strconv.Itoa(i) + " differs after reuse"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestTypedSetters: a profile filled field by field gives what NewProfile
// gives from the same values, and refuses the same bad ones.
func TestTypedSetters(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	set := func(p *Profile, name string, v any) error {
		i, ok := FieldIndex(name)
		if !ok {
			t.Fatalf("no field %s", name)
		}
		switch x := v.(type) {
		case float64:
			return p.SetNumber(i, x)
		case string:
			if Fields[i].Type == Date {
				return p.SetDate(i, x)
			}
			return p.SetString(i, x)
		case bool:
			return p.SetBool(i, x)
		case []string:
			return p.SetStrings(i, x)
		}
		t.Fatalf("%s: %T", name, v)
		return nil
	}
	typed := &Profile{}
	for range 200 {
		want := randomProfile(r)
		typed.Clear()
		for _, f := range Fields {
			if v := want.Value(f.Name); v != nil {
				if err := set(typed, f.Name, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := typed.Check(); err != nil {
			t.Fatal(err)
		}
		for _, f := range Fields {
			a, _ := json.Marshal(typed.Value(f.Name))
			b, _ := json.Marshal(want.Value(f.Name))
			if string(a) != string(b) {
				t.Fatalf("%s: typed %s, map %s", f.Name, a, b)
			}
		}
	}
	typed.Clear()
	for _, c := range []struct {
		name string
		v    any
	}{{"employees", -1.0}, {"employees", 2.5}, {"kind", "planet"}, {"founded_on", "2020-02-30"}, {"industry", "not a code"}} {
		_, mapErr := NewProfile(map[string]any{c.name: c.v})
		if err := set(typed, c.name, c.v); err == nil || mapErr == nil || err.Error() != mapErr.Error() {
			t.Errorf("%s = %v: typed %v, map %v", c.name, c.v, err, mapErr)
		}
	}
	i, _ := FieldIndex("employees")
	if err := typed.SetString(i, "ten"); err == nil {
		t.Error("a string set into a number field")
	}
	typed.Clear()
	e, _ := FieldIndex("employees")
	rd, _ := FieldIndex("rd_staff")
	typed.SetNumber(e, 10)
	typed.SetNumber(rd, 11)
	if typed.Check() == nil {
		t.Error("rd_staff above employees passed the check")
	}
}

// TestCodeFrame: a code frame gives the same statuses (as codes), unknown fields and
// per-criterion outcomes as a frame with Status per criterion.
func TestCodeFrame(t *testing.T) {
	sets := programs(t, 8)
	r := rand.New(rand.NewPCG(9, 10))
	ps := make([]*Profile, 3000)
	for i := range ps {
		ps[i] = randomProfile(r)
	}
	b := NewBatch(ps)
	asOf := day("2026-06-01")
	letter := map[Status]byte{Met: 'm', NotMet: 'n', Unknown: 'u'}
	plain, codes := NewFrame(), NewCodeFrame()
	for _, rs := range sets {
		want, err := rs.EvaluateBatch(plain, b, asOf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rs.EvaluateBatch(codes, b, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Criteria) != 0 || len(got.Codes) != len(want.Criteria) {
			t.Fatalf("%s: %d criteria, %d code columns", rs.Spec().Slug, len(got.Criteria), len(got.Codes))
		}
		for i := 0; i < b.Len(); i++ {
			if len(got.Status) != 0 || got.StatusCodes[i] != statusCode[want.Status[i]] {
				t.Fatalf("%s row %d: %c, want %s", rs.Spec().Slug, i, got.StatusCodes[i], want.Status[i])
			}
			for c := range want.Criteria {
				if got.Codes[c][i] != letter[want.Criteria[c][i]] || got.Unknown[c][i] != want.Unknown[c][i] {
					t.Fatalf("%s row %d criterion %d: %c, want %s", rs.Spec().Slug, i, c, got.Codes[c][i], want.Criteria[c][i])
				}
			}
		}
	}
}

// TestFields: a rule set reads the fields its expressions name and no
// other; the built-in rule sets read neither names nor the credit code.
func TestFields(t *testing.T) {
	rs, err := Parse([]byte(`{"slug": "f", "title": {"zh": "f", "en": "f"},
		"criteria": [{"id": "a", "label": {"zh": "a", "en": "a"}, "reference": "r", "expr": "employees >= 10 && registered_district == 'jingan'"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := FieldNames(rs.Fields()); len(got) != 2 || !slices.Contains(got, "employees") || !slices.Contains(got, "registered_district") {
		t.Fatalf("fields %v", got)
	}
	for _, slug := range []string{"hnte-certification", "scitech-sme", "rd-super-deduction"} {
		data, _ := BuiltinSource(slug)
		rs, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		got := FieldNames(rs.Fields())
		if len(got) == 0 || slices.Contains(got, "uscc") || slices.Contains(got, "name_zh") {
			t.Fatalf("%s reads %v", slug, got)
		}
	}
}
