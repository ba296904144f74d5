package transfer

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/search"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/registry"
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

type facetLink struct {
	Label, Href string
	Count       int
	Selected    bool
}

type facetGroup struct {
	Name, Label string
	Links       []facetLink
}

type catalogData struct {
	Kind         string // achievements or needs
	Q            string
	Total        int
	Achievements []Achievement
	Needs        []Need
	Facets       []facetGroup
	DidYouMean   string
	Relaxed      bool
	Prev, Next   string
	From, To     int
	// Snips are the engine's extracts (escaped, matches in <mark>).
	Snips map[int64]template.HTML
}

// districtNames maps district slugs to their names in lang.
func (pg *Pages) districtNames(r *http.Request, lang string) (map[string]string, error) {
	ds, err := pg.S.Registry.Districts(r.Context())
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(ds))
	for _, d := range ds {
		m[d.Slug] = d.NameZh
		if lang == "en" {
			m[d.Slug] = d.NameEn
		}
	}
	return m, nil
}

func facetLabel(lang string, districts map[string]string, filter, value string) string {
	switch filter {
	case "district":
		if n, ok := districts[value]; ok {
			return n
		}
		if value == "" {
			return i18n.T(lang, "transfer.unknown")
		}
		return value
	case "field":
		return i18n.T(lang, "tech."+value)
	}
	return i18n.T(lang, "transfer."+filter+"."+value)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func snippet(sn map[string]string, fields ...string) template.HTML {
	for _, f := range fields {
		if s := sn[f]; s != "" {
			return template.HTML(s) // the engine escapes the text and adds only <mark>
		}
	}
	return ""
}

func (pg *Pages) catalog(w http.ResponseWriter, r *http.Request, kind string) {
	lang := ui.Lang(r.Context())
	q, err := ParseCatalog(r.URL.Query())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := catalogData{Kind: kind, Q: q.Text, Snips: map[int64]template.HTML{}}
	var facets map[string][]search.FacetCount
	names := []string{"field", "district", "price_band"}
	base := "/transfer/needs"
	if kind == "achievements" {
		base = "/transfer"
		names = []string{"field", "maturity", "district", "price_band"}
		res, err := pg.S.Achievements(r.Context(), q)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Achievements, d.Total, facets, d.DidYouMean, d.Relaxed = res.Items, res.Total, res.Facets, res.DidYouMean, res.Relaxed
		for _, a := range res.Items {
			d.Snips[a.ID] = snippet(a.Snippets, "summary", "keywords")
		}
		d.To = q.Offset + len(res.Items)
	} else {
		res, err := pg.S.Needs(r.Context(), q)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Needs, d.Total, facets, d.DidYouMean, d.Relaxed = res.Items, res.Total, res.Facets, res.DidYouMean, res.Relaxed
		for _, n := range res.Items {
			d.Snips[n.ID] = snippet(n.Snippets, "problem", "keywords")
		}
		d.To = q.Offset + len(res.Items)
	}
	d.From = q.Offset + 1
	dn, err := pg.districtNames(r, lang)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	vals := r.URL.Query()
	for _, name := range names {
		g := facetGroup{Name: name, Label: i18n.T(lang, "transfer.f."+name)}
		for _, fc := range facets[name] {
			v := cloneValues(vals)
			v.Del("offset")
			sel := slices.Contains(vals[name], fc.Value)
			if sel {
				v.Del(name)
			} else {
				v.Set(name, fc.Value)
			}
			g.Links = append(g.Links, facetLink{Label: facetLabel(lang, dn, name, fc.Value), Href: base + "?" + v.Encode(), Count: fc.Count, Selected: sel})
		}
		d.Facets = append(d.Facets, g)
	}
	if q.Offset > 0 {
		v := cloneValues(vals)
		v.Set("offset", strconv.Itoa(max(0, q.Offset-q.Limit)))
		d.Prev = base + "?" + v.Encode()
	}
	if d.To < d.Total {
		v := cloneValues(vals)
		v.Set("offset", strconv.Itoa(q.Offset+q.Limit))
		d.Next = base + "?" + v.Encode()
	}
	title := "transfer.achievements"
	if kind == "needs" {
		title = "transfer.needs"
	}
	pg.UI.Render(w, r, http.StatusOK, "transfer_catalog", ui.NewPage(r, title, d))
}

// Achievements is GET /transfer: the achievements catalog.
func (pg *Pages) Achievements(w http.ResponseWriter, r *http.Request) {
	pg.catalog(w, r, "achievements")
}

// Needs is GET /transfer/needs: the needs catalog.
func (pg *Pages) Needs(w http.ResponseWriter, r *http.Request) { pg.catalog(w, r, "needs") }

func (pg *Pages) pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		pg.UI.Error(w, r, apperr.New(apperr.NotFound, "no such page"))
		return 0, false
	}
	return id, true
}

