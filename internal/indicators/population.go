package indicators

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
)

// Populations lists the reference populations by district and year.
func (s *Service) Populations(ctx context.Context) ([]Population, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT district, year, population, source, updated_at FROM indicator_populations ORDER BY district, year`)
	if err != nil {
		return nil, apperr.Wrap(err, "populations")
	}
	defer rows.Close()
	out := []Population{}
	for rows.Next() {
		var p Population
		if err := rows.Scan(&p.District, &p.Year, &p.Population, &p.Source, (*dbTime)(&p.UpdatedAt)); err != nil {
			return nil, apperr.Wrap(err, "populations")
		}
		out = append(out, p)
	}
	return out, apperr.Wrap(rows.Err(), "populations")
}

// ParseYear checks a year of reference data.
func ParseYear(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil || y < 1949 || y > 2100 || strconv.Itoa(y) != s {
		return 0, apperr.Field("year", "must be a year between 1949 and 2100")
	}
	return y, nil
}

// checkPopulation validates an administrator's figure.
func (s *Service) checkPopulation(ctx context.Context, district string, in *PopulationInput) error {
	var fs []apperr.FieldError
	as, err := s.Areas(ctx, ByDistrict)
	if err != nil {
		return err
	}
	if district == Unassigned || areaIndex(as, district) < 0 {
		fs = append(fs, apperr.FieldError{Field: "district", Message: "no such district"})
	}
	if in.Population <= 0 || in.Population > 100_000_000 {
		fs = append(fs, apperr.FieldError{Field: "population", Message: "must be a number of residents between 1 and 100,000,000"})
	}
	in.Source = strings.TrimSpace(in.Source)
	if in.Source == "" || utf8.RuneCountInString(in.Source) > 500 || !utf8.ValidString(in.Source) {
		fs = append(fs, apperr.FieldError{Field: "source", Message: "must name the publication, up to 500 characters"})
	}
	return apperr.Fields(fs)
}

// SavePopulation creates or replaces a district's figure for a year
// (administrators); the per-capita indicators follow on the next pass.
func (s *Service) SavePopulation(ctx context.Context, p *auth.Principal, district string, year int, in PopulationInput) (Population, error) {
	if err := adminOnly(p); err != nil {
		return Population{}, err
	}
	if err := s.checkPopulation(ctx, district, &in); err != nil {
		return Population{}, err
	}
	now := s.DB.Now()
	out := Population{District: district, Year: year, Population: in.Population, Source: in.Source, UpdatedAt: now}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := populationIn(ctx, tx, district, year)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO indicator_populations (district, year, population, source, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (district, year) DO UPDATE SET population = excluded.population, source = excluded.source, updated_at = excluded.updated_at`,
			district, year, in.Population, in.Source, now); err != nil {
			return apperr.Wrap(err, "save population")
		}
		action := "update"
		var b any = before
		if before == nil {
			action, b = "create", nil
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: action, Entity: "indicator_population", EntityID: district + "/" + strconv.Itoa(year), Before: b, After: out})
	})
	return out, err
}

// DeletePopulation removes a district's figure for a year.
func (s *Service) DeletePopulation(ctx context.Context, p *auth.Principal, district string, year int) error {
	if err := adminOnly(p); err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := populationIn(ctx, tx, district, year)
		if err != nil {
			return err
		}
		if before == nil {
			return apperr.New(apperr.NotFound, "no population of %s for %d", district, year)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM indicator_populations WHERE district = $1 AND year = $2`, district, year); err != nil {
			return apperr.Wrap(err, "delete population")
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{Action: "delete", Entity: "indicator_population", EntityID: district + "/" + strconv.Itoa(year), Before: before})
	})
}

func populationIn(ctx context.Context, tx *sql.Tx, district string, year int) (*Population, error) {
	var p Population
	err := tx.QueryRowContext(ctx, `SELECT district, year, population, source, updated_at FROM indicator_populations WHERE district = $1 AND year = $2`, district, year).
		Scan(&p.District, &p.Year, &p.Population, &p.Source, (*dbTime)(&p.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "population")
	}
	return &p, nil
}

func adminOnly(p *auth.Principal) error {
	if p == nil {
		return apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() {
		return apperr.New(apperr.Forbidden, "only administrators edit reference data")
	}
	return nil
}

// staff are those who may refresh on demand and see the officer
// dashboard: officers and administrators.
func staff(p *auth.Principal) error {
	if p == nil {
		return apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() && !p.IsOfficer() {
		return apperr.New(apperr.Forbidden, "for officers and administrators")
	}
	return nil
}

// RefreshNow is the on-demand refresh (officers, administrators).
func (s *Service) RefreshNow(ctx context.Context, p *auth.Principal, full bool) (RefreshResult, error) {
	if err := staff(p); err != nil {
		return RefreshResult{}, err
	}
	return s.Refresh(ctx, full)
}
