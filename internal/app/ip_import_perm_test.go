package app_test

import "net/http"

// The IP import's cells. Who may import is settled before the body is
// read: members of an organization, officers and administrators reach the
// body, and a JSON body is 415 for them (talent@ too: an earlier cell of
// the matrix makes it the owner of a new organization). A user of no
// organization (403) and which rows each may import (their own
// organizations' assets, or any for officers and administrators) are
// tested in the ip package.
func init() {
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "POST /api/v1/ip/import", name: "a JSON body", req: func(w *world) (string, any) { return "/api/v1/ip/import", map[string]any{} },
				want: signedIn(http.StatusUnsupportedMediaType)},
			{route: "GET /api/v1/ip/import/template", name: "XLSX", req: func(w *world) (string, any) { return "/api/v1/ip/import/template?format=xlsx", nil },
				want: everyone(http.StatusOK)},
			{route: "GET /api/v1/ip/import/template", name: "ODS", req: func(w *world) (string, any) { return "/api/v1/ip/import/template?format=ods", nil },
				want: everyone(http.StatusUnprocessableEntity)},
		}
	})
}
