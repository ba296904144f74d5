package ledger_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/ledger"
)

// book is a small chart of accounts: a district fund's equity, the budget
// of one program drawn on it (never negative), what is owed to recipients,
// and the grants expense.
type book struct {
	d       *db.DB
	l       *ledger.Ledger
	fund    ledger.Account
	budget  ledger.Account
	payable ledger.Account
	expense ledger.Account
}

var ctx = audit.WithActor(context.Background(), audit.Actor{UserID: 7, Email: "officer@example.test"})

func newBook(t testing.TB) *book {
	t.Helper()
	d := dbtest.Open(t)
	b := &book{d: d, l: ledger.New(d)}
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if b.fund, err = b.l.OpenAccount(ctx, tx, ledger.Account{Code: "fund:jingan", NameZh: "静安区科技发展基金", NameEn: "Jing'an S&T development fund", Type: ledger.Equity, Kind: "fund"}); err != nil {
			return err
		}
		if b.budget, err = b.l.OpenAccount(ctx, tx, ledger.Account{Code: "budget:program:1", NameZh: "项目预算", NameEn: "Program budget", Type: ledger.Asset, Kind: "budget", NonNegative: true}); err != nil {
			return err
		}
		if b.payable, err = b.l.OpenAccount(ctx, tx, ledger.Account{Code: "payable:program:1", NameZh: "应付资助款", NameEn: "Grants payable", Type: ledger.Liability, Kind: "payable"}); err != nil {
			return err
		}
		b.expense, err = b.l.OpenAccount(ctx, tx, ledger.Account{Code: "expense:grants", NameZh: "资助支出", NameEn: "Grants expense", Type: ledger.Expense, Kind: "expense"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post runs l.Post in its own transaction.
func (b *book) post(e ledger.Entry) (ledger.Journal, error) {
	var j ledger.Journal
	err := b.d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = b.l.Post(ctx, tx, e)
		return err
	})
	return j, err
}

// fundBudget appropriates fen from the fund to the budget.
func (b *book) fundBudget(t testing.TB, key string, fen int64) {
	t.Helper()
	if _, err := b.post(ledger.Entry{Key: key, Description: "appropriation", EffectiveOn: "2026-01-05",
		Postings: []ledger.Posting{{AccountID: b.budget.ID, Amount: fen}, {AccountID: b.fund.ID, Amount: -fen}}}); err != nil {
		t.Fatalf("fund budget: %v", err)
	}
}

// grant is the entry that pays fen from the budget to a recipient.
func (b *book) grant(key string, fen int64) ledger.Entry {
	return ledger.Entry{Key: key, Description: "grant", Ref: ledger.Ref{Entity: "program_application", ID: key},
		Postings: []ledger.Posting{{AccountID: b.expense.ID, Amount: fen}, {AccountID: b.budget.ID, Amount: -fen}}}
}

func (b *book) balance(t testing.TB, a ledger.Account) ledger.Balance {
	t.Helper()
	got, err := b.l.Balance(ctx, b.d.Read, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (b *book) verify(t testing.TB) ledger.Report {
	t.Helper()
	r, err := b.l.Verify(ctx, b.d.Read)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	tb, err := b.l.TrialBalance(ctx, b.d.Read)
	if err != nil {
		t.Fatal(err)
	}
	if !tb.Balanced() {
		t.Fatalf("trial balance: debits %d, credits %d", tb.Debits, tb.Credits)
	}
	return r
}

func wantCode(t testing.TB, err error, code apperr.Code, contains ...string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got error %v (code %s), want code %s", err, apperr.CodeOf(err), code)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func count(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPostBalanced(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "appropriation:2026", 1_000_000_00)
	j, err := b.post(b.grant("app:1", 250_000_00))
	if err != nil {
		t.Fatal(err)
	}
	if j.ID == 0 || j.Replayed || len(j.Postings) != 2 || j.ActorUserID == nil || *j.ActorUserID != 7 || j.ActorEmail != "officer@example.test" {
		t.Fatalf("journal = %+v", j)
	}
	if j.EffectiveOn != b.l.Today() {
		t.Errorf("effective_on = %q, want today %q", j.EffectiveOn, b.l.Today())
	}
	if got := b.balance(t, b.budget); got.Balance != 750_000_00 || got.Available != 750_000_00 {
		t.Errorf("budget = %+v, want 750,000.00 yuan", got)
	}
	if got := b.balance(t, b.expense); got.Balance != 250_000_00 {
		t.Errorf("expense = %+v, want 250,000.00 yuan", got)
	}
	// The fund is credit-normal: crediting it raised its balance.
	if got := b.balance(t, b.fund); got.Balance != 1_000_000_00 {
		t.Errorf("fund = %+v, want 1,000,000.00 yuan", got)
	}
	again, err := b.l.Journal(ctx, b.d.Read, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Key != "app:1" || again.Ref.Entity != "program_application" || again.Postings[0] != j.Postings[0] || again.Postings[1] != j.Postings[1] {
		t.Errorf("read back %+v, posted %+v", again, j)
	}
	entries, _, err := audit.List(ctx, b.d, audit.Filter{Entity: "ledger_journal"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Action != "ledger.post" || entries[0].EntityID == "" {
		t.Errorf("audit entries = %+v, want two ledger.post", entries)
	}
	r := b.verify(t)
	if r.Journals != 2 || r.Postings != 4 || r.Debits != 1_250_000_00 {
		t.Errorf("verify report = %+v", r)
	}
}

func TestPostRefusesBadEntries(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "seed", 100_00)
	p := func(ps ...ledger.Posting) []ledger.Posting { return ps }
	bu, ex := b.budget.ID, b.expense.ID
	cases := []struct {
		name  string
		e     ledger.Entry
		field string
	}{
		{"unbalanced", ledger.Entry{Key: "k1", Description: "x", Postings: p(ledger.Posting{AccountID: ex, Amount: 100}, ledger.Posting{AccountID: bu, Amount: -90})}, "postings"},
		{"one posting", ledger.Entry{Key: "k2", Description: "x", Postings: p(ledger.Posting{AccountID: ex, Amount: 0})}, "postings"},
		{"zero amount", ledger.Entry{Key: "k3", Description: "x", Postings: p(ledger.Posting{AccountID: ex, Amount: 0}, ledger.Posting{AccountID: bu, Amount: 0})}, "postings[0].amount"},
		{"same account twice", ledger.Entry{Key: "k4", Description: "x", Postings: p(ledger.Posting{AccountID: ex, Amount: 5}, ledger.Posting{AccountID: ex, Amount: -5})}, "postings[1].account_id"},
		{"no key", ledger.Entry{Description: "x", Postings: p(ledger.Posting{AccountID: ex, Amount: 5}, ledger.Posting{AccountID: bu, Amount: -5})}, "key"},
		{"no description", ledger.Entry{Key: "k5", Postings: p(ledger.Posting{AccountID: ex, Amount: 5}, ledger.Posting{AccountID: bu, Amount: -5})}, "description"},
		{"bad date", ledger.Entry{Key: "k6", Description: "x", EffectiveOn: "2026-02-30", Postings: p(ledger.Posting{AccountID: ex, Amount: 5}, ledger.Posting{AccountID: bu, Amount: -5})}, "effective_on"},
		{"huge", ledger.Entry{Key: "k7", Description: "x", Postings: p(ledger.Posting{AccountID: ex, Amount: ledger.MaxAmount + 1}, ledger.Posting{AccountID: bu, Amount: -ledger.MaxAmount - 1})}, "postings[0].amount"},
		{"unknown account", ledger.Entry{Key: "k8", Description: "x", Postings: p(ledger.Posting{AccountID: ex, Amount: 5}, ledger.Posting{AccountID: 999, Amount: -5})}, "postings[1].account_id"},
		{"bad ref", ledger.Entry{Key: "k9", Description: "x", Ref: ledger.Ref{Entity: "Robert'); DROP TABLE", ID: "1"}, Postings: p(ledger.Posting{AccountID: ex, Amount: 5}, ledger.Posting{AccountID: bu, Amount: -5})}, "ref"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := b.post(c.e)
			wantCode(t, err, apperr.Invalid)
			ae := apperr.As(err)
			if len(ae.Fields) == 0 || ae.Fields[0].Field != c.field {
				t.Errorf("fields = %+v, want first %q", ae.Fields, c.field)
			}
		})
	}
	if n := count(t, b.d, "ledger_journals"); n != 1 {
		t.Errorf("%d journals after refused entries, want 1", n)
	}
	b.verify(t)
}

func TestUnbalancedMessageNamesTheDifference(t *testing.T) {
	e := ledger.Entry{Key: "k", Description: "x", Postings: []ledger.Posting{{AccountID: 1, Amount: 1_000_00}, {AccountID: 2, Amount: -900_00}}}
	wantCode(t, e.Validate(), apperr.Invalid, "unbalanced", "1,000.00", "900.00", "differ by 100.00")
}

func TestIdempotentPost(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "seed", 1_000_00)
	first, err := b.post(b.grant("disburse:42", 300_00))
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.post(b.grant("disburse:42", 300_00))
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != first.ID || !second.Replayed || first.Replayed {
		t.Fatalf("second post = %+v, want a replay of journal %d", second, first.ID)
	}
	if got := b.balance(t, b.budget); got.Balance != 700_00 {
		t.Errorf("budget = %d, want 700.00 yuan (posted once)", got.Balance)
	}
	// The same key with other postings is a mistake, not a replay.
	_, err = b.post(b.grant("disburse:42", 301_00))
	wantCode(t, err, apperr.Conflict, "disburse:42", "already used")
	if n := count(t, b.d, "ledger_journals"); n != 2 {
		t.Errorf("%d journals, want 2", n)
	}
	b.verify(t)
}

func TestNonNegativeAccountAndUsableTx(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "seed", 500_00)
	// Within one transaction: an overspend fails, naming the account, and
	// the transaction goes on to post what fits.
	err := b.d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := b.l.Post(ctx, tx, b.grant("too-much", 500_01))
		wantCode(t, err, apperr.Conflict, "budget:program:1", "500.00 yuan available", "500.01 yuan needed")
		if f := apperr.As(err).Fields; len(f) != 1 || f[0].Field != "postings[1].amount" {
			t.Errorf("fields = %+v", f)
		}
		_, err = b.l.Post(ctx, tx, b.grant("fits", 500_00))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.balance(t, b.budget); got.Balance != 0 {
		t.Errorf("budget = %d, want 0", got.Balance)
	}
	// An account that may go negative may.
	if _, err := b.post(ledger.Entry{Key: "overdraw", Description: "advance", Postings: []ledger.Posting{{AccountID: b.expense.ID, Amount: 1_00}, {AccountID: b.payable.ID, Amount: 1_00 * -1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.post(ledger.Entry{Key: "repay", Description: "repay more", Postings: []ledger.Posting{{AccountID: b.payable.ID, Amount: 3_00}, {AccountID: b.fund.ID, Amount: -3_00}}}); err != nil {
		t.Fatal(err)
	}
	if got := b.balance(t, b.payable); got.Balance != -2_00 {
		t.Errorf("payable = %d, want -2.00 yuan", got.Balance)
	}
	b.verify(t)
}

func TestHolds(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "seed", 1_000_00)
	reserve := func(key string, fen int64) (ledger.Hold, error) {
		var h ledger.Hold
		err := b.d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			h, err = b.l.Reserve(ctx, tx, ledger.HoldRequest{Key: key, AccountID: b.budget.ID, Amount: fen, Description: "approval", Ref: ledger.Ref{Entity: "program_application", ID: key}})
			return err
		})
		return h, err
	}
	h1, err := reserve("approve:1", 600_00)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.balance(t, b.budget); got.Balance != 1_000_00 || got.Held != 600_00 || got.Available != 400_00 {
		t.Fatalf("after reserve: %+v", got)
	}
	again, err := reserve("approve:1", 600_00)
	if err != nil || again.ID != h1.ID || !again.Replayed {
		t.Fatalf("reserve replay = %+v, %v", again, err)
	}
	_, err = reserve("approve:1", 500_00)
	wantCode(t, err, apperr.Conflict, "approve:1")
	_, err = reserve("approve:2", 400_01)
	wantCode(t, err, apperr.Conflict, "budget:program:1", "400.00 yuan available")
	// A plain posting cannot spend what is held either.
	_, err = b.post(b.grant("sneak", 400_01))
	wantCode(t, err, apperr.Conflict, "budget:program:1")
	h2, err := reserve("approve:2", 400_00)
	if err != nil {
		t.Fatal(err)
	}

	// Settle the first hold for less than was held: the rest is freed.
	settle := func(id int64, e ledger.Entry) (ledger.Journal, error) {
		var j ledger.Journal
		err := b.d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			j, err = b.l.Settle(ctx, tx, id, e)
			return err
		})
		return j, err
	}
	_, err = settle(h1.ID, b.grant("disburse:1", 600_01))
	wantCode(t, err, apperr.Invalid, "more than the 600.00 yuan held")
	j, err := settle(h1.ID, b.grant("disburse:1", 550_00))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.balance(t, b.budget); got.Balance != 450_00 || got.Held != 400_00 || got.Available != 50_00 {
		t.Fatalf("after settle: %+v", got)
	}
	replay, err := settle(h1.ID, b.grant("disburse:1", 550_00))
	if err != nil || replay.ID != j.ID || !replay.Replayed {
		t.Fatalf("settle replay = %+v, %v", replay, err)
	}
	_, err = settle(h1.ID, b.grant("disburse:1b", 10_00))
	wantCode(t, err, apperr.Conflict, "already settled")

	// Release the second; releasing again is a replay; settling it now is
	// refused.
	var rel ledger.Hold
	err = b.d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		rel, err = b.l.Release(ctx, tx, h2.ID)
		return err
	})
	if err != nil || rel.Status != ledger.Released || rel.ResolvedAt == nil {
		t.Fatalf("release = %+v, %v", rel, err)
	}
	err = b.d.Tx(ctx, func(tx *sql.Tx) error {
		r, err := b.l.Release(ctx, tx, h2.ID)
		if err == nil && !r.Replayed {
			t.Errorf("second release not marked replayed: %+v", r)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = settle(h2.ID, b.grant("disburse:2", 100_00))
	wantCode(t, err, apperr.Conflict, "released")
	err = b.d.Tx(ctx, func(tx *sql.Tx) error { _, err := b.l.Release(ctx, tx, h1.ID); return err })
	wantCode(t, err, apperr.Conflict, "settled")

	if got := b.balance(t, b.budget); got.Balance != 450_00 || got.Held != 0 {
		t.Fatalf("at the end: %+v", got)
	}
	hs, err := b.l.Holds(ctx, b.d.Read, ledger.Ref{Entity: "program_application", ID: "approve:1"})
	if err != nil || len(hs) != 1 || hs[0].Status != ledger.Settled || hs[0].JournalID == nil || *hs[0].JournalID != j.ID {
		t.Fatalf("holds = %+v, %v", hs, err)
	}
	b.verify(t)
}

func TestReverse(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "seed", 1_000_00)
	j, err := b.post(b.grant("g", 400_00))
	if err != nil {
		t.Fatal(err)
	}
	var r ledger.Journal
	err = b.d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = b.l.Reverse(ctx, tx, j.ID, "g:reverse", "paid to the wrong account")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.ReversesID == nil || *r.ReversesID != j.ID || r.Postings[0].Amount != -j.Postings[0].Amount {
		t.Fatalf("reversal = %+v", r)
	}
	if got := b.balance(t, b.budget); got.Balance != 1_000_00 {
		t.Errorf("budget after reversal = %d", got.Balance)
	}
	err = b.d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := b.l.Reverse(ctx, tx, j.ID, "g:reverse2", "again")
		return err
	})
	wantCode(t, err, apperr.Conflict, "already been reversed")
	b.verify(t)
}

