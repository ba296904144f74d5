package servicedesk

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/workflow"
)

// route returns the agency a district's topic goes to: the routing table's
// row, or the district's science commission (its first agency), or none.
func (s *Service) route(ctx context.Context, q workflow.Querier, district, topic string) (Route, error) {
	rt := Route{District: district, Topic: topic}
	var upd db.Time
	err := q.QueryRowContext(ctx, `SELECT r.agency_org_id, o.name_zh, r.group_zh, r.group_en, r.updated_at FROM desk_routes r JOIN orgs o ON o.id = r.agency_org_id
		WHERE r.district = $1 AND r.topic = $2`, district, topic).Scan(&rt.AgencyOrgID, &rt.AgencyName, &rt.GroupZh, &rt.GroupEn, &upd)
	if err == nil {
		rt.UpdatedAt = upd.Time
		return rt, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return rt, apperr.Wrap(err, "route")
	}
	rt.Default = true
	err = q.QueryRowContext(ctx, `SELECT id, name_zh FROM orgs WHERE kind = 'agency' AND registered_district = $1 ORDER BY id LIMIT 1`, district).
		Scan(&rt.AgencyOrgID, &rt.AgencyName)
	if errors.Is(err, sql.ErrNoRows) {
		return rt, nil
	}
	return rt, apperr.Wrap(err, "default route")
}

// level returns a topic's service level.
func (s *Service) level(ctx context.Context, q workflow.Querier, topic string) (Level, error) {
	l := Level{Topic: topic}
	err := q.QueryRowContext(ctx, `SELECT amount, unit FROM desk_levels WHERE topic = $1`, topic).Scan(&l.Amount, &l.Unit)
	if errors.Is(err, sql.ErrNoRows) {
		d := DefaultLevel
		d.Topic = topic
		return d, nil
	}
	return l, apperr.Wrap(err, "service level")
}

