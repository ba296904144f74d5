package finance

import (
	"context"
	"slices"
	"strings"

	"rainforest/internal/kernel/apperr"
)

// Figure is loans of one group.
type Figure struct {
	Key            string `json:"key"`
	Loans          int    `json:"loans"`
	DisbursedFen   int64  `json:"disbursed_fen"`
	OutstandingFen int64  `json:"outstanding_fen"`
	DefaultedFen   int64  `json:"defaulted_fen"`
}

// Report is the loans granted by the borrower's district and segment
// (certification), the non-performing share, and the pools' usage.
type Report struct {
	Total      Figure   `json:"total"`
	ByDistrict []Figure `json:"by_district"`
	BySegment  []Figure `json:"by_segment"`
	// NonPerformingPct is the defaulted principal over the principal of
	// all disbursed loans still on the books (outstanding or defaulted),
	// in percent.
	NonPerformingPct float64 `json:"non_performing_pct"`
	Pools            []Pool  `json:"pools"`
}

// Report is public: aggregates only.
func (s *Service) Report(ctx context.Context) (Report, error) {
	rep := Report{Total: Figure{Key: "all"}, ByDistrict: []Figure{}, BySegment: []Figure{}}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT l.state, l.amount_fen, l.outstanding_fen, COALESCE(o.registered_district, ''), o.certifications
		FROM loans l JOIN orgs o ON o.id = l.org_id WHERE l.state IN ('disbursed', 'repaid', 'defaulted')`)
	if err != nil {
		return rep, apperr.Wrap(err, "loan report")
	}
	defer rows.Close()
	byD, byS := map[string]*Figure{}, map[string]*Figure{}
	add := func(f *Figure, state string, amount, out int64) {
		f.Loans++
		f.DisbursedFen += amount
		if state == Defaulted {
			f.DefaultedFen += out
		} else {
			f.OutstandingFen += out
		}
	}
	get := func(m map[string]*Figure, k string) *Figure {
		if m[k] == nil {
			m[k] = &Figure{Key: k}
		}
		return m[k]
	}
	for rows.Next() {
		var state, district, certs string
		var amount, out int64
		if err := rows.Scan(&state, &amount, &out, &district, &certs); err != nil {
			return rep, apperr.Wrap(err, "loan report")
		}
		add(&rep.Total, state, amount, out)
		add(get(byD, district), state, amount, out)
		segs := strings.Fields(certs)
		if len(segs) == 0 {
			segs = []string{"none"}
		}
		for _, sg := range segs {
			add(get(byS, sg), state, amount, out)
		}
	}
	if err := rows.Err(); err != nil {
		return rep, apperr.Wrap(err, "loan report")
	}
	flat := func(m map[string]*Figure) []Figure {
		out := []Figure{}
		for _, f := range m {
			out = append(out, *f)
		}
		slices.SortFunc(out, func(a, b Figure) int { return strings.Compare(a.Key, b.Key) })
		return out
	}
	rep.ByDistrict, rep.BySegment = flat(byD), flat(byS)
	if book := rep.Total.OutstandingFen + rep.Total.DefaultedFen; book > 0 {
		rep.NonPerformingPct = float64(rep.Total.DefaultedFen*10000/book) / 100
	}
	rep.Pools, err = s.Pools(ctx)
	return rep, err
}
