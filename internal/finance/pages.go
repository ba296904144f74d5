package finance

import (
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/ui"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the module's page templates.
func Templates() fs.FS { return ui.Templates(templateFS) }

// Pages serves the module's HTML pages.
type Pages struct {
	S  *Service
	UI *ui.Renderer
}

func formInt(f url.Values, name string) (int64, error) {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, apperr.Field(name, "must be a whole number")
	}
	return n, nil
}

type homeData struct {
	Products []Product
	Report   Report
	// Districts names the districts' slugs in the page's language.
	Districts map[string]string
	// Borrow are the user's organizations that may apply; Banks those it
	// publishes products for; Agencies those it may run pools for.
	Borrow, Banks, Agencies []auth.Membership
	Scopes                  []string
}

// Home is GET /finance: products, pools and the public figures, with the
// forms each role uses.
func (pg *Pages) Home(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	ps, err := pg.S.Products(r.Context(), p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	rep, err := pg.S.Report(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := homeData{Products: ps, Report: rep, Scopes: Scopes, Districts: map[string]string{}}
	ds, err := pg.S.Registry.Districts(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	for _, x := range ds {
		d.Districts[x.Slug] = x.NameZh
		if ui.Lang(r.Context()) == "en" {
			d.Districts[x.Slug] = x.NameEn
		}
	}
	if p != nil {
		for _, m := range p.Memberships {
			switch {
			case m.OrgKind == "bank":
				d.Banks = append(d.Banks, m)
			case m.OrgKind == "agency" && p.IsOfficer():
				d.Agencies = append(d.Agencies, m)
			default:
				d.Borrow = append(d.Borrow, m)
			}
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_home", ui.NewPage(r, "finance.title", d))
}

// Apply is POST /loans.
func (pg *Pages) Apply(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := LoanInput{Purpose: f.Get("purpose"), Scopes: f["consent_scopes"]}
	var err error
	var months int64
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"product_id", &in.ProductID}, {"org_id", &in.OrgID}, {"amount_yuan", &in.AmountYuan}, {"months", &months}} {
		if *x.dst, err = formInt(f, x.name); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	in.Months = int(months)
	for i, s := range strings.FieldsFunc(f.Get("pledge_asset_ids"), func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field("pledge_asset_ids["+strconv.Itoa(i)+"]", "must be an asset id"))
			return
		}
		in.AssetIDs = append(in.AssetIDs, n)
	}
	l, err := pg.S.Apply(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/loans/"+strconv.FormatInt(l.ID, 10)+"?flash=flash.loan_applied", http.StatusSeeOther)
}

// SaveProduct is POST /loan-products.
func (pg *Pages) SaveProduct(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := ProductInput{NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), DescriptionZh: f.Get("description_zh"), DescriptionEn: f.Get("description_en"),
		Eligibility: f.Get("eligibility"), CollateralFree: f.Get("collateral_free") != "", IPPledge: f.Get("ip_pledge") != ""}
	var err error
	var minM, maxM, pool int64
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"bank_org_id", &in.BankOrgID}, {"min_yuan", &in.MinYuan}, {"max_yuan", &in.MaxYuan}, {"min_months", &minM}, {"max_months", &maxM}, {"pool_id", &pool}} {
		if *x.dst, err = formInt(f, x.name); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	in.MinMonths, in.MaxMonths = int(minM), int(maxM)
	if pool > 0 {
		in.PoolID = &pool
	}
	if in.RatePct, err = strconv.ParseFloat(strings.TrimSpace(f.Get("rate_pct")), 64); err != nil {
		pg.UI.Error(w, r, apperr.Field("rate_pct", "must be a percentage"))
		return
	}
	if _, err := pg.S.SaveProduct(r.Context(), auth.From(r.Context()), 0, in); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/finance?flash=flash.finance_saved", http.StatusSeeOther)
}

// SavePool is POST /risk-pools.
func (pg *Pages) SavePool(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := PoolInput{Slug: f.Get("slug"), NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), Eligibility: f.Get("eligibility"), SharesPct: map[string]float64{}}
	var err error
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"owner_org_id", &in.OwnerOrgID}, {"per_loan_cap_yuan", &in.PerLoanCapYuan}, {"capital_yuan", &in.CapitalYuan}} {
		if *x.dst, err = formInt(f, x.name); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	for _, party := range Parties {
		if s := strings.TrimSpace(f.Get("share_" + party)); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				pg.UI.Error(w, r, apperr.Field("shares_pct."+party, "must be a percentage"))
				return
			}
			in.SharesPct[party] = v
		}
	}
	pool, err := pg.S.SavePool(r.Context(), auth.From(r.Context()), 0, in)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/risk-pools/"+strconv.FormatInt(pool.ID, 10)+"?flash=flash.finance_saved", http.StatusSeeOther)
}

