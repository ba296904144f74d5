package registry

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the registry's page templates.
func Templates() fs.FS { return ui.Templates(templateFS) }

// Pages serves the registry's web pages.
type Pages struct {
	S    *Service
	UI   *ui.Renderer
	Auth *auth.Service
}

// Label names a profile field in lang.
func Label(lang, name string) string {
	f, ok := FieldByName(name)
	if !ok {
		return name
	}
	if lang == "en" {
		return f.LabelEn
	}
	return f.LabelZh
}

// Words used for registry values; the catalog holds them.
func kindName(lang, k string) string { return i18n.T(lang, "orgkind."+k) }
func techName(lang, t string) string { return i18n.T(lang, "tech."+t) }
func certName(lang, c string) string { return i18n.T(lang, "cert."+c) }

// CatalogKeys lists the catalog keys the registry's pages build from its
// vocabularies, for the catalog completeness test.
func CatalogKeys() []string {
	var ks []string
	for _, k := range Kinds {
		ks = append(ks, "orgkind."+k, "kind."+k)
	}
	for _, t := range TechFields {
		ks = append(ks, "tech."+t)
	}
	for _, c := range CertificationNames {
		ks = append(ks, "cert."+c)
	}
	return ks
}

// names picks the name of an organization in lang and the other as a
// subtitle.
func names(lang string, o *Org) (name, alt string) {
	if lang == "en" && o.NameEn != "" {
		return o.NameEn, o.NameZh
	}
	return o.NameZh, o.NameEn
}

func districtName(lang string, ds []District, slug string) string {
	for _, d := range ds {
		if d.Slug == slug {
			if lang == "en" {
				return d.NameEn
			}
			return d.NameZh
		}
	}
	return slug
}

// orgRow is one line of the directory.
type orgRow struct {
	ID        int64
	Name, Alt string
	Kind      string
	District  string
	Industry  string
	TechField string
	Certs     []string
}

func rowOf(lang string, ds []District, o *Org) orgRow {
	r := orgRow{ID: o.ID, Kind: kindName(lang, o.Kind)}
	r.Name, r.Alt = names(lang, o)
	if o.RegisteredDistrict != nil {
		r.District = districtName(lang, ds, *o.RegisteredDistrict)
	}
	if o.Industry != nil {
		r.Industry = *o.Industry
	}
	if o.TechField != nil {
		r.TechField = techName(lang, *o.TechField)
	}
	for _, c := range o.Certifications {
		r.Certs = append(r.Certs, certName(lang, c))
	}
	return r
}

type directoryData struct {
	Q, Industry    string
	Kinds          []ui.Option
	Districts      []ui.Option
	TechFields     []ui.Option
	Certifications []ui.Option
	Parks          []parkGroup
	Rows           []orgRow
	NextURL        string
	First          bool // the first page: no cursor
	Filtered       bool
	Errors         []string // what is wrong with the filters
}

// filterLabel names a directory filter.
func filterLabel(lang, name string) string {
	switch name {
	case "q", "kind", "district", "industry", "tech_field", "certification", "park_id":
		return i18n.T(lang, "dir."+name)
	}
	return name
}

