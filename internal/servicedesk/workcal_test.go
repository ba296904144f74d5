package servicedesk

import (
	"testing"
	"time"
)

func sh(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCalendarAdd(t *testing.T) {
	cal := Calendar{Off: map[string]bool{"2026-10-01": true, "2026-10-02": true, "2026-10-05": true, "2026-10-06": true, "2026-10-07": true},
		Worked: map[string]bool{"2026-10-10": true}}
	for _, c := range []struct {
		from string
		d    time.Duration
		want string
	}{
		{"2026-11-23 10:00", 4 * time.Hour, "2026-11-23 14:00"},  // Monday, same day
		{"2026-11-23 16:00", 2 * time.Hour, "2026-11-24 10:00"},  // over the evening
		{"2026-11-27 16:00", 2 * time.Hour, "2026-11-30 10:00"},  // Friday to Monday
		{"2026-11-28 11:00", 1 * time.Hour, "2026-11-30 10:00"},  // filed on Saturday
		{"2026-11-23 07:30", 8 * time.Hour, "2026-11-23 17:00"},  // before opening: a full day
		{"2026-11-23 18:30", 3 * workingDay, "2026-11-26 17:00"}, // after closing: three days from Tuesday
		{"2026-11-23 17:00", time.Minute, "2026-11-24 09:01"},    // at closing time exactly
		{"2026-09-30 15:00", 4 * time.Hour, "2026-10-08 11:00"},  // National Day: 1-7 off (3, 4 weekend)
		{"2026-10-09 16:00", 2 * time.Hour, "2026-10-10 10:00"},  // the Saturday worked in its place
		{"2026-11-23 10:00", 0, "2026-11-23 10:00"},
	} {
		got := cal.Add(sh(c.from), c.d)
		if !got.Equal(sh(c.want)) {
			t.Errorf("Add(%s, %v) = %s, want %s", c.from, c.d, got.In(Shanghai).Format("2006-01-02 15:04"), c.want)
		}
		// Between is Add's inverse.
		if b := cal.Between(sh(c.from), got); b != c.d {
			t.Errorf("Between(%s, %s) = %v, want %v", c.from, c.want, b, c.d)
		}
	}
	if b := cal.Between(sh("2026-11-24 10:00"), sh("2026-11-23 10:00")); b != 0 {
		t.Errorf("Between backwards = %v, want 0", b)
	}
	if !cal.Working(sh("2026-10-10 12:00")) || cal.Working(sh("2026-10-05 12:00")) || cal.Working(sh("2026-11-29 12:00")) {
		t.Error("worked Saturday, holiday Monday or plain Sunday misjudged")
	}
}

func TestLevelFor(t *testing.T) {
	sla := 3 * workingDay
	for _, c := range []struct {
		over time.Duration
		want int
	}{{time.Minute, 1}, {sla - time.Minute, 1}, {sla, 2}, {2 * sla, 3}, {10 * sla, MaxLevel}} {
		if got := levelFor(c.over, sla); got != c.want {
			t.Errorf("levelFor(%v) = %d, want %d", c.over, got, c.want)
		}
	}
}

func TestCountdown(t *testing.T) {
	cal := Calendar{}
	due := sh("2026-11-24 12:00")
	cd := cal.countdown(due, sh("2026-11-23 16:00"))
	if cd.Overdue || cd.LeftMinutes != 4*60 {
		t.Errorf("before: %+v, want 240 minutes left", cd)
	}
	cd = cal.countdown(due, sh("2026-11-24 13:30"))
	if !cd.Overdue || cd.LeftMinutes != -90 {
		t.Errorf("after: %+v, want 90 minutes overdue", cd)
	}
	if got := cd.Text("en"); got != "Overdue by 1 h 30 min of working time" {
		t.Errorf("text = %q", got)
	}
}
