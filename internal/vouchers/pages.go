package vouchers

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
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

func (pg *Pages) redirect(w http.ResponseWriter, r *http.Request, path, flash string) {
	http.Redirect(w, r, path+"?flash="+flash, http.StatusSeeOther)
}

// ParseFen reads an amount in yuan with at most two decimals ("1280",
// "1,280.50", "¥99.9") as fen, naming field when it cannot.
func ParseFen(field, s string) (int64, error) {
	s = strings.TrimSpace(strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "").Replace(s))
	whole, frac, dot := strings.Cut(s, ".")
	bad := apperr.Field(field, "must be an amount in yuan with at most two decimals")
	if whole == "" || len(whole) > 12 || len(frac) > 2 || (dot && frac == "") {
		return 0, bad
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	return w*100 + f, nil
}

type homeData struct {
	Vouchers []Voucher
	Programs []Program
	Orgs     []auth.Membership
	Manager  bool
	// Checkout carries an order to pay (provider_org_id, order_ref,
	// order_yuan), as another module's page links here, to the voucher
	// chosen.
	Checkout string
}

// checkout keeps the order parameters of a query.
func checkout(v url.Values) string {
	out := url.Values{}
	for _, k := range []string{"provider_org_id", "order_ref", "order_yuan"} {
		if s := v.Get(k); s != "" {
			out.Set(k, s)
		}
	}
	return out.Encode()
}

// Home is GET /vouchers: the user's vouchers and the open programs.
func (pg *Pages) Home(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	d := homeData{Checkout: checkout(r.URL.Query())}
	var err error
	if p != nil {
		if d.Vouchers, err = pg.S.Vouchers(r.Context(), p); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Orgs, d.Manager = p.Memberships, p.IsAdmin() || p.IsOfficer()
	}
	if d.Programs, err = pg.S.Programs(r.Context(), p); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "vouchers_home", ui.NewPage(r, "voucher.title", d))
}

// Apply is POST /voucher-programs/{id}/apply.
func (pg *Pages) Apply(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	org, _ := strconv.ParseInt(r.PostForm.Get("org_id"), 10, 64)
	v, err := pg.S.Apply(r.Context(), auth.From(r.Context()), id, org)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.redirect(w, r, "/vouchers/"+strconv.FormatInt(v.ID, 10), "flash.voucher_issued")
}

type voucherData struct {
	V         Voucher
	Providers []Provider
	Holder    bool
	// Quote is the split of the order in the form, with the key that
	// makes the redemption idempotent.
	Quote *Split
	In    RedeemInput
	Key   string
}

func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "web-" + hex.EncodeToString(b)
}

// Voucher is GET /vouchers/{id}: balance, redemptions and the checkout.
func (pg *Pages) Voucher(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	// An order brought from another page fills the checkout form.
	q := r.URL.Query()
	in := RedeemInput{OrderRef: q.Get("order_ref")}
	in.ProviderOrgID, _ = strconv.ParseInt(q.Get("provider_org_id"), 10, 64)
	if s := q.Get("order_yuan"); s != "" {
		in.OrderFen, _ = ParseFen("order_yuan", s)
	}
	pg.voucher(w, r, id, nil, in, "")
}

