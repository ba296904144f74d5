package finance

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
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/registry"
)

// InvestorKinds are the kinds of investors.
var InvestorKinds = []string{"angel", "venture", "guiding", "state"}

// Stages are an enterprise's financing stages, earliest first.
var Stages = []string{"seed", "angel", "a", "b_plus"}

// Investor is an angel, venture, guiding or state fund managed by the
// members of an organization.
type Investor struct {
	ID            int64     `json:"id"`
	OrgID         int64     `json:"org_id"`
	OrgName       string    `json:"org_name"`
	Kind          string    `json:"kind"`
	NameZh        string    `json:"name_zh"`
	NameEn        string    `json:"name_en"`
	DescriptionZh string    `json:"description_zh"`
	DescriptionEn string    `json:"description_en"`
	Stages        []string  `json:"stages"`
	Fields        []string  `json:"fields"`
	Districts     []string  `json:"districts"`
	MinTicketFen  int64     `json:"min_ticket_fen"`
	MaxTicketFen  int64     `json:"max_ticket_fen"`
	SizeFen       int64     `json:"size_fen"`
	Status        string    `json:"status"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
}

// InvestorInput creates or replaces an investor; amounts in whole yuan.
type InvestorInput struct {
	OrgID         int64    `json:"org_id"`
	Kind          string   `json:"kind"`
	NameZh        string   `json:"name_zh"`
	NameEn        string   `json:"name_en"`
	DescriptionZh string   `json:"description_zh"`
	DescriptionEn string   `json:"description_en"`
	Stages        []string `json:"stages"`
	Fields        []string `json:"fields"`
	Districts     []string `json:"districts"`
	MinTicketYuan int64    `json:"min_ticket_yuan"`
	MaxTicketYuan int64    `json:"max_ticket_yuan"`
	SizeYuan      int64    `json:"size_yuan"`
	Status        string   `json:"status"`
}

// Profile is an enterprise's consent to be found by investors, with what
// it seeks; only a profile whose consent stands is shown to investors.
type Profile struct {
	OrgID       int64      `json:"org_id"`
	OrgName     string     `json:"org_name"`
	District    string     `json:"district"`
	Stage       string     `json:"stage"`
	AskFen      int64      `json:"ask_fen"`
	Fields      []string   `json:"fields"`
	PitchZh     string     `json:"pitch_zh"`
	PitchEn     string     `json:"pitch_en"`
	OptedIn     bool       `json:"opted_in"`
	ConsentedAt time.Time  `json:"consented_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at"`
	Version     int        `json:"version"`
}

// ProfileInput opts an enterprise in (or updates what it seeks).
type ProfileInput struct {
	Stage   string   `json:"stage"`
	AskYuan int64    `json:"ask_yuan"`
	Fields  []string `json:"fields"`
	PitchZh string   `json:"pitch_zh"`
	PitchEn string   `json:"pitch_en"`
}

// choices checks a list against a vocabulary, without repeats.
func choices(fs *fieldErrs, name string, vs, allowed []string, max int) []string {
	out := []string{}
	for i, v := range vs {
		v = strings.TrimSpace(v)
		if !slices.Contains(allowed, v) {
			fs.Add(name+"["+strconv.Itoa(i)+"]", "must be one of "+strings.Join(allowed, ", "))
			return out
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) > max {
		fs.Add(name, "has too many entries")
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(allowed, a) - slices.Index(allowed, b) })
	return out
}

var slugChars = func(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (in *InvestorInput) normalize() (Investor, error) {
	for _, p := range []*string{&in.Kind, &in.NameZh, &in.NameEn, &in.DescriptionZh, &in.DescriptionEn, &in.Status} {
		*p = strings.TrimSpace(*p)
	}
	var fs fieldErrs
	if in.OrgID < 1 {
		fs.Add("org_id", "is required")
	}
	if !slices.Contains(InvestorKinds, in.Kind) {
		fs.Add("kind", "must be one of "+strings.Join(InvestorKinds, ", "))
	}
	fs.Line("name_zh", in.NameZh, true, 200)
	fs.Line("name_en", in.NameEn, false, 300)
	fs.Block("description_zh", in.DescriptionZh, 5000)
	fs.Block("description_en", in.DescriptionEn, 8000)
	stages := choices(&fs, "stages", in.Stages, Stages, len(Stages))
	if len(in.Stages) == 0 {
		fs.Add("stages", "name at least one stage: "+strings.Join(Stages, ", "))
	}
	fields := choices(&fs, "fields", in.Fields, registry.TechFields, len(registry.TechFields))
	var districts []string
	for i, d := range in.Districts {
		d = strings.TrimSpace(d)
		if !slugChars(d) {
			fs.Add("districts["+strconv.Itoa(i)+"]", "must be a district slug")
			break
		}
		if !slices.Contains(districts, d) {
			districts = append(districts, d)
		}
	}
	if len(districts) > 30 {
		fs.Add("districts", "has too many entries")
	}
	if in.MinTicketYuan < 1 || in.MinTicketYuan > maxYuan {
		fs.Add("min_ticket_yuan", "must be a whole number of yuan from 1 to 10,000,000,000")
	}
	if in.MaxTicketYuan < in.MinTicketYuan || in.MaxTicketYuan > maxYuan {
		fs.Add("max_ticket_yuan", "must be at least min_ticket_yuan and at most 10,000,000,000")
	}
	if in.SizeYuan < 0 || in.SizeYuan > 100*maxYuan {
		fs.Add("size_yuan", "must be a whole number of yuan from 0 to 1,000,000,000,000")
	}
	if in.Status == "" {
		in.Status = "active"
	}
	if in.Status != "active" && in.Status != "closed" {
		fs.Add("status", "must be active or closed")
	}
	slices.Sort(districts)
	return Investor{OrgID: in.OrgID, Kind: in.Kind, NameZh: in.NameZh, NameEn: in.NameEn, DescriptionZh: in.DescriptionZh, DescriptionEn: in.DescriptionEn,
		Stages: stages, Fields: fields, Districts: append([]string{}, districts...), MinTicketFen: in.MinTicketYuan * 100, MaxTicketFen: in.MaxTicketYuan * 100,
		SizeFen: in.SizeYuan * 100, Status: in.Status}, apperr.Fields(fs)
}

func (in *ProfileInput) normalize() (Profile, error) {
	in.Stage, in.PitchZh, in.PitchEn = strings.TrimSpace(in.Stage), strings.TrimSpace(in.PitchZh), strings.TrimSpace(in.PitchEn)
	var fs fieldErrs
	if !slices.Contains(Stages, in.Stage) {
		fs.Add("stage", "must be one of "+strings.Join(Stages, ", "))
	}
	if in.AskYuan < 1 || in.AskYuan > maxYuan {
		fs.Add("ask_yuan", "must be a whole number of yuan from 1 to 10,000,000,000")
	}
	fields := choices(&fs, "fields", in.Fields, registry.TechFields, len(registry.TechFields))
	fs.Block("pitch_zh", in.PitchZh, 2000)
	fs.Block("pitch_en", in.PitchEn, 4000)
	return Profile{Stage: in.Stage, AskFen: in.AskYuan * 100, Fields: fields, PitchZh: in.PitchZh, PitchEn: in.PitchEn}, apperr.Fields(fs)
}

// manages reports whether p manages an investor of org: its members,
// administrators.
func manages(p *auth.Principal, org int64) bool {
	return p.IsAdmin() || (p != nil && p.RoleIn(org) != "")
}

const investorCols = `i.id, i.org_id, o.name_zh, i.kind, i.name_zh, i.name_en, i.description_zh, i.description_en, i.stages, i.fields, i.districts,
	i.min_ticket_fen, i.max_ticket_fen, i.size_fen, i.status, i.version, i.created_at`

const investorFrom = ` FROM investors i JOIN orgs o ON o.id = i.org_id`

func scanInvestor(r scanner) (Investor, error) {
	var x Investor
	var stages, fields, districts string
	err := r.Scan(&x.ID, &x.OrgID, &x.OrgName, &x.Kind, &x.NameZh, &x.NameEn, &x.DescriptionZh, &x.DescriptionEn, &stages, &fields, &districts,
		&x.MinTicketFen, &x.MaxTicketFen, &x.SizeFen, &x.Status, &x.Version, &x.CreatedAt)
	x.Stages, x.Fields, x.Districts = words(stages), words(fields), words(districts)
	return x, err
}

func words(s string) []string {
	f := strings.Fields(s)
	if f == nil {
		return []string{}
	}
	return f
}

func loadInvestor(ctx context.Context, q querier, id int64) (Investor, error) {
	x, err := scanInvestor(q.QueryRowContext(ctx, `SELECT `+investorCols+investorFrom+` WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return x, apperr.New(apperr.NotFound, "no investor %d", id)
	}
	return x, apperr.Wrap(err, "investor")
}

