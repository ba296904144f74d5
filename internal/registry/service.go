package registry

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/search"
	"rainforest/internal/kernel/text"
)

// District is one of the city's districts.
type District struct {
	Slug           string `json:"slug"`
	NameZh         string `json:"name_zh"`
	NameEn         string `json:"name_en"`
	Population     *int64 `json:"population"`
	PopulationYear *int   `json:"population_year"`
}

// Park is a science or industrial park in a district.
type Park struct {
	ID       int64  `json:"id"`
	Slug     string `json:"slug"`
	NameZh   string `json:"name_zh"`
	NameEn   string `json:"name_en"`
	District string `json:"district"`
}

// Service is the registry.
type Service struct {
	DB *db.DB

	mu        sync.RWMutex
	districts []District
	parks     map[int64]Park

	cache  listCache
	stmts  sync.Map // query text -> *sql.Stmt
	nstmts atomic.Int64

	hooks []ChangeHook
}

// ChangeHook is told of every change of an organization, inside the
// transaction that writes it: an error undoes the change. Other modules
// use it to follow profiles (re-matching programs, opening clawback cases
// when a recipient leaves its district) without reaching into the registry.
type ChangeHook func(ctx context.Context, tx *sql.Tx, before, after Org) error

// OnChange adds a hook; call it while the application is being wired,
// before serving.
func (s *Service) OnChange(h ChangeHook) { s.hooks = append(s.hooks, h) }

// Districts returns the districts (reference data, cached).
func (s *Service) Districts(ctx context.Context) ([]District, error) {
	s.mu.RLock()
	ds := s.districts
	s.mu.RUnlock()
	if ds != nil {
		return ds, nil
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT slug, name_zh, name_en, population, population_year FROM districts ORDER BY slug`)
	if err != nil {
		return nil, apperr.Wrap(err, "districts")
	}
	defer rows.Close()
	for rows.Next() {
		var d District
		var pop sql.NullInt64
		var year sql.NullInt64
		if err := rows.Scan(&d.Slug, &d.NameZh, &d.NameEn, &pop, &year); err != nil {
			return nil, apperr.Wrap(err, "districts scan")
		}
		d.Population = i64(pop)
		if year.Valid {
			y := int(year.Int64)
			d.PopulationYear = &y
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "districts")
	}
	s.mu.Lock()
	s.districts = ds
	s.mu.Unlock()
	return ds, nil
}

func (s *Service) districtSet(ctx context.Context) (map[string]bool, error) {
	ds, err := s.Districts(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(ds))
	for _, d := range ds {
		m[d.Slug] = true
	}
	return m, nil
}

// Parks returns every park (cached; parks change rarely).
func (s *Service) Parks(ctx context.Context) ([]Park, error) {
	s.mu.RLock()
	pm := s.parks
	s.mu.RUnlock()
	if pm == nil {
		rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, slug, name_zh, name_en, district FROM parks ORDER BY id`)
		if err != nil {
			return nil, apperr.Wrap(err, "parks")
		}
		defer rows.Close()
		pm = map[int64]Park{}
		for rows.Next() {
			var p Park
			if err := rows.Scan(&p.ID, &p.Slug, &p.NameZh, &p.NameEn, &p.District); err != nil {
				return nil, apperr.Wrap(err, "parks scan")
			}
			pm[p.ID] = p
		}
		if err := rows.Err(); err != nil {
			return nil, apperr.Wrap(err, "parks")
		}
		s.mu.Lock()
		s.parks = pm
		s.mu.Unlock()
	}
	out := make([]Park, 0, len(pm))
	for _, p := range pm {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Park) int { return int(a.ID - b.ID) })
	return out, nil
}

