package events

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"rainforest/internal/kernel/i18n"
)

// TestCatalog: every message the pages and notices use, and every word
// made from the module's vocabularies, is in both languages.
func TestCatalog(t *testing.T) {
	used := map[string]bool{}
	re := regexp.MustCompile(`"((?:events\.|flash\.events_|nav\.events)[a-z0-9_.]*[a-z0-9_]|nav\.events)"`)
	files, _ := filepath.Glob("templates/*.html")
	gos, _ := filepath.Glob("*.go")
	for _, f := range append(files, gos...) {
		if filepath.Ext(f) == ".go" && len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	for _, v := range [][2][]string{{{"events.kind."}, Kinds}, {{"events.status."}, Statuses}, {{"events.audience."}, Audiences},
		{{"events.reg."}, {Registered, Waitlisted, Cancelled}}, {{"events.side."}, {Investor, Startup}}, {{"events.when."}, {"upcoming", "past", "all"}}} {
		for _, w := range v[1] {
			used[v[0][0]+w] = true
		}
	}
	for d := range 7 {
		used["events.weekday."+strconv.Itoa(d)] = true
	}
	for _, k := range []string{"flash.events_cancelled", "flash.events_saved", "flash.events_status", "flash.events_checked_in", "flash.events_paired", "nav.events"} {
		used[k] = true
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys; the scan is broken", len(used))
	}
	for k := range used {
		for _, lang := range i18n.Languages {
			if i18n.T(lang, k) == k {
				t.Errorf("%s: no %q", lang, k)
			}
		}
	}
}
