package indicators

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/programs"
)

// Report is the printable monthly report: every indicator's figure of the
// month by area, in one language.
func (s *Service) Report(ctx context.Context, month, lang string) ([]byte, error) {
	if _, err := ParseMonth("month", month); err != nil {
		return nil, err
	}
	if month > MonthOf(s.DB.Now()) {
		return nil, apperr.Field("month", "must not be after this month")
	}
	if lang != "en" {
		lang = "zh"
	}
	all, err := s.Dashboard(ctx, Query{From: month, To: month})
	if err != nil {
		return nil, err
	}
	cjkTTF, latinTTF, isCJK, err := programs.PrintFonts()
	if err != nil {
		return nil, apperr.Wrap(err, "report fonts")
	}
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	pick := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AddUTF8FontFromBytes("cjk", "", cjkTTF)
	pdf.AddUTF8FontFromBytes("latin", "", latinTTF)
	pdf.SetTitle(t("indicators.report.title", month), true)
	pdf.SetCreator("Rainforest", true)
	stamp := s.DB.Now()
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		text(pdf, isCJK, 8, pdf.GetX(), pdf.GetY(), 174, 5, t("indicators.report.footer", month, stamp.In(shanghai).Format(time.DateTime), pdf.PageNo()), "C")
	})
	pdf.AddPage()
	text(pdf, isCJK, 17, 18, pdf.GetY(), 174, 10, t("indicators.report.title", month), "C")
	pdf.Ln(11)
	for _, line := range wrap(pdf, isCJK, 9, t("indicators.report.intro"), 174) {
		text(pdf, isCJK, 9, 18, pdf.GetY(), 174, 5, line, "L")
		pdf.SetY(pdf.GetY() + 5)
	}
	pdf.Ln(3)
	const rowH = 5.2
	for _, se := range all {
		def := se.Indicator
		// Keep an indicator's block on one page.
		need := 12 + rowH*float64((len(se.Rows)+3)/2+1)
		if pdf.GetY()+need > 279 {
			pdf.AddPage()
		}
		pdf.SetFillColor(232, 240, 234)
		y := pdf.GetY()
		pdf.Rect(18, y, 174, 7, "F")
		text(pdf, isCJK, 11, 20, y+0.5, 170, 6, pick(def.TitleZh, def.TitleEn)+" ("+t("indicators.unit."+def.Unit)+")", "L")
		pdf.SetY(y + 8)
		text(pdf, isCJK, 9.5, 20, pdf.GetY(), 100, rowH, t("indicators.city"), "L")
		text(pdf, isCJK, 9.5, 120, pdf.GetY(), 70, rowH, def.Display(se.City.Values[0]), "R")
		pdf.SetY(pdf.GetY() + rowH)
		half := (len(se.Rows) + 1) / 2
		top := pdf.GetY()
		for i, r := range se.Rows {
			col, line := 0, i
			if i >= half {
				col, line = 1, i-half
			}
			x := 20 + float64(col)*87
			ry := top + float64(line)*rowH
			text(pdf, isCJK, 9, x, ry, 55, rowH, pick(r.NameZh, r.NameEn), "L")
			text(pdf, isCJK, 9, x+55, ry, 28, rowH, def.Display(r.Values[0]), "R")
		}
		pdf.SetY(top + float64(half)*rowH + 4)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, apperr.Wrap(err, "report pdf")
	}
	return b.Bytes(), nil
}

// text draws s in a box, switching between the Chinese and the Latin font
// run by run (the Chinese font has no Latin letters).
func text(pdf *fpdf.Fpdf, isCJK func(rune) bool, size, x, y, w, h float64, s, align string) {
	type run struct {
		s   string
		cjk bool
	}
	var runs []run
	for _, r := range s {
		c := isCJK(r)
		if n := len(runs); n > 0 && runs[n-1].cjk == c {
			runs[n-1].s += string(r)
		} else {
			runs = append(runs, run{string(r), c})
		}
	}
	font := func(c bool) {
		if c {
			pdf.SetFont("cjk", "", size)
		} else {
			pdf.SetFont("latin", "", size)
		}
	}
	total := 0.0
	for _, r := range runs {
		font(r.cjk)
		total += pdf.GetStringWidth(r.s)
	}
	switch align {
	case "R":
		x += w - total
	case "C":
		x += (w - total) / 2
	}
	for _, r := range runs {
		font(r.cjk)
		pdf.SetXY(x, y)
		rw := pdf.GetStringWidth(r.s)
		pdf.CellFormat(rw, h, r.s, "", 0, "L", false, 0, "")
		x += rw
	}
}

// wrap breaks s into lines no wider than w: between any two Chinese
// characters, and at the last space before the edge in Latin text.
func wrap(pdf *fpdf.Fpdf, isCJK func(rune) bool, size float64, s string, w float64) []string {
	var lines []string
	var line []rune
	width := 0.0
	for _, r := range s {
		if isCJK(r) {
			pdf.SetFont("cjk", "", size)
		} else {
			pdf.SetFont("latin", "", size)
		}
		rw := pdf.GetStringWidth(string(r))
		if width+rw > w && len(line) > 0 {
			cut := len(line)
			if !isCJK(r) && r != ' ' {
				for i := len(line) - 1; i > 0; i-- {
					if line[i] == ' ' {
						cut = i
						break
					}
					if isCJK(line[i]) {
						break
					}
				}
			}
			lines = append(lines, string(line[:cut]))
			rest := []rune(strings.TrimLeft(string(line[cut:]), " "))
			line = rest
			width = 0
			for _, x := range line {
				if isCJK(x) {
					pdf.SetFont("cjk", "", size)
				} else {
					pdf.SetFont("latin", "", size)
				}
				width += pdf.GetStringWidth(string(x))
			}
			if r == ' ' && len(line) == 0 {
				continue
			}
		}
		line = append(line, r)
		width += rw
	}
	if len(line) > 0 {
		lines = append(lines, string(line))
	}
	return lines
}