// CreatePark adds a park (administrators).
func (s *Service) CreatePark(ctx context.Context, p Park) (Park, error) {
	var fs []apperr.FieldError
	ds, err := s.districtSet(ctx)
	if err != nil {
		return p, err
	}
	p.Slug = strings.ToLower(strings.TrimSpace(p.Slug))
	if p.Slug == "" || len(p.Slug) > 80 || strings.Trim(p.Slug, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		fs = append(fs, apperr.FieldError{Field: "slug", Message: "must be lower-case letters, digits and hyphens"})
	}
	for _, f := range []struct{ name, v string }{{"name_zh", p.NameZh}, {"name_en", p.NameEn}} {
		if msg := text.Line(f.v); msg != "" {
			fs = append(fs, apperr.FieldError{Field: f.name, Message: msg})
		} else if utf8.RuneCountInString(f.v) > 200 {
			fs = append(fs, apperr.FieldError{Field: f.name, Message: "must be at most 200 characters"})
		}
	}
	if strings.TrimSpace(p.NameZh) == "" {
		fs = append(fs, apperr.FieldError{Field: "name_zh", Message: "is required"})
	}
	if !ds[p.District] {
		fs = append(fs, apperr.FieldError{Field: "district", Message: "is not a known district"})
	}
	if err := apperr.Fields(fs); err != nil {
		return p, err
	}
	now := s.DB.Now()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO parks (slug, name_zh, name_en, district) VALUES ($1, $2, $3, $4) RETURNING id`,
			p.Slug, strings.TrimSpace(p.NameZh), strings.TrimSpace(p.NameEn), p.District).Scan(&p.ID)
		if db.IsUniqueViolation(err) {
			return apperr.Field("slug", "is already taken")
		}
		if err != nil {
			return apperr.Wrap(err, "insert park")
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "create", Entity: "park", EntityID: strconv.FormatInt(p.ID, 10), After: p})
	})
	if err == nil {
		s.mu.Lock()
		s.parks = nil
		s.mu.Unlock()
	}
	return p, err
}

func (s *Service) parkOK(ctx context.Context) func(int64) bool {
	ps, err := s.Parks(ctx)
	return func(id int64) bool {
		if err != nil {
			return false
		}
		for _, p := range ps {
			if p.ID == id {
				return true
			}
		}
		return false
	}
}

// CanSeePrivate reports whether p may see o's private profile: its
// members, officers acting for its registered or tax district, admins.
func CanSeePrivate(p *auth.Principal, o *Org) bool {
	if p == nil {
		return false
	}
	if p.IsAdmin() || p.RoleIn(o.ID) != "" {
		return true
	}
	return (o.RegisteredDistrict != nil && p.OfficerFor(*o.RegisteredDistrict)) ||
		(o.TaxDistrict != nil && p.OfficerFor(*o.TaxDistrict))
}

// CanEdit reports whether p may change o's profile: its members and admins.
func CanEdit(p *auth.Principal, o *Org) bool {
	return p != nil && (p.IsAdmin() || p.RoleIn(o.ID) != "")
}

// View returns o as p may see it.
func View(p *auth.Principal, o Org) Org {
	if CanSeePrivate(p, &o) {
		return o
	}
	return o.Redacted()
}

// Prepare normalizes and validates an organization for writing.
func (s *Service) Prepare(ctx context.Context, o *Org) (warning string, err error) {
	ds, err := s.districtSet(ctx)
	if err != nil {
		return "", err
	}
	o.Normalize()
	fs, warning := o.Validate(ds, s.parkOK(ctx), s.DB.Now())
	return warning, apperr.Fields(fs)
}

// Create registers an organization from API fields. A creator who is not an
// administrator or officer becomes its owner.
func (s *Service) Create(ctx context.Context, p *auth.Principal, fields map[string]json.RawMessage) (Org, string, error) {
	if p == nil {
		return Org{}, "", apperr.New(apperr.Unauthorized, "sign in to register an organization")
	}
	o := NewOrg()
	var fs []apperr.FieldError
	for _, name := range sortedKeys(fields) {
		if err := o.SetJSON(name, fields[name]); err != nil {
			fs = append(fs, apperr.FieldError{Field: name, Message: err.Error()})
		}
	}
	if err := apperr.Fields(fs); err != nil {
		return Org{}, "", err
	}
	if o.Kind == "agency" && !p.IsAdmin() {
		return Org{}, "", apperr.New(apperr.Forbidden, "only administrators register government agencies")
	}
	warning, err := s.Prepare(ctx, &o)
	if err != nil {
		return Org{}, "", err
	}
	owner := !p.IsAdmin() && !p.IsOfficer()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.insert(ctx, tx, &o); err != nil {
			return err
		}
		if owner {
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, 'owner', $3)`, p.UserID, o.ID, o.CreatedAt); err != nil {
				return apperr.Wrap(err, "owner membership")
			}
		}
		return audit.Record(ctx, tx, o.CreatedAt, audit.Change{OrgID: o.ID, Action: "create", Entity: "org", EntityID: strconv.FormatInt(o.ID, 10), After: o})
	})
	return o, warning, err
}

