package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"rainforest/internal/app"
	"rainforest/internal/demo"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/search"
)

func openDB(ctx context.Context, dsn string) (*db.DB, error) {
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return d, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[--addr HOST:PORT] [--db DSN] [--demo]", stderr)
	addr := fs.String("addr", env("RAINFOREST_ADDR", "127.0.0.1:8080"), "address to listen on (env RAINFOREST_ADDR)")
	dsn := dbFlag(fs)
	withDemo := fs.Bool("demo", false, "seed the demo city and accounts on first start (idempotent)")
	secure := fs.Bool("secure-cookies", os.Getenv("RAINFOREST_SECURE_COOKIES") == "1", "mark cookies Secure behind a TLS proxy (env RAINFOREST_SECURE_COOKIES=1)")
	quiet := fs.Bool("quiet", false, "log only server errors, not every request")
	if err := parse(fs, args); err != nil {
		return err
	}
	start := time.Now()
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	a, err := app.New(d, app.Config{SecureCookies: *secure, Quiet: *quiet, Logger: log})
	if err != nil {
		return err
	}
	if *withDemo {
		created, err := demo.Seed(ctx, d, a.Registry)
		if err == nil {
			err = demo.SeedApplications(ctx, d, a.Programs)
		}
		if err == nil {
			err = demo.SeedIP(ctx, d, a.IP)
		}
		if err == nil {
			err = demo.SeedTransfer(ctx, d, a.Transfer)
		}
		if err == nil {
			err = demo.SeedVouchers(ctx, d, a.Registry, a.Vouchers)
		}
		if err == nil {
			err = demo.SeedFinance(ctx, d, a.Finance)
		}
		if err == nil {
			err = demo.SeedInstruments(ctx, d, a.Instruments)
		}
		if err == nil {
			err = demo.SeedTalent(ctx, d, a.Talent)
		}
		if err == nil {
			err = demo.SeedEvents(ctx, d, a.Events)
		}
		if err == nil {
			err = demo.SeedIncubation(ctx, d, a.Incubation)
		}
		if err == nil {
			err = demo.SeedServiceDesk(ctx, d, a.Desk)
		}
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		printDemo(stdout, created)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Re-match programs and enterprises that changed, in the background.
	go a.Match.Worker(ctx, 5*time.Second, log)
	// Mark fulfilled obligations at start and daily.
	go a.Obligations.Worker(ctx, 24*time.Hour, log)
	// Work-permit renewal reminders and re-scoring, at start and daily.
	go a.Talent.Worker(ctx, 24*time.Hour, log)
	// File the interest subsidies' quarter-end claims once each quarter's
	// grace period is over, checked at start and daily.
	go a.Finance.Worker(ctx, 24*time.Hour, log)
	// Escalate overdue service-desk requests every five minutes.
	go a.Desk.Worker(ctx, 5*time.Minute, log)
	// Prune old removals from the search indexes' change log, daily.
	go search.PruneWorker(ctx, d, 24*time.Hour, log)
	// Keep the indicators' cache in step with their sources.
	go a.Indicators.Start(ctx)
	log.Info("listening", "addr", "http://"+ln.Addr().String(), "db", d.Dialect, "ready_ms", time.Since(start).Milliseconds())
	fmt.Fprintf(stdout, "Rainforest is ready at http://%s\n", ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func printDemo(w io.Writer, created bool) {
	if created {
		fmt.Fprintln(w, "Demo city created. Demo accounts (password \"demo\"):")
	} else {
		fmt.Fprintln(w, "Demo city already present. Demo accounts (password \"demo\"):")
	}
	for _, a := range demo.Accounts {
		fmt.Fprintf(w, "  %-28s %s\n", a.Email, a.What)
	}
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "[--db DSN]", stderr)
	dsn := dbFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	n, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	v, err := d.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s); schema version %d\n", n, v)
	return nil
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
	}
	fmt.Fprintf(stdout, "rainforest %s\n", v)
	return nil
}
