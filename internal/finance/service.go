package finance

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/workflow"
	"rainforest/internal/registry"
)

// Service is the finance module.
type Service struct {
	DB       *db.DB
	Registry *registry.Service
	Rules    Rules
	Programs Programs
	Notifier *notify.Notifier
}

var shanghai = time.FixedZone("CST", 8*3600)

func (s *Service) today() time.Time {
	y, m, d := s.DB.Now().In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// banker reports whether p acts for the bank: its members, administrators.
func banker(p *auth.Principal, bank int64) bool {
	return p.IsAdmin() || (p != nil && p.RoleIn(bank) != "")
}

const productCols = `p.id, p.bank_org_id, o.name_zh, p.name_zh, p.name_en, p.description_zh, p.description_en, p.min_fen, p.max_fen, p.min_months,
	p.max_months, p.rate_bp, p.collateral_free, p.ip_pledge, p.eligibility, p.pool_id, p.status, p.version, p.created_at`

const productFrom = ` FROM loan_products p JOIN orgs o ON o.id = p.bank_org_id`

func scanProduct(r scanner) (Product, error) {
	var p Product
	var pool sql.NullInt64
	err := r.Scan(&p.ID, &p.BankOrgID, &p.BankName, &p.NameZh, &p.NameEn, &p.DescriptionZh, &p.DescriptionEn, &p.MinFen, &p.MaxFen, &p.MinMonths,
		&p.MaxMonths, &p.RateBP, &p.CollateralFree, &p.IPPledge, &p.Eligibility, &pool, &p.Status, &p.Version, &p.CreatedAt)
	if pool.Valid {
		p.PoolID = &pool.Int64
	}
	return p, err
}

func loadProduct(ctx context.Context, q querier, id int64) (Product, error) {
	p, err := scanProduct(q.QueryRowContext(ctx, `SELECT `+productCols+productFrom+` WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "no loan product %d", id)
	}
	return p, apperr.Wrap(err, "loan product")
}

// Products lists the active products (and a bank's own withdrawn ones to
// its members).
func (s *Service) Products(ctx context.Context, p *auth.Principal) ([]Product, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+productCols+productFrom+` ORDER BY p.status, p.id DESC LIMIT 500`)
	ps, err := db.Collect(rows, err, "loan products", func(r interface{ Scan(...any) error }) (Product, error) { return scanProduct(r) })
	out := []Product{}
	for _, x := range ps {
		if x.Status == "active" || banker(p, x.BankOrgID) {
			out = append(out, x)
		}
	}
	return out, err
}

// SaveProduct creates (id 0) or replaces a bank's product: its members
// and administrators.
func (s *Service) SaveProduct(ctx context.Context, p *auth.Principal, id int64, in ProductInput) (Product, error) {
	if p == nil {
		return Product{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	prod, err := in.normalize()
	if err != nil {
		return Product{}, err
	}
	if !banker(p, prod.BankOrgID) {
		return Product{}, apperr.New(apperr.Forbidden, "a bank's members publish its loan products")
	}
	if prod.Eligibility != "" && s.Rules != nil {
		if err := s.Rules.Check(ctx, prod.Eligibility); err != nil {
			return Product{}, apperr.Field("eligibility", "is not a program the rules can evaluate")
		}
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = $1`, prod.BankOrgID).Scan(&kind); errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "bank") {
			return apperr.Field("bank_org_id", "is not a bank")
		} else if err != nil {
			return apperr.Wrap(err, "bank")
		}
		if prod.PoolID != nil {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM risk_pools WHERE id = $1`, *prod.PoolID).Scan(&n); err != nil {
				return apperr.Wrap(err, "pool")
			}
			if n == 0 {
				return apperr.Field("pool_id", "is not a risk-compensation pool")
			}
		}
		var before any
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO loan_products (bank_org_id, name_zh, name_en, description_zh, description_en, min_fen, max_fen, min_months,
				max_months, rate_bp, collateral_free, ip_pledge, eligibility, pool_id, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`,
				prod.BankOrgID, prod.NameZh, prod.NameEn, prod.DescriptionZh, prod.DescriptionEn, prod.MinFen, prod.MaxFen, prod.MinMonths, prod.MaxMonths,
				prod.RateBP, prod.CollateralFree, prod.IPPledge, prod.Eligibility, prod.PoolID, prod.Status, now).Scan(&id); err != nil {
				return apperr.Wrap(err, "insert product")
			}
		} else {
			old, err := loadProduct(ctx, tx, id)
			if err != nil {
				return err
			}
			if !banker(p, old.BankOrgID) || old.BankOrgID != prod.BankOrgID {
				return apperr.New(apperr.Forbidden, "a bank's members change its loan products")
			}
			before = old
			if _, err := tx.ExecContext(ctx, `UPDATE loan_products SET name_zh = $1, name_en = $2, description_zh = $3, description_en = $4, min_fen = $5, max_fen = $6,
				min_months = $7, max_months = $8, rate_bp = $9, collateral_free = $10, ip_pledge = $11, eligibility = $12, pool_id = $13, status = $14,
				version = version + 1, updated_at = $15 WHERE id = $16`, prod.NameZh, prod.NameEn, prod.DescriptionZh, prod.DescriptionEn, prod.MinFen, prod.MaxFen,
				prod.MinMonths, prod.MaxMonths, prod.RateBP, prod.CollateralFree, prod.IPPledge, prod.Eligibility, prod.PoolID, prod.Status, now, id); err != nil {
				return apperr.Wrap(err, "update product")
			}
		}
		after, err := loadProduct(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: prod.BankOrgID, Action: map[bool]string{true: "create", false: "update"}[before == nil],
			Entity: "loan_product", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	if err != nil {
		return Product{}, err
	}
	return loadProduct(ctx, s.DB.Read, id)
}

// Product returns a product.
func (s *Service) Product(ctx context.Context, p *auth.Principal, id int64) (Product, error) {
	prod, err := loadProduct(ctx, s.DB.Read, id)
	if err == nil && prod.Status != "active" && !banker(p, prod.BankOrgID) {
		return Product{}, apperr.New(apperr.NotFound, "no loan product %d", id)
	}
	return prod, err
}

// Loan states.
const (
	Received     = "received"
	DueDiligence = "due_diligence"
	Approved     = "approved"
	Declined     = "declined"
	Withdrawn    = "withdrawn"
	Disbursed    = "disbursed"
	Repaid       = "repaid"
	Defaulted    = "defaulted"
)

type loanSubject struct{ l *Loan }

func loanRoles(p *auth.Principal, s workflow.Subject[*loanSubject]) []string {
	var out []string
	if p == nil {
		return nil
	}
	if p.IsAdmin() {
		out = append(out, "admin")
	}
	if p.RoleIn(s.Value.l.BankOrgID) != "" {
		out = append(out, "bank")
	}
	if p.RoleIn(s.Value.l.OrgID) != "" {
		out = append(out, "borrower")
	}
	return out
}

// Loans is the bank's workflow.
var Loans = workflow.Must(workflow.New[*loanSubject](nil, workflow.Definition[*loanSubject]{
	Name:    "loan",
	LabelZh: "贷款申请",
	LabelEn: "Loan application",
	Initial: Received,
	States: []workflow.State{
		{Name: Received, LabelZh: "已受理", LabelEn: "Received"},
		{Name: DueDiligence, LabelZh: "尽职调查", LabelEn: "Due diligence"},
		{Name: Approved, LabelZh: "已批准", LabelEn: "Approved"},
		{Name: Declined, LabelZh: "未获批准", LabelEn: "Declined", Terminal: true},
		{Name: Withdrawn, LabelZh: "已撤回", LabelEn: "Withdrawn", Terminal: true},
		{Name: Disbursed, LabelZh: "已放款（还款中）", LabelEn: "Disbursed (repaying)"},
		{Name: Repaid, LabelZh: "已结清", LabelEn: "Repaid", Terminal: true},
		{Name: Defaulted, LabelZh: "已违约", LabelEn: "Defaulted", Terminal: true},
	},
	Transitions: []workflow.Transition[*loanSubject]{
		{Action: "review", LabelZh: "开始尽职调查", LabelEn: "Start due diligence", From: []string{Received}, To: DueDiligence, Roles: []string{"bank"}},
		{Action: "approve", LabelZh: "批准", LabelEn: "Approve", From: []string{DueDiligence}, To: Approved, Roles: []string{"bank"}},
		{Action: "decline", LabelZh: "不予批准", LabelEn: "Decline", From: []string{Received, DueDiligence}, To: Declined, Roles: []string{"bank"}, Comment: workflow.CommentRequired},
		{Action: "withdraw", LabelZh: "撤回申请", LabelEn: "Withdraw", From: []string{Received, DueDiligence, Approved}, To: Withdrawn, Roles: []string{"borrower"}},
		{Action: "disburse", LabelZh: "放款", LabelEn: "Disburse", From: []string{Approved}, To: Disbursed, Roles: []string{"bank"}},
		{Action: "repaid", LabelZh: "结清", LabelEn: "Mark repaid", From: []string{Disbursed}, To: Repaid, Roles: []string{workflow.RoleSystem}},
		{Action: "default", LabelZh: "认定违约", LabelEn: "Declare default", From: []string{Disbursed}, To: Defaulted, Roles: []string{"bank"}, Comment: workflow.CommentRequired},
	},
	Store:   workflow.Store{Table: "loans", VersionColumn: "version", UpdatedColumn: "updated_at"},
	RolesOf: loanRoles,
}))

func (s *Service) loans() *workflow.Machine[*loanSubject] {
	m := *Loans
	m.DB = s.DB
	return &m
}

const loanCols = `l.id, l.product_id, p.name_zh, p.name_en, l.bank_org_id, b.name_zh, l.org_id, o.name_zh, l.amount_fen, l.months, l.rate_bp, l.purpose,
	l.state, l.disbursed_on, l.outstanding_fen, l.version, l.created_at`

const loanFrom = ` FROM loans l JOIN loan_products p ON p.id = l.product_id JOIN orgs b ON b.id = l.bank_org_id JOIN orgs o ON o.id = l.org_id`

func scanLoan(r scanner) (Loan, error) {
	var l Loan
	var disb db.Date
	err := r.Scan(&l.ID, &l.ProductID, &l.ProductZh, &l.ProductEn, &l.BankOrgID, &l.BankName, &l.OrgID, &l.OrgName, &l.AmountFen, &l.Months, &l.RateBP,
		&l.Purpose, &l.State, &disb, &l.OutstandingFen, &l.Version, &l.CreatedAt)
	l.DisbursedOn = disb.Ptr()
	return l, err
}

func loadLoan(ctx context.Context, q querier, id int64) (Loan, error) {
	l, err := scanLoan(q.QueryRowContext(ctx, `SELECT `+loanCols+loanFrom+` WHERE l.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.New(apperr.NotFound, "no loan %d", id)
	}
	return l, apperr.Wrap(err, "loan")
}

// mayReadLoan: the borrower's and the bank's members, officers,
// administrators.
func mayReadLoan(p *auth.Principal, l *Loan) bool {
	return p != nil && (p.IsAdmin() || p.IsOfficer() || p.RoleIn(l.OrgID) != "" || p.RoleIn(l.BankOrgID) != "")
}

// Apply files a loan application for an organization p belongs to, with
// its consent and pledges, in one transaction.
func (s *Service) Apply(ctx context.Context, p *auth.Principal, in LoanInput) (Loan, error) {
	if p == nil {
		return Loan{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if in.OrgID == 0 {
		if ids := p.OrgIDs(); len(ids) == 1 {
			in.OrgID = ids[0]
		}
	}
	if in.OrgID < 1 || (!p.IsAdmin() && p.RoleIn(in.OrgID) == "") {
		return Loan{}, apperr.Field("org_id", "must be an organization you belong to").WithCode(apperr.Forbidden)
	}
	prod, err := loadProduct(ctx, s.DB.Read, in.ProductID)
	if apperr.CodeOf(err) == apperr.NotFound || (err == nil && prod.Status != "active") {
		return Loan{}, apperr.Field("product_id", "is not an active loan product")
	} else if err != nil {
		return Loan{}, err
	}
	if err := in.check(&prod); err != nil {
		return Loan{}, err
	}
	if prod.Eligibility != "" && s.Rules != nil {
		st, zh, en, err := s.Rules.Eligible(ctx, in.OrgID, prod.Eligibility)
		if err != nil {
			return Loan{}, err
		}
		if st != "eligible" {
			return Loan{}, apperr.Field("product_id", "is for other enterprises: %s (%s)", en, zh).WithCode(apperr.Forbidden)
		}
	}
	var id int64
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO loans (product_id, bank_org_id, org_id, amount_fen, months, rate_bp, purpose, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`, prod.ID, prod.BankOrgID, in.OrgID, in.AmountYuan*100, in.Months, prod.RateBP,
			in.Purpose, Received, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert loan")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO loan_consents (loan_id, scopes, granted_at) VALUES ($1, $2, $3)`, id, strings.Join(in.Scopes, ","), now); err != nil {
			return apperr.Wrap(err, "consent")
		}
		for i, a := range in.AssetIDs {
			if err := s.pledge(ctx, tx, id, in.OrgID, a, "pledge_asset_ids["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		l, err := loadLoan(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Change{OrgID: in.OrgID, Action: "apply", Entity: "loan", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"loan": l, "consent_scopes": in.Scopes, "pledges": in.AssetIDs}}); err != nil {
			return err
		}
		return s.tell(ctx, tx, &l, l.BankOrgID, "new")
	})
	if err != nil {
		return Loan{}, err
	}
	return s.Loan(ctx, p, id)
}

// pledge encumbers an asset of org for a loan: one active pledge per
// asset, held by the database's unique index.
func (s *Service) pledge(ctx context.Context, tx *sql.Tx, loan, org, asset int64, field string) error {
	var owner int64
	var status string
	err := tx.QueryRowContext(ctx, `SELECT owner_org_id, status FROM ip_assets WHERE id = $1`, asset).Scan(&owner, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Field(field, "is not an IP asset")
	}
	if err != nil {
		return apperr.Wrap(err, "asset")
	}
	if owner != org {
		return apperr.Field(field, "is not an asset of the borrower")
	}
	if status == "lapsed" {
		return apperr.Field(field, "has lapsed and cannot be pledged")
	}
	var other int64
	if err := tx.QueryRowContext(ctx, `SELECT loan_id FROM loan_pledges WHERE asset_id = $1 AND state = 'active'`, asset).Scan(&other); err == nil {
		return apperr.Field(field, "is already pledged for loan %d", other).WithCode(apperr.Conflict)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, "pledges")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO loan_pledges (loan_id, asset_id, created_at) VALUES ($1, $2, $3)`, loan, asset, s.DB.Now())
	if db.IsUniqueViolation(err) {
		return apperr.Field(field, "is already pledged").WithCode(apperr.Conflict)
	}
	return apperr.Wrap(err, "pledge")
}

// Encumbrance says which active loan pledge holds an IP asset, if any;
// the IP module asks it before a listing or a sale.
func Encumbrance(ctx context.Context, q querier, asset int64) (loan int64, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT loan_id FROM loan_pledges WHERE asset_id = $1 AND state = 'active'`, asset).Scan(&loan)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return loan, err == nil, apperr.Wrap(err, "encumbrance")
}

