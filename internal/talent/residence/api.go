package residence

import (
	"net/http"

	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/rules"
)

// API serves the module's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

// facts reads the self-check's facts from the body; a signed-in talent's
// known facts fill what the body leaves out.
func (a *API) facts(w http.ResponseWriter, r *http.Request, p *auth.Principal) (Facts, error) {
	var m map[string]any
	if err := httpx.Decode(w, r, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	f, err := CheckFacts(m, a.S.Today())
	if err != nil || p == nil {
		return f, err
	}
	known, err := a.S.Prefill(r.Context(), p)
	if err != nil {
		return nil, err
	}
	for k, v := range known {
		if _, given := f[k]; !given {
			f[k] = v
		}
	}
	return f, nil
}

// Evaluate is POST /api/v1/talent/residence/evaluate: the permanent-
// residence self-check; no account needed and nothing stored.
func (a *API) Evaluate(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	f, err := a.facts(w, r, p)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	c, err := CheckResidence(f, a.S.Today())
	httpx.Reply(w, r, http.StatusOK, c, err)
}

// Prefill is GET /api/v1/talent/residence/prefill: what the platform knows
// of the signed-in talent.
func (a *API) Prefill(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (Facts, error) {
		return a.S.Prefill(r.Context(), p)
	})
}

// ProgramView is a program with its rule set's criteria and parameters in
// force.
type ProgramView struct {
	Program
	Reference  string                `json:"reference"`
	Criteria   []rules.CriterionSpec `json:"criteria"`
	Parameters map[string]any        `json:"parameters"`
}

func (a *API) view(p Program) (ProgramView, error) {
	sp := p.Rules.Spec()
	params, err := p.Rules.ParamValues(a.S.Today())
	return ProgramView{Program: p, Reference: sp.Reference, Criteria: sp.Criteria, Parameters: params}, err
}

// Programs is GET /api/v1/talent/programs: public.
func (a *API) Programs(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		out := []ProgramView{}
		for _, p := range Programs {
			v, err := a.view(p)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return map[string]any{"items": out}, nil
	})
}

// Program is GET /api/v1/talent/programs/{slug}: public.
func (a *API) Program(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (ProgramView, error) {
		p, err := ProgramBySlug(r.PathValue("slug"))
		if err != nil {
			return ProgramView{}, err
		}
		return a.view(p)
	})
}

// EvaluateProgram is POST /api/v1/talent/programs/{slug}/evaluate: the
// program's self-check; nothing stored.
func (a *API) EvaluateProgram(w http.ResponseWriter, r *http.Request) {
	prog, err := ProgramBySlug(r.PathValue("slug"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := a.facts(w, r, auth.From(r.Context()))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := Evaluate(prog.Rules, f, a.S.Today())
	httpx.Reply(w, r, http.StatusOK, res, err)
}

// Apply is POST /api/v1/talent/programs/{slug}/applications.
func (a *API) Apply(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in ApplyInput) (Application, error) {
		return a.S.Apply(r.Context(), p, r.PathValue("slug"), in)
	})
}

// Applications is GET /api/v1/talent/program-applications (state,
// program).
func (a *API) Applications(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		q := r.URL.Query()
		as, err := a.S.Applications(r.Context(), p, Query{State: q.Get("state"), Program: q.Get("program")})
		return map[string]any{"items": as}, err
	})
}

// Application is GET /api/v1/talent/program-applications/{id}.
func (a *API) Application(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (View, error) {
		return a.S.View(r.Context(), p, id)
	})
}

// ActionInput is a workflow action with its comment.
type ActionInput struct {
	Action  string `json:"action"`
	Comment string `json:"comment"`
}

// Act is POST /api/v1/talent/program-applications/{id}/actions.
func (a *API) Act(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ActionInput) (Application, error) {
		return a.S.Act(r.Context(), p, id, in.Action, in.Comment)
	})
}
