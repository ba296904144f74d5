package transfer_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
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

func id(t *testing.T, r apptest.Response) int64 {
	t.Helper()
	return int64(r.Map()["id"].(float64))
}

func problemField(t *testing.T, r apptest.Response, status int) string {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want a %d problem, got %d %s", status, r.Status, r.Body)
	}
	f, _ := r.Map()["field"].(string)
	return f
}

// city is a small transfer market: two achievements of Fudan, one of an
// institute, and a need of the demo enterprise.
type city struct {
	e                       *apptest.Env
	uni, ent, broker, admin string
	fudan, yunshan, sict    int64
	chip, battery, software int64
	need                    int64
}

func newCity(t *testing.T) *city {
	t.Helper()
	e := apptest.New(t)
	c := &city{e: e, uni: e.Token("university@demo.local"), ent: e.Token("enterprise@demo.local"), broker: e.Token("broker@demo.local"),
		admin: e.Token("admin@demo.local"), fudan: orgID(t, e, "复旦大学"), yunshan: orgID(t, e, "上海云杉软件科技有限公司"),
		sict: orgID(t, e, "上海市计算技术研究所")}
	c.chip = id(t, must(t, e.Do("POST", "/api/v1/transfer/achievements", c.uni, map[string]any{
		"owner_org_id": c.fudan, "title_zh": "柔性芯片封装工艺", "title_en": "Flexible chip packaging process",
		"summary_zh": "一种低温柔性芯片封装方法，适用于可穿戴设备的传感器芯片。", "summary_en": "A low-temperature packaging method for flexible sensor chips in wearables.",
		"keywords": "芯片 封装 传感器", "field": "electronic_information", "trl": 6, "modes": []string{"licence", "transfer"}, "price_yuan": 800000,
	}), http.StatusCreated))
	c.battery = id(t, must(t, e.Do("POST", "/api/v1/transfer/achievements", c.uni, map[string]any{
		"owner_org_id": c.fudan, "title_zh": "固态电池电解质", "title_en": "Solid-state battery electrolyte",
		"summary_zh": "高离子电导率的固态电解质材料。", "summary_en": "A solid electrolyte with high ionic conductivity for batteries.",
		"field": "new_energy", "trl": 4, "modes": []string{"joint_development"},
	}), http.StatusCreated))
	c.need = id(t, must(t, e.Do("POST", "/api/v1/transfer/needs", c.ent, map[string]any{
		"owner_org_id": c.yunshan, "title_zh": "可穿戴设备传感器芯片封装", "title_en": "Sensor chip packaging for wearables",
		"problem_zh": "我们的手环需要更薄的传感器芯片封装，要求低温工艺。", "problem_en": "Our wristband needs thinner sensor chip packaging at low temperature.",
		"field": "electronic_information", "min_trl": 5, "modes": []string{"licence"}, "budget_yuan": 1000000, "deadline": "2099-12-31",
	}), http.StatusCreated))
	return c
}

