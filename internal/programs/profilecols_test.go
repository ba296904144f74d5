package programs_test

import (
	"context"
	"encoding/json"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/programs"
	"rainforest/internal/registry"
)

// TestProfileColumnsMatchProfileOf: the loaders' straight read of orgs
// rows (registry.ProfileColumns) gives every enterprise of the demo city
// the profile the registry's record gives (ProfileOf), field by field.
func TestProfileColumnsMatchProfileOf(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	var all uint64
	for i := range rules.Fields {
		all |= 1 << i
	}
	pc := registry.NewProfileColumns(all, true)
	rows, err := e.App.DB.Read.QueryContext(ctx, `SELECT id`+pc.Select()+` FROM orgs WHERE kind = 'enterprise' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var id int64
	dest := append([]any{&id}, pc.Dest()...)
	got := &rules.Profile{}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		if err := pc.Fill(got); err != nil {
			t.Fatalf("org %d: %v", id, err)
		}
		o, err := e.App.Registry.Get(ctx, &auth.Principal{Role: auth.RoleAdmin}, id)
		if err != nil {
			t.Fatal(err)
		}
		want, err := programs.ProfileOf(&o)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rules.Fields {
			if f.Person {
				continue
			}
			a, _ := json.Marshal(got.Value(f.Name))
			b, _ := json.Marshal(want.Value(f.Name))
			if string(a) != string(b) {
				t.Errorf("org %d %s: columns %s, record %s", id, f.Name, a, b)
			}
		}
		n++
	}
	if err := rows.Err(); err != nil || n == 0 {
		t.Fatalf("%d enterprises: %v", n, err)
	}
}
