package indicators

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Figure writes a stored value in its unit: whole numbers for counts, two
// decimals otherwise.
func (d *Definition) Figure(v int64) string {
	if d.Scale <= 1 {
		return strconv.FormatInt(v, 10)
	}
	if d.Scale == 100 {
		neg := v < 0
		if neg {
			v = -v
		}
		s := strconv.FormatInt(v/100, 10) + "." + strconv.FormatInt(100+v%100, 10)[1:]
		if neg {
			s = "-" + s
		}
		return s
	}
	if d.Scale == 10 {
		return strconv.FormatFloat(float64(v)/10, 'f', 1, 64)
	}
	return strconv.FormatFloat(float64(v)/float64(d.Scale), 'f', 2, 64)
}

// Display writes a stored value in its unit for people: Figure with the
// thousands grouped.
func (d *Definition) Display(v int64) string {
	f := d.Figure(v)
	sign := ""
	if strings.HasPrefix(f, "-") {
		sign, f = "-", f[1:]
	}
	whole, frac, dot := strings.Cut(f, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if dot {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// Float is a stored value in its unit, for charts and spreadsheets.
func (d *Definition) Float(v int64) float64 {
	if d.Scale <= 1 {
		return float64(v)
	}
	return float64(v) / float64(d.Scale)
}

// table is the series as rows of cells: a header, the city, the areas.
func (se *Series) table() [][]string {
	def := se.Indicator
	head := []string{"area", "name_zh", "name_en"}
	head = append(head, se.Periods...)
	if def.Kind == Flow {
		head = append(head, "total")
	}
	out := [][]string{head}
	row := func(r Row) []string {
		cells := []string{r.Slug, r.NameZh, r.NameEn}
		for _, v := range r.Values {
			cells = append(cells, def.Figure(v))
		}
		if def.Kind == Flow {
			cells = append(cells, def.Figure(r.Total))
		}
		return cells
	}
	city := row(se.City)
	city[0] = "city"
	out = append(out, city)
	for _, r := range se.Rows {
		out = append(out, row(r))
	}
	return out
}

// WriteCSV writes the series as CSV with a UTF-8 byte-order mark (so that
// spreadsheet programs read the Chinese names), figures in the unit.
func (se *Series) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("\xEF\xBB\xBF")
	cw := csv.NewWriter(bw)
	if err := cw.WriteAll(se.table()); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteXLSX writes the series as a workbook: figures as numbers, the
// definition and unit under the table.
func (se *Series) WriteXLSX(w io.Writer) error {
	def := se.Indicator
	wb := excelize.NewFile()
	defer wb.Close()
	sheet := "indicator"
	if err := wb.SetSheetName(wb.GetSheetName(0), sheet); err != nil {
		return err
	}
	t := se.table()
	for i, r := range t {
		vals := make([]any, len(r))
		for j, c := range r {
			vals[j] = c
			if i > 0 && j >= 3 {
				f, err := strconv.ParseFloat(c, 64)
				if err == nil {
					vals[j] = f
				}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := wb.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
	}
	bold, err := wb.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(t[0]), 1)
	if err := wb.SetCellStyle(sheet, "A1", last, bold); err != nil {
		return err
	}
	if err := wb.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 3, YSplit: 1, TopLeftCell: "D2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	notes := [][]any{
		{def.ID, def.TitleZh, def.TitleEn},
		{"unit", def.Unit},
		{"definition_zh", def.DefinitionZh},
		{"definition_en", def.DefinitionEn},
	}
	for i, n := range notes {
		cell, _ := excelize.CoordinatesToCellName(1, len(t)+2+i)
		if err := wb.SetSheetRow(sheet, cell, &n); err != nil {
			return err
		}
	}
	return wb.Write(w)
}
