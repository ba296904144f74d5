package ledger_test

import (
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/ledger"
)

// Two hundred approvals race for a budget that fits exactly one hundred:
// exactly one hundred holds are placed, the rest refused as conflicts, and
// nothing is left available. Then all hundred disbursements settle at once
// and the budget ends at exactly zero.
func TestConcurrentReservations(t *testing.T) {
	b := newBook(t)
	const each, fits, tries = 12_345_67, 100, 200
	b.fundBudget(t, "seed", each*fits)

	var ok, refused atomic.Int64
	holds := make(chan ledger.Hold, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			err := b.d.Tx(ctx, func(tx *sql.Tx) error {
				h, err := b.l.Reserve(ctx, tx, ledger.HoldRequest{Key: fmt.Sprintf("approve:%d", i), AccountID: b.budget.ID, Amount: each, Description: "approval"})
				if err == nil {
					holds <- h
				}
				return err
			})
			switch {
			case err == nil:
				ok.Add(1)
			case apperr.CodeOf(err) == apperr.Conflict:
				refused.Add(1)
			default:
				t.Errorf("reserve %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	close(holds)
	if ok.Load() != fits || refused.Load() != tries-fits {
		t.Fatalf("%d reserved and %d refused, want %d and %d", ok.Load(), refused.Load(), fits, tries-fits)
	}
	if got := b.balance(t, b.budget); got.Available != 0 || got.Held != each*fits {
		t.Fatalf("budget after reservations = %+v, want nothing available", got)
	}

	for h := range holds {
		wg.Go(func() {
			err := b.d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := b.l.Settle(ctx, tx, h.ID, b.grant("disburse:"+h.Key, each))
				return err
			})
			if err != nil {
				t.Errorf("settle %s: %v", h.Key, err)
			}
		})
	}
	wg.Wait()
	if got := b.balance(t, b.budget); got.Balance != 0 || got.Held != 0 {
		t.Fatalf("budget after disbursements = %+v, want exactly zero", got)
	}
	if got := b.balance(t, b.expense); got.Balance != each*fits {
		t.Errorf("expense = %d, want %d", got.Balance, each*fits)
	}
	b.verify(t)
}

// The same race without holds: direct postings against a non-negative
// account.
func TestConcurrentPostsNeverOverspend(t *testing.T) {
	b := newBook(t)
	const each, fits, tries = 500_00, 100, 200
	b.fundBudget(t, "seed", each*fits)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			_, err := b.post(b.grant(fmt.Sprintf("pay:%d", i), each))
			switch {
			case err == nil:
				ok.Add(1)
			case apperr.CodeOf(err) != apperr.Conflict:
				t.Errorf("post %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != fits {
		t.Fatalf("%d posted, want %d", ok.Load(), fits)
	}
	if got := b.balance(t, b.budget); got.Balance != 0 {
		t.Fatalf("budget = %d, want 0", got.Balance)
	}
	b.verify(t)
}

// Ten thousand concurrent attempts to post the same entry (a client
// retrying hard) post it once; every attempt gets the same journal back.
// (Two thousand under the race detector; see race_test.go.)
func TestConcurrentSameKey(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "seed", 1_000_00)
	const tries = sameKeyTries
	ids := make([]int64, tries)
	var fresh atomic.Int64
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			j, err := b.post(b.grant("redeem:voucher:77", 30_00))
			if err != nil {
				t.Errorf("attempt %d: %v", i, err)
				return
			}
			if !j.Replayed {
				fresh.Add(1)
			}
			ids[i] = j.ID
		})
	}
	wg.Wait()
	if fresh.Load() != 1 {
		t.Errorf("%d attempts wrote a journal, want 1", fresh.Load())
	}
	for i, id := range ids {
		if id != ids[0] {
			t.Fatalf("attempt %d got journal %d, attempt 0 got %d", i, id, ids[0])
		}
	}
	if n := count(t, b.d, "ledger_journals"); n != 2 {
		t.Errorf("%d journals, want 2 (the appropriation and one grant)", n)
	}
	if got := b.balance(t, b.budget); got.Balance != 970_00 {
		t.Errorf("budget = %d, want 970.00 yuan", got.Balance)
	}
	b.verify(t)
}

// Concurrent reservations under the same key place one hold.
func TestConcurrentSameHoldKey(t *testing.T) {
	b := newBook(t)
	b.fundBudget(t, "seed", 1_000_00)
	var wg sync.WaitGroup
	var fresh atomic.Int64
	for range 500 {
		wg.Go(func() {
			err := b.d.Tx(ctx, func(tx *sql.Tx) error {
				h, err := b.l.Reserve(ctx, tx, ledger.HoldRequest{Key: "approve:9", AccountID: b.budget.ID, Amount: 10_00})
				if err == nil && !h.Replayed {
					fresh.Add(1)
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if fresh.Load() != 1 {
		t.Errorf("%d holds placed, want 1", fresh.Load())
	}
	if got := b.balance(t, b.budget); got.Held != 10_00 {
		t.Errorf("held = %d, want 10.00 yuan", got.Held)
	}
	b.verify(t)
}
