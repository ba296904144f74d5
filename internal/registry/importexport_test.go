package registry

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db/dbtest"
)

func newTestService(t testing.TB) *Service {
	t.Helper()
	return &Service{DB: dbtest.Open(t)}
}

func code(district string, seq uint64) string { return SynthUSCC("91", district, seq) }

func importString(t *testing.T, s *Service, name, content string, skip bool) (*ImportReport, error) {
	t.Helper()
	im := &Importer{Registry: s, Format: CSV, Name: name, SkipInvalid: skip}
	return im.Import(context.Background(), strings.NewReader(content))
}

func countOrgs(t testing.TB, s *Service) int {
	t.Helper()
	var n int
	if err := s.DB.Read.QueryRow(`SELECT COUNT(*) FROM orgs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func importAudits(t testing.TB, s *Service) []audit.Entry {
	t.Helper()
	es, _, err := audit.List(context.Background(), s.DB, audit.Filter{Entity: "org"})
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Entry
	for _, e := range es {
		if e.Action == "import" {
			out = append(out, e)
		}
	}
	return out
}

func reportLines(rep *ImportReport) []string {
	var out []string
	for _, e := range rep.Errors {
		out = append(out, rep.Line(e))
	}
	return out
}

func TestImportCSV(t *testing.T) {
	s := newTestService(t)
	a, b := code("jingan", 1001), code("xuhui", 1002)
	csv := "\xEF\xBB\xBFuscc,name_zh,name_en,kind,registered_district,tax_district,employees,rd_staff,revenue_yuan,certifications,major_incident_last_year,founded_on,industry\n" +
		a + ",上海甲乙软件有限公司,Jiayi Software,enterprise,jingan,jingan,\"1,200\",30,5000000,hnte;scitech_sme,否,2019-05-20,i6513\n" +
		b + ",上海丙丁研究院,,institute,xuhui,,,,,,,,\n"
	rep, err := importString(t, s, "orgs.csv", csv, false)
	if err != nil {
		t.Fatalf("Import error = %v; errors %v", err, reportLines(rep))
	}
	if rep.Rows != 2 || rep.Imported != 2 || rep.Invalid != 0 {
		t.Fatalf("report rows %d imported %d invalid %d, want 2 2 0", rep.Rows, rep.Imported, rep.Invalid)
	}
	o, err := s.GetByUSCC(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if o.NameZh != "上海甲乙软件有限公司" || *o.Employees != 1200 || *o.RDStaff != 30 || *o.MajorIncidentLastYear != false ||
		strings.Join(o.Certifications, " ") != "hnte scitech_sme" || *o.Industry != "I6513" || *o.FoundedOn != "2019-05-20" {
		t.Errorf("imported org = %+v %+v, want the row's values", o.Public, *o.Private)
	}
	o2, err := s.GetByUSCC(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if o2.TaxDistrict != nil || o2.Employees != nil || o2.MajorIncidentLastYear != nil {
		t.Errorf("empty cells = %v %v %v, want unknown (nil)", o2.TaxDistrict, o2.Employees, o2.MajorIncidentLastYear)
	}
	// The full-text index knows the imported names.
	pg, err := s.List(context.Background(), nil, Filter{Q: "甲乙"})
	if err != nil || len(pg.Items) != 1 || pg.Items[0].USCC != a {
		t.Errorf("search for an imported name = %v, %v; want the one organization", pg.Items, err)
	}
	if as := importAudits(t, s); len(as) != 1 || !strings.Contains(string(as[0].After), `"imported":2`) || !strings.Contains(string(as[0].After), "orgs.csv") {
		t.Errorf("audit records of the import = %v, want one with the counts and the file name", as)
	}
}

const errHeader = "uscc,name_zh,kind,registered_district,employees,rd_staff,description_zh\n"

func TestImportCSVErrorsWriteNothing(t *testing.T) {
	s := newTestService(t)
	good := code("jingan", 2001)
	bad := good[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", good[17])+1)%31])
	csv := errHeader +
		good + ",上海好企业有限公司,enterprise,jingan,10,2,\n" + // line 2
		bad + ",上海坏代码有限公司,enterprise,jingan,10,2,\n" + // line 3
		code("jingan", 2002) + ",上海多行简介有限公司,enterprise,jingan,10,2,\"第一行\n第二行\"\n" + // lines 4-5
		code("jingan", 2003) + ",上海负数有限公司,enterprise,nowhere,-5,2,\n" + // line 6
		code("jingan", 2004) + ",上海文字有限公司,enterprise,jingan,many,2,\n" + // line 7
		code("jingan", 2005) + ",,company,jingan,10,20,\n" + // line 8
		code("jingan", 2006) + ",上海列数有限公司,enterprise\n" // line 9
	rep, err := importString(t, s, "bad.csv", csv, false)
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("Import error = %v, want Invalid", err)
	}
	want := []string{
		"bad.csv:3:1: uscc: check character is " + bad[17:] + ", expected " + good[17:],
		"bad.csv:6:4: registered_district: is not a known district: \"nowhere\"",
		"bad.csv:6:5: employees: must not be negative",
		"bad.csv:7:5: employees: must be a whole number, not \"many\"",
		"bad.csv:8:2: name_zh: is required",
		"bad.csv:8:3: kind: must be one of enterprise, university, institute, service, bank, investor, incubator, agency",
		"bad.csv:8:6: rd_staff: must not exceed employees",
		"bad.csv:9: has 3 cells, but the header names 7 columns",
	}
	got := reportLines(rep)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Rows != 7 || rep.Invalid != 5 || rep.Imported != 0 {
		t.Errorf("rows %d invalid %d imported %d, want 7 5 0", rep.Rows, rep.Invalid, rep.Imported)
	}
	if n := countOrgs(t, s); n != 0 {
		t.Errorf("%d organizations written from a file with errors, want 0", n)
	}
	if as := importAudits(t, s); len(as) != 0 {
		t.Errorf("audit records = %v, want none", as)
	}

	// With SkipInvalid the two good rows are written and the rest reported.
	rep, err = importString(t, s, "bad.csv", csv, true)
	if err != nil {
		t.Fatalf("Import with SkipInvalid error = %v", err)
	}
	if rep.Imported != 2 || rep.Invalid != 5 || len(rep.Errors) != len(want) {
		t.Errorf("SkipInvalid: imported %d invalid %d errors %d, want 2 5 %d", rep.Imported, rep.Invalid, len(rep.Errors), len(want))
	}
	if n := countOrgs(t, s); n != 2 {
		t.Errorf("SkipInvalid wrote %d organizations, want 2", n)
	}
	o, err := s.GetByUSCC(context.Background(), code("jingan", 2002))
	if err != nil || o.DescriptionZh != "第一行\n第二行" {
		t.Errorf("multi-line cell = %q, %v", o.DescriptionZh, err)
	}
	if as := importAudits(t, s); len(as) != 1 || !strings.Contains(string(as[0].After), `"skipped":5`) {
		t.Errorf("audit records = %v, want one counting 5 skipped rows", as)
	}
}

func TestImportDuplicates(t *testing.T) {
	s := newTestService(t)
	a, b := code("pudong", 3001), code("pudong", 3002)
	if _, err := importString(t, s, "first.csv", "uscc,name_zh,kind\n"+a+",上海先来有限公司,enterprise\n", false); err != nil {
		t.Fatal(err)
	}
	csv := "kind,name_zh,uscc\n" +
		"enterprise,上海新企业有限公司," + b + "\n" +
		"enterprise,上海重复有限公司," + strings.ToLower(b) + "\n" + // same code, lower case
		"enterprise,上海已登记有限公司," + a + "\n"
	rep, err := importString(t, s, "dups.csv", csv, false)
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("Import error = %v, want Invalid", err)
	}
	want := []string{
		"dups.csv:3:3: uscc: duplicates the credit code of line 2",
		"dups.csv:4:3: uscc: is already registered",
	}
	if got := reportLines(rep); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := countOrgs(t, s); n != 1 {
		t.Errorf("%d organizations, want the 1 imported before", n)
	}
}

func TestImportHeaderErrors(t *testing.T) {
	s := newTestService(t)
	tests := []struct{ csv, want string }{
		{"uscc,name_zh,kind,colour\n", `h.csv:1:4: unknown column "colour"`},
		{"uscc,name_zh\n", `h.csv:1: the header has no "kind" column, which is required`},
		{"uscc,name_zh,kind,uscc\n", `h.csv:1:4: column "uscc" appears twice (also column 1)`},
		{"uscc,,name_zh,kind\n", `h.csv:1:2: empty column name in the header row`},
		{"", `h.csv:1: the file is empty`},
	}
	for _, tt := range tests {
		rep, err := importString(t, s, "h.csv", tt.csv, true)
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("header %q: error %v, want Invalid", tt.csv, err)
			continue
		}
		if got := strings.Join(reportLines(rep), "\n"); !strings.Contains(got, tt.want) {
			t.Errorf("header %q: report %q, want it to contain %q", tt.csv, got, tt.want)
		}
	}
}

func TestImportMalformedCSV(t *testing.T) {
	s := newTestService(t)
	csv := "uscc,name_zh,kind\n" +
		code("minhang", 4001) + ",上海\"引号\"有限公司,enterprise\n" +
		code("minhang", 4002) + ",上海正常有限公司,enterprise\n"
	rep, err := importString(t, s, "q.csv", csv, true)
	if err != nil {
		t.Fatal(err)
	}
	got := reportLines(rep)
	if len(got) != 1 || !strings.HasPrefix(got[0], "q.csv:2: malformed CSV at line 2") {
		t.Errorf("report %q, want one malformed-CSV error at line 2", got)
	}
	if rep.Imported != 1 {
		t.Errorf("imported %d, want the 1 good row after the bad one", rep.Imported)
	}
}

// sampleOrgs makes organizations with every kind of field, some unknown.
func sampleOrgs(n int) []Org {
	var out []Org
	for i := 0; i < n; i++ {
		o := NewOrg()
		o.USCC = code([]string{"jingan", "xuhui", "yangpu"}[i%3], uint64(5000+i))
		o.NameZh = fmt.Sprintf("上海样本%d科技有限公司", i)
		o.NameEn = fmt.Sprintf("Sample %d, \"Quoted\" Tech", i)
		o.Kind = Kinds[i%len(Kinds)]
		o.RegisteredDistrict = ptr("jingan")
		if i%2 == 0 {
			o.TaxDistrict = ptr("xuhui")
		}
		if i%3 != 0 {
			o.FoundedOn = ptr(fmt.Sprintf("20%02d-0%d-1%d", i%25, 1+i%9, i%10))
			e := int64(100 + i)
			o.Employees = &e
			o.RDStaff = ptr(int64(i))
			o.RevenueYuan = ptr(int64(900_000_000_000_000 + i))
			o.Revenue3yYuan = ptr(int64(999_999_999_999_999))
			o.InnovationScore = ptr(int64(i % 101))
			o.MajorIncidentLastYear = ptr(i%4 == 0)
			o.InventionPatents = ptr(int64(i))
			o.Industry = ptr("C3911")
			o.TechField = ptr(TechFields[i%len(TechFields)])
			o.Certifications = []string{"hnte", "little_giant"}
		}
		o.DescriptionZh = "多行\n简介，含逗号"
		o.Website = "https://example.cn/" + fmt.Sprint(i)
		out = append(out, o)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func seed(t *testing.T, s *Service, orgs []Org) {
	t.Helper()
	err := s.DB.Tx(context.Background(), func(tx *sql.Tx) error {
		for i := range orgs {
			if _, err := s.Prepare(context.Background(), &orgs[i]); err != nil {
				return fmt.Errorf("org %d: %w", i, err)
			}
		}
		ps := make([]*Org, len(orgs))
		for i := range orgs {
			ps[i] = &orgs[i]
		}
		return s.InsertMany(context.Background(), tx, ps)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rowsOf(t *testing.T, s *Service) []string {
	t.Helper()
	var out []string
	f := Filter{Limit: 200}
	for {
		pg, err := s.List(context.Background(), exportPrincipal, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range pg.Items {
			var cells []string
			for _, fd := range Fields {
				if fd.Name == "park_id" {
					continue
				}
				cells = append(cells, fd.Name+"="+o.Text(fd.Name)+fmt.Sprintf("/%v", o.IsNull(fd.Name)))
			}
			out = append(out, strings.Join(cells, "|"))
		}
		if pg.NextCursor == nil {
			return out
		}
		f.Cursor = *pg.NextCursor
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	for _, format := range []Format{CSV, XLSX} {
		t.Run(string(format), func(t *testing.T) {
			src := newTestService(t)
			seed(t, src, sampleOrgs(450)) // more than one page of the directory
			var buf bytes.Buffer
			ex := &Exporter{Registry: src, Format: format}
			n, err := ex.Export(context.Background(), &buf)
			if err != nil || n != 450 {
				t.Fatalf("Export = %d, %v; want 450 rows", n, err)
			}
			if format == CSV && !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBFuscc,name_zh,")) {
				t.Errorf("CSV export starts %q, want a BOM and the header", buf.Bytes()[:20])
			}
			dst := newTestService(t)
			im := &Importer{Registry: dst, Format: format, Name: "export." + string(format)}
			rep, err := im.Import(context.Background(), &buf)
			if err != nil {
				t.Fatalf("Import of the export: %v\n%s", err, strings.Join(reportLines(rep), "\n"))
			}
			if rep.Imported != 450 {
				t.Fatalf("imported %d, want 450", rep.Imported)
			}
			a, b := rowsOf(t, src), rowsOf(t, dst)
			if len(a) != len(b) {
				t.Fatalf("%d rows after the round trip, want %d", len(b), len(a))
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("row %d after the round trip:\n%s\nwant\n%s", i, b[i], a[i])
				}
			}
		})
	}
}

func TestExportFilter(t *testing.T) {
	s := newTestService(t)
	seed(t, s, sampleOrgs(30))
	var buf bytes.Buffer
	n, err := (&Exporter{Registry: s, Format: CSV, Filter: Filter{Kind: "bank"}}).Export(context.Background(), &buf)
	if err != nil || n != 4 {
		t.Fatalf("export of banks = %d, %v; want 4", n, err)
	}
	if lines := strings.Count(buf.String(), ",bank,"); lines != 4 {
		t.Errorf("export has %d rows of banks, want 4", lines)
	}
	if _, err := (&Exporter{Registry: s, Format: CSV, Filter: Filter{District: "atlantis"}}).Export(context.Background(), &buf); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("export with an unknown district: %v, want Invalid", err)
	}
}

func writeXLSX(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportXLSX(t *testing.T) {
	s := newTestService(t)
	a, b := code("yangpu", 6001), code("yangpu", 6002)
	data := writeXLSX(t, [][]any{
		{"uscc", "name_zh", "kind", "employees", "founded_on", "revenue_yuan", "major_incident_last_year"},
		{a, "上海表格有限公司", "enterprise", 12, 43831, 1.5e7, false}, // a date typed as a date, a float revenue
		{},
		{b, "上海负人数有限公司", "enterprise", -3},
		{code("yangpu", 6003), "上海坏日期有限公司", "enterprise", nil, "2021-02-30"},
	})
	im := &Importer{Registry: s, Format: XLSX, Name: "orgs.xlsx"}
	rep, err := im.Import(context.Background(), bytes.NewReader(data))
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("Import error = %v, want Invalid", err)
	}
	want := []string{
		"orgs.xlsx:Sheet1!D4: employees: must not be negative",
		`orgs.xlsx:Sheet1!E5: founded_on: must be a real date YYYY-MM-DD, not "2021-02-30"`,
	}
	if got := reportLines(rep); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	rep, err = (&Importer{Registry: s, Format: XLSX, Name: "orgs.xlsx", SkipInvalid: true}).Import(context.Background(), bytes.NewReader(data))
	if err != nil || rep.Imported != 1 || rep.Rows != 3 {
		t.Fatalf("SkipInvalid import = %+v, %v; want 1 of 3 rows", rep, err)
	}
	o, err := s.GetByUSCC(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if *o.FoundedOn != "2020-01-01" || *o.RevenueYuan != 15_000_000 || *o.Employees != 12 || *o.MajorIncidentLastYear {
		t.Errorf("XLSX cells read as founded %v revenue %v employees %v incident %v", *o.FoundedOn, *o.RevenueYuan, *o.Employees, *o.MajorIncidentLastYear)
	}

	if _, err := (&Importer{Registry: s, Format: XLSX, Name: "x.xlsx"}).Import(context.Background(), strings.NewReader("not a zip")); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("a file that is no workbook: %v, want Invalid", err)
	}
}

func TestImportProgress(t *testing.T) {
	s := newTestService(t)
	var b strings.Builder
	b.WriteString("uscc,name_zh,kind\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "%s,上海进度%d有限公司,enterprise\n", code("hongkou", uint64(7000+i)), i)
	}
	var last ImportProgress
	im := &Importer{Registry: s, Format: CSV, Name: "p.csv", Size: int64(b.Len()), Progress: func(p ImportProgress) { last = p }}
	if _, err := im.Import(context.Background(), strings.NewReader(b.String())); err != nil {
		t.Fatal(err)
	}
	if !last.Done || last.Rows != 300 || last.Fraction != 1 {
		t.Errorf("last progress = %+v, want done, 300 rows, fraction 1", last)
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

// FuzzImportCSV feeds arbitrary bytes to the importer: it must never panic,
// must write nothing from a file it reports errors for, and must write
// exactly the rows it says it imported. Each input runs through SQLite, and
// under "go test -fuzz" the coverage instrumentation of the SQLite
// translation makes an execution take seconds; a campaign runs far faster
// from a test binary built without it ("go test -c", then run it with
// -test.fuzz=FuzzImportCSV from this directory), which mutates blindly.
func FuzzImportCSV(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.csv")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
	}
	f.Add([]byte("uscc,name_zh,kind\n"+code("jingan", 9)+",上海模糊有限公司,enterprise\n"), true)
	s := newTestService(f)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		before := countOrgs(t, s)
		im := &Importer{Registry: s, Format: CSV, Name: "fuzz.csv", SkipInvalid: skip}
		rep, err := im.Import(context.Background(), bytes.NewReader(data))
		after := countOrgs(t, s)
		if err != nil && !errors.Is(err, ErrInvalidFile) && apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if after-before != rep.Imported {
			t.Fatalf("report says %d imported, the table grew by %d", rep.Imported, after-before)
		}
		if len(rep.Errors) > 0 && !skip && rep.Imported != 0 {
			t.Fatalf("imported %d rows from a file with errors", rep.Imported)
		}
		if rep.Imported+rep.Invalid > rep.Rows {
			t.Fatalf("imported %d + invalid %d > rows %d", rep.Imported, rep.Invalid, rep.Rows)
		}
		for _, e := range rep.Errors {
			if e.Line < 1 {
				t.Fatalf("error without a line: %+v", e)
			}
		}
	})
}

// FuzzImportXLSX mutates a small workbook.
func FuzzImportXLSX(f *testing.F) {
	f.Add(writeXLSX(f, [][]any{{"uscc", "name_zh", "kind"}, {code("songjiang", 11), "上海表格模糊有限公司", "enterprise"}}))
	s := newTestService(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		before := countOrgs(t, s)
		rep, err := (&Importer{Registry: s, Format: XLSX, Name: "fuzz.xlsx"}).Import(context.Background(), bytes.NewReader(data))
		if err != nil && apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if got := countOrgs(t, s) - before; got != rep.Imported {
			t.Fatalf("report says %d imported, the table grew by %d", rep.Imported, got)
		}
	})
}
