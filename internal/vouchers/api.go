package vouchers

import (
	"net/http"

	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// API serves the module's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

// Programs is GET /api/v1/voucher-programs: public.
func (a *API) Programs(w http.ResponseWriter, r *http.Request) {
	ps, err := a.S.Programs(r.Context(), auth.From(r.Context()))
	httpx.Reply(w, r, http.StatusOK, map[string]any{"items": ps}, err)
}

// GetProgram is GET /api/v1/voucher-programs/{id}: public unless draft.
func (a *API) GetProgram(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	p, err := a.S.Program(r.Context(), auth.From(r.Context()), id)
	httpx.Reply(w, r, http.StatusOK, p, err)
}

// CreateProgram is POST /api/v1/voucher-programs.
func (a *API) CreateProgram(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in ProgramInput) (Program, error) {
		return a.S.SaveProgram(r.Context(), p, 0, in)
	})
}

// PutProgram is PUT /api/v1/voucher-programs/{id}.
func (a *API) PutProgram(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ProgramInput) (Program, error) {
		return a.S.SaveProgram(r.Context(), p, id, in)
	})
}

// SetStatus is POST /api/v1/voucher-programs/{id}/open and /close.
func (a *API) SetStatus(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Program, error) {
			return a.S.SetStatus(r.Context(), p, id, status)
		})
	}
}

// IssueAll is POST /api/v1/voucher-programs/{id}/issue.
func (a *API) IssueAll(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (IssueResult, error) {
		return a.S.IssueAll(r.Context(), p, id)
	})
}

// ApplyInput names the applying organization.
type ApplyInput struct {
	OrgID int64 `json:"org_id"`
}

// Apply is POST /api/v1/voucher-programs/{id}/apply.
func (a *API) Apply(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusCreated, func(p *auth.Principal, id int64, in ApplyInput) (Voucher, error) {
		return a.S.Apply(r.Context(), p, id, in.OrgID)
	})
}

// Report is GET /api/v1/voucher-programs/{id}/report.
func (a *API) Report(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Report, error) {
		return a.S.Report(r.Context(), p, id)
	})
}

// Vouchers is GET /api/v1/vouchers.
func (a *API) Vouchers(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		vs, err := a.S.Vouchers(r.Context(), p)
		return map[string]any{"items": vs}, err
	})
}

// GetVoucher is GET /api/v1/vouchers/{id}.
func (a *API) GetVoucher(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Voucher, error) {
		return a.S.Voucher(r.Context(), p, id)
	})
}

// Quote is POST /api/v1/vouchers/{id}/quote: the split, nothing written.
func (a *API) Quote(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in RedeemInput) (Split, error) {
		return a.S.Quote(r.Context(), p, id, in)
	})
}

// Redeem is POST /api/v1/vouchers/{id}/redeem with an Idempotency-Key
// header: 201 the first time, 200 with the same redemption on a retry.
func (a *API) Redeem(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	var id int64
	if err == nil {
		id, err = httpx.PathID(r, "id")
	}
	var in RedeemInput
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	red, err := a.S.Redeem(r.Context(), p, id, r.Header.Get("Idempotency-Key"), in)
	status := http.StatusCreated
	if red.Replayed {
		status = http.StatusOK
	}
	httpx.Reply(w, r, status, red, err)
}

// Providers is GET /api/v1/voucher-providers: public.
func (a *API) Providers(w http.ResponseWriter, r *http.Request) {
	ps, err := a.S.Providers(r.Context())
	httpx.Reply(w, r, http.StatusOK, map[string]any{"items": ps}, err)
}

// PutProvider is PUT /api/v1/voucher-providers/{id}.
func (a *API) PutProvider(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ProviderInput) (Provider, error) {
		return a.S.SaveProvider(r.Context(), p, id, in)
	})
}

// Statement is GET /api/v1/voucher-providers/{id}/statement (month).
func (a *API) Statement(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Statement, error) {
		return a.S.ProviderStatement(r.Context(), p, id, r.URL.Query().Get("month"))
	})
}

// SettleInput names the month to settle.
type SettleInput struct {
	Month string `json:"month"`
}

// Settle is POST /api/v1/voucher-settlements.
func (a *API) Settle(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in SettleInput) (map[string]any, error) {
		ss, err := a.S.Settle(r.Context(), p, in.Month)
		return map[string]any{"items": ss}, err
	})
}
