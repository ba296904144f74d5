package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"rainforest/internal/kernel/db"
)

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", "--out FILE [--db sqlite:PATH]", stderr)
	dsn := dbFlag(fs)
	out := fs.String("out", "", "the copy to write; an existing file is never overwritten (required)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: rainforest backup --out FILE [--db sqlite:PATH]

Writes a consistent copy of a SQLite database while the platform runs
(VACUUM INTO): a single file, compacted, that "serve --db sqlite:FILE" opens
as it is. For PostgreSQL it prints the pg_dump command to use instead.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(stderr, "--out is required")
		fs.Usage()
		return errUsage
	}
	if strings.HasPrefix(*dsn, "postgres://") || strings.HasPrefix(*dsn, "postgresql://") {
		return fmt.Errorf("backup copies SQLite databases; for PostgreSQL use pg_dump, which takes a consistent snapshot while the platform runs:\n\n  %s\n\n"+
			"and restore with: pg_restore --clean --if-exists --no-owner --dbname DSN %s", pgDumpCommand(*dsn, *out), shellQuote(*out))
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s already exists: choose another --out (a backup never overwrites a file)", *out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Path == "" {
		return errors.New("an in-memory database cannot be backed up")
	}
	start := time.Now()
	// VACUUM INTO reads in one transaction, so the copy is consistent
	// while other processes (a running server) go on writing. The read
	// pool is query-only, which VACUUM INTO refuses, so it runs on this
	// process's writer.
	if _, err := d.Write.ExecContext(ctx, `VACUUM INTO $1`, *out); err != nil {
		os.Remove(*out)
		return fmt.Errorf("backup: %w", err)
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	v, err := d.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%s bytes, schema version %d) in %.1f s\n", d.Path, *out, group(st.Size()), v, time.Since(start).Seconds())
	return nil
}

// pgDumpCommand is the pg_dump command line for a DSN, with the password
// left out (pg_dump takes it from PGPASSWORD or ~/.pgpass).
func pgDumpCommand(dsn, out string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.User(u.User.Username())
			dsn = u.String()
		}
	}
	return "pg_dump --format=custom --no-owner --file " + shellQuote(out) + " " + shellQuote(dsn)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
