package ip

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/registry"
)

// AssetPatch changes an asset: absent members stay. The kind, number and
// inventors do not change (a deal's payouts rest on them).
type AssetPatch struct {
	Status     *string     `json:"status"`
	TitleZh    *string     `json:"title_zh"`
	TitleEn    *string     `json:"title_en"`
	AbstractZh *string     `json:"abstract_zh"`
	AbstractEn *string     `json:"abstract_en"`
	Field      *string     `json:"field"`
	Claims     *string     `json:"claims"`
	KnowHow    *string     `json:"know_how"`
	Documents  *[]Document `json:"documents"`
	// Version, when given, must be the asset's current version.
	Version *int `json:"version"`
}

func (in *AssetPatch) apply(a *Asset) error {
	var fs fieldErrs
	trim := func(p *string) string { return strings.TrimSpace(*p) }
	if in.Status != nil {
		s := trim(in.Status)
		allowed := PatentStatuses
		switch a.Kind {
		case "trademark":
			allowed = []string{"filed", "registered", "lapsed"}
		case "copyright":
			allowed = []string{"registered"}
		}
		if !slices.Contains(allowed, s) {
			fs.add("status", oneOf(allowed))
		}
		a.Status = s
	}
	if in.TitleZh != nil {
		a.TitleZh = trim(in.TitleZh)
		fs.line("title_zh", a.TitleZh, true, 200)
	}
	if in.TitleEn != nil {
		a.TitleEn = trim(in.TitleEn)
		fs.line("title_en", a.TitleEn, true, 300)
	}
	if in.AbstractZh != nil {
		a.AbstractZh = *in.AbstractZh
		fs.block("abstract_zh", a.AbstractZh, 4000)
	}
	if in.AbstractEn != nil {
		a.AbstractEn = *in.AbstractEn
		fs.block("abstract_en", a.AbstractEn, 8000)
	}
	if in.Field != nil {
		a.Field = trim(in.Field)
		if a.Field != "" && !slices.Contains(registry.TechFields, a.Field) {
			fs.add("field", oneOf(registry.TechFields))
		}
	}
	if in.Claims != nil {
		a.Confidential.Claims = *in.Claims
		fs.block("claims", *in.Claims, 20000)
	}
	if in.KnowHow != nil {
		a.Confidential.KnowHow = *in.KnowHow
		fs.block("know_how", *in.KnowHow, 20000)
	}
	if in.Documents != nil {
		docs := *in.Documents
		if docs == nil {
			docs = []Document{}
		}
		if len(docs) > MaxDocuments {
			fs.add("documents", "must have at most "+strconv.Itoa(MaxDocuments)+" documents")
		}
		for i, d := range docs {
			fs.line("documents["+strconv.Itoa(i)+"].name", strings.TrimSpace(d.Name), true, 200)
			fs.line("documents["+strconv.Itoa(i)+"].ref", strings.TrimSpace(d.Ref), false, 500)
		}
		a.Confidential.Documents = docs
	}
	return apperr.Fields(fs)
}

// UpdateAsset changes an asset its owners manage. Its listings are
// reindexed in the same transaction; a lapsed asset's active and expired
// listings are withdrawn.
func (s *Service) UpdateAsset(ctx context.Context, p *auth.Principal, id int64, in AssetPatch) (Asset, error) {
	if p == nil {
		return Asset{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		return updateAsset(ctx, tx, func(a *Asset) bool { return ownsAsset(p, a) }, id, in, s.DB.Now())
	})
	if err != nil {
		return Asset{}, err
	}
	return s.Asset(ctx, p, id)
}

// updateAsset is UpdateAsset inside the caller's transaction, for those
// may allows.
func updateAsset(ctx context.Context, tx *sql.Tx, may func(*Asset) bool, id int64, in AssetPatch, now time.Time) error {
	before, err := loadAsset(ctx, tx, id)
	if err != nil {
		return err
	}
	if !may(&before) {
		return apperr.New(apperr.Forbidden, "only the asset's owners change it")
	}
	if in.Version != nil && *in.Version != before.Version {
		return apperr.New(apperr.Conflict, "the asset changed meanwhile (version %d, not %d)", before.Version, *in.Version)
	}
	after := before
	conf := *before.Confidential
	after.Confidential = &conf
	if err := in.apply(&after); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE ip_assets SET status = $1, title_zh = $2, title_en = $3, abstract_zh = $4, abstract_en = $5, field = $6,
		claims = $7, know_how = $8, documents = $9, version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12`,
		after.Status, after.TitleZh, after.TitleEn, after.AbstractZh, after.AbstractEn, after.Field, conf.Claims, conf.KnowHow,
		mustJSON(conf.Documents), now, id, before.Version)
	if err != nil {
		return apperr.Wrap(err, "update asset")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "the asset changed meanwhile; reload and try again")
	}
	if after.Status == "lapsed" {
		if _, err := tx.ExecContext(ctx, `UPDATE ip_listings SET status = 'withdrawn', version = version + 1, updated_at = $1
			WHERE asset_id = $2 AND status IN ('active', 'expired')`, now, id); err != nil {
			return apperr.Wrap(err, "withdraw lapsed listings")
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE ip_listings SET field = $1 WHERE asset_id = $2`, after.Field, id); err != nil {
		return apperr.Wrap(err, "listing field")
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM ip_listings WHERE asset_id = $1 ORDER BY id`, id)
	ls, err := db.Collect(rows, err, "asset listings", func(r interface{ Scan(...any) error }) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return err
	}
	for _, l := range ls {
		if err := reindex(ctx, tx, l); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, now, audit.Change{OrgID: before.OwnerOrgID, Action: "update", Entity: "ip_asset", EntityID: strconv.FormatInt(id, 10),
		Before: before, After: after})
}
