package app

import (
	"net/http"
	"net/url"
	"strconv"

	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/registry"
)

type auditData struct {
	Rows    []ui.AuditRow
	NextURL string
	First   bool
	All     bool // an administrator's view of everything
	OrgID   string
}

// pageAudit is GET /audit: administrators see every change, everyone else
// the changes of their organizations, newest first.
func (a *App) pageAudit(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	f, err := auditFilter(r, p)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	if f.Limit == 0 {
		f.Limit = 30
	}
	es, next, err := audit.List(r.Context(), a.DB, f)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	lang := ui.Lang(r.Context())
	q := r.URL.Query()
	d := auditData{Rows: ui.AuditRows(lang, es, registry.AuditLabel(lang)), First: q.Get("cursor") == "", All: p.IsAdmin() && q.Get("org_id") == "", OrgID: q.Get("org_id")}
	if next > 0 {
		v := url.Values{}
		for k := range q {
			if k != "cursor" && q.Get(k) != "" {
				v.Set(k, q.Get(k))
			}
		}
		v.Set("cursor", strconv.FormatInt(next, 10))
		d.NextURL = "/audit?" + v.Encode()
	}
	a.UI.Render(w, r, http.StatusOK, "audit", ui.NewPage(r, "audit.title", d))
}
