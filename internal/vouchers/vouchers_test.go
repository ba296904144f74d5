package vouchers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/vouchers"
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

func problemField(t *testing.T, r apptest.Response, status int) string {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want a %d problem, got %d %s", status, r.Status, r.Body)
	}
	f, _ := r.Map()["field"].(string)
	return f
}

// market is a Jing'an voucher program (5,000 yuan, 50% of an order, a
// 10% subsidy, Shanghai and Jiangsu, instruments and testing) with two
// providers, and a voucher of the demo enterprise.
type market struct {
	e                         *apptest.Env
	officer, ent, admin       string
	agency, yunshan           int64
	lab, jiangsuLab, ipOffice int64
	program, voucher          int64
}

func programBody(agency int64) map[string]any {
	return map[string]any{"slug": "jingan-innovation-voucher", "owner_org_id": agency, "name_zh": "静安区科技创新券", "name_en": "Jing'an innovation voucher",
		"face_yuan": 5000, "voucher_share_pct": 50, "subsidy_share_pct": 10, "validity_days": 365, "categories": []string{"instrument", "testing"},
		"regions": []string{"shanghai", "jiangsu"}, "budget_yuan": 12000}
}

func newMarket(t *testing.T) *market {
	t.Helper()
	e := apptest.New(t)
	m := &market{e: e, officer: e.Token("officer.jingan@demo.local"), ent: e.Token("enterprise@demo.local"), admin: e.Token("admin@demo.local"),
		agency: orgID(t, e, "上海市静安区科学技术委员会"), yunshan: orgID(t, e, "上海云杉软件科技有限公司"),
		lab: orgID(t, e, "上海市计量测试技术研究院"), jiangsuLab: orgID(t, e, "上海华测检测技术有限公司"), ipOffice: orgID(t, e, "上海专利商标事务所有限公司")}
	m.program = int64(must(t, e.Do("POST", "/api/v1/voucher-programs", m.officer, programBody(m.agency)), http.StatusCreated).Map()["id"].(float64))
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/voucher-programs/%d/open", m.program), m.officer, nil), http.StatusOK)
	for org, body := range map[int64]map[string]any{
		m.lab:        {"region": "shanghai", "categories": []string{"instrument", "testing"}},
		m.jiangsuLab: {"region": "jiangsu", "categories": []string{"testing"}},
		m.ipOffice:   {"region": "shanghai", "categories": []string{"ip_service"}},
	} {
		must(t, e.Do("PUT", fmt.Sprintf("/api/v1/voucher-providers/%d", org), m.officer, body), http.StatusOK)
	}
	m.voucher = int64(must(t, e.Do("POST", fmt.Sprintf("/api/v1/voucher-programs/%d/apply", m.program), m.ent, map[string]any{}), http.StatusCreated).Map()["id"].(float64))
	return m
}

func (m *market) redeem(t *testing.T, key string, body map[string]any, status int) map[string]any {
	t.Helper()
	h := http.Header{}
	if key != "" {
		h.Set("Idempotency-Key", key)
	}
	return must(t, m.e.DoWith("POST", fmt.Sprintf("/api/v1/vouchers/%d/redeem", m.voucher), m.ent, h, body), status).Map()
}

