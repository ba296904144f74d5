package finance

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/workflow"
)

// ProgramRef is what the finance module needs of a program of the
// programs module.
type ProgramRef struct {
	ID         int64
	Slug       string
	TitleZh    string
	TitleEn    string
	OwnerOrgID int64
}

// Programs reaches the programs module: a program by slug or id, and its
// budget account in the ledger (opened and funded up to the program's
// budget inside tx), from which subsidies are paid; the app wires it.
type Programs interface {
	Program(ctx context.Context, ref string) (ProgramRef, error)
	Budget(ctx context.Context, tx *sql.Tx, programID int64) (accountID int64, err error)
}

// Scheme is an interest-subsidy scheme of a program: a share of the
// interest repaid on loans of the linked products (or of products a
// linked pool covers), claimed by quarter, capped per enterprise and
// calendar year, paid from the program's budget.
type Scheme struct {
	ID          int64     `json:"id"`
	ProgramID   int64     `json:"program_id"`
	ProgramSlug string    `json:"program_slug"`
	OwnerOrgID  int64     `json:"owner_org_id"`
	OwnerName   string    `json:"owner_name"`
	NameZh      string    `json:"name_zh"`
	NameEn      string    `json:"name_en"`
	ShareBP     int64     `json:"share_bp"`
	CapFen      int64     `json:"cap_fen"`
	FromQuarter string    `json:"from_quarter"`
	ProductIDs  []int64   `json:"product_ids"`
	PoolIDs     []int64   `json:"pool_ids"`
	Status      string    `json:"status"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
}

// SchemeInput creates or replaces a scheme.
type SchemeInput struct {
	// Program is the slug (or id) of the program the scheme belongs to.
	Program     string  `json:"program"`
	NameZh      string  `json:"name_zh"`
	NameEn      string  `json:"name_en"`
	SharePct    float64 `json:"share_pct"`
	CapYuan     int64   `json:"cap_yuan"`
	FromQuarter string  `json:"from_quarter"`
	ProductIDs  []int64 `json:"product_ids"`
	PoolIDs     []int64 `json:"pool_ids"`
	Status      string  `json:"status"`
}

// Subsidy claim states (the pool claims' names).
const (
	SubsidySubmitted = "submitted"
	SubsidyApproved  = "approved"
	SubsidyPaid      = "paid"
	SubsidyRejected  = "rejected"
)

// SubsidyClaim is a claim for one loan and quarter.
type SubsidyClaim struct {
	ID          int64     `json:"id"`
	SchemeID    int64     `json:"scheme_id"`
	SchemeZh    string    `json:"scheme_name_zh"`
	SchemeEn    string    `json:"scheme_name_en"`
	LoanID      int64     `json:"loan_id"`
	OrgID       int64     `json:"org_id"`
	OrgName     string    `json:"org_name"`
	Quarter     string    `json:"quarter"`
	District    string    `json:"district"`
	InterestFen int64     `json:"interest_fen"`
	ShareBP     int64     `json:"share_bp"`
	AmountFen   int64     `json:"amount_fen"`
	Capped      bool      `json:"capped"`
	Origin      string    `json:"origin"`
	State       string    `json:"state"`
	PaidOn      *string   `json:"paid_on"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
}

// SubsidyClaimInput asks for a loan's subsidy of a quarter; the scheme
// is found from the loan's product when not named.
type SubsidyClaimInput struct {
	LoanID   int64  `json:"loan_id"`
	Quarter  string `json:"quarter"`
	SchemeID int64  `json:"scheme_id"`
}

var quarterRe = regexp.MustCompile(`^(\d{4})-?[Qq]([1-4])$`)

// ParseQuarter reads "2026Q3" (or "2026-q3") and returns the quarter's
// first day and the first day of the next, in the canonical "2026Q3".
func ParseQuarter(s string) (name string, from, to time.Time, err error) {
	m := quarterRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", from, to, apperr.Field("quarter", "must be a quarter such as 2026Q1")
	}
	y, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	if y < 2000 || y > 2100 {
		return "", from, to, apperr.Field("quarter", "must be a quarter from 2000Q1 to 2100Q4")
	}
	from = time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
	return m[1] + "Q" + m[2], from, from.AddDate(0, 3, 0), nil
}

// QuarterOf names the quarter a day is in.
func QuarterOf(t time.Time) string {
	return strconv.Itoa(t.Year()) + "Q" + strconv.Itoa((int(t.Month())+2)/3)
}