// InvestorQuery filters the investor list.
type InvestorQuery struct {
	Kind string
}

// Investors lists the active investors (public), and closed ones to their
// managers.
func (s *Service) Investors(ctx context.Context, p *auth.Principal, q InvestorQuery) ([]Investor, error) {
	if q.Kind != "" && !slices.Contains(InvestorKinds, q.Kind) {
		return nil, apperr.Field("kind", "must be one of %s", strings.Join(InvestorKinds, ", "))
	}
	var args db.Args
	where := "1 = 1"
	if q.Kind != "" {
		where = "i.kind = " + args.Add(q.Kind)
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+investorCols+investorFrom+` WHERE `+where+` ORDER BY i.status, i.id LIMIT 1000`, args...)
	all, err := db.Collect(rows, err, "investors", func(r interface{ Scan(...any) error }) (Investor, error) { return scanInvestor(r) })
	out := []Investor{}
	for _, x := range all {
		if x.Status == "active" || manages(p, x.OrgID) {
			out = append(out, x)
		}
	}
	return out, err
}

// Investor returns an investor (public while active).
func (s *Service) Investor(ctx context.Context, p *auth.Principal, id int64) (Investor, error) {
	x, err := loadInvestor(ctx, s.DB.Read, id)
	if err == nil && x.Status != "active" && !manages(p, x.OrgID) {
		return Investor{}, apperr.New(apperr.NotFound, "no investor %d", id)
	}
	return x, err
}