// Directory is GET /orgs: search and filters; an htmx request for the
// "results" block gets the rows only.
func (pg *Pages) Directory(w http.ResponseWriter, r *http.Request) {
	lang := ui.Lang(r.Context())
	status := http.StatusOK
	var bad []string
	f, err := FilterFromQuery(r)
	var res Page
	if err == nil {
		res, err = pg.S.List(r.Context(), auth.From(r.Context()), f)
	}
	if err != nil {
		// Bad filters come back on the page, next to the form.
		fe := ui.FormErrorOf(err)
		if fe == nil || len(fe.Fields) == 0 {
			pg.UI.Error(w, r, err)
			return
		}
		status = http.StatusUnprocessableEntity
		for _, name := range []string{"q", "kind", "district", "tax_district", "industry", "tech_field", "certification", "park_id", "cursor", "limit"} {
			if msg, ok := fe.Fields[name]; ok {
				bad = append(bad, filterLabel(lang, name)+": "+ui.FieldMessage(lang, msg, nil))
			}
		}
		res = Page{}
	}
	ds, err := pg.S.Districts(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	slugs := make([]string, len(ds))
	for i, d := range ds {
		slugs[i] = d.Slug
	}
	ps, err := pg.S.Parks(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	data := directoryData{
		Q: f.Q, Industry: f.Industry,
		Kinds:          ui.Options(Kinds, func(k string) string { return kindName(lang, k) }, f.Kind),
		Districts:      ui.Options(slugs, func(s string) string { return districtName(lang, ds, s) }, f.District),
		TechFields:     ui.Options(TechFields, func(t string) string { return techName(lang, t) }, f.TechField),
		Certifications: ui.Options(CertificationNames, func(c string) string { return certName(lang, c) }, f.Certification),
		First:          f.Cursor == "",
		Errors:         bad,
		Parks:          parkGroups(lang, ds, ps, f.ParkID),
		Filtered:       f.Q != "" || f.Kind != "" || f.District != "" || f.Industry != "" || f.TechField != "" || f.Certification != "" || f.ParkID != 0,
	}
	for i := range res.Items {
		data.Rows = append(data.Rows, rowOf(lang, ds, &res.Items[i]))
	}
	if res.NextCursor != nil {
		q := url.Values{}
		for k, vs := range r.URL.Query() {
			if k != "cursor" && len(vs) > 0 && vs[0] != "" {
				q.Set(k, vs[0])
			}
		}
		q.Set("cursor", *res.NextCursor)
		data.NextURL = "/orgs?" + q.Encode()
	}
	pg.UI.Render(w, r, status, "directory", ui.NewPage(r, "nav.directory", data))
}

// fieldRow is one line of an organization's profile.
type fieldRow struct {
	Label   string
	Value   string
	Href    string // a link for the value, such as the directory of a park
	Unknown bool
}

type orgPage struct {
	Org         Org
	Name, Alt   string
	Description string
	Public      []fieldRow
	Private     []fieldRow
	ShowPrivate bool
	CanEdit     bool
	ShowMembers bool
	People      []Person
	PersonForms []personForm // with CanEdit: one per person, then the add form
	Audit       []ui.AuditRow
	ShowAudit   bool
}

// display formats one field of o for reading.
func (pg *Pages) display(ctx context.Context, lang string, ds []District, o *Org, f Field) fieldRow {
	row := fieldRow{Label: Label(lang, f.Name)}
	if o.IsNull(f.Name) {
		row.Value, row.Unknown = i18n.T(lang, "value.unknown"), true
		return row
	}
	text := o.Text(f.Name)
	switch f.Name {
	case "kind":
		row.Value = kindName(lang, text)
	case "registered_district", "tax_district":
		row.Value = districtName(lang, ds, text)
	case "tech_field":
		row.Value = techName(lang, text)
	case "certifications":
		if len(o.Certifications) == 0 {
			row.Value = i18n.T(lang, "value.none")
			break
		}
		var cs []string
		for _, c := range o.Certifications {
			cs = append(cs, certName(lang, c))
		}
		row.Value = strings.Join(cs, i18n.T(lang, "list.sep"))
	case "park_id":
		row.Value = text
		if ps, err := pg.S.Parks(ctx); err == nil {
			for _, p := range ps {
				if p.ID == *o.ParkID {
					row.Value = parkName(lang, p)
					row.Href = "/orgs?park_id=" + strconv.FormatInt(p.ID, 10)
				}
			}
		}
	case "major_incident_last_year":
		if *o.MajorIncidentLastYear {
			row.Value = i18n.T(lang, "value.yes")
		} else {
			row.Value = i18n.T(lang, "value.no")
		}
	default:
		switch {
		case f.kind == kInt && f.Money:
			row.Value = ui.FormatYuan(*f.ref(o).(**int64))
		case f.kind == kInt:
			row.Value = ui.FormatInt(*f.ref(o).(**int64))
		case text == "":
			row.Value, row.Unknown = i18n.T(lang, "value.unknown"), true
		default:
			row.Value = text
		}
	}
	return row
}

// profileShown are the fields the organization page lists; names and
// descriptions are shown as its heading and text.
func profileShown(name string) bool {
	switch name {
	case "name_zh", "name_en", "description_zh", "description_en", "website":
		return false
	}
	return true
}

func orgID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.New(apperr.NotFound, "no organization %q", r.PathValue("id"))
	}
	return id, nil
}

