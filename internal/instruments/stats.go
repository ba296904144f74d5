package instruments

import (
	"context"
	"regexp"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/calendar"
)

// Use is an instrument's figures for a month.
type Use struct {
	InstrumentID int64  `json:"instrument_id"`
	NameZh       string `json:"name_zh"`
	NameEn       string `json:"name_en"`
	// OpenMinutes are the opening hours of the month; UsedMinutes the
	// actual use of completed bookings, ExternalMinutes the part by users
	// outside the owner.
	OpenMinutes     int     `json:"open_minutes"`
	UsedMinutes     int     `json:"used_minutes"`
	ExternalMinutes int     `json:"external_minutes"`
	UtilisationPct  float64 `json:"utilisation_pct"`
	Bookings        int     `json:"bookings"`
	IncomeFen       int64   `json:"income_fen"`
}

var monthRe = regexp.MustCompile(`^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$`)

func monthRange(month string) (time.Time, time.Time, error) {
	if !monthRe.MatchString(month) {
		return time.Time{}, time.Time{}, apperr.Field("month", "must be a month, YYYY-MM")
	}
	from, _ := time.ParseInLocation("2006-01", month, shanghai)
	return from, from.AddDate(0, 1, 0), nil
}

// Utilisation is the owner's figures per instrument for a month ("" this
// month): its members and administrators.
func (s *Service) Utilisation(ctx context.Context, p *auth.Principal, month string) ([]Use, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if month == "" {
		month = s.DB.Now().In(shanghai).Format("2006-01")
	}
	from, to, err := monthRange(month)
	if err != nil {
		return nil, err
	}
	is, err := s.Mine(ctx, p)
	if err != nil {
		return nil, err
	}
	out := []Use{}
	for _, i := range is {
		u := Use{InstrumentID: i.ID, NameZh: i.NameZh, NameEn: i.NameEn}
		r, err := calendar.Load(ctx, s.DB.Read, i.ResourceID)
		if err != nil {
			return nil, err
		}
		u.OpenMinutes = openMinutes(&r, from, to)
		if err := s.DB.Read.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN c.status NOT IN ('cancelled', 'rejected') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN c.status = 'completed' THEN b.actual_minutes ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN c.status = 'completed' AND b.fee_class <> 'internal' THEN b.actual_minutes ELSE 0 END), 0), COALESCE(SUM(b.charge_fen), 0)
			FROM instrument_bookings b JOIN calendar_bookings c ON c.id = b.booking_id
			WHERE b.instrument_id = $1 AND c.starts_at >= $2 AND c.starts_at < $3`, i.ID, from.UTC(), to.UTC()).
			Scan(&u.Bookings, &u.UsedMinutes, &u.ExternalMinutes, &u.IncomeFen); err != nil {
			return nil, apperr.Wrap(err, "utilisation")
		}
		if u.OpenMinutes > 0 {
			u.UtilisationPct = float64(u.UsedMinutes*10000/u.OpenMinutes) / 100
		}
		out = append(out, u)
	}
	return out, nil
}

// openMinutes counts a resource's opening minutes in [from, to).
func openMinutes(r *calendar.Resource, from, to time.Time) int {
	loc := r.Location()
	total := 0
	f := from.In(loc)
	for day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		for _, h := range r.Hours {
			if h.Weekday == day.Weekday() {
				total += h.End - h.Start
			}
		}
	}
	return total
}

// Indicators are the city's sharing figures: instruments listed by
// region, hours used by outside users, and income, over a period.
type Indicators struct {
	From                 string         `json:"from"`
	To                   string         `json:"to"`
	Listed               int            `json:"instruments_listed"`
	ByRegion             map[string]int `json:"listed_by_region"`
	PurchaseFen          int64          `json:"purchase_value_fen"`
	OutsideMinutes       int            `json:"outside_minutes"`
	UsedMinutes          int            `json:"used_minutes"`
	CompletedByOutsiders int            `json:"completed_by_outsiders"`
	IncomeFen            int64          `json:"income_fen"`
}

// CityIndicators are public aggregates for the months from..to (default:
// this year).
func (s *Service) CityIndicators(ctx context.Context, fromMonth, toMonth string) (Indicators, error) {
	now := s.DB.Now().In(shanghai)
	if fromMonth == "" {
		fromMonth = now.Format("2006") + "-01"
	}
	if toMonth == "" {
		toMonth = now.Format("2006-01")
	}
	from, _, err := monthRange(fromMonth)
	if err != nil {
		return Indicators{}, apperr.Field("from", "must be a month, YYYY-MM")
	}
	_, to, err := monthRange(toMonth)
	if err != nil || !to.After(from) {
		return Indicators{}, apperr.Field("to", "must be a month, YYYY-MM, not before from")
	}
	out := Indicators{From: fromMonth, To: toMonth, ByRegion: map[string]int{}}
	for _, r := range Regions {
		out.ByRegion[r] = 0
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT region, COUNT(*), COALESCE(SUM(purchase_value_fen), 0) FROM instruments WHERE status = 'active' GROUP BY region`)
	if err != nil {
		return out, apperr.Wrap(err, "indicators")
	}
	for rows.Next() {
		var r string
		var n int
		var v int64
		if err := rows.Scan(&r, &n, &v); err != nil {
			rows.Close()
			return out, apperr.Wrap(err, "indicators")
		}
		out.ByRegion[r], out.Listed, out.PurchaseFen = n, out.Listed+n, out.PurchaseFen+v
	}
	rows.Close()
	err = s.DB.Read.QueryRowContext(ctx, `SELECT COALESCE(SUM(b.actual_minutes), 0), COALESCE(SUM(CASE WHEN b.fee_class <> 'internal' THEN b.actual_minutes ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN b.fee_class <> 'internal' THEN 1 ELSE 0 END), 0)
		FROM instrument_bookings b JOIN calendar_bookings c ON c.id = b.booking_id WHERE c.status = 'completed' AND c.starts_at >= $1 AND c.starts_at < $2`,
		from.UTC(), to.UTC()).Scan(&out.UsedMinutes, &out.OutsideMinutes, &out.CompletedByOutsiders)
	if err != nil {
		return out, apperr.Wrap(err, "indicators")
	}
	err = s.DB.Read.QueryRowContext(ctx, `SELECT COALESCE(SUM(b.charge_fen), 0) FROM instrument_bookings b JOIN calendar_bookings c ON c.id = b.booking_id
		WHERE b.charge_fen IS NOT NULL AND c.starts_at >= $1 AND c.starts_at < $2`, from.UTC(), to.UTC()).Scan(&out.IncomeFen)
	return out, apperr.Wrap(err, "indicators")
}
