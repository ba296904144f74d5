// Package db opens the platform's database, SQLite or PostgreSQL, and applies
// its migrations. The differences between the two engines live here and in
// the migration token table; queries elsewhere are written once, with $N
// placeholders, which both drivers accept.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"rainforest/internal/kernel/apperr"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB holds two pools: Write, which on SQLite has a single connection so that
// writers queue in Go instead of failing with SQLITE_BUSY, and Read. On
// PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	Write   *sql.DB
	Read    *sql.DB
	DSN     string
	// Path is the SQLite file ("" for PostgreSQL or an in-memory database).
	Path string
	// Now is the clock (UTC, microseconds); tests replace it.
	Now func() time.Time
}

// Open parses dsn ("sqlite:PATH", "sqlite::memory:", or a postgres:// URL),
// connects, and checks the connection. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d := &DB{DSN: dsn, Now: now}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d.Dialect = Postgres
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// Sessions run in UTC unless the DSN says otherwise, so that casts
		// and date arithmetic on the server agree with SQLite's.
		if _, ok := cfg.RuntimeParams["timezone"]; !ok {
			if _, ok := cfg.RuntimeParams["TimeZone"]; !ok {
				cfg.RuntimeParams["timezone"] = "UTC"
			}
		}
		pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(utcTimestamps))
		pool.SetMaxOpenConns(4 * runtime.GOMAXPROCS(0))
		pool.SetMaxIdleConns(4 * runtime.GOMAXPROCS(0))
		pool.SetConnMaxIdleTime(5 * time.Minute)
		d.Write, d.Read = pool, pool
	case strings.HasPrefix(dsn, "sqlite:"):
		d.Dialect = SQLite
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, errors.New("open sqlite: empty path in DSN (want sqlite:PATH)")
		}
		memory := path == ":memory:" || strings.Contains(path, "mode=memory")
		if !memory {
			d.Path = path
		}
		q := url.Values{}
		// busy_timeout comes before journal_mode so that switching to WAL
		// itself waits for other connections instead of failing.
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(1)")
		if !memory {
			q.Add("_pragma", "journal_mode(WAL)")
		}
		q.Add("_pragma", "synchronous(NORMAL)")
		// LIKE is case-sensitive, as on PostgreSQL.
		q.Add("_pragma", "case_sensitive_like(1)")
		q.Add("_txlock", "immediate")
		// Times are written and read in UTC whatever their zone, so that
		// their text compares and sorts as time does.
		q.Add("_time_format", "sqlite")
		q.Add("_timezone", "UTC")
		file := "file:" + path
		if memory {
			// A shared in-memory database, private to this DB value.
			file = fmt.Sprintf("file:mem%d?mode=memory&cache=shared", time.Now().UnixNano())
		}
		sep := "?"
		if strings.Contains(file, "?") {
			sep = "&"
		}
		wc, err := sqlite.NewConnector(file + sep + q.Encode())
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		w := sql.OpenDB(cachingConnector{wc})
		w.SetMaxOpenConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		d.Write = w
		if memory {
			d.Read = w
		} else {
			rq := url.Values{}
			rq.Add("_pragma", "busy_timeout(10000)")
			rq.Add("_pragma", "foreign_keys(1)")
			rq.Add("_pragma", "query_only(1)")
			rq.Add("_pragma", "case_sensitive_like(1)")
			rq.Add("_time_format", "sqlite")
			rq.Add("_timezone", "UTC")
			rc, err := sqlite.NewConnector(file + sep + rq.Encode())
			if err != nil {
				w.Close()
				return nil, fmt.Errorf("open sqlite: %w", err)
			}
			r := sql.OpenDB(cachingConnector{rc})
			n := max(4, 2*runtime.GOMAXPROCS(0))
			r.SetMaxOpenConns(n)
			r.SetMaxIdleConns(n)
			r.SetConnMaxIdleTime(0)
			d.Read = r
		}
	default:
		return nil, fmt.Errorf("unsupported database DSN %q: want sqlite:PATH or postgres://...", redact(dsn))
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.Write.PingContext(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d.Dialect, err)
	}
	return d, nil
}

// now is the default clock: UTC, to the microsecond, which is what
// PostgreSQL keeps; SQLite would keep nanoseconds, and a value read back
// would then differ between the engines.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Close closes both pools.
func (d *DB) Close() error {
	if g, ok := groupers.LoadAndDelete(d.Write); ok {
		close(g.(*grouper).jobs)
	}
	err := d.Write.Close()
	if d.Read != d.Write {
		err = errors.Join(err, d.Read.Close())
	}
	return err
}

// Tx runs fn in one write transaction, committing when fn returns nil.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsExclusionViolation reports whether err is PostgreSQL refusing a row
// that an exclusion constraint forbids (23P01), such as two bookings of
// one resource that overlap.
func IsExclusionViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23P01"
}

// IsForeignKeyViolation reports whether err is a foreign-key failure.
func IsForeignKeyViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// Stats reports the connection pool figures for metrics.
func (d *DB) Stats() (write, read sql.DBStats) {
	return d.Write.Stats(), d.Read.Stats()
}

func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return dsn
}

var _ = stdlib.GetDefaultDriver // registers the "pgx" driver

// utcTimestamps makes a PostgreSQL connection return TIMESTAMPTZ values in
// UTC, as SQLite does, instead of in the process's local zone.
func utcTimestamps(_ context.Context, c *pgx.Conn) error {
	c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
	return nil
}

// SQLite's own lower() and upper() fold ASCII only; PostgreSQL's fold all
// of Unicode. These replace them so that LOWER(name) LIKE ... matches the
// same rows on both engines.
func init() {
	fold := func(f func(string) string) func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
		return func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case nil:
				return nil, nil
			case string:
				return f(v), nil
			case []byte:
				return f(string(v)), nil
			case int64:
				return strconv.FormatInt(v, 10), nil
			case float64:
				return strconv.FormatFloat(v, 'g', -1, 64), nil
			default:
				return f(fmt.Sprint(v)), nil
			}
		}
	}
	sqlite.MustRegisterDeterministicScalarFunction("lower", 1, fold(strings.ToLower))
	sqlite.MustRegisterDeterministicScalarFunction("upper", 1, fold(strings.ToUpper))
}

// Args collects query parameters for SQL assembled from fixed fragments:
// Add appends a value and returns its placeholder, so that input never
// becomes part of the SQL text.
type Args []any

// Add appends v and returns its placeholder ($N).
func (a *Args) Add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// List appends every value and returns their placeholders joined by commas,
// for "x IN (...)". An empty list gives NULL, which matches no row on either
// engine (PostgreSQL refuses "IN ()", SQLite takes it); as NOT IN (NULL)
// also matches no row, a NOT IN over a list that may be empty needs a
// condition of its own.
func List[T any](a *Args, vs []T) string {
	if len(vs) == 0 {
		return "NULL"
	}
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Add(v))
	}
	return b.String()
}

// Collect reads every row of a query with scan and closes the rows; what
// names the query in errors. Pass the query's results straight in:
//
//	rows, err := q.QueryContext(ctx, query, args...)
//	return db.Collect(rows, err, "ledger holds", scanHold)
func Collect[T any](rows *sql.Rows, err error, what string, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if err != nil {
		return nil, apperr.Wrap(err, what)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, apperr.Wrap(err, what+" scan")
		}
		out = append(out, v)
	}
	return out, apperr.Wrap(rows.Err(), what)
}
