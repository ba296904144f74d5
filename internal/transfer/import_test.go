package transfer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"rainforest/internal/app/apptest"
	"rainforest/internal/ip/ipnum"
	"rainforest/internal/transfer"
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
	req, _ := http.NewRequest("POST", e.Srv.URL+"/api/v1/transfer/import", &body)
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
func importReport(t *testing.T, r apptest.Response) transfer.ImportReport {
	t.Helper()
	var out struct {
		transfer.ImportReport
		Report *transfer.ImportReport `json:"report"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("report: %v in %s", err, r.Body)
	}
	if out.Report != nil {
		return *out.Report
	}
	return out.ImportReport
}

// errorLines are a report's errors as "CELL field: message" lines.
func errorLines(rep transfer.ImportReport) string {
	var b strings.Builder
	for _, e := range rep.AllErrors() {
		b.WriteString(e.Cell + " " + e.Field + ": " + e.Message + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func usccOf(t *testing.T, e *apptest.Env, zh string) string {
	t.Helper()
	var code string
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT uscc FROM orgs WHERE name_zh = $1`, zh).Scan(&code); err != nil {
		t.Fatal(zh, err)
	}
	return code
}

func count(t *testing.T, e *apptest.Env, table string, org int64) int {
	t.Helper()
	var n int
	q := map[string]string{
		"transfer_achievements": `SELECT COUNT(*) FROM transfer_achievements WHERE owner_org_id = $1`,
		"transfer_needs":        `SELECT COUNT(*) FROM transfer_needs WHERE owner_org_id = $1`,
	}[table]
	if err := e.App.DB.Read.QueryRowContext(context.Background(), q, org).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const achHeader = "owner_uscc,title_zh,title_en,summary_zh,keywords,field,trl,modes,price_yuan,asset_numbers,status\n"

func TestImportAchievementsCSV(t *testing.T) {
	e := apptest.New(t)
	uni := e.Token("university@demo.local")
	fudan, code := orgID(t, e, "复旦大学"), usccOf(t, e, "复旦大学")
	d := "20231" + "7654321"
	number := d + "." + string(ipnum.PatentCheck(d))
	asset := int64(must(t, e.Do("POST", "/api/v1/ip/assets", uni, map[string]any{"owner_org_id": fudan, "kind": "patent", "number": number,
		"title_zh": "量子传感专利", "title_en": "Quantum sensing", "inventors": []map[string]any{{"name_zh": "甲", "share_pct": 100}}}), http.StatusCreated).Map()["id"].(float64))
	before := count(t, e, "transfer_achievements", fudan)
	csv := achHeader +
		code + ",导入的量子传感器,Imported quantum sensor,\"多行\n简介\",量子 quantum,electronic_information,5,licence;transfer,\"1,200,000\"," + number + ",\n" +
		code + ",导入的催化剂,Imported catalyst,,催化,new_materials,7,joint_development,,,published\n"
	rep := importReport(t, must(t, upload(t, e, uni, "a.csv", []byte(csv), map[string]string{"kind": "achievements"}), http.StatusOK))
	if !rep.Kept || rep.Created != 2 || rep.Rows != 2 || len(rep.Results) != 2 || rep.Results[1].Line != 4 {
		t.Fatalf("report %+v\n%s", rep, errorLines(rep))
	}
	if n := count(t, e, "transfer_achievements", fudan); n != before+2 {
		t.Errorf("achievements %d, want %d", n, before+2)
	}
	a := must(t, e.Do("GET", "/api/v1/transfer/achievements/"+strconv.FormatInt(*rep.Results[0].ID, 10), "", nil), http.StatusOK).Map()
	if a["price_fen"].(float64) != 120_000_000 || a["summary_zh"] != "多行\n简介" || a["trl"].(float64) != 5 ||
		len(a["asset_ids"].([]any)) != 1 || int64(a["asset_ids"].([]any)[0].(float64)) != asset || a["modes"].([]any)[0] != "transfer" {
		t.Errorf("imported achievement %v", a)
	}
	b := must(t, e.Do("GET", "/api/v1/transfer/achievements/"+strconv.FormatInt(*rep.Results[1].ID, 10), "", nil), http.StatusOK).Map()
	if b["negotiable"] != true {
		t.Errorf("an empty price is negotiable: %v", b)
	}
	if cat := must(t, e.Do("GET", "/api/v1/transfer/achievements?q=量子传感器", "", nil), http.StatusOK).Map(); cat["total"].(float64) < 1 {
		t.Errorf("the catalog does not find the imported achievement: %v", cat)
	}

	// The same file again changes nothing; a changed row is updated, and
	// a file without the summary column keeps the summary.
	rep = importReport(t, must(t, upload(t, e, uni, "a.csv", []byte(csv), map[string]string{"kind": "achievements"}), http.StatusOK))
	if rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
		t.Errorf("the same file again: %+v", rep)
	}
	short := "owner_uscc,title_zh,field,trl,modes\n" + code + ",导入的量子传感器,electronic_information,6,licence\n"
	must(t, e.Do("PUT", "/api/v1/transfer/achievements/"+strconv.FormatInt(*rep.Results[0].ID, 10), uni, map[string]any{"owner_org_id": fudan,
		"title_zh": "导入的量子传感器", "title_en": "Imported quantum sensor", "summary_zh": "多行\n简介", "keywords": "量子 quantum", "field": "electronic_information",
		"trl": 5, "modes": []string{"licence", "transfer"}, "price_yuan": 1200000, "asset_ids": []int64{asset}, "status": "withdrawn"}), http.StatusOK)
	rep = importReport(t, must(t, upload(t, e, uni, "b.csv", []byte(short), map[string]string{"kind": "achievements"}), http.StatusOK))
	if rep.Updated != 1 || *rep.Results[0].ID != int64(a["id"].(float64)) {
		t.Fatalf("update: %+v %s", rep, errorLines(rep))
	}
	a2 := must(t, e.Do("GET", "/api/v1/transfer/achievements/"+strconv.FormatInt(*rep.Results[0].ID, 10), uni, nil), http.StatusOK).Map()
	if a2["trl"].(float64) != 6 || a2["summary_zh"] != "多行\n简介" || a2["title_en"] != "Imported quantum sensor" || len(a2["asset_ids"].([]any)) != 1 || a2["price_fen"].(float64) != 120_000_000 || a2["status"] != "withdrawn" {
		t.Errorf("updated achievement %v", a2)
	}
	if n := count(t, e, "transfer_achievements", fudan); n != before+2 {
		t.Errorf("achievements %d after the updates, want %d", n, before+2)
	}
}

