package ip

import (
	"context"
	"database/sql"
	"encoding/json"
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
	"rainforest/internal/registry"
)

// Service is the IP marketplace.
type Service struct {
	DB       *db.DB
	Registry *registry.Service
	// Notifier, when set, tells each side of a deal what the other did.
	Notifier *notify.Notifier
	// Encumbered, when set, says which loan an asset is pledged for (the
	// finance module): a pledged asset is not listed or sold until the
	// pledge is released.
	Encumbered func(ctx context.Context, q search.DBTX, assetID int64) (loanID int64, ok bool, err error)
}

// checkFree refuses an asset pledged for a loan, naming field.
func (s *Service) checkFree(ctx context.Context, q search.DBTX, assetID int64, field string) error {
	if s.Encumbered == nil {
		return nil
	}
	loan, ok, err := s.Encumbered(ctx, q, assetID)
	if err != nil {
		return err
	}
	if ok {
		return apperr.Field(field, "is pledged for loan %d until the pledge is released", loan).WithCode(apperr.Conflict)
	}
	return nil
}

// Listings is the catalog's search index. Text: the titles, the summaries
// and the asset's abstract, the owner's names, inventors and number.
var Listings = search.Register(&search.Index{
	Name:    "ip.listings",
	Fields:  []search.Field{{Name: "title", Weight: 3}, {Name: "abstract", Weight: 1}, {Name: "parties", Weight: 1.5}},
	Filters: []string{"type", "subtype", "kind", "district", "field", "price_band", "status"},
})

var shanghai = time.FixedZone("CST", 8*3600)

func (s *Service) today() string { return s.DB.Now().In(shanghai).Format(time.DateOnly) }

// member reports whether p belongs to org (or is an administrator).
func member(p *auth.Principal, org int64) bool {
	return p.IsAdmin() || (p != nil && p.RoleIn(org) != "")
}

const assetCols = `id, owner_org_id, kind, subtype, number, nice_class, status, title_zh, title_en, abstract_zh, abstract_en,
	field, filed_on, claims, know_how, documents, version, created_at, updated_at`

func scanAsset(row interface{ Scan(...any) error }) (Asset, error) {
	var a Asset
	var nice sql.NullInt64
	var filed db.Date
	var claims, knowHow, docs string
	err := row.Scan(&a.ID, &a.OwnerOrgID, &a.Kind, &a.Subtype, &a.Number, &nice, &a.Status, &a.TitleZh, &a.TitleEn,
		&a.AbstractZh, &a.AbstractEn, &a.Field, &filed, &claims, &knowHow, &docs, &a.Version, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return a, err
	}
	if nice.Valid {
		a.NiceClass = &nice.Int64
	}
	a.FiledOn = filed.Ptr()
	c := &Confidential{Claims: claims, KnowHow: knowHow}
	if err := json.Unmarshal([]byte(docs), &c.Documents); err != nil {
		return a, err
	}
	a.Confidential = c
	return a, nil
}

