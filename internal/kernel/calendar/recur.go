package calendar

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// Rule is a small subset of RFC 5545 recurrence: daily or weekly, every
// Interval days or weeks, on some weekdays (weekly), until a local date
// or for Count occurrences (at most MaxOccurrences).
type Rule struct {
	Freq     string         `json:"freq"`
	Interval int            `json:"interval"`
	Weekdays []time.Weekday `json:"weekdays"`
	// Until is the last local date (YYYY-MM-DD), inclusive.
	Until string `json:"until"`
	Count int    `json:"count"`
}

// MaxOccurrences bounds a series.
const MaxOccurrences = 366

// Validate checks a rule, naming the field.
func (r *Rule) Validate() error {
	if r.Interval == 0 {
		r.Interval = 1
	}
	switch {
	case r.Freq != "daily" && r.Freq != "weekly":
		return apperr.Field("recurrence.freq", "must be daily or weekly")
	case r.Interval < 1 || r.Interval > 52:
		return apperr.Field("recurrence.interval", "must be from 1 to 52")
	case r.Until == "" && r.Count == 0:
		return apperr.Field("recurrence.until", "or recurrence.count is required")
	case r.Count < 0 || r.Count > MaxOccurrences:
		return apperr.Field("recurrence.count", "must be from 1 to %d", MaxOccurrences)
	case r.Freq == "daily" && len(r.Weekdays) > 0:
		return apperr.Field("recurrence.weekdays", "are for weekly rules")
	}
	if r.Until != "" {
		if _, err := time.Parse(time.DateOnly, r.Until); err != nil {
			return apperr.Field("recurrence.until", "must be a date, YYYY-MM-DD")
		}
	}
	for i, w := range r.Weekdays {
		if w < 0 || w > 6 {
			return apperr.Field("recurrence.weekdays["+strconv.Itoa(i)+"]", "must be 0 (Sunday) to 6")
		}
	}
	return nil
}

// Expand lists the occurrences of [start, end) under the rule, the first
// included, each at the same local wall-clock time in loc (so a series
// keeps 09:00 across a daylight-saving change).
func Expand(start, end time.Time, rule Rule, loc *time.Location) ([]Interval, error) {
	if err := rule.Validate(); err != nil {
		return nil, err
	}
	s := start.In(loc)
	dur := end.Sub(start)
	until := time.Date(9999, 1, 1, 0, 0, 0, 0, loc)
	if rule.Until != "" {
		u, _ := time.ParseInLocation(time.DateOnly, rule.Until, loc)
		until = u.AddDate(0, 0, 1)
	}
	days := slices.Clone(rule.Weekdays)
	if rule.Freq == "weekly" && len(days) == 0 {
		days = []time.Weekday{s.Weekday()}
	}
	var out []Interval
	at := func(day time.Time) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day(), s.Hour(), s.Minute(), s.Second(), s.Nanosecond(), loc)
	}
	for i := 0; len(out) < MaxOccurrences; i++ {
		var cands []time.Time
		if rule.Freq == "daily" {
			cands = []time.Time{at(s.AddDate(0, 0, i*rule.Interval))}
		} else {
			// The week (from Sunday) of the i-th period.
			week := s.AddDate(0, 0, -int(s.Weekday())+7*i*rule.Interval)
			for wd := time.Sunday; wd <= time.Saturday; wd++ {
				if slices.Contains(days, wd) {
					cands = append(cands, at(week.AddDate(0, 0, int(wd))))
				}
			}
		}
		done := false
		for _, c := range cands {
			if c.Before(s) {
				continue
			}
			if !c.Before(until) || (rule.Count > 0 && len(out) >= rule.Count) || len(out) >= MaxOccurrences {
				done = true
				break
			}
			out = append(out, Interval{Start: c.UTC(), End: c.Add(dur).UTC()})
		}
		if done || i > 5000 {
			break
		}
	}
	return out, nil
}

// Skip is an occurrence that was not booked, and why.
type Skip struct {
	Start  time.Time `json:"starts_at"`
	Reason string    `json:"reason"`
	Error  string    `json:"error"`
}

// Series is the outcome of a recurring booking.
type Series struct {
	Booked  []Booking `json:"booked"`
	Skipped []Skip    `json:"skipped"`
}

// BookSeries books every occurrence of req under rule in one write
// transaction of its own; see BookSeriesIn.
func BookSeries(ctx context.Context, d *db.DB, req Request, rule Rule, skip bool) (Series, error) {
	var out Series
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = BookSeriesIn(ctx, tx, d, req, rule, skip)
		return err
	})
	if err != nil {
		return Series{}, err
	}
	return out, nil
}

// BookSeriesIn books every occurrence of req under rule inside tx, so
// that the caller's own records and audit go in the same transaction.
// With skip false it is all or nothing: refused whole with the first
// occurrence's reason (the caller rolls back). With skip true each
// occurrence runs under a savepoint, and the ones refused (their own
// rules, a blackout, an overlap, or a race lost to PostgreSQL's
// constraint) are left out and reported with their reasons. The bookings
// share a series id, the first one's.
func BookSeriesIn(ctx context.Context, tx *sql.Tx, d *db.DB, req Request, rule Rule, skip bool) (Series, error) {
	out := Series{Booked: []Booking{}, Skipped: []Skip{}}
	r, err := Load(ctx, tx, req.ResourceID)
	if err != nil {
		return Series{}, err
	}
	occ, err := Expand(req.Start, req.End, rule, r.Location())
	if err != nil {
		return Series{}, err
	}
	book := func(o Interval) (Booking, error) {
		q := req
		q.Start, q.End = o.Start, o.End
		if len(out.Booked) > 0 {
			q.SeriesID = &out.Booked[0].ID
		}
		b, err := Book(ctx, tx, d, q)
		if err == nil && len(out.Booked) == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE calendar_bookings SET series_id = id WHERE id = $1`, b.ID); err != nil {
				return b, apperr.Wrap(err, "series")
			}
			b.SeriesID = &b.ID
		}
		return b, err
	}
	for _, o := range occ {
		if !skip {
			b, err := book(o)
			if err != nil {
				return Series{}, err
			}
			out.Booked = append(out.Booked, b)
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT calendar_occurrence`); err != nil {
			return Series{}, apperr.Wrap(err, "savepoint")
		}
		b, err := book(o)
		if err != nil {
			if Reason(err) == "" {
				return Series{}, err
			}
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT calendar_occurrence`); rerr != nil {
				return Series{}, apperr.Wrap(rerr, "savepoint")
			}
			out.Skipped = append(out.Skipped, Skip{Start: o.Start, Reason: Reason(err), Error: apperr.As(err).Fields[0].Message})
		} else {
			out.Booked = append(out.Booked, b)
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT calendar_occurrence`); err != nil {
			return Series{}, apperr.Wrap(err, "savepoint")
		}
	}
	return out, nil
}
