package calendar

import (
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

// FuzzExpand: any rule either is refused naming a field or gives at most
// MaxOccurrences (and Count) occurrences, in order, each as long as the
// first, none before it.
func FuzzExpand(f *testing.F) {
	f.Add("weekly", 1, uint8(0b0101010), "2027-01-31", 0, int64(1795000000), int64(3600), "Asia/Shanghai")
	f.Add("daily", 2, uint8(0), "", 10, int64(1800000000), int64(5400), "Europe/Berlin")
	f.Add("weekly", 52, uint8(0x7f), "2030-12-31", 366, int64(1900000000), int64(60), "America/New_York")
	f.Add("monthly", 0, uint8(1), "x", -1, int64(0), int64(-5), "Nowhere/None")
	f.Fuzz(func(t *testing.T, freq string, interval int, days uint8, until string, count int, start, dur int64, zone string) {
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "Local" {
			return
		}
		var wds []time.Weekday
		for i := range 7 {
			if days&(1<<i) != 0 {
				wds = append(wds, time.Weekday(i))
			}
		}
		s := time.Unix(start%4000000000, 0)
		e := s.Add(time.Duration(dur%86400) * time.Second)
		occ, err := Expand(s, e, Rule{Freq: freq, Interval: interval, Weekdays: wds, Until: until, Count: count}, loc)
		if err != nil {
			if Reason(err) == "" && len(errFields(err)) == 0 {
				t.Fatalf("unnamed refusal: %v", err)
			}
			return
		}
		if len(occ) > MaxOccurrences || (count > 0 && len(occ) > count) {
			t.Fatalf("%d occurrences", len(occ))
		}
		for i, o := range occ {
			if o.Start.Before(s) || (i > 0 && !o.Start.After(occ[i-1].Start)) {
				t.Fatalf("occurrence %d out of order: %v", i, o)
			}
			if o.End.Sub(o.Start) != e.Sub(s) {
				t.Fatalf("occurrence %d lasts %v", i, o.End.Sub(o.Start))
			}
		}
	})
}

func errFields(err error) []string {
	var out []string
	if e := asErr(err); e != nil {
		for _, f := range e.Fields {
			out = append(out, f.Field)
		}
	}
	return out
}

func asErr(err error) *apperr.Error { return apperr.As(err) }
