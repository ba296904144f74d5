package servicedesk_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/servicedesk"
)

func orgID(t *testing.T, e *apptest.Env, zh string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&id); err != nil {
		t.Fatal(zh, err)
	}
	return id
}

func must(t *testing.T, r apptest.Response, status int) apptest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want %d, got %d %s", status, r.Status, r.Body)
	}
	return r
}

// problem asserts a problem+json answer with status and returns the field
// it names.
func problem(t *testing.T, r apptest.Response, status int) string {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want a %d problem, got %d %s", status, r.Status, r.Body)
	}
	f, _ := r.Map()["field"].(string)
	return f
}

func id(r apptest.Response) int64 { return int64(r.Map()["id"].(float64)) }

// clock makes the database's time settable; it starts on a Monday
// morning in Shanghai.
func clock(e *apptest.Env) func(time.Time) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, servicedesk.Shanghai).UTC()
	e.App.DB.Now = func() time.Time { return now }
	return func(t time.Time) { now = t.UTC() }
}

func TestRequestLifecycle(t *testing.T) {
	e := apptest.New(t)
	set := clock(e)
	ent, jingan, xuhui, admin := e.Token("enterprise@demo.local"), e.Token("officer.jingan@demo.local"), e.Token("officer.xuhui@demo.local"), e.Token("admin@demo.local")
	uni := e.Token("university@demo.local")
	yunshan := orgID(t, e, "上海云杉软件科技有限公司")
	agency := orgID(t, e, "上海市静安区科学技术委员会")

	// Bad input changes nothing.
	if f := problem(t, e.Do("POST", "/api/v1/desk/requests", ent, map[string]any{"topic": "weather", "title": "x", "body": "y"}), 422); f != "topic" {
		t.Errorf("bad topic names %q", f)
	}
	if f := problem(t, e.Do("POST", "/api/v1/desk/requests", ent, map[string]any{"topic": "ip", "title": "", "body": "y"}), 422); f != "title" {
		t.Errorf("empty title names %q", f)
	}
	problem(t, e.Do("POST", "/api/v1/desk/requests", uni, map[string]any{"topic": "ip", "title": "x", "body": "y"}), 403)
	var n int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM desk_requests`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d requests after refusals", n)
	}

	r := must(t, e.Do("POST", "/api/v1/desk/requests", ent, map[string]any{"topic": "programs", "title": "研发费用加计扣除", "body": "软件企业如何归集研发费用？"}), 201).Map()
	rid := int64(r["id"].(float64))
	if int64(r["agency_org_id"].(float64)) != agency || r["district"] != "jingan" || r["state"] != "open" {
		t.Fatalf("routing: %v", r)
	}
	// Three working days from Monday 10:00 is Thursday 10:00.
	if r["first_due_at"] != "2026-11-26T02:00:00Z" {
		t.Errorf("first due %v, want 2026-11-26T02:00:00Z", r["first_due_at"])
	}
	cd := r["countdown"].(map[string]any)
	if cd["overdue"] != false || cd["left_minutes"].(float64) != 3*8*60 {
		t.Errorf("countdown %v", cd)
	}

	// Privacy: the Xuhui officer and a stranger do not see it.
	problem(t, e.Do("GET", fmt.Sprintf("/api/v1/desk/requests/%d", rid), xuhui, nil), 404)
	problem(t, e.Do("GET", fmt.Sprintf("/api/v1/desk/requests/%d", rid), uni, nil), 404)
	var list struct{ Items []servicedesk.Request }
	must(t, e.Do("GET", "/api/v1/desk/requests", xuhui, nil), 200).JSON(&list)
	if len(list.Items) != 0 {
		t.Errorf("Xuhui's queue holds %d requests of Jing'an", len(list.Items))
	}
	must(t, e.Do("GET", "/api/v1/desk/requests?topic=programs&state=open", jingan, nil), 200).JSON(&list)
	if len(list.Items) != 1 || list.Items[0].ID != rid {
		t.Fatalf("Jing'an queue: %+v", list.Items)
	}

	act := func(tok, action, comment string, status int) {
		t.Helper()
		must(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/requests/%d/actions", rid), tok, map[string]any{"action": action, "comment": comment}), status)
	}
	// The enterprise cannot answer itself; an answer needs a comment.
	act(ent, "answer", "自问自答", 403)
	problem(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/requests/%d/actions", rid), jingan, map[string]any{"action": "answer"}), 422)
	// Rating before an answer is a conflict.
	problem(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/requests/%d/rating", rid), ent, map[string]any{"stars": 5}), 409)

	set(time.Date(2026, 11, 24, 11, 0, 0, 0, servicedesk.Shanghai))
	act(jingan, "ask", "请提供研发项目立项文件。", 200)
	set(time.Date(2026, 11, 27, 16, 0, 0, 0, servicedesk.Shanghai)) // Friday
	act(ent, "reply", "已附上立项文件。", 200)
	var v servicedesk.View
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/desk/requests/%d", rid), ent, nil), 200).JSON(&v)
	if v.State != servicedesk.Open || v.Cycle != 2 || v.RespondedAt == nil || v.DueAt == nil {
		t.Fatalf("after reply: %+v", v.Request)
	}
	// A new wait: three working days from Friday 16:00 is Wednesday 16:00.
	if want := time.Date(2026, 12, 2, 16, 0, 0, 0, servicedesk.Shanghai); !v.DueAt.Equal(want) {
		t.Errorf("due after reply %v, want %v", v.DueAt, want)
	}
	set(time.Date(2026, 11, 30, 10, 0, 0, 0, servicedesk.Shanghai))
	act(jingan, "answer", "可按财税〔2015〕119号归集。", 200)

	// Rating: 1..5 once, by the enterprise only.
	if f := problem(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/requests/%d/rating", rid), ent, map[string]any{"stars": 6}), 422); f != "stars" {
		t.Errorf("stars 6 names %q", f)
	}
	problem(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/requests/%d/rating", rid), jingan, map[string]any{"stars": 5}), 403)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/requests/%d/rating", rid), ent, map[string]any{"stars": 4, "comment": "答复清楚"}), 200)
	problem(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/requests/%d/rating", rid), ent, map[string]any{"stars": 5}), 409)

	act(ent, "close", "", 200)
	set(time.Date(2026, 12, 4, 10, 0, 0, 0, servicedesk.Shanghai))
	act(ent, "reopen", "还有一个问题。", 200)
	act(admin, "answer", "见补充说明。", 200)
	act(jingan, "close", "", 200)
	// Eight days after closing it stays closed.
	set(time.Date(2026, 12, 12, 11, 0, 0, 0, servicedesk.Shanghai))
	act(ent, "reopen", "再问一次", 409)

	must(t, e.Do("GET", fmt.Sprintf("/api/v1/desk/requests/%d", rid), ent, nil), 200).JSON(&v)
	var actions []string
	for _, h := range v.History {
		actions = append(actions, h.Action)
	}
	if want := []string{"create", "ask", "reply", "answer", "close", "reopen", "answer", "close"}; !slices.Equal(actions, want) {
		t.Errorf("thread %v, want %v", actions, want)
	}
	var audits int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'desk_request' AND entity_id = $1`, fmt.Sprint(rid)).Scan(&audits)
	if audits < len(actions)+1 {
		t.Errorf("%d audit records for %d steps and a rating", audits, len(actions))
	}
	// The enterprise heard of every officer step.
	var notes int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.email = 'enterprise@demo.local' AND n.kind LIKE 'desk.request.%'`).Scan(&notes)
	if notes != 4 {
		t.Errorf("enterprise notices %d, want 4 (ask, answer, answer, close)", notes)
	}
	_ = yunshan
}

func TestEscalation(t *testing.T) {
	e := apptest.New(t)
	set := clock(e)
	ent, admin := e.Token("enterprise@demo.local"), e.Token("admin@demo.local")
	var lead int64
	e.App.DB.Read.QueryRow(`SELECT id FROM users WHERE email = 'officer.jingan@demo.local'`).Scan(&lead)
	must(t, e.Do("PUT", "/api/v1/desk/leads", admin, map[string]any{"district": "jingan", "user_id": lead, "lead": true}), 200)
	must(t, e.Do("PUT", "/api/v1/desk/levels/ip", admin, map[string]any{"amount": 4, "unit": "hours"}), 200)
	if f := problem(t, e.Do("PUT", "/api/v1/desk/levels/ip", admin, map[string]any{"amount": 0, "unit": "hours"}), 422); f != "amount" {
		t.Errorf("zero level names %q", f)
	}
	if f := problem(t, e.Do("PUT", "/api/v1/desk/levels/ip", admin, map[string]any{"amount": -3, "unit": "days"}), 422); f != "amount" {
		t.Errorf("negative level names %q", f)
	}
	rid := id(must(t, e.Do("POST", "/api/v1/desk/requests", ent, map[string]any{"topic": "ip", "title": "专利年费减缴", "body": "如何申请？"}), 201))

	s := e.App.Desk
	ctx := context.Background()
	if es, err := s.Sweep(ctx); err != nil || len(es) != 0 {
		t.Fatalf("sweep before the deadline: %v %v", es, err)
	}
	// 14:00 is the deadline; 15:00 is one working hour past it.
	set(time.Date(2026, 11, 23, 15, 0, 0, 0, servicedesk.Shanghai))
	es, err := s.Sweep(ctx)
	if err != nil || len(es) != 1 || es[0].Level != 1 || es[0].Notified != 1 {
		t.Fatalf("first sweep: %+v %v", es, err)
	}
	// Idempotent: nothing more at the same level.
	if es, err := s.Sweep(ctx); err != nil || len(es) != 0 {
		t.Fatalf("second sweep: %+v %v", es, err)
	}
	// A further service level (four working hours) overdue: level 2.
	set(time.Date(2026, 11, 24, 11, 0, 0, 0, servicedesk.Shanghai))
	if es, err := s.Sweep(ctx); err != nil || len(es) != 1 || es[0].Level != 2 {
		t.Fatalf("later sweep: %+v %v", es, err)
	}
	var got servicedesk.Request
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/desk/requests/%d", rid), ent, nil), 200).JSON(&got)
	if got.EscalationLevel != 2 || got.Countdown == nil || !got.Countdown.Overdue {
		t.Errorf("request after escalation: %+v", got)
	}
	var notices, mails, rows int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices WHERE user_id = $1 AND kind = 'desk.escalation'`, lead).Scan(&notices)
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE user_id = $1 AND subject LIKE '%' || $2 || '%'`, lead, "专利年费减缴").Scan(&mails)
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM desk_escalations WHERE request_id = $1`, rid).Scan(&rows)
	if notices != 2 || rows != 2 || mails < 2 {
		t.Errorf("escalation notices %d, mails %d, records %d; want 2, ≥2, 2", notices, mails, rows)
	}
	var overdue struct{ Items []servicedesk.Request }
	must(t, e.Do("GET", "/api/v1/desk/requests?overdue=1", e.Token("officer.jingan@demo.local"), nil), 200).JSON(&overdue)
	if len(overdue.Items) != 1 {
		t.Errorf("overdue filter: %d", len(overdue.Items))
	}
}

