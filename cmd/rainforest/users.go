package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"rainforest/internal/kernel/auth"
	"rainforest/internal/registry"
)

// subcommand is one verb of a command with verbs (user).
type subcommand struct {
	name, synopsis, summary string
	run                     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var userCommands = []subcommand{
	{"add", "--email E --name N [--role admin|officer] [--password P]", "create an account (the password is asked for, or read from RAINFOREST_PASSWORD)", userAdd},
	{"list", "[--q TEXT]", "list accounts with their roles and memberships", userList},
	{"set-role", "--email E --role admin|officer|none", "change an account's platform role", userSetRole},
	{"disable", "--email E", "disable an account and end its sessions", userDisable(true)},
	{"enable", "--email E", "enable a disabled account", userDisable(false)},
	{"add-member", "--email E --org-uscc CODE --role owner|member", "make an account a member of an organization", userAddMember},
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runVerbs(ctx, "user", userCommands, args, stdout, stderr)
}

func runVerbs(ctx context.Context, name string, verbs []subcommand, args []string, stdout, stderr io.Writer) error {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: rainforest %s VERB [flags]\n\nVerbs:\n", name)
		for _, v := range verbs {
			fmt.Fprintf(w, "  %-11s %s\n", v.name, v.summary)
		}
		fmt.Fprintf(w, "\nRun \"rainforest %s VERB --help\" for the flags of a verb.\n", name)
	}
	if len(args) == 0 {
		usage(stderr)
		return errUsage
	}
	if a := args[0]; a == "-h" || a == "--help" || a == "-help" || a == "help" {
		usage(stdout)
		return flag.ErrHelp
	}
	for _, v := range verbs {
		if v.name == args[0] {
			return v.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "unknown verb %q\n\n", args[0])
	usage(stderr)
	return errUsage
}

// readPassword takes the password from RAINFOREST_PASSWORD, or asks on the
// terminal twice, or reads one line of standard input.
func readPassword(stdin *os.File, stderr io.Writer) (string, error) {
	if p := os.Getenv("RAINFOREST_PASSWORD"); p != "" {
		return p, nil
	}
	fd := int(stdin.Fd())
	if term.IsTerminal(fd) {
		fmt.Fprint(stderr, "Password: ")
		a, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", errors.New("no password: give --password, set RAINFOREST_PASSWORD, or type it on a terminal")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// passwordInput is where user add reads a password from; tests replace it.
var passwordInput = os.Stdin

func userAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user add", "--email E --name N [--role admin|officer] [--password P]", stderr)
	dsn := dbFlag(fs)
	email := fs.String("email", "", "e-mail address (required)")
	name := fs.String("name", "", "display name (required)")
	role := fs.String("role", "", "platform role: admin or officer (default none)")
	password := fs.String("password", "", "password (visible to other users of this machine: prefer the prompt or RAINFOREST_PASSWORD)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		fmt.Fprintln(stderr, "--email and --name are required")
		fs.Usage()
		return errUsage
	}
	if err := checkRoleFlag(*role, false); err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	pw := *password
	if pw == "" {
		var err error
		if pw, err = readPassword(passwordInput, stderr); err != nil {
			return err
		}
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := (&auth.Service{DB: d}).CreateUser(cliActor(ctx, "user add"), auth.NewUser{Email: *email, Name: *name, Password: pw, PlatformRole: *role})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %d %s%s\n", u.ID, u.Email, roleNote(u.PlatformRole))
	return nil
}

func roleNote(role string) string {
	if role == "" {
		return ""
	}
	return " (" + role + ")"
}

func checkRoleFlag(role string, noneOK bool) error {
	switch role {
	case "", auth.RoleAdmin, auth.RoleOfficer:
		return nil
	case "none":
		if noneOK {
			return nil
		}
	}
	if noneOK {
		return fmt.Errorf("--role must be admin, officer or none, not %q", role)
	}
	return fmt.Errorf("--role must be admin or officer, not %q", role)
}

func userList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user list", "[--q TEXT]", stderr)
	dsn := dbFlag(fs)
	q := fs.String("q", "", "only accounts whose e-mail or name contains this")
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	s := &auth.Service{DB: d}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tMEMBERSHIPS")
	var after int64
	for {
		us, next, err := s.ListUsers(ctx, *q, after, 200)
		if err != nil {
			return err
		}
		for _, u := range us {
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			var ms []string
			for _, m := range u.Memberships {
				ms = append(ms, fmt.Sprintf("%s of %s (%d)", m.Role, m.OrgName, m.OrgID))
			}
			role := u.PlatformRole
			if role == "" {
				role = "-"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, role, status, strings.Join(ms, "; "))
		}
		if next == 0 {
			break
		}
		after = next
	}
	return tw.Flush()
}

// withUser opens the database and finds the account named by --email.
func withUser(ctx context.Context, dsn, email string, fn func(s *auth.Service, u auth.User) error) error {
	d, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	s := &auth.Service{DB: d}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	return fn(s, u)
}

func userSetRole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user set-role", "--email E --role admin|officer|none", stderr)
	dsn := dbFlag(fs)
	email := fs.String("email", "", "the account's e-mail address (required)")
	role := fs.String("role", "", "admin, officer or none (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		fmt.Fprintln(stderr, "--email and --role are required")
		fs.Usage()
		return errUsage
	}
	if err := checkRoleFlag(*role, true); err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	r := *role
	if r == "none" {
		r = ""
	}
	return withUser(ctx, *dsn, *email, func(s *auth.Service, u auth.User) error {
		if _, err := s.UpdateUser(cliActor(ctx, "user set-role"), u.ID, auth.UserPatch{PlatformRole: &r}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is now %s\n", u.Email, *role)
		return nil
	})
}

func userDisable(disable bool) func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	verb := "disable"
	if !disable {
		verb = "enable"
	}
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags("user "+verb, "--email E", stderr)
		dsn := dbFlag(fs)
		email := fs.String("email", "", "the account's e-mail address (required)")
		if err := parse(fs, args); err != nil {
			return err
		}
		if *email == "" {
			fmt.Fprintln(stderr, "--email is required")
			fs.Usage()
			return errUsage
		}
		return withUser(ctx, *dsn, *email, func(s *auth.Service, u auth.User) error {
			if _, err := s.UpdateUser(cliActor(ctx, "user "+verb), u.ID, auth.UserPatch{Disabled: &disable}); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s is %sd\n", u.Email, verb)
			return nil
		})
	}
}

