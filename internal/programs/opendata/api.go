package opendata

import (
	"net/http"

	"rainforest/internal/kernel/httpx"
)

// API serves the open data.
type API struct {
	X *Exporter
}

// Giving360 is GET /api/v1/open-data/360giving.json: every paid award as
// a 360Giving data package, for anyone.
func (a *API) Giving360(w http.ResponseWriter, r *http.Request) {
	pkg, err := a.X.Build(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.JSON(w, http.StatusOK, pkg)
}
