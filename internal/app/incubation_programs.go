package app

import (
	"context"
	"database/sql"

	"rainforest/internal/incubation"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/programs"
)

// incubationPrograms lets the incubation module ask the programs module
// which open programs a tenant company qualifies for.
type incubationPrograms struct{ a *App }

func (v incubationPrograms) Eligible(ctx context.Context, orgID int64) ([]incubation.ProgramMatch, error) {
	_, ms, _, err := v.a.Programs.Eligibility(ctx, system, orgID)
	if err != nil {
		return nil, err
	}
	out := []incubation.ProgramMatch{}
	for _, m := range ms {
		if m.Result.Status != rules.Eligible {
			continue
		}
		pm := incubation.ProgramMatch{Slug: m.Program.Slug, TitleZh: m.Program.TitleZh, TitleEn: m.Program.TitleEn}
		if m.Result.Amount != nil && m.Result.Amount.Yuan != nil {
			y := *m.Result.Amount.Yuan
			pm.AmountYuan = &y
		}
		out = append(out, pm)
	}
	return out, nil
}

// BecameEligible tells the incubation module, inside the matcher's
// transaction, which enterprises became eligible for a program.
func (v incubationPrograms) BecameEligible(ctx context.Context, tx *sql.Tx, p programs.Program, orgs []int64) error {
	return v.a.Incubation.BecameEligible(ctx, tx, incubation.ProgramMatch{Slug: p.Slug, TitleZh: p.TitleZh, TitleEn: p.TitleEn}, orgs)
}
