package talent

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/text"
)

// Quota is a year's quota of class-C permits and how much of it is used.
type Quota struct {
	Year      int       `json:"year"`
	Quota     int       `json:"quota"`
	Used      int       `json:"used"`
	Left      int       `json:"left"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxQuota bounds a year's quota.
const MaxQuota = 1_000_000

// Quotas lists the years' class-C quotas, newest first: public, as the
// report is.
func (s *Service) Quotas(ctx context.Context) ([]Quota, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+quotaCols+` FROM talent_quotas ORDER BY year DESC`)
	return db.Collect(rows, err, "talent quotas", scanQuota)
}

const quotaCols = `year, quota, used, updated_at`

func scanQuota(r interface{ Scan(...any) error }) (Quota, error) {
	var q Quota
	err := r.Scan(&q.Year, &q.Quota, &q.Used, &q.UpdatedAt)
	q.Left, q.UpdatedAt = max(0, q.Quota-q.Used), q.UpdatedAt.UTC()
	return q, err
}

// QuotaInput sets a year's quota.
type QuotaInput struct {
	Quota *int `json:"quota"`
}

// SetQuota sets a year's class-C quota (administrators). A quota below
// what is used stops new class-C permits for the year; nothing granted is
// undone.
func (s *Service) SetQuota(ctx context.Context, p *auth.Principal, year int, in QuotaInput) (Quota, error) {
	if p == nil {
		return Quota{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() {
		return Quota{}, apperr.New(apperr.Forbidden, "administrators set the class-C quota")
	}
	var fs text.Errors
	if year < 2000 || year > 2200 {
		fs.Add("year", "must be a year between 2000 and 2200")
	}
	if in.Quota == nil {
		fs.Add("quota", "is required")
	} else if *in.Quota < 0 || *in.Quota > MaxQuota {
		fs.Add("quota", "must be between 0 and 1,000,000")
	}
	if err := apperr.Fields(fs); err != nil {
		return Quota{}, err
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.DB.Now()
		var before any
		var old Quota
		if err := tx.QueryRowContext(ctx, `SELECT year, quota, used FROM talent_quotas WHERE year = $1`, year).Scan(&old.Year, &old.Quota, &old.Used); err == nil {
			before = old
		} else if err != sql.ErrNoRows {
			return apperr.Wrap(err, "talent quota")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO talent_quotas (year, quota, used, updated_at) VALUES ($1, $2, 0, $3)
			ON CONFLICT (year) DO UPDATE SET quota = excluded.quota, version = talent_quotas.version + 1, updated_at = excluded.updated_at`, year, *in.Quota, now); err != nil {
			return apperr.Wrap(err, "talent quota")
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "set_quota", Entity: "talent_quota", EntityID: strconv.Itoa(year),
			Before: before, After: map[string]any{"year": year, "quota": *in.Quota}})
	})
	if err != nil {
		return Quota{}, err
	}
	q, err := scanQuota(s.DB.Read.QueryRowContext(ctx, `SELECT `+quotaCols+` FROM talent_quotas WHERE year = $1`, year))
	return q, apperr.Wrap(err, "talent quota")
}

// takeQuota takes a place of a year's class-C quota inside the grant's
// transaction; a year without a quota, or with none left, is 409 on class.
func takeQuota(ctx context.Context, tx *sql.Tx, year int) error {
	res, err := tx.ExecContext(ctx, `UPDATE talent_quotas SET used = used + 1 WHERE year = $1 AND used < quota`, year)
	if err != nil {
		return apperr.Wrap(err, "class-C quota")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var quota int
	if err := tx.QueryRowContext(ctx, `SELECT quota FROM talent_quotas WHERE year = $1`, year).Scan(&quota); err == sql.ErrNoRows {
		return quotaConflict("no class-C quota is set for %d; grant class A or B, or ask an administrator to set one", year)
	} else if err != nil {
		return apperr.Wrap(err, "class-C quota")
	}
	return quotaConflict("the class-C quota for %d (%d permits) is used up", year, quota)
}

// quotaConflict is a 409 naming the class.
func quotaConflict(format string, args ...any) error {
	e := apperr.Field("class", format, args...)
	e.Code = apperr.Conflict
	return e
}

// Quotas is GET /api/v1/talent/quotas: public.
func (a *API) Quotas(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		qs, err := a.S.Quotas(r.Context())
		return map[string]any{"items": qs}, err
	})
}

// SetQuota is PUT /api/v1/talent/quotas/{year}: administrators.
func (a *API) SetQuota(w http.ResponseWriter, r *http.Request) {
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		httpx.Error(w, r, apperr.Field("year", "must be a year"))
		return
	}
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in QuotaInput) (Quota, error) {
		return a.S.SetQuota(r.Context(), p, year, in)
	})
}
