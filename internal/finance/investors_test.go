package finance_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/finance"
	"rainforest/internal/kernel/ledger"
)

func angelBody(org int64) map[string]any {
	return map[string]any{"org_id": org, "kind": "angel", "name_zh": "徐汇天使基金", "name_en": "Xuhui Angel Fund", "stages": []string{"seed", "angel", "a"},
		"fields": []string{"electronic_information", "biomedicine"}, "districts": []string{"xuhui", "jingan"}, "min_ticket_yuan": 500_000, "max_ticket_yuan": 5_000_000}
}

func TestInvestors(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	inv, ent, admin, xuhui := e.Token("investor@demo.local"), e.Token("enterprise@demo.local"), e.Token("admin@demo.local"), e.Token("officer.xuhui@demo.local")
	angelOrg, yunshan := orgID(t, e, "上海徐汇天使投资引导基金"), orgID(t, e, "上海云杉软件科技有限公司")
	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"min over max":   {"max_ticket_yuan", 100_000, "max_ticket_yuan"},
		"negative min":   {"min_ticket_yuan", -5, "min_ticket_yuan"},
		"absurd max":     {"max_ticket_yuan", int64(1e14), "max_ticket_yuan"},
		"negative size":  {"size_yuan", -1, "size_yuan"},
		"kind":           {"kind", "hedge", "kind"},
		"no stage":       {"stages", []string{}, "stages"},
		"unknown stage":  {"stages", []string{"ipo"}, "stages[0]"},
		"unknown field":  {"fields", []string{"alchemy"}, "fields[0]"},
		"bad district":   {"districts", []string{"Xu Hui!"}, "districts[0]"},
		"not a investor": {"org_id", yunshan, "org_id"},
	} {
		b := angelBody(angelOrg)
		b[tc.key] = tc.value
		tok := inv
		if tc.key == "org_id" {
			tok = admin
		}
		if f := field(t, e.Do("POST", "/api/v1/finance/investors", tok, b), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: field %q, want %q", name, f, tc.field)
		}
	}
	must(t, e.Do("POST", "/api/v1/finance/investors", ent, angelBody(angelOrg)), http.StatusForbidden)
	var angel finance.Investor
	must(t, e.Do("POST", "/api/v1/finance/investors", inv, angelBody(angelOrg)), http.StatusCreated).JSON(&angel)
	far := angelBody(angelOrg)
	far["name_zh"], far["stages"], far["fields"], far["districts"], far["min_ticket_yuan"], far["max_ticket_yuan"] = "生物医药成长基金", []string{"b_plus"}, []string{"biomedicine"}, []string{"pudong"}, 50_000_000, 200_000_000
	var late finance.Investor
	must(t, e.Do("POST", "/api/v1/finance/investors", inv, far), http.StatusCreated).JSON(&late)

	// Until Yunshan opts in, no investor finds it.
	var ms struct{ Items []finance.Match }
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/investors/%d/matches", angel.ID), inv, nil), http.StatusOK).JSON(&ms)
	for _, m := range ms.Items {
		if m.Enterprise.OrgID == yunshan {
			t.Fatal("found before opting in")
		}
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/investors/%d/matches", angel.ID), ent, nil), http.StatusForbidden)
	profile := map[string]any{"stage": "a", "ask_yuan": 3_000_000, "pitch_zh": "工业数据平台", "pitch_en": "Industrial data platform"}
	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"stage":    {"stage", "ipo", "stage"},
		"negative": {"ask_yuan", -1, "ask_yuan"},
		"absurd":   {"ask_yuan", int64(1e13), "ask_yuan"},
		"field":    {"fields", []string{"magic"}, "fields[0]"},
	} {
		b := map[string]any{}
		for k, v := range profile {
			b[k] = v
		}
		b[tc.key] = tc.value
		if f := field(t, e.Do("PUT", fmt.Sprintf("/api/v1/finance/profiles/%d", yunshan), ent, b), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("profile %s: field %q", name, f)
		}
	}
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/finance/profiles/%d", yunshan), inv, profile), http.StatusForbidden)
	var pr finance.Profile
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/finance/profiles/%d", yunshan), ent, profile), http.StatusOK).JSON(&pr)
	if !pr.OptedIn || pr.District != "jingan" || len(pr.Fields) != 1 || pr.Fields[0] != "electronic_information" {
		t.Fatalf("profile: %+v", pr)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/investors/%d/matches", angel.ID), inv, nil), http.StatusOK).JSON(&ms)
	if len(ms.Items) == 0 || ms.Items[0].Enterprise.OrgID != yunshan || ms.Items[0].Score != 100 || len(ms.Items[0].Reasons) != 4 {
		t.Fatalf("investor's matches: %+v", ms.Items)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/profiles/%d/matches", yunshan), ent, nil), http.StatusOK).JSON(&ms)
	if len(ms.Items) < 2 || ms.Items[0].Investor.ID != angel.ID || ms.Items[len(ms.Items)-1].Investor.ID != late.ID || ms.Items[len(ms.Items)-1].Score != 0 {
		t.Fatalf("enterprise's matches: %+v", ms.Items)
	}
	for _, r := range ms.Items[len(ms.Items)-1].Reasons {
		if r.Points != 0 || r.Zh == "" || r.En == "" {
			t.Errorf("a late-stage fund's reason: %+v", r)
		}
	}

	// Withdrawn, it disappears; the investor cannot ask it for a meeting.
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/profiles/%d/withdraw", yunshan), ent, nil), http.StatusOK)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/profiles/%d/withdraw", yunshan), ent, nil), http.StatusConflict)
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/investors/%d/matches", angel.ID), inv, nil), http.StatusOK).JSON(&ms)
	for _, m := range ms.Items {
		if m.Enterprise.OrgID == yunshan {
			t.Fatal("found after withdrawing")
		}
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/profiles/%d/matches", yunshan), ent, nil), http.StatusConflict)
	soon := e.App.DB.Now().Add(72 * time.Hour).Truncate(time.Hour)
	times := []string{soon.Format(time.RFC3339), soon.Add(24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)}
	meet := map[string]any{"investor_id": angel.ID, "org_id": yunshan, "times": times, "message": "想了解贵司的工业数据平台"}
	if f := field(t, e.Do("POST", "/api/v1/finance/meetings", inv, meet), http.StatusUnprocessableEntity); f != "org_id" {
		t.Errorf("meeting with a withdrawn enterprise: %q", f)
	}
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/finance/profiles/%d", yunshan), ent, profile), http.StatusOK)
	for name, ts := range map[string][]string{"past": {"2020-01-01T10:00:00+08:00"}, "garbage": {"tomorrow"}, "none": {}, "twice": {times[0], times[0]}} {
		b := map[string]any{"investor_id": angel.ID, "org_id": yunshan, "times": ts}
		if f := field(t, e.Do("POST", "/api/v1/finance/meetings", inv, b), http.StatusUnprocessableEntity); !strings.HasPrefix(f, "times") {
			t.Errorf("times %s: %q", name, f)
		}
	}
	must(t, e.Do("POST", "/api/v1/finance/meetings", e.Token("bank@demo.local"), meet), http.StatusForbidden)
	var m finance.Meeting
	must(t, e.Do("POST", "/api/v1/finance/meetings", inv, meet), http.StatusCreated).JSON(&m)
	if m.ProposedBy != "investor" || m.State != "proposed" || len(m.Times) != 2 {
		t.Fatalf("meeting: %+v", m)
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/meetings/%d/actions", m.ID), inv, map[string]any{"action": "accept", "time": times[0]}), http.StatusForbidden)
	if f := field(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/meetings/%d/actions", m.ID), ent, map[string]any{"action": "accept", "time": soon.Add(time.Hour).Format(time.RFC3339)}), http.StatusUnprocessableEntity); f != "time" {
		t.Errorf("accept another time: %q", f)
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/meetings/%d/actions", m.ID), ent, map[string]any{"action": "accept", "time": times[1]}), http.StatusOK).JSON(&m)
	if m.State != "accepted" || m.MeetsAt == nil || !m.MeetsAt.Equal(soon.Add(24*time.Hour)) {
		t.Fatalf("accepted: %+v", m)
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/meetings/%d/actions", m.ID), ent, map[string]any{"action": "decline"}), http.StatusConflict)
	var n int
	if err := e.App.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE kind IN ('finance.meeting.new', 'finance.meeting.accepted')`).Scan(&n); err != nil || n < 2 {
		t.Fatalf("notices to both sides: %d %v", n, err)
	}
	var mine struct{ Items []finance.Meeting }
	must(t, e.Do("GET", "/api/v1/finance/meetings", ent, nil), http.StatusOK).JSON(&mine)
	if len(mine.Items) != 1 {
		t.Fatalf("meetings: %+v", mine.Items)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/meetings/%d", m.ID), e.Token("bank@demo.local"), nil), http.StatusNotFound)

	// A roadshow: Yunshan presents, the angel fund is interested.
	tomorrow := e.App.DB.Now().Add(36 * time.Hour).Format(time.DateOnly)
	xuhuiComm := orgID(t, e, "上海市徐汇区科学技术委员会")
	if f := field(t, e.Do("POST", "/api/v1/finance/roadshows", xuhui, map[string]any{"owner_org_id": xuhuiComm, "name_zh": "路演", "held_on": "2020-01-01"}), http.StatusUnprocessableEntity); f != "held_on" {
		t.Errorf("past roadshow: %q", f)
	}
	must(t, e.Do("POST", "/api/v1/finance/roadshows", ent, map[string]any{"owner_org_id": xuhuiComm, "name_zh": "路演", "held_on": tomorrow}), http.StatusForbidden)
	var rs finance.Roadshow
	must(t, e.Do("POST", "/api/v1/finance/roadshows", xuhui, map[string]any{"owner_org_id": xuhuiComm, "name_zh": "徐汇天使路演日", "held_on": tomorrow, "district": "xuhui"}), http.StatusCreated).JSON(&rs)
	if f := field(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/roadshows/%d/presenters", rs.ID), ent, map[string]any{"org_id": yunshan, "ask_yuan": 0}), http.StatusUnprocessableEntity); f != "ask_yuan" {
		t.Errorf("ask: %q", f)
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/roadshows/%d/presenters", rs.ID), ent, map[string]any{"org_id": yunshan, "ask_yuan": 3_000_000, "pitch": "工业数据平台"}), http.StatusCreated)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/roadshows/%d/presenters", rs.ID), ent, map[string]any{"org_id": yunshan, "ask_yuan": 3_000_000}), http.StatusConflict)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/roadshows/%d/interests", rs.ID), ent, map[string]any{"org_id": yunshan, "investor_id": angel.ID}), http.StatusForbidden)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/roadshows/%d/interests", rs.ID), inv, map[string]any{"org_id": yunshan, "investor_id": angel.ID}), http.StatusCreated)
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/roadshows/%d", rs.ID), "", nil), http.StatusOK).JSON(&rs)
	if len(rs.Presenters) != 1 || rs.Presenters[0].Interested != 1 || rs.Presenters[0].Investors != nil || rs.Presenters[0].AskFen != 300_000_000 {
		t.Fatalf("public roadshow: %+v", rs.Presenters)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/roadshows/%d", rs.ID), ent, nil), http.StatusOK).JSON(&rs)
	if len(rs.Presenters[0].Investors) != 1 || rs.Presenters[0].Investors[0] != angel.NameZh {
		t.Fatalf("the presenter's view: %+v", rs.Presenters)
	}

	// Once the meeting's time has come it counts as held.
	now := e.App.DB.Now
	e.App.DB.Now = func() time.Time { return now().Add(5 * 24 * time.Hour) }
	var rep finance.Report
	must(t, e.Do("GET", "/api/v1/finance/report", "", nil), http.StatusOK).JSON(&rep)
	e.App.DB.Now = now
	if rep.MeetingsHeld != 1 || rep.MeetingsRequested != 1 || len(rep.Investors) != 1 || rep.Investors[0].Kind != "angel" || rep.Investors[0].Investors != 2 {
		t.Fatalf("report: held %d of %d, %+v", rep.MeetingsHeld, rep.MeetingsRequested, rep.Investors)
	}

	// The pages of both sides.
	b := e.Browser()
	b.Login("enterprise@demo.local")
	if pg := b.Get("/finance/investors"); pg.Status != http.StatusOK || !strings.Contains(string(pg.Body), angel.NameZh) || strings.Contains(string(pg.Body), "finance.") {
		t.Fatalf("/finance/investors: %d", pg.Status)
	}
	if pg := b.Get("/finance/meetings"); pg.Status != http.StatusOK || !strings.Contains(string(pg.Body), angel.NameZh) || strings.Contains(string(pg.Body), "finance.") {
		t.Fatalf("/finance/meetings: %d", pg.Status)
	}
	if pg := b.Post("/finance/meetings", url.Values{"investor_id": {fmt.Sprint(late.ID)}, "org_id": {fmt.Sprint(yunshan)},
		"times": {soon.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")}}); pg.Status != http.StatusSeeOther {
		t.Fatalf("ask from the page: %d %s", pg.Status, pg.Body)
	}
	ib := e.Browser()
	ib.Login("investor@demo.local")
	if pg := ib.Get(fmt.Sprintf("/finance/investors/%d", angel.ID)); pg.Status != http.StatusOK || !strings.Contains(string(pg.Body), "上海云杉软件科技有限公司") || strings.Contains(string(pg.Body), "finance.") {
		t.Fatalf("investor page: %d", pg.Status)
	}
	if pg := ib.Get(fmt.Sprintf("/finance/roadshows/%d", rs.ID)); pg.Status != http.StatusOK || strings.Contains(string(pg.Body), "finance.") {
		t.Fatalf("roadshow page: %d", pg.Status)
	}
}

func TestCommitments(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	admin, inv := e.Token("admin@demo.local"), e.Token("investor@demo.local")
	stvc := orgID(t, e, "上海科技创业投资（集团）有限公司")
	fund := func(size int64) finance.Investor {
		var x finance.Investor
		must(t, e.Do("POST", "/api/v1/finance/investors", admin, map[string]any{"org_id": stvc, "kind": "guiding", "name_zh": "上海市科技创业投资引导基金",
			"stages": []string{"angel", "a", "b_plus"}, "min_ticket_yuan": 10_000_000, "max_ticket_yuan": 300_000_000, "size_yuan": size}), http.StatusCreated).JSON(&x)
		return x
	}
	g := fund(750_000_000)
	var angel finance.Investor
	must(t, e.Do("POST", "/api/v1/finance/investors", inv, angelBody(orgID(t, e, "上海徐汇天使投资引导基金"))), http.StatusCreated).JSON(&angel)
	path := fmt.Sprintf("/api/v1/finance/investors/%d/commitments", g.ID)
	for name, tc := range map[string]struct {
		body  map[string]any
		field string
	}{
		"negative":  {map[string]any{"sub_fund_zh": "子基金", "amount_yuan": -1, "share_pct": 20}, "amount_yuan"},
		"share":     {map[string]any{"sub_fund_zh": "子基金", "amount_yuan": 1, "share_pct": 120}, "share_pct"},
		"future":    {map[string]any{"sub_fund_zh": "子基金", "amount_yuan": 1, "share_pct": 20, "committed_on": "2099-01-01"}, "committed_on"},
		"no name":   {map[string]any{"amount_yuan": 1, "share_pct": 20}, "sub_fund_zh"},
		"no sub":    {map[string]any{"sub_investor_id": 999999, "amount_yuan": 1, "share_pct": 20}, "sub_investor_id"},
		"to itself": {map[string]any{"sub_investor_id": g.ID, "amount_yuan": 1, "share_pct": 20}, "sub_investor_id"},
	} {
		if f := field(t, e.Do("POST", path, admin, tc.body), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: field %q", name, f)
		}
	}
	must(t, e.Do("POST", path, inv, map[string]any{"sub_fund_zh": "子基金", "amount_yuan": 1, "share_pct": 20}), http.StatusForbidden)
	if f := field(t, e.Do("POST", fmt.Sprintf("/api/v1/finance/investors/%d/commitments", angel.ID), inv, map[string]any{"sub_fund_zh": "子基金", "amount_yuan": 1, "share_pct": 20}), http.StatusUnprocessableEntity); f != "fund_id" {
		t.Errorf("an angel fund commits: %q", f)
	}
	var c finance.Commitment
	must(t, e.Do("POST", path, admin, map[string]any{"sub_investor_id": angel.ID, "amount_yuan": 300_000_000, "share_pct": 30, "committed_on": "2024-06-30"}), http.StatusCreated).JSON(&c)
	if c.SubFundZh != angel.NameZh || c.ShareBP != 3000 || c.RemainingFen != 30_000_000_000 {
		t.Fatalf("commitment: %+v", c)
	}
	r := e.Do("POST", path, admin, map[string]any{"sub_fund_zh": "张江科创子基金", "amount_yuan": 500_000_000, "share_pct": 25})
	if field(t, r, http.StatusConflict) != "fund_id" || !strings.Contains(string(r.Body), g.NameZh) {
		t.Fatalf("over the size: %s", r.Body)
	}
	if f := field(t, e.Do("PUT", fmt.Sprintf("/api/v1/finance/investors/%d", g.ID), admin, map[string]any{"org_id": stvc, "kind": "guiding", "name_zh": g.NameZh,
		"stages": []string{"a"}, "min_ticket_yuan": 1, "max_ticket_yuan": 2, "size_yuan": 200_000_000}), http.StatusConflict); f != "size_yuan" {
		t.Errorf("shrink below committed: %q", f)
	}
	callPath := fmt.Sprintf("/api/v1/finance/commitments/%d/calls", c.ID)
	must(t, e.Do("POST", callPath, admin, map[string]any{"amount_yuan": 100_000_000, "called_on": "2024-07-15"}), http.StatusOK).JSON(&c)
	if c.CalledFen != 10_000_000_000 || c.RemainingFen != 20_000_000_000 {
		t.Fatalf("after a call: %+v", c)
	}
	if f := field(t, e.Do("POST", callPath, admin, map[string]any{"amount_yuan": 250_000_000}), http.StatusConflict); f != "amount_yuan" {
		t.Errorf("call over the commitment: %q", f)
	}
	if f := field(t, e.Do("POST", callPath, admin, map[string]any{"amount_yuan": 1, "called_on": "2024-01-01"}), http.StatusUnprocessableEntity); f != "called_on" {
		t.Errorf("call before the commitment: %q", f)
	}
	var cs finance.Commitments
	must(t, e.Do("GET", path, "", nil), http.StatusOK).JSON(&cs)
	if cs.SizeFen != 75_000_000_000 || cs.CommittedFen != 30_000_000_000 || cs.CalledFen != 10_000_000_000 || cs.UncommittedFen != 45_000_000_000 || len(cs.Items) != 1 {
		t.Fatalf("commitments: %+v", cs)
	}

	// Forty commitments of 30 million at once to a fund of 300 million:
	// exactly ten fit, the others are 409 naming the fund.
	small := fund(300_000_000)
	var wg sync.WaitGroup
	codes := make([]int, 40)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.Do("POST", fmt.Sprintf("/api/v1/finance/investors/%d/commitments", small.ID), admin,
				map[string]any{"sub_fund_zh": fmt.Sprintf("子基金%d", i), "amount_yuan": 30_000_000, "share_pct": 10}).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, code := range codes {
		switch code {
		case http.StatusCreated:
			ok++
		case http.StatusConflict:
		default:
			t.Fatalf("concurrent commitments: %v", codes)
		}
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/investors/%d/commitments", small.ID), "", nil), http.StatusOK).JSON(&cs)
	if ok != 10 || cs.CommittedFen != 30_000_000_000 || cs.UncommittedFen != 0 || len(cs.Items) != 10 {
		t.Fatalf("concurrent commitments: %d created, %+v", ok, cs)
	}
	if rep, err := ledger.New(e.App.DB).Verify(ctx, e.App.DB.Read); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ledger: %+v %v", rep, err)
	}
	var rep finance.Report
	must(t, e.Do("GET", "/api/v1/finance/report", "", nil), http.StatusOK).JSON(&rep)
	if len(rep.Commitments) != 2 || rep.Commitments[0].CommittedFen != 30_000_000_000 || rep.Commitments[0].CalledFen != 10_000_000_000 || rep.Commitments[1].Commitments != 10 {
		t.Fatalf("report: %+v", rep.Commitments)
	}
	b := e.Browser()
	b.Login("admin@demo.local")
	if pg := b.Get(fmt.Sprintf("/finance/investors/%d", g.ID)); pg.Status != http.StatusOK || !strings.Contains(string(pg.Body), angel.NameZh) || strings.Contains(string(pg.Body), "finance.") {
		t.Fatalf("fund page: %d", pg.Status)
	}
	if pg := b.Get("/finance"); pg.Status != http.StatusOK || !strings.Contains(string(pg.Body), g.NameZh) || strings.Contains(string(pg.Body), "finance.") {
		t.Fatalf("/finance: %d", pg.Status)
	}
}

func TestScore(t *testing.T) {
	names := finance.Names{"jingan": {"静安区", "Jing'an"}}
	inv := finance.Investor{Stages: []string{"seed", "angel"}, Fields: []string{"biomedicine"}, Districts: []string{"xuhui"}, MinTicketFen: 100_000_000, MaxTicketFen: 500_000_000}
	for _, tc := range []struct {
		name    string
		pr      finance.Profile
		score   int
		someZh  string
		someEn  string
		ofParts [4]int
	}{
		{"all fit but the district", finance.Profile{Stage: "angel", Fields: []string{"biomedicine"}, AskFen: 300_000_000, District: "jingan"}, 90, "生物与新医药", "Jing'an is outside", [4]int{40, 30, 20, 0}},
		{"near the range", finance.Profile{Stage: "a", Fields: []string{"aerospace"}, AskFen: 60_000_000, District: "xuhui"}, 20, "A 轮", "Series A", [4]int{0, 0, 10, 10}},
		{"far", finance.Profile{Stage: "b_plus", AskFen: 2_000_000_000, District: "pudong"}, 0, "不在投资方的区域内", "outside the ticket range", [4]int{0, 0, 0, 0}},
	} {
		score, rs := finance.Score(&inv, &tc.pr, names)
		zh, en := "", ""
		for i, r := range rs {
			zh, en = zh+r.Zh+"；", en+r.En+"; "
			if r.Points != tc.ofParts[i] {
				t.Errorf("%s: %s %d points, want %d", tc.name, r.Code, r.Points, tc.ofParts[i])
			}
		}
		if score != tc.score || len(rs) != 4 || !strings.Contains(zh, tc.someZh) || !strings.Contains(en, tc.someEn) {
			t.Errorf("%s: %d %q %q", tc.name, score, zh, en)
		}
	}
	any := finance.Investor{Stages: []string{"a"}, MinTicketFen: 1, MaxTicketFen: 1 << 40}
	if score, _ := finance.Score(&any, &finance.Profile{Stage: "a", AskFen: 100, District: "jingan"}, nil); score != 20+30+20+5 {
		t.Errorf("an investor of any field and district: %d", score)
	}
}