func TestNoticeReachesExactlyItsEnterprises(t *testing.T) {
	e := apptest.New(t)
	clock(e)
	xuhui, jingan := e.Token("officer.xuhui@demo.local"), e.Token("officer.jingan@demo.local")
	const rule = `registered_district == "xuhui" && "hnte" in certifications`
	// A member for some Xuhui high-tech enterprises, so that notices
	// have someone to reach.
	want := dbtest.IDs(t, e.App.DB, `SELECT id FROM orgs WHERE kind = 'enterprise' AND registered_district = 'xuhui' AND ' ' || certifications || ' ' LIKE '% hnte %' ORDER BY id`)
	if len(want) == 0 {
		t.Fatal("the demo city has no Xuhui high-tech enterprise")
	}
	var enterpriseUser int64
	e.App.DB.Read.QueryRow(`SELECT id FROM users WHERE email = 'talent@demo.local'`).Scan(&enterpriseUser)
	if err := e.App.Auth.SetMembership(context.Background(), enterpriseUser, want[0], "member"); err != nil {
		t.Fatal(err)
	}

	// A rule that does not compile: 422 naming the rule and the position.
	r := e.Do("POST", "/api/v1/desk/notices/preview", xuhui, map[string]any{"rule": `registered_district == "xuhui" && employes > 10`})
	if f := problem(t, r, 422); f != "rule" || !strings.Contains(string(r.Body), "1:") {
		t.Fatalf("bad rule: %s", r.Body)
	}

	var pv servicedesk.Preview
	must(t, e.Do("POST", "/api/v1/desk/notices/preview", xuhui, map[string]any{"rule": rule}), 200).JSON(&pv)
	if pv.Reach != len(want) {
		t.Fatalf("preview reach %d, direct query %d", pv.Reach, len(want))
	}
	nid := id(must(t, e.Do("POST", "/api/v1/desk/notices", xuhui, map[string]any{"title_zh": "高企认定申报提示", "title_en": "HNTE certification round", "body_zh": "请及时申报。", "body_en": "Apply in time.", "rule": rule}), 201))
	problem(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/notices/%d/publish", nid), jingan, nil), 404)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/notices/%d/publish", nid), xuhui, nil), 200)
	problem(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/notices/%d/publish", nid), xuhui, nil), 409)

	var rec struct{ Items []servicedesk.OrgBrief }
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/desk/notices/%d/recipients", nid), xuhui, nil), 200).JSON(&rec)
	var got []int64
	for _, o := range rec.Items {
		got = append(got, o.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("recipients %v, direct query %v", got, want)
	}
	// Each member of a recipient got exactly one notice and one mail.
	var notices, mails int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices WHERE kind = 'desk.policy' AND user_id = $1`, enterpriseUser).Scan(&notices)
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM mail_outbox m JOIN notices n ON n.id = m.notice_id WHERE n.kind = 'desk.policy' AND m.user_id = $1`, enterpriseUser).Scan(&mails)
	if notices != 1 || mails != 1 {
		t.Errorf("member got %d notices and %d mails, want 1 and 1", notices, mails)
	}
	var total, members int
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices WHERE kind = 'desk.policy'`).Scan(&total)
	e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM memberships m JOIN desk_notice_recipients r ON r.org_id = m.org_id WHERE r.notice_id = $1`, nid).Scan(&members)
	if total != members {
		t.Errorf("%d policy notices for %d members of recipients", total, members)
	}
	// The recipient's member sees the notice; a non-recipient does not.
	talent := e.Token("talent@demo.local")
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/desk/notices/%d", nid), talent, nil), 200)
	problem(t, e.Do("GET", fmt.Sprintf("/api/v1/desk/notices/%d", nid), e.Token("enterprise@demo.local"), nil), 404)
}

