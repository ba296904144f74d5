package finance

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ledger"
)

// A guiding (or state) fund's money is in the ledger: its size is
// appropriated into the non-negative account of what is still uncommitted
// (fund:uncommitted:{fund}); a commitment moves its amount into the
// commitment's own non-negative account (fund:commitment:{id}), and a
// capital call moves what is called on to fund:called:{id}. The
// ledger's conditional update refuses any entry that would take an
// account below zero, so the commitments never exceed the fund's size and
// the calls never exceed a commitment, whatever the concurrency.

// Commitment is a guiding fund's commitment to a sub-fund.
type Commitment struct {
	ID            int64     `json:"id"`
	FundID        int64     `json:"fund_id"`
	SubInvestorID *int64    `json:"sub_investor_id"`
	SubFundZh     string    `json:"sub_fund_zh"`
	SubFundEn     string    `json:"sub_fund_en"`
	AmountFen     int64     `json:"amount_fen"`
	ShareBP       int64     `json:"share_bp"`
	CommittedOn   string    `json:"committed_on"`
	CalledFen     int64     `json:"called_fen"`
	RemainingFen  int64     `json:"remaining_fen"`
	CreatedAt     time.Time `json:"created_at"`
}

// CommitmentInput commits part of a fund to a sub-fund.
type CommitmentInput struct {
	SubInvestorID *int64  `json:"sub_investor_id"`
	SubFundZh     string  `json:"sub_fund_zh"`
	SubFundEn     string  `json:"sub_fund_en"`
	AmountYuan    int64   `json:"amount_yuan"`
	SharePct      float64 `json:"share_pct"`
	CommittedOn   string  `json:"committed_on"`
}

// CallInput is a capital call on a commitment.
type CallInput struct {
	AmountYuan int64  `json:"amount_yuan"`
	CalledOn   string `json:"called_on"`
}

// Commitments is a fund's commitments with its totals.
type Commitments struct {
	Fund           Investor     `json:"fund"`
	SizeFen        int64        `json:"size_fen"`
	CommittedFen   int64        `json:"committed_fen"`
	CalledFen      int64        `json:"called_fen"`
	UncommittedFen int64        `json:"uncommitted_fen"`
	Items          []Commitment `json:"items"`
}

func uncommittedCode(fund int64) string { return "fund:uncommitted:" + strconv.FormatInt(fund, 10) }

// committing reports whether a fund commits to sub-funds.
func (x *Investor) committing() bool { return x.Kind == "guiding" || x.Kind == "state" }

// fundCapital appropriates a committing fund's size into its uncommitted
// account (or takes a cut back, as far as uncommitted).
func (s *Service) fundCapital(ctx context.Context, tx *sql.Tx, x *Investor) error {
	if !x.committing() {
		return nil
	}
	l := ledger.New(s.DB)
	un, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: uncommittedCode(x.ID), NameZh: "未承诺出资：" + x.NameZh, NameEn: "Uncommitted: " + cmp.Or(x.NameEn, x.NameZh),
		Type: ledger.Asset, Kind: "fund_uncommitted", NonNegative: true, OwnerOrgID: &x.OrgID})
	if err != nil {
		return err
	}
	src, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: "appropriation:fund:" + strconv.FormatInt(x.ID, 10), NameZh: "基金规模：" + x.NameZh,
		NameEn: "Fund size: " + cmp.Or(x.NameEn, x.NameZh), Type: ledger.Equity, Kind: "appropriation", OwnerOrgID: &x.OrgID})
	if err != nil {
		return err
	}
	delta := x.SizeFen - src.Balance
	if delta == 0 {
		return nil
	}
	if delta < 0 && un.Available() < -delta {
		return apperr.Field("size_yuan", "is less than what fund %s has committed (%s)", x.NameZh, yuanText(src.Balance-un.Available())).WithCode(apperr.Conflict)
	}
	_, err = l.Post(ctx, tx, ledger.Entry{Key: "finance:fund:" + strconv.FormatInt(x.ID, 10) + ":" + strconv.FormatInt(x.SizeFen, 10) + ":" + strconv.FormatInt(src.Balance, 10),
		Description: "Size of fund " + strconv.FormatInt(x.ID, 10) + " set to " + ledger.Yuan(x.SizeFen) + " yuan", Ref: ledger.Ref{Entity: "investor", ID: strconv.FormatInt(x.ID, 10)},
		OrgID: x.OrgID, Postings: []ledger.Posting{{AccountID: un.ID, Amount: delta}, {AccountID: src.ID, Amount: -delta}}})
	return err
}

