package events

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// API serves the module's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

func intParam(v url.Values, name string, def, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, apperr.Field(name, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// ParseList reads the list's parameters.
func ParseList(v url.Values) (ListQuery, error) {
	q := ListQuery{Text: v.Get("q"), Kind: v["kind"], District: v["district"], Month: v.Get("month"), When: v.Get("when")}
	if len(q.Text) > 2000 {
		return q, apperr.Field("q", "must be at most 2000 bytes")
	}
	var err error
	if q.Limit, err = intParam(v, "limit", 20, 1, 100); err != nil {
		return q, err
	}
	q.Offset, err = intParam(v, "offset", 0, 0, 10000)
	return q, err
}

// List is GET /api/v1/events: public.
func (a *API) List(w http.ResponseWriter, r *http.Request) {
	q, err := ParseList(r.URL.Query())
	var res Page
	if err == nil {
		res, err = a.S.List(r.Context(), q)
	}
	httpx.Reply(w, r, http.StatusOK, res, err)
}

// Create is POST /api/v1/events: a draft.
func (a *API) Create(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in Input) (Event, error) { return a.S.Save(r.Context(), p, 0, in) })
}

// Get is GET /api/v1/events/{id}: public for published events.
func (a *API) Get(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Event, error) { return a.S.Get(r.Context(), p, id) })
}

// Put is PUT /api/v1/events/{id}.
func (a *API) Put(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in Input) (Event, error) { return a.S.Save(r.Context(), p, id, in) })
}

// Status is POST /api/v1/events/{id}/status.
func (a *API) Status(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in StatusInput) (Event, error) {
		return a.S.SetStatus(r.Context(), p, id, in)
	})
}

// Register is POST /api/v1/events/{id}/registrations.
func (a *API) Register(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in RegisterInput) (Registration, error) {
		return a.S.Register(r.Context(), p, id, in)
	})
}

// Registrants is GET /api/v1/events/{id}/registrations: the organiser.
func (a *API) Registrants(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (map[string]any, error) {
		rs, err := a.S.Registrants(r.Context(), p, id)
		return map[string]any{"items": rs}, err
	})
}

// CancelRegistration is POST /api/v1/events/{id}/registrations/{reg}/cancel.
func (a *API) CancelRegistration(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Registration, error) {
		reg, err := httpx.PathID(r, "reg")
		if err != nil {
			return Registration{}, err
		}
		return a.S.CancelRegistration(r.Context(), p, id, reg)
	})
}

// CheckIn is POST /api/v1/events/{id}/check-ins: the organiser.
func (a *API) CheckIn(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in CheckInInput) (Registration, error) {
		return a.S.CheckIn(r.Context(), p, id, in)
	})
}

// Preferences is PUT /api/v1/events/{id}/preferences.
func (a *API) Preferences(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in PreferencesInput) (Participant, error) {
		return a.S.SetPreferences(r.Context(), p, id, in)
	})
}

// Pair is POST /api/v1/events/{id}/pairing: the organiser.
func (a *API) Pair(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in PairInput) (Grid, error) { return a.S.Pair(r.Context(), p, id, in) })
}

// Grid is GET /api/v1/events/{id}/pairing: the organiser.
func (a *API) Grid(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Grid, error) { return a.S.Grid(r.Context(), p, id) })
}

// Schedule is GET /api/v1/events/{id}/schedule: a participant's meetings.
func (a *API) Schedule(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (MySchedule, error) {
		return a.S.Schedule(r.Context(), p, id)
	})
}

// Mine is GET /api/v1/events/mine: the caller's registrations and the
// events the caller organises.
func (a *API) Mine(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		rs, err := a.S.Mine(r.Context(), p)
		if err != nil {
			return nil, err
		}
		es, err := a.S.Organised(r.Context(), p)
		return map[string]any{"registrations": rs, "organised": es}, err
	})
}

// Base is the platform's address as the request reached it.
func Base(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// Feed is GET /api/v1/events/feed: the caller's iCalendar address.
func (a *API) Feed(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]string, error) {
		t, err := a.S.FeedToken(r.Context(), p)
		return map[string]string{"url": Base(r) + "/ical/event-feeds/" + t + ".ics"}, err
	})
}

// ParseMonths reads from and to as months (YYYY-MM; default the last 12
// months to this one) into [from, to).
func ParseMonths(v url.Values, now time.Time) (time.Time, time.Time, error) {
	cur := now.In(Shanghai)
	this := time.Date(cur.Year(), cur.Month(), 1, 0, 0, 0, 0, Shanghai)
	from, to := this.AddDate(0, -11, 0), this.AddDate(0, 1, 0)
	if s := v.Get("from"); s != "" {
		f, _, err := MonthRange(s)
		if err != nil {
			return from, to, apperr.Field("from", "must be a month, YYYY-MM")
		}
		from = f
	}
	if s := v.Get("to"); s != "" {
		_, t, err := MonthRange(s)
		if err != nil {
			return from, to, apperr.Field("to", "must be a month, YYYY-MM")
		}
		to = t
	}
	if !to.After(from) {
		return from, to, apperr.Field("to", "must not be before from")
	}
	return from, to, nil
}

// Activity is GET /api/v1/events/activity (from, to as months): public.
func (a *API) Activity(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		from, to, err := ParseMonths(r.URL.Query(), a.S.DB.Now())
		if err != nil {
			return nil, err
		}
		act, err := a.S.Activity(r.Context(), from, to)
		return map[string]any{"from": from.Format("2006-01"), "to": to.AddDate(0, -1, 0).Format("2006-01"), "items": act}, err
	})
}

// EventICS is GET /ical/events/{file} ("12.ics").
func (a *API) EventICS(w http.ResponseWriter, r *http.Request) {
	f := r.PathValue("file")
	id, err := strconv.ParseInt(strings.TrimSuffix(f, ".ics"), 10, 64)
	if err != nil || !strings.HasSuffix(f, ".ics") {
		http.NotFound(w, r)
		return
	}
	ics, err := a.S.EventICS(r.Context(), id, Base(r))
	writeICS(w, r, ics, "event-"+strconv.FormatInt(id, 10)+".ics", err)
}

// UserICS is GET /ical/event-feeds/{file} ("token.ics").
func (a *API) UserICS(w http.ResponseWriter, r *http.Request) {
	f := r.PathValue("file")
	if !strings.HasSuffix(f, ".ics") {
		http.NotFound(w, r)
		return
	}
	ics, err := a.S.UserFeed(r.Context(), strings.TrimSuffix(f, ".ics"), Base(r))
	writeICS(w, r, ics, "", err)
}

func writeICS(w http.ResponseWriter, r *http.Request, ics, download string, err error) {
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			http.NotFound(w, r)
			return
		}
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	if download != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+download+`"`)
	}
	_, _ = w.Write([]byte(ics))
}
