package servicedesk

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/text"
	"rainforest/internal/kernel/workflow"
)

// today is the day in Shanghai.
func (s *Service) today() string { return s.DB.Now().In(Shanghai).Format("2006-01-02") }

// canVisit: officers of the district and administrators.
func canVisit(p *auth.Principal, district string) bool { return p.IsAdmin() || p.OfficerFor(district) }

// CreateVisit records a company visit with its promises: for officers of
// the enterprise's district.
func (s *Service) CreateVisit(ctx context.Context, p *auth.Principal, in VisitInput) (Visit, error) {
	if err := staff(p); err != nil {
		return Visit{}, err
	}
	if err := in.Check(s.today()); err != nil {
		return Visit{}, err
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var district sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT registered_district FROM orgs WHERE id = $1`, in.OrgID).Scan(&district)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("org_id", "no organization %d", in.OrgID)
		}
		if err != nil {
			return apperr.Wrap(err, "visit org")
		}
		if !canVisit(p, district.String) {
			return apperr.New(apperr.Forbidden, "visits are recorded by the officers of the organization's district")
		}
		now := s.DB.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO desk_visits (org_id, district, visited_on, participants, issues, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, in.OrgID, district.String, in.VisitedOn, in.Participants, in.Issues, p.UserID, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert visit")
		}
		for _, pr := range in.Promises {
			if _, err := tx.ExecContext(ctx, `INSERT INTO desk_promises (visit_id, what, owner, due_on, created_at) VALUES ($1, $2, $3, $4, $5)`,
				id, pr.What, pr.Owner, pr.DueOn, now); err != nil {
				return apperr.Wrap(err, "insert promise")
			}
		}
		v, err := s.visit(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: in.OrgID, Action: "desk_visit.record", Entity: "desk_visit", EntityID: strconv.FormatInt(id, 10), After: v})
	})
	if err != nil {
		return Visit{}, err
	}
	return s.visit(ctx, s.DB.Read, id)
}

const visitCols = `v.id, v.org_id, o.name_zh, v.district, v.visited_on, v.participants, v.issues, v.created_at FROM desk_visits v JOIN orgs o ON o.id = v.org_id`

func scanVisit(sc interface{ Scan(...any) error }) (Visit, error) {
	var v Visit
	var d db.Date
	err := sc.Scan(&v.ID, &v.OrgID, &v.OrgName, &v.District, &d, &v.Participants, &v.Issues, &v.CreatedAt)
	v.VisitedOn, v.CreatedAt = d.String, v.CreatedAt.UTC()
	v.Promises = []Promise{}
	return v, err
}

const promiseCols = `p.id, p.visit_id, v.org_id, o.name_zh, p.what, p.owner, p.due_on, p.done_at, p.note, p.created_at
	FROM desk_promises p JOIN desk_visits v ON v.id = p.visit_id JOIN orgs o ON o.id = v.org_id`

func (s *Service) scanPromise(today string) func(sc interface{ Scan(...any) error }) (Promise, error) {
	return func(sc interface{ Scan(...any) error }) (Promise, error) {
		var x Promise
		var d db.Date
		var done db.Time
		err := sc.Scan(&x.ID, &x.VisitID, &x.OrgID, &x.OrgName, &x.What, &x.Owner, &d, &done, &x.Note, &x.CreatedAt)
		x.DueOn, x.DoneAt, x.CreatedAt = d.String, done.Ptr(), x.CreatedAt.UTC()
		x.Overdue = x.DoneAt == nil && x.DueOn < today
		return x, err
	}
}

func (s *Service) visit(ctx context.Context, q workflow.Querier, id int64) (Visit, error) {
	v, err := scanVisit(q.QueryRowContext(ctx, `SELECT `+visitCols+` WHERE v.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, apperr.New(apperr.NotFound, "no visit %d", id)
	}
	if err != nil {
		return v, apperr.Wrap(err, "visit")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+promiseCols+` WHERE p.visit_id = $1 ORDER BY p.id`, id)
	v.Promises, err = db.Collect(rows, err, "promises", s.scanPromise(s.today()))
	return v, err
}

