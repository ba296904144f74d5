package ip_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/ip"
	"rainforest/internal/ip/ipnum"
	"rainforest/internal/kernel/ledger"
)

var serial atomic.Int64

func number(typ byte) string {
	d := fmt.Sprintf("2023%c%07d", typ, 5000000+serial.Add(1))
	return d + "." + string(ipnum.PatentCheck(d))
}

func orgID(t *testing.T, e *apptest.Env, zh string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&id); err != nil {
		t.Fatal(zh, err)
	}
	return id
}

func created(t *testing.T, r apptest.Response) int64 {
	t.Helper()
	if r.Status != http.StatusCreated {
		t.Fatalf("want 201, got %d %s", r.Status, r.Body)
	}
	return int64(r.Map()["id"].(float64))
}

func must(t *testing.T, r apptest.Response, status int) apptest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want %d, got %d %s", status, r.Status, r.Body)
	}
	return r
}

func problemField(t *testing.T, r apptest.Response) string {
	t.Helper()
	if r.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want a 422 problem, got %d %s", r.Status, r.Body)
	}
	f, _ := r.Map()["field"].(string)
	return f
}

const claims = "1. 一种基于量子点的柔性芯片封装方法，其特征在于……"

func TestPatentNumbersRefused(t *testing.T) {
	e := apptest.New(t)
	admin := e.Token("admin@demo.local")
	fudan := orgID(t, e, "复旦大学")
	good := number('1')
	base := func(n string) map[string]any {
		return map[string]any{"owner_org_id": fudan, "kind": "patent", "number": n, "title_zh": "测试", "title_en": "Test",
			"inventors": []map[string]any{{"name_zh": "甲", "share_pct": 100}}}
	}
	wrongCheck := good[:len(good)-1] + map[bool]string{true: "0", false: "1"}[good[len(good)-1] != '0']
	for name, n := range map[string]string{
		"wrong check digit": wrongCheck,
		"wrong type digit":  "20234" + good[5:12] + "." + string(ipnum.PatentCheck("20234"+good[5:12])),
		"wrong length":      good[:11] + good[12:],
		"letters":           "2023A0000001.1",
	} {
		if f := problemField(t, e.Do("POST", "/api/v1/ip/assets", admin, base(n))); f != "number" {
			t.Errorf("%s (%s): field %q", name, n, f)
		}
	}
	// The type digit against a declared subtype.
	b := base(good)
	b["subtype"] = "design"
	if f := problemField(t, e.Do("POST", "/api/v1/ip/assets", admin, b)); f != "number" {
		t.Errorf("subtype mismatch: field %q", f)
	}
	// Contributions must sum to 100.
	b = base(good)
	b["inventors"] = []map[string]any{{"name_zh": "甲", "share_pct": 60}, {"name_zh": "乙", "share_pct": 30}}
	if f := problemField(t, e.Do("POST", "/api/v1/ip/assets", admin, b)); f != "inventors" {
		t.Errorf("shares: field %q", f)
	}
	// Trademark class.
	if f := problemField(t, e.Do("POST", "/api/v1/ip/assets", admin, map[string]any{"owner_org_id": fudan, "kind": "trademark", "number": "12345678",
		"nice_class": 46, "title_zh": "商标", "title_en": "Mark"})); f != "nice_class" {
		t.Errorf("nice class: field %q", f)
	}
	var n int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM ip_assets WHERE number LIKE '2023%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused assets were stored: %d %v", n, err)
	}
	// The good one is stored in its canonical form, once.
	in := base("CN" + good)
	a := must(t, e.Do("POST", "/api/v1/ip/assets", admin, in), http.StatusCreated).Map()
	if a["number"] != good || a["subtype"] != "invention" {
		t.Fatalf("stored %v %v", a["number"], a["subtype"])
	}
	must(t, e.Do("POST", "/api/v1/ip/assets", admin, base(good)), http.StatusConflict)
}