type loansData struct {
	Loans  []Loan
	State  string
	States []string
}

// Loans is GET /loans: the loans of the user's organizations, as
// borrower or bank.
func (pg *Pages) Loans(w http.ResponseWriter, r *http.Request) {
	st := r.URL.Query().Get("state")
	ls, err := pg.S.LoanList(r.Context(), auth.From(r.Context()), LoanQuery{State: st})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_loans", ui.NewPage(r, "finance.loans",
		loansData{Loans: ls, State: st, States: []string{Received, DueDiligence, Approved, Declined, Withdrawn, Disbursed, Repaid, Defaulted}}))
}

type loanData struct {
	LoanView
	Bank, Borrower bool
	Claim          *Claim
	Pooled         bool
}

// Loan is GET /loans/{id}.
func (pg *Pages) Loan(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	v, err := pg.S.View(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := loanData{LoanView: v, Bank: banker(p, v.BankOrgID), Borrower: p.IsAdmin() || p.RoleIn(v.OrgID) != ""}
	var cid int64
	if err := pg.S.DB.Read.QueryRowContext(r.Context(), `SELECT id FROM pool_claims WHERE loan_id = $1`, id).Scan(&cid); err == nil {
		c, err := loadClaim(r.Context(), pg.S.DB.Read, cid)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Claim = &c
	}
	if prod, err := loadProduct(r.Context(), pg.S.DB.Read, v.ProductID); err == nil {
		d.Pooled = prod.PoolID != nil
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_loan", ui.NewPage(r, "finance.loan", d))
}

// Act is POST /loans/{id}/act.
func (pg *Pages) Act(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	if _, err := pg.S.Act(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("action"), r.PostForm.Get("comment")); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/loans/"+strconv.FormatInt(id, 10)+"?flash=flash.finance_saved", http.StatusSeeOther)
}

// Repay is POST /loans/{id}/repayments: an amount in yuan with up to two
// decimals.
func (pg *Pages) Repay(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	s := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("amount_yuan"), ",", ""))
	whole, frac, _ := strings.Cut(s, ".")
	wn, err1 := strconv.ParseInt(whole, 10, 64)
	fn, err2 := strconv.ParseInt((frac + "00")[:2], 10, 64)
	if err1 != nil || err2 != nil || len(frac) > 2 || wn < 0 || fn < 0 {
		pg.UI.Error(w, r, apperr.Field("amount_yuan", "must be an amount in yuan with at most two decimals"))
		return
	}
	if _, err := pg.S.Repay(r.Context(), auth.From(r.Context()), id, wn*100+fn, r.PostForm.Get("paid_on")); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/loans/"+strconv.FormatInt(id, 10)+"?flash=flash.loan_repaid", http.StatusSeeOther)
}

// WithdrawConsent is POST /loans/{id}/consent/withdraw.
func (pg *Pages) WithdrawConsent(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	if _, err := pg.S.WithdrawConsent(r.Context(), auth.From(r.Context()), id); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/loans/"+strconv.FormatInt(id, 10)+"?flash=flash.consent_withdrawn", http.StatusSeeOther)
}

// Shared is GET /loans/{id}/shared: the bank reads what the borrower
// shares (logged).
func (pg *Pages) Shared(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	sh, err := pg.S.SharedData(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_shared", ui.NewPage(r, "finance.shared", map[string]any{"ID": id, "S": sh}))
}

// FileClaim is POST /loans/{id}/claim: the bank claims on the pool.
func (pg *Pages) FileClaim(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	if _, err := pg.S.FileClaim(r.Context(), auth.From(r.Context()), id); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/loans/"+strconv.FormatInt(id, 10)+"?flash=flash.claim_filed", http.StatusSeeOther)
}

type poolData struct {
	Pool    Pool
	Claims  []Claim
	Officer bool
	Parties []string
}

// Pool is GET /risk-pools/{id}: the terms, the balances and the claims.
func (pg *Pages) Pool(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	pool, err := pg.S.Pool(r.Context(), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := poolData{Pool: pool, Officer: runs(p, pool.OwnerOrgID), Parties: Parties}
	if p != nil {
		if d.Claims, err = pg.S.ClaimList(r.Context(), p, id); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_pool", ui.NewPage(r, "finance.pool", d))
}

// ActClaim is POST /pool-claims/{id}/act.
func (pg *Pages) ActClaim(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	c, err := pg.S.ActClaim(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("action"), r.PostForm.Get("comment"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/risk-pools/"+strconv.FormatInt(c.PoolID, 10)+"?flash=flash.finance_saved", http.StatusSeeOther)
}