// GetVisit returns a visit to the officers of its district and
// administrators; to anyone else it is not found.
func (s *Service) GetVisit(ctx context.Context, p *auth.Principal, id int64) (Visit, error) {
	if err := staff(p); err != nil {
		if p == nil {
			return Visit{}, err
		}
		return Visit{}, apperr.New(apperr.NotFound, "no visit %d", id)
	}
	v, err := s.visit(ctx, s.DB.Read, id)
	if err != nil {
		return v, err
	}
	if !canVisit(p, v.District) {
		return Visit{}, apperr.New(apperr.NotFound, "no visit %d", id)
	}
	return v, nil
}

// districtScope limits a query to the caller's districts (administrators:
// no limit).
func districtScope(p *auth.Principal, args *db.Args, col string) string {
	if p.IsAdmin() {
		return `1 = 1`
	}
	return col + ` IN (` + db.List(args, p.OfficerDistricts()) + `)`
}

// Visits lists the visits of the caller's districts, newest first.
func (s *Service) Visits(ctx context.Context, p *auth.Principal) ([]Visit, error) {
	if err := staff(p); err != nil {
		return nil, err
	}
	var args db.Args
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+visitCols+` WHERE `+districtScope(p, &args, "v.district")+` ORDER BY v.visited_on DESC, v.id DESC LIMIT 200`, args...)
	vs, err := db.Collect(rows, err, "visits", scanVisit)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i], err = s.visit(ctx, s.DB.Read, vs[i].ID); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// Promises lists the promises of the caller's districts still open
// (overdue first), or only the overdue ones.
func (s *Service) Promises(ctx context.Context, p *auth.Principal, overdueOnly bool) ([]Promise, error) {
	if err := staff(p); err != nil {
		return nil, err
	}
	var args db.Args
	today := s.today()
	q := `SELECT ` + promiseCols + ` WHERE p.done_at IS NULL AND ` + districtScope(p, &args, "v.district")
	if overdueOnly {
		q += ` AND p.due_on < ` + args.Add(today)
	}
	q += ` ORDER BY p.due_on, p.id LIMIT 500`
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	return db.Collect(rows, err, "promises", s.scanPromise(today))
}

// DonePromise marks a promise kept, with an optional note.
func (s *Service) DonePromise(ctx context.Context, p *auth.Principal, id int64, note string) (Promise, error) {
	if err := staff(p); err != nil {
		if p == nil {
			return Promise{}, err
		}
		return Promise{}, apperr.New(apperr.NotFound, "no promise %d", id)
	}
	var fs text.Errors
	fs.Block("note", note, MaxComment)
	if len(fs) > 0 {
		return Promise{}, apperr.Fields(fs)
	}
	var out Promise
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var district string
		var orgID int64
		err := tx.QueryRowContext(ctx, `SELECT v.district, v.org_id FROM desk_promises p JOIN desk_visits v ON v.id = p.visit_id WHERE p.id = $1`, id).Scan(&district, &orgID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !canVisit(p, district)) {
			return apperr.New(apperr.NotFound, "no promise %d", id)
		}
		if err != nil {
			return apperr.Wrap(err, "promise")
		}
		now := s.DB.Now()
		res, err := tx.ExecContext(ctx, `UPDATE desk_promises SET done_at = $1, done_by = $2, note = $3 WHERE id = $4 AND done_at IS NULL`, now, p.UserID, note, id)
		if err != nil {
			return apperr.Wrap(err, "promise done")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "the promise is already marked done")
		}
		if out, err = s.scanPromise(s.today())(tx.QueryRowContext(ctx, `SELECT `+promiseCols+` WHERE p.id = $1`, id)); err != nil {
			return apperr.Wrap(err, "promise")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: orgID, Action: "desk_promise.done", Entity: "desk_promise", EntityID: strconv.FormatInt(id, 10),
			Before: map[string]any{"done_at": nil}, After: out})
	})
	return out, err
}
