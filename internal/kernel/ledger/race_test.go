//go:build race

package ledger_test

// The race detector slows the pure-Go SQLite engine about tenfold; the
// same-key test then uses fewer attempts to stay within the suite's time.
const sameKeyTries = 2_000
