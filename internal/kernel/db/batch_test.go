package db_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
)

// TestTxGrouped: many writers share transactions; a failing one is rolled
// back alone, the others are all there once acknowledged.
func TestTxGrouped(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE grouped_test (n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("refused")
	var wg sync.WaitGroup
	errs := make([]error, 300)
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.TxGrouped(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO grouped_test (n) VALUES ($1)`, i); err != nil {
					return err
				}
				if i%7 == 0 {
					return boom // written, then rolled back to its savepoint
				}
				return nil
			})
		}()
	}
	wg.Wait()
	var want int
	for i, err := range errs {
		switch {
		case i%7 == 0 && !errors.Is(err, boom):
			t.Fatalf("%d: %v", i, err)
		case i%7 != 0 && err != nil:
			t.Fatalf("%d: %v", i, err)
		case err == nil:
			want++
		}
	}
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM grouped_test WHERE n % 7 <> 0`).Scan(&n); err != nil || n != want {
		t.Fatalf("%d rows, want %d (%v)", n, want, err)
	}
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM grouped_test WHERE n % 7 = 0`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d refused rows stayed", n)
	}
}

// TestStatementReuse: the same query run again while its first rows are
// still open (a loop inside a transaction) gets its own statement.
func TestStatementReuse(t *testing.T) {
	d := dbtest.Open(t)
	if d.Dialect != db.SQLite {
		t.Skip("the statement cache wraps SQLite's driver; PostgreSQL's runs one query at a time per connection")
	}
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE reuse_test (n INTEGER PRIMARY KEY)`); err != nil {
			return err
		}
		for i := range 5 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO reuse_test (n) VALUES ($1)`, i); err != nil {
				return err
			}
		}
		const q = `SELECT n FROM reuse_test WHERE n >= $1 ORDER BY n`
		outer, err := tx.QueryContext(ctx, q, 0)
		if err != nil {
			return err
		}
		defer outer.Close()
		total := 0
		for outer.Next() {
			var n int
			if err := outer.Scan(&n); err != nil {
				return err
			}
			inner, err := tx.QueryContext(ctx, q, n)
			if err != nil {
				return err
			}
			for inner.Next() {
				total++
			}
			inner.Close()
		}
		if total != 15 {
			t.Errorf("nested rows: %d, want 15", total)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
