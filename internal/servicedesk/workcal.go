package servicedesk

import (
	"context"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/workflow"
)

// Shanghai is the zone working hours are counted in (no daylight saving).
var Shanghai = time.FixedZone("CST", 8*3600)

// The working day: 09:00 to 17:00, eight working hours.
const (
	dayStart   = 9
	dayEnd     = 17
	workingDay = (dayEnd - dayStart) * time.Hour
)

// Calendar says which days are worked: Monday to Friday, except public
// holidays, plus the weekend days worked in their place.
type Calendar struct {
	// Off are public holidays (YYYY-MM-DD); Worked are weekend days worked.
	Off, Worked map[string]bool
}

// Working reports whether the day of t (in Shanghai) is a working day.
func (c Calendar) Working(t time.Time) bool {
	day := t.In(Shanghai).Format(time.DateOnly)
	if c.Off[day] {
		return false
	}
	if c.Worked[day] {
		return true
	}
	wd := t.In(Shanghai).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// maxDays bounds the walks, so that a calendar made only of holidays
// cannot loop for ever.
const maxDays = 3660

func at(t time.Time, hour int) time.Time {
	y, m, d := t.In(Shanghai).Date()
	return time.Date(y, m, d, hour, 0, 0, 0, Shanghai)
}

// Add returns the moment d of working time after t.
func (c Calendar) Add(t time.Time, d time.Duration) time.Time {
	cur := t.In(Shanghai)
	for range maxDays {
		if !c.Working(cur) || !cur.Before(at(cur, dayEnd)) {
			cur = at(cur, dayStart).AddDate(0, 0, 1)
			continue
		}
		if cur.Before(at(cur, dayStart)) {
			cur = at(cur, dayStart)
		}
		left := at(cur, dayEnd).Sub(cur)
		if d <= left {
			return cur.Add(d).UTC()
		}
		d -= left
		cur = at(cur, dayStart).AddDate(0, 0, 1)
	}
	return cur.UTC()
}

// Between returns the working time from a to b (0 when b is not after a).
func (c Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	var sum time.Duration
	cur := a.In(Shanghai)
	for range maxDays {
		if !cur.Before(b) {
			break
		}
		if c.Working(cur) {
			lo, hi := at(cur, dayStart), at(cur, dayEnd)
			if cur.After(lo) {
				lo = cur
			}
			if b.Before(hi) {
				hi = b
			}
			if hi.After(lo) {
				sum += hi.Sub(lo)
			}
		}
		cur = at(cur, dayStart).AddDate(0, 0, 1)
	}
	return sum
}

// Level is a service level: a response within Amount working hours or
// working days.
type Level struct {
	Topic  string `json:"topic"`
	Amount int    `json:"amount"`
	Unit   string `json:"unit"`
	// Default is true when the topic has no setting of its own.
	Default bool `json:"default"`
}

// Duration is the level in working time.
func (l Level) Duration() time.Duration {
	if l.Unit == UnitHours {
		return time.Duration(l.Amount) * time.Hour
	}
	return time.Duration(l.Amount) * workingDay
}

// Countdown is what a request shows while it waits for an officer.
type Countdown struct {
	DueAt   time.Time `json:"due_at"`
	Overdue bool      `json:"overdue"`
	// LeftMinutes is the working time left, negative when overdue (the
	// working time since the deadline).
	LeftMinutes int64 `json:"left_minutes"`
}

func (c Calendar) countdown(due, now time.Time) *Countdown {
	cd := &Countdown{DueAt: due}
	if now.After(due) {
		cd.Overdue = true
		cd.LeftMinutes = -int64(c.Between(due, now) / time.Minute)
	} else {
		cd.LeftMinutes = int64(c.Between(now, due) / time.Minute)
	}
	return cd
}

// Holiday is a day of the reference table.
type Holiday struct {
	Day       string `json:"day"`
	Working   bool   `json:"working"`
	NameZh    string `json:"name_zh"`
	NameEn    string `json:"name_en"`
	Reference string `json:"reference"`
}

// Holidays lists the reference table.
func (s *Service) Holidays(ctx context.Context) ([]Holiday, error) {
	return holidays(ctx, s.DB.Read)
}

func holidays(ctx context.Context, q workflow.Querier) ([]Holiday, error) {
	rows, err := q.QueryContext(ctx, `SELECT day, working, name_zh, name_en, reference FROM desk_holidays ORDER BY day`)
	return db.Collect(rows, err, "holidays", func(sc interface{ Scan(...any) error }) (Holiday, error) {
		var h Holiday
		var d db.Date
		err := sc.Scan(&d, &h.Working, &h.NameZh, &h.NameEn, &h.Reference)
		h.Day = d.String
		return h, err
	})
}

// calendar reads the working calendar.
func (s *Service) calendar(ctx context.Context, q workflow.Querier) (Calendar, error) {
	hs, err := holidays(ctx, q)
	if err != nil {
		return Calendar{}, apperr.Wrap(err, "calendar")
	}
	c := Calendar{Off: map[string]bool{}, Worked: map[string]bool{}}
	for _, h := range hs {
		if h.Working {
			c.Worked[h.Day] = true
		} else {
			c.Off[h.Day] = true
		}
	}
	return c, nil
}
