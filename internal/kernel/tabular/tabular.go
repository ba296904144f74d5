// Package tabular reads and writes the spreadsheets that imports take:
// CSV (UTF-8, with or without a byte-order mark) and the first sheet of an
// XLSX workbook. A reader gives each row's cells with where the row is —
// the physical line of a CSV file, the row number of a sheet — so that an
// import can report a problem as LINE:COLUMN or as a cell name like C7.
package tabular

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Format is a spreadsheet file format.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// FormatOf returns the format named by a flag value, or by the extension
// of a file name when the flag is "" (CSV when there is none).
func FormatOf(flag, file string) (Format, error) {
	v := strings.ToLower(strings.TrimSpace(flag))
	if v == "" {
		v = strings.ToLower(strings.TrimPrefix(filepath.Ext(file), "."))
		if v == "" {
			return CSV, nil
		}
	}
	switch Format(v) {
	case CSV, XLSX:
		return Format(v), nil
	}
	return "", fmt.Errorf("unknown format %q: want csv or xlsx", v)
}

// RowError is returned by Next for a row that cannot be read (malformed
// CSV quoting, an unreadable sheet row); reading goes on after it.
type RowError struct{ Msg string }

func (e *RowError) Error() string { return e.Msg }

// Reader is a source of rows.
type Reader struct {
	format Format
	// CSV
	csv   *csv.Reader
	count *countingReader
	size  int64
	// XLSX
	f     *excelize.File
	rows  *excelize.Rows
	sheet string
	row   int
	total int
}

// Open starts reading r in format f. size is the input's length in bytes
// if known (0 if not), for Fraction. An XLSX file is opened at once, and a
// file that is not a workbook is an error here.
func Open(r io.Reader, f Format, size int64) (*Reader, error) {
	switch f {
	case CSV, "":
		cr := &countingReader{r: r}
		br := bufio.NewReaderSize(cr, 64<<10)
		if b, err := br.Peek(3); err == nil && string(b) == "\xEF\xBB\xBF" {
			br.Discard(3)
		}
		c := csv.NewReader(br)
		c.FieldsPerRecord = -1
		c.ReuseRecord = true
		return &Reader{format: CSV, csv: c, count: cr, size: size}, nil
	case XLSX:
		wb, err := excelize.OpenReader(r)
		if err != nil {
			return nil, err
		}
		sheets := wb.GetSheetList()
		if len(sheets) == 0 {
			wb.Close()
			return nil, errors.New("the workbook has no sheet")
		}
		rows, err := wb.Rows(sheets[0])
		if err != nil {
			wb.Close()
			return nil, err
		}
		t := &Reader{format: XLSX, f: wb, rows: rows, sheet: sheets[0], total: -1}
		if dim, err := wb.GetSheetDimension(sheets[0]); err == nil {
			if i := strings.LastIndexByte(dim, ':'); i >= 0 {
				if _, n, err := excelize.CellNameToCoordinates(dim[i+1:]); err == nil {
					t.total = n
				}
			}
		}
		return t, nil
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

// Format is the format read.
func (t *Reader) Format() Format { return t.format }

// Sheet is the name of the sheet read (XLSX), "" for CSV.
func (t *Reader) Sheet() string { return t.sheet }

// Next returns the next row's cells and its line (CSV: the line where the
// row starts) or row number (XLSX); io.EOF at the end; a *RowError for a
// row that cannot be read, after which reading goes on. The cells are
// valid until the next call.
func (t *Reader) Next() ([]string, int, error) {
	if t.format == XLSX {
		if !t.rows.Next() {
			if err := t.rows.Error(); err != nil {
				return nil, t.row + 1, err
			}
			return nil, 0, io.EOF
		}
		t.row++
		cells, err := t.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, t.row, &RowError{"unreadable row: " + err.Error()}
		}
		return cells, t.row, nil
	}
	rec, err := t.csv.Read()
	if err == nil {
		line, _ := t.csv.FieldPos(0)
		return rec, line, nil
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, pe.StartLine, &RowError{fmt.Sprintf("malformed CSV at line %d, byte %d: %v", pe.Line, pe.Column, pe.Err)}
	}
	return nil, 0, err
}

// Strict reports whether a row shorter than the header is an error (CSV)
// rather than trailing empty cells left out (XLSX).
func (t *Reader) Strict() bool { return t.format != XLSX }

// Fraction is the share of the input read, 0 to 1, or -1 when it cannot
// be known.
func (t *Reader) Fraction() float64 {
	if t.format == XLSX {
		if t.total <= 0 {
			return -1
		}
		return min(1, float64(t.row)/float64(t.total))
	}
	if t.size <= 0 {
		return -1
	}
	return min(1, float64(t.count.n)/float64(t.size))
}

// Close releases the workbook.
func (t *Reader) Close() error {
	if t.format != XLSX {
		return nil
	}
	t.rows.Close()
	return t.f.Close()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Blank reports whether every cell is empty or spaces.
func Blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Cell names a position: C7 in a sheet (7:7 for a whole row, column 0),
// 7:3 in a CSV file (7 for a whole row).
func Cell(f Format, line, column int) string {
	if f == XLSX {
		if column == 0 {
			return fmt.Sprintf("%d:%d", line, line)
		}
		col, _ := excelize.ColumnNumberToName(column)
		return col + strconv.Itoa(line)
	}
	if column == 0 {
		return strconv.Itoa(line)
	}
	return fmt.Sprintf("%d:%d", line, column)
}

// Pos is where a problem is in a file: FILE:LINE:COLUMN (FILE:LINE for a
// whole row) for CSV, FILE:Sheet1!D7 (FILE:Sheet1!7:7) for XLSX.
func Pos(f Format, file, sheet string, line, column int) string {
	if f == XLSX {
		return file + ":" + sheet + "!" + Cell(f, line, column)
	}
	return file + ":" + Cell(f, line, column)
}

// WholeNumber undoes a spreadsheet's writing of a whole number as a float
// (1.2E+7, 15000000.0); other text comes back unchanged.
func WholeNumber(v string) string {
	if strings.ContainsAny(v, ".eE") {
		if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10)
		}
	}
	return v
}