func (pg *Pages) voucher(w http.ResponseWriter, r *http.Request, id int64, q *Split, in RedeemInput, key string) {
	p := auth.From(r.Context())
	v, err := pg.S.Voucher(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ps, err := pg.S.Providers(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := voucherData{V: v, Providers: ps, Holder: p.IsAdmin() || p.RoleIn(v.OrgID) != "", Quote: q, In: in, Key: key}
	pg.UI.Render(w, r, http.StatusOK, "vouchers_voucher", ui.NewPage(r, "voucher.voucher", d))
}

func redeemForm(f url.Values) (RedeemInput, error) {
	in := RedeemInput{OrderRef: f.Get("order_ref")}
	in.ProviderOrgID, _ = strconv.ParseInt(f.Get("provider_org_id"), 10, 64)
	var err error
	if in.OrderFen, err = ParseFen("order_yuan", f.Get("order_yuan")); err != nil {
		return in, err
	}
	if s := strings.TrimSpace(f.Get("voucher_yuan")); s != "" {
		v, err := ParseFen("voucher_yuan", s)
		if err != nil {
			return in, err
		}
		in.VoucherFen = &v
	}
	return in, nil
}

// Quote is POST /vouchers/{id}/quote: the checkout's split, to confirm.
func (pg *Pages) Quote(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	in, err := redeemForm(r.PostForm)
	var sp Split
	if err == nil {
		sp, err = pg.S.Quote(r.Context(), auth.From(r.Context()), id, in)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.voucher(w, r, id, &sp, in, newKey())
}

// Redeem is POST /vouchers/{id}/redeem: pays the confirmed order; the
// form's key makes a double submission spend once.
func (pg *Pages) Redeem(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	in, err := redeemForm(r.PostForm)
	if err == nil {
		_, err = pg.S.Redeem(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("key"), in)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.redirect(w, r, "/vouchers/"+strconv.FormatInt(id, 10), "flash.voucher_redeemed")
}

type programsData struct {
	Programs   []Program
	Orgs       []auth.Membership
	Categories []string
	Regions    []string
}

// Programs is GET /voucher-programs: the officers' list and the form to
// create a program.
func (pg *Pages) Programs(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	if p == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	if !p.IsAdmin() && !p.IsOfficer() {
		pg.UI.Error(w, r, apperr.New(apperr.Forbidden, "officers run voucher programs"))
		return
	}
	ps, err := pg.S.Programs(r.Context(), p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "vouchers_programs", ui.NewPage(r, "voucher.programs",
		programsData{Programs: ps, Orgs: p.Memberships, Categories: Categories, Regions: Regions}))
}

func programForm(f url.Values) (ProgramInput, error) {
	in := ProgramInput{Slug: f.Get("slug"), NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), DescriptionZh: f.Get("description_zh"),
		DescriptionEn: f.Get("description_en"), Eligibility: f.Get("eligibility"), Categories: f["categories"], Regions: f["regions"],
		AutoIssue: f.Get("auto_issue") != ""}
	in.OwnerOrgID, _ = strconv.ParseInt(f.Get("owner_org_id"), 10, 64)
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"face_yuan", &in.FaceYuan}, {"budget_yuan", &in.BudgetYuan}} {
		n, err := strconv.ParseInt(strings.TrimSpace(f.Get(x.name)), 10, 64)
		if err != nil {
			return in, apperr.Field(x.name, "must be a whole number of yuan")
		}
		*x.dst = n
	}
	for _, x := range []struct {
		name string
		dst  *float64
	}{{"voucher_share_pct", &in.VoucherSharePct}, {"subsidy_share_pct", &in.SubsidySharePct}} {
		s := strings.TrimSpace(f.Get(x.name))
		if s == "" && x.name == "subsidy_share_pct" {
			continue
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return in, apperr.Field(x.name, "must be a percentage")
		}
		*x.dst = n
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("validity_days")))
	if err != nil {
		return in, apperr.Field("validity_days", "must be a whole number of days")
	}
	in.ValidityDays = n
	if v := f.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, apperr.Field("version", "must be a whole number")
		}
		in.Version = &n
	}
	return in, nil
}

