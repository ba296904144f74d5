package transfer

// Import of achievements or needs from CSV and XLSX, one kind per file.
// Each row is checked with the rules and messages of the API (the inputs'
// normalize) and written by the API's own write path, inside one
// transaction, each row under its own savepoint. The identity of a row is
// its owner and Chinese title: a record with both is updated (or left
// unchanged when the row says nothing new), otherwise one is created. As
// in the IP import, a file with any bad row writes nothing unless the
// caller asks to skip bad rows; a dry run reports what would happen and
// writes nothing.

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

	"rainforest/internal/ip/ipnum"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/tabular"
	"rainforest/internal/registry"
)

// Import kinds: one kind of record per file.
const (
	ImportAchievements = "achievements"
	ImportNeeds        = "needs"
)

// ImportKinds are the kinds a file may hold.
var ImportKinds = []string{ImportAchievements, ImportNeeds}

// ImportColumn is a column of an import file. Its header cell may be the
// key, the Chinese label, or any text with the key as a word (the
// template writes "title_zh 中文名称").
type ImportColumn struct {
	Key, LabelZh, LabelEn string
	Required              bool
	// Example is the template's sample value.
	Example string
}

// AchievementColumns and NeedColumns are the columns of each kind's file,
// in the template's order.
var (
	AchievementColumns = []ImportColumn{
		{"owner_uscc", "所有人统一社会信用代码", "Owner's unified social credit code", true, "914403001922038216"},
		{"title_zh", "中文名称", "Title in Chinese", true, "低功耗边缘计算芯片"},
		{"title_en", "英文名称", "Title in English", false, "Low-power edge computing chip"},
		{"summary_zh", "中文简介", "Summary in Chinese", false, ""},
		{"summary_en", "英文简介", "Summary in English", false, ""},
		{"keywords", "关键词", "Keywords", false, "芯片 edge"},
		{"field", "技术领域", "Technology field", true, "electronic_information"},
		{"trl", "技术成熟度（1-9）", "Technology readiness level, 1 to 9", true, "6"},
		{"modes", "交易方式（transfer;licence;equity;joint_development）", "Trade modes separated by ;", true, "licence;transfer"},
		{"price_yuan", "价格（元，空为面议）", "Asking price in yuan, empty for negotiable", false, "800000"},
		{"asset_numbers", "知识产权号码（;分隔）", "Patent or copyright numbers of the owner's IP assets, separated by ;", false, ""},
		{"status", "状态", "Status: published, withdrawn", false, "published"},
	}
	NeedColumns = []ImportColumn{
		{"owner_uscc", "所有人统一社会信用代码", "Owner's unified social credit code", true, "914403001922038216"},
		{"title_zh", "中文名称", "Title in Chinese", true, "车规级芯片散热方案"},
		{"title_en", "英文名称", "Title in English", false, "Heat dissipation for automotive chips"},
		{"problem_zh", "中文问题描述", "Problem in Chinese", false, ""},
		{"problem_en", "英文问题描述", "Problem in English", false, ""},
		{"keywords", "关键词", "Keywords", false, "散热 thermal"},
		{"field", "技术领域", "Technology field", true, "electronic_information"},
		{"min_trl", "最低成熟度（1-9）", "Lowest readiness level wanted, 1 to 9", false, "4"},
		{"modes", "交易方式（transfer;licence;equity;joint_development）", "Trade modes separated by ;", true, "joint_development"},
		{"budget_yuan", "预算（元，空为不限）", "Budget in yuan, empty for open", false, "500000"},
		{"deadline", "截止日期", "Deadline (YYYY-MM-DD)", false, ""},
		{"status", "状态", "Status: open, solved, withdrawn", false, "open"},
	}
)

// ImportColumnsOf returns the columns of kind's file, nil for an unknown
// kind.
func ImportColumnsOf(kind string) []ImportColumn {
	switch kind {
	case ImportAchievements:
		return AchievementColumns
	case ImportNeeds:
		return NeedColumns
	}
	return nil
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
	Line    int    `json:"line"`
	Outcome string `json:"outcome"`
	TitleZh string `json:"title_zh,omitempty"`
	// ID is the achievement's or need's id (nil for a bad row; in a dry
	// run, the id the row would have had or has).
	ID     *int64        `json:"id"`
	Errors []ImportError `json:"errors,omitempty"`
}

