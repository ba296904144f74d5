package transfer

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
)

// FuzzSharedTerms: whatever the texts, the shared terms are pieces of the
// candidate's text, at most as many as asked, none empty, and the
// function never panics (invalid UTF-8, emoji, full-width forms).
func FuzzSharedTerms(f *testing.F) {
	f.Add("可穿戴设备的传感器芯片封装", "柔性芯片封装工艺，适用于传感器芯片")
	f.Add("Sensor chip packaging for wearables", "A packaging method for flexible sensor chips")
	f.Add("ＡＢＣ５Ｇ　芯片", "abc5g 芯")
	f.Add("\xff\xfe芯片", "芯片\xff")
	f.Fuzz(func(t *testing.T, query, text string) {
		got := SharedTerms(text, termSet(query), 10)
		if len(got) > 10 {
			t.Fatalf("%d terms", len(got))
		}
		for _, s := range got {
			if s == "" || !strings.Contains(text, s) {
				t.Fatalf("%q is not a piece of %q", s, text)
			}
		}
	})
}

// FuzzParseCatalog: any query string is either refused naming a
// parameter, or gives a query that validates or is refused naming a
// filter; never a panic or an unnamed error.
func FuzzParseCatalog(f *testing.F) {
	f.Add("q=%E8%8A%AF%E7%89%87&field=biomedicine&limit=20")
	f.Add("maturity=lab&maturity=market&price_band=ge_10m&offset=9999")
	f.Add("limit=0&offset=-1&district=X;DROP")
	f.Add("q=" + strings.Repeat("a", 3000))
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseCatalog(v)
		if err == nil {
			err = q.Validate()
		}
		if err == nil {
			if q.Limit < 1 || q.Limit > 100 || q.Offset < 0 || q.Offset > 10000 {
				t.Fatalf("accepted %+v", q)
			}
			return
		}
		e := apperr.As(err)
		if e.Code == apperr.Internal || len(e.Fields) == 0 || e.Fields[0].Field == "" || !utf8.ValidString(e.Error()) {
			t.Fatalf("unnamed error for %q: %v", raw, err)
		}
	})
}
