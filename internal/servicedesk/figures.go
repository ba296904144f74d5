package servicedesk

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// Count is the figures of one group of requests.
type Count struct {
	Key      string `json:"key"`
	Requests int64  `json:"requests"`
	// Decided counts the requests whose first response is known to be on
	// time or late: answered or asked back, or past the first deadline.
	Decided int64 `json:"decided"`
	OnTime  int64 `json:"on_time"`
	// OnTimeShare is OnTime / Decided (0 when nothing is decided).
	OnTimeShare float64 `json:"on_time_share"`
	Rated       int64   `json:"rated"`
	// MeanRating is the mean of the ratings (0 when none).
	MeanRating float64 `json:"mean_rating"`
	ratingSum  int64
}

func (c *Count) add(onTime, decided bool, rating sql.NullInt64) {
	c.Requests++
	if decided {
		c.Decided++
		if onTime {
			c.OnTime++
		}
	}
	if rating.Valid {
		c.Rated++
		c.ratingSum += rating.Int64
	}
}

func (c *Count) finish() {
	if c.Decided > 0 {
		c.OnTimeShare = float64(c.OnTime) / float64(c.Decided)
	}
	if c.Rated > 0 {
		c.MeanRating = float64(c.ratingSum) / float64(c.Rated)
	}
}

// Figures are the service desk's indicators.
type Figures struct {
	Total      Count   `json:"total"`
	ByDistrict []Count `json:"by_district"`
	ByTopic    []Count `json:"by_topic"`
	// ByMonth is keyed YYYY-MM, the month the request was filed in
	// (Shanghai time).
	ByMonth []Count `json:"by_month"`
}

// FigureFilter narrows the figures: a district, and filing months from
// and to (YYYY-MM, inclusive); empty means all.
type FigureFilter struct {
	District string
	From, To string
}

// ReadFigures computes the service desk's figures from its requests as
// of now: requests by district, topic and month of filing; the share of
// first responses on time (a first answer or question back at or before
// the first deadline, among requests answered or past that deadline);
// and the mean rating. It is the read function the indicators module
// uses; it checks no permission.
func ReadFigures(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, now time.Time, f FigureFilter) (Figures, error) {
	var args db.Args
	sqlq := `SELECT district, topic, created_at, first_due_at, responded_at, rating FROM desk_requests`
	if f.District != "" {
		sqlq += ` WHERE district = ` + args.Add(f.District)
	}
	rows, err := q.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return Figures{}, apperr.Wrap(err, "desk figures")
	}
	defer rows.Close()
	by := map[string]map[string]*Count{"d": {}, "t": {}, "m": {}}
	get := func(kind, key string) *Count {
		c := by[kind][key]
		if c == nil {
			c = &Count{Key: key}
			by[kind][key] = c
		}
		return c
	}
	var out Figures
	out.Total.Key = "total"
	for rows.Next() {
		var district, topic string
		var created, firstDue time.Time
		var responded db.Time
		var rating sql.NullInt64
		if err := rows.Scan(&district, &topic, &created, &firstDue, &responded, &rating); err != nil {
			return Figures{}, apperr.Wrap(err, "desk figures")
		}
		month := created.In(Shanghai).Format("2006-01")
		if (f.From != "" && month < f.From) || (f.To != "" && month > f.To) {
			continue
		}
		decided := responded.Valid || now.After(firstDue)
		onTime := responded.Valid && !responded.Time.After(firstDue)
		out.Total.add(onTime, decided, rating)
		get("d", district).add(onTime, decided, rating)
		get("t", topic).add(onTime, decided, rating)
		get("m", month).add(onTime, decided, rating)
	}
	if err := rows.Err(); err != nil {
		return Figures{}, apperr.Wrap(err, "desk figures")
	}
	out.Total.finish()
	list := func(kind string) []Count {
		cs := []Count{}
		for _, c := range by[kind] {
			c.finish()
			cs = append(cs, *c)
		}
		slices.SortFunc(cs, func(a, b Count) int {
			switch {
			case a.Key < b.Key:
				return -1
			case a.Key > b.Key:
				return 1
			}
			return 0
		})
		return cs
	}
	out.ByDistrict, out.ByTopic, out.ByMonth = list("d"), list("t"), list("m")
	return out, nil
}

// Figures returns the figures to officers (their districts) and
// administrators (the city, or one district).
func (s *Service) Figures(ctx context.Context, p *auth.Principal, f FigureFilter) (Figures, error) {
	if err := staff(p); err != nil {
		return Figures{}, err
	}
	for _, m := range []struct{ name, v string }{{"from", f.From}, {"to", f.To}} {
		if m.v != "" {
			if _, err := time.Parse("2006-01", m.v); err != nil {
				return Figures{}, apperr.Field(m.name, "must be a month, YYYY-MM")
			}
		}
	}
	if !p.IsAdmin() {
		ds := p.OfficerDistricts()
		switch {
		case f.District == "" && len(ds) == 1:
			f.District = ds[0]
		case !p.OfficerFor(f.District):
			return Figures{}, apperr.Field("district", "must be a district you act for")
		}
	}
	return ReadFigures(ctx, s.DB.Read, s.DB.Now(), f)
}
