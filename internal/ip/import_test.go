package ip_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"rainforest/internal/app/apptest"
	"rainforest/internal/ip"
	"rainforest/internal/ip/ipnum"
)

// upload posts a file to the import API as multipart/form-data.
func upload(t testing.TB, e *apptest.Env, token, name string, data []byte, fields map[string]string) apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.Srv.URL+"/api/v1/ip/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apptest.Response{T: t, Status: res.StatusCode, Header: res.Header, Body: b}
}

// importReport is the report of an answer: the body for 200, its report
// member for a 422 problem.
func importReport(t *testing.T, r apptest.Response) ip.ImportReport {
	t.Helper()
	var out struct {
		ip.ImportReport
		Report *ip.ImportReport `json:"report"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("report: %v in %s", err, r.Body)
	}
	if out.Report != nil {
		return *out.Report
	}
	return out.ImportReport
}

// errorLines are a report's errors as "CELL field: message".
func errorLines(rep ip.ImportReport) string {
	var out []string
	for _, e := range rep.AllErrors() {
		s := e.Cell
		if e.Field != "" {
			s += " " + e.Field
		}
		out = append(out, s+": "+e.Message)
	}
	return strings.Join(out, "\n")
}

func usccOf(t *testing.T, e *apptest.Env, zh string) string {
	t.Helper()
	var code string
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT uscc FROM orgs WHERE name_zh = $1`, zh).Scan(&code); err != nil {
		t.Fatal(zh, err)
	}
	return code
}

func count(t *testing.T, e *apptest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.App.DB.Read.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(q, err)
	}
	return n
}

const importHeader = "kind 类型,subtype,number 号码,nice_class,status,title_zh,title_en,field,owner_uscc,inventors,listing_kind,price_yuan,expires_on\n"

