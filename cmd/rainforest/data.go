package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"rainforest/internal/kernel/audit"
	"rainforest/internal/registry"
)

// parseWithArgs parses flags that may come before or after the positional
// arguments, and requires exactly want of those.
func parseWithArgs(fs *flag.FlagSet, args []string, want int, what string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != want {
		if len(pos) < want {
			fmt.Fprintf(fs.Output(), "missing %s\n", what)
		} else {
			fmt.Fprintf(fs.Output(), "unexpected argument %q\n", pos[want])
		}
		fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

// cliActor names the command line in the audit log.
func cliActor(ctx context.Context, command string) context.Context {
	who := os.Getenv("USER")
	if who == "" {
		who = "unknown"
	}
	return audit.WithActor(ctx, audit.Actor{Email: "cli:" + command + " (" + who + ")"})
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", "[--db DSN] [--format csv|xlsx] [--skip-invalid] FILE", stderr)
	dsn := dbFlag(fs)
	format := fs.String("format", "", "file format, csv or xlsx (default: from the file name's extension, else csv)")
	skip := fs.Bool("skip-invalid", false, "import the valid rows of a file with bad rows (default: a bad row means nothing is imported)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: rainforest import [--db DSN] [--format csv|xlsx] [--skip-invalid] FILE

Imports organizations from a CSV or XLSX file ("-" reads standard input).
The first row names the columns with the registry's field names (those
"rainforest export" writes); uscc, name_zh and kind are required, an empty
cell is unknown. Every bad cell is reported as FILE:LINE:COLUMN (CSV) or
FILE:Sheet!CELL (XLSX) with the field and the problem.

Flags:
`)
		fs.PrintDefaults()
	}
	pos, err := parseWithArgs(fs, args, 1, "FILE")
	if err != nil {
		return err
	}
	path := pos[0]
	f, err := registry.FormatOf(*format, path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	in := io.Reader(os.Stdin)
	name := "stdin"
	var size int64
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return err
		}
		defer file.Close()
		if st, err := file.Stat(); err == nil {
			size = st.Size()
		}
		in, name = file, filepath.Base(path)
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	b := newBar(stderr, "importing")
	im := &registry.Importer{Registry: &registry.Service{DB: d}, Format: f, Name: name, Size: size, SkipInvalid: *skip,
		Progress: func(p registry.ImportProgress) { b.update(p.Rows, p.Fraction, p.Done) }}
	start := time.Now()
	rep, err := im.Import(cliActor(ctx, "import"), in)
	for _, e := range rep.Errors {
		fmt.Fprintln(stderr, rep.Line(e))
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, "warning: "+rep.Line(w))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d organization(s) from %s in %.1f s: %d row(s) read, %d skipped\n",
		rep.Imported, name, time.Since(start).Seconds(), rep.Rows, rep.Invalid)
	return nil
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "[--db DSN] [--format csv|xlsx] [--out FILE] [filters]", stderr)
	dsn := dbFlag(fs)
	format := fs.String("format", "", "file format, csv or xlsx (default: from --out's extension, else csv)")
	out := fs.String("out", "-", `file to write ("-" for standard output); an existing file is replaced`)
	var flt registry.Filter
	fs.StringVar(&flt.Q, "q", "", "only organizations whose name matches this search")
	fs.StringVar(&flt.Kind, "kind", "", "only this kind (enterprise, university, institute, service, bank, investor, incubator, agency)")
	fs.StringVar(&flt.District, "district", "", "only this registered district (a slug such as jingan)")
	fs.StringVar(&flt.TaxDistrict, "tax-district", "", "only this tax district")
	fs.StringVar(&flt.Industry, "industry", "", "only this GB/T 4754 industry code or prefix")
	fs.StringVar(&flt.TechField, "tech-field", "", "only this high-tech field")
	fs.StringVar(&flt.Certification, "certification", "", "only holders of this certification (hnte, scitech_sme, specialized_sophisticated, little_giant)")
	if err := parse(fs, args); err != nil {
		return err
	}
	f, err := registry.FormatOf(*format, *out)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	// A file is written beside its destination and renamed at the end, so
	// that a failed export leaves no half-written file.
	w := stdout
	var tmp *os.File
	if *out != "-" {
		tmp, err = os.CreateTemp(filepath.Dir(*out), ".export-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		w = tmp
	}
	b := newBar(stderr, "exporting")
	ex := &registry.Exporter{Registry: &registry.Service{DB: d}, Format: f, Filter: flt,
		Progress: func(n int64) { b.update(n, -1, false) }}
	start := time.Now()
	n, err := ex.Export(ctx, w)
	b.update(n, -1, true)
	if err != nil {
		return err
	}
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), *out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "exported %d organization(s) to %s in %.1f s\n", n, *out, time.Since(start).Seconds())
	}
	return nil
}
