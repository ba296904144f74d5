package transfer

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/ip"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/search"
	"rainforest/internal/registry"
)

// Service is the technology-transfer module.
type Service struct {
	DB       *db.DB
	Registry *registry.Service
	// IP, when set, lets achievements link the IP assets they rest on.
	IP *ip.Service
	// Notifier, when set, tells the parties of a broker's case what
	// happened.
	Notifier *notify.Notifier
	// Resources, when set, suggests instruments and service providers
	// for a need.
	Resources Resources
}

// AchievementIndex and NeedIndex are the two catalogs' search indexes.
// Matching reads each with the other's text.
var (
	AchievementIndex = search.Register(&search.Index{
		Name:    "transfer.achievements",
		Fields:  []search.Field{{Name: "title", Weight: 3}, {Name: "keywords", Weight: 2}, {Name: "summary", Weight: 1}, {Name: "parties", Weight: 1}},
		Filters: []string{"field", "maturity", "district", "price_band", "status"},
	})
	NeedIndex = search.Register(&search.Index{
		Name:    "transfer.needs",
		Fields:  []search.Field{{Name: "title", Weight: 3}, {Name: "keywords", Weight: 2}, {Name: "problem", Weight: 1}, {Name: "parties", Weight: 1}},
		Filters: []string{"field", "district", "price_band", "status"},
	})
)

var shanghai = time.FixedZone("CST", 8*3600)

func (s *Service) today() string { return s.DB.Now().In(shanghai).Format(time.DateOnly) }

// member reports whether p belongs to org (or is an administrator).
func member(p *auth.Principal, org int64) bool {
	return p.IsAdmin() || (p != nil && p.RoleIn(org) != "")
}

// Maturity is the band of a readiness level: lab (1-3), pilot (4-6),
// market (7-9).
func Maturity(trl int) string {
	switch {
	case trl <= 3:
		return "lab"
	case trl <= 6:
		return "pilot"
	}
	return "market"
}

// MaturityBands and PriceBands are the catalogs' filter values.
var (
	MaturityBands = []string{"lab", "pilot", "market"}
	PriceBands    = []string{"negotiable", "lt_100k", "100k_1m", "1m_10m", "ge_10m"}
)

// PriceBand is the band of a price or budget in fen; nil is negotiable.
func PriceBand(fen *int64) string {
	if fen == nil {
		return "negotiable"
	}
	switch y := *fen / 100; {
	case y < 100_000:
		return "lt_100k"
	case y < 1_000_000:
		return "100k_1m"
	case y < 10_000_000:
		return "1m_10m"
	}
	return "ge_10m"
}

type scanner interface{ Scan(...any) error }

const achCols = `a.id, a.owner_org_id, o.name_zh, o.name_en, a.title_zh, a.title_en, a.summary_zh, a.summary_en, a.keywords, a.field, a.trl,
	a.modes, a.price_fen, a.district, a.status, a.version, a.created_at, a.updated_at`

const achFrom = ` FROM transfer_achievements a JOIN orgs o ON o.id = a.owner_org_id`

func scanAchievement(r scanner) (Achievement, error) {
	var a Achievement
	var modes string
	var price sql.NullInt64
	err := r.Scan(&a.ID, &a.OwnerOrgID, &a.OwnerName, &a.OwnerEn, &a.TitleZh, &a.TitleEn, &a.SummaryZh, &a.SummaryEn, &a.Keywords, &a.Field, &a.TRL,
		&modes, &price, &a.District, &a.Status, &a.Version, &a.CreatedAt, &a.UpdatedAt)
	a.Modes = splitModes(modes)
	if price.Valid {
		a.PriceFen = &price.Int64
	}
	a.Negotiable = !price.Valid
	a.AssetIDs = []int64{}
	return a, err
}

