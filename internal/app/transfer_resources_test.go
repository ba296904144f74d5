package app_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/transfer"
)

// TestNeedResources: the demo need for low-temperature chip packaging is
// answered with the electron microscope whose capabilities name chip
// packaging, and with the voucher providers, best first, with reasons;
// the page shows both lists.
func TestNeedResources(t *testing.T) {
	e := apptest.New(t)
	ctx, a := context.Background(), e.App
	if err := demo.SeedTransfer(ctx, a.DB, a.Transfer); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedVouchers(ctx, a.DB, a.Registry, a.Vouchers); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedInstruments(ctx, a.DB, a.Instruments); err != nil {
		t.Fatal(err)
	}
	var need int64
	if err := e.App.DB.Read.QueryRowContext(context.Background(), `SELECT id FROM transfer_needs WHERE title_zh = $1`, "智能手环传感器芯片的低温封装").Scan(&need); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/transfer/needs/" + strconv.FormatInt(need, 10) + "/resources"
	r := e.Do("GET", path, "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("resources: %d %s", r.Status, r.Body)
	}
	var res transfer.NeedResources
	r.JSON(&res)
	if len(res.Instruments) == 0 || len(res.Providers) == 0 {
		t.Fatalf("want instruments and providers, got %s", r.Body)
	}
	top := res.Instruments[0]
	if top.Name != "场发射扫描电子显微镜" || len(top.Reason.SharedTerms) == 0 {
		t.Errorf("top instrument %q with shared terms %v, want the field-emission SEM sharing chip packaging", top.Name, top.Reason.SharedTerms)
	}
	for _, list := range [][]transfer.Resource{res.Instruments, res.Providers} {
		for i, x := range list {
			pt := x.Reason.Parts
			if sum := pt.Text + pt.Field + pt.Service + pt.Region + pt.Voucher; sum != x.Score || x.Score > 100 {
				t.Errorf("%s %q: score %d, parts sum %d", x.Kind, x.Name, x.Score, sum)
			}
			if i > 0 && list[i-1].Score < x.Score {
				t.Errorf("%s list not best first at %d", x.Kind, i)
			}
		}
	}
	for _, x := range res.Providers {
		if !x.Reason.Voucher || len(x.Reason.Services) == 0 && x.Reason.Parts.Service != 0 {
			t.Errorf("provider %q: reason %+v", x.Name, x.Reason)
		}
	}
	if r := e.Do("GET", path+"?limit=0", "", nil); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("limit=0: %d", r.Status)
	} else {
		checkProblem(t, "limit=0", r, "limit")
	}
	if r := e.Do("GET", "/api/v1/transfer/needs/999999/resources", "", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown need: %d", r.Status)
	}
	for _, lang := range []string{"zh", "en"} {
		b := e.Browser()
		b.Get("/lang?to=" + lang + "&back=/")
		page := b.Get("/transfer/needs/" + strconv.FormatInt(need, 10))
		want := map[string]string{"zh": "可提供帮助的共享仪器", "en": "Shared instruments that could help"}[lang]
		name := map[string]string{"zh": top.Name, "en": top.NameEn}[lang]
		if page.Status != http.StatusOK || !strings.Contains(string(page.Body), want) || !strings.Contains(string(page.Body), name) {
			t.Errorf("%s page (%d) lacks the instruments section or %q", lang, page.Status, name)
		}
	}
}
