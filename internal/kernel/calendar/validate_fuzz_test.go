package calendar

import (
	"regexp"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

// FuzzValidate: a resource definition is either refused with every fault
// named by a known field, or meets the rules the engine relies on (the
// slot divides a day, the lengths are multiples of it, the zone loads,
// each weekday's intervals are inside the day and do not overlap).
func FuzzValidate(f *testing.F) {
	f.Add("电子显微镜", "Asia/Shanghai", 30, 60, 240, []byte{1, 36, 48, 1, 52, 72})
	f.Add("Labor", "Europe/Berlin", 60, 60, 600, []byte{0, 0, 96})
	f.Add("", "Local", 7, 0, -1, []byte{9, 99, 1})
	f.Add("x", "", 1440, 1440, 20160, []byte{6, 50, 40, 6, 10, 60})
	f.Fuzz(func(t *testing.T, name, zone string, slot, minM, maxM int, hours []byte) {
		r := Resource{Name: name, TimeZone: zone, SlotMinutes: slot, MinMinutes: minM, MaxMinutes: maxM}
		for i := 0; i+2 < len(hours) && len(r.Hours) < 20; i += 3 {
			// Weekday, start and end in quarter hours (0-96 is a day).
			r.Hours = append(r.Hours, Hours{Weekday: time.Weekday(int(hours[i]) % 9), Start: int(hours[i+1]) * 15, End: int(hours[i+2]) * 15})
		}
		err := r.Validate()
		if err != nil {
			e := apperr.As(err)
			if e.Code != apperr.Invalid || len(e.Fields) == 0 {
				t.Fatalf("refusal without fields: %v", err)
			}
			known := regexp.MustCompile(`^(name|time_zone|slot_minutes|min_minutes|max_minutes|opening_hours\[\d+\](\.(weekday|start_min|end))?)$`)
			for _, fe := range e.Fields {
				if !known.MatchString(fe.Field) {
					t.Fatalf("unknown field %q", fe.Field)
				}
			}
			return
		}
		if _, err := time.LoadLocation(r.TimeZone); err != nil || r.Name == "" {
			t.Fatalf("accepted %q / %q", r.Name, r.TimeZone)
		}
		if slot < 1 || 1440%slot != 0 || minM < 1 || minM%slot != 0 || maxM < minM || maxM%slot != 0 || maxM > 14*1440 {
			t.Fatalf("accepted slot %d, min %d, max %d", slot, minM, maxM)
		}
		var used [7][1440]bool
		for _, h := range r.Hours {
			if h.Weekday < 0 || h.Weekday > 6 || h.Start < 0 || h.End > 1440 || h.End <= h.Start {
				t.Fatalf("accepted %+v", h)
			}
			for m := h.Start; m < h.End; m++ {
				if used[h.Weekday][m] {
					t.Fatalf("accepted overlapping hours %+v", r.Hours)
				}
				used[h.Weekday][m] = true
			}
		}
	})
}
