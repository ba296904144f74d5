package vouchers

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ledger"
)

const providerCols = `v.org_id, o.name_zh, o.name_en, v.region, v.categories, v.active`

func scanProvider(r scanner) (Provider, error) {
	var p Provider
	var cats string
	err := r.Scan(&p.OrgID, &p.Name, &p.NameEn, &p.Region, &cats, &p.Active)
	p.Categories = strings.Split(cats, ",")
	return p, err
}

func loadProvider(ctx context.Context, q querier, org int64) (Provider, error) {
	p, err := scanProvider(q.QueryRowContext(ctx, `SELECT `+providerCols+` FROM voucher_providers v JOIN orgs o ON o.id = v.org_id WHERE v.org_id = $1`, org))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "organization %d does not accept vouchers", org)
	}
	return p, apperr.Wrap(err, "provider")
}

// Providers lists the organizations that accept vouchers (public).
func (s *Service) Providers(ctx context.Context) ([]Provider, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+providerCols+` FROM voucher_providers v JOIN orgs o ON o.id = v.org_id ORDER BY v.region, o.name_zh`)
	ps, err := db.Collect(rows, err, "providers", func(r interface{ Scan(...any) error }) (Provider, error) { return scanProvider(r) })
	if ps == nil {
		ps = []Provider{}
	}
	return ps, err
}

// SaveProvider registers an organization as a provider or changes its
// region, categories or standing: officers and administrators.
func (s *Service) SaveProvider(ctx context.Context, p *auth.Principal, org int64, in ProviderInput) (Provider, error) {
	if p == nil {
		return Provider{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() && !p.IsOfficer() {
		return Provider{}, apperr.New(apperr.Forbidden, "officers register the providers that accept vouchers")
	}
	var fs fieldErrs
	in.Region = strings.TrimSpace(in.Region)
	if !slices.Contains(Regions, in.Region) {
		fs.Add("region", "must be one of "+strings.Join(Regions, ", "))
	}
	cats := setOf(&fs, "categories", in.Categories, Categories)
	if err := apperr.Fields(fs); err != nil {
		return Provider{}, err
	}
	active := in.Active == nil || *in.Active
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE id = $1`, org).Scan(&n); err != nil {
			return apperr.Wrap(err, "org")
		}
		if n == 0 {
			return apperr.New(apperr.NotFound, "no organization %d", org)
		}
		before, err := loadProvider(ctx, tx, org)
		var b any
		switch {
		case err == nil:
			b = before
			_, err = tx.ExecContext(ctx, `UPDATE voucher_providers SET region = $1, categories = $2, active = $3, updated_at = $4 WHERE org_id = $5`,
				in.Region, strings.Join(cats, ","), active, now, org)
		case apperr.CodeOf(err) == apperr.NotFound:
			_, err = tx.ExecContext(ctx, `INSERT INTO voucher_providers (org_id, region, categories, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
				org, in.Region, strings.Join(cats, ","), active, now)
		}
		if err != nil {
			return apperr.Wrap(err, "save provider")
		}
		after, err := loadProvider(ctx, tx, org)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: org, Action: "save", Entity: "voucher_provider", EntityID: strconv.FormatInt(org, 10), Before: b, After: after})
	})
	if err != nil {
		return Provider{}, err
	}
	return loadProvider(ctx, s.DB.Read, org)
}

// scope checks that a voucher may be spent at a provider now, with the
// reason when it may not.
func scope(v *Voucher, prog *Program, prov *Provider, today string) error {
	switch {
	case v.Status == "expired" || v.ExpiresOn < today:
		return apperr.New(apperr.Conflict, "the voucher expired on %s", v.ExpiresOn)
	case v.Status != "active":
		return apperr.New(apperr.Conflict, "the voucher is %s", v.Status)
	case !prov.Active:
		return apperr.Field("provider_org_id", "no longer accepts vouchers")
	case !slices.Contains(prog.Regions, prov.Region):
		return apperr.Field("provider_org_id", "is in %s, where this voucher is not accepted (only %s)", prov.Region, strings.Join(prog.Regions, ", "))
	}
	for _, c := range prov.Categories {
		if slices.Contains(prog.Categories, c) {
			return nil
		}
	}
	return apperr.Field("provider_org_id", "offers %s, which this voucher does not pay for (only %s)", strings.Join(prov.Categories, ", "), strings.Join(prog.Categories, ", "))
}

