package apperr_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"rainforest/internal/kernel/apperr"
)

func TestFields(t *testing.T) {
	if apperr.Fields(nil) != nil {
		t.Error("no fields, yet an error")
	}
	err := apperr.Fields([]apperr.FieldError{{Field: "uscc", Message: "is required"}, {Field: "kind", Message: "unknown"}, {Field: "x", Message: "y"}})
	ae := apperr.As(err)
	if ae.Code != apperr.Invalid || ae.Message != "uscc: is required (and 2 more)" || len(ae.Fields) != 3 {
		t.Errorf("%+v", ae)
	}
	f := apperr.Field("limit", "must be at most %d", 200)
	if f.Code != apperr.Invalid || f.Fields[0].Field != "limit" || f.Fields[0].Message != "must be at most 200" || f.Message != "limit: must be at most 200" {
		t.Errorf("%+v", f)
	}
	if g := apperr.Field("role", "no").WithCode(apperr.Forbidden); g.Code != apperr.Forbidden || g.Fields[0].Field != "role" {
		t.Errorf("%+v", g)
	}
}

func TestWrapAndAs(t *testing.T) {
	if apperr.Wrap(nil, "x") != nil {
		t.Error("Wrap(nil) is not nil")
	}
	cause := errors.New("disk on fire")
	w := apperr.Wrap(cause, "save")
	if apperr.CodeOf(w) != apperr.Internal || !errors.Is(w, cause) || apperr.As(w).Message != "internal error" {
		t.Errorf("%v", w)
	}
	// Wrapping an apperr keeps it.
	nf := apperr.New(apperr.NotFound, "no org %d", 7)
	if got := apperr.Wrap(nf, "get"); got != error(nf) {
		t.Errorf("Wrap changed %v into %v", nf, got)
	}
	// Through fmt wrapping too.
	outer := fmt.Errorf("context: %w", nf)
	if apperr.CodeOf(outer) != apperr.NotFound || apperr.As(outer) != nf {
		t.Errorf("CodeOf through %%w: %v", apperr.CodeOf(outer))
	}
	if apperr.CodeOf(errors.New("plain")) != apperr.Internal || apperr.As(errors.New("plain")).Code != apperr.Internal {
		t.Error("plain errors are not internal")
	}
	full := (&apperr.Error{Code: apperr.Invalid, Message: "bad", Fields: []apperr.FieldError{{Field: "a", Message: "b"}}, Err: cause}).Error()
	if !strings.Contains(full, "invalid: bad") || !strings.Contains(full, "a: b") || !strings.Contains(full, "disk on fire") {
		t.Errorf("Error() = %q", full)
	}
}