// Org is GET /orgs/{id}: the public profile for everyone, the private
// figures for those who may see them.
func (pg *Pages) Org(w http.ResponseWriter, r *http.Request) {
	id, err := orgID(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.renderOrg(w, r, http.StatusOK, id, nil)
}

// renderOrg writes the organization page; failed, when given, is a person
// form that came back with errors.
func (pg *Pages) renderOrg(w http.ResponseWriter, r *http.Request, status int, id int64, failed *personForm) {
	ctx, lang, p := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	o, err := pg.S.Get(ctx, p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ds, err := pg.S.Districts(ctx)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	people, err := pg.S.People(ctx, p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	data := orgPage{Org: o, ShowPrivate: !o.Restricted, CanEdit: CanEdit(p, &o), ShowMembers: CanSeePrivate(p, &o), People: people}
	if data.CanEdit {
		data.PersonForms = personForms(lang, o.ID, people, failed)
	}
	data.Name, data.Alt = names(lang, &o)
	data.Description = o.DescriptionZh
	if (lang == "en" && o.DescriptionEn != "") || data.Description == "" {
		data.Description = o.DescriptionEn
	}
	for _, f := range Fields {
		if !profileShown(f.Name) {
			continue
		}
		if f.Private {
			if data.ShowPrivate {
				data.Private = append(data.Private, pg.display(ctx, lang, ds, &o, f))
			}
			continue
		}
		data.Public = append(data.Public, pg.display(ctx, lang, ds, &o, f))
	}
	// The audit trail of an organization is for its members and
	// administrators, as on the audit page.
	if p.IsAdmin() || p.RoleIn(id) != "" {
		data.ShowAudit = true
		es, _, err := audit.List(ctx, pg.S.DB, audit.Filter{OrgIDs: []int64{id}, Limit: 10})
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		data.Audit = ui.AuditRows(lang, es, AuditLabel(lang))
	}
	page := ui.NewPage(r, "", data)
	page.Title = data.Name
	pg.UI.Render(w, r, status, "org", page)
}

// AuditLabel names the fields of audited records: the registry's own for
// organizations, the catalog's for the rest.
func AuditLabel(lang string) func(entity, field string) string {
	return func(entity, field string) string {
		if entity == "org" {
			return Label(lang, field)
		}
		if s := i18n.T(lang, "audit.field."+field); s != "audit.field."+field {
			return s
		}
		return field
	}
}

// formField is one input of the edit form.
type formField struct {
	Name     string
	Label    string
	Type     string // text, number, date, url, textarea, select, checks, bool
	Value    string
	Values   []string
	Options  []ui.Option
	Error    string
	Hint     string
	Required bool
	Disabled bool
	Money    bool
}

type formSection struct {
	Title  string
	Note   string
	Fields []formField
}

type editData struct {
	ID       int64
	Name     string
	Version  int
	Sections []formSection
	Error    string
	Errors   []formField // the fields at fault, for the summary
}

// sectionOf groups the edit form.
func sectionOf(f Field) int {
	switch {
	case f.Name == "description_zh" || f.Name == "description_en" || f.Name == "website":
		return 1
	case f.Private:
		return 2
	case f.Name == "invention_patents" || f.Name == "other_ip" || f.Name == "industry" || f.Name == "tech_field" || f.Name == "certifications":
		return 3
	}
	return 0
}

// editForm builds the form of o; values and errors, when given, are what
// the user sent and what was wrong with it.
func (pg *Pages) editForm(ctx context.Context, lang string, p *auth.Principal, o *Org, values url.Values, fe *ui.FormError) (editData, error) {
	ds, err := pg.S.Districts(ctx)
	if err != nil {
		return editData{}, err
	}
	ps, err := pg.S.Parks(ctx)
	if err != nil {
		return editData{}, err
	}
	slugs := make([]string, len(ds))
	for i, d := range ds {
		slugs[i] = d.Slug
	}
	parkIDs := make([]string, len(ps))
	for i, pk := range ps {
		parkIDs[i] = strconv.FormatInt(pk.ID, 10)
	}
	parkLabel := func(id string) string {
		for _, pk := range ps {
			if strconv.FormatInt(pk.ID, 10) == id {
				return parkName(lang, pk)
			}
		}
		return id
	}
	data := editData{ID: o.ID, Version: o.Version}
	data.Name, _ = names(lang, o)
	data.Sections = []formSection{
		{Title: i18n.T(lang, "edit.section.basic")},
		{Title: i18n.T(lang, "edit.section.about")},
		{Title: i18n.T(lang, "edit.section.figures"), Note: i18n.T(lang, "edit.section.figures_note")},
		{Title: i18n.T(lang, "edit.section.innovation")},
	}
	label := func(n string) string { return Label(lang, n) }
	for _, f := range Fields {
		ff := formField{Name: f.Name, Label: label(f.Name), Required: f.Required, Money: f.Money}
		if values != nil {
			ff.Value = values.Get(f.Name)
			ff.Values = values[f.Name]
		} else {
			ff.Value = o.Text(f.Name)
			ff.Values = slices.Clone(o.Certifications)
		}
		switch f.Name {
		case "kind":
			ff.Type = "select"
			ff.Options = ui.Options(Kinds, func(k string) string { return kindName(lang, k) }, ff.Value)
			if !p.IsAdmin() {
				ff.Disabled, ff.Value = true, o.Kind
				ff.Options = ui.Options(Kinds, func(k string) string { return kindName(lang, k) }, o.Kind)
				ff.Hint = i18n.T(lang, "edit.hint.kind")
			}
		case "registered_district", "tax_district":
			ff.Type = "select"
			ff.Options = ui.Options(slugs, func(s string) string { return districtName(lang, ds, s) }, ff.Value)
		case "park_id":
			ff.Type = "select"
			ff.Options = ui.Options(parkIDs, parkLabel, ff.Value)
		case "tech_field":
			ff.Type = "select"
			ff.Options = ui.Options(TechFields, func(t string) string { return techName(lang, t) }, ff.Value)
		case "certifications":
			ff.Type = "checks"
			ff.Options = ui.Options(CertificationNames, func(c string) string { return certName(lang, c) }, ff.Values...)
		case "website":
			ff.Type = "url"
			ff.Hint = "https://…"
		case "description_zh", "description_en":
			ff.Type = "textarea"
		case "industry":
			ff.Type = "text"
			ff.Hint = i18n.T(lang, "edit.hint.industry")
		case "uscc":
			ff.Type = "text"
			ff.Hint = i18n.T(lang, "edit.hint.uscc")
		default:
			switch f.kind {
			case kInt:
				ff.Type = "number"
				if f.Money {
					ff.Hint = i18n.T(lang, "edit.hint.money")
				}
			case kDate:
				ff.Type = "date"
			case kBool:
				ff.Type = "bool"
				ff.Options = []ui.Option{
					{Value: "", Label: i18n.T(lang, "value.unknown"), Selected: ff.Value == ""},
					{Value: "true", Label: i18n.T(lang, "value.yes"), Selected: ff.Value == "true"},
					{Value: "false", Label: i18n.T(lang, "value.no"), Selected: ff.Value == "false"},
				}
			default:
				ff.Type = "text"
			}
		}
		if f.Name == "innovation_score" {
			ff.Hint = i18n.T(lang, "edit.hint.score")
		}
		if fe != nil {
			if msg, ok := fe.Fields[f.Name]; ok {
				ff.Error = ui.FieldMessage(lang, msg, label)
				data.Errors = append(data.Errors, ff)
			}
		}
		s := &data.Sections[sectionOf(f)]
		s.Fields = append(s.Fields, ff)
	}
	return data, nil
}

// editable loads an organization for its edit form: sign in first, then
// only its members and administrators.
func (pg *Pages) editable(r *http.Request) (Org, *auth.Principal, error) {
	p := auth.From(r.Context())
	if p == nil {
		return Org{}, nil, apperr.New(apperr.Unauthorized, "sign in to edit an organization")
	}
	id, err := orgID(r)
	if err != nil {
		return Org{}, p, err
	}
	o, err := pg.S.Get(r.Context(), p, id)
	if err != nil {
		return Org{}, p, err
	}
	if !CanEdit(p, &o) {
		return Org{}, p, apperr.New(apperr.Forbidden, "only the organization's members and administrators may edit it")
	}
	return o, p, nil
}

// Edit is GET /orgs/{id}/edit.
func (pg *Pages) Edit(w http.ResponseWriter, r *http.Request) {
	o, p, err := pg.editable(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	data, err := pg.editForm(r.Context(), ui.Lang(r.Context()), p, &o, nil, nil)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "org_edit", ui.NewPage(r, "edit.title", data))
}

// SaveEdit is POST /orgs/{id}/edit: an empty input is unknown; a field
// absent from the form stays as it is.
func (pg *Pages) SaveEdit(w http.ResponseWriter, r *http.Request) {
	o, p, err := pg.editable(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	lang := ui.Lang(r.Context())
	form := r.PostForm
	version, err := strconv.Atoi(form.Get("version"))
	if err != nil {
		pg.UI.Error(w, r, apperr.Field("version", "must be a whole number"))
		return
	}
	fields := map[string]string{}
	for _, f := range Fields {
		if _, sent := form[f.Name]; !sent {
			continue
		}
		if f.Name == "kind" && !p.IsAdmin() {
			continue
		}
		if f.kind == kCerts {
			fields[f.Name] = strings.Join(form[f.Name], ";")
			continue
		}
		fields[f.Name] = form.Get(f.Name)
	}
	_, _, err = pg.S.UpdateText(r.Context(), p, o.ID, version, fields)
	if err == nil {
		http.Redirect(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10)+"?flash=flash.saved", http.StatusSeeOther)
		return
	}
	fe := ui.FormErrorOf(err)
	if fe == nil {
		pg.UI.Error(w, r, err)
		return
	}
	status := http.StatusUnprocessableEntity
	msg := i18n.T(lang, "edit.invalid")
	if apperr.CodeOf(err) == apperr.Conflict {
		status = http.StatusConflict
		msg = i18n.T(lang, "edit.conflict")
		if _, stale := fe.Fields["version"]; stale {
			// The form keeps what the user typed; saving again
			// overwrites the other change knowingly.
			delete(fe.Fields, "version")
			if cur, err := pg.S.Get(r.Context(), p, o.ID); err == nil {
				o = cur
			}
		}
	}
	if cs := form["certifications"]; len(cs) > 0 && cs[0] == "" {
		form["certifications"] = cs[1:]
	}
	data, err := pg.editForm(r.Context(), lang, p, &o, form, fe)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	data.Error = msg
	pg.UI.Render(w, r, status, "org_edit", ui.NewPage(r, "edit.title", data))
}

// Overview is the ecosystem at a glance: organizations by kind, by
// district and by certification.
type Overview struct {
	Total     int64
	Kinds     []Tally
	Districts []Tally
	Certs     []Tally
	// Max is the largest district tally, the scale of the bars.
	MaxDistrict int64
}

// Tally is one count of the overview, with its label key or name.
type Tally struct {
	Key    string
	NameZh string
	NameEn string
	N      int64
	// Share is the percentage of the largest tally of its group.
	Share int
}

// OverviewDistricts are the districts the home page charts.
var OverviewDistricts = []string{"xuhui", "minhang", "jingan", "yangpu", "pudong"}

type cachedOverview struct {
	at time.Time
	v  Overview
}

var (
	overviewMu    sync.Mutex
	overviewCache = map[*Service]cachedOverview{}
)

// overviewTTL is how long the home page's counts are reused: they are
// three scans of the organizations table.
const overviewTTL = 15 * time.Second

// Overview counts the organizations for the home page.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	overviewMu.Lock()
	c, ok := overviewCache[s]
	overviewMu.Unlock()
	if ok && time.Since(c.at) < overviewTTL {
		return c.v, nil
	}
	var ov Overview
	kinds, err := s.Count(ctx)
	if err != nil {
		return ov, err
	}
	for _, k := range Kinds {
		ov.Kinds = append(ov.Kinds, Tally{Key: k, N: kinds[k]})
		ov.Total += kinds[k]
	}
	ds, err := s.Districts(ctx)
	if err != nil {
		return ov, err
	}
	var a db.Args
	q := `SELECT registered_district, COUNT(*) FROM orgs WHERE registered_district IN (` + db.List(&a, OverviewDistricts) + `) GROUP BY registered_district`
	rows, err := s.DB.Read.QueryContext(ctx, q, a...)
	if err != nil {
		return ov, apperr.Wrap(err, "count by district")
	}
	byDistrict := map[string]int64{}
	for rows.Next() {
		var d string
		var n int64
		if err := rows.Scan(&d, &n); err != nil {
			rows.Close()
			return ov, apperr.Wrap(err, "count by district")
		}
		byDistrict[d] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ov, apperr.Wrap(err, "count by district")
	}
	for _, slug := range OverviewDistricts {
		t := Tally{Key: slug, N: byDistrict[slug]}
		for _, d := range ds {
			if d.Slug == slug {
				t.NameZh, t.NameEn = d.NameZh, d.NameEn
			}
		}
		ov.Districts = append(ov.Districts, t)
		ov.MaxDistrict = max(ov.MaxDistrict, t.N)
	}
	for i := range ov.Districts {
		if ov.MaxDistrict > 0 {
			ov.Districts[i].Share = int(ov.Districts[i].N * 100 / ov.MaxDistrict)
		}
	}
	var b db.Args
	var sums []string
	for _, c := range CertificationNames {
		sums = append(sums, `SUM(CASE WHEN (' ' || certifications || ' ') LIKE `+b.Add("% "+c+" %")+` THEN 1 ELSE 0 END)`)
	}
	counts := make([]sql.NullInt64, len(CertificationNames))
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT `+strings.Join(sums, ", ")+` FROM orgs WHERE certifications <> ''`, b...).Scan(dest...); err != nil {
		return ov, apperr.Wrap(err, "count certifications")
	}
	for i, c := range CertificationNames {
		ov.Certs = append(ov.Certs, Tally{Key: c, N: counts[i].Int64})
	}
	overviewMu.Lock()
	overviewCache[s] = cachedOverview{at: time.Now(), v: ov}
	overviewMu.Unlock()
	return ov, nil
}
