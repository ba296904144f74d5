//go:build !race

package ledger_test

const sameKeyTries = 10_000
