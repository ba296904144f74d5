package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/registry"
	"rainforest/internal/synth"
)

// cli runs the command line and returns its exit status and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// testDB is a fresh migrated database (SQLite, or PostgreSQL when the suite
// runs there) and its DSN for --db.
func testDB(t *testing.T) (*db.DB, string) {
	d := dbtest.Open(t)
	return d, d.DSN
}

func TestHelpAndBadFlags(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := cli(t, c.name, "--help")
			if code != 0 || !strings.Contains(out+errs, "Usage: rainforest "+c.name) {
				t.Errorf("%s --help = %d, %q %q; want 0 and the usage", c.name, code, out, errs)
			}
			code, _, errs = cli(t, c.name, "--no-such-flag")
			if code != 2 || !strings.Contains(errs, "no-such-flag") {
				t.Errorf("%s --no-such-flag = %d, %q; want 2 naming the flag", c.name, code, errs)
			}
		})
	}
	for _, verb := range []string{"add", "list", "set-role", "disable", "enable", "add-member"} {
		code, out, errs := cli(t, "user", verb, "--help")
		if code != 0 || !strings.Contains(out+errs, "Usage: rainforest user "+verb) {
			t.Errorf("user %s --help = %d, %q", verb, code, out+errs)
		}
	}
	if code, _, errs := cli(t, "user", "rename"); code != 2 || !strings.Contains(errs, `unknown verb "rename"`) {
		t.Errorf("user rename = %d, %q; want 2 and unknown verb", code, errs)
	}
	if code, _, errs := cli(t, "frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Errorf("frobnicate = %d, %q", code, errs)
	}
	if code, out, _ := cli(t, "--help"); code != 0 || !strings.Contains(out, "generate") || !strings.Contains(out, "backup") {
		t.Errorf("--help = %d, %q; want every command listed", code, out)
	}
}

func TestEnvFallback(t *testing.T) {
	_, dsn := testDB(t)
	t.Setenv("RAINFOREST_DB", dsn)
	if code, out, errs := cli(t, "migrate"); code != 0 || !strings.Contains(out, "applied 0 migration(s)") {
		t.Errorf("migrate with RAINFOREST_DB = %d, %q %q; want the migrated test database", code, out, errs)
	}
}

