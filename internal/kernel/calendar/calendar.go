// Package calendar is the calendar engine: resources with weekly opening
// hours in their own time zone, blackout periods, slot granularity and
// minimum and maximum lengths; bookings as half-open intervals
// [start, end) that never overlap on one resource while they block. The
// database holds the rule: on PostgreSQL an exclusion constraint over the
// time range, on SQLite the check and the insert in one write transaction
// (SQLite serializes writers). Modules call it inside their own
// transactions and wrap its transitions in their workflows.
package calendar

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// Querier is a *sql.Tx or a *sql.DB.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Statuses of a booking.
const (
	Pending   = "pending"
	Approved  = "approved"
	CheckedIn = "checked_in"
	Completed = "completed"
	Cancelled = "cancelled"
	Rejected  = "rejected"
	NoShow    = "no_show"
)

// Hours is one interval of a weekday's opening hours, in minutes after
// local midnight: [Start, End).
type Hours struct {
	Weekday time.Weekday `json:"weekday"`
	Start   int          `json:"start_min"`
	End     int          `json:"end_min"`
}

// Resource is a bookable thing.
type Resource struct {
	ID            int64   `json:"id"`
	OwnerOrgID    *int64  `json:"owner_org_id"`
	Name          string  `json:"name"`
	TimeZone      string  `json:"time_zone"`
	SlotMinutes   int     `json:"slot_minutes"`
	MinMinutes    int     `json:"min_minutes"`
	MaxMinutes    int     `json:"max_minutes"`
	PendingBlocks bool    `json:"pending_blocks"`
	Hours         []Hours `json:"hours"`

	loc *time.Location
}

// Location is the resource's time zone.
func (r *Resource) Location() *time.Location {
	if r.loc == nil {
		r.loc, _ = time.LoadLocation(r.TimeZone)
		if r.loc == nil {
			r.loc = time.UTC
		}
	}
	return r.loc
}

// Blackout is a period a resource cannot be booked.
type Blackout struct {
	ID     int64     `json:"id"`
	Start  time.Time `json:"starts_at"`
	End    time.Time `json:"ends_at"`
	Reason string    `json:"reason"`
}

// Booking is a slot of a resource.
type Booking struct {
	ID         int64     `json:"id"`
	ResourceID int64     `json:"resource_id"`
	Start      time.Time `json:"starts_at"`
	End        time.Time `json:"ends_at"`
	Status     string    `json:"status"`
	Blocks     bool      `json:"blocks"`
	UserID     *int64    `json:"user_id"`
	OrgID      *int64    `json:"org_id"`
	SeriesID   *int64    `json:"series_id"`
	// CheckedInAt and ActualMinutes are set by CheckIn and Complete.
	CheckedInAt   *time.Time `json:"checked_in_at,omitempty"`
	ActualMinutes *int       `json:"actual_minutes,omitempty"`
}

// Refusal reasons, for modules that show or count them.
const (
	ReasonEndsBeforeStart = "ends_before_start"
	ReasonInPast          = "in_the_past"
	ReasonMisaligned      = "misaligned"
	ReasonTooShort        = "too_short"
	ReasonTooLong         = "too_long"
	ReasonClosed          = "outside_opening_hours"
	ReasonBlackout        = "blackout"
	ReasonOverlap         = "overlap"
)

// refuse is the engine's error: the field at fault and the reason first
// in the message ("overlap: ...").
func refuse(code apperr.Code, field, reason, format string, args ...any) *apperr.Error {
	return apperr.Field(field, "%s: %s", reason, fmt.Sprintf(format, args...)).WithCode(code)
}

// Reason returns the refusal reason of an engine error, or "".
func Reason(err error) string {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return ""
	}
	r, _, ok := strings.Cut(e.Fields[0].Message, ":")
	if !ok {
		return ""
	}
	return r
}

