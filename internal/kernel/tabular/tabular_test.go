package tabular

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

type row struct {
	cells string
	line  int
	err   string
}

func readAll(t *testing.T, r *Reader) []row {
	t.Helper()
	var out []row
	for {
		cells, line, err := r.Next()
		if err == io.EOF {
			return out
		}
		var re *RowError
		if errors.As(err, &re) {
			out = append(out, row{line: line, err: re.Msg})
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, row{cells: strings.Join(cells, "|"), line: line})
	}
}

func TestCSVLines(t *testing.T) {
	in := "\xEF\xBB\xBFa,b\n1,\"two\nlines\"\n3,\"bad\"quote\n4,5\n"
	r, err := Open(strings.NewReader(in), CSV, int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	want := []row{{cells: "a|b", line: 1}, {cells: "1|two\nlines", line: 2}, {line: 4, err: `malformed CSV at line 4, byte 7: extraneous or missing " in quoted-field`}, {cells: "4|5", line: 5}}
	if len(got) != len(want) {
		t.Fatalf("rows %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if r.Fraction() != 1 || !r.Strict() || r.Sheet() != "" {
		t.Errorf("fraction %v strict %v sheet %q, want 1 true \"\"", r.Fraction(), r.Strict(), r.Sheet())
	}
}

func TestWriteReadXLSX(t *testing.T) {
	var buf bytes.Buffer
	rows := [][]string{{"number 号码", "title"}, {"201310699744.2", "芯片"}, {"", ""}, {"x"}}
	if err := Write(&buf, XLSX, rows); err != nil {
		t.Fatal(err)
	}
	r, err := Open(&buf, XLSX, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := readAll(t, r)
	want := []row{{cells: "number 号码|title", line: 1}, {cells: "201310699744.2|芯片", line: 2}, {cells: "", line: 3}, {cells: "x", line: 4}}
	if len(got) != len(want) {
		t.Fatalf("rows %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if r.Sheet() != "Sheet1" || r.Strict() {
		t.Errorf("sheet %q strict %v", r.Sheet(), r.Strict())
	}
	if _, err := Open(strings.NewReader("not a zip"), XLSX, 0); err == nil {
		t.Error("Open of a file that is no workbook: no error")
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, CSV, [][]string{{"a", "b,c"}, {"名", "x\"y"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "\xEF\xBB\xBFa,\"b,c\"\n名,\"x\"\"y\"\n"; got != want {
		t.Errorf("CSV = %q, want %q", got, want)
	}
}

func TestPositions(t *testing.T) {
	for _, tt := range []struct {
		f         Format
		line, col int
		cell, pos string
	}{
		{CSV, 7, 3, "7:3", "a.csv:7:3"},
		{CSV, 7, 0, "7", "a.csv:7"},
		{XLSX, 7, 3, "C7", "a.csv:Sheet1!C7"},
		{XLSX, 7, 28, "AB7", "a.csv:Sheet1!AB7"},
		{XLSX, 7, 0, "7:7", "a.csv:Sheet1!7:7"},
	} {
		if got := Cell(tt.f, tt.line, tt.col); got != tt.cell {
			t.Errorf("Cell(%s, %d, %d) = %q, want %q", tt.f, tt.line, tt.col, got, tt.cell)
		}
		if got := Pos(tt.f, "a.csv", "Sheet1", tt.line, tt.col); got != tt.pos {
			t.Errorf("Pos(%s, %d, %d) = %q, want %q", tt.f, tt.line, tt.col, got, tt.pos)
		}
	}
}

func TestCellConversions(t *testing.T) {
	for in, want := range map[string]string{"1.5E+7": "15000000", "12.0": "12", "12.5": "12.5", "abc": "abc", "1e400": "1e400"} {
		if got := WholeNumber(in); got != want {
			t.Errorf("WholeNumber(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"43831": "2020-01-01", "2021-02-30": "2021-02-30", "0": "0"} {
		if got := SerialDate(in); got != want {
			t.Errorf("SerialDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for _, tt := range []struct {
		flag, file string
		want       Format
		err        bool
	}{{"", "a.CSV", CSV, false}, {"", "a.xlsx", XLSX, false}, {"XLSX", "a.csv", XLSX, false}, {"", "-", CSV, false}, {"ods", "", "", true}, {"", "a.txt", "", true}} {
		got, err := FormatOf(tt.flag, tt.file)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("FormatOf(%q, %q) = %q, %v; want %q, error %v", tt.flag, tt.file, got, err, tt.want, tt.err)
		}
	}
}