func (pg *Pages) form(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return false
	}
	return true
}

// FormData is what the achievement and need forms offer.
type FormData struct {
	Orgs   []auth.Membership
	Fields []string
	Modes  []string
	TRLs   []int
}

func newFormData(p *auth.Principal) FormData {
	f := FormData{Fields: registry.TechFields, Modes: Modes, TRLs: []int{1, 2, 3, 4, 5, 6, 7, 8, 9}}
	if p != nil {
		f.Orgs = p.Memberships
	}
	return f
}

type detailData struct {
	FormData
	Achievement *Achievement
	Need        *Need
	Matches     []Match
	Resources   *NeedResources
	Owner       bool
	// Brokers are the organizations the reader may broker for; Broker
	// is whether the reader may open cases at all.
	Brokers []auth.Membership
	Broker  bool
}

func brokers(p *auth.Principal) ([]auth.Membership, bool) {
	if p == nil {
		return nil, false
	}
	var out []auth.Membership
	for _, m := range p.Memberships {
		if m.OrgKind == "service" || m.OrgKind == "agency" {
			out = append(out, m)
		}
	}
	return out, len(out) > 0 || p.IsAdmin()
}

// Achievement is GET /transfer/achievements/{id}: the achievement, the
// needs it matches with their reasons, and the owner's edit form.
func (pg *Pages) Achievement(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	a, err := pg.S.Achievement(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ms, err := pg.S.NeedsFor(r.Context(), p, id, 10)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := detailData{FormData: newFormData(p), Achievement: &a, Matches: ms, Owner: member(p, a.OwnerOrgID)}
	d.Brokers, d.Broker = brokers(p)
	pg.UI.Render(w, r, http.StatusOK, "transfer_achievement", ui.NewPage(r, "transfer.achievement", d))
}

// Need is GET /transfer/needs/{id}: the need and the achievements that
// match it.
func (pg *Pages) Need(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	n, err := pg.S.Need(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ms, err := pg.S.AchievementsFor(r.Context(), p, id, 10)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	rs, err := pg.S.ResourcesFor(r.Context(), p, id, 5)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := detailData{FormData: newFormData(p), Need: &n, Matches: ms, Resources: &rs, Owner: member(p, n.OwnerOrgID)}
	d.Brokers, d.Broker = brokers(p)
	pg.UI.Render(w, r, http.StatusOK, "transfer_need", ui.NewPage(r, "transfer.need", d))
}

// optInt reads an optional whole number of a form, naming the field.
func optInt(f url.Values, name string) (*int64, error) {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, apperr.Field(name, "must be a whole number")
	}
	return &n, nil
}

func optVersion(f url.Values) (*int, error) {
	v, err := optInt(f, "version")
	if v == nil || err != nil {
		return nil, err
	}
	n := int(*v)
	return &n, nil
}

func achievementForm(f url.Values) (AchievementInput, error) {
	in := AchievementInput{TitleZh: f.Get("title_zh"), TitleEn: f.Get("title_en"), SummaryZh: f.Get("summary_zh"), SummaryEn: f.Get("summary_en"),
		Keywords: f.Get("keywords"), Field: f.Get("field"), Modes: f["modes"], Status: f.Get("status")}
	in.OwnerOrgID, _ = strconv.ParseInt(f.Get("owner_org_id"), 10, 64)
	trl, err := optInt(f, "trl")
	if err != nil {
		return in, err
	}
	if trl != nil {
		in.TRL = int(*trl)
	}
	if in.PriceYuan, err = optInt(f, "price_yuan"); err != nil {
		return in, err
	}
	for i, s := range strings.FieldsFunc(f.Get("asset_ids"), func(r rune) bool { return r == ',' || r == ' ' || r == '，' }) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return in, apperr.Field("asset_ids["+strconv.Itoa(i)+"]", "must be an asset id")
		}
		in.AssetIDs = append(in.AssetIDs, n)
	}
	in.Version, err = optVersion(f)
	return in, err
}

