package obligations

import (
	"context"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// Obligation is one award's duty as its recipient sees it.
type Obligation struct {
	AwardID         int64   `json:"award_id"`
	ApplicationID   int64   `json:"application_id"`
	ProgramSlug     string  `json:"program_slug"`
	ProgramTitleZh  string  `json:"program_title_zh"`
	ProgramTitleEn  string  `json:"program_title_en"`
	AmountFen       int64   `json:"amount_fen"`
	PaidOn          string  `json:"paid_on"`
	District        *string `json:"registered_district"`
	TaxDistrict     *string `json:"tax_district"`
	ObligationUntil string  `json:"obligation_until"`
	// Status is running (the duty still holds), fulfilled (it ran its
	// course), or the state of the clawback case opened for the award.
	Status       string  `json:"status"`
	FulfilledOn  *string `json:"fulfilled_on"`
	DaysLeft     int     `json:"days_left"`
	CaseID       *int64  `json:"case_id"`
	AmountDueFen *int64  `json:"amount_due_fen"`
	DueOn        *string `json:"due_on"`
}

// Title is the program's title in lang.
func (o *Obligation) Title(lang string) string { return pick(lang, o.ProgramTitleZh, o.ProgramTitleEn) }

// OrgObligations lists the obligations of an organization's paid and
// clawed-back awards, running ones first: for its members, the officers
// of its registered district and administrators.
func (s *Service) OrgObligations(ctx context.Context, p *auth.Principal, orgID int64, district *string) ([]Obligation, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in to see an organization's obligations")
	}
	if !p.IsAdmin() && p.RoleIn(orgID) == "" && (district == nil || !p.OfficerFor(*district)) {
		return nil, apperr.New(apperr.Forbidden, "only the organization's members and its district's officers see its obligations")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT a.id, a.application_id, p.slug, p.title_zh, p.title_en, a.amount_fen, a.paid_on, a.registered_district, a.tax_district, a.obligation_until,
			a.obligation_fulfilled_on, c.id, c.status, c.amount_due_fen, c.due_on
		FROM awards a JOIN programs p ON p.id = a.program_id LEFT JOIN clawback_cases c ON c.award_id = a.id
		WHERE a.org_id = $1 AND a.status IN ('paid', 'clawed_back') AND a.obligation_until IS NOT NULL
		ORDER BY a.obligation_until DESC, a.id`, orgID)
	today, _ := time.Parse(time.DateOnly, s.Today())
	out, err := db.Collect(rows, err, "obligations", func(sc interface{ Scan(...any) error }) (Obligation, error) {
		var o Obligation
		var paid, until, fulfilled, due db.Date
		var status *string
		err := sc.Scan(&o.AwardID, &o.ApplicationID, &o.ProgramSlug, &o.ProgramTitleZh, &o.ProgramTitleEn, &o.AmountFen, &paid, &o.District, &o.TaxDistrict, &until,
			&fulfilled, &o.CaseID, &status, &o.AmountDueFen, &due)
		o.PaidOn, o.ObligationUntil, o.FulfilledOn, o.DueOn = paid.String, until.String, fulfilled.Ptr(), due.Ptr()
		switch {
		case status != nil:
			o.Status = *status
		case fulfilled.Valid:
			o.Status = "fulfilled"
		default:
			o.Status = "running"
			if u, err := time.Parse(time.DateOnly, until.String); err == nil {
				o.DaysLeft = max(0, int(u.Sub(today).Hours()/24)+1)
			}
		}
		return o, err
	})
	if out == nil && err == nil {
		out = []Obligation{}
	}
	return out, err
}