func loadAchievement(ctx context.Context, q search.DBTX, id int64) (Achievement, error) {
	a, err := scanAchievement(q.QueryRowContext(ctx, `SELECT `+achCols+achFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no achievement %d", id)
	}
	if err != nil {
		return a, apperr.Wrap(err, "achievement")
	}
	rows, err := q.QueryContext(ctx, `SELECT asset_id FROM transfer_achievement_assets WHERE achievement_id = $1 ORDER BY asset_id`, id)
	ids, err := db.Collect(rows, err, "achievement assets", func(r interface{ Scan(...any) error }) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if ids != nil {
		a.AssetIDs = ids
	}
	return a, err
}

const needCols = `n.id, n.owner_org_id, o.name_zh, o.name_en, n.title_zh, n.title_en, n.problem_zh, n.problem_en, n.keywords, n.field, n.min_trl,
	n.modes, n.budget_fen, n.deadline, n.district, n.status, n.version, n.created_at, n.updated_at`

const needFrom = ` FROM transfer_needs n JOIN orgs o ON o.id = n.owner_org_id`

func scanNeed(r scanner) (Need, error) {
	var n Need
	var modes string
	var budget sql.NullInt64
	var deadline db.Date
	err := r.Scan(&n.ID, &n.OwnerOrgID, &n.OwnerName, &n.OwnerEn, &n.TitleZh, &n.TitleEn, &n.ProblemZh, &n.ProblemEn, &n.Keywords, &n.Field, &n.MinTRL,
		&modes, &budget, &deadline, &n.District, &n.Status, &n.Version, &n.CreatedAt, &n.UpdatedAt)
	n.Modes = splitModes(modes)
	if budget.Valid {
		n.BudgetFen = &budget.Int64
	}
	n.Deadline = deadline.Ptr()
	return n, err
}

func loadNeed(ctx context.Context, q search.DBTX, id int64) (Need, error) {
	n, err := scanNeed(q.QueryRowContext(ctx, `SELECT `+needCols+needFrom+` WHERE n.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, apperr.New(apperr.NotFound, "no need %d", id)
	}
	return n, apperr.Wrap(err, "need")
}

// achievementText and needText are what the indexes and the matcher read.
func achievementText(a *Achievement) map[string]string {
	return map[string]string{
		"title":    a.TitleZh + "\n" + a.TitleEn,
		"keywords": a.Keywords,
		"summary":  a.SummaryZh + "\n" + a.SummaryEn,
		"parties":  a.OwnerName + "\n" + a.OwnerEn,
	}
}

func needText(n *Need) map[string]string {
	return map[string]string{
		"title":    n.TitleZh + "\n" + n.TitleEn,
		"keywords": n.Keywords,
		"problem":  n.ProblemZh + "\n" + n.ProblemEn,
		"parties":  n.OwnerName + "\n" + n.OwnerEn,
	}
}

func reindexAchievement(ctx context.Context, tx *sql.Tx, id int64) error {
	a, err := loadAchievement(ctx, tx, id)
	if err != nil {
		return err
	}
	return AchievementIndex.Put(ctx, tx, id, achievementText(&a), map[string]string{
		"field": a.Field, "maturity": Maturity(a.TRL), "district": a.District, "price_band": PriceBand(a.PriceFen), "status": a.Status,
	})
}

func reindexNeed(ctx context.Context, tx *sql.Tx, id int64) error {
	n, err := loadNeed(ctx, tx, id)
	if err != nil {
		return err
	}
	return NeedIndex.Put(ctx, tx, id, needText(&n), map[string]string{
		"field": n.Field, "district": n.District, "price_band": PriceBand(n.BudgetFen), "status": n.Status,
	})
}

// ownerDistrict is an organization's registered district ("" unknown),
// or NotFound naming field.
func ownerDistrict(ctx context.Context, tx *sql.Tx, org int64, field string) (string, error) {
	var d sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT registered_district FROM orgs WHERE id = $1`, org).Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.Field(field, "is not an organization")
	}
	return d.String, apperr.Wrap(err, "owner")
}

// checkVersion compares an optional expected version with the stored one.
func checkVersion(want *int, have int, what string) error {
	if want != nil && *want != have {
		return apperr.New(apperr.Conflict, "the %s changed meanwhile (version %d, not %d): reload and try again", what, have, *want)
	}
	return nil
}

// SaveAchievement creates an achievement (id 0) or replaces one, for
// members of the owning organization.
func (s *Service) SaveAchievement(ctx context.Context, p *auth.Principal, id int64, in AchievementInput) (Achievement, error) {
	if p == nil {
		return Achievement{}, apperr.New(apperr.Unauthorized, "sign in to publish achievements")
	}
	price, err := in.normalize()
	if err != nil {
		return Achievement{}, err
	}
	if !member(p, in.OwnerOrgID) {
		return Achievement{}, apperr.New(apperr.Forbidden, "you publish achievements for your own organizations only")
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		id, err = saveAchievementTx(ctx, tx, func(org int64) bool { return member(p, org) }, id, &in, price, now)
		return err
	})
	if err != nil {
		return Achievement{}, err
	}
	return s.Achievement(ctx, p, id)
}

// saveAchievementTx creates (id 0) or replaces an achievement whose input
// is normalized, inside tx, with its audit record; may says who changes an
// existing achievement's owner organization.
func saveAchievementTx(ctx context.Context, tx *sql.Tx, may func(org int64) bool, id int64, in *AchievementInput, price *int64, now time.Time) (int64, error) {
	err := func() error {
		district, err := ownerDistrict(ctx, tx, in.OwnerOrgID, "owner_org_id")
		if err != nil {
			return err
		}
		for i, aid := range in.AssetIDs {
			var owner int64
			err := tx.QueryRowContext(ctx, `SELECT owner_org_id FROM ip_assets WHERE id = $1`, aid).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.Field("asset_ids["+strconv.Itoa(i)+"]", "is not an IP asset")
			}
			if err != nil {
				return apperr.Wrap(err, "asset")
			}
			var co int
			if owner != in.OwnerOrgID {
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ip_asset_owners WHERE asset_id = $1 AND org_id = $2`, aid, in.OwnerOrgID).Scan(&co); err != nil {
					return apperr.Wrap(err, "asset owners")
				}
				if co == 0 {
					return apperr.Field("asset_ids["+strconv.Itoa(i)+"]", "is not an asset of the owner organization")
				}
			}
		}
		var before *Achievement
		if id == 0 {
			err = tx.QueryRowContext(ctx, `INSERT INTO transfer_achievements (owner_org_id, title_zh, title_en, summary_zh, summary_en, keywords, field, trl, modes,
				price_fen, district, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
				in.OwnerOrgID, in.TitleZh, in.TitleEn, in.SummaryZh, in.SummaryEn, in.Keywords, in.Field, in.TRL, joinModes(in.Modes), price, district, in.Status, now).Scan(&id)
			if err != nil {
				return apperr.Wrap(err, "insert achievement")
			}
		} else {
			old, err := loadAchievement(ctx, tx, id)
			if err != nil {
				return err
			}
			if !may(old.OwnerOrgID) {
				return apperr.New(apperr.Forbidden, "only the owner's members change an achievement")
			}
			if old.OwnerOrgID != in.OwnerOrgID {
				return apperr.Field("owner_org_id", "cannot change; publish a new achievement instead")
			}
			if err := checkVersion(in.Version, old.Version, "achievement"); err != nil {
				return err
			}
			before = &old
			if _, err := tx.ExecContext(ctx, `UPDATE transfer_achievements SET title_zh = $1, title_en = $2, summary_zh = $3, summary_en = $4, keywords = $5,
				field = $6, trl = $7, modes = $8, price_fen = $9, district = $10, status = $11, version = version + 1, updated_at = $12 WHERE id = $13`,
				in.TitleZh, in.TitleEn, in.SummaryZh, in.SummaryEn, in.Keywords, in.Field, in.TRL, joinModes(in.Modes), price, district, in.Status, now, id); err != nil {
				return apperr.Wrap(err, "update achievement")
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM transfer_achievement_assets WHERE achievement_id = $1`, id); err != nil {
				return apperr.Wrap(err, "achievement assets")
			}
		}
		for _, aid := range in.AssetIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO transfer_achievement_assets (achievement_id, asset_id) VALUES ($1, $2)`, id, aid); err != nil {
				return apperr.Wrap(err, "achievement asset")
			}
		}
		if err := reindexAchievement(ctx, tx, id); err != nil {
			return err
		}
		after, err := loadAchievement(ctx, tx, id)
		if err != nil {
			return err
		}
		action := "create"
		var b any
		if before != nil {
			action, b = "update", before
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: in.OwnerOrgID, Action: action, Entity: "transfer_achievement", EntityID: strconv.FormatInt(id, 10), Before: b, After: after})
	}()
	return id, err
}

