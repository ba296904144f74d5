package incubation

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

// checkRefusal: a refusal is a 422 that names fields of the input.
func checkRefusal(t *testing.T, err error, known ...string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
		t.Fatalf("not a field error: %#v", err)
	}
	for _, f := range ae.Fields {
		if !slices.Contains(known, f.Field) {
			t.Fatalf("names unknown field %q (%s)", f.Field, f.Message)
		}
	}
}

// FuzzValidate: whatever a carrier, a lease, an application or an
// investment holds, validation either refuses it naming its fields, or
// accepts only what the database and the figures rely on: positive
// capacity and area, known stage, level, fields and services; a lease of
// at least one unit whose end is not before its start; an application as
// a team or a company, not both; a positive investment on a real date.
func FuzzValidate(f *testing.F) {
	f.Add("incubator", "杨浦智能硬件孵化器", "yangpu", 3200, 20, 4, "electronic_information,new_materials", "desk", 2, "2026-11-01", "2027-10-31", int64(5), int64(0), "angel", int64(3000000))
	f.Add("garage", "", "", 0, 0, 0, "astrology", "room", 0, "2026-13-01", "2026-11-01", int64(0), int64(0), "", int64(0))
	f.Add("nursery", "苗圃", "xuhui", 1, -1, 1, "", "office", 1, "2026-11-02", "2026-11-01", int64(-1), int64(3), "seed", int64(-5))
	f.Add("accelerator", "\x00加速器\u202e", "pudong\n", 10_000_001, 100_001, 0, ",,,", "desk", 100_001, "2026-02-29", "2026-03-01", int64(1), int64(1), "series_a", int64(1_000_000_000_001))
	f.Fuzz(func(t *testing.T, stage, name, district string, area, desks, offices int, fields, space string, units int, starts, ends string, team, org int64, round string, amount int64) {
		in := CarrierInput{OperatorOrgID: 1, Stage: stage, NameZh: name, District: district, AreaM2: area, Desks: desks, Offices: offices, Fields: strings.Split(fields, ",")}
		if err := in.Validate(); err != nil {
			checkRefusal(t, err, "operator_org_id", "stage", "name_zh", "name_en", "district", "address", "level", "area_m2", "desks", "offices", "fields", "services",
				"seed_fund_yuan", "description_zh", "description_en", "status")
		} else {
			if in.Desks < 0 || in.Offices < 0 || in.Desks+in.Offices <= 0 || in.AreaM2 <= 0 || !slices.Contains(Stages, in.Stage) || !slices.Contains(Levels, in.Level) || in.NameZh == "" {
				t.Fatalf("accepted %+v", in)
			}
			for _, x := range in.Fields {
				if !slices.Contains(Fields, x) {
					t.Fatalf("accepted field %q", x)
				}
			}
		}
		l := LeaseInput{Space: space, Units: units, StartsOn: starts, EndsOn: ends}
		if err := l.Validate(); err != nil {
			checkRefusal(t, err, "space", "units", "starts_on", "ends_on")
		} else {
			s, err1 := time.Parse(time.DateOnly, l.StartsOn)
			e, err2 := time.Parse(time.DateOnly, l.EndsOn)
			if err1 != nil || err2 != nil || e.Before(s) || l.Units < 1 || !slices.Contains(Spaces, l.Space) {
				t.Fatalf("accepted lease %+v", l)
			}
			if n, _ := peak([]interval{{l.StartsOn, l.EndsOn, l.Units}}, l.StartsOn, l.EndsOn); n != l.Units {
				t.Fatalf("peak of one lease %+v is %d", l, n)
			}
		}
		a := ApplyInput{TeamID: team, OrgID: org, Plan: name, DesksWanted: desks, OfficesWanted: offices}
		if err := a.Validate(); err != nil {
			checkRefusal(t, err, "team_id", "org_id", "plan", "desks_wanted", "offices_wanted")
		} else if (a.TeamID > 0) == (a.OrgID > 0) || a.Plan == "" {
			t.Fatalf("accepted application %+v", a)
		}
		x := InvestmentInput{Round: round, AmountYuan: amount, Investor: name, InvestedOn: starts}
		if err := x.Validate(); err != nil {
			checkRefusal(t, err, "round", "amount_yuan", "investor", "invested_on")
		} else if _, err := time.Parse(time.DateOnly, x.InvestedOn); err != nil || x.AmountYuan < 1 || !slices.Contains(Rounds, x.Round) {
			t.Fatalf("accepted investment %+v", x)
		}
	})
}