// loadAsset reads an asset with its co-owners and inventors, with the
// confidential part still attached.
func loadAsset(ctx context.Context, q search.DBTX, id int64) (Asset, error) {
	a, err := scanAsset(q.QueryRowContext(ctx, `SELECT `+assetCols+` FROM ip_assets WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no asset %d", id)
	}
	if err != nil {
		return a, apperr.Wrap(err, "asset")
	}
	rows, err := q.QueryContext(ctx, `SELECT org_id FROM ip_asset_owners WHERE asset_id = $1 ORDER BY org_id`, id)
	a.CoOwners, err = db.Collect(rows, err, "asset owners", func(r interface{ Scan(...any) error }) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return a, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, person_id, name_zh, name_en, share_bp FROM ip_inventors WHERE asset_id = $1 ORDER BY position`, id)
	a.Inventors, err = db.Collect(rows, err, "inventors", func(r interface{ Scan(...any) error }) (Inventor, error) {
		var v Inventor
		var pid sql.NullInt64
		err := r.Scan(&v.ID, &pid, &v.NameZh, &v.NameEn, &v.ShareBP)
		if pid.Valid {
			v.PersonID = &pid.Int64
		}
		v.SharePct = bpPct(v.ShareBP)
		return v, err
	})
	return a, err
}

// ownsAsset reports whether p may manage the asset: members of the owner
// or a co-owner, and administrators.
func ownsAsset(p *auth.Principal, a *Asset) bool {
	if member(p, a.OwnerOrgID) {
		return true
	}
	return slices.ContainsFunc(a.CoOwners, func(o int64) bool { return member(p, o) })
}

// CreateAsset records an asset for an organization p belongs to.
func (s *Service) CreateAsset(ctx context.Context, p *auth.Principal, in AssetInput) (Asset, error) {
	if p == nil {
		return Asset{}, apperr.New(apperr.Unauthorized, "sign in to record assets")
	}
	if err := in.normalize(); err != nil {
		return Asset{}, err
	}
	if !member(p, in.OwnerOrgID) {
		return Asset{}, apperr.New(apperr.Forbidden, "you record assets for your own organizations only")
	}
	for i, o := range append([]int64{in.OwnerOrgID}, in.CoOwners...) {
		if _, err := s.Registry.Get(ctx, p, o); apperr.CodeOf(err) == apperr.NotFound {
			f := "owner_org_id"
			if i > 0 {
				f = "co_owner_org_ids[" + strconv.Itoa(i-1) + "]"
			}
			return Asset{}, apperr.Field(f, "is not an organization")
		} else if err != nil {
			return Asset{}, err
		}
	}
	if in.Documents == nil {
		in.Documents = []Document{}
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = insertAsset(ctx, tx, &in, s.DB.Now())
		return err
	})
	if err != nil {
		return Asset{}, err
	}
	return s.Asset(ctx, p, id)
}

// insertAsset writes a normalized asset with its co-owners and inventors
// inside tx, refusing a number already recorded, and records it.
func insertAsset(ctx context.Context, tx *sql.Tx, in *AssetInput, now time.Time) (int64, error) {
	var id, dup int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM ip_assets WHERE kind = $1 AND subtype = $2 AND number = $3`, in.Kind, in.Subtype, in.Number).Scan(&dup)
	if err == nil {
		return 0, apperr.Field("number", "is already recorded (asset %d)", dup).WithCode(apperr.Conflict)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.Wrap(err, "asset number")
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO ip_assets (owner_org_id, kind, subtype, number, nice_class, status, title_zh, title_en,
		abstract_zh, abstract_en, field, filed_on, claims, know_how, documents, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`,
		in.OwnerOrgID, in.Kind, in.Subtype, in.Number, in.NiceClass, in.Status, in.TitleZh, in.TitleEn, in.AbstractZh, in.AbstractEn,
		in.Field, in.FiledOn, in.Claims, in.KnowHow, mustJSON(in.Documents), now).Scan(&id)
	if err != nil {
		return 0, apperr.Wrap(err, "insert asset")
	}
	for _, o := range in.CoOwners {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ip_asset_owners (asset_id, org_id) VALUES ($1, $2)`, id, o); err != nil {
			return 0, apperr.Wrap(err, "insert co-owner")
		}
	}
	for i, inv := range in.Inventors {
		bp, _ := pctToBP(inv.SharePct)
		if _, err := tx.ExecContext(ctx, `INSERT INTO ip_inventors (asset_id, position, person_id, name_zh, name_en, share_bp) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, i+1, inv.PersonID, inv.NameZh, inv.NameEn, bp); err != nil {
			return 0, apperr.Wrap(err, "insert inventor")
		}
	}
	a, err := loadAsset(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	return id, audit.Record(ctx, tx, now, audit.Change{OrgID: in.OwnerOrgID, Action: "create", Entity: "ip_asset", EntityID: strconv.FormatInt(id, 10), After: a})
}

// Asset returns an asset; its confidential part only for those who may
// see it (the owners, administrators and admitted buyers).
func (s *Service) Asset(ctx context.Context, p *auth.Principal, id int64) (Asset, error) {
	a, err := loadAsset(ctx, s.DB.Read, id)
	if err != nil {
		return a, err
	}
	ok, err := s.mayReadConfidential(ctx, p, &a)
	if err != nil {
		return a, err
	}
	if !ok {
		a.Confidential = nil
	}
	return a, nil
}