func (in *CommitmentInput) check(today string) (Commitment, error) {
	in.SubFundZh, in.SubFundEn, in.CommittedOn = strings.TrimSpace(in.SubFundZh), strings.TrimSpace(in.SubFundEn), strings.TrimSpace(in.CommittedOn)
	var fs fieldErrs
	if in.SubInvestorID == nil {
		fs.Line("sub_fund_zh", in.SubFundZh, true, 200)
	} else {
		if *in.SubInvestorID < 1 {
			fs.Add("sub_investor_id", "must be an investor id")
		}
		fs.Line("sub_fund_zh", in.SubFundZh, false, 200)
	}
	fs.Line("sub_fund_en", in.SubFundEn, false, 300)
	if in.AmountYuan < 1 || in.AmountYuan > 100*maxYuan {
		fs.Add("amount_yuan", "must be a whole number of yuan from 1 to 1,000,000,000,000")
	}
	bp := math.Round(in.SharePct * 100)
	if !(in.SharePct > 0 && in.SharePct <= 100) || math.Abs(in.SharePct*100-bp) > 1e-6 {
		fs.Add("share_pct", "must be a percentage above 0 and at most 100 with at most two decimals")
	}
	if in.CommittedOn == "" {
		in.CommittedOn = today
	}
	if _, err := time.Parse(time.DateOnly, in.CommittedOn); err != nil || in.CommittedOn > today || in.CommittedOn < "2000-01-01" {
		fs.Add("committed_on", "must be a date from 2000 to today")
	}
	return Commitment{SubInvestorID: in.SubInvestorID, SubFundZh: in.SubFundZh, SubFundEn: in.SubFundEn, AmountFen: in.AmountYuan * 100, ShareBP: int64(bp),
		CommittedOn: in.CommittedOn}, apperr.Fields(fs)
}

const commitmentCols = `id, fund_id, sub_investor_id, sub_fund_zh, sub_fund_en, amount_fen, share_bp, committed_on, called_fen, created_at`

func scanCommitment(r scanner) (Commitment, error) {
	var c Commitment
	var sub sql.NullInt64
	var on db.Date
	err := r.Scan(&c.ID, &c.FundID, &sub, &c.SubFundZh, &c.SubFundEn, &c.AmountFen, &c.ShareBP, &on, &c.CalledFen, &c.CreatedAt)
	if sub.Valid {
		c.SubInvestorID = &sub.Int64
	}
	c.CommittedOn, c.RemainingFen = on.String, c.AmountFen-c.CalledFen
	return c, err
}

// FundCommitments returns a fund's commitments and totals (public).
func (s *Service) FundCommitments(ctx context.Context, p *auth.Principal, fund int64) (Commitments, error) {
	x, err := s.Investor(ctx, p, fund)
	if err != nil {
		return Commitments{}, err
	}
	out := Commitments{Fund: x, SizeFen: x.SizeFen, Items: []Commitment{}}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+commitmentCols+` FROM fund_commitments WHERE fund_id = $1 ORDER BY committed_on, id`, fund)
	items, err := db.Collect(rows, err, "commitments", func(r interface{ Scan(...any) error }) (Commitment, error) { return scanCommitment(r) })
	if err != nil {
		return out, err
	}
	if items != nil {
		out.Items = items
	}
	for _, c := range out.Items {
		out.CommittedFen += c.AmountFen
		out.CalledFen += c.CalledFen
	}
	if a, err := ledger.New(s.DB).AccountByCode(ctx, s.DB.Read, uncommittedCode(fund)); err == nil {
		out.UncommittedFen = a.Available()
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return out, err
	}
	return out, nil
}

