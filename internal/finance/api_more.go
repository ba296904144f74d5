package finance

import (
	"net/http"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// Schemes is GET /api/v1/finance/subsidy-schemes: public.
func (a *API) Schemes(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		xs, err := a.S.Schemes(r.Context())
		return map[string]any{"items": xs}, err
	})
}

// GetScheme is GET /api/v1/finance/subsidy-schemes/{id}: public.
func (a *API) GetScheme(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(_ *auth.Principal, id int64, _ httpx.NoBody) (Scheme, error) { return a.S.Scheme(r.Context(), id) })
}

// CreateScheme is POST /api/v1/finance/subsidy-schemes.
func (a *API) CreateScheme(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in SchemeInput) (Scheme, error) {
		return a.S.SaveScheme(r.Context(), p, 0, in)
	})
}

// PutScheme is PUT /api/v1/finance/subsidy-schemes/{id}.
func (a *API) PutScheme(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in SchemeInput) (Scheme, error) {
		return a.S.SaveScheme(r.Context(), p, id, in)
	})
}

// QuarterInput names a quarter.
type QuarterInput struct {
	Quarter string `json:"quarter"`
}

// RunQuarter is POST /api/v1/finance/subsidy-schemes/{id}/quarter-end.
func (a *API) RunQuarter(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in QuarterInput) (QuarterRun, error) {
		return a.S.RunQuarter(r.Context(), p, id, in.Quarter)
	})
}

// QuarterRuns is GET /api/v1/finance/subsidy-schemes/{id}/quarter-ends:
// the scheme's recorded quarter-end runs, by officers and the schedule.
func (a *API) QuarterRuns(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (map[string]any, error) {
		runs, err := a.S.QuarterRuns(r.Context(), p, id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"items": runs, "due_quarter": DueQuarter(a.S.today()), "grace_days": QuarterEndGrace}, nil
	})
}

// SubsidyClaims is GET /api/v1/finance/subsidy-claims (state, scheme_id).
func (a *API) SubsidyClaims(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		q := SubsidyQuery{State: r.URL.Query().Get("state")}
		if v := r.URL.Query().Get("scheme_id"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return nil, apperr.Field("scheme_id", "must be a scheme id")
			}
			q.SchemeID = n
		}
		xs, err := a.S.SubsidyClaims(r.Context(), p, q)
		return map[string]any{"items": xs}, err
	})
}

// ClaimSubsidy is POST /api/v1/finance/subsidy-claims.
func (a *API) ClaimSubsidy(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in SubsidyClaimInput) (SubsidyClaim, error) {
		return a.S.ClaimSubsidy(r.Context(), p, in)
	})
}

// GetSubsidyClaim is GET /api/v1/finance/subsidy-claims/{id}.
func (a *API) GetSubsidyClaim(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (SubsidyClaim, error) {
		return a.S.SubsidyClaim(r.Context(), p, id)
	})
}

// ActSubsidyClaim is POST /api/v1/finance/subsidy-claims/{id}/actions.
func (a *API) ActSubsidyClaim(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ActionInput) (SubsidyClaim, error) {
		return a.S.ActSubsidy(r.Context(), p, id, in.Action, in.Comment)
	})
}

// BulkInput is one action on many claims.
type BulkInput struct {
	IDs     []int64 `json:"ids"`
	Action  string  `json:"action"`
	Comment string  `json:"comment"`
}

// BulkSubsidyClaims is POST /api/v1/finance/subsidy-claims/bulk.
func (a *API) BulkSubsidyClaims(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in BulkInput) (map[string]any, error) {
		rs, err := a.S.BulkSubsidies(r.Context(), p, in.IDs, in.Action, in.Comment)
		return map[string]any{"items": rs}, err
	})
}

// Investors is GET /api/v1/finance/investors (kind): public.
func (a *API) Investors(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		xs, err := a.S.Investors(r.Context(), p, InvestorQuery{Kind: r.URL.Query().Get("kind")})
		return map[string]any{"items": xs}, err
	})
}

// GetInvestor is GET /api/v1/finance/investors/{id}.
func (a *API) GetInvestor(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Investor, error) {
		return a.S.Investor(r.Context(), p, id)
	})
}

