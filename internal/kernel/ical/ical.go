// Package ical writes iCalendar (RFC 5545) feeds: TEXT values escaped,
// content lines folded at 75 octets without splitting a UTF-8 sequence,
// times in UTC. Modules turn their records into Events and publish the
// result as text/calendar.
package ical

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one VEVENT of a feed.
type Event struct {
	UID         string
	Start       time.Time
	End         time.Time
	Summary     string
	Description string
	Location    string
	// URL is an absolute address of the event's page, or "".
	URL    string
	Status string // CONFIRMED, TENTATIVE or CANCELLED
	Stamp  time.Time
}

// EscapeText escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon
// and comma are escaped, line breaks become \n; other control characters
// are dropped.
func EscapeText(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fold writes a content line folded at 75 octets (RFC 5545 3.1), never
// inside a UTF-8 sequence, ending with CRLF.
func fold(b *strings.Builder, line string) {
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		// A continuation line's leading space counts toward the 75.
		limit = 74
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

// uri keeps a URI value on one line: control characters and spaces are
// dropped (a URI has none).
func uri(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// Calendar writes a VCALENDAR with the events; product names the module
// in the PRODID ("Instruments", "Events").
func Calendar(product, name string, events []Event) string {
	var b strings.Builder
	const ts = "20060102T150405Z"
	fold(&b, "BEGIN:VCALENDAR")
	fold(&b, "VERSION:2.0")
	fold(&b, "PRODID:-//Rainforest//"+uri(product)+"//ZH")
	fold(&b, "CALSCALE:GREGORIAN")
	fold(&b, "METHOD:PUBLISH")
	fold(&b, "X-WR-CALNAME:"+EscapeText(name))
	fold(&b, "X-WR-TIMEZONE:Asia/Shanghai")
	for _, e := range events {
		fold(&b, "BEGIN:VEVENT")
		fold(&b, "UID:"+EscapeText(e.UID))
		fold(&b, "DTSTAMP:"+e.Stamp.UTC().Format(ts))
		fold(&b, "DTSTART:"+e.Start.UTC().Format(ts))
		fold(&b, "DTEND:"+e.End.UTC().Format(ts))
		fold(&b, "SUMMARY:"+EscapeText(e.Summary))
		if e.Description != "" {
			fold(&b, "DESCRIPTION:"+EscapeText(e.Description))
		}
		if e.Location != "" {
			fold(&b, "LOCATION:"+EscapeText(e.Location))
		}
		if u := uri(e.URL); u != "" {
			fold(&b, "URL:"+u)
		}
		if e.Status != "" {
			fold(&b, "STATUS:"+e.Status)
		}
		fold(&b, "END:VEVENT")
	}
	fold(&b, "END:VCALENDAR")
	return b.String()
}