// Achievement returns an achievement: published ones to anyone, withdrawn
// ones to the owner's members.
func (s *Service) Achievement(ctx context.Context, p *auth.Principal, id int64) (Achievement, error) {
	a, err := loadAchievement(ctx, s.DB.Read, id)
	if err == nil && a.Status != "published" && !member(p, a.OwnerOrgID) {
		return Achievement{}, apperr.New(apperr.NotFound, "no achievement %d", id)
	}
	return a, err
}

// SaveNeed creates a need (id 0) or replaces one, for members of the
// owning organization.
func (s *Service) SaveNeed(ctx context.Context, p *auth.Principal, id int64, in NeedInput) (Need, error) {
	if p == nil {
		return Need{}, apperr.New(apperr.Unauthorized, "sign in to publish needs")
	}
	budget, err := in.normalize(s.today())
	if err != nil {
		return Need{}, err
	}
	if !member(p, in.OwnerOrgID) {
		return Need{}, apperr.New(apperr.Forbidden, "you publish needs for your own organizations only")
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		id, err = saveNeedTx(ctx, tx, func(org int64) bool { return member(p, org) }, id, &in, budget, now)
		return err
	})
	if err != nil {
		return Need{}, err
	}
	return s.Need(ctx, p, id)
}

// saveNeedTx creates (id 0) or replaces a need whose input is normalized,
// inside tx, with its audit record.
func saveNeedTx(ctx context.Context, tx *sql.Tx, may func(org int64) bool, id int64, in *NeedInput, budget *int64, now time.Time) (int64, error) {
	err := func() error {
		district, err := ownerDistrict(ctx, tx, in.OwnerOrgID, "owner_org_id")
		if err != nil {
			return err
		}
		var before *Need
		if id == 0 {
			err = tx.QueryRowContext(ctx, `INSERT INTO transfer_needs (owner_org_id, title_zh, title_en, problem_zh, problem_en, keywords, field, min_trl, modes,
				budget_fen, deadline, district, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
				in.OwnerOrgID, in.TitleZh, in.TitleEn, in.ProblemZh, in.ProblemEn, in.Keywords, in.Field, in.MinTRL, joinModes(in.Modes), budget, in.Deadline,
				district, in.Status, now).Scan(&id)
			if err != nil {
				return apperr.Wrap(err, "insert need")
			}
		} else {
			old, err := loadNeed(ctx, tx, id)
			if err != nil {
				return err
			}
			if !may(old.OwnerOrgID) {
				return apperr.New(apperr.Forbidden, "only the owner's members change a need")
			}
			if old.OwnerOrgID != in.OwnerOrgID {
				return apperr.Field("owner_org_id", "cannot change; publish a new need instead")
			}
			if err := checkVersion(in.Version, old.Version, "need"); err != nil {
				return err
			}
			before = &old
			if _, err := tx.ExecContext(ctx, `UPDATE transfer_needs SET title_zh = $1, title_en = $2, problem_zh = $3, problem_en = $4, keywords = $5,
				field = $6, min_trl = $7, modes = $8, budget_fen = $9, deadline = $10, district = $11, status = $12, version = version + 1, updated_at = $13 WHERE id = $14`,
				in.TitleZh, in.TitleEn, in.ProblemZh, in.ProblemEn, in.Keywords, in.Field, in.MinTRL, joinModes(in.Modes), budget, in.Deadline, district, in.Status, now, id); err != nil {
				return apperr.Wrap(err, "update need")
			}
		}
		if err := reindexNeed(ctx, tx, id); err != nil {
			return err
		}
		after, err := loadNeed(ctx, tx, id)
		if err != nil {
			return err
		}
		action := "create"
		var b any
		if before != nil {
			action, b = "update", before
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: in.OwnerOrgID, Action: action, Entity: "transfer_need", EntityID: strconv.FormatInt(id, 10), Before: b, After: after})
	}()
	return id, err
}

// Need returns a need: open, solved and expired ones to anyone, withdrawn
// ones to the owner's members.
func (s *Service) Need(ctx context.Context, p *auth.Principal, id int64) (Need, error) {
	n, err := loadNeed(ctx, s.DB.Read, id)
	if err == nil && n.Status == "withdrawn" && !member(p, n.OwnerOrgID) {
		return Need{}, apperr.New(apperr.NotFound, "no need %d", id)
	}
	return n, err
}

// Expire closes the open needs past their deadline, each with its index
// entry and audit record.
func (s *Service) Expire(ctx context.Context) (int, error) {
	today := s.today()
	var n int
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM transfer_needs WHERE status = 'open' AND deadline < $1`, today).Scan(&n); err != nil || n == 0 {
		return 0, apperr.Wrap(err, "expired needs")
	}
	n = 0
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, owner_org_id FROM transfer_needs WHERE status = 'open' AND deadline < $1 ORDER BY id`, today)
		ids, err := db.Collect(rows, err, "expired needs", func(r interface{ Scan(...any) error }) ([2]int64, error) {
			var v [2]int64
			return v, r.Scan(&v[0], &v[1])
		})
		if err != nil {
			return err
		}
		now := s.DB.Now()
		for _, v := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE transfer_needs SET status = 'expired', version = version + 1, updated_at = $1 WHERE id = $2 AND status = 'open'`, now, v[0])
			if err != nil {
				return apperr.Wrap(err, "expire need")
			}
			if k, _ := res.RowsAffected(); k == 0 {
				continue
			}
			n++
			if err := reindexNeed(ctx, tx, v[0]); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, audit.Change{OrgID: v[1], Action: "expire", Entity: "transfer_need", EntityID: strconv.FormatInt(v[0], 10),
				Before: map[string]string{"status": "open"}, After: map[string]string{"status": "expired"}}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// CatalogQuery is a search of either catalog.
type CatalogQuery struct {
	Text      string
	Field     []string
	Maturity  []string
	District  []string
	PriceBand []string
	Limit     int
	Offset    int
}

// Validate checks a catalog query's filters, naming each wrong one.
func (q CatalogQuery) Validate() error {
	var fs fieldErrs
	check := func(name string, vals, allowed []string) {
		for _, v := range vals {
			if !slices.Contains(allowed, v) {
				fs.add(name, oneOf(allowed))
				return
			}
		}
	}
	check("field", q.Field, registry.TechFields)
	check("maturity", q.Maturity, MaturityBands)
	check("price_band", q.PriceBand, PriceBands)
	for _, d := range q.District {
		if len(d) > 40 || strings.ContainsFunc(d, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '_' || r == '-') }) {
			fs.add("district", "must be a district code")
			break
		}
	}
	if q.Limit < 1 || q.Limit > 100 {
		fs.add("limit", "must be from 1 to 100")
	}
	if q.Offset < 0 || q.Offset > 10000 {
		fs.add("offset", "must be from 0 to 10000")
	}
	return apperr.Fields(fs)
}

