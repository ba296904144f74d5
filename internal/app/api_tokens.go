package app

import (
	"net/http"

	"rainforest/internal/kernel/httpx"
)

// apiListTokens is GET /api/v1/tokens: the caller's own live tokens, by
// name and dates; the secrets are never shown again.
func (a *App) apiListTokens(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	ts, err := a.Auth.Tokens(r.Context(), p.UserID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": ts})
}

// apiRevokeToken is DELETE /api/v1/tokens/{id}: revoke one of the caller's
// own tokens; anyone else's is not found, administrators' included.
func (a *App) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := a.Auth.RevokeToken(r.Context(), p.UserID, id); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
