package app_test

import (
	"context"
	"net/http"
)

// Fixtures of the service desk cells: requests of Yunshan (enterprise@,
// Jing'an) filed by an administrator on its behalf, notices of Xuhui,
// visits to Yunshan.

// deskRequest files a request of Yunshan and brings it to state (open or
// answered).
func (w *world) deskRequest(state string) int64 {
	w.t.Helper()
	id := w.mustCreate("/api/v1/desk/requests", w.admin, map[string]any{"org_id": w.yunshan, "topic": "finance", "title": "矩阵测试请求", "body": "贷款贴息如何申请？"})
	if state == "answered" {
		if r := w.e.Do("POST", p("/api/v1/desk/requests/%d/actions", id), w.admin, map[string]any{"action": "answer", "comment": "见贴息指南"}); r.Status != http.StatusOK {
			w.t.Fatalf("answer: %d %s", r.Status, r.Body)
		}
	}
	return id
}

func (w *world) deskFile() string {
	w.t.Helper()
	id := w.deskRequest("open")
	var fid int64
	if err := w.e.App.DB.Write.QueryRowContext(context.Background(), `INSERT INTO desk_files (request_id, name, content_type, size, sha256, data, created_at)
		VALUES ($1, 'note.txt', 'text/plain; charset=utf-8', 5, 'x', $2, $3) RETURNING id`, id, []byte("hello"), w.e.App.DB.Now()).Scan(&fid); err != nil {
		w.t.Fatal(err)
	}
	return p("/api/v1/desk/requests/%d/files/%d", id, fid)
}

func deskNoticeBody(district string) map[string]any {
	return map[string]any{"district": district, "title_zh": "高企政策提示", "title_en": "HNTE policy note", "body_zh": "请关注高新技术企业认定申报。",
		"body_en": "The HNTE certification round is open.", "rule": `"hnte" in certifications`}
}

func (w *world) deskVisit() int64 {
	w.t.Helper()
	return w.mustCreate("/api/v1/desk/visits", w.admin, map[string]any{"org_id": w.yunshan, "visited_on": "2026-01-05", "participants": "王敏；陈静",
		"issues": "用地紧张", "promises": []map[string]any{{"what": "协调园区空间", "owner": "王敏", "due_on": "2026-02-01"}}})
}