// SaveInvestor creates (id 0) or replaces an investor: members of an
// organization of kind investor, administrators. A guiding fund's size
// is its capital in the ledger, from which it commits to sub-funds.
func (s *Service) SaveInvestor(ctx context.Context, p *auth.Principal, id int64, in InvestorInput) (Investor, error) {
	if p == nil {
		return Investor{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	x, err := in.normalize()
	if err != nil {
		return Investor{}, err
	}
	if !manages(p, x.OrgID) {
		return Investor{}, apperr.New(apperr.Forbidden, "an investor's members manage its funds")
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = $1`, x.OrgID).Scan(&kind); errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "investor") {
			return apperr.Field("org_id", "is not an investor organization")
		} else if err != nil {
			return apperr.Wrap(err, "investor org")
		}
		var before any
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO investors (org_id, kind, name_zh, name_en, description_zh, description_en, stages, fields, districts, min_ticket_fen,
				max_ticket_fen, size_fen, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
				x.OrgID, x.Kind, x.NameZh, x.NameEn, x.DescriptionZh, x.DescriptionEn, strings.Join(x.Stages, " "), strings.Join(x.Fields, " "), strings.Join(x.Districts, " "),
				x.MinTicketFen, x.MaxTicketFen, x.SizeFen, x.Status, now).Scan(&id); err != nil {
				return apperr.Wrap(err, "insert investor")
			}
		} else {
			old, err := loadInvestor(ctx, tx, id)
			if err != nil {
				return err
			}
			if !manages(p, old.OrgID) || old.OrgID != x.OrgID {
				return apperr.New(apperr.Forbidden, "an investor's members manage its funds; the organization stays")
			}
			before = old
			if _, err := tx.ExecContext(ctx, `UPDATE investors SET kind = $1, name_zh = $2, name_en = $3, description_zh = $4, description_en = $5, stages = $6, fields = $7,
				districts = $8, min_ticket_fen = $9, max_ticket_fen = $10, size_fen = $11, status = $12, version = version + 1, updated_at = $13 WHERE id = $14`,
				x.Kind, x.NameZh, x.NameEn, x.DescriptionZh, x.DescriptionEn, strings.Join(x.Stages, " "), strings.Join(x.Fields, " "), strings.Join(x.Districts, " "),
				x.MinTicketFen, x.MaxTicketFen, x.SizeFen, x.Status, now, id); err != nil {
				return apperr.Wrap(err, "update investor")
			}
		}
		x.ID = id
		if err := s.fundCapital(ctx, tx, &x); err != nil {
			return err
		}
		after, err := loadInvestor(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: x.OrgID, Action: map[bool]string{true: "create", false: "update"}[before == nil],
			Entity: "investor", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	if err != nil {
		return Investor{}, err
	}
	return loadInvestor(ctx, s.DB.Read, id)
}

const profileCols = `f.org_id, o.name_zh, COALESCE(o.registered_district, ''), f.stage, f.ask_fen, f.fields, f.pitch_zh, f.pitch_en, f.consented_at, f.withdrawn_at, f.version`

func scanProfile(r scanner) (Profile, error) {
	var x Profile
	var fields string
	var withdrawn db.Time
	err := r.Scan(&x.OrgID, &x.OrgName, &x.District, &x.Stage, &x.AskFen, &fields, &x.PitchZh, &x.PitchEn, &x.ConsentedAt, &withdrawn, &x.Version)
	x.Fields = words(fields)
	if withdrawn.Valid {
		t := withdrawn.Time
		x.WithdrawnAt = &t
	}
	x.OptedIn = !withdrawn.Valid
	return x, err
}

// Profile returns an enterprise's profile for investors to its members and
// administrators; an enterprise that never opted in has none (404).
func (s *Service) Profile(ctx context.Context, p *auth.Principal, org int64) (Profile, error) {
	if p == nil {
		return Profile{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !manages(p, org) {
		return Profile{}, apperr.New(apperr.NotFound, "no investment profile of organization %d", org)
	}
	x, err := scanProfile(s.DB.Read.QueryRowContext(ctx, `SELECT `+profileCols+` FROM investment_profiles f JOIN orgs o ON o.id = f.org_id WHERE f.org_id = $1`, org))
	if errors.Is(err, sql.ErrNoRows) {
		return x, apperr.New(apperr.NotFound, "organization %d has not opted in to be found by investors", org)
	}
	return x, apperr.Wrap(err, "profile")
}

// OptIn records an enterprise's consent to be found by investors with
// what it seeks (its members); opting in again after a withdrawal gives
// the consent anew.
func (s *Service) OptIn(ctx context.Context, p *auth.Principal, org int64, in ProfileInput) (Profile, error) {
	if p == nil {
		return Profile{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	x, err := in.normalize()
	if err != nil {
		return Profile{}, err
	}
	if !manages(p, org) {
		return Profile{}, apperr.New(apperr.Forbidden, "an enterprise's members decide whether investors may find it")
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		var field sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT kind, tech_field FROM orgs WHERE id = $1`, org).Scan(&kind, &field); errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "enterprise") {
			return apperr.Field("org_id", "is not an enterprise")
		} else if err != nil {
			return apperr.Wrap(err, "enterprise")
		}
		if len(x.Fields) == 0 && field.Valid && field.String != "" {
			x.Fields = []string{field.String}
		}
		var before any
		if old, err := s.Profile(ctx, &auth.Principal{Role: auth.RoleAdmin}, org); err == nil {
			before = old
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO investment_profiles (org_id, stage, ask_fen, fields, pitch_zh, pitch_en, consented_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
			ON CONFLICT (org_id) DO UPDATE SET stage = excluded.stage, ask_fen = excluded.ask_fen, fields = excluded.fields, pitch_zh = excluded.pitch_zh,
			pitch_en = excluded.pitch_en, consented_at = CASE WHEN investment_profiles.withdrawn_at IS NULL THEN investment_profiles.consented_at ELSE excluded.consented_at END,
			withdrawn_at = NULL, version = investment_profiles.version + 1, updated_at = excluded.updated_at`,
			org, x.Stage, x.AskFen, strings.Join(x.Fields, " "), x.PitchZh, x.PitchEn, now)
		if err != nil {
			return apperr.Wrap(err, "opt in")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: org, Action: "opt_in", Entity: "investment_profile", EntityID: strconv.FormatInt(org, 10), Before: before, After: x})
	})
	if err != nil {
		return Profile{}, err
	}
	return s.Profile(ctx, p, org)
}

// OptOut withdraws the consent: investors no longer find the enterprise.
func (s *Service) OptOut(ctx context.Context, p *auth.Principal, org int64) (Profile, error) {
	if _, err := s.Profile(ctx, p, org); err != nil {
		return Profile{}, err
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE investment_profiles SET withdrawn_at = $1, version = version + 1, updated_at = $1 WHERE org_id = $2 AND withdrawn_at IS NULL`, now, org)
		if err != nil {
			return apperr.Wrap(err, "opt out")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "the consent was withdrawn already")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: org, Action: "opt_out", Entity: "investment_profile", EntityID: strconv.FormatInt(org, 10)})
	})
	if err != nil {
		return Profile{}, err
	}
	return s.Profile(ctx, p, org)
}