func (s *Service) insert(ctx context.Context, tx *sql.Tx, o *Org) error {
	now := s.DB.Now()
	o.CreatedAt, o.UpdatedAt, o.Version = now, now, 1
	err := tx.QueryRowContext(ctx, insertOrgSQL, append(orgValues(o), now, now)...).Scan(&o.ID)
	if db.IsUniqueViolation(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: "uscc: an organization with this credit code is already registered",
			Fields: []apperr.FieldError{{Field: "uscc", Message: "is already registered"}}}
	}
	return apperr.Wrap(err, "insert org")
}

// Insert writes a prepared organization without permission checks or an
// audit entry of its own; the demo and importers use it inside their own
// audited transaction.
func (s *Service) Insert(ctx context.Context, tx *sql.Tx, o *Org) error { return s.insert(ctx, tx, o) }

// Get returns one organization as p may see it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Org, error) {
	o, err := getOrgTx(ctx, s.DB.Read, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, apperr.New(apperr.NotFound, "no organization %d", id)
	}
	if err != nil {
		return Org{}, apperr.Wrap(err, "get org")
	}
	return View(p, o), nil
}

// GetByUSCC returns one organization by credit code, unredacted; for
// internal use.
func (s *Service) GetByUSCC(ctx context.Context, code string) (Org, error) {
	o, err := scanOrg(s.DB.Read.QueryRowContext(ctx, `SELECT `+orgCols+` FROM orgs o WHERE o.uscc = $1`, NormalizeUSCC(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, apperr.New(apperr.NotFound, "no organization with credit code %s", code)
	}
	return o, apperr.Wrap(err, "get org")
}

// Update applies a patch of API fields. A "version" member, when present,
// must match the stored version (optimistic concurrency).
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, fields map[string]json.RawMessage) (Org, string, error) {
	return s.update(ctx, p, id, func(before Org, after *Org) error {
		var fs []apperr.FieldError
		for _, name := range sortedKeys(fields) {
			raw := fields[name]
			if name == "version" {
				var v int
				if err := json.Unmarshal(raw, &v); err != nil {
					fs = append(fs, apperr.FieldError{Field: "version", Message: "must be a whole number"})
				} else if v != before.Version {
					return staleVersion(before.Version)
				}
				continue
			}
			if name == "kind" && !p.IsAdmin() {
				var k string
				if json.Unmarshal(raw, &k) == nil && k != before.Kind {
					fs = append(fs, apperr.FieldError{Field: "kind", Message: "can be changed only by an administrator"})
					continue
				}
			}
			if err := after.SetJSON(name, raw); err != nil {
				fs = append(fs, apperr.FieldError{Field: name, Message: err.Error()})
			}
		}
		return apperr.Fields(fs)
	})
}

// UpdateText applies the fields of an edit form, as text (an empty value is
// unknown, see SetText), to the organization at the given version.
func (s *Service) UpdateText(ctx context.Context, p *auth.Principal, id int64, version int, fields map[string]string) (Org, string, error) {
	return s.update(ctx, p, id, func(before Org, after *Org) error {
		if version != before.Version {
			return staleVersion(before.Version)
		}
		var fs []apperr.FieldError
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, name := range names {
			v := fields[name]
			if name == "kind" && !p.IsAdmin() && strings.TrimSpace(v) != before.Kind {
				fs = append(fs, apperr.FieldError{Field: "kind", Message: "can be changed only by an administrator"})
				continue
			}
			if err := after.SetText(name, v); err != nil {
				fs = append(fs, apperr.FieldError{Field: name, Message: err.Error()})
			}
		}
		return apperr.Fields(fs)
	})
}

func staleVersion(current int) error {
	return &apperr.Error{Code: apperr.Conflict, Message: "the organization was changed by someone else (version " + strconv.Itoa(current) + "); reload and try again",
		Fields: []apperr.FieldError{{Field: "version", Message: "is stale"}}}
}

// update is one audited change of an organization: apply sets the new
// values on a copy of the stored one (or refuses), then the result is
// normalized, validated and written if the version is still the same.
func (s *Service) update(ctx context.Context, p *auth.Principal, id int64, apply func(before Org, after *Org) error) (Org, string, error) {
	if p == nil {
		return Org{}, "", apperr.New(apperr.Unauthorized, "sign in to edit an organization")
	}
	var warning string
	var out Org
	err := s.tx(ctx, func(tx *sql.Tx) error {
		before, err := getOrgTx(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no organization %d", id)
		}
		if err != nil {
			return apperr.Wrap(err, "get org")
		}
		if !CanEdit(p, &before) {
			return apperr.New(apperr.Forbidden, "only the organization's members and administrators may edit it")
		}
		after := before
		priv := *before.Private
		after.Private = &priv
		after.Certifications = slices.Clone(before.Certifications)
		if err := apply(before, &after); err != nil {
			return err
		}
		ds, err := s.districtSet(ctx)
		if err != nil {
			return err
		}
		after.Normalize()
		var fs []apperr.FieldError
		fs, warning = after.Validate(ds, s.parkOK(ctx), s.DB.Now())
		if err := apperr.Fields(fs); err != nil {
			return err
		}
		now := s.DB.Now()
		res, err := tx.ExecContext(ctx, updateOrgSQL, append(orgValues(&after), now, id, before.Version)...)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Message: "uscc: another organization has this credit code",
				Fields: []apperr.FieldError{{Field: "uscc", Message: "is already registered"}}}
		}
		if err != nil {
			return apperr.Wrap(err, "update org")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "the organization was changed by someone else; reload and try again")
		}
		after.Version, after.UpdatedAt = before.Version+1, now
		out = after
		for _, h := range s.hooks {
			if err := h(ctx, tx, before, after); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: id, Action: "update", Entity: "org", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return View(p, out), warning, err
}

func sortedKeys(m map[string]json.RawMessage) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Filter selects organizations for the directory.
type Filter struct {
	Q             string
	Kind          string
	District      string // registered district
	TaxDistrict   string
	Industry      string // GB/T 4754 code or prefix
	TechField     string
	Certification string
	ParkID        int64
	Cursor        string
	Limit         int
}

// Validate checks a filter, naming the parameter at fault.
func (f *Filter) Validate(districts map[string]bool) error {
	var fs []apperr.FieldError
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		fs = append(fs, apperr.FieldError{Field: "kind", Message: "must be one of " + strings.Join(Kinds, ", ")})
	}
	for _, d := range []struct{ n, v string }{{"district", f.District}, {"tax_district", f.TaxDistrict}} {
		if d.v != "" && !districts[d.v] {
			fs = append(fs, apperr.FieldError{Field: d.n, Message: "is not a known district"})
		}
	}
	if f.Industry != "" && !industryRE.MatchString(f.Industry) && !regexpPrefix(f.Industry) {
		fs = append(fs, apperr.FieldError{Field: "industry", Message: "must be a GB/T 4754 code or its prefix"})
	}
	if f.TechField != "" && !slices.Contains(TechFields, f.TechField) {
		fs = append(fs, apperr.FieldError{Field: "tech_field", Message: "must be one of " + strings.Join(TechFields, ", ")})
	}
	if f.Certification != "" && !slices.Contains(CertificationNames, f.Certification) {
		fs = append(fs, apperr.FieldError{Field: "certification", Message: "must be one of " + strings.Join(CertificationNames, ", ")})
	}
	if f.Limit < 0 || f.Limit > 200 {
		fs = append(fs, apperr.FieldError{Field: "limit", Message: "must be between 1 and 200"})
	}
	if len(f.Q) > 1000 {
		f.Q = f.Q[:1000]
	}
	if _, err := decodeCursor(f.Cursor); err != nil {
		fs = append(fs, apperr.FieldError{Field: "cursor", Message: "is not a cursor this server issued"})
	}
	return apperr.Fields(fs)
}