// SaveProgram is POST /voucher-programs (new) and
// /voucher-programs/{id} (edit).
func (pg *Pages) SaveProgram(w http.ResponseWriter, r *http.Request) {
	var id int64
	if r.PathValue("id") != "" {
		var ok bool
		if id, ok = pg.UI.PathID(w, r); !ok {
			return
		}
	}
	if !pg.UI.Form(w, r) {
		return
	}
	in, err := programForm(r.PostForm)
	var prog Program
	if err == nil {
		prog, err = pg.S.SaveProgram(r.Context(), auth.From(r.Context()), id, in)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.redirect(w, r, "/voucher-programs/"+strconv.FormatInt(prog.ID, 10), "flash.voucher_saved")
}

type programData struct {
	programsData
	P       Program
	Report  *Report
	Manager bool
	Issued  *IssueResult
}

// Program is GET /voucher-programs/{id}: the terms, and for those who
// run it the accounts and the actions.
func (pg *Pages) Program(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	pg.program(w, r, id, nil)
}

func (pg *Pages) program(w http.ResponseWriter, r *http.Request, id int64, issued *IssueResult) {
	p := auth.From(r.Context())
	prog, err := pg.S.Program(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := programData{P: prog, Manager: manages(p, prog.OwnerOrgID), Issued: issued,
		programsData: programsData{Categories: Categories, Regions: Regions}}
	if p != nil {
		d.Orgs = p.Memberships
	}
	if d.Manager {
		rep, err := pg.S.Report(r.Context(), p, id)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Report = &rep
	}
	pg.UI.Render(w, r, http.StatusOK, "vouchers_program", ui.NewPage(r, "voucher.program", d))
}

// SetStatus is POST /voucher-programs/{id}/status (status=open|closed).
func (pg *Pages) SetStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	st := r.PostForm.Get("status")
	if st != "open" && st != "closed" {
		pg.UI.Error(w, r, apperr.Field("status", "must be open or closed"))
		return
	}
	if _, err := pg.S.SetStatus(r.Context(), auth.From(r.Context()), id, st); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.redirect(w, r, "/voucher-programs/"+strconv.FormatInt(id, 10), "flash.voucher_saved")
}

// IssueAll is POST /voucher-programs/{id}/issue: shows the counts.
func (pg *Pages) IssueAll(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	res, err := pg.S.IssueAll(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.program(w, r, id, &res)
}

type providersData struct {
	Providers  []Provider
	Categories []string
	Regions    []string
	Officer    bool
	LastMonth  string
	Settled    []Settlement
}

// Providers is GET /voucher-providers: who accepts vouchers; officers
// register providers and settle months here.
func (pg *Pages) Providers(w http.ResponseWriter, r *http.Request) {
	pg.providers(w, r, nil)
}

func (pg *Pages) providers(w http.ResponseWriter, r *http.Request, settled []Settlement) {
	ps, err := pg.S.Providers(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	p := auth.From(r.Context())
	last := pg.S.DB.Now().In(shanghai).AddDate(0, -1, 0).Format("2006-01")
	pg.UI.Render(w, r, http.StatusOK, "vouchers_providers", ui.NewPage(r, "voucher.providers", providersData{Providers: ps, Categories: Categories,
		Regions: Regions, Officer: p.IsAdmin() || p.IsOfficer(), LastMonth: last, Settled: settled}))
}

// SaveProvider is POST /voucher-providers.
func (pg *Pages) SaveProvider(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	org, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("org_id")), 10, 64)
	if err != nil || org < 1 {
		pg.UI.Error(w, r, apperr.Field("org_id", "must be an organization id"))
		return
	}
	active := r.PostForm.Get("active") != "false"
	if _, err := pg.S.SaveProvider(r.Context(), auth.From(r.Context()), org, ProviderInput{Region: r.PostForm.Get("region"),
		Categories: r.PostForm["categories"], Active: &active}); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.redirect(w, r, "/voucher-providers", "flash.voucher_saved")
}

// Settle is POST /voucher-settlements: settles a month, shows what was
// settled.
func (pg *Pages) Settle(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	ss, err := pg.S.Settle(r.Context(), auth.From(r.Context()), strings.TrimSpace(r.PostForm.Get("month")))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.providers(w, r, ss)
}

// Statement is GET /voucher-providers/{id}: a provider's redemptions of
// a month and its settlements.
func (pg *Pages) Statement(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	st, err := pg.S.ProviderStatement(r.Context(), auth.From(r.Context()), id, r.URL.Query().Get("month"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "vouchers_statement", ui.NewPage(r, "voucher.statement", st))
}