// Validate checks a resource's definition, naming each wrong field.
func (r *Resource) Validate() error {
	var fs []apperr.FieldError
	bad := func(f, m string) { fs = append(fs, apperr.FieldError{Field: f, Message: m}) }
	if strings.TrimSpace(r.Name) == "" || len(r.Name) > 300 {
		bad("name", "is required, at most 300 bytes")
	}
	if r.TimeZone == "" {
		r.TimeZone = "Asia/Shanghai"
	}
	if _, err := time.LoadLocation(r.TimeZone); err != nil || r.TimeZone == "Local" {
		bad("time_zone", "must be an IANA time zone such as Asia/Shanghai")
	}
	if r.SlotMinutes < 1 || r.SlotMinutes > 1440 || 1440%r.SlotMinutes != 0 {
		bad("slot_minutes", "must divide a day: 5, 10, 15, 30, 60...")
	}
	if r.MinMinutes < 1 || (r.SlotMinutes > 0 && r.MinMinutes%r.SlotMinutes != 0) {
		bad("min_minutes", "must be a positive multiple of the slot")
	}
	if r.MaxMinutes < r.MinMinutes || r.MaxMinutes > 14*1440 || (r.SlotMinutes > 0 && r.MaxMinutes%r.SlotMinutes != 0) {
		bad("max_minutes", "must be a multiple of the slot, at least the minimum, at most 14 days")
	}
	for i, h := range r.Hours {
		f := "opening_hours[" + strconv.Itoa(i) + "]"
		switch {
		case h.Weekday < 0 || h.Weekday > 6:
			bad(f+".weekday", "must be 0 (Sunday) to 6")
		case h.Start < 0 || h.Start >= 1440:
			bad(f+".start_min", "must be from 0 to 1439 minutes after midnight")
		case h.End <= h.Start || h.End > 1440:
			bad(f+".end", "must be after the start, at most 1440 (midnight)")
		}
		for j := range i {
			o := r.Hours[j]
			if o.Weekday == h.Weekday && h.Start < o.End && o.Start < h.End {
				bad(f, "overlaps opening_hours["+strconv.Itoa(j)+"]")
			}
		}
	}
	return apperr.Fields(fs)
}

// Define stores a new resource with its hours inside tx.
func Define(ctx context.Context, tx *sql.Tx, now time.Time, r *Resource) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO calendar_resources (owner_org_id, name, time_zone, slot_minutes, min_minutes, max_minutes, pending_blocks,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`, r.OwnerOrgID, r.Name, r.TimeZone, r.SlotMinutes, r.MinMinutes,
		r.MaxMinutes, r.PendingBlocks, now).Scan(&r.ID); err != nil {
		return apperr.Wrap(err, "insert resource")
	}
	return writeHours(ctx, tx, r)
}

// Redefine replaces a resource's rules and hours inside tx. Bookings
// already made stay.
func Redefine(ctx context.Context, tx *sql.Tx, now time.Time, r *Resource) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE calendar_resources SET name = $1, time_zone = $2, slot_minutes = $3, min_minutes = $4, max_minutes = $5,
		pending_blocks = $6, updated_at = $7 WHERE id = $8`, r.Name, r.TimeZone, r.SlotMinutes, r.MinMinutes, r.MaxMinutes, r.PendingBlocks, now, r.ID); err != nil {
		return apperr.Wrap(err, "update resource")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_hours WHERE resource_id = $1`, r.ID); err != nil {
		return apperr.Wrap(err, "hours")
	}
	return writeHours(ctx, tx, r)
}

func writeHours(ctx context.Context, tx *sql.Tx, r *Resource) error {
	for _, h := range r.Hours {
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_hours (resource_id, weekday, start_min, end_min) VALUES ($1, $2, $3, $4)`,
			r.ID, int(h.Weekday), h.Start, h.End); err != nil {
			return apperr.Wrap(err, "hours")
		}
	}
	return nil
}

