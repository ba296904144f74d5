package ledger_test

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/ledger"
)

// FuzzEntry feeds entries decoded from JSON to Validate (seed corpus in
// testdata/fuzz/FuzzEntry). Validate must never panic; what it accepts must
// be a well-formed balanced entry, and what it refuses must be an Invalid
// error naming at least one field.
func FuzzEntry(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var e ledger.Entry
		if json.Unmarshal(data, &e) != nil {
			return
		}
		err := e.Validate()
		if err != nil {
			ae := apperr.As(err)
			if ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
				t.Fatalf("refusal %v is not Invalid with fields", err)
			}
			for _, fe := range ae.Fields {
				if fe.Field == "" || fe.Message == "" || !utf8.ValidString(fe.Message) {
					t.Fatalf("refusal names field %q with message %q", fe.Field, fe.Message)
				}
			}
			return
		}
		if e.Key == "" || len(e.Key) > ledger.MaxKey || !utf8.ValidString(e.Key) {
			t.Fatalf("accepted key %q", e.Key)
		}
		if n := len(e.Postings); n < 2 || n > ledger.MaxPostings {
			t.Fatalf("accepted %d postings", n)
		}
		var sum int64
		seen := map[int64]bool{}
		for _, p := range e.Postings {
			if p.AccountID <= 0 || seen[p.AccountID] {
				t.Fatalf("accepted account %d (repeated: %t)", p.AccountID, seen[p.AccountID])
			}
			seen[p.AccountID] = true
			if p.Amount == 0 || p.Amount > ledger.MaxAmount || p.Amount < -ledger.MaxAmount {
				t.Fatalf("accepted amount %d", p.Amount)
			}
			sum += p.Amount
		}
		if sum != 0 {
			t.Fatalf("accepted postings summing to %d", sum)
		}
	})
}
