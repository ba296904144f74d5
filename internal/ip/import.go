package ip

// Import of assets, and optionally their listings, from CSV and XLSX. One
// row is one asset: its kind, number, titles, status, field, owner (by
// unified social credit code) and inventors, and in the same row an
// optional listing (kind, asking price or negotiable, expiry). Each row is
// checked with the rules of the API, with the API's messages, and applied
// inside one transaction, each row under its own savepoint: an asset whose
// number is recorded is updated (status, texts, field, confidential notes;
// the inventors do not change), a new one created; an active listing of the
// same kind is repriced, otherwise a listing created. As in the registry's
// import, a file with any bad row writes nothing unless the caller asks to
// skip bad rows; a dry run reports what would happen and writes nothing.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/search"
	"rainforest/internal/kernel/tabular"
	"rainforest/internal/registry"
)

// ImportColumn is a column of the import file. Its header cell may be the
// key, the Chinese label, or any text with the key as a word (the
// template writes "kind 类型").
type ImportColumn struct {
	Key, LabelZh, LabelEn string
	Required              bool
	// Example is the template's sample value.
	Example string
}

// ImportColumns are the columns an import file may have, in the
// template's order.
var ImportColumns = []ImportColumn{
	{"kind", "类型", "Kind: patent, trademark, copyright", true, "patent"},
	{"subtype", "子类", "Subtype: invention, utility_model, design (from the number if empty); software, work", false, "invention"},
	{"number", "号码", "Application or registration number", true, "201310699744.2"},
	{"nice_class", "尼斯分类", "Nice class (trademarks)", false, ""},
	{"status", "法律状态", "Legal status: filed, granted, registered, lapsed", false, "granted"},
	{"title_zh", "中文名称", "Title in Chinese", true, "一种低功耗芯片散热结构"},
	{"title_en", "英文名称", "Title in English", true, "Low-power chip heat-dissipation structure"},
	{"abstract_zh", "中文摘要", "Abstract in Chinese", false, ""},
	{"abstract_en", "英文摘要", "Abstract in English", false, ""},
	{"field", "技术领域", "Technology field", false, "electronic_information"},
	{"filed_on", "申请日", "Filed on (YYYY-MM-DD)", false, "2013-12-24"},
	{"claims", "权利要求（保密）", "Claims (confidential)", false, ""},
	{"know_how", "技术秘密（保密）", "Know-how notes (confidential)", false, ""},
	{"owner_uscc", "权利人统一社会信用代码", "Owner's unified social credit code", true, "914403001922038216"},
	{"inventors", "发明人（姓名:贡献%;…）", "Inventors: name:percent;name/English name:percent", false, "张三/Zhang San:60;李四:40"},
	{"listing_kind", "挂牌方式", "Listing: transfer, exclusive_licence, non_exclusive_licence, pledge", false, "transfer"},
	{"price_yuan", "挂牌价（元，或“面议”）", "Asking price in yuan, or negotiable", false, "1200000"},
	{"expires_on", "挂牌截止日", "Listing expires on (YYYY-MM-DD)", false, ""},
}

func importColumn(key string) (ImportColumn, bool) {
	for _, c := range ImportColumns {
		if c.Key == key {
			return c, true
		}
	}
	return ImportColumn{}, false
}

func importKeys() string {
	ks := make([]string, len(ImportColumns))
	for i, c := range ImportColumns {
		ks[i] = c.Key
	}
	return strings.Join(ks, ", ")
}

// ImportError is a problem with a cell, a row, or the whole file.
type ImportError = tabular.Problem

// Outcomes of a row.
const (
	RowCreated   = "created"
	RowUpdated   = "updated"
	RowUnchanged = "unchanged"
	RowError     = "error"
)