// Page is one page of a catalog.
type Page[T any] struct {
	Items      []T                            `json:"items"`
	Total      int                            `json:"total"`
	Facets     map[string][]search.FacetCount `json:"facets"`
	DidYouMean string                         `json:"did_you_mean,omitempty"`
	Relaxed    bool                           `json:"relaxed,omitempty"`
}

func (q CatalogQuery) search(ix *search.Index, status string, facets []string) search.Query {
	filters := map[string][]string{"status": {status}}
	for k, v := range map[string][]string{"field": q.Field, "maturity": q.Maturity, "district": q.District, "price_band": q.PriceBand} {
		if len(v) > 0 {
			filters[k] = v
		}
	}
	return search.Query{Text: q.Text, Filters: filters, Facets: facets, Limit: q.Limit, Offset: q.Offset}
}

// Achievements searches the published achievements.
func (s *Service) Achievements(ctx context.Context, q CatalogQuery) (Page[Achievement], error) {
	if err := q.Validate(); err != nil {
		return Page[Achievement]{}, err
	}
	res, err := AchievementIndex.Search(ctx, s.DB.Read, q.search(AchievementIndex, "published", []string{"field", "maturity", "district", "price_band"}))
	if err != nil {
		return Page[Achievement]{}, err
	}
	out := Page[Achievement]{Items: []Achievement{}, Total: res.Total, Facets: res.Facets, DidYouMean: res.DidYouMean, Relaxed: res.Relaxed}
	for _, h := range res.Hits {
		a, err := loadAchievement(ctx, s.DB.Read, h.ID)
		if err != nil {
			return out, err
		}
		a.Snippets = h.Snippets
		out.Items = append(out.Items, a)
	}
	return out, nil
}

