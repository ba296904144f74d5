package finance

import (
	"net/http"

	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// API serves the module's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

// Products is GET /api/v1/loan-products: public.
func (a *API) Products(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ps, err := a.S.Products(r.Context(), p)
		return map[string]any{"items": ps}, err
	})
}

// GetProduct is GET /api/v1/loan-products/{id}.
func (a *API) GetProduct(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Product, error) {
		return a.S.Product(r.Context(), p, id)
	})
}

// CreateProduct is POST /api/v1/loan-products.
func (a *API) CreateProduct(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in ProductInput) (Product, error) {
		return a.S.SaveProduct(r.Context(), p, 0, in)
	})
}

// PutProduct is PUT /api/v1/loan-products/{id}.
func (a *API) PutProduct(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ProductInput) (Product, error) {
		return a.S.SaveProduct(r.Context(), p, id, in)
	})
}

// Loans is GET /api/v1/loans (state).
func (a *API) Loans(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ls, err := a.S.LoanList(r.Context(), p, LoanQuery{State: r.URL.Query().Get("state")})
		return map[string]any{"items": ls}, err
	})
}

// Apply is POST /api/v1/loans.
func (a *API) Apply(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in LoanInput) (Loan, error) { return a.S.Apply(r.Context(), p, in) })
}

// GetLoan is GET /api/v1/loans/{id}: with the actions open to the caller
// and the history.
func (a *API) GetLoan(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (LoanView, error) {
		return a.S.View(r.Context(), p, id)
	})
}

// ActionInput is a workflow action with its comment.
type ActionInput struct {
	Action  string `json:"action"`
	Comment string `json:"comment"`
}

// ActLoan is POST /api/v1/loans/{id}/actions.
func (a *API) ActLoan(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ActionInput) (Loan, error) {
		return a.S.Act(r.Context(), p, id, in.Action, in.Comment)
	})
}

// RepayInput is a repayment.
type RepayInput struct {
	AmountFen int64  `json:"amount_fen"`
	PaidOn    string `json:"paid_on"`
}

// Repay is POST /api/v1/loans/{id}/repayments.
func (a *API) Repay(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in RepayInput) (Loan, error) {
		return a.S.Repay(r.Context(), p, id, in.AmountFen, in.PaidOn)
	})
}

// Shared is GET /api/v1/loans/{id}/shared: the bank's logged read.
func (a *API) Shared(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Shared, error) {
		return a.S.SharedData(r.Context(), p, id)
	})
}

// WithdrawConsent is POST /api/v1/loans/{id}/consent/withdraw.
func (a *API) WithdrawConsent(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (Loan, error) {
		return a.S.WithdrawConsent(r.Context(), p, id)
	})
}

// Pools is GET /api/v1/risk-pools: public.
func (a *API) Pools(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ps, err := a.S.Pools(r.Context())
		return map[string]any{"items": ps}, err
	})
}

// GetPool is GET /api/v1/risk-pools/{id}: public.
func (a *API) GetPool(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, true, http.StatusOK, func(_ *auth.Principal, id int64, _ httpx.NoBody) (Pool, error) { return a.S.Pool(r.Context(), id) })
}

// CreatePool is POST /api/v1/risk-pools.
func (a *API) CreatePool(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in PoolInput) (Pool, error) {
		return a.S.SavePool(r.Context(), p, 0, in)
	})
}

// PutPool is PUT /api/v1/risk-pools/{id}.
func (a *API) PutPool(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in PoolInput) (Pool, error) {
		return a.S.SavePool(r.Context(), p, id, in)
	})
}

// Claims is GET /api/v1/risk-pools/{id}/claims.
func (a *API) Claims(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, _ httpx.NoBody) (map[string]any, error) {
		cs, err := a.S.ClaimList(r.Context(), p, id)
		return map[string]any{"items": cs}, err
	})
}

// ClaimInput names the defaulted loan.
type ClaimInput struct {
	LoanID int64 `json:"loan_id"`
}

// FileClaim is POST /api/v1/pool-claims.
func (a *API) FileClaim(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusCreated, func(p *auth.Principal, _ int64, in ClaimInput) (Claim, error) {
		return a.S.FileClaim(r.Context(), p, in.LoanID)
	})
}

// ActClaim is POST /api/v1/pool-claims/{id}/actions.
func (a *API) ActClaim(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, true, http.StatusOK, func(p *auth.Principal, id int64, in ActionInput) (Claim, error) {
		return a.S.ActClaim(r.Context(), p, id, in.Action, in.Comment)
	})
}

// Report is GET /api/v1/finance/report: public aggregates.
func (a *API) Report(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (Report, error) { return a.S.Report(r.Context()) })
}
