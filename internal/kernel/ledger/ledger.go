// Package ledger is the platform's double-entry bookkeeping: fund budgets,
// vouchers, risk pools, disbursements and revenue shares are accounts, and
// every movement of money is a journal entry whose postings sum to zero.
//
// Amounts are integer fen (yuan × 100) in int64; there are no floats
// anywhere. A posting's amount is positive for a debit and negative for a
// credit. An account's stored balance is in its normal sense: debits minus
// credits for assets and expenses, credits minus debits for liabilities,
// equity and income, so that a budget of 1,000 yuan reads 100000 whatever
// its type.
//
// Three guarantees, on SQLite and PostgreSQL alike:
//
//   - Balanced: an entry whose postings do not sum to zero is refused
//     (apperr.Invalid) before anything is written.
//   - Idempotent: each entry carries a key; posting the same key again, even
//     concurrently, returns the first journal (Replayed set) and changes
//     nothing. The key is a unique column, claimed first with INSERT ... ON
//     CONFLICT DO NOTHING and read back when already taken.
//   - Never overspent: an account marked NonNegative never has its balance
//     minus its holds below zero. The check and the update are one
//     conditional UPDATE (… WHERE NOT non_negative OR balance + Δ - held >= 0)
//     judged by the rows it affected, so concurrent writers cannot both pass
//     it; accounts are updated in ascending id order so that PostgreSQL's row
//     locks never deadlock between two entries. A CHECK constraint on the
//     table backs this up. A refusal is apperr.Conflict naming the account.
//
// Post, Reserve, Release and Settle run inside the caller's transaction, so
// that, for example, an application's approval and its budget hold commit or
// fail together. Each runs within a savepoint: when it fails, its own writes
// are undone and the caller's transaction is still usable. Every journal,
// hold and account creation is recorded through audit.Record.
//
// Holds implement "approval reserves, disbursement posts": Reserve sets an
// amount of an account aside (the available balance falls, the balance does
// not), Release gives it back, and Settle posts the disbursement entry and
// frees the hold in the same update.
//
// Verify recomputes everything from the postings (the sum of all postings
// is zero, each journal balances, each stored balance and held amount
// equals what its postings and open holds say) for tests and for an
// administrator's check.
package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// Type is an account's class in the accounting equation.
type Type string

const (
	Asset     Type = "asset"
	Liability Type = "liability"
	Equity    Type = "equity"
	Income    Type = "income"
	Expense   Type = "expense"
)

// Valid reports whether t is one of the five types.
func (t Type) Valid() bool {
	switch t {
	case Asset, Liability, Equity, Income, Expense:
		return true
	}
	return false
}

// Sign is +1 for debit-normal types (assets, expenses) and -1 for
// credit-normal ones: a posting of amount a changes the stored balance by
// Sign()*a.
func (t Type) Sign() int64 {
	if t == Asset || t == Expense {
		return 1
	}
	return -1
}

// Limits keep sums of amounts far from int64 overflow.
const (
	// MaxAmount is the largest absolute amount of one posting or hold:
	// ten trillion yuan.
	MaxAmount = 1_000_000_000_000_000
	// MaxPostings is the most postings one entry may have.
	MaxPostings = 100
	// MaxKey is the longest idempotency key, in bytes.
	MaxKey = 200
	// MaxDescription is the longest description, in characters.
	MaxDescription = 500
)

// Currency is the one currency the platform books in.
const Currency = "CNY"

// china is the zone the platform's dates are in (UTC+8, no daylight time).
var china = time.FixedZone("CST", 8*3600)

// Ledger books entries in a database.
type Ledger struct {
	DB *db.DB
}

// New returns the ledger stored in d.
func New(d *db.DB) *Ledger { return &Ledger{DB: d} }

// Ref points at the record an entry or hold is about: an application, a
// voucher redemption, a claim.
type Ref struct {
	Entity string `json:"entity,omitempty"`
	ID     string `json:"id,omitempty"`
}

// Posting is one line of an entry: Amount fen debited (positive) or
// credited (negative) to the account.
type Posting struct {
	AccountID int64 `json:"account_id"`
	Amount    int64 `json:"amount"`
}

// Entry is a journal entry to post.
type Entry struct {
	// Key makes posting idempotent: the same key twice posts once. Modules
	// namespace it ("programs:disburse:1234").
	Key         string `json:"key"`
	Description string `json:"description"`
	Ref         Ref    `json:"ref"`
	// EffectiveOn is the accounting date, YYYY-MM-DD; empty means today in
	// China.
	EffectiveOn string `json:"effective_on"`
	// OrgID is the organization the entry concerns, for the audit log.
	OrgID    int64     `json:"org_id,omitempty"`
	Postings []Posting `json:"postings"`
}