func userAddMember(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user add-member", "--email E --org-uscc CODE --role owner|member", stderr)
	dsn := dbFlag(fs)
	email := fs.String("email", "", "the account's e-mail address (required)")
	uscc := fs.String("org-uscc", "", "the organization's Unified Social Credit Code (required)")
	role := fs.String("role", auth.OrgMember, "owner or member")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *uscc == "" {
		fmt.Fprintln(stderr, "--email and --org-uscc are required")
		fs.Usage()
		return errUsage
	}
	if *role != auth.OrgOwner && *role != auth.OrgMember {
		fmt.Fprintf(stderr, "--role must be owner or member, not %q\n", *role)
		return errUsage
	}
	return withUser(ctx, *dsn, *email, func(s *auth.Service, u auth.User) error {
		o, err := (&registry.Service{DB: s.DB}).GetByUSCC(ctx, *uscc)
		if err != nil {
			return err
		}
		if err := s.SetMembership(cliActor(ctx, "user add-member"), u.ID, o.ID, *role); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is now %s of %s (%d)\n", u.Email, *role, o.NameZh, o.ID)
		return nil
	})
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	verbs := []subcommand{{"create", "--email E [--name NAME]", "issue an API bearer token for an account and print it", tokenCreate}}
	return runVerbs(ctx, "token", verbs, args, stdout, stderr)
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token create", "--email E [--name NAME]", stderr)
	dsn := dbFlag(fs)
	email := fs.String("email", "", "the account's e-mail address (required)")
	name := fs.String("name", "cli", "a name for the token, to recognise it later")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		fmt.Fprintln(stderr, "--email is required")
		fs.Usage()
		return errUsage
	}
	return withUser(ctx, *dsn, *email, func(s *auth.Service, u auth.User) error {
		if u.Disabled {
			return fmt.Errorf("%s is disabled", u.Email)
		}
		tok, err := s.NewToken(cliActor(ctx, "token create"), u.ID, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, tok)
		return nil
	})
}