func needForm(f url.Values) (NeedInput, error) {
	in := NeedInput{TitleZh: f.Get("title_zh"), TitleEn: f.Get("title_en"), ProblemZh: f.Get("problem_zh"), ProblemEn: f.Get("problem_en"),
		Keywords: f.Get("keywords"), Field: f.Get("field"), Modes: f["modes"], Status: f.Get("status")}
	in.OwnerOrgID, _ = strconv.ParseInt(f.Get("owner_org_id"), 10, 64)
	trl, err := optInt(f, "min_trl")
	if err != nil {
		return in, err
	}
	if trl != nil {
		in.MinTRL = int(*trl)
	}
	if in.BudgetYuan, err = optInt(f, "budget_yuan"); err != nil {
		return in, err
	}
	if s := f.Get("deadline"); s != "" {
		in.Deadline = &s
	}
	in.Version, err = optVersion(f)
	return in, err
}

// SaveAchievement is POST /transfer/achievements (new) and
// /transfer/achievements/{id} (edit).
func (pg *Pages) SaveAchievement(w http.ResponseWriter, r *http.Request) {
	var id int64
	if r.PathValue("id") != "" {
		var ok bool
		if id, ok = pg.pathID(w, r); !ok {
			return
		}
	}
	if !pg.form(w, r) {
		return
	}
	in, err := achievementForm(r.PostForm)
	if err == nil {
		var a Achievement
		a, err = pg.S.SaveAchievement(r.Context(), auth.From(r.Context()), id, in)
		id = a.ID
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/transfer/achievements/"+strconv.FormatInt(id, 10)+"?flash=flash.transfer_saved", http.StatusSeeOther)
}

// SaveNeed is POST /transfer/needs (new) and /transfer/needs/{id} (edit).
func (pg *Pages) SaveNeed(w http.ResponseWriter, r *http.Request) {
	var id int64
	if r.PathValue("id") != "" {
		var ok bool
		if id, ok = pg.pathID(w, r); !ok {
			return
		}
	}
	if !pg.form(w, r) {
		return
	}
	in, err := needForm(r.PostForm)
	if err == nil {
		var n Need
		n, err = pg.S.SaveNeed(r.Context(), auth.From(r.Context()), id, in)
		id = n.ID
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/transfer/needs/"+strconv.FormatInt(id, 10)+"?flash=flash.transfer_saved", http.StatusSeeOther)
}

type mineData struct {
	FormData
	Achievements []Achievement
	Needs        []Need
}

// Mine is GET /transfer/mine: the user's organizations' achievements and
// needs, with the forms to publish new ones.
func (pg *Pages) Mine(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	as, ns, err := pg.S.Mine(r.Context(), p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "transfer_mine", ui.NewPage(r, "transfer.mine", mineData{FormData: newFormData(p), Achievements: as, Needs: ns}))
}

type casesData struct {
	Cases   []Case
	State   string
	Overdue bool
	States  []string
}

// Cases is GET /transfer/cases: the broker's pipeline (and the parties'
// cases), by deadline.
func (pg *Pages) Cases(w http.ResponseWriter, r *http.Request) {
	q := CaseQuery{State: r.URL.Query().Get("state"), Overdue: r.URL.Query().Get("overdue") == "true"}
	cs, err := pg.S.CaseList(r.Context(), auth.From(r.Context()), q)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "transfer_cases", ui.NewPage(r, "transfer.cases",
		casesData{Cases: cs, State: q.State, Overdue: q.Overdue, States: []string{Introduced, Talks, Contracted, Done, Lost}}))
}

// OpenCase is POST /transfer/cases.
func (pg *Pages) OpenCase(w http.ResponseWriter, r *http.Request) {
	if !pg.form(w, r) {
		return
	}
	f := r.PostForm
	in := CaseInput{NextStep: f.Get("next_step")}
	in.AchievementID, _ = strconv.ParseInt(f.Get("achievement_id"), 10, 64)
	in.NeedID, _ = strconv.ParseInt(f.Get("need_id"), 10, 64)
	var err error
	if in.BrokerOrgID, err = optInt(f, "broker_org_id"); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if s := f.Get("due_on"); s != "" {
		in.DueOn = &s
	}
	c, err := pg.S.OpenCase(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/transfer/cases/"+strconv.FormatInt(c.ID, 10)+"?flash=flash.transfer_case_opened", http.StatusSeeOther)
}

// Case is GET /transfer/cases/{id}.
func (pg *Pages) Case(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok {
		return
	}
	v, err := pg.S.ViewCase(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "transfer_case", ui.NewPage(r, "transfer.case", v))
}

// AddNote is POST /transfer/cases/{id}/notes.
func (pg *Pages) AddNote(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok || !pg.form(w, r) {
		return
	}
	in := NoteInput{Body: r.PostForm.Get("body")}
	if s := r.PostForm.Get("due_on"); s != "" {
		in.DueOn = &s
	}
	if _, err := pg.S.AddNote(r.Context(), auth.From(r.Context()), id, in); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/transfer/cases/"+strconv.FormatInt(id, 10)+"?flash=flash.transfer_noted", http.StatusSeeOther)
}

// ActCase is POST /transfer/cases/{id}/act.
func (pg *Pages) ActCase(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok || !pg.form(w, r) {
		return
	}
	if _, err := pg.S.ActCase(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("action"), r.PostForm.Get("comment")); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/transfer/cases/"+strconv.FormatInt(id, 10)+"?flash=flash.transfer_moved", http.StatusSeeOther)
}

type contractsData struct {
	Contracts []Contract
	Status    string
	Orgs      []auth.Membership
	Kinds     []string
	Regions   []string
	Districts map[string]string
	// Decide marks the contracts the reader may register or reject.
	Decide map[int64]bool
	// CaseID prefills the form from a case's page.
	CaseID string
}

// Contracts is GET /transfer/contracts: the contracts the user may read,
// the form to record one, and the officers' decisions.
func (pg *Pages) Contracts(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	st := r.URL.Query().Get("status")
	cs, err := pg.S.Contracts(r.Context(), p, st)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	dn, err := pg.districtNames(r, ui.Lang(r.Context()))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := contractsData{Contracts: cs, Status: st, Orgs: p.Memberships, Kinds: ContractKinds, Regions: Regions, Districts: dn, Decide: map[int64]bool{},
		CaseID: r.URL.Query().Get("case_id")}
	for _, c := range cs {
		d.Decide[c.ID] = c.Status == "submitted" && (p.IsAdmin() || p.OfficerFor(c.SellerDistrict))
	}
	pg.UI.Render(w, r, http.StatusOK, "transfer_contracts", ui.NewPage(r, "transfer.contracts", d))
}

// RecordContract is POST /transfer/contracts.
func (pg *Pages) RecordContract(w http.ResponseWriter, r *http.Request) {
	if !pg.form(w, r) {
		return
	}
	f := r.PostForm
	in := ContractInput{Kind: f.Get("kind"), Title: f.Get("title"), BuyerName: f.Get("buyer_name"), BuyerRegion: f.Get("buyer_region"),
		BuyerDistrict: f.Get("buyer_district"), SignedOn: f.Get("signed_on")}
	in.SellerOrgID, _ = strconv.ParseInt(f.Get("seller_org_id"), 10, 64)
	var err error
	var value *int64
	for _, x := range []struct {
		name string
		dst  **int64
	}{{"buyer_org_id", &in.BuyerOrgID}, {"technical_yuan", &in.TechnicalYuan}, {"case_id", &in.CaseID}, {"achievement_id", &in.AchievementID}, {"value_yuan", &value}} {
		if *x.dst, err = optInt(f, x.name); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	if value != nil {
		in.ValueYuan = *value
	}
	if _, err := pg.S.RecordContract(r.Context(), auth.From(r.Context()), in); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/transfer/contracts?flash=flash.transfer_contract_recorded", http.StatusSeeOther)
}

// DecideContract is POST /transfer/contracts/{id}/decision.
func (pg *Pages) DecideContract(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok || !pg.form(w, r) {
		return
	}
	if _, err := pg.S.DecideContract(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("action"), r.PostForm.Get("reason")); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/transfer/contracts?flash=flash.transfer_decided", http.StatusSeeOther)
}

type turnoverData struct {
	Turnover
	Regions   []string
	Kinds     []string
	Districts map[string]string
	// DistrictKeys are the sellers' districts that appear, sorted.
	DistrictKeys []string
}

// Turnover is GET /transfer/turnover: the registry's turnover by year and
// region, with the exports to the rest of the delta.
func (pg *Pages) Turnover(w http.ResponseWriter, r *http.Request) {
	from, to, err := pg.S.TurnoverYears(r.URL.Query())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	t, err := pg.S.Turnover(r.Context(), from, to)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	dn, err := pg.districtNames(r, ui.Lang(r.Context()))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := turnoverData{Turnover: t, Regions: Regions, Kinds: ContractKinds, Districts: dn}
	seen := map[string]bool{}
	for _, y := range t.Years {
		for k := range y.ByDistrict {
			if !seen[k] {
				seen[k] = true
				d.DistrictKeys = append(d.DistrictKeys, k)
			}
		}
	}
	slices.Sort(d.DistrictKeys)
	pg.UI.Render(w, r, http.StatusOK, "transfer_turnover", ui.NewPage(r, "transfer.turnover", d))
}