// Loan returns a loan with its consent and reads, schedule and pledges.
func (s *Service) Loan(ctx context.Context, p *auth.Principal, id int64) (Loan, error) {
	if p == nil {
		return Loan{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	l, err := loadLoan(ctx, s.DB.Read, id)
	if err != nil {
		return l, err
	}
	if !mayReadLoan(p, &l) {
		return Loan{}, apperr.New(apperr.NotFound, "no loan %d", id)
	}
	c := Consent{Reads: []Read{}}
	var scopes string
	var withdrawn db.Time
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT scopes, granted_at, withdrawn_at FROM loan_consents WHERE loan_id = $1`, id).Scan(&scopes, &c.GrantedAt, &withdrawn); err != nil {
		return l, apperr.Wrap(err, "consent")
	}
	c.Scopes = strings.Split(scopes, ",")
	if withdrawn.Valid {
		t := withdrawn.Time
		c.WithdrawnAt = &t
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT r.user_id, u.email, r.scopes, r.at FROM loan_data_reads r JOIN users u ON u.id = r.user_id WHERE r.loan_id = $1 ORDER BY r.id DESC LIMIT 200`, id)
	c.Reads, err = db.Collect(rows, err, "reads", func(r interface{ Scan(...any) error }) (Read, error) {
		var x Read
		var sc string
		err := r.Scan(&x.UserID, &x.Email, &sc, &x.At)
		x.Scopes = strings.Split(sc, ",")
		return x, err
	})
	if err != nil {
		return l, err
	}
	if c.Reads == nil {
		c.Reads = []Read{}
	}
	l.Consent = &c
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT n, due_on, principal_fen, interest_fen, paid_fen, paid_on FROM loan_installments WHERE loan_id = $1 ORDER BY n`, id)
	l.Schedule, err = db.Collect(rows, err, "schedule", func(r interface{ Scan(...any) error }) (Installment, error) {
		var x Installment
		var due, paid db.Date
		err := r.Scan(&x.N, &due, &x.PrincipalFen, &x.InterestFen, &x.PaidFen, &paid)
		x.DueOn, x.PaidOn = due.String, paid.Ptr()
		return x, err
	})
	if err != nil {
		return l, err
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT paid_on, amount_fen, interest_fen, principal_fen FROM loan_repayments WHERE loan_id = $1 ORDER BY paid_on, id`, id)
	l.Repayments, err = db.Collect(rows, err, "repayments", func(r interface{ Scan(...any) error }) (Repayment, error) {
		var x Repayment
		var on db.Date
		err := r.Scan(&on, &x.AmountFen, &x.InterestFen, &x.PrincipalFen)
		x.PaidOn = on.String
		return x, err
	})
	if err != nil {
		return l, err
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT a.id, a.number, a.title_zh, g.state FROM loan_pledges g JOIN ip_assets a ON a.id = g.asset_id WHERE g.loan_id = $1 ORDER BY g.id`, id)
	l.Pledges, err = db.Collect(rows, err, "pledges", func(r interface{ Scan(...any) error }) (Pledge, error) {
		var x Pledge
		return x, r.Scan(&x.AssetID, &x.Number, &x.Title, &x.State)
	})
	return l, err
}

// LoanQuery filters the loan list.
type LoanQuery struct {
	State string
}

// LoanList lists the loans of p's organizations as borrower or bank
// (officers and administrators: all), newest first.
func (s *Service) LoanList(ctx context.Context, p *auth.Principal, q LoanQuery) ([]Loan, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if q.State != "" {
		if _, ok := Loans.State(q.State); !ok {
			return nil, apperr.Field("state", "is not a loan state")
		}
	}
	var args db.Args
	where := []string{"1 = 1"}
	if !p.IsAdmin() && !p.IsOfficer() {
		orgs := p.OrgIDs()
		if len(orgs) == 0 {
			return []Loan{}, nil
		}
		in := db.List(&args, orgs)
		where = append(where, `(l.org_id IN (`+in+`) OR l.bank_org_id IN (`+in+`))`)
	}
	if q.State != "" {
		where = append(where, `l.state = `+args.Add(q.State))
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+loanCols+loanFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY l.id DESC LIMIT 500`, args...)
	ls, err := db.Collect(rows, err, "loans", func(r interface{ Scan(...any) error }) (Loan, error) { return scanLoan(r) })
	if ls == nil {
		ls = []Loan{}
	}
	return ls, err
}

