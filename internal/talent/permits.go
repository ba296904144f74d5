package talent

import (
	"context"
	"database/sql"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// Querier is a *sql.Tx or a *sql.DB.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Permit statuses as PermitsOf reports them.
const (
	// PermitValid: granted, not superseded, and today is on or before
	// valid_to.
	PermitValid = "valid"
	// PermitExpired: valid_to has passed without a renewal.
	PermitExpired = "expired"
	// PermitSuperseded: a renewal granted a new permit in its place.
	PermitSuperseded = "superseded"
)

// PermitSummary is a work permit as other modules read it (talent
// apartments, permanent residence, talent programs).
type PermitSummary struct {
	ID            int64  `json:"id"`
	ApplicationID int64  `json:"application_id"`
	Number        string `json:"number"`
	// Class is "A", "B" or "C".
	Class         string `json:"class"`
	EmployerOrgID int64  `json:"employer_org_id"`
	// UserID is the holder's account (0 when the talent has none).
	UserID     int64  `json:"user_id"`
	HolderName string `json:"holder_name"`
	// ValidFrom and ValidTo are dates (YYYY-MM-DD), both days included.
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to"`
	// Status is PermitValid, PermitExpired or PermitSuperseded as of the
	// day asked.
	Status string `json:"status"`
}

// PermitsOf lists the work permits held by the user with id userID, newest
// first, with their status as of today (Shanghai time). q is a *sql.DB or
// the caller's *sql.Tx. It reads no personal data beyond the holder's name.
func (s *Service) PermitsOf(ctx context.Context, q Querier, userID int64) ([]PermitSummary, error) {
	return PermitsOf(ctx, q, userID, s.today())
}

// PermitsOf is Service.PermitsOf as of a given day, for callers without a
// Service.
func PermitsOf(ctx context.Context, q Querier, userID int64, asOf time.Time) ([]PermitSummary, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+permitCols+` FROM talent_permits WHERE talent_user_id = $1 ORDER BY valid_from DESC, id DESC`, userID)
	return collectPermits(rows, err, asOf)
}

// PermitsOfOrg lists the permits of an employer, newest first.
func PermitsOfOrg(ctx context.Context, q Querier, orgID int64, asOf time.Time) ([]PermitSummary, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+permitCols+` FROM talent_permits WHERE employer_org_id = $1 ORDER BY valid_from DESC, id DESC`, orgID)
	return collectPermits(rows, err, asOf)
}

const permitCols = `id, application_id, number, class, employer_org_id, talent_user_id, holder_name, valid_from, valid_to, status`

func collectPermits(rows *sql.Rows, err error, asOf time.Time) ([]PermitSummary, error) {
	day := asOf.Format(time.DateOnly)
	return db.Collect(rows, err, "work permits", func(r interface{ Scan(...any) error }) (PermitSummary, error) {
		return scanPermit(r, day)
	})
}

func scanPermit(r interface{ Scan(...any) error }, day string) (PermitSummary, error) {
	var p PermitSummary
	var user sql.NullInt64
	var from, to db.Date
	var status string
	if err := r.Scan(&p.ID, &p.ApplicationID, &p.Number, &p.Class, &p.EmployerOrgID, &user, &p.HolderName, &from, &to, &status); err != nil {
		return p, err
	}
	p.UserID, p.ValidFrom, p.ValidTo = user.Int64, from.String, to.String
	switch {
	case status == "superseded":
		p.Status = PermitSuperseded
	case p.ValidTo < day:
		p.Status = PermitExpired
	default:
		p.Status = PermitValid
	}
	return p, nil
}

// loadPermit reads one permit.
func loadPermit(ctx context.Context, q Querier, id int64, asOf time.Time) (PermitSummary, error) {
	p, err := scanPermit(q.QueryRowContext(ctx, `SELECT `+permitCols+` FROM talent_permits WHERE id = $1`, id), asOf.Format(time.DateOnly))
	if err == sql.ErrNoRows {
		return p, apperr.New(apperr.NotFound, "no work permit %d", id)
	}
	return p, apperr.Wrap(err, "work permit")
}

// MyPermits lists the permits p holds and those of the organizations p
// belongs to, newest first.
func (s *Service) MyPermits(ctx context.Context, p *auth.Principal) ([]PermitSummary, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	var args db.Args
	where := "talent_user_id = " + args.Add(p.UserID)
	if ids := p.OrgIDs(); len(ids) > 0 {
		where += " OR employer_org_id IN (" + db.List(&args, ids) + ")"
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+permitCols+` FROM talent_permits WHERE `+where+` ORDER BY valid_from DESC, id DESC LIMIT 500`, args...)
	return collectPermits(rows, err, s.today())
}
