package ip

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"rainforest/internal/ip/ipnum"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/httpx"
)

// FuzzAssetInput feeds the asset form's decoding and validation arbitrary
// bodies: it never panics; a refusal is a 4xx naming a field when it is
// about values; an accepted input has a canonical number of its kind,
// contributions summing to exactly 100% and no invalid text. Seed corpus
// in testdata/fuzz/FuzzAssetInput.
func FuzzAssetInput(f *testing.F) {
	f.Add([]byte(`{"owner_org_id":1,"kind":"patent","number":"201310699744.2","title_zh":"芯片","title_en":"Chip","inventors":[{"name_zh":"甲","share_pct":33.34},{"name_zh":"乙","share_pct":66.66}]}`))
	f.Add([]byte(`{"owner_org_id":1,"kind":"trademark","number":"第12345678号","nice_class":9,"title_zh":"商标","title_en":"Mark"}`))
	f.Add([]byte(`{"owner_org_id":1,"kind":"copyright","subtype":"work","number":"国作登字-2019-F-00123456","title_zh":"作品","title_en":"Work"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/api/v1/ip/assets", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var in AssetInput
		err := httpx.Decode(w, r, &in)
		if err == nil {
			err = in.normalize()
		}
		if err != nil {
			ae := apperr.As(err)
			if s := httpx.Status(ae.Code); s < 400 || s >= 500 {
				t.Fatalf("%q: status %d for %v", body, s, err)
			}
			if ae.Code == apperr.Invalid && len(ae.Fields) == 0 {
				t.Fatalf("%q: invalid without a field", body)
			}
			return
		}
		switch in.Kind {
		case "patent":
			p, err := ipnum.ParsePatent(in.Number)
			if err != nil || p.Number != in.Number || string(p.Type) != in.Subtype {
				t.Fatalf("%q: accepted patent %q %q: %v", body, in.Number, in.Subtype, err)
			}
		case "trademark":
			if n, err := ipnum.ParseTrademark(in.Number); err != nil || n != in.Number || in.NiceClass == nil || !ipnum.NiceClassOK(int(*in.NiceClass)) {
				t.Fatalf("%q: accepted trademark", body)
			}
		case "copyright":
			if n, err := ipnum.ParseCopyright(ipnum.CopyrightKind(in.Subtype), in.Number); err != nil || n != in.Number {
				t.Fatalf("%q: accepted copyright", body)
			}
		default:
			t.Fatalf("%q: accepted kind %q", body, in.Kind)
		}
		var sum int64
		for _, inv := range in.Inventors {
			bp, ok := pctToBP(inv.SharePct)
			if !ok {
				t.Fatalf("%q: accepted share %v", body, inv.SharePct)
			}
			sum += bp
		}
		if len(in.Inventors) > 0 && sum != 10000 {
			t.Fatalf("%q: shares sum to %d", body, sum)
		}
		if strings.TrimSpace(in.TitleZh) == "" || in.TitleZh != strings.TrimSpace(in.TitleZh) {
			t.Fatalf("%q: title %q", body, in.TitleZh)
		}
		if _, err := json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzCatalogQuery feeds the catalog's query-string parsing and filter
// validation arbitrary queries: no panic, and every refusal is a 4xx that
// names a field. Seed corpus in testdata/fuzz/FuzzCatalogQuery.
func FuzzCatalogQuery(f *testing.F) {
	f.Add("q=%E8%8A%AF%E7%89%87&type=patent&price_band=lt_100k")
	f.Add("kind=transfer&kind=pledge&limit=100&offset=20")
	f.Add("district=jingan&field=biomedicine&limit=0")
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/api/v1/ip/listings", nil)
		r.URL.RawQuery = raw
		q, err := ParseCatalog(r)
		if err == nil {
			err = q.Validate()
			if err == nil && (q.Limit < 1 || q.Limit > 100 || q.Offset < 0) {
				t.Fatalf("%q: limit %d offset %d", raw, q.Limit, q.Offset)
			}
		}
		if err != nil {
			ae := apperr.As(err)
			if s := httpx.Status(ae.Code); s < 400 || s >= 500 || len(ae.Fields) == 0 {
				t.Fatalf("%q: %d %v", raw, s, err)
			}
		}
	})
}
