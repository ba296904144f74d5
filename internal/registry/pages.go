package registry

import (
	"embed"
	"io/fs"
	"net/http"

	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/ui"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the registry's page templates.
func Templates() fs.FS {
	s, err := fs.Sub(templateFS, "templates")
	if err != nil {
		panic(err)
	}
	return s
}

// Pages serves the registry's web pages.
type Pages struct {
	S    *Service
	UI   *ui.Renderer
	Auth *auth.Service
}

type directoryData struct {
	Filter    Filter
	Page      Page
	Districts []District
}

// Directory is GET /orgs.
func (pg *Pages) Directory(w http.ResponseWriter, r *http.Request) {
	f, err := FilterFromQuery(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	res, err := pg.S.List(r.Context(), auth.From(r.Context()), f)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ds, err := pg.S.Districts(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "directory", ui.NewPage(r, "nav.directory", directoryData{f, res, ds}))
}

// Org is GET /orgs/{id}.
func (pg *Pages) Org(w http.ResponseWriter, r *http.Request)      { pg.Directory(w, r) }
func (pg *Pages) Edit(w http.ResponseWriter, r *http.Request)     { pg.Directory(w, r) }
func (pg *Pages) SaveEdit(w http.ResponseWriter, r *http.Request) { pg.Directory(w, r) }
