package instruments

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/calendar"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/search"
)

// Service is the instruments module.
type Service struct {
	DB       *db.DB
	Notifier *notify.Notifier
}

// Index is the catalog's search index.
var Index = search.Register(&search.Index{
	Name:    "instruments",
	Fields:  []search.Field{{Name: "name", Weight: 3}, {Name: "model", Weight: 2}, {Name: "capabilities", Weight: 1}, {Name: "owner", Weight: 1}},
	Filters: []string{"category", "region", "district", "fee_unit", "status"},
})

var shanghai = time.FixedZone("CST", 8*3600)

func member(p *auth.Principal, org int64) bool {
	return p.IsAdmin() || (p != nil && p.RoleIn(org) != "")
}

func token() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type scanner interface{ Scan(...any) error }

const instCols = `i.id, i.owner_org_id, o.name_zh, i.resource_id, i.name_zh, i.name_en, i.category, i.make, i.model, i.location, i.region, i.district,
	i.purchase_value_fen, i.capabilities_zh, i.capabilities_en, i.photo_url, i.fee_unit, i.fee_internal_fen, i.fee_external_fen, i.fee_sme_fen,
	i.operator_required, i.training_required, i.auto_approve_minutes, i.cancel_free_hours, i.late_cancel_pct, i.no_show_pct, i.status, i.version`

const instFrom = ` FROM instruments i JOIN orgs o ON o.id = i.owner_org_id`

func scanInstrument(r scanner) (Instrument, error) {
	var i Instrument
	err := r.Scan(&i.ID, &i.OwnerOrgID, &i.OwnerName, &i.ResourceID, &i.NameZh, &i.NameEn, &i.Category, &i.Make, &i.Model, &i.Location, &i.Region, &i.District,
		&i.PurchaseValueFen, &i.CapabilitiesZh, &i.CapabilitiesEn, &i.PhotoURL, &i.FeeUnit, &i.FeeInternalFen, &i.FeeExternalFen, &i.FeeSMEFen,
		&i.OperatorRequired, &i.TrainingRequired, &i.AutoApproveMinutes, &i.CancelFreeHours, &i.LateCancelPct, &i.NoShowPct, &i.Status, &i.Version)
	return i, err
}

