package housing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rainforest/internal/talent/housing"
)

// BenchmarkScore is one application's priority score, explained.
func BenchmarkScore(b *testing.B) {
	in := housing.ScoreInput{TalentClass: "b", Certifications: []string{"hnte"}, MonthsInDistrict: 20, HouseholdSize: 3, Rooms: 2}
	asOf := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, _, err := housing.Score(in, asOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllocate runs a district round of 1,000 applications over 600
// flats of three sizes in four buildings: offers, waitlist, audit, one
// transaction. Run with -benchtime=3x.
func BenchmarkAllocate(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b)
		for i := range 4 {
			var units []housing.UnitInput
			for j := range 150 {
				units = append(units, housing.UnitInput{Number: fmt.Sprintf("%d-%03d", i, j), Rooms: 1 + j%3, AreaM2: float64(35 + j%40), RentYuan: int64(2000 + j*10)})
			}
			f.building(fmt.Sprintf("楼%d", i), units...)
		}
		r := f.round(nil)
		for i := range 1000 {
			household := 1 + i%5
			f.apply(f.talent(f.plain, string("abc"[i%3])), r.ID, 0, i%48, household, (household+1)/2)
		}
		b.StartTimer()
		al, err := f.s.Allocate(context.Background(), f.officer, r.ID)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if len(al.Offers) != 600 || len(al.Waitlisted) != 400 {
			b.Fatalf("%d offers, %d waitlisted", len(al.Offers), len(al.Waitlisted))
		}
		b.StartTimer()
	}
}