// SerialDate turns a spreadsheet's date serial (days since 1899-12-30)
// into YYYY-MM-DD; other text comes back unchanged.
func SerialDate(v string) string {
	if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && x >= 1 && x < 2958466 {
		if d, err := excelize.ExcelDateToTime(x, false); err == nil {
			return d.Format("2006-01-02")
		}
	}
	return v
}

// Write writes rows as CSV (with a UTF-8 byte-order mark, so that
// spreadsheet programs read Chinese text as UTF-8) or as a one-sheet
// workbook whose first row is bold and frozen.
func Write(w io.Writer, f Format, rows [][]string) error {
	switch f {
	case CSV, "":
		bw := bufio.NewWriter(w)
		bw.WriteString("\xEF\xBB\xBF")
		cw := csv.NewWriter(bw)
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		return bw.Flush()
	case XLSX:
		wb := excelize.NewFile()
		defer wb.Close()
		sheet := wb.GetSheetName(0)
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			vals := make([]any, len(r))
			for j, v := range r {
				vals[j] = v
			}
			if err := wb.SetSheetRow(sheet, cell, &vals); err != nil {
				return err
			}
		}
		if len(rows) > 0 && len(rows[0]) > 0 {
			bold, err := wb.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
			if err != nil {
				return err
			}
			last, _ := excelize.CoordinatesToCellName(len(rows[0]), 1)
			if err := wb.SetCellStyle(sheet, "A1", last, bold); err != nil {
				return err
			}
			if err := wb.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
				return err
			}
			lastCol, _ := excelize.ColumnNumberToName(len(rows[0]))
			if err := wb.SetColWidth(sheet, "A", lastCol, 18); err != nil {
				return err
			}
		}
		return wb.Write(w)
	}
	return fmt.Errorf("unknown format %q", f)
}
