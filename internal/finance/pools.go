package finance

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
	"rainforest/internal/kernel/workflow"
)

// Parties are who may share a pool's losses; the pool's own share is the
// fund's.
var Parties = []string{"fund", "bank", "insurer", "valuer"}

// Pool is a risk-compensation pool.
type Pool struct {
	ID            int64            `json:"id"`
	Slug          string           `json:"slug"`
	OwnerOrgID    int64            `json:"owner_org_id"`
	OwnerName     string           `json:"owner_name"`
	NameZh        string           `json:"name_zh"`
	NameEn        string           `json:"name_en"`
	Shares        map[string]int64 `json:"shares_bp"`
	PerLoanCapFen int64            `json:"per_loan_cap_fen"`
	CapitalFen    int64            `json:"capital_fen"`
	Eligibility   string           `json:"eligibility"`
	Status        string           `json:"status"`
	// BalanceFen is what the pool holds now; HeldFen what approved claims
	// have set aside; PaidFen what it has paid.
	BalanceFen int64     `json:"balance_fen"`
	HeldFen    int64     `json:"held_fen"`
	PaidFen    int64     `json:"paid_fen"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
}

// PoolInput creates or replaces a pool.
type PoolInput struct {
	Slug       string `json:"slug"`
	OwnerOrgID int64  `json:"owner_org_id"`
	NameZh     string `json:"name_zh"`
	NameEn     string `json:"name_en"`
	// SharesPct are the parties' shares of a loss in percent (two
	// decimals), summing to 100, with the fund's above zero.
	SharesPct      map[string]float64 `json:"shares_pct"`
	PerLoanCapYuan int64              `json:"per_loan_cap_yuan"`
	CapitalYuan    int64              `json:"capital_yuan"`
	Eligibility    string             `json:"eligibility"`
	Status         string             `json:"status"`
}

// Claim is a bank's claim on a pool for a defaulted loan.
type Claim struct {
	ID        int64     `json:"id"`
	PoolID    int64     `json:"pool_id"`
	LoanID    int64     `json:"loan_id"`
	BankOrgID int64     `json:"bank_org_id"`
	BankName  string    `json:"bank_name"`
	OrgName   string    `json:"borrower_name"`
	LossFen   int64     `json:"loss_fen"`
	ShareBP   int64     `json:"share_bp"`
	ClaimFen  int64     `json:"claim_fen"`
	State     string    `json:"state"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
}

var poolSlugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

func (in *PoolInput) normalize() (Pool, error) {
	for _, p := range []*string{&in.Slug, &in.NameZh, &in.NameEn, &in.Eligibility, &in.Status} {
		*p = strings.TrimSpace(*p)
	}
	var fs fieldErrs
	if !poolSlugRe.MatchString(in.Slug) {
		fs.Add("slug", "must be 2 to 63 characters of a-z, 0-9 and -")
	}
	if in.OwnerOrgID < 1 {
		fs.Add("owner_org_id", "is required")
	}
	fs.Line("name_zh", in.NameZh, true, 200)
	fs.Line("name_en", in.NameEn, false, 300)
	shares := map[string]int64{}
	var sum int64
	for party, pct := range in.SharesPct {
		if !slices.Contains(Parties, party) {
			fs.Add("shares_pct."+party, "is not a party: "+strings.Join(Parties, ", "))
			continue
		}
		bp := int64(pct*100 + 0.5)
		if pct < 0 || pct > 100 || float64(bp)-pct*100 > 1e-6 || pct*100-float64(bp) > 1e-6 {
			fs.Add("shares_pct."+party, "must be a percentage from 0 to 100 with at most two decimals")
			continue
		}
		shares[party] = bp
		sum += bp
	}
	if shares["fund"] <= 0 {
		fs.Add("shares_pct.fund", "must be above zero: the pool's own share")
	} else if sum != 10000 {
		fs.Add("shares_pct", "must sum to 100")
	}
	if in.PerLoanCapYuan < 1 || in.PerLoanCapYuan > maxYuan {
		fs.Add("per_loan_cap_yuan", "must be a whole number of yuan from 1 to 10,000,000,000")
	}
	if in.CapitalYuan < 0 || in.CapitalYuan > maxYuan {
		fs.Add("capital_yuan", "must be a whole number of yuan from 0 to 10,000,000,000")
	}
	if in.Status == "" {
		in.Status = "open"
	}
	if in.Status != "open" && in.Status != "closed" {
		fs.Add("status", "must be open or closed")
	}
	return Pool{Slug: in.Slug, OwnerOrgID: in.OwnerOrgID, NameZh: in.NameZh, NameEn: in.NameEn, Shares: shares, PerLoanCapFen: in.PerLoanCapYuan * 100,
		CapitalFen: in.CapitalYuan * 100, Eligibility: in.Eligibility, Status: in.Status}, apperr.Fields(fs)
}

