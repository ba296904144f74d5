package incubation

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/search"
	"rainforest/internal/kernel/text"
)

// Programs tells which open programs an organization qualifies for today;
// the application wires it to the programs module.
type Programs interface {
	Eligible(ctx context.Context, orgID int64) ([]ProgramMatch, error)
}

// Service is the incubation module.
type Service struct {
	DB       *db.DB
	Notifier *notify.Notifier
	// Programs, when set, matches the tenant companies against the open
	// programs.
	Programs Programs
}

// Index is the carriers' catalog in the search engine.
var Index = search.Register(&search.Index{
	Name:    "incubation_carriers",
	Fields:  []search.Field{{Name: "name", Weight: 3}, {Name: "description", Weight: 1}, {Name: "operator", Weight: 1}, {Name: "fields", Weight: 1}},
	Filters: []string{"stage", "district", "field", "level", "status"},
})

var shanghai = time.FixedZone("CST", 8*3600)

// today is the date in Shanghai.
func (s *Service) today() time.Time {
	y, m, d := s.DB.Now().In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func fieldsErr(fs text.Errors) error { return apperr.Fields(fs) }

type scanner interface{ Scan(...any) error }

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// operates reports whether p acts for the carrier's operator: its members
// and administrators.
func operates(p *auth.Principal, c *Carrier) bool {
	return p.IsAdmin() || (p != nil && p.RoleIn(c.OperatorOrgID) != "")
}

// oversees reports whether p sees everything of the carrier: its
// operator, the officers of its district, administrators.
func oversees(p *auth.Principal, c *Carrier) bool {
	return operates(p, c) || p.OfficerFor(c.District)
}

const carrierCols = `c.id, c.operator_org_id, o.name_zh, c.stage, c.name_zh, c.name_en, c.district, c.address, c.level, c.area_m2, c.desks, c.offices,
	c.fields, c.services, c.seed_fund_fen, c.description_zh, c.description_en, c.status, c.version, c.created_at, c.updated_at`

const carrierFrom = ` FROM incubation_carriers c JOIN orgs o ON o.id = c.operator_org_id`

func scanCarrier(r scanner) (Carrier, error) {
	var c Carrier
	var fields, services string
	err := r.Scan(&c.ID, &c.OperatorOrgID, &c.OperatorName, &c.Stage, &c.NameZh, &c.NameEn, &c.District, &c.Address, &c.Level, &c.AreaM2, &c.Desks, &c.Offices,
		&fields, &services, &c.SeedFundFen, &c.DescriptionZh, &c.DescriptionEn, &c.Status, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	c.Fields, c.Services = splitList(fields), splitList(services)
	return c, err
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func loadCarrier(ctx context.Context, q querier, id int64) (Carrier, error) {
	c, err := scanCarrier(q.QueryRowContext(ctx, `SELECT `+carrierCols+carrierFrom+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "no carrier %d", id)
	}
	return c, apperr.Wrap(err, "carrier")
}

func reindex(ctx context.Context, tx *sql.Tx, id int64) error {
	c, err := loadCarrier(ctx, tx, id)
	if err != nil {
		return err
	}
	field := ""
	if len(c.Fields) > 0 {
		field = c.Fields[0]
	}
	return Index.Put(ctx, tx, id, map[string]string{
		"name": c.NameZh + "\n" + c.NameEn, "description": c.DescriptionZh + "\n" + c.DescriptionEn + "\n" + c.Address,
		"operator": c.OperatorName, "fields": strings.ReplaceAll(strings.Join(c.Fields, " "), "_", " "),
	}, map[string]string{"stage": c.Stage, "district": c.District, "field": field, "level": c.Level, "status": c.Status})
}

// SaveCarrier creates (id 0) or replaces a carrier: the operator's members
// and administrators.
func (s *Service) SaveCarrier(ctx context.Context, p *auth.Principal, id int64, in CarrierInput) (Carrier, error) {
	if p == nil {
		return Carrier{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if err := in.Validate(); err != nil {
		return Carrier{}, err
	}
	if !p.IsAdmin() && p.RoleIn(in.OperatorOrgID) == "" {
		return Carrier{}, apperr.New(apperr.Forbidden, "an operator's members list its carriers")
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE id = $1`, in.OperatorOrgID).Scan(&n); err != nil {
			return apperr.Wrap(err, "operator")
		}
		if n == 0 {
			return apperr.Field("operator_org_id", "is not an organization")
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM districts WHERE slug = $1`, in.District).Scan(&n); err != nil {
			return apperr.Wrap(err, "district")
		}
		if n == 0 {
			return apperr.Field("district", "is not a district of the registry")
		}
		fields, services := strings.Join(in.Fields, ","), strings.Join(in.Services, ",")
		var before any
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO incubation_carriers (operator_org_id, stage, name_zh, name_en, district, address, level, area_m2, desks, offices,
				fields, services, seed_fund_fen, description_zh, description_en, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id`,
				in.OperatorOrgID, in.Stage, in.NameZh, in.NameEn, in.District, in.Address, in.Level, in.AreaM2, in.Desks, in.Offices, fields, services,
				in.SeedFundYuan*100, in.DescriptionZh, in.DescriptionEn, in.Status, now).Scan(&id); err != nil {
				return apperr.Wrap(err, "insert carrier")
			}
		} else {
			old, err := loadCarrier(ctx, tx, id)
			if err != nil {
				return err
			}
			if !operates(p, &old) || old.OperatorOrgID != in.OperatorOrgID {
				return apperr.New(apperr.Forbidden, "an operator's members change its carriers")
			}
			if in.Version != nil && *in.Version != old.Version {
				return apperr.New(apperr.Conflict, "the carrier changed meanwhile (version %d, not %d)", old.Version, *in.Version)
			}
			// Capacity may not fall below the space already leased from
			// today on.
			if _, err := tx.ExecContext(ctx, `UPDATE incubation_carriers SET lease_seq = lease_seq + 1 WHERE id = $1`, id); err != nil {
				return apperr.Wrap(err, "lock carrier")
			}
			for _, sp := range []struct {
				space, field string
				capacity     int
			}{{"desk", "desks", in.Desks}, {"office", "offices", in.Offices}} {
				peak, day, err := peakFrom(ctx, tx, id, sp.space, s.today().Format(time.DateOnly))
				if err != nil {
					return err
				}
				if peak > sp.capacity {
					return apperr.Field(sp.field, "%d %ss are leased on %s; capacity cannot be less", peak, sp.space, day).WithCode(apperr.Conflict)
				}
			}
			before = old
			if _, err := tx.ExecContext(ctx, `UPDATE incubation_carriers SET stage = $1, name_zh = $2, name_en = $3, district = $4, address = $5, level = $6,
				area_m2 = $7, desks = $8, offices = $9, fields = $10, services = $11, seed_fund_fen = $12, description_zh = $13, description_en = $14,
				status = $15, version = version + 1, updated_at = $16 WHERE id = $17`,
				in.Stage, in.NameZh, in.NameEn, in.District, in.Address, in.Level, in.AreaM2, in.Desks, in.Offices, fields, services, in.SeedFundYuan*100,
				in.DescriptionZh, in.DescriptionEn, in.Status, now, id); err != nil {
				return apperr.Wrap(err, "update carrier")
			}
		}
		if err := reindex(ctx, tx, id); err != nil {
			return err
		}
		after, err := loadCarrier(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: in.OperatorOrgID, Action: map[bool]string{true: "create", false: "update"}[before == nil],
			Entity: "incubation_carrier", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	if err != nil {
		return Carrier{}, err
	}
	return loadCarrier(ctx, s.DB.Read, id)
}

// Carrier returns a carrier: public when active; a closed one to those
// who oversee it.
func (s *Service) Carrier(ctx context.Context, p *auth.Principal, id int64) (Carrier, error) {
	c, err := loadCarrier(ctx, s.DB.Read, id)
	if err != nil {
		return c, err
	}
	if c.Status != "active" && !oversees(p, &c) {
		return Carrier{}, apperr.New(apperr.NotFound, "no carrier %d", id)
	}
	return c, nil
}

// CatalogQuery is a catalog search.
type CatalogQuery struct {
	Text     string
	Stage    []string
	District []string
	// Field filters by the carrier's main field (the first it lists).
	Field  []string
	Level  []string
	Limit  int
	Offset int
}

// CatalogPage is a page of the catalog.
type CatalogPage struct {
	Items      []Carrier                      `json:"items"`
	Total      int                            `json:"total"`
	Facets     map[string][]search.FacetCount `json:"facets"`
	DidYouMean string                         `json:"did_you_mean,omitempty"`
	Relaxed    bool                           `json:"relaxed,omitempty"`
}

// Catalog searches the active carriers in Chinese or English, with facets
// by stage, district, field and level.
func (s *Service) Catalog(ctx context.Context, q CatalogQuery) (CatalogPage, error) {
	var fs text.Errors
	check := func(name string, vals, allowed []string) {
		for _, v := range vals {
			if !slices.Contains(allowed, v) {
				fs.Add(name, "must be one of "+strings.Join(allowed, ", "))
				return
			}
		}
	}
	check("stage", q.Stage, Stages)
	check("field", q.Field, Fields)
	check("level", q.Level, Levels)
	for _, d := range q.District {
		if text.Line(d) != "" || len(d) > 40 {
			fs.Add("district", "must be a district's slug")
			break
		}
	}
	if err := fieldsErr(fs); err != nil {
		return CatalogPage{}, err
	}
	filters := map[string][]string{"status": {"active"}}
	for k, v := range map[string][]string{"stage": q.Stage, "district": q.District, "field": q.Field, "level": q.Level} {
		if len(v) > 0 {
			filters[k] = v
		}
	}
	res, err := Index.Search(ctx, s.DB.Read, search.Query{Text: q.Text, Filters: filters, Facets: []string{"stage", "district", "field", "level"}, Limit: q.Limit, Offset: q.Offset})
	if err != nil {
		return CatalogPage{}, err
	}
	out := CatalogPage{Items: []Carrier{}, Total: res.Total, Facets: res.Facets, DidYouMean: res.DidYouMean, Relaxed: res.Relaxed}
	if out.Facets == nil {
		out.Facets = map[string][]search.FacetCount{}
	}
	for _, h := range res.Hits {
		c, err := loadCarrier(ctx, s.DB.Read, h.ID)
		if err != nil {
			return out, err
		}
		c.Snippets = h.Snippets
		out.Items = append(out.Items, c)
	}
	return out, nil
}

// Operated lists the carriers of p's organizations (administrators: all;
// officers: their districts'), every status.
func (s *Service) Operated(ctx context.Context, p *auth.Principal) ([]Carrier, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	var args db.Args
	where := "1 = 1"
	if !p.IsAdmin() {
		where = `c.operator_org_id IN (` + db.List(&args, p.OrgIDs()) + `)`
		if ds := p.OfficerDistricts(); p.IsOfficer() && len(ds) > 0 {
			where = `(` + where + ` OR c.district IN (` + db.List(&args, ds) + `))`
		}
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+carrierCols+carrierFrom+` WHERE `+where+` ORDER BY c.district, c.id LIMIT 1000`, args...)
	return db.Collect(rows, err, "carriers", func(r interface{ Scan(...any) error }) (Carrier, error) { return scanCarrier(r) })
}

// Notes lists a carrier's annotations: its operator, the officers of its
// district, administrators.
func (s *Service) Notes(ctx context.Context, p *auth.Principal, id int64) ([]Note, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	c, err := s.Carrier(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !oversees(p, &c) {
		return nil, apperr.New(apperr.Forbidden, "the operator and the district's officers read the notes")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, carrier_id, author_email, body, created_at FROM incubation_notes WHERE carrier_id = $1 ORDER BY id DESC LIMIT 200`, id)
	return db.Collect(rows, err, "notes", func(r interface{ Scan(...any) error }) (Note, error) {
		var n Note
		return n, r.Scan(&n.ID, &n.CarrierID, &n.AuthorEmail, &n.Body, &n.CreatedAt)
	})
}

// Annotate adds an officer's note to a carrier of the officer's district
// (administrators: any).
func (s *Service) Annotate(ctx context.Context, p *auth.Principal, id int64, body string) (Note, error) {
	if p == nil {
		return Note{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	body = strings.TrimSpace(body)
	c, err := s.Carrier(ctx, p, id)
	if err != nil {
		return Note{}, err
	}
	if !p.IsAdmin() && !p.OfficerFor(c.District) {
		return Note{}, apperr.New(apperr.Forbidden, "the officers of the carrier's district annotate it")
	}
	var fs text.Errors
	if body == "" {
		fs.Add("body", "is required")
	}
	fs.Block("body", body, 4000)
	if err := fieldsErr(fs); err != nil {
		return Note{}, err
	}
	n := Note{CarrierID: id, AuthorEmail: p.Email, Body: body, CreatedAt: s.DB.Now()}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO incubation_notes (carrier_id, author_user_id, author_email, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			id, db.Nullable(userOf(p)), p.Email, body, n.CreatedAt).Scan(&n.ID); err != nil {
			return apperr.Wrap(err, "note")
		}
		return audit.Record(ctx, tx, n.CreatedAt, audit.Change{OrgID: c.OperatorOrgID, Action: "annotate", Entity: "incubation_carrier", EntityID: strconv.FormatInt(id, 10), After: n})
	})
	return n, err
}

func userOf(p *auth.Principal) *int64 {
	if p == nil || p.UserID == 0 {
		return nil
	}
	id := p.UserID
	return &id
}
