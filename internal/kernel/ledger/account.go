package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
)

// Account is a ledger account.
type Account struct {
	ID int64 `json:"id"`
	// Code is unique and stable, chosen by the module that opens the
	// account ("budget:program:42", "voucher:1007").
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
	Type   Type   `json:"type"`
	// Kind is the module's word for what the account is: budget, reserve,
	// payable, cash, voucher, pool…
	Kind       string `json:"kind"`
	OwnerOrgID *int64 `json:"owner_org_id"`
	Currency   string `json:"currency"`
	// NonNegative accounts never have Balance - Held below zero: budgets,
	// vouchers, risk pools.
	NonNegative bool `json:"non_negative"`
	// Balance is in the account's normal sense (see the package comment).
	Balance   int64     `json:"balance"`
	Held      int64     `json:"held"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Available is the balance not set aside by holds.
func (a Account) Available() int64 { return a.Balance - a.Held }

// Name returns the account's name in lang ("zh" or "en").
func (a Account) Name(lang string) string {
	if lang == "en" && a.NameEn != "" {
		return a.NameEn
	}
	return a.NameZh
}

// Validate checks the fields a caller sets when opening an account.
func (a *Account) Validate() error {
	var fs []apperr.FieldError
	bad := func(field, format string, args ...any) {
		fs = append(fs, apperr.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !codeRe.MatchString(a.Code) {
		bad("code", "must be 1 to 120 characters of a-z, 0-9 and . _ : / -, starting with a letter or digit")
	}
	if msg := checkText(a.NameZh, 200, true); msg != "" {
		bad("name_zh", "%s", msg)
	}
	if msg := checkText(a.NameEn, 200, true); msg != "" {
		bad("name_en", "%s", msg)
	}
	if !a.Type.Valid() {
		bad("type", "must be asset, liability, equity, income or expense")
	}
	if a.Kind != "" && !kindRe.MatchString(a.Kind) {
		bad("kind", "must be a lower-case word such as budget or voucher")
	}
	if a.OwnerOrgID != nil && *a.OwnerOrgID <= 0 {
		bad("owner_org_id", "must be a positive organization id")
	}
	if a.Currency != "" && a.Currency != Currency {
		bad("currency", "only %s is supported", Currency)
	}
	return apperr.Fields(fs)
}

const accountCols = `id, code, name_zh, name_en, type, kind, owner_org_id, currency, non_negative, balance, held, created_at, updated_at`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var owner sql.NullInt64
	err := row.Scan(&a.ID, &a.Code, &a.NameZh, &a.NameEn, &a.Type, &a.Kind, &owner, &a.Currency, &a.NonNegative, &a.Balance, &a.Held, &a.CreatedAt, &a.UpdatedAt)
	if owner.Valid {
		a.OwnerOrgID = &owner.Int64
	}
	return a, err
}

// OpenAccount creates an account with a zero balance inside tx. A code
// already in use is a Conflict.
func (l *Ledger) OpenAccount(ctx context.Context, tx *sql.Tx, a Account) (Account, error) {
	a, created, err := l.openAccount(ctx, tx, a)
	if err == nil && !created {
		err = apperr.New(apperr.Conflict, "account code %s is already in use", a.Code)
	}
	return a, err
}

// EnsureAccount returns the account with a.Code, creating it inside tx if
// there is none. An existing account must agree on type, currency and the
// non-negative flag, or the result is a Conflict.
func (l *Ledger) EnsureAccount(ctx context.Context, tx *sql.Tx, a Account) (Account, error) {
	got, created, err := l.openAccount(ctx, tx, a)
	if err != nil || created {
		return got, err
	}
	if got.Type != a.Type || got.NonNegative != a.NonNegative || (a.Currency != "" && got.Currency != a.Currency) {
		return got, apperr.New(apperr.Conflict, "account %s exists as a %s account (non-negative %t), not %s (non-negative %t)", got.Code, got.Type, got.NonNegative, a.Type, a.NonNegative)
	}
	return got, nil
}

func (l *Ledger) openAccount(ctx context.Context, tx *sql.Tx, a Account) (Account, bool, error) {
	if err := a.Validate(); err != nil {
		return Account{}, false, err
	}
	if a.Currency == "" {
		a.Currency = Currency
	}
	now := l.DB.Now()
	var owner any
	if a.OwnerOrgID != nil {
		owner = *a.OwnerOrgID
	}
	var created bool
	err := savepoint(ctx, tx, "ledger_account", func() error {
		err := tx.QueryRowContext(ctx, `INSERT INTO ledger_accounts (code, name_zh, name_en, type, kind, owner_org_id, currency, non_negative, balance, held, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, $9, $9)
			ON CONFLICT (code) DO NOTHING RETURNING id`,
			a.Code, a.NameZh, a.NameEn, string(a.Type), a.Kind, owner, a.Currency, a.NonNegative, now).Scan(&a.ID)
		if errors.Is(err, sql.ErrNoRows) {
			got, err := scanAccount(tx.QueryRowContext(ctx, `SELECT `+accountCols+` FROM ledger_accounts WHERE code = $1`, a.Code))
			if err != nil {
				return apperr.Wrap(err, "ledger read account")
			}
			a = got
			return nil
		}
		if err != nil {
			if db.IsForeignKeyViolation(err) {
				return apperr.Field("owner_org_id", "no organization %d", *a.OwnerOrgID)
			}
			return apperr.Wrap(err, "ledger open account")
		}
		created = true
		a.CreatedAt, a.UpdatedAt = now, now
		var org int64
		if a.OwnerOrgID != nil {
			org = *a.OwnerOrgID
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: org, Action: "ledger.account.open", Entity: "ledger_account", EntityID: strconv.FormatInt(a.ID, 10), After: a})
	})
	return a, created, err
}

// Account returns the account with id.
func (l *Ledger) Account(ctx context.Context, q Querier, id int64) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountCols+` FROM ledger_accounts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no ledger account %d", id)
	}
	return a, apperr.Wrap(err, "ledger account")
}

// AccountByCode returns the account with code.
func (l *Ledger) AccountByCode(ctx context.Context, q Querier, code string) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountCols+` FROM ledger_accounts WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no ledger account %q", clip(code))
	}
	return a, apperr.Wrap(err, "ledger account")
}

// Accounts lists accounts by id, optionally only those of one kind and
// owner (0 for any).
func (l *Ledger) Accounts(ctx context.Context, q Querier, kind string, ownerOrgID int64) ([]Account, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+accountCols+` FROM ledger_accounts
		WHERE ($1 = '' OR kind = $1) AND ($2 = 0 OR owner_org_id = $2) ORDER BY id`, kind, ownerOrgID)
	return db.Collect(rows, err, "ledger accounts", scanAccount)
}
