package auth_test

import (
	"context"
	"testing"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db/dbtest"
)

// An address with a NUL or bytes that are not UTF-8 is a wrong address on
// both engines (PostgreSQL refuses such text outright), and it counts
// towards the rate limit like any other.
func TestLoginWithUnstorableEmail(t *testing.T) {
	s := &auth.Service{DB: dbtest.Open(t)}
	ctx := context.Background()
	for _, email := range []string{"a\x00b@example.cn", "\xff\xfe@example.cn", "\x00"} {
		_, err := s.Login(ctx, email, "secret", "192.0.2.1")
		if apperr.CodeOf(err) != apperr.Unauthorized {
			t.Errorf("Login(%q): %v, want unauthorized", email, err)
		}
	}
	var n int
	if err := s.DB.Read.QueryRow(`SELECT COUNT(*) FROM login_failures WHERE ip = $1`, "192.0.2.1").Scan(&n); err != nil || n != 3 {
		t.Errorf("recorded %d failures (%v), want 3", n, err)
	}
}
