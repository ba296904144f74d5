package programs

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/registry"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the programs' page templates.
func Templates() fs.FS { return ui.Templates(templateFS) }

// Pages serves the programs' web pages.
type Pages struct {
	S  *Service
	UI *ui.Renderer
}

// CatalogKeys lists the catalog keys the pages build from vocabularies,
// for the catalog completeness test.
func CatalogKeys() []string {
	var ks []string
	for _, l := range Levels {
		ks = append(ks, "prog.level."+l)
	}
	for _, s := range Statuses {
		ks = append(ks, "prog.status."+s)
	}
	for _, s := range []rules.Status{rules.Met, rules.NotMet, rules.Unknown, rules.Eligible, rules.Ineligible} {
		ks = append(ks, "prog.result."+string(s))
	}
	for _, st := range AppStates {
		ks = append(ks, "app.state."+st)
	}
	for _, st := range []string{AwardReserved, AwardPaid, AwardCancelled, AwardClawedBack} {
		ks = append(ks, "app.award."+st)
	}
	for _, st := range []string{BatchProposed, BatchApproved, BatchDiscarded} {
		ks = append(ks, "grant.status."+st)
	}
	ks = append(ks, "audit.entity.grant_batch", "audit.action.propose", "audit.action.approve", "audit.action.discard")
	return append(ks, "audit.entity.program", "audit.action.publish", "audit.action.close", "audit.entity.program_application", "audit.action.attach", "audit.action.detach")
}

// row is one program in a list.
type row struct {
	Program
	Title, Summary, Owner, Fund string
	CanEdit                     bool
	BudgetYuan                  *int64
}

// ownerNames names the agencies that own programs, in lang.
func (pg *Pages) ownerNames(ctx context.Context, lang string, ps []Program) map[int64]string {
	out := map[int64]string{}
	for _, p := range ps {
		if p.OwnerOrgID == nil {
			continue
		}
		if _, done := out[*p.OwnerOrgID]; done {
			continue
		}
		if o, err := pg.S.Registry.Get(ctx, nil, *p.OwnerOrgID); err == nil {
			out[o.ID] = pick(lang, o.NameZh, o.NameEn)
		}
	}
	return out
}

func pick(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	if zh == "" {
		return en
	}
	return zh
}

func (pg *Pages) rowOf(lang string, u *auth.Principal, owners map[int64]string, p Program) row {
	r := row{Program: p, Title: pick(lang, p.TitleZh, p.TitleEn), Summary: pick(lang, p.SummaryZh, p.SummaryEn),
		Fund: pick(lang, p.FundNameZh, p.FundNameEn), CanEdit: CanEdit(u, &p)}
	if p.BudgetFen != nil {
		y := *p.BudgetFen / 100
		r.BudgetYuan = &y
	}
	if p.OwnerOrgID != nil {
		r.Owner = owners[*p.OwnerOrgID]
	} else {
		r.Owner = i18n.T(lang, "prog.owner_none")
	}
	return r
}

type catalogData struct {
	Level     string
	Levels    []ui.Option
	Published []row
	Closed    []row
	Drafts    []row
	CanCreate bool
}

// Catalog is GET /programs: published programs for everyone, drafts for
// their editors.
func (pg *Pages) Catalog(w http.ResponseWriter, r *http.Request) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	level := r.URL.Query().Get("level")
	ps, err := pg.S.List(ctx, u, Filter{Level: level})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	owners := pg.ownerNames(ctx, lang, ps)
	d := catalogData{Level: level, CanCreate: CanCreate(u),
		Levels: ui.Options(Levels, func(l string) string { return i18n.T(lang, "prog.level."+l) }, level)}
	for _, p := range ps {
		rw := pg.rowOf(lang, u, owners, p)
		switch p.Status {
		case Published:
			d.Published = append(d.Published, rw)
		case Closed:
			d.Closed = append(d.Closed, rw)
		default:
			d.Drafts = append(d.Drafts, rw)
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "programs", ui.NewPage(r, "prog.catalog", d))
}

