package text_test

import (
	"testing"

	"rainforest/internal/kernel/text"
)

func TestLine(t *testing.T) {
	ok := []string{"", "上海云杉软件科技有限公司", "Shanghai Yunshan Software Co., Ltd.", "O'Brien; --", `Robert"); DROP TABLE users;`,
		"Müller & Søn", "云杉 🌲 Forest", "👩\u200d💻 Studio", "عربي", "tab-free"}
	for _, s := range ok {
		if msg := text.Line(s); msg != "" {
			t.Errorf("Line(%q) = %q, want ok", s, msg)
		}
	}
	bad := map[string]string{
		"a\x00b":         "contains a control character",
		"a\tb":           "contains a control character",
		"a\nb":           "must be on one line",
		"a\rb":           "must be on one line",
		"a\x7fb":         "contains a control character",
		"a\u0085b":       "contains a control character",
		"a\xffb":         "is not valid UTF-8",
		"a\ufffdb":       "contains an invalid character (U+FFFD)",
		"云\u200b杉":       "contains an invisible character (U+200B)",
		"Wang\u200f":     "contains an invisible character (U+200F)",
		"abc\u202efed":   "contains an invisible character (U+202E)",
		"soft\u00adware": "contains an invisible character (U+00AD)",
		"a\u200db":       "contains an invisible character (U+200D)",
		"\ufeffname":     "contains an invisible character (U+FEFF)",
	}
	for s, want := range bad {
		if got := text.Line(s); got != want {
			t.Errorf("Line(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestBlock(t *testing.T) {
	ok := []string{"", "第一段\n第二段\r\n\tindented", "عربي\u200f English", "soft\u00adhyphen", "👩\u200d💻"}
	for _, s := range ok {
		if msg := text.Block(s); msg != "" {
			t.Errorf("Block(%q) = %q, want ok", s, msg)
		}
	}
	bad := map[string]string{
		"a\x00b":   "contains a control character",
		"a\x1bb":   "contains a control character",
		"a\xc3":    "is not valid UTF-8",
		"a\ufffd":  "contains an invalid character (U+FFFD)",
		"x\u202ey": "contains a bidirectional override (U+202E)",
		"x\u2066y": "contains a bidirectional override (U+2066)",
		"x\u202ay": "contains a bidirectional override (U+202A)",
	}
	for s, want := range bad {
		if got := text.Block(s); got != want {
			t.Errorf("Block(%q) = %q, want %q", s, got, want)
		}
	}
}
