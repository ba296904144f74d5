package db

import (
	"fmt"
	"time"
)

// Date scans a DATE column, which PostgreSQL returns as a time and SQLite
// may return as text, into a YYYY-MM-DD string; Valid is false for NULL.
type Date struct {
	String string
	Valid  bool
}

// Scan implements sql.Scanner.
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = Date{String: x.Format("2006-01-02"), Valid: true}
	case string:
		*d = Date{String: firstN(x, 10), Valid: true}
	case []byte:
		*d = Date{String: firstN(string(x), 10), Valid: true}
	default:
		return fmt.Errorf("cannot scan %T into db.Date", v)
	}
	return nil
}

// Time scans a timestamp into UTC. A TIMESTAMP column scans into a
// time.Time directly on both engines, but SQLite returns the value of an
// expression over one (MAX(at), COALESCE(...)) as text, which time.Time
// cannot take; Time takes either. Valid is false for NULL.
type Time struct {
	Time  time.Time
	Valid bool
}

// The layouts SQLite's driver writes and reads, most specific first.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// Scan implements sql.Scanner.
func (t *Time) Scan(v any) error {
	var s string
	switch x := v.(type) {
	case nil:
		*t = Time{}
		return nil
	case time.Time:
		*t = Time{Time: x.UTC(), Valid: true}
		return nil
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return fmt.Errorf("cannot scan %T into db.Time", v)
	}
	for _, l := range timeLayouts {
		if p, err := time.Parse(l, s); err == nil {
			*t = Time{Time: p.UTC(), Valid: true}
			return nil
		}
	}
	return fmt.Errorf("cannot scan %q into db.Time", s)
}

// Ptr returns the time or nil.
func (t Time) Ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

// Ptr returns the date or nil.
func (d Date) Ptr() *string {
	if !d.Valid {
		return nil
	}
	s := d.String
	return &s
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// NullString returns nil for a nil pointer, so that it is stored as NULL.
func Nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
