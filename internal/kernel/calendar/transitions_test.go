package calendar_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/calendar"
	"rainforest/internal/kernel/db/dbtest"
)

// TestTransitions walks bookings through the engine's functions: check-in
// time and actual use are stored, refused moves change nothing, and the
// freed slots come back in the availability.
func TestTransitions(t *testing.T) {
	d := dbtest.Open(t)
	now := fixed(d)
	ctx := context.Background()
	res := define(t, d, calendar.Resource{Name: "NMR 600", SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 240})
	in := func(fn func(tx *sql.Tx) (calendar.Booking, error)) (calendar.Booking, error) {
		var b calendar.Booking
		err := d.Tx(ctx, func(tx *sql.Tx) error { var err error; b, err = fn(tx); return err })
		return b, err
	}
	mk := func(day, from, to string, status string) calendar.Booking {
		t.Helper()
		b, err := book(d, calendar.Request{ResourceID: res, Start: at(day, from), End: at(day, to), Status: status})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := mk("2026-11-24", "09:00", "11:00", calendar.Pending)
	if _, err := in(func(tx *sql.Tx) (calendar.Booking, error) { return calendar.CheckIn(ctx, tx, d, a.ID) }); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("check-in of a pending request: %v", err)
	}
	if _, err := in(func(tx *sql.Tx) (calendar.Booking, error) { return calendar.Approve(ctx, tx, d, a.ID) }); err != nil {
		t.Fatal(err)
	}
	b, err := in(func(tx *sql.Tx) (calendar.Booking, error) { return calendar.CheckIn(ctx, tx, d, a.ID) })
	if err != nil || b.CheckedInAt == nil || !b.CheckedInAt.Equal(now) {
		t.Fatalf("check-in: %+v %v", b, err)
	}
	for _, bad := range []time.Duration{0, 30 * time.Second, 90 * time.Second, calendar.MaxActual + time.Minute} {
		_, err := in(func(tx *sql.Tx) (calendar.Booking, error) { return calendar.Complete(ctx, tx, d, a.ID, bad) })
		if e := apperr.As(err); err == nil || len(e.Fields) == 0 || e.Fields[0].Field != "actual_minutes" {
			t.Errorf("complete with %v: %v", bad, err)
		}
	}
	if _, err := in(func(tx *sql.Tx) (calendar.Booking, error) { return calendar.Complete(ctx, tx, d, a.ID, 95*time.Minute) }); err != nil {
		t.Fatal(err)
	}
	got, err := calendar.Get(ctx, d.Read, a.ID)
	if err != nil || got.Status != calendar.Completed || got.ActualMinutes == nil || *got.ActualMinutes != 95 || got.CheckedInAt == nil || !got.CheckedInAt.Equal(now) || !got.Blocks {
		t.Fatalf("completed: %+v %v", got, err)
	}

	// Rejected, cancelled and no-show bookings free their slots.
	r := mk("2026-11-24", "13:00", "14:00", calendar.Pending)
	c := mk("2026-11-24", "14:00", "15:00", calendar.Approved)
	n := mk("2026-11-24", "15:00", "16:00", calendar.Approved)
	for _, step := range []func(tx *sql.Tx) (calendar.Booking, error){
		func(tx *sql.Tx) (calendar.Booking, error) { return calendar.Reject(ctx, tx, d, r.ID) },
		func(tx *sql.Tx) (calendar.Booking, error) { return calendar.Cancel(ctx, tx, d, c.ID) },
		func(tx *sql.Tx) (calendar.Booking, error) { return calendar.RecordNoShow(ctx, tx, d, n.ID) },
	} {
		if b, err := in(step); err != nil || b.Blocks {
			t.Fatalf("%+v %v", b, err)
		}
	}
	if _, err := in(func(tx *sql.Tx) (calendar.Booking, error) { return calendar.Approve(ctx, tx, d, r.ID) }); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("approving a rejected request: %v", err)
	}
	free, err := calendar.Availability(ctx, d.Read, res, at("2026-11-24", "00:00"), at("2026-11-25", "00:00"))
	if err != nil || len(free) != 2 || !free[0].Start.Equal(at("2026-11-24", "11:00")) || !free[1].Start.Equal(at("2026-11-24", "13:00")) || !free[1].End.Equal(at("2026-11-24", "18:00")) {
		t.Fatalf("availability: %+v %v", free, err)
	}
	// The slot of the no-show can be booked again.
	mk("2026-11-24", "15:00", "16:00", calendar.Approved)
}
