package app_test

import "net/http"

// The technology-transfer import's cells. Who may import is settled
// before the body is read: members of an organization, officers and
// administrators reach the body, and a JSON body is 415 for them. A user
// of no organization (403) and which rows each may import (their own
// organizations', or any for officers and administrators) are tested in
// the transfer package.
func init() {
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "POST /api/v1/transfer/import", name: "a JSON body", req: func(w *world) (string, any) { return "/api/v1/transfer/import", map[string]any{} },
				want: signedIn(http.StatusUnsupportedMediaType)},
			{route: "GET /api/v1/transfer/import/template", name: "needs XLSX", req: func(w *world) (string, any) {
				return "/api/v1/transfer/import/template?kind=needs&format=xlsx", nil
			}, want: everyone(http.StatusOK)},
			{route: "GET /api/v1/transfer/import/template", name: "unknown kind", req: func(w *world) (string, any) {
				return "/api/v1/transfer/import/template?kind=assets", nil
			}, want: everyone(http.StatusUnprocessableEntity)},
		}
	})
}
