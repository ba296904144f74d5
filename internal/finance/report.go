package finance

import (
	"context"
	"slices"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
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
	// Subsidies are the interest subsidies paid, by quarter and the
	// borrower's district.
	Subsidies []SubsidyFigure `json:"subsidies"`
	// Investors counts the active investors by kind.
	Investors []KindFigure `json:"investors"`
	// MeetingsHeld are accepted meetings whose time has come;
	// MeetingsRequested all requests.
	MeetingsHeld      int `json:"meetings_held"`
	MeetingsRequested int `json:"meetings_requested"`
	// Commitments are the guiding and state funds' commitments.
	Commitments []FundFigure `json:"commitments"`
}

// SubsidyFigure is the subsidies paid in a quarter to one district.
type SubsidyFigure struct {
	Quarter  string `json:"quarter"`
	District string `json:"district"`
	Claims   int    `json:"claims"`
	PaidFen  int64  `json:"paid_fen"`
}

// KindFigure is how many investors of a kind there are.
type KindFigure struct {
	Kind      string `json:"kind"`
	Investors int    `json:"investors"`
}

// FundFigure is a fund's size, committed and called amounts.
type FundFigure struct {
	FundID       int64  `json:"fund_id"`
	NameZh       string `json:"name_zh"`
	NameEn       string `json:"name_en"`
	SizeFen      int64  `json:"size_fen"`
	Commitments  int    `json:"commitments"`
	CommittedFen int64  `json:"committed_fen"`
	CalledFen    int64  `json:"called_fen"`
}

// RemainingFen is what the fund has not committed.
func (f FundFigure) RemainingFen() int64 { return f.SizeFen - f.CommittedFen }

func (s *Service) reportMore(ctx context.Context, rep *Report) error {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT quarter, district, COUNT(*), SUM(amount_fen) FROM subsidy_claims WHERE state = 'paid' GROUP BY quarter, district ORDER BY quarter, district`)
	rep.Subsidies, err = db.Collect(rows, err, "subsidy report", func(r interface{ Scan(...any) error }) (SubsidyFigure, error) {
		var f SubsidyFigure
		return f, r.Scan(&f.Quarter, &f.District, &f.Claims, &f.PaidFen)
	})
	if err != nil {
		return err
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT kind, COUNT(*) FROM investors WHERE status = 'active' GROUP BY kind ORDER BY kind`)
	rep.Investors, err = db.Collect(rows, err, "investor report", func(r interface{ Scan(...any) error }) (KindFigure, error) {
		var f KindFigure
		return f, r.Scan(&f.Kind, &f.Investors)
	})
	if err != nil {
		return err
	}
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'accepted' AND meets_at <= $1 THEN 1 ELSE 0 END), 0) FROM investor_meetings`,
		s.DB.Now()).Scan(&rep.MeetingsRequested, &rep.MeetingsHeld); err != nil {
		return apperr.Wrap(err, "meeting report")
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT i.id, i.name_zh, i.name_en, i.size_fen, COUNT(c.id), COALESCE(SUM(c.amount_fen), 0), COALESCE(SUM(c.called_fen), 0)
		FROM investors i LEFT JOIN fund_commitments c ON c.fund_id = i.id WHERE i.kind IN ('guiding', 'state') GROUP BY i.id, i.name_zh, i.name_en, i.size_fen ORDER BY i.id`)
	rep.Commitments, err = db.Collect(rows, err, "commitment report", func(r interface{ Scan(...any) error }) (FundFigure, error) {
		var f FundFigure
		return f, r.Scan(&f.FundID, &f.NameZh, &f.NameEn, &f.SizeFen, &f.Commitments, &f.CommittedFen, &f.CalledFen)
	})
	rep.Subsidies, rep.Investors, rep.Commitments = orEmpty(rep.Subsidies), orEmpty(rep.Investors), orEmpty(rep.Commitments)
	return err
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
	if rep.Pools, err = s.Pools(ctx); err != nil {
		return rep, err
	}
	return rep, s.reportMore(ctx, &rep)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
