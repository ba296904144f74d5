package ical

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// unfold joins folded content lines (RFC 5545 3.1).
func unfold(ics string) []string {
	return strings.Split(strings.TrimSuffix(strings.ReplaceAll(ics, "\r\n ", ""), "\r\n"), "\r\n")
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == 'n' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestCalendar(t *testing.T) {
	at := time.Date(2026, 12, 5, 14, 0, 0, 0, time.FixedZone("CST", 8*3600))
	ics := Calendar("Events", "杨浦天使路演", []Event{{UID: "event-1@x", Start: at, End: at.Add(3 * time.Hour), Summary: "路演; Roadshow, Yangpu",
		Description: "第一行\n第二行", URL: "https://example.cn/events/1", Location: "五角场", Status: "CONFIRMED", Stamp: at}})
	lines := unfold(ics)
	want := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Rainforest//Events//ZH", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:杨浦天使路演",
		"X-WR-TIMEZONE:Asia/Shanghai", "BEGIN:VEVENT", "UID:event-1@x", "DTSTAMP:20261205T060000Z", "DTSTART:20261205T060000Z", "DTEND:20261205T090000Z",
		`SUMMARY:路演\; Roadshow\, Yangpu`, `DESCRIPTION:第一行\n第二行`, "LOCATION:五角场", "URL:https://example.cn/events/1", "STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// FuzzEscapeText: whatever an event or a booking is called, the feed stays
// valid: no bare line breaks or control characters, every content line at
// most 75 octets and valid UTF-8, the text read back as written (less the
// control characters).
func FuzzEscapeText(f *testing.F) {
	for _, s := range []string{"电镜室 3; 楼,东侧\\西侧", "a\r\nb\nc", "\x00\x7f\x1b[31m", strings.Repeat("天使投资对接会", 30), "\xff\xfe", "🔬;,\\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		esc := EscapeText(name)
		if strings.ContainsAny(esc, "\r\n") {
			t.Fatalf("line break in %q", esc)
		}
		want := strings.Map(func(r rune) rune {
			if r == '\n' || (r >= 0x20 && r != 0x7f) {
				return r
			}
			return -1
		}, strings.ToValidUTF8(name, "\uFFFD"))
		if got := unescape(esc); got != want {
			t.Fatalf("read back %q, want %q", got, want)
		}
		ics := Calendar(name, name, []Event{{UID: name, Start: time.Unix(0, 0), End: time.Unix(3600, 0), Summary: name, Description: name, Location: name, URL: name, Stamp: time.Unix(0, 0)}})
		for _, line := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
			if len(line) > 75 || !utf8.ValidString(line) || strings.ContainsAny(line, "\r\n") {
				t.Fatalf("bad line %q", line)
			}
		}
		for _, line := range unfold(ics) {
			if k, v, ok := strings.Cut(line, ":"); ok && k == "SUMMARY" && unescape(v) != want {
				t.Fatalf("summary read back %q, want %q", unescape(v), want)
			}
		}
	})
}
