package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"rainforest/internal/app/apptest"
)

// openProgram publishes a Jing'an program with a budget, as an
// administrator, and returns its slug.
func (w *world) openProgram() string {
	w.t.Helper()
	slug := w.freshDraft()
	if r := w.e.Do("PATCH", "/api/v1/programs/"+slug, w.admin, map[string]any{"budget_fen": 100_000_000, "opens_on": "2024-01-01", "closes_on": "2099-12-31"}); r.Status != http.StatusOK {
		w.t.Fatalf("budget: %d %s", r.Status, r.Body)
	}
	if r := w.e.Do("POST", "/api/v1/programs/"+slug+"/publish", w.admin, nil); r.Status != http.StatusOK {
		w.t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	return slug
}

// application makes an application of Yunshan to a fresh program and
// takes it to state (draft, submitted, under_review).
func (w *world) application(state string) int64 {
	w.t.Helper()
	ent := w.e.Token("enterprise@demo.local")
	r := w.e.Do("POST", "/api/v1/applications", ent, map[string]any{"program": w.openProgram(), "org_id": w.yunshan, "project_title": fmt.Sprintf("矩阵项目 %d", w.seq), "requested_yuan": 1000})
	var a struct{ ID int64 }
	r.JSON(&a)
	if r.Status != http.StatusCreated {
		w.t.Fatalf("application: %d %s", r.Status, r.Body)
	}
	steps := map[string][]string{"draft": nil, "submitted": {"submit"}, "under_review": {"submit", "start_review"}}[state]
	for _, act := range steps {
		tok := ent
		if act == "start_review" {
			tok = w.admin
		}
		if r := w.e.Do("POST", p("/api/v1/applications/%d/transitions", a.ID), tok, map[string]any{"action": act}); r.Status != http.StatusOK {
			w.t.Fatalf("%s: %d %s", act, r.Status, r.Body)
		}
	}
	return a.ID
}

// applicationFile attaches a text file to a draft of Yunshan's and returns
// the path of the file.
func (w *world) applicationFile() string {
	w.t.Helper()
	id := w.application("draft")
	var fid int64
	if err := w.e.App.DB.Write.QueryRowContext(context.Background(), `INSERT INTO application_files (application_id, name, content_type, size, sha256, data, created_at)
		VALUES ($1, 'note.txt', 'text/plain; charset=utf-8', 5, 'x', $2, $3) RETURNING id`, id, []byte("hello"), w.e.App.DB.Now()).Scan(&fid); err != nil {
		w.t.Fatal(err)
	}
	return p("/api/v1/applications/%d/files/%d", id, fid)
}

func init() {
	moreCells = append(moreCells, func() []cell {
		reviewers := []string{"admin", "officer.jingan"}
		seers := []string{"admin", "officer.jingan", "enterprise"}
		applicantOnly := func(ok int) expect {
			return per(http.StatusNotFound, map[string]int{"enterprise": ok, "admin": http.StatusForbidden, "officer.jingan": http.StatusForbidden})
		}
		officerOnly := per(http.StatusNotFound, map[string]int{"enterprise": http.StatusForbidden, "admin": http.StatusOK, "officer.jingan": http.StatusOK})
		return []cell{
			{route: "GET /api/v1/applications", name: "the review queue", req: func(w *world) (string, any) { return "/api/v1/applications", nil },
				want: only(http.StatusOK, http.StatusForbidden, "admin", "officer.jingan", "officer.xuhui")},
			{route: "POST /api/v1/applications", name: "for Yunshan", req: func(w *world) (string, any) {
				return "/api/v1/applications", map[string]any{"program": w.openProgram(), "org_id": w.yunshan, "project_title": "矩阵新项目"}
			},
				want: only(http.StatusCreated, http.StatusForbidden, "enterprise")},
			{route: "POST /api/v1/applications/bulk", name: "start review of one", req: func(w *world) (string, any) {
				return "/api/v1/applications/bulk", map[string]any{"ids": []int64{w.application("submitted")}, "action": "start_review"}
			},
				want: signedIn(http.StatusOK),
				check: func(t *testing.T, w *world, role string, r apptest.Response, _ bool) {
					var out struct{ Done, Failed int }
					r.JSON(&out)
					want := 0
					if role == "admin" || role == "officer.jingan" {
						want = 1
					}
					if out.Done != want || out.Failed != 1-want {
						t.Errorf("%s: bulk %s", role, r.Body)
					}
				}},
			{route: "GET /api/v1/applications/{id}", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/applications/%d", w.application("draft")), nil },
				want: only(http.StatusOK, http.StatusNotFound, seers...)},
			{route: "GET /api/v1/applications/{id}", name: "none", req: func(w *world) (string, any) { return "/api/v1/applications/999999", nil },
				want: signedIn(http.StatusNotFound)},
			{route: "PATCH /api/v1/applications/{id}", name: "Yunshan's draft", req: func(w *world) (string, any) {
				return p("/api/v1/applications/%d", w.application("draft")), map[string]any{"project_title": "改名"}
			},
				want: applicantOnly(http.StatusOK)},
			{route: "POST /api/v1/applications/{id}/transitions", name: "submit Yunshan's draft", req: func(w *world) (string, any) {
				return p("/api/v1/applications/%d/transitions", w.application("draft")), map[string]any{"action": "submit"}
			},
				want: applicantOnly(http.StatusOK)},
			{route: "POST /api/v1/applications/{id}/transitions", name: "start review", req: func(w *world) (string, any) {
				return p("/api/v1/applications/%d/transitions", w.application("submitted")), map[string]any{"action": "start_review"}
			},
				want: officerOnly},
			{route: "POST /api/v1/applications/{id}/transitions", name: "approve", req: func(w *world) (string, any) {
				return p("/api/v1/applications/%d/transitions", w.application("under_review")), map[string]any{"action": "approve", "amount_yuan": 500}
			},
				want: officerOnly},
			// A JSON body reaches the applicant as 415; the others never get
			// that far.
			{route: "POST /api/v1/applications/{id}/files", name: "attach to Yunshan's draft", req: func(w *world) (string, any) {
				return p("/api/v1/applications/%d/files", w.application("draft")), map[string]any{}
			},
				want: applicantOnly(http.StatusUnsupportedMediaType)},
			{route: "GET /api/v1/applications/{id}/files/{file}", name: "Yunshan's file", req: func(w *world) (string, any) { return w.applicationFile(), nil },
				want: only(http.StatusOK, http.StatusNotFound, seers...)},
			{route: "DELETE /api/v1/applications/{id}/files/{file}", name: "Yunshan's file", req: func(w *world) (string, any) { return w.applicationFile(), nil },
				want: applicantOnly(http.StatusNoContent)},
			{route: "GET /api/v1/orgs/{id}/applications", name: "Yunshan's", req: func(w *world) (string, any) { return p("/api/v1/orgs/%d/applications", w.yunshan), nil },
				want: only(http.StatusOK, http.StatusNotFound, append(reviewers, "officer.xuhui", "enterprise")...)},
		}
	})
}

// grantBatch makes a proposed batch of a fresh Jing'an auto-grant program
// and returns its id.
func (w *world) grantBatch() int64 {
	w.t.Helper()
	slug := w.autoProgram()
	r := w.e.Do("POST", "/api/v1/programs/"+slug+"/grant-batches", w.admin, nil)
	var b struct{ ID int64 }
	r.JSON(&b)
	if r.Status != http.StatusCreated {
		w.t.Fatalf("grant batch: %d %s", r.Status, r.Body)
	}
	return b.ID
}

func (w *world) autoProgram() string {
	w.t.Helper()
	slug := w.openProgram()
	if r := w.e.Do("PATCH", "/api/v1/programs/"+slug, w.admin, map[string]any{"auto_grant": true}); r.Status != http.StatusOK {
		w.t.Fatalf("auto grant: %d %s", r.Status, r.Body)
	}
	return slug
}

func init() {
	moreCells = append(moreCells, func() []cell {
		editors := []string{"admin", "officer.jingan"}
		return []cell{
			{route: "GET /api/v1/programs/{ref}/grant-batches", name: "a Jing'an program's", req: func(w *world) (string, any) { return "/api/v1/programs/" + w.autoProgram() + "/grant-batches", nil },
				want: only(http.StatusOK, http.StatusForbidden, editors...)},
			{route: "POST /api/v1/programs/{ref}/grant-batches", name: "propose", req: func(w *world) (string, any) { return "/api/v1/programs/" + w.autoProgram() + "/grant-batches", nil },
				want: only(http.StatusCreated, http.StatusForbidden, editors...)},
			{route: "GET /api/v1/grant-batches/{id}", name: "a Jing'an batch", req: func(w *world) (string, any) { return p("/api/v1/grant-batches/%d", w.grantBatch()), nil },
				want: only(http.StatusOK, http.StatusNotFound, editors...)},
			{route: "POST /api/v1/grant-batches/{id}/approve", name: "a Jing'an batch", req: func(w *world) (string, any) { return p("/api/v1/grant-batches/%d/approve", w.grantBatch()), nil },
				want: only(http.StatusOK, http.StatusNotFound, editors...)},
			{route: "POST /api/v1/grant-batches/{id}/discard", name: "a Jing'an batch", req: func(w *world) (string, any) {
				return p("/api/v1/grant-batches/%d/discard", w.grantBatch()), map[string]string{"reason": "not this year"}
			},
				want: only(http.StatusOK, http.StatusNotFound, editors...)},
		}
	})
}