// Levels lists every topic's service level.
func (s *Service) Levels(ctx context.Context) ([]Level, error) {
	out := make([]Level, 0, len(Topics))
	for _, t := range Topics {
		l, err := s.level(ctx, s.DB.Read, t)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func staff(p *auth.Principal) error {
	switch {
	case p == nil:
		return apperr.New(apperr.Unauthorized, "sign in")
	case !p.IsAdmin() && len(p.OfficerDistricts()) == 0:
		return apperr.New(apperr.Forbidden, "for officers and administrators")
	}
	return nil
}

func admin(p *auth.Principal) error {
	switch {
	case p == nil:
		return apperr.New(apperr.Unauthorized, "sign in")
	case !p.IsAdmin():
		return apperr.New(apperr.Forbidden, "for administrators")
	}
	return nil
}

// Settings returns the routing table of every district and topic (the
// default where no row is set), the service levels and the lead officers:
// for officers (their districts) and administrators (all).
func (s *Service) Settings(ctx context.Context, p *auth.Principal) (Settings, error) {
	if err := staff(p); err != nil {
		return Settings{}, err
	}
	out := Settings{Topics: Topics, Routes: []Route{}, Leads: []Lead{}}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT slug FROM districts ORDER BY slug`)
	ds, err := db.Collect(rows, err, "districts", func(sc interface{ Scan(...any) error }) (string, error) {
		var d string
		return d, sc.Scan(&d)
	})
	if err != nil {
		return out, err
	}
	for _, d := range ds {
		if !p.IsAdmin() && !p.OfficerFor(d) {
			continue
		}
		for _, t := range Topics {
			rt, err := s.route(ctx, s.DB.Read, d, t)
			if err != nil {
				return out, err
			}
			out.Routes = append(out.Routes, rt)
		}
	}
	if out.Levels, err = s.Levels(ctx); err != nil {
		return out, err
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT l.district, l.user_id, u.email, u.name FROM desk_leads l JOIN users u ON u.id = l.user_id ORDER BY l.district, u.email`)
	leads, err := db.Collect(rows, err, "leads", func(sc interface{ Scan(...any) error }) (Lead, error) {
		var l Lead
		return l, sc.Scan(&l.District, &l.UserID, &l.Email, &l.Name)
	})
	if err != nil {
		return out, err
	}
	for _, l := range leads {
		if p.IsAdmin() || p.OfficerFor(l.District) {
			out.Leads = append(out.Leads, l)
		}
	}
	return out, nil
}

// districtExists answers the field error of a district that is not one
// of the city's.
func districtExists(ctx context.Context, tx *sql.Tx, district string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM districts WHERE slug = $1`, district).Scan(&n); err != nil {
		return apperr.Wrap(err, "district")
	}
	if n == 0 {
		return apperr.Field("district", "no district %q", district)
	}
	return nil
}

// SetRoute sets where a district's topic goes: an agency of that district.
func (s *Service) SetRoute(ctx context.Context, p *auth.Principal, in RouteInput) (Route, error) {
	if err := admin(p); err != nil {
		return Route{}, err
	}
	if err := in.Check(); err != nil {
		return Route{}, err
	}
	var rt Route
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := districtExists(ctx, tx, in.District); err != nil {
			return err
		}
		var kind string
		var district sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT kind, registered_district FROM orgs WHERE id = $1`, in.AgencyOrgID).Scan(&kind, &district)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "agency") {
			return apperr.Field("agency_org_id", "must be a government agency")
		}
		if err != nil {
			return apperr.Wrap(err, "route agency")
		}
		if district.String != in.District {
			return apperr.Field("agency_org_id", "must be an agency of the district %s", in.District)
		}
		before, err := s.route(ctx, tx, in.District, in.Topic)
		if err != nil {
			return err
		}
		now := s.DB.Now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM desk_routes WHERE district = $1 AND topic = $2`, in.District, in.Topic); err != nil {
			return apperr.Wrap(err, "route")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO desk_routes (district, topic, agency_org_id, group_zh, group_en, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			in.District, in.Topic, in.AgencyOrgID, in.GroupZh, in.GroupEn, now); err != nil {
			return apperr.Wrap(err, "route")
		}
		if rt, err = s.route(ctx, tx, in.District, in.Topic); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "desk_route.set", Entity: "desk_route", EntityID: in.District + "/" + in.Topic, Before: before, After: rt})
	})
	return rt, err
}

// SetLevel sets a topic's service level.
func (s *Service) SetLevel(ctx context.Context, p *auth.Principal, topic string, in LevelInput) (Level, error) {
	if err := admin(p); err != nil {
		return Level{}, err
	}
	if !slices.Contains(Topics, topic) {
		return Level{}, apperr.New(apperr.NotFound, "no topic %q", topic)
	}
	if err := in.Check(); err != nil {
		return Level{}, err
	}
	l := Level{Topic: topic, Amount: in.Amount, Unit: in.Unit}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.level(ctx, tx, topic)
		if err != nil {
			return err
		}
		now := s.DB.Now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM desk_levels WHERE topic = $1`, topic); err != nil {
			return apperr.Wrap(err, "level")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO desk_levels (topic, amount, unit, updated_at) VALUES ($1, $2, $3, $4)`, topic, in.Amount, in.Unit, now); err != nil {
			return apperr.Wrap(err, "level")
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "desk_level.set", Entity: "desk_level", EntityID: topic, Before: before, After: l})
	})
	return l, err
}

// SetLead makes a user a lead officer of a district (Lead) or not.
func (s *Service) SetLead(ctx context.Context, p *auth.Principal, in LeadInput) (Lead, error) {
	if err := admin(p); err != nil {
		return Lead{}, err
	}
	l := Lead{District: in.District, UserID: in.UserID}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := districtExists(ctx, tx, in.District); err != nil {
			return err
		}
		var role string
		err := tx.QueryRowContext(ctx, `SELECT email, name, platform_role FROM users WHERE id = $1`, in.UserID).Scan(&l.Email, &l.Name, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("user_id", "no user %d", in.UserID)
		}
		if err != nil {
			return apperr.Wrap(err, "lead user")
		}
		if in.Lead && role != auth.RoleOfficer && role != auth.RoleAdmin {
			return apperr.Field("user_id", "a lead must be an officer")
		}
		now := s.DB.Now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM desk_leads WHERE district = $1 AND user_id = $2`, in.District, in.UserID); err != nil {
			return apperr.Wrap(err, "lead")
		}
		if in.Lead {
			if _, err := tx.ExecContext(ctx, `INSERT INTO desk_leads (district, user_id, created_at) VALUES ($1, $2, $3)`, in.District, in.UserID, now); err != nil {
				return apperr.Wrap(err, "lead")
			}
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "desk_lead.set", Entity: "desk_lead", EntityID: in.District + "/" + strconv.FormatInt(in.UserID, 10),
			After: map[string]any{"lead": in.Lead}})
	})
	return l, err
}

// leads lists who receives a district's escalations: its lead officers;
// without any, the owners of its agencies; without any, every officer
// of its agencies.
func (s *Service) leads(ctx context.Context, q workflow.Querier, district string) ([]int64, error) {
	for _, query := range []string{
		`SELECT l.user_id FROM desk_leads l JOIN users u ON u.id = l.user_id WHERE l.district = $1 AND NOT u.disabled ORDER BY l.user_id`,
		`SELECT DISTINCT m.user_id FROM memberships m JOIN orgs o ON o.id = m.org_id JOIN users u ON u.id = m.user_id
			WHERE o.kind = 'agency' AND o.registered_district = $1 AND m.role = 'owner' AND NOT u.disabled ORDER BY m.user_id`,
		`SELECT DISTINCT m.user_id FROM memberships m JOIN orgs o ON o.id = m.org_id JOIN users u ON u.id = m.user_id
			WHERE o.kind = 'agency' AND o.registered_district = $1 AND NOT u.disabled ORDER BY m.user_id`,
	} {
		rows, err := q.QueryContext(ctx, query, district)
		ids, err := db.Collect(rows, err, "leads", func(sc interface{ Scan(...any) error }) (int64, error) {
			var id int64
			return id, sc.Scan(&id)
		})
		if err != nil || len(ids) > 0 {
			return ids, err
		}
	}
	return nil, nil
}