// quote checks a redemption and computes its split.
func (s *Service) quote(ctx context.Context, q querier, p *auth.Principal, id int64, in RedeemInput) (Voucher, Program, Provider, Split, error) {
	var prog Program
	var prov Provider
	v, err := loadVoucher(ctx, q, id)
	if err != nil {
		return v, prog, prov, Split{}, err
	}
	if !p.IsAdmin() && p.RoleIn(v.OrgID) == "" {
		return v, prog, prov, Split{}, apperr.New(apperr.NotFound, "no voucher %d", id)
	}
	if prog, err = loadProgram(ctx, q, v.ProgramID); err != nil {
		return v, prog, prov, Split{}, err
	}
	if in.ProviderOrgID < 1 {
		return v, prog, prov, Split{}, apperr.Field("provider_org_id", "is required")
	}
	prov, err = loadProvider(ctx, q, in.ProviderOrgID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return v, prog, prov, Split{}, apperr.Field("provider_org_id", "does not accept vouchers")
	} else if err != nil {
		return v, prog, prov, Split{}, err
	}
	if err := scope(&v, &prog, &prov, s.today()); err != nil {
		return v, prog, prov, Split{}, err
	}
	sp, err := SplitOrder(in.OrderFen, v.BalanceFen, prog.VoucherShareBP, prog.SubsidyShareBP, in.VoucherFen)
	return v, prog, prov, sp, err
}