func load(ctx context.Context, q calendar.Querier, id int64) (Instrument, error) {
	i, err := scanInstrument(q.QueryRowContext(ctx, `SELECT `+instCols+instFrom+` WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return i, apperr.New(apperr.NotFound, "no instrument %d", id)
	}
	return i, apperr.Wrap(err, "instrument")
}

func reindex(ctx context.Context, tx *sql.Tx, id int64) error {
	i, err := load(ctx, tx, id)
	if err != nil {
		return err
	}
	return Index.Put(ctx, tx, id, map[string]string{
		"name": i.NameZh + "\n" + i.NameEn, "model": i.Make + " " + i.Model, "capabilities": i.CapabilitiesZh + "\n" + i.CapabilitiesEn, "owner": i.OwnerName + "\n" + i.Location,
	}, map[string]string{"category": i.Category, "region": i.Region, "district": i.District, "fee_unit": i.FeeUnit, "status": i.Status})
}

// Save creates (id 0) or replaces an instrument: the owner's members.
func (s *Service) Save(ctx context.Context, p *auth.Principal, id int64, in Input) (Instrument, error) {
	if p == nil {
		return Instrument{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	res, err := in.normalize()
	if err != nil {
		return Instrument{}, err
	}
	if !member(p, in.OwnerOrgID) {
		return Instrument{}, apperr.New(apperr.Forbidden, "an owner's members list its instruments")
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var district sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT registered_district FROM orgs WHERE id = $1`, in.OwnerOrgID).Scan(&district); errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("owner_org_id", "is not an organization")
		} else if err != nil {
			return apperr.Wrap(err, "owner")
		}
		var before any
		if id == 0 {
			if err := calendar.Define(ctx, tx, now, &res); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO instruments (owner_org_id, resource_id, name_zh, name_en, category, make, model, location, region, district,
				purchase_value_fen, capabilities_zh, capabilities_en, photo_url, fee_unit, fee_internal_fen, fee_external_fen, fee_sme_fen, operator_required,
				training_required, auto_approve_minutes, cancel_free_hours, late_cancel_pct, no_show_pct, ical_token, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $27) RETURNING id`,
				in.OwnerOrgID, res.ID, in.NameZh, in.NameEn, in.Category, in.Make, in.Model, in.Location, in.Region, district.String, in.PurchaseValueYuan*100,
				in.CapabilitiesZh, in.CapabilitiesEn, in.PhotoURL, in.FeeUnit, in.FeeInternalFen, in.FeeExternalFen, in.FeeSMEFen, in.OperatorRequired,
				in.TrainingRequired, in.AutoApproveMinutes, in.CancelFreeHours, in.LateCancelPct, in.NoShowPct, token(), in.Status, now).Scan(&id); err != nil {
				return apperr.Wrap(err, "insert instrument")
			}
		} else {
			old, err := load(ctx, tx, id)
			if err != nil {
				return err
			}
			if !member(p, old.OwnerOrgID) || old.OwnerOrgID != in.OwnerOrgID {
				return apperr.New(apperr.Forbidden, "an owner's members change its instruments")
			}
			if in.Version != nil && *in.Version != old.Version {
				return apperr.New(apperr.Conflict, "the instrument changed meanwhile (version %d, not %d)", old.Version, *in.Version)
			}
			before = old
			res.ID = old.ResourceID
			if err := calendar.Redefine(ctx, tx, now, &res); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE instruments SET name_zh = $1, name_en = $2, category = $3, make = $4, model = $5, location = $6, region = $7,
				district = $8, purchase_value_fen = $9, capabilities_zh = $10, capabilities_en = $11, photo_url = $12, fee_unit = $13, fee_internal_fen = $14,
				fee_external_fen = $15, fee_sme_fen = $16, operator_required = $17, training_required = $18, auto_approve_minutes = $19, cancel_free_hours = $20,
				late_cancel_pct = $21, no_show_pct = $22, status = $23, version = version + 1, updated_at = $24 WHERE id = $25`,
				in.NameZh, in.NameEn, in.Category, in.Make, in.Model, in.Location, in.Region, district.String, in.PurchaseValueYuan*100, in.CapabilitiesZh,
				in.CapabilitiesEn, in.PhotoURL, in.FeeUnit, in.FeeInternalFen, in.FeeExternalFen, in.FeeSMEFen, in.OperatorRequired, in.TrainingRequired,
				in.AutoApproveMinutes, in.CancelFreeHours, in.LateCancelPct, in.NoShowPct, in.Status, now, id); err != nil {
				return apperr.Wrap(err, "update instrument")
			}
		}
		if err := reindex(ctx, tx, id); err != nil {
			return err
		}
		after, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: in.OwnerOrgID, Action: map[bool]string{true: "create", false: "update"}[before == nil],
			Entity: "instrument", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	if err != nil {
		return Instrument{}, err
	}
	return s.Instrument(ctx, p, id)
}

// Instrument returns an instrument with its calendar rules (retired ones
// to the owner's members only).
func (s *Service) Instrument(ctx context.Context, p *auth.Principal, id int64) (Instrument, error) {
	i, err := load(ctx, s.DB.Read, id)
	if err != nil {
		return i, err
	}
	if i.Status != "active" && !member(p, i.OwnerOrgID) {
		return Instrument{}, apperr.New(apperr.NotFound, "no instrument %d", id)
	}
	r, err := calendar.Load(ctx, s.DB.Read, i.ResourceID)
	i.Calendar = &r
	return i, err
}

// CatalogQuery is a catalog search.
type CatalogQuery struct {
	Text     string
	Category []string
	Region   []string
	District []string
	FeeUnit  []string
	Limit    int
	Offset   int
}

// CatalogPage is a page of the catalog.
type CatalogPage struct {
	Items      []Instrument                   `json:"items"`
	Total      int                            `json:"total"`
	Facets     map[string][]search.FacetCount `json:"facets"`
	DidYouMean string                         `json:"did_you_mean,omitempty"`
	Relaxed    bool                           `json:"relaxed,omitempty"`
}

