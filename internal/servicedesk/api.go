package servicedesk

import (
	"net/http"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/programs"
)

// API serves the module's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

func queryOf(r *http.Request) (Query, error) {
	v := r.URL.Query()
	q := Query{Topic: v.Get("topic"), State: v.Get("state")}
	switch v.Get("overdue") {
	case "", "0", "false":
	case "1", "true":
		q.Overdue = true
	default:
		return q, apperr.Field("overdue", "must be 1 or 0")
	}
	if s := v.Get("org_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return q, apperr.Field("org_id", "must be an organization id")
		}
		q.OrgID = n
	}
	return q, nil
}

// Requests is GET /api/v1/desk/requests.
func (a *API) Requests(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		q, err := queryOf(r)
		if err != nil {
			return nil, err
		}
		rs, err := a.S.List(r.Context(), p, q)
		return map[string]any{"items": rs}, err
	})
}

// Create is POST /api/v1/desk/requests.
func (a *API) Create(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in RequestInput) (Request, error) {
		return a.S.Create(r.Context(), p, in)
	})
}

// Get is GET /api/v1/desk/requests/{id}.
func (a *API) Get(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (View, error) {
		return a.S.View(r.Context(), p, id)
	})
}

// ActionInput is a workflow action with its comment.
type ActionInput struct {
	Action  string `json:"action"`
	Comment string `json:"comment"`
}

// Act is POST /api/v1/desk/requests/{id}/actions.
func (a *API) Act(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ActionInput) (Request, error) {
		return a.S.Act(r.Context(), p, id, in.Action, in.Comment)
	})
}

// Rate is POST /api/v1/desk/requests/{id}/rating.
func (a *API) Rate(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in RatingInput) (Request, error) {
		return a.S.Rate(r.Context(), p, id, in)
	})
}

// Upload is POST /api/v1/desk/requests/{id}/files: multipart/form-data
// with the part "file".
func (a *API) Upload(w http.ResponseWriter, r *http.Request) {
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
	// Who may attach is settled before the body is read.
	if err := a.S.CanAttach(r.Context(), p, id); err != nil {
		httpx.Error(w, r, err)
		return
	}
	_, name, data, err := programs.ReadUpload(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := a.S.AddFile(r.Context(), p, id, name, data)
	httpx.Reply(w, r, http.StatusCreated, f, err)
}

// Download is GET /api/v1/desk/requests/{id}/files/{file}: the bytes, as
// an attachment, never rendered inline.
func (a *API) Download(w http.ResponseWriter, r *http.Request) {
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
	fid, err := httpx.PathID(r, "file")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, data, err := a.S.FileContent(r.Context(), p, id, fid)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	programs.ServeFile(w, programs.File{Name: f.Name, ContentType: f.ContentType}, data)
}

// Settings is GET /api/v1/desk/settings.
func (a *API) Settings(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (Settings, error) {
		return a.S.Settings(r.Context(), p)
	})
}

// PutRoute is PUT /api/v1/desk/routes.
func (a *API) PutRoute(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in RouteInput) (Route, error) {
		return a.S.SetRoute(r.Context(), p, in)
	})
}

// PutLevel is PUT /api/v1/desk/levels/{topic}.
func (a *API) PutLevel(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in LevelInput) (Level, error) {
		return a.S.SetLevel(r.Context(), p, r.PathValue("topic"), in)
	})
}

// PutLead is PUT /api/v1/desk/leads.
func (a *API) PutLead(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in LeadInput) (Lead, error) {
		return a.S.SetLead(r.Context(), p, in)
	})
}

// Holidays is GET /api/v1/desk/holidays: public.
func (a *API) Holidays(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		hs, err := a.S.Holidays(r.Context())
		return map[string]any{"items": hs}, err
	})
}

// Notices is GET /api/v1/desk/notices.
func (a *API) Notices(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ns, err := a.S.Notices(r.Context(), p)
		return map[string]any{"items": ns}, err
	})
}

// CreateNotice is POST /api/v1/desk/notices.
func (a *API) CreateNotice(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in NoticeInput) (Notice, error) {
		return a.S.CreateNotice(r.Context(), p, in)
	})
}

// PreviewInput is a rule to preview.
type PreviewInput struct {
	Rule     string `json:"rule"`
	District string `json:"district"`
}

// Preview is POST /api/v1/desk/notices/preview.
func (a *API) Preview(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in PreviewInput) (Preview, error) {
		return a.S.PreviewNotice(r.Context(), p, in.Rule, in.District)
	})
}

// GetNotice is GET /api/v1/desk/notices/{id}.
func (a *API) GetNotice(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Notice, error) {
		return a.S.GetNotice(r.Context(), p, id)
	})
}

// Publish is POST /api/v1/desk/notices/{id}/publish.
func (a *API) Publish(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Notice, error) {
		return a.S.PublishNotice(r.Context(), p, id)
	})
}

// Recipients is GET /api/v1/desk/notices/{id}/recipients.
func (a *API) Recipients(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (map[string]any, error) {
		rs, err := a.S.Recipients(r.Context(), p, id)
		return map[string]any{"items": rs}, err
	})
}

// Visits is GET /api/v1/desk/visits.
func (a *API) Visits(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		vs, err := a.S.Visits(r.Context(), p)
		return map[string]any{"items": vs}, err
	})
}

// CreateVisit is POST /api/v1/desk/visits.
func (a *API) CreateVisit(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in VisitInput) (Visit, error) {
		return a.S.CreateVisit(r.Context(), p, in)
	})
}

// GetVisit is GET /api/v1/desk/visits/{id}.
func (a *API) GetVisit(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Visit, error) {
		return a.S.GetVisit(r.Context(), p, id)
	})
}

// Promises is GET /api/v1/desk/promises (overdue=1: only the overdue).
func (a *API) Promises(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ps, err := a.S.Promises(r.Context(), p, r.URL.Query().Get("overdue") == "1")
		return map[string]any{"items": ps}, err
	})
}

// DoneInput closes a promise.
type DoneInput struct {
	Note string `json:"note"`
}

// Done is POST /api/v1/desk/promises/{id}/done.
func (a *API) Done(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in DoneInput) (Promise, error) {
		return a.S.DonePromise(r.Context(), p, id, in.Note)
	})
}

// Figures is GET /api/v1/desk/figures (district, from, to).
func (a *API) Figures(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (Figures, error) {
		v := r.URL.Query()
		return a.S.Figures(r.Context(), p, FigureFilter{District: v.Get("district"), From: v.Get("from"), To: v.Get("to")})
	})
}

// PutHoliday is PUT /api/v1/desk/holidays/{day}.
func (a *API) PutHoliday(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in HolidayInput) (Holiday, error) {
		return a.S.SetHoliday(r.Context(), p, r.PathValue("day"), in)
	})
}

// DeleteHoliday is DELETE /api/v1/desk/holidays/{day}.
func (a *API) DeleteHoliday(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err == nil {
		err = a.S.DeleteHoliday(r.Context(), p, r.PathValue("day"))
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
