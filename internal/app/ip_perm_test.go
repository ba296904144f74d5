package app_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/ip/ipnum"
)

// Fixtures of the IP marketplace's cells in the permission matrix: assets
// of Fudan (university@ is a member), listed by an administrator; deals
// with Yunshan (enterprise@) as the buyer.

var ipSerial atomic.Int64

// ipNumber is a fresh valid invention application number.
func ipNumber() string {
	d := fmt.Sprintf("20241%07d", 3000000+ipSerial.Add(1))
	return d + "." + string(ipnum.PatentCheck(d))
}

func (w *world) ipAsset() int64 {
	w.t.Helper()
	r := w.e.Do("POST", "/api/v1/ip/assets", w.admin, w.ipAssetBody())
	if r.Status != http.StatusCreated {
		w.t.Fatalf("ip asset: %d %s", r.Status, r.Body)
	}
	return int64(r.Map()["id"].(float64))
}

func (w *world) ipAssetBody() map[string]any {
	return map[string]any{"owner_org_id": w.fudan, "kind": "patent", "number": ipNumber(), "title_zh": "矩阵测试专利", "title_en": "Matrix test patent",
		"claims": "1. 一种测试方法。", "inventors": []map[string]any{{"name_zh": "甲", "share_pct": 60}, {"name_zh": "乙", "share_pct": 40}}}
}

func (w *world) ipListing() int64 {
	w.t.Helper()
	r := w.e.Do("POST", "/api/v1/ip/listings", w.admin, map[string]any{"asset_id": w.ipAsset(), "kind": "transfer", "price_yuan": 100000})
	if r.Status != http.StatusCreated {
		w.t.Fatalf("ip listing: %d %s", r.Status, r.Body)
	}
	return int64(r.Map()["id"].(float64))
}

// ipDeal makes a deal of Yunshan on a fresh Fudan listing, brought to
// state: interest, admitted, negotiating (Yunshan's offer on the table) or
// agreed.
func (w *world) ipDeal(state string) int64 {
	w.t.Helper()
	buyer, seller := w.e.Token("enterprise@demo.local"), w.e.Token("university@demo.local")
	r := w.e.Do("POST", p("/api/v1/ip/listings/%d/interest", w.ipListing()), buyer, map[string]any{"buyer_org_id": w.yunshan, "message": "感兴趣"})
	if r.Status != http.StatusCreated {
		w.t.Fatalf("ip interest: %d %s", r.Status, r.Body)
	}
	id := int64(r.Map()["id"].(float64))
	steps := []struct {
		token, path string
		body        any
	}{
		{seller, "admit", nil},
		{buyer, "messages", map[string]any{"amount_yuan": 90000}},
		{seller, "accept", nil},
	}
	n := map[string]int{"interest": 0, "admitted": 1, "negotiating": 2, "agreed": 3}[state]
	for _, s := range steps[:n] {
		if r := w.e.Do("POST", p("/api/v1/ip/deals/%d/%s", id, s.path), s.token, s.body); r.Status >= 300 {
			w.t.Fatalf("ip deal %s: %d %s", s.path, r.Status, r.Body)
		}
	}
	return id
}

