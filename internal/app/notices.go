package app

import (
	"net/http"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/programs/match"
)

// withUnread counts the signed-in user's unread notices for the header of
// every page (API requests skip it).
func (a *App) withUnread(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := auth.From(r.Context()); p != nil && r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/static/") {
			if n, err := a.Notifier.Unread(r.Context(), p.UserID); err == nil && n > 0 {
				r = r.WithContext(ui.WithUnread(r.Context(), n))
			}
		}
		next.ServeHTTP(w, r)
	})
}

func noticeQuery(r *http.Request) (unread bool, limit int, err error) {
	q := r.URL.Query()
	switch q.Get("unread") {
	case "", "0", "false":
	case "1", "true":
		unread = true
	default:
		return false, 0, apperr.Field("unread", "must be true or false")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return false, 0, apperr.Field("limit", "must be between 1 and 200")
		}
		limit = n
	}
	return unread, limit, nil
}

// apiNotices is GET /api/v1/notices?unread=&limit=: the caller's notices,
// unread first, and how many are unread.
func (a *App) apiNotices(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	unread, limit, err := noticeQuery(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	items, n, err := a.Notifier.List(r.Context(), p.UserID, unread, limit)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": items, "unread": n})
}

// apiReadNotice is POST /api/v1/notices/{id}/read: one of the caller's
// own notices; anyone else's is not found.
func (a *App) apiReadNotice(w http.ResponseWriter, r *http.Request) {
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
	if err := a.Notifier.MarkRead(r.Context(), p.UserID, id); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiReadAllNotices is POST /api/v1/notices/read-all.
func (a *App) apiReadAllNotices(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	n, err := a.Notifier.MarkAllRead(r.Context(), p.UserID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]int64{"marked": n})
}

type noticesData struct {
	Items  []notify.Notice
	Unread int64
}

// pageNotices is GET /notices.
func (a *App) pageNotices(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	items, n, err := a.Notifier.List(r.Context(), p.UserID, false, 100)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	pg := ui.NewPage(r, "notify.title", noticesData{Items: items, Unread: n})
	pg.Unread = n
	a.UI.Render(w, r, http.StatusOK, "notices", pg)
}

// postReadNotice is POST /notices/{id}/read.
func (a *App) postReadNotice(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		a.UI.Error(w, r, apperr.New(apperr.NotFound, "no notice %q", r.PathValue("id")))
		return
	}
	if err := a.Notifier.MarkRead(r.Context(), p.UserID, id); err != nil {
		a.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/notices", http.StatusSeeOther)
}

// postReadAllNotices is POST /notices/read-all.
func (a *App) postReadAllNotices(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	if _, err := a.Notifier.MarkAllRead(r.Context(), p.UserID); err != nil {
		a.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/notices", http.StatusSeeOther)
}

type matchesData struct {
	Slug   string
	Title  string
	List   match.List
	Filter match.Filter
}

// pageProgramMatches is GET /programs/{slug}/matches: the stored matches
// of a program, for its editors.
func (a *App) pageProgramMatches(w http.ResponseWriter, r *http.Request) {
	p, err := pageUser(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	f, err := match.FilterOf(r)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	lang := ui.Lang(r.Context())
	l, err := a.Match.Matches(r.Context(), p, r.PathValue("slug"), lang, f)
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	prog, err := a.Programs.Get(r.Context(), p, r.PathValue("slug"))
	if err != nil {
		a.UI.Error(w, r, err)
		return
	}
	a.UI.Render(w, r, http.StatusOK, "program_matches", ui.NewPage(r, "match.title", matchesData{Slug: prog.Slug, Title: prog.Title(lang), List: l, Filter: f}))
}
