package app_test

import "net/http"

func init() {
	moreCells = append(moreCells, func() []cell {
		return []cell{
			{route: "GET /api/v1/programs/{ref}/matches", name: "a Jing'an program", req: func(w *world) (string, any) { return "/api/v1/programs/jingan-small-micro-scitech/matches", nil },
				want: only(http.StatusOK, http.StatusForbidden, "admin", "officer.jingan")},
			{route: "GET /api/v1/programs/{ref}/matches", name: "a Xuhui program", req: func(w *world) (string, any) { return "/api/v1/programs/xuhui-sme-loan-risk/matches", nil },
				want: only(http.StatusOK, http.StatusForbidden, "admin", "officer.xuhui")},
			{route: "GET /api/v1/programs/{ref}/matches", name: "no program", req: func(w *world) (string, any) { return "/api/v1/programs/no-such-program/matches", nil },
				want: signedIn(http.StatusNotFound)},
		}
	})
}
