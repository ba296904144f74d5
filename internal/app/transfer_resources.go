package app

import (
	"context"
	"slices"
	"strings"

	"rainforest/internal/transfer"
)

// transferResources lets the transfer module suggest, for a need, the
// shared instruments and the service providers that accept innovation
// vouchers.
type transferResources struct{ a *App }

// voucherProviders maps the active providers' organizations to their
// categories.
func (t transferResources) voucherProviders(ctx context.Context) (map[int64][]string, error) {
	ps, err := t.a.Vouchers.Providers(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for _, p := range ps {
		if p.Active {
			out[p.OrgID] = p.Categories
		}
	}
	return out, nil
}

func (t transferResources) Instruments(ctx context.Context, text string, limit int) ([]transfer.Candidate, error) {
	ins, rel, err := t.a.Instruments.Suggest(ctx, text, limit)
	if err != nil {
		return nil, err
	}
	vp, err := t.voucherProviders(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]transfer.Candidate, 0, len(ins))
	for i, in := range ins {
		cats, ok := vp[in.OwnerOrgID]
		out = append(out, transfer.Candidate{
			ID: in.ID, Name: in.NameZh, NameEn: in.NameEn, Owner: in.OwnerName, Region: in.Region,
			Text:      strings.Join([]string{in.NameZh, in.NameEn, in.Model, in.CapabilitiesZh, in.CapabilitiesEn}, "\n"),
			Relevance: rel[i],
			Voucher:   ok && (slices.Contains(cats, "instrument") || slices.Contains(cats, "testing")),
		})
	}
	return out, nil
}

func (t transferResources) Providers(ctx context.Context) ([]transfer.Candidate, error) {
	ps, err := t.a.Vouchers.Providers(ctx)
	if err != nil {
		return nil, err
	}
	out := []transfer.Candidate{}
	for _, p := range ps {
		if !p.Active {
			continue
		}
		c := transfer.Candidate{ID: p.OrgID, Name: p.Name, NameEn: p.NameEn, Region: p.Region, Categories: p.Categories, Voucher: true}
		o, err := t.a.Registry.Get(ctx, system, p.OrgID)
		if err != nil {
			return nil, err
		}
		if o.TechField != nil {
			c.Field = *o.TechField
		}
		out = append(out, c)
	}
	return out, nil
}
