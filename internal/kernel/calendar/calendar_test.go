package calendar_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/calendar"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// fixed sets the clock to Monday 2026-11-23 08:00 in Shanghai.
func fixed(d *db.DB) time.Time {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, shanghai).UTC()
	d.Now = func() time.Time { return now }
	return now
}

// weekdays9to18 opens Monday to Friday, 09:00-12:00 and 13:00-18:00.
func weekdays9to18() []calendar.Hours {
	var hs []calendar.Hours
	for wd := time.Monday; wd <= time.Friday; wd++ {
		hs = append(hs, calendar.Hours{Weekday: wd, Start: 9 * 60, End: 12 * 60}, calendar.Hours{Weekday: wd, Start: 13 * 60, End: 18 * 60})
	}
	return hs
}

func define(t *testing.T, d *db.DB, r calendar.Resource) int64 {
	t.Helper()
	if r.Hours == nil {
		r.Hours = weekdays9to18()
	}
	err := d.Tx(context.Background(), func(tx *sql.Tx) error { return calendar.Define(context.Background(), tx, d.Now(), &r) })
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func book(d *db.DB, req calendar.Request) (calendar.Booking, error) {
	var b calendar.Booking
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		b, err = calendar.Book(context.Background(), tx, d, req)
		return err
	})
	return b, err
}

func at(day, hm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRefusals(t *testing.T) {
	d := dbtest.Open(t)
	fixed(d)
	res := define(t, d, calendar.Resource{Name: "电子显微镜 SEM", SlotMinutes: 30, MinMinutes: 60, MaxMinutes: 240})
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := calendar.AddBlackout(ctx, tx, res, calendar.Blackout{Start: at("2026-11-26", "00:00"), End: at("2026-11-27", "00:00"), Reason: "年度校准"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ok, err := book(d, calendar.Request{ResourceID: res, Start: at("2026-11-24", "09:00"), End: at("2026-11-24", "11:00"), Status: calendar.Approved})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		s, e        time.Time
		reason, fld string
	}{
		"ends before start": {at("2026-11-24", "15:00"), at("2026-11-24", "14:00"), calendar.ReasonEndsBeforeStart, "ends_at"},
		"in the past":       {at("2026-11-20", "09:00"), at("2026-11-20", "10:00"), calendar.ReasonInPast, "starts_at"},
		"misaligned":        {at("2026-11-24", "13:15"), at("2026-11-24", "14:15"), calendar.ReasonMisaligned, "starts_at"},
		"too short":         {at("2026-11-24", "13:00"), at("2026-11-24", "13:30"), calendar.ReasonTooShort, "ends_at"},
		"too long":          {at("2026-11-24", "13:00"), at("2026-11-24", "17:30"), calendar.ReasonTooLong, "ends_at"},
		"over lunch":        {at("2026-11-24", "11:00"), at("2026-11-24", "14:00"), calendar.ReasonClosed, "starts_at"},
		"sunday":            {at("2026-11-29", "10:00"), at("2026-11-29", "11:00"), calendar.ReasonClosed, "starts_at"},
		"blackout":          {at("2026-11-26", "09:00"), at("2026-11-26", "10:00"), calendar.ReasonBlackout, "starts_at"},
		"overlap":           {at("2026-11-24", "10:30"), at("2026-11-24", "11:30"), calendar.ReasonOverlap, "starts_at"},
	} {
		_, err := book(d, calendar.Request{ResourceID: res, Start: tc.s, End: tc.e, Status: calendar.Approved})
		e := apperr.As(err)
		if err == nil || calendar.Reason(err) != tc.reason || len(e.Fields) == 0 || e.Fields[0].Field != tc.fld {
			t.Errorf("%s: %v (reason %q)", name, err, calendar.Reason(err))
		}
	}
	// The overlap names the booking it met.
	_, err = book(d, calendar.Request{ResourceID: res, Start: at("2026-11-24", "10:00"), End: at("2026-11-24", "12:00"), Status: calendar.Approved})
	var o *calendar.Overlap
	if !errors.As(err, &o) || o.BookingID != ok.ID || !o.End.Equal(at("2026-11-24", "11:00")) || apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("overlap: %v", err)
	}
	// Nothing was written by the refusals.
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("bookings: %d %v", n, err)
	}
	// Adjacent is fine: half-open intervals.
	if _, err := book(d, calendar.Request{ResourceID: res, Start: at("2026-11-24", "11:00"), End: at("2026-11-24", "12:00"), Status: calendar.Approved}); err != nil {
		t.Fatal(err)
	}
	// A pending request does not block; approving it checks again.
	p1, err := book(d, calendar.Request{ResourceID: res, Start: at("2026-11-25", "09:00"), End: at("2026-11-25", "10:00")})
	if err != nil || p1.Blocks {
		t.Fatalf("pending: %+v %v", p1, err)
	}
	p2, err := book(d, calendar.Request{ResourceID: res, Start: at("2026-11-25", "09:00"), End: at("2026-11-25", "10:00")})
	if err != nil {
		t.Fatal(err)
	}
	set := func(id int64, to string) error {
		return d.Tx(ctx, func(tx *sql.Tx) error { _, err := calendar.SetStatus(ctx, tx, d, id, to); return err })
	}
	if err := set(p1.ID, calendar.Approved); err != nil {
		t.Fatal(err)
	}
	if err := set(p2.ID, calendar.Approved); calendar.Reason(err) != calendar.ReasonOverlap {
		t.Fatalf("second approval: %v", err)
	}
	if err := set(p2.ID, calendar.Rejected); err != nil {
		t.Fatal(err)
	}
	if err := set(ok.ID, calendar.Completed); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("completed before check-in: %v", err)
	}
	for _, to := range []string{calendar.CheckedIn, calendar.Completed} {
		if err := set(ok.ID, to); err != nil {
			t.Fatal(to, err)
		}
	}
	// Availability on Tuesday: 09:00-12:00 less 09:00-12:00 booked, 13-18 free.
	free, err := calendar.Availability(ctx, d.Read, res, at("2026-11-24", "00:00"), at("2026-11-25", "00:00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(free) != 1 || !free[0].Start.Equal(at("2026-11-24", "13:00")) || !free[0].End.Equal(at("2026-11-24", "18:00")) {
		t.Fatalf("availability: %+v", free)
	}
}

