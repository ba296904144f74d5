package transfer

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"rainforest/internal/kernel/tabular"
)

// FuzzImportRow feeds the import's header and row parsing, and the API's
// checks after it, arbitrary CSV of either kind: it never panics; every
// error is on a column of the header (or the whole row); a row that passes
// the API's checks has a readiness level from 1 to 9, known trade modes,
// an amount within bounds and titles without NUL, and checks again
// unchanged. Seed corpus in testdata/fuzz/FuzzImportRow.
func FuzzImportRow(f *testing.F) {
	ah := "owner_uscc,title_zh,title_en,summary_zh,keywords,field,trl,modes,price_yuan,asset_numbers,status\n"
	nh := "owner_uscc,title_zh,title_en,problem_zh,keywords,field,min_trl,modes,budget_yuan,deadline,status\n"
	for _, s := range []struct {
		data string
		need bool
	}{
		{ah + "914403001922038216,芯片,Chip,\"多行\n简介\",芯片,electronic_information,5,licence;transfer,\"1,200,000\",201310699744.2,\n", false},
		{ah + "x,a,b,,,cooking,12,barter；licence,面议,,published\n", false},
		{nh + "914403001922038216,散热,Cooling,问题,,electronic_information,4,joint_development,500000,2030-01-01,open\n", true},
		{nh + "x,a,b,,,new_materials,abc,,99999999999999999999,2021-02-30,expired\n", true},
		{"中文名称,owner_uscc 所有人统一社会信用代码,field,trl,modes,modes\n甲,乙,丙,1,equity\n", false},
	} {
		f.Add([]byte(s.data), s.need, false)
	}
	f.Add([]byte("title_zh,trl,price_yuan\na,7.0,1.2e6\n"), false, true)
	f.Fuzz(func(t *testing.T, data []byte, need, xlsx bool) {
		kind, columns := ImportAchievements, AchievementColumns
		if need {
			kind, columns = ImportNeeds, NeedColumns
		}
		r, err := tabular.Open(bytes.NewReader(data), tabular.CSV, 0)
		if err != nil {
			t.Fatal(err)
		}
		header, _, err := r.Next()
		if err != nil {
			return
		}
		cols, herrs := parseImportHeader(columns, slices.Clone(header))
		for _, e := range herrs {
			if e.Column < 0 || e.Column > len(header) || e.Message == "" {
				t.Fatalf("header error %+v outside the header of %d cells", e, len(header))
			}
		}
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
			row, errs := parseImportRow(kind, cols, cells, xlsx)
			for _, e := range errs {
				if e.Column < 1 || e.Column > len(cols) || cols[e.Column-1] == "" || e.Message == "" {
					t.Fatalf("error %+v is not on a column of %q", e, cols)
				}
			}
			if len(errs) > 0 {
				continue
			}
			if need {
				in := row.Need
				in.OwnerOrgID = 1
				budget, err := in.normalize("2026-01-01")
				if err != nil {
					if _, ok := apiErrors(err, map[string]int{}); !ok {
						t.Fatalf("a row's check failed as %v", err)
					}
					continue
				}
				if in.MinTRL < 1 || in.MinTRL > 9 || len(in.Modes) == 0 || (budget != nil && (*budget < 100 || *budget > maxYuan*100)) {
					t.Fatalf("accepted %+v", in)
				}
				again := in
				if b2, err := again.normalize("2026-01-01"); err != nil || !slices.Equal(again.Modes, in.Modes) || !sameFen(b2, budget) {
					t.Fatalf("accepted need checks again as %+v, %v", again, err)
				}
				if strings.ContainsRune(in.TitleZh, 0) {
					t.Fatal("accepted a NUL in the title")
				}
				continue
			}
			in := row.Achievement
			in.OwnerOrgID = 1
			price, err := in.normalize()
			if err != nil {
				if _, ok := apiErrors(err, map[string]int{}); !ok {
					t.Fatalf("a row's check failed as %v", err)
				}
				continue
			}
			if in.TRL < 1 || in.TRL > 9 || len(in.Modes) == 0 || (price != nil && (*price < 100 || *price > maxYuan*100)) {
				t.Fatalf("accepted %+v", in)
			}
			for _, m := range in.Modes {
				if !slices.Contains(Modes, m) {
					t.Fatalf("accepted mode %q", m)
				}
			}
			again := in
			if p2, err := again.normalize(); err != nil || !slices.Equal(again.Modes, in.Modes) || !sameFen(p2, price) {
				t.Fatalf("accepted achievement checks again as %+v, %v", again, err)
			}
			if strings.ContainsRune(in.TitleZh, 0) {
				t.Fatal("accepted a NUL in the title")
			}
		}
	})
}
