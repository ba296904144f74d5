package search

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/periodic"
)

// KeepGone is how many of an index's latest changes keep their removals
// in search_gone. A copy in memory at most this far behind is brought up
// to date from the changes; one further behind is read again in full.
const KeepGone = 100_000

// PruneGone deletes from search_gone the removals of every index older
// than its last keep changes, and records where they end (gone_from), so
// that copies older than that are read again in full. It returns the rows
// deleted.
func PruneGone(ctx context.Context, d *db.DB, keep int64) (int64, error) {
	rows, err := d.Read.QueryContext(ctx, `SELECT idx FROM search_seq WHERE seq - $1 > gone_from ORDER BY idx`, keep)
	idxs, err := db.Collect(rows, err, "search indexes", func(r interface{ Scan(...any) error }) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
	if err != nil {
		return 0, err
	}
	var deleted int64
	for _, idx := range idxs {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			// The sequence row first: writers of the index queue on it, so
			// the cut is taken between two writes.
			var cut int64
			err := tx.QueryRowContext(ctx, `UPDATE search_seq SET gone_from = seq - $1 WHERE idx = $2 AND seq - $1 > gone_from RETURNING gone_from`, keep, idx).Scan(&cut)
			if err == sql.ErrNoRows {
				return nil
			}
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM search_gone WHERE idx = $1 AND seq <= $2`, idx, cut)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			deleted += n
			return nil
		})
		if err != nil {
			return deleted, fmt.Errorf("search: prune %s: %w", idx, err)
		}
	}
	return deleted, nil
}

// PruneWorker prunes at start and then every interval until ctx ends.
func PruneWorker(ctx context.Context, d *db.DB, every time.Duration, log *slog.Logger) {
	periodic.Every(ctx, every, log, "search prune", func(ctx context.Context) error {
		n, err := PruneGone(ctx, d, KeepGone)
		if err == nil && n > 0 {
			log.Info("search prune", "removals", n)
		}
		return err
	})
}
