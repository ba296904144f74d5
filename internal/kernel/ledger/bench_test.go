package ledger_test

import (
	"database/sql"
	"fmt"
	"sync/atomic"
	"testing"

	"rainforest/internal/kernel/ledger"
)

// BenchmarkPost posts two-line entries, each in its own transaction, from
// parallel goroutines: the rate at which grants or redemptions can be
// booked.
func BenchmarkPost(b *testing.B) {
	bk := newBook(b)
	bk.fundBudget(b, "seed", int64(b.N+1)*100)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := bk.post(bk.grant(fmt.Sprintf("bench:%d", n.Add(1)), 100)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	bk.verify(b)
}

// BenchmarkReserveSettle is an approval's hold and its disbursement, each
// in its own transaction.
func BenchmarkReserveSettle(b *testing.B) {
	bk := newBook(b)
	bk.fundBudget(b, "seed", int64(b.N+1)*100)
	b.ResetTimer()
	for i := range b.N {
		var h ledger.Hold
		err := bk.d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			h, err = bk.l.Reserve(ctx, tx, ledger.HoldRequest{Key: fmt.Sprintf("h:%d", i), AccountID: bk.budget.ID, Amount: 100})
			return err
		})
		if err == nil {
			err = bk.d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := bk.l.Settle(ctx, tx, h.ID, bk.grant(fmt.Sprintf("s:%d", i), 100))
				return err
			})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	bk.verify(b)
}