// LoanView is a loan with the actions open to the reader and its history.
type LoanView struct {
	Loan
	Actions []workflow.Option `json:"actions"`
	History []workflow.Record `json:"history"`
}

// View returns the loan page's content.
func (s *Service) View(ctx context.Context, p *auth.Principal, id int64) (LoanView, error) {
	l, err := s.Loan(ctx, p, id)
	if err != nil {
		return LoanView{}, err
	}
	m := s.loans()
	acts, err := m.Available(ctx, s.DB.Read, workflow.Subject[*loanSubject]{ID: id, State: l.State, OrgID: l.OrgID, Value: &loanSubject{&l}}, p)
	if err != nil {
		return LoanView{}, err
	}
	acts = slices.DeleteFunc(acts, func(o workflow.Option) bool { return o.Action == "repaid" })
	hist, err := m.History(ctx, s.DB.Read, id)
	return LoanView{Loan: l, Actions: acts, History: hist}, err
}

// Act moves a loan through the bank's workflow. Disbursement writes the
// schedule; a declined or withdrawn application releases its pledges.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, action, comment string) (Loan, error) {
	if p == nil {
		return Loan{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if action == "repaid" {
		return Loan{}, apperr.Field("action", "a loan is repaid by its repayments")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		l, err := loadLoan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayReadLoan(p, &l) {
			return apperr.New(apperr.NotFound, "no loan %d", id)
		}
		rec, err := s.loans().Apply(ctx, tx, workflow.Subject[*loanSubject]{ID: id, State: l.State, OrgID: l.OrgID, Value: &loanSubject{&l}}, action, p, comment)
		if err != nil {
			return err
		}
		now := s.DB.Now()
		switch rec.To {
		case Disbursed:
			today := s.today()
			for _, in := range Schedule(l.AmountFen, l.Months, l.RateBP, today.AddDate(0, 1, 0)) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO loan_installments (loan_id, n, due_on, principal_fen, interest_fen) VALUES ($1, $2, $3, $4, $5)`,
					id, in.N, in.DueOn, in.PrincipalFen, in.InterestFen); err != nil {
					return apperr.Wrap(err, "schedule")
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE loans SET disbursed_on = $1, outstanding_fen = amount_fen WHERE id = $2`, today.Format(time.DateOnly), id); err != nil {
				return apperr.Wrap(err, "disburse")
			}
		case Declined, Withdrawn:
			if _, err := tx.ExecContext(ctx, `UPDATE loan_pledges SET state = 'released', released_at = $1 WHERE loan_id = $2 AND state = 'active'`, now, id); err != nil {
				return apperr.Wrap(err, "release pledges")
			}
		}
		to := l.OrgID
		if action == "withdraw" {
			to = l.BankOrgID
		}
		return s.tell(ctx, tx, &l, to, rec.To)
	})
	if err != nil {
		return Loan{}, err
	}
	return s.Loan(ctx, p, id)
}

