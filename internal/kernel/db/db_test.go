package db_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
)

// The platform runs in Shanghai; the tests run with that offset as the
// process's local zone so that a value leaking out in local time shows.
func TestMain(m *testing.M) {
	time.Local = time.FixedZone("CST", 8*3600)
	os.Exit(m.Run())
}

func openSQLite(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func pragma(t *testing.T, p *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := p.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestOpenSQLiteSettings(t *testing.T) {
	d := openSQLite(t)
	if d.Dialect != db.SQLite || d.Path == "" {
		t.Fatalf("dialect %q path %q", d.Dialect, d.Path)
	}
	if d.Read == d.Write {
		t.Fatal("a file database should have a separate read pool")
	}
	for _, c := range []struct {
		pool *sql.DB
		name string
		want string
	}{
		{d.Write, "journal_mode", "wal"},
		{d.Write, "foreign_keys", "1"},
		{d.Write, "busy_timeout", "10000"},
		{d.Write, "synchronous", "1"}, // NORMAL
		{d.Read, "journal_mode", "wal"},
		{d.Read, "foreign_keys", "1"},
		{d.Read, "busy_timeout", "10000"},
		{d.Read, "query_only", "1"},
	} {
		// Ask every connection of the read pool, not only the first.
		n := 1
		if c.pool == d.Read {
			n = 4
		}
		var conns []*sql.Conn
		for range n {
			conn, err := c.pool.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
			var got string
			if err := conn.QueryRowContext(context.Background(), "PRAGMA "+c.name).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("PRAGMA %s = %q, want %q", c.name, got, c.want)
			}
		}
		for _, conn := range conns {
			conn.Close()
		}
	}
	if got := d.Write.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("write pool holds %d connections, want exactly 1", got)
	}
	if got := d.Read.Stats().MaxOpenConnections; got < 2 {
		t.Errorf("read pool holds %d connections, want several", got)
	}
	if _, err := d.Read.Exec(`CREATE TABLE nope (x INTEGER)`); err == nil {
		t.Error("the read pool accepted a write")
	}
	if _, err := d.Write.Exec(`CREATE TABLE yes (x INTEGER)`); err != nil {
		t.Errorf("the write pool refused a write: %v", err)
	}
}

func TestOpenSQLiteMemory(t *testing.T) {
	ctx := context.Background()
	a, err := db.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := db.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Path != "" || a.Read != a.Write {
		t.Fatalf("memory database: path %q, separate read pool %v", a.Path, a.Read != a.Write)
	}
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Two in-memory databases are private to their DB values.
	var n int
	if err := b.Read.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'orgs'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("second memory database sees the first's tables: n=%d err=%v", n, err)
	}
	if got := pragma(t, a.Write, "foreign_keys"); got != "1" {
		t.Errorf("foreign_keys = %s", got)
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{"", "mysql://u:p@h/db", "sqlite:", "sqlite://", "pg://x"} {
		if d, err := db.Open(ctx, dsn); err == nil {
			d.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
	_, err := db.Open(ctx, "mysql://user:hunter2@host/db")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error should name the DSN without its password: %v", err)
	}
	// A server that is not there fails at Open, with the password hidden.
	_, err = db.Open(ctx, "postgres://user:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("Open of an unreachable PostgreSQL succeeded")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestOpenPostgres(t *testing.T) {
	d := dbtest.OpenPostgres(t)
	if d.Dialect != db.Postgres || d.Read != d.Write || d.Path != "" {
		t.Fatalf("dialect %q, one pool %v, path %q", d.Dialect, d.Read == d.Write, d.Path)
	}
	if got := d.Write.Stats().MaxOpenConnections; got < 2 {
		t.Errorf("pool holds %d connections, want several", got)
	}
	// Each test has its own schema, first on the search path.
	var path, tz string
	if err := d.Read.QueryRow(`SELECT current_schema(), current_setting('TimeZone')`).Scan(&path, &tz); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(path, "t_") {
		t.Errorf("current schema %q, want the test's own", path)
	}
	if tz != "UTC" {
		t.Errorf("session time zone %q, want UTC", tz)
	}
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'orgs'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("orgs table in the test schema: n=%d err=%v", n, err)
	}
}

// migrationFiles lists the migration files that apply to dialect, read
// from the source tree independently of the embedded copy.
func migrationFiles(t *testing.T, dialect db.Dialect) map[int]string {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	other := ".postgres.sql"
	if dialect == db.Postgres {
		other = ".sqlite.sql"
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") || strings.HasSuffix(e.Name(), other) {
			continue
		}
		var v int
		for _, r := range e.Name() {
			if r < '0' || r > '9' {
				break
			}
			v = v*10 + int(r-'0')
		}
		if _, dup := out[v]; dup {
			t.Fatalf("two migrations numbered %d", v)
		}
		out[v] = e.Name()
	}
	if len(out) == 0 {
		t.Fatal("no migrations found")
	}
	return out
}

