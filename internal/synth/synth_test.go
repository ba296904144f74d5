package synth

import (
	"context"
	"database/sql"
	"reflect"
	"testing"

	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/registry"
)

func TestDeterministic(t *testing.T) {
	g := Generator{Enterprises: 5000, Seed: 42}
	for _, i := range []int{0, 1, 4999, 5000, g.Count() - 1} {
		if a, b := g.Org(i), g.Org(i); !reflect.DeepEqual(a, b) {
			t.Errorf("Org(%d) differs between calls:\n%+v\n%+v", i, a, b)
		}
	}
	other := Generator{Enterprises: 5000, Seed: 43}
	if reflect.DeepEqual(g.Org(7), other.Org(7)) {
		t.Errorf("seeds 42 and 43 make the same organization 7")
	}
}

func TestShapeAndValidity(t *testing.T) {
	d := dbtest.Open(t)
	reg := &registry.Service{DB: d}
	g := Generator{Enterprises: 20000, Seed: 1}
	codes := map[string]bool{}
	kinds := map[string]int{}
	districts := map[string]int{}
	var hnte, sme, unknownEmployees, noTechField int
	for i := 0; i < g.Count(); i++ {
		o := g.Org(i)
		before := o.Text("certifications") + o.USCC
		if _, err := reg.Prepare(context.Background(), &o); err != nil {
			t.Fatalf("Org(%d) does not validate: %v\n%+v %+v", i, err, o.Public, *o.Private)
		}
		if o.Text("certifications")+o.USCC != before {
			t.Errorf("Org(%d) changed on normalization", i)
		}
		if codes[o.USCC] {
			t.Fatalf("Org(%d) repeats credit code %s", i, o.USCC)
		}
		codes[o.USCC] = true
		kinds[o.Kind]++
		if o.Kind != "enterprise" {
			continue
		}
		districts[*o.RegisteredDistrict]++
		if o.HasCert("hnte") {
			hnte++
		}
		if o.HasCert("scitech_sme") {
			sme++
		}
		if o.Employees == nil {
			unknownEmployees++
		}
		if o.TechField == nil {
			noTechField++
		}
	}
	n := float64(g.Enterprises)
	if kinds["enterprise"] != g.Enterprises || kinds["agency"] != 16 || kinds["university"] != 10 || kinds["service"] != 40 {
		t.Errorf("kinds = %v", kinds)
	}
	if r := float64(hnte) / n; r < 0.06 || r > 0.10 {
		t.Errorf("high-tech enterprises are %.1f%% of enterprises, want about 8%%", 100*r)
	}
	if sme <= hnte {
		t.Errorf("%d sci-tech SMEs, %d high-tech enterprises: want more SMEs", sme, hnte)
	}
	if len(districts) != 16 || districts["pudong"] < 3*districts["jingan"] {
		t.Errorf("districts = %v, want all 16, Pudong far ahead of Jing'an", districts)
	}
	if r := float64(unknownEmployees) / n; r < 0.1 || r > 0.3 {
		t.Errorf("%.1f%% of enterprises have unknown employees, want some but not most", 100*r)
	}
	if r := float64(noTechField) / n; r < 0.4 || r > 0.8 {
		t.Errorf("%.1f%% of enterprises are not technology firms, want most", 100*r)
	}
}

func TestWrite(t *testing.T) {
	d := dbtest.Open(t)
	reg := &registry.Service{DB: d}
	g := Generator{Enterprises: 3000, Seed: 5}
	var last int
	if err := Write(context.Background(), reg, g, func(done, total int) { last = done }); err != nil {
		t.Fatal(err)
	}
	if last != g.Count() {
		t.Errorf("last progress %d, want %d", last, g.Count())
	}
	// Ids follow the generator's order, and the directory search finds the
	// generated names (the full-text index was filled).
	o, err := reg.Get(context.Background(), nil, 1)
	if err != nil || o.USCC != g.Org(0).USCC {
		t.Fatalf("organization 1 = %v, %v; want the generator's first", o.USCC, err)
	}
	name := []rune(g.Org(1234).NameZh)
	pg, err := reg.List(context.Background(), nil, registry.Filter{Q: string(name[2:6]), Limit: 200})
	if err != nil || len(pg.Items) == 0 {
		t.Fatalf("search for %q found %d, %v", string(name[2:6]), len(pg.Items), err)
	}
	// Later inserts still reach the index: the trigger is back.
	more := registry.NewOrg()
	more.USCC, more.NameZh, more.Kind = registry.SynthUSCC("91", "jingan", 12345), "上海后来者有限公司", "enterprise"
	if err := d.Tx(context.Background(), func(tx *sql.Tx) error { return reg.Insert(context.Background(), tx, &more) }); err != nil {
		t.Fatal(err)
	}
	if pg, _ := reg.List(context.Background(), nil, registry.Filter{Q: "后来"}); len(pg.Items) != 1 {
		t.Errorf("search for an organization inserted after the bulk load found %d, want 1", len(pg.Items))
	}
	// A second run of the same city fails whole: nothing more is written.
	if err := Write(context.Background(), reg, g, nil); err == nil {
		t.Fatal("writing the same city twice succeeded")
	}
	var n int
	d.Read.QueryRow(`SELECT COUNT(*) FROM orgs`).Scan(&n)
	if n != g.Count()+1 {
		t.Errorf("%d organizations after the failed second run, want %d", n, g.Count()+1)
	}
}

func BenchmarkWrite(b *testing.B) {
	for b.Loop() {
		d := dbtest.Open(b)
		if err := Write(context.Background(), &registry.Service{DB: d}, Generator{Enterprises: 20000, Seed: 1}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
