package obligations

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/httpx"
)

// FuzzClawbackInput feeds the bodies of a case edit and of the three
// actions arbitrary bytes: decoding and validation never panic, and what
// they refuse is a 4xx problem naming a field (or a malformed body). The
// seed corpus is in testdata/fuzz/FuzzClawbackInput.
func FuzzClawbackInput(f *testing.F) {
	f.Add([]byte(`{"notes": "called the CFO", "due_on": "2030-06-30", "version": 3}`), "agree")
	f.Add([]byte(`{"comment": "relocation ordered by the city"}`), "waive")
	f.Add([]byte(`{"paid_on": "2026-02-30"}`), "repay")
	f.Add([]byte(`{"due_on": "soon"}`), "repay")
	f.Fuzz(func(t *testing.T, body []byte, action string) {
		check := func(err error) {
			if err == nil {
				return
			}
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
		}
		r := httptest.NewRequest("PATCH", "/api/v1/clawbacks/1", bytes.NewReader(body))
		var ch Change
		if err := httpx.Decode(httptest.NewRecorder(), r, &ch); err != nil {
			check(err)
		} else {
			check(ch.Validate())
		}
		r = httptest.NewRequest("POST", "/api/v1/clawbacks/1/act", bytes.NewReader(body))
		var in Action
		if err := httpx.Decode(httptest.NewRecorder(), r, &in); err != nil {
			check(err)
		} else {
			check(in.validate(action))
		}
	})
}
