package registry

// Import and export of organizations in CSV and XLSX. The columns are the
// field names of Fields, so that an export imports again unchanged. An
// import reads the file once: every row is set from its text, normalized
// and validated as the API would, checked for a credit code taken earlier
// in the file or already registered, and written in batches inside one
// transaction with one audit record. A file with any bad row writes
// nothing unless the caller asks to skip bad rows.

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/tabular"
)

// insertBatch is how many organizations one multi-row INSERT writes: 400
// rows of 30 values stay well under the parameter limits of SQLite
// (32,766) and PostgreSQL (65,535).
const insertBatch = 400

type insertKey struct {
	d    db.Dialect
	rows int
}

var multiInsertSQL sync.Map // insertKey → statement text

// multiInsert is the statement for rows organizations. On SQLite it uses
// anonymous ? parameters: SQLite looks numbered ones ($N) up in a list,
// which costs time quadratic in their number, and a statement of 12,000
// parameters spends nearly all its time there.
func multiInsert(d db.Dialect, rows int) string {
	k := insertKey{d, rows}
	if s, ok := multiInsertSQL.Load(k); ok {
		return s.(string)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO orgs (` + writeCols + `, created_at, updated_at) VALUES `)
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", nWriteCols+2), ", ") + ")"
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		if d == db.SQLite {
			b.WriteString(row)
		} else {
			b.WriteString("(" + placeholders(1+i*(nWriteCols+2), nWriteCols+2) + ")")
		}
	}
	s := b.String()
	multiInsertSQL.Store(k, s)
	return s
}

// InsertMany writes prepared organizations inside the caller's transaction
// with multi-row INSERTs, like Insert without the ids: the importer and the
// generator use it for files and cities of a million rows. The values of
// a large slice (with their search terms) are computed on every core while
// the statements run.
func (s *Service) InsertMany(ctx context.Context, tx *sql.Tx, orgs []*Org) error {
	now := s.DB.Now()
	width := nWriteCols + 2
	vals := make([]any, len(orgs)*width)
	fill := func(from, to int) {
		for i := from; i < to; i++ {
			o := orgs[i]
			o.CreatedAt, o.UpdatedAt, o.Version = now, now, 1
			row := vals[i*width : (i+1)*width]
			copy(row, orgValues(o))
			row[nWriteCols], row[nWriteCols+1] = now, now
		}
	}
	// Batches are filled in parallel, each signalled when ready.
	nb := (len(orgs) + insertBatch - 1) / insertBatch
	ready := make([]chan struct{}, nb)
	for b := range ready {
		ready[b] = make(chan struct{})
	}
	workers := min(nb, runtime.GOMAXPROCS(0))
	next := make(chan int, nb)
	for b := 0; b < nb; b++ {
		next <- b
	}
	close(next)
	for w := 0; w < workers; w++ {
		go func() {
			for b := range next {
				fill(b*insertBatch, min((b+1)*insertBatch, len(orgs)))
				close(ready[b])
			}
		}()
	}
	var full *sql.Stmt
	if nb > 1 {
		var err error
		if full, err = tx.PrepareContext(ctx, multiInsert(s.DB.Dialect, insertBatch)); err != nil {
			return apperr.Wrap(err, "insert orgs: prepare")
		}
		defer full.Close()
	}
	for b := 0; b < nb; b++ {
		<-ready[b]
		from, to := b*insertBatch, min((b+1)*insertBatch, len(orgs))
		args := vals[from*width : to*width]
		var err error
		if to-from == insertBatch && full != nil {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, multiInsert(s.DB.Dialect, to-from), args...)
		}
		if db.IsUniqueViolation(err) {
			drain(ready[b+1:])
			return &apperr.Error{Code: apperr.Conflict, Message: "uscc: an organization with one of these credit codes is already registered",
				Fields: []apperr.FieldError{{Field: "uscc", Message: "is already registered"}}, Err: err}
		}
		if err != nil {
			drain(ready[b+1:])
			return apperr.Wrap(err, "insert orgs")
		}
	}
	return nil
}

// drain waits for the workers still filling batches, so that none outlives
// the call.
func drain(rest []chan struct{}) {
	for _, c := range rest {
		<-c
	}
}

// BulkTx runs fn in one write transaction made for inserting many
// organizations with InsertMany. On SQLite the full-text index is not kept
// in step row by row (its trigger flushes the index at every statement):
// the trigger is suspended inside the transaction and the new rows are
// indexed by one statement at the end, and the writer's page cache is
// enlarged for the duration. A failure rolls all of it back.
func (s *Service) BulkTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.DB.Dialect != db.SQLite {
			return fn(tx)
		}
		var trigger string
		err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'orgs_fts_insert'`).Scan(&trigger)
		if errors.Is(err, sql.ErrNoRows) {
			return fn(tx)
		}
		if err != nil {
			return apperr.Wrap(err, "bulk: read trigger")
		}
		var maxID int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM orgs`).Scan(&maxID); err != nil {
			return apperr.Wrap(err, "bulk: max id")
		}
		var cache int64
		if err := tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
			return apperr.Wrap(err, "bulk: cache size")
		}
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -512000`); err != nil {
			return apperr.Wrap(err, "bulk: cache size")
		}
		defer tx.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = `+strconv.FormatInt(cache, 10))
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER orgs_fts_insert`); err != nil {
			return apperr.Wrap(err, "bulk: suspend trigger")
		}
		if err := fn(tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO orgs_fts (rowid, search_text) SELECT id, search_text FROM orgs WHERE id > $1`, maxID); err != nil {
			return apperr.Wrap(err, "bulk: index")
		}
		_, err = tx.ExecContext(ctx, trigger)
		return apperr.Wrap(err, "bulk: restore trigger")
	})
}

// Format is a spreadsheet file format.
type Format = tabular.Format

const (
	CSV  = tabular.CSV
	XLSX = tabular.XLSX
)

// FormatOf returns the format named by a flag value, or by the extension
// of a file name when name is "".
func FormatOf(flag, file string) (Format, error) { return tabular.FormatOf(flag, file) }

// RowError is a problem with one cell or row of an imported file.
type RowError struct {
	// Line is the physical line in a CSV file (where the row starts), or
	// the row number in a sheet.
	Line int
	// Column is the 1-based column, 0 when the problem is the whole row.
	Column  int
	Field   string
	Message string
}

// ImportReport says what an import read, wrote and refused.
type ImportReport struct {
	File     string
	Format   Format
	Sheet    string // XLSX only
	Rows     int    // data rows read (blank rows are not counted)
	Invalid  int    // rows with at least one error
	Imported int
	Errors   []RowError
	Warnings []RowError
}

// Pos formats where e is: FILE:LINE:COLUMN for CSV (FILE:LINE for a whole
// row), FILE:Sheet1!D7 for XLSX (FILE:Sheet1!7:7 for a whole row).
func (r *ImportReport) Pos(e RowError) string {
	return tabular.Pos(r.Format, r.File, r.Sheet, e.Line, e.Column)
}

// Line formats one error or warning as the command line prints it:
// POSITION: field: message.
func (r *ImportReport) Line(e RowError) string {
	if e.Field == "" {
		return r.Pos(e) + ": " + e.Message
	}
	return r.Pos(e) + ": " + e.Field + ": " + e.Message
}

// ImportProgress is reported while an import runs.
type ImportProgress struct {
	Rows int64 // data rows read so far
	// Fraction of the input read, 0 to 1, when it can be known: the
	// bytes read of a CSV file of known size, or the rows read of a sheet
	// of known dimension; -1 otherwise.
	Fraction float64
	Done     bool
}

// Importer imports organizations from a CSV or XLSX file.
type Importer struct {
	Registry *Service
	Format   Format
	// Name is the file name used in the report and the audit record.
	Name string
	// Size is the input's size in bytes if known (0 if not), for progress.
	Size int64
	// SkipInvalid imports the good rows of a file with bad ones; without
	// it a single bad row means nothing is written.
	SkipInvalid bool
	// Progress, if set, is called from time to time.
	Progress func(ImportProgress)
}

// ErrInvalidFile is returned (wrapped in an apperr Invalid error) when the
// file had bad rows and nothing was imported.
var ErrInvalidFile = errors.New("the file has errors")

// importBatch is how many rows are checked against the database and
// written at a time.
const importBatch = 2000

// Import reads the file and writes its organizations. The report is
// returned even with an error: it holds every row error found. When the
// file has bad rows and SkipInvalid is not set, nothing is written and the
// error is Invalid.
func (im *Importer) Import(ctx context.Context, r io.Reader) (*ImportReport, error) {
	rep := &ImportReport{File: im.Name, Format: im.Format}
	if rep.File == "" {
		rep.File = "-"
	}
	switch im.Format {
	case CSV, "":
		rep.Format = CSV
	case XLSX:
	default:
		return rep, fmt.Errorf("unknown format %q", im.Format)
	}
	src, err := tabular.Open(r, rep.Format, im.Size)
	if err != nil {
		rep.Errors = append(rep.Errors, RowError{Line: 1, Message: "not a readable XLSX file: " + err.Error()})
		return rep, apperr.New(apperr.Invalid, "%s: not a readable XLSX file: %v", rep.File, err)
	}
	rep.Sheet = src.Sheet()
	defer src.Close()

	header, hline, err := src.Next()
	if err == io.EOF {
		rep.Errors = append(rep.Errors, RowError{Line: 1, Message: "the file is empty: want a header row of field names"})
		return rep, apperr.New(apperr.Invalid, "%s: the file is empty", rep.File)
	}
	if err != nil {
		rep.Errors = append(rep.Errors, RowError{Line: hline, Message: err.Error()})
		return rep, apperr.New(apperr.Invalid, "%s: %v", rep.File, err)
	}
	cols, herrs := parseHeader(header, hline)
	if len(herrs) > 0 {
		rep.Errors = herrs
		return rep, apperr.New(apperr.Invalid, "%s: the header row has %d error(s); nothing was imported", rep.File, len(herrs))
	}
	colOf := map[string]int{}
	for i, c := range cols {
		if c != "" {
			colOf[c] = i + 1
		}
	}

	reg := im.Registry
	seen := map[string]int{} // credit code → line of its first row
	type pending struct {
		o    *Org
		line int
	}
	var batch []pending
	progress := func(done bool) {
		if im.Progress != nil {
			im.Progress(ImportProgress{Rows: int64(rep.Rows), Fraction: src.Fraction(), Done: done})
		}
	}
	// flush checks a batch against the database and writes its rows, unless
	// the file already has errors and nothing will be kept.
	flush := func(ctx context.Context, tx *sql.Tx) error {
		if len(batch) == 0 {
			return nil
		}
		codes := make([]string, len(batch))
		for i, p := range batch {
			codes[i] = p.o.USCC
		}
		taken, err := registered(ctx, tx, codes)
		if err != nil {
			return err
		}
		orgs := make([]*Org, 0, len(batch))
		for _, p := range batch {
			if taken[p.o.USCC] {
				rep.Errors = append(rep.Errors, RowError{Line: p.line, Column: colOf["uscc"], Field: "uscc", Message: "is already registered"})
				rep.Invalid++
				continue
			}
			orgs = append(orgs, p.o)
		}
		batch = batch[:0]
		if len(rep.Errors) > 0 && !im.SkipInvalid {
			return nil
		}
		if err := reg.InsertMany(ctx, tx, orgs); err != nil {
			return err
		}
		rep.Imported += len(orgs)
		return nil
	}
	lastProgress := time.Now()
	err = reg.BulkTx(ctx, func(tx *sql.Tx) error {
		for {
			cells, line, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var rowErr *tabular.RowError
				if errors.As(err, &rowErr) {
					rep.Rows++
					rep.Invalid++
					rep.Errors = append(rep.Errors, RowError{Line: line, Message: rowErr.Msg})
					continue
				}
				return err
			}
			if tabular.Blank(cells) {
				continue
			}
			rep.Rows++
			o, errs, warning := im.row(ctx, cols, colOf, cells, line, src)
			if len(errs) == 0 {
				if first, dup := seen[o.USCC]; dup {
					errs = append(errs, RowError{Line: line, Column: colOf["uscc"], Field: "uscc", Message: fmt.Sprintf("duplicates the credit code of line %d", first)})
				} else {
					seen[o.USCC] = line
				}
			}
			if len(errs) > 0 {
				rep.Invalid++
				rep.Errors = append(rep.Errors, errs...)
				continue
			}
			if warning != "" {
				rep.Warnings = append(rep.Warnings, RowError{Line: line, Column: colOf["uscc"], Field: "uscc", Message: warning})
			}
			batch = append(batch, pending{o, line})
			if len(batch) == importBatch {
				if err := flush(ctx, tx); err != nil {
					return err
				}
			}
			if time.Since(lastProgress) > 200*time.Millisecond {
				lastProgress = time.Now()
				progress(false)
			}
		}
		if err := flush(ctx, tx); err != nil {
			return err
		}
		sortErrors(rep.Errors)
		sortErrors(rep.Warnings)
		if len(rep.Errors) > 0 && !im.SkipInvalid {
			return ErrInvalidFile
		}
		if rep.Imported == 0 {
			return nil
		}
		return audit.Record(ctx, tx, reg.DB.Now(), audit.Change{Action: "import", Entity: "org", EntityID: rep.File,
			After: map[string]any{"file": rep.File, "format": rep.Format, "rows": rep.Rows, "imported": rep.Imported, "skipped": rep.Invalid}})
	})
	progress(true)
	if errors.Is(err, ErrInvalidFile) {
		rep.Imported = 0
		return rep, apperr.New(apperr.Invalid, "%s: %d of %d row(s) have errors; nothing was imported", rep.File, rep.Invalid, rep.Rows)
	}
	if err != nil {
		rep.Imported = 0
	}
	return rep, err
}

// row builds one organization from its cells.
func (im *Importer) row(ctx context.Context, cols []string, colOf map[string]int, cells []string, line int, src *tabular.Reader) (*Org, []RowError, string) {
	var errs []RowError
	if len(cells) > len(cols) {
		for i := len(cols); i < len(cells); i++ {
			if strings.TrimSpace(cells[i]) != "" {
				return nil, []RowError{{Line: line, Column: i + 1, Message: fmt.Sprintf("has %d cells, but the header names %d columns", len(cells), len(cols))}}, ""
			}
		}
	}
	if src.Strict() && len(cells) < len(cols) {
		return nil, []RowError{{Line: line, Message: fmt.Sprintf("has %d cells, but the header names %d columns", len(cells), len(cols))}}, ""
	}
	o := NewOrg()
	for i, name := range cols {
		if i >= len(cells) {
			break
		}
		v := cells[i]
		if src.Format() == XLSX {
			v = xlsxCell(name, v)
		}
		if err := o.SetText(name, v); err != nil {
			errs = append(errs, RowError{Line: line, Column: i + 1, Field: name, Message: err.Error()})
		}
	}
	if len(errs) > 0 {
		return nil, errs, ""
	}
	warning, err := im.Registry.Prepare(ctx, &o)
	if err != nil {
		ae := apperr.As(err)
		if len(ae.Fields) == 0 {
			return nil, []RowError{{Line: line, Message: ae.Message}}, ""
		}
		for _, f := range ae.Fields {
			errs = append(errs, RowError{Line: line, Column: colOf[f.Field], Field: f.Field, Message: f.Message})
		}
		return nil, errs, ""
	}
	return &o, nil, warning
}

// parseHeader maps the header cells to field names.
func parseHeader(header []string, line int) ([]string, []RowError) {
	var errs []RowError
	cols := make([]string, len(header))
	at := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch _, known := FieldByName(name); {
		case name == "" && i == len(header)-1 && i > 0:
			// A trailing empty header cell (a trailing comma) is ignored.
			continue
		case name == "":
			errs = append(errs, RowError{Line: line, Column: i + 1, Message: "empty column name in the header row"})
		case !known:
			errs = append(errs, RowError{Line: line, Column: i + 1, Message: fmt.Sprintf("unknown column %q (the columns are the field names: %s)", clip(h), fieldNames())})
		case at[name] > 0:
			errs = append(errs, RowError{Line: line, Column: i + 1, Message: fmt.Sprintf("column %q appears twice (also column %d)", name, at[name])})
		default:
			at[name] = i + 1
			cols[i] = name
		}
	}
	for _, f := range Fields {
		if f.Required && at[f.Name] == 0 {
			errs = append(errs, RowError{Line: line, Message: fmt.Sprintf("the header has no %q column, which is required", f.Name)})
		}
	}
	return cols, errs
}

func fieldNames() string {
	ns := make([]string, len(Fields))
	for i, f := range Fields {
		ns[i] = f.Name
	}
	return strings.Join(ns, ", ")
}

func sortErrors(es []RowError) {
	slices.SortStableFunc(es, func(a, b RowError) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
}

// registered returns which of the codes are already in the database.
func registered(ctx context.Context, tx *sql.Tx, codes []string) (map[string]bool, error) {
	taken := map[string]bool{}
	for len(codes) > 0 {
		n := min(len(codes), 500)
		var a db.Args
		rows, err := tx.QueryContext(ctx, `SELECT uscc FROM orgs WHERE uscc IN (`+db.List(&a, codes[:n])+`)`, a...)
		if err != nil {
			return nil, apperr.Wrap(err, "check credit codes")
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return nil, apperr.Wrap(err, "check credit codes")
			}
			taken[c] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, apperr.Wrap(err, "check credit codes")
		}
		codes = codes[n:]
	}
	return taken, nil
}

// xlsxCell undoes what a spreadsheet does to numbers and dates: a whole
// number may be stored as 1.2E+7, and a date typed into a cell is a serial
// day number.
func xlsxCell(field, v string) string {
	f, ok := FieldByName(field)
	if !ok {
		return v
	}
	switch f.kind {
	case kInt, kRef:
		return tabular.WholeNumber(v)
	case kDate:
		return tabular.SerialDate(v)
	}
	return v
}

// Exporter writes organizations, with every field, in the columns the
// importer reads.
type Exporter struct {
	Registry *Service
	Format   Format
	// Filter selects the organizations (its Cursor and Limit are ignored).
	Filter Filter
	// Progress, if set, is called with the rows written so far.
	Progress func(rows int64)
}

// maxXLSXRows is a sheet's limit, less the header row.
const maxXLSXRows = 1_048_576 - 1

// exportPrincipal reads as an administrator: an export is made by someone
// with the database in hand, and must hold the private profile too.
var exportPrincipal = &auth.Principal{Role: auth.RoleAdmin, Email: "export"}

// Export streams the selected organizations to w, ordered by id, and
// returns how many it wrote. CSV starts with a UTF-8 byte-order mark, so
// that spreadsheet programs read the Chinese text as UTF-8.
func (ex *Exporter) Export(ctx context.Context, w io.Writer) (int64, error) {
	header := make([]string, len(Fields))
	for i, f := range Fields {
		header[i] = f.Name
	}
	var n int64
	each := func(fn func(o *Org) error) error {
		f := ex.Filter
		f.Cursor, f.Limit = "", 200
		for {
			pg, err := ex.Registry.List(ctx, exportPrincipal, f)
			if err != nil {
				return err
			}
			for i := range pg.Items {
				if err := fn(&pg.Items[i]); err != nil {
					return err
				}
				n++
			}
			if ex.Progress != nil {
				ex.Progress(n)
			}
			if pg.NextCursor == nil {
				return nil
			}
			f.Cursor = *pg.NextCursor
		}
	}
	switch ex.Format {
	case CSV, "":
		bw := bufio.NewWriterSize(w, 64<<10)
		bw.WriteString("\xEF\xBB\xBF")
		cw := csv.NewWriter(bw)
		cw.Write(header)
		rec := make([]string, len(Fields))
		err := each(func(o *Org) error {
			for i, f := range Fields {
				rec[i] = o.Text(f.Name)
			}
			return cw.Write(rec)
		})
		if err != nil {
			return n, err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
		return n, bw.Flush()
	case XLSX:
		f := excelize.NewFile()
		defer f.Close()
		sheet := f.GetSheetName(0)
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return 0, err
		}
		row := make([]any, len(Fields))
		for i, h := range header {
			row[i] = h
		}
		if err := sw.SetRow("A1", row); err != nil {
			return 0, err
		}
		line := 1
		err = each(func(o *Org) error {
			if line > maxXLSXRows {
				return apperr.New(apperr.Invalid, "more than %d organizations do not fit in one XLSX sheet: export CSV, or narrow the selection", maxXLSXRows)
			}
			line++
			for i, fd := range Fields {
				row[i] = xlsxValue(o, fd)
			}
			cell, _ := excelize.CoordinatesToCellName(1, line)
			return sw.SetRow(cell, row)
		})
		if err != nil {
			return n, err
		}
		if err := sw.Flush(); err != nil {
			return n, err
		}
		return n, f.Write(w)
	}
	return 0, fmt.Errorf("unknown format %q", ex.Format)
}

// xlsxValue is a field as a typed cell: numbers as numbers, so that a
// spreadsheet can sum them; unknown as an empty cell.
func xlsxValue(o *Org, f Field) any {
	if o.IsNull(f.Name) && f.kind != kText && f.kind != kCerts {
		return nil
	}
	switch v := f.ref(o).(type) {
	case **int64:
		return **v
	case **bool:
		return **v
	}
	return o.Text(f.Name)
}