// RowResult is what happened to one row.
type RowResult struct {
	Line      int           `json:"line"`
	Outcome   string        `json:"outcome"`
	Number    string        `json:"number,omitempty"`
	AssetID   *int64        `json:"asset_id"`
	ListingID *int64        `json:"listing_id"`
	Listing   string        `json:"listing,omitempty"` // created, updated, unchanged or "" without one
	Errors    []ImportError `json:"errors,omitempty"`
}

// ImportReport says what an import read, wrote and refused.
type ImportReport struct {
	File        string         `json:"file"`
	Format      tabular.Format `json:"format"`
	Sheet       string         `json:"sheet,omitempty"`
	DryRun      bool           `json:"dry_run"`
	SkipInvalid bool           `json:"skip_invalid"`
	// Kept reports whether the changes were written.
	Kept            bool          `json:"kept"`
	Rows            int           `json:"rows"`
	Created         int           `json:"created"`
	Updated         int           `json:"updated"`
	Unchanged       int           `json:"unchanged"`
	Invalid         int           `json:"invalid"`
	ListingsCreated int           `json:"listings_created"`
	ListingsUpdated int           `json:"listings_updated"`
	Results         []RowResult   `json:"results"`
	Errors          []ImportError `json:"errors"` // the file's and the header's
}

// AllErrors lists the file's errors and every row's, in order.
func (r *ImportReport) AllErrors() []ImportError {
	out := slices.Clone(r.Errors)
	for _, res := range r.Results {
		out = append(out, res.Errors...)
	}
	return out
}

// Pos formats where e is: FILE:LINE:COLUMN for CSV, FILE:Sheet1!C7 for
// XLSX.
func (r *ImportReport) Pos(e ImportError) string {
	return tabular.Pos(r.Format, r.File, r.Sheet, e.Line, e.Column)
}

// Line formats an error as the command line prints it.
func (r *ImportReport) Line(e ImportError) string {
	if e.Field == "" {
		return r.Pos(e) + ": " + e.Message
	}
	return r.Pos(e) + ": " + e.Field + ": " + e.Message
}

// Importer imports assets and listings from one file.
type Importer struct {
	S *Service
	// Principal imports: members of an organization import the assets it
	// owns, officers and administrators any organization's.
	Principal *auth.Principal
	Format    tabular.Format
	// Name is the file name used in the report and the audit record.
	Name        string
	DryRun      bool
	SkipInvalid bool
}

// ErrImportInvalid is wrapped in the Invalid error of a file with bad rows
// (or a dry run that found them).
var ErrImportInvalid = errors.New("the file has errors")

// errRollback ends a dry run's transaction.
var errRollback = errors.New("dry run")

// MayImport reports whether p may import at all: members of an
// organization, officers and administrators.
func MayImport(p *auth.Principal) error {
	if p == nil {
		return apperr.New(apperr.Unauthorized, "sign in to import assets")
	}
	if p.IsAdmin() || p.IsOfficer() || len(p.Memberships) > 0 {
		return nil
	}
	return apperr.New(apperr.Forbidden, "you import the assets of your own organizations only, and you belong to none")
}

// mayImportFor: officers and administrators for any organization, members
// for their own.
func mayImportFor(p *auth.Principal, org int64) bool {
	return p.IsAdmin() || p.IsOfficer() || (p != nil && p.RoleIn(org) != "")
}

// deferred collects the listings an import writes, so that the catalog
// takes them in one batch at its end: indexing them one by one updates the
// same term rows once per listing, and on PostgreSQL every update of a row
// inside one transaction leaves a version the next must step over.
type deferred struct{ ids []int64 }

type deferKey struct{}

func deferredIndex(ctx context.Context) *deferred {
	d, _ := ctx.Value(deferKey{}).(*deferred)
	return d
}

// flush writes the collected listings' catalog entries.
func (d *deferred) flush(ctx context.Context, tx *sql.Tx) error {
	slices.Sort(d.ids)
	ids := slices.Compact(d.ids)
	for len(ids) > 0 {
		n := min(len(ids), 500)
		docs := make([]search.Doc, 0, n)
		for _, id := range ids[:n] {
			doc, err := listingDoc(ctx, tx, id)
			if err != nil {
				return err
			}
			docs = append(docs, doc)
		}
		if err := Listings.PutMany(ctx, tx, docs); err != nil {
			return err
		}
		ids = ids[n:]
	}
	d.ids = nil
	return nil
}