func TestAchievementsAndNeeds(t *testing.T) {
	c := newCity(t)
	e := c.e
	// Bad input names the field and writes nothing.
	base := func() map[string]any {
		return map[string]any{"owner_org_id": c.fudan, "title_zh": "测试", "field": "biomedicine", "trl": 3, "modes": []string{"transfer"}}
	}
	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"trl 0":         {"trl", 0, "trl"},
		"trl 10":        {"trl", 10, "trl"},
		"no modes":      {"modes", []string{}, "modes"},
		"bad mode":      {"modes", []string{"sale"}, "modes[0]"},
		"bad field":     {"field", "alchemy", "field"},
		"zero price":    {"price_yuan", 0, "price_yuan"},
		"no title":      {"title_zh", "  ", "title_zh"},
		"foreign asset": {"asset_ids", []int64{999999}, "asset_ids[0]"},
	} {
		b := base()
		b[tc.key] = tc.value
		if f := problemField(t, e.Do("POST", "/api/v1/transfer/achievements", c.uni, b), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: field %q, want %q", name, f, tc.field)
		}
	}
	nb := map[string]any{"owner_org_id": c.yunshan, "title_zh": "需求", "field": "biomedicine", "modes": []string{"transfer"}, "deadline": "2001-01-01"}
	if f := problemField(t, e.Do("POST", "/api/v1/transfer/needs", c.ent, nb), http.StatusUnprocessableEntity); f != "deadline" {
		t.Errorf("past deadline: field %q", f)
	}
	var n int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM transfer_achievements`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("achievements after bad input: %d %v", n, err)
	}
	// Only the owner's members publish and edit.
	b := base()
	must(t, e.Do("POST", "/api/v1/transfer/achievements", c.ent, b), http.StatusForbidden)
	must(t, e.Do("POST", "/api/v1/transfer/achievements", "", b), http.StatusUnauthorized)
	edit := map[string]any{"owner_org_id": c.fudan, "title_zh": "改名", "field": "electronic_information", "trl": 6, "modes": []string{"licence"}}
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/transfer/achievements/%d", c.chip), c.ent, edit), http.StatusForbidden)
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/transfer/needs/%d", c.need), c.uni, map[string]any{"owner_org_id": c.yunshan, "title_zh": "x", "field": "biomedicine", "modes": []string{"licence"}}), http.StatusForbidden)
	// A stale version is a conflict.
	edit["version"] = 7
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/transfer/achievements/%d", c.battery), c.uni, edit), http.StatusConflict)

	// The catalog: a two-character Chinese query finds the chip, an
	// English inflected word too, filters and facets answer.
	r := must(t, e.Do("GET", "/api/v1/transfer/achievements?q="+url.QueryEscape("芯片"), "", nil), http.StatusOK).Map()
	if r["total"].(float64) != 1 || !strings.Contains(fmt.Sprint(r["items"]), "柔性芯片封装工艺") {
		t.Fatalf("芯片: %v", r)
	}
	r = must(t, e.Do("GET", "/api/v1/transfer/achievements?q=batteries", "", nil), http.StatusOK).Map()
	if r["total"].(float64) != 1 || !strings.Contains(fmt.Sprint(r["items"]), "固态电池电解质") {
		t.Fatalf("batteries: %v", r)
	}
	r = must(t, e.Do("GET", "/api/v1/transfer/achievements?maturity=pilot", "", nil), http.StatusOK).Map()
	if r["total"].(float64) != 2 {
		t.Fatalf("pilot: %v", r["total"])
	}
	r = must(t, e.Do("GET", "/api/v1/transfer/achievements?maturity=market", "", nil), http.StatusOK).Map()
	if r["total"].(float64) != 0 {
		t.Fatalf("market: %v", r["total"])
	}
	must(t, e.Do("GET", "/api/v1/transfer/achievements?maturity=ripe", "", nil), http.StatusUnprocessableEntity)
	must(t, e.Do("GET", "/api/v1/transfer/achievements?q="+strings.Repeat("芯", 2001), "", nil), http.StatusBadRequest)
	must(t, e.Do("GET", "/api/v1/transfer/needs?q="+url.QueryEscape(`"芯片" OR 1=1; -- 🚀`), "", nil), http.StatusOK)

	// Withdrawn: out of the catalog, hidden from others, seen by the owner.
	edit = map[string]any{"owner_org_id": c.fudan, "title_zh": "固态电池电解质", "field": "new_energy", "trl": 4, "modes": []string{"joint_development"}, "status": "withdrawn", "version": 1}
	must(t, e.Do("PUT", fmt.Sprintf("/api/v1/transfer/achievements/%d", c.battery), c.uni, edit), http.StatusOK)
	r = must(t, e.Do("GET", "/api/v1/transfer/achievements?q=battery", "", nil), http.StatusOK).Map()
	if r["total"].(float64) != 0 {
		t.Fatalf("withdrawn still in the catalog: %v", r)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/transfer/achievements/%d", c.battery), c.ent, nil), http.StatusNotFound)
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/transfer/achievements/%d", c.battery), c.uni, nil), http.StatusOK)
	mine := must(t, e.Do("GET", "/api/v1/transfer/mine", c.uni, nil), http.StatusOK).Map()
	if len(mine["achievements"].([]any)) != 2 || len(mine["needs"].([]any)) != 0 {
		t.Fatalf("mine: %v", mine)
	}
}

func TestMatchingBothWays(t *testing.T) {
	c := newCity(t)
	e := c.e
	// A weaker candidate: same words, another field, too immature.
	sict := id(t, must(t, e.Do("POST", "/api/v1/transfer/achievements", e.Token("admin@demo.local"), map[string]any{
		"owner_org_id": c.sict, "title_zh": "芯片测试软件", "title_en": "Chip test software", "summary_en": "Software to test chips.",
		"field": "high_tech_services", "trl": 3, "modes": []string{"transfer"}, "price_yuan": 2000000,
	}), http.StatusCreated))
	var res struct {
		Items []struct {
			Score  int
			Reason struct {
				SharedTerms []string `json:"shared_terms"`
				SameField   bool     `json:"same_field"`
				MaturityOK  bool     `json:"maturity_ok"`
				Budget      string
				CommonModes []string `json:"common_modes"`
				Parts       map[string]int
			}
			Achievement *struct{ ID int64 }
			Need        *struct{ ID int64 }
		}
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/transfer/needs/%d/matches", c.need), "", nil), http.StatusOK).JSON(&res)
	if len(res.Items) < 2 || res.Items[0].Achievement.ID != c.chip {
		t.Fatalf("need's matches: %+v", res.Items)
	}
	best := res.Items[0]
	if !best.Reason.SameField || !best.Reason.MaturityOK || best.Reason.Budget != "fits" || len(best.Reason.CommonModes) != 1 {
		t.Errorf("best reason: %+v", best.Reason)
	}
	joined := strings.Join(best.Reason.SharedTerms, "|")
	for _, w := range []string{"芯片封装", "传感器", "packaging"} {
		if !strings.Contains(strings.ToLower(joined), strings.ToLower(w)) {
			t.Errorf("shared terms %q lack %q", joined, w)
		}
	}
	p := best.Reason.Parts
	if best.Score != p["text"]+p["field"]+p["maturity"]+p["budget"]+p["modes"] || best.Score > 100 {
		t.Errorf("score %d is not its parts %v", best.Score, p)
	}
	var weak *struct{ ID int64 }
	for _, m := range res.Items[1:] {
		if m.Achievement.ID == sict {
			weak = m.Achievement
			if m.Reason.SameField || m.Reason.MaturityOK || m.Reason.Budget != "over" || m.Score >= best.Score {
				t.Errorf("weak candidate: %+v", m)
			}
		}
	}
	if weak == nil {
		t.Errorf("the chip test software is not among %+v", res.Items)
	}
	// The other way: the chip achievement finds the need.
	res.Items = nil
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/transfer/achievements/%d/matches?limit=5", c.chip), "", nil), http.StatusOK).JSON(&res)
	if len(res.Items) != 1 || res.Items[0].Need.ID != c.need || res.Items[0].Score != best.Score {
		t.Fatalf("achievement's matches: %+v (want need %d at %d)", res.Items, c.need, best.Score)
	}
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/transfer/achievements/%d/matches?limit=51", c.chip), "", nil), http.StatusUnprocessableEntity)
	must(t, e.Do("GET", "/api/v1/transfer/needs/999999/matches", "", nil), http.StatusNotFound)
}

func TestBrokerCase(t *testing.T) {
	c := newCity(t)
	e := c.e
	open := map[string]any{"achievement_id": c.chip, "need_id": c.need, "next_step": "安排双方首次会谈", "due_on": "2099-01-15"}
	// Enterprises and universities are not brokers.
	must(t, e.Do("POST", "/api/v1/transfer/cases", c.ent, open), http.StatusForbidden)
	r := must(t, e.Do("POST", "/api/v1/transfer/cases", c.broker, open), http.StatusCreated).Map()
	cs := int64(r["id"].(float64))
	if r["state"] != "introduced" || r["broker_name"] != "上海技术交易所" || r["score"].(float64) < 50 {
		t.Fatalf("case: %v", r)
	}
	// One open case per pair.
	if f := problemField(t, e.Do("POST", "/api/v1/transfer/cases", c.broker, open), http.StatusConflict); f != "need_id" {
		t.Errorf("duplicate: field %q", f)
	}
	// Both parties were told and see it; a stranger does not.
	var n int
	if err := e.App.DB.Read.QueryRow(`SELECT COUNT(*) FROM notices WHERE kind = 'transfer.case.introduced'`).Scan(&n); err != nil || n < 2 {
		t.Fatalf("notices: %d %v", n, err)
	}
	path := fmt.Sprintf("/api/v1/transfer/cases/%d", cs)
	must(t, e.Do("GET", path, c.ent, nil), http.StatusOK)
	must(t, e.Do("GET", path, c.uni, nil), http.StatusOK)
	must(t, e.Do("GET", path, e.Token("bank@demo.local"), nil), http.StatusNotFound)
	// Parties note; only the broker moves the stages.
	must(t, e.Do("POST", path+"/notes", c.ent, map[string]any{"body": "我们下周三有空", "due_on": "2099-02-01"}), http.StatusOK)
	if f := problemField(t, e.Do("POST", path+"/notes", c.ent, map[string]any{"body": "x", "due_on": "2000-01-01"}), http.StatusUnprocessableEntity); f != "due_on" {
		t.Errorf("past due: field %q", f)
	}
	must(t, e.Do("POST", path+"/actions", c.ent, map[string]any{"action": "talk"}), http.StatusForbidden)
	must(t, e.Do("POST", path+"/actions", c.broker, map[string]any{"action": "talk"}), http.StatusOK)
	must(t, e.Do("POST", path+"/actions", c.broker, map[string]any{"action": "contract"}), http.StatusOK)
	// Done needs the contract.
	must(t, e.Do("POST", path+"/actions", c.broker, map[string]any{"action": "done"}), http.StatusConflict)
	must(t, e.Do("POST", "/api/v1/transfer/contracts", c.uni, map[string]any{"kind": "licensing", "title": "柔性芯片封装技术许可合同", "seller_org_id": c.fudan,
		"buyer_org_id": c.yunshan, "value_yuan": 800000, "signed_on": "2026-11-01", "case_id": cs, "achievement_id": c.chip}), http.StatusCreated)
	v := must(t, e.Do("POST", path+"/actions", c.broker, map[string]any{"action": "done"}), http.StatusOK).Map()
	if v["state"] != "done" || v["next_step"] != "我们下周三有空" || len(v["notes"].([]any)) != 1 {
		t.Fatalf("done: %v", v)
	}
	view := must(t, e.Do("GET", path, c.broker, nil), http.StatusOK).Map()
	if len(view["history"].([]any)) != 3 {
		t.Fatalf("history: %v", view["history"])
	}
	list := must(t, e.Do("GET", "/api/v1/transfer/cases?state=done", c.ent, nil), http.StatusOK).Map()
	if len(list["items"].([]any)) != 1 {
		t.Fatalf("list: %v", list)
	}
	must(t, e.Do("GET", "/api/v1/transfer/cases?state=won", c.ent, nil), http.StatusUnprocessableEntity)
}

func TestContractsAndTurnover(t *testing.T) {
	c := newCity(t)
	e := c.e
	rec := func(tok string, body map[string]any, status int) int64 {
		t.Helper()
		r := must(t, e.Do("POST", "/api/v1/transfer/contracts", tok, body), status)
		if status == http.StatusCreated {
			return id(t, r)
		}
		return 0
	}
	base := func(kind, region string, yuan int64, signed string) map[string]any {
		return map[string]any{"kind": kind, "title": "合同 " + region, "seller_org_id": c.fudan, "buyer_name": "某公司 " + region, "buyer_region": region,
			"value_yuan": yuan, "signed_on": signed}
	}
	js := rec(c.uni, base("development", "jiangsu", 1_000_000, "2025-03-01"), http.StatusCreated)
	zj := rec(c.uni, base("transfer", "zhejiang", 500_000, "2025-06-01"), http.StatusCreated)
	ah := rec(c.uni, base("service", "anhui", 300_000, "2026-01-10"), http.StatusCreated)
	abroad := base("consulting", "abroad", 200_000, "2026-02-01")
	abroad["technical_yuan"] = 150_000
	ab := rec(c.uni, abroad, http.StatusCreated)
	local := rec(c.uni, map[string]any{"kind": "licensing", "title": "本地许可", "seller_org_id": c.fudan, "buyer_org_id": c.yunshan, "value_yuan": 400_000, "signed_on": "2026-03-01"}, http.StatusCreated)
	rejected := rec(c.uni, base("development", "jiangsu", 9_000_000, "2026-04-01"), http.StatusCreated)
	// Bad input.
	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"future":       {"signed_on", "2099-01-01", "signed_on"},
		"bad kind":     {"kind", "sale", "kind"},
		"bad region":   {"buyer_region", "mars", "buyer_region"},
		"technical":    {"technical_yuan", 2_000_000, "technical_yuan"},
		"zero":         {"value_yuan", 0, "value_yuan"},
		"district":     {"buyer_district", "jingan", "buyer_district"},
		"foreign case": {"case_id", 999999, "case_id"},
	} {
		b := base("development", "jiangsu", 1_000_000, "2025-03-01")
		b[tc.key] = tc.value
		if f := problemField(t, e.Do("POST", "/api/v1/transfer/contracts", c.uni, b), http.StatusUnprocessableEntity); f != tc.field {
			t.Errorf("%s: field %q, want %q", name, f, tc.field)
		}
	}
	rec(c.ent, base("development", "jiangsu", 1, "2025-03-01"), http.StatusForbidden)
	// Registration: Fudan is in Yangpu; a Jing'an officer may not.
	jingan := e.Token("officer.jingan@demo.local")
	dec := func(tok string, cid int64, action, reason string, status int) {
		t.Helper()
		must(t, e.Do("POST", fmt.Sprintf("/api/v1/transfer/contracts/%d/decision", cid), tok, map[string]any{"action": action, "reason": reason}), status)
	}
	dec(jingan, js, "register", "", http.StatusNotFound)
	dec(c.uni, js, "register", "", http.StatusForbidden)
	dec(c.admin, rejected, "reject", "", http.StatusUnprocessableEntity)
	dec(c.admin, rejected, "reject", "金额与合同文本不符", http.StatusOK)
	for _, cid := range []int64{js, zj, ah, ab, local} {
		dec(c.admin, cid, "register", "", http.StatusOK)
	}
	dec(c.admin, js, "register", "", http.StatusConflict)
	got := must(t, e.Do("GET", fmt.Sprintf("/api/v1/transfer/contracts/%d", zj), c.uni, nil), http.StatusOK).Map()
	if got["number"] != "TC-2025-000002" || got["status"] != "registered" {
		t.Fatalf("numbered: %v", got)
	}
	// The buyer on the platform sees its contract, others do not.
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/transfer/contracts/%d", local), c.ent, nil), http.StatusOK)
	must(t, e.Do("GET", fmt.Sprintf("/api/v1/transfer/contracts/%d", js), c.ent, nil), http.StatusNotFound)

	var tv struct {
		Years []struct {
			Year  int
			Total struct {
				Contracts    int
				ValueFen     int64 `json:"value_fen"`
				TechnicalFen int64 `json:"technical_fen"`
			}
			ByRegion map[string]struct {
				Contracts int
				ValueFen  int64 `json:"value_fen"`
			} `json:"by_region"`
			DeltaExport struct {
				Contracts int
				ValueFen  int64 `json:"value_fen"`
			} `json:"delta_export"`
			ByKind map[string]struct {
				ValueFen int64 `json:"value_fen"`
			} `json:"by_kind"`
		}
	}
	must(t, e.Do("GET", "/api/v1/transfer/turnover?from=2025&to=2026", "", nil), http.StatusOK).JSON(&tv)
	if len(tv.Years) != 2 || tv.Years[0].Year != 2026 || tv.Years[1].Year != 2025 {
		t.Fatalf("years: %+v", tv.Years)
	}
	y26, y25 := tv.Years[0], tv.Years[1]
	if y25.Total.Contracts != 2 || y25.Total.ValueFen != 150_000_000 || y25.DeltaExport.ValueFen != 150_000_000 || y25.ByRegion["jiangsu"].ValueFen != 100_000_000 {
		t.Errorf("2025: %+v", y25)
	}
	// 2026: Anhui 300k, abroad 200k (150k technical), Shanghai 400k; the
	// rejected 9m is not counted.
	if y26.Total.Contracts != 3 || y26.Total.ValueFen != 90_000_000 || y26.Total.TechnicalFen != 85_000_000 ||
		y26.DeltaExport.ValueFen != 30_000_000 || y26.DeltaExport.Contracts != 1 || y26.ByRegion["shanghai"].ValueFen != 40_000_000 ||
		y26.ByRegion["abroad"].ValueFen != 20_000_000 || y26.ByKind["licensing"].ValueFen != 40_000_000 {
		t.Errorf("2026: %+v", y26)
	}
	must(t, e.Do("GET", "/api/v1/transfer/turnover?from=1999", "", nil), http.StatusUnprocessableEntity)
	must(t, e.Do("GET", "/api/v1/transfer/turnover?from=2026&to=2025", "", nil), http.StatusUnprocessableEntity)
}

func TestPages(t *testing.T) {
	c := newCity(t)
	e := c.e
	b := e.Browser()
	for _, lang := range []struct{ code, catalog, title string }{{"zh", "科技成果", "柔性芯片封装工艺"}, {"en", "Technology achievements", "Flexible chip packaging process"}} {
		b.Get("/lang?to=" + lang.code)
		for _, path := range []string{"/transfer", "/transfer?q=" + url.QueryEscape("芯片"), "/transfer?field=electronic_information", fmt.Sprintf("/transfer/needs/%d", c.need),
			fmt.Sprintf("/transfer/achievements/%d", c.chip), "/transfer/needs", "/transfer/turnover"} {
			r := b.Get(path)
			body := string(r.Body)
			if r.Status != http.StatusOK {
				t.Fatalf("%s %s: %d", lang.code, path, r.Status)
			}
			if strings.Contains(body, ">transfer.") || strings.Contains(body, " transfer.") {
				t.Fatalf("%s %s: untranslated key", lang.code, path)
			}
			if !strings.Contains(path, "needs") && !strings.Contains(path, "turnover") && !strings.Contains(body, lang.title) {
				t.Fatalf("%s %s: no %q", lang.code, path, lang.title)
			}
		}
	}
	// The broker opens a case from the need's page and runs it.
	br := e.Browser()
	br.Login("broker@demo.local")
	post := func(x *apptest.Browser, path string, form url.Values) apptest.Response {
		t.Helper()
		r := x.Post(path, form)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("%s %v: %d %s", path, form, r.Status, r.Body)
		}
		return r
	}
	if r := br.Get(fmt.Sprintf("/transfer/needs/%d", c.need)); !strings.Contains(string(r.Body), `action="/transfer/cases"`) {
		t.Fatal("no open-case form for the broker")
	}
	r := post(br, "/transfer/cases", url.Values{"achievement_id": {fmt.Sprint(c.chip)}, "need_id": {fmt.Sprint(c.need)}})
	loc := r.Header.Get("Location")
	casePath := strings.SplitN(loc, "?", 2)[0]
	post(br, casePath+"/notes", url.Values{"body": {"约定 12 月初会谈"}, "due_on": {"2099-12-01"}})
	post(br, casePath+"/act", url.Values{"action": {"talk"}})
	if r := br.Get("/transfer/cases"); !strings.Contains(string(r.Body), "约定 12 月初会谈") || !strings.Contains(string(r.Body), "2099-12-01") {
		t.Fatalf("pipeline: %s", r.Body)
	}
	// The enterprise publishes a need from its page; the university records a contract.
	en := e.Browser()
	en.Login("enterprise@demo.local")
	if r := en.Get("/transfer/mine"); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "可穿戴设备传感器芯片封装") {
		t.Fatalf("mine: %d", r.Status)
	}
	post(en, "/transfer/needs", url.Values{"owner_org_id": {fmt.Sprint(c.yunshan)}, "title_zh": {"电池管理算法"}, "field": {"new_energy"}, "min_trl": {"4"}, "modes": {"licence", "joint_development"}, "budget_yuan": {"300000"}})
	if r := en.Post("/transfer/needs", url.Values{"owner_org_id": {fmt.Sprint(c.yunshan)}, "title_zh": {"x"}, "field": {"new_energy"}, "modes": {"licence"}, "budget_yuan": {"many"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad budget: %d", r.Status)
	}
	u := e.Browser()
	u.Login("university@demo.local")
	post(u, "/transfer/contracts", url.Values{"seller_org_id": {fmt.Sprint(c.fudan)}, "kind": {"development"}, "title": {"联合开发合同"}, "buyer_name": {"苏州某公司"},
		"buyer_region": {"jiangsu"}, "value_yuan": {"600000"}, "signed_on": {"2026-05-01"}})
	ad := e.Browser()
	ad.Login("admin@demo.local")
	if r := ad.Get("/transfer/contracts?status=submitted"); !strings.Contains(string(r.Body), "联合开发合同") || !strings.Contains(string(r.Body), `value="register"`) {
		t.Fatalf("admin's queue: %s", r.Body)
	}
	var cid int64
	if err := e.App.DB.Read.QueryRow(`SELECT id FROM transfer_contracts WHERE title = '联合开发合同'`).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	post(ad, fmt.Sprintf("/transfer/contracts/%d/decision", cid), url.Values{"action": {"register"}})
	if r := b.Get("/transfer/turnover?from=2026&to=2026"); !strings.Contains(string(r.Body), "¥600,000.00") {
		t.Fatalf("turnover page: %s", r.Body)
	}
}
