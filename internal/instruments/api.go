package instruments

import (
	"io"
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

// ParseCatalog reads the catalog's parameters.
func ParseCatalog(v url.Values) (CatalogQuery, error) {
	q := CatalogQuery{Text: v.Get("q"), Category: v["category"], Region: v["region"], District: v["district"], FeeUnit: v["fee_unit"]}
	var err error
	if q.Limit, err = intParam(v, "limit", 20, 1, 100); err != nil {
		return q, err
	}
	q.Offset, err = intParam(v, "offset", 0, 0, 10000)
	return q, err
}

// Catalog is GET /api/v1/instruments: public search.
func (a *API) Catalog(w http.ResponseWriter, r *http.Request) {
	q, err := ParseCatalog(r.URL.Query())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := a.S.Catalog(r.Context(), q)
	httpx.Reply(w, r, http.StatusOK, res, err)
}

// Create is POST /api/v1/instruments.
func (a *API) Create(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in Input) (Instrument, error) { return a.S.Save(r.Context(), p, 0, in) })
}

// Put is PUT /api/v1/instruments/{id}.
func (a *API) Put(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in Input) (Instrument, error) {
		return a.S.Save(r.Context(), p, id, in)
	})
}

// Get is GET /api/v1/instruments/{id}: public.
func (a *API) Get(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Instrument, error) {
		return a.S.Instrument(r.Context(), p, id)
	})
}

// ParseRange reads from and to (RFC 3339 or dates in Shanghai; default
// the next 7 days).
func ParseRange(v url.Values, now time.Time) (time.Time, time.Time, error) {
	parse := func(name string, def time.Time) (time.Time, error) {
		s := v.Get(name)
		if s == "" {
			return def, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, nil
		}
		if t, err := time.ParseInLocation(time.DateOnly, s, shanghai); err == nil {
			return t, nil
		}
		return time.Time{}, apperr.Field(name, "must be a date (YYYY-MM-DD) or a time (RFC 3339)")
	}
	y, m, d := now.In(shanghai).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, shanghai)
	from, err := parse("from", today)
	if err != nil {
		return from, from, err
	}
	to, err := parse("to", from.AddDate(0, 0, 7))
	return from, to, err
}

// Availability is GET /api/v1/instruments/{id}/availability: public.
func (a *API) Availability(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(_ *auth.Principal, id int64, _ httpx.NoBody) (map[string]any, error) {
		from, to, err := ParseRange(r.URL.Query(), a.S.DB.Now())
		if err != nil {
			return nil, err
		}
		iv, err := a.S.Availability(r.Context(), id, from, to)
		return map[string]any{"free": iv}, err
	})
}

// Book is POST /api/v1/instruments/{id}/bookings.
func (a *API) Book(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in BookInput) (Series, error) {
		return a.S.Book(r.Context(), p, id, in)
	})
}

// TrainInput names the trained user.
type TrainInput struct {
	UserID int64 `json:"user_id"`
}

// Train is POST /api/v1/instruments/{id}/trainings.
func (a *API) Train(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in TrainInput) (map[string]any, error) {
		err := a.S.Train(r.Context(), p, id, in.UserID)
		return map[string]any{"instrument_id": id, "user_id": in.UserID}, err
	})
}

// Bookings is GET /api/v1/instrument-bookings (scope=mine|owner, status).
func (a *API) Bookings(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		v := r.URL.Query()
		scope := v.Get("scope")
		if scope != "" && scope != "mine" && scope != "owner" {
			return nil, apperr.Field("scope", "must be mine or owner")
		}
		bs, err := a.S.Bookings(r.Context(), p, BookingQuery{Owner: scope == "owner", Status: v.Get("status")})
		return map[string]any{"items": bs}, err
	})
}

// GetBooking is GET /api/v1/instrument-bookings/{id}.
func (a *API) GetBooking(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Booking, error) {
		return a.S.Booking(r.Context(), p, id)
	})
}

// Act is POST /api/v1/instrument-bookings/{id}/actions.
func (a *API) Act(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ActInput) (Booking, error) {
		return a.S.Act(r.Context(), p, id, in)
	})
}

// Utilisation is GET /api/v1/instrument-utilisation (month).
func (a *API) Utilisation(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		us, err := a.S.Utilisation(r.Context(), p, r.URL.Query().Get("month"))
		return map[string]any{"items": us}, err
	})
}

// Indicators is GET /api/v1/instrument-indicators (from, to): public.
func (a *API) Indicators(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (Indicators, error) {
		return a.S.CityIndicators(r.Context(), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	})
}

// Feeds is GET /api/v1/instrument-feeds: the caller's subscribable
// addresses.
func (a *API) Feeds(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		f, err := a.S.Feeds(r.Context(), p)
		if err != nil {
			return nil, err
		}
		base := "https://" + r.Host
		if r.TLS == nil {
			base = "http://" + r.Host
		}
		ins := map[string]string{}
		for id, t := range f.Instruments {
			ins[strconv.FormatInt(id, 10)] = base + "/ical/instruments/" + strconv.FormatInt(id, 10) + ".ics?token=" + t
		}
		return map[string]any{"user": base + "/ical/users/" + f.User + ".ics", "instruments": ins}, nil
	})
}

// InstrumentICS is GET /ical/instruments/{file} ("12.ics?token=…").
func (a *API) InstrumentICS(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(strings.TrimSuffix(r.PathValue("file"), ".ics"), 10, 64)
	if err != nil || !strings.HasSuffix(r.PathValue("file"), ".ics") {
		http.NotFound(w, r)
		return
	}
	ics, err := a.S.InstrumentFeed(r.Context(), id, r.URL.Query().Get("token"), r.Host)
	writeICS(w, r, ics, err)
}

// UserICS is GET /ical/users/{file} ("token.ics").
func (a *API) UserICS(w http.ResponseWriter, r *http.Request) {
	f := r.PathValue("file")
	if !strings.HasSuffix(f, ".ics") {
		http.NotFound(w, r)
		return
	}
	ics, err := a.S.UserFeed(r.Context(), strings.TrimSuffix(f, ".ics"), r.Host)
	writeICS(w, r, ics, err)
}

func writeICS(w http.ResponseWriter, r *http.Request, ics string, err error) {
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
	_, _ = w.Write([]byte(ics))
}

// PutPhoto is PUT /api/v1/instruments/{id}/photo: the image as the body.
func (a *API) PutPhoto(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	var id int64
	if err == nil {
		id, err = httpx.PathID(r, "id")
	}
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(r.Body, MaxPhoto+1))
		if err != nil {
			err = apperr.New(apperr.TooLarge, "the photo is too large")
		}
	}
	if err == nil {
		err = a.S.SetPhoto(r.Context(), p, id, data)
	}
	httpx.Reply(w, r, http.StatusOK, map[string]any{"instrument_id": id, "photo_url": "/instruments/" + strconv.FormatInt(id, 10) + "/photo"}, err)
}

// Photo is GET /instruments/{id}/photo.
func (a *API) Photo(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct, data, err := a.S.Photo(r.Context(), id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(data)
}
