package ip

import (
	"context"
	"slices"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// Bucket is one group of the statistics.
type Bucket struct {
	Key      string `json:"key"`
	Listings int    `json:"listings"`
	Deals    int    `json:"deals"`
	// ValueFen is the sum of the closed deals' prices.
	ValueFen int64 `json:"value_fen"`
}

// Stats are the marketplace's figures: listings (created), closed deals
// and their value, by asset type, by district and by month (Shanghai).
type Stats struct {
	Listings   int      `json:"listings"`
	Active     int      `json:"active"`
	Deals      int      `json:"deals"`
	ValueFen   int64    `json:"value_fen"`
	ByType     []Bucket `json:"by_type"`
	ByDistrict []Bucket `json:"by_district"`
	ByMonth    []Bucket `json:"by_month"`
}

// Statistics computes the figures; they are public (no confidential
// value is in them: only closed deals count).
func (s *Service) Statistics(ctx context.Context) (Stats, error) {
	st := Stats{ByType: []Bucket{}, ByDistrict: []Bucket{}, ByMonth: []Bucket{}}
	byType, byDistrict, byMonth := map[string]*Bucket{}, map[string]*Bucket{}, map[string]*Bucket{}
	get := func(m map[string]*Bucket, k string) *Bucket {
		if m[k] == nil {
			m[k] = &Bucket{Key: k}
		}
		return m[k]
	}
	month := func(t time.Time) string { return t.In(shanghai).Format("2006-01") }
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT a.kind, l.district, l.status, l.created_at FROM ip_listings l JOIN ip_assets a ON a.id = l.asset_id`)
	if err != nil {
		return st, apperr.Wrap(err, "listing statistics")
	}
	for rows.Next() {
		var kind, district, status string
		var at time.Time
		if err := rows.Scan(&kind, &district, &status, &at); err != nil {
			rows.Close()
			return st, apperr.Wrap(err, "listing statistics")
		}
		st.Listings++
		if status == "active" {
			st.Active++
		}
		get(byType, kind).Listings++
		get(byDistrict, district).Listings++
		get(byMonth, month(at)).Listings++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, apperr.Wrap(err, "listing statistics")
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT a.kind, l.district, d.price_fen, d.closed_at FROM ip_deals d
		JOIN ip_listings l ON l.id = d.listing_id JOIN ip_assets a ON a.id = l.asset_id WHERE d.state = 'closed'`)
	if err != nil {
		return st, apperr.Wrap(err, "deal statistics")
	}
	defer rows.Close()
	for rows.Next() {
		var kind, district string
		var price int64
		var at db.Time
		if err := rows.Scan(&kind, &district, &price, &at); err != nil {
			return st, apperr.Wrap(err, "deal statistics")
		}
		st.Deals++
		st.ValueFen += price
		for _, b := range []*Bucket{get(byType, kind), get(byDistrict, district), get(byMonth, month(at.Time))} {
			b.Deals++
			b.ValueFen += price
		}
	}
	if err := rows.Err(); err != nil {
		return st, apperr.Wrap(err, "deal statistics")
	}
	flat := func(m map[string]*Bucket) []Bucket {
		out := []Bucket{}
		for _, b := range m {
			out = append(out, *b)
		}
		slices.SortFunc(out, func(a, b Bucket) int {
			if a.Key < b.Key {
				return -1
			}
			if a.Key > b.Key {
				return 1
			}
			return 0
		})
		return out
	}
	st.ByType, st.ByDistrict, st.ByMonth = flat(byType), flat(byDistrict), flat(byMonth)
	return st, nil
}