func regexpPrefix(s string) bool {
	if len(s) < 1 || len(s) > 5 || s[0] < 'A' || s[0] > 'T' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func encodeCursor(id int64) string {
	if id == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("o" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 2 || b[0] != 'o' {
		return 0, errors.New("bad cursor")
	}
	id, err := strconv.ParseInt(string(b[1:]), 10, 64)
	if err != nil || id <= 0 {
		return 0, errors.New("bad cursor")
	}
	return id, nil
}

// Page is one page of the directory.
type Page struct {
	Items      []Org   `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// List returns a page of the directory as p may see it, ordered by id.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) (Page, error) {
	ds, err := s.districtSet(ctx)
	if err != nil {
		return Page{}, err
	}
	f.Q = strings.TrimSpace(f.Q)
	f.Industry = strings.ToUpper(strings.TrimSpace(f.Industry))
	if err := f.Validate(ds); err != nil {
		return Page{}, err
	}
	if f.Limit == 0 {
		f.Limit = 20
	}
	after, _ := decodeCursor(f.Cursor)
	var a db.Args
	where := []string{"o.id > " + a.Add(after)}
	if f.Q != "" {
		if code := NormalizeUSCC(f.Q); len(code) == 18 && !strings.ContainsFunc(code, func(r rune) bool { return r > 127 }) {
			if _, _, err := ValidateUSCC(code); err == nil {
				where = append(where, "o.uscc = "+a.Add(code))
				goto filters
			}
		}
		q := search.ParseQuery(f.Q)
		if q.Empty() {
			return Page{Items: []Org{}}, nil
		}
		if len(q.Terms) > 0 {
			where = append(where, search.Match(s.DB.Dialect, "orgs", "o", &a, q.Terms))
		}
		for _, ch := range q.Single {
			where = append(where, "o.name_zh LIKE "+a.Add("%"+ch+"%"))
		}
	}
filters:
	if f.Kind != "" {
		where = append(where, "o.kind = "+a.Add(f.Kind))
	}
	if f.District != "" {
		where = append(where, "o.registered_district = "+a.Add(f.District))
	}
	if f.TaxDistrict != "" {
		where = append(where, "o.tax_district = "+a.Add(f.TaxDistrict))
	}
	if f.Industry != "" {
		where = append(where, "o.industry LIKE "+a.Add(f.Industry+"%"))
	}
	if f.TechField != "" {
		where = append(where, "o.tech_field = "+a.Add(f.TechField))
	}
	if f.Certification != "" {
		where = append(where, "(' ' || o.certifications || ' ') LIKE "+a.Add("% "+f.Certification+" %"))
	}
	if f.ParkID != 0 {
		where = append(where, "o.park_id = "+a.Add(f.ParkID))
	}
	q := `SELECT ` + orgCols + ` FROM orgs o WHERE ` + strings.Join(where, " AND ") + ` ORDER BY o.id LIMIT ` + a.Add(f.Limit+1)
	st, temporary, err := s.stmt(ctx, q)
	if err != nil {
		return Page{}, apperr.Wrap(err, "list orgs")
	}
	if temporary {
		defer st.Close()
	}
	rows, err := st.QueryContext(ctx, a...)
	if err != nil {
		return Page{}, apperr.Wrap(err, "list orgs")
	}
	defer rows.Close()
	items := make([]Org, 0, f.Limit)
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return Page{}, apperr.Wrap(err, "scan org")
		}
		items = append(items, View(p, o))
	}
	if err := rows.Err(); err != nil {
		return Page{}, apperr.Wrap(err, "list orgs")
	}
	pg := Page{Items: items}
	if len(items) > f.Limit {
		pg.Items = items[:f.Limit]
		c := encodeCursor(pg.Items[f.Limit-1].ID)
		pg.NextCursor = &c
	}
	return pg, nil
}

// Count returns how many organizations there are of each kind.
func (s *Service) Count(ctx context.Context) (map[string]int64, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT kind, COUNT(*) FROM orgs GROUP BY kind`)
	if err != nil {
		return nil, apperr.Wrap(err, "count orgs")
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, apperr.Wrap(err, "count orgs")
		}
		m[k] = n
	}
	return m, apperr.Wrap(rows.Err(), "count orgs")
}