// runs reports whether p runs pools of owner: its officers, admins.
func runs(p *auth.Principal, owner int64) bool {
	return p.IsAdmin() || (p.IsOfficer() && p.RoleIn(owner) != "")
}

func poolCode(id int64) string { return "pool:fund:" + strconv.FormatInt(id, 10) }

const poolCols = `p.id, p.slug, p.owner_org_id, o.name_zh, p.name_zh, p.name_en, p.shares, p.per_loan_cap_fen, p.capital_fen, p.eligibility, p.status,
	p.version, p.created_at, COALESCE(a.balance, 0), COALESCE(a.held, 0)`

const poolFrom = ` FROM risk_pools p JOIN orgs o ON o.id = p.owner_org_id LEFT JOIN ledger_accounts a ON a.code = 'pool:fund:' || CAST(p.id AS TEXT)`

func scanPool(r scanner) (Pool, error) {
	var p Pool
	var shares string
	err := r.Scan(&p.ID, &p.Slug, &p.OwnerOrgID, &p.OwnerName, &p.NameZh, &p.NameEn, &shares, &p.PerLoanCapFen, &p.CapitalFen, &p.Eligibility, &p.Status,
		&p.Version, &p.CreatedAt, &p.BalanceFen, &p.HeldFen)
	if err == nil {
		err = json.Unmarshal([]byte(shares), &p.Shares)
	}
	return p, err
}

