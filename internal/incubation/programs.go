package incubation

import (
	"context"
	"database/sql"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
)

// withPrograms fills the open programs each current tenant company
// qualifies for, asking the programs module once per company.
func (s *Service) withPrograms(ctx context.Context, ts []Tenancy) error {
	if s.Programs == nil {
		return nil
	}
	seen := map[int64][]ProgramMatch{}
	for i := range ts {
		if !ts[i].Current() || ts[i].OrgID == nil {
			continue
		}
		org := *ts[i].OrgID
		ms, ok := seen[org]
		if !ok {
			var err error
			if ms, err = s.Programs.Eligible(ctx, org); err != nil {
				return err
			}
			seen[org] = ms
		}
		ts[i].Programs = ms
	}
	return nil
}

// eligibleMessage tells a carrier's operator that a tenant qualifies for
// a program; its key makes it once per carrier, program and tenant.
func eligibleMessage(c *Carrier, org int64, name string, m ProgramMatch) notify.Message {
	return notify.Message{
		Kind:  "incubation.tenant_eligible",
		Key:   "incubation.eligible:" + strconv.FormatInt(c.ID, 10) + ":" + m.Slug + ":" + strconv.FormatInt(org, 10),
		Title: notify.Text{Zh: "在孵企业可申报：" + m.TitleZh, En: "A tenant qualifies for " + m.Title("en")},
		Body: notify.Text{Zh: name + "（" + c.NameZh + "）符合「" + m.TitleZh + "」的申报条件。",
			En: name + " (" + or(c.NameEn, c.NameZh) + ") qualifies for " + m.Title("en") + "."},
		Link: "/incubation/carriers/" + strconv.FormatInt(c.ID, 10) + "#tenants",
	}
}

// tellEligible tells the operator of c, inside tx, every open program the
// new tenant company org qualifies for.
func (s *Service) tellEligible(ctx context.Context, tx *sql.Tx, c *Carrier, org int64, name string) error {
	if s.Programs == nil || s.Notifier == nil {
		return nil
	}
	ms, err := s.Programs.Eligible(ctx, org)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if _, err := s.Notifier.ToOrg(ctx, tx, c.OperatorOrgID, eligibleMessage(c, org, name, m)); err != nil {
			return err
		}
	}
	return nil
}

// BecameEligible tells the operators of the carriers where any of orgs is
// a current tenant that it qualifies for program m now. The matcher calls
// it inside the transaction that stores the new eligible pairs.
func (s *Service) BecameEligible(ctx context.Context, tx *sql.Tx, m ProgramMatch, orgs []int64) error {
	if s.Notifier == nil || len(orgs) == 0 {
		return nil
	}
	for start := 0; start < len(orgs); start += 500 {
		chunk := orgs[start:min(start+500, len(orgs))]
		var args db.Args
		rows, err := tx.QueryContext(ctx, `SELECT x.org_id, x.name, `+carrierCols+` FROM incubation_tenancies x JOIN incubation_carriers c ON c.id = x.carrier_id
			JOIN orgs o ON o.id = c.operator_org_id WHERE x.left_on IS NULL AND x.org_id IN (`+db.List(&args, chunk)+`)`, args...)
		type hit struct {
			org  int64
			name string
			c    Carrier
		}
		hits, err := db.Collect(rows, err, "tenants", func(r interface{ Scan(...any) error }) (hit, error) {
			var h hit
			var c Carrier
			var fields, services string
			err := r.Scan(&h.org, &h.name, &c.ID, &c.OperatorOrgID, &c.OperatorName, &c.Stage, &c.NameZh, &c.NameEn, &c.District, &c.Address, &c.Level,
				&c.AreaM2, &c.Desks, &c.Offices, &fields, &services, &c.SeedFundFen, &c.DescriptionZh, &c.DescriptionEn, &c.Status, &c.Version, &c.CreatedAt, &c.UpdatedAt)
			h.c = c
			return h, err
		})
		if err != nil {
			return err
		}
		for _, h := range hits {
			if _, err := s.Notifier.ToOrg(ctx, tx, h.c.OperatorOrgID, eligibleMessage(&h.c, h.org, h.name, m)); err != nil {
				return apperr.Wrap(err, "tell operator")
			}
		}
	}
	return nil
}