// Load reads a resource with its hours.
func Load(ctx context.Context, q Querier, id int64) (Resource, error) {
	var r Resource
	var owner sql.NullInt64
	err := q.QueryRowContext(ctx, selectResource, id).
		Scan(&r.ID, &owner, &r.Name, &r.TimeZone, &r.SlotMinutes, &r.MinMinutes, &r.MaxMinutes, &r.PendingBlocks)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "no resource %d", id)
	}
	if err != nil {
		return r, apperr.Wrap(err, "resource")
	}
	if owner.Valid {
		r.OwnerOrgID = &owner.Int64
	}
	rows, err := q.QueryContext(ctx, selectHours, id)
	r.Hours, err = db.Collect(rows, err, "hours", func(s interface{ Scan(...any) error }) (Hours, error) {
		var h Hours
		var wd int
		err := s.Scan(&wd, &h.Start, &h.End)
		h.Weekday = time.Weekday(wd)
		return h, err
	})
	if r.Hours == nil {
		r.Hours = []Hours{}
	}
	return r, err
}

// AddBlackout closes a resource for a period.
func AddBlackout(ctx context.Context, tx *sql.Tx, resource int64, b Blackout) (int64, error) {
	if !b.End.After(b.Start) {
		return 0, apperr.Field("ends_at", "must be after the start")
	}
	if len(b.Reason) > 500 {
		return 0, apperr.Field("reason", "must be at most 500 bytes")
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO calendar_blackouts (resource_id, starts_at, ends_at, reason) VALUES ($1, $2, $3, $4) RETURNING id`,
		resource, b.Start.UTC(), b.End.UTC(), b.Reason).Scan(&id)
	return id, apperr.Wrap(err, "blackout")
}

// Blackouts lists a resource's blackouts touching [from, to).
func Blackouts(ctx context.Context, q Querier, resource int64, from, to time.Time) ([]Blackout, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, starts_at, ends_at, reason FROM calendar_blackouts WHERE resource_id = $1 AND starts_at < $2 AND ends_at > $3 ORDER BY starts_at`,
		resource, to.UTC(), from.UTC())
	return db.Collect(rows, err, "blackouts", func(s interface{ Scan(...any) error }) (Blackout, error) {
		var b Blackout
		err := s.Scan(&b.ID, &b.Start, &b.End, &b.Reason)
		b.Start, b.End = b.Start.UTC(), b.End.UTC()
		return b, err
	})
}

// Open reports whether [start, end) lies within one opening interval of
// the resource, in its time zone. An interval that ends at midnight and
// the next day's that starts at midnight join.
func (r *Resource) Open(start, end time.Time) bool {
	loc := r.Location()
	s, e := start.In(loc), end.In(loc)
	for day := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc); day.Before(e); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc) {
		// The part of the booking on this local day must be covered.
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		ps, pe := maxTime(s, day), minTime(e, next)
		if !pe.After(ps) {
			continue
		}
		covered := false
		for _, h := range r.Hours {
			if h.Weekday != day.Weekday() {
				continue
			}
			hs := localMinute(day, h.Start, loc)
			he := localMinute(day, h.End, loc)
			if !ps.Before(hs) && !pe.After(he) {
				covered = true
				break
			}
		}
		if !covered {
			return false
		}
	}
	return true
}

// localMinute is day's wall clock at minute m in loc (1440: the next
// midnight), as the zone's rules resolve it on days that change.
func localMinute(day time.Time, m int, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, loc)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Request asks for a booking.
type Request struct {
	ResourceID int64
	Start, End time.Time
	// Status is Pending (the default) or Approved.
	Status   string
	UserID   *int64
	OrgID    *int64
	SeriesID *int64
}

// blocks says whether a booking of status holds its slot on r.
func (r *Resource) blocks(status string) bool {
	switch status {
	case Approved, CheckedIn, Completed:
		return true
	case Pending:
		return r.PendingBlocks
	}
	return false
}

