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