// ImportReport says what an import read, wrote and refused.
type ImportReport struct {
	File        string         `json:"file"`
	Kind        string         `json:"kind"`
	Format      tabular.Format `json:"format"`
	Sheet       string         `json:"sheet,omitempty"`
	DryRun      bool           `json:"dry_run"`
	SkipInvalid bool           `json:"skip_invalid"`
	// Kept reports whether the changes were written.
	Kept      bool          `json:"kept"`
	Rows      int           `json:"rows"`
	Created   int           `json:"created"`
	Updated   int           `json:"updated"`
	Unchanged int           `json:"unchanged"`
	Invalid   int           `json:"invalid"`
	Results   []RowResult   `json:"results"`
	Errors    []ImportError `json:"errors"` // the file's and the header's
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

// Importer imports achievements or needs from one file.
type Importer struct {
	S *Service
	// Principal imports: members of an organization for it, officers and
	// administrators for any organization.
	Principal *auth.Principal
	// Kind is achievements or needs.
	Kind   string
	Format tabular.Format
	// Name is the file name used in the report and the audit record.
	Name        string
	DryRun      bool
	SkipInvalid bool
}

// ErrImportInvalid is wrapped in the Invalid error of a file with bad rows.
var ErrImportInvalid = errors.New("the file has errors")

var errRollback = errors.New("dry run")

// MayImport reports whether p may import at all: members of an
// organization, officers and administrators.
func MayImport(p *auth.Principal) error {
	if p == nil {
		return apperr.New(apperr.Unauthorized, "sign in to import achievements and needs")
	}
	if p.IsAdmin() || p.IsOfficer() || len(p.Memberships) > 0 {
		return nil
	}
	return apperr.New(apperr.Forbidden, "you import for your own organizations only, and you belong to none")
}

// mayImportFor: officers and administrators for any organization, members
// for their own.
func mayImportFor(p *auth.Principal, org int64) bool {
	return p.IsAdmin() || p.IsOfficer() || (p != nil && p.RoleIn(org) != "")
}

// Import reads the file and applies its rows. The report is returned even
// with an error and holds every problem found.
func (im *Importer) Import(ctx context.Context, r io.Reader) (*ImportReport, error) {
	rep := &ImportReport{File: im.Name, Kind: im.Kind, Format: im.Format, DryRun: im.DryRun, SkipInvalid: im.SkipInvalid, Results: []RowResult{}, Errors: []ImportError{}}
	if rep.File == "" {
		rep.File = "-"
	}
	if rep.Format == "" {
		rep.Format = tabular.CSV
	}
	if err := MayImport(im.Principal); err != nil {
		return rep, err
	}
	columns := ImportColumnsOf(im.Kind)
	if columns == nil {
		return rep, apperr.Field("kind", "%s", "must be one of "+strings.Join(ImportKinds, ", "))
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
	cols, herrs := parseImportHeader(columns, header)
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
	seen := map[string]int{}
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
			res, err := im.row(ctx, tx, cols, colOf, cells, line, !src.Strict(), xlsx, today, seen)
			if err != nil {
				return err
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
			rep.Results = append(rep.Results, res)
		}
		if rep.Invalid > 0 && !im.SkipInvalid {
			return ErrImportInvalid
		}
		if im.DryRun {
			return errRollback
		}
		if rep.Created+rep.Updated == 0 {
			return nil
		}
		entity := "transfer_achievement"
		if im.Kind == ImportNeeds {
			entity = "transfer_need"
		}
		return audit.Record(ctx, tx, im.S.DB.Now(), audit.Change{Action: "import", Entity: entity, EntityID: rep.File,
			After: map[string]any{"file": rep.File, "kind": rep.Kind, "format": rep.Format, "rows": rep.Rows, "created": rep.Created,
				"updated": rep.Updated, "unchanged": rep.Unchanged, "skipped": rep.Invalid}})
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

// importRow is a row's cells as the API's inputs. Only one of Achievement
// and Need is used, by the file's kind.
type importRow struct {
	Achievement AchievementInput
	Need        NeedInput
	OwnerUSCC   string
	// Assets are the asset numbers as written.
	Assets []string
	// Present are the columns the file has.
	Present map[string]bool
}

var moneySpace = strings.NewReplacer(",", "", "，", "", " ", "", "元", "", "¥", "", "￥", "")

func splitList(v string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' || r == ',' || r == '，' || r == '\n' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseImportRow turns a row's cells into the API's input for kind: text
// goes as it is (the API's checks judge it), numbers and lists are parsed
// here. Errors carry their 1-based column.
func parseImportRow(kind string, cols []string, cells []string, xlsx bool) (importRow, []ImportError) {
	row := importRow{Present: map[string]bool{}}
	var errs []ImportError
	bad := func(col int, field, msg string) {
		errs = append(errs, ImportError{Column: col, Field: field, Message: msg})
	}
	a, n := &row.Achievement, &row.Need
	need := kind == ImportNeeds
	for i, key := range cols {
		if key == "" {
			continue
		}
		row.Present[key] = true
		if i >= len(cells) {
			continue
		}
		raw := cells[i]
		v := strings.TrimSpace(raw)
		if xlsx {
			switch key {
			case "trl", "min_trl", "price_yuan", "budget_yuan":
				v = tabular.WholeNumber(v)
			case "deadline":
				v = tabular.SerialDate(v)
			}
		}
		col := i + 1
		switch key {
		case "owner_uscc":
			row.OwnerUSCC = v
		case "title_zh":
			a.TitleZh, n.TitleZh = v, v
		case "title_en":
			a.TitleEn, n.TitleEn = v, v
		case "summary_zh":
			a.SummaryZh = raw
		case "summary_en":
			a.SummaryEn = raw
		case "problem_zh":
			n.ProblemZh = raw
		case "problem_en":
			n.ProblemEn = raw
		case "keywords":
			a.Keywords, n.Keywords = v, v
		case "field":
			a.Field, n.Field = v, v
		case "trl", "min_trl":
			if v == "" {
				continue
			}
			l, err := strconv.Atoi(v)
			if err != nil {
				bad(col, key, "must be a technology readiness level from 1 to 9")
				continue
			}
			a.TRL, n.MinTRL = l, l
		case "modes":
			ms := splitList(v)
			if ms == nil {
				ms = []string{}
			}
			a.Modes, n.Modes = ms, ms
		case "price_yuan", "budget_yuan":
			switch p := strings.ToLower(moneySpace.Replace(v)); p {
			case "", "negotiable", "面议", "open", "不限":
			default:
				y, err := strconv.ParseInt(p, 10, 64)
				if err != nil {
					bad(col, key, "must be a whole number of yuan from 1 to 100,000,000,000, or empty for negotiable")
					continue
				}
				a.PriceYuan, n.BudgetYuan = &y, &y
			}
		case "asset_numbers":
			row.Assets = splitList(v)
		case "deadline":
			if v != "" {
				n.Deadline = &v
			}
		case "status":
			a.Status, n.Status = v, v
		}
	}
	if need {
		row.Achievement = AchievementInput{}
	} else {
		row.Need = NeedInput{}
	}
	return row, errs
}

// fieldColumn is the column an API field's error belongs to.
func fieldColumn(field string) string {
	switch {
	case field == "owner_org_id":
		return "owner_uscc"
	case strings.HasPrefix(field, "asset_ids"):
		return "asset_numbers"
	case strings.HasPrefix(field, "modes"):
		return "modes"
	}
	return field
}

// apiErrors turns an API error into the row's errors, on the columns of
// their fields; ok is false for an error that is not the input's fault.
func apiErrors(err error, colOf map[string]int) ([]ImportError, bool) {
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
		col := fieldColumn(f.Field)
		out = append(out, ImportError{Column: colOf[col], Field: col, Message: f.Message})
	}
	return out, true
}

// row checks and applies one row under a savepoint. The error is for
// failures that end the import; the row's own problems are in the result.
func (im *Importer) row(ctx context.Context, tx *sql.Tx, cols []string, colOf map[string]int, cells []string, line int, lenient, xlsx bool, today string, seen map[string]int) (RowResult, error) {
	res := RowResult{Outcome: RowError}
	fail := func(errs ...ImportError) (RowResult, error) {
		res.Outcome, res.ID = RowError, nil
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
	row, errs := parseImportRow(im.Kind, cols, cells, xlsx)
	need := im.Kind == ImportNeeds
	title := strings.TrimSpace(row.Achievement.TitleZh)
	if need {
		title = strings.TrimSpace(row.Need.TitleZh)
	}
	res.TitleZh = title

	// The owner, by its credit code.
	var owner int64
	if code, _, err := registry.ValidateUSCC(row.OwnerUSCC); err != nil {
		errs = append(errs, ImportError{Column: colOf["owner_uscc"], Field: "owner_uscc", Message: err.Error()})
	} else if err := tx.QueryRowContext(ctx, `SELECT id FROM orgs WHERE uscc = $1`, code).Scan(&owner); errors.Is(err, sql.ErrNoRows) {
		errs = append(errs, ImportError{Column: colOf["owner_uscc"], Field: "owner_uscc", Message: "is not a registered organization"})
	} else if err != nil {
		return res, apperr.Wrap(err, "owner")
	} else if !mayImportFor(im.Principal, owner) {
		owner = 0
		errs = append(errs, ImportError{Column: colOf["owner_uscc"], Field: "owner_uscc", Message: "you import for your own organizations only"})
	}

	// The record the row updates, if any: the same owner and Chinese title.
	var existing int64
	if owner > 0 && title != "" {
		table := "transfer_achievements"
		if need {
			table = "transfer_needs"
		}
		err := tx.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE owner_org_id = $1 AND title_zh = $2 ORDER BY id LIMIT 1`, owner, title).Scan(&existing)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return res, apperr.Wrap(err, "existing record")
		}
	}

	// The asset numbers, as the owner's assets.
	if !need && owner > 0 {
		for _, num := range row.Assets {
			id, err := ownerAsset(ctx, tx, owner, num)
			if err != nil {
				return res, err
			}
			if id == 0 {
				errs = append(errs, ImportError{Column: colOf["asset_numbers"], Field: "asset_numbers", Message: fmt.Sprintf("%q is not an IP asset of the owner organization", tabular.Clip(num))})
				break
			}
			row.Achievement.AssetIDs = append(row.Achievement.AssetIDs, id)
		}
	}

	var amount *int64
	var before any
	if need {
		in := &row.Need
		in.OwnerOrgID = max(owner, 1)
		if existing > 0 {
			old, err := loadNeed(ctx, tx, existing)
			if err != nil {
				return res, err
			}
			keepNeed(in, &old, row.Present, today)
			before = old
		}
		b, err := in.normalize(today)
		if err != nil {
			if es, ok := apiErrors(err, colOf); ok {
				errs = append(errs, es...)
			} else {
				return res, err
			}
		}
		in.OwnerOrgID, amount = owner, b
	} else {
		in := &row.Achievement
		in.OwnerOrgID = max(owner, 1)
		if existing > 0 {
			old, err := loadAchievement(ctx, tx, existing)
			if err != nil {
				return res, err
			}
			keepAchievement(in, &old, row.Present)
			before = old
		}
		p, err := in.normalize()
		if err != nil {
			if es, ok := apiErrors(err, colOf); ok {
				errs = append(errs, es...)
			} else {
				return res, err
			}
		}
		in.OwnerOrgID, amount = owner, p
	}
	if len(errs) > 0 {
		// One message per field, the first.
		var once []ImportError
		for _, e := range errs {
			if e.Field == "" || !slices.ContainsFunc(once, func(o ImportError) bool { return o.Field == e.Field }) {
				once = append(once, e)
			}
		}
		slices.SortStableFunc(once, func(a, b ImportError) int { return a.Column - b.Column })
		return fail(once...)
	}
	key := strconv.FormatInt(owner, 10) + "/" + title
	if first, dup := seen[key]; dup {
		return fail(ImportError{Column: colOf["title_zh"], Field: "title_zh", Message: fmt.Sprintf("repeats the owner and title of line %d", first)})
	}
	seen[key] = line

	if existing > 0 {
		res.ID = &existing
		var same bool
		switch old := before.(type) {
		case Need:
			same = sameNeed(&old, &row.Need, amount)
		case Achievement:
			same = sameAchievement(&old, &row.Achievement, amount)
		}
		if same {
			res.Outcome = RowUnchanged
			return res, nil
		}
	}

	if _, err := tx.ExecContext(ctx, `SAVEPOINT transfer_import_row`); err != nil {
		return res, apperr.Wrap(err, "savepoint")
	}
	may := func(org int64) bool { return mayImportFor(im.Principal, org) }
	now := im.S.DB.Now()
	var id int64
	var err error
	if need {
		id, err = saveNeedTx(ctx, tx, may, existing, &row.Need, amount, now)
	} else {
		id, err = saveAchievementTx(ctx, tx, may, existing, &row.Achievement, amount, now)
	}
	if err != nil {
		es, ok := apiErrors(err, colOf)
		if !ok {
			return res, err
		}
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT transfer_import_row`); err != nil {
			return res, apperr.Wrap(err, "rollback to savepoint")
		}
		return fail(es...)
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT transfer_import_row`); err != nil {
		return res, apperr.Wrap(err, "release savepoint")
	}
	res.ID = &id
	res.Outcome = RowCreated
	if existing > 0 {
		res.Outcome = RowUpdated
	}
	return res, nil
}

// ownerAsset finds the IP asset numbered num (as written, or in its
// canonical patent form) that org owns or co-owns; 0 when there is none.
func ownerAsset(ctx context.Context, tx *sql.Tx, org int64, num string) (int64, error) {
	nums := []string{num}
	if p, err := ipnum.ParsePatent(num); err == nil && p.Number != num {
		nums = append(nums, p.Number)
	}
	for _, n := range nums {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM ip_assets WHERE number = $1 AND (owner_org_id = $2
			OR id IN (SELECT asset_id FROM ip_asset_owners WHERE org_id = $2)) ORDER BY id LIMIT 1`, n, org).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, apperr.Wrap(err, "asset number")
		}
	}
	return 0, nil
}

// keepAchievement fills the columns the file does not have from the
// recorded achievement, so that a file of a few columns changes those only.
func keepAchievement(in *AchievementInput, old *Achievement, present map[string]bool) {
	keep := func(col string, dst *string, v string) {
		if !present[col] {
			*dst = v
		}
	}
	keep("title_en", &in.TitleEn, old.TitleEn)
	keep("summary_zh", &in.SummaryZh, old.SummaryZh)
	keep("summary_en", &in.SummaryEn, old.SummaryEn)
	keep("keywords", &in.Keywords, old.Keywords)
	if strings.TrimSpace(in.Status) == "" {
		in.Status = old.Status // an empty status cell keeps the status
	}
	if !present["price_yuan"] && old.PriceFen != nil {
		y := *old.PriceFen / 100
		in.PriceYuan = &y
	}
	if !present["asset_numbers"] {
		in.AssetIDs = slices.Clone(old.AssetIDs)
	}
}

// keepNeed is keepAchievement for needs.
func keepNeed(in *NeedInput, old *Need, present map[string]bool, today string) {
	keep := func(col string, dst *string, v string) {
		if !present[col] {
			*dst = v
		}
	}
	keep("title_en", &in.TitleEn, old.TitleEn)
	keep("problem_zh", &in.ProblemZh, old.ProblemZh)
	keep("problem_en", &in.ProblemEn, old.ProblemEn)
	keep("keywords", &in.Keywords, old.Keywords)
	if strings.TrimSpace(in.Status) == "" && old.Status != "expired" {
		in.Status = old.Status
	}
	if !present["min_trl"] || in.MinTRL == 0 {
		in.MinTRL = old.MinTRL
	}
	if !present["budget_yuan"] && old.BudgetFen != nil {
		y := *old.BudgetFen / 100
		in.BudgetYuan = &y
	}
	if !present["deadline"] && old.Deadline != nil && *old.Deadline >= today {
		d := *old.Deadline
		in.Deadline = &d
	}
}

func sameFen(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func sameAchievement(old *Achievement, in *AchievementInput, price *int64) bool {
	ids := slices.Clone(in.AssetIDs)
	slices.Sort(ids)
	return old.TitleEn == in.TitleEn && old.SummaryZh == in.SummaryZh && old.SummaryEn == in.SummaryEn && old.Keywords == in.Keywords &&
		old.Field == in.Field && old.TRL == in.TRL && slices.Equal(old.Modes, in.Modes) && sameFen(old.PriceFen, price) &&
		old.Status == in.Status && slices.Equal(old.AssetIDs, ids)
}

func sameNeed(old *Need, in *NeedInput, budget *int64) bool {
	sameDeadline := (old.Deadline == nil) == (in.Deadline == nil) && (old.Deadline == nil || *old.Deadline == *in.Deadline)
	return old.TitleEn == in.TitleEn && old.ProblemZh == in.ProblemZh && old.ProblemEn == in.ProblemEn && old.Keywords == in.Keywords &&
		old.Field == in.Field && old.MinTRL == in.MinTRL && slices.Equal(old.Modes, in.Modes) && sameFen(old.BudgetFen, budget) &&
		old.Status == in.Status && sameDeadline
}

// parseImportHeader maps the header cells to column keys.
func parseImportHeader(columns []ImportColumn, header []string) ([]string, []ImportError) {
	var errs []ImportError
	cols := make([]string, len(header))
	at := map[string]int{}
	keys := make([]string, len(columns))
	for i, c := range columns {
		keys[i] = c.Key
	}
	for i, h := range header {
		key := headerKey(columns, h)
		switch {
		case strings.TrimSpace(h) == "" && i == len(header)-1 && i > 0:
			continue // a trailing comma
		case strings.TrimSpace(h) == "":
			errs = append(errs, ImportError{Column: i + 1, Message: "empty column name in the header row"})
		case key == "":
			errs = append(errs, ImportError{Column: i + 1, Message: fmt.Sprintf("unknown column %q (the columns are %s)", tabular.Clip(h), strings.Join(keys, ", "))})
		case at[key] > 0:
			errs = append(errs, ImportError{Column: i + 1, Message: fmt.Sprintf("column %q appears twice (also column %d)", key, at[key])})
		default:
			at[key] = i + 1
			cols[i] = key
		}
	}
	for _, c := range columns {
		if c.Required && at[c.Key] == 0 {
			errs = append(errs, ImportError{Message: fmt.Sprintf("the header has no %q column, which is required", c.Key)})
		}
	}
	return cols, errs
}

var headerWord = regexp.MustCompile(`[a-z_]+`)

// headerKey finds the column a header cell names: its key, its Chinese
// label, or its key among other words ("title_zh 中文名称").
func headerKey(columns []ImportColumn, h string) string {
	v := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
	for _, c := range columns {
		if v == c.Key || v == c.LabelZh {
			return c.Key
		}
	}
	for _, w := range headerWord.FindAllString(v, -1) {
		for _, c := range columns {
			if w == c.Key {
				return w
			}
		}
	}
	return ""
}

// Template is kind's import file: its header (bilingual) and a sample row.
func Template(kind string) [][]string {
	columns := ImportColumnsOf(kind)
	head := make([]string, len(columns))
	sample := make([]string, len(columns))
	for i, c := range columns {
		head[i] = c.Key + " " + c.LabelZh
		sample[i] = c.Example
	}
	return [][]string{head, sample}
}
