package finance

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/registry"
)

func formFloat(f url.Values, name string) (float64, error) {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, apperr.Field(name, "must be a number")
	}
	return v, nil
}

func formInts(f url.Values, name string) ([]int64, error) {
	var out []int64
	for _, v := range f[name] {
		for s := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ',' || r == ' ' }) {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, apperr.Field(name, "must be ids")
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// ints reads several whole-number fields of a form.
func ints(f url.Values, dst map[string]*int64) error {
	for name, p := range dst {
		n, err := formInt(f, name)
		if err != nil {
			return err
		}
		*p = n
	}
	return nil
}

func (pg *Pages) back(w http.ResponseWriter, r *http.Request, to, flash string) {
	http.Redirect(w, r, to+"?flash="+flash, http.StatusSeeOther)
}

// post serves a posted form: do acts for the signed-in user and names the
// page to go back to with the flash, or the error page answers.
func (pg *Pages) post(w http.ResponseWriter, r *http.Request, flash string, do func(p *auth.Principal, f url.Values) (to string, err error)) {
	if !pg.UI.Form(w, r) {
		return
	}
	to, err := do(auth.From(r.Context()), r.PostForm)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.back(w, r, to, flash)
}

// postID is post for a path with an {id}.
func (pg *Pages) postID(w http.ResponseWriter, r *http.Request, flash string, do func(p *auth.Principal, id int64, f url.Values) (to string, err error)) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	pg.post(w, r, flash, func(p *auth.Principal, f url.Values) (string, error) { return do(p, id, f) })
}

type subsidiesData struct {
	Schemes []Scheme
	// Mine are the claims of the user's organizations; Queue the claims of
	// the schemes the user's agencies run.
	Mine, Queue []SubsidyClaim
	State       string
	States      []string
	// Loans are the user's organizations' disbursed or repaid loans.
	Loans    []Loan
	Agencies []auth.Membership
	Products []Product
	Pools    []Pool
	Runs     map[int64]bool
	LastQ    string
	// QuarterRuns are the recorded quarter-end runs of the schemes the
	// user runs (the last five each); DueQ the quarter the schedule runs
	// and Grace its days after a quarter's end.
	QuarterRuns map[int64][]QuarterRunRecord
	DueQ        string
	Grace       int
}

// Subsidies is GET /finance/subsidies: the schemes; the enterprise's
// claim form and history; the officers' queue with batch actions.
func (pg *Pages) Subsidies(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.From(ctx)
	schemes, err := pg.S.Schemes(ctx)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := subsidiesData{Schemes: schemes, State: r.URL.Query().Get("state"), States: []string{SubsidySubmitted, SubsidyApproved, SubsidyPaid, SubsidyRejected},
		Runs: map[int64]bool{}, LastQ: QuarterOf(pg.S.today().AddDate(0, -3, 0)), QuarterRuns: map[int64][]QuarterRunRecord{},
		DueQ: DueQuarter(pg.S.today()), Grace: QuarterEndGrace}
	if p != nil {
		all, err := pg.S.SubsidyClaims(ctx, p, SubsidyQuery{State: d.State})
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		for _, c := range all {
			if p.RoleIn(c.OrgID) != "" {
				d.Mine = append(d.Mine, c)
			}
		}
		for _, sc := range schemes {
			d.Runs[sc.ID] = runs(p, sc.OwnerOrgID)
			if !d.Runs[sc.ID] {
				continue
			}
			qr, err := pg.S.QuarterRuns(ctx, p, sc.ID)
			if err != nil {
				pg.UI.Error(w, r, err)
				return
			}
			d.QuarterRuns[sc.ID] = qr[:min(len(qr), 5)]
		}
		for _, c := range all {
			for _, sc := range schemes {
				if sc.ID == c.SchemeID && d.Runs[sc.ID] {
					d.Queue = append(d.Queue, c)
				}
			}
		}
		ls, err := pg.S.LoanList(ctx, p, LoanQuery{})
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		for _, l := range ls {
			if (l.State == Disbursed || l.State == Repaid) && p.RoleIn(l.OrgID) != "" {
				d.Loans = append(d.Loans, l)
			}
		}
		for _, m := range p.Memberships {
			if m.OrgKind == "agency" && (p.IsOfficer() || p.IsAdmin()) {
				d.Agencies = append(d.Agencies, m)
			}
		}
		if len(d.Agencies) > 0 || p.IsAdmin() {
			if d.Products, err = pg.S.Products(ctx, p); err == nil {
				d.Pools, err = pg.S.Pools(ctx)
			}
			if err != nil {
				pg.UI.Error(w, r, err)
				return
			}
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_subsidies", ui.NewPage(r, "finance.subsidies", d))
}

// SaveScheme is POST /finance/subsidy-schemes.
func (pg *Pages) SaveScheme(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "flash.finance_saved", func(p *auth.Principal, f url.Values) (string, error) {
		in := SchemeInput{Program: f.Get("program"), NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), FromQuarter: f.Get("from_quarter")}
		var err error
		if in.SharePct, err = formFloat(f, "share_pct"); err == nil {
			err = ints(f, map[string]*int64{"cap_yuan": &in.CapYuan})
		}
		if err == nil {
			in.ProductIDs, err = formInts(f, "product_ids")
		}
		if err == nil {
			in.PoolIDs, err = formInts(f, "pool_ids")
		}
		if err == nil {
			_, err = pg.S.SaveScheme(r.Context(), p, 0, in)
		}
		return "/finance/subsidies", err
	})
}

