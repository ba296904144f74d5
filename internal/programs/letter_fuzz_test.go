package programs

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// FuzzBreakLines lays arbitrary text out as the decision letter does: it
// terminates, keeps every character that is not white space in order,
// starts and ends no line with a space, and fits every line within the
// width unless the line's overflow is closing punctuation. The seed
// corpus is in testdata/fuzz/FuzzBreakLines.
func FuzzBreakLines(f *testing.F) {
	for _, s := range []string{
		"上海云杉软件科技有限公司：经审核，你单位申报的“静安区科技小巨人企业配套支持”符合申报条件。",
		"To Shanghai Yunshan Software Technology Co., Ltd.: having reviewed your application",
		"Reason: 研发投入占比未达到 4% 的要求",
		"Supercalifragilisticexpialidocious-and-then-some-more-letters-without-any-space-at-all",
		"",
		" \t \n 。。。。",
	} {
		f.Add(s, 30.0)
	}
	cjkTTF, latinTTF, err := loadLetterFonts()
	if err != nil {
		f.Fatal(err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("cjk", "", cjkTTF)
	pdf.AddUTF8FontFromBytes("latin", "", latinTTF)
	pdf.AddPage()
	f.Fuzz(func(t *testing.T, text string, avail float64) {
		if !utf8.ValidString(text) || len(text) > 2000 || avail < 20 || avail > 400 {
			t.Skip()
		}
		ts := &typesetter{pdf: pdf, size: 12}
		lines := ts.breakLines(text, avail)
		var got strings.Builder
		for i, line := range lines {
			if len(line) > 0 && (line[0].space || line[len(line)-1].space) {
				t.Fatalf("line %d starts or ends with a space: %+v", i, line)
			}
			w := lineWidth(line)
			for k := len(line) - 1; k > 0 && closing(line[k]); k-- {
				w -= line[k].w
			}
			if w > avail+1e-9 && len(line) > 1 {
				t.Fatalf("line %d is %.2f wide, more than %.2f: %+v", i, w, avail, line)
			}
			for _, tok := range line {
				got.WriteString(tok.text)
			}
		}
		keep := func(s string) string {
			return strings.Map(func(r rune) rune {
				if r == ' ' || r == '\t' || r == '\r' || r == '\n' || r < 0x20 || r == 0x7f {
					return -1
				}
				return r
			}, s)
		}
		if keep(got.String()) != keep(text) {
			t.Fatalf("text changed:\n in  %q\n out %q", text, got.String())
		}
	})
}