func TestStatement(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "seed", 1_000_00) // 2026-01-05
	for _, e := range []struct {
		key, on string
		fen     int64
	}{{"a", "2026-02-01", 100_00}, {"b", "2026-03-01", 200_00}, {"c", "2026-04-01", 300_00}} {
		g := b.grant(e.key, e.fen)
		g.EffectiveOn = e.on
		if _, err := b.post(g); err != nil {
			t.Fatal(err)
		}
	}
	s, err := b.l.Statement(ctx, b.d.Read, b.budget.ID, "2026-02-15", "2026-03-31")
	if err != nil {
		t.Fatal(err)
	}
	if s.Opening != 900_00 || len(s.Lines) != 1 || s.Lines[0].Amount != -200_00 || s.Lines[0].Balance != 700_00 || s.Closing != 700_00 || s.Lines[0].EffectiveOn != "2026-03-01" {
		t.Fatalf("statement = %+v", s)
	}
	all, err := b.l.Statement(ctx, b.d.Read, b.budget.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if all.Opening != 0 || len(all.Lines) != 4 || all.Closing != 400_00 || all.Closing != b.balance(t, b.budget).Balance {
		t.Fatalf("full statement = %+v", all)
	}
	_, err = b.l.Statement(ctx, b.d.Read, b.budget.ID, "2026-05-01", "2026-04-01")
	wantCode(t, err, apperr.Invalid, "to")
}

