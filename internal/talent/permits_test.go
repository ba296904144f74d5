package talent

import (
	"context"
	"testing"
	"time"

	"rainforest/internal/kernel/db/dbtest"
)

func TestPermitsOf(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	exec := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := d.Write.QueryRowContext(ctx, q, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	user := exec(`INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('t@example.com', 'T', '', $1, $1) RETURNING id`, now)
	org := exec(`INSERT INTO orgs (uscc, kind, name_zh, created_at, updated_at) VALUES ('914403001922038216', 'enterprise', '甲公司', $1, $1) RETURNING id`, now)
	app := func() int64 {
		return exec(`INSERT INTO talent_applications (employer_org_id, talent_user_id, name, nationality, passport_no, birth_date, education, salary_yuan, state, created_at, updated_at)
			VALUES ($1, $2, 'Anna', 'DEU', 'C01X00T47', '1985-04-02', 'doctorate', 600000, 'approved', $3, $3) RETURNING id`, org, user, now)
	}
	exec(`INSERT INTO talent_permits (application_id, number, class, employer_org_id, talent_user_id, holder_name, valid_from, valid_to, status, issued_at)
		VALUES ($1, 'P-1', 'B', $2, $3, 'Anna', '2023-01-01', '2024-12-31', 'superseded', $4) RETURNING id`, app(), org, user, now)
	exec(`INSERT INTO talent_permits (application_id, number, class, employer_org_id, talent_user_id, holder_name, valid_from, valid_to, status, issued_at)
		VALUES ($1, 'P-2', 'A', $2, $3, 'Anna', '2025-01-01', '2026-04-15', 'valid', $4) RETURNING id`, app(), org, user, now)

	for _, c := range []struct {
		day  string
		want []string
	}{
		{"2026-03-01", []string{"P-2 A valid", "P-1 B superseded"}},
		{"2026-04-15", []string{"P-2 A valid", "P-1 B superseded"}},
		{"2026-04-16", []string{"P-2 A expired", "P-1 B superseded"}},
	} {
		day, _ := time.Parse(time.DateOnly, c.day)
		ps, err := PermitsOf(ctx, d.Read, user, day)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			if p.EmployerOrgID != org || p.UserID != user {
				t.Errorf("permit %s: employer %d user %d, want %d %d", p.Number, p.EmployerOrgID, p.UserID, org, user)
			}
			got = append(got, p.Number+" "+p.Class+" "+p.Status)
		}
		if len(got) != len(c.want) || got[0] != c.want[0] || got[1] != c.want[1] {
			t.Errorf("as of %s: got %v, want %v", c.day, got, c.want)
		}
	}
	if ps, err := PermitsOf(ctx, d.Read, user+1000, now); err != nil || len(ps) != 0 {
		t.Errorf("another user's permits: %v %v, want none", ps, err)
	}
}
