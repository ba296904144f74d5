package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"rainforest/internal/programs/opendata"
)

// runExport360 is "rainforest export-360giving": the paid awards as a
// 360Giving JSON data package.
func runExport360(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export-360giving", "[--db DSN] [--out FILE] [--base-url URL] [--prefix 360G-…]: write the paid awards as a 360Giving data package.", stderr)
	dsn := dbFlag(fs)
	out := fs.String("out", "-", "file to write (- for standard output)")
	base := fs.String("base-url", env("RAINFOREST_BASE_URL", ""), "public address of the platform, for links to programs (env RAINFOREST_BASE_URL)")
	prefix := fs.String("prefix", opendata.DefaultPrefix, "360Giving identifier prefix of the publisher")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !strings.HasPrefix(*prefix, "360G-") {
		fmt.Fprintln(stderr, "--prefix must start with 360G-")
		return errUsage
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	pkg, err := (&opendata.Exporter{DB: d, Prefix: *prefix, BaseURL: strings.TrimRight(*base, "/")}).Build(ctx)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(pkg); err != nil {
		return err
	}
	if *out != "-" {
		fmt.Fprintf(stderr, "%d grants written to %s\n", len(pkg.Grants), *out)
	}
	return nil
}