func init() {
	moreCells = append(moreCells, func() []cell {
		owners := []string{"admin", "university"}
		parties := func(buyer, seller, admin int) expect {
			return per(http.StatusNotFound, map[string]int{"enterprise": buyer, "university": seller, "admin": admin})
		}
		confidentialHidden := func(t *testing.T, w *world, role string, r apptest.Response, _ bool) {
			_, has := r.Map()["confidential"]
			if want := role == "admin" || role == "university"; has != want {
				t.Errorf("%s: confidential shown %v: %s", role, has, r.Body)
			}
		}
		return []cell{
			{route: "GET /api/v1/ip/assets", name: "mine", req: func(w *world) (string, any) { return "/api/v1/ip/assets", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/ip/assets", name: "for Fudan", req: func(w *world) (string, any) { return "/api/v1/ip/assets", w.ipAssetBody() },
				want: only(http.StatusCreated, http.StatusForbidden, owners...)},
			{route: "GET /api/v1/ip/assets/{id}", name: "Fudan's", req: func(w *world) (string, any) { return p("/api/v1/ip/assets/%d", w.ipAsset()), nil },
				want: everyone(http.StatusOK), check: confidentialHidden},
			{route: "GET /api/v1/ip/assets/{id}", name: "none", req: func(w *world) (string, any) { return "/api/v1/ip/assets/999999", nil }, want: everyone(http.StatusNotFound)},
			{route: "PATCH /api/v1/ip/assets/{id}", name: "Fudan's granted", req: func(w *world) (string, any) {
				return p("/api/v1/ip/assets/%d", w.ipAsset()), map[string]any{"status": "granted"}
			}, want: only(http.StatusOK, http.StatusForbidden, owners...)},
			{route: "PATCH /api/v1/ip/assets/{id}", name: "none", req: func(w *world) (string, any) { return "/api/v1/ip/assets/999999", map[string]any{"status": "granted"} },
				want: signedIn(http.StatusNotFound)},
			{route: "GET /api/v1/ip/owners/{id}/inventor-share", name: "Fudan's", req: func(w *world) (string, any) { return p("/api/v1/ip/owners/%d/inventor-share", w.fudan), nil },
				want: everyone(http.StatusOK)},
			{route: "PUT /api/v1/ip/owners/{id}/inventor-share", name: "Fudan's", req: func(w *world) (string, any) {
				return p("/api/v1/ip/owners/%d/inventor-share", w.fudan), map[string]any{"inventor_share_pct": 50}
			}, want: only(http.StatusOK, http.StatusForbidden, "admin")},
			{route: "GET /api/v1/ip/listings", name: "catalog", req: func(w *world) (string, any) { return "/api/v1/ip/listings?q=" + "矩阵", nil }, want: everyone(http.StatusOK)},
			{route: "POST /api/v1/ip/listings", name: "a Fudan asset", req: func(w *world) (string, any) {
				return "/api/v1/ip/listings", map[string]any{"asset_id": w.ipAsset(), "kind": "pledge", "negotiable": true}
			}, want: only(http.StatusCreated, http.StatusForbidden, owners...)},
			{route: "GET /api/v1/ip/my/listings", name: "mine", req: func(w *world) (string, any) { return "/api/v1/ip/my/listings", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/ip/listings/{id}", name: "active", req: func(w *world) (string, any) { return p("/api/v1/ip/listings/%d", w.ipListing()), nil },
				want: everyone(http.StatusOK)},
			{route: "PATCH /api/v1/ip/listings/{id}", name: "reprice", req: func(w *world) (string, any) {
				return p("/api/v1/ip/listings/%d", w.ipListing()), map[string]any{"price_yuan": 120000}
			}, want: only(http.StatusOK, http.StatusForbidden, owners...)},
			{route: "POST /api/v1/ip/listings/{id}/renew", name: "active", req: func(w *world) (string, any) { return p("/api/v1/ip/listings/%d/renew", w.ipListing()), nil },
				want: only(http.StatusOK, http.StatusForbidden, owners...)},
			{route: "POST /api/v1/ip/listings/{id}/withdraw", name: "active", req: func(w *world) (string, any) { return p("/api/v1/ip/listings/%d/withdraw", w.ipListing()), nil },
				want: only(http.StatusOK, http.StatusForbidden, owners...)},
			{route: "GET /api/v1/ip/listings/{id}/confidential", name: "no deal", req: func(w *world) (string, any) {
				return p("/api/v1/ip/listings/%d/confidential", w.ipListing()), nil
			}, want: only(http.StatusOK, http.StatusForbidden, owners...)},
			{route: "GET /api/v1/ip/listings/{id}/confidential", name: "Yunshan admitted", req: func(w *world) (string, any) {
				d := w.ipDeal("admitted")
				var l int64
				if err := w.e.App.DB.Read.QueryRow(`SELECT listing_id FROM ip_deals WHERE id = $1`, d).Scan(&l); err != nil {
					w.t.Fatal(err)
				}
				return p("/api/v1/ip/listings/%d/confidential", l), nil
			}, want: only(http.StatusOK, http.StatusForbidden, "admin", "university", "enterprise")},
			{route: "POST /api/v1/ip/listings/{id}/interest", name: "Fudan's listing", req: func(w *world) (string, any) {
				return p("/api/v1/ip/listings/%d/interest", w.ipListing()), map[string]any{"message": "有意向"}
			}, want: per(http.StatusCreated, map[string]int{
				// Several organizations: which one acts must be said.
				"enterprise": http.StatusUnprocessableEntity, "bank": http.StatusUnprocessableEntity,
				// None, or only the owner of the listing.
				"admin": http.StatusUnprocessableEntity, "university": http.StatusUnprocessableEntity})},
			{route: "POST /api/v1/ip/listings/{id}/interest", name: "for Yunshan", req: func(w *world) (string, any) {
				return p("/api/v1/ip/listings/%d/interest", w.ipListing()), map[string]any{"buyer_org_id": w.yunshan}
			}, want: only(http.StatusCreated, http.StatusForbidden, "enterprise")},
			{route: "GET /api/v1/ip/deals", name: "mine", req: func(w *world) (string, any) { return "/api/v1/ip/deals", nil }, want: signedIn(http.StatusOK)},
			{route: "GET /api/v1/ip/deals/{id}", name: "Yunshan with Fudan", req: func(w *world) (string, any) { return p("/api/v1/ip/deals/%d", w.ipDeal("interest")), nil },
				want: parties(http.StatusOK, http.StatusOK, http.StatusOK)},
			{route: "POST /api/v1/ip/deals/{id}/messages", name: "a message", req: func(w *world) (string, any) {
				return p("/api/v1/ip/deals/%d/messages", w.ipDeal("interest")), map[string]any{"body": "请问价格？"}
			}, want: parties(http.StatusCreated, http.StatusCreated, http.StatusForbidden)},
			{route: "POST /api/v1/ip/deals/{id}/admit", name: "interest", req: func(w *world) (string, any) { return p("/api/v1/ip/deals/%d/admit", w.ipDeal("interest")), nil },
				want: parties(http.StatusForbidden, http.StatusOK, http.StatusOK)},
			{route: "POST /api/v1/ip/deals/{id}/accept", name: "Yunshan's offer", req: func(w *world) (string, any) {
				return p("/api/v1/ip/deals/%d/accept", w.ipDeal("negotiating")), nil
			}, want: parties(http.StatusConflict, http.StatusOK, http.StatusForbidden)},
			{route: "POST /api/v1/ip/deals/{id}/close", name: "agreed", req: func(w *world) (string, any) { return p("/api/v1/ip/deals/%d/close", w.ipDeal("agreed")), nil },
				want: parties(http.StatusForbidden, http.StatusOK, http.StatusOK)},
			{route: "POST /api/v1/ip/deals/{id}/decline", name: "interest", req: func(w *world) (string, any) {
				return p("/api/v1/ip/deals/%d/decline", w.ipDeal("interest")), map[string]any{"comment": "不合适"}
			}, want: parties(http.StatusForbidden, http.StatusOK, http.StatusForbidden)},
			{route: "POST /api/v1/ip/deals/{id}/withdraw", name: "interest", req: func(w *world) (string, any) { return p("/api/v1/ip/deals/%d/withdraw", w.ipDeal("interest")), nil },
				want: parties(http.StatusOK, http.StatusForbidden, http.StatusForbidden)},
			{route: "GET /api/v1/ip/stats", name: "figures", req: func(w *world) (string, any) { return "/api/v1/ip/stats", nil }, want: everyone(http.StatusOK)},
		}
	})
}