func TestGenerate(t *testing.T) {
	d, dsn := testDB(t)
	code, out, errs := cli(t, "generate", "--enterprises", "300", "--seed", "7", "--db", dsn)
	want := synth.Generator{Enterprises: 300, Seed: 7}.Count()
	if code != 0 || !strings.Contains(out, fmt.Sprintf("generated %d organizations", want)) {
		t.Fatalf("generate = %d, %q %q", code, out, errs)
	}
	var n int
	d.Read.QueryRow(`SELECT COUNT(*) FROM orgs`).Scan(&n)
	if n != want {
		t.Errorf("%d organizations in the database, want %d", n, want)
	}
	// The same city again collides with itself, and says so.
	code, _, errs = cli(t, "generate", "--enterprises", "300", "--seed", "7", "--db", dsn)
	if code != 1 || !strings.Contains(errs, "already holds organizations of this synthetic city") {
		t.Errorf("second generate = %d, %q; want 1 and an explanation", code, errs)
	}
	if code, _, _ := cli(t, "generate", "--db", dsn); code != 2 {
		t.Errorf("generate without --enterprises = %d, want 2", code)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportExport(t *testing.T) {
	d, dsn := testDB(t)
	a, b := registry.SynthUSCC("91", "jingan", 101), registry.SynthUSCC("91", "xuhui", 102)
	good := writeFile(t, "good.csv", "uscc,name_zh,kind,registered_district,employees\n"+
		a+",上海命令行有限公司,enterprise,jingan,12\n"+
		b+",上海导入有限公司,enterprise,xuhui,\n")
	bad := writeFile(t, "bad.csv", "uscc,name_zh,kind,registered_district,employees\n"+
		registry.SynthUSCC("91", "jingan", 103)+",上海好有限公司,enterprise,jingan,1\n"+
		a+",上海重复有限公司,enterprise,jingan,1\n"+
		registry.SynthUSCC("91", "jingan", 104)+",上海坏有限公司,enterprise,mars,-1\n")

	code, out, errs := cli(t, "import", "--db", dsn, good)
	if code != 0 || !strings.Contains(out, "imported 2 organization(s) from good.csv") {
		t.Fatalf("import = %d, %q %q", code, out, errs)
	}
	// Flags may follow the file; errors name file, line and column.
	code, out, errs = cli(t, "import", bad, "--db", dsn)
	wantErrs := "bad.csv:3:1: uscc: is already registered\n" +
		"bad.csv:4:4: registered_district: is not a known district: \"mars\"\n" +
		"bad.csv:4:5: employees: must not be negative\n" +
		"rainforest import: bad.csv: 2 of 3 row(s) have errors; nothing was imported\n"
	if code != 1 || errs != wantErrs {
		t.Errorf("import of a bad file = %d, stderr:\n%s\nwant 1 and:\n%s", code, errs, wantErrs)
	}
	code, out, _ = cli(t, "import", "--db", dsn, "--skip-invalid", bad)
	if code != 0 || !strings.Contains(out, "imported 1 organization(s) from bad.csv in") || !strings.Contains(out, "3 row(s) read, 2 skipped") {
		t.Errorf("import --skip-invalid = %d, %q", code, out)
	}
	var n int
	d.Read.QueryRow(`SELECT COUNT(*) FROM orgs`).Scan(&n)
	if n != 3 {
		t.Errorf("%d organizations, want 3", n)
	}
	if code, _, errs := cli(t, "import", "--db", dsn); code != 2 || !strings.Contains(errs, "missing FILE") {
		t.Errorf("import without a file = %d, %q", code, errs)
	}
	if code, _, errs := cli(t, "import", "--db", dsn, filepath.Join(t.TempDir(), "none.csv")); code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("import of a missing file = %d, %q", code, errs)
	}
	if code, _, errs := cli(t, "import", "--db", dsn, "--format", "ods", good); code != 2 || !strings.Contains(errs, "unknown format") {
		t.Errorf("import --format ods = %d, %q", code, errs)
	}

	// Export to stdout (CSV), and to a file (XLSX) filtered by district.
	code, out, errs = cli(t, "export", "--db", dsn)
	if code != 0 || !strings.HasPrefix(out, "\xEF\xBB\xBFuscc,name_zh,name_en,kind,") || strings.Count(out, "\n") != 4 {
		t.Errorf("export = %d, %q %q; want a header and 3 rows", code, out, errs)
	}
	xlsx := filepath.Join(t.TempDir(), "jingan.xlsx")
	code, out, errs = cli(t, "export", "--db", dsn, "--district", "jingan", "--out", xlsx)
	if code != 0 || !strings.Contains(out, "exported 2 organization(s) to "+xlsx) {
		t.Fatalf("export --out = %d, %q %q", code, out, errs)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Sheet1")
	f.Close()
	if len(rows) != 3 || rows[0][0] != "uscc" {
		t.Errorf("exported sheet has %d rows (first %v), want a header and 2", len(rows), rows[0])
	}
	if code, _, errs := cli(t, "export", "--db", dsn, "--district", "atlantis"); code != 1 || !strings.Contains(errs, "district: is not a known district") {
		t.Errorf("export --district atlantis = %d, %q", code, errs)
	}
	// The export imports into another database unchanged.
	_, dsn2 := testDB(t)
	if code, out, errs := cli(t, "import", "--db", dsn2, xlsx); code != 0 || !strings.Contains(out, "imported 2 organization(s)") {
		t.Errorf("import of the export = %d, %q %q", code, out, errs)
	}
}

func TestUserAndToken(t *testing.T) {
	d, dsn := testDB(t)
	uscc := registry.SynthUSCC("91", "yangpu", 201)
	if code, _, errs := cli(t, "import", "--db", dsn, writeFile(t, "o.csv", "uscc,name_zh,kind\n"+uscc+",上海成员有限公司,enterprise\n")); code != 0 {
		t.Fatal(errs)
	}
	t.Setenv("RAINFOREST_PASSWORD", "correct horse battery")
	code, out, errs := cli(t, "user", "add", "--db", dsn, "--email", "Officer@Example.org", "--name", "王敏", "--role", "officer")
	if code != 0 || !strings.Contains(out, "officer@example.org (officer)") {
		t.Fatalf("user add = %d, %q %q", code, out, errs)
	}
	if code, _, errs := cli(t, "user", "add", "--db", dsn, "--email", "officer@example.org", "--name", "again"); code != 1 || !strings.Contains(errs, "email: is already registered") {
		t.Errorf("duplicate user add = %d, %q", code, errs)
	}
	if code, _, errs := cli(t, "user", "add", "--db", dsn, "--email", "x@example.org", "--name", "X", "--role", "king"); code != 2 || !strings.Contains(errs, "--role must be admin or officer") {
		t.Errorf("user add --role king = %d, %q", code, errs)
	}
	// Without RAINFOREST_PASSWORD, a password comes from standard input.
	t.Setenv("RAINFOREST_PASSWORD", "")
	pw := writeFile(t, "pw", "from standard input\n")
	fin, err := os.Open(pw)
	if err != nil {
		t.Fatal(err)
	}
	defer fin.Close()
	saved := passwordInput
	passwordInput = fin
	defer func() { passwordInput = saved }()
	if code, _, errs := cli(t, "user", "add", "--db", dsn, "--email", "owner@example.org", "--name", "Owner"); code != 0 {
		t.Fatalf("user add reading stdin = %d, %q", code, errs)
	}
	as := &auth.Service{DB: d}
	if _, err := as.Login(context.Background(), "owner@example.org", "from standard input", "127.0.0.1"); err != nil {
		t.Errorf("login with the password read from stdin: %v", err)
	}

	if code, out, errs := cli(t, "user", "add-member", "--db", dsn, "--email", "owner@example.org", "--org-uscc", uscc, "--role", "owner"); code != 0 || !strings.Contains(out, "now owner of 上海成员有限公司") {
		t.Errorf("user add-member = %d, %q %q", code, out, errs)
	}
	if code, _, errs := cli(t, "user", "add-member", "--db", dsn, "--email", "owner@example.org", "--org-uscc", registry.SynthUSCC("91", "yangpu", 999), "--role", "owner"); code != 1 || !strings.Contains(errs, "no organization with credit code") {
		t.Errorf("user add-member to a missing org = %d, %q", code, errs)
	}
	if code, out, _ := cli(t, "user", "set-role", "--db", dsn, "--email", "owner@example.org", "--role", "admin"); code != 0 || !strings.Contains(out, "is now admin") {
		t.Errorf("user set-role = %d, %q", code, out)
	}
	code, out, _ = cli(t, "user", "list", "--db", dsn)
	if code != 0 || !strings.Contains(out, "officer@example.org") || !regexpMatch(out, `owner@example.org\s+Owner\s+admin\s+active\s+owner of 上海成员有限公司`) {
		t.Errorf("user list = %d:\n%s", code, out)
	}

	code, out, errs = cli(t, "token", "create", "--db", dsn, "--email", "owner@example.org")
	tok := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(tok, "rf_") {
		t.Fatalf("token create = %d, %q %q", code, out, errs)
	}
	p, err := as.TokenPrincipal(context.Background(), tok)
	if err != nil || p == nil || p.Email != "owner@example.org" || !p.IsAdmin() {
		t.Errorf("the printed token's principal = %+v, %v", p, err)
	}
	if code, out, _ := cli(t, "user", "disable", "--db", dsn, "--email", "owner@example.org"); code != 0 || !strings.Contains(out, "is disabled") {
		t.Errorf("user disable = %d, %q", code, out)
	}
	if p, _ := as.TokenPrincipal(context.Background(), tok); p != nil {
		t.Errorf("a disabled account's token still works")
	}
	if code, _, errs := cli(t, "token", "create", "--db", dsn, "--email", "owner@example.org"); code != 1 || !strings.Contains(errs, "is disabled") {
		t.Errorf("token for a disabled account = %d, %q", code, errs)
	}
	if code, _, _ := cli(t, "user", "enable", "--db", dsn, "--email", "owner@example.org"); code != 0 {
		t.Errorf("user enable = %d", code)
	}
	if code, _, errs := cli(t, "user", "disable", "--db", dsn, "--email", "nobody@example.org"); code != 1 || !strings.Contains(errs, "no user with e-mail nobody@example.org") {
		t.Errorf("user disable of a missing account = %d, %q", code, errs)
	}
}

func TestBackup(t *testing.T) {
	if dbtest.PostgresDSN() != "" {
		code, _, errs := cli(t, "backup", "--db", dbtest.PostgresDSN(), "--out", "x.dump")
		if code != 1 || !strings.Contains(errs, "pg_dump --format=custom") {
			t.Errorf("backup of PostgreSQL = %d, %q; want the pg_dump command", code, errs)
		}
		return
	}
	_, dsn := testDB(t)
	if code, _, errs := cli(t, "import", "--db", dsn, writeFile(t, "o.csv", "uscc,name_zh,kind\n"+registry.SynthUSCC("91", "putuo", 301)+",上海备份有限公司,enterprise\n")); code != 0 {
		t.Fatal(errs)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	code, stdout, errs := cli(t, "backup", "--db", dsn, "--out", out)
	if code != 0 || !strings.Contains(stdout, "backed up") {
		t.Fatalf("backup = %d, %q %q", code, stdout, errs)
	}
	copyDB, err := db.Open(context.Background(), "sqlite:"+out)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var name string
	if err := copyDB.Read.QueryRow(`SELECT name_zh FROM orgs`).Scan(&name); err != nil || name != "上海备份有限公司" {
		t.Errorf("the copy holds %q, %v; want the organization", name, err)
	}
	if code, _, errs := cli(t, "backup", "--db", dsn, "--out", out); code != 1 || !strings.Contains(errs, "already exists") {
		t.Errorf("backup over an existing file = %d, %q", code, errs)
	}
	if code, _, errs := cli(t, "backup", "--db", "postgres://rf:secret@db.example/rf", "--out", "rf.dump"); code != 1 ||
		!strings.Contains(errs, "pg_dump --format=custom --no-owner --file 'rf.dump' 'postgres://rf@db.example/rf'") {
		t.Errorf("backup of PostgreSQL = %d, %q; want the pg_dump command without the password", code, errs)
	}
	if code, _, errs := cli(t, "backup", "--db", dsn); code != 2 || !strings.Contains(errs, "--out is required") {
		t.Errorf("backup without --out = %d, %q", code, errs)
	}
}

func TestVersion(t *testing.T) {
	if code, out, _ := cli(t, "version"); code != 0 || !strings.HasPrefix(out, "rainforest ") {
		t.Errorf("version = %d, %q", code, out)
	}
}

func TestProgressBar(t *testing.T) {
	b := &bar{label: "importing"}
	got := b.render(250_000, 0.25, 10e9)
	for _, want := range []string{"25%", "250,000 / 1,000,000 rows", "25,000 rows/s", "ETA 0:30"} {
		if !strings.Contains(got, want) {
			t.Errorf("bar %q lacks %q", got, want)
		}
	}
	if got := b.render(1234, -1, 2e9); !strings.Contains(got, "1,234 rows  617 rows/s") {
		t.Errorf("bar without a fraction = %q", got)
	}
	if newBar(&bytes.Buffer{}, "x") != nil {
		t.Errorf("a bar on a buffer, want none (not a terminal)")
	}
}

func regexpMatch(s, re string) bool { return regexp.MustCompile(re).MatchString(s) }
