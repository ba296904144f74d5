package calendar

import (
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

// FuzzCheck compares the validation of a booking request with a plain
// oracle that walks the booking minute by minute in the resource's local
// time: Check accepts exactly the requests that start after now, sit on
// the slot grid, respect the lengths and are open at every minute, and
// names a field with a known reason otherwise. The zones include daylight
// saving (Berlin, New York, Lord Howe's half hour) and a half-hour offset
// (Kolkata); the hours include a night that crosses midnight.
func FuzzCheck(f *testing.F) {
	f.Add(uint8(0), uint8(2), int64(500000), int32(60), int16(0))
	f.Add(uint8(1), uint8(3), int64(129600), int32(120), int16(0))
	f.Add(uint8(2), uint8(0), int64(-1000), int32(-30), int16(7))
	f.Add(uint8(3), uint8(1), int64(777777), int32(480), int16(0))
	f.Add(uint8(4), uint8(2), int64(43210), int32(510), int16(-1))
	// Accepted: Berlin the Monday after the change to summer time, 09:00;
	// Shanghai from Sunday 23:00 over midnight; Kolkata 08:30.
	f.Add(uint8(1), uint8(3), int64(87*1440+7*60), int32(120), int16(0))
	f.Add(uint8(0), uint8(3), int64(65*1440+15*60), int32(120), int16(0))
	f.Add(uint8(3), uint8(2), int64(60*1440+3*60), int32(90), int16(0))
	f.Fuzz(func(t *testing.T, zone, slot uint8, startMin int64, mins int32, jitter int16) {
		zones := []string{"Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"}
		slots := []int{5, 15, 30, 60}
		var hours []Hours
		for wd := time.Monday; wd <= time.Saturday; wd++ {
			hours = append(hours, Hours{wd, 8 * 60, 12 * 60}, Hours{wd, 13 * 60, 20 * 60})
		}
		hours = append(hours, Hours{time.Sunday, 22 * 60, 1440}, Hours{time.Monday, 0, 6 * 60})
		r := Resource{Name: "fuzz", TimeZone: zones[int(zone)%len(zones)], SlotMinutes: slots[int(slot)%len(slots)], MinMinutes: 60, MaxMinutes: 480, Hours: hours}
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
		base := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		s := base.Add(time.Duration(startMin%(2*365*1440)) * time.Minute).Add(time.Duration(jitter%120) * time.Second)
		e := s.Add(time.Duration(mins%(15*1440)) * time.Minute)
		err := r.Check(Request{Start: s, End: e}, now)

		loc := r.Location()
		ls := s.In(loc)
		d := e.Sub(s)
		aligned := ls.Second() == 0 && d%time.Minute == 0 && (ls.Hour()*60+ls.Minute())%r.SlotMinutes == 0 && int(d/time.Minute)%r.SlotMinutes == 0
		open := true
		for m := s; m.Before(e) && open; m = m.Add(time.Minute) {
			lm := m.In(loc)
			mod := lm.Hour()*60 + lm.Minute()
			in := false
			for _, h := range r.Hours {
				if h.Weekday == lm.Weekday() && h.Start <= mod && mod < h.End {
					in = true
				}
			}
			open = in
		}
		want := ""
		switch {
		case d <= 0:
			want = ReasonEndsBeforeStart
		case s.Before(now):
			want = ReasonInPast
		case !aligned:
			want = ReasonMisaligned
		case d < time.Duration(r.MinMinutes)*time.Minute:
			want = ReasonTooShort
		case d > time.Duration(r.MaxMinutes)*time.Minute:
			want = ReasonTooLong
		case !open:
			want = ReasonClosed
		}
		if got := Reason(err); got != want {
			t.Fatalf("%s %v–%v (%s): got %q (%v), want %q", r.TimeZone, ls, e.In(loc), d, got, err, want)
		}
		if err != nil {
			if e := apperr.As(err); len(e.Fields) == 0 || (e.Fields[0].Field != "starts_at" && e.Fields[0].Field != "ends_at") {
				t.Fatalf("refusal names no field: %v", err)
			}
		}
	})
}