// Catalog searches the active instruments in Chinese or English.
func (s *Service) Catalog(ctx context.Context, q CatalogQuery) (CatalogPage, error) {
	var fs fieldErrs
	check := func(name string, vals, allowed []string) {
		for _, v := range vals {
			if !slices.Contains(allowed, v) {
				fs.Add(name, "must be one of "+strings.Join(allowed, ", "))
				return
			}
		}
	}
	check("category", q.Category, Categories)
	check("region", q.Region, Regions)
	check("fee_unit", q.FeeUnit, []string{"hour", "sample"})
	if err := apperr.Fields(fs); err != nil {
		return CatalogPage{}, err
	}
	filters := map[string][]string{"status": {"active"}}
	for k, v := range map[string][]string{"category": q.Category, "region": q.Region, "district": q.District, "fee_unit": q.FeeUnit} {
		if len(v) > 0 {
			filters[k] = v
		}
	}
	res, err := Index.Search(ctx, s.DB.Read, search.Query{Text: q.Text, Filters: filters, Facets: []string{"category", "region", "fee_unit"}, Limit: q.Limit, Offset: q.Offset})
	if err != nil {
		return CatalogPage{}, err
	}
	out := CatalogPage{Items: []Instrument{}, Total: res.Total, Facets: res.Facets, DidYouMean: res.DidYouMean, Relaxed: res.Relaxed}
	for _, h := range res.Hits {
		i, err := load(ctx, s.DB.Read, h.ID)
		if err != nil {
			return out, err
		}
		i.Snippets = h.Snippets
		out.Items = append(out.Items, i)
	}
	return out, nil
}

// Mine lists the instruments of p's organizations, every status.
func (s *Service) Mine(ctx context.Context, p *auth.Principal) ([]Instrument, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	orgs := p.OrgIDs()
	if len(orgs) == 0 {
		return []Instrument{}, nil
	}
	var args db.Args
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+instCols+instFrom+` WHERE i.owner_org_id IN (`+db.List(&args, orgs)+`) ORDER BY i.id`, args...)
	is, err := db.Collect(rows, err, "instruments", func(r interface{ Scan(...any) error }) (Instrument, error) { return scanInstrument(r) })
	if is == nil {
		is = []Instrument{}
	}
	return is, err
}

// Train records (or renews) a user's training on an instrument, valid for
// a year: the owner's members.
func (s *Service) Train(ctx context.Context, p *auth.Principal, id, userID int64) error {
	if p == nil {
		return apperr.New(apperr.Unauthorized, "sign in")
	}
	i, err := load(ctx, s.DB.Read, id)
	if err != nil {
		return err
	}
	if !member(p, i.OwnerOrgID) {
		return apperr.New(apperr.Forbidden, "the owner's staff record trainings")
	}
	today := s.DB.Now().In(shanghai)
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, userID).Scan(&n); err != nil {
			return apperr.Wrap(err, "user")
		}
		if n == 0 {
			return apperr.Field("user_id", "is not a user")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM instrument_trainings WHERE instrument_id = $1 AND user_id = $2`, id, userID); err != nil {
			return apperr.Wrap(err, "training")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO instrument_trainings (instrument_id, user_id, trained_on, valid_until) VALUES ($1, $2, $3, $4)`,
			id, userID, today.Format(time.DateOnly), today.AddDate(1, 0, 0).Format(time.DateOnly)); err != nil {
			return apperr.Wrap(err, "training")
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: i.OwnerOrgID, Action: "train", Entity: "instrument", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"user_id": userID}})
	})
}

func (s *Service) trained(ctx context.Context, q calendar.Querier, id, user int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM instrument_trainings WHERE instrument_id = $1 AND user_id = $2 AND valid_until >= $3`,
		id, user, s.DB.Now().In(shanghai).Format(time.DateOnly)).Scan(&n)
	return n > 0, apperr.Wrap(err, "training")
}

// Suggest ranks the active instruments for a free text (a need's problem,
// for instance): any of its terms, best first, each with its relevance
// scaled to the best hit (0 to 1].
func (s *Service) Suggest(ctx context.Context, text string, limit int) ([]Instrument, []float64, error) {
	res, err := Index.Search(ctx, s.DB.Read, search.Query{Text: text, Any: true, Limit: limit,
		Filters: map[string][]string{"status": {"active"}}})
	if err != nil {
		return nil, nil, err
	}
	best := 1e-9
	for _, h := range res.Hits {
		best = max(best, h.Score)
	}
	out, rel := make([]Instrument, 0, len(res.Hits)), make([]float64, 0, len(res.Hits))
	for _, h := range res.Hits {
		i, err := load(ctx, s.DB.Read, h.ID)
		if err != nil {
			return nil, nil, err
		}
		out, rel = append(out, i), append(rel, h.Score/best)
	}
	return out, rel, nil
}
