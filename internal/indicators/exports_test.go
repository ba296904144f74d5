package indicators_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/indicators"
)

// The CSV and XLSX of a series hold the same figures as its JSON, in the
// unit; the open-data page links every export and the 360Giving file; the
// report is a PDF.
func TestExports(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	if err := demo.SeedTransfer(ctx, e.App.DB, e.App.Transfer); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Indicators.Refresh(ctx, true); err != nil {
		t.Fatal(err)
	}
	now := indicators.MonthOf(e.App.DB.Now())
	q := "?from=" + indicators.AddMonths(now, -35) + "&to=" + now
	var se indicators.Series
	e.Do("GET", "/api/v1/indicators/tech-contract-turnover"+q, "", nil).JSON(&se)
	var total int64
	for _, v := range se.City.Values {
		total += v
	}
	if total == 0 || len(se.Periods) != 36 {
		t.Fatalf("series: %d periods, total %d", len(se.Periods), total)
	}
	want := map[string]float64{}
	for j, p := range se.Periods {
		want[p] = float64(se.City.Values[j]) / 100
	}

	r := e.Do("GET", "/api/v1/indicators/tech-contract-turnover.csv"+q, "", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[1][0] != "city" || len(rows[0]) != 3+36+1 || len(rows) != 2+len(se.Rows) {
		t.Fatalf("csv shape: %v, %d rows", rows[0], len(rows))
	}
	for j, p := range rows[0][3:39] {
		if v, _ := strconv.ParseFloat(rows[1][3+j], 64); v != want[p] {
			t.Errorf("csv %s: %s, want %v", p, rows[1][3+j], want[p])
		}
	}

	r = e.Do("GET", "/api/v1/indicators/tech-contract-turnover"+q+"&format=xlsx", "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("xlsx: %d %s", r.Status, r.Body)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	xrows, err := wb.GetRows("indicator", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	for j, p := range xrows[0][3:39] {
		if v, _ := strconv.ParseFloat(xrows[1][3+j], 64); v != want[p] {
			t.Errorf("xlsx %s: %s, want %v", p, xrows[1][3+j], want[p])
		}
	}
	if typ, _ := wb.GetCellType("indicator", "D2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("xlsx figures are text (%v)", typ)
	}

	body := string(e.Browser().Get("/indicators/open-data").Body)
	for _, link := range []string{"/api/v1/open-data/360giving.json", "/api/v1/indicators/loans-granted.xlsx", "/api/v1/indicators/report/" + now + ".pdf?lang=en"} {
		if !strings.Contains(body, link) {
			t.Errorf("the open-data page has no link to %s", link)
		}
	}
	r = e.Do("GET", "/api/v1/indicators/report/"+now+".pdf?lang=en", "", nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
		t.Fatalf("report: %d %s %.20q", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
}