// Check validates a request against the resource's rules (not the other
// bookings), naming the field and the reason.
func (r *Resource) Check(req Request, now time.Time) error {
	s, e := req.Start.UTC(), req.End.UTC()
	switch {
	case !e.After(s):
		return refuse(apperr.Invalid, "ends_at", ReasonEndsBeforeStart, "the booking must end after it starts")
	case s.Before(now):
		return refuse(apperr.Invalid, "starts_at", ReasonInPast, "the booking starts in the past")
	}
	loc := r.Location()
	ls := s.In(loc)
	if (ls.Hour()*60+ls.Minute())%r.SlotMinutes != 0 || ls.Second() != 0 || ls.Nanosecond() != 0 || int(e.Sub(s).Minutes())%r.SlotMinutes != 0 || e.Sub(s)%time.Minute != 0 {
		return refuse(apperr.Invalid, "starts_at", ReasonMisaligned, "bookings start and end on %d-minute slots", r.SlotMinutes)
	}
	mins := int(e.Sub(s).Minutes())
	if mins < r.MinMinutes {
		return refuse(apperr.Invalid, "ends_at", ReasonTooShort, "the booking is %d minutes; at least %d", mins, r.MinMinutes)
	}
	if mins > r.MaxMinutes {
		return refuse(apperr.Invalid, "ends_at", ReasonTooLong, "the booking is %d minutes; at most %d", mins, r.MaxMinutes)
	}
	if !r.Open(s, e) {
		return refuse(apperr.Invalid, "starts_at", ReasonClosed, "the resource is not open for the whole of %s–%s (%s)", ls.Format("2006-01-02 15:04"), e.In(loc).Format("15:04"), r.TimeZone)
	}
	return nil
}

const insertBooking = `INSERT INTO calendar_bookings (resource_id, starts_at, ends_at, status, blocks, user_id, org_id, series_id, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`

// Book checks and writes a booking inside tx (begun as a write
// transaction): the rules of the resource, the blackouts, and no overlap
// with a blocking booking, the last held by the database as well.
func Book(ctx context.Context, tx *sql.Tx, d *db.DB, req Request) (Booking, error) {
	if req.Status == "" {
		req.Status = Pending
	}
	if req.Status != Pending && req.Status != Approved {
		return Booking{}, apperr.Field("status", "a booking starts pending or approved")
	}
	q := tx // the statements below are the hot path: short and indexed
	r, err := Load(ctx, q, req.ResourceID)
	if err != nil {
		return Booking{}, err
	}
	now := d.Now()
	if err := r.Check(req, now); err != nil {
		return Booking{}, err
	}
	s, e := req.Start.UTC(), req.End.UTC()
	if err := blackout(ctx, q, r.ID, s, e); err != nil {
		return Booking{}, err
	}
	b := Booking{ResourceID: r.ID, Start: s, End: e, Status: req.Status, Blocks: r.blocks(req.Status), UserID: req.UserID, OrgID: req.OrgID, SeriesID: req.SeriesID}
	if b.Blocks {
		if err := overlap(ctx, q, r.ID, s, e, 0); err != nil {
			return Booking{}, err
		}
	}
	err = q.QueryRowContext(ctx, insertBooking, r.ID, s, e, b.Status, b.Blocks, b.UserID, b.OrgID, b.SeriesID, now).Scan(&b.ID)
	if db.IsExclusionViolation(err) {
		return Booking{}, refuse(apperr.Conflict, "starts_at", ReasonOverlap, "the slot was just taken")
	}
	return b, apperr.Wrap(err, "insert booking")
}

func blackout(ctx context.Context, q Querier, resource int64, s, e time.Time) error {
	var reason string
	var bs time.Time
	err := q.QueryRowContext(ctx, selectBlackout, resource, e, s).Scan(&reason, &bs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return apperr.Wrap(err, "blackouts")
	}
	return refuse(apperr.Invalid, "starts_at", ReasonBlackout, "the resource is closed from %s: %s", bs.UTC().Format(time.RFC3339), reason)
}