// criterionRow is one criterion of a program page, in both languages.
type criterionRow struct {
	ID, Label, AltLabel, Reference string
}

// paramRow is one parameter in force.
type paramRow struct {
	Label, Value, Reference string
}

type programData struct {
	row
	AltTitle, AltSummary string
	Criteria             []criterionRow
	Params               []paramRow
	AmountLabel          string
	AmountReference      string
	Docs                 []Document
	Today                string
	OtherLang            string
}

// paramText shows a parameter value in force.
func paramText(lang string, ps rules.ParamSpec, v any) string {
	switch x := v.(type) {
	case float64:
		switch ps.Format {
		case rules.FormatPercent:
			return strconv.FormatFloat(x*100, 'f', -1, 64) + "%"
		case rules.FormatYuan, rules.FormatCount:
			return ui.FormatInt(int64(x))
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return i18n.T(lang, "value.yes")
		}
		return i18n.T(lang, "value.no")
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = vocab(lang, s)
		}
		return strings.Join(out, i18n.T(lang, "list.sep"))
	case string:
		return vocab(lang, x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// vocab names a value of the registry's vocabularies (districts aside).
func vocab(lang, s string) string {
	for _, k := range []string{"tech." + s, "cert." + s} {
		if t := i18n.T(lang, k); t != k {
			return t
		}
	}
	return s
}

func (pg *Pages) load(r *http.Request) (Program, error) {
	return pg.S.Get(r.Context(), auth.From(r.Context()), r.PathValue("slug"))
}

// Program is GET /programs/{slug}: the program with its criteria and
// legal references in both languages.
func (pg *Pages) Program(w http.ResponseWriter, r *http.Request) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	p, err := pg.load(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	rs, err := pg.S.RuleSet(&p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	other := "en"
	if lang == "en" {
		other = "zh"
	}
	d := programData{row: pg.rowOf(lang, u, pg.ownerNames(ctx, lang, []Program{p}), p), Docs: p.RequiredDocuments,
		Today: pg.S.today().Format(time.DateOnly), OtherLang: other}
	d.AltTitle, d.AltSummary = pick(other, p.TitleZh, p.TitleEn), pick(other, p.SummaryZh, p.SummaryEn)
	if d.AltTitle == d.Title {
		d.AltTitle = ""
	}
	spec := rs.Spec()
	for _, c := range spec.Criteria {
		d.Criteria = append(d.Criteria, criterionRow{ID: c.ID, Label: c.Label.In(lang), AltLabel: c.Label.In(other), Reference: c.Reference})
	}
	if vals, err := rs.ParamValues(pg.S.today()); err == nil {
		for _, ps := range spec.Parameters {
			if ps.Type == "bands" {
				continue
			}
			ref := ""
			for _, per := range ps.Periods {
				ref = per.Reference
			}
			d.Params = append(d.Params, paramRow{Label: ps.Label.In(lang), Value: paramText(lang, ps, vals[ps.Name]), Reference: ref})
		}
	}
	if spec.Amount != nil {
		d.AmountLabel, d.AmountReference = spec.Amount.Label.In(lang), spec.Amount.Reference
	}
	page := ui.NewPage(r, "", d)
	page.Title = d.Title
	pg.UI.Render(w, r, http.StatusOK, "program", page)
}

// formData is the program editor.
type formData struct {
	New      bool
	Slug     string // the stored slug, for the form's action
	Values   map[string]string
	Owners   []ui.Option
	Levels   []ui.Option
	Version  int
	Error    string
	Errors   []fieldErr // every fault, rule set members included
	FieldErr map[string]string
}

type fieldErr struct{ Field, Label, Message string }

// formFields are the editor's inputs in order (for the error summary).
var formFields = []string{"slug", "owner_org_id", "level", "title_zh", "title_en", "summary_zh", "summary_en", "fund_name_zh", "fund_name_en",
	"fund_code", "legal_reference", "opens_on", "closes_on", "budget_yuan", "required_documents", "auto_grant",
	"excludes", "yields_to_higher", "obligation_years", "clawback_pro_rata", "rule_set"}

// starterRuleSet is the rule set a new program starts from.
const starterRuleSet = `{
  "title": {"zh": "示例", "en": "Example"},
  "reference": "",
  "parameters": [
    {"name": "district", "type": "string", "label": {"zh": "所属区", "en": "District"},
     "periods": [{"from": "2026-01-01", "value": "jingan", "reference": "（填写条款）"}]}
  ],
  "criteria": [
    {"id": "registered_and_taxed", "label": {"zh": "注册地和纳税地均在本区", "en": "Registered and paying tax in the district"},
     "reference": "（填写条款）",
     "expr": "registered_district == params.district && tax_district == params.district"}
  ]
}`

func (pg *Pages) options(ctx context.Context, lang string, u *auth.Principal, owner string) []ui.Option {
	var ids []string
	names := map[string]string{}
	if u.IsAdmin() {
		res, err := pg.S.Registry.List(ctx, u, registry.Filter{Kind: "agency", Limit: 200})
		if err == nil {
			for _, o := range res.Items {
				id := strconv.FormatInt(o.ID, 10)
				ids, names[id] = append(ids, id), pick(lang, o.NameZh, o.NameEn)
			}
		}
	} else {
		for _, m := range AgenciesOf(u) {
			id := strconv.FormatInt(m.OrgID, 10)
			ids, names[id] = append(ids, id), m.OrgName
		}
	}
	return ui.Options(ids, func(id string) string { return names[id] }, owner)
}

func valuesOf(p *Program) map[string]string {
	v := map[string]string{
		"slug": p.Slug, "level": p.Level, "title_zh": p.TitleZh, "title_en": p.TitleEn, "summary_zh": p.SummaryZh, "summary_en": p.SummaryEn,
		"fund_name_zh": p.FundNameZh, "fund_name_en": p.FundNameEn, "fund_code": p.FundCode, "legal_reference": p.LegalReference,
	}
	if p.OwnerOrgID != nil {
		v["owner_org_id"] = strconv.FormatInt(*p.OwnerOrgID, 10)
	}
	if p.OpensOn != nil {
		v["opens_on"] = *p.OpensOn
	}
	if p.ClosesOn != nil {
		v["closes_on"] = *p.ClosesOn
	}
	if p.BudgetFen != nil {
		v["budget_yuan"] = strconv.FormatFloat(float64(*p.BudgetFen)/100, 'f', -1, 64)
	}
	if p.AutoGrant {
		v["auto_grant"] = "true"
	}
	v["excludes"] = strings.Join(p.Excludes, ", ")
	if p.YieldsToHigher {
		v["yields_to_higher"] = "true"
	}
	v["obligation_years"] = strconv.Itoa(p.ObligationYears)
	if p.ClawbackProRata {
		v["clawback_pro_rata"] = "true"
	}
	var docs []string
	for _, d := range p.RequiredDocuments {
		docs = append(docs, d.Zh+" | "+d.En)
	}
	v["required_documents"] = strings.Join(docs, "\n")
	var buf strings.Builder
	if len(p.RuleSet) > 0 {
		var pretty any
		if json.Unmarshal(p.RuleSet, &pretty) == nil {
			b, _ := json.MarshalIndent(pretty, "", "  ")
			buf.Write(b)
		}
	}
	v["rule_set"] = buf.String()
	return v
}

func (pg *Pages) renderForm(w http.ResponseWriter, r *http.Request, status int, d formData, err error) {
	lang := ui.Lang(r.Context())
	u := auth.From(r.Context())
	d.Owners = pg.options(r.Context(), lang, u, d.Values["owner_org_id"])
	d.Levels = ui.Options(Levels, func(l string) string { return i18n.T(lang, "prog.level."+l) }, d.Values["level"])
	d.FieldErr = map[string]string{}
	if err != nil {
		if ae := apperr.As(err); ae != nil && len(ae.Fields) > 0 {
			d.Error = i18n.T(lang, "prog.form.invalid")
			if ae.Code == apperr.Conflict {
				d.Error = i18n.T(lang, "prog.form.conflict")
			}
			for _, f := range ae.Fields {
				name := f.Field
				if strings.HasPrefix(name, "rule_set") {
					name = "rule_set"
				}
				if name == "budget_fen" {
					name = "budget_yuan"
				}
				if strings.HasPrefix(name, "required_documents") {
					name = "required_documents"
				}
				msg := ui.FieldMessage(lang, f.Message, nil)
				if name == "rule_set" {
					msg = f.Message // the engine's own words, with the position
				}
				if _, seen := d.FieldErr[name]; !seen {
					d.FieldErr[name] = msg
				} else if name == "rule_set" {
					d.FieldErr[name] += "\n" + f.Field + ": " + msg
				}
				label := f.Field
				if slices.Contains(formFields, name) {
					label = i18n.T(lang, "prog.f."+name)
					if name == "rule_set" && f.Field != "rule_set" {
						label += " · " + strings.TrimPrefix(f.Field, "rule_set.")
					}
				}
				d.Errors = append(d.Errors, fieldErr{Field: name, Label: label, Message: msg})
			}
		} else {
			pg.UI.Error(w, r, err)
			return
		}
	}
	title := "prog.edit"
	if d.New {
		title = "prog.new"
	}
	pg.UI.Render(w, r, status, "program_edit", ui.NewPage(r, title, d))
}

// New is GET /programs/new.
func (pg *Pages) New(w http.ResponseWriter, r *http.Request) {
	u := auth.From(r.Context())
	if u == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	if !CanCreate(u) {
		pg.UI.Error(w, r, apperr.New(apperr.Forbidden, "only officers of a government agency and administrators create programs"))
		return
	}
	v := map[string]string{"level": "district", "rule_set": starterRuleSet}
	if ags := AgenciesOf(u); len(ags) > 0 {
		v["owner_org_id"] = strconv.FormatInt(ags[0].OrgID, 10)
	}
	pg.renderForm(w, r, http.StatusOK, formData{New: true, Values: v}, nil)
}

// inputOfForm reads the editor's form into an Input.
func inputOfForm(form url.Values, creating bool) (Input, map[string]string, error) {
	in := Input{nulls: map[string]bool{}}
	v := map[string]string{}
	for _, f := range formFields {
		v[f] = form.Get(f)
	}
	var fs []apperr.FieldError
	str := func(name string) *string { s := v[name]; return &s }
	in.Slug, in.Level = str("slug"), str("level")
	in.TitleZh, in.TitleEn, in.SummaryZh, in.SummaryEn = str("title_zh"), str("title_en"), str("summary_zh"), str("summary_en")
	in.FundNameZh, in.FundNameEn, in.FundCode, in.LegalReference = str("fund_name_zh"), str("fund_name_en"), str("fund_code"), str("legal_reference")
	if s := strings.TrimSpace(v["owner_org_id"]); s == "" {
		in.nulls["owner_org_id"] = true
	} else if id, err := strconv.ParseInt(s, 10, 64); err != nil || id < 1 {
		fs = append(fs, apperr.FieldError{Field: "owner_org_id", Message: "is not an organization"})
	} else {
		in.OwnerOrgID = &id
	}
	for _, d := range []struct {
		name string
		dst  **string
	}{{"opens_on", &in.OpensOn}, {"closes_on", &in.ClosesOn}} {
		if s := strings.TrimSpace(v[d.name]); s == "" {
			in.nulls[d.name] = true
		} else {
			*d.dst = &s
		}
	}
	if s := strings.ReplaceAll(strings.TrimSpace(v["budget_yuan"]), ",", ""); s == "" {
		in.nulls["budget_fen"] = true
	} else if y, err := strconv.ParseFloat(s, 64); err != nil || y < 0 || y > maxBudgetFen/100 {
		fs = append(fs, apperr.FieldError{Field: "budget_yuan", Message: "must be an amount of yuan"})
	} else {
		fen := int64(y*100 + 0.5)
		in.BudgetFen = &fen
	}
	docs := []Document{}
	for _, line := range strings.Split(v["required_documents"], "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		zh, en, ok := strings.Cut(line, "|")
		if !ok {
			en = zh
		}
		docs = append(docs, Document{Zh: strings.TrimSpace(zh), En: strings.TrimSpace(en)})
	}
	in.RequiredDocuments = &docs
	ag := v["auto_grant"] == "true"
	in.AutoGrant = &ag
	excludes := []string{}
	for _, x := range strings.FieldsFunc(v["excludes"], func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' }) {
		excludes = append(excludes, x)
	}
	in.Excludes = &excludes
	yh, pr := v["yields_to_higher"] == "true", v["clawback_pro_rata"] == "true"
	in.YieldsToHigher, in.ClawbackProRata = &yh, &pr
	if s := strings.TrimSpace(v["obligation_years"]); s == "" {
		zero := 0
		in.ObligationYears = &zero
	} else if n, err := strconv.Atoi(s); err != nil {
		fs = append(fs, apperr.FieldError{Field: "obligation_years", Message: "must be a whole number of years"})
	} else {
		in.ObligationYears = &n
	}
	rsText := json.RawMessage(strings.TrimSpace(v["rule_set"]))
	in.RuleSet = &rsText
	if !creating {
		n, err := strconv.Atoi(form.Get("version"))
		if err != nil {
			fs = append(fs, apperr.FieldError{Field: "version", Message: "must be a whole number"})
		}
		in.Version = &n
	}
	return in, v, apperr.Fields(fs)
}

// Create is POST /programs/new.
func (pg *Pages) Create(w http.ResponseWriter, r *http.Request) {
	u := auth.From(r.Context())
	if u == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	in, v, err := inputOfForm(r.PostForm, true)
	if err == nil {
		var p Program
		if p, err = pg.S.Create(r.Context(), u, in); err == nil {
			http.Redirect(w, r, "/programs/"+p.Slug+"?flash=flash.program_saved", http.StatusSeeOther)
			return
		}
	}
	pg.failForm(w, r, formData{New: true, Values: v}, err)
}

func (pg *Pages) failForm(w http.ResponseWriter, r *http.Request, d formData, err error) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		pg.renderForm(w, r, http.StatusUnprocessableEntity, d, err)
	case apperr.Conflict:
		if ae := apperr.As(err); ae != nil && len(ae.Fields) > 0 {
			pg.renderForm(w, r, http.StatusConflict, d, err)
			return
		}
		pg.UI.Error(w, r, err)
	default:
		pg.UI.Error(w, r, err)
	}
}

// editable loads a program for its editor.
func (pg *Pages) editable(r *http.Request) (Program, error) {
	u := auth.From(r.Context())
	if u == nil {
		return Program{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	p, err := pg.load(r)
	if err != nil {
		return Program{}, err
	}
	if !CanEdit(u, &p) {
		return Program{}, apperr.New(apperr.Forbidden, "only officers of the owning agency and administrators change a program")
	}
	return p, nil
}

// Edit is GET /programs/{slug}/edit.
func (pg *Pages) Edit(w http.ResponseWriter, r *http.Request) {
	p, err := pg.editable(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.renderForm(w, r, http.StatusOK, formData{Slug: p.Slug, Values: valuesOf(&p), Version: p.Version}, nil)
}

// Save is POST /programs/{slug}/edit.
func (pg *Pages) Save(w http.ResponseWriter, r *http.Request) {
	p, err := pg.editable(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	in, v, err := inputOfForm(r.PostForm, false)
	if err == nil {
		if in.Slug != nil && *in.Slug == p.Slug {
			in.Slug = nil
		}
		var saved Program
		if saved, err = pg.S.Update(r.Context(), auth.From(r.Context()), strconv.FormatInt(p.ID, 10), in); err == nil {
			http.Redirect(w, r, "/programs/"+saved.Slug+"?flash=flash.program_saved", http.StatusSeeOther)
			return
		}
	}
	version := p.Version
	if ae := apperr.As(err); ae != nil && ae.Code == apperr.Conflict {
		// Keep what was typed; saving again knowingly overwrites.
		if cur, gerr := pg.S.Get(r.Context(), auth.From(r.Context()), strconv.FormatInt(p.ID, 10)); gerr == nil {
			version = cur.Version
		}
	}
	pg.failForm(w, r, formData{Slug: p.Slug, Values: v, Version: version}, err)
}

type previewData struct {
	row
	Preview
	Criteria []previewRow
	Budget   string
}

type previewRow struct {
	Label                string
	Met, NotMet, Unknown int
}

// Preview is GET /programs/{slug}/preview: every enterprise against the
// program, for its editors.
func (pg *Pages) Preview(w http.ResponseWriter, r *http.Request) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	p, err := pg.editable(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	var asOf time.Time
	if s := r.URL.Query().Get("as_of"); s != "" {
		if asOf, err = ParseAsOf(s, pg.S.DB.Now()); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	pv, err := pg.S.Preview(ctx, u, strconv.FormatInt(p.ID, 10), asOf)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := previewData{row: pg.rowOf(lang, u, pg.ownerNames(ctx, lang, []Program{p}), p), Preview: pv}
	for _, c := range pv.Criteria {
		d.Criteria = append(d.Criteria, previewRow{Label: c.Label.In(lang), Met: c.Met, NotMet: c.NotMet, Unknown: c.Unknown})
	}
	page := ui.NewPage(r, "", d)
	page.Title = i18n.T(lang, "prog.preview") + " · " + d.Title
	pg.UI.Render(w, r, http.StatusOK, "program_preview", page)
}

func (pg *Pages) transition(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, u *auth.Principal, ref string, v *int) (Program, error), flash string) {
	p, err := pg.editable(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	var version *int
	if s := r.PostForm.Get("version"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field("version", "must be a whole number"))
			return
		}
		version = &n
	}
	if _, err := do(r.Context(), auth.From(r.Context()), strconv.FormatInt(p.ID, 10), version); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/programs/"+p.Slug+"?flash="+flash, http.StatusSeeOther)
}

// Publish is POST /programs/{slug}/publish.
func (pg *Pages) Publish(w http.ResponseWriter, r *http.Request) {
	pg.transition(w, r, pg.S.Publish, "flash.program_published")
}

// Close is POST /programs/{slug}/close.
func (pg *Pages) Close(w http.ResponseWriter, r *http.Request) {
	pg.transition(w, r, pg.S.Close, "flash.program_closed")
}

// checkField is one input of the self-check form.
type checkField struct {
	Name, Label, Type, Value, Error, Hint string
	Options                               []ui.Option
}

type checkData struct {
	row
	Fields  []checkField
	Orgs    []ui.Option // the signed-in user's organizations to fill from
	OrgID   int64
	Result  *Outcome
	Invalid bool
	Values  []ValueOutcome
}

// checkFields are the profile fields the self-check form asks for.
func checkFields() []rules.Field {
	var out []rules.Field
	for _, f := range rules.Fields {
		switch f.Name {
		case "uscc", "name_zh", "name_en", "park_id":
			continue
		}
		if f.Person {
			continue
		}
		out = append(out, f)
	}
	return out
}

func formValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return ""
}

// districtOptions lists the districts for a select.
func (pg *Pages) districtOptions(ctx context.Context, lang, current string) []ui.Option {
	ds, err := pg.S.Registry.Districts(ctx)
	if err != nil {
		return nil
	}
	slugs := make([]string, len(ds))
	names := map[string]string{}
	for i, d := range ds {
		slugs[i], names[d.Slug] = d.Slug, pick(lang, d.NameZh, d.NameEn)
	}
	return ui.Options(slugs, func(s string) string { return names[s] }, current)
}

// form builds the self-check form from values (registry names).
func (pg *Pages) checkForm(ctx context.Context, lang string, vals map[string]any, errs map[string]string) []checkField {
	var out []checkField
	for _, f := range checkFields() {
		cf := checkField{Name: f.Name, Label: pick(lang, f.LabelZh, f.LabelEn), Value: formValue(vals[f.Name]), Error: errs[f.Name]}
		if cf.Error != "" {
			cf.Error = ui.FieldMessage(lang, cf.Error, nil)
		}
		switch {
		case f.Name == "registered_district" || f.Name == "tax_district":
			cf.Type, cf.Options = "select", pg.districtOptions(ctx, lang, cf.Value)
		case f.Name == "kind":
			cf.Type, cf.Options = "select", ui.Options(f.Enum, func(k string) string { return i18n.T(lang, "orgkind."+k) }, cf.Value)
		case f.Name == "tech_field":
			cf.Type, cf.Options = "select", ui.Options(f.Enum, func(t string) string { return i18n.T(lang, "tech."+t) }, cf.Value)
		case f.Type == rules.Strings:
			var cur []string
			switch l := vals[f.Name].(type) {
			case []string:
				cur = l
			case []any:
				for _, e := range l {
					if s, ok := e.(string); ok {
						cur = append(cur, s)
					}
				}
			}
			cf.Type, cf.Options = "checks", ui.Options(f.Enum, func(c string) string { return i18n.T(lang, "cert."+c) }, cur...)
		case f.Type == rules.Bool:
			cf.Type = "bool"
			cf.Options = []ui.Option{
				{Value: "", Label: i18n.T(lang, "value.unknown"), Selected: cf.Value == ""},
				{Value: "true", Label: i18n.T(lang, "value.yes"), Selected: cf.Value == "true"},
				{Value: "false", Label: i18n.T(lang, "value.no"), Selected: cf.Value == "false"},
			}
		case f.Type == rules.Date:
			cf.Type = "date"
		case f.Type == rules.Number:
			cf.Type = "number"
			if f.Format == rules.FormatYuan {
				cf.Hint = i18n.T(lang, "edit.hint.money")
			}
		default:
			cf.Type = "text"
			if f.Name == "industry" {
				cf.Hint = i18n.T(lang, "edit.hint.industry")
			}
		}
		out = append(out, cf)
	}
	return out
}

// myOrgs lists the organizations of the signed-in user, for prefilling.
func myOrgs(u *auth.Principal, current int64) []ui.Option {
	var ids []string
	names := map[string]string{}
	for _, m := range u.OrgIDs() {
		id := strconv.FormatInt(m, 10)
		ids = append(ids, id)
		for _, ms := range u.Memberships {
			if ms.OrgID == m {
				names[id] = ms.OrgName
			}
		}
	}
	return ui.Options(ids, func(id string) string { return names[id] }, strconv.FormatInt(current, 10))
}

// Check is GET /programs/{slug}/check: the self-check form, filled from
// the signed-in user's organization (?org= picks one of several).
func (pg *Pages) Check(w http.ResponseWriter, r *http.Request) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	p, err := pg.load(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	vals := map[string]any{"kind": "enterprise"}
	d := checkData{row: pg.rowOf(lang, u, pg.ownerNames(ctx, lang, []Program{p}), p)}
	if ids := u.OrgIDs(); len(ids) > 0 {
		d.OrgID = ids[0]
		if s := r.URL.Query().Get("org"); s != "" {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && slices.Contains(ids, id) {
				d.OrgID = id
			}
		}
		if o, err := pg.S.Registry.Get(ctx, u, d.OrgID); err == nil {
			vals = ProfileValues(&o)
		}
		d.Orgs = myOrgs(u, d.OrgID)
	}
	d.Fields = pg.checkForm(ctx, lang, vals, nil)
	page := ui.NewPage(r, "", d)
	page.Title = i18n.T(lang, "prog.check") + " · " + d.Title
	pg.UI.Render(w, r, http.StatusOK, "program_check", page)
}

// profileOfForm reads the self-check form: empty inputs are unknown.
func profileOfForm(form url.Values) (map[string]any, map[string]string) {
	vals := map[string]any{}
	errs := map[string]string{}
	for _, f := range checkFields() {
		s := strings.TrimSpace(form.Get(f.Name))
		switch f.Type {
		case rules.Strings:
			var l []string
			for _, c := range form[f.Name] {
				if c = strings.TrimSpace(c); c != "" {
					l = append(l, c)
				}
			}
			vals[f.Name] = l
			continue
		case rules.Number:
			if s == "" {
				continue
			}
			x, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
			if err != nil {
				errs[f.Name] = "must be a whole number"
				vals[f.Name] = s
				continue
			}
			vals[f.Name] = x
			continue
		case rules.Bool:
			switch s {
			case "true":
				vals[f.Name] = true
			case "false":
				vals[f.Name] = false
			}
			continue
		}
		if s != "" {
			vals[f.Name] = s
		}
	}
	return vals, errs
}

// RunCheck is POST /programs/{slug}/check: the results beside the form.
func (pg *Pages) RunCheck(w http.ResponseWriter, r *http.Request) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	p, err := pg.load(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	vals, errs := profileOfForm(r.PostForm)
	d := checkData{row: pg.rowOf(lang, u, pg.ownerNames(ctx, lang, []Program{p}), p)}
	status := http.StatusOK
	if len(errs) == 0 {
		clean := map[string]any{}
		for k, v := range vals {
			clean[k] = v
		}
		prof, perr := rules.NewProfile(clean)
		if perr == nil {
			_, res, eerr := pg.S.Evaluate(ctx, u, strconv.FormatInt(p.ID, 10), prof, pg.S.today())
			if eerr != nil {
				pg.UI.Error(w, r, eerr)
				return
			}
			out := OutcomeOf(res, lang)
			d.Result, d.Values = &out, out.Values
		} else if ae := apperr.As(perr); ae != nil && ae.Code == apperr.Invalid {
			for _, f := range ae.Fields {
				errs[f.Field] = f.Message
			}
		} else {
			pg.UI.Error(w, r, perr)
			return
		}
	}
	if len(errs) > 0 {
		status, d.Invalid = http.StatusUnprocessableEntity, true
	}
	if u != nil {
		if ids := u.OrgIDs(); len(ids) > 0 {
			d.OrgID = ids[0]
			d.Orgs = myOrgs(u, d.OrgID)
		}
	}
	d.Fields = pg.checkForm(ctx, lang, vals, errs)
	page := ui.NewPage(r, "", d)
	page.Title = i18n.T(lang, "prog.check") + " · " + d.Title
	pg.UI.Render(w, r, status, "program_check", page)
}

type matchRow struct {
	Program ProgramRef
	Outcome
	Owner string
}

type forOrgData struct {
	OrgID      int64
	Name       string
	AsOf       string
	Eligible   []matchRow
	Unknown    []matchRow
	Ineligible []matchRow
}

// ForOrg is GET /orgs/{id}/programs: "programs for you".
func (pg *Pages) ForOrg(w http.ResponseWriter, r *http.Request) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	if u == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		pg.UI.Error(w, r, apperr.New(apperr.NotFound, "no organization %q", r.PathValue("id")))
		return
	}
	err = pg.S.EligibilityDo(ctx, u, id, func(o registry.Org, ms []Match, asOf time.Time) error {
		progs := make([]Program, len(ms))
		for i := range ms {
			progs[i] = ms[i].Program
		}
		owners := pg.ownerNames(ctx, lang, progs)
		d := forOrgData{OrgID: id, Name: pick(lang, o.NameZh, o.NameEn), AsOf: asOf.Format(time.DateOnly)}
		for i := range ms {
			mr := matchRow{Program: RefOf(&ms[i].Program, lang), Outcome: OutcomeOf(ms[i].Result, lang), Owner: i18n.T(lang, "prog.owner_none")}
			if ms[i].Program.OwnerOrgID != nil {
				mr.Owner = owners[*ms[i].Program.OwnerOrgID]
			}
			switch ms[i].Result.Status {
			case rules.Eligible:
				d.Eligible = append(d.Eligible, mr)
			case rules.Unknown:
				d.Unknown = append(d.Unknown, mr)
			default:
				d.Ineligible = append(d.Ineligible, mr)
			}
		}
		page := ui.NewPage(r, "", d)
		page.Title = i18n.T(lang, "prog.for_you") + " · " + d.Name
		pg.UI.Render(w, r, http.StatusOK, "org_programs", page)
		return nil
	})
	if err != nil {
		pg.UI.Error(w, r, err)
	}
}
