package programs_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/programs"
)

// FuzzEvaluateProfile feeds the self-check's body decoding arbitrary
// bytes: it never panics, refuses with a 4xx problem naming a field when
// the profile is wrong, and otherwise gives every built-in rule set a
// result of eligible, ineligible or unknown that encodes in both
// languages. The seed corpus is in testdata/fuzz/FuzzEvaluateProfile.
func FuzzEvaluateProfile(f *testing.F) {
	f.Add([]byte(`{"employees": 48, "rd_staff": 9, "registered_district": "jingan"}`))
	f.Add([]byte(`{"employees": 1e400}`))
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	sets := rules.Builtin()
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/api/v1/programs/x/evaluate", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		prof, err := programs.ReadProfile(w, r)
		if err != nil {
			ae := apperr.As(err)
			if ae == nil {
				t.Fatalf("%q: error without a code: %v", body, err)
			}
			if s := httpx.Status(ae.Code); s < 400 || s >= 500 {
				t.Fatalf("%q: status %d for %v", body, s, err)
			}
			if ae.Code == apperr.Invalid && len(ae.Fields) == 0 {
				t.Fatalf("%q: invalid without a field: %v", body, err)
			}
			return
		}
		for slug, rs := range sets {
			res, err := rs.Evaluate(prof, asOf)
			if err != nil {
				t.Fatalf("%s: %v", slug, err)
			}
			switch res.Status {
			case rules.Eligible, rules.Ineligible, rules.Unknown:
			default:
				t.Fatalf("%s: status %q", slug, res.Status)
			}
			for _, lang := range []string{"zh", "en"} {
				out := programs.OutcomeOf(res, lang)
				for _, c := range out.Criteria {
					if c.Label == "" || c.Reason == "" {
						t.Fatalf("%s %s: criterion %s without label or reason", slug, lang, c.ID)
					}
				}
				if _, err := json.Marshal(out); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
