package match

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/periodic"
	"rainforest/internal/programs"
	"rainforest/internal/registry"
)

// Enqueue asks the background matcher, inside the caller's transaction,
// to re-match a program ("program") or an organization ("org").
func (s *Service) Enqueue(ctx context.Context, tx *sql.Tx, kind string, id int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO match_queue (kind, ref_id, enqueued_at) VALUES ($1, $2, $3)`, kind, id, s.DB.Now())
	return apperr.Wrap(err, "match queue")
}

// ProgramChanged is the programs module's change hook: a program that is
// published, or whose rules, window or status change while published, is
// re-matched; a program that closes loses its stored results at once.
func (s *Service) ProgramChanged(ctx context.Context, tx *sql.Tx, before, after programs.Program) error {
	switch {
	case after.Status == programs.Closed && before.Status != programs.Closed:
		if _, err := tx.ExecContext(ctx, `DELETE FROM match_blocks WHERE program_id = $1`, after.ID); err != nil {
			return apperr.Wrap(err, "match results of a closed program")
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM match_programs WHERE program_id = $1`, after.ID)
		return apperr.Wrap(err, "match state of a closed program")
	case after.Status == programs.Published:
		return s.Enqueue(ctx, tx, "program", after.ID)
	}
	return nil
}

// OrgChanged is the registry's change hook: an enterprise whose profile
// changed is re-matched.
func (s *Service) OrgChanged(ctx context.Context, tx *sql.Tx, before, after registry.Org) error {
	if after.Kind != "enterprise" && before.Kind != "enterprise" {
		return nil
	}
	return s.Enqueue(ctx, tx, "org", after.ID)
}

// DrainQueue does the queued work: each program and organization once,
// however often it was queued, and removes the rows it did. It returns how
// many programs and organizations it re-matched.
func (s *Service) DrainQueue(ctx context.Context) (int, Stats, error) {
	var total Stats
	type item struct {
		id, ref int64
		kind    string
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, kind, ref_id FROM match_queue ORDER BY id LIMIT 1000`)
	items, err := db.Collect(rows, err, "match queue", func(sc interface{ Scan(...any) error }) (item, error) {
		var it item
		err := sc.Scan(&it.id, &it.kind, &it.ref)
		return it, err
	})
	if err != nil || len(items) == 0 {
		return 0, total, err
	}
	seen := map[item]bool{}
	done := 0
	for _, it := range items {
		key := item{kind: it.kind, ref: it.ref}
		if seen[key] {
			continue
		}
		seen[key] = true
		var st Stats
		if it.kind == "program" {
			st, err = s.Run(ctx, it.ref, 0)
		} else {
			st, err = s.Run(ctx, 0, it.ref)
		}
		if err != nil {
			return done, total, err
		}
		total.add(st)
		done++
	}
	_, err = s.DB.Write.ExecContext(ctx, `DELETE FROM match_queue WHERE id <= $1`, items[len(items)-1].id)
	return done, total, apperr.Wrap(err, "match queue")
}

// Worker drains the queue every interval until ctx ends, logging failures.
func (s *Service) Worker(ctx context.Context, every time.Duration, log *slog.Logger) {
	periodic.Every(ctx, every, log, "matching", func(ctx context.Context) error {
		n, st, err := s.DrainQueue(ctx)
		if err == nil && n > 0 {
			log.Info("matching", "rematched", n, "changed", st.Inserted+st.Updated+st.Deleted, "told", st.Notified)
		}
		return err
	})
}

func isNoRows(err error) bool { return err == sql.ErrNoRows }