// Reason is one ground of a match, with its points.
type Reason struct {
	Code   string `json:"code"`
	Points int    `json:"points"`
	Zh     string `json:"zh"`
	En     string `json:"en"`
}

// Match is an investor and an enterprise scored against each other: field
// overlap (40), stage (30), ticket against the ask (20), district (10).
type Match struct {
	Score      int       `json:"score"`
	Reasons    []Reason  `json:"reasons"`
	Investor   *Investor `json:"investor,omitempty"`
	Enterprise *Profile  `json:"enterprise,omitempty"`
}

// Names gives the labels of districts (by slug) in both languages.
type Names map[string][2]string

func (n Names) label(slug string) (zh, en string) {
	if v, ok := n[slug]; ok {
		return v[0], v[1]
	}
	return slug, slug
}

// labels are the catalog's labels of some keys, joined.
func labels(prefix string, keys []string) (zh, en string) {
	var z, e []string
	for _, k := range keys {
		z, e = append(z, i18n.T("zh", prefix+k)), append(e, i18n.T("en", prefix+k))
	}
	return strings.Join(z, "、"), strings.Join(e, ", ")
}

// Score matches an investor and an enterprise's profile the same way from
// either side; districts names the districts in the reasons.
func Score(inv *Investor, pr *Profile, districts Names) (int, []Reason) {
	var rs []Reason
	add := func(code string, pts int, zh, en string) {
		rs = append(rs, Reason{Code: code, Points: pts, Zh: zh, En: en})
	}
	var shared []string
	for _, f := range pr.Fields {
		if slices.Contains(inv.Fields, f) {
			shared = append(shared, f)
		}
	}
	switch {
	case len(inv.Fields) == 0:
		add("field", 20, "投资方不限领域", "the investor takes any field")
	case len(shared) > 0:
		zh, en := labels("tech.", shared)
		add("field", 40, "领域相符："+zh, "shared fields: "+en)
	default:
		add("field", 0, "领域不相符", "no shared field")
	}
	stZh, stEn := labels("finance.stage.", []string{pr.Stage})
	if slices.Contains(inv.Stages, pr.Stage) {
		add("stage", 30, "投资阶段相符："+stZh, "the stage fits: "+stEn)
	} else {
		add("stage", 0, "投资阶段不相符："+stZh, "the stage does not fit: "+stEn)
	}
	switch {
	case pr.AskFen >= inv.MinTicketFen && pr.AskFen <= inv.MaxTicketFen:
		add("ticket", 20, "融资需求在单笔投资额范围内", "the ask is within the ticket range")
	case pr.AskFen < inv.MinTicketFen && pr.AskFen*2 >= inv.MinTicketFen, pr.AskFen > inv.MaxTicketFen && pr.AskFen <= inv.MaxTicketFen*2:
		add("ticket", 10, "融资需求接近单笔投资额范围", "the ask is near the ticket range")
	default:
		add("ticket", 0, "融资需求不在单笔投资额范围内", "the ask is outside the ticket range")
	}
	dZh, dEn := districts.label(pr.District)
	switch {
	case len(inv.Districts) == 0:
		add("district", 5, "投资方不限区域", "the investor takes any district")
	case slices.Contains(inv.Districts, pr.District):
		add("district", 10, "区域相符："+dZh, "the district fits: "+dEn)
	default:
		add("district", 0, dZh+"不在投资方的区域内", dEn+" is outside the investor's districts")
	}
	score := 0
	for _, r := range rs {
		score += r.Points
	}
	return score, rs
}