func (in *SchemeInput) normalize() (Scheme, error) {
	for _, p := range []*string{&in.Program, &in.NameZh, &in.NameEn, &in.FromQuarter, &in.Status} {
		*p = strings.TrimSpace(*p)
	}
	var fs fieldErrs
	if in.Program == "" {
		fs.Add("program", "is required")
	}
	fs.Line("name_zh", in.NameZh, true, 200)
	fs.Line("name_en", in.NameEn, false, 300)
	bp := math.Round(in.SharePct * 100)
	if !(in.SharePct > 0 && in.SharePct <= 100) || math.Abs(in.SharePct*100-bp) > 1e-6 {
		fs.Add("share_pct", "must be a percentage above 0 and at most 100 with at most two decimals")
	}
	if in.CapYuan < 1 || in.CapYuan > maxYuan {
		fs.Add("cap_yuan", "must be a whole number of yuan from 1 to 10,000,000,000")
	}
	q, _, _, err := ParseQuarter(in.FromQuarter)
	if err != nil {
		fs.Add("from_quarter", "must be a quarter such as 2026Q1")
	}
	if len(in.ProductIDs) == 0 && len(in.PoolIDs) == 0 {
		fs.Add("product_ids", "name at least one loan product or risk pool")
	}
	for name, ids := range map[string][]int64{"product_ids": in.ProductIDs, "pool_ids": in.PoolIDs} {
		seen := map[int64]bool{}
		for i, x := range ids {
			if x < 1 || seen[x] {
				fs.Add(name+"["+strconv.Itoa(i)+"]", "must be a distinct id")
				break
			}
			seen[x] = true
		}
	}
	if len(in.ProductIDs) > 100 || len(in.PoolIDs) > 100 {
		fs.Add("product_ids", "at most 100 products and 100 pools")
	}
	if in.Status == "" {
		in.Status = "active"
	}
	if in.Status != "active" && in.Status != "closed" {
		fs.Add("status", "must be active or closed")
	}
	products, pools := slices.Clone(in.ProductIDs), slices.Clone(in.PoolIDs)
	slices.Sort(products)
	slices.Sort(pools)
	return Scheme{NameZh: in.NameZh, NameEn: in.NameEn, ShareBP: int64(bp), CapFen: in.CapYuan * 100, FromQuarter: q, ProductIDs: products, PoolIDs: pools,
		Status: in.Status}, apperr.Fields(fs)
}