func TestMigrateAppliesOnceAndRecords(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t) // already migrated
	files := migrationFiles(t, d.Dialect)
	n, err := d.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second Migrate applied %d (err %v), want 0", n, err)
	}
	rows, err := d.Read.Query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[int]bool{}
	maxV := 0
	for rows.Next() {
		var v int
		var name string
		var at time.Time
		if err := rows.Scan(&v, &name, &at); err != nil {
			t.Fatal(err)
		}
		file, ok := files[v]
		if !ok {
			t.Errorf("recorded migration %d (%s) has no file", v, name)
			continue
		}
		if !strings.HasPrefix(file, name) {
			t.Errorf("migration %d recorded as %q, file %q", v, name, file)
		}
		if seen[v] {
			t.Errorf("migration %d recorded twice", v)
		}
		if at.IsZero() || time.Since(at) > time.Hour || time.Since(at) < -time.Minute {
			t.Errorf("migration %d applied_at %v", v, at)
		}
		seen[v] = true
		maxV = max(maxV, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(files) {
		t.Errorf("%d migrations recorded, %d files", len(seen), len(files))
	}
	if v, err := d.Version(ctx); err != nil || v != maxV {
		t.Errorf("Version = %d, %v; want %d", v, err, maxV)
	}
}

func TestMigrateFreshSQLiteFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	d, err := db.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := d.Version(ctx); err == nil {
		t.Errorf("Version before migrating = %d, want an error (no table)", v)
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(migrationFiles(t, db.SQLite)); n != want {
		t.Errorf("applied %d, want %d", n, want)
	}
	d.Close()
	// Reopening the file finds everything applied.
	d, err = db.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if n, err := d.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("Migrate after reopening applied %d, %v", n, err)
	}
}