// Import reads the file and applies its rows. The report is returned even
// with an error and holds every problem found.
func (im *Importer) Import(ctx context.Context, r io.Reader) (*ImportReport, error) {
	rep := &ImportReport{File: im.Name, Format: im.Format, DryRun: im.DryRun, SkipInvalid: im.SkipInvalid, Results: []RowResult{}, Errors: []ImportError{}}
	if rep.File == "" {
		rep.File = "-"
	}
	if rep.Format == "" {
		rep.Format = tabular.CSV
	}
	if err := MayImport(im.Principal); err != nil {
		return rep, err
	}
	fileErr := func(line int, msg string) (*ImportReport, error) {
		rep.Errors = append(rep.Errors, ImportError{Line: line, Cell: tabular.Cell(rep.Format, line, 0), Message: msg})
		return rep, apperr.New(apperr.Invalid, "%s: %s", rep.File, msg)
	}
	src, err := tabular.Open(r, rep.Format, 0)
	if err != nil {
		return fileErr(1, "not a readable "+strings.ToUpper(string(rep.Format))+" file: "+err.Error())
	}
	defer src.Close()
	rep.Sheet = src.Sheet()
	header, hline, err := src.Next()
	if err == io.EOF {
		return fileErr(1, "the file is empty: want a header row of column names")
	}
	if err != nil {
		return fileErr(max(hline, 1), err.Error())
	}
	cols, herrs := parseImportHeader(header)
	if len(herrs) > 0 {
		for _, e := range herrs {
			e.Line = hline
			e.Cell = tabular.Cell(rep.Format, hline, e.Column)
			rep.Errors = append(rep.Errors, e)
		}
		return rep, apperr.New(apperr.Invalid, "%s: the header row has %d error(s); nothing was imported", rep.File, len(herrs))
	}
	colOf := map[string]int{}
	for i, c := range cols {
		if c != "" {
			colOf[c] = i + 1
		}
	}
	xlsx := src.Format() == tabular.XLSX
	today := im.S.today()
	seen := map[string]int{} // kind/subtype/number → line of its first row
	idx := &deferred{}
	ctx = context.WithValue(ctx, deferKey{}, idx)
	err = im.S.DB.Tx(ctx, func(tx *sql.Tx) error {
		for {
			cells, line, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var re *tabular.RowError
				if !errors.As(err, &re) {
					return err
				}
				rep.Rows++
				rep.Invalid++
				rep.Results = append(rep.Results, RowResult{Line: line, Outcome: RowError,
					Errors: []ImportError{{Line: line, Cell: tabular.Cell(rep.Format, line, 0), Message: re.Msg}}})
				continue
			}
			if tabular.Blank(cells) {
				continue
			}
			rep.Rows++
			indexed := len(idx.ids)
			res, err := im.row(ctx, tx, cols, colOf, cells, line, !src.Strict(), xlsx, today, seen)
			if err != nil {
				return err
			}
			if res.Outcome == RowError {
				idx.ids = idx.ids[:indexed] // rolled back with the row
			}
			res.Line = line
			for i := range res.Errors {
				res.Errors[i].Line = line
				res.Errors[i].Cell = tabular.Cell(rep.Format, line, res.Errors[i].Column)
			}
			switch res.Outcome {
			case RowCreated:
				rep.Created++
			case RowUpdated:
				rep.Updated++
			case RowUnchanged:
				rep.Unchanged++
			default:
				rep.Invalid++
			}
			switch res.Listing {
			case RowCreated:
				rep.ListingsCreated++
			case RowUpdated:
				rep.ListingsUpdated++
			}
			rep.Results = append(rep.Results, res)
		}
		if rep.Invalid > 0 && !im.SkipInvalid {
			return ErrImportInvalid
		}
		if im.DryRun {
			return errRollback
		}
		if err := idx.flush(ctx, tx); err != nil {
			return err
		}
		if rep.Created+rep.Updated == 0 {
			return nil
		}
		return audit.Record(ctx, tx, im.S.DB.Now(), audit.Change{Action: "import", Entity: "ip_asset", EntityID: rep.File,
			After: map[string]any{"file": rep.File, "format": rep.Format, "rows": rep.Rows, "created": rep.Created, "updated": rep.Updated,
				"unchanged": rep.Unchanged, "skipped": rep.Invalid, "listings_created": rep.ListingsCreated, "listings_updated": rep.ListingsUpdated}})
	})
	switch {
	case errors.Is(err, ErrImportInvalid):
		return rep, &apperr.Error{Code: apperr.Invalid, Err: ErrImportInvalid,
			Message: fmt.Sprintf("%s: %d of %d row(s) have errors; nothing was imported", rep.File, rep.Invalid, rep.Rows)}
	case errors.Is(err, errRollback):
		return rep, nil
	case err != nil:
		return rep, err
	}
	rep.Kept = true
	return rep, nil
}

