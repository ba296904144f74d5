package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Group commit: a write path that many clients hit at once (bookings)
// runs their functions one after another in a shared transaction, each
// inside its own savepoint, and commits once for the group. A function
// that fails is rolled back to its savepoint and gets its error; the
// others are acknowledged only once the group has committed. SQLite, one
// writer at a time, writes its log once per group instead of once per
// booking; on PostgreSQL it is a plain transaction.

// maxGroup bounds how many functions share one transaction.
const maxGroup = 64

type groupJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

type grouper struct {
	once sync.Once
	jobs chan *groupJob
}

var groupers sync.Map // *sql.DB -> *grouper

// TxGrouped runs fn in a write transaction shared with other callers of
// TxGrouped, within its own savepoint; it returns fn's error, or nil once
// the shared transaction has committed. fn must use only tx.
func (d *DB) TxGrouped(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if d.Dialect == Postgres {
		// PostgreSQL commits concurrent transactions on many connections;
		// savepoints would only add round trips.
		return d.Tx(ctx, fn)
	}
	v, _ := groupers.LoadOrStore(d.Write, &grouper{jobs: make(chan *groupJob, 1024)})
	g := v.(*grouper)
	g.once.Do(func() { go d.runGroups(g) })
	j := &groupJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		// The job may still run; its outcome is the group's.
		return <-j.done
	}
}

func (d *DB) runGroups(g *grouper) {
	for j := range g.jobs {
		group := []*groupJob{j}
	fill:
		for len(group) < maxGroup {
			select {
			case k := <-g.jobs:
				group = append(group, k)
			default:
				break fill
			}
		}
		d.runGroup(group)
	}
}

func (d *DB) runGroup(group []*groupJob) {
	errs := make([]error, len(group))
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		for i, j := range group {
			if err := j.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := tx.ExecContext(j.ctx, `SAVEPOINT grouped`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			if err := j.fn(tx); err != nil {
				errs[i] = err
				if _, rerr := tx.ExecContext(context.Background(), `ROLLBACK TO SAVEPOINT grouped`); rerr != nil {
					return fmt.Errorf("rollback to savepoint: %w", rerr)
				}
			}
			if _, err := tx.ExecContext(context.Background(), `RELEASE SAVEPOINT grouped`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	for i, j := range group {
		if errs[i] == nil {
			errs[i] = err
		}
		j.done <- errs[i]
	}
}
