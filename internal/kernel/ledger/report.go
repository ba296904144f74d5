package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// Balance is an account's money at a moment, in fen.
type Balance struct {
	AccountID int64 `json:"account_id"`
	Balance   int64 `json:"balance"`
	Held      int64 `json:"held"`
	Available int64 `json:"available"`
}

// Balance returns the account's balance, held amount and available
// balance, read through q (the read pool, or the caller's transaction).
func (l *Ledger) Balance(ctx context.Context, q Querier, accountID int64) (Balance, error) {
	a, err := l.Account(ctx, q, accountID)
	if err != nil {
		return Balance{}, err
	}
	return Balance{AccountID: a.ID, Balance: a.Balance, Held: a.Held, Available: a.Available()}, nil
}

// Line is one posting on a statement.
type Line struct {
	JournalID   int64  `json:"journal_id"`
	EffectiveOn string `json:"effective_on"`
	Description string `json:"description"`
	Ref         Ref    `json:"ref"`
	// Amount is the change to the balance, in the account's normal sense.
	Amount  int64 `json:"amount"`
	Balance int64 `json:"balance"`
}

// Statement lists an account's postings dated from..to (inclusive,
// YYYY-MM-DD, either may be empty for no bound) in date order, with the
// opening balance before from, the running balance and the closing one.
type Statement struct {
	Account Account `json:"account"`
	From    string  `json:"from,omitempty"`
	To      string  `json:"to,omitempty"`
	Opening int64   `json:"opening"`
	Lines   []Line  `json:"lines"`
	Closing int64   `json:"closing"`
}

// Statement returns the statement of one account between two dates.
func (l *Ledger) Statement(ctx context.Context, q Querier, accountID int64, from, to string) (Statement, error) {
	var fs []apperr.FieldError
	if from != "" {
		if msg := checkDate(from); msg != "" {
			fs = append(fs, apperr.FieldError{Field: "from", Message: msg})
		}
	}
	if to != "" {
		if msg := checkDate(to); msg != "" {
			fs = append(fs, apperr.FieldError{Field: "to", Message: msg})
		}
	}
	if len(fs) == 0 && from != "" && to != "" && to < from {
		fs = append(fs, apperr.FieldError{Field: "to", Message: "is before from"})
	}
	if err := apperr.Fields(fs); err != nil {
		return Statement{}, err
	}
	a, err := l.Account(ctx, q, accountID)
	if err != nil {
		return Statement{}, err
	}
	s := Statement{Account: a, From: from, To: to, Lines: []Line{}}
	sign := a.Type.Sign()
	if from != "" {
		var opening int64
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_postings WHERE account_id = $1 AND effective_on < $2`, accountID, from).Scan(&opening); err != nil {
			return s, apperr.Wrap(err, "ledger opening balance")
		}
		s.Opening = sign * opening
	}
	lo, hi := from, to
	if lo == "" {
		lo = "0001-01-01"
	}
	if hi == "" {
		hi = "9999-12-31"
	}
	rows, err := q.QueryContext(ctx, `SELECT p.journal_id, p.effective_on, j.description, j.ref_entity, j.ref_id, p.amount
		FROM ledger_postings p JOIN ledger_journals j ON j.id = p.journal_id
		WHERE p.account_id = $1 AND p.effective_on >= $2 AND p.effective_on <= $3
		ORDER BY p.effective_on, p.journal_id`, accountID, lo, hi)
	if err != nil {
		return s, apperr.Wrap(err, "ledger statement")
	}
	defer rows.Close()
	run := s.Opening
	for rows.Next() {
		var ln Line
		var on db.Date
		if err := rows.Scan(&ln.JournalID, &on, &ln.Description, &ln.Ref.Entity, &ln.Ref.ID, &ln.Amount); err != nil {
			return s, apperr.Wrap(err, "ledger statement")
		}
		ln.EffectiveOn = on.String
		ln.Amount *= sign
		run += ln.Amount
		ln.Balance = run
		s.Lines = append(s.Lines, ln)
	}
	s.Closing = run
	return s, apperr.Wrap(rows.Err(), "ledger statement")
}

// TrialRow is one account in a trial balance.
type TrialRow struct {
	AccountID int64  `json:"account_id"`
	Code      string `json:"code"`
	Type      Type   `json:"type"`
	Debits    int64  `json:"debits"`
	Credits   int64  `json:"credits"`
	// Balance is debits minus credits in the account's normal sense.
	Balance int64 `json:"balance"`
}

// TrialBalance lists every account's debits and credits; in a sound ledger
// the two totals are equal.
type TrialBalance struct {
	Rows    []TrialRow `json:"rows"`
	Debits  int64      `json:"debits"`
	Credits int64      `json:"credits"`
}

// Balanced reports whether total debits equal total credits.
func (t TrialBalance) Balanced() bool { return t.Debits == t.Credits }

// TrialBalance sums the postings of every account.
func (l *Ledger) TrialBalance(ctx context.Context, q Querier) (TrialBalance, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.code, a.type,
			COALESCE(SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN p.amount < 0 THEN -p.amount ELSE 0 END), 0)
		FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id
		GROUP BY a.id, a.code, a.type ORDER BY a.code`)
	if err != nil {
		return TrialBalance{}, apperr.Wrap(err, "ledger trial balance")
	}
	defer rows.Close()
	t := TrialBalance{Rows: []TrialRow{}}
	for rows.Next() {
		var r TrialRow
		if err := rows.Scan(&r.AccountID, &r.Code, &r.Type, &r.Debits, &r.Credits); err != nil {
			return t, apperr.Wrap(err, "ledger trial balance")
		}
		r.Balance = r.Type.Sign() * (r.Debits - r.Credits)
		t.Debits += r.Debits
		t.Credits += r.Credits
		t.Rows = append(t.Rows, r)
	}
	return t, apperr.Wrap(rows.Err(), "ledger trial balance")
}