// mayReadConfidential: the owners, administrators, and members of a buyer
// organization the owner admitted to a deal on a listing of the asset.
func (s *Service) mayReadConfidential(ctx context.Context, p *auth.Principal, a *Asset) (bool, error) {
	if p == nil {
		return false, nil
	}
	if ownsAsset(p, a) {
		return true, nil
	}
	var orgs []int64
	for _, m := range p.Memberships {
		orgs = append(orgs, m.OrgID)
	}
	if len(orgs) == 0 {
		return false, nil
	}
	var args db.Args
	q := `SELECT COUNT(*) FROM ip_deals d JOIN ip_listings l ON l.id = d.listing_id
		WHERE l.asset_id = ` + args.Add(a.ID) + ` AND d.state IN ('admitted', 'negotiating', 'agreed', 'closed')
		AND d.buyer_org_id IN (` + db.List(&args, orgs) + `)`
	var n int
	if err := s.DB.Read.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return false, apperr.Wrap(err, "admitted buyer")
	}
	return n > 0, nil
}

// Confidential returns a listing's confidential details, or Forbidden.
func (s *Service) Confidential(ctx context.Context, p *auth.Principal, listingID int64) (Confidential, error) {
	if p == nil {
		return Confidential{}, apperr.New(apperr.Unauthorized, "sign in to see confidential details")
	}
	l, err := s.Listing(ctx, p, listingID)
	if err != nil {
		return Confidential{}, err
	}
	if l.Asset.Confidential == nil {
		return Confidential{}, apperr.New(apperr.Forbidden, "the owner has not admitted your organization to this listing")
	}
	return *l.Asset.Confidential, nil
}

