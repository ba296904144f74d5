package app

import (
	"net/http"

	"rainforest/internal/kernel/ui"
	"rainforest/internal/registry"
)

type homeData struct {
	registry.Overview
}

// pageHome is GET /: the ecosystem at a glance, counted from the registry.
func (a *App) pageHome(w http.ResponseWriter, r *http.Request) {
	ov, err := a.Registry.Overview(r.Context())
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	a.UI.Render(w, r, http.StatusOK, "home", ui.NewPage(r, "", homeData{ov}))
}