func TestProgramsAndIssue(t *testing.T) {
	m := newMarket(t)
	e := m.e
	// Bad programs name the field; nothing is written.
	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"zero share":  {"voucher_share_pct", 0, "voucher_share_pct"},
		"over 100":    {"subsidy_share_pct", 60.5, "subsidy_share_pct"},
		"3 decimals":  {"voucher_share_pct", 33.333, "voucher_share_pct"},
		"no category": {"categories", []string{}, "categories"},
		"bad region":  {"regions", []string{"mars"}, "regions[0]"},
		"bad slug":    {"slug", "Voucher!", "slug"},
		"no program":  {"eligibility", "no-such-program", "eligibility"},
		"days":        {"validity_days", 0, "validity_days"},
	} {
		b := programBody(m.agency)
		b["slug"] = "bad-" + strings.ReplaceAll(name, " ", "-")
		b[tc.key] = tc.value
		if f := problemField(t, e.Do("POST", "/api/v1/voucher-programs", m.officer, b), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: field %q, want %q", name, f, tc.field)
		}
	}
	// Officers of another agency and enterprises may not.
	b := programBody(m.agency)
	b["slug"] = "another"
	must(t, e.Do("POST", "/api/v1/voucher-programs", e.Token("officer.xuhui@demo.local"), b), http.StatusForbidden)
	must(t, e.Do("POST", "/api/v1/voucher-programs", m.ent, b), http.StatusForbidden)
	must(t, e.Do("POST", "/api/v1/voucher-programs", m.officer, programBody(m.agency)), http.StatusConflict)
	// The voucher: its face value moved from the budget.
	v := must(t, e.Do("GET", fmt.Sprintf("/api/v1/vouchers/%d", m.voucher), m.ent, nil), http.StatusOK).Map()
	if v["balance_fen"].(float64) != 500_000 || v["status"] != "active" || v["channel"] != "application" {
		t.Fatalf("voucher: %v", v)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/vouchers/%d", m.voucher), e.Token("bank@demo.local"), nil), http.StatusNotFound)
	must(t, e.Do("POST", fmt.Sprintf("/api/v1/voucher-programs/%d/apply", m.program), m.ent, map[string]any{}), http.StatusConflict)
	// An open program keeps its terms.
	b = programBody(m.agency)
	b["face_yuan"] = 9000
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/voucher-programs/%d", m.program), m.officer, b), http.StatusConflict)
	// Automatic issue: the budget of 12,000 yuan holds two vouchers of
	// 5,000; the first went to Yunshan, one more is issued.
	res := must(t, e.Do("POST", fmt.Sprintf("/api/v1/voucher-programs/%d/issue", m.program), m.officer, nil), http.StatusOK).Map()
	if res["issued"].(float64) != 1 || res["already_held"].(float64) != 1 || res["budget_spent"] != true {
		t.Fatalf("issue all: %v", res)
	}
	// A budget cut below what is issued is refused; a top-up is funded.
	b = programBody(m.agency)
	b["budget_yuan"] = 5000
	if f := problemField(t, e.Do("PUT", fmt.Sprintf("/api/v1/voucher-programs/%d", m.program), m.officer, b), http.StatusUnprocessableEntity); f != "budget_yuan" {
		t.Errorf("budget cut: field %q", f)
	}
	b["budget_yuan"] = 20000
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/voucher-programs/%d", m.program), m.officer, b), http.StatusOK)
	rep := must(t, e.Do("GET", fmt.Sprintf("/api/v1/voucher-programs/%d/report", m.program), m.officer, nil), http.StatusOK).Map()
	if rep["appropriated_fen"].(float64) != 2_000_000 || rep["budget_left_fen"].(float64) != 1_000_000 || rep["outstanding_fen"].(float64) != 1_000_000 || rep["reconciled"] != true {
		t.Fatalf("report: %v", rep)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/voucher-programs/%d/report", m.program), m.ent, nil), http.StatusForbidden)
}

// Eligibility comes from the rules: the programs module's own answer for
// the organization decides.
func TestEligibilityFromRules(t *testing.T) {
	e := apptest.New(t)
	officer, ent := e.Token("officer.jingan@demo.local"), e.Token("enterprise@demo.local")
	agency, yunshan := orgID(t, e, "上海市静安区科学技术委员会"), orgID(t, e, "上海云杉软件科技有限公司")
	var el struct {
		Items []struct {
			Program struct{ Slug string }
			Status  string
		}
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/orgs/%d/eligibility", yunshan), ent, nil), http.StatusOK).JSON(&el)
	statuses := map[string]string{}
	for _, it := range el.Items {
		statuses[it.Program.Slug] = it.Status
	}
	seen := map[string]bool{}
	for _, slug := range []string{"hnte-certification", "jingan-little-giant"} {
		st := statuses[slug]
		if st == "" {
			t.Fatalf("no eligibility for %s in %v", slug, statuses)
		}
		seen[st] = true
		b := programBody(agency)
		b["slug"] = "v-" + slug
		b["eligibility"] = slug
		id := int64(must(t, e.Do("POST", "/api/v1/voucher-programs", officer, b), http.StatusCreated).Map()["id"].(float64))
		must(t, e.Do("POST", fmt.Sprintf("/api/v1/voucher-programs/%d/open", id), officer, nil), http.StatusOK)
		want := map[string]int{"eligible": http.StatusCreated, "ineligible": http.StatusForbidden, "unknown": http.StatusUnprocessableEntity}[st]
		r := must(t, e.Do("POST", fmt.Sprintf("/api/v1/voucher-programs/%d/apply", id), ent, map[string]any{"org_id": yunshan}), want)
		if want != http.StatusCreated && !strings.Contains(string(r.Body), "org_id") {
			t.Errorf("%s: refusal without the field: %s", slug, r.Body)
		}
	}
	if !seen["eligible"] || len(seen) < 2 {
		t.Fatalf("the demo enterprise should be eligible for one and not the other: %v", statuses)
	}
}

func TestRedeem(t *testing.T) {
	m := newMarket(t)
	e := m.e
	order := func(provider int64, fen int64) map[string]any {
		return map[string]any{"provider_org_id": provider, "order_ref": "booking-1", "order_fen": fen}
	}
	quote := func(body map[string]any) apptest.Response {
		return e.Do("POST", fmt.Sprintf("/api/v1/vouchers/%d/quote", m.voucher), m.ent, body)
	}
	// 1,280.50 yuan at the lab: half by the voucher, a tenth by subsidy.
	var sp vouchers.Split
	must(t, quote(order(m.lab, 128050)), http.StatusOK).JSON(&sp)
	if sp.VoucherFen != 64025 || sp.SubsidyFen != 12805 || sp.OwnFen != 51220 {
		t.Fatalf("split: %+v", sp)
	}
	// Refusals name the reason.
	if f := problemField(t, quote(order(m.ipOffice, 10000)), http.StatusUnprocessableEntity); f != "provider_org_id" {
		t.Errorf("category: %q", f)
	}
	if f := problemField(t, quote(order(m.yunshan, 10000)), http.StatusUnprocessableEntity); f != "provider_org_id" {
		t.Errorf("not a provider: %q", f)
	}
	big := order(m.lab, 128050)
	big["voucher_fen"] = 70000
	if f := problemField(t, quote(big), http.StatusUnprocessableEntity); f != "voucher_fen" {
		t.Errorf("over the share: %q", f)
	}
	huge := order(m.lab, 2_000_000)
	huge["voucher_fen"] = 600_000
	if f := problemField(t, quote(huge), http.StatusConflict); f != "voucher_fen" {
		t.Errorf("over the balance: %q", f)
	}
	// Redeem, retry, reuse the key for another order.
	m.redeem(t, "", order(m.lab, 128050), http.StatusUnprocessableEntity)
	first := m.redeem(t, "order-0001", order(m.lab, 128050), http.StatusCreated)
	again := m.redeem(t, "order-0001", order(m.lab, 128050), http.StatusOK)
	if first["id"] != again["id"] || again["replayed"] != true {
		t.Fatalf("replay: %v vs %v", first, again)
	}
	m.redeem(t, "order-0001", order(m.lab, 99), http.StatusConflict)
	// Jiangsu counts apart.
	m.redeem(t, "order-0002", order(m.jiangsuLab, 100000), http.StatusCreated)
	v := must(t, e.Do("GET", fmt.Sprintf("/api/v1/vouchers/%d", m.voucher), m.ent, nil), http.StatusOK).Map()
	if v["balance_fen"].(float64) != 500_000-64025-50000 || len(v["redemptions"].([]any)) != 2 {
		t.Fatalf("after: %v", v)
	}
	rep := must(t, e.Do("GET", fmt.Sprintf("/api/v1/voucher-programs/%d/report", m.program), m.officer, nil), http.StatusOK).Map()
	if rep["reconciled"] != true || rep["spent_fen"].(float64) != 64025+12805+50000+10000 || len(rep["by_region"].([]any)) != 2 {
		t.Fatalf("report: %v", rep)
	}

	// Next month: settle the last one.
	ctx := context.Background()
	now := e.App.DB.Now()
	month := now.In(time.FixedZone("CST", 8*3600)).Format("2006-01")
	if f := problemField(t, e.Do("POST", "/api/v1/voucher-settlements", m.officer, map[string]any{"month": month}), http.StatusUnprocessableEntity); f != "month" {
		t.Errorf("current month: %q", f)
	}
	e.App.DB.Now = func() time.Time { return now.AddDate(0, 1, 0) }
	must(t, e.Do("POST", "/api/v1/voucher-settlements", m.ent, map[string]any{"month": month}), http.StatusForbidden)
	var ss struct{ Items []vouchers.Settlement }
	must(t, e.Do("POST", "/api/v1/voucher-settlements", m.officer, map[string]any{"month": month}), http.StatusOK).JSON(&ss)
	if len(ss.Items) != 2 {
		t.Fatalf("settlements: %+v", ss.Items)
	}
	must(t, e.Do("POST", "/api/v1/voucher-settlements", m.officer, map[string]any{"month": month}), http.StatusOK).JSON(&ss)
	if len(ss.Items) != 0 {
		t.Fatalf("settled twice: %+v", ss.Items)
	}
	var st vouchers.Statement
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/voucher-providers/%d/statement?month=%s", m.lab, month), m.admin, nil), http.StatusOK).JSON(&st)
	if len(st.Settlements) != 1 || st.Settlements[0].VoucherFen != 64025 || st.Settlements[0].SubsidyFen != 12805 || st.DueFen != 0 || len(st.Redemptions) != 1 {
		t.Fatalf("statement: %+v", st)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/voucher-providers/%d/statement", m.lab), m.ent, nil), http.StatusNotFound)
	rep = must(t, e.Do("GET", fmt.Sprintf("/api/v1/voucher-programs/%d/report", m.program), m.officer, nil), http.StatusOK).Map()
	if rep["reconciled"] != true || rep["due_fen"].(float64) != 0 || rep["settled_fen"] != rep["spent_fen"] {
		t.Fatalf("report after settlement: %v", rep)
	}
	// A year on, the voucher has expired: no more spending, the rest
	// returns to the budget.
	e.App.DB.Now = func() time.Time { return now.AddDate(1, 0, 2) }
	r := e.Do("POST", fmt.Sprintf("/api/v1/vouchers/%d/quote", m.voucher), m.ent, order(m.lab, 1000))
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "expired") {
		t.Fatalf("expired: %d %s", r.Status, r.Body)
	}
	rep = must(t, e.Do("GET", fmt.Sprintf("/api/v1/voucher-programs/%d/report", m.program), m.officer, nil), http.StatusOK).Map()
	if rep["outstanding_fen"].(float64) != 0 || rep["reconciled"] != true {
		t.Fatalf("report after expiry: %v", rep)
	}
	if rep, err := ledger.New(e.App.DB).Verify(ctx, e.App.DB.Read); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ledger: %+v %v", rep, err)
	}
}

// TestConcurrentRedemptions: 10,000 attempts at one voucher, at once and
// with retries, spend it exactly as the keys say and never beyond it.
func TestConcurrentRedemptions(t *testing.T) {
	m := newMarket(t)
	e := m.e
	ctx := context.Background()
	s := e.App.Vouchers
	var uid int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM users WHERE email = 'enterprise@demo.local'`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{UserID: uid, Memberships: []auth.Membership{{OrgID: m.yunshan, Role: auth.OrgOwner, OrgKind: "enterprise"}}}
	// The same order retried 10,000 times by 64 clients: spent once.
	var created, replayed atomic.Int64
	work := make(chan string)
	var wg sync.WaitGroup
	var fail atomic.Value
	run := func(in vouchers.RedeemInput) {
		defer wg.Done()
		for key := range work {
			for {
				r, err := s.Redeem(ctx, p, m.voucher, key, in)
				if err != nil && apperr.CodeOf(err) == apperr.Internal {
					continue // a serialization failure: retry as a client would
				}
				switch {
				case err != nil && apperr.CodeOf(err) != apperr.Conflict:
					fail.Store(err)
				case err == nil && r.Replayed:
					replayed.Add(1)
				case err == nil:
					created.Add(1)
				}
				break
			}
		}
	}
	one := vouchers.RedeemInput{ProviderOrgID: m.lab, OrderRef: "the-one", OrderFen: 20000}
	for range 64 {
		wg.Add(1)
		go run(one)
	}
	for range 10_000 {
		work <- "same-key-0001"
	}
	close(work)
	wg.Wait()
	if err := fail.Load(); err != nil {
		t.Fatal(err)
	}
	if created.Load() != 1 || replayed.Load() != 9_999 {
		t.Fatalf("created %d, replayed %d", created.Load(), replayed.Load())
	}
	// Then 60 orders of 100 yuan (50 by the voucher) with 20 retries
	// each: the remaining 4,900 yuan pay 98, never more.
	created.Store(0)
	work = make(chan string)
	each := vouchers.RedeemInput{ProviderOrgID: m.lab, OrderRef: "many", OrderFen: 10000}
	for range 64 {
		wg.Add(1)
		go run(each)
	}
	for i := range 120 * 20 {
		work <- fmt.Sprintf("key-%04d", i%120)
	}
	close(work)
	wg.Wait()
	if err := fail.Load(); err != nil {
		t.Fatal(err)
	}
	var n, spent int64
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*), COALESCE(SUM(voucher_fen), 0) FROM voucher_redemptions WHERE voucher_id = $1`, m.voucher).Scan(&n, &spent); err != nil {
		t.Fatal(err)
	}
	v, err := s.Voucher(ctx, p, m.voucher)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1+98 || spent != 500_000 || v.BalanceFen != 0 || created.Load() != 98 {
		t.Fatalf("redemptions %d, spent %d, balance %d, created %d", n, spent, v.BalanceFen, created.Load())
	}
	if rep, err := ledger.New(e.App.DB).Verify(ctx, e.App.DB.Read); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ledger: %+v %v", rep, err)
	}
}

