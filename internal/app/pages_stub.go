package app

import (
	"net/http"

	"rainforest/internal/kernel/ui"
)

func (a *App) pageHome(w http.ResponseWriter, r *http.Request) {
	counts, err := a.Registry.Count(r.Context())
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	a.UI.Render(w, r, http.StatusOK, "home", ui.NewPage(r, "", counts))
}
func (a *App) pageMe(w http.ResponseWriter, r *http.Request)              { a.pageNotFound(w, r) }
func (a *App) pageAudit(w http.ResponseWriter, r *http.Request)           { a.pageNotFound(w, r) }
func (a *App) pageAdminUsers(w http.ResponseWriter, r *http.Request)      { a.pageNotFound(w, r) }
func (a *App) postAdminUsers(w http.ResponseWriter, r *http.Request)      { a.pageNotFound(w, r) }
func (a *App) pageAdminUser(w http.ResponseWriter, r *http.Request)       { a.pageNotFound(w, r) }
func (a *App) postAdminUser(w http.ResponseWriter, r *http.Request)       { a.pageNotFound(w, r) }
func (a *App) postAdminMembership(w http.ResponseWriter, r *http.Request) { a.pageNotFound(w, r) }
