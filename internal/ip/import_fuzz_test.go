package ip

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"rainforest/internal/ip/ipnum"
	"rainforest/internal/kernel/tabular"
)

// FuzzImportRow feeds the import's header and row parsing, and the API's
// checks after it, arbitrary CSV: it never panics; every error is on a
// column of the header (or the whole row); a row that passes has a
// canonical number that checks again unchanged, contributions summing to
// exactly 100%, and a listing price within bounds. Seed corpus in
// testdata/fuzz/FuzzImportRow.
func FuzzImportRow(f *testing.F) {
	h := "kind,subtype,number,nice_class,status,title_zh,title_en,field,owner_uscc,inventors,listing_kind,price_yuan,expires_on\n"
	for _, s := range []string{
		h + "patent,,201310699744.2,,granted,芯片,Chip,electronic_information,914403001922038216,张三/Zhang San:60;李四:40,transfer,\"1,200,000\",\n",
		h + "trademark,,第8812345号,9,,商标,Mark,,914403001922038216,,pledge,面议,2030-01-01\n",
		h + "copyright,software,2021SR0999001,,,软件,Software,,914403001922038216,甲：100%,,,\n",
		"类型,号码,中文名称,title_en,owner_uscc,inventors\npatent,ZL201310699744.2,a,b,x,甲:33.33;乙:33.33;丙:33.34\n",
		h + "patent,,201310699744.3,,,a,b,,x,甲:abc;乙,transfer,lots,2021-02-30\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("kind,number\npatent,201310699744.2\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		r, err := tabular.Open(bytes.NewReader(data), tabular.CSV, 0)
		if err != nil {
			t.Fatal(err)
		}
		header, _, err := r.Next()
		if err != nil {
			return
		}
		cols, _ := parseImportHeader(slices.Clone(header))
		for {
			cells, _, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *tabular.RowError
			if errors.As(err, &re) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			row, errs := parseImportRow(cols, cells, xlsx)
			for _, e := range errs {
				if e.Column < 1 || e.Column > len(cols) || cols[e.Column-1] == "" || e.Message == "" {
					t.Fatalf("error %+v is not on a column of %q", e, cols)
				}
			}
			if len(errs) > 0 {
				continue
			}
			in := row.Asset
			in.OwnerOrgID = 1
			if in.normalize() != nil {
				continue
			}
			again := in
			if err := again.normalize(); err != nil || again.Number != in.Number {
				t.Fatalf("accepted number %q checks again as %q, %v", in.Number, again.Number, err)
			}
			if in.Kind == "patent" {
				if _, err := ipnum.ParsePatent(in.Number); err != nil {
					t.Fatalf("accepted patent number %q: %v", in.Number, err)
				}
			}
			if len(in.Inventors) > 0 {
				var sum int64
				for _, v := range in.Inventors {
					bp, ok := pctToBP(v.SharePct)
					if !ok {
						t.Fatalf("accepted share %v", v.SharePct)
					}
					sum += bp
				}
				if sum != 10000 {
					t.Fatalf("accepted shares summing to %d bp", sum)
				}
			}
			if l := row.Listing; l != nil {
				l.AssetID = 1
				if l.normalize("2026-01-01") == nil && l.PriceYuan != nil && (*l.PriceYuan < 1 || *l.PriceYuan > MaxPriceYuan) {
					t.Fatalf("accepted price %d", *l.PriceYuan)
				}
				if l.Negotiable && l.PriceYuan != nil {
					t.Fatal("a price both negotiable and set")
				}
			}
			if strings.ContainsRune(in.TitleZh, 0) {
				t.Fatal("accepted a NUL in the title")
			}
		}
	})
}