// Assets lists the assets of the organizations p belongs to (every asset
// for an administrator when org is 0), or of one of them.
func (s *Service) Assets(ctx context.Context, p *auth.Principal, org int64) ([]Asset, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in to see your assets")
	}
	var args db.Args
	q := `SELECT id FROM ip_assets WHERE 1 = 1`
	switch {
	case org != 0:
		if !member(p, org) {
			return nil, apperr.New(apperr.Forbidden, "you see the assets of your own organizations only")
		}
		q += ` AND (owner_org_id = ` + args.Add(org) + ` OR id IN (SELECT asset_id FROM ip_asset_owners WHERE org_id = $1))`
	case !p.IsAdmin():
		var orgs []int64
		for _, m := range p.Memberships {
			orgs = append(orgs, m.OrgID)
		}
		l := db.List(&args, orgs)
		q += ` AND (owner_org_id IN (` + l + `) OR id IN (SELECT asset_id FROM ip_asset_owners WHERE org_id IN (` + l + `)))`
	}
	q += ` ORDER BY id DESC LIMIT 500`
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	ids, err := db.Collect(rows, err, "assets", func(r interface{ Scan(...any) error }) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return nil, err
	}
	out := make([]Asset, 0, len(ids))
	for _, id := range ids {
		a, err := loadAsset(ctx, s.DB.Read, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// OwnerShare returns an owner's inventor-team share in hundredths of a
// percent (0 when not set).
func (s *Service) OwnerShare(ctx context.Context, q search.DBTX, org int64) (int64, error) {
	var bp int64
	err := q.QueryRowContext(ctx, `SELECT inventor_share_bp FROM ip_owner_settings WHERE org_id = $1`, org).Scan(&bp)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return bp, apperr.Wrap(err, "owner share")
}

// SetOwnerShare sets the share of net revenue a university or institute
// awards its inventor teams (at most 70%).
func (s *Service) SetOwnerShare(ctx context.Context, p *auth.Principal, org int64, pct float64) (float64, error) {
	if p == nil {
		return 0, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() && p.RoleIn(org) != "owner" {
		return 0, apperr.New(apperr.Forbidden, "only the organization's owners set its inventor share")
	}
	bp := int64(-1)
	if pct == 0 {
		bp = 0
	} else if v, ok := pctToBP(pct); ok {
		bp = v
	}
	if bp < 0 || bp > MaxInventorShare {
		return 0, apperr.Field("inventor_share_pct", "must be from 0 to 70, with at most two decimals")
	}
	o, err := s.Registry.Get(ctx, p, org)
	if err != nil {
		return 0, err
	}
	if o.Kind != "university" && o.Kind != "institute" {
		return 0, apperr.Field("org_id", "is not a university or institute")
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.OwnerShare(ctx, tx, org)
		if err != nil {
			return err
		}
		now := s.DB.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO ip_owner_settings (org_id, inventor_share_bp, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (org_id) DO UPDATE SET inventor_share_bp = excluded.inventor_share_bp, updated_at = excluded.updated_at`, org, bp, now); err != nil {
			return apperr.Wrap(err, "owner share")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: org, Action: "update", Entity: "ip_owner_settings", EntityID: strconv.FormatInt(org, 10),
			Before: map[string]any{"inventor_share_pct": bpPct(before)}, After: map[string]any{"inventor_share_pct": bpPct(bp)}})
	})
	return bpPct(bp), err
}

// --- listings

const listingCols = `l.id, l.asset_id, l.owner_org_id, o.name_zh, o.name_en, l.kind, l.price_fen, l.title_zh, l.title_en, l.summary_zh, l.summary_en,
	l.district, l.field, l.status, l.expires_on, l.renewals, l.version, l.created_at, l.updated_at`

const listingFrom = ` FROM ip_listings l JOIN orgs o ON o.id = l.owner_org_id`

type listingRow struct {
	Listing
	ownerZh, ownerEn string
}

func scanListing(row interface{ Scan(...any) error }) (listingRow, error) {
	var l listingRow
	var price sql.NullInt64
	var exp db.Date
	err := row.Scan(&l.ID, &l.AssetID, &l.OwnerOrgID, &l.ownerZh, &l.ownerEn, &l.Kind, &price, &l.TitleZh, &l.TitleEn, &l.SummaryZh, &l.SummaryEn,
		&l.District, &l.Field, &l.Status, &exp, &l.Renewals, &l.Version, &l.CreatedAt, &l.UpdatedAt)
	if price.Valid {
		l.PriceFen = &price.Int64
	}
	l.Negotiable = !price.Valid
	l.ExpiresOn = exp.String
	l.OwnerName = l.ownerZh
	return l, err
}

func getListing(ctx context.Context, q search.DBTX, id int64) (listingRow, error) {
	l, err := scanListing(q.QueryRowContext(ctx, `SELECT `+listingCols+listingFrom+` WHERE l.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.New(apperr.NotFound, "no listing %d", id)
	}
	return l, apperr.Wrap(err, "listing")
}

// reindex writes a listing's catalog entry inside tx; inside an import the
// entries are written together at its end (deferIndex).
func reindex(ctx context.Context, tx *sql.Tx, id int64) error {
	if d := deferredIndex(ctx); d != nil {
		d.ids = append(d.ids, id)
		return nil
	}
	doc, err := listingDoc(ctx, tx, id)
	if err != nil {
		return err
	}
	return Listings.PutMany(ctx, tx, []search.Doc{doc})
}

// listingDoc is a listing's catalog entry.
func listingDoc(ctx context.Context, tx *sql.Tx, id int64) (search.Doc, error) {
	l, err := getListing(ctx, tx, id)
	if err != nil {
		return search.Doc{}, err
	}
	a, err := loadAsset(ctx, tx, l.AssetID)
	if err != nil {
		return search.Doc{}, err
	}
	parties := []string{l.ownerZh, l.ownerEn, a.Number}
	for _, inv := range a.Inventors {
		parties = append(parties, inv.NameZh, inv.NameEn)
	}
	return search.Doc{ID: id, Fields: map[string]string{
		"title":    l.TitleZh + "\n" + l.TitleEn,
		"abstract": strings.Join([]string{l.SummaryZh, l.SummaryEn, a.AbstractZh, a.AbstractEn}, "\n"),
		"parties":  strings.Join(parties, "\n"),
	}, Filters: map[string][]string{
		"type": {a.Kind}, "subtype": {a.Subtype}, "kind": {l.Kind}, "district": {l.District}, "field": {l.Field},
		"price_band": {PriceBand(l.PriceFen)}, "status": {l.Status},
	}}, nil
}

// CreateListing offers an asset p's organization owns.
func (s *Service) CreateListing(ctx context.Context, p *auth.Principal, in ListingInput) (Listing, error) {
	if p == nil {
		return Listing{}, apperr.New(apperr.Unauthorized, "sign in to list assets")
	}
	today := s.today()
	if err := in.normalize(today); err != nil {
		return Listing{}, err
	}
	a, err := loadAsset(ctx, s.DB.Read, in.AssetID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Listing{}, apperr.Field("asset_id", "is not an asset")
	}
	if err != nil {
		return Listing{}, err
	}
	if !member(p, a.OwnerOrgID) {
		return Listing{}, apperr.New(apperr.Forbidden, "only the asset's owner lists it")
	}
	if a.Status == "lapsed" {
		return Listing{}, apperr.Field("asset_id", "has lapsed and cannot be listed")
	}
	if err := s.checkFree(ctx, s.DB.Read, a.ID, "asset_id"); err != nil {
		return Listing{}, err
	}
	o, err := s.Registry.Get(ctx, p, a.OwnerOrgID)
	if err != nil {
		return Listing{}, err
	}
	if in.TitleZh == "" {
		in.TitleZh = a.TitleZh
	}
	if in.TitleEn == "" {
		in.TitleEn = a.TitleEn
	}
	if in.ExpiresOn == nil {
		d, _ := time.Parse(time.DateOnly, today)
		e := d.AddDate(0, 0, DefaultListingFor).Format(time.DateOnly)
		in.ExpiresOn = &e
	}
	var price *int64
	if in.PriceYuan != nil {
		f := *in.PriceYuan * 100
		price = &f
	}
	district := ""
	if o.RegisteredDistrict != nil {
		district = *o.RegisteredDistrict
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = insertListing(ctx, tx, &a, district, in, price, s.DB.Now())
		return err
	})
	if err != nil {
		return Listing{}, err
	}
	return s.Listing(ctx, p, id)
}

// insertListing writes a listing of a normalized input (with its expiry
// set) inside tx, refusing a second active listing of the asset and kind,
// indexes it and records it.
func insertListing(ctx context.Context, tx *sql.Tx, a *Asset, district string, in ListingInput, price *int64, now time.Time) (int64, error) {
	var id int64
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ip_listings WHERE asset_id = $1 AND kind = $2 AND status = 'active'`, a.ID, in.Kind).Scan(&open); err != nil {
		return 0, apperr.Wrap(err, "listings of asset")
	}
	if open > 0 {
		return 0, apperr.Field("kind", "the asset already has an active listing of this kind").WithCode(apperr.Conflict)
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO ip_listings (asset_id, owner_org_id, kind, price_fen, title_zh, title_en, summary_zh, summary_en,
		district, field, status, expires_on, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $12, $12) RETURNING id`,
		a.ID, a.OwnerOrgID, in.Kind, price, in.TitleZh, in.TitleEn, in.SummaryZh, in.SummaryEn, district, a.Field, *in.ExpiresOn, now).Scan(&id)
	if err != nil {
		return 0, apperr.Wrap(err, "insert listing")
	}
	if err := reindex(ctx, tx, id); err != nil {
		return 0, err
	}
	l, err := getListing(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	return id, audit.Record(ctx, tx, now, audit.Change{OrgID: a.OwnerOrgID, Action: "create", Entity: "ip_listing", EntityID: strconv.FormatInt(id, 10), After: l.Listing})
}

// Listing returns a listing with its asset as p may see it. Listings that
// are not active are for their owner, administrators and the buyers with a
// deal on them.
func (s *Service) Listing(ctx context.Context, p *auth.Principal, id int64) (Listing, error) {
	l, err := getListing(ctx, s.DB.Read, id)
	if err != nil {
		return Listing{}, err
	}
	a, err := s.Asset(ctx, p, l.AssetID)
	if err != nil {
		return Listing{}, err
	}
	if l.Status != "active" && !member(p, l.OwnerOrgID) {
		n, err := s.dealsOf(ctx, p, id)
		if err != nil {
			return Listing{}, err
		}
		if n == 0 {
			return Listing{}, apperr.New(apperr.NotFound, "no listing %d", id)
		}
	}
	l.Asset = &a
	return l.Listing, nil
}

// dealsOf counts the deals on a listing of p's organizations.
func (s *Service) dealsOf(ctx context.Context, p *auth.Principal, listing int64) (int, error) {
	if p == nil || len(p.Memberships) == 0 {
		return 0, nil
	}
	var args db.Args
	var orgs []int64
	for _, m := range p.Memberships {
		orgs = append(orgs, m.OrgID)
	}
	q := `SELECT COUNT(*) FROM ip_deals WHERE listing_id = ` + args.Add(listing) + ` AND buyer_org_id IN (` + db.List(&args, orgs) + `)`
	var n int
	err := s.DB.Read.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, apperr.Wrap(err, "deals of listing")
}

// listingChange runs fn on a listing the caller owns inside a transaction,
// bumps its version, reindexes it and records the change.
func (s *Service) listingChange(ctx context.Context, p *auth.Principal, id int64, action string, fn func(tx *sql.Tx, l *listingRow) error) (Listing, error) {
	if p == nil {
		return Listing{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		return changeListing(ctx, tx, func(org int64) bool { return member(p, org) }, id, action, s.DB.Now(), fn)
	})
	if err != nil {
		return Listing{}, err
	}
	return s.Listing(ctx, p, id)
}

// changeListing is listingChange inside the caller's transaction, for the
// owners may allows.
func changeListing(ctx context.Context, tx *sql.Tx, may func(owner int64) bool, id int64, action string, now time.Time, fn func(tx *sql.Tx, l *listingRow) error) error {
	before, err := getListing(ctx, tx, id)
	if err != nil {
		return err
	}
	if !may(before.OwnerOrgID) {
		if before.Status == "active" {
			return apperr.New(apperr.Forbidden, "only the listing's owner changes it")
		}
		return apperr.New(apperr.NotFound, "no listing %d", id)
	}
	after := before
	if err := fn(tx, &after); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE ip_listings SET price_fen = $1, summary_zh = $2, summary_en = $3, status = $4, expires_on = $5,
		renewals = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9`,
		after.PriceFen, after.SummaryZh, after.SummaryEn, after.Status, after.ExpiresOn, after.Renewals, now, id, before.Version)
	if err != nil {
		return apperr.Wrap(err, "update listing")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "the listing changed meanwhile; reload and try again")
	}
	if err := reindex(ctx, tx, id); err != nil {
		return err
	}
	return audit.Record(ctx, tx, now, audit.Change{OrgID: before.OwnerOrgID, Action: action, Entity: "ip_listing", EntityID: strconv.FormatInt(id, 10),
		Before: before.Listing, After: after.Listing})
}

// Renew extends a listing that is active or expired by RenewFor days from
// the later of today and its expiry, and makes it active again.
func (s *Service) Renew(ctx context.Context, p *auth.Principal, id int64) (Listing, error) {
	today := s.today()
	return s.listingChange(ctx, p, id, "renew", func(tx *sql.Tx, l *listingRow) error {
		if l.Status != "active" && l.Status != "expired" {
			return apperr.New(apperr.Conflict, "a %s listing is not renewed", l.Status)
		}
		from := max(today, l.ExpiresOn)
		d, _ := time.Parse(time.DateOnly, from)
		l.ExpiresOn = d.AddDate(0, 0, RenewFor).Format(time.DateOnly)
		l.Status = "active"
		l.Renewals++
		return nil
	})
}

// Withdraw takes an active or expired listing out of the catalog.
func (s *Service) Withdraw(ctx context.Context, p *auth.Principal, id int64) (Listing, error) {
	return s.listingChange(ctx, p, id, "withdraw", func(tx *sql.Tx, l *listingRow) error {
		if l.Status != "active" && l.Status != "expired" {
			return apperr.New(apperr.Conflict, "a %s listing cannot be withdrawn", l.Status)
		}
		l.Status = "withdrawn"
		return nil
	})
}

// Reprice changes an active listing's asking price (nil: negotiable).
func (s *Service) Reprice(ctx context.Context, p *auth.Principal, id int64, yuan *int64) (Listing, error) {
	if yuan != nil && (*yuan < 1 || *yuan > MaxPriceYuan) {
		return Listing{}, apperr.Field("price_yuan", "must be a whole number of yuan from 1 to 10,000,000,000")
	}
	return s.listingChange(ctx, p, id, "update", func(tx *sql.Tx, l *listingRow) error {
		if l.Status != "active" {
			return apperr.New(apperr.Conflict, "only an active listing is repriced")
		}
		if yuan == nil {
			l.PriceFen = nil
		} else {
			f := *yuan * 100
			l.PriceFen = &f
		}
		l.Negotiable = l.PriceFen == nil
		return nil
	})
}

// Expire marks the active listings whose expiry has passed as expired and
// takes them out of the catalog's active filter; the catalog calls it
// before searching, so that what it shows is never past its date.
func (s *Service) Expire(ctx context.Context) (int, error) {
	today := s.today()
	var n int
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM ip_listings WHERE status = 'active' AND expires_on < $1`, today).Scan(&n); err != nil || n == 0 {
		return 0, apperr.Wrap(err, "expired listings")
	}
	n = 0
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, owner_org_id FROM ip_listings WHERE status = 'active' AND expires_on < $1 ORDER BY id`, today)
		ids, err := db.Collect(rows, err, "expired listings", func(r interface{ Scan(...any) error }) ([2]int64, error) {
			var v [2]int64
			return v, r.Scan(&v[0], &v[1])
		})
		if err != nil {
			return err
		}
		now := s.DB.Now()
		for _, v := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE ip_listings SET status = 'expired', version = version + 1, updated_at = $1 WHERE id = $2 AND status = 'active'`, now, v[0])
			if err != nil {
				return apperr.Wrap(err, "expire listing")
			}
			if k, _ := res.RowsAffected(); k == 0 {
				continue
			}
			n++
			if err := reindex(ctx, tx, v[0]); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, audit.Change{OrgID: v[1], Action: "expire", Entity: "ip_listing", EntityID: strconv.FormatInt(v[0], 10),
				Before: map[string]string{"status": "active"}, After: map[string]string{"status": "expired"}}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// CatalogQuery is a catalog search.
type CatalogQuery struct {
	Text      string
	Type      []string
	Subtype   []string
	Kind      []string
	District  []string
	Field     []string
	PriceBand []string
	Limit     int
	Offset    int
}

// CatalogResult is a page of the catalog.
type CatalogResult struct {
	Items      []Listing                      `json:"items"`
	Total      int                            `json:"total"`
	Facets     map[string][]search.FacetCount `json:"facets"`
	DidYouMean string                         `json:"did_you_mean,omitempty"`
	Relaxed    bool                           `json:"relaxed,omitempty"`
}

// Validate checks a catalog query's filters, naming the first wrong
// value of each.
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
	check("type", q.Type, AssetKinds)
	check("subtype", q.Subtype, append(slices.Clone(PatentTypes), CopyrightTypes...))
	check("kind", q.Kind, ListingKinds)
	check("field", q.Field, registry.TechFields)
	check("price_band", q.PriceBand, PriceBands)
	for _, d := range q.District {
		if len(d) > 40 || strings.ContainsFunc(d, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '_' || r == '-') }) {
			fs.add("district", "must be a district code")
			break
		}
	}
	return apperr.Fields(fs)
}