// fixture: a Fudan patent with three inventors, listed for transfer.
func listing(t *testing.T, e *apptest.Env, title, abstract string, yuan int64) (assetID, listingID int64) {
	t.Helper()
	admin := e.Token("admin@demo.local")
	fudan := orgID(t, e, "复旦大学")
	assetID = created(t, e.Do("POST", "/api/v1/ip/assets", admin, map[string]any{
		"owner_org_id": fudan, "kind": "patent", "number": number('1'), "status": "granted", "field": "electronic_information",
		"title_zh": title, "title_en": "Flexible chip packaging", "abstract_zh": abstract, "abstract_en": "A packaging method for flexible chips using quantum dots.",
		"claims": claims, "know_how": "烧结温度曲线见附件", "documents": []map[string]string{{"name": "实验记录.pdf", "ref": "vault:42"}},
		"inventors": []map[string]any{{"name_zh": "王一", "name_en": "Wang Yi", "share_pct": 33.34}, {"name_zh": "李二", "share_pct": 33.33}, {"name_zh": "张三", "share_pct": 33.33}},
	}))
	body := map[string]any{"asset_id": assetID, "kind": "transfer", "price_yuan": yuan, "summary_zh": "可整体转让"}
	listingID = created(t, e.Do("POST", "/api/v1/ip/listings", admin, body))
	return
}

