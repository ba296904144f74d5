package app

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/finance"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/programs"
)

// programRules lets the voucher and finance modules ask the programs
// module's rules whether an organization is eligible for something.
type programRules struct{ a *App }

// system reads programs and profiles whatever their visibility.
var system = &auth.Principal{Role: auth.RoleAdmin, Email: "system"}

func (v programRules) Check(ctx context.Context, ref string) error {
	_, err := v.a.Programs.Get(ctx, system, ref)
	return err
}

func (v programRules) Eligible(ctx context.Context, orgID int64, ref string) (string, string, string, error) {
	o, err := v.a.Registry.Get(ctx, system, orgID)
	if err != nil {
		return "", "", "", err
	}
	prof, err := programs.ProfileOf(&o)
	if err != nil {
		return "", "", "", err
	}
	y, m, d := v.a.DB.Now().In(shanghai).Date()
	_, res, err := v.a.Programs.Evaluate(ctx, system, ref, prof, time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return "", "", "", err
	}
	var zh, en []string
	for _, c := range res.Criteria {
		if c.Status != rules.Met {
			zh = append(zh, c.Label.Zh+"："+c.Reason.Zh)
			en = append(en, c.Label.En+": "+c.Reason.En)
		}
	}
	return string(res.Status), strings.Join(zh, "；"), strings.Join(en, "; "), nil
}

// Program is what the finance module needs of a program.
func (v programRules) Program(ctx context.Context, ref string) (finance.ProgramRef, error) {
	p, err := v.a.Programs.Get(ctx, system, ref)
	if err != nil {
		return finance.ProgramRef{}, err
	}
	out := finance.ProgramRef{ID: p.ID, Slug: p.Slug, TitleZh: p.TitleZh, TitleEn: p.TitleEn}
	if p.OwnerOrgID != nil {
		out.OwnerOrgID = *p.OwnerOrgID
	}
	return out, nil
}

// Budget opens the program's budget account, funded up to its budget,
// for the finance module's interest subsidies.
func (v programRules) Budget(ctx context.Context, tx *sql.Tx, programID int64) (int64, error) {
	p, err := v.a.Programs.Get(ctx, system, strconv.FormatInt(programID, 10))
	if err != nil {
		return 0, err
	}
	a, err := v.a.Programs.BudgetAccount(ctx, tx, &p)
	return a.ID, err
}

var shanghai = time.FixedZone("CST", 8*3600)
