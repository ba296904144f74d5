package incubation

import (
	"context"
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
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/i18n"
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

// districtNames names the districts in lang.
func (s *Service) districtNames(ctx context.Context, lang string) (map[string]string, []string, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT slug, name_zh, name_en FROM districts ORDER BY slug`)
	type dn struct{ slug, zh, en string }
	ds, err := db.Collect(rows, err, "districts", func(r interface{ Scan(...any) error }) (dn, error) {
		var d dn
		return d, r.Scan(&d.slug, &d.zh, &d.en)
	})
	names, slugs := map[string]string{}, []string{}
	for _, d := range ds {
		names[d.slug] = d.zh
		if lang == "en" {
			names[d.slug] = d.en
		}
		slugs = append(slugs, d.slug)
	}
	return names, slugs, err
}

type facetLink struct {
	Label, Href string
	Count       int
	Selected    bool
}

type facetGroup struct {
	Label string
	Links []facetLink
}

type catalogData struct {
	Q         string
	Page      CatalogPage
	Facets    []facetGroup
	Snips     map[int64]template.HTML
	Districts map[string]string
	Slugs     []string
	// Operators are the caller's organizations that may list a carrier.
	Operators []auth.Membership
	Stages    []string
	Levels    []string
	Fields    []string
	Services  []string
}

// Catalog is GET /incubation: the carriers with filters by stage,
// district, field and level.
func (pg *Pages) Catalog(w http.ResponseWriter, r *http.Request) {
	q, err := ParseCatalog(r.URL.Query())
	var res CatalogPage
	if err == nil {
		res, err = pg.S.Catalog(r.Context(), q)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	lang := ui.Lang(r.Context())
	d := catalogData{Q: q.Text, Page: res, Snips: map[int64]template.HTML{}, Stages: Stages, Levels: Levels, Fields: Fields, Services: Services}
	if d.Districts, d.Slugs, err = pg.S.districtNames(r.Context(), lang); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	for _, it := range res.Items {
		if s := it.Snippets["description"]; s != "" && strings.TrimSpace(q.Text) != "" {
			d.Snips[it.ID] = template.HTML(s) // the engine escapes the text and adds only <mark>
		}
	}
	vals := r.URL.Query()
	for _, name := range []string{"stage", "district", "field", "level"} {
		g := facetGroup{Label: i18n.T(lang, "incubation.f."+name)}
		for _, fc := range res.Facets[name] {
			if fc.Value == "" {
				continue
			}
			v := url.Values{}
			for k, vs := range vals {
				v[k] = slices.Clone(vs)
			}
			v.Del("offset")
			sel := slices.Contains(vals[name], fc.Value)
			if sel {
				v.Del(name)
			} else {
				v.Set(name, fc.Value)
			}
			label := i18n.T(lang, "incubation."+name+"."+fc.Value)
			if name == "district" {
				label = or(d.Districts[fc.Value], fc.Value)
			}
			g.Links = append(g.Links, facetLink{Label: label, Href: "/incubation?" + v.Encode(), Count: fc.Count, Selected: sel})
		}
		d.Facets = append(d.Facets, g)
	}
	if p := auth.From(r.Context()); p != nil {
		for _, m := range p.Memberships {
			if m.OrgKind != "agency" {
				d.Operators = append(d.Operators, m)
			}
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "incubation_catalog", ui.NewPage(r, "incubation.catalog", d))
}

type carrierData struct {
	C         Carrier
	F         Figures
	MaxPct    float64
	District  string
	Operator  bool
	Oversees  bool
	Officer   bool
	Tenants   []Tenancy
	Apps      []Application
	Notes     []Note
	Teams     []Team
	Companies []auth.Membership
	Stages    []string
	Levels    []string
	Fields    []string
	Services  []string
	Exits     []string
	Rounds    []string
	Today     string
	Slugs     []string
	Districts map[string]string
	// Leases are the leases running today or later, soonest end first.
	Leases                 []leaseRow
	FreeDesks, FreeOffices int
}

type leaseRow struct {
	Lease
	Tenant string
}

// Carrier is GET /incubation/carriers/{id}: the carrier, its figures and
// the form to apply; for its operator and the district's officers also
// the tenants (with the programs they qualify for), space, applications
// and notes.
func (pg *Pages) Carrier(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	p := auth.From(ctx)
	c, err := pg.S.Carrier(ctx, p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := carrierData{C: c, Operator: operates(p, &c), Oversees: oversees(p, &c), Officer: p.IsAdmin() || p.OfficerFor(c.District),
		Stages: Stages, Levels: Levels, Fields: Fields, Services: Services, Exits: Exits, Rounds: Rounds, Today: pg.S.today().Format("2006-01-02")}
	if d.F, err = pg.S.CarrierFigures(ctx, p, id, r.URL.Query().Get("as_of")); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	for _, m := range d.F.Monthly {
		d.MaxPct = max(d.MaxPct, m.Pct)
	}
	d.FreeDesks, d.FreeOffices = c.Desks-d.F.Occupancy.DesksUsed, c.Offices-d.F.Occupancy.OfficesUsed
	if d.Districts, d.Slugs, err = pg.S.districtNames(ctx, ui.Lang(ctx)); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d.District = or(d.Districts[c.District], c.District)
	if d.Oversees {
		if d.Tenants, err = pg.S.Tenants(ctx, p, id, TenantQuery{}); err == nil {
			d.Apps, err = pg.S.Applications(ctx, p, AppQuery{CarrierID: id})
		}
		if err == nil {
			d.Notes, err = pg.S.Notes(ctx, p, id)
		}
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		for _, t := range d.Tenants {
			for _, l := range t.Leases {
				if l.EndsOn >= d.Today {
					d.Leases = append(d.Leases, leaseRow{Lease: l, Tenant: t.Name})
				}
			}
		}
		slices.SortFunc(d.Leases, func(a, b leaseRow) int { return strings.Compare(a.EndsOn, b.EndsOn) })
	}
	if p != nil {
		if d.Teams, err = pg.S.Teams(ctx, p); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		for _, m := range p.Memberships {
			if m.OrgKind != "agency" && m.OrgID != c.OperatorOrgID {
				d.Companies = append(d.Companies, m)
			}
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "incubation_carrier", ui.NewPage(r, "incubation.carrier", d))
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

func carrierForm(f url.Values) (CarrierInput, error) {
	in := CarrierInput{Stage: f.Get("stage"), NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), District: f.Get("district"), Address: f.Get("address"),
		Level: f.Get("level"), Fields: f["fields"], Services: f["services"], DescriptionZh: f.Get("description_zh"), DescriptionEn: f.Get("description_en"),
		Status: f.Get("status")}
	var area, desks, offices, version int64
	var err error
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"operator_org_id", &in.OperatorOrgID}, {"area_m2", &area}, {"desks", &desks}, {"offices", &offices}, {"seed_fund_yuan", &in.SeedFundYuan}, {"version", &version}} {
		if *x.dst, err = formInt(f, x.name); err != nil {
			return in, err
		}
	}
	if area > maxArea || desks > maxUnits || offices > maxUnits || area < -1 || desks < -1 || offices < -1 {
		return in, apperr.Field("area_m2", "is out of range")
	}
	in.AreaM2, in.Desks, in.Offices = int(area), int(desks), int(offices)
	if version > 0 {
		v := int(version)
		in.Version = &v
	}
	return in, nil
}

// Create is POST /incubation/carriers.
func (pg *Pages) Create(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	in, err := carrierForm(r.PostForm)
	var c Carrier
	if err == nil {
		c, err = pg.S.SaveCarrier(r.Context(), auth.From(r.Context()), 0, in)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/incubation/carriers/"+strconv.FormatInt(c.ID, 10)+"?flash=flash.incubation_carrier_saved", http.StatusSeeOther)
}

// Edit is POST /incubation/carriers/{id}/edit.
func (pg *Pages) Edit(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	in, err := carrierForm(r.PostForm)
	if err == nil {
		_, err = pg.S.SaveCarrier(r.Context(), auth.From(r.Context()), id, in)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/incubation/carriers/"+strconv.FormatInt(id, 10)+"?flash=flash.incubation_carrier_saved", http.StatusSeeOther)
}

// Apply is POST /incubation/carriers/{id}/apply: as a team ("team:ID")
// or a company ("org:ID").
func (pg *Pages) Apply(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := ApplyInput{Plan: f.Get("plan")}
	kind, num, _ := strings.Cut(f.Get("applicant"), ":")
	n, err := strconv.ParseInt(num, 10, 64)
	switch {
	case err != nil || n < 1:
		err = apperr.Field("applicant", "choose a team or a company")
	case kind == "team":
		in.TeamID = n
	case kind == "org":
		in.OrgID = n
	default:
		err = apperr.Field("applicant", "choose a team or a company")
	}
	var desks, offices int64
	if err == nil {
		desks, err = formInt(f, "desks_wanted")
	}
	if err == nil {
		offices, err = formInt(f, "offices_wanted")
	}
	if err == nil && (desks > maxUnits || offices > maxUnits || desks < 0 || offices < 0) {
		err = apperr.Field("desks_wanted", "must be from 0 to 100,000")
	}
	in.DesksWanted, in.OfficesWanted = int(desks), int(offices)
	if err == nil {
		_, err = pg.S.Apply(r.Context(), auth.From(r.Context()), id, in)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/incubation/mine?flash=flash.incubation_applied", http.StatusSeeOther)
}

// Annotate is POST /incubation/carriers/{id}/notes.
func (pg *Pages) Annotate(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	if _, err := pg.S.Annotate(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("body")); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/incubation/carriers/"+strconv.FormatInt(id, 10)+"?flash=flash.incubation_note_added#notes", http.StatusSeeOther)
}

type queueData struct {
	Today    string
	Items    []ApplicationView
	State    string
	States   []string
	Carriers []Carrier
}

// Queue is GET /incubation/queue: the applications to the caller's
// carriers (officers: their districts'), with the actions open.
func (pg *Pages) Queue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.From(ctx)
	if p == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	st := r.URL.Query().Get("state")
	as, err := pg.S.Applications(ctx, p, AppQuery{State: st})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := queueData{State: st, Items: []ApplicationView{}, Today: pg.S.today().Format("2006-01-02")}
	for _, s := range Admission.States() {
		d.States = append(d.States, s.Name)
	}
	// The applicant's own are on /incubation/mine.
	if d.Items, err = pg.views(ctx, p, as, d.Items, func(a *Application) bool {
		return !applicant(p, a) || operates(p, &Carrier{OperatorOrgID: a.OperatorOrgID}) || p.OfficerFor(a.District)
	}); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if d.Carriers, err = pg.S.Operated(ctx, p); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "incubation_queue", ui.NewPage(r, "incubation.queue", d))
}

// Act is POST /incubation/applications/{id}/act.
func (pg *Pages) Act(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	if _, err := pg.S.Act(r.Context(), auth.From(r.Context()), id, ActInput{Action: f.Get("action"), Comment: f.Get("comment"), AdmittedOn: f.Get("admitted_on")}); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	back := "/incubation/queue"
	if f.Get("back") == "mine" {
		back = "/incubation/mine"
	}
	http.Redirect(w, r, back+"?flash=flash.incubation_acted", http.StatusSeeOther)
}

// views appends to out the full view of each application keep takes.
func (pg *Pages) views(ctx context.Context, p *auth.Principal, as []Application, out []ApplicationView, keep func(*Application) bool) ([]ApplicationView, error) {
	for _, a := range as {
		if !keep(&a) {
			continue
		}
		v, err := pg.S.View(ctx, p, a.ID)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

type mineData struct {
	Teams     []Team
	Apps      []ApplicationView
	Tenancies []Tenancy
	Fields    []string
	Rounds    []string
	Today     string
}

// Mine is GET /incubation/mine: my teams, my applications and my teams'
// and companies' tenancies with the programs they qualify for.
func (pg *Pages) Mine(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.From(ctx)
	if p == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	d := mineData{Fields: Fields, Rounds: Rounds, Today: pg.S.today().Format("2006-01-02"), Apps: []ApplicationView{}}
	var err error
	if d.Teams, err = pg.S.Teams(ctx, p); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	as, err := pg.S.Applications(ctx, p, AppQuery{})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if d.Apps, err = pg.views(ctx, p, as, d.Apps, func(a *Application) bool { return applicant(p, a) }); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if d.Tenancies, err = pg.S.MyTenancies(ctx, p); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "incubation_mine", ui.NewPage(r, "incubation.mine", d))
}

// CreateTeam is POST /incubation/teams.
func (pg *Pages) CreateTeam(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	if _, err := pg.S.RegisterTeam(r.Context(), auth.From(r.Context()), TeamInput{Name: f.Get("name"), Members: f.Get("members"), Field: f.Get("field"), Project: f.Get("project")}); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/incubation/mine?flash=flash.incubation_team_registered", http.StatusSeeOther)
}

// backTo is where a tenancy form returns: the carrier page of its
// operator, or the tenant's page.
func (pg *Pages) backTo(w http.ResponseWriter, r *http.Request, t int64, flash string) {
	if c := r.PostForm.Get("carrier_id"); c != "" {
		if n, err := strconv.ParseInt(c, 10, 64); err == nil && n > 0 {
			http.Redirect(w, r, "/incubation/carriers/"+strconv.FormatInt(n, 10)+"?flash="+flash+"#tenancy-"+strconv.FormatInt(t, 10), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, "/incubation/mine?flash="+flash, http.StatusSeeOther)
}

// tenancyForm serves a form posted to /incubation/tenancies/{id}/…: do
// acts for the signed-in user on the tenancy, then backTo with the flash,
// or the error page answers.
func (pg *Pages) tenancyForm(w http.ResponseWriter, r *http.Request, flash string, do func(p *auth.Principal, id int64, f url.Values) error) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	if err := do(auth.From(r.Context()), id, r.PostForm); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.backTo(w, r, id, flash)
}

// Lease is POST /incubation/tenancies/{id}/leases.
func (pg *Pages) Lease(w http.ResponseWriter, r *http.Request) {
	pg.tenancyForm(w, r, "flash.incubation_lease_added", func(p *auth.Principal, id int64, f url.Values) error {
		units, err := formInt(f, "units")
		if err == nil && (units < 0 || units > maxUnits) {
			err = apperr.Field("units", "must be from 1 to 100,000")
		}
		if err == nil {
			_, err = pg.S.Lease(r.Context(), p, id, LeaseInput{Space: f.Get("space"), Units: int(units), StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on")})
		}
		return err
	})
}

// Leave is POST /incubation/tenancies/{id}/exit.
func (pg *Pages) Leave(w http.ResponseWriter, r *http.Request) {
	pg.tenancyForm(w, r, "flash.incubation_tenant_left", func(p *auth.Principal, id int64, f url.Values) error {
		became, err := formInt(f, "became_org_id")
		if err == nil {
			_, err = pg.S.Leave(r.Context(), p, id, ExitInput{Exit: f.Get("exit"), LeftOn: f.Get("left_on"), BecameOrgID: became})
		}
		return err
	})
}

// Invest is POST /incubation/tenancies/{id}/investments.
func (pg *Pages) Invest(w http.ResponseWriter, r *http.Request) {
	pg.tenancyForm(w, r, "flash.incubation_investment_added", func(p *auth.Principal, id int64, f url.Values) error {
		amount, err := formInt(f, "amount_yuan")
		if err == nil {
			_, err = pg.S.Invest(r.Context(), p, id, InvestmentInput{Round: f.Get("round"), AmountYuan: amount, Investor: f.Get("investor"), InvestedOn: f.Get("invested_on")})
		}
		return err
	})
}

type overviewData struct {
	City      City
	Districts map[string]string
	Carriers  []Carrier
}

// Overview is GET /incubation/overview: the city's and each district's
// figures and the carriers of the officer's districts.
func (pg *Pages) Overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.From(ctx)
	c, err := pg.S.Overview(ctx, p, r.URL.Query().Get("as_of"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := overviewData{City: c}
	if d.Districts, _, err = pg.S.districtNames(ctx, ui.Lang(ctx)); err == nil {
		d.Carriers, err = pg.S.Operated(ctx, p)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "incubation_overview", ui.NewPage(r, "incubation.overview", d))
}