func idList(ids []int64) string {
	out := make([]string, len(ids))
	for i, x := range ids {
		out[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(out, " ")
}

func parseIDs(s string) []int64 {
	out := []int64{}
	for _, f := range strings.Fields(s) {
		if n, err := strconv.ParseInt(f, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

const schemeCols = `s.id, s.program_id, p.slug, s.owner_org_id, o.name_zh, s.name_zh, s.name_en, s.share_bp, s.cap_fen, s.from_quarter, s.product_ids, s.pool_ids,
	s.status, s.version, s.created_at`

const schemeFrom = ` FROM subsidy_schemes s JOIN programs p ON p.id = s.program_id JOIN orgs o ON o.id = s.owner_org_id`

func scanScheme(r scanner) (Scheme, error) {
	var s Scheme
	var products, pools string
	err := r.Scan(&s.ID, &s.ProgramID, &s.ProgramSlug, &s.OwnerOrgID, &s.OwnerName, &s.NameZh, &s.NameEn, &s.ShareBP, &s.CapFen, &s.FromQuarter, &products, &pools,
		&s.Status, &s.Version, &s.CreatedAt)
	s.ProductIDs, s.PoolIDs = parseIDs(products), parseIDs(pools)
	return s, err
}

func loadScheme(ctx context.Context, q querier, id int64) (Scheme, error) {
	s, err := scanScheme(q.QueryRowContext(ctx, `SELECT `+schemeCols+schemeFrom+` WHERE s.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, apperr.New(apperr.NotFound, "no subsidy scheme %d", id)
	}
	return s, apperr.Wrap(err, "subsidy scheme")
}

// Schemes lists the subsidy schemes (public).
func (s *Service) Schemes(ctx context.Context) ([]Scheme, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+schemeCols+schemeFrom+` ORDER BY s.status, s.id`)
	out, err := db.Collect(rows, err, "subsidy schemes", func(r interface{ Scan(...any) error }) (Scheme, error) { return scanScheme(r) })
	if out == nil {
		out = []Scheme{}
	}
	return out, err
}

// Scheme returns a scheme (public).
func (s *Service) Scheme(ctx context.Context, id int64) (Scheme, error) {
	return loadScheme(ctx, s.DB.Read, id)
}

// SaveScheme creates (id 0) or replaces a scheme: officers of the
// program's owning agency and administrators.
func (s *Service) SaveScheme(ctx context.Context, p *auth.Principal, id int64, in SchemeInput) (Scheme, error) {
	if p == nil {
		return Scheme{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	sc, err := in.normalize()
	if err != nil {
		return Scheme{}, err
	}
	if s.Programs == nil {
		return Scheme{}, apperr.New(apperr.Internal, "no programs module")
	}
	prog, err := s.Programs.Program(ctx, in.Program)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Scheme{}, apperr.Field("program", "is not a program")
	} else if err != nil {
		return Scheme{}, err
	}
	if prog.OwnerOrgID == 0 {
		return Scheme{}, apperr.Field("program", "has no owning agency to pay subsidies")
	}
	if !runs(p, prog.OwnerOrgID) {
		return Scheme{}, apperr.New(apperr.Forbidden, "officers of the program's agency run its subsidy schemes")
	}
	sc.ProgramID, sc.OwnerOrgID = prog.ID, prog.OwnerOrgID
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		for i, x := range sc.ProductIDs {
			if _, err := loadProduct(ctx, tx, x); apperr.CodeOf(err) == apperr.NotFound {
				return apperr.Field("product_ids["+strconv.Itoa(i)+"]", "is not a loan product")
			} else if err != nil {
				return err
			}
		}
		for i, x := range sc.PoolIDs {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM risk_pools WHERE id = $1`, x).Scan(&n); err != nil {
				return apperr.Wrap(err, "pool")
			}
			if n == 0 {
				return apperr.Field("pool_ids["+strconv.Itoa(i)+"]", "is not a risk pool")
			}
		}
		var before any
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO subsidy_schemes (program_id, owner_org_id, name_zh, name_en, share_bp, cap_fen, from_quarter, product_ids, pool_ids,
				status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`, sc.ProgramID, sc.OwnerOrgID, sc.NameZh, sc.NameEn,
				sc.ShareBP, sc.CapFen, sc.FromQuarter, idList(sc.ProductIDs), idList(sc.PoolIDs), sc.Status, now).Scan(&id); err != nil {
				return apperr.Wrap(err, "insert scheme")
			}
		} else {
			old, err := loadScheme(ctx, tx, id)
			if err != nil {
				return err
			}
			if !runs(p, old.OwnerOrgID) || old.ProgramID != sc.ProgramID {
				return apperr.New(apperr.Forbidden, "officers of the program's agency run its subsidy schemes; the program stays")
			}
			before = old
			if _, err := tx.ExecContext(ctx, `UPDATE subsidy_schemes SET name_zh = $1, name_en = $2, share_bp = $3, cap_fen = $4, from_quarter = $5, product_ids = $6,
				pool_ids = $7, status = $8, version = version + 1, updated_at = $9 WHERE id = $10`, sc.NameZh, sc.NameEn, sc.ShareBP, sc.CapFen, sc.FromQuarter,
				idList(sc.ProductIDs), idList(sc.PoolIDs), sc.Status, now, id); err != nil {
				return apperr.Wrap(err, "update scheme")
			}
		}
		after, err := loadScheme(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: sc.OwnerOrgID, Action: map[bool]string{true: "create", false: "update"}[before == nil],
			Entity: "subsidy_scheme", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	if err != nil {
		return Scheme{}, err
	}
	return loadScheme(ctx, s.DB.Read, id)
}

type subsidySubject struct {
	c      *SubsidyClaim
	scheme *Scheme
}

func subsidyRoles(p *auth.Principal, s workflow.Subject[*subsidySubject]) []string {
	if p == nil {
		return nil
	}
	var out []string
	if runs(p, s.Value.scheme.OwnerOrgID) {
		out = append(out, "officer")
	}
	if p.RoleIn(s.Value.c.OrgID) != "" {
		out = append(out, "enterprise")
	}
	return out
}

// Subsidies is the subsidy claims' workflow.
var Subsidies = workflow.Must(workflow.New[*subsidySubject](nil, workflow.Definition[*subsidySubject]{
	Name:    "subsidy_claim",
	LabelZh: "贴息申请",
	LabelEn: "Interest subsidy claim",
	Initial: SubsidySubmitted,
	States: []workflow.State{
		{Name: SubsidySubmitted, LabelZh: "已提交", LabelEn: "Submitted"},
		{Name: SubsidyApproved, LabelZh: "已核准", LabelEn: "Approved"},
		{Name: SubsidyPaid, LabelZh: "已拨付", LabelEn: "Paid", Terminal: true},
		{Name: SubsidyRejected, LabelZh: "不予贴息", LabelEn: "Rejected", Terminal: true},
	},
	Transitions: []workflow.Transition[*subsidySubject]{
		{Action: "approve", LabelZh: "核准并预留资金", LabelEn: "Approve and set the money aside", From: []string{SubsidySubmitted}, To: SubsidyApproved, Roles: []string{"officer"}},
		{Action: "pay", LabelZh: "拨付贴息", LabelEn: "Pay", From: []string{SubsidyApproved}, To: SubsidyPaid, Roles: []string{"officer"}},
		{Action: "reject", LabelZh: "不予贴息", LabelEn: "Reject", From: []string{SubsidySubmitted, SubsidyApproved}, To: SubsidyRejected, Roles: []string{"officer"}, Comment: workflow.CommentRequired},
	},
	Store:   workflow.Store{Table: "subsidy_claims", VersionColumn: "version", UpdatedColumn: "updated_at"},
	RolesOf: subsidyRoles,
}))

const subsidyCols = `c.id, c.scheme_id, s.name_zh, s.name_en, c.loan_id, c.org_id, o.name_zh, c.quarter, c.district, c.interest_fen, c.share_bp, c.amount_fen, c.capped,
	c.origin, c.state, c.paid_on, c.version, c.created_at`

const subsidyFrom = ` FROM subsidy_claims c JOIN subsidy_schemes s ON s.id = c.scheme_id JOIN orgs o ON o.id = c.org_id`

func scanSubsidy(r scanner) (SubsidyClaim, error) {
	var c SubsidyClaim
	var paid db.Date
	err := r.Scan(&c.ID, &c.SchemeID, &c.SchemeZh, &c.SchemeEn, &c.LoanID, &c.OrgID, &c.OrgName, &c.Quarter, &c.District, &c.InterestFen, &c.ShareBP, &c.AmountFen,
		&c.Capped, &c.Origin, &c.State, &paid, &c.Version, &c.CreatedAt)
	c.PaidOn = paid.Ptr()
	return c, err
}

func loadSubsidy(ctx context.Context, q querier, id int64) (SubsidyClaim, error) {
	c, err := scanSubsidy(q.QueryRowContext(ctx, `SELECT `+subsidyCols+subsidyFrom+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "no subsidy claim %d", id)
	}
	return c, apperr.Wrap(err, "subsidy claim")
}

// covers reports whether a scheme covers a loan of product prod.
func (sc *Scheme) covers(prod *Product) bool {
	return slices.Contains(sc.ProductIDs, prod.ID) || (prod.PoolID != nil && slices.Contains(sc.PoolIDs, *prod.PoolID))
}

// InterestRepaid is the interest repaid on a loan in [from, to), from its
// repayment records.
func InterestRepaid(ctx context.Context, q querier, loan int64, from, to time.Time) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(interest_fen), 0) FROM loan_repayments WHERE loan_id = $1 AND paid_on >= $2 AND paid_on < $3`,
		loan, from.Format(time.DateOnly), to.Format(time.DateOnly)).Scan(&n)
	return n, apperr.Wrap(err, "repayments")
}

// SubsidyAmount is share (basis points) of the interest, rounded half up
// to the fen.
func SubsidyAmount(interestFen, shareBP int64) int64 { return (interestFen*shareBP + 5000) / 10000 }

// ClaimSubsidy files the claim of a loan's borrower (its members, or the
// system at quarter end) for a quarter that has ended: the interest
// repaid in the quarter by the loan's repayment records, the scheme's
// share of it, within what is left of the yearly cap. The enterprise must
// be eligible by the program's rules. A second live claim for the same
// loan and quarter is 409 naming the first.
func (s *Service) ClaimSubsidy(ctx context.Context, p *auth.Principal, in SubsidyClaimInput) (SubsidyClaim, error) {
	if p == nil {
		return SubsidyClaim{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	quarter, from, to, err := ParseQuarter(in.Quarter)
	if err != nil {
		return SubsidyClaim{}, err
	}
	today := s.today()
	if from.After(today) {
		return SubsidyClaim{}, apperr.Field("quarter", "%s is in the future", quarter)
	}
	if to.After(today) {
		return SubsidyClaim{}, apperr.Field("quarter", "%s has not ended: a quarter is claimed once it is over", quarter)
	}
	l, err := loadLoan(ctx, s.DB.Read, in.LoanID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return SubsidyClaim{}, apperr.Field("loan_id", "is not a loan")
	} else if err != nil {
		return SubsidyClaim{}, err
	}
	system := p == workflow.System
	if !system && !p.IsAdmin() && p.RoleIn(l.OrgID) == "" {
		if mayReadLoan(p, &l) {
			return SubsidyClaim{}, apperr.New(apperr.Forbidden, "the borrower claims its interest subsidy")
		}
		return SubsidyClaim{}, apperr.Field("loan_id", "is not a loan")
	}
	if l.DisbursedOn == nil {
		return SubsidyClaim{}, apperr.Field("loan_id", "has not been disbursed")
	}
	prod, err := loadProduct(ctx, s.DB.Read, l.ProductID)
	if err != nil {
		return SubsidyClaim{}, err
	}
	var sc Scheme
	if in.SchemeID != 0 {
		if sc, err = loadScheme(ctx, s.DB.Read, in.SchemeID); apperr.CodeOf(err) == apperr.NotFound {
			return SubsidyClaim{}, apperr.Field("scheme_id", "is not a subsidy scheme")
		} else if err != nil {
			return SubsidyClaim{}, err
		}
		if !sc.covers(&prod) {
			return SubsidyClaim{}, apperr.Field("loan_id", "is of a product the scheme does not cover")
		}
	} else {
		all, err := s.Schemes(ctx)
		if err != nil {
			return SubsidyClaim{}, err
		}
		var found []Scheme
		for _, x := range all {
			if x.Status == "active" && x.covers(&prod) {
				found = append(found, x)
			}
		}
		switch len(found) {
		case 0:
			return SubsidyClaim{}, apperr.Field("loan_id", "is of a product no interest-subsidy scheme covers")
		case 1:
			sc = found[0]
		default:
			return SubsidyClaim{}, apperr.Field("scheme_id", "is required: %d schemes cover this loan", len(found))
		}
	}
	if sc.Status != "active" {
		return SubsidyClaim{}, apperr.Field("scheme_id", "is closed")
	}
	if quarter < sc.FromQuarter {
		return SubsidyClaim{}, apperr.Field("quarter", "is before the scheme's first quarter %s", sc.FromQuarter)
	}
	if s.Rules != nil {
		st, zh, en, err := s.Rules.Eligible(ctx, l.OrgID, sc.ProgramSlug)
		if err != nil {
			return SubsidyClaim{}, err
		}
		if st != "eligible" {
			return SubsidyClaim{}, apperr.Field("scheme_id", "the program's rules do not find the enterprise eligible: %s (%s)", en, zh).WithCode(apperr.Forbidden)
		}
	}
	interest, err := InterestRepaid(ctx, s.DB.Read, l.ID, from, to)
	if err != nil {
		return SubsidyClaim{}, err
	}
	if interest <= 0 {
		return SubsidyClaim{}, apperr.Field("quarter", "no interest was repaid on loan %d in %s", l.ID, quarter)
	}
	amount := max(SubsidyAmount(interest, sc.ShareBP), 1)
	origin := map[bool]string{true: "system", false: "enterprise"}[system]
	var id int64
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if prev, err := liveSubsidy(ctx, tx, l.ID, quarter); err != nil {
			return err
		} else if prev != nil {
			return earlierSubsidy(prev)
		}
		var district string
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(registered_district, '') FROM orgs WHERE id = $1`, l.OrgID).Scan(&district); err != nil {
			return apperr.Wrap(err, "district")
		}
		year := from.Year()
		if _, err := tx.ExecContext(ctx, `INSERT INTO subsidy_caps (scheme_id, org_id, year, used_fen) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING`, sc.ID, l.OrgID, year); err != nil {
			return apperr.Wrap(err, "cap")
		}
		var used int64
		if err := tx.QueryRowContext(ctx, `SELECT used_fen FROM subsidy_caps WHERE scheme_id = $1 AND org_id = $2 AND year = $3`, sc.ID, l.OrgID, year).Scan(&used); err != nil {
			return apperr.Wrap(err, "cap")
		}
		capped := false
		if left := sc.CapFen - used; amount > left {
			if left <= 0 {
				return apperr.Field("quarter", "the enterprise has had the scheme's yearly cap of %s for %d", yuanText(sc.CapFen), year).WithCode(apperr.Conflict)
			}
			amount, capped = left, true
		}
		// The conditional update decides under concurrency: two claims of
		// one enterprise never pass the cap together.
		res, err := tx.ExecContext(ctx, `UPDATE subsidy_caps SET used_fen = used_fen + $1 WHERE scheme_id = $2 AND org_id = $3 AND year = $4 AND used_fen + $1 <= $5`,
			amount, sc.ID, l.OrgID, year, sc.CapFen)
		if err != nil {
			return apperr.Wrap(err, "cap")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Field("quarter", "another claim of the enterprise took what was left of the yearly cap; claim again").WithCode(apperr.Conflict)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO subsidy_claims (scheme_id, loan_id, org_id, quarter, district, interest_fen, share_bp, amount_fen, capped, origin, state,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`, sc.ID, l.ID, l.OrgID, quarter, district, interest,
			sc.ShareBP, amount, capped, origin, SubsidySubmitted, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			if prev, perr := liveSubsidy(ctx, tx, l.ID, quarter); perr == nil && prev != nil {
				return earlierSubsidy(prev)
			}
			return apperr.Field("quarter", "the loan has a claim for %s already", quarter).WithCode(apperr.Conflict)
		}
		if err != nil {
			return apperr.Wrap(err, "insert subsidy claim")
		}
		c, err := loadSubsidy(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Change{OrgID: l.OrgID, Action: "create", Entity: "subsidy_claim", EntityID: strconv.FormatInt(id, 10), After: c}); err != nil {
			return err
		}
		return s.tellSubsidy(ctx, tx, &c, sc.OwnerOrgID, "new")
	})
	if err != nil {
		return SubsidyClaim{}, err
	}
	return loadSubsidy(ctx, s.DB.Read, id)
}

type prevSubsidy struct {
	id     int64
	state  string
	amount int64
	at     time.Time
}

func liveSubsidy(ctx context.Context, q querier, loan int64, quarter string) (*prevSubsidy, error) {
	var x prevSubsidy
	err := q.QueryRowContext(ctx, `SELECT id, state, amount_fen, created_at FROM subsidy_claims WHERE loan_id = $1 AND quarter = $2 AND state <> 'rejected'`,
		loan, quarter).Scan(&x.id, &x.state, &x.amount, &x.at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &x, apperr.Wrap(err, "earlier claims")
}

// earlierSubsidy is the 409 that names the earlier claim.
func earlierSubsidy(x *prevSubsidy) error {
	msg := "the loan has subsidy claim " + strconv.FormatInt(x.id, 10) + " for this quarter already (" + x.state + ", " + ledger.Yuan(x.amount) +
		" yuan, filed " + x.at.In(shanghai).Format(time.DateOnly) + ")"
	return &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: []apperr.FieldError{{Field: "quarter", Message: msg}}}
}

// SubsidyQuery filters the claims.
type SubsidyQuery struct {
	State    string
	SchemeID int64
}

// SubsidyClaims lists the claims of p's organizations and, for officers,
// those of the schemes their agencies run (administrators: all).
func (s *Service) SubsidyClaims(ctx context.Context, p *auth.Principal, q SubsidyQuery) ([]SubsidyClaim, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if q.State != "" {
		if _, ok := Subsidies.State(q.State); !ok {
			return nil, apperr.Field("state", "is not a claim state")
		}
	}
	var args db.Args
	where := []string{"1 = 1"}
	if !p.IsAdmin() {
		orgs := p.OrgIDs()
		if len(orgs) == 0 {
			return []SubsidyClaim{}, nil
		}
		in := db.List(&args, orgs)
		if p.IsOfficer() {
			where = append(where, `(c.org_id IN (`+in+`) OR s.owner_org_id IN (`+in+`))`)
		} else {
			where = append(where, `c.org_id IN (`+in+`)`)
		}
	}
	if q.State != "" {
		where = append(where, `c.state = `+args.Add(q.State))
	}
	if q.SchemeID != 0 {
		where = append(where, `c.scheme_id = `+args.Add(q.SchemeID))
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+subsidyCols+subsidyFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.id DESC LIMIT 1000`, args...)
	out, err := db.Collect(rows, err, "subsidy claims", func(r interface{ Scan(...any) error }) (SubsidyClaim, error) { return scanSubsidy(r) })
	if out == nil {
		out = []SubsidyClaim{}
	}
	return out, err
}

// SubsidyClaim returns a claim to the borrower's members, the officers
// of the scheme's agency and administrators.
func (s *Service) SubsidyClaim(ctx context.Context, p *auth.Principal, id int64) (SubsidyClaim, error) {
	if p == nil {
		return SubsidyClaim{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	c, err := loadSubsidy(ctx, s.DB.Read, id)
	if err != nil {
		return c, err
	}
	sc, err := loadScheme(ctx, s.DB.Read, c.SchemeID)
	if err != nil {
		return c, err
	}
	if !runs(p, sc.OwnerOrgID) && p.RoleIn(c.OrgID) == "" {
		return SubsidyClaim{}, apperr.New(apperr.NotFound, "no subsidy claim %d", id)
	}
	return c, nil
}

// ActSubsidy approves (reserving the amount on the program's budget: a
// budget that cannot cover it refuses with 409), pays (settling the hold
// into the program's subsidies paid) or rejects (comment; releasing the
// hold and the yearly cap) a claim: officers of the scheme's agency.
func (s *Service) ActSubsidy(ctx context.Context, p *auth.Principal, id int64, action, comment string) (SubsidyClaim, error) {
	if p == nil {
		return SubsidyClaim{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error { return s.actSubsidy(ctx, tx, p, id, action, comment) })
	if err != nil {
		return SubsidyClaim{}, err
	}
	return loadSubsidy(ctx, s.DB.Read, id)
}

func (s *Service) actSubsidy(ctx context.Context, tx *sql.Tx, p *auth.Principal, id int64, action, comment string) error {
	c, err := loadSubsidy(ctx, tx, id)
	if err != nil {
		return err
	}
	sc, err := loadScheme(ctx, tx, c.SchemeID)
	if err != nil {
		return err
	}
	if !runs(p, sc.OwnerOrgID) && p.RoleIn(c.OrgID) == "" {
		return apperr.New(apperr.NotFound, "no subsidy claim %d", id)
	}
	m := *Subsidies
	m.DB = s.DB
	rec, err := m.Apply(ctx, tx, workflow.Subject[*subsidySubject]{ID: id, State: c.State, OrgID: c.OrgID, Value: &subsidySubject{c: &c, scheme: &sc}}, action, p, comment)
	if err != nil {
		return err
	}
	l := ledger.New(s.DB)
	ref := ledger.Ref{Entity: "subsidy_claim", ID: strconv.FormatInt(id, 10)}
	switch action {
	case "approve":
		budget, err := s.Programs.Budget(ctx, tx, sc.ProgramID)
		if err != nil {
			return err
		}
		h, err := l.Reserve(ctx, tx, ledger.HoldRequest{Key: "finance:subsidy:" + strconv.FormatInt(id, 10), AccountID: budget, Amount: c.AmountFen,
			Description: "Interest subsidy claim " + strconv.FormatInt(id, 10) + " on loan " + strconv.FormatInt(c.LoanID, 10) + " for " + c.Quarter, Ref: ref, OrgID: c.OrgID})
		if apperr.CodeOf(err) == apperr.Conflict {
			acct, _ := l.Account(ctx, tx, budget)
			msg := "the budget of program " + sc.ProgramSlug + " cannot cover " + ledger.Yuan(c.AmountFen) + " yuan: " + ledger.Yuan(acct.Available()) + " yuan remain available"
			return &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: []apperr.FieldError{{Field: "program", Message: msg}}}
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subsidy_claims SET hold_id = $1 WHERE id = $2`, h.ID, id); err != nil {
			return apperr.Wrap(err, "subsidy hold")
		}
	case "pay":
		var hold int64
		if err := tx.QueryRowContext(ctx, `SELECT hold_id FROM subsidy_claims WHERE id = $1`, id).Scan(&hold); err != nil {
			return apperr.Wrap(err, "subsidy hold")
		}
		h, err := l.Hold(ctx, tx, hold)
		if err != nil {
			return err
		}
		paid, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: "subsidy:paid:program:" + strconv.FormatInt(sc.ProgramID, 10), NameZh: "贴息已付：" + sc.NameZh,
			NameEn: "Interest subsidies paid: " + cmp.Or(sc.NameEn, sc.NameZh), Type: ledger.Expense, Kind: "subsidy_paid", OwnerOrgID: &sc.OwnerOrgID})
		if err != nil {
			return err
		}
		j, err := l.Settle(ctx, tx, hold, ledger.Entry{Key: "finance:subsidy:pay:" + strconv.FormatInt(id, 10), Description: "Interest subsidy of claim " + strconv.FormatInt(id, 10),
			Ref: ref, OrgID: c.OrgID, Postings: []ledger.Posting{{AccountID: paid.ID, Amount: c.AmountFen}, {AccountID: h.AccountID, Amount: -c.AmountFen}}})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subsidy_claims SET journal_id = $1, paid_on = $2 WHERE id = $3`, j.ID, s.today().Format(time.DateOnly), id); err != nil {
			return apperr.Wrap(err, "subsidy journal")
		}
	case "reject":
		var hold sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT hold_id FROM subsidy_claims WHERE id = $1`, id).Scan(&hold); err != nil {
			return apperr.Wrap(err, "subsidy hold")
		}
		if hold.Valid {
			if _, err := l.Release(ctx, tx, hold.Int64); err != nil {
				return err
			}
		}
		year, _ := strconv.Atoi(c.Quarter[:4])
		if _, err := tx.ExecContext(ctx, `UPDATE subsidy_caps SET used_fen = used_fen - $1 WHERE scheme_id = $2 AND org_id = $3 AND year = $4`, c.AmountFen, sc.ID, c.OrgID, year); err != nil {
			return apperr.Wrap(err, "cap")
		}
	}
	return s.tellSubsidy(ctx, tx, &c, c.OrgID, rec.To)
}