// Journal is a posted entry.
type Journal struct {
	ID          int64     `json:"id"`
	Key         string    `json:"key"`
	Description string    `json:"description"`
	Ref         Ref       `json:"ref"`
	EffectiveOn string    `json:"effective_on"`
	ActorUserID *int64    `json:"actor_user_id"`
	ActorEmail  string    `json:"actor_email"`
	ReversesID  *int64    `json:"reverses_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	Postings    []Posting `json:"postings"`
	// Replayed is true when the key had been posted before and this is
	// that earlier journal; nothing was written.
	Replayed bool `json:"replayed,omitempty"`
}

var (
	entityRe = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,62}$`)
	codeRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9._:/-]{0,119}$`)
	kindRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	dateRe   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// Validate checks an entry without touching the database: the key, the
// description, the reference, the date, and postings that are at least two,
// each on a distinct account with a non-zero amount within MaxAmount,
// summing to zero. Errors are apperr.Invalid naming the fields.
func (e *Entry) Validate() error {
	var fs []apperr.FieldError
	bad := func(field, format string, args ...any) {
		fs = append(fs, apperr.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if msg := checkKey(e.Key); msg != "" {
		bad("key", "%s", msg)
	}
	if msg := checkText(e.Description, MaxDescription, true); msg != "" {
		bad("description", "%s", msg)
	}
	if msg := checkRef(e.Ref); msg != "" {
		bad("ref", "%s", msg)
	}
	if e.EffectiveOn != "" {
		if msg := checkDate(e.EffectiveOn); msg != "" {
			bad("effective_on", "%s", msg)
		}
	}
	if e.OrgID < 0 {
		bad("org_id", "must be positive")
	}
	switch {
	case len(e.Postings) < 2:
		bad("postings", "an entry needs at least two postings, got %d", len(e.Postings))
	case len(e.Postings) > MaxPostings:
		bad("postings", "at most %d postings, got %d", MaxPostings, len(e.Postings))
	default:
		seen := make(map[int64]int, len(e.Postings))
		var debits, credits int64
		ok := true
		for i, p := range e.Postings {
			f := fmt.Sprintf("postings[%d]", i)
			if p.AccountID <= 0 {
				bad(f+".account_id", "must be a positive account id")
				ok = false
			} else if j, dup := seen[p.AccountID]; dup {
				bad(f+".account_id", "account %d already appears in postings[%d]; combine them", p.AccountID, j)
				ok = false
			} else {
				seen[p.AccountID] = i
			}
			switch {
			case p.Amount == 0:
				bad(f+".amount", "must not be zero")
				ok = false
			case p.Amount > MaxAmount || p.Amount < -MaxAmount:
				bad(f+".amount", "must be within ±%s yuan", Yuan(MaxAmount))
				ok = false
			case p.Amount > 0:
				debits += p.Amount
			default:
				credits -= p.Amount
			}
		}
		if ok && debits != credits {
			bad("postings", "unbalanced: debits %s yuan and credits %s yuan differ by %s yuan", Yuan(debits), Yuan(credits), Yuan(debits-credits))
		}
	}
	return apperr.Fields(fs)
}

func checkKey(k string) string {
	switch {
	case k == "":
		return "is required (an idempotency key such as \"programs:disburse:1234\")"
	case len(k) > MaxKey:
		return fmt.Sprintf("at most %d bytes", MaxKey)
	case !utf8.ValidString(k):
		return "must be valid UTF-8"
	case strings.TrimSpace(k) != k:
		return "must not begin or end with spaces"
	}
	for _, r := range k {
		if r < 0x20 || r == 0x7f {
			return "must not contain control characters"
		}
	}
	return ""
}

func checkText(s string, max int, required bool) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case required && strings.TrimSpace(s) == "":
		return "is required"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("at most %d characters", max)
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return "must not contain control characters"
		}
	}
	return ""
}

func checkRef(r Ref) string {
	if r.Entity == "" && r.ID == "" {
		return ""
	}
	if !entityRe.MatchString(r.Entity) {
		return "entity must be a lower-case name such as program_application"
	}
	if r.ID == "" || len(r.ID) > 100 || !utf8.ValidString(r.ID) || strings.ContainsFunc(r.ID, func(c rune) bool { return c < 0x21 || c == 0x7f }) {
		return "id must be 1 to 100 printable characters"
	}
	return ""
}

func checkDate(s string) string {
	if !dateRe.MatchString(s) {
		return fmt.Sprintf("must be a date YYYY-MM-DD, not %q", clip(s))
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Sprintf("must be a real date, not %q", s)
	}
	if t.Year() < 2000 || t.Year() > 2099 {
		return "must be between 2000-01-01 and 2099-12-31"
	}
	return ""
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// Today is the current date in China, as the ledger dates entries.
func (l *Ledger) Today() string { return l.DB.Now().In(china).Format(time.DateOnly) }

// Yuan formats fen as yuan with two decimals and thousands separators:
// -123456789 → "-1,234,567.89".
func Yuan(fen int64) string {
	neg := fen < 0
	u := uint64(fen)
	if neg {
		u = uint64(-(fen + 1)) + 1 // also right for math.MinInt64
	}
	whole, cents := u/100, u%100
	s := fmt.Sprint(whole)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	fmt.Fprintf(&b, ".%02d", cents)
	return b.String()
}

// Querier is what the read functions need: a *sql.DB or a *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// savepoint runs fn so that, when it fails, its writes are undone and tx is
// left as it was; SQLite and PostgreSQL both support nested savepoints.
func savepoint(ctx context.Context, tx *sql.Tx, name string, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return apperr.Wrap(err, "ledger savepoint")
	}
	if err := fn(); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return apperr.Wrap(fmt.Errorf("%w (and rolling back: %v)", err, rerr), "ledger rollback")
		}
		if _, rerr := tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); rerr != nil {
			return apperr.Wrap(fmt.Errorf("%w (and releasing: %v)", err, rerr), "ledger release")
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return apperr.Wrap(err, "ledger release savepoint")
	}
	return nil
}
