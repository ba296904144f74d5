package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"rainforest/internal/registry"
	"rainforest/internal/synth"
)

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", "--enterprises N [--seed S] [--activity-months M] [--db DSN]", stderr)
	n := fs.Int("enterprises", 0, "how many enterprises to generate (required; other kinds of organization are added in proportion)")
	seed := fs.Uint64("seed", 1, "seed: the same seed makes the same city")
	months := fs.Int("activity-months", 0, "also write this many months of activity (patents, contracts, deals, instrument bookings, vouchers, loans, awards) up to now")
	dsn := dbFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *n > 50_000_000 {
		fmt.Fprintln(stderr, "--enterprises must be between 1 and 50000000")
		fs.Usage()
		return errUsage
	}
	if *months < 0 || *months > 120 {
		fmt.Fprintln(stderr, "--activity-months must be between 0 and 120")
		fs.Usage()
		return errUsage
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	g := synth.Generator{Enterprises: *n, Seed: *seed}
	start := time.Now()
	last := start
	err = synth.Write(ctx, &registry.Service{DB: d}, g, func(done, total int) {
		if now := time.Now(); now.Sub(last) >= time.Second || done == total {
			last = now
			fmt.Fprintf(stderr, "\rgenerated %d / %d organizations (%.0f/s)", done, total, float64(done)/now.Sub(start).Seconds())
			if done == total {
				fmt.Fprintln(stderr)
			}
		}
	})
	if err != nil {
		fmt.Fprintln(stderr)
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "generated %d organizations (%d enterprises, seed %d) in %.1f s\n", g.Count(), *n, *seed, el.Seconds())
	if *months > 0 {
		start = time.Now()
		counts, err := synth.WriteActivity(ctx, d, synth.Activity{Months: *months, Seed: *seed})
		if err != nil {
			return err
		}
		total := 0
		for _, c := range counts {
			total += c
		}
		fmt.Fprintf(stdout, "generated %d months of activity (%d records) in %.1f s\n", *months, total, time.Since(start).Seconds())
	}
	return nil
}
