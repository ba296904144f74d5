package db

import (
	"context"
	"database/sql"
	"sync"
)

// stmts caches statements prepared on a pool, by pool and query.
var stmts sync.Map

type stmtKey struct {
	pool  *sql.DB
	query string
}

// Prepare prepares queries once on the write pool, for Stmt to bind to
// transactions. Call it outside a transaction: on SQLite the write pool
// has one connection, which a transaction holds.
func (d *DB) Prepare(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		k := stmtKey{d.Write, q}
		if _, ok := stmts.Load(k); ok {
			continue
		}
		s, err := d.Write.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		if _, loaded := stmts.LoadOrStore(k, s); loaded {
			_ = s.Close()
		}
	}
	return nil
}

// Stmt binds a query that Prepare prepared to tx, or returns nil when it
// was not prepared (then run it on tx as usual). A statement prepared once
// is parsed once per connection, not on every call; the PostgreSQL driver
// caches statements itself.
func (d *DB) Stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	s, ok := stmts.Load(stmtKey{d.Write, query})
	if !ok {
		return nil
	}
	return tx.StmtContext(ctx, s.(*sql.Stmt))
}

// forget closes and drops the statements of closing pools.
func forget(pools ...*sql.DB) {
	stmts.Range(func(k, v any) bool {
		for _, p := range pools {
			if k.(stmtKey).pool == p {
				_ = v.(*sql.Stmt).Close()
				stmts.Delete(k)
			}
		}
		return true
	})
}