func TestImportGoodFileThenUpdates(t *testing.T) {
	e := apptest.New(t)
	fudan := usccOf(t, e, "复旦大学")
	uni := e.Token("university@demo.local")
	pat := number('1')
	csv := "\xEF\xBB\xBF" + importHeader +
		"patent,," + pat + ",,filed,一种导入测试柔性芯片,Imported flexible chip,electronic_information," + fudan + ",王五/Wang Wu:60.5;赵六:39.5,transfer,\"1,200,000\",\n" +
		"trademark,,第8812345号,9,registered,导入商标,Imported mark,," + fudan + ",,,,\n" +
		"copyright,software,2021SR0999001,,,导入软件,Imported software,," + fudan + ",钱七:100,pledge,面议,2030-06-30\n"
	r := upload(t, e, uni, "assets.csv", []byte(csv), nil)
	must(t, r, http.StatusOK)
	rep := importReport(t, r)
	if rep.Rows != 3 || rep.Created != 3 || rep.Invalid != 0 || rep.ListingsCreated != 2 || !rep.Kept {
		t.Fatalf("report %+v, want 3 rows created, 2 listings, kept; errors:\n%s", rep, errorLines(rep))
	}
	if rep.Results[0].Line != 2 || rep.Results[0].Number != pat || rep.Results[1].Number != "8812345" {
		t.Errorf("results %+v, want lines from 2 and canonical numbers", rep.Results)
	}
	assetID := *rep.Results[0].AssetID
	a := must(t, e.Do("GET", "/api/v1/ip/assets/"+itoa(assetID), uni, nil), http.StatusOK).Map()
	invs := a["inventors"].([]any)
	if len(invs) != 2 || invs[0].(map[string]any)["name_en"] != "Wang Wu" || invs[0].(map[string]any)["share_pct"] != 60.5 || a["subtype"] != "invention" {
		t.Errorf("imported asset %v, want two inventors with the English name and 60.5%%, an invention", a)
	}
	l := must(t, e.Do("GET", "/api/v1/ip/listings/"+itoa(*rep.Results[0].ListingID), "", nil), http.StatusOK).Map()
	if l["price_fen"] != float64(120_000_000) || l["kind"] != "transfer" {
		t.Errorf("listing %v, want a transfer at 1,200,000 yuan", l)
	}
	l2 := must(t, e.Do("GET", "/api/v1/ip/listings/"+itoa(*rep.Results[2].ListingID), "", nil), http.StatusOK).Map()
	if l2["negotiable"] != true || l2["expires_on"] != "2030-06-30" {
		t.Errorf("listing %v, want negotiable until 2030-06-30", l2)
	}
	// The catalog finds the new listing in the same write.
	cat := must(t, e.Do("GET", "/api/v1/ip/listings?q=柔性芯片", "", nil), http.StatusOK).Map()
	if cat["total"].(float64) < 1 {
		t.Errorf("catalog search for the imported title: %v", cat)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'ip_asset'`); n != 1 {
		t.Errorf("%d import audit records, want 1", n)
	}

	// The same file again: nothing changes.
	rep = importReport(t, must(t, upload(t, e, uni, "assets.csv", []byte(csv), nil), http.StatusOK))
	if rep.Unchanged != 3 || rep.Created+rep.Updated != 0 {
		t.Errorf("second import %+v, want 3 unchanged", rep)
	}
	// A new status and price: the asset and its listing are updated.
	csv2 := importHeader + "patent,," + pat + ",,granted,一种导入测试柔性芯片,Imported flexible chip,electronic_information," + fudan + ",王五/Wang Wu:60.5;赵六:39.5,transfer,900000,\n"
	rep = importReport(t, must(t, upload(t, e, uni, "update.csv", []byte(csv2), nil), http.StatusOK))
	if rep.Updated != 1 || rep.ListingsUpdated != 1 || rep.Results[0].Outcome != ip.RowUpdated {
		t.Errorf("update import %+v, want 1 updated with its listing", rep)
	}
	a = must(t, e.Do("GET", "/api/v1/ip/assets/"+itoa(assetID), uni, nil), http.StatusOK).Map()
	l = must(t, e.Do("GET", "/api/v1/ip/listings/"+itoa(*rep.Results[0].ListingID), "", nil), http.StatusOK).Map()
	if a["status"] != "granted" || l["price_fen"] != float64(90_000_000) {
		t.Errorf("after update: status %v price %v, want granted and 900,000 yuan", a["status"], l["price_fen"])
	}
	// Other inventors for a recorded asset are refused.
	csv3 := importHeader + "patent,," + pat + ",,granted,一种导入测试柔性芯片,Imported flexible chip,," + fudan + ",王五:100,,,\n"
	rep = importReport(t, must(t, upload(t, e, uni, "inv.csv", []byte(csv3), nil), http.StatusUnprocessableEntity))
	if got := errorLines(rep); !strings.Contains(got, "2:10 inventors: differ from those recorded") {
		t.Errorf("changed inventors: %s", got)
	}
}

func TestImportBadRowsWriteNothing(t *testing.T) {
	e := apptest.New(t)
	fudan, yunshan := usccOf(t, e, "复旦大学"), usccOf(t, e, "上海云杉软件科技有限公司")
	uni := e.Token("university@demo.local")
	good := number('1')
	d := good[:len(good)-2]
	wrongCheck := d + "." + string("0123456789X"[(strings.IndexByte("0123456789X", ipnum.PatentCheck(strings.ReplaceAll(d, ".", "")))+1)%11])
	csv := importHeader +
		"patent,," + good + ",,,好专利,Good patent,," + fudan + ",甲:100,,,\n" + // line 2: good
		"patent,," + wrongCheck + ",,,坏校验位,Bad check,," + fudan + ",甲:100,,,\n" + // 3
		"patent,," + number('1') + ",,,别家的,Someone else's,," + yunshan + ",甲:100,,,\n" + // 4
		"patent,," + number('1') + ",,,比例不对,Shares,," + fudan + ",甲:60;乙:39,,,\n" + // 5
		"patent,," + number('1') + ",,,价格不对,Price,," + fudan + ",甲:100,transfer,lots,\n" + // 6
		"patent,," + good + ",,,重复,Repeat,," + fudan + ",甲:100,,,\n" + // 7
		"patent,," + number('1') + ",,,没有,,nowhere,91310000000000000X,甲:100,,,\n" + // 8
		"trademark,,123,99,,商标,Mark,," + fudan + ",,,,\n" + // 9
		"patent,," + number('2') + ",,,多列,Cells,," + fudan + ",甲:100,,,,extra\n" // 10
	before := count(t, e, `SELECT COUNT(*) FROM ip_assets`)
	r := upload(t, e, uni, "bad.csv", []byte(csv), nil)
	if problemField(t, r) == "" {
		t.Errorf("problem without a field: %s", r.Body)
	}
	rep := importReport(t, r)
	want := []string{
		"3:3 number: check character does not match the digits",
		"4:9 owner_uscc: you record assets for your own organizations only",
		"5:10 inventors: contribution percentages must sum to 100",
		"6:12 price_yuan: must be a whole number of yuan, or \"negotiable\" (面议)",
		"7:3 number: repeats the number of line 2",
		"8:7 title_en: is required",
		"8:8 field: must be one of",
		"8:9 owner_uscc: check character",
		"9:4 nice_class: must be a Nice class from 1 to 45",
		"10:14: has 14 cells, but the header names 13 columns",
	}
	got := errorLines(rep)
	lines := strings.Split(got, "\n")
	if len(lines) != len(want) {
		t.Fatalf("report:\n%s\nwant %d lines like:\n%s", got, len(want), strings.Join(want, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d = %q, want it to start %q", i, lines[i], w)
		}
	}
	if rep.Kept || rep.Rows != 9 || rep.Invalid != 8 || rep.Created != 1 {
		t.Errorf("report kept %v rows %d invalid %d created %d, want not kept, 9 rows, 8 invalid, 1 that would be created", rep.Kept, rep.Rows, rep.Invalid, rep.Created)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM ip_assets`); n != before {
		t.Errorf("%d assets after a file with errors, want %d", n, before)
	}
	if rep.Results[1].Outcome != ip.RowError || rep.Results[0].Outcome != ip.RowCreated {
		t.Errorf("outcomes %+v", rep.Results[:2])
	}

	// Skipping bad rows keeps the good one.
	rep = importReport(t, must(t, upload(t, e, uni, "bad.csv", []byte(csv), map[string]string{"skip_invalid": "true"}), http.StatusOK))
	if !rep.Kept || rep.Created != 1 || rep.Invalid != 8 {
		t.Errorf("skip_invalid: %+v", rep)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM ip_assets`); n != before+1 {
		t.Errorf("%d assets after skip_invalid, want %d", n, before+1)
	}
}

func TestImportHeaderAndUploadErrors(t *testing.T) {
	e := apptest.New(t)
	uni := e.Token("university@demo.local")
	for _, tt := range []struct{ csv, want string }{
		{"kind,number,colour\n", `1:3: unknown column "colour"`},
		{"kind,number,title_zh,title_en\n", `1: the header has no "owner_uscc" column, which is required`},
		{"kind,number,号码,title_zh,title_en,owner_uscc\n", `1:3: column "number" appears twice (also column 2)`},
		{"", "1: the file is empty"},
	} {
		rep := importReport(t, must(t, upload(t, e, uni, "h.csv", []byte(tt.csv), nil), http.StatusUnprocessableEntity))
		if got := errorLines(rep); !strings.Contains(got, tt.want) {
			t.Errorf("header %q: %q, want %q", tt.csv, got, tt.want)
		}
	}
	if r := upload(t, e, uni, "x.xlsx", []byte("not a zip"), nil); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a file that is no workbook: %d %s", r.Status, r.Body)
	}
	if r := upload(t, e, uni, "x.ods", []byte("a"), nil); problemField(t, r) != "format" {
		t.Errorf("an .ods file: %s", r.Body)
	}
	if r := upload(t, e, uni, "x.csv", []byte("a"), map[string]string{"dry_run": "maybe"}); problemField(t, r) != "dry_run" {
		t.Errorf("dry_run=maybe: %s", r.Body)
	}
	// A file over the API's 1 MiB of JSON is taken, up to 16 MiB.
	big := importHeader + "patent,," + number('1') + ",,,大文件,Big file,," + usccOf(t, e, "复旦大学") + ",甲:100,,,\n" + strings.Repeat(",,,,,,,,,,,,\n", 200_000)
	if r := upload(t, e, uni, "big.csv", []byte(big), nil); r.Status != http.StatusOK || importReport(t, r).Created != 1 {
		t.Errorf("a %d-byte file: %d %.300s", len(big), r.Status, r.Body)
	}
	if r := upload(t, e, uni, "huge.csv", bytes.Repeat([]byte("a,b\n"), ip.MaxImportSize/4+1), nil); r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("a file over 16 MiB: %d, want 413", r.Status)
	}
	if r := e.Do("POST", "/api/v1/ip/import", uni, map[string]any{}); r.Status != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d, want 415", r.Status)
	}
	if r := upload(t, e, e.Token("talent@demo.local"), "x.csv", []byte("a"), nil); r.Status != http.StatusForbidden {
		t.Errorf("a user of no organization: %d, want 403", r.Status)
	}
	if r := upload(t, e, "", "x.csv", []byte("a"), nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", r.Status)
	}
}

func xlsxFile(t *testing.T, rows [][]any) []byte {
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

func TestImportXLSXDryRunAndOfficer(t *testing.T) {
	e := apptest.New(t)
	fudan := usccOf(t, e, "复旦大学")
	officer := e.Token("officer.jingan@demo.local")
	head := []any{"类型", "号码", "中文名称", "title_en", "owner_uscc", "inventors", "listing_kind", "price_yuan", "expires_on", "filed_on"}
	pat := number('2')
	data := xlsxFile(t, [][]any{
		head,
		{"patent", pat, "表格专利", "Sheet patent", fudan, "甲:50;乙:50", "exclusive_licence", 1.5e6, 54789, 44197}, // 2050-01-01, 2021-01-01
		{},
		{"patent", "2023100000001.1", "错号", "Wrong", fudan, "甲:100"},
	})
	rep := importReport(t, must(t, upload(t, e, officer, "assets.xlsx", data, map[string]string{"dry_run": "true"}), http.StatusUnprocessableEntity))
	if got := errorLines(rep); !strings.HasPrefix(got, "B4 number: ") || strings.Count(got, "\n") != 0 {
		t.Errorf("XLSX report:\n%s\nwant one error at B4", got)
	}
	before := count(t, e, `SELECT COUNT(*) FROM ip_assets`)
	rep = importReport(t, must(t, upload(t, e, officer, "assets.xlsx", data, map[string]string{"dry_run": "true", "skip_invalid": "true"}), http.StatusOK))
	if rep.Kept || !rep.DryRun || rep.Created != 1 || rep.ListingsCreated != 1 || rep.Sheet != "Sheet1" {
		t.Errorf("dry run %+v, want 1 that would be created, nothing kept", rep)
	}
	if n := count(t, e, `SELECT COUNT(*) FROM ip_assets`); n != before {
		t.Errorf("a dry run wrote: %d assets, want %d", n, before)
	}
	// An officer imports for any organization.
	rep = importReport(t, must(t, upload(t, e, officer, "assets.xlsx", data, map[string]string{"skip_invalid": "on"}), http.StatusOK))
	if !rep.Kept || rep.Created != 1 {
		t.Fatalf("import %+v", rep)
	}
	l := must(t, e.Do("GET", "/api/v1/ip/listings/"+itoa(*rep.Results[0].ListingID), "", nil), http.StatusOK).Map()
	a := l["asset"].(map[string]any)
	if l["price_fen"] != float64(150_000_000) || l["expires_on"] != "2050-01-01" || a["filed_on"] != "2021-01-01" || l["kind"] != "exclusive_licence" {
		t.Errorf("XLSX numbers and dates read as price %v expiry %v filed %v", l["price_fen"], l["expires_on"], a["filed_on"])
	}
}

func TestImportTemplateAndPage(t *testing.T) {
	e := apptest.New(t)
	for _, f := range []string{"csv", "xlsx"} {
		r := must(t, e.Do("GET", "/api/v1/ip/import/template?format="+f, "", nil), http.StatusOK)
		if !strings.Contains(r.Header.Get("Content-Disposition"), "ip-import-template."+f) {
			t.Errorf("%s template disposition %q", f, r.Header.Get("Content-Disposition"))
		}
		// The template's header reads back; its sample owner is not
		// registered in the demo city, and that is its only error.
		rep := importReport(t, must(t, upload(t, e, e.Token("admin@demo.local"), "template."+f, r.Body, map[string]string{"dry_run": "1"}), http.StatusUnprocessableEntity))
		if got := errorLines(rep); !strings.Contains(got, "owner_uscc: is not a registered organization") || strings.Count(got, "\n") != 0 {
			t.Errorf("%s template imported: %s", f, got)
		}
	}
	if r := e.Do("GET", "/api/v1/ip/import/template?format=ods", "", nil); problemField(t, r) != "format" {
		t.Errorf("template format=ods: %s", r.Body)
	}

	b := e.Browser()
	b.Login("university@demo.local")
	mine := must(t, b.Get("/ip/mine"), http.StatusOK)
	if !strings.Contains(string(mine.Body), `href="/ip/import"`) {
		t.Error("the mine page does not link the import")
	}
	page := must(t, b.Get("/ip/import"), http.StatusOK)
	if !strings.Contains(string(page.Body), `enctype="multipart/form-data"`) || !strings.Contains(string(page.Body), "owner_uscc") {
		t.Error("the import page has no upload form or column list")
	}
	fudan := usccOf(t, e, "复旦大学")
	csv := importHeader + "patent,," + number('1') + ",,,页面导入,Page import,," + fudan + ",甲:100,transfer,50000,\n" +
		"patent,,2023100000001.1,,,错号,Wrong,," + fudan + ",甲:100,,,\n"
	post := func(skip bool) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		if skip {
			mw.WriteField("skip_invalid", "true")
		}
		fw, _ := mw.CreateFormFile("file", "page.csv")
		fw.Write([]byte(csv))
		mw.Close()
		req, _ := http.NewRequest("POST", e.Srv.URL+"/ip/import", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := b.C.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(out)
	}
	if status, out := post(false); status != http.StatusUnprocessableEntity || !strings.Contains(out, "<code>3:3</code>") || !strings.Contains(out, "文件有错误") {
		t.Errorf("page import: %d, want 422 with the cell 3:3 and the refusal in Chinese:\n%s", status, out)
	}
	status, out := post(true)
	if status != http.StatusOK || !strings.Contains(out, "已完成导入") || !strings.Contains(out, `<a href="/ip/listings/`) {
		t.Errorf("page import skipping bad rows: %d, want 200 with the kept import and its listing linked:\n%s", status, out)
	}
	b2 := e.Browser()
	b2.Login("talent@demo.local")
	if r := b2.Get("/ip/import"); r.Status != http.StatusForbidden {
		t.Errorf("import page for a user of no organization: %d, want 403", r.Status)
	}
}

