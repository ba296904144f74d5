package servicedesk

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/text"
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

// HolidayInput sets a day of the reference table.
type HolidayInput struct {
	Working   bool   `json:"working"`
	NameZh    string `json:"name_zh"`
	NameEn    string `json:"name_en"`
	Reference string `json:"reference"`
}

// Check validates a day of the table: a date, names in both languages.
func (in *HolidayInput) Check(day string) error {
	in.NameZh, in.NameEn, in.Reference = strings.TrimSpace(in.NameZh), strings.TrimSpace(in.NameEn), strings.TrimSpace(in.Reference)
	var fs text.Errors
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		fs.Add("day", "must be a day, YYYY-MM-DD")
	}
	fs.Line("name_zh", in.NameZh, true, 40)
	fs.Line("name_en", in.NameEn, true, 80)
	fs.Line("reference", in.Reference, false, 120)
	return apperr.Fields(fs)
}

// SetHoliday adds or replaces a day of the table: a public holiday, or a
// weekend day worked in one's place (Working). For administrators.
func (s *Service) SetHoliday(ctx context.Context, p *auth.Principal, day string, in HolidayInput) (Holiday, error) {
	if err := admin(p); err != nil {
		return Holiday{}, err
	}
	if err := in.Check(day); err != nil {
		return Holiday{}, err
	}
	h := Holiday{Day: day, Working: in.Working, NameZh: in.NameZh, NameEn: in.NameEn, Reference: in.Reference}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM desk_holidays WHERE day = $1`, day)
		if err != nil {
			return apperr.Wrap(err, "holiday")
		}
		existed, _ := res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `INSERT INTO desk_holidays (day, working, name_zh, name_en, reference) VALUES ($1, $2, $3, $4, $5)`,
			day, h.Working, h.NameZh, h.NameEn, h.Reference); err != nil {
			return apperr.Wrap(err, "holiday")
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{Action: "desk_holiday.set", Entity: "desk_holiday", EntityID: day,
			Before: map[string]any{"existed": existed > 0}, After: h})
	})
	return h, err
}

// DeleteHoliday removes a day of the table. For administrators.
func (s *Service) DeleteHoliday(ctx context.Context, p *auth.Principal, day string) error {
	if err := admin(p); err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM desk_holidays WHERE day = $1`, day)
		if err != nil {
			return apperr.Wrap(err, "holiday")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "no holiday on %q", day)
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{Action: "desk_holiday.delete", Entity: "desk_holiday", EntityID: day, Before: map[string]any{"day": day}})
	})
}