// Instances starting together against one PostgreSQL database migrate it
// once between them (the advisory lock).
func TestMigrateConcurrentPostgres(t *testing.T) {
	ctx := context.Background()
	first := dbtest.OpenPostgres(t)
	// A new schema, migrated by several instances at once.
	schema := "t_conc_" + strings.TrimPrefix(currentSchema(t, first), "t_")
	if _, err := first.Write.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Write.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	dsn := withSearchPath(t, dbtest.PostgresDSN(), schema)
	const k = 4
	applied := make([]int, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i := range k {
		wg.Go(func() {
			d, err := db.Open(ctx, dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer d.Close()
			applied[i], errs[i] = d.Migrate(ctx)
		})
	}
	wg.Wait()
	total := 0
	for i := range k {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if want := len(migrationFiles(t, db.Postgres)); total != want {
		t.Errorf("instances applied %d migrations between them, want %d", total, want)
	}
}

func currentSchema(t *testing.T, d *db.DB) string {
	t.Helper()
	var s string
	if err := d.Read.QueryRow(`SELECT current_schema()`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func withSearchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

func TestArgsPlaceholders(t *testing.T) {
	var a db.Args
	if p := a.Add("x"); p != "$1" {
		t.Fatalf("first placeholder %q", p)
	}
	if l := db.List(&a, []int{7, 8, 9}); l != "$2, $3, $4" {
		t.Fatalf("list %q", l)
	}
	if len(a) != 4 || a[0] != "x" || a[3] != 9 {
		t.Fatalf("args %v", a)
	}
	var empty db.Args
	if l := db.List(&empty, []string{}); l != "NULL" || len(empty) != 0 {
		t.Fatalf("empty list %q %v", l, empty)
	}

	// The same text runs on the engine under test, input staying data.
	d := dbtest.Open(t)
	var q db.Args
	sqlText := `SELECT COUNT(*) FROM districts WHERE slug IN (` + db.List(&q, []string{"jingan", "xuhui", "nowhere'; DROP TABLE districts; --"}) + `) AND name_en <> ` + q.Add("")
	var n int
	if err := d.Read.QueryRow(sqlText, q...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("matched %d districts, want 2", n)
	}
	// An empty list selects nothing, on both engines.
	var e db.Args
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM districts WHERE slug IN (`+db.List(&e, []string{})+`)`, e...).Scan(&n); err != nil || n != 0 {
		t.Errorf("IN (empty list): n=%d err=%v", n, err)
	}
	// A placeholder may be used twice.
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM districts WHERE slug = $1 OR name_en = $1`, "Jing'an").Scan(&n); err != nil || n != 1 {
		t.Errorf("reused placeholder: n=%d err=%v", n, err)
	}
}

func TestConstraintViolations(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	_, err := d.Write.ExecContext(ctx, `INSERT INTO districts (slug, name_zh, name_en) VALUES ($1, $2, $3)`, "jingan", "静安区", "Jing'an")
	if !db.IsUniqueViolation(err) || db.IsForeignKeyViolation(err) {
		t.Errorf("duplicate primary key: unique %v, fk %v (%v)", db.IsUniqueViolation(err), db.IsForeignKeyViolation(err), err)
	}
	now := d.Now()
	insertUser := `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`
	var id int64
	if err := d.Write.QueryRowContext(ctx, insertUser, "a@example.cn", "A", "x", now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	err = d.Write.QueryRowContext(ctx, insertUser, "a@example.cn", "B", "x", now).Scan(&id)
	if !db.IsUniqueViolation(err) || db.IsForeignKeyViolation(err) {
		t.Errorf("duplicate unique column: unique %v, fk %v (%v)", db.IsUniqueViolation(err), db.IsForeignKeyViolation(err), err)
	}
	// Inside a transaction too, wrapped by the caller.
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO parks (slug, name_zh, name_en, district) VALUES ($1, $2, $3, $4)`, "p", "园", "Park", "atlantis")
		return errors.Join(errors.New("insert park"), err)
	})
	if !db.IsForeignKeyViolation(err) || db.IsUniqueViolation(err) {
		t.Errorf("unknown district: fk %v, unique %v (%v)", db.IsForeignKeyViolation(err), db.IsUniqueViolation(err), err)
	}
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM parks`).Scan(&n); err != nil || n != 0 {
		t.Errorf("failed transaction left %d parks (%v)", n, err)
	}
	_, err = d.Write.ExecContext(ctx, `INSERT INTO districts (slug, name_zh) VALUES ($1, $2)`, "x", "x")
	if err == nil || db.IsUniqueViolation(err) || db.IsForeignKeyViolation(err) {
		t.Errorf("not-null failure classified as unique %v / fk %v (%v)", db.IsUniqueViolation(err), db.IsForeignKeyViolation(err), err)
	}
	for _, e := range []error{nil, errors.New("23505"), sql.ErrNoRows} {
		if db.IsUniqueViolation(e) || db.IsForeignKeyViolation(e) {
			t.Errorf("%v classified as a constraint violation", e)
		}
	}
}

func TestTxRollsBackOnError(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO parks (slug, name_zh, name_en, district) VALUES ($1, $2, $3, $4)`, "p1", "园一", "Park 1", "xuhui"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v, want the callback's error", err)
	}
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM parks`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rolled-back insert visible: n=%d err=%v", n, err)
	}
	if err := d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO parks (slug, name_zh, name_en, district) VALUES ($1, $2, $3, $4)`, "p1", "园一", "Park 1", "xuhui")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM parks`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("committed insert: n=%d err=%v", n, err)
	}
}

// Many goroutines writing at once through the single SQLite writer: each
// transaction reads a counter and writes it back plus one, which loses
// updates or fails with SQLITE_BUSY unless writers are serialised.
// Readers run meanwhile on the read pool (WAL) and never see a torn state.
func TestConcurrentWritersSerialise(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	if _, err := d.Write.Exec(`CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, m INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write.Exec(`INSERT INTO counter (id, n, m) VALUES (1, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+64)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n, m int
				if err := d.Read.QueryRowContext(ctx, `SELECT n, m FROM counter WHERE id = 1`).Scan(&n, &m); err != nil {
					errs <- err
					return
				}
				if n != m {
					errs <- errors.New("reader saw a half-applied transaction")
					return
				}
				time.Sleep(200 * time.Microsecond)
			}
		})
	}
	for range writers {
		wg.Go(func() {
			for range each {
				err := d.Tx(ctx, func(tx *sql.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, `UPDATE counter SET n = $1 WHERE id = 1`, n+1); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `UPDATE counter SET m = $1 WHERE id = 1`, n+1)
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err) // SQLITE_BUSY or a torn read would show here
	}
	var n int
	if err := d.Read.QueryRow(`SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*each {
		t.Errorf("counter = %d, want %d (lost updates)", n, writers*each)
	}
}

// On either engine, concurrent transactions through d.Tx with atomic
// updates all commit.
func TestConcurrentTransactions(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Write.Exec(`CREATE TABLE hits (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write.Exec(`INSERT INTO hits (id, n) VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 8 {
		wg.Go(func() {
			for range 20 {
				errs <- d.Tx(ctx, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE hits SET n = n + 1 WHERE id = $1`, 1)
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	var n int
	if err := d.Read.QueryRow(`SELECT n FROM hits WHERE id = 1`).Scan(&n); err != nil || n != 160 {
		t.Errorf("n = %d (%v), want 160", n, err)
	}
}

func TestTimestampsRoundTrip(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Write.Exec(`CREATE TABLE ts_test (id INTEGER PRIMARY KEY, at ` + tsType(d) + ` NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
	cst := time.FixedZone("CST", 8*3600)
	values := []time.Time{
		base,                             // whole second
		base.Add(500 * time.Millisecond), // fraction
		base.Add(1500 * time.Microsecond),
		base.Add(2 * time.Second),
		// The next instant written in Shanghai time: stored and compared as
		// the same instant, read back in UTC.
		base.Add(3 * time.Second).In(cst),
		time.Date(1999, 12, 31, 16, 0, 0, 0, time.UTC),
		// Before base, though its Shanghai wall-clock text sorts after.
		base.Add(-time.Second).In(cst),
	}
	for i, v := range values {
		if _, err := d.Write.ExecContext(ctx, `INSERT INTO ts_test (id, at) VALUES ($1, $2)`, i, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range values {
		var got time.Time
		if err := d.Read.QueryRowContext(ctx, `SELECT at FROM ts_test WHERE id = $1`, i).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(v) {
			t.Errorf("value %d: wrote %v, read %v", i, v, got)
		}
		if got.Location() != time.UTC {
			t.Errorf("value %d read in %v, want UTC", i, got.Location())
		}
	}
	// Comparisons and order follow time, not text.
	ids := func(q string, args ...any) []int {
		t.Helper()
		rows, err := d.Read.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	if got := ids(`SELECT id FROM ts_test WHERE at > $1 ORDER BY at`, base); !equalInts(got, []int{2, 1, 3, 4}) {
		t.Errorf("after %v: %v, want [2 1 3 4]", base, got)
	}
	if got := ids(`SELECT id FROM ts_test WHERE at > $1 ORDER BY at`, base.Add(2500*time.Millisecond).In(cst)); !equalInts(got, []int{4}) {
		t.Errorf("after a Shanghai-time instant: %v, want [4]", got)
	}
	if got := ids(`SELECT id FROM ts_test WHERE at <= $1 ORDER BY at DESC`, base.Add(500*time.Millisecond)); !equalInts(got, []int{1, 2, 0, 6, 5}) {
		t.Errorf("at or before: %v, want [1 2 0 6 5]", got)
	}
	// d.Now is UTC.
	if d.Now().Location() != time.UTC {
		t.Errorf("Now in %v", d.Now().Location())
	}
}

func tsType(d *db.DB) string {
	if d.Dialect == db.Postgres {
		return "TIMESTAMPTZ"
	}
	return "TIMESTAMP"
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDatesRoundTrip(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	now := d.Now()
	insert := `INSERT INTO orgs (uscc, name_zh, kind, founded_on, created_at, updated_at) VALUES ($1, $2, 'enterprise', $3, $4, $4)`
	dates := []any{"2024-02-29", "1999-12-31", nil}
	for i, v := range dates {
		if _, err := d.Write.ExecContext(ctx, insert, "U"+string(rune('0'+i)), "机构", v, now); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := d.Read.QueryContext(ctx, `SELECT founded_on FROM orgs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []db.Date
	for rows.Next() {
		var dt db.Date
		if err := rows.Scan(&dt); err != nil {
			t.Fatal(err)
		}
		got = append(got, dt)
	}
	want := []db.Date{{String: "2024-02-29", Valid: true}, {String: "1999-12-31", Valid: true}, {}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("date %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if p := got[2].Ptr(); p != nil {
		t.Errorf("NULL date Ptr = %q", *p)
	}
	if p := got[0].Ptr(); p == nil || *p != "2024-02-29" {
		t.Errorf("Ptr = %v", p)
	}
	// Date comparisons with a YYYY-MM-DD parameter.
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM orgs WHERE founded_on <= $1`, "2024-02-28").Scan(&n); err != nil || n != 1 {
		t.Errorf("founded on or before 2024-02-28: %d (%v), want 1", n, err)
	}
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM orgs WHERE founded_on = $1`, "2024-02-29").Scan(&n); err != nil || n != 1 {
		t.Errorf("founded on 2024-02-29: %d (%v), want 1", n, err)
	}
	var bad db.Date
	if err := bad.Scan(3.5); err == nil {
		t.Error("Date scanned a float")
	}
	if db.Nullable[string](nil) != nil {
		t.Error("Nullable(nil) is not nil")
	}
	s := "x"
	if db.Nullable(&s) != "x" {
		t.Error("Nullable(&s) is not s")
	}
}

func TestBooleans(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	now := d.Now()
	for i, v := range []any{true, false, nil} {
		if _, err := d.Write.ExecContext(ctx, `INSERT INTO orgs (uscc, name_zh, kind, major_incident_last_year, created_at, updated_at) VALUES ($1, $2, 'enterprise', $3, $4, $4)`,
			"B"+string(rune('0'+i)), "机构", v, now); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := d.Read.QueryContext(ctx, `SELECT major_incident_last_year FROM orgs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []sql.NullBool
	for rows.Next() {
		var b sql.NullBool
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		got = append(got, b)
	}
	rows.Close()
	want := []sql.NullBool{{Bool: true, Valid: true}, {Bool: false, Valid: true}, {}}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Fatalf("booleans read %v, want %v", got, want)
		}
	}
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM orgs WHERE major_incident_last_year`).Scan(&n); err != nil || n != 1 {
		t.Errorf("WHERE flag: %d (%v)", n, err)
	}
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM orgs WHERE NOT major_incident_last_year`).Scan(&n); err != nil || n != 1 {
		t.Errorf("WHERE NOT flag: %d (%v)", n, err)
	}
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM orgs WHERE major_incident_last_year = $1`, false).Scan(&n); err != nil || n != 1 {
		t.Errorf("= false: %d (%v)", n, err)
	}
	var disabled bool
	if err := d.Write.QueryRow(`INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING disabled`, "b@example.cn", "B", "x", now).Scan(&disabled); err != nil || disabled {
		t.Errorf("default FALSE read as %v (%v)", disabled, err)
	}
}

// LIKE is case-sensitive on both engines, and ESCAPE makes % and _ literal.
func TestLike(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	now := d.Now()
	names := []string{"Alpha_Lab", "alpha lab", "ALPHA%LAB", "Beta", "Élan Biotech", "élan"}
	for i, name := range names {
		if _, err := d.Write.ExecContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ($1, $2, 'x', $3, $3)`,
			"u"+string(rune('a'+i))+"@example.cn", name, now); err != nil {
			t.Fatal(err)
		}
	}
	match := func(where string, args ...any) []string {
		t.Helper()
		rows, err := d.Read.QueryContext(ctx, `SELECT name FROM users WHERE `+where+` ORDER BY id`, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	for _, c := range []struct {
		where string
		arg   string
		want  string
	}{
		{`name LIKE $1`, "alpha%", "alpha lab"},
		{`name LIKE $1`, "Alpha%", "Alpha_Lab"},
		{`name LIKE $1 ESCAPE '\'`, `%\_%`, "Alpha_Lab"},
		{`name LIKE $1 ESCAPE '\'`, `%\%%`, "ALPHA%LAB"},
		{`name LIKE $1`, `%a_lab`, "alpha lab"},
		{`LOWER(name) LIKE $1`, "alpha%", "Alpha_Lab,alpha lab,ALPHA%LAB"},
		{`LOWER(name) LIKE $1`, "élan%", "Élan Biotech,élan"},
		{`UPPER(name) = $1`, "ÉLAN", "élan"},
	} {
		got := strings.Join(match(c.where, c.arg), ",")
		if got != c.want {
			t.Errorf("%s with %q: %q, want %q", c.where, c.arg, got, c.want)
		}
	}
}

// RETURNING gives generated ids on both engines.
func TestReturning(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	var ids []int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		for i := range 3 {
			var id int64
			var slug string
			if err := tx.QueryRowContext(ctx, `INSERT INTO parks (slug, name_zh, name_en, district) VALUES ($1, $2, $3, $4) RETURNING id, slug`,
				"park-"+string(rune('a'+i)), "园", "Park", "yangpu").Scan(&id, &slug); err != nil {
				return err
			}
			if slug != "park-"+string(rune('a'+i)) {
				t.Errorf("RETURNING slug %q", slug)
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 || ids[0] <= 0 || ids[1] <= ids[0] || ids[2] <= ids[1] {
		t.Errorf("ids %v, want increasing positive", ids)
	}
}

// The audit log refuses updates and deletes on both engines.
func TestAuditLogAppendOnly(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Write.ExecContext(ctx, `INSERT INTO audit_log (at, action, entity, entity_id) VALUES ($1, 'create', 'org', '1')`, d.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write.ExecContext(ctx, `UPDATE audit_log SET action = 'x'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("update: %v", err)
	}
	if _, err := d.Write.ExecContext(ctx, `DELETE FROM audit_log`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("delete: %v", err)
	}
}

func TestStats(t *testing.T) {
	d := openSQLite(t)
	w, r := d.Stats()
	if w.MaxOpenConnections != 1 || r.MaxOpenConnections < 2 {
		t.Errorf("stats write %d read %d", w.MaxOpenConnections, r.MaxOpenConnections)
	}
}

// d.Now keeps what PostgreSQL keeps, so that a value written and read back
// is equal on both engines.
func TestNowRoundTripsExactly(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	for range 20 {
		n := d.Now()
		if n.Location() != time.UTC || n.Nanosecond()%1000 != 0 {
			t.Fatalf("Now() = %v: want UTC to the microsecond", n)
		}
		if _, err := d.Write.ExecContext(ctx, `INSERT INTO audit_log (at, action, entity, entity_id) VALUES ($1, 'a', 'e', '1')`, n); err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := d.Read.QueryRowContext(ctx, `SELECT at FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(n) {
			t.Fatalf("wrote %v, read %v", n, got)
		}
	}
}

// An aggregate over a timestamp column scans through db.Time on both
// engines (SQLite returns it as text).
func TestTimeScansAggregates(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	base := time.Date(2026, 5, 4, 3, 2, 1, 123456000, time.UTC)
	var empty db.Time
	if err := d.Read.QueryRowContext(ctx, `SELECT MAX(at) FROM audit_log`).Scan(&empty); err != nil || empty.Valid || empty.Ptr() != nil {
		t.Fatalf("MAX over no rows: %+v, %v", empty, err)
	}
	for i := range 3 {
		if _, err := d.Write.ExecContext(ctx, `INSERT INTO audit_log (at, action, entity, entity_id) VALUES ($1, 'a', 'e', '1')`, base.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	var mx, mn, co, col db.Time
	if err := d.Read.QueryRowContext(ctx, `SELECT MAX(at), MIN(at), COALESCE(MAX(at), $1) FROM audit_log`, base).Scan(&mx, &mn, &co); err != nil {
		t.Fatal(err)
	}
	if err := d.Read.QueryRowContext(ctx, `SELECT at FROM audit_log ORDER BY id LIMIT 1`).Scan(&col); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  db.Time
		want time.Time
	}{
		{"MAX", mx, base.Add(2 * time.Hour)},
		{"MIN", mn, base},
		{"COALESCE", co, base.Add(2 * time.Hour)},
		{"column", col, base},
	} {
		if !c.got.Valid || !c.got.Time.Equal(c.want) || c.got.Time.Location() != time.UTC {
			t.Errorf("%s: %+v, want %v", c.name, c.got, c.want)
		}
	}
	if p := mx.Ptr(); p == nil || !p.Equal(base.Add(2*time.Hour)) {
		t.Errorf("Ptr = %v", p)
	}
	for _, bad := range []any{"yesterday", 42} {
		var x db.Time
		if err := x.Scan(bad); err == nil {
			t.Errorf("Time scanned %v", bad)
		}
	}
	var z db.Time
	if err := z.Scan([]byte("2026-05-04T03:02:01Z")); err != nil || !z.Time.Equal(time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)) {
		t.Errorf("RFC 3339 bytes: %+v %v", z, err)
	}
}

// The modules change rows by compare-and-set on a version column (read,
// compute, UPDATE ... WHERE version = the one read). On SQLite writers
// queue; on PostgreSQL transactions run at READ COMMITTED side by side, and
// the second UPDATE waits for the first and then matches no row. Either
// way no update is lost: a writer that loses retries.
func TestCompareAndSetLosesNoUpdate(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Write.Exec(`CREATE TABLE cas (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, version INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write.Exec(`INSERT INTO cas (id, n, version) VALUES (1, 0, 1)`); err != nil {
		t.Fatal(err)
	}
	errConflict := errors.New("conflict")
	const workers, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				for attempt := 0; ; attempt++ {
					err := d.Tx(ctx, func(tx *sql.Tx) error {
						var n, v int
						if err := tx.QueryRowContext(ctx, `SELECT n, version FROM cas WHERE id = 1`).Scan(&n, &v); err != nil {
							return err
						}
						res, err := tx.ExecContext(ctx, `UPDATE cas SET n = $1, version = $2 WHERE id = 1 AND version = $3`, n+1, v+1, v)
						if err != nil {
							return err
						}
						if k, _ := res.RowsAffected(); k != 1 {
							return errConflict
						}
						return nil
					})
					if errors.Is(err, errConflict) && attempt < 1000 {
						continue
					}
					if err != nil {
						errs <- err
					}
					break
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n, v int
	if err := d.Read.QueryRow(`SELECT n, version FROM cas WHERE id = 1`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != workers*each || v != workers*each+1 {
		t.Errorf("n = %d, version = %d; want %d and %d", n, v, workers*each, workers*each+1)
	}
}