// importRow is a row's cells as the API's inputs.
type importRow struct {
	Asset     AssetInput
	OwnerUSCC string
	// Inventors is whether the inventors cell has text.
	Inventors bool
	// Listing is nil when the row's listing cells are empty.
	Listing *ListingInput
	// Present are the columns the file has.
	Present map[string]bool
}

var (
	priceSpace = strings.NewReplacer(",", "", "，", "", " ", "", "元", "", "¥", "", "￥", "")
	inventorRe = regexp.MustCompile(`^(.*)[:：]\s*([^:：]*)$`)
)

// parseImportRow turns a row's cells into the API's inputs: the parts that
// are text go as they are (the API's checks judge them), numbers and the
// inventors' list are parsed here. Errors carry their 1-based column.
func parseImportRow(cols []string, cells []string, xlsx bool) (importRow, []ImportError) {
	row := importRow{Present: map[string]bool{}}
	var errs []ImportError
	bad := func(col int, field, msg string) {
		errs = append(errs, ImportError{Column: col, Field: field, Message: msg})
	}
	var kind, price, expires string
	for i, key := range cols {
		if key == "" {
			continue
		}
		row.Present[key] = true
		if i >= len(cells) {
			continue
		}
		v := strings.TrimSpace(cells[i])
		if xlsx {
			switch key {
			case "nice_class", "price_yuan":
				v = tabular.WholeNumber(v)
			case "filed_on", "expires_on":
				v = tabular.SerialDate(v)
			}
		}
		col := i + 1
		a := &row.Asset
		switch key {
		case "kind":
			a.Kind = v
		case "subtype":
			a.Subtype = v
		case "number":
			a.Number = v
		case "nice_class":
			if v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					bad(col, key, "must be a Nice class from 1 to 45")
					continue
				}
				a.NiceClass = &n
			}
		case "status":
			a.Status = v
		case "title_zh":
			a.TitleZh = v
		case "title_en":
			a.TitleEn = v
		case "abstract_zh":
			a.AbstractZh = cells[i]
		case "abstract_en":
			a.AbstractEn = cells[i]
		case "claims":
			a.Claims = cells[i]
		case "know_how":
			a.KnowHow = cells[i]
		case "field":
			a.Field = v
		case "filed_on":
			if v != "" {
				a.FiledOn = &v
			}
		case "owner_uscc":
			row.OwnerUSCC = v
		case "inventors":
			row.Inventors = v != ""
			for j, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' || r == '\n' }) {
				item = strings.TrimSpace(item)
				if item == "" {
					continue
				}
				m := inventorRe.FindStringSubmatch(item)
				if m == nil {
					bad(col, "inventors", fmt.Sprintf(`write each inventor as name:percent, separated by ";" (inventor %d is %q)`, j+1, tabular.Clip(item)))
					break
				}
				pct, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(m[2]), "%"), 64)
				if err != nil {
					bad(col, "inventors", fmt.Sprintf("the percent of inventor %d must be a number, not %q", j+1, tabular.Clip(m[2])))
					break
				}
				zh, en, _ := strings.Cut(m[1], "/")
				a.Inventors = append(a.Inventors, struct {
					PersonID *int64  `json:"person_id"`
					NameZh   string  `json:"name_zh"`
					NameEn   string  `json:"name_en"`
					SharePct float64 `json:"share_pct"`
				}{NameZh: zh, NameEn: en, SharePct: pct})
			}
		case "listing_kind":
			kind = v
		case "price_yuan":
			price = v
		case "expires_on":
			expires = v
		}
	}
	if kind != "" || price != "" || expires != "" {
		l := &ListingInput{Kind: kind}
		switch p := strings.ToLower(priceSpace.Replace(price)); p {
		case "":
		case "negotiable", "面议":
			l.Negotiable = true
		default:
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				bad(slices.Index(cols, "price_yuan")+1, "price_yuan", `must be a whole number of yuan, or "negotiable" (面议)`)
			} else {
				l.PriceYuan = &n
			}
		}
		if expires != "" {
			l.ExpiresOn = &expires
		}
		row.Listing = l
	}
	return row, errs
}