// Repay records a repayment of a disbursed loan (the bank's members):
// applied to the installments in order; the principal part lowers what is
// outstanding; the last one repays the loan and releases its pledges.
func (s *Service) Repay(ctx context.Context, p *auth.Principal, id int64, amountFen int64, paidOn string) (Loan, error) {
	if p == nil {
		return Loan{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if amountFen < 1 || amountFen > maxYuan*100 {
		return Loan{}, apperr.Field("amount_fen", "must be a positive amount in fen")
	}
	today := s.today().Format(time.DateOnly)
	if paidOn == "" {
		paidOn = today
	}
	if _, err := time.Parse(time.DateOnly, paidOn); err != nil || paidOn > today {
		return Loan{}, apperr.Field("paid_on", "must be a date, not in the future")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		l, err := loadLoan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !banker(p, l.BankOrgID) {
			if mayReadLoan(p, &l) {
				return apperr.New(apperr.Forbidden, "the bank records repayments")
			}
			return apperr.New(apperr.NotFound, "no loan %d", id)
		}
		if l.State != Disbursed {
			return apperr.New(apperr.Conflict, "the loan is %s, not being repaid", l.State)
		}
		if paidOn < *l.DisbursedOn {
			return apperr.Field("paid_on", "is before the disbursement")
		}
		rows, err := tx.QueryContext(ctx, `SELECT n, principal_fen, interest_fen, paid_fen FROM loan_installments WHERE loan_id = $1 AND paid_fen < principal_fen + interest_fen ORDER BY n`, id)
		type inst struct{ n, principal, interest, paid int64 }
		is, err := db.Collect(rows, err, "installments", func(r interface{ Scan(...any) error }) (inst, error) {
			var x inst
			return x, r.Scan(&x.n, &x.principal, &x.interest, &x.paid)
		})
		if err != nil {
			return err
		}
		var owed int64
		for _, x := range is {
			owed += x.principal + x.interest - x.paid
		}
		if amountFen > owed {
			return apperr.Field("amount_fen", "is more than the %s still owed", yuanText(owed))
		}
		left, principalPaid, interestPaid := amountFen, int64(0), int64(0)
		for _, x := range is {
			if left == 0 {
				break
			}
			due := x.principal + x.interest - x.paid
			pay := min(due, left)
			// Interest first, then principal.
			interestLeft := max(x.interest-x.paid, 0)
			principalPaid += max(pay-interestLeft, 0)
			interestPaid += min(pay, interestLeft)
			var paidAt any
			if pay == due {
				paidAt = paidOn
			}
			if _, err := tx.ExecContext(ctx, `UPDATE loan_installments SET paid_fen = paid_fen + $1, paid_on = $2 WHERE loan_id = $3 AND n = $4`, pay, paidAt, id, x.n); err != nil {
				return apperr.Wrap(err, "installment")
			}
			left -= pay
		}
		if _, err := tx.ExecContext(ctx, `UPDATE loans SET outstanding_fen = outstanding_fen - $1, version = version + 1, updated_at = $2 WHERE id = $3`, principalPaid, s.DB.Now(), id); err != nil {
			return apperr.Wrap(err, "outstanding")
		}
		// The repayment record is the evidence interest subsidies are paid on.
		if _, err := tx.ExecContext(ctx, `INSERT INTO loan_repayments (loan_id, paid_on, amount_fen, interest_fen, principal_fen, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, paidOn, amountFen, interestPaid, principalPaid, s.DB.Now()); err != nil {
			return apperr.Wrap(err, "repayment record")
		}
		if err := audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: l.OrgID, Action: "repay", Entity: "loan", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"amount_fen": amountFen, "principal_fen": principalPaid, "interest_fen": interestPaid, "paid_on": paidOn}}); err != nil {
			return err
		}
		if amountFen == owed {
			if _, err := s.loans().Apply(ctx, tx, workflow.Subject[*loanSubject]{ID: id, State: Disbursed, OrgID: l.OrgID, Value: &loanSubject{&l}}, "repaid", workflow.System, ""); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE loan_pledges SET state = 'released', released_at = $1 WHERE loan_id = $2 AND state = 'active'`, s.DB.Now(), id); err != nil {
				return apperr.Wrap(err, "release pledges")
			}
		}
		return nil
	})
	if err != nil {
		return Loan{}, err
	}
	return s.Loan(ctx, p, id)
}

