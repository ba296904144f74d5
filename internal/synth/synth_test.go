package synth

import (
	"context"
	"testing"

	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/registry"
)

func BenchmarkWrite(b *testing.B) {
	for b.Loop() {
		d := dbtest.Open(b)
		if err := Write(context.Background(), &registry.Service{DB: d}, Generator{Enterprises: 20000, Seed: 1}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
