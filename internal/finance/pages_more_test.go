package finance_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/finance"
)

// post submits a form and wants a redirect (303) or the given status.
func post(t *testing.T, b *apptest.Browser, path string, form url.Values) apptest.Response {
	t.Helper()
	r := b.Post(path, form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
	}
	return r
}

// TestInvestorPages drives the investor features through the pages'
// forms: a fund registered, a commitment and a call, the enterprise's
// consent, a meeting asked and accepted, a roadshow with a presenter and
// an investor's interest, a subsidy scheme and a claim.
func TestInvestorPages(t *testing.T) {
	e := apptest.New(t)
	cst := time.FixedZone("CST", 8*3600)
	stvc, yunshan := orgID(t, e, "上海科技创业投资（集团）有限公司"), orgID(t, e, "上海云杉软件科技有限公司")
	admin := e.Browser()
	admin.Login("admin@demo.local")
	r := post(t, admin, "/finance/investors", url.Values{"org_id": {fmt.Sprint(stvc)}, "kind": {"guiding"}, "name_zh": {"市引导基金"}, "stages": {"a", "b_plus"},
		"fields": {"electronic_information"}, "districts": {"jingan, xuhui"}, "min_ticket_yuan": {"1000000"}, "max_ticket_yuan": {"50000000"}, "size_yuan": {"750000000"}})
	fundPath := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	var fund finance.Investor
	must(t, e.Do("GET", "/api/v1"+fundPath, "", nil), http.StatusOK).JSON(&fund)
	if fund.Kind != "guiding" || fund.SizeFen != 75_000_000_000 || len(fund.Districts) != 2 || len(fund.Stages) != 2 {
		t.Fatalf("fund from the form: %+v", fund)
	}
	if r := admin.Post("/finance/investors", url.Values{"org_id": {fmt.Sprint(stvc)}, "kind": {"angel"}, "name_zh": {"x"}, "stages": {"seed"},
		"min_ticket_yuan": {"9"}, "max_ticket_yuan": {"3"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "max_ticket_yuan") {
		t.Fatalf("min over max on the form: %d", r.Status)
	}
	post(t, admin, fundPath+"/commitments", url.Values{"sub_fund_zh": {"张江子基金"}, "amount_yuan": {"300000000"}, "share_pct": {"20"}, "committed_on": {"2024-05-01"}})
	var cs finance.Commitments
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/finance/investors/%d/commitments", fund.ID), "", nil), http.StatusOK).JSON(&cs)
	if len(cs.Items) != 1 || cs.Items[0].ShareBP != 2000 {
		t.Fatalf("commitment from the form: %+v", cs)
	}
	post(t, admin, fmt.Sprintf("/finance/commitments/%d/calls", cs.Items[0].ID), url.Values{"amount_yuan": {"50000000"}})
	if r := admin.Post(fmt.Sprintf("/finance/commitments/%d/calls", cs.Items[0].ID), url.Values{"amount_yuan": {"900000000"}}); r.Status != http.StatusConflict {
		t.Fatalf("call over the commitment on the form: %d", r.Status)
	}

	ent := e.Browser()
	ent.Login("enterprise@demo.local")
	post(t, ent, fmt.Sprintf("/finance/profiles/%d", yunshan), url.Values{"stage": {"a"}, "ask_yuan": {"20000000"}, "fields": {"electronic_information"}, "pitch_zh": {"工业数据平台"}})
	if pg := string(ent.Get("/finance/investors").Body); !strings.Contains(pg, "市引导基金") || !strings.Contains(pg, "领域相符：电子信息") {
		t.Fatalf("the enterprise's ranked investors: %s", pg)
	}
	when := e.App.DB.Now().In(cst).Add(72 * time.Hour).Truncate(time.Hour)
	post(t, ent, "/finance/meetings", url.Values{"investor_id": {fmt.Sprint(fund.ID)}, "org_id": {fmt.Sprint(yunshan)}, "from": {"enterprise"},
		"times": {when.Format("2006-01-02T15:04"), ""}, "message": {"想介绍我们的平台"}})
	var ms struct{ Items []finance.Meeting }
	must(t, e.Do("GET", "/api/v1/finance/meetings", e.Token("enterprise@demo.local"), nil), http.StatusOK).JSON(&ms)
	if len(ms.Items) != 1 || len(ms.Items[0].Times) != 1 || ms.Items[0].Times[0] != when.UTC().Format(time.RFC3339) {
		t.Fatalf("meeting from the form: %+v", ms.Items)
	}
	if pg := string(admin.Get("/finance/meetings").Body); !strings.Contains(pg, `value="accept"`) {
		t.Fatal("no accept form for the side asked")
	}
	post(t, admin, fmt.Sprintf("/finance/meetings/%d/act", ms.Items[0].ID), url.Values{"action": {"accept"}, "time": {ms.Items[0].Times[0]}})
	if pg := string(ent.Get("/finance/meetings").Body); !strings.Contains(pg, "已接受") {
		t.Fatalf("accepted meeting on the enterprise's page: %s", pg)
	}
	if pg := string(admin.Get(fundPath).Body); !strings.Contains(pg, "上海云杉软件科技有限公司") || strings.Contains(pg, "finance.") {
		t.Fatal("the fund's ranked enterprises")
	}

	xuhui := e.Browser()
	xuhui.Login("officer.xuhui@demo.local")
	r = post(t, xuhui, "/finance/roadshows", url.Values{"owner_org_id": {fmt.Sprint(orgID(t, e, "上海市徐汇区科学技术委员会"))}, "name_zh": {"路演日"},
		"held_on": {e.App.DB.Now().In(cst).AddDate(0, 0, 10).Format(time.DateOnly)}})
	rsPath := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	post(t, ent, rsPath+"/presenters", url.Values{"org_id": {fmt.Sprint(yunshan)}, "ask_yuan": {"20000000"}, "pitch": {"数据平台"}})
	post(t, admin, rsPath+"/interests", url.Values{"org_id": {fmt.Sprint(yunshan)}, "investor_id": {fmt.Sprint(fund.ID)}})
	if pg := string(ent.Get(rsPath).Body); !strings.Contains(pg, "市引导基金") || strings.Contains(pg, "finance.") {
		t.Fatalf("roadshow page: %s", pg)
	}
	post(t, ent, fmt.Sprintf("/finance/profiles/%d/withdraw", yunshan), nil)
	if pg := string(admin.Get(fundPath).Body); strings.Contains(pg, "上海云杉软件科技有限公司</strong>") {
		t.Fatal("a withdrawn enterprise still ranked")
	}

	// A scheme from the officers' form; the quarter-end run from its button.
	ja := e.Browser()
	ja.Login("officer.jingan@demo.local")
	var prods struct{ Items []finance.Product }
	must(t, e.Do("GET", "/api/v1/loan-products", "", nil), http.StatusOK).JSON(&prods)
	form := url.Values{"program": {"jingan-ip-pledge-interest"}, "name_zh": {"贴息"}, "share_pct": {"50"}, "cap_yuan": {"100000"}, "from_quarter": {"2025Q1"}}
	if len(prods.Items) > 0 {
		form["product_ids"] = []string{fmt.Sprint(prods.Items[0].ID)}
	} else {
		form["product_ids"] = []string{fmt.Sprint(id(must(t, e.Do("POST", "/api/v1/loan-products", e.Token("admin@demo.local"), map[string]any{
			"bank_org_id": orgID(t, e, "上海银行股份有限公司静安支行"), "name_zh": "贷", "min_yuan": 1000, "max_yuan": 100000, "min_months": 6, "max_months": 12, "rate_pct": 4}), http.StatusCreated)))}
	}
	post(t, ja, "/finance/subsidy-schemes", form)
	var schemes struct{ Items []finance.Scheme }
	must(t, e.Do("GET", "/api/v1/finance/subsidy-schemes", "", nil), http.StatusOK).JSON(&schemes)
	if len(schemes.Items) != 1 || schemes.Items[0].ShareBP != 5000 || schemes.Items[0].CapFen != 10_000_000 {
		t.Fatalf("scheme from the form: %+v", schemes.Items)
	}
	post(t, ja, fmt.Sprintf("/finance/subsidy-schemes/%d/quarter-end", schemes.Items[0].ID), url.Values{"quarter": {"2025Q4"}})
	if r := ent.Post("/finance/subsidy-claims", url.Values{"loan_id": {"999999"}, "quarter": {"2025Q4"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("claim of no loan on the form: %d", r.Status)
	}
}