// BulkResult is what became of one claim of a bulk action.
type BulkResult struct {
	ID    int64  `json:"id"`
	OK    bool   `json:"ok"`
	State string `json:"state,omitempty"`
	Error string `json:"error,omitempty"`
}

// BulkSubsidies takes one action on up to 200 claims, each in its own
// transaction, and says what became of each.
func (s *Service) BulkSubsidies(ctx context.Context, p *auth.Principal, ids []int64, action, comment string) ([]BulkResult, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if len(ids) == 0 || len(ids) > 200 {
		return nil, apperr.Field("ids", "must name 1 to 200 claims")
	}
	if !slices.Contains([]string{"approve", "pay", "reject"}, action) {
		return nil, apperr.Field("action", "must be approve, pay or reject")
	}
	out := make([]BulkResult, 0, len(ids))
	for _, id := range ids {
		c, err := s.ActSubsidy(ctx, p, id, action, comment)
		r := BulkResult{ID: id, OK: err == nil, State: c.State}
		if err != nil {
			r.Error = err.Error()
		}
		out = append(out, r)
	}
	return out, nil
}

// QuarterRun is what a quarter-end run of a scheme did.
type QuarterRun struct {
	Quarter string         `json:"quarter"`
	Claimed []SubsidyClaim `json:"claimed"`
	// Skipped are the loans with interest in the quarter that were not
	// claimed, with the reason.
	Skipped []BulkResult `json:"skipped"`
}

