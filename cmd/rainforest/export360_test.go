package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExport360AndObligations: both commands run against a fresh
// database; the export writes a 360Giving package to a file; a prefix
// that is not a 360Giving one is refused.
func TestExport360AndObligations(t *testing.T) {
	_, dsn := testDB(t)
	out := filepath.Join(t.TempDir(), "grants.json")
	code, _, errs := cli(t, "export-360giving", "--db", dsn, "--out", out, "--base-url", "https://rainforest.example.org/")
	if code != 0 || !strings.Contains(errs, "0 grants written") {
		t.Fatalf("export-360giving = %d, %q", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Version   string            `json:"version"`
		Publisher map[string]string `json:"publisher"`
		Grants    []any             `json:"grants"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil || pkg.Version != "1.4" || pkg.Grants == nil || pkg.Publisher["website"] != "https://rainforest.example.org/" {
		t.Fatalf("package %s: %v", b, err)
	}
	if code, _, errs := cli(t, "export-360giving", "--db", dsn, "--prefix", "RF-"); code != 2 || !strings.Contains(errs, "360G-") {
		t.Fatalf("bad prefix = %d, %q", code, errs)
	}
	if code, stdout, errs := cli(t, "obligations", "--db", dsn); code != 0 || !strings.Contains(stdout, "0 obligations fulfilled") {
		t.Fatalf("obligations = %d, %q %q", code, stdout, errs)
	}
}