func loadPool(ctx context.Context, q querier, id int64) (Pool, error) {
	p, err := scanPool(q.QueryRowContext(ctx, `SELECT `+poolCols+poolFrom+` WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "no risk pool %d", id)
	}
	if err != nil {
		return p, apperr.Wrap(err, "pool")
	}
	err = q.QueryRowContext(ctx, `SELECT COALESCE(SUM(claim_fen), 0) FROM pool_claims WHERE pool_id = $1 AND state = 'paid'`, id).Scan(&p.PaidFen)
	return p, apperr.Wrap(err, "pool paid")
}

// Pools lists the pools (public: their terms and usage).
func (s *Service) Pools(ctx context.Context) ([]Pool, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+poolCols+poolFrom+` ORDER BY p.id`)
	ps, err := db.Collect(rows, err, "pools", func(r interface{ Scan(...any) error }) (Pool, error) { return scanPool(r) })
	for i := range ps {
		if err := s.DB.Read.QueryRowContext(ctx, `SELECT COALESCE(SUM(claim_fen), 0) FROM pool_claims WHERE pool_id = $1 AND state = 'paid'`, ps[i].ID).Scan(&ps[i].PaidFen); err != nil {
			return nil, apperr.Wrap(err, "pool paid")
		}
	}
	if ps == nil {
		ps = []Pool{}
	}
	return ps, err
}

// Pool returns a pool.
func (s *Service) Pool(ctx context.Context, id int64) (Pool, error) {
	return loadPool(ctx, s.DB.Read, id)
}

// SavePool creates (id 0) or replaces a pool; its capital is topped up
// (or cut, as far as unused) through appropriation entries.
func (s *Service) SavePool(ctx context.Context, p *auth.Principal, id int64, in PoolInput) (Pool, error) {
	if p == nil {
		return Pool{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	pool, err := in.normalize()
	if err != nil {
		return Pool{}, err
	}
	if !runs(p, pool.OwnerOrgID) {
		return Pool{}, apperr.New(apperr.Forbidden, "officers of the owning agency run its risk pools")
	}
	if pool.Eligibility != "" && s.Rules != nil {
		if err := s.Rules.Check(ctx, pool.Eligibility); err != nil {
			return Pool{}, apperr.Field("eligibility", "is not a program the rules can evaluate")
		}
	}
	shares, _ := json.Marshal(pool.Shares)
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var before any
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO risk_pools (slug, owner_org_id, name_zh, name_en, shares, per_loan_cap_fen, capital_fen, eligibility, status,
				created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`, pool.Slug, pool.OwnerOrgID, pool.NameZh, pool.NameEn,
				string(shares), pool.PerLoanCapFen, pool.CapitalFen, pool.Eligibility, pool.Status, now).Scan(&id); err != nil {
				if db.IsUniqueViolation(err) {
					return apperr.Field("slug", "is taken").WithCode(apperr.Conflict)
				}
				return apperr.Wrap(err, "insert pool")
			}
		} else {
			old, err := loadPool(ctx, tx, id)
			if err != nil {
				return err
			}
			if !runs(p, old.OwnerOrgID) || old.OwnerOrgID != pool.OwnerOrgID || old.Slug != pool.Slug {
				return apperr.New(apperr.Forbidden, "officers of the owning agency run its risk pools; slug and owner stay")
			}
			before = old
			if _, err := tx.ExecContext(ctx, `UPDATE risk_pools SET name_zh = $1, name_en = $2, shares = $3, per_loan_cap_fen = $4, capital_fen = $5, eligibility = $6,
				status = $7, version = version + 1, updated_at = $8 WHERE id = $9`, pool.NameZh, pool.NameEn, string(shares), pool.PerLoanCapFen, pool.CapitalFen,
				pool.Eligibility, pool.Status, now, id); err != nil {
				return apperr.Wrap(err, "update pool")
			}
		}
		pool.ID = id
		if err := s.fundPool(ctx, tx, &pool); err != nil {
			return err
		}
		after, err := loadPool(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: pool.OwnerOrgID, Action: map[bool]string{true: "create", false: "update"}[before == nil],
			Entity: "risk_pool", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	if err != nil {
		return Pool{}, err
	}
	return loadPool(ctx, s.DB.Read, id)
}

func (s *Service) fundPool(ctx context.Context, tx *sql.Tx, pool *Pool) error {
	l := ledger.New(s.DB)
	fund, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: poolCode(pool.ID), NameZh: "风险补偿资金池：" + pool.NameZh, NameEn: "Risk pool: " + cmp.Or(pool.NameEn, pool.NameZh),
		Type: ledger.Asset, Kind: "pool", NonNegative: true, OwnerOrgID: &pool.OwnerOrgID})
	if err != nil {
		return err
	}
	src, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: "appropriation:pool:" + strconv.FormatInt(pool.ID, 10), NameZh: "财政拨款：" + pool.NameZh,
		NameEn: "Appropriation: " + cmp.Or(pool.NameEn, pool.NameZh), Type: ledger.Equity, Kind: "appropriation", OwnerOrgID: &pool.OwnerOrgID})
	if err != nil {
		return err
	}
	delta := pool.CapitalFen - src.Balance
	if delta == 0 {
		return nil
	}
	if delta < 0 && fund.Available() < -delta {
		return apperr.Field("capital_yuan", "is less than what the pool has paid or set aside (at least %s)", yuanText(src.Balance-fund.Available()))
	}
	_, err = l.Post(ctx, tx, ledger.Entry{Key: "finance:pool:" + strconv.FormatInt(pool.ID, 10) + ":" + strconv.FormatInt(pool.CapitalFen, 10) + ":" + strconv.FormatInt(src.Balance, 10),
		Description: "Capital of risk pool " + pool.Slug + " set to " + ledger.Yuan(pool.CapitalFen) + " yuan", Ref: ledger.Ref{Entity: "risk_pool", ID: strconv.FormatInt(pool.ID, 10)},
		OrgID: pool.OwnerOrgID, Postings: []ledger.Posting{{AccountID: fund.ID, Amount: delta}, {AccountID: src.ID, Amount: -delta}}})
	return err
}

