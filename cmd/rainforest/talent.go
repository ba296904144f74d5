package main

import (
	"context"
	"fmt"
	"io"
	"sort"

	"rainforest/internal/kernel/notify"
	"rainforest/internal/talent"
)

// runTalent is "rainforest talent rescore|remind": the work-permit
// maintenance tasks (serve also runs both at start and daily).
func runTalent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runVerbs(ctx, "talent", []subcommand{
		{"rescore", "[--db DSN] [--as-of DATE]", "re-score the open work-permit applications", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return talentTask(ctx, "rescore", args, stdout, stderr)
		}},
		{"remind", "[--db DSN]", "send the renewal reminders due today", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return talentTask(ctx, "remind", args, stdout, stderr)
		}},
	}, args, stdout, stderr)
}

func talentTask(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	synopsis := "[--db DSN] [--as-of YYYY-MM-DD]: re-score the open work-permit applications, each with the points table in force on its application date (a draft: today), or all with the table in force on --as-of."
	if sub == "remind" {
		synopsis = "[--db DSN]: send the renewal reminders due today (60 and 30 days before a permit expires; each once)."
	}
	fs := newFlags("talent "+sub, synopsis, stderr)
	dsn := dbFlag(fs)
	asOf := ""
	if sub == "rescore" {
		fs.StringVar(&asOf, "as-of", "", "score every open application with the table in force on this day")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	s := &talent.Service{DB: d, Notifier: &notify.Notifier{DB: d}}
	if err := s.EnsureStandard(ctx); err != nil {
		return err
	}
	if sub == "remind" {
		n, err := s.Remind(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d renewal notices written\n", n)
		return nil
	}
	res, err := s.Rescore(ctx, nil, asOf)
	if err != nil {
		return err
	}
	var classes []string
	for c, n := range res.Classes {
		classes = append(classes, fmt.Sprintf("%s %d", c, n))
	}
	sort.Strings(classes)
	fmt.Fprintf(stdout, "%d open applications re-scored, %d changed, in %d ms (classes: %v)\n", res.Scored, res.Changed, res.Millis, classes)
	return nil
}
