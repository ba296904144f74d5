package vouchers

import (
	"testing"

	"rainforest/internal/kernel/apperr"
)

// FuzzSplitOrder: every accepted split adds up to the order, no part is
// negative, the voucher pays no more than its share and its balance, the
// subsidy no more than its share; every refusal names a field or says
// why.
func FuzzSplitOrder(f *testing.F) {
	f.Add(int64(128050), int64(500000), int64(5000), int64(1000), int64(-1))
	f.Add(int64(1), int64(1), int64(10000), int64(0), int64(1))
	f.Add(int64(100000000000000), int64(9), int64(1), int64(9999), int64(0))
	f.Fuzz(func(t *testing.T, order, balance, vbp, sbp, ask int64) {
		if vbp < 1 || vbp > 10000 || sbp < 0 || vbp+sbp > 10000 {
			return // the program's own validation keeps these out
		}
		var a *int64
		if ask >= 0 {
			a = &ask
		}
		sp, err := SplitOrder(order, balance, vbp, sbp, a)
		if err != nil {
			if e := apperr.As(err); e.Code == apperr.Internal || e.Message == "" {
				t.Fatalf("unexplained refusal: %v", err)
			}
			return
		}
		if sp.VoucherFen+sp.SubsidyFen+sp.OwnFen != order || sp.VoucherFen < 0 || sp.SubsidyFen < 0 || sp.OwnFen < 0 {
			t.Fatalf("split %+v of %d", sp, order)
		}
		if sp.VoucherFen > balance || sp.VoucherFen > order*vbp/10000 || sp.SubsidyFen > order*sbp/10000 {
			t.Fatalf("split %+v exceeds balance %d or shares %d/%d", sp, balance, vbp, sbp)
		}
	})
}

// FuzzParseFen: an accepted amount writes back to the same fen.
func FuzzParseFen(f *testing.F) {
	for _, s := range []string{"1280", "1,280.50", "¥0.07", "12.3", "1.", ".5", "1e3", "９９"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := ParseFen("amount", s)
		if err != nil {
			if e := apperr.As(err); len(e.Fields) != 1 || e.Fields[0].Field != "amount" {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if fen < 0 {
			t.Fatalf("%q: %d", s, fen)
		}
		back, err := ParseFen("amount", plainYuan(fen))
		if err != nil || back != fen {
			t.Fatalf("%q: %d, written %q, read %d %v", s, fen, plainYuan(fen), back, err)
		}
	})
}