// Report is what Verify checked.
type Report struct {
	Accounts int      `json:"accounts"`
	Journals int      `json:"journals"`
	Postings int      `json:"postings"`
	Holds    int      `json:"holds"`
	Debits   int64    `json:"debits"`
	Problems []string `json:"problems"`
}

// ErrUnsound is returned by Verify when the ledger does not add up.
var ErrUnsound = errors.New("ledger does not add up")

// Verify recomputes the ledger from its postings and holds and reports
// every disagreement: all postings summing to other than zero, a journal
// that does not balance or has fewer than two postings, an account whose
// stored balance or held amount differs from its postings and open holds,
// a non-negative account below zero, a settled hold without its journal.
// The error wraps ErrUnsound when there is any problem.
func (l *Ledger) Verify(ctx context.Context, q Querier) (Report, error) {
	r := Report{Problems: []string{}}
	bad := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }
	var sum, debits int64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0), COALESCE(SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END), 0) FROM ledger_postings`).Scan(&r.Postings, &sum, &debits); err != nil {
		return r, apperr.Wrap(err, "ledger verify")
	}
	r.Debits = debits
	if sum != 0 {
		bad("all postings sum to %d fen, not zero", sum)
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_journals`).Scan(&r.Journals); err != nil {
		return r, apperr.Wrap(err, "ledger verify")
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_holds`).Scan(&r.Holds); err != nil {
		return r, apperr.Wrap(err, "ledger verify")
	}
	err := each(ctx, q, `SELECT j.id, COUNT(p.id), COALESCE(SUM(p.amount), 0) FROM ledger_journals j LEFT JOIN ledger_postings p ON p.journal_id = j.id
		GROUP BY j.id HAVING COUNT(p.id) < 2 OR COALESCE(SUM(p.amount), 0) <> 0 ORDER BY j.id`, func(scan func(...any) error) error {
		var id, n, s int64
		if err := scan(&id, &n, &s); err != nil {
			return err
		}
		bad("journal %d has %d postings summing to %d fen", id, n, s)
		return nil
	})
	if err != nil {
		return r, err
	}
	err = each(ctx, q, `SELECT a.id, a.code, a.type, a.non_negative, a.balance, a.held,
			COALESCE((SELECT SUM(p.amount) FROM ledger_postings p WHERE p.account_id = a.id), 0),
			COALESCE((SELECT SUM(h.amount) FROM ledger_holds h WHERE h.account_id = a.id AND h.status = 'held'), 0)
		FROM ledger_accounts a ORDER BY a.id`, func(scan func(...any) error) error {
		var id, balance, held, posted, holds int64
		var code string
		var typ Type
		var nonNeg bool
		if err := scan(&id, &code, &typ, &nonNeg, &balance, &held, &posted, &holds); err != nil {
			return err
		}
		r.Accounts++
		if want := typ.Sign() * posted; balance != want {
			bad("account %s stores balance %d fen, its postings say %d", code, balance, want)
		}
		if held != holds {
			bad("account %s stores %d fen held, its open holds say %d", code, held, holds)
		}
		if nonNeg && balance-held < 0 {
			bad("non-negative account %s has %d fen available", code, balance-held)
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	err = each(ctx, q, `SELECT h.id FROM ledger_holds h WHERE h.status = 'settled' AND NOT EXISTS (SELECT 1 FROM ledger_journals j WHERE j.id = h.journal_id) ORDER BY h.id`, func(scan func(...any) error) error {
		var id int64
		if err := scan(&id); err != nil {
			return err
		}
		bad("settled hold %d has no journal", id)
		return nil
	})
	if err != nil {
		return r, err
	}
	if len(r.Problems) > 0 {
		return r, fmt.Errorf("%w: %s", ErrUnsound, strings.Join(r.Problems, "; "))
	}
	return r, nil
}

func each(ctx context.Context, q Querier, query string, fn func(scan func(...any) error) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return apperr.Wrap(err, "ledger verify")
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return apperr.Wrap(err, "ledger verify")
		}
	}
	return apperr.Wrap(rows.Err(), "ledger verify")
}