// Claim states.
const (
	ClaimSubmitted = "submitted"
	ClaimApproved  = "approved"
	ClaimPaid      = "paid"
	ClaimRejected  = "rejected"
)

type claimSubject struct {
	c    *Claim
	pool *Pool
}

func claimRoles(p *auth.Principal, s workflow.Subject[*claimSubject]) []string {
	var out []string
	if p == nil {
		return nil
	}
	if runs(p, s.Value.pool.OwnerOrgID) {
		out = append(out, "officer")
	}
	if p.RoleIn(s.Value.c.BankOrgID) != "" {
		out = append(out, "bank")
	}
	return out
}

// Claims is the pool claims' workflow.
var Claims = workflow.Must(workflow.New[*claimSubject](nil, workflow.Definition[*claimSubject]{
	Name:    "pool_claim",
	LabelZh: "风险补偿申请",
	LabelEn: "Risk pool claim",
	Initial: ClaimSubmitted,
	States: []workflow.State{
		{Name: ClaimSubmitted, LabelZh: "已提交", LabelEn: "Submitted"},
		{Name: ClaimApproved, LabelZh: "已核准", LabelEn: "Approved"},
		{Name: ClaimPaid, LabelZh: "已补偿", LabelEn: "Paid", Terminal: true},
		{Name: ClaimRejected, LabelZh: "不予补偿", LabelEn: "Rejected", Terminal: true},
	},
	Transitions: []workflow.Transition[*claimSubject]{
		{Action: "approve", LabelZh: "核准并预留资金", LabelEn: "Approve and set the money aside", From: []string{ClaimSubmitted}, To: ClaimApproved, Roles: []string{"officer"}},
		{Action: "pay", LabelZh: "拨付补偿", LabelEn: "Pay", From: []string{ClaimApproved}, To: ClaimPaid, Roles: []string{"officer"}},
		{Action: "reject", LabelZh: "不予补偿", LabelEn: "Reject", From: []string{ClaimSubmitted, ClaimApproved}, To: ClaimRejected, Roles: []string{"officer"}, Comment: workflow.CommentRequired},
	},
	Store:   workflow.Store{Table: "pool_claims", VersionColumn: "version", UpdatedColumn: "updated_at"},
	RolesOf: claimRoles,
}))

const claimCols = `c.id, c.pool_id, c.loan_id, c.bank_org_id, b.name_zh, o.name_zh, c.loss_fen, c.share_bp, c.claim_fen, c.state, c.version, c.created_at`

const claimFrom = ` FROM pool_claims c JOIN orgs b ON b.id = c.bank_org_id JOIN loans l ON l.id = c.loan_id JOIN orgs o ON o.id = l.org_id`

func scanClaim(r scanner) (Claim, error) {
	var c Claim
	err := r.Scan(&c.ID, &c.PoolID, &c.LoanID, &c.BankOrgID, &c.BankName, &c.OrgName, &c.LossFen, &c.ShareBP, &c.ClaimFen, &c.State, &c.Version, &c.CreatedAt)
	return c, err
}

func loadClaim(ctx context.Context, q querier, id int64) (Claim, error) {
	c, err := scanClaim(q.QueryRowContext(ctx, `SELECT `+claimCols+claimFrom+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "no claim %d", id)
	}
	return c, apperr.Wrap(err, "claim")
}