// Commit commits part of a guiding or state fund to a sub-fund (the
// fund's managers): more than is uncommitted is 409 naming the fund.
func (s *Service) Commit(ctx context.Context, p *auth.Principal, fund int64, in CommitmentInput) (Commitment, error) {
	if p == nil {
		return Commitment{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	c, err := in.check(s.today().Format(time.DateOnly))
	if err != nil {
		return Commitment{}, err
	}
	x, err := loadInvestor(ctx, s.DB.Read, fund)
	if err != nil {
		return Commitment{}, err
	}
	if !manages(p, x.OrgID) {
		return Commitment{}, apperr.New(apperr.Forbidden, "a fund's managers commit its money")
	}
	if !x.committing() || x.Status != "active" {
		return Commitment{}, apperr.Field("fund_id", "is not an active guiding or state fund")
	}
	now := s.DB.Now()
	var id int64
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if c.SubInvestorID != nil {
			sub, err := loadInvestor(ctx, tx, *c.SubInvestorID)
			if apperr.CodeOf(err) == apperr.NotFound || (err == nil && sub.ID == fund) {
				return apperr.Field("sub_investor_id", "is not another investor")
			} else if err != nil {
				return err
			}
			c.SubFundZh, c.SubFundEn = cmp.Or(c.SubFundZh, sub.NameZh), cmp.Or(c.SubFundEn, sub.NameEn)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO fund_commitments (fund_id, sub_investor_id, sub_fund_zh, sub_fund_en, amount_fen, share_bp, committed_on, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, fund, c.SubInvestorID, c.SubFundZh, c.SubFundEn, c.AmountFen, c.ShareBP, c.CommittedOn, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert commitment")
		}
		l := ledger.New(s.DB)
		un, err := l.AccountByCode(ctx, tx, uncommittedCode(fund))
		if apperr.CodeOf(err) == apperr.NotFound {
			return exceeds(&x, c.AmountFen, 0)
		} else if err != nil {
			return err
		}
		acct, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: "fund:commitment:" + strconv.FormatInt(id, 10), NameZh: "承诺出资：" + c.SubFundZh,
			NameEn: "Committed: " + cmp.Or(c.SubFundEn, c.SubFundZh), Type: ledger.Asset, Kind: "fund_commitment", NonNegative: true, OwnerOrgID: &x.OrgID})
		if err != nil {
			return err
		}
		_, err = l.Post(ctx, tx, ledger.Entry{Key: "finance:commitment:" + strconv.FormatInt(id, 10), Description: "Commitment of fund " + strconv.FormatInt(fund, 10) +
			" to " + c.SubFundZh, Ref: ledger.Ref{Entity: "fund_commitment", ID: strconv.FormatInt(id, 10)}, OrgID: x.OrgID, EffectiveOn: c.CommittedOn,
			Postings: []ledger.Posting{{AccountID: acct.ID, Amount: c.AmountFen}, {AccountID: un.ID, Amount: -c.AmountFen}}})
		if apperr.CodeOf(err) == apperr.Conflict {
			now, _ := l.Account(ctx, tx, un.ID)
			return exceeds(&x, c.AmountFen, now.Available())
		}
		if err != nil {
			return err
		}
		c.ID, c.FundID = id, fund
		return audit.Record(ctx, tx, now, audit.Change{OrgID: x.OrgID, Action: "commit", Entity: "fund_commitment", EntityID: strconv.FormatInt(id, 10), After: c})
	})
	if err != nil {
		return Commitment{}, err
	}
	return scanCommitment(s.DB.Read.QueryRowContext(ctx, `SELECT `+commitmentCols+` FROM fund_commitments WHERE id = $1`, id))
}

// exceeds is the 409 that names the fund.
func exceeds(x *Investor, amount, left int64) error {
	msg := "fund " + strconv.FormatInt(x.ID, 10) + " (" + x.NameZh + ", " + ledger.Yuan(x.SizeFen) + " yuan) cannot commit " + ledger.Yuan(amount) +
		" yuan: " + ledger.Yuan(left) + " yuan remain uncommitted"
	return &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: []apperr.FieldError{{Field: "fund_id", Message: msg}}}
}

