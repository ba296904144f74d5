package app_test

import (
	"context"
	"fmt"
	"net/http"
)

// clawbackCase makes a paid Jing'an award of Yunshan with a running
// obligation and an open clawback case for it, and returns the case id.
func (w *world) clawbackCase() int64 {
	w.t.Helper()
	w.seq++
	ctx := context.Background()
	d := w.e.App.DB
	now := d.Now()
	var prog, app, award, id int64
	if err := d.Read.QueryRowContext(ctx, `SELECT id FROM programs WHERE slug = 'jingan-small-micro-scitech'`).Scan(&prog); err != nil {
		w.t.Fatal(err)
	}
	key := fmt.Sprintf("matrix-obligation-%d", w.seq)
	if err := d.Write.QueryRowContext(ctx, `INSERT INTO applications (program_id, org_id, project_title, project_key, amount_fen, state, created_at, updated_at, decided_at)
		VALUES ($1, $2, $3, $3, 100000, 'disbursed', $4, $4, $4) RETURNING id`, prog, w.yunshan, key, now).Scan(&app); err != nil {
		w.t.Fatal(err)
	}
	if err := d.Write.QueryRowContext(ctx, `INSERT INTO awards (application_id, program_id, org_id, fund_key, project_key, amount_fen, status, approved_at, paid_on,
			registered_district, tax_district, obligation_until, created_at, updated_at)
		VALUES ($1, $2, $3, 'matrix', $4, 100000, 'paid', $5, '2025-01-01', 'jingan', 'jingan', '2029-12-31', $5, $5) RETURNING id`,
		app, prog, w.yunshan, key, now).Scan(&award); err != nil {
		w.t.Fatal(err)
	}
	if err := d.Write.QueryRowContext(ctx, `INSERT INTO clawback_cases (award_id, org_id, program_id, reason, district, registered_before, registered_after,
			left_on, award_fen, pro_rata, obligation_days, served_days, amount_due_fen, due_on, status, created_at, updated_at)
		VALUES ($1, $2, $3, 'registered_district', 'jingan', 'jingan', 'xuhui', '2026-01-01', 100000, FALSE, 1826, 365, 100000, '2026-02-01', 'open', $4, $4) RETURNING id`,
		award, w.yunshan, prog, now).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func init() {
	moreCells = append(moreCells, func() []cell {
		managers := []string{"admin", "officer.jingan"}
		act := func(action string, body map[string]any) cell {
			return cell{route: "POST /api/v1/clawbacks/{id}/" + action, name: "a Jing'an case",
				req:  func(w *world) (string, any) { return p("/api/v1/clawbacks/%d/%s", w.clawbackCase(), action), body },
				want: only(http.StatusOK, http.StatusForbidden, managers...)}
		}
		return []cell{
			{route: "GET /api/v1/clawbacks", name: "the officers' list", req: func(w *world) (string, any) { w.clawbackCase(); return "/api/v1/clawbacks", nil },
				want: only(http.StatusOK, http.StatusForbidden, "admin", "officer.jingan", "officer.xuhui")},
			{route: "GET /api/v1/clawbacks/{id}", name: "a Jing'an case", req: func(w *world) (string, any) { return p("/api/v1/clawbacks/%d", w.clawbackCase()), nil },
				want: only(http.StatusOK, http.StatusNotFound, "admin", "officer.jingan", "enterprise")},
			{route: "GET /api/v1/clawbacks/{id}", name: "no case", req: func(w *world) (string, any) { return "/api/v1/clawbacks/999999", nil },
				want: signedIn(http.StatusNotFound)},
			{route: "PATCH /api/v1/clawbacks/{id}", name: "a Jing'an case", req: func(w *world) (string, any) {
				return p("/api/v1/clawbacks/%d", w.clawbackCase()), map[string]any{"notes": "called"}
			},
				want: only(http.StatusOK, http.StatusForbidden, managers...)},
			act("agree", map[string]any{"due_on": "2026-06-30"}),
			act("waive", map[string]any{"comment": "relocation ordered by the city"}),
			act("repay", map[string]any{}),
			{route: "GET /api/v1/orgs/{id}/obligations", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/obligations", w.yunshan), nil },
				want: only(http.StatusOK, http.StatusForbidden, "admin", "officer.jingan", "enterprise")},
		}
	})
}

func init() {
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "GET /api/v1/open-data/360giving.json", name: "the awards as open data", req: func(w *world) (string, any) { return "/api/v1/open-data/360giving.json", nil },
				want: everyone(http.StatusOK)},
		}
	})
}

// decidedApplication makes an approved application of Yunshan to a
// Jing'an program and returns its id.
func (w *world) decidedApplication() int64 {
	w.t.Helper()
	w.seq++
	ctx := context.Background()
	d := w.e.App.DB
	now := d.Now()
	var id int64
	if err := d.Write.QueryRowContext(ctx, `INSERT INTO applications (program_id, org_id, project_title, project_key, amount_fen, state, created_at, updated_at, decided_at)
		SELECT id, $1, $2, $2, 100000, 'approved', $3, $3, $3 FROM programs WHERE slug = 'jingan-little-giant' RETURNING id`,
		w.yunshan, fmt.Sprintf("matrix-letter-%d", w.seq), now).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func init() {
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "GET /api/v1/applications/{id}/letter.pdf", name: "a decided Jing'an application", req: func(w *world) (string, any) {
				return p("/api/v1/applications/%d/letter.pdf", w.decidedApplication()), nil
			},
				want: only(http.StatusOK, http.StatusNotFound, "admin", "officer.jingan", "enterprise")},
		}
	})
}