// overlap refuses when a blocking booking other than self shares an
// instant with [s, e).
func overlap(ctx context.Context, q Querier, resource int64, s, e time.Time, self int64) error {
	var other int64
	var os, oe time.Time
	err := q.QueryRowContext(ctx, selectOverlap, resource, e, s, self).Scan(&other, &os, &oe)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return apperr.Wrap(err, "overlap")
	}
	ref := refuse(apperr.Conflict, "starts_at", ReasonOverlap, "booking %d holds %s–%s", other, os.UTC().Format(time.RFC3339), oe.UTC().Format(time.RFC3339))
	ref.Err = &Overlap{BookingID: other, Start: os.UTC(), End: oe.UTC()}
	return ref
}

// Overlap is the blocking booking an overlap refusal met, under the
// apperr (errors.As); a race lost to PostgreSQL's constraint has none.
type Overlap struct {
	BookingID  int64
	Start, End time.Time
}

func (o *Overlap) Error() string {
	return fmt.Sprintf("booking %d holds %s–%s", o.BookingID, o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339))
}

// transitions says from which statuses each status is reached.
var transitions = map[string][]string{
	Approved:  {Pending},
	Rejected:  {Pending},
	Cancelled: {Pending, Approved},
	CheckedIn: {Approved},
	Completed: {CheckedIn},
	NoShow:    {Approved},
}

// SetStatus moves a booking inside tx; approving one that did not block
// checks the overlap again (the database too).
func SetStatus(ctx context.Context, tx *sql.Tx, d *db.DB, id int64, to string) (Booking, error) {
	b, err := Get(ctx, tx, id)
	if err != nil {
		return b, err
	}
	from, ok := transitions[to]
	if !ok {
		return b, apperr.Field("status", "%q is not a status a booking moves to", to)
	}
	if !slices.Contains(from, b.Status) {
		return b, apperr.New(apperr.Conflict, "a %s booking cannot become %s", b.Status, to)
	}
	r, err := Load(ctx, tx, b.ResourceID)
	if err != nil {
		return b, err
	}
	blocks := r.blocks(to)
	if blocks && !b.Blocks {
		if err := overlap(ctx, tx, b.ResourceID, b.Start, b.End, b.ID); err != nil {
			return b, err
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE calendar_bookings SET status = $1, blocks = $2, updated_at = $3 WHERE id = $4 AND status = $5`, to, blocks, d.Now(), id, b.Status)
	if db.IsExclusionViolation(err) {
		return b, refuse(apperr.Conflict, "status", ReasonOverlap, "the slot was just taken")
	}
	if err != nil {
		return b, apperr.Wrap(err, "booking status")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return b, apperr.New(apperr.Conflict, "the booking changed meanwhile")
	}
	b.Status, b.Blocks = to, blocks
	return b, nil
}

// Get reads a booking.
func Get(ctx context.Context, q Querier, id int64) (Booking, error) {
	b, err := scanBooking(q.QueryRowContext(ctx, `SELECT `+bookingCols+` FROM calendar_bookings WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, apperr.New(apperr.NotFound, "no booking %d", id)
	}
	return b, apperr.Wrap(err, "booking")
}

const bookingCols = `id, resource_id, starts_at, ends_at, status, blocks, user_id, org_id, series_id, checked_in_at, actual_minutes`

func scanBooking(s interface{ Scan(...any) error }) (Booking, error) {
	var b Booking
	var u, o, sr, mins sql.NullInt64
	var in sql.NullTime
	err := s.Scan(&b.ID, &b.ResourceID, &b.Start, &b.End, &b.Status, &b.Blocks, &u, &o, &sr, &in, &mins)
	if in.Valid {
		t := in.Time.UTC()
		b.CheckedInAt = &t
	}
	if mins.Valid {
		m := int(mins.Int64)
		b.ActualMinutes = &m
	}
	for _, x := range []struct {
		n   sql.NullInt64
		dst **int64
	}{{u, &b.UserID}, {o, &b.OrgID}, {sr, &b.SeriesID}} {
		if x.n.Valid {
			v := x.n.Int64
			*x.dst = &v
		}
	}
	b.Start, b.End = b.Start.UTC(), b.End.UTC()
	return b, err
}

// Bookings lists a resource's bookings touching [from, to), by start.
func Bookings(ctx context.Context, q Querier, resource int64, from, to time.Time) ([]Booking, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+bookingCols+` FROM calendar_bookings WHERE resource_id = $1 AND starts_at < $2 AND ends_at > $3 ORDER BY starts_at, id`,
		resource, to.UTC(), from.UTC())
	return db.Collect(rows, err, "bookings", scanBooking)
}