func TestDealFlowAndInventorShares(t *testing.T) {
	e := apptest.New(t)
	admin := e.Token("admin@demo.local")
	buyer, seller, other := e.Token("enterprise@demo.local"), e.Token("university@demo.local"), e.Token("bank@demo.local")
	fudan, yunshan := orgID(t, e, "复旦大学"), orgID(t, e, "上海云杉软件科技有限公司")
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/ip/owners/%d/inventor-share", fudan), admin, map[string]any{"inventor_share_pct": 71}), http.StatusUnprocessableEntity)
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/ip/owners/%d/inventor-share", fudan), admin, map[string]any{"inventor_share_pct": 70}), http.StatusOK)
	_, lid := listing(t, e, "柔性芯片封装方法", "利用量子点的柔性芯片封装", 1_000_000)

	// Before admission: neither the buyer nor another enterprise sees the
	// confidential details, through any door.
	secretFree := func(who, token string) {
		t.Helper()
		r := e.Do("GET", fmt.Sprintf("/api/v1/ip/listings/%d", lid), token, nil)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), "量子点的柔性芯片封装方法") || strings.Contains(string(r.Body), "vault:42") {
			t.Fatalf("%s sees the claims: %d %s", who, r.Status, r.Body)
		}
		must(t, e.Do("GET", fmt.Sprintf("/api/v1/ip/listings/%d/confidential", lid), token, nil), http.StatusForbidden)
		for _, path := range []string{"/api/v1/ip/listings?q=" + url.QueryEscape("柔性芯片"), "/api/v1/ip/listings?q=vault"} {
			if r := e.Do("GET", path, token, nil); strings.Contains(string(r.Body), "烧结") || strings.Contains(string(r.Body), "vault:42") {
				t.Fatalf("%s: catalog leaks: %s", who, r.Body)
			}
		}
	}
	secretFree("buyer", buyer)
	secretFree("other", other)

	did := created(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/listings/%d/interest", lid), buyer, map[string]any{"buyer_org_id": yunshan, "message": "希望了解权利要求"}))
	// An offer before admission is refused; so is a second open deal.
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/messages", did), buyer, map[string]any{"amount_yuan": 800000}), http.StatusConflict)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/listings/%d/interest", lid), buyer, map[string]any{"buyer_org_id": yunshan}), http.StatusConflict)
	secretFree("buyer before admission", buyer)
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/ip/deals/%d", did), other, nil), http.StatusNotFound)

	// The seller's members are told of the interest, the buyer's of the
	// admission.
	hasNotice := func(token, kind string) bool {
		var ns struct{ Items []struct{ Kind, Link string } }
		must(t, e.Do("GET", "/api/v1/notices", token, nil), http.StatusOK).JSON(&ns)
		for _, n := range ns.Items {
			if n.Kind == kind && n.Link == fmt.Sprintf("/ip/deals/%d", did) {
				return true
			}
		}
		return false
	}
	if !hasNotice(seller, "ip.deal.interest") || hasNotice(other, "ip.deal.interest") {
		t.Fatal("interest notice")
	}
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/admit", did), seller, nil), http.StatusOK)
	if !hasNotice(buyer, "ip.deal.admit") {
		t.Fatal("admission notice")
	}
	conf := must(t, e.Do("GET", fmt.Sprintf("/api/v1/ip/listings/%d/confidential", lid), buyer, nil), http.StatusOK)
	if !strings.Contains(string(conf.Body), "量子点") || !strings.Contains(string(conf.Body), "vault:42") {
		t.Fatalf("admitted buyer: %s", conf.Body)
	}
	secretFree("other after admission", other)

	// Offers and counter-offers; nobody accepts their own.
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/messages", did), buyer, map[string]any{"amount_yuan": 800000, "body": "报价"}), http.StatusCreated)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/accept", did), buyer, nil), http.StatusConflict)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/messages", did), seller, map[string]any{"amount_yuan": 900001, "body": "还价"}), http.StatusCreated)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/accept", did), seller, nil), http.StatusConflict)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/accept", did), buyer, nil), http.StatusOK)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/close", did), buyer, nil), http.StatusForbidden)
	r := must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/close", did), seller, nil), http.StatusOK)
	var d ip.Deal
	r.JSON(&d)
	const price = 900001 * 100
	share := int64(price) * 7000 / 10000 // 63,000,070 fen: exact here
	if d.State != ip.Closed || d.PriceFen == nil || *d.PriceFen != price || d.InventorShareFen != share || d.JournalID == nil || len(d.Payouts) != 3 {
		t.Fatalf("closed deal: %+v", d)
	}
	var sum int64
	for _, p := range d.Payouts {
		sum += p.AmountFen
	}
	// 63,000,070 × (3334, 3333, 3333) / 10000 = 21,004,223.338 / 20,997,923.331 ×2:
	// floors 21004223 + 20997923 × 2 = 63000069, the fen left goes to the
	// largest remainder (the first).
	if sum != share || d.Payouts[0].AmountFen != 21004224 || d.Payouts[1].AmountFen != 20997923 || d.Payouts[2].AmountFen != 20997923 {
		t.Fatalf("payouts %+v sum %d", d.Payouts, sum)
	}
	lg := ledger.New(e.App.DB)
	j, err := lg.Journal(context.Background(), e.App.DB.Read, *d.JournalID)
	if err != nil || len(j.Postings) != 5 {
		t.Fatalf("journal %+v %v", j, err)
	}
	rep, err := lg.Verify(context.Background(), e.App.DB.Read)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ledger: %v %+v", err, rep)
	}
	// Closing again changes nothing.
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/close", did), seller, nil), http.StatusConflict)
	var journals int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM ledger_journals WHERE idempotency_key = $1`, fmt.Sprintf("ip:deal:%d:close", did)).Scan(&journals); err != nil || journals != 1 {
		t.Fatalf("journals %d %v", journals, err)
	}
	// The transferred listing leaves the catalog.
	var cat ip.CatalogResult
	e.Do("GET", "/api/v1/ip/listings?q="+url.QueryEscape("柔性芯片"), "", nil).JSON(&cat)
	for _, it := range cat.Items {
		if it.ID == lid {
			t.Fatal("closed listing still in the catalog")
		}
	}
	// Statistics count it.
	var st ip.Stats
	must(t, e.Do("GET", "/api/v1/ip/stats", "", nil), http.StatusOK).JSON(&st)
	if st.Deals < 1 || st.ValueFen < price {
		t.Fatalf("stats %+v", st)
	}
}

func TestEnterpriseSellerHasNoInventorShare(t *testing.T) {
	e := apptest.New(t)
	buyer, seller := e.Token("university@demo.local"), e.Token("enterprise@demo.local")
	yunshan, fudan := orgID(t, e, "上海云杉软件科技有限公司"), orgID(t, e, "复旦大学")
	aid := created(t, e.Do("POST", "/api/v1/ip/assets", seller, map[string]any{"owner_org_id": yunshan, "kind": "copyright", "subtype": "software",
		"number": "2021SR0123456", "title_zh": "云杉调度软件", "title_en": "Yunshan scheduler", "inventors": []map[string]any{{"name_zh": "陈静", "share_pct": 100}}}))
	lid := created(t, e.Do("POST", "/api/v1/ip/listings", seller, map[string]any{"asset_id": aid, "kind": "non_exclusive_licence", "negotiable": true}))
	did := created(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/listings/%d/interest", lid), buyer, map[string]any{"buyer_org_id": fudan}))
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/admit", did), seller, nil), http.StatusOK)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/messages", did), seller, map[string]any{"amount_yuan": 5000}), http.StatusCreated)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/accept", did), buyer, nil), http.StatusOK)
	var d ip.Deal
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/close", did), seller, nil), http.StatusOK).JSON(&d)
	if d.InventorShareFen != 0 || len(d.Payouts) != 0 || *d.PriceFen != 500000 {
		t.Fatalf("enterprise deal %+v", d)
	}
	// A non-exclusive licence stays listed.
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/ip/listings/%d", lid), "", nil), http.StatusOK)
}

func TestCatalogSearchFacetsExpiry(t *testing.T) {
	e := apptest.New(t)
	admin := e.Token("admin@demo.local")
	_, a := listing(t, e, "高密度芯片散热结构", "一种芯片散热装置", 50_000)
	_, b := listing(t, e, "锂电池隔膜材料", "transferring battery separator technology", 2_000_000)
	search := func(q string) ip.CatalogResult {
		t.Helper()
		var res ip.CatalogResult
		must(t, e.Do("GET", "/api/v1/ip/listings?"+q, "", nil), http.StatusOK).JSON(&res)
		return res
	}
	has := func(res ip.CatalogResult, id int64) bool {
		for _, it := range res.Items {
			if it.ID == id {
				if it.Asset == nil || it.Asset.Confidential != nil {
					t.Fatalf("catalog item asset: %+v", it.Asset)
				}
				return true
			}
		}
		return false
	}
	if res := search("q=" + url.QueryEscape("芯片")); !has(res, a) || has(res, b) {
		t.Fatalf("芯片: %+v", res)
	}
	if res := search("q=transfers"); !has(res, b) || has(res, a) {
		t.Fatalf("stemmed English: %+v", res)
	}
	if res := search("price_band=lt_100k"); !has(res, a) || has(res, b) {
		t.Fatalf("price band: %+v", res)
	}
	res := search("type=patent&kind=transfer")
	if !has(res, a) || !has(res, b) || len(res.Facets["price_band"]) < 2 {
		t.Fatalf("facets: %+v", res.Facets)
	}
	if r := e.Do("GET", "/api/v1/ip/listings?kind=sale", "", nil); problemField(t, r) != "kind" {
		t.Fatal("bad kind")
	}
	must(t, e.Do("GET", "/api/v1/ip/listings?q="+strings.Repeat("芯", 2001), "", nil), http.StatusBadRequest)
	must(t, e.Do("GET", "/api/v1/ip/listings?q="+url.QueryEscape(`"芯片" OR 1=1; -- 🚀 (`), "", nil), http.StatusOK)

	// Withdrawn and expired listings leave the catalog; renewal brings
	// the expired one back.
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/listings/%d/withdraw", b), admin, nil), http.StatusOK)
	if has(search("q=battery"), b) {
		t.Fatal("withdrawn listing in the catalog")
	}
	now := e.App.DB.Now
	e.App.DB.Now = func() time.Time { return now().AddDate(1, 1, 0) }
	defer func() { e.App.DB.Now = now }()
	if has(search("q="+url.QueryEscape("芯片")), a) {
		t.Fatal("expired listing in the catalog")
	}
	var l ip.Listing
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/ip/listings/%d", a), admin, nil), http.StatusOK).JSON(&l)
	if l.Status != "expired" {
		t.Fatalf("status %s", l.Status)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/ip/listings/%d", a), "", nil), http.StatusNotFound)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/listings/%d/renew", a), admin, nil), http.StatusOK).JSON(&l)
	if l.Status != "active" || l.Renewals != 1 {
		t.Fatalf("renewed %+v", l)
	}
	if !has(search("q="+url.QueryEscape("芯片")), a) {
		t.Fatal("renewed listing not in the catalog")
	}
}

func TestPages(t *testing.T) {
	e := apptest.New(t)
	_, lid := listing(t, e, "柔性芯片封装方法", "利用量子点的柔性芯片封装", 1_000_000)
	b := e.Browser()
	for _, lang := range []struct{ code, catalog, title string }{{"zh", "知识产权交易", "柔性芯片封装方法"}, {"en", "IP marketplace", "Flexible chip packaging"}} {
		b.Get("/lang?to=" + lang.code)
		for _, path := range []string{"/ip", "/ip?q=" + url.QueryEscape("芯片"), fmt.Sprintf("/ip/listings/%d", lid), "/ip/stats"} {
			r := b.Get(path)
			body := string(r.Body)
			if r.Status != http.StatusOK || !strings.Contains(body, lang.catalog) {
				t.Fatalf("%s %s: %d", lang.code, path, r.Status)
			}
			if strings.Contains(body, ">ip.") || strings.Contains(body, " ip.") {
				t.Fatalf("%s %s: untranslated key", lang.code, path)
			}
			if path != "/ip/stats" && !strings.Contains(body, lang.title) {
				t.Fatalf("%s %s: no title in the language", lang.code, path)
			}
		}
	}
	b.Get("/lang?to=zh")
	// The public listing page never shows the claims.
	if r := b.Get(fmt.Sprintf("/ip/listings/%d", lid)); strings.Contains(string(r.Body), "量子点的柔性芯片封装方法") {
		t.Fatal("claims on the public page")
	}
	// An enterprise expresses interest from the page and lands in the deal room.
	b.Login("enterprise@demo.local")
	yunshan := orgID(t, e, "上海云杉软件科技有限公司")
	r := b.Post(fmt.Sprintf("/ip/listings/%d/interest", lid), url.Values{"buyer_org_id": {fmt.Sprint(yunshan)}, "message": {"我们有兴趣"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/ip/deals/") {
		t.Fatalf("interest: %d %s", r.Status, r.Header.Get("Location"))
	}
	room := b.Get(strings.SplitN(r.Header.Get("Location"), "?", 2)[0])
	if room.Status != http.StatusOK || !strings.Contains(string(room.Body), "我们有兴趣") {
		t.Fatalf("deal room: %d", room.Status)
	}
	if r := b.Get("/ip/mine"); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "柔性芯片封装方法") {
		t.Fatalf("mine: %d", r.Status)
	}
	dealPath := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	// Another enterprise cannot open the room.
	o := e.Browser()
	o.Login("bank@demo.local")
	if r := o.Get(dealPath); r.Status != http.StatusNotFound {
		t.Fatalf("bank in the deal room: %d", r.Status)
	}
	// The whole negotiation from the pages.
	u := e.Browser()
	u.Login("university@demo.local")
	post := func(br *apptest.Browser, path string, form url.Values) {
		t.Helper()
		if r := br.Post(path, form); r.Status != http.StatusSeeOther {
			t.Fatalf("%s %v: %d %s", path, form, r.Status, r.Body)
		}
	}
	post(u, dealPath+"/act", url.Values{"action": {"admit"}})
	if r := b.Get(fmt.Sprintf("/ip/listings/%d", lid)); !strings.Contains(string(r.Body), "量子点的柔性芯片封装方法") {
		t.Fatal("the admitted buyer does not see the claims on the page")
	}
	if r := o.Get(fmt.Sprintf("/ip/listings/%d", lid)); strings.Contains(string(r.Body), "量子点的柔性芯片封装方法") {
		t.Fatal("another enterprise sees the claims on the page")
	}
	post(b, dealPath+"/messages", url.Values{"amount_yuan": {"700000"}, "body": {"报价"}})
	post(u, dealPath+"/act", url.Values{"action": {"accept"}})
	post(u, dealPath+"/act", url.Values{"action": {"close"}})
	if r := u.Get(dealPath); !strings.Contains(string(r.Body), "¥700,000.00") {
		t.Fatalf("closed deal page: %s", r.Body)
	}
	// Record an asset and list it from the pages.
	fudan := orgID(t, e, "复旦大学")
	post(u, "/ip/assets", url.Values{"owner_org_id": {fmt.Sprint(fudan)}, "kind": {"patent"}, "number": {number('2')}, "title_zh": {"页面登记的专利"},
		"title_en": {"Patent from the page"}, "inventors": {"甲, Jia, 70\n乙, Yi, 30"}})
	var aid int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM ip_assets WHERE title_zh = $1`, "页面登记的专利").Scan(&aid); err != nil {
		t.Fatal(err)
	}
	post(u, "/ip/listings", url.Values{"asset_id": {fmt.Sprint(aid)}, "kind": {"pledge"}, "negotiable": {"1"}})
	if r := u.Get("/ip/mine"); !strings.Contains(string(r.Body), "页面登记的专利") {
		t.Fatal("mine lacks the new asset")
	}
}