func TestImportConfidentialColumns(t *testing.T) {
	e := apptest.New(t)
	fudan := usccOf(t, e, "复旦大学")
	uni := e.Token("university@demo.local")
	pat := number('1')
	csv := "kind,number,title_zh,title_en,owner_uscc,inventors,claims,know_how,listing_kind,price_yuan\n" +
		"patent," + pat + ",保密测试专利,Confidential test,," + "甲:100,\"1. 一种绝密蒸馏工艺\",配方比例,transfer,negotiable\n"
	csv = strings.Replace(csv, ",,甲:100", ","+fudan+",甲:100", 1)
	rep := importReport(t, must(t, upload(t, e, uni, "c.csv", []byte(csv), nil), http.StatusOK))
	if rep.Created != 1 {
		t.Fatalf("report %+v\n%s", rep, errorLines(rep))
	}
	id := itoa(*rep.Results[0].AssetID)
	if a := must(t, e.Do("GET", "/api/v1/ip/assets/"+id, "", nil), http.StatusOK).Map(); a["confidential"] != nil {
		t.Errorf("the public sees the confidential part: %v", a["confidential"])
	}
	c, _ := must(t, e.Do("GET", "/api/v1/ip/assets/"+id, uni, nil), http.StatusOK).Map()["confidential"].(map[string]any)
	if c["claims"] != "1. 一种绝密蒸馏工艺" || c["know_how"] != "配方比例" {
		t.Errorf("the owner's confidential part = %v", c)
	}
	if cat := must(t, e.Do("GET", "/api/v1/ip/listings?q=绝密蒸馏", "", nil), http.StatusOK).Map(); cat["total"].(float64) != 0 {
		t.Errorf("the catalog finds confidential text: %v", cat)
	}
	// New claims update the asset.
	csv2 := strings.Replace(csv, "绝密蒸馏工艺", "绝密提纯工艺", 1)
	rep = importReport(t, must(t, upload(t, e, uni, "c.csv", []byte(csv2), nil), http.StatusOK))
	if rep.Updated != 1 || rep.Results[0].Listing != ip.RowUnchanged {
		t.Errorf("claims update: %+v", rep.Results)
	}
}