// Interval is a span of time [Start, End).
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Availability lists the free intervals of a resource in [from, to): its
// opening hours, less blackouts and blocking bookings.
func Availability(ctx context.Context, q Querier, resource int64, from, to time.Time) ([]Interval, error) {
	if !to.After(from) || to.Sub(from) > 62*24*time.Hour {
		return nil, apperr.Field("to", "must be after from, at most 62 days later")
	}
	r, err := Load(ctx, q, resource)
	if err != nil {
		return nil, err
	}
	loc := r.Location()
	var open []Interval
	f := from.In(loc)
	for day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc); day.Before(to); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc) {
		for _, h := range r.Hours {
			if h.Weekday != day.Weekday() {
				continue
			}
			s, e := maxTime(localMinute(day, h.Start, loc), from), minTime(localMinute(day, h.End, loc), to)
			if e.After(s) {
				open = append(open, Interval{s.UTC(), e.UTC()})
			}
		}
	}
	var busy []Interval
	bs, err := Blackouts(ctx, q, resource, from, to)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		busy = append(busy, Interval{b.Start, b.End})
	}
	books, err := Bookings(ctx, q, resource, from, to)
	if err != nil {
		return nil, err
	}
	for _, b := range books {
		if b.Blocks {
			busy = append(busy, Interval{b.Start, b.End})
		}
	}
	return Subtract(open, busy), nil
}

// Subtract removes busy intervals from free ones (both in any order); the
// result is sorted and has no empty intervals.
func Subtract(free, busy []Interval) []Interval {
	slices.SortFunc(busy, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	var out []Interval
	for _, f := range free {
		cur := f
		for _, b := range busy {
			if !b.End.After(cur.Start) || !b.Start.Before(cur.End) {
				continue
			}
			if b.Start.After(cur.Start) {
				out = append(out, Interval{cur.Start, b.Start})
			}
			cur.Start = b.End
			if !cur.End.After(cur.Start) {
				break
			}
		}
		if cur.End.After(cur.Start) {
			out = append(out, cur)
		}
	}
	slices.SortFunc(out, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	return out
}

// The statements of the booking path.
const (
	selectResource = `SELECT id, owner_org_id, name, time_zone, slot_minutes, min_minutes, max_minutes, pending_blocks FROM calendar_resources WHERE id = $1`
	selectHours    = `SELECT weekday, start_min, end_min FROM calendar_hours WHERE resource_id = $1 ORDER BY weekday, start_min`
	selectBlackout = `SELECT reason, starts_at FROM calendar_blackouts WHERE resource_id = $1 AND starts_at < $2 AND ends_at > $3 LIMIT 1`
	selectOverlap  = `SELECT id, starts_at, ends_at FROM calendar_bookings WHERE resource_id = $1 AND blocks AND starts_at < $2 AND ends_at > $3 AND id <> $4 LIMIT 1`
)