func TestAssetPatchLapsesListings(t *testing.T) {
	e := apptest.New(t)
	admin, other := e.Token("admin@demo.local"), e.Token("bank@demo.local")
	aid, lid := listing(t, e, "石墨烯导热膜", "石墨烯导热膜的制备", 300_000)
	must(t, e.Do("PATCH", fmt.Sprintf("/api/v1/ip/assets/%d", aid), other, map[string]any{"status": "lapsed"}), http.StatusForbidden)
	if f := problemField(t, e.Do("PATCH", fmt.Sprintf("/api/v1/ip/assets/%d", aid), admin, map[string]any{"status": "registered"})); f != "status" {
		t.Fatalf("field %q", f)
	}
	must(t, e.Do("PATCH", fmt.Sprintf("/api/v1/ip/assets/%d", aid), admin, map[string]any{"status": "lapsed", "version": 99}), http.StatusConflict)
	var a ip.Asset
	must(t, e.Do("PATCH", fmt.Sprintf("/api/v1/ip/assets/%d", aid), admin, map[string]any{"status": "lapsed", "title_en": "Graphene film"}), http.StatusOK).JSON(&a)
	if a.Status != "lapsed" || a.TitleEn != "Graphene film" || a.Version != 2 {
		t.Fatalf("patched %+v", a)
	}
	var l ip.Listing
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/ip/listings/%d", lid), admin, nil), http.StatusOK).JSON(&l)
	if l.Status != "withdrawn" {
		t.Fatalf("listing of a lapsed patent: %s", l.Status)
	}
	var res ip.CatalogResult
	must(t, e.Do("GET", "/api/v1/ip/listings?q="+url.QueryEscape("石墨烯"), "", nil), http.StatusOK).JSON(&res)
	if res.Total != 0 {
		t.Fatalf("lapsed listing in the catalog: %+v", res)
	}
	must(t, e.Do("POST", "/api/v1/ip/listings", admin, map[string]any{"asset_id": aid, "kind": "pledge", "negotiable": true}), http.StatusUnprocessableEntity)
}

