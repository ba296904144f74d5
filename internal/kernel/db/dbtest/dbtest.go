// Package dbtest opens a fresh, migrated database for a test: a SQLite file
// by default, or a throw-away schema in the PostgreSQL server named
// by RAINFOREST_TEST_PG, so that the whole suite can run on either engine.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"rainforest/internal/kernel/db"
)

// PostgresDSN is the server the suite runs against, or "".
func PostgresDSN() string { return os.Getenv("RAINFOREST_TEST_PG") }

// Open returns a migrated database private to the test: a SQLite file in
// the test's temporary directory (so that the write connection and the
// read pool are separate, as in production), or a PostgreSQL schema.
func Open(tb testing.TB) *db.DB {
	tb.Helper()
	if PostgresDSN() != "" || os.Getenv("RAINFOREST_REQUIRE_PG") == "1" {
		// OpenPostgres fails the test when PostgreSQL is required but not
		// named, rather than letting the suite pass on SQLite unnoticed.
		return OpenPostgres(tb)
	}
	return open(tb, "sqlite:"+filepath.Join(tb.TempDir(), "test.db"))
}

// OpenPostgres returns a migrated schema in the test PostgreSQL server. It
// skips the test when there is none, and fails it instead when
// RAINFOREST_REQUIRE_PG=1 (as in CI).
func OpenPostgres(tb testing.TB) *db.DB {
	tb.Helper()
	base := PostgresDSN()
	if base == "" {
		if os.Getenv("RAINFOREST_REQUIRE_PG") == "1" {
			tb.Fatal("RAINFOREST_REQUIRE_PG=1 but RAINFOREST_TEST_PG is not set")
		}
		tb.Skip("no PostgreSQL: set RAINFOREST_TEST_PG=postgres://... to run this test")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create test schema: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return open(tb, u.String())
}

func open(tb testing.TB, dsn string) *db.DB {
	tb.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return d
}

// IDs runs a query of one integer column and returns its values in order.
func IDs(tb testing.TB, d *db.DB, query string, args ...any) []int64 {
	tb.Helper()
	rows, err := d.Read.Query(query, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return ids
}
