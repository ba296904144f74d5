package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"rainforest/internal/talent"
)

func TestTalentRescore(t *testing.T) {
	d, dsn := testDB(t)
	ctx := context.Background()
	s := &talent.Service{DB: d}
	if err := s.EnsureStandard(ctx); err != nil {
		t.Fatal(err)
	}
	var org int64
	now := time.Now().UTC()
	if err := d.Write.QueryRowContext(ctx, `INSERT INTO orgs (uscc, kind, name_zh, created_at, updated_at) VALUES ('914403001922038216', 'enterprise', '甲公司', $1, $1) RETURNING id`, now).Scan(&org); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write.ExecContext(ctx, `INSERT INTO talent_applications (employer_org_id, name, nationality, passport_no, birth_date, education, salary_yuan,
		months_in_china, state, application_date, created_at, updated_at) VALUES ($1, 'Anna', 'DEU', 'C01X00T47', '1985-04-02', 'doctorate', 600000, 12, 'submitted', '2026-03-01', $2, $2)`, org, now); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, "talent", "rescore", "--db", dsn)
	if code != 0 || !strings.Contains(out, "1 open applications re-scored, 1 changed") {
		t.Fatalf("talent rescore = %d, %q %q", code, out, errs)
	}
	var points int
	var class string
	if err := d.Read.QueryRowContext(ctx, `SELECT score_points, score_class FROM talent_applications`).Scan(&points, &class); err != nil || points != 70 || class != "A" {
		t.Fatalf("score %d %s %v, want 70 A (salary six times the average)", points, class, err)
	}
	if code, out, _ = cli(t, "talent", "rescore", "--db", dsn); code != 0 || !strings.Contains(out, "0 changed") {
		t.Errorf("again: %d %q", code, out)
	}
	if code, _, errs = cli(t, "talent", "rescore", "--db", dsn, "--as-of", "someday"); code != 1 || !strings.Contains(errs, "as_of") {
		t.Errorf("bad --as-of: %d %q", code, errs)
	}
	if code, out, _ = cli(t, "talent", "remind", "--db", dsn); code != 0 || !strings.Contains(out, "0 renewal notices") {
		t.Errorf("remind: %d %q", code, out)
	}
}