// WithdrawConsent ends the bank's access to the shared data (the
// borrower's members).
func (s *Service) WithdrawConsent(ctx context.Context, p *auth.Principal, id int64) (Loan, error) {
	l, err := s.Loan(ctx, p, id)
	if err != nil {
		return l, err
	}
	if !p.IsAdmin() && p.RoleIn(l.OrgID) == "" {
		return Loan{}, apperr.New(apperr.Forbidden, "the borrower withdraws its consent")
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE loan_consents SET withdrawn_at = $1 WHERE loan_id = $2 AND withdrawn_at IS NULL`, now, id)
		if err != nil {
			return apperr.Wrap(err, "consent")
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return apperr.New(apperr.Conflict, "the consent was withdrawn already")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: l.OrgID, Action: "withdraw_consent", Entity: "loan", EntityID: strconv.FormatInt(id, 10)})
	})
	if err != nil {
		return Loan{}, err
	}
	return s.Loan(ctx, p, id)
}

// Shared is what the bank may read of the borrower, by scope.
type Shared struct {
	Scopes  []string       `json:"scopes"`
	Profile map[string]any `json:"profile,omitempty"`
	// Financials are the private figures of the registry's profile.
	Financials *registry.Private `json:"financials,omitempty"`
	IP         []SharedAsset     `json:"ip,omitempty"`
}

// SharedAsset is an IP asset as shared with a bank.
type SharedAsset struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	Number string `json:"number"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

// SharedData is the bank's read of what the borrower consented to share;
// every read is logged; a withdrawn consent is 403.
func (s *Service) SharedData(ctx context.Context, p *auth.Principal, id int64) (Shared, error) {
	if p == nil {
		return Shared{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	l, err := loadLoan(ctx, s.DB.Read, id)
	if err != nil {
		return Shared{}, err
	}
	if p.RoleIn(l.BankOrgID) == "" {
		if mayReadLoan(p, &l) {
			return Shared{}, apperr.New(apperr.Forbidden, "only the bank reads what the borrower shares with it")
		}
		return Shared{}, apperr.New(apperr.NotFound, "no loan %d", id)
	}
	var scopes string
	var withdrawn db.Time
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT scopes, withdrawn_at FROM loan_consents WHERE loan_id = $1`, id).Scan(&scopes, &withdrawn); err != nil {
		return Shared{}, apperr.Wrap(err, "consent")
	}
	if withdrawn.Valid {
		return Shared{}, apperr.New(apperr.Forbidden, "the borrower withdrew its consent on %s", withdrawn.Time.In(shanghai).Format(time.DateOnly))
	}
	out := Shared{Scopes: strings.Split(scopes, ",")}
	org, err := s.Registry.Get(ctx, &auth.Principal{Role: auth.RoleAdmin}, l.OrgID)
	if err != nil {
		return Shared{}, err
	}
	for _, sc := range out.Scopes {
		switch sc {
		case "profile":
			out.Profile = map[string]any{"id": org.ID, "uscc": org.USCC, "name_zh": org.NameZh, "name_en": org.NameEn, "registered_district": org.RegisteredDistrict,
				"founded_on": org.FoundedOn, "industry": org.Industry, "tech_field": org.TechField, "certifications": org.Certifications,
				"invention_patents": org.InventionPatents}
		case "financials":
			out.Financials = org.Private
		case "ip":
			rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, kind, number, title_zh, status FROM ip_assets WHERE owner_org_id = $1 ORDER BY id LIMIT 500`, l.OrgID)
			out.IP, err = db.Collect(rows, err, "assets", func(r interface{ Scan(...any) error }) (SharedAsset, error) {
				var a SharedAsset
				return a, r.Scan(&a.ID, &a.Kind, &a.Number, &a.Title, &a.Status)
			})
			if err != nil {
				return Shared{}, err
			}
			if out.IP == nil {
				out.IP = []SharedAsset{}
			}
		}
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO loan_data_reads (loan_id, user_id, scopes, at) VALUES ($1, $2, $3, $4)`, id, p.UserID, scopes, s.DB.Now())
		return apperr.Wrap(err, "log read")
	})
	return out, err
}

// tell sends a notice about a loan to an organization.
func (s *Service) tell(ctx context.Context, tx *sql.Tx, l *Loan, org int64, what string) error {
	if s.Notifier == nil {
		return nil
	}
	title := notify.Text{Zh: "新的贷款申请：" + l.OrgName, En: "New loan application: " + l.OrgName}
	if what != "new" {
		st, _ := Loans.State(what)
		title = notify.Text{Zh: "贷款「" + l.ProductZh + "」：" + st.LabelZh, En: "Loan " + l.ProductEn + ": " + st.LabelEn}
	}
	_, err := s.Notifier.ToOrg(ctx, tx, org, notify.Message{Kind: "finance.loan." + what, Title: title,
		Body: notify.Text{Zh: yuanText(l.AmountFen) + "，" + strconv.Itoa(l.Months) + " 个月", En: yuanText(l.AmountFen) + ", " + strconv.Itoa(l.Months) + " months"},
		Link: "/loans/" + strconv.FormatInt(l.ID, 10)})
	return err
}