// Catalog searches the active listings.
func (s *Service) Catalog(ctx context.Context, p *auth.Principal, q CatalogQuery) (CatalogResult, error) {
	if err := q.Validate(); err != nil {
		return CatalogResult{}, err
	}
	if _, err := s.Expire(ctx); err != nil {
		return CatalogResult{}, err
	}
	filters := map[string][]string{"status": {"active"}}
	for k, v := range map[string][]string{"type": q.Type, "subtype": q.Subtype, "kind": q.Kind, "district": q.District, "field": q.Field, "price_band": q.PriceBand} {
		if len(v) > 0 {
			filters[k] = v
		}
	}
	res, err := Listings.Search(ctx, s.DB.Read, search.Query{Text: q.Text, Filters: filters,
		Facets: []string{"type", "kind", "district", "field", "price_band"}, Limit: q.Limit, Offset: q.Offset})
	if err != nil {
		return CatalogResult{}, err
	}
	out := CatalogResult{Items: []Listing{}, Total: res.Total, Facets: res.Facets, DidYouMean: res.DidYouMean, Relaxed: res.Relaxed}
	for _, h := range res.Hits {
		l, err := getListing(ctx, s.DB.Read, h.ID)
		if err != nil {
			return CatalogResult{}, err
		}
		a, err := loadAsset(ctx, s.DB.Read, l.AssetID)
		if err != nil {
			return CatalogResult{}, err
		}
		a.Confidential = nil
		l.Asset = &a
		l.Snippets = h.Snippets
		out.Items = append(out.Items, l.Listing)
	}
	return out, nil
}

// MyListings lists the listings of p's organizations, every status.
func (s *Service) MyListings(ctx context.Context, p *auth.Principal) ([]Listing, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	var args db.Args
	q := `SELECT ` + listingCols + listingFrom
	if !p.IsAdmin() {
		var orgs []int64
		for _, m := range p.Memberships {
			orgs = append(orgs, m.OrgID)
		}
		q += ` WHERE l.owner_org_id IN (` + db.List(&args, orgs) + `)`
	}
	q += ` ORDER BY l.id DESC LIMIT 500`
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	ls, err := db.Collect(rows, err, "my listings", scanListing)
	if err != nil {
		return nil, err
	}
	out := make([]Listing, len(ls))
	for i, l := range ls {
		out[i] = l.Listing
	}
	return out, nil
}