// A resource where pending requests hold the slot.
func TestPendingBlocks(t *testing.T) {
	d := dbtest.Open(t)
	fixed(d)
	res := define(t, d, calendar.Resource{Name: "会议室", SlotMinutes: 15, MinMinutes: 15, MaxMinutes: 480, PendingBlocks: true})
	if _, err := book(d, calendar.Request{ResourceID: res, Start: at("2026-11-24", "09:00"), End: at("2026-11-24", "10:00")}); err != nil {
		t.Fatal(err)
	}
	if _, err := book(d, calendar.Request{ResourceID: res, Start: at("2026-11-24", "09:45"), End: at("2026-11-24", "10:15")}); calendar.Reason(err) != calendar.ReasonOverlap {
		t.Fatalf("pending holds: %v", err)
	}
}

// Opening hours are local wall-clock time, across a daylight-saving change.
func TestTimeZones(t *testing.T) {
	d := dbtest.Open(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2027, 3, 20, 8, 0, 0, 0, berlin)
	d.Now = func() time.Time { return now.UTC() }
	res := define(t, d, calendar.Resource{Name: "Labor Berlin", TimeZone: "Europe/Berlin", SlotMinutes: 60, MinMinutes: 60, MaxMinutes: 600})
	// Monday 2027-03-22 09:00 in Berlin, before the change to summer time
	// on the 28th, and Monday the 29th, after it: both open at 09:00
	// local, 08:00 and 07:00 UTC.
	for _, day := range []string{"2027-03-22", "2027-03-29"} {
		s, _ := time.ParseInLocation("2006-01-02 15:04", day+" 09:00", berlin)
		if _, err := book(d, calendar.Request{ResourceID: res, Start: s, End: s.Add(time.Hour), Status: calendar.Approved}); err != nil {
			t.Fatalf("%s: %v", day, err)
		}
		early := s.Add(-time.Hour)
		if _, err := book(d, calendar.Request{ResourceID: res, Start: early, End: s}); calendar.Reason(err) != calendar.ReasonClosed {
			t.Fatalf("%s 08:00 local: %v", day, err)
		}
	}
	// A weekly series at 09:00 keeps 09:00 local across the change.
	s, _ := time.ParseInLocation("2006-01-02 15:04", "2027-03-23 09:00", berlin)
	occ, err := calendar.Expand(s, s.Add(time.Hour), calendar.Rule{Freq: "weekly", Count: 2}, berlin)
	if err != nil || len(occ) != 2 || occ[1].Start.In(berlin).Hour() != 9 || occ[1].Start.Sub(occ[0].Start) != 7*24*time.Hour-time.Hour {
		t.Fatalf("series: %+v %v", occ, err)
	}
}

