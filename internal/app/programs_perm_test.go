package app_test

import (
	"context"
	"fmt"
	"net/http"
)

// Fixtures of the programs' cells in the permission matrix.

// jinganAgency is the Jing'an Science and Technology Commission.
func (w *world) jinganAgency() int64 {
	w.t.Helper()
	var id int64
	if err := w.e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM orgs WHERE name_zh = $1`, "上海市静安区科学技术委员会").Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// programBody is a new Jing'an program with a small rule set.
func (w *world) programBody() map[string]any {
	w.seq++
	slug := fmt.Sprintf("matrix-program-%d", w.seq)
	return map[string]any{
		"slug": slug, "owner_org_id": w.jinganAgency(), "level": "district",
		"title_zh": "矩阵测试项目", "title_en": "Matrix test program", "legal_reference": "测试依据 Test reference",
		"rule_set": map[string]any{
			"title":     map[string]string{"zh": "矩阵测试", "en": "Matrix test"},
			"reference": "测试依据",
			"parameters": []any{map[string]any{"name": "district", "type": "string", "label": map[string]string{"zh": "区", "en": "District"},
				"periods": []any{map[string]any{"from": "2024-01-01", "value": "jingan", "reference": "测试依据"}}}},
			"criteria": []any{map[string]any{"id": "in_district", "label": map[string]string{"zh": "在本区", "en": "In the district"},
				"reference": "测试依据", "expr": "registered_district == params.district"}},
		},
	}
}

// freshDraft makes a Jing'an draft program as an administrator and
// returns its slug.
func (w *world) freshDraft() string {
	w.t.Helper()
	b := w.programBody()
	r := w.e.Do("POST", "/api/v1/programs", w.admin, b)
	if r.Status != http.StatusCreated {
		w.t.Fatalf("fresh draft: %d %s", r.Status, r.Body)
	}
	return b["slug"].(string)
}