// Needs searches the open needs.
func (s *Service) Needs(ctx context.Context, q CatalogQuery) (Page[Need], error) {
	if err := q.Validate(); err != nil {
		return Page[Need]{}, err
	}
	if len(q.Maturity) > 0 {
		return Page[Need]{}, apperr.Field("maturity", "filters achievements only")
	}
	if _, err := s.Expire(ctx); err != nil {
		return Page[Need]{}, err
	}
	res, err := NeedIndex.Search(ctx, s.DB.Read, q.search(NeedIndex, "open", []string{"field", "district", "price_band"}))
	if err != nil {
		return Page[Need]{}, err
	}
	out := Page[Need]{Items: []Need{}, Total: res.Total, Facets: res.Facets, DidYouMean: res.DidYouMean, Relaxed: res.Relaxed}
	for _, h := range res.Hits {
		n, err := loadNeed(ctx, s.DB.Read, h.ID)
		if err != nil {
			return out, err
		}
		n.Snippets = h.Snippets
		out.Items = append(out.Items, n)
	}
	return out, nil
}

// Mine lists the achievements and needs of p's organizations, every
// status.
func (s *Service) Mine(ctx context.Context, p *auth.Principal) ([]Achievement, []Need, error) {
	if p == nil {
		return nil, nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	orgs := p.OrgIDs()
	if len(orgs) == 0 {
		return []Achievement{}, []Need{}, nil
	}
	var args db.Args
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+achCols+achFrom+` WHERE a.owner_org_id IN (`+db.List(&args, orgs)+`) ORDER BY a.id DESC LIMIT 500`, args...)
	as, err := db.Collect(rows, err, "my achievements", func(r interface{ Scan(...any) error }) (Achievement, error) { return scanAchievement(r) })
	if err != nil {
		return nil, nil, err
	}
	args = nil
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT `+needCols+needFrom+` WHERE n.owner_org_id IN (`+db.List(&args, orgs)+`) ORDER BY n.id DESC LIMIT 500`, args...)
	ns, err := db.Collect(rows, err, "my needs", func(r interface{ Scan(...any) error }) (Need, error) { return scanNeed(r) })
	if as == nil {
		as = []Achievement{}
	}
	if ns == nil {
		ns = []Need{}
	}
	return as, ns, err
}

// OrgChanged follows the registry: an organization's new names or
// district reach its achievements and needs and their index entries,
// inside the registry's transaction.
func (s *Service) OrgChanged(ctx context.Context, tx *sql.Tx, before, after registry.Org) error {
	district := func(o registry.Org) string {
		if o.RegisteredDistrict == nil {
			return ""
		}
		return *o.RegisteredDistrict
	}
	if before.NameZh == after.NameZh && before.NameEn == after.NameEn && district(before) == district(after) {
		return nil
	}
	for _, t := range []struct {
		table   string
		reindex func(context.Context, *sql.Tx, int64) error
	}{{"transfer_achievements", reindexAchievement}, {"transfer_needs", reindexNeed}} {
		// The table names are constants of this function.
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET district = $1 WHERE owner_org_id = $2`, district(after), after.ID); err != nil {
			return apperr.Wrap(err, "district")
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM `+t.table+` WHERE owner_org_id = $1 ORDER BY id`, after.ID)
		ids, err := db.Collect(rows, err, "org's entries", func(r interface{ Scan(...any) error }) (int64, error) {
			var v int64
			return v, r.Scan(&v)
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := t.reindex(ctx, tx, id); err != nil {
				return err
			}
		}
	}
	return nil
}