// Quote shows how an order would be paid, writing nothing.
func (s *Service) Quote(ctx context.Context, p *auth.Principal, id int64, in RedeemInput) (Split, error) {
	if p == nil {
		return Split{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	_, _, _, sp, err := s.quote(ctx, s.DB.Read, p, id, in)
	return sp, err
}

var keyRe = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,100}$`)

// Redeem pays an order with a voucher: one ledger entry moves the voucher
// part from the voucher and the subsidy from the budget to what the
// platform owes the provider. The key makes it idempotent: a retry with
// the same key returns the first redemption and spends nothing more; the
// same key with another order is a conflict.
func (s *Service) Redeem(ctx context.Context, p *auth.Principal, id int64, key string, in RedeemInput) (Redemption, error) {
	if p == nil {
		return Redemption{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if v, err := loadVoucher(ctx, s.DB.Read, id); err != nil {
		return Redemption{}, err
	} else if !p.IsAdmin() && p.RoleIn(v.OrgID) == "" {
		return Redemption{}, apperr.New(apperr.NotFound, "no voucher %d", id)
	}
	if !keyRe.MatchString(key) {
		return Redemption{}, apperr.Field("Idempotency-Key", "must be 8 to 100 characters of letters, digits and . _ : -")
	}
	in.OrderRef = strings.TrimSpace(in.OrderRef)
	var fs fieldErrs
	fs.Line("order_ref", in.OrderRef, true, 100)
	if err := apperr.Fields(fs); err != nil {
		return Redemption{}, err
	}
	same := func(r Redemption) (Redemption, error) {
		if r.VoucherID != id || r.ProviderOrgID != in.ProviderOrgID || r.OrderRef != in.OrderRef || r.OrderFen != in.OrderFen {
			return Redemption{}, apperr.Field("Idempotency-Key", "was used for another order (redemption %d)", r.ID).WithCode(apperr.Conflict)
		}
		r.Replayed = true
		return r, nil
	}
	if r, err := s.redemptionByKey(ctx, s.DB.Read, key); err == nil {
		return same(r)
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return Redemption{}, err
	}
	var out Redemption
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if r, err := s.redemptionByKey(ctx, tx, key); err == nil {
			out, err = same(r)
			return err
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return err
		}
		v, prog, prov, sp, err := s.quote(ctx, tx, p, id, in)
		if err != nil {
			return err
		}
		l := s.ledger()
		vacct, err := l.AccountByCode(ctx, tx, voucherCode(v.ID))
		if err != nil {
			return err
		}
		budget, err := l.AccountByCode(ctx, tx, budgetCode(prog.ID))
		if err != nil {
			return err
		}
		due, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: dueCode(prov.OrgID), NameZh: "创新券待结算：" + prov.Name, NameEn: "Vouchers due: " + cmp.Or(prov.NameEn, prov.Name),
			Type: ledger.Asset, Kind: "voucher_due", OwnerOrgID: &prov.OrgID})
		if err != nil {
			return err
		}
		var posts []ledger.Posting
		if sp.VoucherFen > 0 {
			posts = append(posts, ledger.Posting{AccountID: vacct.ID, Amount: -sp.VoucherFen})
		}
		if sp.SubsidyFen > 0 {
			posts = append(posts, ledger.Posting{AccountID: budget.ID, Amount: -sp.SubsidyFen})
		}
		var journal int64
		if len(posts) > 0 {
			posts = append(posts, ledger.Posting{AccountID: due.ID, Amount: sp.VoucherFen + sp.SubsidyFen})
			j, err := l.Post(ctx, tx, ledger.Entry{Key: "vouchers:redeem:" + key, Description: "Voucher " + strconv.FormatInt(v.ID, 10) + " at " + prov.Name + ": " + in.OrderRef,
				Ref: ledger.Ref{Entity: "voucher", ID: strconv.FormatInt(v.ID, 10)}, OrgID: v.OrgID, Postings: posts})
			if err != nil {
				if apperr.CodeOf(err) == apperr.Conflict {
					if sp.SubsidyFen > 0 && budget.Available() < sp.SubsidyFen {
						return apperr.New(apperr.Conflict, "the program's budget cannot pay the subsidy of %s any more", yuan(sp.SubsidyFen))
					}
					return apperr.Field("voucher_fen", "is more than the voucher's balance").WithCode(apperr.Conflict)
				}
				return err
			}
			journal = j.ID
		}
		if journal == 0 {
			return apperr.Field("order_fen", "is too small for the voucher to pay any of it")
		}
		var rid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO voucher_redemptions (voucher_id, provider_org_id, provider_region, order_ref, order_fen, voucher_fen,
			subsidy_fen, own_fen, idem_key, month, journal_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			v.ID, prov.OrgID, prov.Region, in.OrderRef, sp.OrderFen, sp.VoucherFen, sp.SubsidyFen, sp.OwnFen, key, s.month(), journal, p.UserID, now).Scan(&rid); err != nil {
			return apperr.Wrap(err, "insert redemption")
		}
		if err := audit.Record(ctx, tx, now, audit.Change{OrgID: v.OrgID, Action: "redeem", Entity: "voucher", EntityID: strconv.FormatInt(v.ID, 10),
			After: map[string]any{"redemption_id": rid, "provider_org_id": prov.OrgID, "order_ref": in.OrderRef, "split": sp}}); err != nil {
			return err
		}
		out, err = s.redemptionByKey(ctx, tx, key)
		return err
	})
	if err != nil {
		// Two requests with one key at once: the second waits for the
		// first, then finds its key taken; answer with the first.
		if apperr.CodeOf(err) != apperr.Invalid && apperr.CodeOf(err) != apperr.NotFound {
			if r, err2 := s.redemptionByKey(ctx, s.DB.Read, key); err2 == nil {
				return same(r)
			}
		}
		return Redemption{}, err
	}
	return out, nil
}

const redemptionCols = `r.id, r.voucher_id, v.org_id, o.name_zh, r.provider_org_id, po.name_zh, r.provider_region, r.order_ref, r.order_fen, r.voucher_fen,
	r.subsidy_fen, r.own_fen, r.month, r.settlement_id, r.journal_id, r.created_at`

const redemptionFrom = ` FROM voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id JOIN orgs o ON o.id = v.org_id JOIN orgs po ON po.id = r.provider_org_id`

func scanRedemption(r scanner) (Redemption, error) {
	var x Redemption
	var st sql.NullInt64
	err := r.Scan(&x.ID, &x.VoucherID, &x.OrgID, &x.OrgName, &x.ProviderOrgID, &x.ProviderName, &x.ProviderRegion, &x.OrderRef, &x.OrderFen, &x.VoucherFen,
		&x.SubsidyFen, &x.OwnFen, &x.Month, &st, &x.JournalID, &x.CreatedAt)
	if st.Valid {
		x.SettlementID = &st.Int64
	}
	return x, err
}

func (s *Service) redemptionByKey(ctx context.Context, q querier, key string) (Redemption, error) {
	r, err := scanRedemption(q.QueryRowContext(ctx, `SELECT `+redemptionCols+redemptionFrom+` WHERE r.idem_key = $1`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "no redemption with that key")
	}
	return r, apperr.Wrap(err, "redemption")
}

// redemptions lists redemptions by a condition on r (a constant of this
// package) and its arguments.
func (s *Service) redemptions(ctx context.Context, where string, args ...any) ([]Redemption, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+redemptionCols+redemptionFrom+` WHERE `+where+` ORDER BY r.id DESC LIMIT 1000`, args...)
	rs, err := db.Collect(rows, err, "redemptions", func(r interface{ Scan(...any) error }) (Redemption, error) { return scanRedemption(r) })
	if rs == nil {
		rs = []Redemption{}
	}
	return rs, err
}

var monthRe = regexp.MustCompile(`^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$`)

// Settle issues the monthly statements of a finished month: for each
// provider with unsettled redemptions that month, one settlement and one
// ledger entry paying what was due. Running it again settles what came
// since (nothing, for a finished month) and never pays twice.
func (s *Service) Settle(ctx context.Context, p *auth.Principal, month string) ([]Settlement, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() && !p.IsOfficer() {
		return nil, apperr.New(apperr.Forbidden, "officers settle the providers' vouchers")
	}
	if !monthRe.MatchString(month) {
		return nil, apperr.Field("month", "must be a month, YYYY-MM")
	}
	if month >= s.month() {
		return nil, apperr.Field("month", "must be a finished month (before %s)", s.month())
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT DISTINCT provider_org_id FROM voucher_redemptions WHERE month = $1 AND settlement_id IS NULL ORDER BY provider_org_id`, month)
	orgs, err := db.Collect(rows, err, "providers to settle", func(r interface{ Scan(...any) error }) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return nil, err
	}
	out := []Settlement{}
	for _, org := range orgs {
		var st Settlement
		err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			var n int
			var vf, sf int64
			var region string
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(voucher_fen), 0), COALESCE(SUM(subsidy_fen), 0), COALESCE(MIN(provider_region), '')
				FROM voucher_redemptions WHERE provider_org_id = $1 AND month = $2 AND settlement_id IS NULL`, org, month).Scan(&n, &vf, &sf, &region); err != nil {
				return apperr.Wrap(err, "settlement sums")
			}
			if n == 0 {
				return nil
			}
			var dup int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM voucher_settlements WHERE provider_org_id = $1 AND month = $2`, org, month).Scan(&dup); err == nil {
				return apperr.New(apperr.Conflict, "provider %d was settled for %s already (settlement %d), yet has redemptions of that month left", org, month, dup)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return apperr.Wrap(err, "settlement")
			}
			l := s.ledger()
			due, err := l.AccountByCode(ctx, tx, dueCode(org))
			if err != nil {
				return err
			}
			paid, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: paidCode(org), NameZh: "创新券已结算：" + strconv.FormatInt(org, 10), NameEn: "Vouchers settled: " + strconv.FormatInt(org, 10),
				Type: ledger.Expense, Kind: "voucher_paid", OwnerOrgID: &org})
			if err != nil {
				return err
			}
			key := "vouchers:settle:" + strconv.FormatInt(org, 10) + ":" + month
			j, err := l.Post(ctx, tx, ledger.Entry{Key: key, Description: "Voucher settlement " + month + " for provider " + strconv.FormatInt(org, 10),
				Ref: ledger.Ref{Entity: "voucher_settlement", ID: strconv.FormatInt(org, 10) + "-" + month}, OrgID: org,
				Postings: []ledger.Posting{{AccountID: paid.ID, Amount: vf + sf}, {AccountID: due.ID, Amount: -(vf + sf)}}})
			if err != nil {
				return err
			}
			now := s.DB.Now()
			if err := tx.QueryRowContext(ctx, `INSERT INTO voucher_settlements (provider_org_id, provider_region, month, redemptions, voucher_fen, subsidy_fen, journal_id,
				created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, org, region, month, n, vf, sf, j.ID, p.UserID, now).Scan(&st.ID); err != nil {
				return apperr.Wrap(err, "insert settlement")
			}
			if _, err := tx.ExecContext(ctx, `UPDATE voucher_redemptions SET settlement_id = $1 WHERE provider_org_id = $2 AND month = $3 AND settlement_id IS NULL`, st.ID, org, month); err != nil {
				return apperr.Wrap(err, "settled redemptions")
			}
			if err := audit.Record(ctx, tx, now, audit.Change{OrgID: org, Action: "settle", Entity: "voucher_settlement", EntityID: strconv.FormatInt(st.ID, 10),
				After: map[string]any{"month": month, "redemptions": n, "voucher_fen": vf, "subsidy_fen": sf}}); err != nil {
				return err
			}
			st, err = loadSettlement(ctx, tx, st.ID)
			return err
		})
		if err != nil {
			return out, err
		}
		if st.ID != 0 {
			out = append(out, st)
		}
	}
	return out, nil
}

const settlementCols = `s.id, s.provider_org_id, o.name_zh, s.provider_region, s.month, s.redemptions, s.voucher_fen, s.subsidy_fen, s.journal_id, s.created_at`

func scanSettlement(r scanner) (Settlement, error) {
	var x Settlement
	err := r.Scan(&x.ID, &x.ProviderOrgID, &x.ProviderName, &x.ProviderRegion, &x.Month, &x.Redemptions, &x.VoucherFen, &x.SubsidyFen, &x.JournalID, &x.CreatedAt)
	return x, err
}

func loadSettlement(ctx context.Context, q querier, id int64) (Settlement, error) {
	x, err := scanSettlement(q.QueryRowContext(ctx, `SELECT `+settlementCols+` FROM voucher_settlements s JOIN orgs o ON o.id = s.provider_org_id WHERE s.id = $1`, id))
	return x, apperr.Wrap(err, "settlement")
}

// Statement is a provider's view: its settlements and the redemptions of
// a month.
type Statement struct {
	Provider    Provider     `json:"provider"`
	Month       string       `json:"month"`
	Redemptions []Redemption `json:"redemptions"`
	Settlements []Settlement `json:"settlements"`
	// DueFen is what the platform owes the provider now (redeemed, not
	// yet settled), from the ledger.
	DueFen int64 `json:"due_fen"`
}

// ProviderStatement is for the provider's members, officers and
// administrators.
func (s *Service) ProviderStatement(ctx context.Context, p *auth.Principal, org int64, month string) (Statement, error) {
	if p == nil {
		return Statement{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() && !p.IsOfficer() && p.RoleIn(org) == "" {
		return Statement{}, apperr.New(apperr.NotFound, "organization %d does not accept vouchers", org)
	}
	if month == "" {
		month = s.month()
	}
	if !monthRe.MatchString(month) {
		return Statement{}, apperr.Field("month", "must be a month, YYYY-MM")
	}
	prov, err := loadProvider(ctx, s.DB.Read, org)
	if err != nil {
		return Statement{}, err
	}
	st := Statement{Provider: prov, Month: month}
	if st.Redemptions, err = s.redemptions(ctx, `r.provider_org_id = $1 AND r.month = $2`, org, month); err != nil {
		return st, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+settlementCols+` FROM voucher_settlements s JOIN orgs o ON o.id = s.provider_org_id WHERE s.provider_org_id = $1 ORDER BY s.month DESC`, org)
	st.Settlements, err = db.Collect(rows, err, "settlements", func(r interface{ Scan(...any) error }) (Settlement, error) { return scanSettlement(r) })
	if err != nil {
		return st, err
	}
	if st.Settlements == nil {
		st.Settlements = []Settlement{}
	}
	if a, err := s.ledger().AccountByCode(ctx, s.DB.Read, dueCode(org)); err == nil {
		st.DueFen = a.Balance
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return st, err
	}
	return st, nil
}

// RegionFigures are a program's redemptions at providers of one region.
type RegionFigures struct {
	Region      string `json:"region"`
	Redemptions int    `json:"redemptions"`
	OrderFen    int64  `json:"order_fen"`
	VoucherFen  int64  `json:"voucher_fen"`
	SubsidyFen  int64  `json:"subsidy_fen"`
}

// Report reconciles a program: what was appropriated equals what is left
// in the budget, plus the balances of its vouchers, plus what was spent
// (voucher and subsidy parts of its redemptions); the spent part is due
// to providers or settled. Redemptions at providers in Jiangsu, Zhejiang
// and Anhui are reported by region.
type Report struct {
	Program         Program         `json:"program"`
	AppropriatedFen int64           `json:"appropriated_fen"`
	BudgetFen       int64           `json:"budget_left_fen"`
	Vouchers        int             `json:"vouchers"`
	OutstandingFen  int64           `json:"outstanding_fen"`
	SpentFen        int64           `json:"spent_fen"`
	SettledFen      int64           `json:"settled_fen"`
	DueFen          int64           `json:"due_fen"`
	Reconciled      bool            `json:"reconciled"`
	ByRegion        []RegionFigures `json:"by_region"`
}

// Report is for those who run the program and administrators.
func (s *Service) Report(ctx context.Context, p *auth.Principal, id int64) (Report, error) {
	if p == nil {
		return Report{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	prog, err := s.Program(ctx, p, id)
	if err != nil {
		return Report{}, err
	}
	if !manages(p, prog.OwnerOrgID) {
		return Report{}, apperr.New(apperr.Forbidden, "officers of the owning agency see the program's accounts")
	}
	if _, err := s.Expire(ctx); err != nil {
		return Report{}, err
	}
	rep := Report{Program: prog, ByRegion: []RegionFigures{}}
	l := s.ledger()
	for code, dst := range map[string]*int64{budgetCode(id): &rep.BudgetFen, "appropriation:voucher:" + strconv.FormatInt(id, 10): &rep.AppropriatedFen} {
		a, err := l.AccountByCode(ctx, s.DB.Read, code)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue
		}
		if err != nil {
			return rep, err
		}
		*dst = a.Balance
	}
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(a.balance), 0) FROM vouchers v
		LEFT JOIN ledger_accounts a ON a.code = 'voucher:' || CAST(v.id AS TEXT) WHERE v.program_id = $1`, id).Scan(&rep.Vouchers, &rep.OutstandingFen); err != nil {
		return rep, apperr.Wrap(err, "vouchers outstanding")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT r.provider_region, COUNT(*), SUM(r.order_fen), SUM(r.voucher_fen), SUM(r.subsidy_fen),
		SUM(CASE WHEN r.settlement_id IS NULL THEN 0 ELSE r.voucher_fen + r.subsidy_fen END)
		FROM voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id WHERE v.program_id = $1 GROUP BY r.provider_region`, id)
	if err != nil {
		return rep, apperr.Wrap(err, "redemptions by region")
	}
	defer rows.Close()
	for rows.Next() {
		var f RegionFigures
		var settled int64
		if err := rows.Scan(&f.Region, &f.Redemptions, &f.OrderFen, &f.VoucherFen, &f.SubsidyFen, &settled); err != nil {
			return rep, apperr.Wrap(err, "redemptions by region")
		}
		rep.SpentFen += f.VoucherFen + f.SubsidyFen
		rep.SettledFen += settled
		rep.ByRegion = append(rep.ByRegion, f)
	}
	if err := rows.Err(); err != nil {
		return rep, apperr.Wrap(err, "redemptions by region")
	}
	slices.SortFunc(rep.ByRegion, func(a, b RegionFigures) int { return slices.Index(Regions, a.Region) - slices.Index(Regions, b.Region) })
	rep.DueFen = rep.SpentFen - rep.SettledFen
	rep.Reconciled = rep.AppropriatedFen == rep.BudgetFen+rep.OutstandingFen+rep.SpentFen
	return rep, nil
}