func (s *Service) districtNames(ctx context.Context) (Names, error) {
	out := Names{}
	if s.Registry == nil {
		return out, nil
	}
	ds, err := s.Registry.Districts(ctx)
	for _, d := range ds {
		out[d.Slug] = [2]string{d.NameZh, d.NameEn}
	}
	return out, err
}

func (s *Service) optedIn(ctx context.Context) ([]Profile, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+profileCols+` FROM investment_profiles f JOIN orgs o ON o.id = f.org_id WHERE f.withdrawn_at IS NULL ORDER BY f.org_id LIMIT 100000`)
	return db.Collect(rows, err, "profiles", func(r interface{ Scan(...any) error }) (Profile, error) { return scanProfile(r) })
}

func rank(ms []Match, name func(Match) string) []Match {
	slices.SortStableFunc(ms, func(a, b Match) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return strings.Compare(name(a), name(b))
	})
	if len(ms) > 200 {
		ms = ms[:200]
	}
	return ms
}

// InvestorMatches ranks the opted-in enterprises for an investor (its
// managers only).
func (s *Service) InvestorMatches(ctx context.Context, p *auth.Principal, id int64) ([]Match, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	inv, err := loadInvestor(ctx, s.DB.Read, id)
	if err != nil {
		return nil, err
	}
	if !manages(p, inv.OrgID) {
		return nil, apperr.New(apperr.Forbidden, "an investor's members see its matches")
	}
	ps, err := s.optedIn(ctx)
	if err != nil {
		return nil, err
	}
	names, err := s.districtNames(ctx)
	if err != nil {
		return nil, err
	}
	ms := []Match{}
	for i := range ps {
		sc, rs := Score(&inv, &ps[i], names)
		ms = append(ms, Match{Score: sc, Reasons: rs, Enterprise: &ps[i]})
	}
	return rank(ms, func(m Match) string { return m.Enterprise.OrgName }), nil
}

// EnterpriseMatches ranks the active investors for an opted-in enterprise
// (its members).
func (s *Service) EnterpriseMatches(ctx context.Context, p *auth.Principal, org int64) ([]Match, error) {
	pr, err := s.Profile(ctx, p, org)
	if err != nil {
		return nil, err
	}
	if !pr.OptedIn {
		return nil, apperr.New(apperr.Conflict, "the enterprise withdrew its consent to be found; opt in again to see investors")
	}
	invs, err := s.Investors(ctx, nil, InvestorQuery{})
	if err != nil {
		return nil, err
	}
	names, err := s.districtNames(ctx)
	if err != nil {
		return nil, err
	}
	ms := []Match{}
	for i := range invs {
		sc, rs := Score(&invs[i], &pr, names)
		ms = append(ms, Match{Score: sc, Reasons: rs, Investor: &invs[i]})
	}
	return rank(ms, func(m Match) string { return m.Investor.NameZh }), nil
}