func TestSeries(t *testing.T) {
	d := dbtest.Open(t)
	fixed(d)
	res := define(t, d, calendar.Resource{Name: "XRD", SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 240})
	// Someone holds Wednesday 2 December at 14:00.
	if _, err := book(d, calendar.Request{ResourceID: res, Start: at("2026-12-02", "14:00"), End: at("2026-12-02", "15:00"), Status: calendar.Approved}); err != nil {
		t.Fatal(err)
	}
	req := calendar.Request{ResourceID: res, Start: at("2026-11-25", "14:00"), End: at("2026-11-25", "15:00"), Status: calendar.Approved}
	rule := calendar.Rule{Freq: "weekly", Weekdays: []time.Weekday{time.Monday, time.Wednesday}, Until: "2026-12-09"}
	// All or nothing: refused whole.
	if _, err := calendar.BookSeries(context.Background(), d, req, rule, false); calendar.Reason(err) != calendar.ReasonOverlap {
		t.Fatalf("all or nothing: %v", err)
	}
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after refusal: %d %v", n, err)
	}
	// Skipping: Wed 25, Mon 30, (Wed 2 skipped), Mon 7, Wed 9.
	s, err := calendar.BookSeries(context.Background(), d, req, rule, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Booked) != 4 || len(s.Skipped) != 1 || !s.Skipped[0].Start.Equal(at("2026-12-02", "14:00")) || s.Skipped[0].Reason != calendar.ReasonOverlap {
		t.Fatalf("series: %+v", s)
	}
	for _, b := range s.Booked {
		if b.SeriesID == nil || *b.SeriesID != s.Booked[0].ID {
			t.Fatalf("series id: %+v", b)
		}
	}
}

