package main

import (
	"context"
	"fmt"
	"io"

	"rainforest/internal/kernel/notify"
	"rainforest/internal/programs"
	"rainforest/internal/programs/obligations"
	"rainforest/internal/registry"
)

// runObligations is "rainforest obligations": mark the obligations that
// ran their course (serve also does it at start and daily).
func runObligations(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("obligations", "[--db DSN]: mark as fulfilled the award obligations that ended without a clawback case.", stderr)
	dsn := dbFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	reg := &registry.Service{DB: d}
	s, err := obligations.New(d, &programs.Service{DB: d, Registry: reg}, reg, &notify.Notifier{DB: d})
	if err != nil {
		return err
	}
	res, err := s.Sweep(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "today %s: %d obligations fulfilled\n", res.Today, len(res.Fulfilled))
	return nil
}
