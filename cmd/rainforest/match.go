package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"rainforest/internal/kernel/notify"
	"rainforest/internal/programs"
	"rainforest/internal/programs/match"
	"rainforest/internal/registry"
)

// runMatch is "rainforest match": every enterprise against every open
// program (or one of either), writing the results that changed.
func runMatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("match", "Match every enterprise against every open program and store the results that changed.", stderr)
	dsn := dbFlag(fs)
	program := fs.Int64("program", 0, "match this program only (id)")
	org := fs.Int64("org", 0, "match this organization only (id)")
	workers := fs.Int("workers", 0, "programs evaluated in parallel (default: the number of cores)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	gcPercent := fs.Int("gc-percent", 400, "the garbage collector's growth target for the run, in percent (GOGC, when set, takes precedence)")
	if err := parse(fs, args); err != nil {
		return err
	}
	// The run holds every profile it reads (about 1 GB for a million
	// enterprises) until it ends; collecting at every doubling of that
	// heap spends CPU the evaluation needs, so by default the run lets
	// the heap grow four times over before collecting.
	if os.Getenv("GOGC") == "" && *gcPercent > 0 {
		debug.SetGCPercent(*gcPercent)
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	reg := &registry.Service{DB: d}
	m := &match.Service{DB: d, Programs: &programs.Service{DB: d, Registry: reg}, Notifier: &notify.Notifier{DB: d}, Workers: *workers}
	if err := m.Programs.EnsureBuiltin(ctx); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	st, err := m.Run(ctx, *program, *org)
	if err != nil {
		return err
	}
	total := time.Since(t0)
	fmt.Fprintf(stdout, "programs %d, enterprises %d (invalid profiles %d), pairs %d\n", st.Programs, st.Enterprises, st.Invalid, st.Pairs)
	fmt.Fprintf(stdout, "eligible %d, unknown %d, ineligible %d\n", st.Eligible, st.Unknown, st.Ineligible)
	fmt.Fprintf(stdout, "written: inserted %d, updated %d, deleted %d, unchanged %d (blocks written %d); enterprises told %d\n", st.Inserted, st.Updated, st.Deleted, st.Unchanged, st.Blocks, st.Notified)
	fmt.Fprintf(stdout, "time: load %.2f s, evaluate %.2f s, write %.2f s, total %.2f s\n", st.Load.Seconds(), st.Eval.Seconds(), st.Write.Seconds(), total.Seconds())
	return nil
}

// runMail is "rainforest mail": send the e-mail outbox through an SMTP
// server, once or until interrupted.
func runMail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("mail", "Send queued e-mail through an SMTP server (STARTTLS when offered; RAINFOREST_SMTP_USERNAME and RAINFOREST_SMTP_PASSWORD authenticate).", stderr)
	dsn := dbFlag(fs)
	addr := fs.String("smtp", env("RAINFOREST_SMTP", ""), "SMTP server host:port (env RAINFOREST_SMTP)")
	from := fs.String("from", env("RAINFOREST_MAIL_FROM", "noreply@rainforest.local"), "sender address (env RAINFOREST_MAIL_FROM)")
	once := fs.Bool("once", false, "send what is due and exit")
	every := fs.Duration("every", 10*time.Second, "how often to look for due mail")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *addr == "" {
		fmt.Fprintln(stderr, "rainforest mail: --smtp host:port is required")
		return errUsage
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	m := &notify.Mailer{DB: d, Addr: *addr, From: *from, Username: os.Getenv("RAINFOREST_SMTP_USERNAME"), Password: os.Getenv("RAINFOREST_SMTP_PASSWORD")}
	for {
		res, err := m.Drain(ctx, 0)
		if err != nil {
			return err
		}
		if res.Sent+res.Retry+res.Failed > 0 || *once {
			fmt.Fprintf(stdout, "sent %d, to retry %d, failed %d\n", res.Sent, res.Retry, res.Failed)
		}
		if *once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
	}
}
