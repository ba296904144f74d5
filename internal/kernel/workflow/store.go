package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"rainforest/internal/kernel/apperr"
)

func (s Store) withDefaults() Store {
	if s.IDColumn == "" {
		s.IDColumn = "id"
	}
	if s.StateColumn == "" {
		s.StateColumn = "state"
	}
	return s
}

// validate accepts only lower-case identifiers, so that the names can be
// written into SQL; they are quoted as well, so that a name that happens to
// be a keyword still works.
func (s Store) validate() error {
	check := func(what, name string, required bool) error {
		if name == "" && !required {
			return nil
		}
		if !identRe.MatchString(name) {
			return fmt.Errorf("store %s %q must match %s", what, name, identRe)
		}
		return nil
	}
	return errors.Join(
		check("table", s.Table, true),
		check("id column", s.IDColumn, true),
		check("state column", s.StateColumn, true),
		check("version column", s.VersionColumn, false),
		check("updated column", s.UpdatedColumn, false),
	)
}

func quote(ident string) string { return `"` + ident + `"` }

// updateSQL is the compare-and-set: $1 the new state, $2 the id, $3 the
// state the caller saw, and $4 the time if there is an updated column.
func (s Store) updateSQL() string {
	q := `UPDATE ` + quote(s.Table) + ` SET ` + quote(s.StateColumn) + ` = $1`
	if s.VersionColumn != "" {
		q += `, ` + quote(s.VersionColumn) + ` = ` + quote(s.VersionColumn) + ` + 1`
	}
	if s.UpdatedColumn != "" {
		q += `, ` + quote(s.UpdatedColumn) + ` = $4`
	}
	return q + ` WHERE ` + quote(s.IDColumn) + ` = $2 AND ` + quote(s.StateColumn) + ` = $3`
}

// CompareAndSet moves record id of the store from one state to another
// inside tx, only if it is still in from: the optimistic lock every
// transition takes. A record in another state is a Conflict saying so; a
// missing record is NotFound. Apply calls it; modules whose state changes
// outside a workflow can too.
func CompareAndSet(ctx context.Context, tx *sql.Tx, s Store, id int64, from, to string, now time.Time) error {
	s = s.withDefaults()
	if err := s.validate(); err != nil {
		return apperr.Wrap(err, "workflow store")
	}
	return cas(ctx, tx, s, s.updateSQL(), id, from, to, now)
}

func (m *Machine[T]) compareAndSet(ctx context.Context, tx *sql.Tx, id int64, from, to string, now time.Time) error {
	return cas(ctx, tx, m.def.Store, m.cas, id, from, to, now)
}

func cas(ctx context.Context, tx *sql.Tx, s Store, update string, id int64, from, to string, now time.Time) error {
	args := []any{to, id, from}
	if s.UpdatedColumn != "" {
		args = append(args, now)
	}
	res, err := tx.ExecContext(ctx, update, args...)
	if err != nil {
		return apperr.Wrap(err, "workflow update "+s.Table)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return apperr.Wrap(err, "workflow update "+s.Table)
	}
	if n == 1 {
		return nil
	}
	var cur string
	err = tx.QueryRowContext(ctx, `SELECT `+quote(s.StateColumn)+` FROM `+quote(s.Table)+` WHERE `+quote(s.IDColumn)+` = $1`, id).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "no %s %d", s.Table, id)
	}
	if err != nil {
		return apperr.Wrap(err, "workflow read "+s.Table)
	}
	return apperr.New(apperr.Conflict, "%s %d changed meanwhile: it is now %s, not %s; reload and try again", s.Table, id, cur, from)
}