func TestImportBadRows(t *testing.T) {
	e := apptest.New(t)
	uni := e.Token("university@demo.local")
	fudan, code := orgID(t, e, "复旦大学"), usccOf(t, e, "复旦大学")
	before := count(t, e, "transfer_achievements", fudan)
	csv := achHeader +
		code + ",好的一行,Good,,,electronic_information,5,licence,,,\n" +
		code + ",坏的成熟度,Bad,,,electronic_information,12,licence,,,\n" +
		code + ",坏的领域,Bad,,,cooking,5,barter,abc,ZL000,\n" +
		"91310000000000000X,坏的代码,Bad,,,electronic_information,5,licence,,,\n" +
		code + ",好的一行,Twice,,,electronic_information,5,licence,,,\n"
	r := upload(t, e, uni, "bad.csv", []byte(csv), map[string]string{"kind": "achievements"})
	if problemField(t, r, http.StatusUnprocessableEntity) == "" {
		t.Errorf("the problem names no field: %s", r.Body)
	}
	rep := importReport(t, r)
	want := []string{
		"3:7 trl: must be a technology readiness level from 1 to 9",
		"4:6 field: must be one of ",
		"4:8 modes: must be one of transfer, licence, equity, joint_development",
		"4:9 price_yuan: must be a whole number of yuan",
		"4:10 asset_numbers: \"ZL000\" is not an IP asset of the owner organization",
		"5:1 owner_uscc: ",
		"6:2 title_zh: repeats the owner and title of line 2",
	}
	got := errorLines(rep)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("errors lack %q:\n%s", w, got)
		}
	}
	if rep.Kept || rep.Invalid != 4 || rep.Rows != 5 {
		t.Errorf("report %+v", rep)
	}
	if n := count(t, e, "transfer_achievements", fudan); n != before {
		t.Errorf("a refused file wrote %d achievements", n-before)
	}
	// The API's own messages.
	api := e.Do("POST", "/api/v1/transfer/achievements", uni, map[string]any{"owner_org_id": fudan, "title_zh": "x", "field": "electronic_information", "trl": 12, "modes": []string{"licence"}})
	if !strings.Contains(string(api.Body), "must be a technology readiness level from 1 to 9") {
		t.Errorf("the API's message differs: %s", api.Body)
	}
	// Skipping bad rows keeps the good one.
	rep = importReport(t, must(t, upload(t, e, uni, "bad.csv", []byte(csv), map[string]string{"kind": "achievements", "skip_invalid": "true"}), http.StatusOK))
	if !rep.Kept || rep.Created != 1 || rep.Invalid != 4 {
		t.Errorf("skipping: %+v", rep)
	}
	if n := count(t, e, "transfer_achievements", fudan); n != before+1 {
		t.Errorf("skipping wrote %d achievements, want 1", n-before)
	}
	// File-level problems.
	if f := problemField(t, upload(t, e, uni, "x.csv", []byte(achHeader), map[string]string{"kind": "assets"}), http.StatusUnprocessableEntity); f != "kind" {
		t.Errorf("an unknown kind: field %q", f)
	}
	rep = importReport(t, must(t, upload(t, e, uni, "x.csv", []byte("owner_uscc,title,field\n"), map[string]string{"kind": "needs"}), http.StatusUnprocessableEntity))
	if got := errorLines(rep); !strings.Contains(got, `1:2 : unknown column "title"`) || !strings.Contains(got, `no "modes" column`) {
		t.Errorf("header errors:\n%s", got)
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

func TestImportNeedsXLSXAndDryRun(t *testing.T) {
	e := apptest.New(t)
	ent := e.Token("enterprise@demo.local")
	yunshan, code := orgID(t, e, "上海云杉软件科技有限公司"), usccOf(t, e, "上海云杉软件科技有限公司")
	before := count(t, e, "transfer_needs", yunshan)
	data := xlsxFile(t, [][]any{
		{"owner_uscc 所有人统一社会信用代码", "中文名称", "title_en", "problem_zh", "field", "min_trl", "modes", "budget_yuan", "deadline"},
		{code, "表格需求", "Sheet need", "需要解决散热", "electronic_information", 4, "joint_development;licence", 500000, 73050}, // 2099-12-31
		{},
		{code, "过期需求", "Past", "", "electronic_information", 4, "licence", "", "2001-01-01"},
	})
	fields := map[string]string{"kind": "needs", "dry_run": "true"}
	rep := importReport(t, must(t, upload(t, e, ent, "needs.xlsx", data, fields), http.StatusUnprocessableEntity))
	if got := errorLines(rep); got != "I4 deadline: must not be in the past" || rep.Format != "xlsx" {
		t.Errorf("xlsx errors:\n%s", got)
	}
	fields["skip_invalid"] = "true"
	rep = importReport(t, must(t, upload(t, e, ent, "needs.xlsx", data, fields), http.StatusOK))
	if rep.Kept || !rep.DryRun || rep.Created != 1 || rep.Invalid != 1 {
		t.Errorf("dry run: %+v", rep)
	}
	if n := count(t, e, "transfer_needs", yunshan); n != before {
		t.Errorf("a dry run wrote %d needs", n-before)
	}
	rep = importReport(t, must(t, upload(t, e, ent, "needs.xlsx", data, map[string]string{"kind": "needs", "skip_invalid": "true"}), http.StatusOK))
	if !rep.Kept || rep.Created != 1 {
		t.Fatalf("import: %+v", rep)
	}
	n := must(t, e.Do("GET", "/api/v1/transfer/needs/"+strconv.FormatInt(*rep.Results[0].ID, 10), "", nil), http.StatusOK).Map()
	if n["deadline"] != "2099-12-31" || n["budget_fen"].(float64) != 50_000_000 || n["min_trl"].(float64) != 4 || len(n["modes"].([]any)) != 2 {
		t.Errorf("imported need %v", n)
	}
	// The template is the header the import reads.
	tpl := must(t, e.Do("GET", "/api/v1/transfer/import/template?kind=needs&format=csv", "", nil), http.StatusOK)
	if !strings.Contains(string(tpl.Body), "budget_yuan 预算") {
		t.Errorf("template: %s", tpl.Body)
	}
	sample := strings.Replace(string(tpl.Body), transfer.NeedColumns[0].Example, code, 1)
	rep = importReport(t, must(t, upload(t, e, ent, "t.csv", []byte(sample), map[string]string{"kind": "needs", "dry_run": "true"}), http.StatusOK))
	if rep.Invalid != 0 || rep.Rows != 1 {
		t.Errorf("the template's own sample row: %+v\n%s", rep, errorLines(rep))
	}
}

func TestImportOtherOrganization(t *testing.T) {
	e := apptest.New(t)
	fudan, code := orgID(t, e, "复旦大学"), usccOf(t, e, "复旦大学")
	csv := achHeader + code + ",别人的成果,Not mine,,,electronic_information,5,licence,,,\n"
	before := count(t, e, "transfer_achievements", fudan)
	rep := importReport(t, must(t, upload(t, e, e.Token("enterprise@demo.local"), "o.csv", []byte(csv), map[string]string{"kind": "achievements"}), http.StatusUnprocessableEntity))
	if got := errorLines(rep); got != "2:1 owner_uscc: you import for your own organizations only" {
		t.Errorf("another organization's member:\n%s", got)
	}
	if n := count(t, e, "transfer_achievements", fudan); n != before {
		t.Error("another organization's member wrote")
	}
	if r := upload(t, e, e.Token("talent@demo.local"), "o.csv", []byte(csv), map[string]string{"kind": "achievements"}); r.Status != http.StatusForbidden {
		t.Errorf("a user of no organization: %d, want 403", r.Status)
	}
	if r := upload(t, e, "", "o.csv", []byte(csv), map[string]string{"kind": "achievements"}); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", r.Status)
	}
	rep = importReport(t, must(t, upload(t, e, e.Token("officer.jingan@demo.local"), "o.csv", []byte(csv), map[string]string{"kind": "achievements"}), http.StatusOK))
	if rep.Created != 1 {
		t.Errorf("an officer imports for any organization: %+v", rep)
	}
}

