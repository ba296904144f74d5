package talent

import (
	"net/http"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/workflow"
	"rainforest/internal/programs"
)

// API serves the module's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

// TablesView lists the versions with the one in force today.
type TablesView struct {
	Items   []Table `json:"items"`
	InForce *int64  `json:"in_force"`
}

func (s *Service) tablesView(r *http.Request) (TablesView, error) {
	ts, err := Tables(r.Context(), s.DB.Read)
	v := TablesView{Items: ts}
	if t := InForce(ts, s.today().Format("2006-01-02")); t != nil {
		v.InForce = &t.ID
	}
	return v, err
}

// Tables is GET /api/v1/talent/tables: public.
func (a *API) Tables(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (TablesView, error) {
		return a.S.tablesView(r)
	})
}

// GetTable is GET /api/v1/talent/tables/{id}: public.
func (a *API) GetTable(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(_ *auth.Principal, id int64, _ httpx.NoBody) (Table, error) {
		return a.S.Table(r.Context(), id)
	})
}

// AddedTable is a new version with the re-scoring it caused.
type AddedTable struct {
	Table   Table         `json:"table"`
	Rescore RescoreResult `json:"rescore"`
}

// AddTable is POST /api/v1/talent/tables: administrators.
func (a *API) AddTable(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in TableInput) (AddedTable, error) {
		t, res, err := a.S.AddTable(r.Context(), p, in)
		return AddedTable{t, res}, err
	})
}

// RescoreInput asks for a re-scoring as of a day ("" : each application's
// own date).
type RescoreInput struct {
	AsOf string `json:"as_of"`
}

// Rescore is POST /api/v1/talent/rescore: administrators.
func (a *API) Rescore(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in RescoreInput) (RescoreResult, error) {
		return a.S.Rescore(r.Context(), p, in.AsOf)
	})
}

// List is GET /api/v1/talent/applications (state, mine=1).
func (a *API) List(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ls, err := a.S.List(r.Context(), p, Query{State: r.URL.Query().Get("state"), Mine: r.URL.Query().Get("mine") == "1"})
		return map[string]any{"items": ls}, err
	})
}

// Create is POST /api/v1/talent/applications.
func (a *API) Create(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in ApplicationInput) (Application, error) {
		return a.S.Create(r.Context(), p, in)
	})
}

// View is an application with the actions open to the caller and its
// history.
type View struct {
	Application
	Actions []workflow.Option `json:"actions"`
	History []workflow.Record `json:"history"`
}

func (s *Service) View(r *http.Request, p *auth.Principal, id int64) (View, error) {
	app, err := s.Get(r.Context(), p, id)
	if err != nil {
		return View{}, err
	}
	v := View{Application: app}
	if v.Actions, err = s.Options(r.Context(), p, &app); err != nil {
		return v, err
	}
	v.History, err = s.History(r.Context(), id)
	return v, err
}

// Get is GET /api/v1/talent/applications/{id}.
func (a *API) Get(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (View, error) {
		return a.S.View(r, p, id)
	})
}

// Update is PUT /api/v1/talent/applications/{id}.
func (a *API) Update(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ApplicationInput) (Application, error) {
		return a.S.Update(r.Context(), p, id, in)
	})
}

// Act is POST /api/v1/talent/applications/{id}/actions.
func (a *API) Act(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ActInput) (Application, error) {
		return a.S.Act(r.Context(), p, id, in)
	})
}

// Score is GET /api/v1/talent/applications/{id}/score?as_of=: the
// item-by-item score with the table in force that day (default today),
// written nowhere.
func (a *API) Score(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Score, error) {
		day := r.URL.Query().Get("as_of")
		if day == "" {
			day = a.S.today().Format("2006-01-02")
		}
		return a.S.ScoreAsOf(r.Context(), p, id, day)
	})
}

// ResidenceInput moves the residence step.
type ResidenceInput struct {
	State string `json:"state"`
}

// Residence is POST /api/v1/talent/applications/{id}/residence.
func (a *API) Residence(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ResidenceInput) (Application, error) {
		return a.S.SetResidence(r.Context(), p, id, in.State)
	})
}

// Renew is POST /api/v1/talent/permits/{id}/renew.
func (a *API) Renew(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, _ httpx.NoBody) (Application, error) {
		return a.S.Renew(r.Context(), p, id)
	})
}

// Permits is GET /api/v1/talent/permits: the caller's own permits and
// those of the organizations the caller belongs to.
func (a *API) Permits(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ps, err := a.S.MyPermits(r.Context(), p)
		return map[string]any{"items": ps}, err
	})
}

// Report is GET /api/v1/talent/report?months=: public aggregate counts.
func (a *API) Report(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (Report, error) {
		months := 0
		if s := r.URL.Query().Get("months"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return Report{}, apperr.Field("months", "must be a whole number")
			}
			months = n
		}
		return a.S.Report(r.Context(), months)
	})
}

// Upload is POST /api/v1/talent/applications/{id}/documents:
// multipart/form-data with a part "file" and a field "document" naming
// the checklist item.
func (a *API) Upload(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := a.S.CanAttach(r.Context(), auth.From(r.Context()), id); err != nil {
		httpx.Error(w, r, err)
		return
	}
	item, name, data, err := programs.ReadUpload(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	d, err := a.S.AddDocument(r.Context(), auth.From(r.Context()), id, item, name, data)
	httpx.Reply(w, r, http.StatusCreated, d, err)
}

// Download is GET /api/v1/talent/applications/{id}/documents/{doc}: the
// bytes as an attachment.
func (a *API) Download(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	did, err := httpx.PathID(r, "doc")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	d, data, err := a.S.DocumentContent(r.Context(), auth.From(r.Context()), id, did)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	programs.ServeFile(w, programs.File{Name: d.Name, ContentType: d.ContentType}, data)
}
