package events

import (
	"context"
	"slices"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// Activity is the events held in a district in a month (Shanghai time):
// published or closed events that have ended, not cancelled, counted in
// the month they started.
type Activity struct {
	District string `json:"district"`
	Month    string `json:"month"`
	Held     int    `json:"events_held"`
	// Registered counts the seats taken at the end; Attended the people
	// checked in.
	Registered int `json:"registered"`
	Attended   int `json:"attended"`
	Capacity   int `json:"capacity"`
}

// Activity gives, for the indicators, the events held and their
// attendance by district and month, for events starting in [from, to),
// ordered by month then district. It reads the events' own records; it
// is the function the indicators module calls.
func (s *Service) Activity(ctx context.Context, from, to time.Time) ([]Activity, error) {
	if !to.After(from) {
		return nil, apperr.Field("to", "must be after from")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT e.district, e.starts_at, e.capacity, e.seats_taken,
		(SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.checked_in_at IS NOT NULL)
		FROM events e WHERE e.status IN ('published', 'closed') AND e.starts_at >= $1 AND e.starts_at < $2 AND e.ends_at <= $3`,
		from.UTC(), to.UTC(), s.DB.Now())
	type row struct {
		district              string
		start                 time.Time
		capacity, seats, came int
	}
	rs, err := db.Collect(rows, err, "event activity", func(r interface{ Scan(...any) error }) (row, error) {
		var x row
		err := r.Scan(&x.district, &x.start, &x.capacity, &x.seats, &x.came)
		return x, err
	})
	if err != nil {
		return nil, err
	}
	by := map[[2]string]*Activity{}
	for _, x := range rs {
		k := [2]string{x.district, x.start.In(Shanghai).Format("2006-01")}
		a := by[k]
		if a == nil {
			a = &Activity{District: k[0], Month: k[1]}
			by[k] = a
		}
		a.Held++
		a.Registered += x.seats
		a.Attended += x.came
		a.Capacity += x.capacity
	}
	out := make([]Activity, 0, len(by))
	for _, a := range by {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Activity) int {
		if c := strings.Compare(a.Month, b.Month); c != 0 {
			return c
		}
		return strings.Compare(a.District, b.District)
	})
	return out, nil
}