// fieldColumn is the column an API field's error belongs to.
func fieldColumn(field string, listing bool) string {
	if listing {
		switch field {
		case "kind", "asset_id":
			return "listing_kind"
		}
		return field
	}
	switch {
	case field == "owner_org_id":
		return "owner_uscc"
	case strings.HasPrefix(field, "inventors"):
		return "inventors"
	}
	return field
}

// apiErrors turns an API error into the row's errors, on the columns of
// their fields; ok is false for an error that is not the input's fault.
func apiErrors(err error, colOf map[string]int, listing bool) ([]ImportError, bool) {
	ae := apperr.As(err)
	switch ae.Code {
	case apperr.Invalid, apperr.Conflict, apperr.Forbidden, apperr.NotFound:
	default:
		return nil, false
	}
	if len(ae.Fields) == 0 {
		return []ImportError{{Message: ae.Message}}, true
	}
	var out []ImportError
	for _, f := range ae.Fields {
		field := f.Field
		if listing && (field == "kind" || field == "asset_id") {
			field = "listing_kind"
		}
		out = append(out, ImportError{Column: colOf[fieldColumn(f.Field, listing)], Field: field, Message: f.Message})
	}
	return out, true
}

// row checks and applies one row under a savepoint. The error is for
// failures that end the import; the row's own problems are in the result.
func (im *Importer) row(ctx context.Context, tx *sql.Tx, cols []string, colOf map[string]int, cells []string, line int, lenient, xlsx bool, today string, seen map[string]int) (RowResult, error) {
	res := RowResult{Outcome: RowError}
	fail := func(errs ...ImportError) (RowResult, error) {
		res.Outcome, res.Listing, res.AssetID, res.ListingID = RowError, "", nil, nil
		res.Errors = append(res.Errors, errs...)
		return res, nil
	}
	for i := len(cols); i < len(cells); i++ {
		if strings.TrimSpace(cells[i]) != "" {
			return fail(ImportError{Column: i + 1, Message: fmt.Sprintf("has %d cells, but the header names %d columns", len(cells), len(cols))})
		}
	}
	if !lenient && len(cells) < len(cols) {
		return fail(ImportError{Message: fmt.Sprintf("has %d cells, but the header names %d columns", len(cells), len(cols))})
	}
	row, errs := parseImportRow(cols, cells, xlsx)
	in := &row.Asset
	res.Number = strings.TrimSpace(in.Number)

	// The owner, by its credit code.
	ownerOK := false
	if code, _, err := registry.ValidateUSCC(row.OwnerUSCC); err != nil {
		errs = append(errs, ImportError{Column: colOf["owner_uscc"], Field: "owner_uscc", Message: err.Error()})
	} else if err := tx.QueryRowContext(ctx, `SELECT id FROM orgs WHERE uscc = $1`, code).Scan(&in.OwnerOrgID); errors.Is(err, sql.ErrNoRows) {
		errs = append(errs, ImportError{Column: colOf["owner_uscc"], Field: "owner_uscc", Message: "is not a registered organization"})
	} else if err != nil {
		return res, apperr.Wrap(err, "owner")
	} else if !mayImportFor(im.Principal, in.OwnerOrgID) {
		errs = append(errs, ImportError{Column: colOf["owner_uscc"], Field: "owner_uscc", Message: "you record assets for your own organizations only"})
	} else {
		ownerOK = true
	}
	if err := in.normalize(); err != nil {
		es, ok := apiErrors(err, colOf, false)
		if !ok {
			return res, err
		}
		for _, e := range es {
			if e.Field == "owner_org_id" && !ownerOK {
				continue
			}
			errs = append(errs, e)
		}
	}
	if row.Listing != nil {
		row.Listing.AssetID = 1 // the asset is known below
		if err := row.Listing.normalize(today); err != nil {
			es, ok := apiErrors(err, colOf, true)
			if !ok {
				return res, err
			}
			errs = append(errs, es...)
		}
	}
	if len(errs) > 0 {
		// A cell that could not be read is not judged again by the API's
		// checks: one message per field, the first.
		var once []ImportError
		for _, e := range errs {
			if e.Field == "" || !slices.ContainsFunc(once, func(o ImportError) bool { return o.Field == e.Field }) {
				once = append(once, e)
			}
		}
		return fail(sortImportErrors(once)...)
	}
	res.Number = in.Number
	key := in.Kind + "/" + in.Subtype + "/" + in.Number
	if first, dup := seen[key]; dup {
		return fail(ImportError{Column: colOf["number"], Field: "number", Message: fmt.Sprintf("repeats the number of line %d", first)})
	}
	seen[key] = line

	if _, err := tx.ExecContext(ctx, `SAVEPOINT ip_import_row`); err != nil {
		return res, apperr.Wrap(err, "savepoint")
	}
	rowErrs, err := im.apply(ctx, tx, &row, colOf, &res)
	if err == nil && len(rowErrs) > 0 {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT ip_import_row`); err != nil {
			return res, apperr.Wrap(err, "rollback to savepoint")
		}
	}
	if err != nil {
		return res, err
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT ip_import_row`); err != nil {
		return res, apperr.Wrap(err, "release savepoint")
	}
	if len(rowErrs) > 0 {
		return fail(rowErrs...)
	}
	return res, nil
}

