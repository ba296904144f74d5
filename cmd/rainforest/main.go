// Command rainforest runs the platform and its maintenance tasks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"rainforest/internal/kernel/apperr"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"serve", "run the web server and API", runServe},
	{"migrate", "apply the database migrations and exit", runMigrate},
	{"version", "print the version", runVersion},
	{"generate", "write a deterministic synthetic city, for benchmarks", runGenerate},
	{"import", "import organizations from a CSV or XLSX file", runImport},
	{"export", "export organizations to CSV or XLSX", runExport},
	{"user", "manage accounts: add, list, set-role, disable, enable, add-member", runUser},
	{"token", "issue an API token for an account", runToken},
	{"backup", "write a consistent copy of a SQLite database", runBackup},
	{"match", "match every enterprise against every open program", runMatch},
	{"mail", "send the e-mail outbox through an SMTP server", runMail},
	{"obligations", "mark the award obligations that ran their course", runObligations},
	{"export-360giving", "write the paid awards as a 360Giving JSON data package", runExport360},
	{"talent", "work permits: rescore the open applications, remind of expiring permits", runTalent},
}

// errUsage marks a mistake on the command line: the usage is printed and
// the exit status is 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "rainforest %s: %s\n", c.name, describe(err))
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "rainforest: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// describe turns an error into what the command line prints: the message
// of an application error with each field at fault on a line of its own,
// and the cause of an internal one (the operator needs it).
func describe(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	if ae.Code == apperr.Internal {
		if ae.Err != nil {
			return "internal error: " + ae.Err.Error()
		}
		return ae.Error()
	}
	if len(ae.Fields) <= 1 {
		return ae.Message
	}
	var b strings.Builder
	b.WriteString(ae.Message)
	for _, f := range ae.Fields {
		b.WriteString("\n  " + f.Field + ": " + f.Message)
	}
	return b.String()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Rainforest: the city's science-and-technology innovation platform.")
	fmt.Fprintln(w, "\nUsage: rainforest COMMAND [flags]\n\nCommands:")
	cs := append([]command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"rainforest COMMAND --help\" for the flags of a command.")
}

// newFlags makes a flag set that prints its usage to stderr and returns
// errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rainforest %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags; a flag error becomes errUsage (already reported by
// the flag package) and leftover arguments are refused.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// dbFlag adds the --db flag with its environment fallback.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", env("RAINFOREST_DB", "sqlite:rainforest.db"), "database: sqlite:PATH or a postgres:// URL (env RAINFOREST_DB)")
}