// TestConcurrentBookings: many writers book random, often overlapping
// slots on a few resources; afterwards no two blocking bookings overlap
// and every acknowledged booking is there.
func TestConcurrentBookings(t *testing.T) {
	d := dbtest.Open(t)
	fixed(d)
	var res []int64
	for i := range 4 {
		res = append(res, define(t, d, calendar.Resource{Name: fmt.Sprint("R", i), SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 180}))
	}
	var okIDs sync.Map
	var booked, refused atomic.Int64
	var fail atomic.Value
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 40 {
				day := at("2026-11-24", "09:00").AddDate(0, 0, rng.IntN(3))
				s := day.Add(time.Duration(rng.IntN(4)) * 30 * time.Minute)
				b, err := book(d, calendar.Request{ResourceID: res[rng.IntN(len(res))], Start: s, End: s.Add(time.Duration(1+rng.IntN(3)) * 30 * time.Minute), Status: calendar.Approved})
				switch {
				case err == nil:
					booked.Add(1)
					okIDs.Store(b.ID, true)
				case calendar.Reason(err) == calendar.ReasonOverlap:
					refused.Add(1)
				default:
					fail.Store(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := fail.Load(); err != nil {
		t.Fatal(err)
	}
	var overlaps int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings a JOIN calendar_bookings b ON a.resource_id = b.resource_id AND a.id < b.id
		AND a.blocks AND b.blocks AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at`).Scan(&overlaps); err != nil || overlaps != 0 {
		t.Fatalf("overlaps: %d %v", overlaps, err)
	}
	var n int64
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings`).Scan(&n); err != nil || n != booked.Load() {
		t.Fatalf("%d rows, %d acknowledged", n, booked.Load())
	}
	okIDs.Range(func(k, _ any) bool {
		if _, err := calendar.Get(context.Background(), d.Read, k.(int64)); err != nil {
			t.Errorf("acknowledged booking %d: %v", k, err)
		}
		return true
	})
	if booked.Load() == 0 || refused.Load() == 0 {
		t.Fatalf("booked %d, refused %d: the test did not contend", booked.Load(), refused.Load())
	}
}

func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		r     calendar.Resource
		field string
	}{
		"zone":    {calendar.Resource{Name: "x", TimeZone: "Mars/Olympus", SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 60}, "time_zone"},
		"slot":    {calendar.Resource{Name: "x", SlotMinutes: 7, MinMinutes: 7, MaxMinutes: 14}, "slot_minutes"},
		"max":     {calendar.Resource{Name: "x", SlotMinutes: 30, MinMinutes: 60, MaxMinutes: 30}, "max_minutes"},
		"hours":   {calendar.Resource{Name: "x", SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 60, Hours: []calendar.Hours{{Weekday: 1, Start: 600, End: 500}}}, "opening_hours[0].end"},
		"overlap": {calendar.Resource{Name: "x", SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 60, Hours: []calendar.Hours{{Weekday: 1, Start: 540, End: 720}, {Weekday: 1, Start: 600, End: 800}}}, "opening_hours[1]"},
	} {
		err := tc.r.Validate()
		if e := apperr.As(err); err == nil || e.Fields[0].Field != tc.field {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestConcurrentApprovals: overlapping pending requests (which do not
// hold their slots here) are approved at once by many writers; the
// approved ones never overlap, and each refusal is an overlap.
func TestConcurrentApprovals(t *testing.T) {
	d := dbtest.Open(t)
	fixed(d)
	ctx := context.Background()
	res := define(t, d, calendar.Resource{Name: "TEM", SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 180})
	var ids []int64
	for i := range 24 {
		s := at("2026-11-24", "09:00").Add(time.Duration(i%4) * 30 * time.Minute)
		b, err := book(d, calendar.Request{ResourceID: res, Start: s, End: s.Add(time.Duration(1+i%3) * 30 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	var approved, refused atomic.Int64
	var fail atomic.Value
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := d.Tx(ctx, func(tx *sql.Tx) error { _, err := calendar.Approve(ctx, tx, d, id); return err })
			switch {
			case err == nil:
				approved.Add(1)
			case calendar.Reason(err) == calendar.ReasonOverlap:
				refused.Add(1)
			default:
				fail.Store(err)
			}
		}()
	}
	wg.Wait()
	if err := fail.Load(); err != nil {
		t.Fatal(err)
	}
	var overlaps, blocking int64
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings a JOIN calendar_bookings b ON a.resource_id = b.resource_id AND a.id < b.id
		AND a.blocks AND b.blocks AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at`).Scan(&overlaps); err != nil || overlaps != 0 {
		t.Fatalf("overlaps: %d %v", overlaps, err)
	}
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings WHERE blocks AND status = 'approved'`).Scan(&blocking); err != nil || blocking != approved.Load() {
		t.Fatalf("%d approved rows, %d acknowledged (%v)", blocking, approved.Load(), err)
	}
	if approved.Load() == 0 || refused.Load() == 0 || approved.Load()+refused.Load() != int64(len(ids)) {
		t.Fatalf("approved %d, refused %d of %d", approved.Load(), refused.Load(), len(ids))
	}
}

// TestSeriesIn books a series inside the caller's transaction: skipped
// dates are rolled back to their savepoints and the rest stays; the
// caller's rollback takes the whole series away.
func TestSeriesIn(t *testing.T) {
	d := dbtest.Open(t)
	fixed(d)
	ctx := context.Background()
	res := define(t, d, calendar.Resource{Name: "流式细胞仪", SlotMinutes: 60, MinMinutes: 60, MaxMinutes: 120})
	if _, err := book(d, calendar.Request{ResourceID: res, Start: at("2026-11-26", "10:00"), End: at("2026-11-26", "11:00"), Status: calendar.Approved}); err != nil {
		t.Fatal(err)
	}
	req := calendar.Request{ResourceID: res, Start: at("2026-11-24", "10:00"), End: at("2026-11-24", "12:00"), Status: calendar.Approved}
	rule := calendar.Rule{Freq: "daily", Count: 7}
	var s calendar.Series
	run := func(commit bool) error {
		return d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := calendar.AddBlackout(ctx, tx, res, calendar.Blackout{Start: at("2026-11-27", "00:00"), End: at("2026-11-28", "00:00"), Reason: "停电检修"}); err != nil {
				return err
			}
			var err error
			if s, err = calendar.BookSeriesIn(ctx, tx, d, req, rule, true); err != nil {
				return err
			}
			if !commit {
				return errors.New("rolled back")
			}
			return nil
		})
	}
	if err := run(false); err == nil {
		t.Fatal("no rollback")
	}
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the caller's rollback: %d %v", n, err)
	}
	if err := run(true); err != nil {
		t.Fatal(err)
	}
	// Tue 24, Wed 25 booked; Thu 26 overlap; Fri 27 blackout; Sat 28, Sun
	// 29 closed; Mon 30 booked.
	want := map[string]string{"2026-11-26": calendar.ReasonOverlap, "2026-11-27": calendar.ReasonBlackout, "2026-11-28": calendar.ReasonClosed, "2026-11-29": calendar.ReasonClosed}
	if len(s.Booked) != 3 || len(s.Skipped) != 4 || !s.Booked[2].Start.Equal(at("2026-11-30", "10:00")) {
		t.Fatalf("series: %+v", s)
	}
	for _, k := range s.Skipped {
		if want[k.Start.In(shanghai).Format(time.DateOnly)] != k.Reason {
			t.Errorf("skipped %v: %s", k.Start.In(shanghai), k.Reason)
		}
	}
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM calendar_bookings WHERE series_id = $1`, s.Booked[0].ID).Scan(&n); err != nil || n != 3 {
		t.Fatalf("stored series: %d %v", n, err)
	}
}

// TestDSTDay: a resource open round the clock in Berlin has 23 hours on
// the day clocks go forward and 25 on the day they go back; a booking
// over the change is as long as the time that passes.
func TestDSTDay(t *testing.T) {
	d := dbtest.Open(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	d.Now = func() time.Time { return time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC) }
	var all []calendar.Hours
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		all = append(all, calendar.Hours{Weekday: wd, Start: 0, End: 1440})
	}
	res := define(t, d, calendar.Resource{Name: "Rechenzentrum", TimeZone: "Europe/Berlin", SlotMinutes: 60, MinMinutes: 60, MaxMinutes: 1440, Hours: all})
	ctx := context.Background()
	for _, tc := range []struct {
		day   string
		hours time.Duration
	}{{"2027-03-28", 23}, {"2027-10-31", 25}} {
		from, _ := time.ParseInLocation(time.DateOnly, tc.day, berlin)
		to := from.AddDate(0, 0, 1)
		free, err := calendar.Availability(ctx, d.Read, res, from, to)
		if err != nil || len(free) != 1 || free[0].End.Sub(free[0].Start) != tc.hours*time.Hour {
			t.Fatalf("%s: %+v %v", tc.day, free, err)
		}
		// 01:00 to 04:00 local: two or four hours pass.
		s := from.Add(time.Hour)
		e := time.Date(from.Year(), from.Month(), from.Day(), 4, 0, 0, 0, berlin)
		b, err := book(d, calendar.Request{ResourceID: res, Start: s, End: e, Status: calendar.Approved})
		if err != nil || b.End.Sub(b.Start) != (tc.hours-21)*time.Hour {
			t.Fatalf("%s over the change: %+v %v", tc.day, b, err)
		}
	}
}
