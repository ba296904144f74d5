package instruments

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// unescape reverses EscapeText.
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

// FuzzEscapeText: whatever an instrument or a booker is called, the feed
// stays valid: no bare line breaks or control characters, every content
// line at most 75 octets and valid UTF-8, the text read back as written
// (less the control characters).
func FuzzEscapeText(f *testing.F) {
	for _, s := range []string{"电镜室 3; 楼,东侧\\西侧", "a\r\nb\nc", "\x00\x7f\x1b[31m", strings.Repeat("扫描电子显微镜", 30), "\xff\xfe", "🔬;,\\n"} {
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
		ics := Calendar(name, []Event{{UID: name, Start: time.Unix(0, 0), End: time.Unix(3600, 0), Summary: name, Location: name, Stamp: time.Unix(0, 0)}})
		for _, line := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
			if len(line) > 75 || !utf8.ValidString(line) || strings.ContainsAny(line, "\r\n") {
				t.Fatalf("bad line %q", line)
			}
		}
	})
}