// apply writes a checked row: the asset created or updated, then its
// listing. Problems that are the row's come back as errors on its cells.
func (im *Importer) apply(ctx context.Context, tx *sql.Tx, row *importRow, colOf map[string]int, res *RowResult) ([]ImportError, error) {
	s, in := im.S, &row.Asset
	now := s.DB.Now()
	may := func(a *Asset) bool { return mayImportFor(im.Principal, a.OwnerOrgID) }
	wrap := func(err error, listing bool) ([]ImportError, error) {
		if es, ok := apiErrors(err, colOf, listing); ok {
			return es, nil
		}
		return nil, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM ip_assets WHERE kind = $1 AND subtype = $2 AND number = $3`, in.Kind, in.Subtype, in.Number).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if in.Documents == nil {
			in.Documents = []Document{}
		}
		if id, err = insertAsset(ctx, tx, in, now); err != nil {
			return wrap(err, false)
		}
		res.Outcome = RowCreated
	case err != nil:
		return nil, apperr.Wrap(err, "asset number")
	default:
		a, err := loadAsset(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if a.OwnerOrgID != in.OwnerOrgID {
			return []ImportError{{Column: colOf["number"], Field: "number", Message: fmt.Sprintf("is already recorded for another organization (asset %d)", id)}}, nil
		}
		if row.Inventors && !sameInventors(a.Inventors, in) {
			return []ImportError{{Column: colOf["inventors"], Field: "inventors", Message: fmt.Sprintf("differ from those recorded for asset %d, which do not change", id)}}, nil
		}
		patch, changed := assetPatch(&a, row)
		res.Outcome = RowUnchanged
		if changed {
			if err := updateAsset(ctx, tx, may, id, patch, now); err != nil {
				return wrap(err, false)
			}
			res.Outcome = RowUpdated
		}
	}
	res.AssetID = &id
	if row.Listing == nil {
		return nil, nil
	}
	return im.applyListing(ctx, tx, id, row.Listing, colOf, res, now)
}

// assetPatch is the change an existing asset takes from a row: the
// columns the file has, when their text differs.
func assetPatch(a *Asset, row *importRow) (AssetPatch, bool) {
	var p AssetPatch
	in := &row.Asset
	changed := false
	set := func(col string, cur, v string, dst **string) {
		if !row.Present[col] || v == cur || (col == "status" && v == "") {
			return
		}
		v2 := v
		*dst = &v2
		changed = true
	}
	set("status", a.Status, in.Status, &p.Status)
	set("title_zh", a.TitleZh, in.TitleZh, &p.TitleZh)
	set("title_en", a.TitleEn, in.TitleEn, &p.TitleEn)
	set("abstract_zh", a.AbstractZh, in.AbstractZh, &p.AbstractZh)
	set("abstract_en", a.AbstractEn, in.AbstractEn, &p.AbstractEn)
	set("field", a.Field, in.Field, &p.Field)
	if a.Confidential != nil {
		set("claims", a.Confidential.Claims, in.Claims, &p.Claims)
		set("know_how", a.Confidential.KnowHow, in.KnowHow, &p.KnowHow)
	}
	return p, changed
}

func sameInventors(have []Inventor, in *AssetInput) bool {
	if len(have) != len(in.Inventors) {
		return false
	}
	for i, v := range in.Inventors {
		bp, _ := pctToBP(v.SharePct)
		if have[i].NameZh != v.NameZh || bp != have[i].ShareBP || (v.NameEn != "" && v.NameEn != have[i].NameEn) {
			return false
		}
	}
	return true
}

// applyListing creates the row's listing, or reprices the asset's active
// listing of the same kind.
func (im *Importer) applyListing(ctx context.Context, tx *sql.Tx, assetID int64, in *ListingInput, colOf map[string]int, res *RowResult, now time.Time) ([]ImportError, error) {
	s := im.S
	wrap := func(err error) ([]ImportError, error) {
		if es, ok := apiErrors(err, colOf, true); ok {
			return es, nil
		}
		return nil, err
	}
	a, err := loadAsset(ctx, tx, assetID)
	if err != nil {
		return nil, err
	}
	if a.Status == "lapsed" {
		return []ImportError{{Column: colOf["listing_kind"], Field: "listing_kind", Message: "has lapsed and cannot be listed"}}, nil
	}
	if err := s.checkFree(ctx, tx, a.ID, "asset_id"); err != nil {
		return wrap(err)
	}
	in.AssetID = a.ID
	var price *int64
	if in.PriceYuan != nil {
		f := *in.PriceYuan * 100
		price = &f
	}
	var lid int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM ip_listings WHERE asset_id = $1 AND kind = $2 AND status = 'active'`, a.ID, in.Kind).Scan(&lid)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Wrap(err, "listings of asset")
	}
	if err == nil {
		l, err := getListing(ctx, tx, lid)
		if err != nil {
			return nil, err
		}
		samePrice := (price == nil) == (l.PriceFen == nil) && (price == nil || *price == *l.PriceFen)
		sameExpiry := in.ExpiresOn == nil || *in.ExpiresOn == l.ExpiresOn
		res.ListingID, res.Listing = &lid, RowUnchanged
		if samePrice && sameExpiry {
			return nil, nil
		}
		err = changeListing(ctx, tx, func(org int64) bool { return mayImportFor(im.Principal, org) }, lid, "update", now, func(_ *sql.Tx, l *listingRow) error {
			l.PriceFen, l.Negotiable = price, price == nil
			if in.ExpiresOn != nil {
				l.ExpiresOn = *in.ExpiresOn
			}
			return nil
		})
		if err != nil {
			return wrap(err)
		}
		res.Listing = RowUpdated
		if res.Outcome == RowUnchanged {
			res.Outcome = RowUpdated
		}
		return nil, nil
	}
	if in.TitleZh == "" {
		in.TitleZh = a.TitleZh
	}
	if in.TitleEn == "" {
		in.TitleEn = a.TitleEn
	}
	if in.ExpiresOn == nil {
		d, _ := time.Parse(time.DateOnly, s.today())
		e := d.AddDate(0, 0, DefaultListingFor).Format(time.DateOnly)
		in.ExpiresOn = &e
	}
	var district sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT registered_district FROM orgs WHERE id = $1`, a.OwnerOrgID).Scan(&district); err != nil {
		return nil, apperr.Wrap(err, "owner district")
	}
	if lid, err = insertListing(ctx, tx, &a, district.String, *in, price, now); err != nil {
		return wrap(err)
	}
	res.ListingID, res.Listing = &lid, RowCreated
	if res.Outcome == RowUnchanged {
		res.Outcome = RowUpdated
	}
	return nil, nil
}

// parseImportHeader maps the header cells to column keys.
func parseImportHeader(header []string) ([]string, []ImportError) {
	var errs []ImportError
	cols := make([]string, len(header))
	at := map[string]int{}
	for i, h := range header {
		key := headerKey(h)
		switch {
		case strings.TrimSpace(h) == "" && i == len(header)-1 && i > 0:
			continue // a trailing comma
		case strings.TrimSpace(h) == "":
			errs = append(errs, ImportError{Column: i + 1, Message: "empty column name in the header row"})
		case key == "":
			errs = append(errs, ImportError{Column: i + 1, Message: fmt.Sprintf("unknown column %q (the columns are %s)", tabular.Clip(h), importKeys())})
		case at[key] > 0:
			errs = append(errs, ImportError{Column: i + 1, Message: fmt.Sprintf("column %q appears twice (also column %d)", key, at[key])})
		default:
			at[key] = i + 1
			cols[i] = key
		}
	}
	for _, c := range ImportColumns {
		if c.Required && at[c.Key] == 0 {
			errs = append(errs, ImportError{Message: fmt.Sprintf("the header has no %q column, which is required", c.Key)})
		}
	}
	return cols, errs
}

var headerWord = regexp.MustCompile(`[a-z_]+`)

// headerKey finds the column a header cell names: its key, its Chinese
// label, or its key among other words ("number 号码").
func headerKey(h string) string {
	v := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
	for _, c := range ImportColumns {
		if v == c.Key || v == c.LabelZh {
			return c.Key
		}
	}
	for _, w := range headerWord.FindAllString(v, -1) {
		if _, ok := importColumn(w); ok {
			return w
		}
	}
	return ""
}

func sortImportErrors(es []ImportError) []ImportError {
	slices.SortStableFunc(es, func(a, b ImportError) int { return a.Column - b.Column })
	return es
}

// Template is the import file's header (bilingual) and a sample row.
func Template() [][]string {
	head := make([]string, len(ImportColumns))
	sample := make([]string, len(ImportColumns))
	for i, c := range ImportColumns {
		head[i] = c.Key + " " + c.LabelZh
		sample[i] = c.Example
	}
	return [][]string{head, sample}
}