// Call records a capital call on a commitment (the fund's managers): more
// than remains of the commitment is 409.
func (s *Service) Call(ctx context.Context, p *auth.Principal, commitment int64, in CallInput) (Commitment, error) {
	if p == nil {
		return Commitment{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	today := s.today().Format(time.DateOnly)
	in.CalledOn = strings.TrimSpace(in.CalledOn)
	if in.CalledOn == "" {
		in.CalledOn = today
	}
	var fs fieldErrs
	if in.AmountYuan < 1 || in.AmountYuan > 100*maxYuan {
		fs.Add("amount_yuan", "must be a whole number of yuan from 1 to 1,000,000,000,000")
	}
	if _, err := time.Parse(time.DateOnly, in.CalledOn); err != nil || in.CalledOn > today || in.CalledOn < "2000-01-01" {
		fs.Add("called_on", "must be a date from 2000 to today")
	}
	if err := apperr.Fields(fs); err != nil {
		return Commitment{}, err
	}
	c, err := scanCommitment(s.DB.Read.QueryRowContext(ctx, `SELECT `+commitmentCols+` FROM fund_commitments WHERE id = $1`, commitment))
	if errors.Is(err, sql.ErrNoRows) {
		return Commitment{}, apperr.New(apperr.NotFound, "no commitment %d", commitment)
	} else if err != nil {
		return Commitment{}, apperr.Wrap(err, "commitment")
	}
	x, err := loadInvestor(ctx, s.DB.Read, c.FundID)
	if err != nil {
		return Commitment{}, err
	}
	if !manages(p, x.OrgID) {
		return Commitment{}, apperr.New(apperr.Forbidden, "a fund's managers call its capital")
	}
	if in.CalledOn < c.CommittedOn {
		return Commitment{}, apperr.Field("called_on", "is before the commitment of %s", c.CommittedOn)
	}
	amount := in.AmountYuan * 100
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var call int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO fund_calls (commitment_id, amount_fen, called_on, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			commitment, amount, in.CalledOn, now).Scan(&call); err != nil {
			return apperr.Wrap(err, "insert call")
		}
		l := ledger.New(s.DB)
		from, err := l.AccountByCode(ctx, tx, "fund:commitment:"+strconv.FormatInt(commitment, 10))
		if err != nil {
			return err
		}
		to, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: "fund:called:" + strconv.FormatInt(commitment, 10), NameZh: "已实缴：" + c.SubFundZh,
			NameEn: "Called: " + cmp.Or(c.SubFundEn, c.SubFundZh), Type: ledger.Asset, Kind: "fund_called", OwnerOrgID: &x.OrgID})
		if err != nil {
			return err
		}
		j, err := l.Post(ctx, tx, ledger.Entry{Key: "finance:call:" + strconv.FormatInt(call, 10), Description: "Capital call on commitment " + strconv.FormatInt(commitment, 10),
			Ref: ledger.Ref{Entity: "fund_commitment", ID: strconv.FormatInt(commitment, 10)}, OrgID: x.OrgID, EffectiveOn: in.CalledOn,
			Postings: []ledger.Posting{{AccountID: to.ID, Amount: amount}, {AccountID: from.ID, Amount: -amount}}})
		if apperr.CodeOf(err) == apperr.Conflict {
			return apperr.Field("amount_yuan", "is more than the %s left of commitment %d", yuanText(c.AmountFen-c.CalledFen), commitment).WithCode(apperr.Conflict)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fund_calls SET journal_id = $1 WHERE id = $2`, j.ID, call); err != nil {
			return apperr.Wrap(err, "call journal")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fund_commitments SET called_fen = called_fen + $1 WHERE id = $2`, amount, commitment); err != nil {
			return apperr.Wrap(err, "called")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: x.OrgID, Action: "call", Entity: "fund_commitment", EntityID: strconv.FormatInt(commitment, 10),
			After: map[string]any{"call_id": call, "amount_fen": amount, "called_on": in.CalledOn}})
	})
	if err != nil {
		return Commitment{}, err
	}
	return scanCommitment(s.DB.Read.QueryRowContext(ctx, `SELECT `+commitmentCols+` FROM fund_commitments WHERE id = $1`, commitment))
}

// ShareText is the commitment's share of the sub-fund as a percentage.
func (c Commitment) ShareText() string { return ShareText(c.ShareBP) }