// Both sides racing to close and accept: the workflow's compare-and-set
// lets one close through, posts one journal, and the ledger verifies.
func TestConcurrentClose(t *testing.T) {
	e := apptest.New(t)
	admin := e.Token("admin@demo.local")
	buyer, seller := e.Token("enterprise@demo.local"), e.Token("university@demo.local")
	yunshan := orgID(t, e, "上海云杉软件科技有限公司")
	_, lid := listing(t, e, "并发测试专利", "并发", 10_000)
	did := created(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/listings/%d/interest", lid), buyer, map[string]any{"buyer_org_id": yunshan}))
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/admit", did), seller, nil), http.StatusOK)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/messages", did), seller, map[string]any{"amount_yuan": 9999}), http.StatusCreated)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/accept", did), buyer, nil), http.StatusOK)
	const n = 8
	codes := make(chan int, n)
	for i := range n {
		go func() {
			tok := seller
			if i%2 == 1 {
				tok = admin
			}
			codes <- e.Do("POST", fmt.Sprintf("/api/v1/ip/deals/%d/close", did), tok, nil).Status
		}()
	}
	ok := 0
	for range n {
		switch c := <-codes; c {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
		default:
			t.Errorf("status %d", c)
		}
	}
	var journals, payouts int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM ledger_journals WHERE ref_entity = 'ip_deal' AND ref_id = $1`, fmt.Sprint(did)).Scan(&journals); err != nil {
		t.Fatal(err)
	}
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM ip_deal_payouts WHERE deal_id = $1`, did).Scan(&payouts); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || journals != 1 || payouts != 0 {
		t.Fatalf("%d closes, %d journals, %d payouts (no share set: none)", ok, journals, payouts)
	}
	rep, err := ledger.New(e.App.DB).Verify(context.Background(), e.App.DB.Read)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ledger: %v %+v", err, rep)
	}
}

// An owner that moves district takes its listings along, in the catalog
// too.
func TestOwnerMovesDistrict(t *testing.T) {
	e := apptest.New(t)
	admin := e.Token("admin@demo.local")
	fudan := orgID(t, e, "复旦大学")
	_, lid := listing(t, e, "搬迁测试专利", "搬迁", 10_000)
	var o map[string]any
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d", fudan), admin, nil), http.StatusOK).JSON(&o)
	must(t, e.Do("PATCH", fmt.Sprintf("/api/v1/orgs/%d", fudan), admin, map[string]any{"registered_district": "xuhui", "version": o["version"]}), http.StatusOK)
	var res ip.CatalogResult
	must(t, e.Do("GET", "/api/v1/ip/listings?district=xuhui&q="+url.QueryEscape("搬迁"), "", nil), http.StatusOK).JSON(&res)
	if res.Total != 1 || res.Items[0].ID != lid || res.Items[0].District != "xuhui" {
		t.Fatalf("moved listing: %+v", res)
	}
}
