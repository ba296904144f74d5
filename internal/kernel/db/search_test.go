package db_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/search"
)

// The directory search runs on SQLite's FTS5 index and on PostgreSQL's GIN
// array; both must select exactly the rows whose analysed terms contain
// every query term. The expected answer is computed here in Go, so the
// test holds each engine to the same reference.
func TestSearchMatchesReference(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	names := [][2]string{
		{"上海云杉软件科技有限公司", "Shanghai Yunshan Software Technology Co., Ltd."},
		{"上海软件园", "Shanghai Software Park"},
		{"复旦大学", "Fudan University"},
		{"上海交通大学", "Shanghai Jiao Tong University"},
		{"同济大学", "Tongji University"},
		{"张江药谷生物医药有限公司", "Zhangjiang Bio-Pharma Ltd."},
		{"ＡＢＣ智能（上海）有限公司", "ＡＢＣ Intelligence"}, // full-width
		{"数字化5G实验室", "5G Digital Lab 2026"},   // mixed runs
		{"𪚥龘科技", "Rare Character Tech"},       // outside the BMP
		{"Élan生物", "ÉLAN Biotech"},
		{"ΟΔΟΣ科技", "Odos ΣΟΦΙΑ"}, // Greek capitals and final sigma
		{"ﬁnance服务", "Finance Services"},
		{"İstanbul贸易", "Istanbul Trade"},
		{"한국기술", "Korea Tech"},
		{"カタカナ商事", "Katakana Trading"},
		{"智能🚀科技", "Rocket AI"},
		{"上海", ""},
		{"海", "sea"},
		{"O'Brien & Co 咨询", "o'brien consulting"},
		{"100%检测", "percent_labs"},
		{"ꭰꭱ研究所", "ᏣᎳᎩ Institute"}, // Cherokee: case folding goes to capitals
		{"⼈⼯智能", "Radicals"},       // Kangxi radicals: NFKC makes them 人工
		{"豈樂研究院", "Compatibility"}, // compatibility ideographs
		{"〇一二公司", "Ling Yi Er"},
	}
	type row struct {
		id    int64
		terms []string
	}
	var rows []row
	now := d.Now()
	for i, n := range names {
		text := search.Text(n[0], n[1])
		var id int64
		err := d.Write.QueryRowContext(ctx, `INSERT INTO orgs (uscc, name_zh, name_en, kind, search_text, created_at, updated_at)
			VALUES ($1, $2, $3, 'enterprise', $4, $5, $5) RETURNING id`, fmt.Sprintf("S%02d", i), n[0], n[1], text, now).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row{id, search.Terms(n[0], n[1])})
	}
	// An update moves a row's terms (the FTS triggers on SQLite, the
	// generated column on PostgreSQL).
	updated := search.Text("虹口创新中心", "Hongkou Innovation Center")
	if _, err := d.Write.ExecContext(ctx, `UPDATE orgs SET name_zh = $1, search_text = $2 WHERE id = $3`, "虹口创新中心", updated, rows[1].id); err != nil {
		t.Fatal(err)
	}
	rows[1].terms = search.Terms("虹口创新中心", "Hongkou Innovation Center")
	// A deleted row leaves the index.
	if _, err := d.Write.ExecContext(ctx, `DELETE FROM orgs WHERE id = $1`, rows[2].id); err != nil {
		t.Fatal(err)
	}
	rows = slices.Delete(rows, 2, 3)

	queries := []string{
		"上海", "海", "软件", "云杉", "软件科技", "科技有限", "大学", "交通大学", "通大", "复旦",
		"software", "SOFTWARE", "ｓｏｆｔｗａｒｅ", "shanghai software", "university tong", "tong",
		"abc", "ＡＢＣ", "5g", "5G实验", "2026", "lab 5g", "实验室",
		"𪚥龘", "龘科", "élan", "ÉLAN", "elan", "生物",
		"οδος", "ΟΔΟΣ", "σοφια", "finance", "ﬁnance", "istanbul", "i̇stanbul", "한국", "국기", "カタカナ",
		"智能", "能科", "🚀", "o'brien", "brien", "100", "percent_labs", "percent", "labs",
		"虹口", "创新中心", "hongkou", "复旦大学", "fudan",
		"ꭰꭱ", "ᎠᎡ", "ᏣᎳᎩ", "ꮳꮃꭹ", "研究", "人工", "⼈⼯", "工智", "豈樂", "豈樂", "〇一", "一二",
		"nothing here", "上海 nothing", "%", "_", "'", `"`, "a\"b", "*", "NEAR", "AND", "OR NOT",
	}
	found, none := 0, 0
	for _, q := range queries {
		pq := search.ParseQuery(q)
		if len(pq.Terms) == 0 {
			continue
		}
		var want []int64
		for _, r := range rows {
			if containsAll(r.terms, pq.Terms) {
				want = append(want, r.id)
			}
		}
		var args db.Args
		cond := search.Match(d.Dialect, "orgs", "o", &args, pq.Terms)
		res, err := d.Read.QueryContext(ctx, `SELECT o.id FROM orgs o WHERE `+cond+` ORDER BY o.id`, args...)
		if err != nil {
			t.Fatalf("query %q (terms %q): %v", q, pq.Terms, err)
		}
		var got []int64
		for res.Next() {
			var id int64
			if err := res.Scan(&id); err != nil {
				t.Fatal(err)
			}
			got = append(got, id)
		}
		res.Close()
		if !slices.Equal(got, want) {
			t.Errorf("%s: query %q (terms %q) found %v, want %v", d.Dialect, q, pq.Terms, got, want)
		}
		if len(want) > 0 {
			found++
		} else {
			none++
		}
	}
	// The corpus and the queries must exercise both answers.
	if found < 40 || none < 3 {
		t.Errorf("%d queries found rows and %d none: the test has lost its teeth", found, none)
	}
}

func containsAll(have, need []string) bool {
	for _, n := range need {
		if !slices.Contains(have, n) {
			return false
		}
	}
	return true
}