// ClaimSubsidy is POST /finance/subsidy-claims.
func (pg *Pages) ClaimSubsidy(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "flash.subsidy_claimed", func(p *auth.Principal, f url.Values) (string, error) {
		in := SubsidyClaimInput{Quarter: f.Get("quarter")}
		err := ints(f, map[string]*int64{"loan_id": &in.LoanID, "scheme_id": &in.SchemeID})
		if err == nil {
			_, err = pg.S.ClaimSubsidy(r.Context(), p, in)
		}
		return "/finance/subsidies", err
	})
}

// ActSubsidy is POST /finance/subsidy-claims/{id}/act.
func (pg *Pages) ActSubsidy(w http.ResponseWriter, r *http.Request) {
	pg.postID(w, r, "flash.finance_saved", func(p *auth.Principal, id int64, f url.Values) (string, error) {
		_, err := pg.S.ActSubsidy(r.Context(), p, id, f.Get("action"), f.Get("comment"))
		return "/finance/subsidies", err
	})
}

// BulkSubsidies is POST /finance/subsidy-claims/bulk: the officers' batch
// action on the ticked claims.
func (pg *Pages) BulkSubsidies(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	ids, err := formInts(r.PostForm, "ids")
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	rs, err := pg.S.BulkSubsidies(r.Context(), auth.From(r.Context()), ids, r.PostForm.Get("action"), r.PostForm.Get("comment"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	failed := 0
	for _, x := range rs {
		if !x.OK {
			failed++
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_bulk", ui.NewPage(r, "finance.bulk_result", map[string]any{"Results": rs, "Failed": failed}))
}

// RunQuarter is POST /finance/subsidy-schemes/{id}/quarter-end.
func (pg *Pages) RunQuarter(w http.ResponseWriter, r *http.Request) {
	pg.postID(w, r, "flash.quarter_run", func(p *auth.Principal, id int64, f url.Values) (string, error) {
		_, err := pg.S.RunQuarter(r.Context(), p, id, f.Get("quarter"))
		return "/finance/subsidies", err
	})
}

type investorsData struct {
	Investors []Investor
	Kind      string
	Kinds     []string
	Stages    []string
	Fields    []string
	Roadshows []Roadshow
	// Enterprises are the user's enterprises with their profile and
	// matches; Funds the investor organizations the user manages.
	Enterprises []enterpriseView
	Funds       []auth.Membership
	Agencies    []auth.Membership
	Today       string
}

type enterpriseView struct {
	Org     auth.Membership
	Profile *Profile
	Matches []Match
}

// Investors is GET /finance/investors: the investors and roadshows; for
// an enterprise its consent and the investors ranked for it; for an
// investor's members the form of a new fund.
func (pg *Pages) Investors(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.From(ctx)
	kind := r.URL.Query().Get("kind")
	invs, err := pg.S.Investors(ctx, p, InvestorQuery{Kind: kind})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	rs, err := pg.S.Roadshows(ctx)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := investorsData{Investors: invs, Kind: kind, Kinds: InvestorKinds, Stages: Stages, Fields: registry.TechFields, Roadshows: rs,
		Today: pg.S.today().Format(time.DateOnly)}
	if p != nil {
		for _, m := range p.Memberships {
			switch {
			case m.OrgKind == "enterprise":
				v := enterpriseView{Org: m}
				if pr, err := pg.S.Profile(ctx, p, m.OrgID); err == nil {
					v.Profile = &pr
					if pr.OptedIn {
						if v.Matches, err = pg.S.EnterpriseMatches(ctx, p, m.OrgID); err != nil {
							pg.UI.Error(w, r, err)
							return
						}
						if len(v.Matches) > 10 {
							v.Matches = v.Matches[:10]
						}
					}
				} else if apperr.CodeOf(err) != apperr.NotFound {
					pg.UI.Error(w, r, err)
					return
				}
				d.Enterprises = append(d.Enterprises, v)
			case m.OrgKind == "investor":
				d.Funds = append(d.Funds, m)
			case m.OrgKind == "agency" && p.IsOfficer():
				d.Agencies = append(d.Agencies, m)
			}
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_investors", ui.NewPage(r, "finance.investors", d))
}

// SaveInvestor is POST /finance/investors.
func (pg *Pages) SaveInvestor(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "flash.finance_saved", func(p *auth.Principal, f url.Values) (string, error) {
		in := InvestorInput{Kind: f.Get("kind"), NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), DescriptionZh: f.Get("description_zh"), DescriptionEn: f.Get("description_en"),
			Stages: f["stages"], Fields: f["fields"], Districts: strings.Fields(strings.ReplaceAll(f.Get("districts"), ",", " "))}
		err := ints(f, map[string]*int64{"org_id": &in.OrgID, "min_ticket_yuan": &in.MinTicketYuan, "max_ticket_yuan": &in.MaxTicketYuan, "size_yuan": &in.SizeYuan})
		var x Investor
		if err == nil {
			x, err = pg.S.SaveInvestor(r.Context(), p, 0, in)
		}
		return "/finance/investors/" + strconv.FormatInt(x.ID, 10), err
	})
}

type investorData struct {
	Investor    Investor
	Commitments Commitments
	Manager     bool
	Matches     []Match
	Investors   []Investor
	Today       string
	// Borrow are the user's enterprises, who may ask the investor for a
	// meeting.
	Enterprises []auth.Membership
}

// Investor is GET /finance/investors/{id}: the fund, its commitments and,
// for its managers, the enterprises ranked for it.
func (pg *Pages) Investor(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	p := auth.From(ctx)
	x, err := pg.S.Investor(ctx, p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := investorData{Investor: x, Manager: manages(p, x.OrgID), Today: pg.S.today().Format(time.DateOnly)}
	if d.Commitments, err = pg.S.FundCommitments(ctx, p, id); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if d.Manager {
		if d.Matches, err = pg.S.InvestorMatches(ctx, p, id); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		if d.Investors, err = pg.S.Investors(ctx, p, InvestorQuery{}); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	if p != nil {
		for _, m := range p.Memberships {
			if m.OrgKind == "enterprise" {
				d.Enterprises = append(d.Enterprises, m)
			}
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_investor", ui.NewPage(r, "finance.investor", d))
}

// Commit is POST /finance/investors/{id}/commitments.
func (pg *Pages) Commit(w http.ResponseWriter, r *http.Request) {
	pg.postID(w, r, "flash.finance_saved", func(p *auth.Principal, id int64, f url.Values) (string, error) {
		in := CommitmentInput{SubFundZh: f.Get("sub_fund_zh"), SubFundEn: f.Get("sub_fund_en"), CommittedOn: f.Get("committed_on")}
		var sub int64
		err := ints(f, map[string]*int64{"amount_yuan": &in.AmountYuan, "sub_investor_id": &sub})
		if sub > 0 {
			in.SubInvestorID = &sub
		}
		if err == nil {
			in.SharePct, err = formFloat(f, "share_pct")
		}
		if err == nil {
			_, err = pg.S.Commit(r.Context(), p, id, in)
		}
		return "/finance/investors/" + strconv.FormatInt(id, 10), err
	})
}

// Call is POST /finance/commitments/{id}/calls.
func (pg *Pages) Call(w http.ResponseWriter, r *http.Request) {
	pg.postID(w, r, "flash.finance_saved", func(p *auth.Principal, id int64, f url.Values) (string, error) {
		in := CallInput{CalledOn: f.Get("called_on")}
		err := ints(f, map[string]*int64{"amount_yuan": &in.AmountYuan})
		var c Commitment
		if err == nil {
			c, err = pg.S.Call(r.Context(), p, id, in)
		}
		return "/finance/investors/" + strconv.FormatInt(c.FundID, 10), err
	})
}

// OptIn is POST /finance/profiles/{id}: the enterprise opts in (or
// updates what it seeks).
func (pg *Pages) OptIn(w http.ResponseWriter, r *http.Request) {
	pg.postID(w, r, "flash.opted_in", func(p *auth.Principal, id int64, f url.Values) (string, error) {
		in := ProfileInput{Stage: f.Get("stage"), Fields: f["fields"], PitchZh: f.Get("pitch_zh"), PitchEn: f.Get("pitch_en")}
		err := ints(f, map[string]*int64{"ask_yuan": &in.AskYuan})
		if err == nil {
			_, err = pg.S.OptIn(r.Context(), p, id, in)
		}
		return "/finance/investors", err
	})
}

// OptOut is POST /finance/profiles/{id}/withdraw.
func (pg *Pages) OptOut(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	if _, err := pg.S.OptOut(r.Context(), auth.From(r.Context()), id); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.back(w, r, "/finance/investors", "flash.opted_out")
}

// localTimes reads datetime-local fields (Shanghai time) as RFC 3339.
func localTimes(vs []string) []string {
	var out []string
	for _, v := range vs {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if t, err := time.ParseInLocation("2006-01-02T15:04", v, shanghai); err == nil {
			v = t.Format(time.RFC3339)
		}
		out = append(out, v)
	}
	return out
}

// RequestMeeting is POST /finance/meetings.
func (pg *Pages) RequestMeeting(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "flash.meeting_requested", func(p *auth.Principal, f url.Values) (string, error) {
		in := MeetingInput{Message: f.Get("message"), From: f.Get("from"), Times: localTimes(f["times"])}
		err := ints(f, map[string]*int64{"investor_id": &in.InvestorID, "org_id": &in.OrgID})
		if err == nil {
			_, err = pg.S.RequestMeeting(r.Context(), p, in)
		}
		return "/finance/meetings", err
	})
}

// Meetings is GET /finance/meetings.
func (pg *Pages) Meetings(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	ms, err := pg.S.Meetings(r.Context(), p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	type row struct {
		Meeting
		Asked, Asker bool
	}
	rows := []row{}
	for _, m := range ms {
		side := m.side(p)
		rows = append(rows, row{Meeting: m, Asked: side == "admin" || side != m.ProposedBy, Asker: side == "admin" || side == m.ProposedBy})
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_meetings", ui.NewPage(r, "finance.meetings", rows))
}

// ActMeeting is POST /finance/meetings/{id}/act.
func (pg *Pages) ActMeeting(w http.ResponseWriter, r *http.Request) {
	pg.postID(w, r, "flash.finance_saved", func(p *auth.Principal, id int64, f url.Values) (string, error) {
		_, err := pg.S.ActMeeting(r.Context(), p, id, MeetingAction{Action: f.Get("action"), Time: f.Get("time"), Reply: f.Get("reply")})
		return "/finance/meetings", err
	})
}

// CreateRoadshow is POST /finance/roadshows.
func (pg *Pages) CreateRoadshow(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "flash.finance_saved", func(p *auth.Principal, f url.Values) (string, error) {
		in := RoadshowInput{NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), HeldOn: f.Get("held_on"), District: f.Get("district")}
		err := ints(f, map[string]*int64{"owner_org_id": &in.OwnerOrgID})
		var rs Roadshow
		if err == nil {
			rs, err = pg.S.CreateRoadshow(r.Context(), p, in)
		}
		return "/finance/roadshows/" + strconv.FormatInt(rs.ID, 10), err
	})
}

type roadshowData struct {
	Roadshow    Roadshow
	Enterprises []auth.Membership
	Investors   []Investor
	Open        bool
}

// Roadshow is GET /finance/roadshows/{id}: the presenters with their ask;
// enterprises join, investors mark interest.
func (pg *Pages) Roadshow(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	p := auth.From(ctx)
	rs, err := pg.S.Roadshow(ctx, p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := roadshowData{Roadshow: rs, Open: rs.HeldOn >= pg.S.today().Format(time.DateOnly)}
	if p != nil {
		for _, m := range p.Memberships {
			if m.OrgKind == "enterprise" {
				d.Enterprises = append(d.Enterprises, m)
			}
		}
		all, err := pg.S.Investors(ctx, p, InvestorQuery{})
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		for _, x := range all {
			if p.RoleIn(x.OrgID) != "" {
				d.Investors = append(d.Investors, x)
			}
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "finance_roadshow", ui.NewPage(r, "finance.roadshow", d))
}

// Present is POST /finance/roadshows/{id}/presenters.
func (pg *Pages) Present(w http.ResponseWriter, r *http.Request) {
	pg.postID(w, r, "flash.finance_saved", func(p *auth.Principal, id int64, f url.Values) (string, error) {
		in := PresentInput{Pitch: f.Get("pitch")}
		err := ints(f, map[string]*int64{"org_id": &in.OrgID, "ask_yuan": &in.AskYuan})
		if err == nil {
			_, err = pg.S.Present(r.Context(), p, id, in)
		}
		return "/finance/roadshows/" + strconv.FormatInt(id, 10), err
	})
}

// MarkInterest is POST /finance/roadshows/{id}/interests.
func (pg *Pages) MarkInterest(w http.ResponseWriter, r *http.Request) {
	pg.postID(w, r, "flash.finance_saved", func(p *auth.Principal, id int64, f url.Values) (string, error) {
		var in InterestInput
		err := ints(f, map[string]*int64{"org_id": &in.OrgID, "investor_id": &in.InvestorID})
		if err == nil {
			_, err = pg.S.MarkInterest(r.Context(), p, id, in)
		}
		return "/finance/roadshows/" + strconv.FormatInt(id, 10), err
	})
}
