package incubation_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
)

// BenchmarkCityFigures: the city's and districts' figures over a city of
// 700 carriers with 60 tenancies each (42,000 tenancies, a lease each, an
// investment for one in five), read and computed from the tables.
func BenchmarkCityFigures(b *testing.B) {
	e := apptest.New(b)
	ctx := context.Background()
	var op int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM orgs WHERE name_zh = '杨浦科技创业中心'`).Scan(&op); err != nil {
		b.Fatal(err)
	}
	districts := []string{"xuhui", "minhang", "jingan", "yangpu", "pudong"}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	err := e.App.DB.Tx(ctx, func(tx *sql.Tx) error {
		for c := range 700 {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO incubation_carriers (operator_org_id, stage, name_zh, district, area_m2, desks, offices, created_at, updated_at)
				VALUES ($1, 'incubator', $2, $3, 1000, 60, 10, $4, $4) RETURNING id`, op, fmt.Sprintf("载体 %d", c), districts[c%len(districts)], now).Scan(&id); err != nil {
				return err
			}
			for k := range 60 {
				adm := now.AddDate(0, 0, -rng.IntN(4*365))
				var left, exit any
				if rng.IntN(2) == 0 {
					l := adm.AddDate(0, 0, rng.IntN(700))
					if l.Before(now) {
						left, exit = l.Format(time.DateOnly), []string{"graduated", "moved", "closed"}[rng.IntN(3)]
					}
				}
				var tid int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO incubation_tenancies (carrier_id, org_id, name, admitted_on, left_on, exit_kind, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, id, op, fmt.Sprintf("租户 %d-%d", c, k), adm.Format(time.DateOnly), left, exit, now).Scan(&tid); err != nil {
					return err
				}
				end := adm.AddDate(1, 0, 0).Format(time.DateOnly)
				if _, err := tx.ExecContext(ctx, `INSERT INTO incubation_leases (tenancy_id, carrier_id, space, units, starts_on, ends_on, created_at) VALUES ($1, $2, 'desk', 1, $3, $4, $5)`,
					tid, id, adm.Format(time.DateOnly), end, now); err != nil {
					return err
				}
				if k%5 == 0 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO incubation_investments (tenancy_id, carrier_id, round, amount_fen, investor, invested_on, created_at) VALUES ($1, $2, 'angel', 100000000, '天使', $3, $4)`,
						tid, id, adm.AddDate(0, 3, 0).Format(time.DateOnly), now); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		c, err := e.App.Incubation.CityFigures(ctx, now)
		if err != nil || c.City.TeamsServed != 42000 {
			b.Fatalf("%v: %d served", err, c.City.TeamsServed)
		}
	}
}
