package app

import (
	"context"
	"strings"
	"time"

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

var shanghai = time.FixedZone("CST", 8*3600)
