package app_test

import (
	"context"
	"database/sql"
	"net/http"

	"rainforest/internal/kernel/notify"
)

// freshNotice gives the account uid a notice and returns its id.
func (w *world) freshNotice(uid int64) int64 {
	w.t.Helper()
	w.seq++
	ctx := context.Background()
	a := w.e.App
	err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := a.Notifier.ToUser(ctx, tx, uid, notify.Message{Kind: "test", Key: p("matrix-%d", w.seq),
			Title: notify.Text{Zh: "矩阵通知", En: "Matrix notice"}, Link: "/me"})
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	var id int64
	if err := a.DB.Read.QueryRowContext(ctx, `SELECT id FROM notices WHERE user_id = $1 ORDER BY id DESC LIMIT 1`, uid).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func init() {
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "GET /api/v1/notices", name: "my notices", req: func(w *world) (string, any) { w.freshNotice(w.self); return "/api/v1/notices", nil }, want: signedIn(http.StatusOK)},
			{route: "POST /api/v1/notices/{id}/read", name: "my notice", req: func(w *world) (string, any) { return p("/api/v1/notices/%d/read", w.freshNotice(w.self)), nil },
				want: signedIn(http.StatusNoContent)},
			{route: "POST /api/v1/notices/{id}/read", name: "another account's notice", req: func(w *world) (string, any) {
				return p("/api/v1/notices/%d/read", w.freshNotice(w.users["talent@demo.local"])), nil
			}, want: expect{anon: 401, others: 404, allowed: 204, roles: []string{"talent"}}},
			{route: "POST /api/v1/notices/read-all", name: "all mine", req: func(w *world) (string, any) { w.freshNotice(w.self); return "/api/v1/notices/read-all", nil },
				want: signedIn(http.StatusOK)},
		}
	})
}