func init() {
	moreCells = append(moreCells, func() []cell {
		staff := []string{"admin", "officer.jingan", "officer.xuhui"}
		seers := []string{"admin", "officer.jingan", "enterprise"}
		jingan := []string{"admin", "officer.jingan"}
		xuhui := []string{"admin", "officer.xuhui"}
		return []cell{
			{route: "GET /api/v1/desk/requests", name: "mine or the queue", req: func(w *world) (string, any) { return "/api/v1/desk/requests?overdue=0", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/desk/requests", name: "for Yunshan", req: func(w *world) (string, any) {
				return "/api/v1/desk/requests", map[string]any{"org_id": w.yunshan, "topic": "ip", "title": "专利质押", "body": "如何办理专利质押登记？"}
			}, want: only(http.StatusCreated, http.StatusForbidden, "admin", "enterprise")},
			{route: "GET /api/v1/desk/requests/{id}", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/desk/requests/%d", w.deskRequest("open")), nil },
				want: only(http.StatusOK, http.StatusNotFound, seers...)},
			{route: "POST /api/v1/desk/requests/{id}/actions", name: "answer", req: func(w *world) (string, any) {
				return p("/api/v1/desk/requests/%d/actions", w.deskRequest("open")), map[string]any{"action": "answer", "comment": "请参见指南"}
			}, want: per(http.StatusNotFound, map[string]int{"admin": http.StatusOK, "officer.jingan": http.StatusOK, "enterprise": http.StatusForbidden})},
			{route: "POST /api/v1/desk/requests/{id}/rating", name: "answered", req: func(w *world) (string, any) {
				return p("/api/v1/desk/requests/%d/rating", w.deskRequest("answered")), map[string]any{"stars": 5, "comment": "很及时"}
			}, want: per(http.StatusNotFound, map[string]int{"admin": http.StatusForbidden, "officer.jingan": http.StatusForbidden, "enterprise": http.StatusOK})},
			// A JSON body reaches the enterprise as 415; the others never
			// get that far.
			{route: "POST /api/v1/desk/requests/{id}/files", name: "Yunshan's", req: func(w *world) (string, any) {
				return p("/api/v1/desk/requests/%d/files", w.deskRequest("open")), map[string]any{}
			}, want: per(http.StatusNotFound, map[string]int{"admin": http.StatusForbidden, "officer.jingan": http.StatusForbidden, "enterprise": http.StatusUnsupportedMediaType})},
			{route: "GET /api/v1/desk/requests/{id}/files/{file}", name: "Yunshan's", req: func(w *world) (string, any) { return w.deskFile(), nil },
				want: only(http.StatusOK, http.StatusNotFound, seers...)},
			{route: "GET /api/v1/desk/settings", name: "settings", req: func(w *world) (string, any) { return "/api/v1/desk/settings", nil },
				want: only(http.StatusOK, http.StatusForbidden, staff...)},
			{route: "PUT /api/v1/desk/routes", name: "Jing'an finance", req: func(w *world) (string, any) {
				return "/api/v1/desk/routes", map[string]any{"district": "jingan", "topic": "finance", "agency_org_id": w.orgByName("上海市静安区科学技术委员会"), "group_zh": "科技金融科"}
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "PUT /api/v1/desk/levels/{topic}", name: "finance", req: func(w *world) (string, any) {
				return "/api/v1/desk/levels/finance", map[string]any{"amount": 2, "unit": "days"}
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "PUT /api/v1/desk/levels/{topic}", name: "zero", req: func(w *world) (string, any) {
				return "/api/v1/desk/levels/finance", map[string]any{"amount": 0, "unit": "days"}
			}, want: only(http.StatusUnprocessableEntity, http.StatusForbidden, "admin")},
			{route: "PUT /api/v1/desk/leads", name: "Jing'an", req: func(w *world) (string, any) {
				return "/api/v1/desk/leads", map[string]any{"district": "jingan", "user_id": w.users["officer.jingan@demo.local"], "lead": true}
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/desk/holidays", name: "public", req: func(w *world) (string, any) { return "/api/v1/desk/holidays", nil }, want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/desk/holidays/{day}", name: "a 2027 holiday", req: func(w *world) (string, any) {
				return "/api/v1/desk/holidays/2027-01-01", map[string]any{"name_zh": "元旦", "name_en": "New Year's Day"}
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "DELETE /api/v1/desk/holidays/{day}", name: "National Day", req: func(w *world) (string, any) { return "/api/v1/desk/holidays/2026-10-07", nil },
				want: only(http.StatusNoContent, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/desk/notices", name: "list", req: func(w *world) (string, any) { return "/api/v1/desk/notices", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/desk/notices", name: "for Xuhui", req: func(w *world) (string, any) { return "/api/v1/desk/notices", deskNoticeBody("xuhui") },
				want: per(http.StatusForbidden, map[string]int{"admin": http.StatusCreated, "officer.xuhui": http.StatusCreated, "officer.jingan": http.StatusUnprocessableEntity})},
			{route: "POST /api/v1/desk/notices/preview", name: "Xuhui", req: func(w *world) (string, any) {
				return "/api/v1/desk/notices/preview", map[string]any{"district": "xuhui", "rule": `"hnte" in certifications`}
			}, want: per(http.StatusForbidden, map[string]int{"admin": http.StatusOK, "officer.xuhui": http.StatusOK, "officer.jingan": http.StatusUnprocessableEntity})},
			{route: "POST /api/v1/desk/notices/preview", name: "a rule that does not compile", req: func(w *world) (string, any) {
				return "/api/v1/desk/notices/preview", map[string]any{"district": "xuhui", "rule": `employes > 10`}
			}, want: per(http.StatusForbidden, map[string]int{"admin": http.StatusUnprocessableEntity, "officer.xuhui": http.StatusUnprocessableEntity, "officer.jingan": http.StatusUnprocessableEntity})},
			{route: "GET /api/v1/desk/notices/{id}", name: "Xuhui draft", req: func(w *world) (string, any) {
				return p("/api/v1/desk/notices/%d", w.mustCreate("/api/v1/desk/notices", w.admin, deskNoticeBody("xuhui"))), nil
			}, want: only(http.StatusOK, http.StatusNotFound, xuhui...)},
			{route: "POST /api/v1/desk/notices/{id}/publish", name: "Xuhui draft", req: func(w *world) (string, any) {
				return p("/api/v1/desk/notices/%d/publish", w.mustCreate("/api/v1/desk/notices", w.admin, deskNoticeBody("xuhui"))), nil
			}, want: only(http.StatusOK, http.StatusNotFound, xuhui...)},
			{route: "GET /api/v1/desk/notices/{id}/recipients", name: "Xuhui draft", req: func(w *world) (string, any) {
				return p("/api/v1/desk/notices/%d/recipients", w.mustCreate("/api/v1/desk/notices", w.admin, deskNoticeBody("xuhui"))), nil
			}, want: only(http.StatusOK, http.StatusNotFound, xuhui...)},
			{route: "GET /api/v1/desk/visits", name: "list", req: func(w *world) (string, any) { return "/api/v1/desk/visits", nil }, want: only(http.StatusOK, http.StatusForbidden, staff...)},
			{route: "POST /api/v1/desk/visits", name: "Yunshan", req: func(w *world) (string, any) {
				return "/api/v1/desk/visits", map[string]any{"org_id": w.yunshan, "visited_on": "2026-01-05", "participants": "王敏",
					"promises": []map[string]any{{"what": "反馈人才公寓名额", "owner": "王敏", "due_on": "2026-03-01"}}}
			}, want: only(http.StatusCreated, http.StatusForbidden, jingan...)},
			{route: "GET /api/v1/desk/visits/{id}", name: "Yunshan", req: func(w *world) (string, any) { return p("/api/v1/desk/visits/%d", w.deskVisit()), nil },
				want: only(http.StatusOK, http.StatusNotFound, jingan...)},
			{route: "GET /api/v1/desk/promises", name: "overdue", req: func(w *world) (string, any) { return "/api/v1/desk/promises?overdue=1", nil },
				want: only(http.StatusOK, http.StatusForbidden, staff...)},
			{route: "POST /api/v1/desk/promises/{id}/done", name: "Yunshan's", req: func(w *world) (string, any) {
				v := w.e.Do("GET", p("/api/v1/desk/visits/%d", w.deskVisit()), w.admin, nil)
				var out struct{ Promises []struct{ ID int64 } }
				v.JSON(&out)
				return p("/api/v1/desk/promises/%d/done", out.Promises[0].ID), map[string]any{"note": "已协调"}
			}, want: only(http.StatusOK, http.StatusNotFound, jingan...)},
			{route: "GET /api/v1/desk/figures", name: "figures", req: func(w *world) (string, any) { return "/api/v1/desk/figures", nil },
				want: only(http.StatusOK, http.StatusForbidden, staff...)},
		}
	})
}