func TestImportPage(t *testing.T) {
	e := apptest.New(t)
	b := e.Browser()
	b.Login("university@demo.local")
	if mine := must(t, b.Get("/transfer/mine"), http.StatusOK); !strings.Contains(string(mine.Body), `href="/transfer/import"`) {
		t.Error("the mine page does not link the import")
	}
	page := must(t, b.Get("/transfer/import"), http.StatusOK)
	if !strings.Contains(string(page.Body), `enctype="multipart/form-data"`) || !strings.Contains(string(page.Body), "budget_yuan") {
		t.Error("the import page has no upload form or column list")
	}
	code := usccOf(t, e, "复旦大学")
	csv := achHeader + code + ",页面导入成果,Page import,,,electronic_information,5,licence,,,\n" +
		code + ",坏行,Bad,,,electronic_information,0,licence,,,\n"
	post := func(skip bool) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("kind", "achievements")
		if skip {
			mw.WriteField("skip_invalid", "true")
		}
		fw, _ := mw.CreateFormFile("file", "page.csv")
		fw.Write([]byte(csv))
		mw.Close()
		req, _ := http.NewRequest("POST", e.Srv.URL+"/transfer/import", &body)
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
	if status, out := post(false); status != http.StatusUnprocessableEntity || !strings.Contains(out, "<code>3:7</code>") || !strings.Contains(out, "文件有错误") {
		t.Errorf("page import: %d, want 422 with the cell 3:7 and the refusal in Chinese:\n%s", status, out)
	}
	if status, out := post(true); status != http.StatusOK || !strings.Contains(out, "导入已写入") || !strings.Contains(out, `<a href="/transfer/achievements/`) {
		t.Errorf("page import skipping bad rows: %d, want 200 with the achievement linked:\n%s", status, out)
	}
	b2 := e.Browser()
	b2.Login("talent@demo.local")
	if r := b2.Get("/transfer/import"); r.Status != http.StatusForbidden {
		t.Errorf("import page for a user of no organization: %d, want 403", r.Status)
	}
}
