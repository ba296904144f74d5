package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// bar draws a progress bar on one terminal line, at most a few times a
// second: rows done, the estimated total, the rate and the time left.
type bar struct {
	w     io.Writer
	label string
	start time.Time
	last  time.Time
	drawn bool
}

// newBar returns a bar on w, or nil (which draws nothing) when w is not a
// terminal.
func newBar(w io.Writer, label string) *bar {
	if !isTerminal(w) {
		return nil
	}
	return &bar{w: w, label: label, start: time.Now()}
}

// update redraws the bar: done rows, and the fraction of the work done
// (negative when unknown). The final call ends the line.
func (b *bar) update(done int64, fraction float64, final bool) {
	if b == nil {
		return
	}
	now := time.Now()
	if !final && now.Sub(b.last) < 150*time.Millisecond {
		return
	}
	b.last = now
	fmt.Fprint(b.w, "\r\033[K"+b.render(done, fraction, now.Sub(b.start)))
	b.drawn = true
	if final {
		fmt.Fprintln(b.w)
	}
}

func (b *bar) render(done int64, fraction float64, elapsed time.Duration) string {
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / s
	}
	if fraction < 0 {
		return fmt.Sprintf("%s  %s rows  %s rows/s  %s", b.label, group(done), group(int64(rate)), clock(elapsed))
	}
	fraction = min(fraction, 1)
	const width = 24
	n := int(fraction * width)
	total := "?"
	eta := "--:--"
	if fraction > 0 {
		total = group(int64(float64(done) / fraction))
		eta = clock(time.Duration(float64(elapsed) * (1 - fraction) / fraction))
	}
	return fmt.Sprintf("%s [%s%s] %3.0f%%  %s / %s rows  %s rows/s  ETA %s", b.label,
		strings.Repeat("█", n), strings.Repeat("░", width-n), fraction*100, group(done), total, group(int64(rate)), eta)
}

// group writes n with thousands separators.
func group(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
