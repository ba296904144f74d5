package ip

import (
	"context"
	"database/sql"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
	"rainforest/internal/registry"
)

// OrgChanged follows the registry: when an organization's names or
// registered district change, its listings take the new district and are
// reindexed (the catalog searches owners by name and filters by
// district), inside the registry's transaction.
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
	if _, err := tx.ExecContext(ctx, `UPDATE ip_listings SET district = $1 WHERE owner_org_id = $2`, district(after), after.ID); err != nil {
		return apperr.Wrap(err, "listings' district")
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM ip_listings WHERE owner_org_id = $1 ORDER BY id`, after.ID)
	ids, err := db.Collect(rows, err, "org listings", func(r interface{ Scan(...any) error }) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := reindex(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}
