package registry

import (
	"strings"
	"testing"
)

func TestValidateUSCC(t *testing.T) {
	tests := []struct {
		in, code string
		warn     bool
		errPart  string
	}{
		{in: "914403001922038216", code: "914403001922038216"},
		{in: "  914403001922038216 ", code: "914403001922038216"},
		{in: "９１４４０３００１９２２０３８２１６", code: "914403001922038216"}, // full-width
		{in: "914403001922038217", errPart: "check character is 7, expected 6"},
		{in: "91440300192203821", errPart: "must be 18 characters"},
		{in: "9144030019220382166", errPart: "must be 18 characters"},
		{in: "91440300192203821I", errPart: "not allowed"},
		{in: "9I4403001922038216", errPart: "not allowed"},
		{in: "", errPart: "required"},
		{in: "91310000MA1FL8XQ3K", errPart: "check character"},
	}
	for _, tt := range tests {
		code, warn, err := ValidateUSCC(tt.in)
		if tt.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("ValidateUSCC(%q) error = %v, want one containing %q", tt.in, err, tt.errPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("ValidateUSCC(%q) error = %v, want none", tt.in, err)
			continue
		}
		if code != tt.code {
			t.Errorf("ValidateUSCC(%q) code = %q, want %q", tt.in, code, tt.code)
		}
		if (warn != "") != tt.warn {
			t.Errorf("ValidateUSCC(%q) warning = %q, want warning %v", tt.in, warn, tt.warn)
		}
	}
}

func TestMakeUSCCRoundTrip(t *testing.T) {
	got := MakeUSCC("91440300192203821")
	if got != "914403001922038216" {
		t.Fatalf("MakeUSCC = %q, want 914403001922038216", got)
	}
	// An inner organization code with a wrong check only warns.
	c := MakeUSCC("91310000123456780")
	if _, warn, err := ValidateUSCC(c); err != nil || warn == "" {
		t.Fatalf("ValidateUSCC(%q) = warn %q err %v; want a warning and no error", c, warn, err)
	}
	// A correct inner code passes silently.
	inner := "12345678"
	inner += string(OrgCodeCheck(inner))
	c = MakeUSCC("91310000" + inner)
	if _, warn, err := ValidateUSCC(c); err != nil || warn != "" {
		t.Fatalf("ValidateUSCC(%q) = warn %q err %v; want neither", c, warn, err)
	}
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range []string{"914403001922038216", "９１４４０３００１９２２０３８２１６", "", "9", "91310000MA1FL8XQ3K", "\x00\xff", "ＡＢＣ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, _, err := ValidateUSCC(s)
		if err != nil {
			return
		}
		if len(code) != 18 {
			t.Fatalf("accepted %q with length %d", code, len(code))
		}
		if again, _, err := ValidateUSCC(code); err != nil || again != code {
			t.Fatalf("normalized code %q does not validate to itself: %q %v", code, again, err)
		}
		if MakeUSCC(code[:17]) != code {
			t.Fatalf("accepted %q but its check character is not the computed one", code)
		}
	})
}