// CreateInvestor is POST /api/v1/finance/investors.
func (a *API) CreateInvestor(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in InvestorInput) (Investor, error) {
		return a.S.SaveInvestor(r.Context(), p, 0, in)
	})
}

// PutInvestor is PUT /api/v1/finance/investors/{id}.
func (a *API) PutInvestor(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in InvestorInput) (Investor, error) {
		return a.S.SaveInvestor(r.Context(), p, id, in)
	})
}

// InvestorMatches is GET /api/v1/finance/investors/{id}/matches.
func (a *API) InvestorMatches(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (map[string]any, error) {
		ms, err := a.S.InvestorMatches(r.Context(), p, id)
		return map[string]any{"items": ms}, err
	})
}

// Commitments is GET /api/v1/finance/investors/{id}/commitments: public.
func (a *API) Commitments(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Commitments, error) {
		return a.S.FundCommitments(r.Context(), p, id)
	})
}

// Commit is POST /api/v1/finance/investors/{id}/commitments.
func (a *API) Commit(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in CommitmentInput) (Commitment, error) {
		return a.S.Commit(r.Context(), p, id, in)
	})
}

// Call is POST /api/v1/finance/commitments/{id}/calls.
func (a *API) Call(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in CallInput) (Commitment, error) {
		return a.S.Call(r.Context(), p, id, in)
	})
}

// GetProfile is GET /api/v1/finance/profiles/{id} (an organization's id).
func (a *API) GetProfile(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Profile, error) {
		return a.S.Profile(r.Context(), p, id)
	})
}

// PutProfile is PUT /api/v1/finance/profiles/{id}: opt in.
func (a *API) PutProfile(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ProfileInput) (Profile, error) {
		return a.S.OptIn(r.Context(), p, id, in)
	})
}

// WithdrawProfile is POST /api/v1/finance/profiles/{id}/withdraw.
func (a *API) WithdrawProfile(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Profile, error) {
		return a.S.OptOut(r.Context(), p, id)
	})
}

// ProfileMatches is GET /api/v1/finance/profiles/{id}/matches.
func (a *API) ProfileMatches(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (map[string]any, error) {
		ms, err := a.S.EnterpriseMatches(r.Context(), p, id)
		return map[string]any{"items": ms}, err
	})
}

// Meetings is GET /api/v1/finance/meetings.
func (a *API) Meetings(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ms, err := a.S.Meetings(r.Context(), p)
		return map[string]any{"items": ms}, err
	})
}

// RequestMeeting is POST /api/v1/finance/meetings.
func (a *API) RequestMeeting(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in MeetingInput) (Meeting, error) {
		return a.S.RequestMeeting(r.Context(), p, in)
	})
}

// GetMeeting is GET /api/v1/finance/meetings/{id}.
func (a *API) GetMeeting(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Meeting, error) {
		return a.S.Meeting(r.Context(), p, id)
	})
}

// ActMeeting is POST /api/v1/finance/meetings/{id}/actions.
func (a *API) ActMeeting(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in MeetingAction) (Meeting, error) {
		return a.S.ActMeeting(r.Context(), p, id, in)
	})
}

// Roadshows is GET /api/v1/finance/roadshows: public.
func (a *API) Roadshows(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		xs, err := a.S.Roadshows(r.Context())
		return map[string]any{"items": xs}, err
	})
}

// CreateRoadshow is POST /api/v1/finance/roadshows.
func (a *API) CreateRoadshow(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in RoadshowInput) (Roadshow, error) {
		return a.S.CreateRoadshow(r.Context(), p, in)
	})
}

// GetRoadshow is GET /api/v1/finance/roadshows/{id}: public.
func (a *API) GetRoadshow(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Roadshow, error) {
		return a.S.Roadshow(r.Context(), p, id)
	})
}

// Present is POST /api/v1/finance/roadshows/{id}/presenters.
func (a *API) Present(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in PresentInput) (Roadshow, error) {
		return a.S.Present(r.Context(), p, id, in)
	})
}

// MarkInterest is POST /api/v1/finance/roadshows/{id}/interests.
func (a *API) MarkInterest(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in InterestInput) (Roadshow, error) {
		return a.S.MarkInterest(r.Context(), p, id, in)
	})
}