// FileClaim is the bank's claim for a defaulted loan of a product the
// pool covers: the loss is the principal outstanding, the claim the
// fund's share of it within the per-loan cap.
func (s *Service) FileClaim(ctx context.Context, p *auth.Principal, loanID int64) (Claim, error) {
	if p == nil {
		return Claim{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	l, err := loadLoan(ctx, s.DB.Read, loanID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Claim{}, apperr.Field("loan_id", "is not a loan")
	} else if err != nil {
		return Claim{}, err
	}
	if !banker(p, l.BankOrgID) {
		return Claim{}, apperr.New(apperr.Forbidden, "the lending bank files the claim")
	}
	if l.State != Defaulted {
		return Claim{}, apperr.Field("loan_id", "is %s: only a defaulted loan is claimed", l.State)
	}
	prod, err := loadProduct(ctx, s.DB.Read, l.ProductID)
	if err != nil {
		return Claim{}, err
	}
	if prod.PoolID == nil {
		return Claim{}, apperr.Field("loan_id", "is of a product no risk pool covers")
	}
	pool, err := loadPool(ctx, s.DB.Read, *prod.PoolID)
	if err != nil {
		return Claim{}, err
	}
	if pool.Eligibility != "" && s.Rules != nil {
		st, zh, en, err := s.Rules.Eligible(ctx, l.OrgID, pool.Eligibility)
		if err != nil {
			return Claim{}, err
		}
		if st != "eligible" {
			return Claim{}, apperr.Field("loan_id", "is to an enterprise the pool does not cover: %s (%s)", en, zh)
		}
	}
	if l.OutstandingFen <= 0 {
		return Claim{}, apperr.Field("loan_id", "has no principal outstanding")
	}
	share := pool.Shares["fund"]
	claim := min(l.OutstandingFen*share/10000, pool.PerLoanCapFen)
	var id int64
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO pool_claims (pool_id, loan_id, bank_org_id, loss_fen, share_bp, claim_fen, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`, pool.ID, l.ID, l.BankOrgID, l.OutstandingFen, share, claim, ClaimSubmitted, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.Field("loan_id", "has a claim already").WithCode(apperr.Conflict)
		}
		if err != nil {
			return apperr.Wrap(err, "insert claim")
		}
		c, err := loadClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: l.BankOrgID, Action: "create", Entity: "pool_claim", EntityID: strconv.FormatInt(id, 10), After: c})
	})
	if err != nil {
		return Claim{}, err
	}
	return loadClaim(ctx, s.DB.Read, id)
}

// ClaimList lists a pool's claims for its officers, or a bank's own.
func (s *Service) ClaimList(ctx context.Context, p *auth.Principal, poolID int64) ([]Claim, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	pool, err := loadPool(ctx, s.DB.Read, poolID)
	if err != nil {
		return nil, err
	}
	var args db.Args
	q := `SELECT ` + claimCols + claimFrom + ` WHERE c.pool_id = ` + args.Add(poolID)
	if !runs(p, pool.OwnerOrgID) {
		orgs := p.OrgIDs()
		if len(orgs) == 0 {
			return []Claim{}, nil
		}
		q += ` AND c.bank_org_id IN (` + db.List(&args, orgs) + `)`
	}
	rows, err := s.DB.Read.QueryContext(ctx, q+` ORDER BY c.id DESC LIMIT 2000`, args...)
	cs, err := db.Collect(rows, err, "claims", func(r interface{ Scan(...any) error }) (Claim, error) { return scanClaim(r) })
	if cs == nil {
		cs = []Claim{}
	}
	return cs, err
}

// ActClaim approves (setting the claim aside on the pool: a pool that
// cannot cover it refuses, 409), pays (settling what was set aside to
// the bank) or rejects a claim.
func (s *Service) ActClaim(ctx context.Context, p *auth.Principal, id int64, action, comment string) (Claim, error) {
	if p == nil {
		return Claim{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := loadClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		pool, err := loadPool(ctx, tx, c.PoolID)
		if err != nil {
			return err
		}
		if !runs(p, pool.OwnerOrgID) && p.RoleIn(c.BankOrgID) == "" {
			return apperr.New(apperr.NotFound, "no claim %d", id)
		}
		m := *Claims
		m.DB = s.DB
		if _, err := m.Apply(ctx, tx, workflow.Subject[*claimSubject]{ID: id, State: c.State, OrgID: c.BankOrgID, Value: &claimSubject{c: &c, pool: &pool}}, action, p, comment); err != nil {
			return err
		}
		l := ledger.New(s.DB)
		fund, err := l.AccountByCode(ctx, tx, poolCode(pool.ID))
		if err != nil {
			return err
		}
		ref := ledger.Ref{Entity: "pool_claim", ID: strconv.FormatInt(id, 10)}
		switch action {
		case "approve":
			h, err := l.Reserve(ctx, tx, ledger.HoldRequest{Key: "finance:claim:" + strconv.FormatInt(id, 10), AccountID: fund.ID, Amount: c.ClaimFen,
				Description: "Claim " + strconv.FormatInt(id, 10) + " on loan " + strconv.FormatInt(c.LoanID, 10), Ref: ref, OrgID: c.BankOrgID})
			if apperr.CodeOf(err) == apperr.Conflict {
				return apperr.New(apperr.Conflict, "the pool cannot cover %s: %s is left after what is set aside", yuanText(c.ClaimFen), yuanText(fund.Available()))
			}
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE pool_claims SET hold_id = $1 WHERE id = $2`, h.ID, id)
			return apperr.Wrap(err, "claim hold")
		case "pay":
			var hold int64
			if err := tx.QueryRowContext(ctx, `SELECT hold_id FROM pool_claims WHERE id = $1`, id).Scan(&hold); err != nil {
				return apperr.Wrap(err, "claim hold")
			}
			paid, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: "pool:paid:bank:" + strconv.FormatInt(c.BankOrgID, 10), NameZh: "风险补偿已付：" + c.BankName,
				NameEn: "Risk compensation paid: " + c.BankName, Type: ledger.Expense, Kind: "pool_paid", OwnerOrgID: &c.BankOrgID})
			if err != nil {
				return err
			}
			j, err := l.Settle(ctx, tx, hold, ledger.Entry{Key: "finance:claim:pay:" + strconv.FormatInt(id, 10), Description: "Compensation of claim " + strconv.FormatInt(id, 10),
				Ref: ref, OrgID: c.BankOrgID, Postings: []ledger.Posting{{AccountID: paid.ID, Amount: c.ClaimFen}, {AccountID: fund.ID, Amount: -c.ClaimFen}}})
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE pool_claims SET journal_id = $1 WHERE id = $2`, j.ID, id)
			return apperr.Wrap(err, "claim journal")
		case "reject":
			var hold sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT hold_id FROM pool_claims WHERE id = $1`, id).Scan(&hold); err != nil {
				return apperr.Wrap(err, "claim hold")
			}
			if hold.Valid {
				_, err := l.Release(ctx, tx, hold.Int64)
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Claim{}, err
	}
	return loadClaim(ctx, s.DB.Read, id)
}

// ShareList is the pool's shares in the parties' order, for the pages.
func (p Pool) ShareList() []PartyShare {
	var out []PartyShare
	for _, party := range Parties {
		if bp, ok := p.Shares[party]; ok && bp > 0 {
			out = append(out, PartyShare{Party: party, Pct: ShareText(bp)})
		}
	}
	return out
}

// PartyShare is one party's share as a percentage.
type PartyShare struct {
	Party string
	Pct   string
}

// AvailableFen is what the pool can still commit.
func (p Pool) AvailableFen() int64 { return p.BalanceFen - p.HeldFen }