func TestVoucherPages(t *testing.T) {
	m := newMarket(t)
	e := m.e
	b := e.Browser()
	b.Login("enterprise@demo.local")
	for _, path := range []string{"/vouchers", fmt.Sprintf("/vouchers/%d", m.voucher), fmt.Sprintf("/voucher-programs/%d", m.program), "/voucher-providers"} {
		r := b.Get(path)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), "voucher.") {
			t.Fatalf("%s: %d (or an untranslated key)", path, r.Status)
		}
	}
	// Checkout: quote, confirm, confirm again (a double submission).
	r := b.Post(fmt.Sprintf("/vouchers/%d/quote", m.voucher), url.Values{"provider_org_id": {fmt.Sprint(m.lab)}, "order_ref": {"booking-77"}, "order_yuan": {"1,000.00"}})
	body := string(r.Body)
	if r.Status != http.StatusOK || !strings.Contains(body, "¥500.00") || !strings.Contains(body, "¥400.00") {
		t.Fatalf("quote: %d %s", r.Status, body)
	}
	i := strings.Index(body, `name="key" value="`)
	key := body[i+len(`name="key" value="`):]
	key = key[:strings.Index(key, `"`)]
	form := url.Values{"key": {key}, "provider_org_id": {fmt.Sprint(m.lab)}, "order_ref": {"booking-77"}, "order_yuan": {"1000.00"}, "voucher_yuan": {"500.00"}}
	for range 2 {
		if r := b.Post(fmt.Sprintf("/vouchers/%d/redeem", m.voucher), form); r.Status != http.StatusSeeOther {
			t.Fatalf("redeem: %d %s", r.Status, r.Body)
		}
	}
	var n int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM voucher_redemptions WHERE order_ref = 'booking-77'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("double submission: %d %v", n, err)
	}
	if r := b.Post(fmt.Sprintf("/vouchers/%d/quote", m.voucher), url.Values{"provider_org_id": {fmt.Sprint(m.lab)}, "order_ref": {"x"}, "order_yuan": {"12.345"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("three decimals: %d", r.Status)
	}
	// The officer's pages.
	o := e.Browser()
	o.Login("officer.jingan@demo.local")
	for _, path := range []string{"/voucher-programs", fmt.Sprintf("/voucher-programs/%d", m.program), "/voucher-providers", fmt.Sprintf("/voucher-providers/%d", m.lab)} {
		if r := o.Get(path); r.Status != http.StatusOK || strings.Contains(string(r.Body), "voucher.") {
			t.Fatalf("officer %s: %d", path, r.Status)
		}
	}
	if r := o.Get(fmt.Sprintf("/voucher-programs/%d", m.program)); !strings.Contains(string(r.Body), "✓") {
		t.Fatal("the program page does not show the accounts reconciled")
	}
	if r := b.Get("/voucher-programs"); r.Status != http.StatusForbidden {
		t.Fatalf("enterprise in the officers' list: %d", r.Status)
	}
	if r := o.Post("/voucher-programs", url.Values{"slug": {"page-made"}, "owner_org_id": {fmt.Sprint(m.agency)}, "name_zh": {"页面创建的券"}, "face_yuan": {"1000"},
		"voucher_share_pct": {"40"}, "validity_days": {"180"}, "categories": {"testing"}, "regions": {"shanghai", "anhui"}, "budget_yuan": {"10000"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("create from the page: %d %s", r.Status, r.Body)
	}
}

func TestParseFen(t *testing.T) {
	for in, want := range map[string]int64{"1280": 128000, "1,280.5": 128050, "¥0.07": 7, " 12.30 ": 1230} {
		if got, err := vouchers.ParseFen("x", in); err != nil || got != want {
			t.Errorf("%q: %d %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1.", "1.234", "-5", "1e3", "12a", "1234567890123"} {
		if _, err := vouchers.ParseFen("x", in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