func TestVisitsAndFigures(t *testing.T) {
	e := apptest.New(t)
	set := clock(e)
	jingan, ent, admin := e.Token("officer.jingan@demo.local"), e.Token("enterprise@demo.local"), e.Token("admin@demo.local")
	yunshan := orgID(t, e, "上海云杉软件科技有限公司")

	if f := problem(t, e.Do("POST", "/api/v1/desk/visits", jingan, map[string]any{"org_id": yunshan, "visited_on": "2026-11-30", "participants": "王敏"}), 422); f != "visited_on" {
		t.Errorf("future visit names %q", f)
	}
	if f := problem(t, e.Do("POST", "/api/v1/desk/visits", jingan, map[string]any{"org_id": yunshan, "visited_on": "2026-11-20", "participants": "王敏",
		"promises": []map[string]any{{"what": "协调", "owner": "", "due_on": "2026-12-01"}}}), 422); f != "promises[0].owner" {
		t.Errorf("promise without owner names %q", f)
	}
	v := must(t, e.Do("POST", "/api/v1/desk/visits", jingan, map[string]any{"org_id": yunshan, "visited_on": "2026-11-20", "participants": "王敏；陈静",
		"issues": "办公用房紧张", "promises": []map[string]any{{"what": "协调园区用房", "owner": "王敏", "due_on": "2026-11-22"}, {"what": "反馈人才公寓", "owner": "李强", "due_on": "2026-12-31"}}}), 201)
	var visit servicedesk.Visit
	v.JSON(&visit)
	var overdue struct{ Items []servicedesk.Promise }
	must(t, e.Do("GET", "/api/v1/desk/promises?overdue=1", jingan, nil), 200).JSON(&overdue)
	if len(overdue.Items) != 1 || overdue.Items[0].What != "协调园区用房" || !overdue.Items[0].Overdue {
		t.Fatalf("overdue promises %+v", overdue.Items)
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/promises/%d/done", overdue.Items[0].ID), jingan, map[string]any{"note": "已协调"}), 200)
	problem(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/promises/%d/done", overdue.Items[0].ID), jingan, map[string]any{}), 409)
	must(t, e.Do("GET", "/api/v1/desk/promises?overdue=1", jingan, nil), 200).JSON(&overdue)
	if len(overdue.Items) != 0 {
		t.Errorf("still overdue: %+v", overdue.Items)
	}

	// Figures: an empty desk is zeros; then recounted directly.
	var f servicedesk.Figures
	must(t, e.Do("GET", "/api/v1/desk/figures", admin, nil), 200).JSON(&f)
	if f.Total.Requests != 0 || f.Total.OnTimeShare != 0 {
		t.Fatalf("empty figures %+v", f.Total)
	}
	for i, topic := range []string{"ip", "finance", "ip"} {
		rid := id(must(t, e.Do("POST", "/api/v1/desk/requests", ent, map[string]any{"topic": topic, "title": fmt.Sprint("问题", i), "body": "内容"}), 201))
		if i < 2 {
			must(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/requests/%d/actions", rid), jingan, map[string]any{"action": "answer", "comment": "答复"}), 200)
			must(t, e.Do("POST", fmt.Sprintf("/api/v1/desk/requests/%d/rating", rid), ent, map[string]any{"stars": 3 + i}), 200)
		}
	}
	set(time.Date(2026, 12, 10, 10, 0, 0, 0, servicedesk.Shanghai))
	must(t, e.Do("GET", "/api/v1/desk/figures", jingan, nil), 200).JSON(&f)
	var n, onTime, decided int64
	var mean float64
	rd := e.App.DB.Read
	rd.QueryRow(`SELECT COUNT(*) FROM desk_requests WHERE district = 'jingan'`).Scan(&n)
	rd.QueryRow(`SELECT COUNT(*) FROM desk_requests WHERE district = 'jingan' AND responded_at IS NOT NULL AND responded_at <= first_due_at`).Scan(&onTime)
	rd.QueryRow(`SELECT COUNT(*) FROM desk_requests WHERE district = 'jingan' AND (responded_at IS NOT NULL OR first_due_at < $1)`, e.App.DB.Now()).Scan(&decided)
	rd.QueryRow(`SELECT AVG(CAST(rating AS REAL)) FROM desk_requests WHERE district = 'jingan' AND rating IS NOT NULL`).Scan(&mean)
	if f.Total.Requests != n || f.Total.OnTime != onTime || f.Total.Decided != decided || f.Total.MeanRating != mean {
		t.Errorf("figures %+v; recount %d requests, %d on time of %d, mean %v", f.Total, n, onTime, decided, mean)
	}
	if n != 3 || onTime != 2 || decided != 3 || mean != 3.5 {
		t.Errorf("recount %d %d %d %v, want 3 2 3 3.5", n, onTime, decided, mean)
	}
	var ip int64
	for _, c := range f.ByTopic {
		if c.Key == "ip" {
			ip = c.Requests
		}
	}
	if ip != 2 {
		t.Errorf("ip requests %d, want 2", ip)
	}
	problem(t, e.Do("GET", "/api/v1/desk/figures", ent, nil), 403)
	problem(t, e.Do("GET", "/api/v1/desk/figures?from=2026-13", admin, nil), 422)
	_ = http.StatusOK
}

// TestHolidayTable: a day added to the table moves deadlines; bad days are
// refused naming the field; removing a day twice is not found.
func TestHolidayTable(t *testing.T) {
	e := apptest.New(t)
	clock(e)
	admin, ent := e.Token("admin@demo.local"), e.Token("enterprise@demo.local")
	must(t, e.Do("PUT", "/api/v1/desk/levels/ip", admin, map[string]any{"amount": 1, "unit": "days"}), 200)
	if f := problem(t, e.Do("PUT", "/api/v1/desk/holidays/2026-02-30", admin, map[string]any{"name_zh": "假", "name_en": "Off"}), 422); f != "day" {
		t.Errorf("bad day names %q", f)
	}
	problem(t, e.Do("PUT", "/api/v1/desk/holidays/2026-11-24", ent, map[string]any{"name_zh": "假", "name_en": "Off"}), 403)
	must(t, e.Do("PUT", "/api/v1/desk/holidays/2026-11-24", admin, map[string]any{"name_zh": "临时休息日", "name_en": "Day off", "reference": "test"}), 200)
	r := must(t, e.Do("POST", "/api/v1/desk/requests", ent, map[string]any{"topic": "ip", "title": "商标续展", "body": "流程？"}), 201).Map()
	// Monday 10:00 plus one working day, Tuesday off: Wednesday 10:00.
	if r["first_due_at"] != "2026-11-25T02:00:00Z" {
		t.Errorf("due %v, want 2026-11-25T02:00:00Z", r["first_due_at"])
	}
	must(t, e.Do("DELETE", "/api/v1/desk/holidays/2026-11-24", admin, nil), 204)
	problem(t, e.Do("DELETE", "/api/v1/desk/holidays/2026-11-24", admin, nil), 404)
}