// RunQuarter is the system's claim at quarter end: for every loan the
// scheme covers with interest repaid in the quarter and no claim yet, a
// claim of origin system (officers of the scheme's agency start it; the
// daily schedule does too, see RunDueQuarters). Every run is recorded.
func (s *Service) RunQuarter(ctx context.Context, p *auth.Principal, schemeID int64, quarter string) (QuarterRun, error) {
	if p == nil {
		return QuarterRun{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	sc, err := loadScheme(ctx, s.DB.Read, schemeID)
	if err != nil {
		return QuarterRun{}, err
	}
	if !runs(p, sc.OwnerOrgID) {
		return QuarterRun{}, apperr.New(apperr.Forbidden, "officers of the program's agency run its subsidy schemes")
	}
	q, _, to, err := ParseQuarter(quarter)
	if err != nil {
		return QuarterRun{}, err
	}
	if to.After(s.today()) {
		return QuarterRun{}, apperr.Field("quarter", "%s has not ended", q)
	}
	rid, _, err := s.startRun(ctx, sc, q, RunByOfficer, p.UserID)
	if err != nil {
		return QuarterRun{}, err
	}
	run, err := s.runQuarter(ctx, sc, q)
	if err != nil {
		return run, err
	}
	return run, s.endRun(ctx, rid, sc, run, RunByOfficer)
}

// runQuarter files the system's claims of a scheme for an ended quarter.
func (s *Service) runQuarter(ctx context.Context, sc Scheme, quarter string) (QuarterRun, error) {
	q, from, to, err := ParseQuarter(quarter)
	if err != nil {
		return QuarterRun{}, err
	}
	var args db.Args
	cond := []string{}
	if len(sc.ProductIDs) > 0 {
		cond = append(cond, `l.product_id IN (`+db.List(&args, sc.ProductIDs)+`)`)
	}
	if len(sc.PoolIDs) > 0 {
		cond = append(cond, `p.pool_id IN (`+db.List(&args, sc.PoolIDs)+`)`)
	}
	if len(cond) == 0 {
		return QuarterRun{Quarter: q, Claimed: []SubsidyClaim{}, Skipped: []BulkResult{}}, nil
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT DISTINCT l.id FROM loans l JOIN loan_products p ON p.id = l.product_id JOIN loan_repayments r ON r.loan_id = l.id
		WHERE (`+strings.Join(cond, " OR ")+`) AND r.paid_on >= `+args.Add(from.Format(time.DateOnly))+` AND r.paid_on < `+args.Add(to.Format(time.DateOnly))+`
		AND r.interest_fen > 0 AND NOT EXISTS (SELECT 1 FROM subsidy_claims c WHERE c.loan_id = l.id AND c.quarter = `+args.Add(q)+` AND c.state <> 'rejected')
		ORDER BY l.id LIMIT 5000`, args...)
	loans, err := db.Collect(rows, err, "loans", func(r interface{ Scan(...any) error }) (int64, error) {
		var x int64
		return x, r.Scan(&x)
	})
	if err != nil {
		return QuarterRun{}, err
	}
	run := QuarterRun{Quarter: q, Claimed: []SubsidyClaim{}, Skipped: []BulkResult{}}
	for _, loan := range loans {
		c, err := s.ClaimSubsidy(ctx, workflow.System, SubsidyClaimInput{LoanID: loan, Quarter: q, SchemeID: sc.ID})
		if err != nil {
			run.Skipped = append(run.Skipped, BulkResult{ID: loan, Error: err.Error()})
			continue
		}
		run.Claimed = append(run.Claimed, c)
	}
	return run, nil
}

func (s *Service) tellSubsidy(ctx context.Context, tx *sql.Tx, c *SubsidyClaim, org int64, what string) error {
	if s.Notifier == nil {
		return nil
	}
	title := notify.Text{Zh: "新的贴息申请：" + c.OrgName + " " + c.Quarter, En: "New interest subsidy claim: " + c.OrgName + " " + c.Quarter}
	if what != "new" {
		st, _ := Subsidies.State(what)
		title = notify.Text{Zh: "贴息申请（" + c.Quarter + "）：" + st.LabelZh, En: "Interest subsidy claim (" + c.Quarter + "): " + st.LabelEn}
	}
	_, err := s.Notifier.ToOrg(ctx, tx, org, notify.Message{Kind: "finance.subsidy." + what, Title: title,
		Body: notify.Text{Zh: "贴息 " + yuanText(c.AmountFen), En: "Subsidy " + yuanText(c.AmountFen)}, Link: "/finance/subsidies"})
	return err
}

// ShareText is the scheme's share of the interest as a percentage.
func (sc Scheme) ShareText() string { return ShareText(sc.ShareBP) }
