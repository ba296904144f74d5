package calendar

import (
	"context"
	"database/sql"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// The transitions of a booking as plain functions, each inside the
// caller's transaction; a module wraps them in its workflow (who may,
// comments, notifications) and records the audit.

// Approve accepts a pending request; a request that did not hold its slot
// is checked for overlap again (and on PostgreSQL by the constraint).
func Approve(ctx context.Context, tx *sql.Tx, d *db.DB, id int64) (Booking, error) {
	return SetStatus(ctx, tx, d, id, Approved)
}

// Reject declines a pending request, freeing its slot if it held one.
func Reject(ctx context.Context, tx *sql.Tx, d *db.DB, id int64) (Booking, error) {
	return SetStatus(ctx, tx, d, id, Rejected)
}

// Cancel withdraws a pending or approved booking, freeing its slot.
func Cancel(ctx context.Context, tx *sql.Tx, d *db.DB, id int64) (Booking, error) {
	return SetStatus(ctx, tx, d, id, Cancelled)
}

// RecordNoShow records that an approved booking was not used; the slot stays
// free from then on.
func RecordNoShow(ctx context.Context, tx *sql.Tx, d *db.DB, id int64) (Booking, error) {
	return SetStatus(ctx, tx, d, id, NoShow)
}

// CheckIn records the user's arrival at an approved booking, at the
// database's clock.
func CheckIn(ctx context.Context, tx *sql.Tx, d *db.DB, id int64) (Booking, error) {
	b, err := SetStatus(ctx, tx, d, id, CheckedIn)
	if err != nil {
		return b, err
	}
	now := d.Now().UTC()
	if _, err := tx.ExecContext(ctx, `UPDATE calendar_bookings SET checked_in_at = $1 WHERE id = $2`, now, id); err != nil {
		return b, apperr.Wrap(err, "check-in")
	}
	b.CheckedInAt = &now
	return b, nil
}

// MaxActual bounds a recorded use.
const MaxActual = 14 * 24 * time.Hour

// Complete closes a checked-in booking with the time the resource was
// actually used, in whole minutes (it may differ from the booked length).
func Complete(ctx context.Context, tx *sql.Tx, d *db.DB, id int64, actual time.Duration) (Booking, error) {
	if actual < time.Minute || actual > MaxActual || actual%time.Minute != 0 {
		return Booking{}, apperr.Field("actual_minutes", "must be whole minutes, from 1 to %d", int(MaxActual/time.Minute))
	}
	b, err := SetStatus(ctx, tx, d, id, Completed)
	if err != nil {
		return b, err
	}
	mins := int(actual / time.Minute)
	if _, err := tx.ExecContext(ctx, `UPDATE calendar_bookings SET actual_minutes = $1 WHERE id = $2`, mins, id); err != nil {
		return b, apperr.Wrap(err, "actual duration")
	}
	b.ActualMinutes = &mins
	return b, nil
}