func TestVerifyFindsTampering(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "seed", 1_000_00)
	b.verify(t)
	if _, err := b.d.Write.ExecContext(ctx, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = $1`, b.budget.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.d.Write.ExecContext(ctx, `UPDATE ledger_postings SET amount = amount + 5 WHERE account_id = $1`, b.fund.ID); err != nil {
		t.Fatal(err)
	}
	r, err := b.l.Verify(ctx, b.d.Read)
	if !errors.Is(err, ledger.ErrUnsound) {
		t.Fatalf("verify after tampering: %v", err)
	}
	joined := strings.Join(r.Problems, "\n")
	for _, want := range []string{"all postings sum to 5 fen", "journal 1 has 2 postings summing to 5", "account budget:program:1 stores balance 100001", "account fund:jingan stores balance 100000 fen, its postings say 99995"} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems %q do not include %q", joined, want)
		}
	}
}

func TestAccounts(t *testing.T) {
	b := newBook(t)
	err := b.d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := b.l.OpenAccount(ctx, tx, ledger.Account{Code: "budget:program:1", NameZh: "重复", NameEn: "Duplicate", Type: ledger.Asset})
		wantCode(t, err, apperr.Conflict, "already in use")
		got, err := b.l.EnsureAccount(ctx, tx, ledger.Account{Code: "budget:program:1", NameZh: "项目预算", NameEn: "Program budget", Type: ledger.Asset, NonNegative: true})
		if err != nil || got.ID != b.budget.ID {
			t.Errorf("ensure existing = %+v, %v", got, err)
		}
		_, err = b.l.EnsureAccount(ctx, tx, ledger.Account{Code: "budget:program:1", NameZh: "项目预算", NameEn: "Program budget", Type: ledger.Liability})
		wantCode(t, err, apperr.Conflict, "exists as a asset account")
		owner := int64(987654)
		_, err = b.l.OpenAccount(ctx, tx, ledger.Account{Code: "voucher:1", NameZh: "券", NameEn: "Voucher", Type: ledger.Liability, OwnerOrgID: &owner})
		wantCode(t, err, apperr.Invalid, "owner_org_id")
		_, err = b.l.OpenAccount(ctx, tx, ledger.Account{Code: "Bad Code", NameZh: "", NameEn: "x", Type: "cash"})
		ae := apperr.As(err)
		if ae.Code != apperr.Invalid || len(ae.Fields) != 3 {
			t.Errorf("bad account: %v", err)
		}
		// The failed inserts left the transaction usable.
		_, err = b.l.OpenAccount(ctx, tx, ledger.Account{Code: "cash:treasury", NameZh: "国库", NameEn: "Treasury", Type: ledger.Asset, Kind: "cash"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	as, err := b.l.Accounts(ctx, b.d.Read, "budget", 0)
	if err != nil || len(as) != 1 || as[0].Code != "budget:program:1" || as[0].Name("en") != "Program budget" || as[0].Name("zh") != "项目预算" {
		t.Fatalf("accounts of kind budget = %+v, %v", as, err)
	}
	if all, _ := b.l.Accounts(ctx, b.d.Read, "", 0); len(all) != 5 {
		t.Errorf("%d accounts, want 5", len(all))
	}
	if _, err := b.l.AccountByCode(ctx, b.d.Read, "nope"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown code: %v", err)
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", -5: "-0.05", 123456789: "1,234,567.89", -100: "-1.00", 100000: "1,000.00", -9223372036854775808: "-92,233,720,368,547,758.08"} {
		if got := ledger.Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
